/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file vr_room.h  The video room model of the gateway's SFU
 *
 * A room (its AOR) holds publishers (one per participant: the session that
 * joined and sends its media), feeds (a participant's subscription to
 * another's media), the active speakers (at most two) and the raised
 * hands, in order. The gateway keeps rooms in shared memory under its
 * store lock: every object is allocated with the room's allocator, and
 * nothing here locks, sleeps or talks to the network. Kamailio-free.
 *
 * Media: each publisher is its own rtpengine call (VR_CALL_SIZE,
 * "vr-<room hash>-<key>"), and a feed is a subscription inside the call of
 * the publisher it receives, so deleting a publisher's call ends its
 * feeds too and a room leaves no call behind once its publishers are gone.
 */
#ifndef SYLK_WS_VR_ROOM_H
#define SYLK_WS_VR_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sylk_ws/base/mem.h"

#define VR_ID_SIZE 256 /**< session and feed ids: SYLKRTC_ID_MAX + 1 */
#define VR_AOR_SIZE 256
#define VR_HASH_SIZE 17 /**< 16 hex digits */
#define VR_TAG_SIZE 24
#define VR_CALL_SIZE 48
#define VR_MAX_ACTIVE 2
#define VR_MAX_HANDS 64
/** The bitrate of the participants who are not active speakers. */
#define VR_OTHER_BITRATE 100000

struct vr_pub {
	unsigned key; /**< unique in the server, names its rtpengine call */
	int conn_id;
	char id[VR_ID_SIZE];
	char uri[VR_AOR_SIZE];
	char display_name[VR_AOR_SIZE];
	char call_id[VR_CALL_SIZE]; /**< its rtpengine call */
	char tag[VR_TAG_SIZE];      /**< its from-tag there */
	bool accepted;              /**< publish answered, "accepted" sent */
	bool established;           /**< rtpengine counted its media */
	bool audio, video;          /**< what it publishes (session-update) */
	int bitrate;                /**< room policy, bit/s (0 = not set yet) */
	int requested_bitrate;      /**< what it asked for, 0 = nothing */
	int64_t joined_ms;          /**< monotonic, for the media timeout */
	struct vr_pub *next;
};

struct vr_feed {
	unsigned key;
	int conn_id;
	char id[VR_ID_SIZE];        /**< the feed id the subscriber chose */
	char owner[VR_ID_SIZE];     /**< the subscriber's own publisher id */
	char publisher[VR_ID_SIZE]; /**< whom it receives */
	char call_id[VR_CALL_SIZE]; /**< the publisher's rtpengine call */
	char tag[VR_TAG_SIZE];      /**< its to-tag there */
	bool offered;               /**< subscribe request done, offer sent */
	bool answered;              /**< subscribe answer done */
	bool orphan;                /**< its publisher left: no media any more */
	struct vr_feed *next;
};

struct vr_hand {
	char id[VR_ID_SIZE];
	struct vr_hand *next;
};

struct vr_room {
	char uri[VR_AOR_SIZE];
	char hash[VR_HASH_SIZE];
	struct vr_pub *pubs; /**< in joining order */
	size_t pub_count;
	struct vr_feed *feeds;
	size_t feed_count;
	char active[VR_MAX_ACTIVE][VR_ID_SIZE];
	size_t active_count;
	struct vr_hand *hands; /**< in raising order */
	size_t hand_count;
	struct sylk_mem mem;
	struct vr_room *next; /**< for the caller's list */
};

/** 16 lower-case hex digits (FNV-1a 64 of the AOR, case-folded). */
void vr_room_hash(char out[VR_HASH_SIZE], const char *uri);

/** A room for @p uri. @return 0, EINVAL (no or too long uri), ENOMEM. */
int vr_room_new(struct vr_room **roomp, const struct sylk_mem *mem, const char *uri);
/** Frees the room with its publishers, feeds and hands (NULL is fine). */
void vr_room_free(struct vr_room *room);

/**
 * A new publisher @p id (appended, key, call id and tag set from @p key).
 * @return 0, EINVAL (too long), EEXIST (a publisher or feed with that id),
 * ENOMEM.
 */
int vr_pub_add(struct vr_room *room, struct vr_pub **pubp, const char *id, unsigned key);
struct vr_pub *vr_pub_find(const struct vr_room *room, const char *id);
struct vr_pub *vr_pub_by_key(const struct vr_room *room, unsigned key);
/**
 * Unlinks and frees @p pub, drops it from the active speakers and the
 * raised hands. Feeds are the caller's (see vr_feed_remove()).
 * @return whether the active speakers changed.
 */
bool vr_pub_remove(struct vr_room *room, struct vr_pub *pub);

/**
 * A new feed @p id of @p owner receiving @p publisher (both publishers of
 * the room); the call id is the publisher's. @return 0, EINVAL, ENOENT (no
 * such owner or publisher), EEXIST (the id is in use), ENOMEM.
 */
int vr_feed_add(struct vr_room *room, struct vr_feed **feedp, const char *id, const char *owner,
		const char *publisher, unsigned key);
struct vr_feed *vr_feed_find(const struct vr_room *room, const char *id);
struct vr_feed *vr_feed_by_key(const struct vr_room *room, unsigned key);
void vr_feed_remove(struct vr_room *room, struct vr_feed *feed);

/**
 * Sets the active speakers. @return 0, EINVAL (more than VR_MAX_ACTIVE or
 * a repeated id), ENOENT (an id is no publisher of the room: *@p unknown
 * points at it). *@p changed says whether the list differs from before.
 */
int vr_room_set_active(struct vr_room *room, const char *const *ids, size_t count, bool *changed,
		       const char **unknown);
bool vr_room_is_active(const struct vr_room *room, const char *id);

/** Raises @p id's hand, or lowers it when raised. @return 0, EINVAL,
 *  ENOSPC (VR_MAX_HANDS raised), ENOMEM. */
int vr_room_toggle_hand(struct vr_room *room, const char *id, bool *raised);
/** Up to @p max ids with a raised hand, in order. @return how many. */
size_t vr_room_hands(const struct vr_room *room, const char **ids, size_t max);

/**
 * SylkServer's bitrate policy: with active speakers they share @p max and
 * the others get VR_OTHER_BITRATE; without, everyone gets @p max divided
 * by (publishers - 1), at least by one.
 */
int vr_bitrate(int max, size_t publishers, size_t active_count, bool is_active);
/** Sets each publisher's bitrate by vr_bitrate(). @return how many changed. */
size_t vr_room_update_bitrates(struct vr_room *room, int max);

#endif
