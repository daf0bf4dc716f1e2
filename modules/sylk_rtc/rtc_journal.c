/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The journal writer: see rtc_journal.h. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <strings.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/str.h"
#include "core/async_task.h"
#include "core/cfg/cfg_struct.h"
#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/pt.h"

#include "sylk_ws/base/error.h"
#include "sylk_ws/im/journal_db.h"

#include "../common/sip_util.h"
#include "rtc_config.h"
#include "rtc_db.h"
#include "rtc_journal.h"

/* requests in one transaction at most */
#define JOURNAL_BATCH_MAX 256
/* requests nobody waits for (msgstore_set_state_soon()) queued at most:
 * past it the next one waits like the others */
#define JOURNAL_DETACHED_MAX 4096
/* the writer's page cache */
#define JOURNAL_CACHE_KIB 16384
/* accounts whose count of incoming rows the writer keeps (journal_counts.h) */
#define JOURNAL_COUNTED_ACCOUNTS 65536
/* how long a worker waits for its request: longer than the writer's busy
 * timeout on its BEGIN */
#define JOURNAL_WAIT_MS 15000

enum journal_op { JOURNAL_ADD, JOURNAL_SET_STATE };

/* One write a worker asked for (shm). For JOURNAL_SET_STATE only the row's
 * account, message_id and state are used. */
struct journal_req {
	enum journal_op op;
	int max;                 /* JOURNAL_ADD: the cap, 0 = none */
	struct msgstore_row row; /* its content and metadata point into content[] */
	int result;
	volatile int done;       /* futex word: 1 once result is set */
	bool abandoned;          /* nobody waits (any more): the writer frees it */
	bool detached;           /* counted in journal_queue.detached */
	msgstore_done_f *then; /* called by the writer after the commit */
	void *then_arg;
	struct journal_req *next;
	char content[]; /* the content, NUL, the metadata, NUL */
};

struct journal_queue {
	gen_lock_t lock; /* head, tail, done and abandoned of every request */
	struct journal_req *head, **tail;
	volatile int seq; /* futex word of the writer: bumped by every request */
	int detached;     /* queued requests nobody waits for */
	volatile int writer_pid;
};

static struct journal_queue *queue;
/* the writer's own connection (in the writer only) */
static struct journal_db *jdb;

static void futex_wait_ms(volatile int *word, int seen, int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	/* shared (not private) futexes: the word is in shm, waiters and wakers
	 * are different processes */
	syscall(SYS_futex, word, FUTEX_WAIT, seen, &ts, NULL, 0);
}

static void futex_wake_all(volatile int *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static int ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (int)((now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000);
}

/* A journal made by an older version gets its new columns before any
 * process reads it (the Debian service does not run the setup). */
static void upgrade(void)
{
	char file[1024], why[256];
	bool upgraded = false;
	int err;

	if (journal_db_path_of_url(rtc_cfg.db_url, file, sizeof(file)) != 0)
		return;
	err = journal_db_upgrade(file, &upgraded, why, sizeof(why));
	if (err)
		LM_ERR("cannot give the journal in %s its new columns: %s\n", file,
		       why[0] ? why : sylk_strerror(err));
	else if (upgraded)
		LM_NOTICE("the journal in %s gained the column metadata\n", file);
}

int rtc_journal_init(void)
{
	if (!rtc_db_enabled() || !rtc_db_is_sqlite() || !rtc_db_has_sql())
		return 0;
	upgrade();
	queue = shm_malloc(sizeof(*queue));
	if (!queue) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(queue, 0, sizeof(*queue));
	if (!lock_init(&queue->lock)) {
		LM_ERR("cannot initialise the journal queue lock\n");
		shm_free(queue);
		queue = NULL;
		return -1;
	}
	queue->tail = &queue->head;
	register_procs(1);
	cfg_register_child(1);
	return 0;
}

bool rtc_journal_delegates(void)
{
	return queue && queue->writer_pid;
}

static bool in_writer(void)
{
	return queue->writer_pid == my_pid();
}

bool rtc_journal_in_writer(void)
{
	return queue && in_writer();
}

static int run_one(struct journal_req *r);

/* ---- workers -------------------------------------------------------------- */

static void enqueue(struct journal_req *r)
{
	r->next = NULL;
	lock_get(&queue->lock);
	*queue->tail = r;
	queue->tail = &r->next;
	__atomic_add_fetch(&queue->seq, 1, __ATOMIC_SEQ_CST);
	lock_release(&queue->lock);
	futex_wake_all(&queue->seq);
}

/* Queues @p r, waits for its result and frees it. */
static int submit(struct journal_req *r)
{
	struct timespec t0;
	int waited = 0, result;

	enqueue(r);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE) && waited < JOURNAL_WAIT_MS) {
		futex_wait_ms(&r->done, 0, JOURNAL_WAIT_MS - waited);
		waited = ms_since(&t0);
	}
	/* the writer sets done and wakes us with the lock held: once we hold
	 * it, the writer no longer touches r */
	lock_get(&queue->lock);
	if (!r->done) {
		r->abandoned = true;
		lock_release(&queue->lock);
		LM_ERR("the journal writer did not answer within %d ms\n", JOURNAL_WAIT_MS);
		return EIO;
	}
	result = r->result;
	lock_release(&queue->lock);
	shm_free(r);
	return result;
}

static struct journal_req *req_new(enum journal_op op, const char *content, const char *metadata)
{
	size_t len = content ? strlen(content) : 0;
	size_t mlen = metadata ? strlen(metadata) : 0;
	struct journal_req *r = shm_malloc(sizeof(*r) + len + mlen + 2);

	if (!r) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->op = op;
	if (len)
		memcpy(r->content, content, len);
	r->content[len] = '\0';
	if (mlen)
		memcpy(r->content + len + 1, metadata, mlen);
	r->content[len + 1 + mlen] = '\0';
	return r;
}

static struct journal_req *add_req(const struct msgstore_row *row, int max)
{
	struct journal_req *r = req_new(JOURNAL_ADD, row->content, row->metadata);

	if (!r)
		return NULL;
	r->max = max;
	r->row = *row;
	r->row.content = r->content;
	r->row.metadata = r->content + strlen(r->content) + 1;
	return r;
}

/* In the writer itself (a continuation's own writes): at once. */
static int run_here(struct journal_req *r)
{
	int result = run_one(r);

	shm_free(r);
	return result;
}

int rtc_journal_add(const struct msgstore_row *row, int max)
{
	struct journal_req *r = add_req(row, max);

	if (!r)
		return ENOMEM;
	return in_writer() ? run_here(r) : submit(r);
}

/* Queues @p r for nobody to wait for (the writer frees it), unless too
 * many such are queued already. */
static bool detach(struct journal_req *r)
{
	bool room;

	lock_get(&queue->lock);
	room = queue->detached < JOURNAL_DETACHED_MAX;
	if (room) {
		queue->detached++;
		r->abandoned = r->detached = true;
	}
	lock_release(&queue->lock);
	if (room)
		enqueue(r);
	return room;
}

static struct journal_req *state_req(const char *account, const char *message_id, const char *state)
{
	struct journal_req *r = req_new(JOURNAL_SET_STATE, NULL, NULL);

	if (!r)
		return NULL;
	sylk_copy(r->row.account, sizeof(r->row.account), account, strlen(account));
	sylk_copy(r->row.message_id, sizeof(r->row.message_id), message_id, strlen(message_id));
	sylk_copy(r->row.state, sizeof(r->row.state), state, strlen(state));
	return r;
}

int rtc_journal_set_state(const char *account, const char *message_id, const char *state, bool wait)
{
	struct journal_req *r = state_req(account, message_id, state);

	if (!r)
		return ENOMEM;
	if (in_writer())
		return run_here(r);
	if (!wait && detach(r))
		return 0;
	return submit(r);
}

/* @p r queued with its continuation (0), or EAGAIN with @p r freed */
static int then_req(struct journal_req *r, msgstore_done_f *then, void *arg)
{
	if (in_writer()) {
		then(arg, run_here(r));
		return 0;
	}
	r->then = then;
	r->then_arg = arg;
	if (detach(r))
		return 0;
	shm_free(r);
	return EAGAIN;
}

int rtc_journal_add_then(const struct msgstore_row *row, int max, msgstore_done_f *then, void *arg)
{
	struct journal_req *r = add_req(row, max);

	return r ? then_req(r, then, arg) : ENOMEM;
}

int rtc_journal_set_state_then(const char *account, const char *message_id, const char *state,
			       msgstore_done_f *then, void *arg)
{
	struct journal_req *r = state_req(account, message_id, state);

	return r ? then_req(r, then, arg) : ENOMEM;
}

/* ---- the writer ----------------------------------------------------------- */

/* Up to JOURNAL_BATCH_MAX requests off the queue, oldest first. */
static struct journal_req *take_batch(void)
{
	struct journal_req *batch, *last;
	int n = 1;

	lock_get(&queue->lock);
	batch = last = queue->head;
	if (batch) {
		while (last->next && n < JOURNAL_BATCH_MAX) {
			last = last->next;
			n++;
		}
		queue->head = last->next;
		if (!queue->head)
			queue->tail = &queue->head;
		last->next = NULL;
	}
	lock_release(&queue->lock);
	return batch;
}

static int run_one(struct journal_req *r)
{
	const struct msgstore_row *row = &r->row;
	struct journal_entry e = {.account = row->account,
				  .contact = row->contact,
				  .direction = row->direction,
				  .message_id = row->message_id,
				  .content_type = row->content_type,
				  .content = r->content,
				  .timestamp = row->timestamp,
				  .state = row->state,
				  .disposition = row->disposition,
				  .metadata = row->metadata,
				  .created = (long long)time(NULL)};
	int err;

	if (r->op == JOURNAL_ADD)
		err = journal_db_add(jdb, &e, r->max);
	else
		err = journal_db_set_state(jdb, row->account, row->message_id, row->state);
	if (err == EIO || err == EBUSY) {
		LM_ERR("journal write of %s for %s failed: %s\n", row->message_id, row->account,
		       journal_db_error(jdb));
		err = EIO;
	}
	return err;
}

/* One transaction for the batch; without one (BEGIN refused), each
 * statement commits on its own. */
static void run_batch(struct journal_req *batch)
{
	bool txn = journal_db_begin(jdb) == 0;

	if (!txn)
		LM_WARN("the journal writes without a transaction: %s\n", journal_db_error(jdb));
	for (struct journal_req *r = batch; r; r = r->next)
		r->result = run_one(r);
	if (txn && journal_db_commit(jdb) != 0) {
		LM_ERR("the journal could not commit %s: every write of it failed: %s\n",
		       batch->row.message_id, journal_db_error(jdb));
		for (struct journal_req *r = batch; r; r = r->next)
			r->result = EIO;
	}
}

/* One continuation, done: its request goes. */
static void continued(struct journal_req *r)
{
	r->then(r->then_arg, r->result);
	lock_get(&queue->lock);
	queue->detached--;
	lock_release(&queue->lock);
	shm_free(r);
}

/* in one of the core's async workers */
static void continue_task(void *param)
{
	cfg_update();
	continued(param);
}

/* The continuations of a committed batch: in the core's async workers
 * (async_workers) when there are some, several at once, else here in
 * order. They send on the network, and a WebSocket frame from a process
 * that does not read that connection may wait for tcp_main to pass its
 * file descriptor (modules/common/tcp_fdcache.c keeps them, but not for
 * wss): one at a time, that wait made the writer the bottleneck. */
static void run_continuations(struct journal_req *list)
{
	struct journal_req *r, *next;

	for (r = list; r; r = next) {
		async_task_t *task = NULL;

		next = r->next;
		if (async_task_workers_active() > 0 && (task = shm_malloc(sizeof(*task)))) {
			task->exec = continue_task;
			task->param = r;
			if (async_task_push(task) == 0)
				continue;
			shm_free(task);
		}
		continued(r);
	}
}

static void finish(struct journal_req *batch)
{
	struct journal_req *r, *next, *then = NULL, **then_tail = &then;

	lock_get(&queue->lock);
	for (r = batch; r; r = next) {
		next = r->next;
		if (r->then) {
			r->next = NULL;
			*then_tail = r;
			then_tail = &r->next;
			continue;
		}
		if (r->abandoned) {
			if (r->detached)
				queue->detached--;
			shm_free(r);
			continue;
		}
		__atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
		futex_wake_all(&r->done);
	}
	lock_release(&queue->lock);
	if (then)
		run_continuations(then);
}

/* Checkpoints once a second (see rtc_db_wal_restart()), and as soon as
 * the log is half its limit: under load it then never reaches the limit,
 * and the file is reused instead of being cut back and grown again. A
 * checkpoint that failed (readers stayed in the log past
 * RTC_DB_CHECKPOINT_WAIT_MS, or an error, logged) is tried again a second
 * later, not after every batch (journal_db_checkpoint_due()). */
static void keep_log_bounded(time_t *last_second)
{
	int err;

	if (time(NULL) == *last_second && !(jdb && journal_db_checkpoint_due(jdb)))
		return;
	*last_second = time(NULL);
	cfg_update();
	if (!jdb) {
		rtc_db_wal_restart();
		return;
	}
	err = journal_db_checkpoint(jdb);
	/* busy: readers stayed in the log; the next second tries again */
	if (err == EBUSY)
		LM_INFO("journal checkpoint: %s\n", journal_db_error(jdb));
	else if (err)
		LM_WARN("journal checkpoint: %s\n", journal_db_error(jdb));
}

static void writer_loop(void)
{
	time_t last_second = time(NULL);

	for (;;) {
		int seen = __atomic_load_n(&queue->seq, __ATOMIC_ACQUIRE);
		struct journal_req *batch = take_batch();

		if (batch) {
			/* continuations send MESSAGEs: tm's settings of now */
			cfg_update();
			run_batch(batch);
			finish(batch);
		} else {
			/* returns at once when a request came after `seen` */
			futex_wait_ms(&queue->seq, seen, 1000);
		}
		keep_log_bounded(&last_second);
	}
}

/* The writer's connection to the file of db_url, the one db_sqlite opens.
 * Its pages stay in this process's cache: nobody else writes them. */
static int writer_open(void)
{
	struct journal_db_opts o = {
		.busy_timeout_ms = RTC_DB_BUSY_MS,
		.checkpoint_wait_ms = RTC_DB_CHECKPOINT_WAIT_MS,
		.synchronous_full = !strcasecmp(rtc_cfg.sqlite_synchronous, "FULL"),
		.wal_limit = rtc_cfg.sqlite_wal_limit,
		.cache_kib = JOURNAL_CACHE_KIB,
		.counted_accounts = JOURNAL_COUNTED_ACCOUNTS,
	};
	char file[1024], why[256] = "";
	int err;

	err = journal_db_path_of_url(rtc_cfg.db_url, file, sizeof(file));
	if (err) {
		LM_ERR("the journal writer finds no SQLite file in db_url %s (%s): each process "
		       "writes the journal itself\n",
		       rtc_cfg.db_url, sylk_strerror(err));
		return err;
	}
	err = journal_db_open(&jdb, file, &o, why, sizeof(why));
	if (err)
		LM_ERR("the journal writer cannot open %s (%s): each process writes the journal "
		       "itself\n",
		       file, why[0] ? why : sylk_strerror(err));
	return err;
}

/* Without its connection the writer only keeps the log bounded. */
static void checkpoint_loop(void)
{
	time_t last_second = time(NULL);

	for (;;) {
		sleep(1);
		keep_log_bounded(&last_second);
	}
}

int rtc_journal_start(void)
{
	int pid;

	if (!queue)
		return 0;
	pid = fork_process(PROC_TIMER, "SYLKRTC JOURNAL", 1);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (cfg_child_init())
			return -1;
		if (writer_open() != 0)
			checkpoint_loop();
		queue->writer_pid = my_pid();
		writer_loop();
	}
	return 0;
}
