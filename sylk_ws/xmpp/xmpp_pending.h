/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file xmpp_pending.h  Presence waiting for room toward the XMPP server
 *
 * Presence is state, not events: a watcher needs the latest presence of
 * what it watches, not every change on the way. When a presence cannot be
 * queued now (the gateway's stanza queue is full), it waits here, keyed
 * by its (from, to) pair and its class; a newer presence of the same key
 * replaces the older one, which is never sent. So however many changes
 * come while the server falls behind, each key costs one entry, and each
 * watcher ends with the presentity's latest state.
 *
 * The classes are what can replace each other (RFC 6121):
 *   STATE    available, unavailable: the latest state
 *   REQUEST  subscribe, unsubscribe: the latest wish of `from` to see `to`
 *   ANSWER   subscribed, unsubscribed: the latest answer of `from` to
 *            `to` about `to` seeing `from`
 *   PROBE    probe: one is as good as many
 *   OCCUPANT a MUC occupant's presence (from room/nick) to an occupant,
 *            and a room's subject (from the room): the latest; its JIDs
 *            are compared exactly (nicknames and resources are
 *            case-sensitive: room/Bob and room/bob are two occupants)
 *   CHATSTATE a chat state (XEP-0085: composing, paused, gone...) of a
 *            chat session: the latest
 *   ERROR    an error answer, and
 *   MESSAGE  a message that must not overtake what its pair has waiting:
 *            events, not state; each one is a key of its own, never
 *            replaced (they wait in order, counted against max_keys)
 * A request and an answer of one pair are separate keys: one pair can owe
 * both (alice asks bob while she answers bob's request), and neither may
 * replace the other.
 *
 *   put(from, to, c, s)  key not waiting: appended (ENOSPC beyond max_keys)
 *                        key waiting:     its stanza replaced, its place kept
 *   take()               the key waiting longest, removed
 *
 * A replaced key keeps its place in the drain order: a presentity that
 * changes all the time cannot push its watchers back forever. Not so an
 * OCCUPANT or CHATSTATE key: it goes to the back, behind the MESSAGEs of
 * its pair that waited after it (an occupant's presence must not overtake
 * the groupchat messages it sent before it left, a session's <gone/> the
 * session's last messages). Keys drain
 * in the order they began to wait; two classes of one pair may so go out
 * in another order than they were made (a state replaced in its place
 * before an answer that came after it): each class's latest still goes
 * (a server delivers a state whatever the roster says, and a request and
 * an answer do not depend on each other). JIDs are compared ASCII
 * case-insensitively (the gateway's bare JIDs).
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

enum xmpp_pending_class {
	XMPP_PENDING_STATE,     /* available, unavailable */
	XMPP_PENDING_REQUEST,   /* subscribe, unsubscribe */
	XMPP_PENDING_ANSWER,    /* subscribed, unsubscribed */
	XMPP_PENDING_PROBE,     /* probe */
	XMPP_PENDING_OCCUPANT,  /* MUC occupant presence, a room's subject: exact JIDs */
	XMPP_PENDING_CHATSTATE, /* a chat session's chat state */
	XMPP_PENDING_ERROR,     /* an error answer: never replaced */
	XMPP_PENDING_MESSAGE,   /* a message behind its pair: never replaced */
	XMPP_PENDING_CLASSES
};

/** The class of a presence of type attribute @p type (NULL: available);
 *  -1 for a type that is none of them (error, anything else): such a
 *  stanza has no latest to keep. */
int xmpp_pending_class_of(const char *type);

/** Counters since the table was made. */
struct xmpp_pending_stats {
	size_t waiting;         /* keys waiting now */
	unsigned long deferred; /* presences kept (put() returned 0) */
	unsigned long replaced; /* of them, replaced by a newer one: never sent */
	unsigned long refused;  /* presences refused (ENOSPC): lost */
	unsigned long refused_by[XMPP_PENDING_CLASSES]; /* of them, by class */
};

/** Whether a newer stanza of class @p cls replaces the one of its key
 *  that waits (false for ERROR and MESSAGE: each is a key of its own). */
bool xmpp_pending_class_replaces(enum xmpp_pending_class cls);

/** A table for at most @p max_keys waiting keys (0: every new key is
 *  refused). 0, EINVAL, ENOMEM. */
int xmpp_pending_alloc(struct xmpp_pending **tp, const struct sylk_mem *mem, size_t max_keys);
/** Frees the waiting stanzas too; NULL is allowed. */
void xmpp_pending_free(struct xmpp_pending *t);

/** Keeps a copy of @p stanza (@p len bytes) as the presence of class
 *  @p cls from @p from to @p to waiting to be sent, replacing the one of
 *  that key that waited (*@p replaced true then; @p replaced may be
 *  NULL; never for ERROR and MESSAGE, which always add a key). 0, EINVAL (a class out of range too), ENOMEM, ENOSPC (max_keys
 *  other keys wait). On an error nothing changes. */
int xmpp_pending_put(struct xmpp_pending *t, const char *from, const char *to,
		     enum xmpp_pending_class cls, const char *stanza, size_t len, bool *replaced);
/** Whether anything of the pair (@p from, @p to) waits, of any class: a
 *  newer presence of the pair must wait behind it, or it would overtake
 *  the older one. */
bool xmpp_pending_has(const struct xmpp_pending *t, const char *from, const char *to);
/** The key that waits longest, removed: its stanza (NUL-terminated, from
 *  the table's allocator: the caller frees it with that allocator) and its
 *  length. 0, ENOENT when nothing waits, EINVAL. */
int xmpp_pending_take(struct xmpp_pending *t, char **stanza, size_t *len);

void xmpp_pending_stats(const struct xmpp_pending *t, struct xmpp_pending_stats *out);
/** For a log line at most once per @p interval (any unit, as @p now): the
 *  refusals not told yet when @p now is @p interval or more after the last
 *  time this returned non-zero (the first refusal is told at once); 0
 *  otherwise, and when there are none. */
unsigned long xmpp_pending_refused_due(struct xmpp_pending *t, int64_t now, int64_t interval);
/** The same, and the refusals told by class into @p by_class (zeroed
 *  first; NULL: not wanted). */
unsigned long xmpp_pending_refused_due_by(struct xmpp_pending *t, int64_t now, int64_t interval,
					  unsigned long by_class[XMPP_PENDING_CLASSES]);

#endif
