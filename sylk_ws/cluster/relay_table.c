/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/cluster/relay_table.h"

/* one allocation: the item's strings follow it */
struct relay_qitem {
	struct relay_qitem *next;
	struct relay_item item;
	char transaction[RELAY_ID_SIZE];
	size_t bytes; /* of text, for batch sizes */
};

int relay_table_new(struct relay_table **out, const struct sylk_mem *mem, size_t remotes,
		    size_t routes)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct relay_table *t;

	*out = NULL;
	if (!remotes || !routes)
		return EINVAL;
	if (!(t = sylk_mem_zalloc(&m, sizeof(*t))))
		return ENOMEM;
	t->mem = m;
	t->remotes = sylk_mem_zalloc(&m, remotes * sizeof(*t->remotes));
	t->routes = sylk_mem_zalloc(&m, routes * sizeof(*t->routes));
	if (!t->remotes || !t->routes) {
		relay_table_free(t);
		return ENOMEM;
	}
	t->remote_cap = remotes;
	t->route_cap = routes;
	t->next_pseudo = RELAY_PSEUDO_BASE;
	*out = t;
	return 0;
}

static void queue_clear(struct relay_table *t, struct relay_peer *p)
{
	for (struct relay_qitem *q = p->head, *next; q; q = next) {
		next = q->next;
		sylk_mem_free(&t->mem, q);
	}
	p->head = p->tail = NULL;
	p->queued = p->flight = 0;
}

void relay_table_free(struct relay_table *t)
{
	struct sylk_mem m;

	if (!t)
		return;
	m = t->mem;
	for (size_t i = 0; i < t->peer_count; i++)
		queue_clear(t, &t->peers[i]);
	sylk_mem_free(&m, t->remotes);
	sylk_mem_free(&m, t->routes);
	sylk_mem_free(&m, t);
}

/* ---- remote connections ---------------------------------------------------------- */

static struct relay_remote *remote_slot(const struct relay_table *t, int pseudo)
{
	for (size_t i = 0; i < t->remote_count; i++)
		if (t->remotes[i].pseudo == pseudo)
			return &t->remotes[i];
	return NULL;
}

int relay_remote_find(const struct relay_table *t, const char *node, int conn)
{
	for (size_t i = 0; i < t->remote_count; i++)
		if (t->remotes[i].conn == conn && strcmp(t->remotes[i].node, node) == 0)
			return t->remotes[i].pseudo;
	return -1;
}

/* a fresh pseudo id: they wrap within [BASE, INT_MAX] and skip those in use */
static int next_pseudo(struct relay_table *t)
{
	int id;

	do {
		id = t->next_pseudo;
		t->next_pseudo = id == INT_MAX ? RELAY_PSEUDO_BASE : id + 1;
	} while (remote_slot(t, id));
	return id;
}

int relay_remote_open(struct relay_table *t, const char *node, int conn, int version,
		      int *pseudo)
{
	struct relay_remote *r;
	int id;

	if (!relay_node_valid(node) || conn < 0 || relay_is_pseudo(conn))
		return EINVAL;
	if ((id = relay_remote_find(t, node, conn)) >= 0) {
		remote_slot(t, id)->version = version;
		*pseudo = id;
		return 0;
	}
	if (t->remote_count == t->remote_cap)
		return ENOSPC;
	r = &t->remotes[t->remote_count++];
	r->pseudo = next_pseudo(t);
	r->conn = conn;
	r->version = version;
	snprintf(r->node, sizeof(r->node), "%s", node);
	*pseudo = r->pseudo;
	return 0;
}

const struct relay_remote *relay_remote_get(const struct relay_table *t, int pseudo)
{
	return relay_is_pseudo(pseudo) ? remote_slot(t, pseudo) : NULL;
}

void relay_remote_remove(struct relay_table *t, int pseudo)
{
	struct relay_remote *r = remote_slot(t, pseudo);

	if (r)
		*r = t->remotes[--t->remote_count];
}

size_t relay_remote_of_node(const struct relay_table *t, const char *node, int *out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->remote_count && n < max; i++)
		if (strcmp(t->remotes[i].node, node) == 0)
			out[n++] = t->remotes[i].pseudo;
	return n;
}

/* ---- routes ---------------------------------------------------------------------- */

static struct relay_route *route_slot(const struct relay_table *t, int conn, const char *id)
{
	for (size_t i = 0; i < t->route_count; i++)
		if (t->routes[i].conn == conn && strcmp(t->routes[i].id, id) == 0)
			return &t->routes[i];
	return NULL;
}

int relay_route_add(struct relay_table *t, int conn, const char *id, const char *node,
		    bool publisher)
{
	struct relay_route *r;

	if (!id || !id[0] || strlen(id) >= RELAY_ID_SIZE || !relay_node_valid(node))
		return EINVAL;
	if (!(r = route_slot(t, conn, id))) {
		if (t->route_count == t->route_cap)
			return ENOSPC;
		r = &t->routes[t->route_count++];
	}
	r->conn = conn;
	r->publisher = publisher;
	snprintf(r->id, sizeof(r->id), "%s", id);
	snprintf(r->node, sizeof(r->node), "%s", node);
	return 0;
}

const char *relay_route_node(const struct relay_table *t, int conn, const char *id)
{
	struct relay_route *r = id ? route_slot(t, conn, id) : NULL;

	return r ? r->node : NULL;
}

void relay_route_remove(struct relay_table *t, int conn, const char *id)
{
	struct relay_route *r = id ? route_slot(t, conn, id) : NULL;

	if (r)
		*r = t->routes[--t->route_count];
}

static bool listed(char (*nodes)[RELAY_NODE_SIZE], size_t n, const char *node)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(nodes[i], node) == 0)
			return true;
	return false;
}

size_t relay_route_drop_conn(struct relay_table *t, int conn, char (*out)[RELAY_NODE_SIZE],
			     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->route_count;) {
		struct relay_route *r = &t->routes[i];

		if (r->conn != conn) {
			i++;
			continue;
		}
		if (n < max && !listed(out, n, r->node))
			snprintf(out[n++], RELAY_NODE_SIZE, "%s", r->node);
		*r = t->routes[--t->route_count];
	}
	return n;
}

size_t relay_route_drop_node(struct relay_table *t, const char *node, struct relay_route *out,
			     size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->route_count;) {
		struct relay_route *r = &t->routes[i];

		if (strcmp(r->node, node) != 0) {
			i++;
			continue;
		}
		if (n < max)
			out[n++] = *r;
		*r = t->routes[--t->route_count];
	}
	return n;
}

bool relay_node_in_use(const struct relay_table *t, const char *node)
{
	for (size_t i = 0; i < t->route_count; i++)
		if (strcmp(t->routes[i].node, node) == 0)
			return true;
	for (size_t i = 0; i < t->remote_count; i++)
		if (strcmp(t->remotes[i].node, node) == 0)
			return true;
	return false;
}

/* ---- queues ---------------------------------------------------------------------- */

static struct relay_peer *peer_find(const struct relay_table *t, const char *node)
{
	for (size_t i = 0; i < t->peer_count; i++)
		if (strcmp(t->peers[i].node, node) == 0)
			return (struct relay_peer *)&t->peers[i];
	return NULL;
}

static struct relay_peer *peer_get(struct relay_table *t, const char *node)
{
	struct relay_peer *p = peer_find(t, node);

	if (p || t->peer_count == RELAY_PEERS_MAX)
		return p;
	p = &t->peers[t->peer_count++];
	memset(p, 0, sizeof(*p));
	snprintf(p->node, sizeof(p->node), "%s", node);
	return p;
}

static size_t len_or_0(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

/* @p s into @p *cursor, returning where it went (NULL for NULL) */
static char *place(char **cursor, const char *s)
{
	char *at = *cursor;

	if (!s)
		return NULL;
	memcpy(at, s, strlen(s) + 1);
	*cursor += strlen(s) + 1;
	return at;
}

static struct relay_qitem *qitem_new(struct relay_table *t, const struct relay_item *it,
				     const char *transaction)
{
	size_t extra = len_or_0(it->account) + len_or_0(it->display_name) + len_or_0(it->text);
	struct relay_qitem *q = sylk_mem_alloc(&t->mem, sizeof(*q) + extra);
	char *cursor;

	if (!q)
		return NULL;
	memset(q, 0, sizeof(*q));
	cursor = (char *)(q + 1);
	q->item = *it;
	q->item.account = place(&cursor, it->account);
	q->item.display_name = place(&cursor, it->display_name);
	q->item.text = place(&cursor, it->text);
	q->bytes = relay_item_bytes(it);
	snprintf(q->transaction, sizeof(q->transaction), "%s", transaction ? transaction : "");
	return q;
}

int relay_push(struct relay_table *t, const char *node, const struct relay_item *it,
	       const char *transaction)
{
	struct relay_peer *p;
	struct relay_qitem *q;

	if (!relay_node_valid(node) || it->kind < RELAY_REQUEST || it->kind > RELAY_PING)
		return EINVAL;
	if (!(p = peer_get(t, node)))
		return ENOSPC;
	if (p->queued >= RELAY_QUEUE_MAX)
		return EAGAIN;
	if (!(q = qitem_new(t, it, transaction)))
		return ENOMEM;
	if (p->tail)
		p->tail->next = q;
	else
		p->head = q;
	p->tail = q;
	p->queued++;
	return 0;
}

static int copy_str(char **dst, const char *s)
{
	*dst = NULL;
	return !s || (*dst = strdup(s)) ? 0 : ENOMEM;
}

static int copy_item(struct relay_item *dst, const struct relay_item *src)
{
	*dst = *src;
	if (copy_str(&dst->account, src->account) || copy_str(&dst->display_name, src->display_name) ||
	    copy_str(&dst->text, src->text))
		return ENOMEM;
	return 0;
}

void relay_taken_free(struct relay_taken *tk)
{
	for (size_t i = 0; i < tk->count; i++) {
		free(tk->items[i].account);
		free(tk->items[i].display_name);
		free(tk->items[i].text);
	}
	free(tk->items);
	tk->items = NULL;
	tk->count = 0;
}

/* the first items of @p p's queue up to @p max_bytes: how many */
static size_t batch_size(const struct relay_peer *p, size_t max_bytes)
{
	size_t n = 0, bytes = 0;

	for (struct relay_qitem *q = p->head; q && n < RELAY_ITEMS_MAX; q = q->next) {
		if (n && bytes + q->bytes > max_bytes)
			break;
		bytes += q->bytes;
		n++;
	}
	return n;
}

static int take_from(struct relay_table *t, struct relay_peer *p, int64_t now_ms,
		     size_t max_bytes, struct relay_taken *out)
{
	size_t n = batch_size(p, max_bytes);
	struct relay_qitem *q = p->head;

	memset(out, 0, sizeof(*out));
	if (!(out->items = calloc(n, sizeof(*out->items))))
		return ENOMEM;
	for (size_t i = 0; i < n; i++, q = q->next) {
		out->count = i + 1;
		if (copy_item(&out->items[i], &q->item)) {
			relay_taken_free(out);
			return ENOMEM;
		}
	}
	if (++t->next_batch == 0)
		t->next_batch = 1;
	p->batch = t->next_batch;
	p->flight = n;
	p->sent_ms = now_ms;
	snprintf(out->node, sizeof(out->node), "%s", p->node);
	out->batch = p->batch;
	return 1;
}

int relay_take(struct relay_table *t, int64_t now_ms, size_t max_bytes, struct relay_taken *out)
{
	for (size_t i = 0; i < t->peer_count; i++) {
		struct relay_peer *p = &t->peers[i];

		if (p->queued && !p->batch)
			return take_from(t, p, now_ms, max_bytes, out);
	}
	return 0;
}

static void drop_first(struct relay_table *t, struct relay_peer *p, size_t n)
{
	while (n-- && p->head) {
		struct relay_qitem *q = p->head;

		p->head = q->next;
		if (!p->head)
			p->tail = NULL;
		p->queued--;
		sylk_mem_free(&t->mem, q);
	}
}

static int list_failed(const struct relay_peer *p, struct relay_failed **failed, size_t *nfailed)
{
	size_t n = 0;

	if (!p->queued)
		return 0;
	if (!(*failed = calloc(p->queued, sizeof(**failed))))
		return ENOMEM;
	for (struct relay_qitem *q = p->head; q; q = q->next, n++) {
		(*failed)[n].kind = q->item.kind;
		(*failed)[n].conn = q->item.conn;
		memcpy((*failed)[n].transaction, q->transaction, sizeof(q->transaction));
	}
	*nfailed = n;
	return 0;
}

int relay_done(struct relay_table *t, const char *node, unsigned batch, bool delivered,
	       int64_t now_ms, struct relay_failed **failed, size_t *nfailed)
{
	struct relay_peer *p = peer_find(t, node);
	int err = 0;

	*failed = NULL;
	*nfailed = 0;
	if (!p || !batch || p->batch != batch)
		return 0;
	if (delivered) {
		drop_first(t, p, p->flight);
		p->seen_ms = now_ms;
		p->down = false;
	} else {
		err = list_failed(p, failed, nfailed);
		queue_clear(t, p);
		p->down = true;
	}
	p->batch = 0;
	p->flight = 0;
	return err;
}

bool relay_expired(const struct relay_table *t, int64_t now_ms, int64_t timeout_ms, char *node,
		   unsigned *batch)
{
	for (size_t i = 0; i < t->peer_count; i++) {
		const struct relay_peer *p = &t->peers[i];

		if (p->batch && now_ms - p->sent_ms > timeout_ms) {
			snprintf(node, RELAY_NODE_SIZE, "%s", p->node);
			*batch = p->batch;
			return true;
		}
	}
	return false;
}

void relay_seen(struct relay_table *t, const char *node, int64_t now_ms)
{
	struct relay_peer *p = peer_find(t, node);

	if (p) {
		p->seen_ms = now_ms;
		p->down = false;
	}
}

bool relay_peer_down(const struct relay_table *t, const char *node)
{
	struct relay_peer *p = peer_find(t, node);

	return p && p->down;
}

size_t relay_pings(struct relay_table *t, int64_t now_ms, int64_t interval_ms)
{
	struct relay_item ping = {.kind = RELAY_PING};
	size_t n = 0;

	for (size_t i = 0; i < t->peer_count; i++) {
		struct relay_peer *p = &t->peers[i];
		int64_t last = p->seen_ms > p->sent_ms ? p->seen_ms : p->sent_ms;

		if (p->queued || p->batch || now_ms - last < interval_ms ||
		    !relay_node_in_use(t, p->node))
			continue;
		if (relay_push(t, p->node, &ping, NULL) == 0)
			n++;
	}
	return n;
}
