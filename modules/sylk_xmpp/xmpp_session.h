/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Chat sessions (RFC 7573): an MSRP chat session from one of our SIP users
 * to an XMPP user, bridged to XMPP one-to-one chat. The focus
 * (sylk_conference, its "private chat sessions" API) is the session's UAS
 * and MSRP endpoint and keeps every session; this side maps it to XMPP:
 *
 *   INVITE to an XMPP user        sylk_xmpp_session(): checked here, answered
 *                                 by the focus (200, or its refusal)
 *   what the SIP user sends       <message type='chat'/> from the user's JID
 *                                 (text, receipt, composing/paused)
 *   XMPP chat from the bound peer into the session (CPIM From the peer's
 *   (its bare JID) to the user    SIP URI) instead of a SIP MESSAGE
 *   BYE, MSRP connection lost     <gone/> to the peer
 *   the peer's <gone/>, its       BYE
 *   unavailable presence, an
 *   error saying it is
 *   unreachable, the link down,
 *   the gateway stopping
 *
 * No state of its own: a session is known by its user's and peer's URIs. */
#ifndef SYLK_XMPP_SESSION_H
#define SYLK_XMPP_SESSION_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"

#include "sylk_ws/xmpp/xmpp_stanza.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

/* mod_init: 0 or -1. Without sylk_conference, no chat sessions. */
int xmpp_session_init(void);
/* sylk_xmpp_session(): -1 when @p msg is no INVITE for an XMPP domain (the
 * script goes on), else 1 once answered. */
int xmpp_session_invite(struct sip_msg *msg);
/* A <message/> for one of our users (component process): true when a
 * chat session took it (else it goes on as a SIP MESSAGE). */
bool xmpp_session_message(const struct xmpp_el *el, const struct xmpp_message_in *m);
/* A <presence/> for one of our users (component process): the bound
 * peer's unavailable ends its sessions with that user. */
void xmpp_session_presence(const struct xmpp_el *el);
/* Every session ends with a BYE (the link went down, the gateway stops);
 * @p tell_peers: each peer gets <gone/> (the link is still up). */
void xmpp_session_end_all(const char *why, bool tell_peers);

#endif
