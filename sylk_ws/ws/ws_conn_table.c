/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "sylk_ws/ws/ws_conn_table.h"

#define WS_BUCKETS 256

struct ws_conn_table {
	struct sylk_mem mem;
	size_t max_message_size;
	unsigned long reasm_max;  /* 0 = no limit */
	unsigned long reasm_held; /* sum of every connection's reasm_held */
	int count;
	struct ws_conn *bucket[WS_BUCKETS];
};

int ws_conn_table_alloc(struct ws_conn_table **tp, const struct sylk_mem *mem,
			size_t max_message_size, unsigned long max_reassembly)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct ws_conn_table *t = sylk_mem_zalloc(&m, sizeof(*t));

	if (!t)
		return ENOMEM;
	t->mem = m;
	t->max_message_size = max_message_size;
	t->reasm_max = max_reassembly;
	*tp = t;
	return 0;
}

void ws_conn_table_free(struct ws_conn_table *t)
{
	struct sylk_mem m;
	struct ws_conn *c, *next;

	if (!t)
		return;
	for (int i = 0; i < WS_BUCKETS; i++) {
		for (c = t->bucket[i]; c; c = next) {
			next = c->next;
			ws_conn_free(t, c);
		}
	}
	m = t->mem;
	sylk_mem_free(&m, t);
}

/* ws_message_alloc_mem() wants a complete caller allocator; libc is its
 * plain constructor's */
static int new_reassembler(const struct ws_conn_table *t, struct ws_message **mp)
{
	if (sylk_mem_is_libc(&t->mem))
		return ws_message_alloc(mp, t->max_message_size);
	return ws_message_alloc_mem(mp, t->max_message_size, &t->mem);
}

int ws_conn_alloc(struct ws_conn **cp, const struct ws_conn_table *t, int id, int secure,
		  int handler, const char *peer, time_t now)
{
	struct ws_conn *c = sylk_mem_zalloc(&t->mem, sizeof(*c));
	int err;

	if (!c)
		return ENOMEM;
	err = new_reassembler(t, &c->reassembly);
	if (err) {
		sylk_mem_free(&t->mem, c);
		return err;
	}
	c->id = id;
	c->secure = secure;
	c->handler = handler;
	strncpy(c->peer, peer, sizeof(c->peer) - 1);
	c->created = c->last_rx = now;
	*cp = c;
	return 0;
}

void ws_conn_free(const struct ws_conn_table *t, struct ws_conn *c)
{
	if (!c)
		return;
	ws_message_free(c->reassembly);
	sylk_mem_free(&t->mem, c);
}

static struct ws_conn **slot_of(struct ws_conn_table *t, int id)
{
	struct ws_conn **pc = &t->bucket[(unsigned)id % WS_BUCKETS];

	while (*pc && (*pc)->id != id)
		pc = &(*pc)->next;
	return pc;
}

void ws_conn_table_insert(struct ws_conn_table *t, struct ws_conn *c, struct ws_conn **stale)
{
	struct ws_conn **head = &t->bucket[(unsigned)c->id % WS_BUCKETS];

	*stale = NULL;
	ws_conn_table_unlink(t, c->id, stale);
	c->next = *head;
	*head = c;
	t->count++;
}

int ws_conn_table_unlink(struct ws_conn_table *t, int id, struct ws_conn **cp)
{
	struct ws_conn **pc = slot_of(t, id), *c = *pc;

	if (!c)
		return ENOENT;
	*pc = c->next;
	c->next = NULL;
	t->count--;
	t->reasm_held -= c->reasm_held;
	*cp = c;
	return 0;
}

struct ws_conn *ws_conn_table_find(const struct ws_conn_table *t, int id)
{
	struct ws_conn *c = t->bucket[(unsigned)id % WS_BUCKETS];

	while (c && c->id != id)
		c = c->next;
	return c;
}

void ws_conn_snapshot(const struct ws_conn *c, struct ws_conn_info *info)
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

int ws_conn_table_list(const struct ws_conn_table *t, struct ws_conn_info *out, int max)
{
	int n = 0;

	for (int i = 0; i < WS_BUCKETS; i++)
		for (const struct ws_conn *c = t->bucket[i]; c; c = c->next)
			if (n < max)
				ws_conn_snapshot(c, &out[n++]);
	return t->count;
}

int ws_conn_table_count(const struct ws_conn_table *t)
{
	return t->count;
}

int ws_conn_table_reasm_fits(const struct ws_conn_table *t, size_t add)
{
	return !t->reasm_max || t->reasm_held + add <= t->reasm_max;
}

void ws_conn_table_reasm_charge(struct ws_conn_table *t, struct ws_conn *c)
{
	size_t now = ws_message_pending(c->reassembly);

	t->reasm_held += now;
	t->reasm_held -= c->reasm_held;
	c->reasm_held = now;
}

struct ws_message *ws_conn_table_reasm_renew(const struct ws_conn_table *t, struct ws_conn *c)
{
	struct ws_message *fresh, *old = c->reassembly;

	if (new_reassembler(t, &fresh) != 0)
		return NULL;
	c->reassembly = fresh;
	return old;
}

unsigned long ws_conn_table_reasm_held(const struct ws_conn_table *t)
{
	return t->reasm_held;
}
