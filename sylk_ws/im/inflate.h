/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bodies of SIP MESSAGEs sent with "Content-Encoding: deflate" (RFC 3261
 * 20.12), decompressed under a hard limit.
 *
 * HTTP's "deflate" is meant as the zlib format (RFC 1950), but senders
 * write raw deflate (RFC 1951) too; both are read here. A body is at most
 * a few hundred KiB while its expansion can be a thousand times larger, so
 * the output limit is the caller's defence and is never exceeded, neither
 * in the result nor in what is allocated.
 *
 * Kamailio-free: libc and zlib. */
#ifndef SYLK_IM_INFLATE_H
#define SYLK_IM_INFLATE_H

#include <stddef.h>

/* Decompress in[0..in_len) into a new buffer (free() it) of *out_len bytes
 * plus a NUL, so that text can be used as a C string (the content itself
 * may hold NULs: use *out_len). Input that starts with a zlib header is
 * read as zlib, anything else as raw deflate (raw streams never start with
 * a valid zlib header in practice; see inflate.c); it must hold exactly one
 * complete stream and nothing after it. At most max_out bytes of output are allocated and
 * produced (plus the NUL).
 * Returns 0; EFBIG when the output would exceed max_out (decompression
 * stops there: a bomb costs max_out bytes of memory and the time to
 * produce them); EBADMSG for empty, corrupt or truncated input, or
 * trailing bytes after the stream; EINVAL for NULL out pointers (or in NULL
 * with in_len > 0); ENOMEM. *out is NULL and *out_len 0 on failure. */
int sylk_inflate(const void *in, size_t in_len, size_t max_out, char **out, size_t *out_len);

#endif
