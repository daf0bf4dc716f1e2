/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/im/file_transfer: 1:1 file transfer paths, names
 * and the file-transfer message. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/im/file_transfer.h"

static void test_parse_target(void)
{
	static const struct {
		const char *target;
		const char *seg[FT_SEGMENTS];
	} ok[] = {
		{FT_PREFIX "alice@example.com/bob@example.com/id-1/a.txt",
		 {"alice@example.com", "bob@example.com", "id-1", "a.txt"}},
		{FT_PREFIX "wWD4zGmk8L8rA2J1I1PQYA/S5u4BiDwPrNxngoGHBQoPQ/x/photo%201.jpg",
		 {"wWD4zGmk8L8rA2J1I1PQYA", "S5u4BiDwPrNxngoGHBQoPQ", "x", "photo 1.jpg"}},
		{FT_PREFIX "a/b/c/%C3%A9t%C3%A9.png", {"a", "b", "c", "\xc3\xa9t\xc3\xa9.png"}},
		{FT_PREFIX "a/b/c/\xc3\xa9", {"a", "b", "c", "\xc3\xa9"}},
	};
	static const struct {
		const char *target;
		int err;
	} refused[] = {
		{"/webrtcgateway/filesharing/a/b/c/d", ENOENT},
		{"/webrtcgateway/filetransfer", ENOENT},
		{"", ENOENT},
		{FT_PREFIX, EBADMSG},
		{FT_PREFIX "a/b/c", EBADMSG},     /* three segments */
		{FT_PREFIX "a/b/c/d/e", EBADMSG}, /* five */
		{FT_PREFIX "a/b/c/", EBADMSG},    /* an empty name */
		{FT_PREFIX "a//c/d", EBADMSG},
		{FT_PREFIX "a/b/c/.hidden", EBADMSG}, /* a dot name: unfinished uploads */
		{FT_PREFIX "a/b/../d", EBADMSG},
		{FT_PREFIX "a/b/c/x%2F..%2Fy", EBADMSG}, /* an encoded '/' */
		{FT_PREFIX "a/b/c/x%5Cy", EBADMSG},      /* an encoded '\\' */
		{FT_PREFIX "a/b/c/x%00y", EBADMSG},
		{FT_PREFIX "a/b/c/x%0Ay", EBADMSG},
		{FT_PREFIX "a/b/c/x%zz", EBADMSG},
		{FT_PREFIX "a/b/c/x%4", EBADMSG},
	};
	char seg[FT_SEGMENTS][FT_SEGMENT], long_target[600];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(ft_parse_target(ok[i].target, seg), 0);
		for (int k = 0; k < FT_SEGMENTS; k++)
			CHECK_STR(seg[k], ok[i].seg[k]);
	}
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		int err = ft_parse_target(refused[i].target, seg);

		if (err != refused[i].err)
			fprintf(stderr, "    %s: %d\n", refused[i].target, err);
		CHECK_INT(err, refused[i].err);
	}
	/* a segment of FT_SEGMENT - 1 bytes fits, one more does not */
	snprintf(long_target, sizeof(long_target), FT_PREFIX "a/b/c/%0255d", 7);
	CHECK_INT(ft_parse_target(long_target, seg), 0);
	CHECK_INT(strlen(seg[3]), 255);
	snprintf(long_target, sizeof(long_target), FT_PREFIX "a/b/c/%0256d", 7);
	CHECK_INT(ft_parse_target(long_target, seg), EBADMSG);
	CHECK_INT(ft_parse_target(NULL, seg), EINVAL);
	CHECK_INT(ft_parse_target(FT_PREFIX "a/b/c/d", NULL), EINVAL);
}

static void test_hashed_name(void)
{
	/* base64url(MD5()) as SylkServer names the folders */
	static const struct {
		const char *aor, *want;
	} cases[] = {
		{"alice@example.com", "wWD4zGmk8L8rA2J1I1PQYA"},
		{"bob@example.com", "S5u4BiDwPrNxngoGHBQoPQ"},
		{"room@videoconference.example.com", "KolxiIo6JBMiAt44UsJz2Q"},
		{"", "1B2M2Y8AsgTpgAmY7PhCfg"},
		{"\xc3\xa9@x", "jQDbWUZdQ6XJpKHd6eWMFA"},
	};
	char out[FT_HASHED_SIZE];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(ft_hashed_name(cases[i].aor, out, sizeof(out)), 0);
		CHECK_STR(out, cases[i].want);
	}
	CHECK_INT(ft_hashed_name("a@b", out, sizeof(out) - 1), ENOSPC);
	CHECK_INT(ft_hashed_name(NULL, out, sizeof(out)), EINVAL);
	CHECK_INT(ft_hashed_name("a@b", NULL, sizeof(out)), EINVAL);
}

static void test_file_path(void)
{
	char out[64];

	CHECK_INT(ft_file_path(out, sizeof(out), "/var/f", "wWD4", "S5u4", "id-1", "a.txt"), 0);
	CHECK_STR(out, "/var/f/w/wWD4/S5u4/id-1/a.txt");
	CHECK_INT(ft_file_path(out, sizeof(out), "/var/f", "wWD4", "S5u4", "id-1", NULL), 0);
	CHECK_STR(out, "/var/f/w/wWD4/S5u4/id-1");
	CHECK_INT(ft_file_path(out, sizeof(out), "", "-a", "b", "c", NULL), 0);
	CHECK_STR(out, "/-/-a/b/c");
	/* the exact size, and one byte short */
	CHECK_INT(ft_file_path(out, 13, "/r", "a", "b", "c", "d"), 0); /* 12 and the NUL */
	CHECK_STR(out, "/r/a/a/b/c/d");
	CHECK_INT(ft_file_path(out, 12, "/r", "a", "b", "c", "d"), ENAMETOOLONG);
	CHECK_INT(ft_file_path(out, sizeof(out), "/r", "", "b", "c", "d"), EINVAL);
	CHECK_INT(ft_file_path(out, sizeof(out), "/r", "a", "", "c", "d"), EINVAL);
	CHECK_INT(ft_file_path(out, sizeof(out), "/r", "a", "b", "", "d"), EINVAL);
	CHECK_INT(ft_file_path(out, sizeof(out), "/r", "a", "b", "c", ""), EINVAL);
	CHECK_INT(ft_file_path(out, sizeof(out), NULL, "a", "b", "c", "d"), EINVAL);
	CHECK_INT(ft_file_path(NULL, 8, "/r", "a", "b", "c", "d"), EINVAL);
}

static void test_url(void)
{
	static const struct {
		const char *name, *want;
	} cases[] = {
		{"a.txt", "http://h:1" FT_PREFIX "A/B/id/a.txt"},
		{"photo 1.JPG", "http://h:1" FT_PREFIX "A/B/id/photo%201.JPG"},
		{"~-._", "http://h:1" FT_PREFIX "A/B/id/~-._"},
		{"a%b&c=d?#", "http://h:1" FT_PREFIX "A/B/id/a%25b%26c%3Dd%3F%23"},
		{"\xc3\xa9t\xc3\xa9", "http://h:1" FT_PREFIX "A/B/id/%C3%A9t%C3%A9"},
		{"\x7f\x01", "http://h:1" FT_PREFIX "A/B/id/%7F%01"},
		{"", "http://h:1" FT_PREFIX "A/B/id/"},
	};
	char out[128];
	size_t need;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(ft_url(out, sizeof(out), "http://h:1", "A", "B", "id", cases[i].name), 0);
		CHECK_STR(out, cases[i].want);
	}
	/* what fits exactly, then one byte short: never a URL cut in half */
	need = strlen("http://h:1" FT_PREFIX "A/B/id/%C3%A9") + 1;
	CHECK_INT(ft_url(out, need, "http://h:1", "A", "B", "id", "\xc3\xa9"), 0);
	CHECK_INT(ft_url(out, need - 1, "http://h:1", "A", "B", "id", "\xc3\xa9"), ENAMETOOLONG);
	CHECK_STR(out, "");
	CHECK_INT(ft_url(out, 8, "http://h:1", "A", "B", "id", "x"), ENAMETOOLONG);
	CHECK_INT(ft_url(out, sizeof(out), NULL, "A", "B", "id", "x"), EINVAL);
	CHECK_INT(ft_url(out, sizeof(out), "http://h", "A", "B", "id", NULL), EINVAL);
}

static void test_peer_is(void)
{
	static const struct {
		const char *peer, *ip;
		bool want;
	} cases[] = {
		{"192.0.2.1:5060", "192.0.2.1", true},
		{"192.0.2.1:5060", "192.0.2.10", false},
		{"192.0.2.10:5060", "192.0.2.1", false},
		{"[2001:db8::1]:443", "2001:db8::1", true},
		{"2001:db8::1:443", "2001:db8::1", true}, /* as Kamailio writes a v6 peer */
		{"[2001:db8::1]:443", "[2001:db8::1]", false},
		{"192.0.2.1", "192.0.2.1", true}, /* no port */
		{"", "", true},
		{":5060", "", true},
		{"[]:1", "", true},
		{"\xc3\xa9:1", "\xc3\xa9", true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(ft_peer_is(cases[i].peer, cases[i].ip), cases[i].want);
	CHECK(!ft_peer_is(NULL, "1.2.3.4"));
	CHECK(!ft_peer_is("1.2.3.4:1", NULL));
}

static void test_download_type(void)
{
	static const struct {
		const char *name, *type;
		bool inline_;
	} cases[] = {
		{"a.jpg", "image/jpeg", true},
		{"a.JPEG", "image/jpeg", true},
		{"a.b.png", "image/png", true},
		{"x.Gif", "image/gif", true},
		{"a.png.html", "application/octet-stream", false},
		{"a.html", "application/octet-stream", false}, /* never shown inline */
		{"a.svg", "application/octet-stream", false},
		{"png", "application/octet-stream", false},
		{"a.", "application/octet-stream", false},
		{"", "application/octet-stream", false},
		{"\xc3\xa9.jpg", "image/jpeg", true},
		{"a.j\xc3\xa9g", "application/octet-stream", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool inl = !cases[i].inline_;

		CHECK_STR(ft_download_type(cases[i].name, &inl), cases[i].type);
		CHECK_INT(inl, cases[i].inline_);
	}
	CHECK_STR(ft_download_type(NULL, NULL), "application/octet-stream");
	CHECK_STR(ft_download_type("a.png", NULL), "image/png");
}

static void test_sha1_text(void)
{
	unsigned char md[20];
	char out[FT_HASH_SIZE];

	for (int i = 0; i < 20; i++)
		md[i] = (unsigned char)(i * 13 + 10);
	CHECK_INT(ft_sha1_text(md, out, sizeof(out)), 0);
	CHECK_STR(out, "sha-1:0A:17:24:31:3E:4B:58:65:72:7F:8C:99:A6:B3:C0:CD:DA:E7:F4:01");
	CHECK_INT(strlen(out), FT_HASH_SIZE - 1);
	CHECK_INT(ft_sha1_text(md, out, FT_HASH_SIZE - 1), ENOSPC);
	CHECK_STR(out, "");
	CHECK_INT(ft_sha1_text(NULL, out, sizeof(out)), EINVAL);
	CHECK_INT(ft_sha1_text(md, NULL, sizeof(out)), EINVAL);
}

static void test_message_json(void)
{
	struct ft_message m = {
		.filename = "photo 1.jpg",
		.filesize = 12345678901LL,
		.sender = "alice@example.com",
		.receiver = "bob@example.com",
		.transfer_id = "id-1",
		.url = "http://h:1/webrtcgateway/filetransfer/A/B/id-1/photo%201.jpg",
		.filetype = "image/jpeg",
		.hash = "sha-1:AB:CD",
		.timestamp = 1700000000};
	char *json = NULL;

	CHECK_INT(ft_message_json(&json, &m), 0);
	/* SylkServer's order and spelling; '/' not escaped */
	CHECK_STR(json,
		  "{\"filename\":\"photo 1.jpg\",\"filesize\":12345678901,\"sender\":{\"uri\":"
		  "\"alice@example.com\",\"display_name\":\"\"},\"receiver\":{\"uri\":\"bob@"
		  "example.com\",\"display_name\":\"\"},\"transfer_id\":\"id-1\",\"timestamp\":"
		  "\"2023-11-14T22:13:20+00:00\",\"url\":\"http://h:1/webrtcgateway/filetransfer/"
		  "A/B/id-1/photo%201.jpg\",\"filetype\":\"image/jpeg\",\"hash\":\"sha-1:AB:CD\"}");
	free(json);
	/* text is escaped, UTF-8 passes */
	m.filename = "\"\xc3\xa9\"\n";
	m.timestamp = 0;
	CHECK_INT(ft_message_json(&json, &m), 0);
	CHECK(json && strstr(json, "\"filename\":\"\\\"\xc3\xa9\\\"\\n\""));
	CHECK(json && strstr(json, "\"timestamp\":\"1970-01-01T00:00:00+00:00\""));
	free(json);
	m.hash = NULL;
	json = (char *)"untouched";
	CHECK_INT(ft_message_json(&json, &m), EINVAL);
	CHECK(json == NULL);
	CHECK_INT(ft_message_json(&json, NULL), EINVAL);
	CHECK_INT(ft_message_json(NULL, &m), EINVAL);
}

int main(void)
{
	RUN(test_parse_target);
	RUN(test_hashed_name);
	RUN(test_file_path);
	RUN(test_url);
	RUN(test_peer_is);
	RUN(test_download_type);
	RUN(test_sha1_text);
	RUN(test_message_json);
	return check_summary();
}
