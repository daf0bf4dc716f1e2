/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Content-Encoding: deflate bodies: see inflate.h. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "sylk_ws/im/inflate.h"

enum {
	WBITS_ZLIB = 15,  /* RFC 1950 header and Adler-32 trailer */
	WBITS_RAW = -15,  /* RFC 1951 alone */
	MIN_CAP = 4096,   /* first allocation, unless max_out is smaller */
	EXPAND_GUESS = 4, /* first allocation: this many times the input */
};

/* The output so far: cap bytes of content room plus one for the NUL. */
struct out_buf {
	char *p;
	size_t len;
	size_t cap;
	size_t max;
};

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Room for more output, never beyond max. EFBIG when cap is already max. */
static int grow(struct out_buf *ob, size_t in_len)
{
	size_t cap;
	char *p;

	if (ob->cap >= ob->max)
		return EFBIG;
	if (ob->cap)
		cap = ob->cap > ob->max / 2 ? ob->max : ob->cap * 2;
	else
		cap = in_len > ob->max / EXPAND_GUESS ? ob->max : in_len * EXPAND_GUESS;
	if (cap < MIN_CAP)
		cap = min_size(MIN_CAP, ob->max);
	p = realloc(ob->p, cap + 1);
	if (!p)
		return ENOMEM;
	ob->p = p;
	ob->cap = cap;
	return 0;
}

/* Point zlib at the free room, or at a one-byte probe when the output is
 * at max (*probing): a byte landing there means the stream goes on beyond
 * max. */
static int set_output(z_stream *zs, struct out_buf *ob, size_t in_len, unsigned char *probe,
		      bool *probing)
{
	int err = 0;

	*probing = false;
	if (ob->len == ob->cap)
		err = grow(ob, in_len);
	if (err == EFBIG) {
		*probing = true;
		zs->next_out = probe;
		zs->avail_out = 1;
		return 0;
	}
	if (err)
		return err;
	zs->next_out = (unsigned char *)ob->p + ob->len;
	zs->avail_out = (uInt)min_size(ob->cap - ob->len, UINT_MAX);
	return 0;
}

/* Feed the next slice of input when zlib has used the last one (avail_in
 * is 32 bits, the input need not be). */
static void set_input(z_stream *zs, const unsigned char **in, size_t *left)
{
	size_t n;

	if (zs->avail_in || !*left)
		return;
	n = min_size(*left, UINT_MAX);
	zs->next_in = (unsigned char *)*in;
	zs->avail_in = (uInt)n;
	*in += n;
	*left -= n;
}

/* A zlib header (RFC 1950 2.2: CM 8, a window of at most 32 KiB, FCHECK
 * right) decides the format before anything is inflated. A raw stream
 * cannot start with one unless its encoder wrote a stored block with
 * non-zero padding bits, which none does; and deciding up front, rather
 * than falling back to raw after a failed zlib attempt, keeps the answer
 * independent of max_out (a failed attempt that hit the limit first could
 * not tell a bomb from a raw stream). */
static bool zlib_header(const unsigned char *p, size_t len)
{
	return len >= 2 && (p[0] & 0x0f) == Z_DEFLATED && (p[0] >> 4) <= 7 &&
	       ((p[0] << 8) | p[1]) % 31 == 0;
}

static int zerr(int zr)
{
	return zr == Z_MEM_ERROR ? ENOMEM : EBADMSG;
}

/* Run one stream through zs into ob. */
static int pump(z_stream *zs, const unsigned char *in, size_t in_len, struct out_buf *ob)
{
	unsigned char probe;
	size_t left = in_len, produced;
	bool probing;
	uInt before;
	int zr, err;

	for (;;) {
		set_input(zs, &in, &left);
		err = set_output(zs, ob, in_len, &probe, &probing);
		if (err)
			return err;
		before = zs->avail_out;
		zr = inflate(zs, Z_NO_FLUSH);
		produced = before - zs->avail_out;
		if (probing && produced)
			return EFBIG;
		ob->len += produced;
		if (zr == Z_STREAM_END)
			return zs->avail_in || left ? EBADMSG : 0;
		if (zr == Z_BUF_ERROR && !zs->avail_in && !left)
			return EBADMSG; /* truncated: zlib wants input there is none of */
		if (zr != Z_OK && zr != Z_BUF_ERROR)
			return zerr(zr);
	}
}

/* Inflate the input as the format wbits names (WBITS_ZLIB or WBITS_RAW). */
static int inflate_as(int wbits, const void *in, size_t in_len, size_t max_out, struct out_buf *ob)
{
	z_stream zs;
	int zr, err;

	memset(&zs, 0, sizeof(zs));
	memset(ob, 0, sizeof(*ob));
	ob->max = max_out;
	zr = inflateInit2(&zs, wbits);
	if (zr != Z_OK)
		return zr == Z_MEM_ERROR ? ENOMEM : EINVAL;
	err = pump(&zs, in, in_len, ob);
	inflateEnd(&zs);
	if (err) {
		free(ob->p);
		memset(ob, 0, sizeof(*ob));
	}
	return err;
}

int sylk_inflate(const void *in, size_t in_len, size_t max_out, char **out, size_t *out_len)
{
	struct out_buf ob;
	int err;

	if (!out || !out_len)
		return EINVAL;
	*out = NULL;
	*out_len = 0;
	if (!in && in_len)
		return EINVAL;
	if (in_len == 0)
		return EBADMSG;
	/* the NUL needs one byte beyond max_out */
	if (max_out == SIZE_MAX)
		max_out--;

	err = inflate_as(zlib_header(in, in_len) ? WBITS_ZLIB : WBITS_RAW, in, in_len, max_out,
			 &ob);
	if (err)
		goto out;
	if (!ob.p) {
		/* an empty stream: nothing was allocated yet */
		ob.p = malloc(1);
		if (!ob.p) {
			err = ENOMEM;
			goto out;
		}
	}
	ob.p[ob.len] = '\0';
	*out = ob.p;
	*out_len = ob.len;
out:
	return err;
}
