/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/http/http_head: request heads as the file
 * transfer listeners read them from the network. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/http/http_head.h"

static int parse(struct http_req_head *r, const char *head)
{
	return http_req_head_parse(r, head, strlen(head));
}

static void test_upload_head(void)
{
	struct http_req_head r;

	CHECK_INT(parse(&r, "POST /webrtcgateway/filetransfer/a%40x/b%40x/1/f.png HTTP/1.1\r\n"
			    "Host: 127.0.0.1\r\ncontent-length:  5242880 \r\n"
			    "Content-Type: image/png\r\nExpect: 100-Continue\r\n"),
		  0);
	CHECK_STR(r.method, "POST");
	CHECK_STR(r.target, "/webrtcgateway/filetransfer/a%40x/b%40x/1/f.png");
	CHECK(r.length == 5242880);
	CHECK_STR(r.type, "image/png");
	CHECK(r.expect_continue);
}

static void test_defaults_and_lenient_bits(void)
{
	struct http_req_head r;

	/* bare LF, a trailing CRLF, no headers */
	CHECK_INT(parse(&r, "GET /x?y=1 HTTP/1.0\n\r\n"), 0);
	CHECK_STR(r.target, "/x?y=1");
	CHECK(r.length == HTTP_LENGTH_NONE);
	CHECK_STR(r.type, "application/octet-stream");
	CHECK(!r.expect_continue);
	/* a Content-Type it cannot pass on is left out, not an error */
	CHECK_INT(parse(&r, "POST / HTTP/1.1\r\nContent-Type: text/plain; charset=\"x\"\r\n"), 0);
	CHECK_STR(r.type, "application/octet-stream");
	/* the same length twice is one length */
	CHECK_INT(parse(&r, "POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 7\r\n"), 0);
	CHECK(r.length == 7);
	/* a Transfer-Encoding wins over any length: the caller refuses it */
	CHECK_INT(parse(&r,
			"POST / HTTP/1.1\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n"),
		  0);
	CHECK(r.length == HTTP_LENGTH_ENCODED);
	CHECK_INT(parse(&r,
			"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 7\r\n"),
		  0);
	CHECK(r.length == HTTP_LENGTH_ENCODED);
}

static void test_refused(void)
{
	static const char *const bad[] = {
		"",
		"\r\n",
		"GET\r\n",
		"GET /\r\n",
		"GET / HTTP/2.0\r\n",
		"GET / HTTP/1.1x\r\n",
		"GET  / HTTP/1.1\r\n",
		"G\"T / HTTP/1.1\r\n",
		"AVERYLONGMETHODNAME / HTTP/1.1\r\n",
		"GET /a\tb HTTP/1.1\r\n",
		"GET /\x01 HTTP/1.1\r\n",
		"POST / HTTP/1.1\r\nContent-Length: -1\r\n",
		"POST / HTTP/1.1\r\nContent-Length: +5\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5 5\r\n",
		"POST / HTTP/1.1\r\nContent-Length:\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n",
		"POST / HTTP/1.1\r\nno colon here\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\n folded: y\r\n",
		"POST / HTTP/1.1\r\n: empty name\r\n",
		"POST / HTTP/1.1\r\nX-A: b\x7f\r\n",
	};
	struct http_req_head r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse(&r, bad[i]);

		if (err != EINVAL)
			fprintf(stderr, "    accepted: %s\n", bad[i]);
		CHECK_INT(err, EINVAL);
		CHECK(r.method[0] == '\0' && r.target[0] == '\0');
	}
	/* a NUL byte inside the head */
	CHECK_INT(http_req_head_parse(&r, "GET / HTTP/1.1\r\nA: b\0c\r\n", 24), EINVAL);
	CHECK_INT(http_req_head_parse(&r, NULL, 0), EINVAL);
}

static void test_target_bounds(void)
{
	static char head[HTTP_TARGET_MAX + 64];
	struct http_req_head r;

	memcpy(head, "GET /", 5);
	memset(head + 5, 'a', HTTP_TARGET_MAX - 2);
	strcpy(head + 5 + HTTP_TARGET_MAX - 2, " HTTP/1.1\r\n");
	CHECK_INT(parse(&r, head), 0);
	CHECK_INT((int)strlen(r.target), HTTP_TARGET_MAX - 1);
	memset(head + 5, 'a', HTTP_TARGET_MAX - 1);
	strcpy(head + 5 + HTTP_TARGET_MAX - 1, " HTTP/1.1\r\n");
	CHECK_INT(parse(&r, head), EINVAL);
}

int main(void)
{
	RUN(test_upload_head);
	RUN(test_defaults_and_lenient_bits);
	RUN(test_refused);
	RUN(test_target_bounds);
	return check_summary();
}
