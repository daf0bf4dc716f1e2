/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file xmpp_outq.h  The gateway's stanzas on their way to the XMPP server
 *
 * One bounded FIFO of complete stanzas (SIP workers and tm callbacks put,
 * the component process takes) and, beyond it, the presences waiting as
 * the latest per key (xmpp_pending.h). The rules, in one place:
 *
 *   push(s)           into the FIFO; EAGAIN when it holds @c size: the
 *                     caller says no to its sender (a SIP MESSAGE: 503)
 *   presence(k, s)    into the FIFO when it has room and nothing of the
 *                     pair waits; else waits as the latest of its key
 *                     (ENOSPC beyond pending_max keys: lost). Also MUC
 *                     occupant presence, chat states, and error answers
 *                     (a class whose every stanza is a key of its own:
 *                     they all wait, in order)
 *   push_after(p, s)  a message of pair p: into the FIFO when it has room
 *                     and nothing of the pair waits; behind what the pair
 *                     has waiting (a key of its own) when something does;
 *                     EAGAIN when the FIFO is full and nothing of the pair
 *                     waits (the caller tells its sender, as for push)
 *   pop()             the FIFO's oldest; with the FIFO empty, the key that
 *                     waits longest (what the SIP users send is not held
 *                     back behind a backlog of presence)
 *   unpop(s)          back at the head: a stanza the component took but
 *                     could not write before its connection broke. It
 *                     may go @c reserve beyond @c size: every stanza the
 *                     caller holds was accepted (a 202 told), and unpop
 *                     must not lose it.
 *
 * Why the reserve suffices: push() and presence() only fill up to size,
 * and pop() from the waiting keys only with the FIFO empty, so the FIFO
 * plus what the caller holds never exceeds size + (at most reserve held):
 * a caller that holds at most @c reserve stanzas at a time always gets
 * them back in. unpop() says ENOSPC (nothing kept) only to a caller that
 * breaks that limit.
 *
 * Every call takes the stanza it is given (from the queue's allocator,
 * NUL-terminated): kept, or freed on an error. No locking: a module that
 * shares the queue between processes holds its own lock around every call
 * and gives it a shared-memory allocator. Kamailio-free: libc only.
 */
#ifndef SYLK_XMPP_OUTQ_H
#define SYLK_XMPP_OUTQ_H

#include <stdbool.h>
#include <stddef.h>

#include "sylk_ws/base/mem.h"
#include "sylk_ws/xmpp/xmpp_pending.h"

struct xmpp_outq;

struct xmpp_outq_stats {
	size_t count;          /* in the FIFO now (at most size + reserve) */
	unsigned long queued;  /* entered the FIFO, or were taken from the waiting keys */
	unsigned long dropped; /* refused: push() EAGAIN, presence() ENOSPC, unpop() ENOSPC */
	unsigned long unpopped; /* put back at the head */
	struct xmpp_pending_stats pending;
};

/** A FIFO of @p size stanzas (>= 1) with room for @p reserve more put
 *  back by unpop(), and @p pending_max keys waiting beyond it. 0, EINVAL,
 *  ENOMEM. */
int xmpp_outq_alloc(struct xmpp_outq **qp, const struct sylk_mem *mem, size_t size,
		    size_t reserve, size_t pending_max);
/** Frees what is queued and waits too; NULL is allowed. */
void xmpp_outq_free(struct xmpp_outq *q);

/** @p stanza at the tail. 0; EAGAIN (the FIFO holds size), EINVAL. */
int xmpp_outq_push(struct xmpp_outq *q, char *stanza);
/** A presence (or another stanza that may wait, xmpp_pending.h) of
 *  class @p cls from @p from to @p to (bare JIDs; full ones for MUC),
 *  @p len bytes: at the tail, or waiting (see above). 0; ENOSPC,
 *  ENOMEM, EINVAL. */
int xmpp_outq_presence(struct xmpp_outq *q, const char *from, const char *to,
		       enum xmpp_pending_class cls, char *stanza, size_t len);
/** A message from @p from to @p to, @p len bytes: at the tail, or behind
 *  what the pair has waiting (class MESSAGE). 0; EAGAIN (the FIFO is full
 *  and nothing of the pair waits: refused, counted as dropped), ENOSPC
 *  (the pair waits but pending_max keys do: refused), ENOMEM, EINVAL. */
int xmpp_outq_push_after(struct xmpp_outq *q, const char *from, const char *to, char *stanza,
			 size_t len);
/** The next stanza to write (the caller frees it with the queue's
 *  allocator, or gives it back with unpop()), NULL when nothing is there. */
char *xmpp_outq_pop(struct xmpp_outq *q);
/** @p stanza back at the head (unpop the ones taken in the reverse order
 *  to keep their order). 0; ENOSPC beyond size + reserve, EINVAL. */
int xmpp_outq_unpop(struct xmpp_outq *q, char *stanza);

void xmpp_outq_stats(const struct xmpp_outq *q, struct xmpp_outq_stats *out);
/** The waiting keys' table (for xmpp_pending_refused_due()). */
struct xmpp_pending *xmpp_outq_pending(struct xmpp_outq *q);

#endif
