/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MUC through the focus's chat: see xmpp_muc.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/videoroom/vr_chat.h"
#include "sylk_ws/xmpp/xmpp_jid.h"
#include "sylk_ws/xmpp/xmpp_presence.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"

#include "../common/sip_util.h"
#include "../sylk_conference/sylk_conference_api.h"
#include "xmpp_config.h"
#include "xmpp_muc.h"
#include "xmpp_sip.h"

#define JID_SIZE 512
#define NICK_SIZE 72
#define NS_MUC_USER "http://jabber.org/protocol/muc#user"
#define NS_DISCO_INFO "http://jabber.org/protocol/disco#info"

struct occupant {
	char nick[NICK_SIZE];
	char jid[JID_SIZE]; /* the occupant's full JID */
	struct occupant *next;
};

struct room {
	char jid[JID_SIZE]; /* room@muc_domain */
	struct occupant *occ;
	int occ_count;
	struct room *next;
};

/* In shared memory: every XMPP user's join is bounded (occupants per room,
 * rooms, rooms per account), and a room goes with its last occupant. */
struct muc_store {
	gen_lock_t lock;
	struct room *rooms;
	int room_count, occ_count;
};

static struct muc_store *ms;
static sylk_conf_api_t conf;
static bool bridged;

/* ---- stanzas ------------------------------------------------------------------- */

static void muc_push(struct sbuf *sb)
{
	if (!sbuf_err(sb) && sb->len && xmpp_queue_push(sb->buf, sb->len))
		LM_NOTICE("MUC stanza not queued (queue full): %.80s\n", sb->buf);
	sbuf_reset(sb);
}

/* Occupant presence and a room's subject are state: beyond a full queue
 * they wait as the latest of their (from, to) key (xmpp_pending.h:
 * OCCUPANT), so every occupant ends with the right list; lost only beyond
 * presence_pending_max (counted, told by xmpp_queue_report()). */
static void muc_state(const char *from, const char *to, struct sbuf *sb)
{
	if (!sbuf_err(sb) && sb->len)
		xmpp_queue_presence(from, to, XMPP_PENDING_OCCUPANT, sb->buf, sb->len);
	sbuf_reset(sb);
}

static void esc(struct sbuf *sb, const char *s)
{
	if (xmpp_escape(sb, s))
		sbuf_puts(sb, "?");
}

/* occupant presence of room/nick to @p to */
static void occupant_presence(const char *room, const char *nick, const char *to, bool gone,
			      bool self)
{
	struct sbuf sb = SBUF_INIT;
	char from[JID_SIZE + NICK_SIZE + 1];

	snprintf(from, sizeof(from), "%s/%s", room, nick);
	sbuf_puts(&sb, "<presence from='");
	esc(&sb, from);
	sbuf_puts(&sb, "' to='");
	esc(&sb, to);
	sbuf_printf(&sb,
		    "'%s><x xmlns='" NS_MUC_USER "'><item affiliation='none' role='%s'/>%s</x>"
		    "</presence>",
		    gone ? " type='unavailable'" : "", gone ? "none" : "participant",
		    self ? "<status code='110'/>" : "");
	muc_state(from, to, &sb);
}

/* A groupchat message to @p to, from room/nick (@p nick NULL: the room);
 * no body: the (empty) subject that ends a join, which waits as state.
 * A message is not state: it goes behind what its pair has waiting, and
 * is refused when the queue is full (0 queued, else an errno: the caller
 * tells the sender). */
static int groupchat(const char *room, const char *nick, const char *to, const char *id,
		     const char *body)
{
	struct sbuf sb = SBUF_INIT;
	char from[JID_SIZE + NICK_SIZE + 1];
	int err;

	snprintf(from, sizeof(from), "%s%s%s", room, nick ? "/" : "", nick ? nick : "");
	sbuf_puts(&sb, "<message type='groupchat' from='");
	esc(&sb, from);
	sbuf_puts(&sb, "' to='");
	esc(&sb, to);
	sbuf_putc(&sb, '\'');
	if (id) {
		sbuf_puts(&sb, " id='");
		esc(&sb, id);
		sbuf_putc(&sb, '\'');
	}
	if (!body) {
		sbuf_puts(&sb, "><subject/></message>"); /* the end of the join */
		muc_state(from, to, &sb);
		return 0;
	}
	sbuf_puts(&sb, "><body>");
	if (xmpp_escape(&sb, body)) {
		sbuf_reset(&sb);
		return EINVAL;
	}
	sbuf_puts(&sb, "</body></message>");
	err = sbuf_err(&sb) ? ENOMEM : xmpp_queue_push_after(from, to, sb.buf, sb.len);
	sbuf_reset(&sb);
	return err;
}

/* ---- the store (lock held) ------------------------------------------------------- */

static struct room *room_find(const char *jid, bool create)
{
	struct room *r;

	for (r = ms->rooms; r; r = r->next)
		if (!strcasecmp(r->jid, jid))
			return r;
	if (!create || ms->room_count >= xmpp_cfg.muc_max_rooms || !(r = shm_malloc(sizeof(*r))))
		return NULL;
	memset(r, 0, sizeof(*r));
	sylk_copy(r->jid, sizeof(r->jid), jid, strlen(jid));
	r->next = ms->rooms;
	ms->rooms = r;
	ms->room_count++;
	return r;
}

/* An empty room is unlinked and freed (lock held). */
static void room_drop_if_empty(struct room *r)
{
	struct room **p;

	if (r->occ)
		return;
	for (p = &ms->rooms; *p; p = &(*p)->next)
		if (*p == r) {
			*p = r->next;
			ms->room_count--;
			shm_free(r);
			return;
		}
}

/* The rooms the account of full JID @p jid is in (lock held). */
static int rooms_of(const char *jid)
{
	size_t bare = strcspn(jid, "/");
	int n = 0;

	for (struct room *r = ms->rooms; r; r = r->next)
		for (struct occupant *o = r->occ; o; o = o->next)
			if (!strncasecmp(o->jid, jid, bare) &&
			    (o->jid[bare] == '/' || !o->jid[bare])) {
				n++;
				break;
			}
	return n;
}

static struct occupant *by_jid(struct room *r, const char *jid)
{
	for (struct occupant *o = r->occ; o; o = o->next)
		if (!strcmp(o->jid, jid))
			return o;
	return NULL;
}

static struct occupant *by_nick(struct room *r, const char *nick)
{
	for (struct occupant *o = r->occ; o; o = o->next)
		if (!strcmp(o->nick, nick))
			return o;
	return NULL;
}

/* copies of the room's occupants, pkg; *n of them */
static struct occupant *snapshot(struct room *r, int *n)
{
	struct occupant *out;
	int i = 0;

	*n = 0;
	for (struct occupant *o = r ? r->occ : NULL; o; o = o->next)
		(*n)++;
	if (!*n || !(out = pkg_malloc((size_t)*n * sizeof(*out)))) {
		*n = 0;
		return NULL;
	}
	for (struct occupant *o = r->occ; o; o = o->next)
		out[i++] = *o;
	return out;
}

/* ---- XMPP -> the room ------------------------------------------------------------- */

/* The focus room's conference-info lists the occupant (sip:<bare JID>)
 * while it is in; no lock of ours held. */
static void focus_member(const char *room, const char *from, const char *nick, int present)
{
	char conf_uri[JID_SIZE + 8], uri[JID_SIZE + 8], bare[JID_SIZE];

	if (!bridged || xmpp_muc_room_uri(conf_uri, sizeof(conf_uri), room))
		return;
	sylk_copy(bare, sizeof(bare), from, strcspn(from, "/"));
	snprintf(uri, sizeof(uri), "sip:%s", bare);
	conf.chat_member(conf_uri, uri, nick, present);
}

static void join(const struct xmpp_el *el, const char *room_to, const char *nick, const char *from)
{
	struct occupant *o, *all;
	char room[JID_SIZE];
	struct room *r;
	int n = 0;
	bool again = false, clash = false;
	const char *full = NULL;

	sylk_copy(room, sizeof(room), room_to, strlen(room_to));
	lock_get(&ms->lock);
	r = room_find(room, false);
	o = r ? by_jid(r, from) : NULL;
	if (o && !strcmp(o->nick, nick)) {
		again = true; /* a presence update: nothing to announce */
	} else if (r && by_nick(r, nick)) {
		clash = true;
	} else if (!o && rooms_of(from) >= xmpp_cfg.muc_max_rooms_per_user) {
		full = "you are in as many rooms as one account may be";
	} else if (!o && r && r->occ_count >= xmpp_cfg.muc_max_occupants) {
		full = "the room is full";
	} else if (!o && !r && !(r = room_find(room, true))) {
		full = "no more rooms on this service";
	} else if (!o && (o = shm_malloc(sizeof(*o)))) {
		memset(o, 0, sizeof(*o));
		sylk_copy(o->nick, sizeof(o->nick), nick, strlen(nick));
		sylk_copy(o->jid, sizeof(o->jid), from, strlen(from));
		o->next = r->occ;
		r->occ = o;
		r->occ_count++;
		ms->occ_count++;
	} else {
		o = NULL; /* a nickname change: not supported, refused below */
	}
	if (r) /* the room's JID as it was made: one key per occupant pair */
		sylk_copy(room, sizeof(room), r->jid, strlen(r->jid));
	if (r && !o)
		room_drop_if_empty(r);
	all = o && !again && !clash ? snapshot(r, &n) : NULL;
	lock_release(&ms->lock);
	if (again)
		return;
	if (clash) {
		xmpp_answer_error(el, "cancel", "conflict", "nickname in use");
		return;
	}
	if (full) {
		/* XEP-0045 7.2.10: a full room is service-unavailable */
		LM_NOTICE("MUC %s: %s refused: %s\n", room, from, full);
		xmpp_answer_error(el, "wait", "service-unavailable", full);
		return;
	}
	if (!o) {
		xmpp_answer_error(el, "modify", "not-acceptable", "cannot join");
		return;
	}
	LM_INFO("MUC %s: %s joined as %s\n", room, from, nick);
	/* the others to the newcomer, the newcomer to everyone (itself last) */
	for (int i = 0; i < n; i++)
		if (strcmp(all[i].jid, from))
			occupant_presence(room, all[i].nick, from, false, false);
	for (int i = 0; i < n; i++)
		if (strcmp(all[i].jid, from))
			occupant_presence(room, nick, all[i].jid, false, false);
	occupant_presence(room, nick, from, false, true);
	groupchat(room, NULL, from, NULL, NULL);
	if (all)
		pkg_free(all);
	focus_member(room, from, nick, 1);
}

static void leave(const char *room_to, const char *from)
{
	struct occupant *all = NULL, **p, *o = NULL;
	char nick[NICK_SIZE] = "", room[JID_SIZE];
	struct room *r;
	int n = 0;

	sylk_copy(room, sizeof(room), room_to, strlen(room_to));
	lock_get(&ms->lock);
	r = room_find(room, false);
	if (r)
		sylk_copy(room, sizeof(room), r->jid, strlen(r->jid));
	for (p = r ? &r->occ : NULL; p && *p; p = &(*p)->next)
		if (!strcmp((*p)->jid, from)) {
			o = *p;
			*p = o->next;
			strcpy(nick, o->nick);
			shm_free(o);
			r->occ_count--;
			ms->occ_count--;
			break;
		}
	if (o)
		all = snapshot(r, &n);
	if (o)
		room_drop_if_empty(r);
	lock_release(&ms->lock);
	if (!o)
		return;
	LM_INFO("MUC %s: %s (%s) left\n", room, nick, from);
	occupant_presence(room, nick, from, true, true);
	for (int i = 0; i < n; i++)
		occupant_presence(room, nick, all[i].jid, true, false);
	if (all)
		pkg_free(all);
	focus_member(room, from, nick, 0);
}

static void presence_in(const struct xmpp_el *el)
{
	struct xmpp_presence_in in;
	struct xmpp_jid *j = NULL;
	char room[JID_SIZE];

	if (xmpp_presence_read(&in, el) || in.type == XMPP_PT_ERROR)
		return;
	j = pkg_malloc(sizeof(*j));
	if (!j || xmpp_jid_parse(j, in.to) || !j->local[0] || xmpp_jid_bare(room, sizeof(room), j))
		goto out;
	if (in.type == XMPP_PT_UNAVAILABLE)
		leave(room, in.from);
	else if (in.type != XMPP_PT_AVAILABLE)
		; /* subscriptions to a room: nothing */
	else if (!xmpp_muc_nick_ok(j->resource))
		xmpp_answer_error(el, "modify", "jid-malformed", "a nickname is needed");
	else
		join(el, room, j->resource, in.from);
out:
	if (j)
		pkg_free(j);
}

/* into the focus room's chat; its MSRP status */
static int post(const char *room, const char *from, const char *nick, const char *id,
		const char *body)
{
	char conf_uri[JID_SIZE + 8], sender[JID_SIZE + 8], bare[JID_SIZE];
	char *cpim = NULL;
	size_t len = 0;
	int status = 0, err;

	if (!bridged)
		return 200;
	sylk_copy(bare, sizeof(bare), from, strcspn(from, "/"));
	snprintf(sender, sizeof(sender), "sip:%s", bare);
	if (xmpp_muc_room_uri(conf_uri, sizeof(conf_uri), room))
		return 400;
	if (vr_chat_cpim_message(&cpim, &len, sender, nick, conf_uri, id, "text/plain", body))
		return 400;
	err = conf.chat_post(conf_uri, sender, nick, cpim, len, &status);
	free(cpim);
	if (!err && status == 200) /* a focus room opened after the occupant joined lists it now */
		conf.chat_member(conf_uri, sender, nick, 1);
	if (err == ENOENT)
		return 200; /* no SIP participant has opened the room: XMPP only */
	return err ? 500 : status;
}

static void message_in(const struct xmpp_el *el)
{
	struct xmpp_message_in m;
	struct occupant *all = NULL, *o;
	char room[JID_SIZE], nick[NICK_SIZE] = "", why[128];
	struct room *r;
	int n = 0, status, lost = 0;

	if (xmpp_message_read(&m, el) || m.error)
		return;
	if (strchr(m.to, '/')) {
		xmpp_answer_error(el, "cancel", "feature-not-implemented", "no private messages");
		return;
	}
	if (strcmp(m.type, "groupchat")) {
		xmpp_answer_error(el, "modify", "bad-request", "groupchat only");
		return;
	}
	sylk_copy(room, sizeof(room), m.to, strlen(m.to));
	lock_get(&ms->lock);
	r = room_find(room, false);
	o = r ? by_jid(r, m.from) : NULL;
	if (o) {
		strcpy(nick, o->nick);
		all = snapshot(r, &n);
	}
	lock_release(&ms->lock);
	if (!o) {
		xmpp_answer_error(el, "modify", "not-acceptable", "not an occupant");
		return;
	}
	if (!m.body)
		goto out; /* chat states */
	if (strlen(m.body) > XMPP_IM_MAX_TEXT) {
		xmpp_answer_error(el, "modify", "policy-violation", "message too large");
		goto out;
	}
	for (int i = 0; i < n; i++) /* everyone, the sender too (XEP-0045 7.4) */
		if (groupchat(room, nick, all[i].jid, m.id, m.body))
			lost++;
	if (lost) {
		/* not state: not kept; the sender is told (the error waits) */
		LM_NOTICE("MUC %s: message of %s (%s) not delivered to %d of %d XMPP occupants: "
			  "the queue to XMPP is full (queue_size %d); the sender gets an error\n",
			  room, nick, m.from, lost, n, xmpp_cfg.queue_size);
		snprintf(why, sizeof(why),
			 "not delivered to %d of the %d occupants: the gateway is overloaded, "
			 "send it again later",
			 lost, n);
		xmpp_answer_error(el, "wait", "resource-constraint", why);
	}
	status = post(room, m.from, nick, m.id, m.body);
	if (status != 200)
		LM_NOTICE("MUC %s: message of %s not taken by the conference: %d\n", room, nick,
			  status);
out:
	if (all)
		pkg_free(all);
}

bool xmpp_disco_answer(const struct xmpp_el *el, bool muc)
{
	const char *type = xmpp_el_attr(el, "type"), *from = xmpp_el_attr(el, "from"),
		   *to = xmpp_el_attr(el, "to"), *id = xmpp_el_attr(el, "id");
	struct sbuf sb = SBUF_INIT;
	bool room;

	if (strcmp(el->name, "iq") || !type || strcmp(type, "get") || !from || !to ||
	    !xmpp_el_child(el, "query", NS_DISCO_INFO))
		return false;
	room = strchr(to, '@') != NULL;
	if (!muc && room)
		return false; /* a user: nothing to tell */
	sbuf_puts(&sb, "<iq type='result' from='");
	esc(&sb, to);
	sbuf_puts(&sb, "' to='");
	esc(&sb, from);
	sbuf_puts(&sb, "' id='");
	esc(&sb, id ? id : "");
	sbuf_puts(&sb, "'><query xmlns='" NS_DISCO_INFO "'>");
	if (!muc)
		sbuf_puts(&sb, "<identity category='gateway' type='sip' name='SIP gateway'/>");
	else
		sbuf_puts(&sb,
			  "<identity category='conference' type='text' name='SIP "
			  "conference rooms'/><feature var='http://jabber.org/protocol/muc'/>");
	sbuf_puts(&sb, "<feature var='" NS_DISCO_INFO "'/></query></iq>");
	muc_push(&sb);
	return true;
}

void xmpp_muc_from_xmpp(const struct xmpp_el *el)
{
	const char *t = xmpp_el_attr(el, "type");

	if (!ms)
		return;
	if (!strcmp(el->name, "presence"))
		presence_in(el);
	else if (!strcmp(el->name, "message"))
		message_in(el);
	else if (!strcmp(el->name, "iq") && !xmpp_disco_answer(el, true) && t &&
		 (!strcmp(t, "get") || !strcmp(t, "set")))
		xmpp_answer_error(el, "cancel", "service-unavailable", NULL);
}

/* ---- the room -> XMPP (the focus's process, none of its locks held) ------------------ */

/* A SIP participant's message that did not reach every XMPP occupant:
 * the sender reads it from the gateway, privately, in the room's chat
 * (no lock of ours held: chat_post takes the focus's). */
static void tell_sender(const char *room, const char *room_uri, const char *sender_uri, int lost,
			int n)
{
	char gw[JID_SIZE + 24], text[JID_SIZE + 200];
	char *cpim = NULL;
	size_t len = 0;
	int status = 0;

	snprintf(gw, sizeof(gw), "sip:xmpp-gateway@%s", xmpp_cfg.component_domain);
	snprintf(text, sizeof(text),
		 "Your message did not reach %d of the %d XMPP participants of %s: the XMPP "
		 "gateway is overloaded. Please send it again later.",
		 lost, n, room);
	if (vr_chat_cpim_message(&cpim, &len, gw, "XMPP gateway", sender_uri, NULL, "text/plain",
				 text))
		return;
	if (conf.chat_post(room_uri, gw, "XMPP gateway", cpim, len, &status) || status != 200)
		LM_NOTICE("MUC %s: %s could not be told (%d)\n", room, sender_uri, status);
	free(cpim);
}

static void from_focus(const char *room_uri, const char *cpim, size_t len)
{
	char room[JID_SIZE], nick[NICK_SIZE];
	struct occupant *all = NULL;
	struct vr_chat_in *in = NULL;
	int n = 0, lost = 0;

	if (!ms || xmpp_sip_to_jid(room, sizeof(room), room_uri) ||
	    !xmpp_jid_in_domain(room, xmpp_cfg.muc_domain))
		return;
	lock_get(&ms->lock);
	all = snapshot(room_find(room, false), &n);
	lock_release(&ms->lock);
	if (!n)
		return;
	if (vr_chat_parse(&in, cpim, len) || in->kind != VR_CHAT_MESSAGE ||
	    strncasecmp(in->content_type, "text/plain", 10))
		goto out;
	if (in->status) {
		for (int i = 0; i < n; i++) /* the room's notices: from the room itself */
			if (groupchat(room, NULL, all[i].jid, NULL, in->content))
				lost++;
		if (lost)
			LM_NOTICE("MUC %s: a notice of the room not delivered to %d of %d XMPP "
				  "occupants: the queue to XMPP is full (queue_size %d)\n",
				  room, lost, n, xmpp_cfg.queue_size);
		goto out;
	}
	if (xmpp_muc_nick_of(nick, sizeof(nick), in->sender_display, in->sender_uri))
		goto out;
	for (int i = 0; i < n; i++)
		if (groupchat(room, nick, all[i].jid, NULL, in->content))
			lost++;
	if (lost) {
		/* a message is not state: not kept, its sender is told */
		LM_NOTICE("MUC %s: message of %s (%s) not delivered to %d of %d XMPP occupants: "
			  "the queue to XMPP is full (queue_size %d); the sender is told\n",
			  room, in->sender_uri, nick, lost, n, xmpp_cfg.queue_size);
		tell_sender(room, room_uri, in->sender_uri, lost, n);
	}
out:
	vr_chat_in_free(in);
	if (all)
		pkg_free(all);
}

void xmpp_muc_link_up(void)
{
	xmpp_muc_release_all("from before the reconnect", true);
}

void xmpp_muc_release_all(const char *why, bool tell_focus)
{
	struct occupant *all = NULL;
	struct room *r;
	int n;

	if (!ms)
		return;
	for (;;) {
		char room[JID_SIZE];

		lock_get(&ms->lock);
		r = ms->rooms;
		if (r) {
			ms->rooms = r->next;
			strcpy(room, r->jid);
			all = snapshot(r, &n);
			while (r->occ) {
				struct occupant *o = r->occ;

				r->occ = o->next;
				shm_free(o);
			}
			shm_free(r);
			ms->room_count--;
		}
		if (!ms->rooms)
			ms->occ_count = 0;
		lock_release(&ms->lock);
		if (!r)
			break;
		for (int i = 0; i < n; i++) {
			occupant_presence(room, all[i].nick, all[i].jid, true, true);
			if (tell_focus)
				focus_member(room, all[i].jid, all[i].nick, 0);
		}
		if (n)
			LM_INFO("MUC %s: %d occupants %s told unavailable\n", room, n, why);
		if (all)
			pkg_free(all);
		all = NULL;
	}
}

int xmpp_muc_init(void)
{
	if (!xmpp_cfg.muc_domain[0])
		return 0;
	ms = shm_malloc(sizeof(*ms));
	if (!ms) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(ms, 0, sizeof(*ms));
	lock_init(&ms->lock);
	if (load_sylk_conf_api(&conf) != 0) {
		LM_INFO("sylk_conference not loaded: MUC rooms hold XMPP occupants only\n");
		return 0;
	}
	conf.chat_listen(from_focus);
	bridged = true;
	return 0;
}

void xmpp_muc_counts(int *rooms, int *occupants)
{
	*rooms = *occupants = 0;
	if (!ms)
		return;
	lock_get(&ms->lock);
	*rooms = ms->room_count;
	*occupants = ms->occ_count;
	lock_release(&ms->lock);
}
