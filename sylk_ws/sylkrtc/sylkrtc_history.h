/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sylkrtc_history.h  The messages of account-sync-conversations
 *
 * The journal's rows of an account, collected one by one (a database
 * cursor's callback) into the list sylkrtc_event_sync_conversations()
 * writes. Every string is copied: the rows may go once added.
 *
 * Kamailio-free: libc only.
 */
#ifndef SYLK_SYLKRTC_HISTORY_H
#define SYLK_SYLKRTC_HISTORY_H

#include <stddef.h>

#include "sylk_ws/sylkrtc/sylkrtc_event.h"

/** The list; a zeroed struct (SYLKRTC_HISTORY_INIT) is empty. */
struct sylkrtc_history {
	struct sylkrtc_history_message *msgs; /**< in the order added */
	size_t count;
	/* private */
	size_t cap;
	char **owned; /* the copies */
	size_t owned_n, owned_cap;
};

#define SYLKRTC_HISTORY_INIT           \
	{                              \
		NULL, 0, 0, NULL, 0, 0 \
	}

/**
 * Appends a copy of one journal row: the strings of @p m (NULL is copied
 * as ""; an empty direction, state or metadata is left out) and the disposition
 * list @p disposition in the journal's compact form
 * ("positive-delivery,display"; NULL or "": none), of which
 * sylkrtc_disposition_split() makes the message's array (m->disposition
 * is not read).
 * @return 0, EINVAL (NULL argument), ENOMEM (the row is then not in the
 *         list; what was added before stays)
 */
int sylkrtc_history_add(struct sylkrtc_history *h, const struct sylkrtc_history_message *m,
			const char *disposition);

/**
 * The journal's compact disposition list ("positive-delivery,display") as
 * the "disposition" array of a message: split in place at the first comma
 * into @p out. @return the number of entries: 0 (an empty or NULL list),
 * 1 or 2
 */
size_t sylkrtc_disposition_split(char *list, const char *out[2]);

/** Frees every copy: back to SYLKRTC_HISTORY_INIT. NULL is allowed. */
void sylkrtc_history_free(struct sylkrtc_history *h);

#endif
