/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The messages of account-sync-conversations: see sylkrtc_history.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/sylkrtc/sylkrtc_history.h"

/* @p items with room for one more than @p n: doubled (from 64) when full;
 * NULL when memory is short (@p items untouched then). */
static void *room_for_one(void *items, size_t *cap, size_t n, size_t item_size)
{
	size_t c = *cap ? *cap * 2 : 64;

	if (n < *cap)
		return items;
	items = realloc(items, c * item_size);
	if (items)
		*cap = c;
	return items;
}

/* A copy of @p s ("" for NULL) the list owns; NULL when memory is short. */
static char *keep(struct sylkrtc_history *h, const char *s)
{
	char **owned = room_for_one(h->owned, &h->owned_cap, h->owned_n, sizeof(*h->owned));
	char *d;

	if (!owned)
		return NULL;
	h->owned = owned;
	d = strdup(s ? s : "");
	if (d)
		h->owned[h->owned_n++] = d;
	return d;
}

/* An optional field: NULL when absent or "". 0 or ENOMEM. */
static int keep_optional(struct sylkrtc_history *h, const char *s, const char **out)
{
	*out = s && *s ? keep(h, s) : NULL;
	return s && *s && !*out ? ENOMEM : 0;
}

int sylkrtc_history_add(struct sylkrtc_history *h, const struct sylkrtc_history_message *row,
			const char *disposition)
{
	struct sylkrtc_history_message *m;
	const char **list = NULL;
	char *disp = NULL;

	if (!h || !row)
		return EINVAL;
	m = room_for_one(h->msgs, &h->cap, h->count, sizeof(*h->msgs));
	if (!m)
		return ENOMEM;
	h->msgs = m;
	m += h->count;
	memset(m, 0, sizeof(*m));
	m->contact = keep(h, row->contact);
	m->timestamp = keep(h, row->timestamp);
	m->message_id = keep(h, row->message_id);
	m->content_type = keep(h, row->content_type);
	m->content = keep(h, row->content);
	if (!m->contact || !m->timestamp || !m->message_id || !m->content_type || !m->content ||
	    keep_optional(h, row->direction, &m->direction) ||
	    keep_optional(h, row->state, &m->state) ||
	    keep_optional(h, row->metadata, &m->metadata))
		return ENOMEM;
	if (disposition && *disposition) {
		/* at most two entries, kept as one copy split in place */
		disp = keep(h, disposition);
		list = malloc(2 * sizeof(*list));
		if (!disp || !list) {
			free(list);
			return ENOMEM;
		}
		m->disposition_count = sylkrtc_disposition_split(disp, list);
		m->disposition = list;
	}
	h->count++;
	return 0;
}

size_t sylkrtc_disposition_split(char *list, const char *out[2])
{
	char *comma;

	if (!list || !*list || !out)
		return 0;
	out[0] = list;
	comma = strchr(list, ',');
	if (!comma)
		return 1;
	*comma = '\0';
	out[1] = comma + 1;
	return 2;
}

void sylkrtc_history_free(struct sylkrtc_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->count; i++)
		free((void *)h->msgs[i].disposition);
	for (size_t i = 0; i < h->owned_n; i++)
		free(h->owned[i]);
	free(h->msgs);
	free(h->owned);
	memset(h, 0, sizeof(*h));
}
