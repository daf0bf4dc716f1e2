/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A struct sylk_mem for unit tests: counts the blocks still live (0 after
 * a test means nothing leaked through the object's allocator) and fails on
 * demand, to drive the out-of-memory paths. */
#ifndef SYLK_TEST_COUNTING_MEM_H
#define SYLK_TEST_COUNTING_MEM_H

#include <stdlib.h>

#include "sylk_ws/base/mem.h"

struct counting {
	long live;
	int fail_after; /* allocations left before failing; -1: never */
};

static inline void *counting_alloc(size_t size, void *ctx)
{
	struct counting *c = ctx;
	void *p;

	if (c->fail_after == 0)
		return NULL;
	if (c->fail_after > 0)
		c->fail_after--;
	p = malloc(size);
	if (p)
		c->live++;
	return p;
}

static inline void counting_free(void *p, void *ctx)
{
	struct counting *c = ctx;

	if (p)
		c->live--;
	free(p);
}

#endif
