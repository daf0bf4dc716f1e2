/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command ring from SIP workers to one mixer process: add, remove and
 * hold a participant. An add gets a sequence number; the mixer posts the
 * add's outcome under it, where the worker that queued it looks for it.
 * The caller places the ring (shared memory) and locks it. Kamailio-free. */
#ifndef CONFERENCE_MIX_QUEUE_H
#define CONFERENCE_MIX_QUEUE_H

#include <stdbool.h>

#include "conference/mixer/mix_room.h"

#define MIX_QUEUE_SIZE 1024

enum mix_op { MIX_ADD, MIX_REMOVE, MIX_HOLD };

struct mix_cmd {
	enum mix_op op;
	unsigned seq; /* of an add, whose outcome is posted under it */
	unsigned room_key, part_key;
	int port;
	char remote_ip[48];
	int remote_port;
	struct mix_participant_cfg cfg;
	bool hold;
};

/* the outcome of an add */
struct mix_done {
	unsigned seq;
	int rc;
};

struct mix_queue {
	unsigned head, count;
	unsigned seq; /* of the last add queued */
	struct mix_cmd cmd[MIX_QUEUE_SIZE];
	struct mix_done done[MIX_QUEUE_SIZE]; /* by seq modulo MIX_QUEUE_SIZE */
};

void mix_queue_init(struct mix_queue *q);
/* Queues a copy of @p c; an add gets its sequence number in c->seq.
 * 0 or ENOSPC (full). */
int mix_queue_push(struct mix_queue *q, struct mix_cmd *c);
/* The oldest command into @p c: 0, or ENOENT (empty). */
int mix_queue_pop(struct mix_queue *q, struct mix_cmd *c);
/* The mixer posts an add's outcome (0 or an errno). */
void mix_queue_post(struct mix_queue *q, unsigned seq, int rc);
/* An add's outcome into *rc: 0, or EAGAIN (not posted yet). */
int mix_queue_outcome(const struct mix_queue *q, unsigned seq, int *rc);

#endif
