/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files shared in a conference room (RFC 5547). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "conference/room/file_store.h"
#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/encode.h"

/* the 40 hex digits of a "sha-1:AB:CD..." hash into @p hex (41 bytes) */
static int sha1_digits(const char *hash, char *hex)
{
	size_t n = 0;
	const char *p;

	if (!hash || strncasecmp(hash, "sha-1:", 6) != 0)
		return EINVAL;
	for (p = hash + 6; *p; p++) {
		if (*p == ':')
			continue;
		if (chars_hex_value((unsigned char)*p) < 0 || n == 40)
			return EINVAL;
		hex[n++] = (*p >= 'a' && *p <= 'f') ? (char)(*p - 32) : *p;
	}
	if (n != 40)
		return EINVAL;
	hex[40] = '\0';
	return 0;
}

int file_store_name(char *buf, size_t size, const char *hash)
{
	char hex[41];
	int err = sha1_digits(hash, hex);

	if (err)
		return err;
	if (!buf || size < sizeof(hex))
		return ENOSPC;
	memcpy(buf, hex, sizeof(hex));
	return 0;
}

bool file_store_hash_equal(const char *a, const char *b)
{
	char ha[41], hb[41];

	return sha1_digits(a, ha) == 0 && sha1_digits(b, hb) == 0 && strcmp(ha, hb) == 0;
}

int file_store_mkdir(const char *dir)
{
	char tmp[4096];
	size_t len;

	if (!dir || !*dir || (len = strlen(dir)) >= sizeof(tmp))
		return EINVAL;
	memcpy(tmp, dir, len + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
		return errno;
	return 0;
}

int file_store_write(const char *path, uint64_t offset, const void *data, size_t len)
{
	const char *p = data;
	int fd, err = 0;

	if (!path || (!data && len))
		return EINVAL;
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return errno;
	while (len) {
		ssize_t n = pwrite(fd, p, len, (off_t)offset);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			break;
		}
		p += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	if (close(fd) < 0 && !err)
		err = errno;
	return err;
}

int file_store_sha1_fd(int fd, char *out, size_t size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx;
	off_t off = 0;
	int err = 0;

	if (fd < 0 || !out || size < FILE_STORE_HASH_SIZE)
		return EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha1(), NULL)) {
		err = ENOMEM;
		goto out;
	}
	for (;;) {
		/* pread: the descriptor's own offset stays where it was */
		ssize_t n = pread(fd, buf, sizeof(buf), off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = errno;
			goto out;
		}
		if (n == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)n);
		off += n;
	}
	EVP_DigestFinal_ex(ctx, md, &md_len);
	memcpy(out, "sha-1:", 6);
	err = sylk_hex_pairs(md, md_len, ':', out + 6, size - 6);
out:
	EVP_MD_CTX_free(ctx);
	return err;
}

int file_store_sha1(const char *path, char *out, size_t size)
{
	int fd, err;

	if (!path || !out || size < FILE_STORE_HASH_SIZE)
		return EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	err = file_store_sha1_fd(fd, out, size);
	close(fd);
	return err;
}

int file_store_publish(const char *tmp, const char *path)
{
	int err = 0;

	if (!tmp || !path)
		return EINVAL;
	/* link(), not rename(): it never replaces a file that is there */
	if (link(tmp, path) < 0)
		err = errno;
	else
		chmod(path, 0440);
	unlink(tmp);
	return err;
}

int file_store_remove_dir(const char *dir)
{
	char path[4096];
	struct dirent *e;
	DIR *d;
	int err = 0;

	if (!dir || !*dir)
		return EINVAL;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : errno;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		if (unlink(path) < 0 && !err)
			err = errno;
	}
	closedir(d);
	if (rmdir(dir) < 0 && !err)
		err = errno;
	return err;
}
