/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/msrp/msrp_overflow: the 413 to an MSRP chunk
 * that did not fit Kamailio's read buffer. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "conference/msrp/msrp_overflow.h"

static int reply(const char *req, char *out, size_t size)
{
	size_t len = 0;
	int err = msrp_overflow_reply(req, strlen(req), out, size, &len);

	if (!err)
		CHECK_INT(len, strlen(out));
	return err;
}

static void test_send_with_a_large_body(void)
{
	char out[512];

	CHECK_INT(reply("MSRP a786hjs2 SEND\r\n"
			"To-Path: msrp://127.0.0.1:2855/focus1;tcp\r\n"
			"From-Path: msrp://10.0.0.1:9999/r1;tcp msrp://10.0.0.2:2855/blink;tcp\r\n"
			"Message-ID: 87652491\r\nByte-Range: 1-65536/300000\r\n"
			"Success-Report: yes\r\nFailure-Report: yes\r\n"
			"Content-Type: image/jpeg\r\n\r\n\xff\xd8\xff",
			out, sizeof(out)),
		  0);
	CHECK_STR(out, "MSRP a786hjs2 413 Message larger than the server reads\r\n"
		       "To-Path: msrp://10.0.0.1:9999/r1;tcp\r\n"
		       "From-Path: msrp://127.0.0.1:2855/focus1;tcp\r\n"
		       "-------a786hjs2$\r\n");
	/* Failure-Report: partial still wants to hear of errors */
	CHECK_INT(reply("MSRP t1 SEND\nTo-Path: msrp://a/x;tcp\nFrom-Path: msrp://b/y;tcp\n"
			"Failure-Report: partial\n\nbody",
			out, sizeof(out)),
		  0);
}

static void test_no_answer(void)
{
	static const char *const none[] = {
		"",
		"MSRP t1 SEND\r\nTo-Path: msrp://a/x;tcp\r\nFrom-Path: msrp://b/y;tcp\r\nX: aaaa",
		"MSRP t1 SEND\r\nTo-Path: msrp://a/x;tcp\r\nFrom-Path: msrp://b/y;tcp\r\n"
		"Failure-Report: no\r\n\r\nbody",
		"MSRP t1 REPORT\r\nTo-Path: msrp://a/x;tcp\r\nFrom-Path: msrp://b/y;tcp\r\n\r\n",
		"MSRP t1 200 OK\r\nTo-Path: msrp://a/x;tcp\r\nFrom-Path: msrp://b/y;tcp\r\n\r\n",
		"MSRP t1 SEND\r\nTo-Path: msrp://a/x;tcp\r\nFrom-Path: msrp://b/y;tcp\r\n-------t1$\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"INVITE sip:b@x SIP/2.0\r\n\r\n",
		"MSRP -bad SEND\r\n\r\n",
		"MSRP t1 send\r\n\r\n",
	};
	char out[512];

	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		int err = reply(none[i], out, sizeof(out));

		if (err != ENOENT)
			fprintf(stderr, "    answered (%d): %s\n", err, none[i]);
		CHECK_INT(err, ENOENT);
	}
}

static void test_refused(void)
{
	char out[512];
	size_t len;

	CHECK_INT(reply("MSRP t1 SEND\r\nTo-Path: msrp://a/x;tcp\r\n\r\nbody", out, sizeof(out)),
		  EINVAL);
	CHECK_INT(reply("MSRP t1 SEND\r\nTo-Path: msrp://a/x;tcp\r\nFrom-Path: msrp://b/\x01;tcp\r\n"
			"\r\nbody",
			out, sizeof(out)),
		  EINVAL);
	CHECK_INT(reply("MSRP t1 SEND\r\nTo-Path: msrp://a/x;tcp\r\nFrom-Path: msrp://b/y;tcp\r\n"
			"\r\nbody",
			out, 20),
		  ENOSPC);
	CHECK_INT(msrp_overflow_reply(NULL, 0, out, sizeof(out), &len), EINVAL);
}

int main(void)
{
	RUN(test_send_with_a_large_body);
	RUN(test_no_answer);
	RUN(test_refused);
	return check_summary();
}
