/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file xmpp_pending.h  Presence waiting for room toward the XMPP server
 *
 * Presence is state, not events: a watcher needs the latest presence of
 * what it watches, not every change on the way. When a presence cannot be
 * queued now (the gateway's stanza queue is full), it waits here, keyed
 * by its (from, to) pair; a newer presence for a pair that waits already
 * replaces the older one, which is never sent. So however many changes
 * come while the server falls behind, each pair costs one entry, and each
 * watcher ends with the presentity's latest state.
 *
 *   put(from, to, s)  pair not waiting: appended (ENOSPC beyond max_pairs)
 *                     pair waiting:     its stanza replaced, its place kept
 *   take()            the pair waiting longest, removed
 *
 * A replaced pair keeps its place in the drain order: a presentity that
 * changes all the time cannot push its watchers back forever. JIDs are
 * compared ASCII case-insensitively (the gateway's bare JIDs).
 *
 * No locking, no clock: a module that shares the table between processes
 * holds its own lock around every call and gives it a shared-memory
 * allocator; the caller passes the time to xmpp_pending_refused_due().
 * Kamailio-free: libc only.
 */
#ifndef SYLK_XMPP_PENDING_H
#define SYLK_XMPP_PENDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sylk_ws/base/mem.h"

struct xmpp_pending;

/** Counters since the table was made. */
struct xmpp_pending_stats {
	size_t waiting;         /* pairs waiting now */
	unsigned long deferred; /* presences kept (put() returned 0) */
	unsigned long replaced; /* of them, replaced by a newer one: never sent */
	unsigned long refused;  /* presences refused (ENOSPC): lost */
};

/** A table for at most @p max_pairs waiting pairs (0: every new pair is
 *  refused). 0, EINVAL, ENOMEM. */
int xmpp_pending_alloc(struct xmpp_pending **tp, const struct sylk_mem *mem, size_t max_pairs);
/** Frees the waiting stanzas too; NULL is allowed. */
void xmpp_pending_free(struct xmpp_pending *t);

/** Keeps a copy of @p stanza (@p len bytes) as the presence (@p from,
 *  @p to) waits to send, replacing the one that waited (*@p replaced
 *  true then; @p replaced may be NULL). 0, EINVAL, ENOMEM, ENOSPC
 *  (max_pairs other pairs wait). On an error nothing changes. */
int xmpp_pending_put(struct xmpp_pending *t, const char *from, const char *to, const char *stanza,
		     size_t len, bool *replaced);
/** Whether (@p from, @p to) waits: a newer presence of the pair must wait
 *  behind it, or it would be overtaken by the older one. */
bool xmpp_pending_has(const struct xmpp_pending *t, const char *from, const char *to);
/** The pair that waits longest, removed: its stanza (NUL-terminated, from
 *  the table's allocator: the caller frees it with that allocator) and its
 *  length. 0, ENOENT when nothing waits, EINVAL. */
int xmpp_pending_take(struct xmpp_pending *t, char **stanza, size_t *len);

void xmpp_pending_stats(const struct xmpp_pending *t, struct xmpp_pending_stats *out);
/** For a log line at most once per @p interval (any unit, as @p now): the
 *  refusals not told yet when @p now is @p interval or more after the last
 *  time this returned non-zero (the first refusal is told at once); 0
 *  otherwise, and when there are none. */
unsigned long xmpp_pending_refused_due(struct xmpp_pending *t, int64_t now, int64_t interval);

#endif
