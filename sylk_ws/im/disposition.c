/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal's disposition lists: see disposition.h. */
#include <errno.h>
#include <string.h>

#include "sylk_ws/im/disposition.h"

int im_disposition_compact(char *out, size_t size, const char *list)
{
	size_t n = 0;

	if (!out || !size)
		return EINVAL;
	for (; list && *list; list++) {
		if (*list == ' ' || *list == '\t')
			continue;
		if (n + 1 >= size) {
			out[0] = '\0';
			return EINVAL;
		}
		out[n++] = *list;
	}
	out[n] = '\0';
	return 0;
}

/* Drops every item equal to @p item from the compact list, in place. */
static void drop_item(char *list, const char *item)
{
	size_t len = strlen(item), w = 0;
	const char *p = list;

	while (*p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n && !(n == len && !strncmp(p, item, len))) {
			if (w)
				list[w++] = ',';
			memmove(list + w, p, n);
			w += n;
		}
		p += n + (end ? 1 : 0);
	}
	list[w] = '\0';
}

void im_disposition_after(char *list, const char *state)
{
	if (!list || !state)
		return;
	if (!strcmp(state, "displayed"))
		list[0] = '\0';
	else if (!strcmp(state, "delivered"))
		drop_item(list, "positive-delivery");
}
