/* rtpengine ng client for the gateway: one UDP socket per process, a
 * request waits for its reply (rtpengine answers in about a millisecond),
 * with one retry under the same cookie, which rtpengine answers from its
 * cache instead of acting twice. */
#ifndef SYLK_RTC_NG_H
#define SYLK_RTC_NG_H

#include "sylk_ws/ng_message.h"

/* Parses "udp:HOST:PORT" once, in mod_init. */
int rtc_ng_init(const char *sock);

/* Sends @p req and waits. On 0, *replyp holds a reply with result ok (free
 * with ng_reply_free); otherwise @p why says what went wrong. */
int rtc_ng_request(const struct ng_request *req, struct ng_reply **replyp, char *why,
		   size_t why_size);

/* delete, ignoring the outcome (the call may already be gone) */
void rtc_ng_delete(const char *call_id, const char *from_tag);

/* Whether the leg @p tag of the call has received media packets (ICE and
 * DTLS are done once a browser's SRTP decrypts). -1 when unknown. */
int rtc_ng_leg_has_media(const char *call_id, const char *tag);

#endif
