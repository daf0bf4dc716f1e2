/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Push notifications (issue 15): device tokens of accounts whose own
 * REGISTER succeeded are kept in sylk_push_tokens; a call or a message for
 * an account without a live connection is POSTed, one request per stored
 * token, to push_url in the shape SylkServer sends to sylk-pushserver.
 *
 * Nothing here waits on the network or the database in the caller: every
 * function below only copies into a bounded shm queue (a job that does not
 * fit is dropped and logged). The "SYLKRTC PUSH" process started in
 * child_init reads the tokens and writes them (rtc_db), and POSTs with short
 * timeouts (connect 2 s, whole request 5 s). */
#ifndef SYLK_RTC_PUSH_H
#define SYLK_RTC_PUSH_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"
#include "core/rpc.h"

struct rtc_account;

/* mod_init: checks push_url and push_queue_size, allocates the queue.
 * Push is off (and this is a no-op) when push_url is "". 0 or -1. */
int rtc_push_init(void);
bool rtc_push_enabled(void);
/* child_init: rank PROC_MAIN forks the push process. 0 or -1. */
int rtc_push_child_init(int rank);
void rtc_push_destroy(void);

/* The account's token (account-devicetoken, kept as the RFC 8599 Contact
 * parameters a->push_params) is stored, replacing the row of the same app
 * and device, when the account may receive (its own REGISTER is in force);
 * otherwise nothing happens. Call when the token arrives and when the
 * account's registration succeeds. rtc_lock held. */
void rtc_push_token_save(const struct rtc_account *a);

/* account-unregister: removes the row of the account's app and device,
 * only while the account's own REGISTER is still in force (call before
 * letting it go). rtc_lock held. */
void rtc_push_token_forget(const struct rtc_account *a);

/* A message stored for @p account (user@domain) that no connection has.
 * @p message_id becomes the notification's call-id. */
void rtc_push_message(const char *account, const char *from_uri, const char *from_display,
		      const char *content_type, const char *message_id);

/* videoroom-invite for @p account (user@domain) that no connection has:
 * sylkpush's "incoming_conference_request" to room @p room. */
void rtc_push_conference(const char *account, const char *from_uri, const char *from_display,
			 const char *room, const char *call_id, bool video);

/* A call for @p account that found no registered contact. */
void rtc_push_call(const char *account, const char *from_uri, const char *from_display,
		   const char *call_id, bool video);

/* sylk_rtc_push_call() of the routing script: the account from the R-URI,
 * the caller from From, the Call-ID, video when the offer has m=video.
 * 1 when a push was queued (the account has tokens), -1 otherwise. */
int rtc_push_script_call(struct sip_msg *msg);

/* RPC sylk_rtc.push: queue length and counts. */
void rtc_push_rpc(rpc_t *rpc, void *ctx);

#endif
