/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Rooms, participants and subscriptions in shared memory. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/pt.h"

#include "../common/shm_store.h"

#include "conf_audio.h"
#include "conf_bridge.h"
#include "conf_config.h"
#include "conf_msrp_send.h"
#include "conf_out.h"
#include "conf_session.h"
#include "conf_stats.h"
#include "conf_store.h"

struct conf_store {
	struct sylk_store_base base; /* first: lock and keys */
	struct conf_room *rooms;
	struct conf_participant *parts;
	struct conf_subscriber *subs;
};

static struct conf_store *store;

static void *shm_alloc_cb(size_t size, void *ctx)
{
	return shm_malloc(size);
}

static void shm_free_cb(void *p, void *ctx)
{
	if (p)
		shm_free(p);
}

const struct sylk_mem conf_shm_mem = {.alloc = shm_alloc_cb, .free = shm_free_cb};

int conf_store_init(void)
{
	store = sylk_store_alloc(sizeof(*store));
	return store ? 0 : -1;
}

void conf_store_destroy(void)
{
	if (!store)
		return;
	while (store->rooms)
		conf_room_destroy(store->rooms);
	sylk_store_free(store);
	store = NULL;
}

/* how deep this process holds the lock (it is recursive) */
static int depth;

void conf_lock(void)
{
	sylk_store_lock(&store->base);
	depth++;
}

void conf_unlock(void)
{
	if (--depth > 0) {
		sylk_store_unlock(&store->base);
		return;
	}
	depth = 0;
	sylk_store_unlock(&store->base);
	/* what was queued under the lock talks to the network now */
	conf_msrp_flush(); /* MSRP responses, reports, SENDs: before the closes */
	conf_out_flush();  /* NOTIFY, BYE, dial-out INVITEs, MSRP closes */
	conf_audio_flush();
	conf_bridge_flush();  /* chat for the gateway's video rooms */
	conf_session_flush(); /* and for the XMPP gateway's chat sessions */
}

bool conf_lock_held(void)
{
	return depth > 0;
}

bool conf_trylock(void)
{
	rec_lock_t *l = &store->base.lock;

	if (depth > 0) {
		conf_lock();
		return true;
	}
	if (lock_try(&l->lock) != 0)
		return false;
	atomic_set(&l->locker_pid, my_pid());
	depth++;
	return true;
}

unsigned conf_next_key(void)
{
	return sylk_store_next_key(&store->base);
}

/* ---- rooms ----------------------------------------------------------------- */

struct conf_room *conf_room_find(const char *uri)
{
	for (struct conf_room *r = store->rooms; r; r = r->next)
		if (!r->session && strcasecmp(r->uri, uri) == 0)
			return r;
	return NULL;
}

struct conf_room *conf_room_by_key(unsigned key)
{
	for (struct conf_room *r = store->rooms; r; r = r->next)
		if (r->key == key)
			return r;
	return NULL;
}

struct conf_room *conf_room_first(void)
{
	return store->rooms;
}

static struct conf_room *room_alloc(const char *uri, const char *user, bool session)
{
	struct conf_room *r = shm_malloc(sizeof(*r));

	if (!r) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(r, 0, sizeof(*r));
	r->key = conf_next_key();
	sylk_copy(r->uri, sizeof(r->uri), uri, strlen(uri));
	sylk_copy(r->user, sizeof(r->user), user, strlen(user));
	r->created = time(NULL);
	if (chat_room_alloc(&r->chat, &conf_shm_mem, uri, (unsigned)conf_cfg.history_size) != 0) {
		LM_ERR("cannot create the chat of room %s\n", uri);
		shm_free(r);
		return NULL;
	}
	r->session = session;
	r->next = store->rooms;
	store->rooms = r;
	if (session)
		CONF_STAT_INC(chat_sessions);
	else
		CONF_STAT_INC(rooms);
	return r;
}

struct conf_room *conf_room_new(const char *uri, const char *user)
{
	return room_alloc(uri, user, false);
}

struct conf_room *conf_session_room_new(const char *peer_uri)
{
	return room_alloc(peer_uri, "", true);
}

void conf_room_destroy(struct conf_room *r)
{
	struct conf_room **pp;
	struct conf_participant *p, *pn;
	struct conf_subscriber *s, *sn;

	for (p = store->parts; p; p = pn) {
		pn = p->next;
		if (p->room_key == r->key)
			conf_part_destroy(p);
	}
	for (s = store->subs; s; s = sn) {
		sn = s->next;
		if (s->room_key == r->key)
			conf_sub_destroy(s);
	}
	for (pp = &store->rooms; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			break;
		}
	}
	while (r->files) {
		struct conf_file *f = r->files;

		r->files = f->next;
		shm_free(f);
	}
	while (r->members) {
		struct conf_member *m = r->members;

		r->members = m->next;
		shm_free(m);
	}
	{
		char dir[1024];

		if (conf_room_dir(dir, sizeof(dir), r->key) == 0)
			file_store_remove_dir(dir);
	}
	chat_room_free(r->chat);
	if (r->session)
		CONF_STAT_ADD(chat_sessions, -1);
	else
		CONF_STAT_ADD(rooms, -1);
	shm_free(r);
}

int conf_room_dir(char *buf, size_t size, unsigned room_key)
{
	int n = snprintf(buf, size, "%s/%u", conf_cfg.file_dir, room_key);

	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int conf_screen_path(char *buf, size_t size, unsigned room_key, unsigned part_key)
{
	int n = snprintf(buf, size, "%s/%u/screen-%u.jpg", conf_cfg.file_dir, room_key, part_key);

	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int conf_upload_path(char *buf, size_t size, unsigned room_key, unsigned part_key)
{
	int n = snprintf(buf, size, "%s/%u/upload-%u", conf_cfg.file_dir, room_key, part_key);

	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

int conf_file_path(char *buf, size_t size, unsigned room_key, const char *hash)
{
	char name[48];
	int n;

	if (file_store_name(name, sizeof(name), hash) != 0)
		return -1;
	n = snprintf(buf, size, "%s/%u/%s", conf_cfg.file_dir, room_key, name);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

/* ---- participants ------------------------------------------------------------ */

struct conf_participant *conf_part_first(void)
{
	return store->parts;
}

struct conf_participant *conf_part_by_key(unsigned key)
{
	for (struct conf_participant *p = store->parts; p; p = p->next)
		if (p->key == key)
			return p;
	return NULL;
}

struct conf_participant *conf_part_by_msrp_id(const char *id, size_t len)
{
	for (struct conf_participant *p = store->parts; p; p = p->next)
		if (p->msrp_id[0] && strlen(p->msrp_id) == len && memcmp(p->msrp_id, id, len) == 0)
			return p;
	return NULL;
}

static bool str_is(const str *a, const char *b)
{
	return a && a->len == (int)strlen(b) && memcmp(a->s, b, a->len) == 0;
}

struct conf_participant *conf_part_by_dialog(const str *call_id, const str *local_tag)
{
	for (struct conf_participant *p = store->parts; p; p = p->next)
		if (str_is(call_id, p->call_id) && str_is(local_tag, p->local_tag))
			return p;
	return NULL;
}

struct conf_participant *conf_part_by_uri(unsigned room_key, const char *uri)
{
	for (struct conf_participant *p = store->parts; p; p = p->next)
		if (p->room_key == room_key && strcasecmp(p->uri, uri) == 0)
			return p;
	return NULL;
}

struct conf_participant *conf_part_by_screen_token(const char *token)
{
	for (struct conf_participant *p = store->parts; p; p = p->next)
		if (p->screen_token[0] && room_token_equal(p->screen_token, token))
			return p;
	return NULL;
}

struct conf_participant *conf_part_new(unsigned room_key)
{
	struct conf_participant *p = shm_malloc(sizeof(*p));

	if (!p) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(p, 0, sizeof(*p));
	p->key = conf_next_key();
	p->room_key = room_key;
	p->joined = time(NULL);
	p->next = store->parts;
	store->parts = p;
	CONF_STAT_INC(participants);
	return p;
}

/* whether another participant's MSRP session runs on connection @p conn */
static bool conn_shared(const struct conf_participant *p, int conn)
{
	for (struct conf_participant *o = store->parts; o; o = o->next)
		if (o != p && o->msrp_conn == conn)
			return true;
	return false;
}

void conf_part_destroy(struct conf_participant *p)
{
	struct conf_participant **pp;

	/* a participant's MSRP session ends with it (RFC 4975 5.4: the
	 * connection goes with the last session on it), closed after the
	 * unlock; a private chat session's (playback, XMPP) as a room's, so
	 * that a late SEND finds the connection gone rather than a 481 */
	if (p->msrp_conn && !conn_shared(p, p->msrp_conn))
		conf_out_close(p->msrp_conn);
	for (pp = &store->parts; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	if (p->dlg)
		conf_tmb.free_dlg(p->dlg);
	shm_free(p);
	CONF_STAT_ADD(participants, -1);
}

int conf_room_count(unsigned room_key)
{
	int n = 0;

	for (struct conf_participant *p = store->parts; p; p = p->next)
		if (p->room_key == room_key)
			n++;
	return n;
}

void conf_room_totals(const char *creator, unsigned *total, unsigned *of_creator)
{
	*total = 0;
	*of_creator = 0;
	for (struct conf_room *r = store->rooms; r; r = r->next) {
		if (r->session)
			continue;
		(*total)++;
		if (creator && strcasecmp(r->creator, creator) == 0)
			(*of_creator)++;
	}
}

/* ---- subscriptions ------------------------------------------------------------- */

struct conf_subscriber *conf_sub_first(void)
{
	return store->subs;
}

struct conf_subscriber *conf_sub_by_key(unsigned key)
{
	for (struct conf_subscriber *s = store->subs; s; s = s->next)
		if (s->key == key)
			return s;
	return NULL;
}

struct conf_subscriber *conf_sub_by_dialog(const str *call_id, const str *local_tag)
{
	for (struct conf_subscriber *s = store->subs; s; s = s->next)
		if (str_is(call_id, s->call_id) && str_is(local_tag, s->local_tag))
			return s;
	return NULL;
}

struct conf_subscriber *conf_sub_alloc(unsigned room_key)
{
	struct conf_subscriber *s = shm_malloc(sizeof(*s));

	if (!s) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(s, 0, sizeof(*s));
	s->key = conf_next_key();
	s->room_key = room_key;
	return s;
}

void conf_sub_link(struct conf_subscriber *s)
{
	s->next = store->subs;
	store->subs = s;
}

struct conf_subscriber *conf_sub_new(unsigned room_key)
{
	struct conf_subscriber *s = conf_sub_alloc(room_key);

	if (s)
		conf_sub_link(s);
	return s;
}

void conf_sub_destroy(struct conf_subscriber *s)
{
	struct conf_subscriber **pp;

	for (pp = &store->subs; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	if (s->dlg)
		conf_tmb.free_dlg(s->dlg);
	shm_free(s);
}
