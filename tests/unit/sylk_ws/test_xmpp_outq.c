/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's stanzas on their way to the XMPP server
 * (sylk_ws/xmpp/xmpp_outq.h): the bounded FIFO, presences waiting beyond
 * it, and stanzas the component took back at the head, never lost. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "counting_mem.h"
#include "sylk_ws/xmpp/xmpp_outq.h"

static struct counting cnt = {.fail_after = -1};
static const struct sylk_mem mem = {.alloc = counting_alloc, .free = counting_free, .ctx = &cnt};

static char *dup_s(const char *s)
{
	char *d = sylk_mem_alloc(&mem, strlen(s) + 1);

	strcpy(d, s);
	return d;
}

static int push(struct xmpp_outq *q, const char *s)
{
	return xmpp_outq_push(q, dup_s(s));
}

static int pres(struct xmpp_outq *q, const char *from, const char *to, enum xmpp_pending_class c,
		const char *s)
{
	return xmpp_outq_presence(q, from, to, c, dup_s(s), strlen(s));
}

static void check_pop(struct xmpp_outq *q, const char *want)
{
	char *s = xmpp_outq_pop(q);

	CHECK_STR(s, want);
	sylk_mem_free(&mem, s);
}

static size_t count_of(const struct xmpp_outq *q)
{
	struct xmpp_outq_stats st;

	xmpp_outq_stats(q, &st);
	return st.count;
}

static void test_arguments(void)
{
	struct xmpp_outq *q = (struct xmpp_outq *)1;

	CHECK_INT(xmpp_outq_alloc(&q, &mem, 0, 4, 4), EINVAL);
	CHECK(q == NULL);
	CHECK_INT(xmpp_outq_alloc(NULL, &mem, 1, 4, 4), EINVAL);
	CHECK_INT(xmpp_outq_alloc(&q, &mem, 1, (size_t)-1, 4), EINVAL);
	CHECK_INT(xmpp_outq_alloc(&q, &mem, 2, 1, 4), 0);
	CHECK_INT(xmpp_outq_push(q, NULL), EINVAL);
	CHECK_INT(xmpp_outq_unpop(q, NULL), EINVAL);
	CHECK_INT(xmpp_outq_presence(q, NULL, "b@x", XMPP_PENDING_STATE, dup_s("p"), 1), EINVAL);
	CHECK_INT(xmpp_outq_presence(q, "a@s", "b@x", XMPP_PENDING_CLASSES, dup_s("p"), 1),
		  EINVAL);
	CHECK(xmpp_outq_pop(NULL) == NULL);
	CHECK(xmpp_outq_pop(q) == NULL);
	xmpp_outq_free(q);
	xmpp_outq_free(NULL);
	CHECK_INT(cnt.live, 0); /* the refused stanzas freed */
}

/* size stanzas, then EAGAIN (the sender is told no), FIFO order */
static void test_fifo_and_full(void)
{
	struct xmpp_outq *q = NULL;
	struct xmpp_outq_stats st;

	CHECK_INT(xmpp_outq_alloc(&q, &mem, 2, 4, 4), 0);
	CHECK_INT(push(q, "m1"), 0);
	CHECK_INT(push(q, "m2"), 0);
	CHECK_INT(push(q, "m3"), EAGAIN); /* the reserve is not for push() */
	check_pop(q, "m1");
	CHECK_INT(push(q, "m4"), 0);
	check_pop(q, "m2");
	check_pop(q, "m4");
	CHECK(xmpp_outq_pop(q) == NULL);
	xmpp_outq_stats(q, &st);
	CHECK_INT(st.queued, 3);
	CHECK_INT(st.dropped, 1);
	xmpp_outq_free(q);
	CHECK_INT(cnt.live, 0);
}

/* issue 18: the component took stanzas, the link broke, the SIP workers
 * filled the queue meanwhile: all taken ones go back at the head, in
 * order, beyond size; what was there follows */
static void test_unpop_beyond_size(void)
{
	struct xmpp_outq *q = NULL;
	struct xmpp_outq_stats st;
	char *taken[3];
	char s[16];

	CHECK_INT(xmpp_outq_alloc(&q, &mem, 1, 3, 4), 0);
	for (int i = 0; i < 3; i++) {
		snprintf(s, sizeof(s), "t%d", i);
		CHECK_INT(push(q, s), 0);
		taken[i] = xmpp_outq_pop(q);
	}
	CHECK_INT(push(q, "later"), 0);
	CHECK_INT(push(q, "refused"), EAGAIN);
	for (int i = 2; i >= 0; i--)
		CHECK_INT(xmpp_outq_unpop(q, taken[i]), 0);
	CHECK_INT(count_of(q), 4);
	CHECK_INT(push(q, "still refused"), EAGAIN); /* until it is below size again */
	check_pop(q, "t0");
	check_pop(q, "t1");
	check_pop(q, "t2");
	CHECK_INT(push(q, "refused again"), EAGAIN);
	check_pop(q, "later");
	CHECK_INT(push(q, "room"), 0);
	check_pop(q, "room");
	xmpp_outq_stats(q, &st);
	CHECK_INT(st.unpopped, 3);
	CHECK_INT(st.dropped, 3);
	/* a caller that holds more than the reserve: told, nothing kept */
	{
		char *h[4];

		for (int i = 0; i < 4; i++) {
			CHECK_INT(push(q, "h"), 0);
			h[i] = xmpp_outq_pop(q);
		}
		CHECK_INT(push(q, "x"), 0);
		for (int i = 3; i > 0; i--)
			CHECK_INT(xmpp_outq_unpop(q, h[i]), 0);
		CHECK_INT(xmpp_outq_unpop(q, h[0]), ENOSPC); /* size 1 + reserve 3 */
		CHECK_INT(count_of(q), 4);
	}
	xmpp_outq_free(q); /* frees what is queued */
	CHECK_INT(cnt.live, 0);
}

/* the component's life, at random: SIP workers push (and presences come)
 * as the queue allows, the component takes up to `reserve`, writes some,
 * loses its link now and then and gives back what it held. Nothing that
 * was accepted is lost, nothing is written twice, the order holds. */
static void test_nothing_accepted_is_lost(void)
{
	enum { SIZE = 3, RESERVE = 5, STEPS = 200000 };
	struct xmpp_outq *q = NULL;
	char *held[RESERVE];
	int nheld = 0, next = 0, last_written = -1, accepted = 0, written = 0, refused = 0;
	unsigned seed = 18;

	CHECK_INT(xmpp_outq_alloc(&q, &mem, SIZE, RESERVE, 0), 0);
	for (int step = 0; step < STEPS; step++) {
		int r = (int)(rand_r(&seed) % 100);
		char s[16];
		char *p;

		if (r < 45) { /* a SIP worker */
			snprintf(s, sizeof(s), "%d", next);
			if (push(q, s) == 0) {
				accepted++;
				next++;
			} else {
				refused++;
			}
		} else if (r < 75 && nheld < RESERVE) { /* the component takes one */
			p = xmpp_outq_pop(q);
			if (p)
				held[nheld++] = p;
		} else if (r < 97 && nheld) { /* the oldest held is written */
			int n = atoi(held[0]);

			if (n != last_written + 1) {
				CHECK_INT(n, last_written + 1);
				break;
			}
			last_written = n;
			written++;
			sylk_mem_free(&mem, held[0]);
			memmove(held, held + 1, (size_t)--nheld * sizeof(*held));
		} else if (nheld) { /* the link breaks: back at the head */
			while (nheld) {
				if (xmpp_outq_unpop(q, held[--nheld])) {
					CHECK(!"unpop refused");
					step = STEPS;
				}
			}
		}
	}
	while (nheld) /* the held ones, then the rest */
		xmpp_outq_unpop(q, held[--nheld]);
	for (char *p; (p = xmpp_outq_pop(q)); written++) {
		CHECK_INT(atoi(p), last_written + 1);
		last_written = atoi(p);
		sylk_mem_free(&mem, p);
	}
	CHECK_INT(written, accepted);
	CHECK(refused > 0 && accepted > STEPS / 10); /* both paths taken */
	xmpp_outq_free(q);
	CHECK_INT(cnt.live, 0);
}

/* presences: into the FIFO with room, waiting beyond; a pair with
 * something waiting waits for any class; the FIFO drains first */
static void test_presence_waits(void)
{
	struct xmpp_outq *q = NULL;
	struct xmpp_outq_stats st;

	CHECK_INT(xmpp_outq_alloc(&q, &mem, 1, 2, 8), 0);
	CHECK_INT(pres(q, "alice@s", "bob@x", XMPP_PENDING_ANSWER, "subscribed"), 0);
	CHECK_INT(pres(q, "alice@s", "bob@x", XMPP_PENDING_STATE, "away"), 0); /* full: waits */
	CHECK_INT(pres(q, "alice@s", "dave@x", XMPP_PENDING_REQUEST, "subscribe"), 0);
	CHECK_INT(pres(q, "alice@s", "dave@x", XMPP_PENDING_REQUEST, "unsubscribe"), 0);
	check_pop(q, "subscribed");
	/* room now, but bob's pair waits: the answer waits behind its state */
	CHECK_INT(pres(q, "alice@s", "bob@x", XMPP_PENDING_ANSWER, "unsubscribed"), 0);
	CHECK_INT(count_of(q), 0);
	/* another pair with nothing waiting goes into the FIFO, and first */
	CHECK_INT(pres(q, "carol@s", "bob@x", XMPP_PENDING_STATE, "carol's"), 0);
	CHECK_INT(push(q, "a message"), EAGAIN);
	check_pop(q, "carol's");
	CHECK_INT(push(q, "a message"), 0);
	check_pop(q, "a message");
	check_pop(q, "away");
	check_pop(q, "unsubscribe"); /* dave's latest request */
	check_pop(q, "unsubscribed");
	CHECK(xmpp_outq_pop(q) == NULL);
	xmpp_outq_stats(q, &st);
	CHECK_INT(st.queued, 6);
	CHECK_INT(st.pending.deferred, 4);
	CHECK_INT(st.pending.replaced, 1);
	CHECK_INT(st.pending.waiting, 0);
	CHECK_INT(st.dropped, 1);
	xmpp_outq_free(q);
	CHECK_INT(cnt.live, 0);
}

/* beyond pending_max: ENOSPC, counted as dropped; no memory: ENOMEM;
 * the stanza freed in both cases, what waited still there */
static void test_presence_refused(void)
{
	struct xmpp_outq *q = NULL;
	struct xmpp_outq_stats st;
	char *s;

	CHECK_INT(xmpp_outq_alloc(&q, &mem, 1, 0, 1), 0);
	CHECK_INT(push(q, "m"), 0);
	CHECK_INT(pres(q, "a@s", "w1@x", XMPP_PENDING_STATE, "1"), 0);
	CHECK_INT(pres(q, "a@s", "w2@x", XMPP_PENDING_STATE, "2"), ENOSPC);
	CHECK_INT(pres(q, "a@s", "w1@x", XMPP_PENDING_PROBE, "probe"), ENOSPC);
	s = dup_s("3");
	cnt.fail_after = 0;
	CHECK_INT(xmpp_outq_presence(q, "a@s", "w1@x", XMPP_PENDING_STATE, s, 1), ENOMEM);
	cnt.fail_after = -1;
	xmpp_outq_stats(q, &st);
	CHECK_INT(st.dropped, 2);
	CHECK_INT(xmpp_pending_refused_due(xmpp_outq_pending(q), 0, 10), 2);
	check_pop(q, "m");
	check_pop(q, "1");
	xmpp_outq_free(q);
	CHECK_INT(cnt.live, 0);
	/* a table that cannot be made */
	cnt.fail_after = 2; /* the queue and its ring, not the table */
	CHECK_INT(xmpp_outq_alloc(&q, &mem, 1, 0, 1), ENOMEM);
	cnt.fail_after = -1;
	CHECK(q == NULL);
	CHECK_INT(cnt.live, 0);
}

static int after(struct xmpp_outq *q, const char *from, const char *to, const char *s)
{
	return xmpp_outq_push_after(q, from, to, dup_s(s), strlen(s));
}

/* a message behind what its pair has waiting: refused when the FIFO is
 * full and nothing of its pair waits (its sender is told), else in the
 * FIFO, or waiting behind its pair's chat state, in order, and the
 * session's <gone/> after its last message */
static void test_push_after(void)
{
	struct xmpp_outq *q = NULL;
	struct xmpp_outq_stats st;

	CHECK_INT(xmpp_outq_alloc(&q, &mem, 1, 0, 8), 0);
	CHECK_INT(xmpp_outq_push_after(q, NULL, "b@x", dup_s("x"), 1), EINVAL);
	CHECK_INT(after(q, "a@s", "b@x", "hello"), 0);
	CHECK_INT(after(q, "a@s", "b@x", "refused"), EAGAIN); /* full, nothing waits */
	CHECK_INT(pres(q, "a@s", "b@x", XMPP_PENDING_CHATSTATE, "composing"), 0);
	check_pop(q, "hello");
	/* room, but the pair waits: behind its chat state */
	CHECK_INT(after(q, "a@s", "b@x", "text"), 0);
	CHECK_INT(count_of(q), 0);
	CHECK_INT(pres(q, "a@s", "b@x", XMPP_PENDING_CHATSTATE, "gone"), 0);
	/* another pair with nothing waiting: into the FIFO, first */
	CHECK_INT(after(q, "a@s", "c@x", "to carl"), 0);
	/* error answers wait too when the FIFO is full */
	CHECK_INT(pres(q, "s", "d@x", XMPP_PENDING_ERROR, "error"), 0);
	check_pop(q, "to carl");
	check_pop(q, "text");
	check_pop(q, "gone");
	check_pop(q, "error");
	CHECK(xmpp_outq_pop(q) == NULL);
	xmpp_outq_stats(q, &st);
	CHECK_INT(st.dropped, 1);
	CHECK_INT(st.pending.waiting, 0);
	CHECK_INT(st.pending.replaced, 1);
	xmpp_outq_free(q);
	CHECK_INT(cnt.live, 0);
	/* the pair waits but the table is full: ENOSPC, the stanza freed */
	CHECK_INT(xmpp_outq_alloc(&q, &mem, 1, 0, 1), 0);
	CHECK_INT(push(q, "m"), 0);
	CHECK_INT(pres(q, "a@s", "b@x", XMPP_PENDING_CHATSTATE, "composing"), 0);
	CHECK_INT(after(q, "a@s", "b@x", "text"), ENOSPC);
	xmpp_outq_free(q);
	CHECK_INT(cnt.live, 0);
}

int main(void)
{
	RUN(test_arguments);
	RUN(test_fifo_and_full);
	RUN(test_unpop_beyond_size);
	RUN(test_nothing_accepted_is_lost);
	RUN(test_presence_waits);
	RUN(test_presence_refused);
	RUN(test_push_after);
	return check_summary();
}
