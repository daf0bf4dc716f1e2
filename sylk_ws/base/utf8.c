/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file utf8.c  Strict incremental UTF-8 validator
 *
 * The lead byte decides both the sequence length and the range the *first*
 * continuation byte may take (Unicode 15, table 3-7). Narrowing that first
 * range is what rejects overlongs (E0 80..9F, F0 80..8F), surrogates
 * (ED A0..BF) and code points above U+10FFFF (F4 90..BF) without ever
 * assembling a code point, and it is what lets a fragment fail at the
 * exact byte that makes it hopeless.
 */
#include <string.h>
#include "sylk_ws/base/utf8.h"

/* need value marking a stream that already failed */
enum { UTF8_BAD = 0xff };


void utf8_init(struct utf8_state *st)
{
	if (!st)
		return;

	st->need = 0;
	st->lo = 0x80;
	st->hi = 0xbf;
}


/* Classify a lead byte: sequence length minus one and the range of the
 * first continuation byte. Returns false for bytes that never start one. */
static bool lead_byte(uint8_t c, struct utf8_state *st)
{
	st->lo = 0x80;
	st->hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf) {
		st->need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		st->need = 2;
		if (c == 0xe0)
			st->lo = 0xa0; /* below is an overlong 2-byte form */
		else if (c == 0xed)
			st->hi = 0x9f; /* above is a surrogate half */
	} else if (c >= 0xf0 && c <= 0xf4) {
		st->need = 3;
		if (c == 0xf0)
			st->lo = 0x90; /* below is an overlong 3-byte form */
		else if (c == 0xf4)
			st->hi = 0x8f; /* above is beyond U+10FFFF */
	} else {
		/* 80..BF stray continuation, C0/C1 always overlong, F5..FF */
		return false;
	}

	return true;
}


int utf8_feed(struct utf8_state *st, const void *data, size_t len)
{
	const uint8_t *p = data;
	const uint8_t *end;

	if (!st)
		return EILSEQ;
	if (st->need == UTF8_BAD)
		return EILSEQ;
	if (!len)
		return st->need ? EAGAIN : 0;
	if (!p) {
		st->need = UTF8_BAD;
		return EILSEQ;
	}

	end = p + len;

	while (p < end) {

		if (st->need == 0) {
			/* JSON and SIP are mostly ASCII: skip it a word
			 * at a time. memcpy keeps the load alignment-safe. */
			while ((size_t)(end - p) >= sizeof(uint64_t)) {
				uint64_t w;
				memcpy(&w, p, sizeof(w));
				if (w & 0x8080808080808080ull)
					break;
				p += sizeof(w);
			}
			if (p == end)
				break;

			if (*p < 0x80) {
				++p;
				continue;
			}
			if (!lead_byte(*p, st)) {
				st->need = UTF8_BAD;
				return EILSEQ;
			}
			++p;
			continue;
		}

		if (*p < st->lo || *p > st->hi) {
			st->need = UTF8_BAD;
			return EILSEQ;
		}
		st->lo = 0x80;
		st->hi = 0xbf;
		--st->need;
		++p;
	}

	return st->need ? EAGAIN : 0;
}


int utf8_finish(const struct utf8_state *st)
{
	if (!st || st->need != 0)
		return EILSEQ;

	return 0;
}


bool utf8_valid(const void *data, size_t len)
{
	struct utf8_state st;

	utf8_init(&st);

	return utf8_feed(&st, data, len) == 0;
}


size_t utf8_chars(const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += (p[i] & 0xC0) != 0x80;
	return n;
}


size_t utf8_decode(const void *data, size_t len, uint32_t *cp)
{
	const uint8_t *p = data;
	struct utf8_state st;
	uint32_t c;
	size_t n, i;

	if (!p || !len)
		return 0;
	if (p[0] < 0x80) {
		if (cp)
			*cp = p[0];
		return 1;
	}

	utf8_init(&st);
	if (!lead_byte(p[0], &st))
		return 0;
	n = (size_t)st.need + 1;
	if (len < n)
		return 0;

	c = p[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if (p[i] < st.lo || p[i] > st.hi)
			return 0;
		st.lo = 0x80;
		st.hi = 0xbf;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (cp)
		*cp = c;
	return n;
}

size_t utf8_encode(char *out, uint32_t cp)
{
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3F));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}
