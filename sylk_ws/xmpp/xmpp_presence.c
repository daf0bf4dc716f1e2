/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presence logic of the XMPP gateway: see xmpp_presence.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/xmpp/xmpp_jid.h"
#include "sylk_ws/xmpp/xmpp_presence.h"

#define NS_MUC "http://jabber.org/protocol/muc"

static const char *type_names[] = {
	[XMPP_PT_AVAILABLE] = NULL,
	[XMPP_PT_UNAVAILABLE] = "unavailable",
	[XMPP_PT_SUBSCRIBE] = "subscribe",
	[XMPP_PT_SUBSCRIBED] = "subscribed",
	[XMPP_PT_UNSUBSCRIBE] = "unsubscribe",
	[XMPP_PT_UNSUBSCRIBED] = "unsubscribed",
	[XMPP_PT_PROBE] = "probe",
	[XMPP_PT_ERROR] = "error",
	[XMPP_PT_UNKNOWN] = NULL,
};

const char *xmpp_pres_type_name(enum xmpp_pres_type t)
{
	return (unsigned)t <= XMPP_PT_UNKNOWN ? type_names[t] : NULL;
}

static void copy_text(char *dst, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		n = size - 1;
	while (n && (s[n] & 0xC0) == 0x80)
		n--; /* not inside a UTF-8 character */
	memcpy(dst, s, n);
	dst[n] = 0;
}

int xmpp_presence_read(struct xmpp_presence_in *p, const struct xmpp_el *el)
{
	const struct xmpp_el *c;
	const char *t;

	if (!p || !el || strcmp(el->name, "presence"))
		return EINVAL;
	memset(p, 0, sizeof(*p));
	p->from = xmpp_el_attr(el, "from");
	p->to = xmpp_el_attr(el, "to");
	p->id = xmpp_el_attr(el, "id");
	if (!p->from || !p->to)
		return EINVAL;
	t = xmpp_el_attr(el, "type");
	p->type = XMPP_PT_UNKNOWN;
	if (!t) {
		p->type = XMPP_PT_AVAILABLE;
	} else {
		for (int i = XMPP_PT_UNAVAILABLE; i < XMPP_PT_UNKNOWN; i++)
			if (!strcmp(t, type_names[i]))
				p->type = (enum xmpp_pres_type)i;
	}
	p->pres.available = p->type == XMPP_PT_AVAILABLE;
	if ((c = xmpp_el_child(el, "show", NULL)) && p->pres.available) {
		if (!strcmp(c->text, "away") || !strcmp(c->text, "chat") ||
		    !strcmp(c->text, "dnd") || !strcmp(c->text, "xa"))
			strcpy(p->pres.show, c->text);
	}
	if ((c = xmpp_el_child(el, "status", NULL)))
		copy_text(p->pres.status, sizeof(p->pres.status), c->text);
	p->muc = xmpp_el_child(el, "x", NS_MUC) != NULL;
	return 0;
}

int xmpp_policy_parse(const char *s, enum xmpp_policy *out)
{
	if (!s || !out)
		return EINVAL;
	if (!strcasecmp(s, "allow"))
		*out = XMPP_POLICY_ALLOW;
	else if (!strcasecmp(s, "deny"))
		*out = XMPP_POLICY_DENY;
	else
		return EINVAL;
	return 0;
}

unsigned xmpp_in_decide(enum xmpp_pres_type t, enum xmpp_policy policy, bool known)
{
	bool allow = policy == XMPP_POLICY_ALLOW;

	switch (t) {
	case XMPP_PT_SUBSCRIBE:
		return allow ? XMPP_IN_SUBSCRIBED | XMPP_IN_STATE | XMPP_IN_KEEP :
			       XMPP_IN_UNSUBSCRIBED | XMPP_IN_DROP;
	case XMPP_PT_PROBE:
		if (known)
			return XMPP_IN_STATE;
		/* a subscription approved before a restart: taken again, or
		 * revoked when the policy says no now */
		return allow ? XMPP_IN_STATE | XMPP_IN_KEEP : XMPP_IN_UNSUBSCRIBED;
	case XMPP_PT_UNSUBSCRIBE: return XMPP_IN_DROP | (known ? XMPP_IN_UNAVAILABLE : 0);
	default: return 0;
	}
}

enum xmpp_out_state xmpp_out_next(enum xmpp_out_state s, enum xmpp_pres_type t)
{
	if (s == XMPP_OUT_TERMINATED)
		return s;
	switch (t) {
	case XMPP_PT_SUBSCRIBED:
	case XMPP_PT_AVAILABLE:
	case XMPP_PT_UNAVAILABLE: return XMPP_OUT_ACTIVE;
	case XMPP_PT_UNSUBSCRIBED: return XMPP_OUT_TERMINATED;
	default: return s;
	}
}

int xmpp_out_substate(char *buf, size_t size, enum xmpp_out_state s, long expires,
		      const char *reason)
{
	int n;

	if (expires < 0)
		expires = 0;
	if (s == XMPP_OUT_TERMINATED)
		n = snprintf(buf, size, "terminated;reason=%s", reason ? reason : "noresource");
	else
		n = snprintf(buf, size, "%s;expires=%ld",
			     s == XMPP_OUT_ACTIVE ? "active" : "pending", expires);
	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}

static bool same_pres(const struct xmpp_pres *a, const struct xmpp_pres *b)
{
	return a->available == b->available && !strcmp(a->show, b->show) &&
	       !strcmp(a->status, b->status);
}

static void res_remove(struct xmpp_resources *r, int i)
{
	memmove(r->name[i], r->name[i + 1], (size_t)(r->n - i - 1) * sizeof(r->name[0]));
	memmove(&r->pres[i], &r->pres[i + 1], (size_t)(r->n - i - 1) * sizeof(r->pres[0]));
	r->n--;
}

bool xmpp_resources_update(struct xmpp_resources *r, const char *res, const struct xmpp_pres *p)
{
	struct xmpp_pres before, after;
	int i;

	if (!r || !p)
		return false;
	if (!res)
		res = "";
	xmpp_resources_state(r, &before);
	for (i = 0; i < r->n && strcmp(r->name[i], res); i++)
		;
	if (i < r->n)
		res_remove(r, i);
	if (!p->available && !res[0])
		r->n = 0; /* the bare JID went away: all of it */
	if (p->available) {
		if (r->n == XMPP_RES_MAX)
			res_remove(r, 0); /* the oldest makes room */
		copy_text(r->name[r->n], XMPP_RES_SIZE, res);
		r->pres[r->n++] = *p;
	}
	xmpp_resources_state(r, &after);
	return !same_pres(&before, &after);
}

void xmpp_resources_state(const struct xmpp_resources *r, struct xmpp_pres *out)
{
	memset(out, 0, sizeof(*out));
	if (r && r->n > 0)
		*out = r->pres[r->n - 1];
}

bool xmpp_muc_nick_ok(const char *nick)
{
	size_t n;

	if (!nick)
		return false;
	n = strlen(nick);
	if (n == 0 || n > 64)
		return false;
	for (const unsigned char *c = (const unsigned char *)nick; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return false;
	/* not only spaces */
	return strspn(nick, " ") != n;
}

int xmpp_muc_nick_of(char *buf, size_t size, const char *display, const char *sip_uri)
{
	const char *u, *at;
	size_t n;

	if (!buf || !size)
		return EINVAL;
	if (display && xmpp_muc_nick_ok(display)) {
		copy_text(buf, size, display);
		return 0;
	}
	if (!sip_uri)
		return EINVAL;
	u = sip_uri;
	if (!strncasecmp(u, "sips:", 5))
		u += 5;
	else if (!strncasecmp(u, "sip:", 4))
		u += 4;
	at = strchr(u, '@');
	n = at ? (size_t)(at - u) : strcspn(u, ";>");
	if (n == 0 || n >= size)
		return EINVAL;
	memcpy(buf, u, n);
	buf[n] = 0;
	return xmpp_muc_nick_ok(buf) ? 0 : EINVAL;
}

int xmpp_muc_room_uri(char *buf, size_t size, const char *room_jid)
{
	struct xmpp_jid j;

	if (!buf || xmpp_jid_parse(&j, room_jid) || !j.local[0])
		return EINVAL;
	j.resource[0] = 0;
	return xmpp_jid_to_sip(buf, size, &j);
}
