/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/room/screen_share.c */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conference/room/screen_share.h"

static void test_is_frame(void)
{
	CHECK(screen_share_is_frame("application/blink-screensharing"));
	CHECK(screen_share_is_frame("Application/Blink-ScreenSharing; q=1"));
	CHECK(!screen_share_is_frame("application/blink-screensharingx"));
	CHECK(!screen_share_is_frame("text/plain"));
	CHECK(!screen_share_is_frame(NULL));
}

static void test_decode(void)
{
	uint8_t *out;
	size_t len;

	CHECK_INT(screen_share_decode(&out, &len, "/9j/4A==", 8), 0);
	CHECK_INT(len, 4);
	CHECK_MEM(out, "\xff\xd8\xff\xe0", 4);
	free(out);
	/* line breaks as MIME writes them */
	CHECK_INT(screen_share_decode(&out, &len, "aGVs\r\nbG8=\r\n", 12), 0);
	CHECK_MEM(out, "hello", 5);
	CHECK_INT(len, 5);
	free(out);
	CHECK_INT(screen_share_decode(&out, &len, "aGVs*bG8=", 9), EBADMSG);
	CHECK(out == NULL);
	CHECK_INT(screen_share_decode(&out, &len, "aGVsbG8=aGk=", 12), EBADMSG);
	CHECK_INT(screen_share_decode(&out, &len, "", 0), EBADMSG);
	CHECK_INT(screen_share_decode(&out, &len, "====", 4), EBADMSG);
}

static void test_page(void)
{
	char *page;
	size_t len;

	CHECK_INT(screen_share_page(&page, &len, "Alice <a@x>", "/conference/screen/1/2.jpg", 1),
		  0);
	CHECK(strstr(page, "content=\"1\"") != NULL);
	CHECK(strstr(page, "<title>Alice &lt;a@x&gt;</title>") != NULL);
	CHECK(strstr(page, "src=\"/conference/screen/1/2.jpg\"") != NULL);
	CHECK_INT(len, strlen(page));
	free(page);
	CHECK_INT(screen_share_page(&page, &len, "t", "u", 0), EINVAL);
}

static void test_notice(void)
{
	char buf[128];

	CHECK_INT(screen_share_notice(buf, sizeof(buf), "Alice",
				      "http://h:1/conference/screen/abc"),
		  0);
	CHECK_STR(buf, "Alice is sharing a screen: http://h:1/conference/screen/abc");
	CHECK_INT(screen_share_notice(buf, sizeof(buf), "sip:bob@x", NULL), 0);
	CHECK_STR(buf, "sip:bob@x stopped sharing a screen");
	CHECK_INT(screen_share_notice(buf, 20, "Alice", "http://h:1/x"), ENOSPC);
	CHECK_STR(buf, "");
	CHECK_INT(screen_share_notice(buf, sizeof(buf), "", NULL), EINVAL);
	CHECK_INT(screen_share_notice(NULL, 1, "a", NULL), EINVAL);
}

int main(void)
{
	RUN(test_is_frame);
	RUN(test_decode);
	RUN(test_page);
	RUN(test_notice);
	return check_summary();
}
