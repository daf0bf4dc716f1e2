/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/mem (allocator hooks) and base/error. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/base/error.h"
#include "sylk_ws/base/mem.h"

struct counter {
	int allocs, reallocs, frees;
};

static void *c_alloc(size_t size, void *ctx)
{
	((struct counter *)ctx)->allocs++;
	return malloc(size);
}

static void *c_realloc(void *p, size_t size, void *ctx)
{
	((struct counter *)ctx)->reallocs++;
	return realloc(p, size);
}

static void c_free(void *p, void *ctx)
{
	((struct counter *)ctx)->frees++;
	free(p);
}

static void test_default(void)
{
	struct sylk_mem m = sylk_mem_or_default(NULL);
	struct sylk_mem half = {c_alloc, NULL, NULL, NULL};
	char *p;

	CHECK(sylk_mem_is_libc(&m));
	p = sylk_mem_zalloc(&m, 16);
	CHECK(p && p[0] == 0 && p[15] == 0);
	p = sylk_mem_realloc(&m, p, 64);
	CHECK(p != NULL);
	sylk_mem_free(&m, p);
	sylk_mem_free(&m, NULL);
	/* an allocator without free is not taken */
	m = sylk_mem_or_default(&half);
	CHECK(sylk_mem_is_libc(&m));
}

static void test_custom(void)
{
	struct counter n = {0, 0, 0};
	struct sylk_mem given = {c_alloc, c_realloc, c_free, &n};
	struct sylk_mem m = sylk_mem_or_default(&given);
	struct sylk_mem no_realloc = {c_alloc, NULL, c_free, &n};
	char *p;

	CHECK(!sylk_mem_is_libc(&m));
	p = sylk_mem_alloc(&m, 8);
	p = sylk_mem_realloc(&m, p, 32);
	sylk_mem_free(&m, p);
	CHECK_INT(n.allocs, 1);
	CHECK_INT(n.reallocs, 1);
	CHECK_INT(n.frees, 1);

	m = sylk_mem_or_default(&no_realloc);
	p = sylk_mem_alloc(&m, 8);
	CHECK(sylk_mem_realloc(&m, p, 16) == NULL); /* p is still valid */
	sylk_mem_free(&m, p);
	CHECK_INT(n.frees, 2);
}

static void test_strerror(void)
{
	static const int codes[] = {0,      EINVAL,  EBADMSG, EPROTO, EILSEQ, EMSGSIZE,
				    EAGAIN, ENODATA, ENOMEM,  12345,  -1};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const char *s = sylk_strerror(codes[i]);
		CHECK(s != NULL && *s);
	}
	CHECK_STR(sylk_strerror(EILSEQ), "invalid UTF-8");
	CHECK_STR(sylk_strerror(12345), "unknown error");
	CHECK_STR(sylk_strerror(-1), "unknown error");
	CHECK_STR(sylk_strerror(EFBIG), "too large");
	CHECK_STR(sylk_strerror(EADDRINUSE), "Address already in use");
	CHECK(strcmp(sylk_strerror(EBADMSG), sylk_strerror(EPROTO)) != 0);
}

int main(void)
{
	RUN(test_default);
	RUN(test_custom);
	RUN(test_strerror);
	return check_summary();
}
