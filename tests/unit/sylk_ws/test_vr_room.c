/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/videoroom/vr_room: publishers, feeds, speakers,
 * hands and SylkServer's bitrate policy; with a counting allocator, so a
 * leak or a double free shows. */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "sylk_ws/videoroom/vr_room.h"

static int live;

static void *count_alloc(size_t size, void *ctx)
{
	(void)ctx;
	live++;
	return malloc(size);
}

static void count_free(void *p, void *ctx)
{
	(void)ctx;
	live--;
	free(p);
}

static const struct sylk_mem counting = {count_alloc, NULL, count_free, NULL};

static struct vr_room *room_of(int pubs)
{
	struct vr_room *r = NULL;
	struct vr_pub *p;
	char id[8];

	CHECK_INT(vr_room_new(&r, &counting, "party@videoconference.sylk.test"), 0);
	for (int i = 0; i < pubs; i++) {
		id[0] = (char)('a' + i);
		id[1] = '\0';
		CHECK_INT(vr_pub_add(r, &p, id, 10u + (unsigned)i), 0);
	}
	return r;
}

static void test_hash_and_names(void)
{
	char a[VR_HASH_SIZE], b[VR_HASH_SIZE];
	struct vr_room *r = room_of(1);

	vr_room_hash(a, "Party@VideoConference.sylk.test");
	vr_room_hash(b, "party@videoconference.sylk.test");
	CHECK_STR(a, b);
	CHECK_INT(strlen(a), 16);
	CHECK_STR(r->hash, a);
	CHECK_STR(r->pubs->tag, "pub-a");
	CHECK(strncmp(r->pubs->call_id, "vr-", 3) == 0);
	CHECK(strstr(r->pubs->call_id, a) != NULL);
	CHECK(r->pubs->audio && r->pubs->video);
	vr_room_free(r);
	CHECK_INT(live, 0);
}

static void test_publishers(void)
{
	struct vr_room *r = room_of(3);
	struct vr_pub *p = NULL;
	char longid[VR_ID_SIZE + 1];

	memset(longid, 'x', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = '\0';
	CHECK_INT(r->pub_count, 3);
	CHECK_INT(vr_pub_add(r, &p, "b", 99), EEXIST);
	CHECK_INT(vr_pub_add(r, &p, longid, 99), EINVAL);
	CHECK_INT(vr_pub_add(r, &p, "", 99), EINVAL);
	CHECK(vr_pub_find(r, "c") == vr_pub_by_key(r, 12));
	CHECK(vr_pub_find(r, "z") == NULL);
	CHECK(!vr_pub_remove(r, vr_pub_find(r, "b")));
	CHECK_INT(r->pub_count, 2);
	CHECK_STR(r->pubs->id, "a");
	CHECK_STR(r->pubs->next->id, "c");
	vr_room_free(r);
	CHECK_INT(live, 0);
}

static void test_feeds(void)
{
	struct vr_room *r = room_of(2);
	struct vr_feed *f = NULL;

	CHECK_INT(vr_feed_add(r, &f, "f1", "a", "b", 50), 0);
	CHECK_STR(f->call_id, vr_pub_find(r, "b")->call_id);
	CHECK_STR(f->tag, "feed-32");
	CHECK_INT(vr_feed_add(r, &f, "f1", "a", "b", 51), EEXIST);
	CHECK_INT(vr_feed_add(r, &f, "a", "b", "a", 51), EEXIST);
	CHECK_INT(vr_feed_add(r, &f, "f2", "a", "nobody", 51), ENOENT);
	CHECK_INT(vr_feed_add(r, &f, "f2", "nobody", "a", 51), ENOENT);
	CHECK_INT(vr_pub_add(r, &(struct vr_pub *){NULL}, "f1", 52), EEXIST);
	CHECK_INT(vr_feed_add(r, &f, "f2", "b", "a", 53), 0);
	CHECK(vr_feed_find(r, "f2") == vr_feed_by_key(r, 53));
	CHECK_INT(r->feed_count, 2);
	vr_feed_remove(r, vr_feed_find(r, "f1"));
	CHECK(vr_feed_find(r, "f1") == NULL);
	CHECK_INT(r->feed_count, 1);
	vr_room_free(r); /* frees the feed left */
	CHECK_INT(live, 0);
}

static void test_active_speakers(void)
{
	struct vr_room *r = room_of(3);
	const char *two[] = {"a", "b"}, *three[] = {"a", "b", "c"}, *dup[] = {"a", "a"};
	const char *bad[] = {"a", "zz"}, *unknown = NULL;
	bool changed = false;

	CHECK_INT(vr_room_set_active(r, three, 3, &changed, &unknown), EINVAL);
	CHECK_INT(vr_room_set_active(r, dup, 2, &changed, &unknown), EINVAL);
	CHECK_INT(vr_room_set_active(r, bad, 2, &changed, &unknown), ENOENT);
	CHECK_STR(unknown, "zz");
	CHECK_INT(r->active_count, 0);
	CHECK_INT(vr_room_set_active(r, two, 2, &changed, &unknown), 0);
	CHECK(changed);
	CHECK_INT(vr_room_set_active(r, two, 2, &changed, &unknown), 0);
	CHECK(!changed);
	CHECK(vr_room_is_active(r, "b"));
	/* a speaker who leaves is no longer active */
	CHECK(vr_pub_remove(r, vr_pub_find(r, "a")));
	CHECK_INT(r->active_count, 1);
	CHECK_STR(r->active[0], "b");
	CHECK_INT(vr_room_set_active(r, NULL, 0, &changed, &unknown), 0);
	CHECK(changed);
	vr_room_free(r);
	CHECK_INT(live, 0);
}

static void test_hands(void)
{
	struct vr_room *r = room_of(3);
	const char *ids[4];
	bool raised = false;

	CHECK_INT(vr_room_toggle_hand(r, "c", &raised), 0);
	CHECK(raised);
	CHECK_INT(vr_room_toggle_hand(r, "a", &raised), 0);
	CHECK_INT(vr_room_hands(r, ids, 4), 2);
	CHECK_STR(ids[0], "c");
	CHECK_STR(ids[1], "a");
	CHECK_INT(vr_room_toggle_hand(r, "c", &raised), 0);
	CHECK(!raised);
	CHECK_INT(vr_room_hands(r, ids, 4), 1);
	CHECK_INT(vr_room_toggle_hand(r, "", &raised), EINVAL);
	vr_pub_remove(r, vr_pub_find(r, "a"));
	CHECK_INT(vr_room_hands(r, ids, 4), 0);
	vr_room_toggle_hand(r, "b", &raised);
	vr_room_free(r);
	CHECK_INT(live, 0);
}

static void test_bitrates(void)
{
	struct vr_room *r = room_of(4);
	const char *one[] = {"b"};

	CHECK_INT(vr_bitrate(2016000, 1, 0, false), 2016000);
	CHECK_INT(vr_bitrate(2016000, 2, 0, false), 2016000);
	CHECK_INT(vr_bitrate(2016000, 3, 0, false), 1008000);
	CHECK_INT(vr_bitrate(2016000, 5, 2, true), 1008000);
	CHECK_INT(vr_bitrate(2016000, 5, 1, true), 2016000);
	CHECK_INT(vr_bitrate(2016000, 5, 1, false), VR_OTHER_BITRATE);
	CHECK_INT(vr_bitrate(0, 5, 1, false), 0);
	CHECK_INT(vr_room_update_bitrates(r, 2016000), 4);
	CHECK_INT(r->pubs->bitrate, 672000);
	CHECK_INT(vr_room_update_bitrates(r, 2016000), 0);
	CHECK_INT(vr_room_set_active(r, one, 1, NULL, NULL), 0);
	CHECK_INT(vr_room_update_bitrates(r, 2016000), 4);
	CHECK_INT(vr_pub_find(r, "b")->bitrate, 2016000);
	CHECK_INT(vr_pub_find(r, "c")->bitrate, VR_OTHER_BITRATE);
	vr_room_free(r);
	CHECK_INT(live, 0);
}

int main(void)
{
	RUN(test_hash_and_names);
	RUN(test_publishers);
	RUN(test_feeds);
	RUN(test_active_speakers);
	RUN(test_hands);
	RUN(test_bitrates);
	return check_summary();
}
