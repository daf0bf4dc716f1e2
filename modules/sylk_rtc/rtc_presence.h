/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presence for browser accounts. While at least one connection has an AOR
 * registered (rtc_account_may_receive), the gateway, on the AOR's behalf:
 * SUBSCRIBEs (Event: presence) to each contact of its address book marked
 * presence.subscribe (at most max_presence_subscriptions), refreshes the
 * dialogs and turns their NOTIFYs into "presence" account events (at most
 * one per contact per second: a storm is coalesced, the last state wins);
 * PUBLISHes the AOR open. When the last such connection goes, the
 * subscriptions end (Expires: 0) and the AOR is published closed. State
 * lives in shm under the store lock; SIP goes through tm. */
#ifndef SYLK_RTC_PRESENCE_H
#define SYLK_RTC_PRESENCE_H

#include "core/parser/msg_parser.h"

struct rtc_account;

int rtc_presence_init(void);

/* The account's REGISTER succeeded / it is no longer registered (lock
 * held: only notes the change, the timer does the work). */
void rtc_presence_account_up(const struct rtc_account *a);
void rtc_presence_account_down(const struct rtc_account *a);

/* The AOR's address book changed: its subscriptions follow (no lock). */
void rtc_presence_addressbook_changed(const char *aor);

/* An in-dialog NOTIFY for one of our subscriptions: 1 when handled
 * (replied), 0 when it is not ours. */
int rtc_presence_notify(struct sip_msg *msg);

/* Once a second from the gateway timer. */
void rtc_presence_timer(void);

#endif
