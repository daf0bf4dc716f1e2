/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/room/file_store.c */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "conference/room/file_store.h"

#define HASH_ABC "sha-1:A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9D"

static void test_name(void)
{
	char buf[64];

	CHECK_INT(file_store_name(buf, sizeof(buf), HASH_ABC), 0);
	CHECK_STR(buf, "A9993E364706816ABA3E25717850C26C9CD0D89D");
	CHECK_INT(file_store_name(
			  buf, sizeof(buf),
			  "SHA-1:a9:99:3e:36:47:06:81:6a:ba:3e:25:71:78:50:c2:6c:9c:d0:d8:9d"),
		  0);
	CHECK_STR(buf, "A9993E364706816ABA3E25717850C26C9CD0D89D");
	/* anything that could climb out of the directory is refused */
	CHECK_INT(file_store_name(buf, sizeof(buf), "sha-1:../../etc/passwd"), EINVAL);
	CHECK_INT(file_store_name(buf, sizeof(buf), "sha-256:A9:99"), EINVAL);
	CHECK_INT(file_store_name(buf, sizeof(buf), "sha-1:A9:99"), EINVAL);
	CHECK_INT(file_store_name(buf, 10, HASH_ABC), ENOSPC);
	CHECK_INT(file_store_name(buf, sizeof(buf), NULL), EINVAL);
}

static void test_hash_equal(void)
{
	CHECK(file_store_hash_equal(
		HASH_ABC, "sha-1:a9:99:3e:36:47:06:81:6a:ba:3e:25:71:78:50:c2:6c:9c:d0:d8:9d"));
	CHECK(!file_store_hash_equal(
		HASH_ABC, "sha-1:A9:99:3E:36:47:06:81:6A:BA:3E:25:71:78:50:C2:6C:9C:D0:D8:9E"));
	CHECK(!file_store_hash_equal(HASH_ABC, "garbage"));
}

static void test_write_and_hash(void)
{
	char dir[] = "/tmp/sylk-file-store-XXXXXX", sub[256], path[300], hash[FILE_STORE_HASH_SIZE];
	struct stat st;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(sub, sizeof(sub), "%s/room/files", dir);
	CHECK_INT(file_store_mkdir(sub), 0);
	CHECK_INT(file_store_mkdir(sub), 0); /* again: fine */
	snprintf(path, sizeof(path), "%s/A9993E", sub);
	/* chunks out of order land at their offsets */
	CHECK_INT(file_store_write(path, 2, "c", 1), 0);
	CHECK_INT(file_store_write(path, 0, "ab", 2), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_size, 3);
	CHECK_INT(file_store_sha1(path, hash, sizeof(hash)), 0);
	CHECK_STR(hash, HASH_ABC);
	CHECK_INT(file_store_sha1(path, hash, 10), EINVAL);
	CHECK_INT(file_store_sha1("/nonexistent/x", hash, sizeof(hash)), ENOENT);
	CHECK_INT(file_store_remove_dir(sub), 0);
	CHECK(stat(sub, &st) < 0);
	CHECK_INT(file_store_remove_dir(sub), 0); /* already gone */
	snprintf(sub, sizeof(sub), "%s/room", dir);
	rmdir(sub);
	rmdir(dir);
}

/* A verified upload becomes the stored file, which nothing replaces */
static void test_publish(void)
{
	char dir[] = "/tmp/sylk-file-publish-XXXXXX", tmp[300], tmp2[300], path[300];
	char hash[FILE_STORE_HASH_SIZE], buf[8] = "";
	struct stat st;
	int fd;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(tmp, sizeof(tmp), "%s/upload-1", dir);
	snprintf(tmp2, sizeof(tmp2), "%s/upload-2", dir);
	snprintf(path, sizeof(path), "%s/A9993E", dir);
	CHECK_INT(file_store_write(tmp, 0, "abc", 3), 0);
	CHECK_INT(file_store_publish(tmp, path), 0);
	CHECK(stat(tmp, &st) < 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0440);
	/* a second upload of the same name: refused, the first one stays */
	CHECK_INT(file_store_write(tmp2, 0, "xyz", 3), 0);
	CHECK_INT(file_store_publish(tmp2, path), EEXIST);
	CHECK(stat(tmp2, &st) < 0);
	fd = open(path, O_RDONLY);
	CHECK(fd >= 0);
	CHECK_INT(read(fd, buf, sizeof(buf)), 3);
	CHECK_STR(buf, "abc");
	CHECK_INT(file_store_sha1_fd(fd, hash, sizeof(hash)), 0);
	CHECK_STR(hash, HASH_ABC);
	CHECK_INT(file_store_sha1_fd(-1, hash, sizeof(hash)), EINVAL);
	close(fd);
	CHECK_INT(file_store_publish(tmp2, path), ENOENT);
	CHECK_INT(file_store_remove_dir(dir), 0);
}

int main(void)
{
	RUN(test_name);
	RUN(test_hash_equal);
	RUN(test_write_and_hash);
	RUN(test_publish);
	return check_summary();
}
