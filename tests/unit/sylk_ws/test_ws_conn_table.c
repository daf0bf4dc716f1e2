/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/ws/ws_conn_table: connections by id, stale ids,
 * snapshots, and the budget for unfinished fragmented messages. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "sylk_ws/ws/ws_conn_table.h"
#include "sylk_ws/ws/ws_frame.h"

/* An allocator that counts what is live and fails from the n-th call. */
struct counting {
	int live, calls, fail_at;
};

static void *c_alloc(size_t size, void *ctx)
{
	struct counting *c = ctx;

	if (c->fail_at && ++c->calls >= c->fail_at)
		return NULL;
	c->live++;
	return malloc(size);
}

static void *c_realloc(void *p, size_t size, void *ctx)
{
	return p ? realloc(p, size) : c_alloc(size, ctx);
}

static void c_free(void *p, void *ctx)
{
	struct counting *c = ctx;

	c->live--;
	free(p);
}

static struct ws_conn *add(struct ws_conn_table *t, int id, const char *peer)
{
	struct ws_conn *c, *stale;

	CHECK_INT(ws_conn_alloc(&c, t, id, 0, 1, peer, 1000), 0);
	ws_conn_table_insert(t, c, &stale);
	CHECK(stale == NULL);
	return c;
}

static void test_add_find_unlink(void)
{
	struct ws_conn_table *t;
	struct ws_conn *c;
	struct ws_conn_info info[4];

	CHECK_INT(ws_conn_table_alloc(&t, NULL, 4096, 0), 0);
	/* 7, 263 and 519 share a bucket */
	add(t, 7, "127.0.0.1:1000");
	add(t, 263, "127.0.0.2:2000");
	add(t, 519, "127.0.0.3:3000");
	CHECK_INT(ws_conn_table_count(t), 3);
	CHECK_STR(ws_conn_table_find(t, 263)->peer, "127.0.0.2:2000");
	CHECK(ws_conn_table_find(t, 8) == NULL);

	CHECK_INT(ws_conn_table_unlink(t, 263, &c), 0);
	CHECK_INT(c->id, 263);
	ws_conn_free(t, c);
	CHECK_INT(ws_conn_table_unlink(t, 263, &c), ENOENT);
	CHECK(ws_conn_table_find(t, 7) && ws_conn_table_find(t, 519));

	/* the list copies at most max, and says how many there are */
	CHECK_INT(ws_conn_table_list(t, info, 1), 2);
	CHECK_INT(ws_conn_table_list(t, info, 4), 2);
	CHECK(info[0].id + info[1].id == 7 + 519);
	CHECK_INT((int)info[0].created, 1000);
	ws_conn_table_free(t);
}

static void test_reused_id_replaces_the_stale_connection(void)
{
	struct ws_conn_table *t;
	struct ws_conn *c, *stale;

	CHECK_INT(ws_conn_table_alloc(&t, NULL, 4096, 0), 0);
	add(t, 42, "old");
	CHECK_INT(ws_conn_alloc(&c, t, 42, 1, 0, "new", 2000), 0);
	ws_conn_table_insert(t, c, &stale);
	CHECK(stale != NULL && !strcmp(stale->peer, "old"));
	ws_conn_free(t, stale);
	CHECK_INT(ws_conn_table_count(t), 1);
	CHECK_STR(ws_conn_table_find(t, 42)->peer, "new");
	ws_conn_table_free(t);
}

static void test_long_peer_is_truncated(void)
{
	struct ws_conn_table *t;
	char peer[200];

	memset(peer, 'p', sizeof(peer) - 1);
	peer[sizeof(peer) - 1] = '\0';
	CHECK_INT(ws_conn_table_alloc(&t, NULL, 4096, 0), 0);
	CHECK_INT((int)strlen(add(t, 1, peer)->peer), WS_PEER_LEN - 1);
	ws_conn_table_free(t);
}

/* Feeds the first fragment (not final) of a text message to @p c. */
static void feed_fragment(struct ws_conn *c, size_t len)
{
	static const uint8_t key[4] = {1, 2, 3, 4};
	uint8_t buf[1024], payload[512];
	struct ws_frame f;
	struct ws_msg m;
	size_t n;

	memset(payload, 'a', sizeof(payload));
	CHECK_INT(ws_frame_build_masked(buf, sizeof(buf), WS_OP_TEXT, false, payload, len, key, &n),
		  0);
	CHECK_INT(ws_frame_parse(&f, buf, n, NULL, NULL, NULL), 0);
	CHECK_INT(ws_message_feed(c->reassembly, &f, buf, &m, NULL), EAGAIN);
}

static void test_reassembly_budget(void)
{
	struct ws_conn_table *t;
	struct ws_conn *a, *b, *gone;
	struct ws_message *old;

	CHECK_INT(ws_conn_table_alloc(&t, NULL, 4096, 500), 0);
	a = add(t, 1, "a");
	b = add(t, 2, "b");
	CHECK(ws_conn_table_reasm_fits(t, 500));
	CHECK(!ws_conn_table_reasm_fits(t, 501));

	feed_fragment(a, 300);
	ws_conn_table_reasm_charge(t, a);
	CHECK_INT((int)ws_conn_table_reasm_held(t), 300);
	/* the other connection has only what is left */
	CHECK(ws_conn_table_reasm_fits(t, 200));
	CHECK(!ws_conn_table_reasm_fits(t, 201));
	feed_fragment(b, 100);
	ws_conn_table_reasm_charge(t, b);
	CHECK_INT((int)ws_conn_table_reasm_held(t), 400);

	/* a fresh reassembler after delivery gives a's share back */
	old = ws_conn_table_reasm_renew(t, a);
	CHECK(old != NULL);
	ws_message_free(old);
	ws_conn_table_reasm_charge(t, a);
	CHECK_INT((int)ws_conn_table_reasm_held(t), 100);

	/* a connection that goes takes its share with it */
	CHECK_INT(ws_conn_table_unlink(t, 2, &gone), 0);
	ws_conn_free(t, gone);
	CHECK_INT((int)ws_conn_table_reasm_held(t), 0);
	ws_conn_table_free(t);

	/* 0: no limit */
	CHECK_INT(ws_conn_table_alloc(&t, NULL, 4096, 0), 0);
	CHECK(ws_conn_table_reasm_fits(t, (size_t)1 << 40));
	ws_conn_table_free(t);
}

static void test_allocator_failures_leak_nothing(void)
{
	struct counting cnt = {0};
	struct sylk_mem mem = {c_alloc, c_realloc, c_free, &cnt};
	struct ws_conn_table *t;
	struct ws_conn *c;

	for (int fail_at = 1; fail_at <= 4; fail_at++) {
		cnt = (struct counting){.fail_at = fail_at};
		if (ws_conn_table_alloc(&t, &mem, 4096, 0) != 0) {
			CHECK_INT(cnt.live, 0);
			continue;
		}
		if (ws_conn_alloc(&c, t, 9, 0, 0, "x", 0) == 0)
			ws_conn_free(t, c);
		ws_conn_table_free(t);
		CHECK_INT(cnt.live, 0);
	}
	/* and without failures, everything comes back */
	cnt = (struct counting){0};
	CHECK_INT(ws_conn_table_alloc(&t, &mem, 4096, 0), 0);
	add(t, 3, "y");
	add(t, 259, "z");
	CHECK(cnt.live > 0);
	ws_conn_table_free(t);
	CHECK_INT(cnt.live, 0);
}

int main(void)
{
	RUN(test_add_find_unlink);
	RUN(test_reused_id_replaces_the_stale_connection);
	RUN(test_long_peer_is_truncated);
	RUN(test_reassembly_budget);
	RUN(test_allocator_failures_leak_nothing);
	return check_summary();
}
