/* SPDX-License-Identifier: GPL-2.0-or-later */
/* C API of the sylk_websocket transport for other modules.
 *
 *   #include "../sylk_websocket/sylk_websocket_api.h"
 *   static sylk_ws_api_t ws;
 *   mod_init: if (load_sylk_ws_api(&ws) < 0) return -1;
 *             ws.register_handler(&my_handler);   (before the fork)
 *
 * Handlers are registered in mod_init, so every process knows them. Their
 * callbacks may run in any Kamailio process (TCP reader for frames, TCP main
 * or a timer process for closes): keep state in shared memory. */
#ifndef SYLK_WEBSOCKET_API_H
#define SYLK_WEBSOCKET_API_H

#include <stddef.h>
#include "core/sr_module.h"

#define SYLK_WS_OP_TEXT 1
#define SYLK_WS_OP_BINARY 2

typedef struct sylk_ws_conn_info {
	int id;        /* connection id, stable for the connection's life */
	int secure;    /* 1 for WSS */
	char peer[64]; /* "ip:port" */
	const char *subprotocol;
} sylk_ws_conn_info_t;

typedef struct sylk_ws_handler {
	const char *subprotocol; /* e.g. "sylkRTC-2"; matched case-sensitively */
	/* after the 101 went out: the place to send a greeting */
	void (*on_open)(const sylk_ws_conn_info_t *conn);
	/* one complete message (reassembled, UTF-8 checked for text) */
	void (*on_message)(int conn_id, int opcode, const char *data, size_t len);
	/* once per connection, whatever ended it; code 1006 = no close frame */
	void (*on_close)(int conn_id, int code);
} sylk_ws_handler_t;

typedef int (*sylk_ws_register_handler_f)(const sylk_ws_handler_t *handler);
typedef int (*sylk_ws_send_f)(int conn_id, int opcode, const char *data, size_t len);
typedef int (*sylk_ws_close_f)(int conn_id, int code, const char *reason);
typedef int (*sylk_ws_conn_info_f)(int conn_id, sylk_ws_conn_info_t *info);

typedef struct sylk_ws_api {
	sylk_ws_register_handler_f register_handler;
	sylk_ws_send_f send;   /* 0 ok, -1 no such connection or send failed */
	sylk_ws_close_f close; /* sends a close frame; TCP closes after */
	sylk_ws_conn_info_f conn_info;
} sylk_ws_api_t;

typedef int (*bind_sylk_ws_f)(sylk_ws_api_t *api);

static inline int load_sylk_ws_api(sylk_ws_api_t *api)
{
	bind_sylk_ws_f bind = (bind_sylk_ws_f)find_export("bind_sylk_websocket", 0, 0);

	if (!bind) {
		LM_ERR("sylk_websocket module is not loaded\n");
		return -1;
	}
	return bind(api);
}

#endif
