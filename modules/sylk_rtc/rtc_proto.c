/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sylkRTC subprotocol handlers. A connection's frames are read by one
 * TCP worker at a time, so its requests are handled in order; each handler
 * sends the events it causes before the ack. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/counters.h"
#include "core/dprint.h"

#include "sylk_ws/base/clock.h"
#include "sylk_ws/sylkrtc/sylkrtc_event.h"
#include "sylk_ws/sylkrtc/sylkrtc_request.h"

#include "rtc_account.h"
#include "rtc_addressbook.h"
#include "rtc_call.h"
#include "rtc_config.h"
#include "rtc_events.h"
#include "rtc_message.h"
#include "rtc_proto.h"
#include "rtc_relay.h"
#include "rtc_store.h"
#include "rtc_videoroom.h"

static void on_open(const sylk_ws_conn_info_t *info)
{
	enum sylkrtc_version v;
	char *json = NULL;
	struct rtc_conn *c;

	if (sylkrtc_version_from_name(&v, info->subprotocol, strlen(info->subprotocol)) != 0)
		return;
	if (relay_is_pseudo(info->id)) { /* ids from there on name other nodes' browsers */
		rtc_ws.close(info->id, 1011, "connection id out of range");
		return;
	}
	rtc_lock();
	c = rtc_conn_add(info->id, v);
	rtc_unlock();
	if (!c) {
		rtc_ws.close(info->id, 1011, "server out of memory");
		return;
	}
	LM_INFO("connection %d from %s speaks %s\n", info->id, info->peer, info->subprotocol);
	rtc_send_built(info->id, sylkrtc_event_ready(&json, v), &json);
}

/* false when the connection sent more than its share in the last second */
static bool within_rate(int conn_id)
{
	struct rtc_conn *c;
	int64_t now = sylk_monotonic_ms();
	bool ok = true;

	if (rtc_cfg.max_requests_per_second <= 0)
		return true;
	rtc_lock();
	c = rtc_conn_find(conn_id);
	if (c)
		ok = rate_window_allow(&c->rate, now, rtc_cfg.max_requests_per_second);
	rtc_unlock();
	return ok;
}

/* @p text: the request as received, for a room on another node */
static void dispatch(int conn_id, const struct sylkrtc_request *req, const char *text, size_t len)
{
	switch (req->type) {
	case SYLKRTC_REQ_PING: rtc_send_ack(conn_id, req->transaction); return;
	case SYLKRTC_REQ_ACCOUNT_ADD:
	case SYLKRTC_REQ_ACCOUNT_REMOVE:
	case SYLKRTC_REQ_ACCOUNT_REGISTER:
	case SYLKRTC_REQ_ACCOUNT_UNREGISTER:
	case SYLKRTC_REQ_ACCOUNT_DEVICETOKEN: rtc_account_request(conn_id, req); return;
	case SYLKRTC_REQ_SESSION_CREATE:
	case SYLKRTC_REQ_SESSION_ANSWER:
	case SYLKRTC_REQ_SESSION_TRICKLE:
	case SYLKRTC_REQ_SESSION_TERMINATE:
	case SYLKRTC_REQ_SESSION_UPDATE:
	case SYLKRTC_REQ_SESSION_MESSAGE:
	case SYLKRTC_REQ_SESSION_DTMF_INFO: rtc_session_request(conn_id, req); return;
	case SYLKRTC_REQ_ACCOUNT_MESSAGE:
	case SYLKRTC_REQ_ACCOUNT_DISPOSITION_NOTIFICATION:
	case SYLKRTC_REQ_ACCOUNT_SYNC_CONVERSATIONS:
	case SYLKRTC_REQ_ACCOUNT_MARK_CONVERSATION_READ:
	case SYLKRTC_REQ_ACCOUNT_REMOVE_MESSAGE:
	case SYLKRTC_REQ_ACCOUNT_REMOVE_CONVERSATION:
	case SYLKRTC_REQ_LOOKUP_PUBLIC_KEY: rtc_message_request(conn_id, req); return;
	case SYLKRTC_REQ_ACCOUNT_FETCH_ADDRESSBOOK:
	case SYLKRTC_REQ_ACCOUNT_UPDATE_ADDRESSBOOK: rtc_addressbook_request(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_JOIN:
	case SYLKRTC_REQ_VIDEOROOM_LEAVE:
	case SYLKRTC_REQ_VIDEOROOM_FEED_ATTACH:
	case SYLKRTC_REQ_VIDEOROOM_FEED_ANSWER:
	case SYLKRTC_REQ_VIDEOROOM_FEED_DETACH:
	case SYLKRTC_REQ_VIDEOROOM_SESSION_TRICKLE:
	case SYLKRTC_REQ_VIDEOROOM_SESSION_UPDATE:
	case SYLKRTC_REQ_VIDEOROOM_CONFIGURE:
	case SYLKRTC_REQ_VIDEOROOM_INVITE:
	case SYLKRTC_REQ_VIDEOROOM_MUTE_AUDIO_PARTICIPANTS:
	case SYLKRTC_REQ_VIDEOROOM_MESSAGE:
	case SYLKRTC_REQ_VIDEOROOM_COMPOSING_INDICATION:
	case SYLKRTC_REQ_VIDEOROOM_TOGGLE_HAND:
	case SYLKRTC_REQ_VIDEOROOM_REMOVE:
	case SYLKRTC_REQ_VIDEOROOM_MUTE_PARTICIPANT:
		if (!rtc_relay_forward(conn_id, req, text, len))
			rtc_videoroom_request(conn_id, req);
		return;
	default:
		rtc_send_error(conn_id, req->transaction,
			       "Request %s is not available on this server",
			       sylkrtc_req_type_name(req->type));
	}
}

static void on_message(int conn_id, int opcode, const char *data, size_t len)
{
	struct sylkrtc_request *req = NULL;
	struct sylkrtc_error err;
	enum sylkrtc_version v = rtc_conn_version(conn_id);
	char *json = NULL;

	if (!v)
		return;
	if (opcode != SYLK_WS_OP_TEXT) {
		rtc_send_error(conn_id, NULL, "sylkRTC messages are JSON text frames");
		return;
	}
	if (sylkrtc_request_decode(&req, &err, v, data, len) != 0) {
		LM_INFO("connection %d: bad request: %s\n", conn_id, err.text);
		rtc_send_built(conn_id, sylkrtc_event_error_from(&json, v, &err), &json);
		return;
	}
	if (!within_rate(conn_id)) {
		rtc_send_error(conn_id, req->transaction, "Too many requests (max %d per second)",
			       rtc_cfg.max_requests_per_second);
	} else {
		LM_DBG("connection %d: %s %s\n", conn_id, sylkrtc_req_type_name(req->type),
		       req->transaction);
		dispatch(conn_id, req, data, len);
	}
	sylkrtc_request_free(req);
	rtc_relay_flush(); /* what it made for browsers of other nodes */
}

static void on_close(int conn_id, int code)
{
	LM_INFO("connection %d closed (%d)\n", conn_id, code);
	rtc_call_conn_closed(conn_id);
	rtc_videoroom_conn_closed(conn_id);
	rtc_relay_conn_closed(conn_id); /* the rooms of other nodes it was in */
	rtc_account_conn_closed(conn_id);
	rtc_lock();
	rtc_conn_remove(conn_id);
	rtc_unlock();
}

const sylk_ws_handler_t rtc_handler_v1 = {
	.subprotocol = "sylkRTC-1",
	.on_open = on_open,
	.on_message = on_message,
	.on_close = on_close,
};

const sylk_ws_handler_t rtc_handler_v2 = {
	.subprotocol = "sylkRTC-2",
	.on_open = on_open,
	.on_message = on_message,
	.on_close = on_close,
};
