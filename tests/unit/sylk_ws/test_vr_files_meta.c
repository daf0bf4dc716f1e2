/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/videoroom/vr_files_meta.c: the JSON kept beside a
 * file shared in a video room, byte for byte as the gateway has always
 * written it (json-c's plain form, as json_object_to_file()), read back
 * (older files without "shared_ns", members of the wrong type, not JSON),
 * sorted in sharing order and turned into "file-sharing" entries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/videoroom/vr_files_meta.h"

#define ALICE_JSON                                                                             \
	"{\"filename\":\"a.txt\",\"filesize\":12,\"uploader\":{\"uri\":\"alice@example.com\"," \
	"\"display_name\":\"Alice\"},\"session\":\"s1\",\"shared_ns\":1700000000123456789}"

static struct vr_files_meta *decode(const char *json, int64_t fallback_ns)
{
	struct vr_files_meta *m = NULL;

	CHECK_INT(vr_files_meta_decode(&m, json, strlen(json), fallback_ns), 0);
	return m;
}

static void test_encode_shape(void)
{
	struct sylkrtc_shared_file f = {.filename = "a.txt",
					.filesize = 12,
					.uploader = {"alice@example.com", "Alice"},
					.session = "s1"};
	char *json = NULL;

	CHECK_INT(vr_files_meta_encode(&json, &f, 1700000000123456789LL), 0);
	CHECK_STR(json, ALICE_JSON);
	free(json);
	/* no display name: "", and json-c's escapes ('/' too) */
	f.filename = "a/\"b\".txt";
	f.filesize = 0;
	f.uploader.display_name = NULL;
	f.session = "s\t2";
	CHECK_INT(vr_files_meta_encode(&json, &f, 0), 0);
	CHECK_STR(json, "{\"filename\":\"a\\/\\\"b\\\".txt\",\"filesize\":0,\"uploader\":"
			"{\"uri\":\"alice@example.com\",\"display_name\":\"\"},\"session\":"
			"\"s\\t2\",\"shared_ns\":0}");
	free(json);
}

static void test_encode_refuses(void)
{
	struct sylkrtc_shared_file f = {.filename = "a", .uploader = {"u@d", NULL}, .session = "s"};
	char big[VR_FILES_META_MAX + 1], *json = (char *)"x";

	CHECK_INT(vr_files_meta_encode(NULL, &f, 0), EINVAL);
	CHECK_INT(vr_files_meta_encode(&json, NULL, 0), EINVAL);
	CHECK(json == NULL);
	f.filename = NULL;
	CHECK_INT(vr_files_meta_encode(&json, &f, 0), EINVAL);
	f.filename = "a";
	f.session = NULL;
	CHECK_INT(vr_files_meta_encode(&json, &f, 0), EINVAL);
	f.session = "s";
	f.uploader.uri = NULL;
	CHECK_INT(vr_files_meta_encode(&json, &f, 0), EINVAL);
	f.uploader.uri = "u@d";
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	f.filename = big;
	CHECK_INT(vr_files_meta_encode(&json, &f, 0), EMSGSIZE);
	CHECK(json == NULL);
}

static void test_decode_round_trip(void)
{
	struct vr_files_meta *m = decode(ALICE_JSON, 5);
	struct sylkrtc_shared_file f;

	if (!m)
		return;
	CHECK_STR(m->filename, "a.txt");
	CHECK_INT(m->filesize, 12);
	CHECK_STR(m->uri, "alice@example.com");
	CHECK_STR(m->display_name, "Alice");
	CHECK_STR(m->session, "s1");
	CHECK_INT(m->shared_ns, 1700000000123456789LL);
	CHECK_INT(vr_files_meta_file(m, &f), 0);
	CHECK(f.filename == m->filename && f.session == m->session);
	CHECK(f.uploader.uri == m->uri && f.uploader.display_name == m->display_name);
	CHECK_INT(f.filesize, 12);
	vr_files_meta_free(m);
}

static void test_decode_older_and_odd_files(void)
{
	struct sylkrtc_shared_file f;
	struct vr_files_meta *m;

	/* no shared_ns: the mtime; empty display name: none */
	m = decode("{\"filename\":\"a\",\"filesize\":3,\"uploader\":{\"uri\":\"u@d\","
		   "\"display_name\":\"\"},\"session\":\"s\"} trailing",
		   42);
	if (m) {
		CHECK_INT(m->shared_ns, 42);
		CHECK(m->display_name == NULL);
		CHECK_INT(vr_files_meta_file(m, &f), 0);
		CHECK(f.uploader.display_name == NULL);
	}
	vr_files_meta_free(m);
	/* wrong types count as absent: the entry is left out */
	m = decode("{\"filename\":7,\"filesize\":null,\"uploader\":\"u@d\",\"session\":\"s\"}", 1);
	if (m) {
		CHECK(m->filename == NULL && m->uri == NULL && m->display_name == NULL);
		CHECK_INT(m->filesize, 0);
		CHECK_INT(vr_files_meta_file(m, &f), ENOENT);
	}
	vr_files_meta_free(m);
	m = decode("{\"filename\":\"a\",\"session\":\"s\",\"uploader\":null}", 1);
	if (m)
		CHECK_INT(vr_files_meta_file(m, &f), ENOENT);
	vr_files_meta_free(m);
	/* not an object: read, with nothing in it */
	m = decode("[1,2]", 9);
	if (m) {
		CHECK_INT(m->shared_ns, 9);
		CHECK_INT(vr_files_meta_file(m, &f), ENOENT);
	}
	vr_files_meta_free(m);
}

static void test_decode_refuses(void)
{
	struct vr_files_meta *m = (struct vr_files_meta *)1;

	CHECK_INT(vr_files_meta_decode(&m, "", 0, 0), EBADMSG);
	CHECK(m == NULL);
	CHECK_INT(vr_files_meta_decode(&m, "{\"filename\":", 12, 0), EBADMSG);
	CHECK_INT(vr_files_meta_decode(&m, "nonsense", 8, 0), EBADMSG);
	CHECK_INT(vr_files_meta_decode(&m, "{}", VR_FILES_META_MAX + 1, 0), EINVAL);
	CHECK_INT(vr_files_meta_decode(&m, NULL, 0, 0), EINVAL);
	CHECK_INT(vr_files_meta_decode(NULL, "{}", 2, 0), EINVAL);
	CHECK_INT(vr_files_meta_file(NULL, NULL), EINVAL);
	vr_files_meta_free(NULL);
}

static void test_sort(void)
{
	const char *json[] = {
		"{\"filename\":\"c\",\"shared_ns\":300}",
		"{\"filename\":\"a\",\"shared_ns\":100}",
		"{\"filename\":\"old\"}",
		"{\"filename\":\"b\",\"shared_ns\":200}",
	};
	struct vr_files_meta *l[4];

	for (size_t i = 0; i < 4; i++)
		CHECK_INT(vr_files_meta_decode(&l[i], json[i], strlen(json[i]), 150), 0);
	vr_files_meta_sort(l, 4);
	CHECK_STR(l[0]->filename, "a");
	CHECK_STR(l[1]->filename, "old");
	CHECK_STR(l[2]->filename, "b");
	CHECK_STR(l[3]->filename, "c");
	for (size_t i = 0; i < 4; i++)
		vr_files_meta_free(l[i]);
	vr_files_meta_sort(NULL, 3);
}

int main(void)
{
	RUN(test_encode_shape);
	RUN(test_encode_refuses);
	RUN(test_decode_round_trip);
	RUN(test_decode_older_and_odd_files);
	RUN(test_decode_refuses);
	RUN(test_sort);
	return check_summary();
}
