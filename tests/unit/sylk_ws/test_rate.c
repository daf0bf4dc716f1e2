/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/rate: the per-second request window. */
#include "check.h"
#include "sylk_ws/base/rate.h"

/* One step: at time `now`, with `limit`, the event is allowed or not. */
static const struct {
	int64_t now;
	int limit;
	bool allowed;
} steps[] = {
	{100, 3, true},  {100, 3, true},
	{100, 3, true},  {100, 3, false}, /* fourth in the second */
	{100, 3, false}, {101, 3, true},  /* a new second starts afresh */
	{101, 3, true},  {101, 0, true},  /* no limit: not counted */
	{101, -1, true}, {101, 3, true},
	{101, 3, false}, {99, 3, true}, /* a clock stepping back is a new second too */
	{200, 1, true},  {200, 1, false},
};

static void test_steps(void)
{
	struct rate_window w = {0, 0};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		bool got = rate_window_allow(&w, steps[i].now, steps[i].limit);

		if (got != steps[i].allowed)
			fprintf(stderr, "  step %zu\n", i);
		CHECK_INT(got, steps[i].allowed);
	}
}

static void test_first_second_zero(void)
{
	struct rate_window w = {0, 0};

	/* time 0 is the zeroed window's own second: counting starts at 0 */
	CHECK(rate_window_allow(&w, 0, 1));
	CHECK(!rate_window_allow(&w, 0, 1));
	CHECK(rate_window_allow(NULL, 0, 1));
}

int main(void)
{
	RUN(test_steps);
	RUN(test_first_second_zero);
	return check_summary();
}
