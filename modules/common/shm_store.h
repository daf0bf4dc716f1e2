/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The part every module's shared-memory store has in common: one
 * recursive lock (a tm call made under it may run the module's callbacks in
 * the same process) and a counter for keys that are never 0 and never
 * repeat while the server runs. */
#ifndef SYLK_SHM_STORE_H
#define SYLK_SHM_STORE_H

#include "core/locking.h"

struct sylk_store_base {
	rec_lock_t lock;
	unsigned next_key;
};

/* Allocates a zeroed store of @p size bytes in shm, whose first member is
 * a struct sylk_store_base, and initialises the lock. NULL on failure. */
void *sylk_store_alloc(size_t size);
void sylk_store_free(void *store);

static inline void sylk_store_lock(struct sylk_store_base *b)
{
	rec_lock_get(&b->lock);
}

static inline void sylk_store_unlock(struct sylk_store_base *b)
{
	rec_lock_release(&b->lock);
}

/* The next key; lock held. */
unsigned sylk_store_next_key(struct sylk_store_base *b);

#endif
