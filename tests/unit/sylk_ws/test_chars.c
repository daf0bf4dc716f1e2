/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/chars: every byte of every class against the
 * grammar's text, and the span helpers. */
#include <ctype.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/base/chars.h"

/* The grammars written out the way the RFCs do. */
static bool ref_sip(int c)
{
	return c < 128 && c > 0 && (isalnum(c) || strchr("-.!%*_+`'~", c));
}

static bool ref_http(int c)
{
	return c < 128 && c > 0 && (isalnum(c) || strchr("!#$%&'*+-.^_`|~", c));
}

static bool ref_mime(int c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static void test_every_byte(void)
{
	int c, wrong = 0;

	for (c = 0; c < 256; c++) {
		wrong += chars_sip_token((unsigned char)c) != ref_sip(c);
		wrong += chars_http_tchar((unsigned char)c) != ref_http(c);
		wrong += chars_mime_token((unsigned char)c) != ref_mime(c);
	}
	CHECK_INT(wrong, 0);
}

static const struct {
	const char *s;
	bool sip, http, mime;
} spans[] = {
	{"INVITE", true, true, true},         {"x-sylk_1.0", true, true, true},
	{"a~b'c`d", true, true, true},        {"a#b", false, true, true},
	{"a|b^c&d$e", false, true, true},     {"a{b}", false, false, true},
	{"text/plain", false, false, false},  {"a b", false, false, false},
	{"a=b", false, false, false},         {"a\tb", false, false, false},
	{"caf\xc3\xa9", false, false, false}, {"", false, false, false},
};

static void test_spans(void)
{
	for (size_t i = 0; i < sizeof(spans) / sizeof(spans[0]); i++) {
		size_t n = strlen(spans[i].s);

		CHECK_INT(chars_span(spans[i].s, n, chars_sip_token), spans[i].sip);
		CHECK_INT(chars_span(spans[i].s, n, chars_http_tchar), spans[i].http);
		CHECK_INT(chars_span(spans[i].s, n, chars_mime_token), spans[i].mime);
	}
	/* the length bounds the span, not the NUL */
	CHECK(chars_span("abc def", 3, chars_sip_token));
	CHECK_INT(chars_prefix("abc def", 7, chars_sip_token), 3);
	CHECK_INT(chars_prefix("abc", 3, chars_sip_token), 3);
	CHECK_INT(chars_prefix(NULL, 3, chars_sip_token), 0);
	CHECK_INT(chars_prefix("abc", 3, NULL), 0);
	CHECK(!chars_span(NULL, 0, chars_sip_token));
}

static void test_hex_value(void)
{
	int c, wrong = 0;

	for (c = 0; c < 256; c++) {
		int want = isxdigit(c) ? (isdigit(c) ? c - '0' : tolower(c) - 'a' + 10) : -1;
		wrong += chars_hex_value((unsigned char)c) != want;
	}
	CHECK_INT(wrong, 0);
	CHECK_INT(chars_hex_value('F'), 15);
	CHECK_INT(chars_hex_value('g'), -1);
}

int main(void)
{
	RUN(test_every_byte);
	RUN(test_hex_value);
	RUN(test_spans);
	return check_summary();
}
