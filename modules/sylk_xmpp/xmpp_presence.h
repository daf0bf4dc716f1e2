/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presence through the gateway (RFC 7248), both ways:
 *
 * XMPP users watching our SIP users: a <presence type='subscribe'/> to
 * alice@DOMAIN is answered by presence_policy (subscribed/unsubscribed);
 * the gateway SUBSCRIBEs once per watched user to the presence server as
 * sip:xmpp-gateway@DOMAIN (alice's pres-rules decide whether the gateway
 * may see her state: the default rule allows the users of the domain), and
 * each NOTIFY becomes a <presence/> to every XMPP watcher; probes are
 * answered with the last state.
 *
 * Our SIP users watching XMPP users: a SUBSCRIBE (Event: presence) whose
 * R-URI is in xmpp_domains is answered here (202, NOTIFYs with PIDF,
 * refresh and expiry) and becomes an XMPP subscription from the user's JID
 * (subscribe, probe; unsubscribe when the last dialog ends).
 *
 * State in shared memory under one leaf lock; NOTIFYs and the gateway's
 * SUBSCRIBEs leave from the component process only, with the lock
 * released. */
#ifndef SYLK_XMPP_PRESENCE_MOD_H
#define SYLK_XMPP_PRESENCE_MOD_H

#include "core/parser/msg_parser.h"

#include "sylk_ws/xmpp/xmpp_xml.h"

/* the user part of the gateway's watcher identity and Contact */
#define XMPP_PRES_WATCHER "xmpp-gateway"

int xmpp_presence_init(void);
/* sylk_xmpp_presence(): 1 when it answered @p msg (a SUBSCRIBE for an XMPP
 * user, a refresh of one, a NOTIFY for the gateway's own subscriptions),
 * -1 when the request is not the gateway's (the script goes on). */
int xmpp_presence_sip(struct sip_msg *msg);
/* A <presence/> for one of our users (component process). */
void xmpp_presence_from_xmpp(const struct xmpp_el *el);
/* Due SUBSCRIBEs and NOTIFYs, expiries (component process, every turn). */
void xmpp_presence_tick(void);
/* The link came up: watchers get the current states, contacts a probe. */
void xmpp_presence_link_up(void);

#endif
