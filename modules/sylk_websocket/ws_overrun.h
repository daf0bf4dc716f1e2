/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SYLK_WS_OVERRUN_H
#define SYLK_WS_OVERRUN_H

#include "core/tcp_conn.h"

/**
 * tcp_main only, from the "TCP connection closed" event: if the reader
 * dropped @p con because a request or frame did not fit its read buffer,
 * answer without waiting: 414/431/413 to an HTTP request, close 1009 on a
 * WebSocket, 513 to a SIP request and 413 to an MSRP request whose head
 * arrived whole. Anything else (a head that did not fit, an ACK, a REPORT)
 * is left to the core's silent close.
 */
void ws_overrun_answer(struct tcp_connection *con);

#endif
