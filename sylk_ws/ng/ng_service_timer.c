/* SPDX-License-Identifier: GPL-2.0-or-later */
/* When a test service call plays and ends: see ng_service_timer.h. */
#include <stddef.h>

#include "sylk_ws/ng/ng_service_timer.h"

void ng_service_times_init(struct ng_service_times *t, bool playback, time_t now)
{
	if (!t)
		return;
	t->playback = playback;
	t->created = now;
	t->ends = 0;
}

bool ng_service_ack(struct ng_service_times *t, time_t now)
{
	if (!t || !t->playback || t->ends)
		return false;
	t->ends = now + NG_SERVICE_PLAYING;
	return true;
}

enum ng_service_due ng_service_due(struct ng_service_times *t, time_t now)
{
	if (!t)
		return NG_SERVICE_NOTHING;
	if (t->playback && !t->ends && now - t->created >= NG_SERVICE_ACK_WAIT)
		return ng_service_ack(t, now) ? NG_SERVICE_PLAY : NG_SERVICE_NOTHING;
	if (t->playback ? t->ends && now >= t->ends : now - t->created > NG_SERVICE_ECHO_MAX)
		return NG_SERVICE_BYE;
	return NG_SERVICE_NOTHING;
}

void ng_service_played(struct ng_service_times *t, time_t now, int secs)
{
	if (t)
		t->ends = now + (secs > 0 ? secs : 0) + 1;
}
