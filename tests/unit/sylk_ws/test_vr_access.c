/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/videoroom/vr_access: who may join a video room. */
#include <errno.h>

#include "check.h"
#include "sylk_ws/videoroom/vr_access.h"

#define ROOM "party@videoconference.sylk.test"

static void test_policy_parse(void)
{
	enum vr_policy p = VR_POLICY_DENY;

	CHECK_INT(vr_policy_parse(&p, "Allow"), 0);
	CHECK_INT(p, VR_POLICY_ALLOW);
	CHECK_INT(vr_policy_parse(&p, "deny"), 0);
	CHECK_INT(p, VR_POLICY_DENY);
	CHECK_INT(vr_policy_parse(&p, "maybe"), EINVAL);
	CHECK_INT(vr_policy_parse(NULL, "allow"), EINVAL);
	CHECK_INT(vr_policy_parse(&p, NULL), EINVAL);
}

static void test_patterns(void)
{
	const char *a = "alice@sylk.test";

	CHECK(vr_pattern_match("*", 1, a));
	CHECK(vr_pattern_match("all", 3, a));
	CHECK(vr_pattern_match("*@sylk.test", 11, a));
	CHECK(vr_pattern_match("sylk.test", 9, a));
	CHECK(vr_pattern_match("SIP:Alice@Sylk.Test", 19, "sip:alice@sylk.test"));
	CHECK(!vr_pattern_match("*@other.test", 12, a));
	CHECK(!vr_pattern_match("bob@sylk.test", 13, a));
	CHECK(!vr_pattern_match("sylk.tes", 8, a));
	CHECK(!vr_pattern_match("alice@sylk.test.evil", 20, a));
	CHECK(!vr_pattern_match("", 0, a));
	CHECK(!vr_pattern_match(NULL, 3, a));
	CHECK(!vr_pattern_match("*", 1, NULL));
}

static void test_lists_and_rooms(void)
{
	const char *deny = " *@guests.test , " ROOM "=bob@sylk.test";

	CHECK(vr_list_match(deny, ROOM, "eve@guests.test"));
	CHECK(vr_list_match(deny, ROOM, "bob@sylk.test"));
	CHECK(vr_list_match(deny, "sip:" ROOM, "bob@sylk.test"));
	/* the room item does not apply elsewhere */
	CHECK(!vr_list_match(deny, "other@videoconference.sylk.test", "bob@sylk.test"));
	CHECK(!vr_list_match(deny, ROOM, "alice@sylk.test"));
	CHECK(!vr_list_match(NULL, ROOM, "alice@sylk.test"));
	CHECK(!vr_list_match("", ROOM, "alice@sylk.test"));
}

static void test_policy_allow(void)
{
	const char *deny = "*@guests.test";
	const char *allow = "vip@guests.test";

	CHECK(vr_access_allowed(VR_POLICY_ALLOW, "", "", ROOM, "alice@sylk.test"));
	CHECK(!vr_access_allowed(VR_POLICY_ALLOW, "", deny, ROOM, "eve@guests.test"));
	/* an allow item overrides a deny item */
	CHECK(vr_access_allowed(VR_POLICY_ALLOW, allow, deny, ROOM, "vip@guests.test"));
	CHECK(!vr_access_allowed(VR_POLICY_ALLOW, "", "", ROOM, ""));
	CHECK(!vr_access_allowed(VR_POLICY_ALLOW, "", "", ROOM, NULL));
}

static void test_policy_deny(void)
{
	const char *allow = "sylk.test," ROOM "=*@guests.test";

	CHECK(!vr_access_allowed(VR_POLICY_DENY, "", "", ROOM, "alice@sylk.test"));
	CHECK(vr_access_allowed(VR_POLICY_DENY, allow, "", ROOM, "alice@sylk.test"));
	CHECK(vr_access_allowed(VR_POLICY_DENY, allow, "", ROOM, "eve@guests.test"));
	CHECK(!vr_access_allowed(VR_POLICY_DENY, allow, "", "x@videoconference.sylk.test",
				 "eve@guests.test"));
	/* a deny item wins over an allow item */
	CHECK(!vr_access_allowed(VR_POLICY_DENY, allow, "bob@sylk.test", ROOM, "bob@sylk.test"));
}

int main(void)
{
	RUN(test_policy_parse);
	RUN(test_patterns);
	RUN(test_lists_and_rooms);
	RUN(test_policy_allow);
	RUN(test_policy_deny);
	return check_summary();
}
