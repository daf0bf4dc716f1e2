/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Character classes: see chars.h. */
#include "sylk_ws/base/chars.h"

enum {
	C_SIP = 1 << 0,  /* RFC 3261 token */
	C_HTTP = 1 << 1, /* RFC 7230 tchar */
	C_MIME = 1 << 2, /* RFC 2045 token */
};

/* Bits per US-ASCII byte, generated from the grammars in chars.h (the unit
 * test checks every entry against them); non-ASCII is in no class. */
static const unsigned char table[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 00..0f */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 10..1f */
	0, 7, 0, 6, 6, 7, 6, 7, 0, 0, 7, 7, 0, 7, 7, 0, /* 20..2f */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0, 0, 0, 0, 0, /* 30..3f */
	0, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 40..4f */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 0, 0, 0, 6, 7, /* 50..5f */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, /* 60..6f */
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 4, 6, 4, 7, 0, /* 70..7f */
};

static inline bool is(unsigned char c, unsigned bit)
{
	return c < 128 && (table[c] & bit) != 0;
}

bool chars_sip_token(unsigned char c)
{
	return is(c, C_SIP);
}

bool chars_http_tchar(unsigned char c)
{
	return is(c, C_HTTP);
}

bool chars_mime_token(unsigned char c)
{
	return is(c, C_MIME);
}

int chars_hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t chars_prefix(const char *s, size_t len, chars_class_fn *cls)
{
	size_t i = 0;

	if (!s || !cls)
		return 0;
	while (i < len && cls((unsigned char)s[i]))
		i++;
	return i;
}

bool chars_span(const char *s, size_t len, chars_class_fn *cls)
{
	return len > 0 && chars_prefix(s, len, cls) == len;
}
