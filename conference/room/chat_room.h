/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chat switch of one conference room (MSRP chat, RFC 4975 / RFC 7701):
 * who is in the room, their nicknames, where each received message goes,
 * and the history replayed to late joiners.
 *
 *	chat_room_alloc(&room, &shm_mem, "sip:room@conference.example.com", 20);
 *	chat_room_join(room, key, "sip:alice@example.com", "Alice");
 *	on a complete SEND body from key:
 *	        chat_room_route(room, key, content_type, body, len, &r);
 *	        answer r.status; if 200, forward the original bytes to
 *	        r.targets[0..r.target_count); if r.store,
 *	        chat_room_history_add(room, body, len); free(r.targets);
 *
 * Every allocation of room state goes through the struct sylk_mem the room
 * was created with (the Kamailio module passes shared memory, so the room
 * can be used from several processes); only the targets array of a route
 * and the output of chat_status_message() come from plain malloc().
 * Nothing here locks: the caller serialises every call on one room.
 *
 * SIP URIs are compared after normalisation: display name and angle
 * brackets dropped, scheme case-insensitive with "sips:" and a missing
 * scheme meaning "sip:", URI parameters and headers dropped, host
 * case-insensitive, user part exact.
 *
 * Kamailio-free: libc and the CPIM parser. */
#ifndef CONFERENCE_CHAT_ROOM_H
#define CONFERENCE_CHAT_ROOM_H

#include <stdbool.h>
#include <stddef.h>

#include "sylk_ws/base/mem.h"

#define CHAT_ROOM_DEFAULT_HISTORY 20
#define CHAT_ROOM_MAX_HISTORY 1000
/* RFC 7701 leaves the length open; longer nicknames are refused. */
#define CHAT_NICKNAME_MAX 64
/* Longest participant or room URI, display name accepted. */
#define CHAT_URI_MAX 1024
#define CHAT_DISPLAY_MAX 256
/* Messages larger than this are relayed but not kept in the history
 * (route sets store = false; chat_room_history_add() refuses them). */
#define CHAT_HISTORY_MAX_MESSAGE (64 * 1024)

/* CPIM content type of screen-sharing frames: relayed, never stored. */
#define CHAT_SCREENSHARING_CONTENT_TYPE "application/blink-screensharing"

struct chat_room;

/* mem NULL: malloc/free; else it must have alloc and free (realloc is not
 * used). The struct sylk_mem is copied. room_uri is the
 * room's SIP URI; history_size 0..CHAT_ROOM_MAX_HISTORY (0 keeps none).
 * Returns 0, EINVAL, ENOMEM. */
int chat_room_alloc(struct chat_room **roomp, const struct sylk_mem *mem, const char *room_uri,
		    unsigned history_size);
void chat_room_free(struct chat_room *room);

/* The room's URI as given to chat_room_alloc(). */
const char *chat_room_uri(const struct chat_room *room);

/* Participants are identified by a caller-chosen key (!= 0). One SIP user
 * may join several times under different keys (several devices).
 * uri: "sip:alice@x" (a name-addr "Alice <sip:alice@x>" is accepted too);
 * display may be NULL. Returns 0, EEXIST (key taken), ENOMEM, EINVAL. */
int chat_room_join(struct chat_room *room, unsigned key, const char *uri, const char *display);
/* Returns 0, ENOENT. The participant's nickname is released. */
int chat_room_leave(struct chat_room *room, unsigned key);
size_t chat_room_count(const struct chat_room *room);
/* URI / display name a participant joined with; NULL for an unknown key
 * (or no display name). Valid until that participant leaves. */
const char *chat_room_participant_uri(const struct chat_room *room, unsigned key);
const char *chat_room_participant_display(const struct chat_room *room, unsigned key);

/* RFC 7701 NICKNAME. Returns 0 (also when the participant already holds
 * it, in any case), EADDRINUSE when another participant holds it
 * (compared ASCII case-insensitively; the module answers 425), EINVAL for
 * NULL, empty, longer than CHAT_NICKNAME_MAX bytes, not UTF-8 or with
 * control characters, ENOENT for an unknown key, ENOMEM. */
int chat_room_set_nickname(struct chat_room *room, unsigned key, const char *nickname);
/* NULL when none. Valid until the nickname changes or the participant leaves. */
const char *chat_room_nickname(const struct chat_room *room, unsigned key);

/* Where one message goes. */
struct chat_route {
	/* MSRP status for the sender: 200 ok; 415 content type not
	 * message/cpim; 400 undecodable CPIM or no CPIM From; 403 CPIM From
	 * is not the sender's own URI, or the sender is not in the room; 404
	 * private To names nobody in the room. */
	int status;
	bool is_private;   /* single CPIM To that is not the room */
	bool is_composing; /* application/im-iscomposing+xml: relayed, never stored */
	bool store;        /* broadcast chat to append to the history */
	/* Keys to deliver to, malloc'ed (free() it); NULL when target_count
	 * is 0. Broadcast: every other participant. Private: every session
	 * of the To user plus the sender's own other sessions (never the
	 * sending key itself). */
	unsigned *targets;
	size_t target_count;
	const char *reason; /* static text for logs / the MSRP comment */
};

/* Decide what to do with one complete MSRP SEND body from participant key
 * with MSRP Content-Type content_type. Returns 0 when out is filled (status
 * may still be 4xx, then targets is NULL), ENOMEM, EINVAL (NULL
 * arguments); out is zeroed on failure. Neither room nor body is changed:
 * the module forwards the original bytes. */
int chat_room_route(struct chat_room *room, unsigned key, const char *content_type,
		    const void *body, size_t len, struct chat_route *out);

/* Append one stored message (the CPIM bytes as received), keeping the last
 * history_size: the oldest is dropped first. With history_size 0 nothing is
 * kept and 0 is returned. Returns 0, EINVAL (NULL / empty), EMSGSIZE (over
 * CHAT_HISTORY_MAX_MESSAGE), ENOMEM. */
int chat_room_history_add(struct chat_room *room, const void *cpim, size_t len);
size_t chat_room_history_count(const struct chat_room *room);
/* i = 0 is the oldest. Returns 0, ENOENT (i out of range), EINVAL. The
 * bytes stay valid until the next chat_room_history_add(). */
int chat_room_history_get(const struct chat_room *room, size_t i, const void **cpim, size_t *len);

/* A server status message (join/leave notice) as CPIM bytes: From and To
 * the room URI, DateTime now, NS agp <urn:ag-projects:xml:ns:cpim>,
 * agp.Message-Type: status, content text/plain text (UTF-8 without control
 * characters). *out is malloc'ed and NUL-terminated, free() it; *lenp
 * without the NUL. Returns 0, EINVAL, ENOMEM. */
int chat_status_message(char **out, size_t *lenp, const char *room_uri, const char *text);

/* Whether two SIP URIs (or name-addrs) name the same user by the rules
 * above (scheme, parameters, headers, host case). False when either is not
 * a usable URI. */
bool chat_uri_equal(const char *a, const char *b);

#endif
