/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "check.h"
#include "conference/mixer/mix_jitter.h"

static struct mix_jitter *make(unsigned target)
{
	struct mix_jitter *jb = NULL;

	CHECK_INT(mix_jitter_alloc(&jb, NULL, 16, 200, target), 0);
	return jb;
}

/* A one-byte payload holding the low byte of its sequence number. */
static int put(struct mix_jitter *jb, uint16_t seq)
{
	uint8_t b = (uint8_t)seq;

	return mix_jitter_insert(jb, seq, &b, 1);
}

/* Pops one tick: the low byte of the sequence number played, -1 for a
 * loss, -2 for nothing. */
static int pop(struct mix_jitter *jb)
{
	const uint8_t *p;
	size_t len;

	switch (mix_jitter_pop(jb, &p, &len)) {
	case MIX_JITTER_FRAME: return len == 1 ? p[0] : -3;
	case MIX_JITTER_LOSS: return -1;
	default: return -2;
	}
}

static void test_alloc(void)
{
	struct mix_jitter *jb = NULL;

	CHECK_INT(mix_jitter_alloc(&jb, NULL, 12, 200, 2), EINVAL); /* not a power of 2 */
	CHECK_INT(mix_jitter_alloc(&jb, NULL, 512, 200, 2), EINVAL);
	CHECK_INT(mix_jitter_alloc(&jb, NULL, 16, 0, 2), EINVAL);
	CHECK_INT(mix_jitter_alloc(&jb, NULL, 16, 200, 16), EINVAL);
	CHECK_INT(mix_jitter_alloc(&jb, NULL, 16, 200, 0), EINVAL);
	CHECK(jb == NULL);
	CHECK_INT(pop(NULL), -2);
	jb = make(2);
	CHECK_INT(mix_jitter_insert(jb, 1, NULL, 1), EINVAL);
	CHECK_INT(mix_jitter_insert(jb, 1, (const uint8_t *)"", 201), EMSGSIZE);
	CHECK_INT(pop(jb), -2);
	mix_jitter_free(jb);
}

static void test_in_order(void)
{
	struct mix_jitter *jb = make(2);
	struct mix_jitter_stats st;
	int i;

	CHECK_INT(put(jb, 10), 0);
	CHECK_INT(pop(jb), -2); /* buffering: 1 of 2 */
	CHECK_INT(put(jb, 11), 0);
	CHECK_INT(mix_jitter_count(jb), 2);
	CHECK_INT(pop(jb), 10);
	for (i = 12; i < 40; i++) {
		CHECK_INT(put(jb, (uint16_t)i), 0);
		CHECK_INT(pop(jb), i - 1);
	}
	mix_jitter_get_stats(jb, &st);
	CHECK_INT(st.received, 30);
	CHECK_INT(st.lost, 0);
	mix_jitter_free(jb);
}

static void test_reorder_duplicate_late(void)
{
	struct mix_jitter *jb = make(3);
	struct mix_jitter_stats st;

	/* 3 arrives before 1 and 2: the stream still starts at 1 */
	CHECK_INT(put(jb, 3), 0);
	CHECK_INT(put(jb, 1), 0);
	CHECK_INT(put(jb, 1), EEXIST);
	CHECK_INT(put(jb, 2), 0);
	CHECK_INT(pop(jb), 1);
	CHECK_INT(put(jb, 5), 0);
	CHECK_INT(put(jb, 4), 0);
	CHECK_INT(put(jb, 5), EEXIST);
	CHECK_INT(pop(jb), 2);
	CHECK_INT(pop(jb), 3);
	CHECK_INT(put(jb, 3), EALREADY); /* already played */
	CHECK_INT(put(jb, 2), EALREADY);
	CHECK_INT(pop(jb), 4);
	CHECK_INT(pop(jb), 5);
	mix_jitter_get_stats(jb, &st);
	CHECK_INT(st.duplicate, 2);
	CHECK_INT(st.late, 2);
	CHECK_INT(st.received, 5);
	mix_jitter_free(jb);
}

static void test_loss(void)
{
	struct mix_jitter *jb = make(2);
	struct mix_jitter_stats st;

	put(jb, 100);
	put(jb, 101);
	CHECK_INT(pop(jb), 100);
	put(jb, 103); /* 102 lost */
	CHECK_INT(pop(jb), 101);
	put(jb, 104);
	CHECK_INT(pop(jb), -1);
	CHECK_INT(put(jb, 102), EALREADY); /* arrived after it was concealed */
	CHECK_INT(pop(jb), 103);
	CHECK_INT(pop(jb), 104);
	mix_jitter_get_stats(jb, &st);
	CHECK_INT(st.lost, 1);
	mix_jitter_free(jb);
}

static void test_wraparound(void)
{
	struct mix_jitter *jb = make(2);
	int i, got = 0;

	CHECK_INT(put(jb, 65534), 0);
	CHECK_INT(put(jb, 0), 0); /* 65535 still missing */
	CHECK_INT(put(jb, 65535), 0);
	CHECK_INT(put(jb, 1), 0);
	CHECK_INT(pop(jb), 65534 & 0xff);
	CHECK_INT(pop(jb), 65535 & 0xff);
	CHECK_INT(pop(jb), 0);
	CHECK_INT(pop(jb), 1);
	/* a long run across the wrap, every other pair swapped */
	for (i = 2; i < 200; i += 2) {
		CHECK_INT(put(jb, (uint16_t)(i + 1)), 0);
		CHECK_INT(put(jb, (uint16_t)i), 0);
		got += pop(jb) == i;
		got += pop(jb) == ((i + 1) & 0xff);
	}
	CHECK_INT(got, 198);
	mix_jitter_free(jb);
}

static void test_underrun_and_pause(void)
{
	struct mix_jitter *jb = make(2);
	int i;

	put(jb, 1);
	put(jb, 2);
	CHECK_INT(pop(jb), 1);
	CHECK_INT(pop(jb), 2);
	/* nothing buffered: losses without moving on, 3 still expected */
	CHECK_INT(pop(jb), -1);
	CHECK_INT(put(jb, 3), 0);
	CHECK_INT(pop(jb), 3);
	/* the sender pauses: a few losses, then nothing at all */
	for (i = 0; i < MIX_JITTER_UNDERRUN_LIMIT; i++)
		CHECK_INT(pop(jb), -1);
	CHECK_INT(pop(jb), -2);
	CHECK_INT(pop(jb), -2);
	/* it resumes where it left off: buffers up to the target again */
	CHECK_INT(put(jb, 4), 0);
	CHECK_INT(pop(jb), -2);
	CHECK_INT(put(jb, 5), 0);
	CHECK_INT(pop(jb), 4);
	CHECK_INT(pop(jb), 5);
	mix_jitter_free(jb);
}

static void test_resync_and_shrink(void)
{
	struct mix_jitter *jb = make(2);
	struct mix_jitter_stats st;
	int i;

	put(jb, 10);
	put(jb, 11);
	CHECK_INT(pop(jb), 10);
	/* the sender jumps far ahead: start over there */
	CHECK_INT(put(jb, 5000), 0);
	CHECK_INT(mix_jitter_count(jb), 1);
	CHECK_INT(put(jb, 5001), 0);
	CHECK_INT(pop(jb), 5000 & 0xff);
	/* far behind (beyond misorder): also a restart */
	CHECK_INT(put(jb, 1000), 0);
	mix_jitter_get_stats(jb, &st);
	CHECK_INT(st.resync, 2);

	/* too much delay for too long: one frame is skipped */
	mix_jitter_reset(jb);
	for (i = 0; i < 6; i++)
		put(jb, (uint16_t)(200 + i));
	for (i = 0; i < MIX_JITTER_SHRINK_TICKS + 5; i++) {
		put(jb, (uint16_t)(206 + i));
		pop(jb);
	}
	mix_jitter_get_stats(jb, &st);
	CHECK_INT(st.dropped, 1);
	CHECK_INT(mix_jitter_count(jb), 5);
	mix_jitter_free(jb);
}

static void test_empty_payload(void)
{
	struct mix_jitter *jb = make(1);
	const uint8_t *p;
	size_t len = 99;

	CHECK_INT(mix_jitter_insert(jb, 7, NULL, 0), 0);
	CHECK_INT(mix_jitter_pop(jb, &p, &len), MIX_JITTER_FRAME);
	CHECK_INT(len, 0);
	mix_jitter_free(jb);
}

int main(void)
{
	RUN(test_alloc);
	RUN(test_in_order);
	RUN(test_reorder_duplicate_late);
	RUN(test_loss);
	RUN(test_wraparound);
	RUN(test_underrun_and_pause);
	RUN(test_resync_and_shrink);
	RUN(test_empty_payload);
	return check_summary();
}
