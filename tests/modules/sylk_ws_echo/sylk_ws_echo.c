/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test-only module: an "echo" subprotocol on the sylk_websocket C API.
 * Greets on open with what conn_info reports, echoes every message, and
 * answers "close <code>" by closing with that code. Never shipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "../../../modules/sylk_websocket/sylk_websocket_api.h"

MODULE_VERSION

static sylk_ws_api_t ws;

static void echo_open(const sylk_ws_conn_info_t *conn)
{
	sylk_ws_conn_info_t info;
	char hello[160];
	int n;

	if (ws.conn_info(conn->id, &info) < 0)
		return;
	n = snprintf(hello, sizeof(hello), "hello %d %s %s %s", info.id, info.peer,
		     info.subprotocol, info.secure ? "wss" : "ws");
	ws.send(conn->id, SYLK_WS_OP_TEXT, hello, n);
}

static void echo_message(int id, int opcode, const char *data, size_t len)
{
	if (opcode == SYLK_WS_OP_TEXT && len > 6 && strncmp(data, "close ", 6) == 0) {
		ws.close(id, atoi(data + 6), "asked to");
		return;
	}
	ws.send(id, opcode, data, len);
}

static void echo_close(int id, int code)
{
	LM_INFO("echo connection %d closed with %d\n", id, code);
}

static int mod_init(void)
{
	sylk_ws_handler_t h = {"echo", echo_open, echo_message, echo_close};

	if (load_sylk_ws_api(&ws) < 0 || ws.register_handler(&h) < 0)
		return -1;
	return 0;
}

struct module_exports exports = {
	"sylk_ws_echo", DEFAULT_DLFLAGS, 0, 0, 0, 0, 0, mod_init, 0, 0,
};
