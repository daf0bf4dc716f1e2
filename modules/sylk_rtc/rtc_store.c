/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's state in shared memory. Lists, not hashes: a gateway
 * process holds thousands of accounts at most, and a lookup under the lock
 * is a short walk. Replace with hash tables when a benchmark says so. */
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"

#include "sylk_ws/base/str.h"

#include "../common/ng_client.h"
#include "../common/shm_store.h"

#include "rtc_config.h"
#include "rtc_stats.h"
#include "rtc_store.h"

/* buckets of each index (a power of two): with 10,000 connections online a
 * lookup walks a few entries, not all of them */
#define RTC_INDEX_SIZE 4096

struct rtc_store {
	struct sylk_store_base base; /* first: lock and keys */
	struct rtc_conn *conns;
	struct rtc_account *accounts;
	struct rtc_session *sessions;
	volatile int fast_work;
	struct rtc_conn *conn_by_id[RTC_INDEX_SIZE];
	struct rtc_account *account_by_aor[RTC_INDEX_SIZE];
	struct rtc_account *account_by_key[RTC_INDEX_SIZE];
};

static struct rtc_store *store;

const char *rtc_call_state_name(enum rtc_call_state s)
{
	switch (s) {
	case RTC_CALL_NEW: return "new";
	case RTC_CALL_PROGRESS: return "progress";
	case RTC_CALL_EARLY: return "early";
	case RTC_CALL_ACCEPTED: return "accepted";
	case RTC_CALL_ESTABLISHED: return "established";
	case RTC_CALL_TERMINATING: return "terminating";
	}
	return "?";
}

int rtc_store_init(void)
{
	store = sylk_store_alloc(sizeof(*store));
	return store ? 0 : -1;
}

void rtc_store_destroy(void)
{
	if (!store)
		return;
	while (store->sessions)
		rtc_session_destroy(store->sessions);
	while (store->accounts)
		rtc_account_destroy(store->accounts);
	while (store->conns)
		rtc_conn_remove(store->conns->id);
	sylk_store_free(store);
	store = NULL;
}

/* rtpengine deletes asked for under the lock wait here, in this process's
 * own memory, until the outermost rtc_unlock() has let the lock go: no
 * process ever waits for rtpengine while it holds the gateway's lock. */
struct deferred_delete {
	char call_id[RTC_MEDIA_ID_SIZE];
	char tag[RTC_TAG_SIZE];
	struct deferred_delete *next;
};

static int lock_depth; /* of this process; the lock is recursive */
static struct deferred_delete *deferred_head, **deferred_tail = &deferred_head;

void rtc_lock(void)
{
	sylk_store_lock(&store->base);
	lock_depth++;
}

static void run_deferred(void)
{
	struct deferred_delete *d;

	while ((d = deferred_head)) {
		deferred_head = d->next;
		if (!deferred_head)
			deferred_tail = &deferred_head;
		ng_client_delete(d->call_id, d->tag);
		pkg_free(d);
	}
}

void rtc_unlock(void)
{
	bool outermost = --lock_depth == 0;

	sylk_store_unlock(&store->base);
	if (outermost)
		run_deferred();
}

void rtc_media_delete_later(const char *media_id, const char *tag)
{
	struct deferred_delete *d;

	if (!media_id || !*media_id)
		return;
	if (lock_depth == 0) {
		ng_client_delete(media_id, tag);
		return;
	}
	d = pkg_malloc(sizeof(*d));
	if (!d) {
		PKG_MEM_ERROR;
		LM_ERR("rtpengine call %s is left to rtpengine's own timeout\n", media_id);
		return;
	}
	sylk_copy(d->call_id, sizeof(d->call_id), media_id, strlen(media_id));
	sylk_copy(d->tag, sizeof(d->tag), tag ? tag : "", tag ? strlen(tag) : 0);
	d->next = NULL;
	*deferred_tail = d;
	deferred_tail = &d->next;
}

unsigned rtc_next_key(void)
{
	return sylk_store_next_key(&store->base);
}

void rtc_shm_free_str(char **s)
{
	if (*s) {
		shm_free(*s);
		*s = NULL;
	}
}

/* ---- connections --------------------------------------------------------- */

static struct rtc_conn **conn_slot(int id)
{
	return &store->conn_by_id[(unsigned)id & (RTC_INDEX_SIZE - 1)];
}

static struct rtc_account **aor_slot(const char *aor)
{
	return &store->account_by_aor[str_hash_fold(STR_HASH_INIT, aor) & (RTC_INDEX_SIZE - 1)];
}

static struct rtc_account **key_slot(unsigned key)
{
	return &store->account_by_key[key & (RTC_INDEX_SIZE - 1)];
}

struct rtc_conn *rtc_conn_find(int id)
{
	struct rtc_conn *c;

	for (c = *conn_slot(id); c; c = c->id_next)
		if (c->id == id)
			return c;
	return NULL;
}

struct rtc_conn *rtc_conn_first(void)
{
	return store->conns;
}

struct rtc_conn *rtc_conn_add(int id, enum sylkrtc_version version)
{
	struct rtc_conn *c = shm_malloc(sizeof(*c));

	if (!c) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->version = version;
	c->next = store->conns;
	store->conns = c;
	c->id_next = *conn_slot(id);
	*conn_slot(id) = c;
	RTC_STAT_INC(connections);
	return c;
}

void rtc_conn_remove(int id)
{
	struct rtc_conn **pp;

	for (pp = conn_slot(id); *pp; pp = &(*pp)->id_next) {
		if ((*pp)->id == id) {
			*pp = (*pp)->id_next;
			break;
		}
	}
	for (pp = &store->conns; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct rtc_conn *c = *pp;

			*pp = c->next;
			shm_free(c);
			RTC_STAT_ADD(connections, -1);
			return;
		}
	}
}

/* ---- accounts ------------------------------------------------------------ */

struct rtc_account *rtc_account_with_aor(const char *aor)
{
	struct rtc_account *a = *aor_slot(aor);

	while (a && strcasecmp(a->aor, aor) != 0)
		a = a->aor_next;
	return a;
}

struct rtc_account *rtc_account_next_with_aor(const struct rtc_account *a, const char *aor)
{
	struct rtc_account *b = a->aor_next;

	while (b && strcasecmp(b->aor, aor) != 0)
		b = b->aor_next;
	return b;
}

struct rtc_account *rtc_account_find(int conn_id, const char *aor)
{
	struct rtc_account *a;

	for (a = rtc_account_with_aor(aor); a; a = rtc_account_next_with_aor(a, aor))
		if (a->conn_id == conn_id && strcmp(a->aor, aor) == 0)
			return a;
	return NULL;
}

struct rtc_account *rtc_account_by_key(unsigned key)
{
	struct rtc_account *a;

	for (a = *key_slot(key); a; a = a->key_next)
		if (a->key == key)
			return a;
	return NULL;
}

struct rtc_account *rtc_account_first(void)
{
	return store->accounts;
}

struct rtc_account *rtc_account_new(int conn_id, const char *aor)
{
	struct rtc_account *a = shm_malloc(sizeof(*a)), *same;
	const char *at;

	if (!a) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(a, 0, sizeof(*a));
	a->key = rtc_next_key();
	a->conn_id = conn_id;
	sylk_copy(a->aor, sizeof(a->aor), aor, strlen(aor));
	at = strchr(aor, '@');
	if (at) {
		sylk_copy(a->user, sizeof(a->user), aor, (size_t)(at - aor));
		sylk_copy(a->domain, sizeof(a->domain), at + 1, strlen(at + 1));
	}
	/* a connection added or dropped must not start the AOR's count over */
	if ((same = rtc_account_with_aor(a->aor)))
		a->msg_rate = same->msg_rate;
	a->next = store->accounts;
	store->accounts = a;
	a->aor_next = *aor_slot(a->aor);
	*aor_slot(a->aor) = a;
	a->key_next = *key_slot(a->key);
	*key_slot(a->key) = a;
	RTC_STAT_INC(accounts);
	return a;
}

bool rtc_account_may_send_message(const char *aor, int64_t now_ms, int limit)
{
	struct rtc_account *first = rtc_account_with_aor(aor), *a;

	if (!first)
		return true;
	if (!rate_window_allow(&first->msg_rate, now_ms, limit))
		return false;
	for (a = rtc_account_next_with_aor(first, aor); a; a = rtc_account_next_with_aor(a, aor))
		a->msg_rate = first->msg_rate;
	return true;
}

void rtc_account_destroy(struct rtc_account *a)
{
	struct rtc_account **pp;

	for (pp = &store->accounts; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	for (pp = aor_slot(a->aor); *pp; pp = &(*pp)->aor_next) {
		if (*pp == a) {
			*pp = a->aor_next;
			break;
		}
	}
	for (pp = key_slot(a->key); *pp; pp = &(*pp)->key_next) {
		if (*pp == a) {
			*pp = a->key_next;
			break;
		}
	}
	rtc_shm_free_str(&a->ha1);
	rtc_shm_free_str(&a->display_name);
	rtc_shm_free_str(&a->user_agent);
	rtc_shm_free_str(&a->push_params);
	rtc_shm_free_str(&a->bound_params);
	rtc_shm_free_str(&a->msg_challenge);
	for (int i = 0; i < a->prefix_count; i++)
		rtc_shm_free_str(&a->prefixes[i]);
	if (a->prefixes)
		shm_free(a->prefixes);
	if (a->reg_dlg)
		rtc_tmb.free_dlg(a->reg_dlg);
	shm_free(a);
	RTC_STAT_ADD(accounts, -1);
}

/* ---- sessions ------------------------------------------------------------ */

bool rtc_session_offered_to(const struct rtc_session *s, int conn_id)
{
	for (int i = 0; i < s->offered_count; i++)
		if (s->offered[i] == conn_id)
			return true;
	return false;
}

struct rtc_session *rtc_session_find(int conn_id, const char *id)
{
	struct rtc_session *s;

	for (s = store->sessions; s; s = s->next) {
		if (strcmp(s->id, id) != 0)
			continue;
		if (s->conn_id == conn_id || (s->conn_id < 0 && rtc_session_offered_to(s, conn_id)))
			return s;
	}
	return NULL;
}

struct rtc_session *rtc_session_by_key(unsigned key)
{
	struct rtc_session *s;

	for (s = store->sessions; s; s = s->next)
		if (s->key == key)
			return s;
	return NULL;
}

static bool str_is(const str *a, const char *b)
{
	return a && a->len == (int)strlen(b) && memcmp(a->s, b, a->len) == 0;
}

struct rtc_session *rtc_session_by_dialog(const str *call_id, const str *local_tag)
{
	struct rtc_session *s;

	for (s = store->sessions; s; s = s->next)
		if (str_is(call_id, s->call_id) && str_is(local_tag, s->local_tag))
			return s;
	return NULL;
}

struct rtc_session *rtc_session_by_callid(const str *call_id, const str *remote_tag)
{
	struct rtc_session *s;

	for (s = store->sessions; s; s = s->next)
		if (str_is(call_id, s->call_id) && str_is(remote_tag, s->remote_tag))
			return s;
	return NULL;
}

struct rtc_session *rtc_session_first(void)
{
	return store->sessions;
}

struct rtc_session *rtc_session_new(int conn_id, const char *id, enum rtc_dir dir)
{
	struct rtc_session *s = shm_malloc(sizeof(*s));

	if (!s) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->key = rtc_next_key();
	s->conn_id = conn_id;
	s->dir = dir;
	s->state = RTC_CALL_NEW;
	s->created = time(NULL);
	sylk_copy(s->id, sizeof(s->id), id, strlen(id));
	s->next = store->sessions;
	store->sessions = s;
	RTC_STAT_INC(calls_active);
	return s;
}

void rtc_session_destroy(struct rtc_session *s)
{
	struct rtc_session **pp;

	for (pp = &store->sessions; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	if (s->dlg)
		rtc_tmb.free_dlg(s->dlg);
	if (s->dtmf[0])
		store->fast_work--;
	rtc_shm_free_str(&s->pending_sdp);
	rtc_shm_free_str(&s->extra_hdrs);
	shm_free(s);
	RTC_STAT_ADD(calls_active, -1);
}

void rtc_fast_work_add(int delta)
{
	store->fast_work += delta;
}

bool rtc_fast_work_any(void)
{
	return store && store->fast_work > 0;
}

int rtc_session_count_for_account(unsigned account_key)
{
	struct rtc_session *s;
	int n = 0;

	for (s = store->sessions; s; s = s->next)
		if (s->account_key == account_key)
			n++;
	return n;
}
