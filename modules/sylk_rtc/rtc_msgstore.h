/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The message journal of each account (table sylk_messages) and the public
 * keys (sylk_public_keys), through rtc_db. Every function does database
 * I/O: never call one with the store lock (rtc_lock) held. Results are 0 or
 * an errno value (ENOENT: no such row, EEXIST: already stored, EIO: the
 * database failed, logged). */
#ifndef SYLK_RTC_MSGSTORE_H
#define SYLK_RTC_MSGSTORE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define MSGSTORE_AOR_SIZE 256
#define MSGSTORE_ID_SIZE 256
#define MSGSTORE_TYPE_SIZE 256
#define MSGSTORE_TS_SIZE 64

/* One journal row. content and metadata are owned by whoever filled the
 * row: a read malloc's them (msgstore_row_free()). */
struct msgstore_row {
	int64_t id; /* journal order; set by reads (msgstore_add leaves it) */
	char account[MSGSTORE_AOR_SIZE];
	char contact[MSGSTORE_AOR_SIZE];
	char direction[16]; /* "incoming", "outgoing" or "" */
	char message_id[MSGSTORE_ID_SIZE];
	char content_type[MSGSTORE_TYPE_SIZE];
	const char *content;
	char timestamp[MSGSTORE_TS_SIZE]; /* the message's own, ISO 8601 */
	char state[16];       /* pending, accepted, delivered, displayed, failed, received ... */
	char disposition[64]; /* "positive-delivery,display" or "" */
	time_t created;       /* when stored */
	const char *metadata; /* the sender's application data; NULL or "": none */
};

/* Frees the content and metadata a read (msgstore_find, msgstore_journal)
 * filled in. */
void msgstore_row_free(struct msgstore_row *row);

/* Adds a row (created = now); EEXIST when the account already has that
 * message_id (a retransmission, or a second worker's copy). */
int msgstore_add(struct msgstore_row *row);

/* The modparam max_stored_messages: how many "incoming" rows (what others'
 * MESSAGEs brought: messages, delivery notifications) one account's
 * journal may hold; 0 = no limit. */
extern int msgstore_max_stored;

/* msgstore_add() for a row a MESSAGE from the network brings: ENOSPC when
 * the account holds @p max incoming rows already (0: no limit). EEXIST is
 * checked first, so a copy of a stored message is never refused. The count
 * is bounded by @p max. With SQLite the journal writer makes every such
 * insert in turn, so the cap holds exactly; with another database workers
 * storing at the same instant may each add one past it. */
int msgstore_add_capped(struct msgstore_row *row, int max);

/* msgstore_add_capped() that may return before the row is committed: @p
 * then(@p arg, result) runs once it is, in another process (a task worker)
 * when msgstore_adds_later(), else before this returns; @p arg is shm and
 * @p then frees it. 0; EAGAIN (too many queued) or ENOMEM: then was not
 * called. */
typedef void msgstore_done_f(void *arg, int result);
int msgstore_add_then(struct msgstore_row *row, int max, msgstore_done_f *then, void *arg);
bool msgstore_adds_later(void);

/* A message's state changes (an IMDN, the final SIP response): updates
 * state and disposition as SylkServer does (delivered drops
 * positive-delivery, displayed clears it). ENOENT when unknown. */
int msgstore_set_state(const char *account, const char *message_id, const char *state);

/* msgstore_set_state() for a change nothing waits for (the final response
 * of our own MESSAGE): with the journal writer only queued, in order with
 * everything else it writes. */
int msgstore_set_state_soon(const char *account, const char *message_id, const char *state);

/* msgstore_set_state() that may return before the change is committed,
 * as msgstore_add_then(). */
int msgstore_set_state_then(const char *account, const char *message_id, const char *state,
			    msgstore_done_f *then, void *arg);

/* Removes one message / every message with @p contact. */
int msgstore_remove_message(const char *account, const char *message_id);
int msgstore_remove_conversation(const char *account, const char *contact);

/* Marks every incoming message from @p contact displayed. */
int msgstore_mark_read(const char *account, const char *contact);

/* Calls @p each for the account's rows in journal order: after the row of
 * @p after_message_id (when not NULL/empty; ENOENT if the account has no
 * such row), else created at or after @p since (0: from the start); at
 * most @p limit rows. A nonzero return of @p each stops the walk and is
 * returned. The query is bounded by @p limit, never a full scan. */
typedef int(msgstore_each_h)(const struct msgstore_row *row, void *arg);
int msgstore_journal(const char *account, const char *after_message_id, time_t since, int limit,
		     msgstore_each_h *each, void *arg);

/* Looks one message up (ENOENT); row->content is malloc'd: free it. */
int msgstore_find(const char *account, const char *message_id, struct msgstore_row *row);

/* Public keys: stores the key @p account sent; looks one up (*key malloc'd,
 * ENOENT when none). */
int msgstore_key_set(const char *account, const char *key);
int msgstore_key_get(const char *account, char **key);

/* Deletes journal rows older than @p days (the timer, once an hour). */
int msgstore_purge(int days);

#endif
