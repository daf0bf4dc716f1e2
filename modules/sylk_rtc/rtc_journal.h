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
 * A message is acknowledged (or a MESSAGE answered) only once its row is
 * committed: a worker either waits for its request, or hands the writer a
 * continuation that does the rest after the commit (rtc_journal_add_then()),
 * so that it is free for the next request meanwhile. The writer also
 * restarts the write-ahead log once a second (journal_db_checkpoint()). */
#ifndef SYLK_RTC_JOURNAL_H
#define SYLK_RTC_JOURNAL_H

#include <stdbool.h>

#include "rtc_msgstore.h"

/* mod_init: the queue and the process, when the journal is SQLite. */
int rtc_journal_init(void);

/* child_init(PROC_MAIN): forks the writer. */
int rtc_journal_start(void);

/* Whether the writer makes the journal's writes (it exists). In the writer
 * itself (a continuation's writes) they happen at once. */
bool rtc_journal_delegates(void);

/* Whether this process is the writer (running a continuation). */
bool rtc_journal_in_writer(void);

/* msgstore_add_capped() and msgstore_set_state() done by the writer; the
 * same results, EIO when it did not answer in time. Without @p wait the
 * state change is only queued (0). */
int rtc_journal_add(const struct msgstore_row *row, int max);
int rtc_journal_set_state(const char *account, const char *message_id, const char *state,
			  bool wait);

/* rtc_journal_add() that returns at once: @p then(@p arg, result) runs
 * after the commit, in one of the core's task workers (without them, in
 * the writer; called in the writer itself: before this returns). @p arg
 * is shm; @p then frees it. 0; EAGAIN when too many are queued already,
 * ENOMEM: then was not called. */
int rtc_journal_add_then(const struct msgstore_row *row, int max, msgstore_done_f *then,
			 void *arg);
/* The same for a state change (an IMDN). */
int rtc_journal_set_state_then(const char *account, const char *message_id, const char *state,
			       msgstore_done_f *then, void *arg);

#endif
