/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Per-room access lists and name lists of the focus. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conference/room/room_access.h"
#include "conference/room/room_policy.h"
#include "sylk_ws/base/str.h"

#define BLANKS " \t"

/* the next blank-separated word of *s (advanced past it), its length in *len */
static const char *word(const char **s, size_t *len)
{
	const char *w = *s + strspn(*s, BLANKS);

	*len = strcspn(w, BLANKS);
	*s = w + *len;
	return *len ? w : NULL;
}

int room_access_add(struct room_access_table *t, const char *value)
{
	const char *s = value, *room, *kind, *list;
	size_t room_len, kind_len, list_len;
	struct room_access *a = NULL;
	char *room_copy = NULL, *list_copy = NULL, **slot;
	int err = 0;

	if (!t || !value)
		return EINVAL;
	room = word(&s, &room_len);
	kind = word(&s, &kind_len);
	list = s + strspn(s, BLANKS);
	list_len = strlen(list);
	if (!room || !kind || !list_len ||
	    !((kind_len == 5 && strncasecmp(kind, "allow", 5) == 0) ||
	      (kind_len == 4 && strncasecmp(kind, "deny", 4) == 0)))
		return EINVAL;
	for (int i = 0; i < t->count; i++)
		if (strlen(t->entry[i].room) == room_len &&
		    strncasecmp(t->entry[i].room, room, room_len) == 0)
			a = &t->entry[i];
	if (!a && t->count == ROOM_ACCESS_MAX)
		return ENOSPC;
	err = str_dupn(&list_copy, list, list_len);
	if (!err && !a)
		err = str_dupn(&room_copy, room, room_len);
	if (err)
		goto out;
	if (!a) {
		a = &t->entry[t->count++];
		memset(a, 0, sizeof(*a));
		a->room = room_copy;
		room_copy = NULL;
	}
	slot = kind_len == 5 ? &a->allow : &a->deny;
	free(*slot);
	*slot = list_copy;
	list_copy = NULL;
out:
	free(room_copy);
	free(list_copy);
	return err;
}

const struct room_access *room_access_find(const struct room_access_table *t, const char *room)
{
	for (int i = 0; t && room && i < t->count; i++)
		if (strcasecmp(t->entry[i].room, room) == 0)
			return &t->entry[i];
	return NULL;
}

void room_access_free(struct room_access_table *t)
{
	for (int i = 0; t && i < t->count; i++) {
		free(t->entry[i].room);
		free(t->entry[i].allow);
		free(t->entry[i].deny);
	}
	if (t)
		t->count = 0;
}

bool room_access_denied(const char *deny_all, const char *allow_all, const struct room_access *acl,
			const char *uri)
{
	if (room_policy_in_list(deny_all, uri))
		return true;
	if (allow_all && *allow_all && !room_policy_in_list(allow_all, uri))
		return true;
	if (acl && acl->deny && room_policy_in_list(acl->deny, uri))
		return true;
	if (acl && acl->allow && !room_policy_in_list(acl->allow, uri))
		return true;
	return false;
}
