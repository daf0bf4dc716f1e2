/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/mixer/mix_ports.c and conference/mixer/mix_queue.c: the
 * mixers' port pool and their command ring. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conference/mixer/mix_ports.h"
#include "conference/mixer/mix_queue.h"

static struct mix_ports *pool_new(int min, int max)
{
	size_t size = mix_ports_size(min, max);
	struct mix_ports *p = size ? malloc(size) : NULL;

	if (p && mix_ports_init(p, min, max) != 0) {
		free(p);
		p = NULL;
	}
	return p;
}

static void test_ranges(void)
{
	static const struct {
		int min, max, pairs;
	} cases[] = {
		{40000, 40999, 500}, {40001, 40999, 499}, {40000, 40003, 2}, {40001, 40004, 1},
		{40000, 40002, 0},   {1023, 2000, 0},     {60000, 65536, 0}, {5000, 4000, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mix_ports *p = pool_new(cases[i].min, cases[i].max);
		int total = -1, used = -1;

		if (!cases[i].pairs) {
			CHECK(p == NULL);
			continue;
		}
		CHECK(p != NULL);
		if (!p)
			continue;
		mix_ports_count(p, &total, &used);
		CHECK_INT(total, cases[i].pairs);
		CHECK_INT(used, 0);
		free(p);
	}
	CHECK_INT(mix_ports_init(NULL, 40000, 40999), EINVAL);
}

static void test_alloc_free(void)
{
	struct mix_ports *p = pool_new(40001, 40008); /* pairs 40002, 40004, 40006 */
	int a, b, c, total, used;

	if (!p) {
		CHECK(false);
		return;
	}
	a = mix_ports_alloc(p);
	b = mix_ports_alloc(p);
	c = mix_ports_alloc(p);
	CHECK_INT(a, 40002);
	CHECK_INT(b, 40004);
	CHECK_INT(c, 40006);
	CHECK_INT(mix_ports_alloc(p), 0); /* full */
	mix_ports_count(p, &total, &used);
	CHECK_INT(total, 3);
	CHECK_INT(used, 3);
	CHECK_INT(mix_ports_free(p, b), 0);
	CHECK_INT(mix_ports_free(p, b), EALREADY);
	CHECK_INT(mix_ports_free(p, 39000), ERANGE);
	CHECK_INT(mix_ports_free(p, 40009), ERANGE);
	CHECK_INT(mix_ports_alloc(p), 40004); /* the only free pair */
	/* round robin: a freed port is not the next one handed out */
	CHECK_INT(mix_ports_free(p, a), 0);
	CHECK_INT(mix_ports_free(p, c), 0);
	CHECK_INT(mix_ports_alloc(p), 40006);
	CHECK_INT(mix_ports_alloc(p), 40002);
	free(p);
}

static void test_every_port_even(void)
{
	struct mix_ports *p = pool_new(40000, 40999);
	int port, n = 0;

	if (!p) {
		CHECK(false);
		return;
	}
	while ((port = mix_ports_alloc(p)) != 0) {
		if (port % 2 || port + 1 > 40999)
			CHECK(false);
		n++;
	}
	CHECK_INT(n, 500);
	free(p);
}

static void test_queue(void)
{
	struct mix_queue *q = malloc(sizeof(*q));
	struct mix_cmd c = {.op = MIX_ADD, .room_key = 7, .part_key = 1}, out;
	unsigned first;
	int rc = -1;

	if (!q) {
		CHECK(false);
		return;
	}
	mix_queue_init(q);
	CHECK_INT(mix_queue_pop(q, &out), ENOENT);
	CHECK_INT(mix_queue_push(q, &c), 0);
	first = c.seq;
	CHECK(first != 0);
	CHECK_INT(mix_queue_outcome(q, first, &rc), EAGAIN);
	c = (struct mix_cmd){.op = MIX_HOLD, .part_key = 1, .hold = true};
	CHECK_INT(mix_queue_push(q, &c), 0);
	CHECK_INT(c.seq, 0); /* only adds are numbered */
	CHECK_INT(mix_queue_pop(q, &out), 0);
	CHECK_INT(out.op, MIX_ADD);
	CHECK_INT(out.seq, first);
	mix_queue_post(q, out.seq, EADDRINUSE);
	CHECK_INT(mix_queue_outcome(q, first, &rc), 0);
	CHECK_INT(rc, EADDRINUSE);
	CHECK_INT(mix_queue_pop(q, &out), 0);
	CHECK_INT(out.op, MIX_HOLD);
	CHECK(out.hold);
	CHECK_INT(mix_queue_pop(q, &out), ENOENT);

	/* full at MIX_QUEUE_SIZE, in order across the wrap */
	for (unsigned i = 0; i < MIX_QUEUE_SIZE; i++) {
		c = (struct mix_cmd){.op = MIX_REMOVE, .part_key = i};
		if (mix_queue_push(q, &c) != 0)
			CHECK(false);
	}
	c = (struct mix_cmd){.op = MIX_REMOVE};
	CHECK_INT(mix_queue_push(q, &c), ENOSPC);
	for (unsigned i = 0; i < MIX_QUEUE_SIZE; i++)
		if (mix_queue_pop(q, &out) != 0 || out.part_key != i)
			CHECK(false);
	CHECK_INT(mix_queue_pop(q, &out), ENOENT);
	/* an outcome slot reused by a later add does not answer an older one */
	c = (struct mix_cmd){.op = MIX_ADD};
	CHECK_INT(mix_queue_push(q, &c), 0);
	mix_queue_post(q, c.seq + MIX_QUEUE_SIZE, 0);
	CHECK_INT(mix_queue_outcome(q, c.seq, &rc), EAGAIN);
	free(q);
}

int main(void)
{
	RUN(test_ranges);
	RUN(test_alloc_free);
	RUN(test_every_port_even);
	RUN(test_queue);
	return check_summary();
}
