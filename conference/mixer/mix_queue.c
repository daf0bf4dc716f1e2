/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command ring from SIP workers to a mixer process. */
#include <errno.h>
#include <string.h>

#include "conference/mixer/mix_queue.h"

void mix_queue_init(struct mix_queue *q)
{
	memset(q, 0, sizeof(*q));
}

int mix_queue_push(struct mix_queue *q, struct mix_cmd *c)
{
	if (q->count >= MIX_QUEUE_SIZE)
		return ENOSPC;
	if (c->op == MIX_ADD) {
		c->seq = ++q->seq;
		/* sequence 0 is what an empty outcome slot says */
		if (!c->seq)
			c->seq = ++q->seq;
	}
	q->cmd[(q->head + q->count) % MIX_QUEUE_SIZE] = *c;
	q->count++;
	return 0;
}

int mix_queue_pop(struct mix_queue *q, struct mix_cmd *c)
{
	if (!q->count)
		return ENOENT;
	*c = q->cmd[q->head];
	q->head = (q->head + 1) % MIX_QUEUE_SIZE;
	q->count--;
	return 0;
}

void mix_queue_post(struct mix_queue *q, unsigned seq, int rc)
{
	q->done[seq % MIX_QUEUE_SIZE].seq = seq;
	q->done[seq % MIX_QUEUE_SIZE].rc = rc;
}

int mix_queue_outcome(const struct mix_queue *q, unsigned seq, int *rc)
{
	const struct mix_done *d = &q->done[seq % MIX_QUEUE_SIZE];

	if (d->seq != seq)
		return EAGAIN;
	*rc = d->rc;
	return 0;
}
