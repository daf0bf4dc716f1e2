/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ng_service_timer.h  When a test service call plays and ends
 *
 * The echo and playback services (ng_service.h) keep, per call, when it
 * was answered and when its prompt is over. Once a second their timer asks
 * what is due:
 *
 *   playback  "play media" once the ACK came, or after
 *             NG_SERVICE_ACK_WAIT seconds without one; a BYE from the
 *             server one second after the prompt is over.
 *   echo      a BYE after NG_SERVICE_ECHO_MAX seconds (the caller ends it
 *             sooner).
 *
 * While a "play media" is asked for, its length is not known yet: the end
 * is put NG_SERVICE_PLAYING seconds ahead, so neither a second start nor a
 * BYE comes before its reply. No clock of its own: the caller passes the
 * time, so a test can drive it. Kamailio-free.
 */
#ifndef SYLK_WS_NG_SERVICE_TIMER_H
#define SYLK_WS_NG_SERVICE_TIMER_H

#include <stdbool.h>
#include <time.h>

enum {
	NG_SERVICE_ACK_WAIT = 3,   /**< playback starts without an ACK after this */
	NG_SERVICE_ECHO_MAX = 600, /**< an echo call ends after 10 minutes        */
	NG_SERVICE_PLAYING = 3600, /**< the end while "play media" is asked for   */
};

/** A service call's times (zeroed: not answered yet). */
struct ng_service_times {
	bool playback;  /**< the playback service, else echo    */
	time_t created; /**< when it was answered                */
	time_t ends;    /**< playback: 0 while not playing yet  */
};

/** What the timer does with a call. */
enum ng_service_due {
	NG_SERVICE_NOTHING = 0,
	NG_SERVICE_PLAY, /**< send "play media", then ng_service_played() */
	NG_SERVICE_BYE,  /**< over: BYE, rtpengine delete, forget it      */
};

/** Start the times of a call answered at @p now. */
void ng_service_times_init(struct ng_service_times *t, bool playback, time_t now);

/**
 * The timer's tick at @p now. On NG_SERVICE_PLAY the end is put
 * NG_SERVICE_PLAYING seconds ahead until ng_service_played().
 */
enum ng_service_due ng_service_due(struct ng_service_times *t, time_t now);

/**
 * The caller's ACK at @p now: true when it starts the playback ("play
 * media" is due; the end is put ahead as for NG_SERVICE_PLAY), false for
 * an echo call or a playback already started.
 */
bool ng_service_ack(struct ng_service_times *t, time_t now);

/**
 * rtpengine answered the "play media" at @p now: the prompt lasts @p secs
 * seconds (ng_service_play_seconds(); less than 1: unknown, as 0), the
 * BYE is due one second after it.
 */
void ng_service_played(struct ng_service_times *t, time_t now, int secs);

#endif
