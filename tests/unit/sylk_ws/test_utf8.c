/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/utf8: strict validation, incremental feeding,
 * fail-fast behaviour, and an exhaustive comparison with a slow reference
 * decoder. */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "sylk_ws/base/utf8.h"

struct seq {
	const char *name;
	const char *bytes;
	size_t len;
};

#define SEQ(name, lit)                     \
	{                                  \
		name, lit, sizeof(lit) - 1 \
	}


/* Reference: decode one sequence the long way round and apply every rule
 * of RFC 3629 explicitly. Returns the sequence length, or 0 if invalid
 * (including truncated). */
static size_t ref_decode(const uint8_t *p, size_t len)
{
	size_t n, i;
	uint32_t cp;

	if (!len)
		return 0;
	if (p[0] < 0x80)
		return 1;
	else if ((p[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return 0;

	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}

	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000))
		return 0; /* overlong */
	if (cp >= 0xd800 && cp <= 0xdfff)
		return 0; /* surrogate */
	if (cp > 0x10ffff)
		return 0;

	return n;
}


static bool ref_valid(const uint8_t *p, size_t len)
{
	while (len) {
		size_t n = ref_decode(p, len);
		if (!n)
			return false;
		p += n;
		len -= n;
	}
	return true;
}


static size_t encode(uint32_t cp, uint8_t *out)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | (cp >> 6));
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | (cp >> 12));
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | (cp >> 18));
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}


static void test_valid_sequences(void)
{
	static const struct seq valid[] = {
		SEQ("empty", ""),
		SEQ("ascii", "Hello-UTF-8!!"),
		SEQ("nul", "a\0b"),
		SEQ("kosme", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5"),
		SEQ("U+0080 first 2-byte", "\xc2\x80"),
		SEQ("U+07FF last 2-byte", "\xdf\xbf"),
		SEQ("U+0800 first 3-byte", "\xe0\xa0\x80"),
		SEQ("U+D7FF below surrogates", "\xed\x9f\xbf"),
		SEQ("U+E000 above surrogates", "\xee\x80\x80"),
		SEQ("U+FFFD", "\xef\xbf\xbd"),
		SEQ("U+FFFE noncharacter", "\xef\xbf\xbe"),
		SEQ("U+FFFF last 3-byte", "\xef\xbf\xbf"),
		SEQ("U+10000 first 4-byte", "\xf0\x90\x80\x80"),
		SEQ("U+10FFFF max code point", "\xf4\x8f\xbf\xbf"),
		SEQ("U+1FFFE noncharacter", "\xf0\x9f\xbf\xbe"),
		SEQ("emoji", "\xf0\x9f\x98\x80"),
	};
	size_t i;

	for (i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		if (!utf8_valid(valid[i].bytes, valid[i].len))
			fprintf(stderr, "    rejected valid: %s\n", valid[i].name);
		CHECK(utf8_valid(valid[i].bytes, valid[i].len));
		CHECK(ref_valid((const uint8_t *)valid[i].bytes, valid[i].len));
	}
}


static void test_invalid_sequences(void)
{
	static const struct seq invalid[] = {
		/* beyond U+10FFFF */
		SEQ("U+110000", "\xf4\x90\x80\x80"),
		SEQ("U+1FFFFF", "\xf7\xbf\xbf\xbf"),
		SEQ("5-byte form", "\xf8\x88\x80\x80\x80"),
		SEQ("6-byte form", "\xfc\x84\x80\x80\x80\x80"),
		SEQ("FE", "\xfe"),
		SEQ("FF", "\xff"),
		SEQ("F5 lead", "\xf5\x80\x80\x80"),
		/* overlong */
		SEQ("overlong / 2-byte", "\xc0\xaf"),
		SEQ("overlong / 3-byte", "\xe0\x80\xaf"),
		SEQ("overlong / 4-byte", "\xf0\x80\x80\xaf"),
		SEQ("overlong max 2-byte", "\xc1\xbf"),
		SEQ("overlong max 3-byte", "\xe0\x9f\xbf"),
		SEQ("overlong max 4-byte", "\xf0\x8f\xbf\xbf"),
		SEQ("overlong NUL 2-byte", "\xc0\x80"),
		SEQ("overlong NUL 3-byte", "\xe0\x80\x80"),
		/* UTF-16 surrogates */
		SEQ("U+D800", "\xed\xa0\x80"),
		SEQ("U+DB7F", "\xed\xad\xbf"),
		SEQ("U+DB80", "\xed\xae\x80"),
		SEQ("U+DBFF", "\xed\xaf\xbf"),
		SEQ("U+DC00", "\xed\xb0\x80"),
		SEQ("U+DF80", "\xed\xbe\x80"),
		SEQ("U+DFFF", "\xed\xbf\xbf"),
		SEQ("pair D800 DC00", "\xed\xa0\x80\xed\xb0\x80"),
		SEQ("pair DBFF DFFF", "\xed\xaf\xbf\xed\xbf\xbf"),
		/* stray continuation bytes */
		SEQ("lone 80", "\x80"),
		SEQ("lone BF", "\xbf"),
		SEQ("80 BF", "\x80\xbf"),
		SEQ("continuation after ascii", "a\x80"),
		/* start bytes followed by space */
		SEQ("C0 space", "\xc0 "),
		SEQ("DF space", "\xdf "),
		SEQ("E0 space", "\xe0 "),
		SEQ("F0 space", "\xf0 "),
		/* truncated sequences */
		SEQ("truncated 2-byte", "\xc2"),
		SEQ("truncated 3-byte", "\xe0\xa0"),
		SEQ("truncated 4-byte", "\xf0\x90\x80"),
		SEQ("truncated U+10FFFF", "\xf4\x8f\xbf"),
		SEQ("truncated at end of text", "kosme\xce"),
		SEQ("too many continuations", "\xc2\x80\x80"),
	};
	size_t i;

	for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		if (utf8_valid(invalid[i].bytes, invalid[i].len))
			fprintf(stderr, "    accepted invalid: %s\n", invalid[i].name);
		CHECK(!utf8_valid(invalid[i].bytes, invalid[i].len));
		CHECK(!ref_valid((const uint8_t *)invalid[i].bytes, invalid[i].len));
	}
}


static void test_incremental(void)
{
	static const char kosme[] = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";
	static const int want[] = {
		EAGAIN, 0,         /* ce ba    */
		EAGAIN, EAGAIN, 0, /* e1 bd b9 */
		EAGAIN, 0,         /* cf 83    */
		EAGAIN, 0,         /* ce bc    */
		EAGAIN, 0,         /* ce b5    */
	};
	struct utf8_state st;
	size_t i;

	utf8_init(&st);
	for (i = 0; i < sizeof(kosme) - 1; i++)
		CHECK_INT(utf8_feed(&st, kosme + i, 1), want[i]);
	CHECK_INT(utf8_finish(&st), 0);

	/* ending inside a character */
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, "\xf0\x90", 2), EAGAIN);
	CHECK_INT(utf8_finish(&st), EILSEQ);
	CHECK_INT(utf8_feed(&st, "\x80\x80", 2), 0);
	CHECK_INT(utf8_finish(&st), 0);

	/* empty feed reports the current state */
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, NULL, 0), 0);
	CHECK_INT(utf8_feed(&st, "\xe2", 1), EAGAIN);
	CHECK_INT(utf8_feed(&st, NULL, 0), EAGAIN);
}


/* Autobahn 6.4.x: the validator must fail at the byte that makes the
 * text hopeless, not when the message ends. */
static void test_fail_fast(void)
{
	/* 6.4.1: kosme, then ED A0 80 (a surrogate), then "edited" */
	static const char prefix[] = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed";
	struct utf8_state st;

	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, prefix, sizeof(prefix) - 1), EAGAIN);
	CHECK_INT(utf8_feed(&st, "\xa0", 1), EILSEQ);
	/* sticky */
	CHECK_INT(utf8_feed(&st, "edited", 6), EILSEQ);
	CHECK_INT(utf8_finish(&st), EILSEQ);

	/* 6.4.2: F4 90 fails at the second byte (beyond U+10FFFF) */
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, "\xce\xba\xf4", 3), EAGAIN);
	CHECK_INT(utf8_feed(&st, "\x90", 1), EILSEQ);

	/* overlong E0 80 fails at the second byte */
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, "\xe0", 1), EAGAIN);
	CHECK_INT(utf8_feed(&st, "\x80", 1), EILSEQ);

	/* F0 8F fails at the second byte (overlong 4-byte) */
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, "\xf0\x8f", 2), EILSEQ);

	/* C0 and F5 fail at once */
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, "\xc0", 1), EILSEQ);
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, "\xf5", 1), EILSEQ);

	/* re-init clears the failure */
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, "ok", 2), 0);
}


/* The ASCII fast path reads 8 bytes at a time: put a bad or multi-byte
 * character at every offset around word boundaries. */
static void test_ascii_fast_path(void)
{
	uint8_t buf[64];
	size_t pos, len;
	int bad_ok = 0, good_ok = 0, runs = 0;

	for (len = 1; len <= sizeof(buf); len++) {
		for (pos = 0; pos < len; pos++) {
			memset(buf, 'a', sizeof(buf));
			buf[pos] = 0x80;
			bad_ok += !utf8_valid(buf, len);

			memset(buf, 'a', sizeof(buf));
			if (pos + 2 <= len) {
				buf[pos] = 0xc3;
				buf[pos + 1] = 0xa9;
				good_ok += utf8_valid(buf, len);
			} else {
				good_ok++;
			}
			runs++;
		}
	}
	CHECK_INT(bad_ok, runs);
	CHECK_INT(good_ok, runs);

	/* unaligned start */
	memset(buf, 'a', sizeof(buf));
	CHECK(utf8_valid(buf + 3, 40));
	buf[50] = 0xff;
	CHECK(!utf8_valid(buf + 3, 50));
}


/* Every scalar value encodes to valid UTF-8; every surrogate does not. */
static void test_all_code_points(void)
{
	uint8_t b[4];
	uint32_t cp;
	unsigned long wrong = 0;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		size_t n = encode(cp, b);
		bool want = !(cp >= 0xd800 && cp <= 0xdfff);

		if (utf8_valid(b, n) != want)
			wrong++;
	}
	CHECK_INT(wrong, 0);

	/* and the first value beyond */
	CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));
}


/* All one- and two-byte inputs, and all three-byte inputs whose lead is a
 * multi-byte start, agree with the reference decoder, whole and split. */
static void test_exhaustive_short(void)
{
	unsigned long wrong = 0, wrong_split = 0;
	uint32_t v;

	for (v = 0; v < 0x10000; v++) {
		uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
		struct utf8_state st;
		int r;

		if (utf8_valid(b, 1) != ref_valid(b, 1))
			wrong++;
		if (utf8_valid(b, 2) != ref_valid(b, 2))
			wrong++;

		utf8_init(&st);
		utf8_feed(&st, b, 1);
		r = utf8_feed(&st, b + 1, 1);
		if ((r == 0) != ref_valid(b, 2))
			wrong_split++;
	}

	for (v = 0xc00000; v < 0x1000000; v++) {
		uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

		if (utf8_valid(b, 3) != ref_valid(b, 3))
			wrong++;
	}

	CHECK_INT(wrong, 0);
	CHECK_INT(wrong_split, 0);
}


static void test_random_vs_reference(void)
{
	uint32_t x = 12345;
	unsigned long wrong = 0;
	int i;

	for (i = 0; i < 200000; i++) {
		uint8_t b[12];
		size_t n, k;

		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		n = x % sizeof(b);
		for (k = 0; k < n; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* bias towards the interesting bytes */
			b[k] = (x & 1) ? (uint8_t)(0x80 | (x >> 8)) : (uint8_t)(x >> 8);
		}
		if (utf8_valid(b, n) != ref_valid(b, n))
			wrong++;
	}
	CHECK_INT(wrong, 0);
}


/* utf8_decode(): every scalar value round-trips, surrogates and anything
 * the reference decoder refuses give 0, prefixes of a sequence give 0. */
static void test_decode(void)
{
	unsigned long wrong = 0;
	uint32_t x = 777, cp, got;
	uint8_t b[8];
	int i;

	for (cp = 0; cp <= 0x10ffff; cp++) {
		size_t n = encode(cp, b);
		bool scalar = !(cp >= 0xd800 && cp <= 0xdfff);

		got = 0xffffffff;
		if (utf8_decode(b, n, &got) != (scalar ? n : 0))
			wrong++;
		else if (scalar && got != cp)
			wrong++;
		if (n > 1 && utf8_decode(b, n - 1, NULL) != 0)
			wrong++;
	}
	for (i = 0; i < 200000; i++) {
		size_t k;

		for (k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			b[k] = (uint8_t)(0x80 | (x >> 8));
		}
		if (utf8_decode(b, 4, NULL) != ref_decode(b, 4))
			wrong++;
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(utf8_decode("abc", 3, &got), 1);
	CHECK_INT(got, 'a');
	CHECK_INT(utf8_decode("\xe2\x82\xac!", 4, &got), 3);
	CHECK_INT(got, 0x20ac);
	CHECK_INT(utf8_decode("", 0, NULL), 0);
	CHECK_INT(utf8_decode(NULL, 3, NULL), 0);
	CHECK_INT(utf8_decode("\xc0\xaf", 2, NULL), 0);
}


/* every scalar value encodes to what decode reads back; the rest to U+FFFD */
static void test_encode(void)
{
	char b[UTF8_MAX_SEQ];
	uint32_t back;
	size_t n;

	for (uint32_t cp = 0; cp <= 0x110010; cp++) {
		bool scalar = cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);

		n = utf8_encode(b, cp);
		CHECK(utf8_decode(b, n, &back) == n);
		CHECK(back == (scalar ? cp : 0xFFFD));
		if (!scalar || cp % 0x1000 != 0)
			continue;
		CHECK(n == (cp < 0x80 ? 1u : cp < 0x800 ? 2u : cp < 0x10000 ? 3u : 4u));
	}
}

static void test_null_args(void)
{
	struct utf8_state st;

	CHECK(utf8_valid(NULL, 0));
	CHECK_INT(utf8_feed(NULL, "a", 1), EILSEQ);
	CHECK_INT(utf8_finish(NULL), EILSEQ);
	utf8_init(&st);
	CHECK_INT(utf8_feed(&st, NULL, 3), EILSEQ);
	utf8_init(NULL);
}


int main(void)
{
	RUN(test_valid_sequences);
	RUN(test_invalid_sequences);
	RUN(test_incremental);
	RUN(test_fail_fast);
	RUN(test_ascii_fast_path);
	RUN(test_all_code_points);
	RUN(test_exhaustive_short);
	RUN(test_random_vs_reference);
	RUN(test_decode);
	RUN(test_encode);
	RUN(test_null_args);

	return check_summary();
}
