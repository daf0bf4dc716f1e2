/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The connection table of sylk_ws/ws/ws_conn_table in shared memory, behind
 * one lock: allocation and freeing happen outside it. */
#include <string.h>
#include "core/mem/shm_mem.h"
#include "core/dprint.h"
#include "ws_registry.h"

struct ws_registry {
	gen_lock_t lock;
	struct ws_conn_table *table;
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
	if (ws_conn_table_alloc(&registry->table, &shm_allocator, max_message_size,
				max_reassembly) != 0) {
		SHM_MEM_ERROR;
		goto fail;
	}
	if (!lock_init(&registry->lock))
		goto fail;
	return 0;
fail:
	ws_conn_table_free(registry->table);
	shm_free(registry);
	registry = NULL;
	return -1;
}

void ws_registry_destroy(void)
{
	if (!registry)
		return;
	ws_conn_table_free(registry->table);
	lock_destroy(&registry->lock);
	shm_free(registry);
	registry = NULL;
}

int ws_registry_add(int id, int secure, int handler, const char *peer)
{
	struct ws_conn *c, *stale;

	if (ws_conn_alloc(&c, registry->table, id, secure, handler, peer, time(NULL)) != 0) {
		SHM_MEM_ERROR;
		return -1;
	}
	lock_get(&registry->lock);
	ws_conn_table_insert(registry->table, c, &stale);
	lock_release(&registry->lock);
	ws_conn_free(registry->table, stale);
	return 0;
}

int ws_registry_remove(int id, struct ws_conn_info *info)
{
	struct ws_conn *c = NULL;

	lock_get(&registry->lock);
	if (ws_conn_table_unlink(registry->table, id, &c) == 0 && info)
		ws_conn_snapshot(c, info);
	lock_release(&registry->lock);
	if (!c)
		return -1;
	ws_conn_free(registry->table, c);
	return 0;
}

int ws_registry_get(int id, struct ws_conn_info *info)
{
	struct ws_conn *c;

	lock_get(&registry->lock);
	c = ws_conn_table_find(registry->table, id);
	if (c)
		ws_conn_snapshot(c, info);
	lock_release(&registry->lock);
	return c ? 0 : -1;
}

struct ws_conn *ws_registry_lock_conn(int id)
{
	lock_get(&registry->lock);
	return ws_conn_table_find(registry->table, id);
}

void ws_registry_unlock(void)
{
	lock_release(&registry->lock);
}

int ws_registry_reasm_fits(const struct ws_conn *c, size_t add)
{
	return ws_conn_table_reasm_fits(registry->table, add);
}

void ws_registry_reasm_charge(struct ws_conn *c)
{
	ws_conn_table_reasm_charge(registry->table, c);
}

struct ws_message *ws_registry_reasm_renew(struct ws_conn *c)
{
	return ws_conn_table_reasm_renew(registry->table, c);
}

void ws_registry_reasm_free(struct ws_message *m)
{
	ws_message_free(m);
}

unsigned long ws_registry_reasm_held(void)
{
	unsigned long n;

	lock_get(&registry->lock);
	n = ws_conn_table_reasm_held(registry->table);
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
	int total;

	lock_get(&registry->lock);
	total = ws_conn_table_list(registry->table, out, max);
	lock_release(&registry->lock);
	return total;
}

int ws_registry_count(void)
{
	int n;

	lock_get(&registry->lock);
	n = ws_conn_table_count(registry->table);
	lock_release(&registry->lock);
	return n;
}
