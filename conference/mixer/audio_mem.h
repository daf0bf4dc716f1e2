/* Where the mixer's objects get their memory: a caller-supplied
 * allocator (a counting one in the tests, the module's own pools), or
 * malloc/free when none is given. Kamailio-free: libc only. */
#ifndef CONFERENCE_AUDIO_MEM_H
#define CONFERENCE_AUDIO_MEM_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct audio_mem {
	void *(*alloc)(size_t size, void *ctx);
	void (*free)(void *p, void *ctx);
	void *ctx;
};

/* The allocator to keep in an object: *mem, or malloc/free for NULL. */
static inline struct audio_mem audio_mem_or_default(const struct audio_mem *mem)
{
	struct audio_mem m = { NULL, NULL, NULL };

	if (mem && mem->alloc && mem->free)
		m = *mem;
	return m;
}

/* Zeroed memory, NULL on failure. */
static inline void *audio_mem_zalloc(const struct audio_mem *mem, size_t size)
{
	void *p = mem->alloc ? mem->alloc(size, mem->ctx) : malloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

static inline void audio_mem_free(const struct audio_mem *mem, void *p)
{
	if (!p)
		return;
	if (mem->alloc)
		mem->free(p, mem->ctx);
	else
		free(p);
}

#endif
