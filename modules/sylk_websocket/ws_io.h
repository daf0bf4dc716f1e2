/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SYLK_WS_IO_H
#define SYLK_WS_IO_H

#include "core/events.h"
#include "core/counters.h"
#include "sylk_websocket_api.h"

struct ws_io_counters {
	counter_handle_t connections;
	counter_handle_t frames_in;
	counter_handle_t frames_out;
};

void ws_io_set_counters(struct ws_io_counters *c);

/* The queue of connections the core reported closed (mod_init / destroy). */
int ws_io_init(void);
void ws_io_destroy(void);
/* Tells the handlers about the queued closes; runs in a timer process. */
void ws_io_drain_closed(void);

int ws_io_register_handler(const sylk_ws_handler_t *h);
int ws_io_handler_index(const char *subprotocol);
const char *ws_io_handler_name(int index);
/* NULL-terminated list of registered subprotocols, for the handshake. */
int ws_io_handler_names(const char **names, int max);

int ws_io_send(int id, int opcode, const char *data, size_t len);
int ws_io_ping(int id);
int ws_io_close(int id, int code, const char *reason);
int ws_io_conn_info(int id, sylk_ws_conn_info_t *info);
void ws_io_notify_open(int id);

/* core event callbacks */
int ws_io_frame_in(sr_event_param_t *evp);
int ws_io_frame_out(sr_event_param_t *evp);
int ws_io_tcp_closed(sr_event_param_t *evp);

/* timer: pings quiet connections, closes idle and half-closed ones, and
 * forgets connections whose TCP is gone */
void ws_io_keepalive(int ping_interval, int idle_timeout);

/* event_route[websocket:closed], defined by the module */
void ws_io_run_closed_route(int id);

#endif
