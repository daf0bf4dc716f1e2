/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Browser accounts: account-* requests and the REGISTER dialog the gateway
 * keeps for each (digest auth from the HA1, refresh before expiry, retry
 * with backoff, un-REGISTER when the client or its connection lets go). */
#ifndef SYLK_RTC_ACCOUNT_H
#define SYLK_RTC_ACCOUNT_H

#include <stdbool.h>

#include "sylk_ws/sylkrtc/sylkrtc_request.h"

/* Handles one account-* request; replies (ack or error) itself. */
void rtc_account_request(int conn_id, const struct sylkrtc_request *req);

/* The connection is gone: un-REGISTER and drop its accounts. */
void rtc_account_conn_closed(int conn_id);

/* Once a second from the timer process: refreshes and retries due. */
void rtc_account_timer(void);

/* Whether calls and every other event for the account's address may be
 * delivered to this account's connection: only while the account's own
 * REGISTER, with the credentials this connection gave, is in force. Adding
 * an account proves nothing (anyone can type an address and a wrong HA1).
 * Lock held. */
struct rtc_account;
bool rtc_account_may_receive(const struct rtc_account *a);

/* The connections (at most @p max, each once, not @p except) where events
 * for @p aor may be delivered (rtc_account_may_receive); their count.
 * Lock held. */
int rtc_account_receivers(const char *aor, int except, int *out, int max);

/* Whether @p domain may be used (sip_domains parameter). */
int rtc_domain_allowed(const char *domain);

#endif
