/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sliding-window rate limit: see rate.h. */
#include "sylk_ws/base/rate.h"

#define SECOND_MS 1000

static void advance(struct rate_window *w, int64_t second_ms)
{
	if (second_ms == w->start_ms)
		return;
	/* a gap of more than a second, or a clock stepping back, forgets all */
	w->previous = second_ms == w->start_ms + SECOND_MS ? w->count : 0;
	w->count = 0;
	w->start_ms = second_ms;
}

bool rate_window_allow(struct rate_window *w, int64_t now_ms, int limit)
{
	int64_t into, weighted;

	if (limit <= 0 || !w)
		return true;
	if (now_ms < 0)
		now_ms = 0;
	advance(w, now_ms - now_ms % SECOND_MS);
	into = now_ms - w->start_ms;
	/* rounded up: a burst just before the boundary weighs in full */
	weighted = ((int64_t)w->previous * (SECOND_MS - into) + SECOND_MS - 1) / SECOND_MS + w->count;
	if (weighted >= limit)
		return false;
	w->count++;
	return true;
}
