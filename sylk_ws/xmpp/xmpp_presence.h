/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presence between SIP and XMPP (RFC 7248) without Kamailio: reading a
 * <presence/>, the gateway's subscription decisions and state machines,
 * a contact's resources folded into one state for SIP, and the nickname
 * and room mapping of multi-user chat (RFC 7702).
 *
 *   inbound  (an XMPP user watches one of our SIP users)
 *     subscribe    -> policy allow: subscribed + current state, watcher kept
 *                     policy deny:  unsubscribed
 *     probe        -> current state (a watcher not known yet is taken again
 *                     when the policy allows: Prosody probes only for
 *                     subscriptions approved earlier, e.g. before a restart)
 *     unsubscribe  -> watcher dropped, unavailable
 *   outbound (one of our SIP users SUBSCRIBEs to an XMPP user)
 *     PENDING --subscribed/presence--> ACTIVE --unsubscribed--> TERMINATED
 *     PENDING --unsubscribed--> TERMINATED (rejected)
 *
 * Kamailio-free: libc only. */
#ifndef SYLK_XMPP_PRESENCE_H
#define SYLK_XMPP_PRESENCE_H

#include <stdbool.h>
#include <stddef.h>

#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

enum xmpp_pres_type {
	XMPP_PT_AVAILABLE,
	XMPP_PT_UNAVAILABLE,
	XMPP_PT_SUBSCRIBE,
	XMPP_PT_SUBSCRIBED,
	XMPP_PT_UNSUBSCRIBE,
	XMPP_PT_UNSUBSCRIBED,
	XMPP_PT_PROBE,
	XMPP_PT_ERROR,
	XMPP_PT_UNKNOWN,
};

/* A received <presence/>. Pointers into the element. */
struct xmpp_presence_in {
	const char *from, *to, *id;
	enum xmpp_pres_type type;
	struct xmpp_pres pres; /* AVAILABLE/UNAVAILABLE: show and status */
	bool muc;              /* <x xmlns='http://jabber.org/protocol/muc'/> (a MUC join) */
};

/* 0; EINVAL when @p el is no <presence/> or lacks from or to. */
int xmpp_presence_read(struct xmpp_presence_in *p, const struct xmpp_el *el);
/* The type attribute of @p t; NULL for available (and unknown). */
const char *xmpp_pres_type_name(enum xmpp_pres_type t);

/* ---- inbound: XMPP watchers of our users ---------------------------------------- */

enum xmpp_policy { XMPP_POLICY_ALLOW, XMPP_POLICY_DENY };
/* "allow" / "deny" (any case). 0 or EINVAL. */
int xmpp_policy_parse(const char *s, enum xmpp_policy *out);

/* what the gateway does for one inbound stanza (bits) */
enum {
	XMPP_IN_SUBSCRIBED = 1,   /* answer <presence type='subscribed'/> */
	XMPP_IN_UNSUBSCRIBED = 2, /* answer <presence type='unsubscribed'/> */
	XMPP_IN_STATE = 4,        /* send the current state (available or unavailable) */
	XMPP_IN_UNAVAILABLE = 8,  /* send unavailable */
	XMPP_IN_KEEP = 16,        /* the watcher is (now) one of ours: keep it */
	XMPP_IN_DROP = 32,        /* forget the watcher */
};
/* @p known: the watcher is kept already. Returns the action bits. */
unsigned xmpp_in_decide(enum xmpp_pres_type t, enum xmpp_policy policy, bool known);

/* ---- outbound: our SIP users watching XMPP contacts -------------------------------- */

enum xmpp_out_state { XMPP_OUT_PENDING, XMPP_OUT_ACTIVE, XMPP_OUT_TERMINATED };
/* The next state after @p t from the contact (subscribed, unsubscribed;
 * an available/unavailable presence implies an approval). */
enum xmpp_out_state xmpp_out_next(enum xmpp_out_state s, enum xmpp_pres_type t);
/* Subscription-State value: "pending;expires=N", "active;expires=N",
 * "terminated;reason=R". 0 or ENOSPC. */
int xmpp_out_substate(char *buf, size_t size, enum xmpp_out_state s, long expires,
		      const char *reason);

/* ---- a contact's resources ---------------------------------------------------------- */

#define XMPP_RES_MAX 8
#define XMPP_RES_SIZE 128

struct xmpp_resources {
	int n;
	char name[XMPP_RES_MAX][XMPP_RES_SIZE];
	struct xmpp_pres pres[XMPP_RES_MAX]; /* in arrival order, newest last */
};

/* Resource @p res (of a full JID, "" for a bare one) is now @p p (an
 * unavailable one removes it; an unavailable bare JID removes all). True
 * when the folded state changed. */
bool xmpp_resources_update(struct xmpp_resources *r, const char *res, const struct xmpp_pres *p);
/* The folded state: the newest available resource, else unavailable. */
void xmpp_resources_state(const struct xmpp_resources *r, struct xmpp_pres *out);

/* ---- multi-user chat (RFC 7702, XEP-0045) --------------------------------------------- */

/* A nickname a room shows: a JID resource, 1..64 bytes, no controls. */
bool xmpp_muc_nick_ok(const char *nick);
/* The nickname of a SIP participant: its display name when it is a usable
 * nickname, else the user part of its URI. 0, EINVAL. */
int xmpp_muc_nick_of(char *buf, size_t size, const char *display, const char *sip_uri);
/* The focus URI (sip:room@conference.domain) of a room JID (the resource
 * dropped). 0, EINVAL, ENOSPC. */
int xmpp_muc_room_uri(char *buf, size_t size, const char *room_jid);

#endif
