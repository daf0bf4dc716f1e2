/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file encode.h  Bytes as text: base64url, hex pairs
 *
 * For names, tokens and digests that go into URLs, file names and
 * headers: SylkServer's folders of transferred files (base64url of an
 * MD5), history tokens, a file's SHA-1 as "sha-1:AB:CD:..." (RFC 5547's
 * file-selector, SylkServer's file-transfer hash).
 */
#ifndef SYLK_BASE_ENCODE_H
#define SYLK_BASE_ENCODE_H

#include <stddef.h>

/** Characters sylk_base64url() writes for @p n bytes, without the NUL. */
#define SYLK_BASE64URL_LEN(n) (((n)*4 + 2) / 3)

/**
 * Encodes @p n bytes of @p in as base64url without '=' padding into
 * @p out (NUL-terminated).
 * @return 0, EINVAL (NULL argument), ENOSPC (does not fit @p size: @p out
 *         is then "" if @p size allows)
 */
int sylk_base64url(const void *in, size_t n, char *out, size_t size);

/**
 * Writes the @p n bytes of @p in as upper-case hex pairs, @p sep between
 * two pairs ('\0': none), into @p out (NUL-terminated): {0xab, 0x01} with
 * ':' is "AB:01".
 * @return 0, EINVAL (NULL argument), ENOSPC (does not fit @p size: @p out
 *         is then "" if @p size allows)
 */
int sylk_hex_pairs(const void *in, size_t n, char sep, char *out, size_t size);

/**
 * Writes the @p n bytes of @p in as lower-case hex without separators
 * (digests in SIP headers, random identifiers), as sylk_hex_pairs() does.
 * @return 0, EINVAL, ENOSPC
 */
int sylk_hex_lower(const void *in, size_t n, char *out, size_t size);

#endif
