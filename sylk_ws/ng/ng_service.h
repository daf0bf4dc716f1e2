/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtpengine requests of the test services the gateway answers itself (echo
 * and playback, issue 19). Each service call is one rtpengine call whose
 * callee is nobody: the caller's offer goes in (with "media echo" for the
 * echo service), an answer from a made-up callee whose ports are the
 * discard port closes it, and rtpengine's answer SDP goes back to the
 * caller. Playback then asks for "play media" of a WAV.
 *
 * The fill functions set the command and fields of a zeroed struct
 * ng_request (ng_message.h) and keep pointers to the caller's strings;
 * ng_request_encode() makes the datagram. Kamailio-free. */
#ifndef SYLK_WS_NG_SERVICE_H
#define SYLK_WS_NG_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

#include "sylk_ws/ng/ng_message.h"

/* The caller's offer; @p echo reflects its media back to it. @p sdp_len 0:
 * strlen(sdp). 0 or EINVAL (a NULL argument). */
int ng_service_offer(struct ng_request *req, const char *call_id, const char *from_tag,
		     const char *sdp, size_t sdp_len, bool echo);

/* Nobody's answer (ng_service_fake_answer() of the offer's reply) under
 * @p to_tag. 0 or EINVAL. */
int ng_service_answer(struct ng_request *req, const char *call_id, const char *from_tag,
		      const char *to_tag, const char *sdp);

/* "play media" of @p file to the caller. 0 or EINVAL. */
int ng_service_play(struct ng_request *req, const char *call_id, const char *from_tag,
		    const char *file);

/* How long the playback of a "play media" reply lasts, in whole seconds
 * rounded up: its "duration" (ms), 1 when the reply has none. */
int ng_service_play_seconds(const struct ng_reply *reply);

/* The SDP of nobody answering @p sdp (rtpengine's offer output): every
 * port 9 (discard), no a=rtcp (it names rtpengine's own port), a=ssrc or
 * a=msid lines (the caller's, which would come back as the remote ones).
 * 0, EINVAL, EBADMSG (an m= line without port) or EMSGSIZE. */
int ng_service_fake_answer(const char *sdp, char *out, size_t size);

/* Sends one request and gives its reply (0), or an errno value: the
 * caller's transport to rtpengine. */
typedef int (*ng_service_send_f)(const struct ng_request *req, struct ng_reply **replyp);

/* A service call's whole negotiation: the caller's offer @p sdp (@p echo:
 * "media echo"), nobody's answer under @p to_tag, and the SDP rtpengine
 * gives the caller copied into @p answer (NUL-terminated). 0, EINVAL,
 * EPROTO (a reply without SDP), EMSGSIZE, ENOMEM, EBADMSG, or what
 * @p send returned. */
int ng_service_negotiate(ng_service_send_f send, const char *call_id, const char *from_tag,
			 const char *to_tag, const char *sdp, size_t sdp_len, bool echo,
			 char *answer, size_t size);

#endif
