/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-room access lists of the focus ("ROOM allow|deny AOR[,AOR...]"
 * parameters) and the server-wide allow/deny lists on top of them.
 * Kamailio-free. */
#ifndef CONFERENCE_ROOM_ACCESS_H
#define CONFERENCE_ROOM_ACCESS_H

#include <stdbool.h>

#define ROOM_ACCESS_MAX 64

/* one room's lists; each string is owned by its table */
struct room_access {
	char *room;
	char *allow; /* NULL: no allow list */
	char *deny;  /* NULL: no deny list */
};

struct room_access_table {
	struct room_access entry[ROOM_ACCESS_MAX];
	int count;
};

/* Adds one "ROOM allow|deny AOR[,AOR...]" (blanks between the three
 * parts; a second allow or deny for the same room replaces the first).
 * 0, EINVAL (not of that form), ENOSPC (ROOM_ACCESS_MAX rooms), ENOMEM.
 * On error the table is as it was. */
int room_access_add(struct room_access_table *t, const char *value);
/* the room's lists (room name case-insensitive), NULL when it has none */
const struct room_access *room_access_find(const struct room_access_table *t, const char *room);
void room_access_free(struct room_access_table *t);

/* Whether @p uri (an AOR, "sip:" or "sips:" optional) is refused: on
 * @p deny_all, missing from a non-empty @p allow_all, on the room's deny
 * list, or missing from the room's allow list (@p acl may be NULL). */
bool room_access_denied(const char *deny_all, const char *allow_all, const struct room_access *acl,
			const char *uri);

#endif
