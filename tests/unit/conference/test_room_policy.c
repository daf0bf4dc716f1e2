/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/room/room_policy.c: who may open, join and REFER a
 * room, the room caps, and the screen-sharing URL tokens. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "conference/room/room_policy.h"

static void test_parse(void)
{
	struct room_policy p = {0};

	CHECK_INT(room_policy_parse_creators(&p, "authenticated"), 0);
	CHECK_INT(p.creators, ROOM_CREATORS_AUTHENTICATED);
	CHECK_INT(room_policy_parse_creators(&p, "ANY"), 0);
	CHECK_INT(p.creators, ROOM_CREATORS_ANY);
	CHECK_INT(room_policy_parse_creators(&p, "none"), 0);
	CHECK_INT(p.creators, ROOM_CREATORS_NONE);
	CHECK_INT(room_policy_parse_creators(&p, "alice@sylk.test, sip:bob@sylk.test"), 0);
	CHECK_INT(p.creators, ROOM_CREATORS_LIST);
	CHECK(p.creator_list != NULL);
	CHECK_INT(room_policy_parse_creators(&p, ""), EINVAL);
	CHECK_INT(room_policy_parse_creators(&p, "everyone"), EINVAL);
	CHECK_INT(room_policy_parse_creators(&p, NULL), EINVAL);
	CHECK_INT(room_policy_parse_joiners(&p, "any"), 0);
	CHECK_INT(p.joiners, ROOM_JOINERS_ANY);
	CHECK_INT(room_policy_parse_joiners(&p, "Authenticated"), 0);
	CHECK_INT(p.joiners, ROOM_JOINERS_AUTHENTICATED);
	CHECK_INT(room_policy_parse_joiners(&p, "list"), EINVAL);
}

static void test_in_list(void)
{
	CHECK(room_policy_in_list("alice@sylk.test", "sip:alice@sylk.test"));
	CHECK(room_policy_in_list(" bob@x , sip:Alice@Sylk.Test ", "alice@sylk.test"));
	CHECK(!room_policy_in_list("alice@sylk.test", "sip:alice@sylk.test.evil"));
	CHECK(!room_policy_in_list("alice@sylk.test", "sip:alic@sylk.test"));
	CHECK(!room_policy_in_list("alice@sylk.test,", ""));
	CHECK(!room_policy_in_list("", "sip:alice@sylk.test"));
	CHECK(!room_policy_in_list(NULL, "sip:alice@sylk.test"));
	CHECK(!room_policy_in_list("a@b", NULL));
	/* either scheme on either side */
	CHECK(room_policy_in_list("sips:alice@sylk.test", "sip:alice@sylk.test"));
	CHECK(room_policy_in_list("bob@x, sip:alice@sylk.test", "sips:alice@sylk.test"));
}

static void test_create_join(void)
{
	struct room_policy p = {0};

	/* the default: only authenticated local users open rooms */
	CHECK_INT(room_policy_parse_creators(&p, "authenticated"), 0);
	CHECK(room_policy_may_create(&p, true, "sip:alice@sylk.test"));
	CHECK(!room_policy_may_create(&p, false, "sip:mallory@evil.example"));
	CHECK(!room_policy_may_create(&p, false, "sip:alice@sylk.test"));
	CHECK_INT(room_policy_parse_creators(&p, "any"), 0);
	CHECK(room_policy_may_create(&p, false, "sip:mallory@evil.example"));
	CHECK_INT(room_policy_parse_creators(&p, "none"), 0);
	CHECK(!room_policy_may_create(&p, true, "sip:alice@sylk.test"));
	/* a list: authenticated and on it */
	CHECK_INT(room_policy_parse_creators(&p, "alice@sylk.test"), 0);
	CHECK(room_policy_may_create(&p, true, "sip:alice@sylk.test"));
	CHECK(!room_policy_may_create(&p, true, "sip:bob@sylk.test"));
	CHECK(!room_policy_may_create(&p, false, "sip:alice@sylk.test"));

	CHECK_INT(room_policy_parse_joiners(&p, "any"), 0);
	CHECK(room_policy_may_join(&p, false));
	CHECK_INT(room_policy_parse_joiners(&p, "authenticated"), 0);
	CHECK(!room_policy_may_join(&p, false));
	CHECK(room_policy_may_join(&p, true));
}

static void test_refer(void)
{
	CHECK(room_policy_may_refer(true, false, false));
	CHECK(room_policy_may_refer(false, true, true));
	/* a participant's From sent from somewhere else: a stranger */
	CHECK(!room_policy_may_refer(false, true, false));
	CHECK(!room_policy_may_refer(false, false, true));
	CHECK(!room_policy_may_refer(false, false, false));
}

static void test_caps(void)
{
	CHECK_INT(room_policy_room_cap(0, 0, 1000, 20), 0);
	CHECK_INT(room_policy_room_cap(999, 19, 1000, 20), 0);
	CHECK_INT(room_policy_room_cap(1000, 0, 1000, 20), ENOSPC);
	CHECK_INT(room_policy_room_cap(10, 20, 1000, 20), EDQUOT);
	/* the total is checked first: the server is full for everyone */
	CHECK_INT(room_policy_room_cap(1000, 20, 1000, 20), ENOSPC);
	CHECK_INT(room_policy_room_cap(100000, 100000, 0, 0), 0);
}

static void test_tokens(void)
{
	char a[ROOM_TOKEN_SIZE], b[ROOM_TOKEN_SIZE], tok[ROOM_TOKEN_SIZE];
	bool image = true;

	CHECK_INT(room_token_generate(a, sizeof(a)), 0);
	CHECK_INT(room_token_generate(b, sizeof(b)), 0);
	CHECK_INT(strlen(a), 32);
	CHECK(room_token_valid(a, strlen(a)));
	CHECK(strcmp(a, b) != 0);
	CHECK(room_token_equal(a, a));
	CHECK(!room_token_equal(a, b));
	CHECK(!room_token_equal(a, NULL));
	CHECK(!room_token_equal("", ""));
	CHECK_INT(room_token_generate(a, 16), EINVAL);
	CHECK(!room_token_valid("0123456789abcdef0123456789abcdeF", 32));
	CHECK(!room_token_valid("0123456789abcdef0123456789abcde", 31));
	CHECK(!room_token_valid("12", 2));

	CHECK_INT(room_screen_path_parse("0123456789abcdef0123456789abcdef", tok, sizeof(tok),
					 &image),
		  0);
	CHECK(!image);
	CHECK_STR(tok, "0123456789abcdef0123456789abcdef");
	CHECK_INT(room_screen_path_parse("0123456789abcdef0123456789abcdef.jpg", tok, sizeof(tok),
					 &image),
		  0);
	CHECK(image);
	/* the old sequential form and anything else is no viewer URL */
	CHECK_INT(room_screen_path_parse("1/2", tok, sizeof(tok), &image), ENOENT);
	CHECK_INT(room_screen_path_parse("1/2.jpg", tok, sizeof(tok), &image), ENOENT);
	CHECK_INT(room_screen_path_parse("0123456789abcdef0123456789abcdef.png", tok, sizeof(tok),
					 &image),
		  ENOENT);
	CHECK_INT(room_screen_path_parse("0123456789abcdef0123456789abcdef/x", tok, sizeof(tok),
					 &image),
		  ENOENT);
	CHECK_INT(room_screen_path_parse("../../../../etc/passwd.jpg", tok, sizeof(tok), &image),
		  ENOENT);
	CHECK_INT(room_screen_path_parse("", tok, sizeof(tok), &image), ENOENT);
	CHECK_INT(room_screen_path_parse("0123456789abcdef0123456789abcdef", tok, 8, &image),
		  ENOENT);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_in_list);
	RUN(test_create_join);
	RUN(test_refer);
	RUN(test_caps);
	RUN(test_tokens);
	return check_summary();
}
