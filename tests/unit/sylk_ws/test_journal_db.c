/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "sylk_ws/im/journal_db.h"

/* the schema the setup creates */
#define SCHEMA "packaging/sql/sylk-messaging.sql"

static char dir[] = "/tmp/test_journal_db.XXXXXX";
static char path[256];

static const struct journal_db_opts opts = {
	.busy_timeout_ms = 50, .checkpoint_wait_ms = 10, .wal_limit = 1 << 20, .cache_kib = 1024,
	.counted_accounts = 16};

static sqlite3 *other(void)
{
	sqlite3 *db = NULL;

	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 1000);
	return db;
}

static void exec_or_fail(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
	CHECK(msg == NULL);
	sqlite3_free(msg);
}

/* The setup's schema file applied to @p db, as setup-runtime.sh does on
 * every start. */
static void apply_schema(sqlite3 *db)
{
	FILE *f = fopen(SCHEMA, "r");
	char *sql = calloc(1, 1 << 16);

	CHECK(f != NULL && sql != NULL);
	if (!f || !sql)
		exit(1);
	CHECK(fread(sql, 1, (1 << 16) - 1, f) > 0);
	fclose(f);
	exec_or_fail(db, sql);
	free(sql);
}

static void create_schema(void)
{
	sqlite3 *db = other();

	exec_or_fail(db, "PRAGMA journal_mode = WAL");
	apply_schema(db);
	sqlite3_close(db);
}

/* column @p col of every row of @p sql, each followed by a ";" */
static const char *text_rows(sqlite3 *db, const char *sql, int col, char *out, size_t size)
{
	sqlite3_stmt *s = NULL;
	size_t used = 0;

	out[0] = '\0';
	CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	while (s && sqlite3_step(s) == SQLITE_ROW && used < size) {
		const char *t = (const char *)sqlite3_column_text(s, col);
		int n = snprintf(out + used, size - used, "%s;", t ? t : "");

		used += n > 0 ? (size_t)n : 0;
	}
	sqlite3_finalize(s);
	return out;
}

/* one column of the row (account, message_id), "" when there is none */
static const char *column(const char *account, const char *message_id, const char *col)
{
	static char out[128];
	char sql[256];
	sqlite3_stmt *s = NULL;
	sqlite3 *db = other();

	out[0] = '\0';
	snprintf(sql, sizeof(sql), "SELECT %s FROM sylk_messages WHERE account = ?1 AND "
		 "message_id = ?2", col);
	CHECK_INT(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, account, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, message_id, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return out;
}

static struct journal_entry entry(const char *account, const char *direction, const char *id)
{
	return (struct journal_entry){.account = account,
				      .contact = "carol@sylk.test",
				      .direction = direction,
				      .message_id = id,
				      .content_type = "text/plain",
				      .content = "hi",
				      .timestamp = "2026-12-06T10:00:00Z",
				      .state = !strcmp(direction, "incoming") ? "received" : "pending",
				      .disposition = "positive-delivery,display",
				      .created = 1796551200};
}

static void test_path_of_url_is_db_sqlites(void)
{
	char out[32];

	CHECK_INT(journal_db_path_of_url("sqlite:///var/lib/sylk/sylk.sqlite", out, sizeof(out)), 0);
	/* db_sqlite opens what follows the host's '/', relative to the cwd */
	CHECK_STR(out, "var/lib/sylk/sylk.sqlite");
	CHECK_INT(journal_db_path_of_url("sqlite://host/x.db?readonly=1", out, sizeof(out)), 0);
	CHECK_STR(out, "x.db");
	CHECK_INT(journal_db_path_of_url("sqlite:", out, sizeof(out)), EINVAL);
	CHECK_INT(journal_db_path_of_url("sqlite://nofile", out, sizeof(out)), EINVAL);
	CHECK_INT(journal_db_path_of_url("sqlite:///", out, sizeof(out)), EINVAL);
	CHECK_INT(journal_db_path_of_url("mysql://u:p@h/db", out, sizeof(out)), EINVAL);
	CHECK_INT(journal_db_path_of_url(NULL, out, sizeof(out)), EINVAL);
	CHECK_INT(journal_db_path_of_url("sqlite:///a/very/long/path/that/does/not/fit", out,
					 sizeof(out)),
		  ENAMETOOLONG);
}

static void test_open_refuses_what_is_not_a_journal(void)
{
	struct journal_db *j = (struct journal_db *)1;
	char why[256], empty[300];
	sqlite3 *db;

	CHECK_INT(journal_db_open(&j, "/nonexistent/x.sqlite", &opts, why, sizeof(why)), ENOENT);
	CHECK(j == NULL);
	/* a database without the table (the setup never ran) */
	snprintf(empty, sizeof(empty), "%s/empty.sqlite", dir);
	CHECK_INT(sqlite3_open(empty, &db), SQLITE_OK);
	exec_or_fail(db, "CREATE TABLE t (x)");
	sqlite3_close(db);
	CHECK_INT(journal_db_open(&j, empty, &opts, why, sizeof(why)), ENOENT);
	CHECK(strstr(why, "sylk_messages") != NULL);
	CHECK_INT(journal_db_open(&j, empty, NULL, why, sizeof(why)), EINVAL);
	unlink(empty);
}

static void test_add_keeps_one_copy(void)
{
	struct journal_db *j = NULL;
	struct journal_entry e = entry("bob@sylk.test", "incoming", "m1");

	CHECK_INT(journal_db_open(&j, path, &opts, NULL, 0), 0);
	CHECK_INT(journal_db_begin(j), 0);
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	CHECK_INT(journal_db_add(j, &e, 0), EEXIST);
	e.account = "alice@sylk.test";
	e.direction = "outgoing";
	e.state = "pending";
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	/* not committed yet: another connection does not see it */
	CHECK_STR(column("bob@sylk.test", "m1", "content"), "");
	CHECK_INT(journal_db_commit(j), 0);
	CHECK_STR(column("bob@sylk.test", "m1", "content"), "hi");
	CHECK_STR(column("alice@sylk.test", "m1", "direction"), "outgoing");
	CHECK_STR(column("alice@sylk.test", "m1", "created"), "1796551200");
	/* no metadata: the column's "" */
	CHECK_STR(column("alice@sylk.test", "m1", "metadata"), "");
	/* no transaction: each statement commits by itself */
	e.message_id = "m2";
	e.metadata = "{\"action\":\"start\",\"version\":\"2.0\"}";
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	CHECK_STR(column("alice@sylk.test", "m2", "state"), "pending");
	CHECK_STR(column("alice@sylk.test", "m2", "metadata"),
		  "{\"action\":\"start\",\"version\":\"2.0\"}");
	journal_db_close(j);
}

static void test_cap_counts_incoming_rows_only(void)
{
	struct journal_db *j = NULL;
	struct journal_entry e = entry("dave@sylk.test", "incoming", "c1");
	sqlite3 *db;

	CHECK_INT(journal_db_open(&j, path, &opts, NULL, 0), 0);
	CHECK_INT(journal_db_add(j, &e, 2), 0);
	e.message_id = "c2";
	CHECK_INT(journal_db_add(j, &e, 2), 0);
	e.message_id = "c3";
	CHECK_INT(journal_db_add(j, &e, 2), ENOSPC);
	/* a copy of a stored message is a copy, not a refusal */
	e.message_id = "c2";
	CHECK_INT(journal_db_add(j, &e, 2), EEXIST);
	/* what the account sends itself is not capped */
	e.direction = "outgoing";
	e.message_id = "o1";
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	/* another process removes one: the next message fits, then no more */
	db = other();
	exec_or_fail(db, "DELETE FROM sylk_messages WHERE message_id = 'c1'");
	sqlite3_close(db);
	e.direction = "incoming";
	e.message_id = "c4";
	CHECK_INT(journal_db_add(j, &e, 2), 0);
	e.message_id = "c5";
	CHECK_INT(journal_db_add(j, &e, 2), ENOSPC);
	CHECK_STR(column("dave@sylk.test", "c5", "content"), "");
	journal_db_close(j);
}

/* A database made before: its two indexes give way to the one that
 * serves both, and the cap still counts from an index alone. */
static void test_schema_upgrade_and_count_plan(void)
{
	char old_path[300], got[1024];
	sqlite3 *db;

	snprintf(old_path, sizeof(old_path), "%s/old.sqlite", dir);
	CHECK_INT(sqlite3_open(old_path, &db), SQLITE_OK);
	exec_or_fail(db, "CREATE TABLE sylk_messages (id INTEGER PRIMARY KEY AUTOINCREMENT, "
			 "account VARCHAR(255) NOT NULL, contact VARCHAR(255) NOT NULL, "
			 "direction VARCHAR(16) NOT NULL DEFAULT '', message_id VARCHAR(255) NOT NULL, "
			 "content_type VARCHAR(255) NOT NULL, content TEXT NOT NULL, "
			 "msg_timestamp VARCHAR(64) NOT NULL, state VARCHAR(16) NOT NULL DEFAULT '', "
			 "disposition VARCHAR(64) NOT NULL DEFAULT '', created INTEGER NOT NULL, "
			 "CONSTRAINT sylk_messages_once UNIQUE (account, message_id));"
			 "CREATE INDEX sylk_messages_contact ON sylk_messages (account, contact);"
			 "CREATE INDEX sylk_messages_direction ON sylk_messages (account, direction);"
			 "INSERT INTO sylk_messages (account, contact, direction, message_id, "
			 "content_type, content, msg_timestamp, created) VALUES ('a@x', 'b@x', "
			 "'incoming', 'm1', 'text/plain', 'kept', 't', 1)");
	sqlite3_close(db);
	{
		/* the server's own start adds the new column, once, rows kept */
		bool upgraded = false;
		struct journal_db *j = NULL;

		CHECK_INT(journal_db_open(&j, old_path, &opts, NULL, 0), ENOENT);
		CHECK_INT(journal_db_upgrade(old_path, &upgraded, NULL, 0), 0);
		CHECK(upgraded);
		CHECK_INT(journal_db_upgrade(old_path, &upgraded, NULL, 0), 0);
		CHECK(!upgraded);
		CHECK_INT(journal_db_upgrade("/nonexistent/x.sqlite", &upgraded, NULL, 0), ENOENT);
	}
	CHECK_INT(sqlite3_open(old_path, &db), SQLITE_OK);
	CHECK_STR(text_rows(db, "SELECT metadata FROM sylk_messages", 0, got, sizeof(got)), ";");
	apply_schema(db);
	apply_schema(db); /* every start applies it again */
	text_rows(db, "SELECT name FROM sqlite_master WHERE type = 'index' AND "
		      "tbl_name = 'sylk_messages' AND name NOT LIKE 'sqlite_autoindex%' "
		      "ORDER BY name", 0, got, sizeof(got));
	CHECK_STR(got, "sylk_messages_conversation;sylk_messages_created;sylk_messages_journal;");
	CHECK_STR(text_rows(db, "SELECT content FROM sylk_messages", 0, got, sizeof(got)),
		  "kept;");
	/* the cap's count (ST_COUNT's shape) reads no row of the table */
	text_rows(db, "EXPLAIN QUERY PLAN SELECT COUNT(*) FROM (SELECT 1 FROM sylk_messages "
		      "WHERE account = 'a@x' AND direction = 'incoming' LIMIT 10)", 3, got,
		  sizeof(got));
	CHECK(strstr(got, "COVERING INDEX sylk_messages_conversation") != NULL);
	sqlite3_close(db);
	unlink(old_path);
}

static void test_state_changes(void)
{
	struct journal_db *j = NULL;
	struct journal_entry out = entry("erin@sylk.test", "outgoing", "s1");
	struct journal_entry in = entry("frank@sylk.test", "incoming", "s1");

	CHECK_INT(journal_db_open(&j, path, &opts, NULL, 0), 0);
	CHECK_INT(journal_db_add(j, &out, 0), 0);
	CHECK_INT(journal_db_add(j, &in, 0), 0);
	CHECK_INT(journal_db_set_state(j, "erin@sylk.test", "s1", "delivered"), 0);
	CHECK_STR(column("erin@sylk.test", "s1", "state"), "delivered");
	CHECK_STR(column("erin@sylk.test", "s1", "disposition"), "display");
	CHECK_INT(journal_db_set_state(j, "erin@sylk.test", "s1", "displayed"), 0);
	CHECK_STR(column("erin@sylk.test", "s1", "state"), "displayed");
	CHECK_STR(column("erin@sylk.test", "s1", "disposition"), "");
	/* the receiver's copy stays "received"; its disposition follows */
	CHECK_INT(journal_db_set_state(j, "frank@sylk.test", "s1", "delivered"), 0);
	CHECK_STR(column("frank@sylk.test", "s1", "state"), "received");
	CHECK_STR(column("frank@sylk.test", "s1", "disposition"), "display");
	CHECK_INT(journal_db_set_state(j, "frank@sylk.test", "nope", "delivered"), ENOENT);
	journal_db_close(j);
}

static void test_busy_writer_and_checkpoint(void)
{
	struct journal_db *j = NULL;
	struct journal_entry e = entry("gina@sylk.test", "outgoing", "b1");
	char wal[300];
	struct stat st;
	sqlite3 *db;

	CHECK_INT(journal_db_open(&j, path, &opts, NULL, 0), 0);
	db = other();
	exec_or_fail(db, "BEGIN IMMEDIATE");
	CHECK_INT(journal_db_begin(j), EBUSY);
	CHECK(strstr(journal_db_error(j), "locked") != NULL);
	exec_or_fail(db, "COMMIT");
	sqlite3_close(db);
	CHECK_INT(journal_db_begin(j), 0);
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	CHECK_INT(journal_db_commit(j), 0);
	/* commit without a transaction: nothing to keep */
	CHECK_INT(journal_db_commit(j), EIO);
	/* a RESTART checkpoint copies the log out: the next write starts
	 * it over and journal_size_limit cuts it back */
	CHECK_INT(journal_db_checkpoint(j), 0);
	e.message_id = "b2";
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	CHECK_INT(stat(wal, &st), 0);
	CHECK(st.st_size <= opts.wal_limit);
	CHECK_STR(column("gina@sylk.test", "b2", "state"), "pending");
	journal_db_close(j);
}

/* The writer checkpoints once the log is half its limit (each commit tells
 * how long the log is), but not again after every commit when that failed. */
static void test_log_half_full_after_enough_commits(void)
{
	struct journal_db *j = NULL;
	struct journal_entry e = entry("hana@sylk.test", "outgoing", "");
	char id[32], out[64];
	int commits = 0;
	sqlite3 *reader;

	CHECK_INT(journal_db_open(&j, path, &opts, NULL, 0), 0);
	CHECK_INT(journal_db_checkpoint(j), 0);
	CHECK(!journal_db_checkpoint_due(j));
	/* each commit adds a few 4 KiB pages: half of 1 MiB takes dozens */
	while (!journal_db_checkpoint_due(j) && commits < 1000) {
		snprintf(id, sizeof(id), "h%d", commits++);
		e.message_id = id;
		CHECK_INT(journal_db_begin(j), 0);
		CHECK_INT(journal_db_add(j, &e, 0), 0);
		CHECK_INT(journal_db_commit(j), 0);
	}
	CHECK(journal_db_checkpoint_due(j));
	CHECK(commits > 10);
	/* a reader in the log makes it fail: not due again at the next commit */
	reader = other();
	exec_or_fail(reader, "BEGIN");
	CHECK_STR(text_rows(reader, "SELECT message_id FROM sylk_messages WHERE "
			    "account = 'hana@sylk.test' AND message_id = 'h0'", 0, out, sizeof(out)),
		  "h0;");
	CHECK_INT(journal_db_checkpoint(j), EBUSY);
	e.message_id = "h-after";
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	CHECK(!journal_db_checkpoint_due(j));
	exec_or_fail(reader, "COMMIT");
	sqlite3_close(reader);
	CHECK_INT(journal_db_checkpoint(j), 0);
	CHECK(!journal_db_checkpoint_due(j));
	journal_db_close(j);
}

/* A reader inside the log: the checkpoint gives up (what it copied stays
 * copied) and the writer goes on writing; once the reader is gone the
 * next one starts the log over. */
static void test_checkpoint_gives_up_on_a_reader_in_the_log(void)
{
	struct journal_db *j = NULL;
	struct journal_entry e = entry("iris@sylk.test", "outgoing", "r1");
	sqlite3 *reader;
	char out[64];

	CHECK_INT(journal_db_open(&j, path, &opts, NULL, 0), 0);
	CHECK_INT(journal_db_checkpoint(j), 0);
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	reader = other();
	exec_or_fail(reader, "BEGIN");
	CHECK_STR(text_rows(reader, "SELECT message_id FROM sylk_messages WHERE "
			    "account = 'iris@sylk.test'", 0, out, sizeof(out)), "r1;");
	CHECK_INT(journal_db_checkpoint(j), EBUSY);
	e.message_id = "r2";
	CHECK_INT(journal_db_add(j, &e, 0), 0);
	exec_or_fail(reader, "COMMIT");
	sqlite3_close(reader);
	CHECK_INT(journal_db_checkpoint(j), 0);
	CHECK_STR(column("iris@sylk.test", "r2", "state"), "pending");
	journal_db_close(j);
}

int main(void)
{
	char wal[300], shm[300];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/journal.sqlite", dir);
	create_schema();
	RUN(test_path_of_url_is_db_sqlites);
	RUN(test_open_refuses_what_is_not_a_journal);
	RUN(test_add_keeps_one_copy);
	RUN(test_cap_counts_incoming_rows_only);
	RUN(test_schema_upgrade_and_count_plan);
	RUN(test_state_changes);
	RUN(test_busy_writer_and_checkpoint);
	RUN(test_log_half_full_after_enough_commits);
	RUN(test_checkpoint_gives_up_on_a_reader_in_the_log);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	snprintf(shm, sizeof(shm), "%s-shm", path);
	unlink(wal);
	unlink(shm);
	unlink(path);
	rmdir(dir);
	return check_summary();
}
