/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file clock.h  Milliseconds of the monotonic clock
 *
 * For rate windows and timers that must not jump when the wall clock is set.
 */
#ifndef SYLK_BASE_CLOCK_H
#define SYLK_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline int64_t sylk_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
