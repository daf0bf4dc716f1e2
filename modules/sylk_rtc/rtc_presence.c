/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presence of browser accounts: see rtc_presence.h.
 *
 * One pres_user per AOR (not per connection: two tabs of alice share one
 * set of subscriptions). A subscription's dialog is kept as its Call-ID,
 * our tag, the notifier's tag and our CSeq; a refresh is sent like the
 * first SUBSCRIBE (through the proxy, to the contact's AOR) with the To
 * tag, which the proxy hands to the presence server as in-dialog. The
 * database (the address book) is read by the timer without the lock. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/ut.h"
#include "core/parser/parse_cseq.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_event.h"
#include "modules/tm/t_hooks.h"

#include "sylk_ws/base/clock.h"
#include "sylk_ws/contacts/addressbook.h"
#include "sylk_ws/contacts/pidf.h"
#include "sylk_ws/sylkrtc/sylkrtc_event.h"

#include "../common/sip_util.h"
#include "rtc_account.h"
#include "rtc_addressbook.h"
#include "rtc_config.h"
#include "rtc_events.h"
#include "rtc_presence.h"
#include "rtc_sip.h"
#include "rtc_store.h"
#include "rtc_vouch.h"

#define MAX_TARGETS 64
#define MAX_EMIT 256
#define COALESCE_MS 1000
#define ETAG_SIZE 128

struct pres_sub {
	unsigned key;
	char uri[RTC_AOR_SIZE]; /* the watched contact, user@host */
	char call_id[RTC_CALLID_SIZE], tag[RTC_TAG_SIZE], rem_tag[RTC_TAG_SIZE];
	unsigned cseq;
	unsigned notify_cseq; /* 1 + that of the newest NOTIFY taken (workers race) */
	int auth_tries;
	bool in_flight, ending, gone;
	time_t refresh_at; /* 0: not scheduled */
	long long last_ms; /* monotonic ms of the last event sent */
	bool queued;       /* a state waits for its second to pass */
	char state[8], note[256], activity[64];
	struct pres_sub *next;
};

struct pres_user {
	unsigned key;
	char aor[RTC_AOR_SIZE], user[RTC_AOR_SIZE], domain[RTC_AOR_SIZE];
	char ha1[128];
	bool up, resync, publish_due, pub_in_flight, want_open;
	int pub_auth_tries;
	char pub_etag[ETAG_SIZE];
	time_t pub_refresh;
	struct pres_sub *subs;
	struct pres_user *next;
};

static struct pres_user **users; /* shm, under rtc_lock */

int rtc_presence_init(void)
{
	users = shm_malloc(sizeof(*users));
	if (!users) {
		SHM_MEM_ERROR;
		return -1;
	}
	*users = NULL;
	return 0;
}

/* ---- lookups (lock held) ------------------------------------------------------- */

static struct pres_user *user_find(const char *aor)
{
	for (struct pres_user *u = *users; u; u = u->next)
		if (!strcmp(u->aor, aor))
			return u;
	return NULL;
}

static struct pres_user *user_by_key(unsigned key)
{
	for (struct pres_user *u = *users; u; u = u->next)
		if (u->key == key)
			return u;
	return NULL;
}

static struct pres_sub *sub_by_key(struct pres_user *u, unsigned key)
{
	for (struct pres_sub *s = u ? u->subs : NULL; s; s = s->next)
		if (s->key == key)
			return s;
	return NULL;
}

static bool aor_still_up(const char *aor, const struct rtc_account *except)
{
	for (struct rtc_account *a = rtc_account_with_aor(aor); a;
	     a = rtc_account_next_with_aor(a, aor))
		if (a != except && !strcmp(a->aor, aor) && rtc_account_may_receive(a))
			return true;
	return false;
}

void rtc_presence_account_up(const struct rtc_account *a)
{
	struct pres_user *u;

	if (!users || rtc_cfg.presence == 0)
		return;
	u = user_find(a->aor);
	if (!u) {
		u = shm_malloc(sizeof(*u));
		if (!u) {
			SHM_MEM_ERROR;
			return;
		}
		memset(u, 0, sizeof(*u));
		u->key = rtc_next_key();
		sylk_copy(u->aor, sizeof(u->aor), a->aor, strlen(a->aor));
		sylk_copy(u->user, sizeof(u->user), a->user, strlen(a->user));
		sylk_copy(u->domain, sizeof(u->domain), a->domain, strlen(a->domain));
		u->next = *users;
		*users = u;
	}
	sylk_copy(u->ha1, sizeof(u->ha1), a->ha1, strlen(a->ha1));
	if (!u->up) {
		LM_INFO("presence of %s: online, watching its contacts\n", u->aor);
		u->up = u->resync = u->publish_due = u->want_open = true;
	}
}

void rtc_presence_account_down(const struct rtc_account *a)
{
	struct pres_user *u = users ? user_find(a->aor) : NULL;

	if (!u || !u->up || aor_still_up(a->aor, a))
		return;
	LM_INFO("presence of %s: offline, ending its subscriptions\n", u->aor);
	u->up = u->resync = u->want_open = false;
	u->publish_due = true;
	for (struct pres_sub *s = u->subs; s; s = s->next)
		s->ending = true;
}

void rtc_presence_addressbook_changed(const char *aor)
{
	struct pres_user *u;

	if (!users)
		return;
	rtc_lock();
	u = user_find(aor);
	if (u && u->up)
		u->resync = true;
	rtc_unlock();
}

/* ---- the outbox: requests made under the lock, sent after it --------------------- */

/* One SUBSCRIBE or PUBLISH, complete: built with the lock held (no I/O),
 * given to tm once the lock is let go (the project's rule: never a shared
 * lock across network I/O). */
struct outgoing {
	uac_req_t uac_r;
	dlg_t *dlg;
	char hdrs[RTC_HDRS_SIZE];
	str method, hs, body; /* uac_r points at them */
	char *xml;            /* the PUBLISH body (malloc'd) */
	unsigned ukey, skey;  /* skey 0: a PUBLISH */
	struct outgoing *next;
};

static void outgoing_free(struct outgoing *o)
{
	if (o->dlg)
		rtc_tmb.free_dlg(o->dlg);
	free(o->xml);
	free(o);
}

static struct outgoing *outgoing_new(struct outgoing **box)
{
	struct outgoing *o = calloc(1, sizeof(*o));

	if (!o) {
		LM_ERR("no memory for a presence request\n");
		return NULL;
	}
	o->next = *box;
	*box = o;
	return o;
}

static void send_failed(const struct outgoing *o);

/* Lock NOT held: every prepared request to tm, in the order made. */
static void outbox_send(struct outgoing *box)
{
	struct outgoing *rev = NULL, *o, *next;

	for (o = box; o; o = next) { /* made newest first */
		next = o->next;
		o->next = rev;
		rev = o;
	}
	for (o = rev; o; o = next) {
		next = o->next;
		if (rtc_tmb.t_uac(&o->uac_r) < 0)
			send_failed(o);
		outgoing_free(o);
	}
}

/* ---- SUBSCRIBE ----------------------------------------------------------------- */

static void sub_cb(struct cell *t, int type, struct tmcb_params *ps);

static uintptr_t pack(unsigned user, unsigned sub)
{
	return ((uintptr_t)user << 32) | sub;
}

static int shm_set(str *dst, const char *s)
{
	dst->len = (int)strlen(s);
	dst->s = shm_malloc(dst->len + 1);
	if (!dst->s) {
		SHM_MEM_ERROR;
		return -1;
	}
	memcpy(dst->s, s, dst->len + 1);
	return 0;
}

/* Prepares (a new, a refresh, or with Expires: 0 the end of) one
 * subscription into @p box. Lock held; sent by outbox_send(). */
/* While the account's own REGISTER is in force its SUBSCRIBEs and
 * PUBLISHes carry the gateway's token (rtc_vouch.h) instead of waiting for
 * a 407: a browser that connects watches up to max_presence_subscriptions
 * contacts at once. Not a refresh inside a subscription's dialog: nothing
 * authenticates those, and in a cluster they go on to the presentity's
 * home node. -1 when the header does not fit. */
static int vouch(const struct pres_user *u, struct outgoing *o)
{
	if (!u->up || !rtc_vouch_for(u->aor))
		return 0;
	return rtc_vouch_append(o->hdrs, sizeof(o->hdrs));
}

static int send_subscribe(struct pres_user *u, struct pres_sub *s, struct sip_msg *challenge,
			  struct outgoing **box)
{
	char contact[RTC_AOR_SIZE + 64];
	int expires = s->ending ? 0 : rtc_cfg.presence_expires;
	struct outgoing *o = outgoing_new(box);
	dlg_t *d;

	if (!o)
		return -1;
	o->ukey = u->key;
	o->skey = s->key;
	d = o->dlg = rtc_sip_dialog(u->aor, NULL, s->uri, s->call_id, s->tag);
	if (!d)
		goto fail;
	d->loc_seq.value = ++s->cseq;
	if (s->rem_tag[0] && shm_set(&d->id.rem_tag, s->rem_tag) < 0)
		goto fail;
	if (rtc_sip_contact(contact, sizeof(contact), u->key) < 0 ||
	    rtc_append(o->hdrs, sizeof(o->hdrs),
		       "Event: presence\r\nAccept: application/pidf+xml\r\nContact: %s\r\n"
		       "Expires: %d\r\nUser-Agent: %s\r\n",
		       contact, expires, rtc_cfg.user_agent) < 0)
		goto fail;
	if ((!s->rem_tag[0] && vouch(u, o) < 0) ||
	    (challenge && rtc_sip_authorize(o->hdrs, sizeof(o->hdrs), challenge, "SUBSCRIBE",
					    &d->rem_target, u->user, u->ha1) < 0))
		goto fail;
	o->hs.s = o->hdrs;
	o->hs.len = (int)strlen(o->hdrs);
	o->method = (str)str_init("SUBSCRIBE");
	set_uac_req(&o->uac_r, &o->method, &o->hs, NULL, d, TMCB_LOCAL_COMPLETED, sub_cb,
		    (void *)pack(u->key, s->key));
	s->in_flight = true;
	return 0;
fail:
	/* made but never sent: taken out of the box again */
	*box = o->next;
	outgoing_free(o);
	LM_ERR("cannot make a SUBSCRIBE from %s to %s\n", u->aor, s->uri);
	return -1;
}

static void sub_free(struct pres_user *u, struct pres_sub *s)
{
	for (struct pres_sub **p = &u->subs; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			shm_free(s);
			return;
		}
}

static void sub_answered(struct pres_sub *s, struct sip_msg *rpl, int code)
{
	if (code >= 200 && code < 300) {
		if (rpl && rpl != FAKED_REPLY && parse_to_header(rpl) == 0) {
			str *tag = &get_to(rpl)->tag_value;

			sylk_copy(s->rem_tag, sizeof(s->rem_tag), tag->s, (size_t)tag->len);
		}
		s->refresh_at = time(NULL) + rtc_cfg.presence_expires * 2 / 3;
		return;
	}
	LM_INFO("SUBSCRIBE to %s: %d\n", s->uri, code);
	/* a refused or vanished dialog starts again from scratch later */
	s->rem_tag[0] = s->call_id[0] = s->tag[0] = '\0';
	s->cseq = s->notify_cseq = 0;
	s->refresh_at = time(NULL) + (code == 481 ? 1 : 60);
}

static void sub_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	uintptr_t k = (uintptr_t)*ps->param;
	struct pres_user *u;
	struct pres_sub *s;
	int code = ps->code;
	struct outgoing *box = NULL;

	rtc_lock();
	u = user_by_key((unsigned)(k >> 32));
	s = sub_by_key(u, (unsigned)(k & 0xffffffffu));
	if (!s)
		goto out;
	s->in_flight = false;
	if ((code == 401 || code == 407) && s->auth_tries < 2) {
		s->auth_tries++;
		if (send_subscribe(u, s, ps->rpl, &box) == 0)
			goto out;
	}
	s->auth_tries = 0;
	if (s->ending)
		s->gone = true; /* the timer frees it */
	else
		sub_answered(s, ps->rpl, code);
out:
	rtc_unlock();
	outbox_send(box);
}

/* ---- PUBLISH ------------------------------------------------------------------- */

static void pub_cb(struct cell *t, int type, struct tmcb_params *ps);

/* Prepares the PUBLISH of @p u's state into @p box. Lock held; sent by
 * outbox_send(). */
static int send_publish(struct pres_user *u, struct sip_msg *challenge, struct outgoing **box)
{
	char entity[RTC_AOR_SIZE + 8], cid[RTC_CALLID_SIZE] = "", tag[RTC_TAG_SIZE] = "";
	struct outgoing *o = outgoing_new(box);
	size_t len = 0;
	dlg_t *d;

	if (!o)
		return -1;
	o->ukey = u->key;
	snprintf(entity, sizeof(entity), "sip:%s", u->aor);
	if (pidf_build(&o->xml, &len, entity, "sylk-gateway", u->want_open, NULL) != 0)
		goto fail;
	d = o->dlg = rtc_sip_dialog(u->aor, NULL, u->aor, cid, tag);
	if (!d)
		goto fail;
	if (rtc_append(o->hdrs, sizeof(o->hdrs),
		       "Event: presence\r\nContent-Type: application/pidf+xml\r\nExpires: %d\r\n"
		       "User-Agent: %s\r\n",
		       rtc_cfg.presence_expires, rtc_cfg.user_agent) < 0 ||
	    (u->pub_etag[0] &&
	     rtc_append(o->hdrs, sizeof(o->hdrs), "SIP-If-Match: %s\r\n", u->pub_etag) < 0))
		goto fail;
	if (vouch(u, o) < 0 ||
	    (challenge && rtc_sip_authorize(o->hdrs, sizeof(o->hdrs), challenge, "PUBLISH",
					    &d->rem_target, u->user, u->ha1) < 0))
		goto fail;
	o->hs.s = o->hdrs;
	o->hs.len = (int)strlen(o->hdrs);
	o->body.s = o->xml;
	o->body.len = (int)len;
	o->method = (str)str_init("PUBLISH");
	set_uac_req(&o->uac_r, &o->method, &o->hs, &o->body, d, TMCB_LOCAL_COMPLETED, pub_cb,
		    (void *)(uintptr_t)u->key);
	u->pub_in_flight = true;
	return 0;
fail:
	*box = o->next;
	outgoing_free(o);
	LM_ERR("cannot make a PUBLISH for %s\n", u->aor);
	return -1;
}

static void pub_answered(struct pres_user *u, struct sip_msg *rpl, int code)
{
	struct hdr_field *h;

	if (code == 412) { /* our entity tag expired: publish afresh */
		u->pub_etag[0] = '\0';
		u->publish_due = true;
		return;
	}
	if (code < 200 || code >= 300) {
		LM_INFO("PUBLISH of %s: %d\n", u->aor, code);
		return;
	}
	/* closed stays until it expires: no refresh for it */
	u->pub_refresh = u->want_open ? time(NULL) + rtc_cfg.presence_expires * 2 / 3 : 0;
	if (!rpl || rpl == FAKED_REPLY || parse_headers(rpl, HDR_EOH_F, 0) < 0)
		return;
	for (h = rpl->headers; h; h = h->next)
		if (h->name.len == 8 && !strncasecmp(h->name.s, "SIP-ETag", 8))
			sylk_copy(u->pub_etag, sizeof(u->pub_etag), h->body.s, (size_t)h->body.len);
}

static void pub_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	struct pres_user *u;
	int code = ps->code;

	struct outgoing *box = NULL;

	rtc_lock();
	u = user_by_key((unsigned)(uintptr_t)*ps->param);
	if (!u)
		goto out;
	u->pub_in_flight = false;
	if ((code == 401 || code == 407) && u->pub_auth_tries < 2) {
		u->pub_auth_tries++;
		if (send_publish(u, ps->rpl, &box) == 0)
			goto out;
	}
	u->pub_auth_tries = 0;
	pub_answered(u, ps->rpl, code);
out:
	rtc_unlock();
	outbox_send(box);
}

/* Lock NOT held: tm refused a prepared request; its object, found again by
 * key, tries later. */
static void send_failed(const struct outgoing *o)
{
	struct pres_user *u;
	struct pres_sub *s;

	rtc_lock();
	u = user_by_key(o->ukey);
	if (u && !o->skey) {
		LM_ERR("cannot send PUBLISH for %s\n", u->aor);
		u->pub_in_flight = false;
		u->pub_refresh = time(NULL) + 30;
	} else if (u && (s = sub_by_key(u, o->skey))) {
		LM_ERR("cannot send SUBSCRIBE from %s to %s\n", u->aor, s->uri);
		s->in_flight = false;
		if (s->ending)
			s->gone = true; /* the timer frees it */
		else
			s->refresh_at = time(NULL) + 30;
	}
	rtc_unlock();
}

/* ---- NOTIFY ------------------------------------------------------------------- */

static struct pres_sub *sub_by_dialog(const str *call_id, const str *tag, struct pres_user **up)
{
	for (struct pres_user *u = *users; u; u = u->next)
		for (struct pres_sub *s = u->subs; s; s = s->next)
			if ((int)strlen(s->call_id) == call_id->len &&
			    !strncmp(s->call_id, call_id->s, call_id->len) &&
			    (int)strlen(s->tag) == tag->len && !strncmp(s->tag, tag->s, tag->len)) {
				*up = u;
				return s;
			}
	return NULL;
}

static int reply(struct sip_msg *msg, int code, char *text)
{
	int rc = rtc_tmb.t_newtran(msg);

	if (rc > 0 && rtc_tmb.t_reply(msg, (unsigned)code, text) < 0)
		LM_ERR("cannot send %d to a NOTIFY\n", code);
	return 1;
}

/* Queues what the NOTIFY says; the timer sends it when its second came. */
static void note_state(struct pres_sub *s, const struct pidf_status *st, bool terminated)
{
	const char *state = terminated ? "closed" : pidf_basic_name(st->basic);

	if (!st->basic && !terminated)
		return; /* pending, or nothing we can tell */
	snprintf(s->state, sizeof(s->state), "%s", state);
	snprintf(s->note, sizeof(s->note), "%s", st->note);
	snprintf(s->activity, sizeof(s->activity), "%s", st->activity);
	s->queued = true;
}

int rtc_presence_notify(struct sip_msg *msg)
{
	struct pidf_status st;
	struct pres_user *u = NULL;
	struct pres_sub *s;
	str body = STR_NULL;
	unsigned cseq = 0;
	bool terminated;

	if (!users || parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->cseq ||
	    parse_to_header(msg) < 0 || str2int(&get_cseq(msg)->number, &cseq) < 0)
		return 0;
	memset(&st, 0, sizeof(st));
	body.s = get_body(msg);
	if (body.s)
		body.len = msg->len - (int)(body.s - msg->buf);
	if (body.len > 0 && pidf_parse(&st, body.s, (size_t)body.len) != 0)
		LM_NOTICE("NOTIFY from %.*s: not a PIDF body\n", msg->callid->body.len,
			  msg->callid->body.s);
	terminated = msg->subscription_state && msg->subscription_state->body.len >= 10 &&
		     !strncasecmp(msg->subscription_state->body.s, "terminated", 10);
	rtc_lock();
	s = sub_by_dialog(&msg->callid->body, &get_to(msg)->tag_value, &u);
	if (s && cseq < s->notify_cseq) {
		/* overtaken by a newer one that another worker took first */
		LM_INFO("NOTIFY %u from %s for %s older than %u: state ignored\n", cseq, s->uri,
			u->aor, s->notify_cseq - 1);
	} else if (s) {
		s->notify_cseq = cseq + 1;
		note_state(s, &st, terminated);
		if (terminated && !s->ending) { /* the notifier ended it: start again */
			s->rem_tag[0] = s->call_id[0] = s->tag[0] = '\0';
			s->cseq = s->notify_cseq = 0;
			s->refresh_at = time(NULL) + 5;
		}
	}
	rtc_unlock();
	if (!s)
		return 0;
	return reply(msg, 200, "OK");
}

/* ---- the timer ---------------------------------------------------------------- */

struct emit {
	char aor[RTC_AOR_SIZE], uri[RTC_AOR_SIZE];
	char state[8], note[256], activity[64];
};

static void send_events(const struct emit *e, int count)
{
	for (int i = 0; i < count; i++) {
		int t[MAX_TARGETS], n;

		rtc_lock();
		n = rtc_account_receivers(e[i].aor, -1, t, MAX_TARGETS);
		rtc_unlock();
		for (int j = 0; j < n; j++) {
			char *json = NULL;

			rtc_send_built(t[j],
				       sylkrtc_event_presence(&json, SYLKRTC_V2, e[i].aor, e[i].uri,
							      e[i].state, e[i].note, e[i].activity),
				       &json);
		}
	}
}

/* the most contacts one account watches, whatever max_presence_subscriptions says */
#define MAX_WATCH 256

struct wanted {
	char uris[MAX_WATCH + 1][RTC_AOR_SIZE];
	int n, max; /* max: the limit + 1, to tell that there were more */
};

static int want(const char *aor, void *arg)
{
	struct wanted *w = arg;

	if (w->n < w->max && w->n <= MAX_WATCH)
		sylk_copy(w->uris[w->n++], RTC_AOR_SIZE, aor, strlen(aor));
	return 0;
}

/* The first @p limit of the contacts marked for presence; the rest are
 * refused with a log line. */
static void want_limit(struct wanted *w, const char *aor, int limit)
{
	if (w->n <= limit)
		return;
	LM_NOTICE("presence of %s: more than %d contacts marked for presence, watching "
		  "only the first %d (max_presence_subscriptions)\n",
		  aor, limit, limit);
	w->n = limit;
}

static bool wanted_has(const struct wanted *w, const char *uri)
{
	for (int i = 0; i < w->n; i++)
		if (!strcmp(w->uris[i], uri))
			return true;
	return false;
}

/* Lock held: the subscriptions of @p u become @p w. */
static void follow(struct pres_user *u, const struct wanted *w)
{
	for (struct pres_sub *s = u->subs; s; s = s->next)
		if (!wanted_has(w, s->uri))
			s->ending = true;
	for (int i = 0; i < w->n; i++) {
		struct pres_sub *s;
		bool have = false;

		for (s = u->subs; s; s = s->next)
			have = have || (!s->ending && !strcmp(s->uri, w->uris[i]));
		if (have || !(s = shm_malloc(sizeof(*s))))
			continue;
		memset(s, 0, sizeof(*s));
		s->key = rtc_next_key() & 0x7fffffffu;
		sylk_copy(s->uri, sizeof(s->uri), w->uris[i], strlen(w->uris[i]));
		s->refresh_at = time(NULL);
		s->next = u->subs;
		u->subs = s;
	}
}

/* Re-reads the address books of users marked resync (database, no lock). */
static void resync(void)
{
	char aor[RTC_AOR_SIZE];
	struct wanted *w = malloc(sizeof(*w));
	int limit;

	if (!w)
		LM_ERR("no memory to follow the address books\n");
	while (w) {
		struct pres_user *u;
		json_object *ab;

		aor[0] = '\0';
		rtc_lock();
		for (u = *users; u && !aor[0]; u = u->next)
			if (u->resync && u->up) {
				u->resync = false;
				sylk_copy(aor, sizeof(aor), u->aor, strlen(u->aor));
			}
		rtc_unlock();
		if (!aor[0])
			break;
		ab = rtc_addressbook_load(aor);
		limit = rtc_cfg.max_presence_subscriptions < MAX_WATCH ?
				rtc_cfg.max_presence_subscriptions :
				MAX_WATCH;
		w->n = 0;
		w->max = limit + 1;
		if (ab) {
			ab_watch_list(ab, (size_t)w->max, want, w);
			want_limit(w, aor, limit);
		}
		json_object_put(ab);
		rtc_lock();
		u = user_find(aor);
		if (u && u->up && ab)
			follow(u, w);
		rtc_unlock();
	}
	free(w);
}

/* Lock held: SIP due for one subscription; an event due into @p e. */
static bool sub_work(struct pres_user *u, struct pres_sub *s, time_t now, long long ms,
		     struct emit *e, struct outgoing **box)
{
	bool emit = false;

	if (!s->in_flight && s->refresh_at && now >= s->refresh_at) {
		s->refresh_at = 0;
		if (send_subscribe(u, s, NULL, box) < 0)
			s->refresh_at = now + 30;
	}
	if (s->queued && u->up && ms - s->last_ms >= COALESCE_MS) {
		memset(e, 0, sizeof(*e));
		sylk_copy(e->aor, sizeof(e->aor), u->aor, strlen(u->aor));
		sylk_copy(e->uri, sizeof(e->uri), s->uri, strlen(s->uri));
		memcpy(e->state, s->state, sizeof(e->state));
		memcpy(e->note, s->note, sizeof(e->note));
		memcpy(e->activity, s->activity, sizeof(e->activity));
		s->queued = false;
		s->last_ms = ms;
		emit = true;
	}
	return emit;
}

/* Lock held: an ending subscription is unsubscribed once, then freed. */
static void sub_end(struct pres_user *u, struct pres_sub *s, struct outgoing **box)
{
	if (s->in_flight)
		return;
	if (s->gone || !s->rem_tag[0] || send_subscribe(u, s, NULL, box) < 0)
		sub_free(u, s);
}

static void user_free(struct pres_user *u)
{
	for (struct pres_user **p = users; *p; p = &(*p)->next)
		if (*p == u) {
			*p = u->next;
			shm_free(u);
			return;
		}
}

static int user_work(struct pres_user *u, time_t now, long long ms, struct emit *e, int room,
		     struct outgoing **box)
{
	struct pres_sub *s, *next;
	int n = 0;

	if (!u->pub_in_flight && (u->publish_due || (u->pub_refresh && now >= u->pub_refresh))) {
		u->publish_due = false;
		u->pub_refresh = 0;
		if (!u->want_open && !u->pub_etag[0])
			; /* never published: nothing to close */
		else if (send_publish(u, NULL, box) < 0)
			u->pub_refresh = now + 30;
	}
	for (s = u->subs; s; s = next) {
		next = s->next;
		if (s->ending)
			sub_end(u, s, box);
		else if (n < room && sub_work(u, s, now, ms, &e[n], box))
			n++;
	}
	return n;
}

void rtc_presence_timer(void)
{
	static struct emit e[MAX_EMIT];
	struct pres_user *u, *next;
	time_t now = time(NULL);
	long long ms = sylk_monotonic_ms();
	int n = 0;

	struct outgoing *box = NULL;

	if (!users)
		return;
	resync();
	rtc_lock();
	for (u = *users; u; u = next) {
		next = u->next;
		n += user_work(u, now, ms, e + n, MAX_EMIT - n, &box);
		/* closed, unsubscribed: nothing left to do for it */
		if (!u->up && !u->subs && !u->pub_in_flight && !u->publish_due)
			user_free(u);
	}
	rtc_unlock();
	outbox_send(box);
	send_events(e, n);
}
