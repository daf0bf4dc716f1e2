/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file journal_db.h  The message journal's hot writes on one SQLite
 *                     connection with prepared statements
 *
 * The journal writer (one process, see modules/sylk_rtc/rtc_journal.h)
 * adds every message row and changes every message state. Through
 * Kamailio's DB API each of those writes was a lookup and a write, each
 * parsed and planned anew from SQL text: most of the writer's CPU. Here
 * the statements are prepared once, an add is one INSERT that tells a
 * duplicate by the (account, message_id) constraint, and a state change
 * reads and writes one row by its key.
 *
 * The table is packaging/sql/sylk-messaging.sql's sylk_messages. The cap
 * on incoming rows per account uses journal_counts.h: this connection must
 * be the only one that adds incoming rows.
 */
#ifndef SYLK_IM_JOURNAL_DB_H
#define SYLK_IM_JOURNAL_DB_H

#include <stdbool.h>
#include <stddef.h>

struct journal_db;

struct journal_db_opts {
	int busy_timeout_ms;     /* waits for another process's write */
	int checkpoint_wait_ms;  /* a checkpoint's wait for readers to leave the log */
	bool synchronous_full;   /* else NORMAL: a crash of the server loses nothing */
	long long wal_limit;     /* bytes the log is cut back to; 0: SQLite's own checkpoints */
	int cache_kib;           /* page cache; 0: SQLite's default */
	size_t counted_accounts; /* accounts whose incoming count is kept */
};

/** One row to add; every string set ("" for none). */
struct journal_entry {
	const char *account, *contact, *direction, *message_id, *content_type, *content;
	const char *timestamp, *state, *disposition;
	const char *metadata; /* NULL: "" */
	long long created;
};

/** The file Kamailio's db_sqlite opens for the DB URL @p url: what
 * follows the first '/' after "sqlite://" (relative to the working
 * directory, as db_sqlite takes it), up to a '?' (URL parameters).
 * @return 0, EINVAL (not an SQLite URL, or no file in it), ENAMETOOLONG */
int journal_db_path_of_url(const char *url, char *out, size_t size);

/** Gives a journal made before a column existed (metadata) that column,
 * keeping its rows; nothing when it has it, or has no journal table at
 * all. For the server's start, before any process reads the table (the
 * package's service does not run the setup, which does the same).
 * @return 0, ENOENT (no such file), EIO (@p why says what SQLite said) */
int journal_db_upgrade(const char *path, bool *upgraded, char *why, size_t why_size);

/** Opens @p path (an existing database with the journal's table); on
 * failure @p why (may be NULL) says what SQLite said.
 * @return 0, EINVAL, ENOENT (no such file or table), ENOMEM, EIO */
int journal_db_open(struct journal_db **out, const char *path, const struct journal_db_opts *o,
		    char *why, size_t why_size);
void journal_db_close(struct journal_db *j);

/** The last SQLite error, for the log. */
const char *journal_db_error(const struct journal_db *j);

/** One write transaction around many adds and state changes.
 * begin: 0, EBUSY (another writer past the busy timeout), EIO.
 * commit: 0, or EIO when nothing of the transaction was kept. */
int journal_db_begin(struct journal_db *j);
int journal_db_commit(struct journal_db *j);

/** Adds @p e. @return 0; EEXIST when the account has that message_id
 * already (checked before the cap, so a copy is never refused); ENOSPC
 * when @p max > 0 and the account holds @p max incoming rows; EIO */
int journal_db_add(struct journal_db *j, const struct journal_entry *e, int max);

/** A message's new state: an incoming message stays "received", and the
 * disposition list loses what @p state answers (disposition.h).
 * @return 0, ENOENT (no such message), EIO */
int journal_db_set_state(struct journal_db *j, const char *account, const char *message_id,
			 const char *state);

/** With a wal_limit: true when the log, as the last commit left it, is
 * past half the limit and the last checkpoint did not fail. A checkpoint
 * then keeps the log from reaching the limit, past which starting it over
 * would cut the file back and make it grow (block by block, each one
 * allocated and zeroed) again. After a failed one (readers stayed) only
 * the caller's periodic checkpoint tries again, not every commit. */
bool journal_db_checkpoint_due(const struct journal_db *j);

/** With a wal_limit: copies the log into the database and makes the next
 * write start it over, waiting for readers inside it (or another writer)
 * up to checkpoint_wait_ms only: every write waits meanwhile.
 * @return 0, EBUSY (readers stayed: what was copied stays copied), EIO */
int journal_db_checkpoint(struct journal_db *j);

#endif
