/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sylk_ws/im/disposition.h"
#include "sylk_ws/im/journal_counts.h"
#include "sylk_ws/im/journal_db.h"

enum stmt_id { ST_INSERT, ST_FIND, ST_UPDATE, ST_COUNT, ST_BEGIN, ST_COMMIT, ST_ROLLBACK, ST_N };

static const char *const stmt_sql[ST_N] = {
	[ST_INSERT] =
		"INSERT INTO sylk_messages (account, contact, direction, message_id, "
		"content_type, content, msg_timestamp, state, disposition, created, metadata) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
		"ON CONFLICT (account, message_id) DO NOTHING",
	[ST_FIND] = "SELECT id, state, disposition FROM sylk_messages "
		    "WHERE account = ? AND message_id = ?",
	[ST_UPDATE] = "UPDATE sylk_messages SET state = ?, disposition = ? WHERE id = ?",
	/* LIMIT bounds the work by the cap, whatever the account holds */
	[ST_COUNT] = "SELECT COUNT(*) FROM (SELECT 1 FROM sylk_messages "
		     "WHERE account = ? AND direction = 'incoming' LIMIT ?)",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct journal_db {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_N];
	struct journal_counts *counts;
	bool bounded; /* checkpoints are ours (wal_limit) */
	long long wal_limit;
	long long wal_bytes; /* the log's length after the last commit */
	int busy_timeout_ms, checkpoint_wait_ms;
	int page_size;
	bool checkpoint_failed; /* the last one; the caller's next periodic one retries */
	char error[256];
};

static int failed(struct journal_db *j, const char *what)
{
	snprintf(j->error, sizeof(j->error), "%s: %s", what, sqlite3_errmsg(j->db));
	return EIO;
}

/* Runs a prepared statement that returns no row to the end. */
static int step_done(struct journal_db *j, enum stmt_id id)
{
	sqlite3_stmt *s = j->stmt[id];
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	if (rc == SQLITE_DONE)
		return 0;
	return rc == SQLITE_BUSY ? (failed(j, stmt_sql[id]), EBUSY) : failed(j, stmt_sql[id]);
}

static int exec(struct journal_db *j, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(j->error, sizeof(j->error), "%s: %s", sql, msg ? msg : "?");
	sqlite3_free(msg);
	return EIO;
}

/* sqlite3_wal_hook: called after each commit with the log's length in
 * frames (a page and its 24-byte header each) */
static int note_wal_frames(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct journal_db *j = arg;

	(void)db;
	(void)name;
	j->wal_bytes = (long long)frames * (j->page_size + 24);
	return SQLITE_OK;
}

static int read_page_size(struct journal_db *j)
{
	sqlite3_stmt *s = NULL;
	int rc;

	if (sqlite3_prepare_v2(j->db, "PRAGMA page_size", -1, &s, NULL) != SQLITE_OK)
		return failed(j, "PRAGMA page_size");
	rc = sqlite3_step(s);
	j->page_size = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : 4096;
	sqlite3_finalize(s);
	return 0;
}

static int configure(struct journal_db *j, const struct journal_db_opts *o)
{
	char sql[96];
	int err;

	j->busy_timeout_ms = o->busy_timeout_ms;
	j->checkpoint_wait_ms = o->checkpoint_wait_ms;
	sqlite3_busy_timeout(j->db, o->busy_timeout_ms);
	err = exec(j, o->synchronous_full ? "PRAGMA synchronous = FULL" :
					    "PRAGMA synchronous = NORMAL");
	if (!err && o->cache_kib > 0) {
		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", o->cache_kib);
		err = exec(j, sql);
	}
	if (!err && o->wal_limit > 0) {
		/* checkpoints once a second (journal_db_checkpoint()), not every
		 * 1000 pages in the middle of a transaction */
		snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld", o->wal_limit);
		err = exec(j, sql);
		if (!err)
			err = exec(j, "PRAGMA wal_autocheckpoint = 0");
		j->bounded = true;
		j->wal_limit = o->wal_limit;
	}
	if (!err)
		err = read_page_size(j);
	if (!err)
		sqlite3_wal_hook(j->db, note_wal_frames, j);
	return err;
}

int journal_db_path_of_url(const char *url, char *out, size_t size)
{
	static const char scheme[] = "sqlite://";
	const char *path;
	size_t len;

	if (!url || !out || !size || strncmp(url, scheme, sizeof(scheme) - 1) != 0)
		return EINVAL;
	/* [user[:password]@]host[:port] before it, empty for a local file */
	path = strchr(url + sizeof(scheme) - 1, '/');
	if (!path)
		return EINVAL;
	path++;
	len = strcspn(path, "?");
	if (!len)
		return EINVAL;
	if (len >= size)
		return ENAMETOOLONG;
	memcpy(out, path, len);
	out[len] = '\0';
	return 0;
}

int journal_db_open(struct journal_db **out, const char *path, const struct journal_db_opts *o,
		    char *why, size_t why_size)
{
	struct journal_db *j;
	int err = 0;

	if (why && why_size)
		why[0] = '\0';
	if (!out || !path || !*path || !o || !o->counted_accounts)
		return EINVAL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return ENOMEM;
	/* the file is the setup's: never create an empty one in its place */
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		err = j->db ? failed(j, path) : ENOMEM;
		if (j->db && sqlite3_errcode(j->db) == SQLITE_CANTOPEN)
			err = ENOENT;
		goto out;
	}
	err = configure(j, o);
	if (err)
		goto out;
	for (int i = 0; i < ST_N; i++) {
		if (sqlite3_prepare_v3(j->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
				       &j->stmt[i], NULL) != SQLITE_OK) {
			/* the usual reason: the setup did not create the table */
			failed(j, stmt_sql[i]);
			err = ENOENT;
			goto out;
		}
	}
	err = journal_counts_alloc(&j->counts, o->counted_accounts);
out:
	if (err) {
		if (why && why_size)
			snprintf(why, why_size, "%s", j->error);
		journal_db_close(j);
		j = NULL;
	}
	*out = j;
	return err;
}

int journal_db_upgrade(const char *path, bool *upgraded, char *why, size_t why_size)
{
	static const char probe[] = "SELECT metadata FROM sylk_messages LIMIT 0";
	static const char add[] =
		"ALTER TABLE sylk_messages ADD COLUMN metadata TEXT NOT NULL DEFAULT ''";
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int err = 0;

	if (why && why_size)
		why[0] = '\0';
	if (upgraded)
		*upgraded = false;
	if (!path || !*path)
		return EINVAL;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		err = db && sqlite3_errcode(db) == SQLITE_CANTOPEN ? ENOENT : EIO;
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_prepare_v2(db, probe, -1, &s, NULL) == SQLITE_OK)
		goto out; /* the column is there */
	if (!strstr(sqlite3_errmsg(db), "no such column"))
		goto out; /* no journal table: the setup's business */
	if (sqlite3_exec(db, add, NULL, NULL, NULL) != SQLITE_OK) {
		err = EIO;
		goto out;
	}
	if (upgraded)
		*upgraded = true;
out:
	if (err && why && why_size)
		snprintf(why, why_size, "%s", db ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_finalize(s);
	sqlite3_close(db);
	return err;
}

void journal_db_close(struct journal_db *j)
{
	if (!j)
		return;
	for (int i = 0; i < ST_N; i++)
		sqlite3_finalize(j->stmt[i]);
	sqlite3_close(j->db);
	journal_counts_free(j->counts);
	free(j);
}

const char *journal_db_error(const struct journal_db *j)
{
	return j && j->error[0] ? j->error : "no error";
}

int journal_db_begin(struct journal_db *j)
{
	return step_done(j, ST_BEGIN);
}

int journal_db_commit(struct journal_db *j)
{
	int err;

	/* an I/O error or a full disk inside the transaction rolled it back */
	if (sqlite3_get_autocommit(j->db))
		return failed(j, "the transaction was rolled back");
	err = step_done(j, ST_COMMIT);
	if (err) {
		step_done(j, ST_ROLLBACK);
		return EIO;
	}
	return 0;
}

static void bind_text(sqlite3_stmt *s, int col, const char *v)
{
	sqlite3_bind_text(s, col, v ? v : "", -1, SQLITE_STATIC);
}

/* id, state and disposition of (account, message_id): 0, ENOENT, EIO */
static int find(struct journal_db *j, const char *account, const char *message_id,
		long long *id, char *state, size_t state_size, char *disp, size_t disp_size)
{
	sqlite3_stmt *s = j->stmt[ST_FIND];
	int rc, err = 0;

	bind_text(s, 1, account);
	bind_text(s, 2, message_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *st = (const char *)sqlite3_column_text(s, 1);
		const char *d = (const char *)sqlite3_column_text(s, 2);

		*id = sqlite3_column_int64(s, 0);
		snprintf(state, state_size, "%s", st ? st : "");
		snprintf(disp, disp_size, "%s", d ? d : "");
	} else {
		err = rc == SQLITE_DONE ? ENOENT : failed(j, stmt_sql[ST_FIND]);
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}

static int count_incoming(struct journal_db *j, const char *account, int max, long long *n)
{
	sqlite3_stmt *s = j->stmt[ST_COUNT];
	int rc, err = 0;

	bind_text(s, 1, account);
	sqlite3_bind_int(s, 2, max);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*n = sqlite3_column_int64(s, 0);
	else
		err = failed(j, stmt_sql[ST_COUNT]);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return err;
}

/* ENOSPC when @p account holds @p max incoming rows already */
static int cap_check(struct journal_db *j, const char *account, int max)
{
	long long n = journal_counts_get(j->counts, account);
	int err;

	if (n >= 0 && n < max)
		return 0;
	err = count_incoming(j, account, max, &n);
	if (err)
		return err;
	/* without memory for it the next message counts again */
	(void)journal_counts_set(j->counts, account, n);
	return n >= max ? ENOSPC : 0;
}

int journal_db_add(struct journal_db *j, const struct journal_entry *e, int max)
{
	sqlite3_stmt *s = j->stmt[ST_INSERT];
	const char *values[] = {e->account,      e->contact, e->direction, e->message_id,
				e->content_type, e->content, e->timestamp, e->state,
				e->disposition};
	char state[16], disp[64];
	long long id;
	int err;

	if (max > 0) {
		err = cap_check(j, e->account, max);
		if (err == ENOSPC &&
		    find(j, e->account, e->message_id, &id, state, sizeof(state), disp,
			 sizeof(disp)) == 0)
			return EEXIST;
		if (err)
			return err;
	}
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		bind_text(s, (int)i + 1, values[i]);
	sqlite3_bind_int64(s, 10, e->created);
	bind_text(s, 11, e->metadata);
	err = step_done(j, ST_INSERT);
	if (err)
		return err;
	if (sqlite3_changes(j->db) == 0)
		return EEXIST;
	if (e->direction && strcmp(e->direction, "incoming") == 0)
		journal_counts_added(j->counts, e->account);
	return 0;
}

int journal_db_set_state(struct journal_db *j, const char *account, const char *message_id,
			 const char *state)
{
	sqlite3_stmt *s = j->stmt[ST_UPDATE];
	char old_state[16], new_state[16], disp[64], old_disp[64];
	long long id;
	int err;

	err = find(j, account, message_id, &id, old_state, sizeof(old_state), disp, sizeof(disp));
	if (err)
		return err;
	memcpy(old_disp, disp, sizeof(disp));
	memcpy(new_state, old_state, sizeof(old_state));
	if (strcmp(old_state, "received") != 0)
		snprintf(new_state, sizeof(new_state), "%s", state);
	im_disposition_after(disp, state);
	if (!strcmp(new_state, old_state) && !strcmp(disp, old_disp))
		return 0;
	bind_text(s, 1, new_state);
	bind_text(s, 2, disp);
	sqlite3_bind_int64(s, 3, id);
	return step_done(j, ST_UPDATE);
}

bool journal_db_checkpoint_due(const struct journal_db *j)
{
	return j->bounded && !j->checkpoint_failed && j->wal_bytes > j->wal_limit / 2;
}

int journal_db_checkpoint(struct journal_db *j)
{
	int rc;

	if (!j->bounded)
		return 0;
	sqlite3_busy_timeout(j->db, j->checkpoint_wait_ms);
	rc = sqlite3_wal_checkpoint_v2(j->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	sqlite3_busy_timeout(j->db, j->busy_timeout_ms);
	j->checkpoint_failed = rc != SQLITE_OK;
	if (rc == SQLITE_OK) {
		j->wal_bytes = 0;
		return 0;
	}
	return rc == SQLITE_BUSY ? (failed(j, "checkpoint"), EBUSY) : failed(j, "checkpoint");
}
