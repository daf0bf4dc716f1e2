/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sending on a TCP connection this process does not read (a WebSocket, an
 * MSRP session), without asking tcp_main for its file descriptor every time.
 *
 * Only the TCP reader that owns a connection holds its descriptor; any other
 * process (a SIP worker, a task worker, the journal writer) that sends on it
 * asks tcp_main for one, which passes it over a UNIX socket: a round trip
 * through tcp_main and two context switches per write. The core keeps 8
 * such descriptors per process, so with hundreds of connections nearly every
 * write paid the round trip (three per sylkRTC message, one per MSRP copy of
 * a chat fan-out). This cache keeps more, per process and module, and sends
 * through the core's own tcpconn_send_unsafe(), which takes the connection's
 * write lock and queues what the socket does not take, exactly as the
 * core's own send does.
 *
 * It relies on what makes the core's cache safe: with the core's tcp
 * fd_cache on, tcp_main shuts a connection's socket down when it closes it,
 * so a descriptor left in a cache keeps no connection open. With the core's
 * cache off this one is off too. TLS connections (tls, wss) keep the
 * core's path: their encoding and send must happen under one lock there. */
#ifndef SYLK_TCP_FDCACHE_H
#define SYLK_TCP_FDCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/tcp_conn.h"

/* Writes @p len bytes on @p con (a reference the caller holds): through the
 * cache when it can, else through the core's tcp_send() (TLS, the reader's
 * own connection, the cache off, or @p close_after: the connection closes
 * once they are sent). 0 sent or queued, EIO failed (logged). */
int tcp_conn_write(struct tcp_connection *con, const void *buf, size_t len, bool close_after);

#endif
