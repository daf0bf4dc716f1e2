/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/room/room_access.c: the room_access parameter
 * and the access check. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "conference/room/room_access.h"

static void test_add(void)
{
	static const struct {
		const char *value;
		int want;
	} cases[] = {
		{"room1 allow alice@x,bob@x", 0},
		{"room1\tdeny  mallory@x", 0},
		{"ROOM2 Allow carol@x", 0},
		{"room3 permit alice@x", EINVAL},
		{"room3 allow", EINVAL},
		{"room3 allow   ", EINVAL},
		{"room3", EINVAL},
		{"", EINVAL},
	};
	struct room_access_table t = {0};
	const struct room_access *a;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(room_access_add(&t, cases[i].value), cases[i].want);
	CHECK_INT(room_access_add(&t, NULL), EINVAL);
	CHECK_INT(t.count, 2);
	a = room_access_find(&t, "Room1");
	CHECK(a != NULL);
	if (a) {
		CHECK_STR(a->allow, "alice@x,bob@x");
		CHECK_STR(a->deny, "mallory@x");
	}
	/* a second allow replaces the first */
	CHECK_INT(room_access_add(&t, "room1 allow dave@x"), 0);
	CHECK_INT(t.count, 2);
	a = room_access_find(&t, "room1");
	CHECK(a && strcmp(a->allow, "dave@x") == 0);
	a = room_access_find(&t, "room2");
	CHECK(a && a->deny == NULL);
	CHECK(room_access_find(&t, "room3") == NULL);
	CHECK(room_access_find(&t, NULL) == NULL);
	room_access_free(&t);
	CHECK_INT(t.count, 0);
}

static void test_full(void)
{
	struct room_access_table t = {0};
	char v[64];

	for (int i = 0; i < ROOM_ACCESS_MAX; i++) {
		snprintf(v, sizeof(v), "room%d deny x@y", i);
		CHECK_INT(room_access_add(&t, v), 0);
	}
	CHECK_INT(room_access_add(&t, "one-more deny x@y"), ENOSPC);
	/* a room already there still takes a new list */
	CHECK_INT(room_access_add(&t, "room7 allow x@y"), 0);
	room_access_free(&t);
}

static void test_denied(void)
{
	struct room_access_table t = {0};
	const struct room_access *acl;
	static const struct {
		const char *deny_all, *allow_all, *room, *uri;
		bool want;
	} cases[] = {
		{"", "", "open", "sip:alice@x", false},
		{"alice@x", "", "open", "sip:alice@x", true},
		{"alice@x", "", "open", "sips:alice@x", true},
		{"sips:alice@x", "", "open", "sip:alice@x", true},
		{"", "bob@x", "open", "sip:alice@x", true},
		{"", "bob@x, alice@x", "open", "sips:alice@x", false},
		{"", "", "closed", "sip:alice@x", false},
		{"", "", "closed", "sip:mallory@x", true},
		{"", "", "closed", "sips:mallory@x", true},
		{"", "", "members", "sip:alice@x", false},
		{"", "", "members", "sips:carol@x", true},
		{"", "", "members", "sip:eve@x", true},
		{NULL, NULL, "members", "alice@x", false},
	};

	CHECK_INT(room_access_add(&t, "closed deny mallory@x"), 0);
	CHECK_INT(room_access_add(&t, "members allow alice@x , sips:bob@x"), 0);
	CHECK_INT(room_access_add(&t, "members deny carol@x"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		acl = room_access_find(&t, cases[i].room);
		if (room_access_denied(cases[i].deny_all, cases[i].allow_all, acl, cases[i].uri) !=
		    cases[i].want) {
			fprintf(stderr, "  case %zu: %s in %s\n", i, cases[i].uri, cases[i].room);
			CHECK(false);
		} else {
			CHECK(true);
		}
	}
	room_access_free(&t);
}

int main(void)
{
	RUN(test_add);
	RUN(test_full);
	RUN(test_denied);
	return check_summary();
}
