/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Account messaging (issue 15): account-message and the other messaging
 * requests, SIP MESSAGEs for our accounts (stored in the journal, delivered
 * to every connection of the account), IMDN both ways, sync events to the
 * account's other connections. */
#ifndef SYLK_RTC_MESSAGE_H
#define SYLK_RTC_MESSAGE_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"

#include "sylk_ws/sylkrtc/sylkrtc_request.h"

/* Handles one messaging request (account-message, -disposition-notification,
 * -sync-conversations, -mark-conversation-read, -remove-message,
 * -remove-conversation, lookup-public-key); replies itself. */
void rtc_message_request(int conn_id, const struct sylkrtc_request *req);

/* sylk_rtc_message() of the routing script: a SIP MESSAGE for a local
 * account. 1: stored (and delivered to the account's connections if any;
 * nothing replied, the script relays or answers); -1: refused and answered
 * (400, 413 ...). With a @p route (an index of main_rt; -1: none) and the
 * SQLite journal: 0 (the script stops) while the transaction waits for the
 * journal writer; once the row is committed a task worker resumes the
 * script at that route, where rtc_message_stored() finishes the work. */
int rtc_message_receive(struct sip_msg *msg, int route);

/* sylk_rtc_message_stored(): in the script resumed after the commit,
 * the rest of rtc_message_receive() (delivery, 1; or the reply of a
 * refusal, -1: the journal is full or failed); elsewhere 1 at once. */
int rtc_message_stored(struct sip_msg *msg);

/* A MESSAGE that reached one of our Contacts (a branch of the proxy's
 * lookup): answered here, 1; -1 when not a MESSAGE. */
int rtc_message_deliver_contact(struct sip_msg *msg, unsigned account_key);

/* A message the server itself sends on behalf of @p from_aor (a file
 * transfer notice, for example): stored in from_aor's journal as outgoing,
 * sent as a SIP MESSAGE (CPIM) to @p to_aor through the proxy, forked as a
 * sync event to from_aor's connections. @p message_id may be NULL (one is
 * made). 0 or an errno value. */
int rtc_message_inject(const char *from_aor, const char *to_aor, const char *content_type,
		       const char *content, const char *message_id);

/* From the gateway timer, once a second: purges the journal hourly. */
void rtc_message_timer(void);

/* Whether some connection has @p aor and may receive for it. */
bool rtc_message_account_online(const char *aor);

#endif
