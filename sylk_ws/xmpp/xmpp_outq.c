/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's stanzas on their way to the XMPP server: see xmpp_outq.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sylk_ws/xmpp/xmpp_outq.h"

struct xmpp_outq {
	struct sylk_mem mem;
	size_t size, cap; /* cap: size + reserve, the ring's slots */
	size_t head, count;
	unsigned long queued, dropped, unpopped;
	struct xmpp_pending *pending;
	char **ring;
};

int xmpp_outq_alloc(struct xmpp_outq **qp, const struct sylk_mem *mem, size_t size,
		    size_t reserve, size_t pending_max)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct xmpp_outq *q;
	int err;

	if (!qp)
		return EINVAL;
	*qp = NULL;
	if (!size || reserve > SIZE_MAX / sizeof(char *) - size)
		return EINVAL;
	q = sylk_mem_zalloc(&m, sizeof(*q));
	if (!q)
		return ENOMEM;
	q->mem = m;
	q->size = size;
	q->cap = size + reserve;
	q->ring = sylk_mem_zalloc(&m, q->cap * sizeof(*q->ring));
	err = q->ring ? xmpp_pending_alloc(&q->pending, &q->mem, pending_max) : ENOMEM;
	if (err) {
		xmpp_outq_free(q);
		return err;
	}
	*qp = q;
	return 0;
}

void xmpp_outq_free(struct xmpp_outq *q)
{
	struct sylk_mem m;

	if (!q)
		return;
	m = q->mem;
	for (size_t i = 0; q->ring && i < q->count; i++)
		sylk_mem_free(&m, q->ring[(q->head + i) % q->cap]);
	xmpp_pending_free(q->pending);
	sylk_mem_free(&m, q->ring);
	sylk_mem_free(&m, q);
}

static void tail_put(struct xmpp_outq *q, char *stanza)
{
	q->ring[(q->head + q->count++) % q->cap] = stanza;
	q->queued++;
}

int xmpp_outq_push(struct xmpp_outq *q, char *stanza)
{
	if (!q || !stanza) {
		if (q)
			sylk_mem_free(&q->mem, stanza);
		return EINVAL;
	}
	if (q->count >= q->size) {
		q->dropped++;
		sylk_mem_free(&q->mem, stanza);
		return EAGAIN;
	}
	tail_put(q, stanza);
	return 0;
}

int xmpp_outq_presence(struct xmpp_outq *q, const char *from, const char *to,
		       enum xmpp_pending_class cls, char *stanza, size_t len)
{
	int err;

	if (!q || !stanza || !from || !to || (unsigned)cls >= XMPP_PENDING_CLASSES) {
		if (q)
			sylk_mem_free(&q->mem, stanza);
		return EINVAL;
	}
	/* a pair that waits keeps waiting: its newer presence must not
	 * overtake the older one through the FIFO */
	if (q->count < q->size && !xmpp_pending_has(q->pending, from, to)) {
		tail_put(q, stanza);
		return 0;
	}
	err = xmpp_pending_put(q->pending, from, to, cls, stanza, len, NULL);
	if (err == ENOSPC)
		q->dropped++;
	sylk_mem_free(&q->mem, stanza); /* the table keeps a copy */
	return err;
}

int xmpp_outq_push_after(struct xmpp_outq *q, const char *from, const char *to, char *stanza,
			 size_t len)
{
	if (!q || !stanza || !from || !to) {
		if (q)
			sylk_mem_free(&q->mem, stanza);
		return EINVAL;
	}
	if (!xmpp_pending_has(q->pending, from, to))
		return xmpp_outq_push(q, stanza);
	return xmpp_outq_presence(q, from, to, XMPP_PENDING_MESSAGE, stanza, len);
}

char *xmpp_outq_pop(struct xmpp_outq *q)
{
	char *s = NULL;

	if (!q)
		return NULL;
	if (q->count) {
		s = q->ring[q->head];
		q->ring[q->head] = NULL;
		q->head = (q->head + 1) % q->cap;
		q->count--;
	} else if (xmpp_pending_take(q->pending, &s, NULL) == 0) {
		q->queued++;
	}
	return s;
}

int xmpp_outq_unpop(struct xmpp_outq *q, char *stanza)
{
	if (!q || !stanza) {
		if (q)
			sylk_mem_free(&q->mem, stanza);
		return EINVAL;
	}
	if (q->count >= q->cap) {
		q->dropped++;
		sylk_mem_free(&q->mem, stanza);
		return ENOSPC;
	}
	q->head = (q->head + q->cap - 1) % q->cap;
	q->ring[q->head] = stanza;
	q->count++;
	q->unpopped++;
	return 0;
}

void xmpp_outq_stats(const struct xmpp_outq *q, struct xmpp_outq_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (!q)
		return;
	out->count = q->count;
	out->queued = q->queued;
	out->dropped = q->dropped;
	out->unpopped = q->unpopped;
	xmpp_pending_stats(q->pending, &out->pending);
}

struct xmpp_pending *xmpp_outq_pending(struct xmpp_outq *q)
{
	return q ? q->pending : NULL;
}
