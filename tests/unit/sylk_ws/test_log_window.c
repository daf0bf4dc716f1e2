/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/log_window: one line per interval. */
#include "check.h"
#include "sylk_ws/base/log_window.h"

static void test_first_event_logs_then_one_line_per_interval(void)
{
	struct log_window w = {0};
	unsigned long n = 0;

	CHECK(log_window_due(&w, 1000, 10, &n));
	CHECK_INT((int)n, 1);
	for (int i = 0; i < 99; i++)
		CHECK(!log_window_due(&w, 1005, 10, &n));
	/* ten seconds on: the 99 held back and this one */
	CHECK(log_window_due(&w, 1010, 10, &n));
	CHECK_INT((int)n, 100);
	CHECK(!log_window_due(&w, 1011, 10, &n));
}

static void test_a_clock_stepping_back_logs_at_once(void)
{
	struct log_window w = {0};
	unsigned long n = 0;

	CHECK(log_window_due(&w, 5000, 10, &n));
	CHECK(!log_window_due(&w, 5001, 10, &n));
	CHECK(log_window_due(&w, 100, 10, &n));
	CHECK_INT((int)n, 2);
}

int main(void)
{
	RUN(test_first_event_logs_then_one_line_per_interval);
	RUN(test_a_clock_stepping_back_logs_at_once);
	return check_summary();
}
