/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file mem.h  Allocator hooks
 *
 * Where a library object gets its memory: a caller-supplied allocator (a
 * counting or failing one in the tests, a module's shared-memory pool), or
 * libc when none is given. One type for every library (it replaces
 * ws_allocator, audio_mem and chat_mem).
 *
 * An object keeps its own copy: store sylk_mem_or_default(mem) and pass its
 * address to the helpers below. @c realloc is optional; without it
 * sylk_mem_realloc() of a caller-supplied allocator fails (NULL), so an
 * object that grows a buffer should require it at creation (EINVAL).
 */
#ifndef SYLK_BASE_MEM_H
#define SYLK_BASE_MEM_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct sylk_mem {
	void *(*alloc)(size_t size, void *ctx);
	void *(*realloc)(void *ptr, size_t size, void *ctx); /* optional */
	void (*free)(void *ptr, void *ctx);
	void *ctx;
};

/** The allocator to keep in an object: *mem if it has alloc and free,
 *  else all-NULL, which the helpers below read as libc. */
static inline struct sylk_mem sylk_mem_or_default(const struct sylk_mem *mem)
{
	struct sylk_mem m = {NULL, NULL, NULL, NULL};

	if (mem && mem->alloc && mem->free)
		m = *mem;
	return m;
}

/** True if @p mem is libc (the default), as sylk_mem_or_default() makes. */
static inline int sylk_mem_is_libc(const struct sylk_mem *mem)
{
	return !mem || !mem->alloc;
}

/** Uninitialised memory, NULL on failure. */
static inline void *sylk_mem_alloc(const struct sylk_mem *mem, size_t size)
{
	return sylk_mem_is_libc(mem) ? malloc(size) : mem->alloc(size, mem->ctx);
}

/** Zeroed memory, NULL on failure. */
static inline void *sylk_mem_zalloc(const struct sylk_mem *mem, size_t size)
{
	void *p = sylk_mem_alloc(mem, size);

	if (p)
		memset(p, 0, size);
	return p;
}

/** Resize (ptr NULL: allocate). NULL on failure, @p ptr then untouched. */
static inline void *sylk_mem_realloc(const struct sylk_mem *mem, void *ptr, size_t size)
{
	if (sylk_mem_is_libc(mem))
		return realloc(ptr, size);
	if (!mem->realloc)
		return NULL;
	return mem->realloc(ptr, size, mem->ctx);
}

/** NULL is allowed. */
static inline void sylk_mem_free(const struct sylk_mem *mem, void *ptr)
{
	if (!ptr)
		return;
	if (sylk_mem_is_libc(mem))
		free(ptr);
	else
		mem->free(ptr, mem->ctx);
}

#endif
