/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The common part of the modules' shared-memory stores. */
#include <string.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"

#include "shm_store.h"

void *sylk_store_alloc(size_t size)
{
	struct sylk_store_base *b = shm_malloc(size);

	if (!b) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(b, 0, size);
	if (!rec_lock_init(&b->lock)) {
		LM_ERR("cannot initialise a store lock\n");
		shm_free(b);
		return NULL;
	}
	b->next_key = 1;
	return b;
}

void sylk_store_free(void *store)
{
	struct sylk_store_base *b = store;

	if (!b)
		return;
	rec_lock_destroy(&b->lock);
	shm_free(b);
}

unsigned sylk_store_next_key(struct sylk_store_base *b)
{
	unsigned k = b->next_key++;

	if (!b->next_key)
		b->next_key = 1;
	return k;
}
