/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Multi-user chat (RFC 7702, XEP-0045) between XMPP users and the MSRP
 * participants of the conference focus: the gateway serves muc_domain
 * (conference.DOMAIN, a second component connection) as a small MUC
 * service; room@muc_domain is the focus room sip:room@muc_domain. XMPP
 * occupants' groupchat messages are posted into the focus room's chat
 * (bind_sylk_conference chat_post, as sip:USER@XMPP-DOMAIN with the
 * nickname as display name); what the focus relays to everyone in a room
 * (chat_listen) reaches its XMPP occupants from room@muc_domain/NICK.
 * Occupants live in shared memory under one leaf lock. */
#ifndef SYLK_XMPP_MUC_H
#define SYLK_XMPP_MUC_H

#include <stdbool.h>

#include "sylk_ws/xmpp/xmpp_xml.h"

/* mod_init: 0 or -1. Without muc_domain, nothing. */
int xmpp_muc_init(void);
/* A stanza that came on the MUC link (component process). */
void xmpp_muc_from_xmpp(const struct xmpp_el *el);
/* The MUC link came (back) up: occupants from before get `unavailable`
 * and are forgotten (their clients still think they are in). */
void xmpp_muc_link_up(void);
/* Every occupant is sent `unavailable` from its room and forgotten (the MUC
 * link came back after a break, or Kamailio stops); @p why for the log;
 * @p tell_focus: the focus rooms stop listing them (not at shutdown). */
void xmpp_muc_release_all(const char *why, bool tell_focus);

/* MUC rooms with XMPP occupants, and those occupants, now. */
void xmpp_muc_counts(int *rooms, int *occupants);
/* An iq disco#info get answered (identity gateway/sip on the main
 * domain, conference/text on the MUC domain and its rooms). True when it
 * was one. */
bool xmpp_disco_answer(const struct xmpp_el *el, bool muc);

#endif
