/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ws_conn_table.h  Open WebSocket connections, keyed by transport id
 *
 * The table a server keeps of its upgraded connections: each one's
 * identity, counters, and its reassembler (ws_message) for fragmented
 * messages, with one budget for the bytes that all unfinished messages
 * together may hold, so that many slow fragmenters cannot take the memory
 * the others need.
 *
 * The object does no locking: a server that shares it between processes
 * or threads holds its own lock around every call, and allocates the
 * table and its connections from the shared pool through @c mem.
 */
#ifndef SYLK_WS_CONN_TABLE_H
#define SYLK_WS_CONN_TABLE_H

#include <stddef.h>
#include <time.h>

#include "sylk_ws/base/mem.h"
#include "sylk_ws/ws/ws_message.h"

#define WS_PEER_LEN 64

struct ws_conn {
	int id;                 /* the transport's connection id */
	int secure;             /* WSS */
	int handler;            /* index of the subprotocol handler */
	char peer[WS_PEER_LEN]; /* "ip:port" of the client */
	time_t created;
	time_t last_rx;    /* any frame, for keepalive and idle timeout */
	time_t close_sent; /* we sent a close frame at this time, or 0 */
	unsigned long frames_in;
	unsigned long frames_out;
	struct ws_message *reassembly; /* fragments of one message */
	size_t reasm_held;             /* its unfinished message's bytes, as charged */
	struct ws_conn *next;
};

/** A copy of a connection's state, to use without the table's lock. */
struct ws_conn_info {
	int id;
	int secure;
	int handler;
	char peer[WS_PEER_LEN];
	time_t created;
	time_t last_rx;
	time_t close_sent;
	unsigned long frames_in;
	unsigned long frames_out;
};

struct ws_conn_table;

/** @p max_reassembly: bytes all unfinished messages may hold (0: no limit).
 *  0 or ENOMEM. */
int ws_conn_table_alloc(struct ws_conn_table **tp, const struct sylk_mem *mem,
			size_t max_message_size, unsigned long max_reassembly);
/** Frees every connection too; NULL is allowed. */
void ws_conn_table_free(struct ws_conn_table *t);

/** A connection not yet in the table (allocating needs no lock): 0 or
 *  ENOMEM. @p peer is truncated to WS_PEER_LEN - 1 bytes. */
int ws_conn_alloc(struct ws_conn **cp, const struct ws_conn_table *t, int id, int secure,
		  int handler, const char *peer, time_t now);
void ws_conn_free(const struct ws_conn_table *t, struct ws_conn *c);

/** Takes @p c; one already there under its id is stale (ids are reused
 *  only once their connection is gone): it is unlinked and returned in
 *  @p stale for ws_conn_free(), else *stale is NULL. */
void ws_conn_table_insert(struct ws_conn_table *t, struct ws_conn *c, struct ws_conn **stale);
/** Unlinks the connection of @p id: 0, ENOENT. The caller frees it. */
int ws_conn_table_unlink(struct ws_conn_table *t, int id, struct ws_conn **cp);
/** The connection of @p id, or NULL. */
struct ws_conn *ws_conn_table_find(const struct ws_conn_table *t, int id);

void ws_conn_snapshot(const struct ws_conn *c, struct ws_conn_info *info);
/** Copies up to @p max snapshots; returns how many connections exist. */
int ws_conn_table_list(const struct ws_conn_table *t, struct ws_conn_info *out, int max);
int ws_conn_table_count(const struct ws_conn_table *t);

/** The reassembly budget. _fits: may @p c's unfinished message grow by
 *  @p add bytes? _charge: account what @p c's reassembler holds now.
 *  _renew: after a fragmented message was delivered, give @p c a fresh
 *  reassembler so that the grown buffer goes back; returns the old one,
 *  for ws_message_free() once its message has been used, or NULL (no
 *  memory: @p c keeps the old one, which still works). */
int ws_conn_table_reasm_fits(const struct ws_conn_table *t, size_t add);
void ws_conn_table_reasm_charge(struct ws_conn_table *t, struct ws_conn *c);
struct ws_message *ws_conn_table_reasm_renew(const struct ws_conn_table *t, struct ws_conn *c);
unsigned long ws_conn_table_reasm_held(const struct ws_conn_table *t);

#endif
