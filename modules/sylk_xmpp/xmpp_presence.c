/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presence both ways: see xmpp_presence.h. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_expires.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "core/ut.h"

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/base/str.h"
#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_jid.h"
#include "sylk_ws/xmpp/xmpp_presence.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"

#include "../common/sip_util.h"
#include "xmpp_config.h"
#include "xmpp_presence.h"

#define JID_SIZE 256
#define ID_SIZE 128
#define TAG_SIZE 64
#define WORK_MAX 64 /* SUBSCRIBEs or NOTIFYs sent per turn */

struct watcher {
	char jid[JID_SIZE]; /* bare JID of an XMPP watcher */
	struct watcher *next;
};

/* one of our users watched from XMPP; the gateway's subscription to it */
struct entity {
	unsigned key;
	char jid[JID_SIZE]; /* alice@DOMAIN */
	char call_id[ID_SIZE], tag[TAG_SIZE], rem_tag[ID_SIZE];
	unsigned cseq, notify_cseq;
	bool in_flight, known, ending;
	time_t refresh_at; /* 0: now */
	struct xmpp_pres pres;
	struct watcher *watchers;
	struct entity *next;
};

/* an XMPP user watched by SIP users: its resources */
struct contact {
	char jid[JID_SIZE];
	struct xmpp_resources res;
	struct contact *next;
};

/* one SIP dialog watching an XMPP user */
struct sip_sub {
	unsigned key;
	char watcher[JID_SIZE], contact[JID_SIZE];
	char call_id[ID_SIZE], local_tag[TAG_SIZE];
	char me[128]; /* our Contact: the socket the SUBSCRIBE came in on */
	dlg_t *dlg;   /* used by the component process only once listed */
	time_t expires;
	enum xmpp_out_state state;
	char reason[24];
	bool dirty;
	struct sip_sub *next;
};

struct pres_store {
	gen_lock_t lock;
	unsigned next_key;
	struct entity *entities;
	struct contact *contacts;
	struct sip_sub *subs;
};

static struct pres_store *st;

int xmpp_presence_init(void)
{
	st = shm_malloc(sizeof(*st));
	if (!st) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	lock_init(&st->lock);
	return 0;
}

/* ---- small helpers ---------------------------------------------------------- */

static void bare_of(char *buf, size_t size, const char *jid)
{
	size_t n = strcspn(jid, "/");

	sylk_copy(buf, size, jid, n);
}

static const char *resource_of(const char *jid)
{
	const char *s = strchr(jid, '/');

	return s ? s + 1 : "";
}

static bool in_domain(const char *jid, const char *domain)
{
	return xmpp_jid_in_domain(jid, domain);
}

/* <presence/> from @p from to @p to, queued. type NULL: available with @p p.
 * Beyond a full queue it waits as the latest of its (from, to, class) key
 * (xmpp_queue_presence(): a state, the latest subscribe/unsubscribe, the
 * latest subscribed/unsubscribed, a probe) */
static void send_presence(const char *from, const char *to, const char *type,
			  const struct xmpp_pres *p)
{
	struct xmpp_presence_out o = {.from = from, .to = to, .type = type};
	int cls = xmpp_pending_class_of(type);
	struct sbuf sb = SBUF_INIT;
	int err;

	if (!type && p && !p->available)
		o.type = "unavailable";
	if (!o.type && p && p->show[0])
		o.show = p->show;
	if (p && p->status[0])
		o.status = p->status;
	err = cls < 0 || xmpp_presence_build(&sb, &o) || sbuf_err(&sb) ?
		      EINVAL :
		      xmpp_queue_presence(from, to, (enum xmpp_pending_class)cls, sb.buf, sb.len);
	/* ENOSPC: beyond presence_pending_max, told once per interval */
	if (err && err != ENOSPC)
		LM_NOTICE("presence %s from %s to %s not queued\n", o.type ? o.type : "available",
			  from, to);
	sbuf_reset(&sb);
}

/* ---- lookups (lock held) ------------------------------------------------------ */

static struct entity *entity_find(const char *jid)
{
	for (struct entity *e = st->entities; e; e = e->next)
		if (!strcasecmp(e->jid, jid))
			return e;
	return NULL;
}

static struct entity *entity_by_key(unsigned key)
{
	for (struct entity *e = st->entities; e; e = e->next)
		if (e->key == key)
			return e;
	return NULL;
}

static struct watcher **watcher_find(struct entity *e, const char *jid)
{
	struct watcher **w;

	for (w = &e->watchers; *w; w = &(*w)->next)
		if (!strcasecmp((*w)->jid, jid))
			return w;
	return NULL;
}

static struct entity *entity_new(const char *jid)
{
	struct entity *e = shm_malloc(sizeof(*e));

	if (!e)
		return NULL;
	memset(e, 0, sizeof(*e));
	e->key = ++st->next_key;
	sylk_copy(e->jid, sizeof(e->jid), jid, strlen(jid));
	e->next = st->entities;
	st->entities = e;
	return e;
}

static void entity_free(struct entity *e)
{
	struct watcher *w;

	for (struct entity **p = &st->entities; *p; p = &(*p)->next)
		if (*p == e) {
			*p = e->next;
			break;
		}
	while ((w = e->watchers)) {
		e->watchers = w->next;
		shm_free(w);
	}
	shm_free(e);
}

static struct contact *contact_find(const char *jid, bool create)
{
	struct contact *c;

	for (c = st->contacts; c; c = c->next)
		if (!strcasecmp(c->jid, jid))
			return c;
	if (!create || !(c = shm_malloc(sizeof(*c))))
		return NULL;
	memset(c, 0, sizeof(*c));
	sylk_copy(c->jid, sizeof(c->jid), jid, strlen(jid));
	c->next = st->contacts;
	st->contacts = c;
	return c;
}

static int pair_count(const char *watcher, const char *contact)
{
	int n = 0;

	for (struct sip_sub *s = st->subs; s; s = s->next)
		if (s->state != XMPP_OUT_TERMINATED && !strcasecmp(s->watcher, watcher) &&
		    !strcasecmp(s->contact, contact))
			n++;
	return n;
}

/* ---- XMPP -> our users' watchers and SIP watchers ---------------------------------- */

/* subscribe, probe, unsubscribe to one of our users */
static void inbound(const struct xmpp_presence_in *in, const char *watcher, const char *user)
{
	struct xmpp_pres pres = {0};
	bool known, have_state = false;
	unsigned bits;
	struct entity *e;
	struct watcher **wp, *w;

	lock_get(&st->lock);
	e = entity_find(user);
	known = e && watcher_find(e, watcher);
	bits = xmpp_in_decide(in->type, xmpp_pres_policy, known);
	if ((bits & XMPP_IN_KEEP) && !known) {
		if (!e && (e = entity_new(user)))
			LM_INFO("XMPP watchers of %s: the gateway subscribes to its presence\n",
				user);
		w = e ? shm_malloc(sizeof(*w)) : NULL;
		if (w) {
			sylk_copy(w->jid, sizeof(w->jid), watcher, strlen(watcher));
			w->next = e->watchers;
			e->watchers = w;
			e->ending = false;
		} else {
			bits = XMPP_IN_UNSUBSCRIBED; /* no memory: say no rather than lie */
		}
	}
	if ((bits & XMPP_IN_DROP) && e && (wp = watcher_find(e, watcher))) {
		w = *wp;
		*wp = w->next;
		shm_free(w);
		if (!e->watchers)
			e->ending = true; /* the tick ends the SIP subscription */
	}
	if (e && e->known) {
		pres = e->pres;
		have_state = true;
	}
	lock_release(&st->lock);
	if (bits & (XMPP_IN_SUBSCRIBED | XMPP_IN_UNSUBSCRIBED))
		LM_INFO("XMPP %s from %s to %s: %s (presence_policy)\n",
			xmpp_pres_type_name(in->type), watcher, user,
			bits & XMPP_IN_SUBSCRIBED ? "subscribed" : "unsubscribed");
	if (bits & XMPP_IN_SUBSCRIBED)
		send_presence(user, watcher, "subscribed", NULL);
	if (bits & XMPP_IN_UNSUBSCRIBED)
		send_presence(user, watcher, "unsubscribed", NULL);
	if ((bits & XMPP_IN_STATE) && (have_state || in->type == XMPP_PT_PROBE))
		send_presence(user, watcher, NULL, &pres);
	if (bits & XMPP_IN_UNAVAILABLE)
		send_presence(user, watcher, "unavailable", NULL);
	if (bits & XMPP_IN_KEEP)
		xmpp_wake();
}

/* what an XMPP contact says to one of our users who watches it from SIP */
static void outbound(const struct xmpp_presence_in *in, const char *contact_jid,
		     const char *watcher)
{
	bool changed = false;
	struct contact *c;

	lock_get(&st->lock);
	if (in->type == XMPP_PT_AVAILABLE || in->type == XMPP_PT_UNAVAILABLE) {
		c = contact_find(contact_jid, true);
		if (c)
			changed = xmpp_resources_update(&c->res, resource_of(in->from), &in->pres);
	}
	for (struct sip_sub *s = st->subs; s; s = s->next) {
		enum xmpp_out_state next;

		if (strcasecmp(s->contact, contact_jid) || s->state == XMPP_OUT_TERMINATED)
			continue;
		if (!strcasecmp(s->watcher, watcher)) {
			next = xmpp_out_next(s->state, in->type);
			if (next != s->state) {
				s->state = next;
				s->dirty = true;
				if (next == XMPP_OUT_TERMINATED)
					strcpy(s->reason, "rejected");
			}
		}
		if (changed && s->state == XMPP_OUT_ACTIVE)
			s->dirty = true;
	}
	lock_release(&st->lock);
	xmpp_wake();
}

void xmpp_presence_from_xmpp(const struct xmpp_el *el)
{
	char from[JID_SIZE], to[JID_SIZE];
	struct xmpp_presence_in in;

	if (xmpp_presence_read(&in, el) || in.type == XMPP_PT_ERROR || in.type == XMPP_PT_UNKNOWN)
		return;
	bare_of(from, sizeof(from), in.from);
	bare_of(to, sizeof(to), in.to);
	if (!in_domain(to, xmpp_cfg.component_domain) || !strchr(to, '@')) {
		LM_DBG("presence to %s ignored\n", in.to);
		return;
	}
	switch (in.type) {
	case XMPP_PT_SUBSCRIBE:
	case XMPP_PT_PROBE:
	case XMPP_PT_UNSUBSCRIBE: inbound(&in, from, to); break;
	default: outbound(&in, from, to); break;
	}
}

/* ---- the gateway's SUBSCRIBEs to the presence server ---------------------------------- */

static void sub_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	unsigned key = (unsigned)(uintptr_t)*ps->param;
	struct entity *e;

	lock_get(&st->lock);
	e = entity_by_key(key);
	if (e) {
		e->in_flight = false;
		if (ps->code >= 200 && ps->code < 300) {
			if (ps->rpl && ps->rpl != FAKED_REPLY && parse_to_header(ps->rpl) == 0)
				sylk_copy(e->rem_tag, sizeof(e->rem_tag),
					  get_to(ps->rpl)->tag_value.s,
					  (size_t)get_to(ps->rpl)->tag_value.len);
			e->refresh_at = time(NULL) + xmpp_cfg.presence_expires * 2 / 3;
		} else if (ps->code >= 300) {
			LM_NOTICE("the gateway's SUBSCRIBE to %s: %d\n", e->jid, ps->code);
			e->call_id[0] = e->tag[0] = e->rem_tag[0] = 0;
			e->cseq = e->notify_cseq = 0;
			e->refresh_at = time(NULL) + (ps->code == 481 ? 1 : 30);
		}
	}
	lock_release(&st->lock);
}

struct sub_work {
	unsigned key;
	char jid[JID_SIZE], call_id[ID_SIZE], tag[TAG_SIZE], rem_tag[ID_SIZE];
	unsigned cseq;
	int expires;
};

static void random_hex(char *buf, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i + 1 < n; i++)
		buf[i] = hex[rand() & 15];
	buf[n - 1] = 0;
}

static int send_subscribe(const struct sub_work *w)
{
	char from[JID_SIZE + 16], to[JID_SIZE + 8], hdrs[512];
	str cid = {(char *)w->call_id, (int)strlen(w->call_id)};
	str ltag = {(char *)w->tag, (int)strlen(w->tag)};
	str luri, ruri, method = str_init("SUBSCRIBE"), hs;
	uac_req_t uac_r;
	dlg_t *d = NULL;
	int rc = -1;

	snprintf(from, sizeof(from), "sip:%s@%s", XMPP_PRES_WATCHER, xmpp_cfg.component_domain);
	snprintf(to, sizeof(to), "sip:%s", w->jid);
	luri.s = from;
	luri.len = (int)strlen(from);
	ruri.s = to;
	ruri.len = (int)strlen(to);
	if (xmpp_tmb.new_dlg_uac(&cid, &ltag, w->cseq, &luri, &ruri, &d) < 0 || !d)
		return -1;
	if (w->rem_tag[0]) {
		d->id.rem_tag.s = shm_malloc(strlen(w->rem_tag) + 1);
		if (!d->id.rem_tag.s)
			goto out;
		d->id.rem_tag.len = (int)strlen(w->rem_tag);
		memcpy(d->id.rem_tag.s, w->rem_tag, (size_t)d->id.rem_tag.len + 1);
	}
	d->dst_uri.s = shm_malloc(strlen(xmpp_proxy_uri) + 1);
	if (!d->dst_uri.s)
		goto out;
	d->dst_uri.len = (int)strlen(xmpp_proxy_uri);
	memcpy(d->dst_uri.s, xmpp_proxy_uri, (size_t)d->dst_uri.len + 1);
	if (xmpp_tmb.calculate_hooks(d) < 0)
		goto out;
	snprintf(hdrs, sizeof(hdrs),
		 "Event: presence\r\nAccept: application/pidf+xml\r\n"
		 "Contact: <sip:%s@%s>\r\nExpires: %d\r\n",
		 XMPP_PRES_WATCHER, xmpp_proxy_uri + 4, w->expires);
	hs.s = hdrs;
	hs.len = (int)strlen(hdrs);
	set_uac_req(&uac_r, &method, &hs, NULL, d, TMCB_LOCAL_COMPLETED, sub_cb,
		    (void *)(uintptr_t)w->key);
	rc = xmpp_tmb.t_uac(&uac_r) < 0 ? -1 : 0;
out:
	xmpp_tmb.free_dlg(d);
	if (rc)
		LM_ERR("cannot send the gateway's SUBSCRIBE to %s\n", w->jid);
	return rc;
}

/* lock held: the SUBSCRIBEs due now, and entities nobody watches freed */
static int due_subscribes(struct sub_work *w, int max, time_t now)
{
	int n = 0;

	for (struct entity *e = st->entities, *next; e && n < max; e = next) {
		next = e->next;
		if (e->in_flight)
			continue;
		if (e->ending) {
			if (e->call_id[0]) { /* Expires: 0 ends it on the server */
				memset(&w[n], 0, sizeof(w[n]));
				w[n].key = 0;
				strcpy(w[n].jid, e->jid);
				strcpy(w[n].call_id, e->call_id);
				strcpy(w[n].tag, e->tag);
				strcpy(w[n].rem_tag, e->rem_tag);
				w[n].cseq = ++e->cseq;
				w[n++].expires = 0;
			}
			LM_INFO("no XMPP watcher of %s left\n", e->jid);
			entity_free(e);
			continue;
		}
		if (e->refresh_at > now)
			continue;
		if (!e->call_id[0]) {
			random_hex(e->call_id, 33);
			snprintf(e->call_id + 32, sizeof(e->call_id) - 32, "-xmpp%u", e->key);
			random_hex(e->tag, 17);
			e->rem_tag[0] = 0;
			e->cseq = 0;
		}
		e->in_flight = true;
		e->refresh_at = now + 60; /* retried if no answer comes */
		memset(&w[n], 0, sizeof(w[n]));
		w[n].key = e->key;
		strcpy(w[n].jid, e->jid);
		strcpy(w[n].call_id, e->call_id);
		strcpy(w[n].tag, e->tag);
		strcpy(w[n].rem_tag, e->rem_tag);
		w[n].cseq = ++e->cseq;
		w[n++].expires = xmpp_cfg.presence_expires;
	}
	return n;
}

/* ---- NOTIFYs from the presence server (SIP workers) ------------------------------------ */

static int reply(struct sip_msg *msg, int code, const char *text, const char *hdrs,
		 const str *to_tag)
{
	unsigned hash, label;

	if (xmpp_tmb.t_newtran(msg) <= 0)
		return 1;
	if (xmpp_tmb.t_get_trans_ident(msg, &hash, &label) < 0 ||
	    sylk_reply_by_ident(&xmpp_tmb, hash, label, code, text, NULL, hdrs, to_tag) < 0)
		LM_ERR("cannot answer %d\n", code);
	return 1;
}

static bool str_is(const str *s, const char *z)
{
	return s->len == (int)strlen(z) && !strncmp(s->s, z, (size_t)s->len);
}

static int notify_in(struct sip_msg *msg)
{
	char(*to)[JID_SIZE] = NULL;
	struct xmpp_pres pres = {0};
	char user[JID_SIZE] = "";
	bool terminated, ours = false, have = false;
	unsigned cseq = 0;
	int n = 0, cap = 0;
	str body = {0, 0};
	struct entity *e;

	if (parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->cseq ||
	    parse_to_header(msg) < 0 || str2int(&get_cseq(msg)->number, &cseq) < 0)
		return -1;
	terminated = msg->subscription_state && msg->subscription_state->body.len >= 10 &&
		     !strncasecmp(msg->subscription_state->body.s, "terminated", 10);
	if (sylk_msg_body(msg, &body) == 0 && body.len > 0)
		have = xmpp_pres_from_pidf(&pres, body.s, (size_t)body.len) == 0;
	lock_get(&st->lock);
	for (e = st->entities; e; e = e->next)
		if (e->call_id[0] && str_is(&msg->callid->body, e->call_id) &&
		    str_is(&get_to(msg)->tag_value, e->tag))
			break;
	if (e) {
		ours = true;
		if (cseq + 1 >= e->notify_cseq) {
			e->notify_cseq = cseq + 1;
			if (terminated) {
				pres.available = false;
				have = true;
				e->call_id[0] = e->tag[0] = e->rem_tag[0] = 0;
				e->cseq = e->notify_cseq = 0;
				e->refresh_at = time(NULL) + 5;
			}
		} else {
			have = false; /* overtaken by a newer one */
		}
		if (have && (!e->known || memcmp(&pres, &e->pres, sizeof(pres)))) {
			e->known = true;
			e->pres = pres;
			for (struct watcher *w = e->watchers; w; w = w->next)
				cap++;
			to = cap ? pkg_malloc((size_t)cap * sizeof(*to)) : NULL;
			for (struct watcher *w = e->watchers; w && to && n < cap; w = w->next)
				strcpy(to[n++], w->jid);
			strcpy(user, e->jid);
		}
	}
	lock_release(&st->lock);
	if (!ours)
		return -1;
	for (int i = 0; i < n; i++)
		send_presence(user, to[i], NULL, &pres);
	if (n)
		LM_DBG("presence of %s (%s) to %d XMPP watchers\n", user,
		       pres.available ? "available" : "unavailable", n);
	if (to)
		pkg_free(to);
	return reply(msg, 200, "OK", NULL, NULL);
}

/* ---- SUBSCRIBEs of our SIP users to XMPP users (SIP workers) --------------------------- */

static bool event_presence(struct sip_msg *msg)
{
	str e;
	int n = 0;

	if (!msg->event || msg->event->body.len <= 0)
		return false;
	e = msg->event->body;
	while (n < e.len && e.s[n] != ';' && e.s[n] != ' ' && e.s[n] != '\t')
		n++;
	return n == 8 && !strncasecmp(e.s, "presence", 8);
}

static int requested_expires(struct sip_msg *msg)
{
	int e = xmpp_cfg.presence_expires;

	if (msg->expires && parse_expires(msg->expires) == 0)
		e = (int)((exp_body_t *)msg->expires->parsed)->val;
	if (e > xmpp_cfg.presence_expires)
		e = xmpp_cfg.presence_expires;
	return e < 0 ? 0 : e;
}

/* sip:xmpp-gateway@ADDRESS:PORT[;transport=T] of the receiving socket */
static void contact_of(char *buf, size_t size, struct sip_msg *msg)
{
	struct socket_info *si = msg->rcv.bind_address;
	const char *t = msg->rcv.proto == PROTO_TCP ? ";transport=tcp" :
			msg->rcv.proto == PROTO_TLS ? ";transport=tls" :
			msg->rcv.proto == PROTO_WS || msg->rcv.proto == PROTO_WSS ?
						      ";transport=ws" :
						      "";

	if (!si) {
		snprintf(buf, size, "sip:%s@%.100s", XMPP_PRES_WATCHER, xmpp_proxy_uri + 4);
		return;
	}
	snprintf(buf, size, "sip:%s@%s%.*s%s:%.*s%s", XMPP_PRES_WATCHER,
		 si->address.af == AF_INET6 ? "[" : "", si->address_str.len, si->address_str.s,
		 si->address.af == AF_INET6 ? "]" : "", si->port_no_str.len, si->port_no_str.s, t);
}

static int subscribe_new(struct sip_msg *msg)
{
	char watcher[JID_SIZE], contact[JID_SIZE], uri[1024], hdrs[512];
	struct sip_sub *s = NULL;
	dlg_t *dlg = NULL;
	int expires, first;

	if (!event_presence(msg))
		return reply(msg, 489, "Bad Event", NULL, NULL);
	if (parse_from_header(msg) < 0)
		return reply(msg, 400, "Bad From", NULL, NULL);
	sylk_copy(uri, sizeof(uri), get_from(msg)->uri.s, (size_t)get_from(msg)->uri.len);
	if (xmpp_sip_to_jid(watcher, sizeof(watcher), uri) ||
	    !in_domain(watcher, xmpp_cfg.component_domain)) {
		LM_NOTICE("SUBSCRIBE from %s to XMPP refused: not one of our users\n", uri);
		return reply(msg, 403, "Forbidden", NULL, NULL);
	}
	sylk_copy(uri, sizeof(uri), GET_RURI(msg)->s, (size_t)GET_RURI(msg)->len);
	if (xmpp_sip_to_jid(contact, sizeof(contact), uri))
		return reply(msg, 404, "Not Found", NULL, NULL);
	if (!xmpp_link_up()) {
		snprintf(hdrs, sizeof(hdrs), "Retry-After: %d\r\n", xmpp_cfg.retry_after);
		LM_INFO("SUBSCRIBE from %s to %s: XMPP link down, 503\n", watcher, contact);
		return reply(msg, 503, "XMPP Gateway Unavailable", hdrs, NULL);
	}
	expires = requested_expires(msg);
	if (xmpp_tmb.t_newtran(msg) <= 0)
		return 1;
	if (xmpp_tmb.new_dlg_uas(msg, 202, &dlg) < 0 || !dlg || !(s = shm_malloc(sizeof(*s)))) {
		if (dlg)
			xmpp_tmb.free_dlg(dlg);
		xmpp_tmb.t_reply(msg, 500, "Server Internal Error");
		return 1;
	}
	memset(s, 0, sizeof(*s));
	s->dlg = dlg;
	sylk_copy(s->watcher, sizeof(s->watcher), watcher, strlen(watcher));
	sylk_copy(s->contact, sizeof(s->contact), contact, strlen(contact));
	sylk_copy(s->call_id, sizeof(s->call_id), msg->callid->body.s,
		  (size_t)msg->callid->body.len);
	sylk_copy(s->local_tag, sizeof(s->local_tag), dlg->id.loc_tag.s,
		  (size_t)dlg->id.loc_tag.len);
	s->expires = time(NULL) + expires;
	s->state = XMPP_OUT_PENDING;
	s->dirty = true;
	contact_of(s->me, sizeof(s->me), msg);
	snprintf(hdrs, sizeof(hdrs), "Contact: <%s>\r\nExpires: %d\r\n", s->me, expires);
	if (expires == 0) {
		s->state = XMPP_OUT_TERMINATED;
		strcpy(s->reason, "timeout");
	}
	lock_get(&st->lock);
	first = pair_count(watcher, contact) == 0;
	/* a contact that has approved the watcher already: active at once */
	for (struct sip_sub *o = st->subs; o; o = o->next)
		if (o->state == XMPP_OUT_ACTIVE && !strcasecmp(o->watcher, watcher) &&
		    !strcasecmp(o->contact, contact) && s->state == XMPP_OUT_PENDING)
			s->state = XMPP_OUT_ACTIVE;
	s->key = ++st->next_key;
	s->next = st->subs;
	st->subs = s;
	lock_release(&st->lock);
	{
		unsigned hash, label;

		if (xmpp_tmb.t_get_trans_ident(msg, &hash, &label) < 0 ||
		    sylk_reply_by_ident(&xmpp_tmb, hash, label, 202, "Accepted", NULL, hdrs,
					&dlg->id.loc_tag) < 0)
			LM_ERR("cannot answer 202 to the SUBSCRIBE of %s\n", watcher);
	}
	LM_INFO("SIP user %s watches XMPP user %s (%d s)\n", watcher, contact, expires);
	/* no probe: Prosody answers one from a watcher not approved yet with
	 * `unsubscribed`, which would end the subscription being asked for;
	 * a second dialog of the same pair gets the state the gateway has */
	if (expires && first)
		send_presence(watcher, contact, "subscribe", NULL);
	xmpp_wake();
	return 1;
}

static int subscribe_refresh(struct sip_msg *msg)
{
	char hdrs[128], watcher[JID_SIZE] = "", contact[JID_SIZE] = "";
	bool found = false, last = false;
	int expires = requested_expires(msg);
	struct sip_sub *s;

	if (parse_to_header(msg) < 0)
		return -1;
	lock_get(&st->lock);
	for (s = st->subs; s; s = s->next)
		if (str_is(&msg->callid->body, s->call_id) &&
		    str_is(&get_to(msg)->tag_value, s->local_tag))
			break;
	if (s && s->state != XMPP_OUT_TERMINATED) {
		found = true;
		s->expires = time(NULL) + expires;
		s->dirty = true;
		if (!expires) {
			s->state = XMPP_OUT_TERMINATED;
			strcpy(s->reason, "timeout");
			strcpy(watcher, s->watcher);
			strcpy(contact, s->contact);
			last = pair_count(watcher, contact) == 0;
		}
	}
	lock_release(&st->lock);
	if (!found)
		return s ? reply(msg, 481, "Subscription Does Not Exist", NULL, NULL) : -1;
	snprintf(hdrs, sizeof(hdrs), "Expires: %d\r\n", expires);
	reply(msg, 200, "OK", hdrs, NULL);
	if (last) {
		LM_INFO("SIP user %s no longer watches XMPP user %s\n", watcher, contact);
		send_presence(watcher, contact, "unsubscribe", NULL);
	}
	xmpp_wake();
	return 1;
}

static bool for_xmpp_domain(struct sip_msg *msg)
{
	if (parse_sip_msg_uri(msg) < 0)
		return false;
	return str_list_has_n(xmpp_cfg.xmpp_domains, msg->parsed_uri.host.s,
			      (size_t)msg->parsed_uri.host.len);
}

int xmpp_presence_sip(struct sip_msg *msg)
{
	if (!st || !xmpp_shared || msg->first_line.type != SIP_REQUEST)
		return -1;
	if (parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->to)
		return -1;
	if (parse_to_header(msg) < 0)
		return -1;
	switch (msg->first_line.u.request.method_value) {
	case METHOD_NOTIFY: return notify_in(msg);
	case METHOD_SUBSCRIBE:
		if (get_to(msg)->tag_value.len > 0)
			return subscribe_refresh(msg);
		return for_xmpp_domain(msg) ? subscribe_new(msg) : -1;
	default: return -1;
	}
}

/* ---- NOTIFYs to SIP watchers (component process) ------------------------------------- */

struct notify_work {
	unsigned key;
	dlg_t *dlg;
	char substate[64], me[128];
	char *pidf; /* malloc'd, NULL: no body */
	bool end;
};

static void notify_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	unsigned key = (unsigned)(uintptr_t)*ps->param;

	if (ps->code != 481 && ps->code < 400)
		return;
	lock_get(&st->lock);
	for (struct sip_sub *s = st->subs; s; s = s->next)
		if (s->key == key && s->state != XMPP_OUT_TERMINATED) {
			LM_INFO("SIP watcher %s of %s gone (%d)\n", s->watcher, s->contact,
				ps->code);
			s->state = XMPP_OUT_TERMINATED;
			strcpy(s->reason, "noresource");
			s->expires = 0; /* freed without a NOTIFY */
			s->dirty = false;
		}
	lock_release(&st->lock);
}

static void send_notify(struct notify_work *w)
{
	char hdrs[512];
	str method = str_init("NOTIFY"), hs, b;
	uac_req_t uac_r;

	snprintf(hdrs, sizeof(hdrs),
		 "Event: presence\r\nSubscription-State: %s\r\nContact: <%s>\r\n%s", w->substate,
		 w->me, w->pidf ? "Content-Type: application/pidf+xml\r\n" : "");
	hs.s = hdrs;
	hs.len = (int)strlen(hdrs);
	b.s = w->pidf;
	b.len = w->pidf ? (int)strlen(w->pidf) : 0;
	set_uac_req(&uac_r, &method, &hs, w->pidf ? &b : NULL, w->dlg, TMCB_LOCAL_COMPLETED,
		    notify_cb, (void *)(uintptr_t)w->key);
	if (xmpp_tmb.t_request_within(&uac_r) < 0)
		LM_ERR("cannot send a NOTIFY (%s)\n", w->substate);
}

/* lock held: NOTIFYs due; terminated subscriptions unlinked (their dlg
 * freed by the caller after the last NOTIFY) */
static int due_notifies(struct notify_work *w, int max, time_t now)
{
	int n = 0;

	for (struct sip_sub **p = &st->subs, *s; (s = *p) && n < max;) {
		struct xmpp_pres pres;
		struct contact *c;
		char uri[JID_SIZE + 8];
		bool silent = s->state == XMPP_OUT_TERMINATED && !s->dirty;

		if (s->state != XMPP_OUT_TERMINATED && s->expires <= now) {
			s->state = XMPP_OUT_TERMINATED;
			strcpy(s->reason, "timeout");
			s->dirty = true;
			silent = false;
		}
		if (!s->dirty && !silent) {
			p = &s->next;
			continue;
		}
		memset(&w[n], 0, sizeof(w[n]));
		w[n].key = s->key;
		w[n].dlg = s->dlg;
		strcpy(w[n].me, s->me);
		xmpp_out_substate(w[n].substate, sizeof(w[n].substate), s->state,
				  (long)(s->expires - now), s->reason);
		if (s->state == XMPP_OUT_ACTIVE) {
			c = contact_find(s->contact, false);
			xmpp_resources_state(c ? &c->res : NULL, &pres);
			snprintf(uri, sizeof(uri), "sip:%s", s->contact);
			if (xmpp_pres_to_pidf(&w[n].pidf, &(size_t){0}, uri, &pres))
				w[n].pidf = NULL;
		}
		s->dirty = false;
		if (s->state == XMPP_OUT_TERMINATED) {
			w[n].end = true;
			if (silent)
				w[n].substate[0] = 0; /* no NOTIFY: free only */
			*p = s->next;
			shm_free(s);
		} else {
			p = &s->next;
		}
		n++;
	}
	return n;
}

void xmpp_presence_tick(void)
{
	static struct sub_work subs[WORK_MAX];
	static struct notify_work notes[WORK_MAX];
	time_t now = time(NULL);
	int ns, nn;

	if (!st)
		return;
	lock_get(&st->lock);
	ns = due_subscribes(subs, WORK_MAX, now);
	nn = due_notifies(notes, WORK_MAX, now);
	lock_release(&st->lock);
	for (int i = 0; i < ns; i++)
		send_subscribe(&subs[i]);
	for (int i = 0; i < nn; i++) {
		if (notes[i].substate[0])
			send_notify(&notes[i]);
		free(notes[i].pidf);
		if (notes[i].end)
			xmpp_tmb.free_dlg(notes[i].dlg);
	}
}

void xmpp_presence_link_up(void)
{
	struct entity *e;
	struct sip_sub *s;

	if (!st)
		return;
	/* our users' states to their watchers, probes to the watched */
	lock_get(&st->lock);
	for (e = st->entities; e; e = e->next)
		for (struct watcher *w = e->watchers; w && e->known; w = w->next)
			send_presence(e->jid, w->jid, NULL, &e->pres);
	for (s = st->subs; s; s = s->next)
		if (s->state == XMPP_OUT_ACTIVE)
			send_presence(s->watcher, s->contact, "probe", NULL);
	lock_release(&st->lock);
}
