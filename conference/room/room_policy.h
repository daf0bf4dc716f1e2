/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Who may do what in the conference focus's rooms: open a room, join one,
 * send it a REFER; how many rooms one source and the whole server may
 * hold; the unguessable tokens in screen-sharing URLs. Kamailio-free:
 * libc only (the tokens come from the kernel's getrandom()).
 *
 * "Authenticated" means the routing script checked the request's
 * credentials (digest auth of a local user) and told the focus so. */
#ifndef CONFERENCE_ROOM_POLICY_H
#define CONFERENCE_ROOM_POLICY_H

#include <stdbool.h>
#include <stddef.h>

/* who may open a room (the first INVITE to a room that does not run) */
enum room_creators {
	ROOM_CREATORS_AUTHENTICATED, /* local users whose credentials were checked */
	ROOM_CREATORS_ANY,           /* anyone, strangers too */
	ROOM_CREATORS_NONE,          /* nobody: rooms are persistent or not at all */
	ROOM_CREATORS_LIST,          /* authenticated users on a list of AORs */
};

/* who may join a running room (the room's access lists apply on top) */
enum room_joiners {
	ROOM_JOINERS_ANY,
	ROOM_JOINERS_AUTHENTICATED,
};

struct room_policy {
	enum room_creators creators;
	const char *creator_list; /* ROOM_CREATORS_LIST: "user@host,user@host" */
	enum room_joiners joiners;
};

/* "authenticated", "any", "none" or a comma separated list of AORs
 * (user@host, "sip:" optional). The list is not copied. 0 or EINVAL. */
int room_policy_parse_creators(struct room_policy *p, const char *value);
/* "any" or "authenticated". 0 or EINVAL. */
int room_policy_parse_joiners(struct room_policy *p, const char *value);

/* Whether @p aor (with or without "sip:") is on a comma separated list of
 * AORs (blanks around the commas ignored, case-insensitive). */
bool room_policy_in_list(const char *list, const char *aor);

bool room_policy_may_create(const struct room_policy *p, bool authenticated, const char *aor);
bool room_policy_may_join(const struct room_policy *p, bool authenticated);

/* Who may send a room a REFER (dial someone in, BYE someone out): an
 * authenticated local user, or a participant of that room: the From of a
 * participant whose dialog is confirmed, sent from the address its INVITE
 * came from. */
bool room_policy_may_refer(bool authenticated, bool from_is_participant, bool same_source_address);

/* Room caps: 0 when one more room fits, ENOSPC when the server holds
 * @p max_total rooms, EDQUOT when this source holds @p max_per_source.
 * A maximum of 0 means no limit. */
int room_policy_room_cap(unsigned total, unsigned of_source, unsigned max_total,
			 unsigned max_per_source);

/* ---- screen-sharing URLs ------------------------------------------------------ */

/* 128 bits from the kernel's CSPRNG as 32 lower-case hex digits */
#define ROOM_TOKEN_BYTES 16
#define ROOM_TOKEN_SIZE (2 * ROOM_TOKEN_BYTES + 1)

/* A new token into @p buf (ROOM_TOKEN_SIZE bytes). 0, EINVAL, EIO. */
int room_token_generate(char *buf, size_t size);

/* Whether @p s is exactly a token (32 lower-case hex digits). */
bool room_token_valid(const char *s, size_t len);

/* Constant-time equality of two tokens (no early exit on the first
 * differing digit). */
bool room_token_equal(const char *a, const char *b);

/* The part of a viewer URL path after "/conference/screen/": "<token>"
 * (the page) or "<token>.jpg" (the image). The token goes to @p token
 * (ROOM_TOKEN_SIZE bytes), @p image says which. 0 or ENOENT (not a
 * viewer URL of this form). */
int room_screen_path_parse(const char *path, char *token, size_t size, bool *image);

#endif
