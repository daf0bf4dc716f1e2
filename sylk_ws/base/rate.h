/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file rate.h  Sliding-window request rate limit
 *
 * At most @c limit events in any one second (the sylkRTC gateway's
 * per-connection request limit). Keeps two counts, the current whole
 * second and the one before it, and weighs the previous count by the part
 * of it that still lies within the last 1000 ms: a burst that straddles a
 * second boundary is limited like one inside a second. No clock of its
 * own: the caller passes the time, so a test can drive it.
 */
#ifndef SYLK_BASE_RATE_H
#define SYLK_BASE_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct rate_window {
	int64_t start_ms; /**< start of the current second (0 at first)  */
	int count;        /**< events allowed in the current second        */
	int previous;     /**< events allowed in the second before it      */
};

/**
 * Count one event at time @p now_ms (milliseconds of a monotonic clock)
 * and tell whether it is within @p limit per second. A @p limit of 0 or
 * less means no limit. Refused events are not counted, so a client that
 * keeps sending too fast is still served at the limit's pace.
 */
bool rate_window_allow(struct rate_window *w, int64_t now_ms, int limit);

#endif
