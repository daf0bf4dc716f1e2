/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a node remembers of the video-room relay: pseudo connections,
 * routes, and the per-node queues with one batch in flight. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/cluster/relay_table.h"

#define A "10.0.0.1:5090"
#define B "10.0.0.2:5090"

static struct relay_table *table(size_t remotes, size_t routes)
{
	struct relay_table *t = NULL;

	CHECK_INT(relay_table_new(&t, NULL, remotes, routes), 0);
	return t;
}

static void test_pseudo_connections(void)
{
	struct relay_table *t = table(2, 4);
	int p1 = 0, p2 = 0, again = 0, p3 = 0;

	CHECK_INT(relay_remote_open(t, A, 5, 2, &p1), 0);
	CHECK(relay_is_pseudo(p1));
	CHECK(!relay_is_pseudo(5));
	CHECK_INT(relay_remote_open(t, B, 5, 1, &p2), 0); /* same id, other node */
	CHECK(p1 != p2);
	CHECK_INT(relay_remote_open(t, A, 5, 2, &again), 0);
	CHECK_INT(again, p1);
	CHECK_INT(relay_remote_open(t, A, 6, 2, &p3), ENOSPC);
	CHECK_INT(relay_remote_open(t, A, p1, 2, &p3), EINVAL); /* never a pseudo id */
	CHECK_INT(relay_remote_open(t, "nonsense", 1, 2, &p3), EINVAL);
	CHECK_INT(relay_remote_get(t, p2)->conn, 5);
	CHECK_STR(relay_remote_get(t, p2)->node, B);
	CHECK_INT(relay_remote_get(t, p2)->version, 1);
	CHECK_INT(relay_remote_find(t, A, 5), p1);
	CHECK_INT(relay_remote_find(t, A, 9), -1);
	CHECK(relay_remote_get(t, 5) == NULL);
	relay_remote_remove(t, p1);
	CHECK(relay_remote_get(t, p1) == NULL);
	CHECK_INT(relay_remote_open(t, A, 6, 2, &p3), 0);
	CHECK(p3 != p1 && p3 != p2); /* ids are not reused at once */
	relay_table_free(t);
}

static void test_routes(void)
{
	struct relay_table *t = table(1, 3);
	char homes[4][RELAY_NODE_SIZE];
	struct relay_route out[4];

	CHECK_INT(relay_route_add(t, 7, "pub", A, true), 0);
	CHECK_INT(relay_route_add(t, 7, "feed", A, false), 0);
	CHECK_INT(relay_route_add(t, 8, "pub", B, true), 0);
	CHECK_INT(relay_route_add(t, 9, "x", B, true), ENOSPC);
	CHECK_INT(relay_route_add(t, 8, "pub", A, true), 0); /* replaced, not added */
	CHECK_STR(relay_route_node(t, 8, "pub"), A);
	CHECK(relay_route_node(t, 9, "pub") == NULL);
	CHECK(relay_route_node(t, 7, NULL) == NULL);
	CHECK_INT(relay_route_add(t, 7, "", A, true), EINVAL);
	relay_route_remove(t, 7, "feed");
	CHECK(relay_route_node(t, 7, "feed") == NULL);
	CHECK(relay_node_in_use(t, A));
	CHECK(!relay_node_in_use(t, B));
	CHECK_INT(relay_route_add(t, 7, "other", B, true), 0);
	CHECK_INT(relay_route_drop_conn(t, 7, homes, 4), 2);
	CHECK(relay_route_node(t, 7, "pub") == NULL && relay_route_node(t, 7, "other") == NULL);
	CHECK_INT(relay_route_drop_node(t, A, out, 4), 1);
	CHECK_INT(out[0].conn, 8);
	CHECK(out[0].publisher);
	CHECK(!relay_node_in_use(t, A));
	relay_table_free(t);
}

static void push_event(struct relay_table *t, const char *node, int conn, const char *text)
{
	struct relay_item it = {.kind = RELAY_EVENT, .conn = conn, .text = (char *)text};

	CHECK_INT(relay_push(t, node, &it, NULL), 0);
}

static void test_one_batch_in_flight_in_order(void)
{
	struct relay_table *t = table(1, 1);
	struct relay_taken tk;
	struct relay_failed *failed = NULL;
	size_t nfailed = 0;
	unsigned first;

	push_event(t, A, 1, "one");
	push_event(t, A, 1, "two");
	CHECK_INT(relay_take(t, 1000, 1 << 20, &tk), 1);
	CHECK_STR(tk.node, A);
	CHECK_INT(tk.count, 2);
	CHECK_STR(tk.items[0].text, "one");
	CHECK_STR(tk.items[1].text, "two");
	first = tk.batch;
	relay_taken_free(&tk);
	push_event(t, A, 1, "three");
	CHECK_INT(relay_take(t, 1001, 1 << 20, &tk), 0); /* A's batch is in flight */
	CHECK_INT(relay_done(t, A, first + 100, true, 1002, &failed, &nfailed), 0); /* stale */
	CHECK_INT(relay_take(t, 1003, 1 << 20, &tk), 0);
	CHECK_INT(relay_done(t, A, first, true, 1004, &failed, &nfailed), 0);
	CHECK_INT(nfailed, 0);
	CHECK_INT(relay_take(t, 1005, 1 << 20, &tk), 1);
	CHECK_INT(tk.count, 1);
	CHECK_STR(tk.items[0].text, "three");
	relay_taken_free(&tk);
	relay_table_free(t);
}

static void test_batches_are_bounded(void)
{
	struct relay_table *t = table(1, 1);
	struct relay_taken tk;
	char big[1000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 5; i++)
		push_event(t, A, 1, big);
	CHECK_INT(relay_take(t, 0, 2500, &tk), 1);
	CHECK_INT(tk.count, 2);
	relay_taken_free(&tk);
	relay_table_free(t);
}

static void test_failure_drops_everything_and_marks_down(void)
{
	struct relay_table *t = table(1, 1);
	struct relay_item req = {.kind = RELAY_REQUEST, .conn = 4, .version = 2, .text = "{}"};
	struct relay_failed *failed = NULL;
	struct relay_taken tk;
	size_t nfailed = 0;
	char node[RELAY_NODE_SIZE];
	unsigned batch = 0;

	CHECK_INT(relay_push(t, B, &req, "tr-1"), 0);
	CHECK_INT(relay_take(t, 100, 1 << 20, &tk), 1);
	relay_taken_free(&tk);
	push_event(t, B, 4, "queued meanwhile");
	CHECK(!relay_expired(t, 1000, 3000, node, &batch));
	CHECK(relay_expired(t, 3101, 3000, node, &batch));
	CHECK_STR(node, B);
	CHECK_INT(relay_done(t, node, batch, false, 3101, &failed, &nfailed), 0);
	CHECK_INT(nfailed, 2);
	if (nfailed == 2) {
		CHECK_INT(failed[0].kind, RELAY_REQUEST);
		CHECK_INT(failed[0].conn, 4);
		CHECK_STR(failed[0].transaction, "tr-1");
		CHECK_INT(failed[1].kind, RELAY_EVENT);
		CHECK_STR(failed[1].transaction, "");
	}
	free(failed);
	CHECK(relay_peer_down(t, B));
	CHECK(!relay_peer_down(t, A));
	CHECK_INT(relay_take(t, 3200, 1 << 20, &tk), 0);
	relay_seen(t, B, 4000);
	CHECK(!relay_peer_down(t, B));
	relay_table_free(t);
}

static void test_pings_only_for_quiet_peers_in_use(void)
{
	struct relay_table *t = table(2, 2);
	struct relay_failed *failed = NULL;
	struct relay_taken tk;
	size_t nfailed = 0;
	int pseudo;

	push_event(t, A, 1, "x"); /* A known as a peer, but unused */
	CHECK_INT(relay_take(t, 0, 1 << 20, &tk), 1);
	CHECK_INT(relay_done(t, A, tk.batch, true, 0, &failed, &nfailed), 0);
	relay_taken_free(&tk);
	CHECK_INT(relay_pings(t, 10000, 5000), 0);
	CHECK_INT(relay_remote_open(t, A, 1, 2, &pseudo), 0);
	CHECK_INT(relay_pings(t, 1000, 5000), 0); /* not quiet long enough */
	CHECK_INT(relay_pings(t, 10000, 5000), 1);
	CHECK_INT(relay_pings(t, 10000, 5000), 0); /* one is waiting already */
	CHECK_INT(relay_take(t, 10000, 1 << 20, &tk), 1);
	CHECK_INT(tk.items[0].kind, RELAY_PING);
	relay_taken_free(&tk);
	relay_table_free(t);
}

static void test_queue_limits(void)
{
	struct relay_table *t = table(1, 1);
	struct relay_item ping = {.kind = RELAY_PING};
	char node[RELAY_NODE_SIZE];
	int err = 0;

	for (int i = 0; i < RELAY_QUEUE_MAX && !err; i++)
		err = relay_push(t, A, &ping, NULL);
	CHECK_INT(err, 0);
	CHECK_INT(relay_push(t, A, &ping, NULL), EAGAIN);
	for (int i = 0; i < RELAY_PEERS_MAX - 1; i++) {
		snprintf(node, sizeof(node), "10.1.0.%d:5090", i + 1);
		CHECK_INT(relay_push(t, node, &ping, NULL), 0);
	}
	CHECK_INT(relay_push(t, "10.2.0.1:5090", &ping, NULL), ENOSPC);
	CHECK_INT(relay_push(t, "bad", &ping, NULL), EINVAL);
	relay_table_free(t); /* frees every queue (LeakSanitizer checks) */
}

int main(void)
{
	RUN(test_pseudo_connections);
	RUN(test_routes);
	RUN(test_one_batch_in_flight_in_order);
	RUN(test_batches_are_bounded);
	RUN(test_failure_drops_everything_and_marks_down);
	RUN(test_pings_only_for_quiet_peers_in_use);
	RUN(test_queue_limits);
	return check_summary();
}
