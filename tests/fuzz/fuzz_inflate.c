/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: Content-Encoding: deflate bodies.
 *
 * Oracles beyond "no crash, no leak": a body that inflates does so again
 * with max_out at exactly its size, and is refused (EFBIG) one byte below;
 * the output is NUL-terminated; the input itself, compressed as zlib and as
 * raw deflate, inflates back to the same bytes. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "sylk_ws/im/inflate.h"

#define MAX_OUT (1u << 20)

static void check_limit(const uint8_t *data, size_t size)
{
	char *out = NULL, *again = NULL;
	size_t len = 0, len2 = 0;
	int err = sylk_inflate(data, size, MAX_OUT, &out, &len);

	if (err) {
		if ((err != EBADMSG && err != EFBIG && err != ENOMEM) || out || len)
			abort();
		return;
	}
	if (len > MAX_OUT || out[len] != '\0')
		abort();
	if (sylk_inflate(data, size, len, &again, &len2) != 0 || len2 != len ||
	    memcmp(out, again, len) != 0)
		abort();
	free(again);
	if (len && sylk_inflate(data, size, len - 1, &again, &len2) != EFBIG)
		abort();
	free(out);
}

/* Compress data with zlib (wbits 15) or raw (wbits -15) and inflate it. */
static void check_round_trip(const uint8_t *data, size_t size, int wbits)
{
	unsigned char *z;
	char *out = NULL;
	size_t len = 0;
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY))
		abort();
	z = malloc(deflateBound(&zs, size));
	if (!z)
		abort();
	zs.next_in = (unsigned char *)data;
	zs.avail_in = (uInt)size;
	zs.next_out = z;
	zs.avail_out = (uInt)deflateBound(&zs, size);
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		abort();
	if (sylk_inflate(z, zs.total_out, size, &out, &len) != 0 || len != size ||
	    memcmp(out, data, size) != 0)
		abort();
	deflateEnd(&zs);
	free(out);
	free(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_limit(data, size);
	check_round_trip(data, size, 15);
	check_round_trip(data, size, -15);
	return 0;
}
