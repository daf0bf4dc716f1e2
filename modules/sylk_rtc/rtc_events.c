/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sending replies and events to browser connections. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"

#include "sylk_ws/base/error.h"

#include "rtc_config.h"
#include "rtc_events.h"
#include "rtc_relay.h"
#include "rtc_store.h"

enum sylkrtc_version rtc_conn_version(int conn_id)
{
	struct rtc_conn *c;
	enum sylkrtc_version v = 0;

	if (relay_is_pseudo(conn_id)) /* a browser of another node */
		return rtc_relay_version(conn_id);
	rtc_lock();
	c = rtc_conn_find(conn_id);
	if (c)
		v = c->version;
	rtc_unlock();
	return v;
}

void rtc_send_built(int conn_id, int err, char **jsonp)
{
	char *json = *jsonp;

	*jsonp = NULL;
	if (err == ENOTSUP || conn_id < 0) { /* conn_id -1: the conference audio publisher */
		free(json);
		return;
	}
	if (err || !json) {
		LM_ERR("cannot build a message for connection %d: %s\n", conn_id,
		       sylk_strerror(err));
		free(json);
		return;
	}
	if (relay_is_pseudo(conn_id)) { /* queued for its node: the lock may be held */
		rtc_relay_send(conn_id, &json);
		return;
	}
	if (rtc_ws.send(conn_id, SYLK_WS_OP_TEXT, json, strlen(json)) < 0)
		LM_DBG("connection %d is gone, message dropped\n", conn_id);
	free(json);
}

void rtc_send_ack(int conn_id, const char *transaction)
{
	char *json = NULL;
	enum sylkrtc_version v = rtc_conn_version(conn_id);

	if (!v)
		return;
	rtc_send_built(conn_id, sylkrtc_event_ack(&json, v, transaction), &json);
}

void rtc_send_error(int conn_id, const char *transaction, const char *fmt, ...)
{
	char text[SYLKRTC_ERROR_TEXT_SIZE + 256];
	char *json = NULL;
	enum sylkrtc_version v = rtc_conn_version(conn_id);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	LM_INFO("connection %d: request %s refused: %s\n", conn_id, transaction ? transaction : "-",
		text);
	if (!v)
		return;
	rtc_send_built(conn_id, sylkrtc_event_error(&json, v, transaction, text), &json);
}

void rtc_emit_registration(int conn_id, const char *aor, enum sylkrtc_reg_state state,
			   const char *reason)
{
	char *json = NULL;
	enum sylkrtc_version v = rtc_conn_version(conn_id);

	if (!v)
		return;
	rtc_send_built(conn_id, sylkrtc_event_registration_state(&json, v, aor, state, reason),
		       &json);
}

void rtc_emit_session_state(int conn_id, const struct sylkrtc_session_state_event *ev)
{
	char *json = NULL;
	enum sylkrtc_version v = rtc_conn_version(conn_id);

	if (!v)
		return;
	rtc_send_built(conn_id, sylkrtc_event_session_state(&json, v, ev), &json);
}

void rtc_emit_state(int conn_id, const char *session, enum sylkrtc_session_state state,
		    const char *reason)
{
	struct sylkrtc_session_state_event ev = {
		.session = session, .state = state, .reason = reason};

	rtc_emit_session_state(conn_id, &ev);
}
