/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtpengine ng client shared by the modules (the gateway's calls, the
 * focus's audio legs): one UDP socket per process, a
 * request waits for its reply (rtpengine answers in about a millisecond),
 * with one retry under the same cookie, which rtpengine answers from its
 * cache instead of acting twice. */
#ifndef SYLK_NG_CLIENT_H
#define SYLK_NG_CLIENT_H

#include "core/counters.h"
#include "sylk_ws/ng/ng_message.h"

/* Parses "udp:HOST:PORT" (ng_addr.h) once, in mod_init; @p timeout_ms per try. */
int ng_client_init(const char *sock, int timeout_ms);

/* The module's statistics counting failed requests (no usable reply, or a
 * refusal) and requests rtpengine never answered; either may be NULL. */
void ng_client_stats(stat_var **errors, stat_var **timeouts);

/* Sends @p req and waits. On 0, *replyp holds a reply with result ok (free
 * with ng_reply_free); otherwise @p why says what went wrong. */
int ng_client_request(const struct ng_request *req, struct ng_reply **replyp, char *why,
		      size_t why_size);

/* delete, ignoring the outcome (the call may already be gone) */
void ng_client_delete(const char *call_id, const char *from_tag);

/* Whether the leg @p tag of the call has received media packets (ICE and
 * DTLS are done once a browser's SRTP decrypts). -1 when unknown. */
int ng_client_leg_has_media(const char *call_id, const char *tag);

#endif
