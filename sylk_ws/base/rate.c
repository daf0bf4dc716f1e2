/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixed-window rate limit: see rate.h. */
#include <limits.h>

#include "sylk_ws/base/rate.h"

bool rate_window_allow(struct rate_window *w, int64_t now, int limit)
{
	if (limit <= 0 || !w)
		return true;
	if (w->second != now) {
		w->second = now;
		w->count = 0;
	}
	if (w->count < INT_MAX)
		w->count++;
	return w->count <= limit;
}
