/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file relay_table.h  What a node remembers of the video-room relay
 *
 * Three things, in one table kept under one lock by the module (in shared
 * memory there: give it a shared-memory allocator):
 *
 *  - on a room's home, the *remote connections*: a browser connection of
 *    another node is known here by a pseudo connection id (from
 *    RELAY_PSEUDO_BASE up, above any real one), so that the room code
 *    treats it as one of its own;
 *  - on the front node, the *routes*: which of a connection's room
 *    sessions and feeds live on which home;
 *  - for each peer node, the *queue* of items to send it, of which one
 *    batch at a time is in flight (so they arrive in order).
 *
 * No function blocks or sends: the caller takes a batch, lets the lock go,
 * sends it, and reports the outcome with relay_done().
 */
#ifndef SYLK_CLUSTER_RELAY_TABLE_H
#define SYLK_CLUSTER_RELAY_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sylk_ws/base/mem.h"
#include "sylk_ws/cluster/relay_envelope.h"

#define RELAY_PSEUDO_BASE 0x40000000
#define RELAY_ID_SIZE 256     /* session, feed and transaction ids */
#define RELAY_PEERS_MAX 32    /* nodes this node relays with */
#define RELAY_QUEUE_MAX 4096  /* items waiting for one peer */

struct relay_remote {
	int pseudo;
	int conn; /* its id on the front node */
	int version;
	char node[RELAY_NODE_SIZE];
};

struct relay_route {
	int conn;
	bool publisher; /* a room session (else a feed) */
	char id[RELAY_ID_SIZE];
	char node[RELAY_NODE_SIZE];
};

struct relay_qitem;

struct relay_peer {
	char node[RELAY_NODE_SIZE];
	struct relay_qitem *head, *tail; /* the first @c flight items are in flight */
	size_t queued, flight;
	unsigned batch;  /* the batch in flight; 0: none */
	int64_t sent_ms; /* when it (or the last one) left */
	int64_t seen_ms; /* the last sign of life from the peer */
	bool down;       /* its last batch failed */
};

struct relay_table {
	struct sylk_mem mem;
	size_t remote_cap, route_cap, remote_count, route_count, peer_count;
	int next_pseudo;
	unsigned next_batch;
	struct relay_remote *remotes;
	struct relay_route *routes;
	struct relay_peer peers[RELAY_PEERS_MAX];
};

/* a batch to send: items in libc memory (relay_taken_free()) */
struct relay_taken {
	char node[RELAY_NODE_SIZE];
	unsigned batch;
	size_t count;
	struct relay_item *items;
};

/* an item that could not be delivered */
struct relay_failed {
	enum relay_kind kind;
	int conn;
	char transaction[RELAY_ID_SIZE]; /* a request's, "" otherwise */
};

int relay_table_new(struct relay_table **out, const struct sylk_mem *mem, size_t remotes,
		    size_t routes);
void relay_table_free(struct relay_table *t);

static inline bool relay_is_pseudo(int conn)
{
	return conn >= RELAY_PSEUDO_BASE;
}

/* ---- remote connections (the home) ------------------------------------------ */

/** The pseudo id of (@p node, @p conn), made on first use. 0, EINVAL, ENOSPC. */
int relay_remote_open(struct relay_table *t, const char *node, int conn, int version,
		      int *pseudo);
/** NULL when @p pseudo is unknown. */
const struct relay_remote *relay_remote_get(const struct relay_table *t, int pseudo);
/** The pseudo id of (@p node, @p conn), -1 when none. */
int relay_remote_find(const struct relay_table *t, const char *node, int conn);
void relay_remote_remove(struct relay_table *t, int pseudo);
/** The pseudo ids of @p node's connections, up to @p max; how many. */
size_t relay_remote_of_node(const struct relay_table *t, const char *node, int *out, size_t max);

/* ---- routes (the front) -------------------------------------------------------- */

/** (@p conn, @p id) lives on @p node (replacing an older route). 0, EINVAL, ENOSPC. */
int relay_route_add(struct relay_table *t, int conn, const char *id, const char *node,
		    bool publisher);
/** The home of (@p conn, @p id), NULL when it is not relayed. */
const char *relay_route_node(const struct relay_table *t, int conn, const char *id);
void relay_route_remove(struct relay_table *t, int conn, const char *id);
/** The distinct homes of @p conn's routes into @p out (up to @p max), the
 *  routes dropped; how many homes. */
size_t relay_route_drop_conn(struct relay_table *t, int conn, char (*out)[RELAY_NODE_SIZE],
			     size_t max);
/** The routes to @p node, copied into @p out (up to @p max) and dropped. */
size_t relay_route_drop_node(struct relay_table *t, const char *node, struct relay_route *out,
			     size_t max);
/** Whether any route or remote connection involves @p node. */
bool relay_node_in_use(const struct relay_table *t, const char *node);

/* ---- the queues ------------------------------------------------------------------ */

/** Queues a copy of @p it for @p node; @p transaction (a request's, or
 *  NULL) is kept for relay_done()'s failures, not sent. 0, EINVAL,
 *  ENOMEM, ENOSPC (too many peers), EAGAIN (its queue is full). */
int relay_push(struct relay_table *t, const char *node, const struct relay_item *it,
	       const char *transaction);

/** The next batch to send, from a peer with items waiting and nothing in
 *  flight: up to about @p max_bytes of text (at least one item). 1 with
 *  @p out filled, 0 when there is none, ENOMEM. */
int relay_take(struct relay_table *t, int64_t now_ms, size_t max_bytes, struct relay_taken *out);
void relay_taken_free(struct relay_taken *tk);

/** The outcome of batch @p batch to @p node. Delivered: its items go, the
 *  peer counts as alive. Failed: the peer is down and every item for it,
 *  in flight or queued, is dropped and listed in *@p failed (malloc'ed,
 *  *@p nfailed of them; the caller frees it). A stale batch (timed out
 *  already) changes nothing. 0 or ENOMEM. */
int relay_done(struct relay_table *t, const char *node, unsigned batch, bool delivered,
	       int64_t now_ms, struct relay_failed **failed, size_t *nfailed);

/** A peer whose batch has been in flight longer than @p timeout_ms: its
 *  node and batch into @p node / @p batch. true when there is one. */
bool relay_expired(const struct relay_table *t, int64_t now_ms, int64_t timeout_ms, char *node,
		   unsigned *batch);

/** @p node showed it is alive (a MESSAGE from it). */
void relay_seen(struct relay_table *t, const char *node, int64_t now_ms);
/** Whether @p node's last batch failed (and nothing since showed it alive). */
bool relay_peer_down(const struct relay_table *t, const char *node);

/** Queues a ping for each peer still in use that has been quiet (nothing
 *  sent, nothing seen) for @p interval_ms. How many. */
size_t relay_pings(struct relay_table *t, int64_t now_ms, int64_t interval_ms);

#endif
