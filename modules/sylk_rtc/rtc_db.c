/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One database connection per process: see rtc_db.h. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/sr_module.h"

#include "rtc_config.h"
#include "rtc_db.h"

db_func_t rtc_dbf;
static db1_con_t *conn; /* this process's */
static bool bound;

int rtc_db_bind(void)
{
	str url;

	if (!rtc_cfg.db_url || !*rtc_cfg.db_url)
		return 0;
	url.s = rtc_cfg.db_url;
	url.len = (int)strlen(url.s);
	if (db_bind_mod(&url, &rtc_dbf) < 0) {
		LM_ERR("cannot bind the database module of %s (loadmodule it first)\n",
		       rtc_cfg.db_url);
		return -1;
	}
	if (!DB_CAPABILITY(rtc_dbf, DB_CAP_QUERY | DB_CAP_INSERT | DB_CAP_DELETE | DB_CAP_UPDATE)) {
		LM_ERR("the database module of %s lacks query/insert/delete/update\n",
		       rtc_cfg.db_url);
		return -1;
	}
	bound = true;
	return 0;
}

bool rtc_db_enabled(void)
{
	return bound;
}

bool rtc_db_has_sql(void)
{
	return bound && DB_CAPABILITY(rtc_dbf, DB_CAP_RAW_QUERY);
}

bool rtc_db_is_sqlite(void)
{
	return rtc_cfg.db_url && strncmp(rtc_cfg.db_url, "sqlite:", 7) == 0;
}

int rtc_db_exec(const char *sql)
{
	str q = {(char *)sql, (int)strlen(sql)};
	db1_res_t *res = NULL;
	int rc;

	if (!conn)
		return EIO;
	rc = rtc_dbf.raw_query(conn, &q, &res) < 0 ? EIO : 0;
	if (res)
		rtc_dbf.free_result(conn, res);
	return rc;
}

static void sqlite_pragma(const char *sql)
{
	if (rtc_db_exec(sql) != 0)
		LM_WARN("SQLite refused \"%s\"\n", sql);
}

/* how long this connection waits for another one's lock */
static void sqlite_busy_timeout(int ms)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA busy_timeout = %d", ms);
	sqlite_pragma(sql);
}

/* SQLite answers "busy" at once while another process writes: let it wait.
 * In WAL mode, synchronous=NORMAL still survives a crash of the server
 * (kill -9) with every committed row, and spares an fdatasync per commit;
 * only a power failure may lose the last commits (sqlite_synchronous=FULL
 * keeps them at that cost). */
static void sqlite_setup(void)
{
	char sql[64];

	if (!rtc_db_is_sqlite() || !rtc_db_has_sql())
		return;
	sqlite_busy_timeout(RTC_DB_BUSY_MS);
	snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s",
		 !strcasecmp(rtc_cfg.sqlite_synchronous, "FULL") ? "FULL" : "NORMAL");
	sqlite_pragma(sql);
	if (rtc_db_wal_bounded()) {
		snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %d",
			 rtc_cfg.sqlite_wal_limit);
		sqlite_pragma(sql);
	}
}

/* The DB API pools one connection per URL and process, shared by every
 * module: opened here in each process that may write the SQLite file, it
 * gives presence, usrloc and auth_db our busy timeout too, so that they
 * wait for another writer or the log's checkpoint instead of failing with
 * "database is locked". tcp_main runs no project code. */
void rtc_db_child_init(int rank)
{
	if (!bound || !rtc_db_is_sqlite() || rank == PROC_INIT || rank == PROC_MAIN ||
	    rank == PROC_TCP_MAIN)
		return;
	if (!rtc_db_table("sylk_messages"))
		LM_WARN("no busy timeout for the SQLite connection of process %d\n", rank);
}

bool rtc_db_wal_bounded(void)
{
	return rtc_db_is_sqlite() && rtc_cfg.sqlite_wal_limit > 0;
}

/* SQLite moves its write-ahead log back to the start only when a
 * checkpoint has copied all of it and no reader is inside it. With
 * several worker processes writing and reading all the time, neither
 * happens by itself: under steady load the log grew by tens of MB a
 * second until the disk was full. A RESTART checkpoint waits (busy
 * handler, briefly) for the readers of the log's end and makes the next
 * writer start over; journal_size_limit then cuts the file back. */
void rtc_db_wal_restart(void)
{
	if (!rtc_db_wal_bounded() || !rtc_db_has_sql() || !rtc_db_table("sylk_messages"))
		return;
	sqlite_busy_timeout(RTC_DB_CHECKPOINT_WAIT_MS);
	sqlite_pragma("PRAGMA wal_checkpoint(RESTART)");
	sqlite_busy_timeout(RTC_DB_BUSY_MS);
}

/* use_table() keeps the str it is given, not a copy: one lasting str per
 * table name */
static str *table_name(const char *table)
{
	static str names[16];
	static int n;

	for (int i = 0; i < n; i++)
		if (!strcmp(names[i].s, table))
			return &names[i];
	if (n == (int)(sizeof(names) / sizeof(names[0])))
		return NULL;
	names[n].s = (char *)table;
	names[n].len = (int)strlen(table);
	return &names[n++];
}

db1_con_t *rtc_db_table(const char *table)
{
	str *t = table_name(table);

	if (!bound)
		return NULL;
	if (!conn) {
		str url = {rtc_cfg.db_url, (int)strlen(rtc_cfg.db_url)};

		conn = rtc_dbf.init(&url);
		if (!conn) {
			LM_ERR("cannot connect to the database %s\n", rtc_cfg.db_url);
			return NULL;
		}
		sqlite_setup();
	}
	if (!t || rtc_dbf.use_table(conn, t) < 0) {
		LM_ERR("cannot use table %s\n", table);
		return NULL;
	}
	return conn;
}

int rtc_db_quote(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 >= size)
		return -1;
	buf[n++] = '\'';
	for (; *s; s++) {
		if (n + 3 >= size)
			return -1;
		/* MySQL reads a backslash as an escape, SQLite does not: refuse it */
		if (*s == '\\')
			return -1;
		if (*s == '\'')
			buf[n++] = '\'';
		buf[n++] = *s;
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return 0;
}

void rtc_db_close(void)
{
	if (conn) {
		rtc_dbf.close(conn);
		conn = NULL;
	}
}
