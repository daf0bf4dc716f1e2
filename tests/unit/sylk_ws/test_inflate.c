/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/im/inflate: zlib and raw deflate bodies, broken
 * ones, and bombs that must stop at the output limit. The compressed
 * vectors are made here with zlib itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "check.h"
#include "sylk_ws/im/inflate.h"

/* The largest single allocation while armed: under ASan a malloc hook
 * sees every one, zlib's own included. */
#ifdef __SANITIZE_ADDRESS__
int __sanitizer_install_malloc_and_free_hooks(void (*m)(const volatile void *, size_t),
					      void (*f)(const volatile void *));
static int alloc_armed;
static size_t alloc_peak;

static void on_malloc(const volatile void *p, size_t size)
{
	(void)p;
	if (alloc_armed && size > alloc_peak)
		alloc_peak = size;
}

static void on_free(const volatile void *p)
{
	(void)p;
}
#define HAVE_ALLOC_HOOK 1
#else
#define HAVE_ALLOC_HOOK 0
#endif

struct blob {
	unsigned char *p;
	size_t len;
};

/* wbits 15: zlib (RFC 1950); -15: raw deflate (RFC 1951). */
static struct blob deflate_as(const void *in, size_t len, int wbits, int level)
{
	struct blob b = {NULL, 0};
	z_stream zs;

	memset(&zs, 0, sizeof(zs));
	if (deflateInit2(&zs, level, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return b;
	b.p = malloc(deflateBound(&zs, len));
	if (b.p) {
		zs.next_in = (unsigned char *)in;
		zs.avail_in = (uInt)len;
		zs.next_out = b.p;
		zs.avail_out = (uInt)deflateBound(&zs, len);
		if (deflate(&zs, Z_FINISH) == Z_STREAM_END) {
			b.len = zs.total_out;
		} else {
			free(b.p);
			b.p = NULL;
		}
	}
	deflateEnd(&zs);
	return b;
}

/* The sender most of them are: compress2(), zlib format. */
static struct blob compress_zlib(const void *in, size_t len)
{
	struct blob b = {NULL, 0};
	uLongf n = compressBound(len);

	b.p = malloc(n);
	if (b.p && compress2(b.p, &n, in, len, Z_BEST_COMPRESSION) == Z_OK) {
		b.len = n;
	} else {
		free(b.p);
		b.p = NULL;
	}
	return b;
}

static int inflate_blob(struct blob b, size_t max, char **out, size_t *len)
{
	return sylk_inflate(b.p, b.len, max, out, len);
}

static const char text[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>34jk324j</message-id>"
	"<datetime>2008-04-04T12:16:49-05:00</datetime><delivery-notification><status>"
	"<delivered/></status></delivery-notification></imdn>\n";

static void check_text(struct blob b)
{
	char *out = NULL;
	size_t len = 0;

	CHECK(b.p != NULL);
	CHECK_INT(inflate_blob(b, 4096, &out, &len), 0);
	CHECK_INT(len, sizeof(text) - 1);
	if (out && len == sizeof(text) - 1) {
		CHECK_MEM(out, text, len);
		CHECK_INT(out[len], '\0');
	}
	free(out);
	free(b.p);
}

static void test_zlib_and_raw(void)
{
	check_text(compress_zlib(text, sizeof(text) - 1));
	check_text(deflate_as(text, sizeof(text) - 1, 15, Z_DEFAULT_COMPRESSION));
	check_text(deflate_as(text, sizeof(text) - 1, -15, Z_DEFAULT_COMPRESSION));
	check_text(deflate_as(text, sizeof(text) - 1, -15, Z_NO_COMPRESSION));
	check_text(deflate_as(text, sizeof(text) - 1, -9, Z_BEST_SPEED));
	check_text(deflate_as(text, sizeof(text) - 1, 9, Z_BEST_SPEED));
}

static void test_empty_and_binary(void)
{
	static const unsigned char bin[] = {0, 1, 0, 0xff, 0, 0x80, 'a', 0};
	struct blob b = compress_zlib("", 0);
	char *out = NULL;
	size_t len = 99;

	CHECK_INT(inflate_blob(b, 0, &out, &len), 0);
	CHECK_INT(len, 0);
	CHECK(out && out[0] == '\0');
	free(out);
	free(b.p);

	b = deflate_as(bin, sizeof(bin), -15, 6);
	CHECK_INT(inflate_blob(b, sizeof(bin), &out, &len), 0);
	CHECK_INT(len, sizeof(bin));
	if (out && len == sizeof(bin)) {
		CHECK_MEM(out, bin, sizeof(bin));
		CHECK_INT(out[len], '\0');
	}
	free(out);
	free(b.p);
}

/* Output of many allocations' worth, and max_out at the exact size. */
static void test_large_and_exact_limit(void)
{
	size_t n = 3 * 1000 * 1000 + 7, i, len = 0;
	char *in = malloc(n), *out = NULL;
	struct blob z, r;

	if (!in)
		return;
	for (i = 0; i < n; i++)
		in[i] = (char)('a' + (i * 7 + i / 13) % 26);
	z = compress_zlib(in, n);
	r = deflate_as(in, n, -15, 1);

	CHECK_INT(inflate_blob(z, n, &out, &len), 0);
	CHECK_INT(len, n);
	if (out && len == n)
		CHECK(memcmp(out, in, n) == 0 && out[n] == '\0');
	free(out);
	CHECK_INT(inflate_blob(r, n, &out, &len), 0);
	CHECK_INT(len, n);
	if (out && len == n)
		CHECK(memcmp(out, in, n) == 0);
	free(out);

	out = (char *)1;
	len = 5;
	CHECK_INT(inflate_blob(z, n - 1, &out, &len), EFBIG);
	CHECK(out == NULL);
	CHECK_INT(len, 0);
	CHECK_INT(inflate_blob(r, n - 1, &out, &len), EFBIG);
	CHECK_INT(inflate_blob(r, 1, &out, &len), EFBIG);
	CHECK_INT(inflate_blob(r, 0, &out, &len), EFBIG);
	free(z.p);
	free(r.p);
	free(in);
}

static void check_bomb(struct blob b, size_t max)
{
	char *out = (char *)1;
	size_t len = 5;

	CHECK(b.p != NULL);
#if HAVE_ALLOC_HOOK
	alloc_peak = 0;
	alloc_armed = 1;
#endif
	CHECK_INT(inflate_blob(b, max, &out, &len), EFBIG);
#if HAVE_ALLOC_HOOK
	alloc_armed = 0;
	/* the output buffer at most, max + its NUL; zlib's state and window
	 * are smaller than the limits tried here */
	CHECK(alloc_peak > 0 && alloc_peak <= max + 1);
#endif
	CHECK(out == NULL);
	CHECK_INT(len, 0);
}

/* 10 MB of zeros is about 10 KB compressed. */
static void test_bomb(void)
{
	size_t n = 10 * 1000 * 1000;
	char *zeros = calloc(1, n);
	struct blob z, r;

	if (!zeros)
		return;
#if HAVE_ALLOC_HOOK
	__sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
#endif
	z = compress_zlib(zeros, n);
	r = deflate_as(zeros, n, -15, 9);
	CHECK(z.len < n / 500);
	check_bomb(z, 64 * 1024);
	check_bomb(z, 1024 * 1024);
	check_bomb(z, n - 1);
	check_bomb(r, 64 * 1024);
	check_bomb(r, 100 * 1000);
	free(z.p);
	free(r.p);
	free(zeros);
}

static int inflate_err(const void *in, size_t in_len)
{
	char *out = (char *)1;
	size_t len = 5;
	int err = sylk_inflate(in, in_len, 1 << 20, &out, &len);

	if (err) {
		CHECK(out == NULL);
		CHECK_INT(len, 0);
	}
	free(err ? NULL : out);
	return err;
}

/* Every proper prefix of a stream is refused, in both formats. */
static void test_truncated(void)
{
	struct blob b[2];
	size_t i, k, bad = 0, tried = 0;

	b[0] = compress_zlib(text, sizeof(text) - 1);
	b[1] = deflate_as(text, sizeof(text) - 1, -15, 6);
	for (k = 0; k < 2; k++) {
		CHECK(b[k].p != NULL);
		for (i = 0; b[k].p && i < b[k].len; i++) {
			tried++;
			bad += inflate_err(b[k].p, i) == EBADMSG;
		}
		CHECK_INT(inflate_err(b[k].p, b[k].len), 0);
		free(b[k].p);
	}
	CHECK_INT(bad, tried);
}

static void test_corrupt(void)
{
	struct blob b = compress_zlib(text, sizeof(text) - 1);
	unsigned char *copy;

	CHECK_INT(inflate_err("hello, world", 12), EBADMSG);
	CHECK_INT(inflate_err("\x78\x9c", 2), EBADMSG);
	CHECK_INT(inflate_err("\xff\xff\xff\xff\xff\xff", 6), EBADMSG);
	if (!b.p)
		return;
	copy = malloc(b.len + 3);
	if (!copy) {
		free(b.p);
		return;
	}
	/* the Adler-32 trailer wrong */
	memcpy(copy, b.p, b.len);
	copy[b.len - 1] ^= 0x01;
	CHECK_INT(inflate_err(copy, b.len), EBADMSG);
	/* a preset dictionary asked for (FDICT) */
	memcpy(copy, b.p, b.len);
	copy[1] = 0xbb; /* 0x78 0xbb: FDICT set, header check still right */
	CHECK_INT(((copy[0] << 8) | copy[1]) % 31, 0);
	CHECK_INT(inflate_err(copy, b.len), EBADMSG);
	/* bytes after the end of the stream */
	memcpy(copy, b.p, b.len);
	memcpy(copy + b.len, "xyz", 3);
	CHECK_INT(inflate_err(copy, b.len + 3), EBADMSG);
	free(copy);
	free(b.p);
}

static void test_args(void)
{
	char *out = NULL;
	size_t len = 0;

	CHECK_INT(sylk_inflate("x", 1, 10, NULL, &len), EINVAL);
	CHECK_INT(sylk_inflate("x", 1, 10, &out, NULL), EINVAL);
	CHECK_INT(sylk_inflate(NULL, 1, 10, &out, &len), EINVAL);
	CHECK_INT(sylk_inflate(NULL, 0, 10, &out, &len), EBADMSG);
	CHECK_INT(sylk_inflate("x", 0, 10, &out, &len), EBADMSG);
	CHECK(out == NULL);
}

int main(void)
{
	RUN(test_zlib_and_raw);
	RUN(test_empty_and_binary);
	RUN(test_large_and_exact_limit);
	RUN(test_bomb);
	RUN(test_truncated);
	RUN(test_corrupt);
	RUN(test_args);
	return check_summary();
}
