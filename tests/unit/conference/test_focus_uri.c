/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's Contact URI and the room a request to it is for. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "conference/room/focus_uri.h"

static void test_contact(void)
{
	char buf[128];

	CHECK_INT(focus_contact_uri(buf, sizeof(buf), "sip:room1@conference.sylk.test",
				    "127.0.0.1:5060"),
		  0);
	CHECK_STR(buf, "sip:room1@127.0.0.1:5060;focus=conference.sylk.test");
	CHECK_INT(focus_contact_uri(buf, sizeof(buf), "SIP:Room@conf.example.com", "[::1]:5060"),
		  0);
	CHECK_STR(buf, "sip:Room@[::1]:5060;focus=conf.example.com");
	CHECK_INT(focus_contact_uri(buf, sizeof(buf), "sips:room@x", "h"), EINVAL);
	CHECK_INT(focus_contact_uri(buf, sizeof(buf), "sip:@x", "h"), EINVAL);
	CHECK_INT(focus_contact_uri(buf, sizeof(buf), "sip:room", "h"), EINVAL);
	CHECK_INT(focus_contact_uri(buf, sizeof(buf), "sip:room@", "h"), EINVAL);
	CHECK_INT(focus_contact_uri(buf, sizeof(buf), "sip:room@x;y=z", "h"), EINVAL);
	CHECK_INT(focus_contact_uri(buf, sizeof(buf), "sip:room@x", ""), EINVAL);
	CHECK_INT(focus_contact_uri(buf, 20, "sip:room1@conference.sylk.test", "127.0.0.1"),
		  ENOSPC);
}

static int room(char *buf, size_t size, const char *user, const char *params)
{
	return focus_room_uri(buf, size, user, user ? strlen(user) : 0, params, strlen(params));
}

static void test_room(void)
{
	char buf[128];

	CHECK_INT(room(buf, sizeof(buf), "room1", ";focus=conference.sylk.test"), 0);
	CHECK_STR(buf, "sip:room1@conference.sylk.test");
	CHECK_INT(room(buf, sizeof(buf), "room1", "transport=udp;FOCUS=conf.x;lr"), 0);
	CHECK_STR(buf, "sip:room1@conf.x");
	CHECK_INT(room(buf, sizeof(buf), "room1", ";lr;transport=tcp"), ENOENT);
	CHECK_INT(room(buf, sizeof(buf), "room1", ";focus="), ENOENT);
	CHECK_INT(room(buf, sizeof(buf), "room1", ";focus"), ENOENT);
	CHECK_INT(room(buf, sizeof(buf), "room1", ";focusx=a.b"), ENOENT);
	CHECK_INT(room(buf, sizeof(buf), "room1", ""), ENOENT);
	CHECK_INT(room(buf, sizeof(buf), NULL, ";focus=a.b"), EINVAL);
	CHECK_INT(room(buf, sizeof(buf), "room1", ";focus=a@b"), EINVAL);
	CHECK_INT(room(buf, 10, "room1", ";focus=conference.sylk.test"), ENOSPC);
	/* the user part is taken as it is, the parameter only up to its ';' */
	CHECK_INT(focus_room_uri(buf, sizeof(buf), "room1xyz", 5, ";focus=a.b;x", 10), 0);
	CHECK_STR(buf, "sip:room1@a.b");
}

static void test_round_trip(void)
{
	char contact[128], back[128];
	const char *params;

	CHECK_INT(focus_contact_uri(contact, sizeof(contact), "sip:team@conference.sylk.test",
				    "10.0.0.1:5080"),
		  0);
	params = strchr(contact, ';');
	CHECK(params != NULL);
	if (params) {
		CHECK_INT(focus_room_uri(back, sizeof(back), "team", 4, params, strlen(params)), 0);
		CHECK_STR(back, "sip:team@conference.sylk.test");
	}
}

int main(void)
{
	RUN(test_contact);
	RUN(test_room);
	RUN(test_round_trip);
	return check_summary();
}
