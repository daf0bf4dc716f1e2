/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private chat sessions (RFC 7573): see conf_session.h. What a session's
 * user sends and how its sessions end is queued under the store lock and
 * handed to the listener once this process lets go of it, as the chat
 * bridge does for rooms, so the focus never holds its lock while the XMPP
 * gateway takes its own. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/parser/parse_from.h"

#include "conference/room/chat_room.h"
#include "conference/room/chat_session.h"
#include "conference/sdp/conf_offer.h"
#include "conference/sdp/conf_sdp.h"

#include "../common/sip_util.h"
#include "conf_config.h"
#include "conf_msrp_send.h"
#include "conf_out.h"
#include "conf_playback.h"
#include "conf_room.h"
#include "conf_session.h"
#include "conf_stats.h"
#include "conf_store.h"

#define SESSION_QUEUE_MAX 256 /* events one lock section may queue */

struct session_item {
	struct session_item *next;
	enum sylk_conf_session_event ev;
	char user[CONF_URI_SIZE];
	char peer[CONF_URI_SIZE];
	size_t len;
	char cpim[]; /* NUL-terminated; empty for an end */
};

static sylk_conf_session_fn listener;
static struct session_item *head, **tail = &head; /* this process's */
static unsigned queued;

/* ---- the listener ------------------------------------------------------------- */

static void session_listen(sylk_conf_session_fn fn)
{
	if (listener)
		LM_ERR("chat sessions: a listener is there already; the new one replaces it\n");
	listener = fn;
}

/* lock held */
static void queue_event(enum sylk_conf_session_event ev, const char *user, const char *peer,
			const char *cpim, size_t len)
{
	struct session_item *it;

	if (!listener)
		return;
	if (queued >= SESSION_QUEUE_MAX) {
		LM_WARN("chat sessions: %u events waiting, one of %s with %s dropped\n", queued,
			user, peer);
		return;
	}
	it = malloc(sizeof(*it) + len + 1);
	if (!it) {
		LM_ERR("chat sessions: out of memory, an event of %s with %s dropped\n", user,
		       peer);
		return;
	}
	it->next = NULL;
	it->ev = ev;
	it->len = len;
	sylk_copy(it->user, sizeof(it->user), user, strlen(user));
	sylk_copy(it->peer, sizeof(it->peer), peer, strlen(peer));
	if (len)
		memcpy(it->cpim, cpim, len);
	it->cpim[len] = '\0';
	*tail = it;
	tail = &it->next;
	queued++;
}

void conf_session_flush(void)
{
	struct session_item *it;

	/* one at a time: the listener may end sessions, which queues and
	 * flushes again in this process */
	while ((it = head)) {
		head = it->next;
		if (!head)
			tail = &head;
		queued--;
		if (listener)
			listener(it->ev, it->user, it->peer,
				 it->ev == SYLK_CONF_SESSION_MESSAGE ? it->cpim : NULL, it->len);
		free(it);
	}
}

/* ---- opening ------------------------------------------------------------------ */

void conf_session_contact(char *buf, size_t size)
{
	snprintf(buf, size, "Contact: <sip:chat@%.*s>\r\n", conf_cfg.contact_host_s.len,
		 conf_cfg.contact_host_s.s);
}

/* the participant of a session of @p user (NULL: any) with @p peer (NULL:
 * any) on the peer's device @p instance (NULL: any; a session bound to no
 * device yet: any), after @p from (NULL: the first). Lock held. */
static struct conf_participant *find_on(struct conf_participant *from, const char *user,
					const char *peer, const char *instance)
{
	for (struct conf_participant *p = from ? from->next : conf_part_first(); p; p = p->next) {
		struct conf_room *r;

		if (!p->in_session || (user && !chat_uri_equal(p->uri, user)))
			continue;
		r = conf_room_by_key(p->room_key);
		/* the playback service's sessions are nobody else's business */
		if (r && r->session && !r->playback && (!peer || chat_uri_equal(r->uri, peer)) &&
		    (!instance || !r->peer_instance[0] || !strcmp(r->peer_instance, instance)))
			return p;
	}
	return NULL;
}

/* the same, any device of the peer */
static struct conf_participant *find(struct conf_participant *from, const char *user,
				     const char *peer)
{
	return find_on(from, user, peer, NULL);
}

static int user_sessions(const char *user)
{
	int n = 0;

	for (struct conf_participant *p = find(NULL, user, NULL); p; p = find(p, user, NULL))
		n++;
	return n;
}

/* The offer's chat stream taken (one MSRP chat stream, no file transfer;
 * audio and video are left refused): 0 or EPROTO. */
static int decide(const struct conf_sdp_offer *offer, struct conf_sdp_answer_media *ans,
		  struct conf_participant *p)
{
	const struct conf_offer_limits lim = {
		.msrp_port = (unsigned)conf_cfg.msrp_port,
		.msrps_port = (unsigned)(conf_cfg.msrps_port > 0 ? conf_cfg.msrps_port : 0),
	};
	struct conf_offer_result res = {.role = CONF_OFFER_CHAT};
	int accepted = conf_offer_decide(offer, ans, &lim, &res);

	if (!accepted || res.role != CONF_OFFER_CHAT || !res.has_chat || !res.their_path)
		return EPROTO;
	p->has_chat = true;
	p->msrp_secure = res.msrp_secure;
	sylk_copy(p->msrp_their_path, sizeof(p->msrp_their_path), res.their_path,
		  strlen(res.their_path));
	for (size_t i = 0; i < offer->media_count; i++) {
		ans[i].chatroom = NULL; /* no room: no nicknames, no private messages */
		if (ans[i].accept)
			ans[i].accept_types = "message/cpim text/plain";
	}
	return 0;
}

/* the SDP answer to @p offer: its chat stream taken (EPROTO when it has
 * none), @p audio's section when there is one (NULL: none), the rest
 * refused */
static int answer_sdp(struct conf_participant *p, const struct conf_sdp_offer *offer,
		      const struct conf_session_audio *audio, char **sdp)
{
	struct conf_sdp_answer_media ans[CONF_SDP_MAX_MEDIA];
	char path[CONF_PATH_SIZE];

	if (decide(offer, ans, p))
		return EPROTO;
	if (conf_msrp_our_path(path, sizeof(path), p) < 0)
		return ENOMEM;
	for (size_t i = 0; i < offer->media_count; i++)
		if (ans[i].accept)
			ans[i].path = path;
	if (audio && audio->idx >= 0 && (size_t)audio->idx < offer->media_count) {
		ans[audio->idx].accept = true;
		ans[audio->idx].raw_section = audio->section;
	}
	return conf_sdp_answer_build(sdp, offer, ans, offer->media_count, conf_cfg.msrp_host_s.s,
				     p->key, ++p->sdp_version) ?
		       ENOMEM :
		       0;
}

/* the new session's participant, its dialog (made here unless it has one)
 * and the SDP answer (lock held) */
static int setup(struct sip_msg *msg, struct conf_participant *p, const char *uri,
		 const struct conf_sdp_offer *offer, const struct conf_session_audio *audio,
		 char **sdp)
{
	const char *src = ip_addr2a(&msg->rcv.src_ip);
	char rnd[32];
	int err;

	sylk_copy(p->uri, sizeof(p->uri), uri, strlen(uri));
	sylk_copy(p->src_ip, sizeof(p->src_ip), src, strlen(src));
	p->authenticated = conf_authenticated(msg);
	p->in_session = true;
	msrp_ident_generate(rnd, sizeof(rnd));
	snprintf(p->msrp_id, sizeof(p->msrp_id), "%.20s%x", rnd, p->key);
	err = answer_sdp(p, offer, audio, sdp);
	if (err)
		return err;
	if (!p->dlg && (conf_tmb.new_dlg_uas(msg, 200, &p->dlg) < 0 || !p->dlg))
		return ENOMEM;
	sylk_copy(p->call_id, sizeof(p->call_id), msg->callid->body.s, msg->callid->body.len);
	sylk_copy(p->local_tag, sizeof(p->local_tag), p->dlg->id.loc_tag.s, p->dlg->id.loc_tag.len);
	return 0;
}

/* The 200 with @p sdp and To-tag @p tag (a copy: the session may end once
 * unlocked). Lock NOT held. 0 or -1. */
static int answer(struct sip_msg *msg, const char *tag, const char *sdp)
{
	char hdrs[CONF_HDRS_SIZE];
	str to_tag = {(char *)tag, (int)strlen(tag)};

	conf_session_contact(hdrs, sizeof(hdrs));
	strncat(hdrs, "Content-Type: application/sdp\r\n", sizeof(hdrs) - strlen(hdrs) - 1);
	return conf_out_reply(msg, 200, "OK", hdrs, sdp, &to_tag);
}

int conf_session_start(struct sip_msg *msg, const char *user_uri, const char *peer_uri,
		       const struct conf_sdp_offer *offer, dlg_t *dlg,
		       const struct conf_session_audio *audio, struct conf_participant **pp,
		       struct conf_session_reply *rp)
{
	struct conf_room *r = conf_session_room_new(peer_uri);
	struct conf_participant *p = r ? conf_part_new(r->key) : NULL;
	char *sdp = NULL;
	int err;

	if (!p) {
		if (dlg)
			conf_tmb.free_dlg(dlg);
		if (r)
			conf_room_destroy(r);
		return ENOMEM;
	}
	p->dlg = dlg; /* goes with the participant from now on */
	err = setup(msg, p, user_uri, offer, audio, &sdp);
	if (err) {
		free(sdp);
		conf_room_destroy(r); /* with its participant */
		return err;
	}
	/* answered from now on for the timers (the ACK's, the MSRP
	 * connection's); the 200 itself goes once unlocked */
	p->answered = time(NULL);
	p->msrp_wait_since = p->answered;
	rp->part_key = p->key;
	memcpy(rp->to_tag, p->local_tag, sizeof(rp->to_tag));
	rp->sdp = sdp;
	*pp = p;
	return 0;
}

int conf_session_answer(struct sip_msg *msg, struct conf_session_reply *rp)
{
	struct conf_participant *p;
	struct conf_room *r;
	int sent = answer(msg, rp->to_tag, rp->sdp);

	free(rp->sdp);
	rp->sdp = NULL;
	if (sent == 0) {
		CONF_STAT_INC(joins);
		return 0;
	}
	/* the session never started: gone without a word to the listener */
	conf_lock();
	p = conf_part_by_key(rp->part_key);
	r = p ? conf_room_by_key(p->room_key) : NULL;
	if (r)
		conf_room_destroy(r); /* with its participant */
	conf_unlock();
	return EIO;
}

static int session_open(struct sip_msg *msg, const char *peer_uri, int max_per_user)
{
	struct conf_sdp_offer *offer = NULL;
	struct conf_participant *p = NULL;
	struct conf_session_reply rp;
	struct to_body *from;
	char uri[CONF_URI_SIZE];
	int code = 500, err, rc = conf_tmb.t_newtran(msg);
	const char *reason = "Server Internal Error";
	str body;

	if (rc == 0)
		return 0;
	if (rc < 0) {
		LM_ERR("cannot create the transaction of a chat session INVITE (%d)\n", rc);
		return 500;
	}
	if (!peer_uri || parse_from_header(msg) < 0 || !(from = get_from(msg)) || !msg->callid) {
		code = 400;
		reason = "Bad Request";
		goto out;
	}
	sylk_uri_aor(uri, sizeof(uri), &from->uri, 1);
	if (!conf_authenticated(msg)) {
		LM_NOTICE("chat session of %s with %s refused: not authenticated\n", uri, peer_uri);
		code = 403;
		reason = "Forbidden (chat sessions are for authenticated users)";
		goto out;
	}
	if (sylk_msg_body(msg, &body) < 0 ||
	    conf_sdp_offer_parse(&offer, body.s, (size_t)body.len) != 0) {
		code = 488;
		reason = "Not Acceptable Here (no usable SDP offer)";
		goto out;
	}
	conf_lock();
	if (max_per_user > 0 && user_sessions(uri) >= max_per_user) {
		conf_unlock();
		LM_NOTICE("chat session of %s with %s refused: %d sessions already\n", uri,
			  peer_uri, max_per_user);
		code = 486;
		reason = "Busy Here (too many chat sessions)";
		goto out;
	}
	err = conf_session_start(msg, uri, peer_uri, offer, NULL, NULL, &p, &rp);
	conf_unlock();
	if (!err)
		err = conf_session_answer(msg, &rp);
	if (err) {
		if (err == EPROTO) {
			code = 488;
			reason = "Not Acceptable Here (a chat session takes one MSRP chat stream)";
		}
		LM_NOTICE("chat session of %s with %s not opened: %d %s\n", uri, peer_uri, code,
			  reason);
		goto out;
	}
	code = 200;
	LM_NOTICE("chat session of %s with %s opened (Call-ID %.*s)\n", uri, peer_uri,
		  msg->callid->body.len, msg->callid->body.s);
out:
	conf_sdp_offer_free(offer);
	if (code != 200)
		conf_out_reply(msg, code, reason, NULL, NULL, NULL);
	return code;
}

/* The answer to a re-INVITE in session @p key (lock held): 200 with *sdp
 * and the To-tag in @p tag, or 481, 488 with *reason. */
static int reanswer(struct sip_msg *msg, unsigned key, const struct conf_sdp_offer *offer,
		    char **sdp, char *tag, const char **reason)
{
	struct conf_participant *p = conf_part_by_key(key);
	struct conf_room *r = p ? conf_room_by_key(p->room_key) : NULL;
	int err;

	*reason = "Call/Transaction Does Not Exist";
	if (!p || !r)
		return 481;
	if (r->playback) {
		*reason = conf_playback_reinvite(p);
		return 488;
	}
	err = offer ? answer_sdp(p, offer, NULL, sdp) : EBADMSG;
	if (err) {
		LM_NOTICE("chat session of %s: re-INVITE refused (%s); the session stays\n", p->uri,
			  err == EPROTO ? "no MSRP chat stream" : "no usable SDP offer");
		*reason = "Not Acceptable Here (a chat session takes one MSRP chat stream)";
		return 488;
	}
	conf_tmb.dlg_request_uas(p->dlg, msg, IS_TARGET_REFRESH);
	memcpy(tag, p->local_tag, CONF_TAG_SIZE);
	return 200;
}

void conf_session_reinvite(struct sip_msg *msg, unsigned part_key)
{
	struct conf_sdp_offer *offer = NULL;
	char *sdp = NULL, tag[CONF_TAG_SIZE];
	const char *reason;
	str body;
	int code;

	if (sylk_msg_body(msg, &body) < 0 ||
	    conf_sdp_offer_parse(&offer, body.s, (size_t)body.len) != 0)
		offer = NULL;
	conf_lock();
	code = reanswer(msg, part_key, offer, &sdp, tag, &reason);
	conf_unlock();
	if (code != 200)
		conf_out_reply(msg, code, reason, NULL, NULL, NULL);
	else if (answer(msg, tag, sdp) < 0)
		LM_ERR("cannot answer the re-INVITE of session participant %u\n", part_key);
	conf_sdp_offer_free(offer);
	free(sdp);
}

/* ---- what passes ----------------------------------------------------------------- */

int conf_session_from_user(struct conf_room *r, struct conf_participant *p,
			   const struct msrp_message *m, const char *ctype, const void *body,
			   size_t len, const char **reason)
{
	struct chat_session_msg out;
	int err = chat_session_route(p->uri, r->uri, ctype, body, len, m->message_id, &out);

	if (!err && r->playback && out.status == 200) {
		conf_playback_chat(p, r, out.cpim, out.len);
		CONF_STAT_INC(chat_messages);
		free(out.cpim);
		*reason = out.reason;
		return 200;
	}
	if (err) {
		*reason = "Server Error";
		return 500;
	}
	*reason = out.reason;
	if (out.status == 200) {
		queue_event(SYLK_CONF_SESSION_MESSAGE, p->uri, r->uri, out.cpim, out.len);
		CONF_STAT_INC(chat_messages);
	} else {
		LM_NOTICE("chat session of %s with %s: message refused with %d: %s\n", p->uri,
			  r->uri, out.status, out.reason);
	}
	free(out.cpim);
	return out.status;
}

static int session_post(const char *user, const char *peer, const char *instance, const void *cpim,
			size_t len)
{
	struct conf_participant *p;
	int n = 0;

	if (!user || !peer || !cpim || !len)
		return EINVAL;
	conf_lock();
	for (p = find(NULL, user, peer); p; p = find(p, user, peer)) {
		struct conf_room *r = conf_room_by_key(p->room_key);

		n++;
		if (instance && *instance)
			sylk_copy(r->peer_instance, sizeof(r->peer_instance), instance,
				  strlen(instance));
		/* before the user's MSRP connection: kept for it (replayed at bind) */
		if (!p->msrp_conn)
			chat_room_history_add(r->chat, cpim, len);
		else if (conf_msrp_send_to(p, "message/cpim", cpim, len) < 0)
			LM_NOTICE("chat session of %s with %s: a message not sent\n", user, peer);
	}
	conf_unlock();
	return n ? 0 : ENOENT;
}

/* ---- ending ------------------------------------------------------------------------ */

void conf_session_leave(struct conf_participant *p, struct conf_room *r, int send_bye, bool by_peer)
{
	if (send_bye)
		conf_part_bye(p);
	LM_NOTICE("chat session of %s with %s ended (Call-ID %s)\n", p->uri, r->uri, p->call_id);
	if (r->playback)
		conf_playback_leave(p, r);
	else if (!by_peer)
		queue_event(SYLK_CONF_SESSION_END, p->uri, r->uri, NULL, 0);
	conf_room_destroy(r); /* with its participant */
}

static int session_end(const char *user, const char *peer, const char *instance, const char *why,
		       int tell)
{
	struct conf_participant *p;
	int n = 0;

	conf_lock();
	while ((p = find_on(NULL, user, peer, instance))) {
		struct conf_room *r = conf_room_by_key(p->room_key);

		LM_NOTICE("chat session of %s with %s: %s\n", p->uri, r->uri, why ? why : "ended");
		conf_session_leave(p, r, 1, !tell);
		n++;
	}
	conf_unlock();
	return n;
}

void conf_session_bind(sylk_conf_api_t *api)
{
	api->session_open = session_open;
	api->session_post = session_post;
	api->session_end = session_end;
	api->session_listen = session_listen;
}
