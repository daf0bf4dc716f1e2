/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/http/http_overflow: what a request that did not fit
 * Kamailio's read buffer was, and the refusal that says so. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/http/http_overflow.h"

static enum http_overflow classify(const char *s)
{
	return http_overflow_classify(s, strlen(s));
}

static void test_which_part_was_too_large(void)
{
	CHECK_INT(classify("GET /aaaaaaaaaaaaaaaa"), HTTP_OVERFLOW_TARGET);
	CHECK_INT(classify("\r\n\r\nGET /aaaa"), HTTP_OVERFLOW_TARGET);
	CHECK_INT(classify("GET http://example.com/aaaa"), HTTP_OVERFLOW_TARGET);
	CHECK_INT(classify("OPTIONS * HTTP/1.1\r\nX: yyyyyyyy"), HTTP_OVERFLOW_HEADERS);
	CHECK_INT(classify("GET / HTTP/1.1\r\nHost: x\r\nCookie: aaaaaaa"), HTTP_OVERFLOW_HEADERS);
	CHECK_INT(classify("GET / HTTP/1.0\nHost: x\nCookie: aaaaaaa"), HTTP_OVERFLOW_HEADERS);
	CHECK_INT(classify("PUT /xcap-root/x HTTP/1.1\r\nContent-Length: 99999\r\n\r\n<xml"),
		  HTTP_OVERFLOW_BODY);
	CHECK_INT(classify("POST / HTTP/1.1\n\nabc"), HTTP_OVERFLOW_BODY);
	/* a request line that ended with its head: the body did not fit */
	CHECK_INT(classify("POST / HTTP/1.1\r\n\r\nabc"), HTTP_OVERFLOW_BODY);
}

static void test_not_http(void)
{
	static const char *const other[] = {
		"",
		"\r\n\r\n",
		"INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP x\r\n",
		"MESSAGE sips:bob@example.com SIP/2.0\r\n",
		"MSRP a786hjs2 SEND\r\nTo-Path: msrp://x\r\n",
		"GET /x SIP/2.0\r\n",
		"GET /x HTTP/2.0\r\n",
		"GET  /x HTTP/1.1\r\n",
		"G\"T /x",
		"GET",
		"GET ",
		"GET x/y",
		"GET *x",
		"\x16\x03\x01\x02\x00\x01",
		"AVERYVERYVERYVERYVERYVERYLONGMETHOD /x",
	};

	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		enum http_overflow got = classify(other[i]);

		if (got != HTTP_OVERFLOW_NOT_HTTP)
			fprintf(stderr, "    taken for HTTP: %s\n", other[i]);
		CHECK_INT(got, HTTP_OVERFLOW_NOT_HTTP);
	}
	CHECK_INT(http_overflow_classify(NULL, 0), HTTP_OVERFLOW_NOT_HTTP);
}

static void test_reply(void)
{
	char out[256];
	size_t len = 0;
	const char *body;

	CHECK_INT(http_overflow_reply(out, sizeof(out), HTTP_OVERFLOW_TARGET, 65536, &len), 0);
	CHECK(len == strlen(out));
	CHECK(strncmp(out, "HTTP/1.1 414 URI Too Long\r\n", 27) == 0);
	CHECK(strstr(out, "\r\nConnection: close\r\n") != NULL);
	body = strstr(out, "\r\n\r\n");
	CHECK(body != NULL);
	if (body) {
		body += 4;
		CHECK(strstr(out, "Content-Length: ") != NULL);
		CHECK_INT(atoi(strstr(out, "Content-Length: ") + 16), (int)strlen(body));
		CHECK(strstr(body, "65536 bytes") != NULL);
	}
	CHECK_INT(http_overflow_reply(out, sizeof(out), HTTP_OVERFLOW_HEADERS, 1, &len), 0);
	CHECK(strncmp(out, "HTTP/1.1 431 Request Header Fields Too Large\r\n", 46) == 0);
	CHECK_INT(http_overflow_reply(out, sizeof(out), HTTP_OVERFLOW_BODY, (size_t)-1, &len), 0);
	CHECK(strncmp(out, "HTTP/1.1 413 Content Too Large\r\n", 32) == 0);

	CHECK_INT(http_overflow_reply(out, 40, HTTP_OVERFLOW_BODY, 65536, &len), ENOSPC);
	CHECK_INT(http_overflow_reply(out, sizeof(out), HTTP_OVERFLOW_NOT_HTTP, 65536, &len),
		  EINVAL);
	CHECK_INT(http_overflow_reply(NULL, 0, HTTP_OVERFLOW_BODY, 65536, &len), EINVAL);
}

int main(void)
{
	RUN(test_which_part_was_too_large);
	RUN(test_not_http);
	RUN(test_reply);
	return check_summary();
}
