/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 1:1 calls between a browser and the SIP world.
 *
 * Outgoing: session-create -> rtpengine offer (WebRTC -> RTP) -> INVITE via
 * the outbound proxy -> provisional replies become events -> 2xx ->
 * rtpengine answer -> "accepted" with the browser's SDP (tm sends the ACK).
 * Incoming: the script hands an INVITE for one of our Contacts to
 * sylk_rtc_deliver() -> rtpengine offer (RTP -> WebRTC) -> 180 and
 * "incoming-session" to every connection of the account -> the first
 * session-answer wins -> rtpengine answer -> 200.
 * rtpengine is asked without the store lock held; after each round trip the
 * session is looked up again by key, since the call may have ended.
 *
 * Each leg is its own rtpengine call (the Call-ID with a leg suffix): when a
 * browser calls a browser, both legs pass this gateway with one Call-ID and
 * from-tag, and the focus anchors a room call under the SIP Call-ID too. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "modules/tm/t_hooks.h"
#include "modules/tm/h_table.h"

#include "sylk_ws/base/clock.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/sip/gateway_sip.h"
#include "sylk_ws/sip/sip_fields.h"
#include "sylk_ws/ng/ng_bridge.h"

#include "rtc_account.h"
#include "rtc_call.h"
#include "rtc_presence.h"
#include "rtc_config.h"
#include "rtc_events.h"
#include "rtc_hooks.h"
#include "rtc_message.h"
#include "../common/ng_client.h"
#include "rtc_sip.h"
#include "rtc_stats.h"
#include "rtc_store.h"
#include "rtc_vouch.h"

#define RTC_MAX_HEADERS 32

static void invite_cb(struct cell *t, int type, struct tmcb_params *ps);
static void bye_cb(struct cell *t, int type, struct tmcb_params *ps);
static void reinvite_cb(struct cell *t, int type, struct tmcb_params *ps);

/* What a request needs of a session, copied out so that rtpengine can be
 * asked without the lock. */
struct call_ids {
	unsigned key;
	enum rtc_dir dir;
	enum rtc_call_state state;
	char id[RTC_ID_SIZE];
	char call_id[RTC_CALLID_SIZE];
	char media_id[RTC_MEDIA_ID_SIZE];
	char local_tag[RTC_TAG_SIZE];
	char remote_tag[RTC_TAG_SIZE];
	unsigned t_hash, t_label;
	bool t_valid;
	bool early_sdp_sent;
};

/* the rtpengine call of a leg */
static void media_id_of(char *out, size_t size, const char *call_id, enum rtc_dir dir)
{
	snprintf(out, size, "%s~%s", call_id, dir == RTC_OUTGOING ? "out" : "in");
}

static void ids_of(const struct rtc_session *s, struct call_ids *c)
{
	c->key = s->key;
	c->dir = s->dir;
	c->state = s->state;
	memcpy(c->id, s->id, sizeof(c->id));
	memcpy(c->call_id, s->call_id, sizeof(c->call_id));
	media_id_of(c->media_id, sizeof(c->media_id), s->call_id, s->dir);
	c->early_sdp_sent = s->early_sdp_sent;
	memcpy(c->local_tag, s->local_tag, sizeof(c->local_tag));
	memcpy(c->remote_tag, s->remote_tag, sizeof(c->remote_tag));
	c->t_hash = s->t_hash;
	c->t_label = s->t_label;
	c->t_valid = s->t_valid;
}

/* Asks rtpengine; on success *sdp is a malloc'ed copy of its SDP. */
static int media(enum ng_bridge_step step, const char *call_id, const char *from_tag,
		 const char *to_tag, const char *sdp, size_t sdp_len, char **out, char *why,
		 size_t why_size)
{
	struct ng_request req = {.call_id = call_id,
				 .from_tag = from_tag,
				 .to_tag = to_tag,
				 .sdp = sdp,
				 .sdp_len = sdp_len};
	struct ng_reply *reply = NULL;

	*out = NULL;
	ng_bridge_request(&req, step);
	if (ng_client_request(&req, &reply, why, why_size) != 0)
		return -1;
	if (!reply->sdp) {
		ng_reply_free(reply);
		snprintf(why, why_size, "media server returned no SDP");
		return -1;
	}
	*out = malloc(reply->sdp_len + 1);
	if (*out) {
		memcpy(*out, reply->sdp, reply->sdp_len);
		(*out)[reply->sdp_len] = '\0';
	}
	ng_reply_free(reply);
	if (!*out) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	return 0;
}

/* The session is over: tell whoever still cares, free media and state.
 * Lock held. */
static void finish(struct rtc_session *s, const char *reason)
{
	char media_id[RTC_MEDIA_ID_SIZE];
	bool had_media = s->state != RTC_CALL_NEW || s->dir == RTC_INCOMING;
	const char *tag = s->dir == RTC_OUTGOING ? s->local_tag : s->remote_tag;

	LM_NOTICE("session %s ended: %s (Call-ID %s, account %s, peer %s, %s)\n", s->id, reason,
		  s->call_id, s->account, s->peer, s->answered ? "answered" : "unanswered");
	if (!s->answered)
		RTC_STAT_INC(calls_unanswered);
	if (s->conn_id >= 0)
		rtc_emit_state(s->conn_id, s->id, SYLKRTC_SESSION_TERMINATED, reason);
	else
		for (int i = 0; i < s->offered_count; i++)
			rtc_emit_state(s->offered[i], s->id, SYLKRTC_SESSION_TERMINATED, reason);
	media_id_of(media_id, sizeof(media_id), s->call_id, s->dir);
	if (had_media)
		rtc_media_delete_later(media_id, tag);
	rtc_session_destroy(s);
}

static int add_common_headers(char *hdrs, size_t size, unsigned account_key, const char *ua,
			      bool sdp)
{
	char contact[RTC_AOR_SIZE];

	if (rtc_sip_contact(contact, sizeof(contact), account_key) < 0)
		return -1;
	if (rtc_append(hdrs, size, "Contact: %s\r\nUser-Agent: %s\r\n", contact,
		       ua ? ua : rtc_cfg.user_agent) < 0)
		return -1;
	if (sdp && rtc_append(hdrs, size, "Content-Type: application/sdp\r\n") < 0)
		return -1;
	return 0;
}

/* ---- outgoing calls -------------------------------------------------------- */

/* Sends (or re-sends with credentials) the INVITE of an outgoing call:
 * vouched for (rtc_vouch.h) when this connection's REGISTER of the account
 * is in force, else the proxy's challenge is answered with the HA1 the
 * browser gave (a call without registering, as SylkServer allows). Lock
 * held. */
static int send_invite(struct rtc_session *s, struct sip_msg *challenge)
{
	struct rtc_account *a = rtc_account_by_key(s->account_key);
	char hdrs[RTC_HDRS_SIZE] = "";
	str method = str_init("INVITE"), hs, body;
	uac_req_t uac_r;

	if (!a || !s->pending_sdp)
		return -1;
	if (add_common_headers(hdrs, sizeof(hdrs), s->account_key, a->user_agent, true) < 0 ||
	    (s->extra_hdrs && rtc_append(hdrs, sizeof(hdrs), "%s", s->extra_hdrs) < 0))
		return -1;
	if (rtc_account_may_receive(a) && rtc_vouch_for(a->aor) &&
	    rtc_vouch_append(hdrs, sizeof(hdrs)) < 0)
		return -1;
	if (challenge) {
		s->dlg->loc_seq.value++;
		if (rtc_sip_authorize(hdrs, sizeof(hdrs), challenge, "INVITE", &s->dlg->rem_uri,
				      a->user, a->ha1) < 0)
			return -1;
	}
	hs.s = hdrs;
	hs.len = (int)strlen(hdrs);
	body.s = s->pending_sdp;
	body.len = (int)strlen(s->pending_sdp);
	set_uac_req(&uac_r, &method, &hs, &body, s->dlg,
		    TMCB_LOCAL_COMPLETED | TMCB_LOCAL_RESPONSE_IN, invite_cb,
		    (void *)(uintptr_t)s->key);
	if (rtc_tmb.t_uac_with_ids(&uac_r, &s->t_hash, &s->t_label) < 0) {
		LM_ERR("cannot send INVITE for session %s\n", s->id);
		return -1;
	}
	s->t_valid = true;
	return 0;
}

static int headers_text(char **out, const struct sylkrtc_request *req)
{
	char buf[RTC_HDRS_SIZE] = "";

	*out = NULL;
	for (size_t i = 0; i < req->header_count; i++)
		if (rtc_append(buf, sizeof(buf), "%s: %s\r\n", req->headers[i].name,
			       req->headers[i].value) < 0)
			return -1;
	if (buf[0] && !(*out = sylk_shm_strdup(buf)))
		return -1;
	return 0;
}

static void session_create(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_account *a;
	struct rtc_session *s;
	char why[RTC_REASON_SIZE], call_id[RTC_CALLID_SIZE] = "", tag[RTC_TAG_SIZE] = "";
	char display[RTC_AOR_SIZE] = "", *sip_sdp = NULL, media_id[RTC_MEDIA_ID_SIZE];
	unsigned key;
	dlg_t *dlg;

	rtc_lock();
	a = rtc_account_find(conn_id, req->account);
	if (!a) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Unknown account specified: %s",
			       req->account);
		return;
	}
	if (rtc_session_find(conn_id, req->session)) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Session ID %s already in use",
			       req->session);
		return;
	}
	if (rtc_session_count_for_account(a->key) >= rtc_cfg.max_sessions_per_account) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction,
			       "Too many sessions for account %s (max %d)", req->account,
			       rtc_cfg.max_sessions_per_account);
		return;
	}
	if (a->display_name)
		sylk_copy(display, sizeof(display), a->display_name, strlen(a->display_name));
	dlg = rtc_sip_dialog(a->aor, display, req->uri, call_id, tag);
	s = dlg ? rtc_session_new(conn_id, req->session, RTC_OUTGOING) : NULL;
	if (!s || headers_text(&s->extra_hdrs, req) < 0) {
		if (s)
			rtc_session_destroy(s);
		else if (dlg)
			rtc_tmb.free_dlg(dlg);
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Cannot create session %s", req->session);
		return;
	}
	s->dlg = dlg;
	s->account_key = a->key;
	sylk_copy(s->account, sizeof(s->account), a->aor, strlen(a->aor));
	sylk_copy(s->peer, sizeof(s->peer), req->uri, strlen(req->uri));
	sylk_copy(s->call_id, sizeof(s->call_id), call_id, strlen(call_id));
	sylk_copy(s->local_tag, sizeof(s->local_tag), tag, strlen(tag));
	key = s->key;
	rtc_unlock();

	if (rtc_hook_run(RTC_HOOK_SESSION_CREATE, conn_id, req->account, req->uri, why,
			 sizeof(why))) {
		rtc_lock();
		if ((s = rtc_session_by_key(key)))
			rtc_session_destroy(s);
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "%s", why);
		return;
	}
	media_id_of(media_id, sizeof(media_id), call_id, RTC_OUTGOING);
	if (media(NG_BRIDGE_WEBRTC_OFFER, media_id, tag, NULL, req->sdp, 0, &sip_sdp, why,
		  sizeof(why)) < 0) {
		rtc_lock();
		if ((s = rtc_session_by_key(key)))
			rtc_session_destroy(s);
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Cannot set up media for session %s: %s",
			       req->session, why);
		return;
	}
	rtc_lock();
	s = rtc_session_by_key(key);
	if (!s) { /* the connection went away meanwhile */
		rtc_unlock();
		free(sip_sdp);
		ng_client_delete(media_id, tag);
		return;
	}
	s->pending_sdp = sylk_shm_strdup(sip_sdp);
	free(sip_sdp);
	if (send_invite(s, NULL) < 0) {
		rtc_session_destroy(s);
		rtc_unlock();
		ng_client_delete(media_id, tag);
		rtc_send_error(conn_id, req->transaction, "Cannot send INVITE for session %s",
			       req->session);
		return;
	}
	s->state = RTC_CALL_PROGRESS;
	RTC_STAT_INC(calls_outgoing);
	LM_NOTICE("session %s: %s calls %s (Call-ID %s)\n", s->id, s->account, s->peer, s->call_id);
	{
		struct sylkrtc_session_state_event ev = {
			.session = s->id, .state = SYLKRTC_SESSION_PROGRESS, .call_id = s->call_id};

		rtc_emit_session_state(conn_id, &ev);
	}
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

/* A provisional state reaches the browser only while the call is not
 * answered: the 200 may be handled by another process at the same time, and
 * "ringing" after "accepted" would confuse the client. The browser applies
 * the SDP of the first early-media event as its answer, so only one is sent.
 * Lock held. */
static void emit_provisional(struct rtc_session *s, struct sylkrtc_session_state_event *ev)
{
	if (s->state != RTC_CALL_PROGRESS && s->state != RTC_CALL_EARLY)
		return;
	if (ev->state == SYLKRTC_SESSION_EARLY_MEDIA) {
		if (s->early_sdp_sent)
			return;
		s->early_sdp_sent = true;
	}
	rtc_emit_session_state(s->conn_id, ev);
}

/* 1xx of our INVITE */
static void invite_provisional(unsigned key, struct sip_msg *rpl, int code)
{
	struct rtc_session *s;
	struct call_ids c;
	struct sylkrtc_session_state_event ev = {0};
	char why[RTC_REASON_SIZE], *sdp = NULL;
	str body, totag = {0, 0};

	if (code <= 100)
		return;
	rtc_lock();
	s = rtc_session_by_key(key);
	if (!s || s->state == RTC_CALL_TERMINATING || s->state >= RTC_CALL_ACCEPTED) {
		rtc_unlock();
		return;
	}
	if (rpl && rpl != FAKED_REPLY && rpl->to && get_to(rpl)->tag_value.len > 0) {
		totag = get_to(rpl)->tag_value;
		sylk_copy(s->remote_tag, sizeof(s->remote_tag), totag.s, totag.len);
		s->state = RTC_CALL_EARLY;
	}
	ids_of(s, &c);
	ev.session = c.id;
	ev.call_id = c.call_id;
	if (!(code == 183 && rpl && rpl != FAKED_REPLY && sylk_msg_body(rpl, &body) == 0 &&
	      c.remote_tag[0] && !c.early_sdp_sent)) {
		ev.state = code == 180 ? SYLKRTC_SESSION_RINGING : SYLKRTC_SESSION_PROCEEDING;
		ev.code = code;
		emit_provisional(s, &ev);
		rtc_unlock();
		return;
	}
	rtc_unlock();

	if (media(NG_BRIDGE_SIP_ANSWER, c.media_id, c.local_tag, c.remote_tag, body.s,
		  (size_t)body.len, &sdp, why, sizeof(why)) == 0) {
		ev.state = SYLKRTC_SESSION_EARLY_MEDIA;
		ev.sdp = sdp;
	} else {
		LM_WARN("session %s: early media not bridged: %s\n", c.id, why);
		ev.state = SYLKRTC_SESSION_PROCEEDING;
		ev.code = code;
	}
	rtc_lock();
	if ((s = rtc_session_by_key(key)))
		emit_provisional(s, &ev);
	rtc_unlock();
	free(sdp);
}

static void send_bye(struct rtc_session *s, bool want_reply)
{
	str method = str_init("BYE"), hs;
	char hdrs[RTC_HDRS_SIZE] = "";
	uac_req_t uac_r;

	if (!s->dlg)
		return;
	add_common_headers(hdrs, sizeof(hdrs), s->account_key, NULL, false);
	hs.s = hdrs;
	hs.len = (int)strlen(hdrs);
	s->dlg->state = DLG_CONFIRMED;
	set_uac_req(&uac_r, &method, &hs, NULL, s->dlg, want_reply ? TMCB_LOCAL_COMPLETED : 0,
		    want_reply ? bye_cb : NULL, (void *)(uintptr_t)s->key);
	if (rtc_tmb.t_request_within(&uac_r) < 0)
		LM_ERR("cannot send BYE for session %s\n", s->id);
}

/* final reply of our INVITE */
static void invite_final(unsigned key, struct sip_msg *rpl, int code)
{
	struct rtc_session *s;
	struct call_ids c;
	char why[RTC_REASON_SIZE], reason[RTC_REASON_SIZE], *sdp = NULL;
	str body;

	rtc_lock();
	s = rtc_session_by_key(key);
	if (!s) {
		rtc_unlock();
		return;
	}
	if (code >= 300) {
		if ((code == 401 || code == 407) && s->auth_tries < 2 &&
		    s->state != RTC_CALL_TERMINATING) {
			s->auth_tries++;
			if (send_invite(s, rpl) == 0) {
				rtc_unlock();
				return;
			}
		}
		rtc_sip_reason(reason, sizeof(reason), rpl, code);
		finish(s, reason);
		rtc_unlock();
		return;
	}
	/* 2xx: the dialog exists; tm has ACKed it */
	if (s->state >= RTC_CALL_ACCEPTED && s->state != RTC_CALL_TERMINATING) {
		rtc_unlock();
		return;
	}
	if (s->dlg)
		rtc_tmb.dlg_response_uac(s->dlg, rpl, IS_TARGET_REFRESH);
	if (rpl && rpl != FAKED_REPLY && rpl->to && get_to(rpl)->tag_value.len > 0)
		sylk_copy(s->remote_tag, sizeof(s->remote_tag), get_to(rpl)->tag_value.s,
			  get_to(rpl)->tag_value.len);
	if (s->state == RTC_CALL_TERMINATING) { /* answered while we cancelled */
		send_bye(s, false);
		finish(s, "Cancelled");
		rtc_unlock();
		return;
	}
	s->state = RTC_CALL_ACCEPTED;
	s->answered = true;
	RTC_STAT_INC(calls_answered);
	LM_NOTICE("session %s answered by %s (Call-ID %s, account %s)\n", s->id, s->peer,
		  s->call_id, s->account);
	ids_of(s, &c);
	rtc_unlock();

	if (!rpl || rpl == FAKED_REPLY || sylk_msg_body(rpl, &body) < 0 ||
	    media(NG_BRIDGE_SIP_ANSWER, c.media_id, c.local_tag, c.remote_tag, body.s,
		  (size_t)body.len, &sdp, why, sizeof(why)) < 0) {
		rtc_lock();
		if ((s = rtc_session_by_key(key))) {
			send_bye(s, false);
			finish(s, "488 Media not usable");
		}
		rtc_unlock();
		return;
	}
	rtc_lock();
	if ((s = rtc_session_by_key(key)) && s->state == RTC_CALL_ACCEPTED) {
		/* after early media the browser has its answer already: a second
		 * one would be refused (SylkServer sends none there either) */
		struct sylkrtc_session_state_event ev = {.session = s->id,
							 .state = SYLKRTC_SESSION_ACCEPTED,
							 .sdp = s->early_sdp_sent ? NULL : sdp,
							 .call_id = s->call_id};

		rtc_emit_session_state(s->conn_id, &ev);
		s->accepted_sent = true;
	}
	rtc_unlock();
	free(sdp);
}

static void invite_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	unsigned key = (unsigned)(uintptr_t)*ps->param;

	if (type & TMCB_LOCAL_COMPLETED) {
		if (ps->code >= 200)
			invite_final(key, ps->rpl, ps->code);
	} else if (ps->code < 200) {
		invite_provisional(key, ps->rpl, ps->code);
	}
}

static void bye_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	unsigned key = (unsigned)(uintptr_t)*ps->param;
	struct rtc_session *s;
	char reason[64];

	rtc_lock();
	s = rtc_session_by_key(key);
	if (s) {
		snprintf(reason, sizeof(reason), "%d to BYE", ps->code);
		finish(s, reason);
	}
	rtc_unlock();
}

/* ---- answering incoming calls ---------------------------------------------- */

static int reply_on(unsigned hash, unsigned label, int code, const char *text, const char *body,
		    const char *hdrs, const char *to_tag)
{
	str tag = {(char *)to_tag, (int)strlen(to_tag)};

	return sylk_reply_by_ident(&rtc_tmb, hash, label, code, text, body, hdrs, &tag);
}

static void session_answer(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_session *s;
	struct call_ids c;
	char why[RTC_REASON_SIZE], hdrs[RTC_HDRS_SIZE] = "", *sip_sdp = NULL;
	unsigned account_key;

	rtc_lock();
	s = rtc_session_find(conn_id, req->session);
	if (!s) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Unknown session %s", req->session);
		return;
	}
	if (s->dir == RTC_OUTGOING) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Cannot answer outgoing session %s",
			       req->session);
		return;
	}
	if (s->state != RTC_CALL_NEW || s->conn_id >= 0) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction,
			       "Invalid state for answering session %s: %s", req->session,
			       rtc_call_state_name(s->state));
		return;
	}
	/* first answer wins: claim the call before asking rtpengine */
	s->conn_id = conn_id;
	s->state = RTC_CALL_ACCEPTED;
	account_key = s->account_key;
	ids_of(s, &c);
	rtc_unlock();

	if (media(NG_BRIDGE_WEBRTC_ANSWER, c.media_id, c.remote_tag, c.local_tag, req->sdp, 0,
		  &sip_sdp, why, sizeof(why)) < 0) {
		rtc_lock();
		if ((s = rtc_session_by_key(c.key))) {
			reply_on(c.t_hash, c.t_label, 488, "Not Acceptable Here", NULL, NULL,
				 c.local_tag);
			finish(s, "488 Not Acceptable Here");
		}
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Cannot set up media for session %s: %s",
			       req->session, why);
		return;
	}
	add_common_headers(hdrs, sizeof(hdrs), account_key, NULL, true);
	if (req->header_count) {
		for (size_t i = 0; i < req->header_count; i++)
			rtc_append(hdrs, sizeof(hdrs), "%s: %s\r\n", req->headers[i].name,
				   req->headers[i].value);
	}
	rtc_lock();
	s = rtc_session_by_key(c.key);
	if (!s || reply_on(c.t_hash, c.t_label, 200, "OK", sip_sdp, hdrs, c.local_tag) < 0) {
		if (s)
			finish(s, "487 Request Terminated");
		rtc_unlock();
		free(sip_sdp);
		rtc_send_error(conn_id, req->transaction, "Session %s is terminated", req->session);
		return;
	}
	free(sip_sdp);
	s->answered = true;
	RTC_STAT_INC(calls_answered);
	LM_NOTICE("session %s answered on connection %d (Call-ID %s, account %s, peer %s)\n", s->id,
		  conn_id, s->call_id, s->account, s->peer);
	for (int i = 0; i < s->offered_count; i++)
		if (s->offered[i] != conn_id)
			rtc_emit_state(s->offered[i], s->id, SYLKRTC_SESSION_TERMINATED,
				       "Call completed elsewhere");
	s->offered_count = 0;
	{
		struct sylkrtc_session_state_event ev = {
			.session = s->id, .state = SYLKRTC_SESSION_ACCEPTED, .call_id = s->call_id};

		rtc_emit_session_state(conn_id, &ev);
		s->accepted_sent = true;
	}
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

/* ---- terminate ----------------------------------------------------------- */

/* CANCELs our INVITE the way tm cancels a proxied one: the CANCEL goes out
 * from the INVITE's own branch, or, before any provisional reply, as soon as
 * one arrives. (tm's t_cancel_uac() is not used: in Kamailio 5.6 it keeps a
 * reference to the INVITE and leaves its CANCEL transaction unreferenced,
 * so neither is ever freed.) The lookup makes the INVITE current: restored.
 * Lock held. */
static void cancel_invite(struct rtc_session *s)
{
	struct cell *t = NULL, *backup = rtc_tmb.t_gett();
	int backup_branch = rtc_tmb.t_gett_branch();

	if (s->t_valid && rtc_tmb.t_lookup_ident(&t, s->t_hash, s->t_label) >= 0 && t) {
		if (t->uas.status < 200)
			rtc_tmb.cancel_all_uacs(t, 0);
		rtc_tmb.unref_cell(t);
	}
	rtc_tmb.t_sett(backup, backup_branch);
}

/* Ends a session on our side, whatever its state. Lock held. Returns
 * without freeing when a reply is still to come (CANCEL, BYE). */
static void hang_up(struct rtc_session *s, int conn_id, bool tell)
{
	char reason[64];

	switch (s->state) {
	case RTC_CALL_NEW:
		if (s->dir == RTC_INCOMING) { /* decline or withdraw an offered call */
			int code = rtc_cfg.decline_code;
			const char *text = code == 486 ? "Busy Here" :
					   code == 603 ? "Decline" :
							 "Temporarily Unavailable";

			reply_on(s->t_hash, s->t_label, code, text, NULL, NULL, s->local_tag);
			snprintf(reason, sizeof(reason), "%d %s", code, text);
			if (!tell)
				s->offered_count = 0;
			finish(s, reason);
		} else {
			finish(s, "Terminated");
		}
		return;
	case RTC_CALL_PROGRESS:
	case RTC_CALL_EARLY:
		s->state = RTC_CALL_TERMINATING;
		cancel_invite(s);
		if (!tell)
			s->conn_id = -1;
		return; /* the 487 (or a racing 200) finishes it */
	case RTC_CALL_ACCEPTED:
	case RTC_CALL_ESTABLISHED:
		s->state = RTC_CALL_TERMINATING;
		if (tell) {
			send_bye(s, true); /* "200 to BYE" when the reply comes */
		} else {
			send_bye(s, false);
			s->conn_id = -1;
			finish(s, "Connection closed");
		}
		return;
	case RTC_CALL_TERMINATING: return;
	}
}

static void session_terminate(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_session *s;

	rtc_lock();
	s = rtc_session_find(conn_id, req->session);
	if (!s) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Unknown session %s", req->session);
		return;
	}
	hang_up(s, conn_id, true);
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

void rtc_call_conn_closed(int conn_id)
{
	struct rtc_session *s, *next;

	rtc_lock();
	for (s = rtc_session_first(); s; s = next) {
		next = s->next;
		if (s->conn_id == conn_id) {
			hang_up(s, conn_id, false);
			continue;
		}
		if (s->conn_id < 0 && rtc_session_offered_to(s, conn_id)) {
			int j = 0;

			for (int i = 0; i < s->offered_count; i++)
				if (s->offered[i] != conn_id)
					s->offered[j++] = s->offered[i];
			s->offered_count = j;
			if (!j && s->state == RTC_CALL_NEW) {
				reply_on(s->t_hash, s->t_label, 480, "Temporarily Unavailable",
					 NULL, NULL, s->local_tag);
				finish(s, "480 Temporarily Unavailable");
			}
		}
	}
	rtc_unlock();
}

/* ---- in-dialog requests from the browser ------------------------------------ */

static struct rtc_session *established_session(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_session *s = rtc_session_find(conn_id, req->session);

	if (!s) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Unknown session %s", req->session);
		return NULL;
	}
	if (s->state != RTC_CALL_ACCEPTED && s->state != RTC_CALL_ESTABLISHED) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Invalid state for session %s: %s",
			       req->session, rtc_call_state_name(s->state));
		return NULL;
	}
	return s;
}

static int send_within(struct rtc_session *s, const char *method_name, const char *ctype,
		       const char *body_text, transaction_cb *cb)
{
	char hdrs[RTC_HDRS_SIZE] = "";
	str method, hs, body;
	uac_req_t uac_r;

	method.s = (char *)method_name;
	method.len = (int)strlen(method_name);
	add_common_headers(hdrs, sizeof(hdrs), s->account_key, NULL, false);
	if (ctype)
		rtc_append(hdrs, sizeof(hdrs), "Content-Type: %s\r\n", ctype);
	hs.s = hdrs;
	hs.len = (int)strlen(hdrs);
	body.s = (char *)body_text;
	body.len = body_text ? (int)strlen(body_text) : 0;
	set_uac_req(&uac_r, &method, &hs, body_text ? &body : NULL, s->dlg,
		    cb ? TMCB_LOCAL_COMPLETED : 0, cb, (void *)(uintptr_t)s->key);
	return rtc_tmb.t_request_within(&uac_r) < 0 ? -1 : 0;
}

/* Sends the first queued tone (a ',' only waits) and schedules the next.
 * Lock held. */
static int play_next_tone(struct rtc_session *s, long long now)
{
	char tone = s->dtmf[0], body[64];
	size_t left = strlen(s->dtmf);
	int rc = 0;

	if (tone != ',') {
		rc = gw_dtmf_relay_body(body, sizeof(body), tone, s->dtmf_duration) == 0 &&
				     send_within(s, "INFO", "application/dtmf-relay", body, NULL) ==
					     0 ?
			     0 :
			     -1;
	}
	memmove(s->dtmf, s->dtmf + 1, left);
	s->dtmf_due_ms = now + gw_dtmf_spacing_ms(tone, s->dtmf_duration);
	if (rc < 0 || !s->dtmf[0]) {
		if (rc < 0)
			LM_ERR("session %s: cannot send DTMF INFO, %zu tone(s) dropped\n", s->id,
			       left - 1);
		s->dtmf[0] = '\0';
		rtc_fast_work_add(-1);
	}
	return rc;
}

/* A string of tones plays one INFO per tone, paced by the DTMF timer; a
 * request while tones still play queues behind them. */
static void session_dtmf(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_session *s;
	size_t queued, n = strlen(req->tones);
	int rc = 0;

	rtc_lock();
	if (!(s = established_session(conn_id, req)))
		return;
	queued = strlen(s->dtmf);
	if (queued + n > SYLKRTC_DTMF_MAX) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction,
			       "Too many DTMF tones queued for session %s (max %d)", req->session,
			       SYLKRTC_DTMF_MAX);
		return;
	}
	memcpy(s->dtmf + queued, req->tones, n + 1);
	if (!queued) {
		s->dtmf_duration = req->duration;
		rtc_fast_work_add(1);
		rc = play_next_tone(s, sylk_monotonic_ms());
	}
	rtc_unlock();
	if (rc < 0)
		rtc_send_error(conn_id, req->transaction, "Cannot send DTMF for session %s",
			       req->session);
	else
		rtc_send_ack(conn_id, req->transaction);
}

void rtc_call_fast_timer(void)
{
	struct rtc_session *s;
	long long now;

	if (!rtc_fast_work_any())
		return;
	now = sylk_monotonic_ms();
	rtc_lock();
	for (s = rtc_session_first(); s; s = s->next) {
		if (!s->dtmf[0] || s->dtmf_due_ms > now)
			continue;
		if (s->state != RTC_CALL_ACCEPTED && s->state != RTC_CALL_ESTABLISHED) {
			s->dtmf[0] = '\0';
			rtc_fast_work_add(-1);
			continue;
		}
		play_next_tone(s, now);
	}
	rtc_unlock();
}

/* The message/cpim body of session-message: From/To the dialog's parties,
 * with the IMDN Message-ID the browser chose so receipts can refer to it. */
static int cpim_body(char **out, const struct rtc_session *s, const struct sylkrtc_request *req)
{
	char from[RTC_AOR_SIZE + 8], to[RTC_AOR_SIZE + 8];
	struct cpim_chat c = {.from_uri = from,
			      .to_uri = to,
			      .datetime = req->timestamp,
			      .message_id = req->message_id,
			      .disposition = "positive-delivery, display",
			      .content_type = req->content_type,
			      .content = req->content,
			      .metadata = req->metadata};
	size_t len;

	*out = NULL;
	snprintf(from, sizeof(from), "sip:%s", s->account);
	snprintf(to, sizeof(to), "sip:%s", s->peer);
	return cpim_chat_encode(out, &len, &c);
}

static void session_message(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_session *s;
	char *body = NULL;
	int rc;

	rtc_lock();
	if (!(s = established_session(conn_id, req)))
		return;
	if (cpim_body(&body, s, req) != 0) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction,
			       "Cannot encode the message for session %s", req->session);
		return;
	}
	rc = send_within(s, "MESSAGE", "message/cpim", body, NULL);
	rtc_unlock();
	free(body);
	if (rc < 0)
		rtc_send_error(conn_id, req->transaction, "Cannot send the message in session %s",
			       req->session);
	else
		rtc_send_ack(conn_id, req->transaction);
}

/* rtpengine tags of the browser leg and the SIP leg */
static const char *browser_tag(const struct call_ids *c)
{
	return c->local_tag;
}

static const char *sip_tag(const struct call_ids *c)
{
	return c->remote_tag;
}

static void session_update(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_session *s;
	struct call_ids c;
	char why[RTC_REASON_SIZE], *sip_sdp = NULL;
	bool answering;
	int rc;

	rtc_lock();
	if (!(s = established_session(conn_id, req)))
		return;
	if (s->update_pending) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Session %s has an update in progress",
			       req->session);
		return;
	}
	answering = s->remote_update;
	ids_of(s, &c);
	rtc_unlock();

	if (answering)
		rc = media(NG_BRIDGE_WEBRTC_ANSWER, c.media_id, sip_tag(&c), browser_tag(&c),
			   req->sdp, 0, &sip_sdp, why, sizeof(why));
	else
		rc = media(NG_BRIDGE_WEBRTC_OFFER, c.media_id, browser_tag(&c), sip_tag(&c),
			   req->sdp, 0, &sip_sdp, why, sizeof(why));
	if (rc < 0) {
		rtc_send_error(conn_id, req->transaction, "Cannot update media of session %s: %s",
			       req->session, why);
		return;
	}
	rtc_lock();
	s = rtc_session_by_key(c.key);
	if (!s) {
		rc = -1;
	} else if (answering) {
		char hdrs[RTC_HDRS_SIZE] = "";

		add_common_headers(hdrs, sizeof(hdrs), s->account_key, NULL, true);
		rc = reply_on(s->rt_hash, s->rt_label, 200, "OK", sip_sdp, hdrs, s->local_tag);
		s->remote_update = false;
	} else {
		rc = send_within(s, "INVITE", "application/sdp", sip_sdp, reinvite_cb);
		if (rc == 0)
			s->update_pending = true;
	}
	rtc_unlock();
	free(sip_sdp);
	if (rc < 0)
		rtc_send_error(conn_id, req->transaction, "Cannot update session %s", req->session);
	else
		rtc_send_ack(conn_id, req->transaction);
}

static void reinvite_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	unsigned key = (unsigned)(uintptr_t)*ps->param;
	struct rtc_session *s;
	struct call_ids c;
	char why[RTC_REASON_SIZE], reason[RTC_REASON_SIZE], *sdp = NULL;
	int conn;
	str body;

	rtc_lock();
	s = rtc_session_by_key(key);
	if (!s) {
		rtc_unlock();
		return;
	}
	s->update_pending = false;
	conn = s->conn_id;
	ids_of(s, &c);
	rtc_unlock();
	if (ps->code >= 300 || !ps->rpl || ps->rpl == FAKED_REPLY ||
	    sylk_msg_body(ps->rpl, &body) < 0) {
		char *json = NULL;

		rtc_sip_reason(reason, sizeof(reason), ps->rpl, ps->code);
		rtc_send_built(conn,
			       sylkrtc_event_session_update(&json, rtc_conn_version(conn), c.id,
							    SYLKRTC_UPDATE_FAILED, NULL, reason),
			       &json);
		return;
	}
	if (media(NG_BRIDGE_SIP_ANSWER, c.media_id, browser_tag(&c), sip_tag(&c), body.s,
		  (size_t)body.len, &sdp, why, sizeof(why)) == 0) {
		char *json = NULL;

		rtc_send_built(conn,
			       sylkrtc_event_session_update(&json, rtc_conn_version(conn), c.id,
							    SYLKRTC_UPDATE_ACCEPTED, sdp, NULL),
			       &json);
	}
	free(sdp);
}

static void session_trickle(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_session *s;

	/* rtpengine runs full ICE and learns the browser's addresses from its
	 * connectivity checks (peer-reflexive candidates), so trickled
	 * candidates need no forwarding; the session must exist, though. */
	rtc_lock();
	s = rtc_session_find(conn_id, req->session);
	rtc_unlock();
	if (!s) {
		rtc_send_error(conn_id, req->transaction, "Unknown session %s", req->session);
		return;
	}
	rtc_send_ack(conn_id, req->transaction);
}

void rtc_session_request(int conn_id, const struct sylkrtc_request *req)
{
	switch (req->type) {
	case SYLKRTC_REQ_SESSION_CREATE: session_create(conn_id, req); break;
	case SYLKRTC_REQ_SESSION_ANSWER: session_answer(conn_id, req); break;
	case SYLKRTC_REQ_SESSION_TRICKLE: session_trickle(conn_id, req); break;
	case SYLKRTC_REQ_SESSION_TERMINATE: session_terminate(conn_id, req); break;
	case SYLKRTC_REQ_SESSION_UPDATE: session_update(conn_id, req); break;
	case SYLKRTC_REQ_SESSION_DTMF_INFO: session_dtmf(conn_id, req); break;
	case SYLKRTC_REQ_SESSION_MESSAGE: session_message(conn_id, req); break;
	default:
		rtc_send_error(conn_id, req->transaction,
			       "Request %s is not available on this server",
			       sylkrtc_req_type_name(req->type));
	}
}

/* ---- requests from SIP ------------------------------------------------------- */

static int reply_here(struct sip_msg *msg, int code, char *text)
{
	int rc = rtc_tmb.t_newtran(msg);

	if (rc == 0)
		return 1; /* a retransmission, already answered */
	if (rc < 0) {
		LM_ERR("cannot create a transaction (%d)\n", rc);
		return 1;
	}
	if (rtc_tmb.t_reply(msg, (unsigned)code, text) < 0)
		LM_ERR("cannot send %d\n", code);
	return 1;
}

/* "user@host" of a name-addr URI */
struct incoming_offer {
	int conns[RTC_FORK_MAX];
	unsigned accounts[RTC_FORK_MAX];
	int count;
};

static void emit_incoming(struct sip_msg *msg, const struct rtc_session *s, const char *sdp,
			  const char *originator, const char *display, int conn, unsigned akey)
{
	struct sylkrtc_header hdrs[RTC_MAX_HEADERS];
	char names[RTC_MAX_HEADERS][64], values[RTC_MAX_HEADERS][512];
	size_t n = 0;
	struct rtc_account *a = rtc_account_by_key(akey);
	struct sylkrtc_incoming_session in = {
		.account = s->account,
		.session = s->id,
		.sdp = sdp,
		.call_id = s->call_id,
		.originator = {.uri = originator, .display_name = display[0] ? display : NULL},
	};
	char *json = NULL;

	if (a && a->prefix_count) {
		for (struct hdr_field *h = msg->headers; h && n < RTC_MAX_HEADERS; h = h->next) {
			if (!gw_header_has_prefix(h->name.s, (size_t)h->name.len,
						  (const char *const *)a->prefixes,
						  (size_t)a->prefix_count))
				continue;
			sylk_copy(names[n], sizeof(names[n]), h->name.s, h->name.len);
			sylk_copy(values[n], sizeof(values[n]), h->body.s, h->body.len);
			hdrs[n].name = names[n];
			hdrs[n].value = values[n];
			n++;
		}
	}
	in.headers = n ? hdrs : NULL;
	in.header_count = n;
	rtc_send_built(conn, sylkrtc_event_incoming_session(&json, rtc_conn_version(conn), &in),
		       &json);
}

static int deliver_invite(struct sip_msg *msg, unsigned account_key)
{
	struct rtc_account *a, *b;
	struct rtc_session *s;
	struct incoming_offer off = {.count = 0};
	struct to_body *from;
	char aor[RTC_AOR_SIZE], originator[RTC_AOR_SIZE], display[RTC_AOR_SIZE] = "";
	char call_id[RTC_CALLID_SIZE], from_tag[RTC_TAG_SIZE], sid[GW_UUID_SIZE];
	char why[RTC_REASON_SIZE], *webrtc_sdp = NULL, media_id[RTC_MEDIA_ID_SIZE];
	unsigned hash = 0, label = 0;
	dlg_t *dlg = NULL;
	str body;
	int rc;

	rtc_lock();
	a = rtc_account_by_key(account_key);
	if (a && a->conn_id >= 0) {
		sylk_copy(aor, sizeof(aor), a->aor, strlen(a->aor));
		for (b = rtc_account_with_aor(aor); b && off.count < RTC_FORK_MAX;
		     b = rtc_account_next_with_aor(b, aor)) {
			if (!rtc_account_may_receive(b) || strcmp(b->aor, aor) != 0)
				continue;
			off.conns[off.count] = b->conn_id;
			off.accounts[off.count++] = b->key;
		}
	}
	rtc_unlock();
	if (!off.count)
		return reply_here(msg, 480, "Temporarily Unavailable");

	rc = rtc_tmb.t_newtran(msg);
	if (rc == 0)
		return 1;
	if (rc < 0) {
		LM_ERR("cannot create a transaction for an incoming INVITE (%d)\n", rc);
		return 1;
	}
	if (parse_from_header(msg) < 0 || !msg->callid || !(from = get_from(msg)) ||
	    from->tag_value.len <= 0) {
		rtc_tmb.t_reply(msg, 400, "Bad Request");
		return 1;
	}
	if (sylk_msg_body(msg, &body) < 0) {
		LM_NOTICE("INVITE without SDP for %s refused\n", aor);
		rtc_tmb.t_reply(msg, 488, "Not Acceptable Here (no SDP offer)");
		return 1;
	}
	sylk_copy(call_id, sizeof(call_id), msg->callid->body.s, msg->callid->body.len);
	sylk_copy(from_tag, sizeof(from_tag), from->tag_value.s, from->tag_value.len);
	sylk_uri_aor(originator, sizeof(originator), &from->uri, 0);
	if (from->display.len > 0)
		sip_display_bare(display, sizeof(display), from->display.s,
				 (size_t)from->display.len);
	gw_session_id_from_callid(sid, call_id, strlen(call_id));

	media_id_of(media_id, sizeof(media_id), call_id, RTC_INCOMING);
	if (media(NG_BRIDGE_SIP_OFFER, media_id, from_tag, NULL, body.s, (size_t)body.len,
		  &webrtc_sdp, why, sizeof(why)) < 0) {
		LM_NOTICE("incoming call %s: %s\n", call_id, why);
		rtc_tmb.t_reply(msg, 488, "Not Acceptable Here");
		return 1;
	}
	/* suspended, the transaction outlives this script run and waits for
	 * session-answer; tm answers 408 itself when fr_inv_timer runs out */
	if (rtc_tmb.new_dlg_uas(msg, 200, &dlg) < 0 || rtc_tmb.t_reply(msg, 180, "Ringing") < 0 ||
	    rtc_tmb.t_suspend(msg, &hash, &label) < 0) {
		if (dlg)
			rtc_tmb.free_dlg(dlg);
		free(webrtc_sdp);
		ng_client_delete(media_id, from_tag);
		rtc_tmb.t_reply(msg, 500, "Server Internal Error");
		return 1;
	}

	rtc_lock();
	s = rtc_session_new(-1, sid, RTC_INCOMING);
	if (!s) {
		rtc_unlock();
		rtc_tmb.free_dlg(dlg);
		free(webrtc_sdp);
		ng_client_delete(media_id, from_tag);
		rtc_tmb.t_reply(msg, 500, "Server Internal Error");
		return 1;
	}
	s->dlg = dlg;
	s->account_key = account_key;
	sylk_copy(s->account, sizeof(s->account), aor, strlen(aor));
	sylk_copy(s->peer, sizeof(s->peer), originator, strlen(originator));
	sylk_copy(s->call_id, sizeof(s->call_id), call_id, strlen(call_id));
	sylk_copy(s->remote_tag, sizeof(s->remote_tag), from_tag, strlen(from_tag));
	sylk_copy(s->local_tag, sizeof(s->local_tag), dlg->id.loc_tag.s, dlg->id.loc_tag.len);
	s->t_hash = hash;
	s->t_label = label;
	s->t_valid = true;
	for (int i = 0; i < off.count; i++)
		s->offered[s->offered_count++] = off.conns[i];
	RTC_STAT_INC(calls_incoming);
	LM_NOTICE("session %s: incoming call (Call-ID %s) from %s for %s offered to %d "
		  "connection(s)\n",
		  s->id, call_id, originator, aor, off.count);
	for (int i = 0; i < off.count; i++)
		emit_incoming(msg, s, webrtc_sdp, originator, display, off.conns[i],
			      off.accounts[i]);
	rtc_unlock();
	free(webrtc_sdp);
	return 1;
}

static int deliver_cancel(struct sip_msg *msg)
{
	struct rtc_session *s;
	struct to_body *from;
	char originator[RTC_AOR_SIZE];
	int offered[RTC_FORK_MAX], n;

	if (parse_from_header(msg) < 0 || !msg->callid || !(from = get_from(msg)))
		return -1;
	rtc_lock();
	s = rtc_session_by_callid(&msg->callid->body, &from->tag_value);
	if (!s || s->dir != RTC_INCOMING) {
		rtc_unlock();
		return -1;
	}
	reply_here(msg, 200, "OK");
	if (s->state != RTC_CALL_NEW) { /* too late: already answered */
		rtc_unlock();
		return 1;
	}
	reply_on(s->t_hash, s->t_label, 487, "Request Terminated", NULL, NULL, s->local_tag);
	n = s->offered_count;
	memcpy(offered, s->offered, sizeof(offered));
	sylk_copy(originator, sizeof(originator), s->peer, strlen(s->peer));
	{
		char account[RTC_AOR_SIZE];
		struct sylkrtc_identity who = {.uri = originator};

		sylk_copy(account, sizeof(account), s->account, strlen(s->account));
		finish(s, "487 Request Terminated");
		for (int i = 0; i < n; i++) {
			char *json = NULL;

			rtc_send_built(offered[i],
				       sylkrtc_event_missed_session(
					       &json, rtc_conn_version(offered[i]), account, &who),
				       &json);
		}
	}
	rtc_unlock();
	return 1;
}

/* A re-INVITE from SIP waits, suspended, for the browser's session-update.
 * Called with the lock held; returns with it released, since rtpengine is
 * asked in between. */
static void remote_reinvite(struct sip_msg *msg, struct rtc_session *s)
{
	struct call_ids c;
	char why[RTC_REASON_SIZE], *sdp = NULL, *json = NULL;
	unsigned hash = 0, label = 0;
	str body;

	if (rtc_tmb.t_newtran(msg) <= 0)
		goto unlock;
	if (s->update_pending || s->remote_update) {
		rtc_tmb.t_reply(msg, 491, "Request Pending");
		goto unlock;
	}
	if (sylk_msg_body(msg, &body) < 0) {
		rtc_tmb.t_reply(msg, 488, "Not Acceptable Here (no SDP offer)");
		goto unlock;
	}
	rtc_tmb.dlg_request_uas(s->dlg, msg, IS_TARGET_REFRESH);
	if (rtc_tmb.t_suspend(msg, &hash, &label) < 0) {
		rtc_tmb.t_reply(msg, 500, "Server Internal Error");
		goto unlock;
	}
	s->remote_update = true;
	s->rt_hash = hash;
	s->rt_label = label;
	ids_of(s, &c);
	rtc_unlock();

	if (media(NG_BRIDGE_SIP_OFFER, c.media_id, sip_tag(&c), browser_tag(&c), body.s,
		  (size_t)body.len, &sdp, why, sizeof(why)) < 0) {
		LM_NOTICE("session %s: re-INVITE refused: %s\n", c.id, why);
		rtc_lock();
		if ((s = rtc_session_by_key(c.key)))
			s->remote_update = false;
		reply_on(hash, label, 488, "Not Acceptable Here", NULL, NULL, c.local_tag);
		rtc_unlock();
		return;
	}
	rtc_lock();
	if ((s = rtc_session_by_key(c.key)) && s->remote_update)
		rtc_send_built(s->conn_id,
			       sylkrtc_event_session_update(&json, rtc_conn_version(s->conn_id),
							    c.id, SYLKRTC_UPDATE_RECEIVED, sdp,
							    NULL),
			       &json);
	else
		reply_on(hash, label, 481, "Call/Transaction Does Not Exist", NULL, NULL,
			 c.local_tag);
	rtc_unlock();
	free(sdp);
	return;
unlock:
	rtc_unlock();
}

static void remote_message(struct sip_msg *msg, struct rtc_session *s)
{
	struct sylkrtc_message m = {0};
	char ctype[128] = "text/plain", *text, *json = NULL, *meta = NULL;
	char sender[RTC_AOR_SIZE], mid[SYLKRTC_ID_MAX + 1], ts[64];
	str body;

	if (sylk_msg_body(msg, &body) < 0) {
		reply_here(msg, 400, "Bad Request (empty MESSAGE)");
		return;
	}
	if (msg->content_type)
		sylk_copy(ctype, sizeof(ctype), msg->content_type->body.s,
			  msg->content_type->body.len);
	text = malloc((size_t)body.len + 1);
	if (!text) {
		reply_here(msg, 500, "Server Internal Error");
		return;
	}
	memcpy(text, body.s, (size_t)body.len);
	text[body.len] = '\0';
	sylk_copy(sender, sizeof(sender), s->peer, strlen(s->peer));
	rtc_sip_random_hex(mid, 33);
	cpim_datetime_now(ts, sizeof(ts));
	/* a CPIM envelope carries the real content type, time and IMDN id */
	if (strncasecmp(ctype, "message/cpim", 12) == 0) {
		struct cpim_msg *cpim = NULL;
		const char *id, *found;

		if (cpim_parse(&cpim, body.s, (size_t)body.len) != 0 || !cpim->body) {
			cpim_msg_free(cpim);
			free(text);
			LM_NOTICE("session %s: undecodable CPIM MESSAGE refused\n", s->id);
			reply_here(msg, 400, "Bad Request (invalid CPIM)");
			return;
		}
		sylk_copy(ctype, sizeof(ctype),
			  cpim->content_type ? cpim->content_type : "text/plain",
			  strlen(cpim->content_type ? cpim->content_type : "text/plain"));
		if (cpim->datetime)
			sylk_copy(ts, sizeof(ts), cpim->datetime, strlen(cpim->datetime));
		id = cpim_msg_header(cpim, CPIM_NS_IMDN, "Message-ID");
		if (id)
			sylk_copy(mid, sizeof(mid), id, strlen(id));
		if (cpim_msg_metadata(cpim, SYLKRTC_METADATA_MAX, &found) == EFBIG)
			LM_INFO("session %s: metadata of message %s left out: longer than %d "
				"characters\n",
				s->id, mid, SYLKRTC_METADATA_MAX);
		if (found)
			meta = strdup(found);
		free(text);
		text = strdup((const char *)cpim->body);
		cpim_msg_free(cpim);
		if (!text) {
			free(meta);
			reply_here(msg, 500, "Server Internal Error");
			return;
		}
	}
	m.sender.uri = sender;
	m.timestamp = ts;
	m.message_id = mid;
	m.content_type = ctype;
	m.content = text;
	m.metadata = meta;
	rtc_send_built(s->conn_id,
		       sylkrtc_event_message(&json, rtc_conn_version(s->conn_id),
					     SYLKRTC_SCOPE_SESSION, s->id, &m),
		       &json);
	free(meta);
	free(text);
	reply_here(msg, 200, "OK");
}

static int deliver_in_dialog(struct sip_msg *msg)
{
	struct rtc_session *s;
	struct to_body *to;
	int method = msg->first_line.u.request.method_value;

	if (!msg->to || !(to = get_to(msg)) || !msg->callid)
		return -1;
	rtc_lock();
	s = rtc_session_by_dialog(&msg->callid->body, &to->tag_value);
	if (!s) {
		rtc_unlock();
		return -1;
	}
	switch (method) {
	case METHOD_ACK: break; /* the 2xx of ours is acknowledged: nothing to do */
	case METHOD_BYE:
		reply_here(msg, 200, "OK");
		s->state = RTC_CALL_TERMINATING;
		finish(s, "Call ended by the remote party");
		break;
	case METHOD_INVITE:
		remote_reinvite(msg, s); /* lets the lock go */
		return 1;
	case METHOD_INFO: reply_here(msg, 200, "OK"); break;
	case METHOD_MESSAGE: remote_message(msg, s); break;
	default: reply_here(msg, 405, "Method Not Allowed");
	}
	rtc_unlock();
	return 1;
}

int rtc_call_deliver(struct sip_msg *msg)
{
	unsigned key;
	int method;

	if (msg->first_line.type != SIP_REQUEST)
		return -1;
	if (parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	method = msg->first_line.u.request.method_value;
	if (method == METHOD_CANCEL)
		return deliver_cancel(msg);
	if (method == METHOD_NOTIFY && rtc_presence_notify(msg))
		return 1; /* one of the presence subscriptions of an account */
	if (parse_to_header(msg) == 0 && get_to(msg)->tag_value.len > 0) {
		int rc = deliver_in_dialog(msg);

		if (rc > 0 || parse_sip_msg_uri(msg) < 0 ||
		    !rtc_sip_contact_key(&msg->parsed_uri.user))
			return rc;
		/* for our Contact but no such dialog */
		return method == METHOD_ACK ?
			       1 :
			       reply_here(msg, 481, "Call/Transaction Does Not Exist");
	}
	if (parse_sip_msg_uri(msg) < 0)
		return -1;
	key = rtc_sip_contact_key(&msg->parsed_uri.user);
	if (!key)
		return -1;
	if (method == METHOD_INVITE)
		return deliver_invite(msg, key);
	if (method == METHOD_ACK)
		return 1;
	if (method == METHOD_OPTIONS)
		return reply_here(msg, 200, "OK");
	if (method == METHOD_MESSAGE)
		return rtc_message_deliver_contact(msg, key);
	return reply_here(msg, 405, "Method Not Allowed");
}

/* ---- established ----------------------------------------------------------- */

/* An unanswered incoming call whose transaction tm has ended (its
 * fr_inv_timer answered 408): tell the devices it rang. Lock held. */
static void expire_unanswered(void)
{
	struct rtc_session *s, *next;

	for (s = rtc_session_first(); s; s = next) {
		struct cell *t = NULL;

		next = s->next;
		if (s->dir != RTC_INCOMING || s->state != RTC_CALL_NEW || !s->t_valid)
			continue;
		struct cell *backup = rtc_tmb.t_gett();
		int backup_branch = rtc_tmb.t_gett_branch(), rc;

		rc = rtc_tmb.t_lookup_ident(&t, s->t_hash, s->t_label);
		rtc_tmb.t_sett(backup, backup_branch);
		if (rc >= 0 && t) {
			rtc_tmb.unref_cell(t);
			continue;
		}
		s->t_valid = false;
		finish(s, "408 Request Timeout");
	}
}

void rtc_call_timer(void)
{
	struct rtc_session *s;
	struct call_ids pending[64];
	int n = 0;

	rtc_lock();
	expire_unanswered();
	for (s = rtc_session_first(); s && n < 64; s = s->next)
		if (s->state == RTC_CALL_ACCEPTED && s->accepted_sent && s->conn_id >= 0)
			ids_of(s, &pending[n++]);
	rtc_unlock();
	for (int i = 0; i < n; i++) {
		if (ng_client_leg_has_media(pending[i].media_id, browser_tag(&pending[i])) != 1)
			continue;
		rtc_lock();
		s = rtc_session_by_key(pending[i].key);
		if (s && s->state == RTC_CALL_ACCEPTED) {
			struct sylkrtc_session_state_event ev = {
				.session = s->id,
				.state = SYLKRTC_SESSION_ESTABLISHED,
				.call_id = s->call_id};

			s->state = RTC_CALL_ESTABLISHED;
			rtc_emit_session_state(s->conn_id, &ev);
		}
		rtc_unlock();
	}
}
