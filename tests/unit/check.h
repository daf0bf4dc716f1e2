/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal unit-test helpers: every failed CHECK prints where and why, the
 * test binary exits non-zero if any check failed, and a binary that ran no
 * check at all fails too (a test that cannot fail is no test). */
#ifndef SYLK_TEST_CHECK_H
#define SYLK_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                              \
	do {                                                                                     \
		check_count++;                                                                   \
		if (!(cond)) {                                                                   \
			check_failures++;                                                        \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                                \
	} while (0)

#define CHECK_INT(got, want)                                                                  \
	do {                                                                                  \
		long long g_ = (long long)(got), w_ = (long long)(want);                      \
		check_count++;                                                                \
		if (g_ != w_) {                                                               \
			check_failures++;                                                     \
			fprintf(stderr, "%s:%d: %s == %lld, want %lld\n", __FILE__, __LINE__, \
				#got, g_, w_);                                                \
		}                                                                             \
	} while (0)

#define CHECK_STR(got, want)                                                                      \
	do {                                                                                      \
		const char *g_ = (got), *w_ = (want);                                             \
		check_count++;                                                                    \
		if (!g_ || !w_ || strcmp(g_, w_) != 0) {                                          \
			check_failures++;                                                         \
			fprintf(stderr, "%s:%d: %s == \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
				#got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");                    \
		}                                                                                 \
	} while (0)

#define CHECK_MEM(got, want, len)                                                                \
	do {                                                                                     \
		check_count++;                                                                   \
		if (memcmp((got), (want), (len)) != 0) {                                         \
			check_failures++;                                                        \
			fprintf(stderr, "%s:%d: %s differs from %s\n", __FILE__, __LINE__, #got, \
				#want);                                                          \
		}                                                                                \
	} while (0)

#define RUN(test_fn)                                                  \
	do {                                                          \
		int before_ = check_failures;                         \
		test_fn();                                            \
		fprintf(stderr, "  %-40s %s\n", #test_fn,             \
			check_failures == before_ ? "ok" : "FAILED"); \
	} while (0)

static inline int check_summary(void)
{
	if (check_count == 0) {
		fprintf(stderr, "no checks ran\n");
		return 1;
	}
	fprintf(stderr, "%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
