/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The playback test service with chat (issue 19; SylkServer's playback
 * "plays audio and accepts MSRP chat"): an INVITE to playback@ whose offer
 * has an MSRP chat stream is answered by the focus as a private chat
 * session (conf_session.c) that also carries an audio leg of its own on
 * rtpengine (the caller's audio section, nobody answering it, as the
 * audio-only service in modules/sylk_rtc/rtc_service.c does). Once the ACK
 * came (or 3 s after the 200 without one) rtpengine plays the WAV to the
 * caller; when it is over the focus sends BYE. Each text the caller sends
 * gets 200 and a short reply quoting it. An offer with chat but no audio
 * is answered too (SylkServer's playback takes chat alone): nothing is
 * played, the chat is replied to until the caller leaves, the MSRP
 * connection goes, or 10 minutes are over (BYE). A re-INVITE gets 488 and
 * the call stays as it was. */
#ifndef SYLK_CONF_PLAYBACK_H
#define SYLK_CONF_PLAYBACK_H

#include <stddef.h>

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "conf_store.h"

/* sylk_conference_playback("<wav>"): -1 when @p msg is no INVITE with an
 * SDP offer holding an MSRP chat stream (the audio-only service is the
 * script's next step); otherwise 1, the INVITE answered (200, or 400,
 * 486 at 64 such calls, 488 when rtpengine takes no audio, 500). */
int conf_playback_invite(struct sip_msg *msg, const str *file);

/* Once a second from the focus timer: playbacks to start, calls to end. */
void conf_playback_timer(void);

/* What the session's user sent, as chat_session_route() made it (lock
 * held): the reply, if any, sent back. */
void conf_playback_chat(struct conf_participant *p, struct conf_room *r, const char *cpim,
			size_t len);

/* A re-INVITE (lock held): the call stays as it was; the reason of the
 * 488 to send once unlocked. */
const char *conf_playback_reinvite(const struct conf_participant *p);

/* The session ends (lock held): its rtpengine call goes at the unlock. */
void conf_playback_leave(struct conf_participant *p, struct conf_room *r);

#endif
