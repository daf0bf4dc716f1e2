/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal writer (SQLite only): one process, SYLKRTC JOURNAL, makes the
 * message journal's hot writes (msgstore_add_capped(), msgstore_set_state())
 * for every other process, many to a transaction.
 *
 * Why: SQLite lets one process write at a time, and each autocommit
 * statement from another process pays for the write lock, for re-reading
 * the pages the last writer changed and for whole pages in the log. With
 * three writes and four reads per message from eight workers, the journal
 * took about three quarters of the server's CPU per message. The writer
 * keeps its page cache warm and commits what all the workers asked for in
 * one go.
 *
 * A worker still waits for its own request: a message is acknowledged (or a
 * MESSAGE answered) only once its row is committed, as before. The writer
 * also restarts the write-ahead log once a second (rtc_db_wal_restart()). */
#ifndef SYLK_RTC_JOURNAL_H
#define SYLK_RTC_JOURNAL_H

#include <stdbool.h>

#include "rtc_msgstore.h"

/* mod_init: the queue and the process, when the journal is SQLite. */
int rtc_journal_init(void);

/* child_init(PROC_MAIN): forks the writer. */
int rtc_journal_start(void);

/* Whether this process hands its journal writes to the writer (the writer
 * exists and this is not it). */
bool rtc_journal_delegates(void);

/* msgstore_add_capped() and msgstore_set_state() done by the writer; the
 * same results, EIO when it did not answer in time. Without @p wait the
 * state change is only queued (0). */
int rtc_journal_add(const struct msgstore_row *row, int max);
int rtc_journal_set_state(const char *account, const char *message_id, const char *state,
			  bool wait);

#endif
