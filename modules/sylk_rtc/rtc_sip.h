/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP user-agent plumbing shared by registrations and calls: dialogs toward
 * the outbound proxy, digest answers to 401/407, reasons from replies. */
#ifndef SYLK_RTC_SIP_H
#define SYLK_RTC_SIP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/parser/msg_parser.h"
#include "modules/tm/dlg.h"

#define RTC_HDRS_SIZE 8192

/* A new UAC dialog from sip:@p from_aor to sip:@p to_aor, sent through the
 * outbound proxy. Call-ID and tag are generated when NULL/empty; both are
 * copied back into @p call_id / @p tag (RTC_CALLID_SIZE / RTC_TAG_SIZE). */
dlg_t *rtc_sip_dialog(const char *from_aor, const char *display, const char *to_aor, char *call_id,
		      char *tag);

/* Random lower-case hex, @p size - 1 characters. */
void rtc_sip_random_hex(char *buf, size_t size);

/* "<sip:gw-KEY@HOST>" */
int rtc_sip_contact(char *buf, size_t size, unsigned account_key);

/* The account key in a Request-URI user that rtc_sip_contact() wrote;
 * 0 when it is not ours. */
unsigned rtc_sip_contact_key(const str *user);

/* "486 Busy Here", "408 Request Timeout" for a reply (or FAKED_REPLY). */
void rtc_sip_reason(char *buf, size_t size, struct sip_msg *rpl, int code);

/* Appends "Authorization: ..." or "Proxy-Authorization: ...\r\n" answering
 * the challenge in @p rpl (401 or 407) for @p method to @p uri. 0 on
 * success. */
int rtc_sip_authorize(char *hdrs, size_t size, struct sip_msg *rpl, const char *method,
		      const str *uri, const char *user, const char *ha1);

/* rtc_sip_authorize(), also copying the challenge it answered to @p keep
 * (emptied when it does not fit), for rtc_sip_authorize_again(). */
int rtc_sip_authorize_keep(char *hdrs, size_t size, struct sip_msg *rpl, const char *method,
			   const str *uri, const char *user, const char *ha1, char *keep,
			   size_t keep_size);

/* Credentials for a challenge kept from an earlier reply, with nonce count
 * @p nc: requests that would be challenged the same way go out answered,
 * saving the 401/407 round trip while the nonce lives. */
int rtc_sip_authorize_again(char *hdrs, size_t size, bool proxy, const char *challenge,
			    unsigned nc, const char *method, const str *uri, const char *user,
			    const char *ha1);

/* snprintf that appends at strlen(buf); -1 when it did not fit */
int rtc_append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
