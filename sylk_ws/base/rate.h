/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file rate.h  Fixed-window request rate limit
 *
 * Counts events per whole second (the sylkRTC gateway's per-connection
 * request limit): at most @c limit events in one second, the count
 * restarting whenever the second changes. No clock of its own: the caller
 * passes the time, so a test can drive it.
 */
#ifndef SYLK_BASE_RATE_H
#define SYLK_BASE_RATE_H

#include <stdbool.h>
#include <stdint.h>

struct rate_window {
	int64_t second; /**< the window's second (0 before the first event) */
	int count;      /**< events counted in it                           */
};

/**
 * Count one event at time @p now (seconds) and tell whether it is within
 * @p limit per second. A @p limit of 0 or less means no limit (nothing is
 * counted). Refused events count too, as a client hammering stays refused
 * for the rest of the second.
 */
bool rate_window_allow(struct rate_window *w, int64_t now, int limit);

#endif
