/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One log line per interval: see log_window.h. */
#include "sylk_ws/base/log_window.h"

bool log_window_due(struct log_window *w, time_t now, int every, unsigned long *count)
{
	w->pending++;
	if (w->logged && now - w->logged < every && now >= w->logged)
		return false;
	*count = w->pending;
	w->pending = 0;
	w->logged = now;
	return true;
}
