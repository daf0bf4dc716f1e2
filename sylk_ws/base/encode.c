/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bytes as text: see encode.h. */
#include <errno.h>
#include <stdint.h>

#include "sylk_ws/base/encode.h"

int sylk_base64url(const void *in, size_t n, char *out, size_t size)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = in;
	unsigned v = 0;
	int bits = 0;
	size_t o = 0;

	if (!out || (!in && n))
		return EINVAL;
	if (n > (SIZE_MAX - 2) / 4 || size <= SYLK_BASE64URL_LEN(n)) {
		if (size)
			out[0] = '\0';
		return ENOSPC;
	}
	for (size_t i = 0; i < n; i++) {
		v = (v << 8 | p[i]) & 0xffff;
		for (bits += 8; bits >= 6; bits -= 6)
			out[o++] = tab[(v >> (bits - 6)) & 63];
	}
	if (bits > 0)
		out[o++] = tab[(v << (6 - bits)) & 63];
	out[o] = '\0';
	return 0;
}

static int hex_write(const void *in, size_t n, char sep, const char *hex, char *out, size_t size)
{
	const unsigned char *p = in;
	size_t per = sep ? 3 : 2, o = 0;

	if (!out || (!in && n))
		return EINVAL;
	/* n pairs, n - 1 separators, the NUL */
	if (n > (SIZE_MAX - 1) / per || size < (n ? n * per - (sep ? 1 : 0) : 0) + 1) {
		if (size)
			out[0] = '\0';
		return ENOSPC;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && sep)
			out[o++] = sep;
		out[o++] = hex[p[i] >> 4];
		out[o++] = hex[p[i] & 15];
	}
	out[o] = '\0';
	return 0;
}

int sylk_hex_pairs(const void *in, size_t n, char sep, char *out, size_t size)
{
	return hex_write(in, n, sep, "0123456789ABCDEF", out, size);
}

int sylk_hex_lower(const void *in, size_t n, char *out, size_t size)
{
	return hex_write(in, n, '\0', "0123456789abcdef", out, size);
}
