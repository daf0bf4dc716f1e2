/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's database (Kamailio's DB API, the db_url parameter): the
 * message journal, public keys, history tokens and push tokens. Each
 * process opens its own connection on first use; callers never hold the
 * store lock (rtc_lock) while they query. */
#ifndef SYLK_RTC_DB_H
#define SYLK_RTC_DB_H

#include <stdbool.h>

#include "lib/srdb1/db.h"

extern db_func_t rtc_dbf;

/* mod_init: binds the DB module of rtc_cfg.db_url ("" = no storage). */
int rtc_db_bind(void);

/* Whether storage is configured. */
bool rtc_db_enabled(void);

/* This process's connection with @p table selected, or NULL (logged).
 * @p table must be a string that lasts (a literal): the DB API keeps it. */
db1_con_t *rtc_db_table(const char *table);

/* Whether the backend runs SQL text (raw_query): bounded queries use it. */
bool rtc_db_has_sql(void);

/* Whether db_url is an SQLite one. */
bool rtc_db_is_sqlite(void);

/* Runs one SQL statement on this process's connection (opened already by
 * rtc_db_table()), its rows dropped: 0 or EIO. */
int rtc_db_exec(const char *sql);

/* Appends @p s to @p buf as an SQL string literal ('it''s'); -1 when it
 * does not fit or holds a backslash (read differently by MySQL). */
int rtc_db_quote(char *buf, size_t size, const char *s);

/* child_init: opens this process's connection (see rtc_db.c). */
void rtc_db_child_init(int rank);

/* SQLite: how long a process waits for another one's write */
#define RTC_DB_BUSY_MS 5000
/* SQLite: how long a checkpoint waits for readers to leave the log, every
 * write waiting with it: a long reader (a backup, a sqlite3 shell) must not
 * stop the messages; the log grows past its limit until the reader is gone */
#define RTC_DB_CHECKPOINT_WAIT_MS 50

/* Whether the journal is SQLite with a bounded write-ahead log
 * (sqlite_wal_limit): then the journal writer (rtc_journal.h) calls
 * rtc_db_wal_restart() once a second. */
bool rtc_db_wal_bounded(void);
void rtc_db_wal_restart(void);

void rtc_db_close(void);

#endif
