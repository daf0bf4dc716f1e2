/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/http/http_path: request paths into file names. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/http/http_path.h"

static int path(const char *uri, char *out, size_t size)
{
	return http_static_path(uri, strlen(uri), out, size);
}

static void test_static_path(void)
{
	static const struct {
		const char *uri, *want;
	} ok[] = {
		{"/", "/index.html"},
		{"/app.mjs", "/app.mjs"},
		{"/lib/", "/lib/index.html"},
		{"/lib/sylkrtc.mjs?v=2#x", "/lib/sylkrtc.mjs"},
		{"/a%20b.txt", "/a b.txt"},
		{"/x..y/z", "/x..y/z"},
		{"/?only=query", "/index.html"},
	};
	static const char *const refused[] = {
		"",        "app.mjs", "/../README.md", "/lib/../../x", "/%2e%2e/x", "/.git/config",
		"/lib//x", "/a%2fb",  "/a%2Fb",        "/..%5cx",      "/a\\b",     "/a%00b",
		"/a%1",    "/a%zz",   "/a\x01",        "/a%7f",        "/./x",      "/lib/.",
	};
	char out[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(path(ok[i].uri, out, sizeof(out)), 0);
		CHECK_STR(out, ok[i].want);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int err = path(refused[i], out, sizeof(out));

		if (err != EINVAL)
			fprintf(stderr, "    not refused: %s\n", refused[i]);
		CHECK_INT(err, EINVAL);
	}
	CHECK_INT(path("/0123456789", out, 8), ENAMETOOLONG);
	CHECK_INT(path("/abc/", out, 12), ENAMETOOLONG); /* "/abc/index.html" */
}

static void test_static_type(void)
{
	CHECK_STR(http_static_type("/index.HTML"), "text/html; charset=utf-8");
	CHECK_STR(http_static_type("/lib/sylkrtc.mjs"), "text/javascript; charset=utf-8");
	CHECK_STR(http_static_type("/x.wav"), "audio/wav");
	CHECK_STR(http_static_type("/x"), "application/octet-stream");
	CHECK_STR(http_static_type(".css"), "application/octet-stream");
}

static void test_name_segment(void)
{
	char out[16];

	CHECK_INT(http_name_segment("big%20photo.bin", 15, out, sizeof(out)), 0);
	CHECK_STR(out, "big photo.bin");
	CHECK_INT(http_name_segment("a%40b", 5, out, sizeof(out)), 0);
	CHECK_STR(out, "a@b");
	static const char *const refused[] = {
		"",      ".",     "..",    ".hidden", "%2e%2e",
		"a%2Fb", "a%5Cb", "a%00b", "a%zz",    "0123456789abcdef"};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		CHECK_INT(http_name_segment(refused[i], strlen(refused[i]), out, sizeof(out)),
			  EINVAL);
}

static void test_aor(void)
{
	CHECK(http_aor_ok("alice@sylk.test"));
	CHECK(http_aor_ok("a.b-c+d@x"));
	static const char *const bad[] = {"alice", "@x",    "a@",    "a@b@c",   "a b@x",  "a/b@x",
					  "<a@x>", "a@x;p", "a@x?h", "\"a\"@x", "a\\b@x", "a,b@x"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!http_aor_ok(bad[i]));
}

int main(void)
{
	RUN(test_static_path);
	RUN(test_static_type);
	RUN(test_name_segment);
	RUN(test_aor);
	return check_summary();
}
