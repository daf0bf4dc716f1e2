/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/rate: the sliding one-second request window. */
#include "check.h"
#include "sylk_ws/base/rate.h"

/* Send `n` events at `now_ms`; return how many were allowed. */
static int burst(struct rate_window *w, int64_t now_ms, int n, int limit)
{
	int allowed = 0;

	for (int i = 0; i < n; i++)
		allowed += rate_window_allow(w, now_ms, limit);
	return allowed;
}

static void test_within_one_second(void)
{
	struct rate_window w = {0};

	CHECK_INT(burst(&w, 100, 5, 3), 3);
	CHECK_INT(burst(&w, 900, 2, 3), 0);
}

static void test_burst_across_a_second_boundary(void)
{
	struct rate_window w = {0};

	/* 3 at 10.990 s and 3 more at 11.010 s: 6 within 20 ms, limit 3 */
	CHECK_INT(burst(&w, 10990, 3, 3), 3);
	CHECK_INT(burst(&w, 11010, 3, 3), 0);
	/* half-way through the next second half of the old count still weighs */
	CHECK_INT(burst(&w, 11500, 3, 3), 1);
	/* a second later the old burst no longer weighs at all */
	CHECK_INT(burst(&w, 12999, 3, 3), 2);
	CHECK_INT(burst(&w, 14000, 3, 3), 3);
}

static void test_refused_events_do_not_count(void)
{
	struct rate_window w = {0};
	int allowed = 0;

	/* hammering at 100 per second against a limit of 10 is served at
	 * about the limit's pace, never locked out */
	for (int64_t t = 0; t < 5000; t += 10)
		allowed += rate_window_allow(&w, t, 10);
	CHECK(allowed >= 45 && allowed <= 50);
	CHECK(rate_window_allow(&w, 5200, 10));
}

static void test_no_limit_and_clock_steps(void)
{
	struct rate_window w = {0};

	CHECK_INT(burst(&w, 1000, 100, 0), 100);
	CHECK_INT(burst(&w, 1000, 100, -1), 100);
	CHECK_INT(burst(&w, 5000, 2, 2), 2);
	/* a clock stepping back starts afresh rather than locking out */
	CHECK_INT(burst(&w, 2000, 2, 2), 2);
	CHECK_INT(burst(&w, -5, 1, 1), 1);
	CHECK(rate_window_allow(NULL, 0, 1));
}

int main(void)
{
	RUN(test_within_one_second);
	RUN(test_burst_across_a_second_boundary);
	RUN(test_refused_events_do_not_count);
	RUN(test_no_limit_and_clock_steps);
	return check_summary();
}
