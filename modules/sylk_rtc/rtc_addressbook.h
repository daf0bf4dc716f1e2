/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The address book of a browser account (account-fetch-addressbook,
 * account-update-addressbook): the user's XCAP documents (resource-lists
 * and pres-rules, "index") in the xcap table that Kamailio's xcap_server
 * serves, read and written through the gateway's database connection
 * (rtc_db.h), never with the store lock held. Edits made over XCAP reach
 * the account's connections as addressbook-updated through the two script
 * functions the XCAP route calls around xcaps_put()/xcaps_del(). */
#ifndef SYLK_RTC_ADDRESSBOOK_H
#define SYLK_RTC_ADDRESSBOOK_H

#include "core/parser/msg_parser.h"

#include <json-c/json.h>

#include "sylk_ws/sylkrtc/sylkrtc_request.h"

/* Handles account-fetch-addressbook and account-update-addressbook. */
void rtc_addressbook_request(int conn_id, const struct sylkrtc_request *req);

/* Script: before an XCAP PUT/DELETE of @p uri's documents, keep the
 * address book as it is (this process, until _changed()). */
int rtc_addressbook_snapshot(struct sip_msg *msg, str *uri);

/* Script: after it, tell the user's connections what changed. */
int rtc_addressbook_changed(struct sip_msg *msg, str *uri);

/* The address book of @p aor as the documents hold it (new reference), or
 * NULL. No lock held. */
json_object *rtc_addressbook_load(const char *aor);

#endif
