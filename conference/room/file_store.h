/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Files shared in a conference room (RFC 5547): where their bytes live on
 * disk and how a stored file is checked against the hash its sender
 * announced in a=file-selector. Kamailio-free: libc and OpenSSL.
 *
 * A file is stored under a name derived from its announced hash only (hex
 * digits), never from the sender's file name, so a hostile name cannot
 * escape the room's directory. */
#ifndef CONFERENCE_FILE_STORE_H
#define CONFERENCE_FILE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "sha-1:" and 20 colon separated hex pairs, plus NUL */
#define FILE_STORE_HASH_SIZE 66

/* The storage name for a file-selector hash ("sha-1:AB:CD:..."): its hex
 * digits, upper case. 0, EINVAL (not a sha-1 hash), ENOSPC. */
int file_store_name(char *buf, size_t size, const char *hash);

/* Creates @p dir (and missing parents) with mode 0750. 0 or errno. */
int file_store_mkdir(const char *dir);

/* Writes @p len bytes at @p offset of the file at @p path, creating it.
 * 0 or errno. */
int file_store_write(const char *path, uint64_t offset, const void *data, size_t len);

/* The file's SHA-1 as "sha-1:AB:CD:..." (RFC 5547 / RFC 4572 form).
 * 0 or errno. */
int file_store_sha1(const char *path, char *out, size_t size);

/* The same for an open file (read with pread from its start). */
int file_store_sha1_fd(int fd, char *out, size_t size);

/* A verified upload at @p tmp becomes the stored file @p path, which is
 * never replaced: EEXIST when @p path is already there. @p tmp is gone
 * afterwards either way; the stored file is made read-only (0440).
 * 0 or errno. */
int file_store_publish(const char *tmp, const char *path);

/* Whether two file-selector hashes name the same digest: the algorithm
 * case-insensitively, hex digits case-insensitively. */
bool file_store_hash_equal(const char *a, const char *b);

/* Removes the files in @p dir and the directory itself (one level, as the
 * focus stores them). 0 or errno. */
int file_store_remove_dir(const char *dir);

#endif
