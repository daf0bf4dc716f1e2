/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SYLK_WS_UPGRADE_H
#define SYLK_WS_UPGRADE_H

#include "core/parser/msg_parser.h"
#include "modules/sl/sl.h"
#include "ws_io.h"

struct ws_upgrade_ctx {
	sl_api_t *sl;
	const char *path;    /* required request path, "" = any */
	const char *origins; /* Origin allow-list, "*" = any */
	struct ws_io_counters *counters;
};

/* Validates the upgrade request in `msg`, answers it (101 or the error) and
 * turns the connection into a WebSocket. 1 on success, -1 when refused. */
int ws_upgrade_handle(struct ws_upgrade_ctx *ctx, sip_msg_t *msg);

#endif
