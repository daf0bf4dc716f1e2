/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every open WebSocket connection, in shared memory: frames of a connection
 * are read by whichever TCP worker holds it, sends happen from any process,
 * and the keepalive timer walks them all. Keyed by Kamailio's TCP id; the
 * table itself is sylk_ws/ws/ws_conn_table, this is its lock and its pool. */
#ifndef SYLK_WS_REGISTRY_H
#define SYLK_WS_REGISTRY_H

#include <time.h>
#include "core/locking.h"
#include "sylk_ws/ws/ws_conn_table.h"

/* `max_reassembly`: bytes all unfinished fragmented messages together may
 * hold (0 = no limit). */
int ws_registry_init(unsigned max_message_size, unsigned long max_reassembly);
void ws_registry_destroy(void);

/* Adds a connection (after a successful handshake). */
int ws_registry_add(int id, int secure, int handler, const char *peer);

/* Removes it; fills `info` with its last state. 0 if it was there. */
int ws_registry_remove(int id, struct ws_conn_info *info);

int ws_registry_get(int id, struct ws_conn_info *info);

/* Lock held between _lock_conn and _unlock: the connection or NULL. */
struct ws_conn *ws_registry_lock_conn(int id);
void ws_registry_unlock(void);

/* The global reassembly budget; all three with the lock held (between
 * _lock_conn and _unlock). _fits: may `c`'s unfinished message grow by
 * `add` bytes? _charge: account what `c`'s reassembler holds now. _renew:
 * after a fragmented message was delivered, give `c` a fresh reassembler
 * so that the grown buffer goes back; returns the old one, to be freed
 * with ws_registry_reasm_free() once its message has been used, or NULL. */
int ws_registry_reasm_fits(const struct ws_conn *c, size_t add);
void ws_registry_reasm_charge(struct ws_conn *c);
struct ws_message *ws_registry_reasm_renew(struct ws_conn *c);
void ws_registry_reasm_free(struct ws_message *m);
/* Bytes held by unfinished messages now (takes the lock). */
unsigned long ws_registry_reasm_held(void);

void ws_registry_count_out(int id);
void ws_registry_mark_close_sent(int id);

/* Copies up to `max` snapshots; returns how many connections exist. */
int ws_registry_list(struct ws_conn_info *out, int max);
int ws_registry_count(void);

#endif
