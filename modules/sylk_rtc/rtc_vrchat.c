/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Video-room chat shared with the SIP conference: see rtc_vrchat.h.
 *
 * Lock order: the gateway's store lock is never held while the focus is
 * called (chat_post takes the focus's lock), and the focus calls our
 * listener after letting go of its own, so the two locks never nest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"

#include "sylk_ws/im/cpim.h"
#include "sylk_ws/videoroom/vr_chat.h"

#include "../sylk_conference/sylk_conference_api.h"
#include "rtc_events.h"
#include "rtc_store.h"
#include "rtc_videoroom.h"
#include "rtc_vrchat.h"

#define VRCHAT_URI_SIZE 512
#define VRCHAT_REFRESH 120 /* s, RFC 3994's advice for "active" */

static sylk_conf_api_t conf;
static bool bridged;

/* who sent it, found among the room's participants */
struct sender {
	int conn_id;
	const char *session;
	bool found;
	char uri[VRCHAT_URI_SIZE]; /* sip:user@domain */
	char display[RTC_AOR_SIZE];
};

/* what goes to the other browsers; one of msg / composing */
struct fanout {
	const struct sender *from; /* NULL: from the conference, to everyone */
	const struct sylkrtc_room_message *msg;
	bool composing;
	enum sylkrtc_composing state;
	int refresh;
	const char *content_type;
	struct sylkrtc_identity sender;
};

static void find_sender(int conn_id, const char *session, const char *uri, const char *display_name,
			void *arg)
{
	struct sender *s = arg;

	if (s->found || conn_id != s->conn_id || strcmp(session, s->session) != 0)
		return;
	s->found = vr_chat_sip_uri(uri, s->uri, sizeof(s->uri)) == 0;
	snprintf(s->display, sizeof(s->display), "%s", display_name ? display_name : "");
}

/* Lock held (rtc_videoroom_each): builds and sends, nothing slower. */
static void emit_one(int conn_id, const char *session, const char *uri, const char *display_name,
		     void *arg)
{
	const struct fanout *f = arg;
	enum sylkrtc_version ver;
	char *json = NULL;

	if (conn_id < 0)
		return; /* the conference's own audio publisher: no browser */
	if (f->from && f->from->conn_id == conn_id && strcmp(f->from->session, session) == 0)
		return; /* nobody gets their own message back */
	ver = rtc_conn_version(conn_id);
	if (f->composing)
		rtc_send_built(conn_id,
			       sylkrtc_event_videoroom_composing(&json, ver, session, f->state,
								 f->refresh, f->content_type,
								 &f->sender),
			       &json);
	else
		rtc_send_built(conn_id,
			       sylkrtc_event_videoroom_message(&json, ver, session, f->msg), &json);
}

/* The sender's room and identity, or an error sent. */
static int sender_of(int conn_id, const struct sylkrtc_request *req, char *room, size_t size,
		     struct sender *s)
{
	memset(s, 0, sizeof(*s));
	s->conn_id = conn_id;
	s->session = req->session;
	if (rtc_videoroom_room_of(conn_id, req->session, room, size) == 0)
		rtc_videoroom_each(room, find_sender, s);
	if (s->found)
		return 0;
	LM_NOTICE("connection %d: %s for unknown room session %s\n", conn_id,
		  sylkrtc_req_type_name(req->type), req->session);
	rtc_send_error(conn_id, req->transaction, "Unknown room session: %s", req->session);
	return ENOENT;
}

/* Into the conference room's chat; the MSRP status, 200 when there is no
 * such conference room (the browsers had it already). No lock held. */
static int post(const char *room, const struct sender *s, const char *cpim, size_t len)
{
	char conf_uri[VRCHAT_URI_SIZE];
	int status = 0, err;

	if (!bridged || vr_chat_conference_uri(room, conf_uri, sizeof(conf_uri)) != 0)
		return 200;
	err = conf.chat_post(conf_uri, s->uri, s->display[0] ? s->display : NULL, cpim, len,
			     &status);
	if (err == ENOENT)
		return 200;
	return err ? 500 : status;
}

static const char *reason_of(int code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 415: return "Unsupported Media Type";
	default: return "Server Error";
	}
}

static void message(int conn_id, const struct sylkrtc_request *req)
{
	char room[VRCHAT_URI_SIZE], conf_uri[VRCHAT_URI_SIZE], now[40], *cpim = NULL, *json = NULL;
	struct sylkrtc_room_message m = {0};
	struct fanout f = {0};
	struct sender s;
	size_t len = 0;
	int code = 200;

	if (sender_of(conn_id, req, room, sizeof(room), &s) != 0)
		return;
	rtc_send_ack(conn_id, req->transaction);
	cpim_datetime_now(now, sizeof(now));
	m.content = req->content;
	m.content_type = req->content_type;
	m.sender.uri = s.uri;
	m.sender.display_name = s.display[0] ? s.display : NULL;
	m.timestamp = now;
	f.from = &s;
	f.msg = &m;
	rtc_videoroom_each(room, emit_one, &f);
	LM_INFO("video room %s: message %s from %s\n", room, req->message_id, s.uri);
	if (bridged && vr_chat_conference_uri(room, conf_uri, sizeof(conf_uri)) == 0) {
		if (vr_chat_cpim_message(&cpim, &len, s.uri, s.display, conf_uri, req->message_id,
					 req->content_type, req->content) == 0)
			code = post(room, &s, cpim, len);
		else
			code = 400;
		free(cpim);
	}
	if (code != 200)
		LM_NOTICE("video room %s: message %s from %s not taken by the conference: %d\n",
			  room, req->message_id, s.uri, code);
	rtc_send_built(conn_id,
		       sylkrtc_event_videoroom_message_delivery(&json, rtc_conn_version(conn_id),
								req->session, req->message_id,
								code == 200, code, reason_of(code)),
		       &json);
}

static void composing(int conn_id, const struct sylkrtc_request *req)
{
	char room[VRCHAT_URI_SIZE], conf_uri[VRCHAT_URI_SIZE], *cpim = NULL;
	struct fanout f = {0};
	struct sender s;
	size_t len = 0;

	if (sender_of(conn_id, req, room, sizeof(room), &s) != 0)
		return;
	rtc_send_ack(conn_id, req->transaction);
	f.from = &s;
	f.composing = true;
	f.state = req->composing;
	f.refresh = req->has_refresh ? req->refresh : VRCHAT_REFRESH;
	f.content_type = "text";
	f.sender.uri = s.uri;
	f.sender.display_name = s.display[0] ? s.display : NULL;
	rtc_videoroom_each(room, emit_one, &f);
	if (!bridged || vr_chat_conference_uri(room, conf_uri, sizeof(conf_uri)) != 0)
		return;
	if (vr_chat_cpim_composing(&cpim, &len, s.uri, s.display, conf_uri,
				   req->composing == SYLKRTC_COMPOSING_ACTIVE, f.refresh) == 0)
		post(room, &s, cpim, len);
	free(cpim);
}

void rtc_vrchat_request(int conn_id, const struct sylkrtc_request *req)
{
	if (req->type == SYLKRTC_REQ_VIDEOROOM_MESSAGE)
		message(conn_id, req);
	else
		composing(conn_id, req);
}

/* ---- from the conference ------------------------------------------------------------- */

/* The focus relayed @p cpim to everyone in @p conf_uri: the browsers of the
 * video room of the same name get it. No lock held. */
static void from_conference(const char *conf_uri, const char *cpim, size_t len)
{
	char room[VRCHAT_URI_SIZE];
	struct vr_chat_in *in = NULL;
	struct sylkrtc_room_message m = {0};
	struct fanout f = {0};
	int err;

	if (vr_chat_video_uri(conf_uri, room, sizeof(room)) != 0)
		return;
	if ((err = vr_chat_parse(&in, cpim, len)) != 0) {
		LM_NOTICE("video room %s: a conference message was not readable (%d)\n", room, err);
		return;
	}
	if (in->kind == VR_CHAT_MESSAGE &&
	    strncasecmp(in->content_type, "application/blink-screensharing", 31) == 0)
		goto out; /* screen images are for SIP clients */
	f.sender.uri = in->sender_uri;
	f.sender.display_name = in->sender_display;
	if (in->kind == VR_CHAT_COMPOSING) {
		f.composing = true;
		f.state = in->active ? SYLKRTC_COMPOSING_ACTIVE : SYLKRTC_COMPOSING_IDLE;
		f.refresh = in->refresh;
		f.content_type = in->content_type;
	} else {
		m.status = in->status;
		m.content = in->content;
		m.content_type = in->content_type;
		m.sender = f.sender;
		m.timestamp = in->timestamp;
		f.msg = &m;
	}
	if (rtc_videoroom_each(room, emit_one, &f) > 0)
		LM_DBG("video room %s: %s from the conference\n", room,
		       f.composing ? "composing" : "message");
out:
	vr_chat_in_free(in);
}

int rtc_vrchat_init(void)
{
	if (load_sylk_conf_api(&conf) != 0) {
		LM_INFO("sylk_conference not loaded: video-room chat stays among browsers\n");
		return 0;
	}
	conf.chat_listen(from_conference);
	bridged = true;
	return 0;
}
