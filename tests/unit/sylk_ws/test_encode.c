/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/encode: base64url without padding, hex pairs. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/base/encode.h"

static void test_vectors(void)
{
	/* RFC 4648 section 10, padding dropped; the URL alphabet's - and _ */
	static const struct {
		const char *in;
		size_t n;
		const char *want;
	} cases[] = {
		{"", 0, ""},
		{"f", 1, "Zg"},
		{"fo", 2, "Zm8"},
		{"foo", 3, "Zm9v"},
		{"foob", 4, "Zm9vYg"},
		{"fooba", 5, "Zm9vYmE"},
		{"foobar", 6, "Zm9vYmFy"},
		{"\xfb\xff\xfe", 3, "-__-"},
		{"\0\0\0", 3, "AAAA"},
		{"\xc3\xa9", 2, "w6k"}, /* "é" in UTF-8: bytes, not text */
	};
	char out[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		CHECK_INT(sylk_base64url(cases[i].in, cases[i].n, out, sizeof(out)), 0);
		CHECK_STR(out, cases[i].want);
		CHECK_INT(strlen(out), SYLK_BASE64URL_LEN(cases[i].n));
	}
}

static void test_sizes(void)
{
	unsigned char md[16];
	char out[23];

	memset(md, 0xff, sizeof(md));
	CHECK_INT(SYLK_BASE64URL_LEN(16), 22);
	CHECK_INT(sylk_base64url(md, sizeof(md), out, sizeof(out)), 0);
	CHECK_STR(out, "_____________________w");
	/* one byte short of the NUL */
	CHECK_INT(sylk_base64url(md, sizeof(md), out, 22), ENOSPC);
	CHECK_STR(out, "");
	CHECK_INT(sylk_base64url("f", 1, out, 0), ENOSPC);
	CHECK_INT(sylk_base64url("", 0, out, 1), 0);
	CHECK_STR(out, "");
	CHECK_INT(sylk_base64url("f", 1, out, 2), ENOSPC);
	CHECK_INT(sylk_base64url(md, (size_t)-1, out, sizeof(out)), ENOSPC);
}

static void test_bad_arguments(void)
{
	char out[8];

	CHECK_INT(sylk_base64url(NULL, 1, out, sizeof(out)), EINVAL);
	CHECK_INT(sylk_base64url("f", 1, NULL, 8), EINVAL);
	CHECK_INT(sylk_base64url(NULL, 0, out, sizeof(out)), 0);
	CHECK_STR(out, "");
}

static void test_hex_pairs(void)
{
	static const struct {
		const char *in;
		size_t n;
		char sep;
		const char *want;
	} cases[] = {
		{"\xab\x01", 2, ':', "AB:01"},
		{"\xab\x01", 2, '\0', "AB01"},
		{"\x00", 1, ':', "00"},
		{"", 0, ':', ""},
		{"\xc3\xa9\xff", 3, '-', "C3-A9-FF"},
	};
	char out[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(sylk_hex_pairs(cases[i].in, cases[i].n, cases[i].sep, out, sizeof(out)),
			  0);
		CHECK_STR(out, cases[i].want);
	}
	/* exactly the size, then one byte short */
	CHECK_INT(sylk_hex_pairs("\xab\x01", 2, ':', out, 6), 0);
	CHECK_INT(sylk_hex_pairs("\xab\x01", 2, ':', out, 5), ENOSPC);
	CHECK_STR(out, "");
	CHECK_INT(sylk_hex_pairs("\xab\x01", 2, '\0', out, 5), 0);
	CHECK_INT(sylk_hex_pairs("\xab\x01", 2, '\0', out, 4), ENOSPC);
	CHECK_INT(sylk_hex_pairs("", 0, ':', out, 1), 0);
	CHECK_INT(sylk_hex_pairs("", 0, ':', out, 0), ENOSPC);
	CHECK_INT(sylk_hex_pairs("a", (size_t)-1, ':', out, sizeof(out)), ENOSPC);
	CHECK_INT(sylk_hex_pairs(NULL, 1, ':', out, sizeof(out)), EINVAL);
	CHECK_INT(sylk_hex_pairs("a", 1, ':', NULL, 8), EINVAL);
}

static void test_hex_lower(void)
{
	char out[8];

	CHECK_INT(sylk_hex_lower("\xab\x01\xff", 3, out, sizeof(out)), 0);
	CHECK_STR(out, "ab01ff");
	CHECK_INT(sylk_hex_lower("\xab\x01\xff", 3, out, 7), 0);
	CHECK_INT(sylk_hex_lower("\xab\x01\xff", 3, out, 6), ENOSPC);
	CHECK_STR(out, "");
	CHECK_INT(sylk_hex_lower(NULL, 1, out, sizeof(out)), EINVAL);
}

int main(void)
{
	RUN(test_vectors);
	RUN(test_sizes);
	RUN(test_bad_arguments);
	RUN(test_hex_pairs);
	RUN(test_hex_lower);
	return check_summary();
}
