/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Presence waiting for room toward the XMPP server
 * (sylk_ws/xmpp/xmpp_pending.h): one entry per (from, to, class) key, the
 * latest of a key wins, drain in the order keys began to wait, a cap. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "counting_mem.h"
#include "sylk_ws/xmpp/xmpp_pending.h"

static int put(struct xmpp_pending *t, const char *from, const char *to, const char *s)
{
	return xmpp_pending_put(t, from, to, XMPP_PENDING_STATE, s, strlen(s), NULL);
}

/* the next stanza taken (libc allocator), compared and freed */
static void check_take(struct xmpp_pending *t, const char *want)
{
	char *s = NULL;
	size_t len = 0;

	CHECK_INT(xmpp_pending_take(t, &s, &len), 0);
	CHECK_STR(s, want);
	CHECK_INT(len, s ? strlen(s) : 0);
	free(s);
}

static void test_empty(void)
{
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;
	char *s = NULL;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 8), 0);
	CHECK_INT(xmpp_pending_take(t, &s, NULL), ENOENT);
	CHECK(s == NULL);
	CHECK(!xmpp_pending_has(t, "a@s", "b@x"));
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 0);
	CHECK_INT(st.deferred, 0);
	CHECK_INT(st.replaced, 0);
	CHECK_INT(st.refused, 0);
	CHECK_INT(xmpp_pending_refused_due(t, 100, 10), 0);
	xmpp_pending_free(t);
	xmpp_pending_free(NULL);
}

static void test_arguments(void)
{
	struct xmpp_pending *t = NULL;
	bool replaced = true;

	CHECK_INT(xmpp_pending_alloc(NULL, NULL, 8), EINVAL);
	CHECK_INT(xmpp_pending_alloc(&t, NULL, 8), 0);
	CHECK_INT(xmpp_pending_put(t, NULL, "b@x", XMPP_PENDING_STATE, "<p/>", 4, &replaced), EINVAL);
	CHECK(!replaced);
	CHECK_INT(xmpp_pending_put(t, "a@s", NULL, XMPP_PENDING_STATE, "<p/>", 4, NULL), EINVAL);
	CHECK_INT(xmpp_pending_put(t, "a@s", "b@x", XMPP_PENDING_STATE, NULL, 0, NULL), EINVAL);
	CHECK_INT(xmpp_pending_put(NULL, "a@s", "b@x", XMPP_PENDING_STATE, "<p/>", 4, NULL), EINVAL);
	CHECK_INT(xmpp_pending_take(t, NULL, NULL), EINVAL);
	CHECK_INT(xmpp_pending_take(NULL, &(char *){NULL}, NULL), EINVAL);
	CHECK(!xmpp_pending_has(NULL, "a@s", "b@x"));
	xmpp_pending_free(t);
}

/* pairs drain in the order they began to wait */
static void test_drain_order(void)
{
	struct xmpp_pending *t = NULL;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 8), 0);
	CHECK_INT(put(t, "alice@s", "bob@x", "A1"), 0);
	CHECK_INT(put(t, "alice@s", "dave@x", "B1"), 0);
	CHECK_INT(put(t, "carol@s", "bob@x", "C1"), 0);
	CHECK(xmpp_pending_has(t, "alice@s", "dave@x"));
	CHECK(!xmpp_pending_has(t, "carol@s", "dave@x"));
	check_take(t, "A1");
	CHECK(!xmpp_pending_has(t, "alice@s", "bob@x"));
	check_take(t, "B1");
	CHECK_INT(put(t, "alice@s", "bob@x", "A2"), 0); /* waits again: at the end */
	check_take(t, "C1");
	check_take(t, "A2");
	CHECK_INT(xmpp_pending_take(t, &(char *){NULL}, NULL), ENOENT);
	xmpp_pending_free(t);
}

/* the latest presence of a pair replaces the one that waited, in its place */
static void test_latest_wins(void)
{
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;
	bool replaced = false;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 8), 0);
	CHECK_INT(xmpp_pending_put(t, "alice@s", "bob@x", XMPP_PENDING_STATE, "away", 4, &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put(t, "alice@s", "dave@x", "to dave"), 0);
	CHECK_INT(xmpp_pending_put(t, "alice@s", "bob@x", XMPP_PENDING_STATE, "available", 9, &replaced), 0);
	CHECK(replaced);
	CHECK_INT(xmpp_pending_put(t, "alice@s", "bob@x", XMPP_PENDING_STATE, "unavailable, a longer one", 25,
				   &replaced),
		  0);
	CHECK(replaced);
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 2);
	CHECK_INT(st.deferred, 4);
	CHECK_INT(st.replaced, 2);
	check_take(t, "unavailable, a longer one"); /* bob's place kept: first */
	check_take(t, "to dave");
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 0);
	xmpp_pending_free(t);
}

/* bytes after len are not taken; the copy is NUL-terminated */
static void test_length(void)
{
	struct xmpp_pending *t = NULL;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 8), 0);
	CHECK_INT(xmpp_pending_put(t, "a@s", "b@x", XMPP_PENDING_STATE, "<presence/>garbage", 11, NULL), 0);
	check_take(t, "<presence/>");
	xmpp_pending_free(t);
}

/* JIDs as the gateway compares them; the key is the pair, not a string */
static void test_keys(void)
{
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;
	bool replaced = false;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 8), 0);
	CHECK_INT(put(t, "Alice@Sylk.Test", "bob@xmpp.test", "1"), 0);
	CHECK_INT(xmpp_pending_put(t, "alice@sylk.test", "BOB@xmpp.test", XMPP_PENDING_STATE, "2", 1, &replaced), 0);
	CHECK(replaced);
	CHECK(xmpp_pending_has(t, "ALICE@sylk.test", "bob@XMPP.test"));
	CHECK_INT(put(t, "ab", "c", "3"), 0);
	CHECK_INT(xmpp_pending_put(t, "a", "bc", XMPP_PENDING_STATE, "4", 1, &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put(t, "bob@xmpp.test", "alice@sylk.test", "5"), 0); /* the other way */
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 4);
	check_take(t, "2");
	check_take(t, "3");
	check_take(t, "4");
	check_take(t, "5");
	xmpp_pending_free(t);
}

/* beyond max_pairs a new pair is refused; a waiting one is still replaced */
static void test_cap(void)
{
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 2), 0);
	CHECK_INT(put(t, "a@s", "w1@x", "1"), 0);
	CHECK_INT(put(t, "a@s", "w2@x", "2"), 0);
	CHECK_INT(put(t, "a@s", "w3@x", "3"), ENOSPC);
	CHECK(!xmpp_pending_has(t, "a@s", "w3@x"));
	CHECK_INT(put(t, "a@s", "w1@x", "1b"), 0);
	CHECK_INT(put(t, "b@s", "w1@x", "4"), ENOSPC);
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 2);
	CHECK_INT(st.deferred, 3);
	CHECK_INT(st.refused, 2);
	check_take(t, "1b");
	CHECK_INT(put(t, "a@s", "w3@x", "3"), 0); /* room again */
	check_take(t, "2");
	check_take(t, "3");
	xmpp_pending_free(t);
	/* 0: nothing may wait */
	CHECK_INT(xmpp_pending_alloc(&t, NULL, 0), 0);
	CHECK_INT(put(t, "a@s", "w1@x", "1"), ENOSPC);
	CHECK_INT(xmpp_pending_take(t, &(char *){NULL}, NULL), ENOENT);
	xmpp_pending_free(t);
}

/* refusals are told once per interval, all of them, the first at once */
static void test_refusals_told_once_per_interval(void)
{
	struct xmpp_pending *t = NULL;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 0), 0);
	CHECK_INT(xmpp_pending_refused_due(t, 1000, 10), 0); /* none yet */
	put(t, "a@s", "w1@x", "1");
	CHECK_INT(xmpp_pending_refused_due(t, 1000, 10), 1);
	for (int i = 0; i < 50; i++)
		put(t, "a@s", "w1@x", "1");
	CHECK_INT(xmpp_pending_refused_due(t, 1005, 10), 0); /* within the interval */
	CHECK_INT(xmpp_pending_refused_due(t, 1009, 10), 0);
	CHECK_INT(xmpp_pending_refused_due(t, 1010, 10), 50);
	CHECK_INT(xmpp_pending_refused_due(t, 1030, 10), 0); /* nothing new */
	put(t, "a@s", "w1@x", "1");
	CHECK_INT(xmpp_pending_refused_due(t, 1031, 10), 1); /* long after: at once */
	xmpp_pending_free(t);
}

/* no memory: an error, and what waited is still there, unchanged */
static void test_no_memory(void)
{
	struct counting c = {.fail_after = -1};
	struct sylk_mem mem = {.alloc = counting_alloc, .free = counting_free, .ctx = &c};
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;
	char *s = NULL;

	c.fail_after = 1; /* the table, not its buckets */
	CHECK_INT(xmpp_pending_alloc(&t, &mem, 8), ENOMEM);
	CHECK(t == NULL);
	CHECK_INT(c.live, 0);
	c.fail_after = -1;
	CHECK_INT(xmpp_pending_alloc(&t, &mem, 8), 0);
	CHECK_INT(put(t, "a@s", "b@x", "old"), 0);
	c.fail_after = 0;
	CHECK_INT(put(t, "a@s", "b@x", "new"), ENOMEM);
	CHECK_INT(put(t, "a@s", "c@x", "other"), ENOMEM);
	c.fail_after = 1; /* the stanza's copy, not the pair */
	CHECK_INT(put(t, "a@s", "d@x", "other"), ENOMEM);
	c.fail_after = -1;
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 1);
	CHECK_INT(st.deferred, 1);
	CHECK_INT(st.replaced, 0);
	CHECK_INT(st.refused, 0);
	CHECK_INT(xmpp_pending_take(t, &s, NULL), 0);
	CHECK_STR(s, "old");
	sylk_mem_free(&mem, s); /* the table's allocator */
	CHECK_INT(put(t, "a@s", "b@x", "left waiting"), 0);
	xmpp_pending_free(t); /* frees what waits */
	CHECK_INT(c.live, 0);
}

/* many pairs over few buckets: every one found, replaced and taken once,
 * in order, whatever chain it sits in */
static void test_many_pairs(void)
{
	enum { N = 3000 };
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;
	char from[32], to[32], want[64];
	bool replaced;
	char *s;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, N), 0);
	for (int i = 0; i < N; i++) {
		snprintf(from, sizeof(from), "user%d@s", i % 7);
		snprintf(to, sizeof(to), "w%d@x", i);
		snprintf(want, sizeof(want), "first %d", i);
		CHECK_INT(put(t, from, to, want), 0);
	}
	CHECK_INT(put(t, "one@s", "more@x", "x"), ENOSPC);
	for (int i = 0; i < N; i += 2) {
		snprintf(from, sizeof(from), "USER%d@s", i % 7);
		snprintf(to, sizeof(to), "W%d@X", i);
		snprintf(want, sizeof(want), "second %d", i);
		replaced = false;
		CHECK_INT(xmpp_pending_put(t, from, to, XMPP_PENDING_STATE, want, strlen(want), &replaced), 0);
		CHECK(replaced);
	}
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, N);
	CHECK_INT(st.replaced, N / 2);
	for (int i = 0; i < N; i++) {
		snprintf(want, sizeof(want), "%s %d", i % 2 ? "first" : "second", i);
		s = NULL;
		CHECK_INT(xmpp_pending_take(t, &s, NULL), 0);
		if (!s || strcmp(s, want)) {
			CHECK_STR(s, want);
			free(s);
			break;
		}
		free(s);
		snprintf(from, sizeof(from), "user%d@s", i % 7);
		snprintf(to, sizeof(to), "w%d@x", i);
		if (xmpp_pending_has(t, from, to)) {
			CHECK(!"taken pair still found");
			break;
		}
	}
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 0);
	CHECK_INT(xmpp_pending_take(t, &(char *){NULL}, NULL), ENOENT);
	xmpp_pending_free(t);
}

static int put_c(struct xmpp_pending *t, const char *from, const char *to,
		 enum xmpp_pending_class c, const char *s, bool *replaced)
{
	return xmpp_pending_put(t, from, to, c, s, strlen(s), replaced);
}

/* the presence types and their classes */
static void test_class_of(void)
{
	CHECK_INT(xmpp_pending_class_of(NULL), XMPP_PENDING_STATE);
	CHECK_INT(xmpp_pending_class_of("unavailable"), XMPP_PENDING_STATE);
	CHECK_INT(xmpp_pending_class_of("subscribe"), XMPP_PENDING_REQUEST);
	CHECK_INT(xmpp_pending_class_of("unsubscribe"), XMPP_PENDING_REQUEST);
	CHECK_INT(xmpp_pending_class_of("subscribed"), XMPP_PENDING_ANSWER);
	CHECK_INT(xmpp_pending_class_of("unsubscribed"), XMPP_PENDING_ANSWER);
	CHECK_INT(xmpp_pending_class_of("probe"), XMPP_PENDING_PROBE);
	CHECK_INT(xmpp_pending_class_of("error"), -1);
	CHECK_INT(xmpp_pending_class_of(""), -1);
	CHECK_INT(xmpp_pending_class_of("Subscribe"), -1); /* XML is case-sensitive */
}

/* one pair owes an answer and a request, and has a state and a probe to
 * send: four keys, none replacing another; within a class the latest wins
 * (unsubscribe after subscribe, subscribed after unsubscribed) */
static void test_classes_are_separate_keys(void)
{
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;
	bool replaced = true;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 8), 0);
	CHECK_INT(put_c(t, "alice@s", "bob@x", XMPP_PENDING_ANSWER, "unsubscribed", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "alice@s", "bob@x", XMPP_PENDING_REQUEST, "subscribe", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "alice@s", "bob@x", XMPP_PENDING_STATE, "away", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "alice@s", "bob@x", XMPP_PENDING_PROBE, "probe", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "alice@s", "bob@x", XMPP_PENDING_REQUEST, "unsubscribe", &replaced), 0);
	CHECK(replaced);
	CHECK_INT(put_c(t, "ALICE@s", "bob@X", XMPP_PENDING_ANSWER, "subscribed", &replaced), 0);
	CHECK(replaced);
	CHECK_INT(put_c(t, "alice@s", "bob@x", XMPP_PENDING_PROBE, "probe", &replaced), 0);
	CHECK(replaced);
	/* the other way round is another pair */
	CHECK_INT(put_c(t, "bob@x", "alice@s", XMPP_PENDING_ANSWER, "theirs", &replaced), 0);
	CHECK(!replaced);
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 5);
	CHECK_INT(st.deferred, 8);
	CHECK_INT(st.replaced, 3);
	/* in the order the keys began to wait */
	check_take(t, "subscribed");
	CHECK(xmpp_pending_has(t, "alice@s", "bob@x")); /* its other classes */
	check_take(t, "unsubscribe");
	check_take(t, "away");
	check_take(t, "probe");
	CHECK(!xmpp_pending_has(t, "alice@s", "bob@x"));
	CHECK(xmpp_pending_has(t, "bob@x", "alice@s"));
	check_take(t, "theirs");
	CHECK_INT(xmpp_pending_take(t, &(char *){NULL}, NULL), ENOENT);
	CHECK_INT(put_c(t, "a@s", "b@x", XMPP_PENDING_CLASSES, "x", NULL), EINVAL);
	CHECK_INT(put_c(t, "a@s", "b@x", (enum xmpp_pending_class)-1, "x", NULL), EINVAL);
	CHECK(!xmpp_pending_has(t, "a@s", "b@x"));
	xmpp_pending_free(t);
}

/* the cap counts keys, whatever their class; a waiting key is replaced
 * at the cap, a new class of a waiting pair is refused */
static void test_cap_counts_keys(void)
{
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 2), 0);
	CHECK_INT(put_c(t, "a@s", "w@x", XMPP_PENDING_STATE, "s1", NULL), 0);
	CHECK_INT(put_c(t, "a@s", "w@x", XMPP_PENDING_ANSWER, "subscribed", NULL), 0);
	CHECK_INT(put_c(t, "a@s", "w@x", XMPP_PENDING_REQUEST, "subscribe", NULL), ENOSPC);
	CHECK_INT(put_c(t, "a@s", "w@x", XMPP_PENDING_ANSWER, "unsubscribed", NULL), 0);
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 2);
	CHECK_INT(st.refused, 1);
	CHECK_INT(xmpp_pending_refused_due(t, 0, 10), 1);
	check_take(t, "s1");
	check_take(t, "unsubscribed");
	xmpp_pending_free(t);
}

/* MUC occupants: room/Bob and room/bob are two occupants (nicknames are
 * case-sensitive), each one key; the latest presence of each wins and goes
 * behind what waited after it; has() is conservative (any case) */
static void test_occupant_keys_are_exact(void)
{
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;
	bool replaced = true;

	CHECK_INT(xmpp_pending_alloc(&t, NULL, 8), 0);
	CHECK_INT(put_c(t, "r@c/Bob", "u@x/1", XMPP_PENDING_OCCUPANT, "Bob in", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "r@c/bob", "u@x/1", XMPP_PENDING_OCCUPANT, "bob in", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "r@c/Bob", "u@x/1", XMPP_PENDING_OCCUPANT, "Bob out", &replaced), 0);
	CHECK(replaced);
	CHECK_INT(put_c(t, "r@c/Bob", "u@x/2", XMPP_PENDING_OCCUPANT, "Bob to 2", &replaced), 0);
	CHECK(!replaced);
	CHECK(xmpp_pending_has(t, "r@c/BOB", "u@x/1"));
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 3);
	CHECK_INT(st.replaced, 1);
	check_take(t, "bob in");
	check_take(t, "Bob out"); /* replaced: behind what waited after it */
	check_take(t, "Bob to 2");
	CHECK_INT(xmpp_pending_take(t, &(char *){NULL}, NULL), ENOENT);
	xmpp_pending_free(t);
}

/* error answers and messages are never replaced: each a key, in order,
 * counted against the cap; a session's chat state replaced goes behind
 * the session's messages that waited after it (gone after the last text) */
static void test_errors_and_messages_each_wait(void)
{
	struct xmpp_pending *t = NULL;
	struct xmpp_pending_stats st;
	unsigned long by[XMPP_PENDING_CLASSES];
	bool replaced = true;

	CHECK(!xmpp_pending_class_replaces(XMPP_PENDING_ERROR));
	CHECK(!xmpp_pending_class_replaces(XMPP_PENDING_MESSAGE));
	CHECK(xmpp_pending_class_replaces(XMPP_PENDING_CHATSTATE));
	CHECK(xmpp_pending_class_replaces(XMPP_PENDING_OCCUPANT));
	CHECK_INT(xmpp_pending_alloc(&t, NULL, 5), 0);
	CHECK_INT(put_c(t, "a@s", "b@x", XMPP_PENDING_CHATSTATE, "composing", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "a@s", "b@x", XMPP_PENDING_MESSAGE, "text 1", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "a@s", "b@x", XMPP_PENDING_MESSAGE, "text 2", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "a@s", "b@x", XMPP_PENDING_CHATSTATE, "gone", &replaced), 0);
	CHECK(replaced);
	CHECK_INT(put_c(t, "s", "b@x", XMPP_PENDING_ERROR, "error 1", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "s", "b@x", XMPP_PENDING_ERROR, "error 2", &replaced), 0);
	CHECK(!replaced);
	CHECK_INT(put_c(t, "s", "b@x", XMPP_PENDING_ERROR, "error 3", NULL), ENOSPC);
	CHECK_INT(put_c(t, "a@s", "b@x", XMPP_PENDING_CHATSTATE, "active", NULL), 0); /* at the cap */
	CHECK_INT(put_c(t, "a@s", "c@x", XMPP_PENDING_CHATSTATE, "gone", NULL), ENOSPC);
	xmpp_pending_stats(t, &st);
	CHECK_INT(st.waiting, 5);
	CHECK_INT(st.refused, 2);
	CHECK_INT(st.refused_by[XMPP_PENDING_ERROR], 1);
	CHECK_INT(st.refused_by[XMPP_PENDING_CHATSTATE], 1);
	CHECK_INT(xmpp_pending_refused_due_by(t, 0, 10, by), 2);
	CHECK_INT(by[XMPP_PENDING_ERROR], 1);
	CHECK_INT(by[XMPP_PENDING_CHATSTATE], 1);
	CHECK_INT(by[XMPP_PENDING_STATE], 0);
	CHECK_INT(xmpp_pending_refused_due_by(t, 20, 10, by), 0); /* told already */
	CHECK_INT(by[XMPP_PENDING_ERROR], 0);
	check_take(t, "text 1");
	check_take(t, "text 2");
	check_take(t, "error 1");
	check_take(t, "error 2");
	check_take(t, "active");
	CHECK(!xmpp_pending_has(t, "a@s", "b@x"));
	xmpp_pending_free(t);
}

int main(void)
{
	RUN(test_empty);
	RUN(test_arguments);
	RUN(test_drain_order);
	RUN(test_latest_wins);
	RUN(test_length);
	RUN(test_keys);
	RUN(test_cap);
	RUN(test_refusals_told_once_per_interval);
	RUN(test_no_memory);
	RUN(test_many_pairs);
	RUN(test_class_of);
	RUN(test_classes_are_separate_keys);
	RUN(test_cap_counts_keys);
	RUN(test_occupant_keys_are_exact);
	RUN(test_errors_and_messages_each_wait);
	return check_summary();
}
