/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file log_window.h  One log line per interval for a recurring event
 *
 * An event that may come thousands of times a second (a refused request)
 * is logged at most once per interval, with how many times it happened
 * since the last line. No clock of its own: the caller passes the time.
 */
#ifndef SYLK_BASE_LOG_WINDOW_H
#define SYLK_BASE_LOG_WINDOW_H

#include <stdbool.h>
#include <time.h>

struct log_window {
	time_t logged;         /**< when the last line was due (0: never)  */
	unsigned long pending; /**< events since then                        */
};

/**
 * Count one event at @p now. True when a line is due (the first event, or
 * @p every seconds after the last line): @p count then holds the events
 * since the last line, this one included, and the window starts over.
 */
bool log_window_due(struct log_window *w, time_t now, int every, unsigned long *count);

#endif
