/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sending replies and events to browser connections, in the connection's
 * protocol version. Safe from any process; takes the store lock briefly to
 * read the version. */
#ifndef SYLK_RTC_EVENTS_H
#define SYLK_RTC_EVENTS_H

#include "sylk_ws/sylkrtc/sylkrtc_event.h"

/* Version of a connection; 0 when it is gone. */
enum sylkrtc_version rtc_conn_version(int conn_id);

/* Sends the JSON text a sylkrtc_event_* builder left in *@p jsonp and frees
 * it. @p err is the builder's return: ENOTSUP (no such event in v1) is
 * quiet. A pointer, because the builder runs as an argument of this call:
 * the text may only be read once the call has begun. */
void rtc_send_built(int conn_id, int err, char **jsonp);

void rtc_send_ack(int conn_id, const char *transaction);
void rtc_send_error(int conn_id, const char *transaction, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void rtc_emit_registration(int conn_id, const char *aor, enum sylkrtc_reg_state state,
			   const char *reason);
void rtc_emit_session_state(int conn_id, const struct sylkrtc_session_state_event *ev);
/* a state with nothing but a reason: the common case */
void rtc_emit_state(int conn_id, const char *session, enum sylkrtc_session_state state,
		    const char *reason);

#endif
