/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>
#include "core/mem/shm_mem.h"
#include "core/dprint.h"
#include "ws_registry.h"

#define WS_BUCKETS 256

struct ws_registry {
	gen_lock_t lock;
	unsigned max_message_size;
	unsigned long reasm_max;  /* 0 = no limit */
	unsigned long reasm_held; /* sum of every connection's reasm_held */
	int count;
	struct ws_conn *bucket[WS_BUCKETS];
};

/* One registry per Kamailio instance, created in mod_init before the fork
 * so that every process shares it. */
static struct ws_registry *registry;

static void *shm_alloc_cb(size_t size, void *arg)
{
	return shm_malloc(size);
}

static void *shm_realloc_cb(void *ptr, size_t size, void *arg)
{
	return shm_realloc(ptr, size);
}

static void shm_free_cb(void *ptr, void *arg)
{
	shm_free(ptr);
}

static const struct sylk_mem shm_allocator = {shm_alloc_cb, shm_realloc_cb, shm_free_cb, NULL};

int ws_registry_init(unsigned max_message_size, unsigned long max_reassembly)
{
	registry = shm_mallocxz(sizeof(*registry));
	if (!registry) {
		SHM_MEM_ERROR;
		return -1;
	}
	if (!lock_init(&registry->lock)) {
		shm_free(registry);
		registry = NULL;
		return -1;
	}
	registry->max_message_size = max_message_size;
	registry->reasm_max = max_reassembly;
	return 0;
}

static void conn_free(struct ws_conn *c)
{
	if (c->reassembly)
		ws_message_free(c->reassembly);
	shm_free(c);
}

void ws_registry_destroy(void)
{
	int i;
	struct ws_conn *c, *next;

	if (!registry)
		return;
	for (i = 0; i < WS_BUCKETS; i++) {
		for (c = registry->bucket[i]; c; c = next) {
			next = c->next;
			conn_free(c);
		}
	}
	lock_destroy(&registry->lock);
	shm_free(registry);
	registry = NULL;
}

static struct ws_conn **slot_of(int id)
{
	struct ws_conn **pc = &registry->bucket[(unsigned)id % WS_BUCKETS];

	while (*pc && (*pc)->id != id)
		pc = &(*pc)->next;
	return pc;
}

static void snapshot(const struct ws_conn *c, struct ws_conn_info *info)
{
	info->id = c->id;
	info->secure = c->secure;
	info->handler = c->handler;
	memcpy(info->peer, c->peer, sizeof(info->peer));
	info->created = c->created;
	info->last_rx = c->last_rx;
	info->close_sent = c->close_sent;
	info->frames_in = c->frames_in;
	info->frames_out = c->frames_out;
}

int ws_registry_add(int id, int secure, int handler, const char *peer)
{
	struct ws_conn *c, **pc;

	c = shm_mallocxz(sizeof(*c));
	if (!c) {
		SHM_MEM_ERROR;
		return -1;
	}
	if (ws_message_alloc_mem(&c->reassembly, registry->max_message_size, &shm_allocator) != 0) {
		shm_free(c);
		SHM_MEM_ERROR;
		return -1;
	}
	c->id = id;
	c->secure = secure;
	c->handler = handler;
	strncpy(c->peer, peer, sizeof(c->peer) - 1);
	c->created = c->last_rx = time(NULL);

	lock_get(&registry->lock);
	pc = slot_of(id);
	if (*pc) {
		/* a TCP id is reused only after its connection is gone */
		struct ws_conn *stale = *pc;
		*pc = stale->next;
		registry->count--;
		registry->reasm_held -= stale->reasm_held;
		conn_free(stale);
	}
	c->next = registry->bucket[(unsigned)id % WS_BUCKETS];
	registry->bucket[(unsigned)id % WS_BUCKETS] = c;
	registry->count++;
	lock_release(&registry->lock);
	return 0;
}

int ws_registry_remove(int id, struct ws_conn_info *info)
{
	struct ws_conn *c, **pc;

	lock_get(&registry->lock);
	pc = slot_of(id);
	c = *pc;
	if (c) {
		*pc = c->next;
		registry->count--;
		registry->reasm_held -= c->reasm_held;
		if (info)
			snapshot(c, info);
	}
	lock_release(&registry->lock);
	if (!c)
		return -1;
	conn_free(c);
	return 0;
}

int ws_registry_get(int id, struct ws_conn_info *info)
{
	struct ws_conn *c;

	lock_get(&registry->lock);
	c = *slot_of(id);
	if (c)
		snapshot(c, info);
	lock_release(&registry->lock);
	return c ? 0 : -1;
}

struct ws_conn *ws_registry_lock_conn(int id)
{
	lock_get(&registry->lock);
	return *slot_of(id);
}

void ws_registry_unlock(void)
{
	lock_release(&registry->lock);
}

int ws_registry_reasm_fits(const struct ws_conn *c, size_t add)
{
	if (!registry->reasm_max)
		return 1;
	return registry->reasm_held + add <= registry->reasm_max;
}

void ws_registry_reasm_charge(struct ws_conn *c)
{
	size_t now = ws_message_pending(c->reassembly);

	registry->reasm_held += now;
	registry->reasm_held -= c->reasm_held;
	c->reasm_held = now;
}

struct ws_message *ws_registry_reasm_renew(struct ws_conn *c)
{
	struct ws_message *fresh, *old = c->reassembly;

	if (ws_message_alloc_mem(&fresh, registry->max_message_size, &shm_allocator) != 0)
		return NULL; /* keep the old one: it still works */
	c->reassembly = fresh;
	return old;
}

void ws_registry_reasm_free(struct ws_message *m)
{
	ws_message_free(m);
}

unsigned long ws_registry_reasm_held(void)
{
	unsigned long n;

	lock_get(&registry->lock);
	n = registry->reasm_held;
	lock_release(&registry->lock);
	return n;
}

void ws_registry_count_out(int id)
{
	struct ws_conn *c = ws_registry_lock_conn(id);

	if (c)
		c->frames_out++;
	ws_registry_unlock();
}

void ws_registry_mark_close_sent(int id)
{
	struct ws_conn *c = ws_registry_lock_conn(id);

	if (c && !c->close_sent)
		c->close_sent = time(NULL);
	ws_registry_unlock();
}

int ws_registry_list(struct ws_conn_info *out, int max)
{
	int i, n = 0, total;
	struct ws_conn *c;

	lock_get(&registry->lock);
	total = registry->count;
	for (i = 0; i < WS_BUCKETS; i++)
		for (c = registry->bucket[i]; c; c = c->next)
			if (n < max)
				snapshot(c, &out[n++]);
	lock_release(&registry->lock);
	return total;
}

int ws_registry_count(void)
{
	int n;

	lock_get(&registry->lock);
	n = registry->count;
	lock_release(&registry->lock);
	return n;
}
