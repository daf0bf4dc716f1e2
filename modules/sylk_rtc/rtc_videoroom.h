/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Video rooms (SFU) on rtpengine publish/subscribe: the videoroom-*
 * requests, the rooms' life cycle, and a small API for the code that adds
 * room chat and file sharing. The model is sylk_ws/videoroom/vr_room.h;
 * rooms live in shared memory under the store lock (rtc_lock). */
#ifndef SYLK_RTC_VIDEOROOM_H
#define SYLK_RTC_VIDEOROOM_H

#include <stdbool.h>
#include <stddef.h>

#include "sylk_ws/sylkrtc/sylkrtc_event.h"
#include "sylk_ws/sylkrtc/sylkrtc_request.h"

/* mod_init: parameters checked, shared state allocated. 0 or -1. */
int rtc_videoroom_init(void);

/* Handles one videoroom-* request; replies (ack or error) itself. Chat
 * requests (videoroom-message, -composing-indication) go to rtc_vrchat.c. */
void rtc_videoroom_request(int conn_id, const struct sylkrtc_request *req);

/* A videoroom-* request another node relayed for its browser connection,
 * known here as @p pseudo (rtc_relay.h); a join is made with the identity
 * that node vouches for (@p aor, @p display_name), not an account here. */
void rtc_videoroom_relayed(int pseudo, const struct sylkrtc_request *req, const char *aor,
			   const char *display_name);

/* The connection is gone: each of its publishers leaves its room. */
void rtc_videoroom_conn_closed(int conn_id);

/* Once a second from the gateway timer: "established" once rtpengine
 * counts a publisher's media; publishers without media after
 * videoroom_media_timeout seconds are removed as if they left. */
void rtc_videoroom_timer(void);

/* ---- for room chat and file sharing -------------------------------------------
 * Safe from any process, with or without the store lock held (it is
 * recursive); none of them talks to rtpengine. A "session" is a
 * participant's publisher session id, the one events are addressed to. */

/* Whether @p session is a participant of the room @p room_uri. */
bool rtc_videoroom_has_session(const char *room_uri, const char *session);

/* The room of the publisher @p session of connection @p conn_id: its AOR
 * into @p room_uri. 0, ENOENT (no such participant), ENOSPC (too small). */
int rtc_videoroom_room_of(int conn_id, const char *session, char *room_uri, size_t size);

/* Calls @p fn for every participant of the room (in joining order) with
 * the store lock held: @p fn may build and send frames, nothing slower.
 * Returns the number of participants, or -1 when there is no such room. */
typedef void (*rtc_videoroom_visit_fn)(int conn_id, const char *session, const char *uri,
				       const char *display_name, void *arg);
int rtc_videoroom_each(const char *room_uri, rtc_videoroom_visit_fn fn, void *arg);

/* Sends one event to every participant of the room: @p build makes the
 * JSON for one recipient (its connection's version and its session id),
 * e.g. a wrapper of sylkrtc_event_videoroom_file_sharing(). Returns how
 * many were sent to, -1 when there is no such room. */
typedef int (*rtc_videoroom_build_fn)(char **jsonp, enum sylkrtc_version ver, const char *session,
				      void *arg);
int rtc_videoroom_emit_all(const char *room_uri, rtc_videoroom_build_fn build, void *arg);

/* @p fn runs when a room has ended, its last participant gone, in the
 * process that ended it once that process has let the store lock go (so it
 * may do disk I/O): e.g. to remove its shared files. One hook; NULL
 * removes it. Set it in mod_init. */
void rtc_videoroom_on_room_end(void (*fn)(const char *room_uri));

/* Statistics (rtc_stats.c): publishers and subscribed feeds in every room. */
void rtc_videoroom_counts(int *publishers, int *subscribers);

/* ---- the conference audio publisher (rtc_vr_sip.c) -----------------------------
 * SIP phones in the video room's audio: a publisher without a connection
 * (conn_id -1) whose rtpengine call carries the conference mixer's output.
 * All take the store lock themselves: call them without it. */

/* a publisher's rtpengine leg, copied out of the room */
struct rtc_vr_leg {
	unsigned key;
	char call_id[48]; /* VR_CALL_SIZE */
	char tag[24];     /* VR_TAG_SIZE */
};

/* The AORs of up to @p max rooms into @p uris (each @p size bytes).
 * Returns how many. */
int rtc_videoroom_rooms(char *uris, size_t size, int max);

/* The browsers (publishers with a connection, accepted) of
 * the room, up to @p max; *@p external the key of its conference audio
 * publisher, 0 when none. Returns how many, -1 when there is no such room. */
int rtc_videoroom_browsers(const char *room_uri, struct rtc_vr_leg *out, int max,
			   unsigned *external);

/* Adds the conference audio publisher (not accepted yet: nobody is told)
 * with @p uri and @p display_name; its leg into @p leg. 0, ENOENT (no
 * room), ENOSPC (room full), EEXIST, ENOMEM. */
int rtc_videoroom_external_add(const char *room_uri, const char *uri, const char *display_name,
			       struct rtc_vr_leg *leg);

/* Its media is up: accepted, and the others get publishers-joined.
 * 0 or ENOENT (gone meanwhile). */
int rtc_videoroom_external_accept(unsigned key);

/* It leaves like any publisher: publishers-left, its call deleted (with
 * every feed of it), the room ends if it was the last. */
void rtc_videoroom_external_remove(unsigned key);

#endif
