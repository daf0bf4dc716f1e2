/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chat bridge of the focus: another module (the sylkRTC gateway) posts
 * into a room's chat as a participant without MSRP, and hears every
 * message the room relays to everyone. Posting takes the focus's store
 * lock; what the rooms relay is queued under it and handed to the listener
 * once this process lets go of it, so the focus never holds its lock while
 * the other module takes its own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"

#include "conference/room/chat_room.h"

#include "../common/sip_util.h"
#include "conf_bridge.h"
#include "conf_msrp_send.h"
#include "conf_room.h"
#include "conf_session.h"
#include "conf_stats.h"
#include "conf_store.h"

#define BRIDGE_QUEUE_MAX 256 /* messages one lock section may queue */

struct bridge_item {
	struct bridge_item *next;
	size_t len;
	char room[CONF_URI_SIZE];
	char cpim[]; /* NUL-terminated */
};

#define BRIDGE_LISTENERS 4 /* the sylkRTC gateway, the XMPP gateway's MUC */

static sylk_conf_chat_fn listeners[BRIDGE_LISTENERS];
static int listener_n;
static struct bridge_item *head, **tail = &head; /* this process's */
static unsigned queued;

static void chat_listen(sylk_conf_chat_fn fn)
{
	if (!fn || listener_n == BRIDGE_LISTENERS) {
		LM_ERR("chat bridge: no room for another listener\n");
		return;
	}
	listeners[listener_n++] = fn;
}

void conf_bridge_queue(const char *room_uri, const void *cpim, size_t len)
{
	struct bridge_item *it;

	if (!listener_n || !room_uri || !cpim || !len)
		return;
	if (queued >= BRIDGE_QUEUE_MAX) {
		LM_WARN("chat bridge: %u messages waiting, one of room %s dropped\n", queued,
			room_uri);
		return;
	}
	it = malloc(sizeof(*it) + len + 1);
	if (!it) {
		LM_ERR("chat bridge: out of memory, a message of room %s dropped\n", room_uri);
		return;
	}
	it->next = NULL;
	it->len = len;
	sylk_copy(it->room, sizeof(it->room), room_uri, strlen(room_uri));
	memcpy(it->cpim, cpim, len);
	it->cpim[len] = '\0';
	*tail = it;
	tail = &it->next;
	queued++;
}

void conf_bridge_flush(void)
{
	struct bridge_item *it;

	while ((it = head)) {
		head = it->next;
		if (!head)
			tail = &head;
		queued--;
		for (int i = 0; i < listener_n; i++)
			listeners[i](it->room, it->cpim, it->len);
		free(it);
	}
}

/* Routes and relays one message of a participant without MSRP. Lock held. */
static int post_locked(struct conf_room *r, const char *sender_uri, const char *display,
		       const void *cpim, size_t len, int *status)
{
	struct chat_route route;
	unsigned key = conf_next_key();
	int err;

	err = chat_room_join(r->chat, key, sender_uri, display);
	if (err)
		return err;
	memset(&route, 0, sizeof(route));
	err = chat_room_route(r->chat, key, "message/cpim", cpim, len, &route);
	chat_room_leave(r->chat, key);
	if (err)
		return err;
	*status = route.status;
	if (route.status != 200) {
		LM_NOTICE("room %s: bridged message from %s refused with %d: %s\n", r->uri,
			  sender_uri, route.status, route.reason ? route.reason : "");
		return 0;
	}
	CONF_STAT_INC(chat_messages);
	for (size_t i = 0; i < route.target_count; i++) {
		struct conf_participant *t = conf_part_by_key(route.targets[i]);

		if (t && t->room_key == r->key && t->kind == CONF_PART_CHAT)
			conf_msrp_send_to(t, "message/cpim", cpim, len);
	}
	if (route.store)
		chat_room_history_add(r->chat, cpim, len);
	free(route.targets);
	return 0;
}

static int chat_post(const char *room_uri, const char *sender_uri, const char *display,
		     const void *cpim, size_t len, int *status)
{
	struct conf_room *r;
	int err;

	if (!room_uri || !sender_uri || !cpim || !len || !status)
		return EINVAL;
	*status = 0;
	conf_lock();
	r = conf_room_find(room_uri);
	err = r && r->chat ? post_locked(r, sender_uri, display, cpim, len, status) : ENOENT;
	conf_unlock();
	if (err && err != ENOENT)
		LM_ERR("chat bridge: message of %s into %s failed (%d)\n", sender_uri, room_uri,
		       err);
	return err;
}

/* lock held; 1 when the list changed */
static int member_set(struct conf_room *r, const char *uri, const char *display, int present,
		      int *err)
{
	struct conf_member **pm, *m;

	for (pm = &r->members; *pm && strcmp((*pm)->uri, uri); pm = &(*pm)->next)
		;
	if (!present) {
		if (!(m = *pm))
			return 0;
		*pm = m->next;
		shm_free(m);
		r->member_count--;
		return 1;
	}
	if (*pm)
		return 0;
	if (r->member_count >= CONF_MAX_MEMBERS) {
		*err = ENOSPC;
		return 0;
	}
	if (!(m = shm_mallocxz(sizeof(*m)))) {
		*err = ENOMEM;
		return 0;
	}
	sylk_copy(m->uri, sizeof(m->uri), uri, strlen(uri));
	if (display)
		sylk_copy(m->display, sizeof(m->display), display, strlen(display));
	m->next = r->members;
	r->members = m;
	r->member_count++;
	return 1;
}

static int chat_member(const char *room_uri, const char *uri, const char *display, int present)
{
	struct conf_room *r;
	int err = 0;

	if (!room_uri || !uri || strlen(uri) >= CONF_URI_SIZE)
		return EINVAL;
	conf_lock();
	r = conf_room_find(room_uri);
	if (!r)
		err = ENOENT;
	else if (member_set(r, uri, display, present, &err))
		conf_notify_room(r->key);
	conf_unlock();
	if (err && err != ENOENT)
		LM_NOTICE("room %s: %s not listed: %s\n", room_uri, uri, strerror(err));
	return err;
}

int conf_bridge_bind(sylk_conf_api_t *api)
{
	if (!api)
		return -1;
	api->chat_post = chat_post;
	api->chat_listen = chat_listen;
	api->chat_member = chat_member;
	conf_session_bind(api);
	return 0;
}
