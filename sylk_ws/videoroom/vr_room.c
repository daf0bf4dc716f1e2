/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video room model: publishers, feeds, speakers, hands, bitrates. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sylk_ws/videoroom/vr_room.h"

static int copy(char *dst, size_t size, const char *src)
{
	size_t n = src ? strlen(src) : 0;

	if (!src || n >= size)
		return EINVAL;
	memcpy(dst, src, n + 1);
	return 0;
}

void vr_room_hash(char out[VR_HASH_SIZE], const char *uri)
{
	uint64_t h = 14695981039346656037ULL;

	for (const char *p = uri ? uri : ""; *p; p++) {
		h ^= (unsigned char)tolower((unsigned char)*p);
		h *= 1099511628211ULL;
	}
	snprintf(out, VR_HASH_SIZE, "%016llx", (unsigned long long)h);
}

int vr_room_new(struct vr_room **roomp, const struct sylk_mem *mem, const char *uri)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct vr_room *r;

	if (!roomp || !uri || !*uri || strlen(uri) >= VR_AOR_SIZE)
		return EINVAL;
	r = sylk_mem_zalloc(&m, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->mem = m;
	copy(r->uri, sizeof(r->uri), uri);
	vr_room_hash(r->hash, uri);
	*roomp = r;
	return 0;
}

void vr_room_free(struct vr_room *room)
{
	struct sylk_mem m;

	if (!room)
		return;
	m = room->mem;
	while (room->pubs)
		vr_pub_remove(room, room->pubs);
	while (room->feeds)
		vr_feed_remove(room, room->feeds);
	while (room->hands) {
		struct vr_hand *h = room->hands;

		room->hands = h->next;
		sylk_mem_free(&m, h);
	}
	sylk_mem_free(&m, room);
}

/* ---- publishers ------------------------------------------------------------- */

struct vr_pub *vr_pub_find(const struct vr_room *room, const char *id)
{
	for (struct vr_pub *p = room && id ? room->pubs : NULL; p; p = p->next)
		if (strcmp(p->id, id) == 0)
			return p;
	return NULL;
}

struct vr_pub *vr_pub_by_key(const struct vr_room *room, unsigned key)
{
	for (struct vr_pub *p = room ? room->pubs : NULL; p; p = p->next)
		if (p->key == key)
			return p;
	return NULL;
}

int vr_pub_add(struct vr_room *room, struct vr_pub **pubp, const char *id, unsigned key)
{
	struct vr_pub *p, **tail;

	if (!room || !pubp || !id || !*id || strlen(id) >= VR_ID_SIZE)
		return EINVAL;
	if (vr_pub_find(room, id) || vr_feed_find(room, id))
		return EEXIST;
	p = sylk_mem_zalloc(&room->mem, sizeof(*p));
	if (!p)
		return ENOMEM;
	copy(p->id, sizeof(p->id), id);
	p->key = key;
	p->audio = p->video = true;
	snprintf(p->call_id, sizeof(p->call_id), "vr-%s-%x", room->hash, key);
	snprintf(p->tag, sizeof(p->tag), "pub-%x", key);
	for (tail = &room->pubs; *tail; tail = &(*tail)->next)
		;
	*tail = p;
	room->pub_count++;
	*pubp = p;
	return 0;
}

static bool drop_active(struct vr_room *room, const char *id)
{
	for (size_t i = 0; i < room->active_count; i++) {
		if (strcmp(room->active[i], id) != 0)
			continue;
		memmove(room->active[i], room->active[i + 1],
			(room->active_count - i - 1) * sizeof(room->active[0]));
		room->active_count--;
		return true;
	}
	return false;
}

static bool drop_hand(struct vr_room *room, const char *id)
{
	for (struct vr_hand **h = &room->hands; *h; h = &(*h)->next) {
		struct vr_hand *gone = *h;

		if (strcmp(gone->id, id) != 0)
			continue;
		*h = gone->next;
		sylk_mem_free(&room->mem, gone);
		room->hand_count--;
		return true;
	}
	return false;
}

bool vr_pub_remove(struct vr_room *room, struct vr_pub *pub)
{
	bool changed = false;

	if (!room || !pub)
		return false;
	for (struct vr_pub **p = &room->pubs; *p; p = &(*p)->next) {
		if (*p != pub)
			continue;
		*p = pub->next;
		room->pub_count--;
		changed = drop_active(room, pub->id);
		drop_hand(room, pub->id);
		sylk_mem_free(&room->mem, pub);
		break;
	}
	return changed;
}

/* ---- feeds ------------------------------------------------------------------ */

struct vr_feed *vr_feed_find(const struct vr_room *room, const char *id)
{
	for (struct vr_feed *f = room && id ? room->feeds : NULL; f; f = f->next)
		if (strcmp(f->id, id) == 0)
			return f;
	return NULL;
}

struct vr_feed *vr_feed_by_key(const struct vr_room *room, unsigned key)
{
	for (struct vr_feed *f = room ? room->feeds : NULL; f; f = f->next)
		if (f->key == key)
			return f;
	return NULL;
}

int vr_feed_add(struct vr_room *room, struct vr_feed **feedp, const char *id, const char *owner,
		const char *publisher, unsigned key)
{
	struct vr_pub *src;
	struct vr_feed *f;

	if (!room || !feedp || !id || !*id || strlen(id) >= VR_ID_SIZE)
		return EINVAL;
	if (!vr_pub_find(room, owner) || !(src = vr_pub_find(room, publisher)))
		return ENOENT;
	if (vr_feed_find(room, id) || vr_pub_find(room, id))
		return EEXIST;
	f = sylk_mem_zalloc(&room->mem, sizeof(*f));
	if (!f)
		return ENOMEM;
	f->key = key;
	copy(f->id, sizeof(f->id), id);
	copy(f->owner, sizeof(f->owner), owner);
	copy(f->publisher, sizeof(f->publisher), publisher);
	memcpy(f->call_id, src->call_id, sizeof(f->call_id));
	snprintf(f->tag, sizeof(f->tag), "feed-%x", key);
	f->next = room->feeds;
	room->feeds = f;
	room->feed_count++;
	*feedp = f;
	return 0;
}

void vr_feed_remove(struct vr_room *room, struct vr_feed *feed)
{
	if (!room || !feed)
		return;
	for (struct vr_feed **f = &room->feeds; *f; f = &(*f)->next) {
		if (*f != feed)
			continue;
		*f = feed->next;
		room->feed_count--;
		sylk_mem_free(&room->mem, feed);
		return;
	}
}

/* ---- speakers and hands ---------------------------------------------------------- */

bool vr_room_is_active(const struct vr_room *room, const char *id)
{
	for (size_t i = 0; room && id && i < room->active_count; i++)
		if (strcmp(room->active[i], id) == 0)
			return true;
	return false;
}

static bool same_list(const struct vr_room *room, const char *const *ids, size_t count)
{
	if (count != room->active_count)
		return false;
	for (size_t i = 0; i < count; i++)
		if (strcmp(room->active[i], ids[i]) != 0)
			return false;
	return true;
}

int vr_room_set_active(struct vr_room *room, const char *const *ids, size_t count, bool *changed,
		       const char **unknown)
{
	if (!room || (count && !ids) || count > VR_MAX_ACTIVE)
		return EINVAL;
	for (size_t i = 0; i < count; i++) {
		if (!ids[i])
			return EINVAL;
		for (size_t j = 0; j < i; j++)
			if (strcmp(ids[i], ids[j]) == 0)
				return EINVAL;
		if (!vr_pub_find(room, ids[i])) {
			if (unknown)
				*unknown = ids[i];
			return ENOENT;
		}
	}
	if (changed)
		*changed = !same_list(room, ids, count);
	for (size_t i = 0; i < count; i++)
		copy(room->active[i], sizeof(room->active[i]), ids[i]);
	room->active_count = count;
	return 0;
}

int vr_room_toggle_hand(struct vr_room *room, const char *id, bool *raised)
{
	struct vr_hand *h, **tail;

	if (!room || !id || !*id || strlen(id) >= VR_ID_SIZE)
		return EINVAL;
	if (drop_hand(room, id)) {
		if (raised)
			*raised = false;
		return 0;
	}
	if (room->hand_count >= VR_MAX_HANDS)
		return ENOSPC;
	h = sylk_mem_zalloc(&room->mem, sizeof(*h));
	if (!h)
		return ENOMEM;
	copy(h->id, sizeof(h->id), id);
	for (tail = &room->hands; *tail; tail = &(*tail)->next)
		;
	*tail = h;
	room->hand_count++;
	if (raised)
		*raised = true;
	return 0;
}

size_t vr_room_hands(const struct vr_room *room, const char **ids, size_t max)
{
	size_t n = 0;

	for (struct vr_hand *h = room ? room->hands : NULL; h && n < max; h = h->next)
		ids[n++] = h->id;
	return n;
}

/* ---- bitrates ------------------------------------------------------------------ */

int vr_bitrate(int max, size_t publishers, size_t active_count, bool is_active)
{
	if (max <= 0)
		return 0;
	if (active_count)
		return is_active ? max / (int)active_count : VR_OTHER_BITRATE;
	return max / (int)(publishers > 2 ? publishers - 1 : 1);
}

size_t vr_room_update_bitrates(struct vr_room *room, int max)
{
	size_t changed = 0;

	for (struct vr_pub *p = room ? room->pubs : NULL; p; p = p->next) {
		int b = vr_bitrate(max, room->pub_count, room->active_count,
				   vr_room_is_active(room, p->id));

		if (b != p->bitrate) {
			p->bitrate = b;
			changed++;
		}
	}
	return changed;
}
