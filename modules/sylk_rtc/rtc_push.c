/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Push notifications: the token store, the job queue and the push process.
 * See rtc_push.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_uri.h"
#include "core/timer_proc.h"

#include "sylk_ws/base/error.h"
#include "sylk_ws/http/http_client.h"
#include "sylk_ws/push/push_note.h"
#include "sylk_ws/sip/sip_fields.h"

#include "rtc_account.h"
#include "rtc_config.h"
#include "rtc_db.h"
#include "rtc_push.h"
#include "rtc_store.h"

#define PUSH_TABLE "sylk_push_tokens"
#define PUSH_CONNECT_MS 2000
#define PUSH_TOTAL_MS 5000
#define PUSH_TICK_US 50000
/* devices one notification goes to (rows read per account) */
#define PUSH_DEVICES_MAX 16
#define INDEX_BUCKETS 1024

#define NAME_SIZE PUSH_NAME_SIZE

enum job_kind {
	JOB_CALL,
	JOB_MESSAGE,
	JOB_CONFERENCE, /* videoroom-invite to an offline account */
	JOB_TOKEN_SAVE,
	JOB_TOKEN_FORGET,
};

/* what a notification says (copied into the shm queue) */
struct job_note {
	char from[RTC_AOR_SIZE];
	char display[NAME_SIZE];
	char call_id[RTC_CALLID_SIZE];
	char content_type[NAME_SIZE];
	char room[RTC_AOR_SIZE]; /* JOB_CONFERENCE */
	bool video;
};

struct push_job {
	enum job_kind kind;
	char account[RTC_AOR_SIZE];
	union {
		struct push_device tok;
		struct job_note note;
	};
};

/* accounts with stored tokens, so the script learns at once whether a push
 * goes out; kept by the push process, the only writer of the table */
struct index_entry {
	struct index_entry *next;
	int rows;
	char account[RTC_AOR_SIZE];
};

struct push_shared {
	gen_lock_t lock; /* a leaf: memory work only, never I/O */
	unsigned head, count, size;
	bool index_ready;
	unsigned long queued, sent, failed, dropped;
	struct index_entry *index[INDEX_BUCKETS];
	struct push_job jobs[];
};

static struct push_shared *shared;

/* push_url, parsed in mod_init (every process inherits it) */
static struct http_url url;

bool rtc_push_enabled(void)
{
	return shared != NULL;
}

/* ---- push_url -------------------------------------------------------------- */

static int parse_url(const char *u)
{
	enum http_url_reason why;
	int err = http_url_parse(&url, u, &why);

	if (err == EPROTONOSUPPORT)
		LM_ERR("push_url %s: https is not supported; point push_url at an http:// "
		       "sylk-pushserver (or a local TLS proxy in front of a remote one)\n",
		       u);
	else if (err)
		LM_ERR("push_url %s: %s\n", u, http_url_reason_str(why));
	return err;
}

int rtc_push_init(void)
{
	size_t size;

	if (!rtc_cfg.push_url || !*rtc_cfg.push_url)
		return 0;
	if (!rtc_db_enabled()) {
		LM_ERR("push_url needs db_url: device tokens are kept in the database\n");
		return -1;
	}
	if (rtc_cfg.push_queue_size < 1 || rtc_cfg.push_queue_size > 100000) {
		LM_ERR("push_queue_size must be 1..100000\n");
		return -1;
	}
	if (parse_url(rtc_cfg.push_url) != 0)
		return -1;
	size = sizeof(*shared) + sizeof(struct push_job) * (size_t)rtc_cfg.push_queue_size;
	shared = shm_malloc(size);
	if (!shared) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(shared, 0, size);
	shared->size = (unsigned)rtc_cfg.push_queue_size;
	if (!lock_init(&shared->lock)) {
		LM_ERR("cannot init the push queue lock\n");
		shm_free(shared);
		shared = NULL;
		return -1;
	}
	if (register_basic_timers(1) < 0)
		return -1;
	LM_INFO("push notifications to %s (queue of %d)\n", rtc_cfg.push_url,
		rtc_cfg.push_queue_size);
	return 0;
}

void rtc_push_destroy(void)
{
	if (!shared)
		return;
	for (int i = 0; i < INDEX_BUCKETS; i++) {
		struct index_entry *e, *next;

		for (e = shared->index[i]; e; e = next) {
			next = e->next;
			shm_free(e);
		}
	}
	lock_destroy(&shared->lock);
	shm_free(shared);
	shared = NULL;
}

/* ---- the index of accounts with tokens (shared->lock held) ----------------- */

static unsigned index_hash(const char *account)
{
	unsigned h = 5381;

	for (; *account; account++)
		h = h * 33 + (unsigned char)*account;
	return h % INDEX_BUCKETS;
}

static struct index_entry **index_slot(const char *account)
{
	struct index_entry **p = &shared->index[index_hash(account)];

	while (*p && strcmp((*p)->account, account) != 0)
		p = &(*p)->next;
	return p;
}

/* Sets the row count of @p account (adds @p delta when @p add). */
static void index_set(const char *account, int rows, bool add)
{
	struct index_entry **p = index_slot(account), *e = *p;

	if (add && e)
		rows += e->rows;
	if (rows <= 0) {
		if (e) {
			*p = e->next;
			shm_free(e);
		}
		return;
	}
	if (!e) {
		e = shm_malloc(sizeof(*e));
		if (!e) {
			SHM_MEM_ERROR;
			return;
		}
		memset(e, 0, sizeof(*e));
		sylk_copy(e->account, sizeof(e->account), account, strlen(account));
		*p = e;
	}
	e->rows = rows;
}

/* Whether a push for @p account can find tokens (true until the index is
 * loaded: the push process then decides). */
static bool index_has(const char *account)
{
	return !shared->index_ready || *index_slot(account) != NULL;
}

/* ---- the queue ------------------------------------------------------------- */

static const char *job_name(enum job_kind k)
{
	switch (k) {
	case JOB_CALL: return "call";
	case JOB_MESSAGE: return "message";
	case JOB_CONFERENCE: return "conference invite";
	case JOB_TOKEN_SAVE: return "token save";
	case JOB_TOKEN_FORGET: return "token removal";
	}
	return "?";
}

/* 0, ENOENT (a notification for an account without tokens), ENOSPC (full,
 * dropped and logged). Takes shared->lock only. */
static int enqueue(const struct push_job *job)
{
	bool note = job->kind == JOB_CALL || job->kind == JOB_MESSAGE ||
		    job->kind == JOB_CONFERENCE;
	int err = 0;

	lock_get(&shared->lock);
	if (note && !index_has(job->account)) {
		err = ENOENT;
	} else if (shared->count >= shared->size) {
		shared->dropped++;
		err = ENOSPC;
	} else {
		memcpy(&shared->jobs[(shared->head + shared->count) % shared->size], job,
		       sizeof(*job));
		shared->count++;
		if (note)
			shared->queued++;
	}
	lock_release(&shared->lock);
	if (err == ENOSPC)
		LM_WARN("push queue full (%u jobs): %s for %s dropped\n", shared->size,
			job_name(job->kind), job->account);
	return err;
}

static bool dequeue(struct push_job *job)
{
	bool got = false;

	lock_get(&shared->lock);
	if (shared->count > 0) {
		memcpy(job, &shared->jobs[shared->head], sizeof(*job));
		shared->head = (shared->head + 1) % shared->size;
		shared->count--;
		got = true;
	}
	lock_release(&shared->lock);
	return got;
}

static void count_result(bool ok)
{
	lock_get(&shared->lock);
	if (ok)
		shared->sent++;
	else
		shared->failed++;
	lock_release(&shared->lock);
}

/* ---- tokens from the account (rtc_lock held) ------------------------------- */

/* The token row of @p a from its RFC 8599 parameters (gw_push_params). */
static int token_of(const struct rtc_account *a, struct push_device *t)
{
	int err = push_device_from_params(t, a->push_params, a->user_agent);

	if (err)
		LM_ERR("device token of %s not kept for push: %s (a field missing or too long)\n",
		       a->aor, sylk_strerror(err));
	return err;
}

static void token_job(const struct rtc_account *a, enum job_kind kind)
{
	struct push_job job;

	if (!shared || !a->push_params || !rtc_account_may_receive(a))
		return;
	memset(&job, 0, sizeof(job));
	job.kind = kind;
	sylk_copy(job.account, sizeof(job.account), a->aor, strlen(a->aor));
	if (token_of(a, &job.tok) != 0)
		return;
	if (enqueue(&job) == 0)
		LM_DBG("%s of %s (%s/%s) queued\n", job_name(kind), a->aor, job.tok.app,
		       job.tok.device);
}

void rtc_push_token_save(const struct rtc_account *a)
{
	token_job(a, JOB_TOKEN_SAVE);
}

void rtc_push_token_forget(const struct rtc_account *a)
{
	token_job(a, JOB_TOKEN_FORGET);
}

/* ---- notifications ----------------------------------------------------------- */

static void set(char *dst, size_t size, const char *s)
{
	sylk_copy(dst, size, s ? s : "", s ? strlen(s) : 0);
}

/* A display name as SIP quotes it ("Carol Caller") goes out bare. */
static void set_display(char *dst, size_t size, const char *s)
{
	sip_display_bare(dst, size, s ? s : "", s ? strlen(s) : 0);
}

/* @p room for JOB_CONFERENCE, @p content_type for JOB_MESSAGE (else NULL) */
static int note_job(enum job_kind kind, const char *account, const char *from_uri,
		    const char *from_display, const char *call_id, const char *content_type,
		    const char *room, bool video)
{
	struct push_job job;

	if (!shared || !account || !*account || !call_id)
		return EINVAL;
	memset(&job, 0, sizeof(job));
	job.kind = kind;
	set(job.account, sizeof(job.account), account);
	set(job.note.from, sizeof(job.note.from), from_uri);
	set_display(job.note.display, sizeof(job.note.display), from_display);
	set(job.note.call_id, sizeof(job.note.call_id), call_id);
	set(job.note.content_type, sizeof(job.note.content_type), content_type);
	set(job.note.room, sizeof(job.note.room), room);
	job.note.video = video;
	return enqueue(&job);
}

void rtc_push_message(const char *account, const char *from_uri, const char *from_display,
		      const char *content_type, const char *message_id)
{
	note_job(JOB_MESSAGE, account, from_uri, from_display, message_id, content_type, NULL,
		 false);
}

/* SylkServer's push.conference_invite(): sylkpush ConferenceInviteEvent */
void rtc_push_conference(const char *account, const char *from_uri, const char *from_display,
			 const char *room, const char *call_id, bool video)
{
	if (room && note_job(JOB_CONFERENCE, account, from_uri, from_display, call_id, NULL, room,
			     video) == 0)
		LM_INFO("push: conference invite of %s to %s queued\n", account, room);
}

void rtc_push_call(const char *account, const char *from_uri, const char *from_display,
		   const char *call_id, bool video)
{
	note_job(JOB_CALL, account, from_uri, from_display, call_id, NULL, NULL, video);
}

/* "user@host" of the R-URI */
static int ruri_account(struct sip_msg *msg, char *buf, size_t size)
{
	if (parse_sip_msg_uri(msg) < 0 || msg->parsed_uri.user.len <= 0 ||
	    msg->parsed_uri.host.len <= 0) {
		LM_NOTICE("sylk_rtc_push_call: no user@domain in the Request-URI\n");
		return EINVAL;
	}
	snprintf(buf, size, "%.*s@%.*s", msg->parsed_uri.user.len, msg->parsed_uri.user.s,
		 msg->parsed_uri.host.len, msg->parsed_uri.host.s);
	return 0;
}

static void from_display(struct to_body *from, char *buf, size_t size)
{
	buf[0] = '\0';
	if (from->display.len > 0)
		sip_display_bare(buf, size, from->display.s, (size_t)from->display.len);
}

static bool offers_video(struct sip_msg *msg)
{
	str body;

	return sylk_msg_body(msg, &body) == 0 && body.len > 0 &&
	       memmem(body.s, (size_t)body.len, "m=video", 7) != NULL;
}

int rtc_push_script_call(struct sip_msg *msg)
{
	char account[RTC_AOR_SIZE], from[RTC_AOR_SIZE], display[NAME_SIZE];
	char call_id[RTC_CALLID_SIZE];
	struct to_body *f;
	int err;

	if (!shared)
		return -1;
	if (msg->first_line.type != SIP_REQUEST || ruri_account(msg, account, sizeof(account)))
		return -1;
	if (parse_from_header(msg) < 0 || !(f = get_from(msg)) || !msg->callid) {
		LM_NOTICE("sylk_rtc_push_call: request without From or Call-ID\n");
		return -1;
	}
	sylk_uri_aor(from, sizeof(from), &f->uri, 0);
	from_display(f, display, sizeof(display));
	sylk_copy(call_id, sizeof(call_id), msg->callid->body.s, (size_t)msg->callid->body.len);
	err = note_job(JOB_CALL, account, from, display, call_id, NULL, NULL, offers_video(msg));
	if (err == 0)
		LM_INFO("push for the call %s to %s queued\n", call_id, account);
	return err == 0 ? 1 : -1;
}

/* ---- the database (push process only) ---------------------------------------- */

static str k_account = str_init("account"), k_app = str_init("app"), k_device = str_init("device"),
	   k_token = str_init("token"), k_platform = str_init("platform"),
	   k_silent = str_init("silent"), k_user_agent = str_init("user_agent"),
	   k_created = str_init("created");

/* The connection with the table selected. The DB API keeps the pointer to
 * the table's name (db_use_table), so it must outlive the call: a static
 * one here, whatever rtc_db_table() passed. */
static db1_con_t *push_table(void)
{
	static str table = str_init(PUSH_TABLE);
	db1_con_t *con = rtc_db_table(PUSH_TABLE);

	if (con && rtc_dbf.use_table(con, &table) < 0) {
		LM_ERR("cannot use table " PUSH_TABLE "\n");
		return NULL;
	}
	return con;
}

static void val_str(db_val_t *v, const char *s)
{
	memset(v, 0, sizeof(*v));
	v->type = DB1_STR;
	v->val.str_val.s = (char *)s;
	v->val.str_val.len = (int)strlen(s);
}

static void val_text(const db_val_t *v, char *buf, size_t size)
{
	buf[0] = '\0';
	if (VAL_NULL(v))
		return;
	switch (VAL_TYPE(v)) {
	case DB1_STRING: set(buf, size, VAL_STRING(v)); break;
	case DB1_STR: sylk_copy(buf, size, VAL_STR(v).s, (size_t)VAL_STR(v).len); break;
	case DB1_BLOB: sylk_copy(buf, size, VAL_BLOB(v).s, (size_t)VAL_BLOB(v).len); break;
	case DB1_INT: snprintf(buf, size, "%d", VAL_INT(v)); break;
	case DB1_BIGINT: snprintf(buf, size, "%lld", VAL_BIGINT(v)); break;
	default: break;
	}
}

/* Rows of @p account (up to PUSH_DEVICES_MAX), or -1. */
static int db_tokens(const char *account, struct push_device *out, int max)
{
	db_key_t keys[1] = {&k_account};
	db_key_t cols[5] = {&k_app, &k_device, &k_token, &k_platform, &k_silent};
	db_val_t vals[1];
	db1_res_t *res = NULL;
	db1_con_t *con = push_table();
	int n = -1;

	if (!con)
		goto out;
	val_str(&vals[0], account);
	if (rtc_dbf.query(con, keys, 0, vals, cols, 1, 5, 0, &res) < 0) {
		LM_ERR("cannot read the push tokens of %s\n", account);
		goto out;
	}
	for (n = 0; n < RES_ROW_N(res) && n < max; n++) {
		db_val_t *v = ROW_VALUES(&RES_ROWS(res)[n]);
		char silent[16];

		memset(&out[n], 0, sizeof(out[n]));
		val_text(&v[0], out[n].app, sizeof(out[n].app));
		val_text(&v[1], out[n].device, sizeof(out[n].device));
		val_text(&v[2], out[n].token, sizeof(out[n].token));
		val_text(&v[3], out[n].platform, sizeof(out[n].platform));
		val_text(&v[4], silent, sizeof(silent));
		out[n].silent = atoi(silent) != 0;
	}
out:
	if (res)
		rtc_dbf.free_result(con, res);
	return n;
}

/* Removes the row of @p account, app, device. 0 or EIO. */
static int db_forget(const char *account, const struct push_device *t)
{
	db_key_t keys[3] = {&k_account, &k_app, &k_device};
	db_val_t vals[3];
	db1_con_t *con = push_table();

	if (!con)
		return EIO;
	val_str(&vals[0], account);
	val_str(&vals[1], t->app);
	val_str(&vals[2], t->device);
	if (rtc_dbf.delete(con, keys, 0, vals, 3) < 0) {
		LM_ERR("cannot remove the push token of %s (%s/%s)\n", account, t->app, t->device);
		return EIO;
	}
	return 0;
}

/* Stores (replaces) the row of @p account, app, device. 0 or EIO. */
static int db_save(const char *account, const struct push_device *t)
{
	db_key_t keys[8] = {&k_account,  &k_app,    &k_device,     &k_token,
			    &k_platform, &k_silent, &k_user_agent, &k_created};
	db_val_t vals[8];
	db1_con_t *con;

	if (db_forget(account, t) != 0 || !(con = push_table()))
		return EIO;
	val_str(&vals[0], account);
	val_str(&vals[1], t->app);
	val_str(&vals[2], t->device);
	val_str(&vals[3], t->token);
	val_str(&vals[4], t->platform);
	memset(&vals[5], 0, sizeof(vals[5]));
	vals[5].type = DB1_INT;
	vals[5].val.int_val = t->silent ? 1 : 0;
	val_str(&vals[6], t->user_agent);
	memset(&vals[7], 0, sizeof(vals[7]));
	vals[7].type = DB1_BIGINT;
	vals[7].val.ll_val = (long long)time(NULL);
	if (rtc_dbf.insert(con, keys, vals, 8) < 0) {
		LM_ERR("cannot store the push token of %s (%s/%s)\n", account, t->app, t->device);
		return EIO;
	}
	return 0;
}

static void index_recount(const char *account)
{
	struct push_device rows[PUSH_DEVICES_MAX];
	int n = db_tokens(account, rows, PUSH_DEVICES_MAX);

	if (n < 0)
		return;
	lock_get(&shared->lock);
	index_set(account, n, false);
	lock_release(&shared->lock);
}

/* Every account with a token, once, when the push process starts. */
static int index_load(void)
{
	db_key_t cols[1] = {&k_account};
	db1_res_t *res = NULL;
	db1_con_t *con = push_table();
	char account[RTC_AOR_SIZE];
	int err = EIO;

	if (!con)
		goto out;
	if (rtc_dbf.query(con, 0, 0, 0, cols, 0, 1, 0, &res) < 0) {
		LM_ERR("cannot read the accounts of " PUSH_TABLE "\n");
		goto out;
	}
	lock_get(&shared->lock);
	for (int i = 0; i < RES_ROW_N(res); i++) {
		val_text(&ROW_VALUES(&RES_ROWS(res)[i])[0], account, sizeof(account));
		if (account[0])
			index_set(account, 1, true);
	}
	shared->index_ready = true;
	lock_release(&shared->lock);
	LM_INFO("push: %d device tokens stored\n", RES_ROW_N(res));
	err = 0;
out:
	if (res)
		rtc_dbf.free_result(con, res);
	return err;
}

/* ---- HTTP (push process only) ------------------------------------------------ */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for @p events on @p fd until @p deadline. 0, ETIMEDOUT or errno. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};

	for (;;) {
		long long left = deadline - now_ms();
		int rc;

		if (left <= 0)
			return ETIMEDOUT;
		rc = poll(&p, 1, (int)left);
		if (rc > 0)
			return 0;
		if (rc == 0)
			return ETIMEDOUT;
		if (errno != EINTR)
			return errno;
	}
}

/* A non-blocking socket connected to push_url's host, or -errno. */
static int http_connect(long long deadline)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	long long connect_deadline = now_ms() + PUSH_CONNECT_MS;
	int fd = -1, err = 0, rc;
	socklen_t len = sizeof(err);

	if (connect_deadline > deadline)
		connect_deadline = deadline;
	rc = getaddrinfo(url.host, url.port, &hints, &ai);
	if (rc != 0) {
		LM_WARN("push: cannot resolve %s: %s\n", url.host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = errno;
		goto out;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 && errno != EINPROGRESS) {
		err = errno;
		goto out;
	}
	err = wait_fd(fd, POLLOUT, connect_deadline);
	if (!err && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
out:
	freeaddrinfo(ai);
	if (err) {
		if (fd >= 0)
			close(fd);
		return -err;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		int err = wait_fd(fd, POLLOUT, deadline);

		if (err)
			return err;
	}
	return 0;
}

/* Reads up to the end of the status line into @p line. */
static int read_status(int fd, char *line, size_t size, long long deadline)
{
	size_t n = 0;

	for (;;) {
		ssize_t got = recv(fd, line + n, size - 1 - n, 0);

		if (got > 0) {
			n += (size_t)got;
			line[n] = '\0';
			char *eol = strstr(line, "\r\n");

			if (eol || n + 1 >= size) {
				if (eol)
					*eol = '\0';
				return 0;
			}
			continue;
		}
		if (got == 0)
			return n ? 0 : ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return errno;
		int err = wait_fd(fd, POLLIN, deadline);

		if (err)
			return err;
	}
}

/* POSTs @p body; the HTTP status, or -errno (connect, send, read, timeout). */
static int http_post(const char *body, char *status_line, size_t size)
{
	long long deadline = now_ms() + PUSH_TOTAL_MS;
	char head[2048];
	int fd, err, code = 0;

	status_line[0] = '\0';
	fd = http_connect(deadline);
	if (fd < 0)
		return fd;
	snprintf(head, sizeof(head),
		 "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n"
		 "Content-Type: application/json\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n",
		 url.path, url.host_header, rtc_cfg.user_agent, strlen(body));
	err = send_all(fd, head, strlen(head), deadline);
	if (!err)
		err = send_all(fd, body, strlen(body), deadline);
	if (!err)
		err = read_status(fd, status_line, size, deadline);
	if (!err && http_status_parse(status_line, strlen(status_line), &code) != 0)
		err = EPROTO;
	close(fd);
	return err ? -err : code;
}

/* ---- one notification ---------------------------------------------------------- */

static const enum push_event events[] = {
	[JOB_CALL] = PUSH_CALL,
	[JOB_MESSAGE] = PUSH_MESSAGE,
	[JOB_CONFERENCE] = PUSH_CONFERENCE,
};

static void push_one(const struct push_job *job, const struct push_device *t)
{
	const struct push_note note = {.event = events[job->kind],
				       .account = job->account,
				       .from = job->note.from,
				       .display = job->note.display,
				       .call_id = job->note.call_id,
				       .content_type = job->note.content_type,
				       .room = job->note.room,
				       .video = job->note.video};
	char status[256], *body = NULL;
	int code, err = push_note_json(&body, &note, t);

	if (err) {
		LM_ERR("push: cannot build the %s notification: %s\n", job_name(job->kind),
		       sylk_strerror(err));
		count_result(false);
		return;
	}
	code = http_post(body, status, sizeof(status));
	free(body);
	if (code < 0)
		LM_WARN("push of the %s %s to %s (%s/%s) failed: %s\n", job_name(job->kind),
			job->note.call_id, job->account, t->app, t->device, sylk_strerror(-code));
	else if (code < 200 || code >= 300)
		LM_WARN("push of the %s %s to %s (%s/%s) refused: %s\n", job_name(job->kind),
			job->note.call_id, job->account, t->app, t->device, status);
	else
		LM_INFO("push of the %s %s to %s (%s/%s): %s\n", job_name(job->kind),
			job->note.call_id, job->account, t->app, t->device, status);
	count_result(code >= 200 && code < 300);
}

static void run_note(const struct push_job *job)
{
	struct push_device rows[PUSH_DEVICES_MAX];
	int n = db_tokens(job->account, rows, PUSH_DEVICES_MAX);

	if (n < 0) {
		count_result(false);
		return;
	}
	if (n == 0)
		LM_DBG("no push token for %s\n", job->account);
	for (int i = 0; i < n; i++)
		push_one(job, &rows[i]);
}

static void run_job(const struct push_job *job)
{
	switch (job->kind) {
	case JOB_CALL:
	case JOB_MESSAGE:
	case JOB_CONFERENCE: run_note(job); return;
	case JOB_TOKEN_SAVE:
		if (db_save(job->account, &job->tok) == 0)
			LM_INFO("push token of %s (%s/%s, %s) stored\n", job->account, job->tok.app,
				job->tok.device, job->tok.platform);
		break;
	case JOB_TOKEN_FORGET:
		if (db_forget(job->account, &job->tok) == 0)
			LM_INFO("push token of %s (%s/%s) removed\n", job->account, job->tok.app,
				job->tok.device);
		break;
	}
	index_recount(job->account);
}

/* ---- the push process ---------------------------------------------------------- */

static void push_timer(unsigned int ticks, void *param)
{
	static struct push_job job;
	static time_t retry;

	if (!shared->index_ready) {
		if (time(NULL) < retry)
			return;
		if (index_load() != 0) {
			retry = time(NULL) + 5; /* jobs wait in the queue meanwhile */
			return;
		}
	}
	while (dequeue(&job))
		run_job(&job);
}

int rtc_push_child_init(int rank)
{
	if (!shared || rank != PROC_MAIN)
		return 0;
	if (fork_basic_utimer(PROC_TIMER, "SYLKRTC PUSH", 1, push_timer, NULL, PUSH_TICK_US) < 0) {
		LM_ERR("cannot start the push process\n");
		return -1;
	}
	return 0;
}

/* ---- RPC ----------------------------------------------------------------------- */

void rtc_push_rpc(rpc_t *rpc, void *ctx)
{
	unsigned long queued = 0, sent = 0, failed = 0, dropped = 0;
	int pending = 0, size = 0;
	void *th;

	if (shared) {
		lock_get(&shared->lock);
		queued = shared->queued;
		sent = shared->sent;
		failed = shared->failed;
		dropped = shared->dropped;
		pending = (int)shared->count;
		size = (int)shared->size;
		lock_release(&shared->lock);
	}
	if (rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "sddd", "url", shared ? rtc_cfg.push_url : "", "queue_size", size,
			"pending", pending, "queued", (int)queued);
	rpc->struct_add(th, "ddd", "sent", (int)sent, "failed", (int)failed, "dropped",
			(int)dropped);
}
