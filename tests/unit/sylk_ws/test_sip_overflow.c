/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/sip/sip_overflow: the 513 to a SIP request that did
 * not fit Kamailio's read buffer. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/sip/sip_overflow.h"

static int reply(const char *req, char *out, size_t size)
{
	size_t len = 0;
	int err = sip_overflow_reply(req, strlen(req), "ovf1", out, size, &len);

	if (!err)
		CHECK_INT(len, strlen(out));
	return err;
}

static void test_invite_with_a_large_body(void)
{
	char out[1024];

	CHECK_INT(reply("\r\nINVITE sip:bob@sylk.test SIP/2.0\r\n"
			"Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
			"v: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK-0,\r\n"
			" SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-00\r\n"
			"f: \"Alice\" <sip:alice@sylk.test>;tag=a1\r\n"
			"To: <sip:bob@sylk.test>\r\n"
			"Call-ID: c1@x\r\nCSeq: 1 INVITE\r\nContact: <sip:a@x>\r\n"
			"Content-Type: application/sdp\r\nContent-Length: 99999\r\n\r\nv=0\r\no=",
			out, sizeof(out)),
		  0);
	CHECK_STR(out, "SIP/2.0 513 Message Too Large\r\n"
		       "Via: SIP/2.0/TCP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
		       "v: SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK-0,\r\n"
		       " SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-00\r\n"
		       "f: \"Alice\" <sip:alice@sylk.test>;tag=a1\r\n"
		       "To: <sip:bob@sylk.test>;tag=ovf1\r\n"
		       "Call-ID: c1@x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n");
}

static void test_to_tag_kept(void)
{
	char out[1024];

	/* in-dialog: the To has its tag already (any case, spaces around '=') */
	CHECK_INT(reply("MESSAGE sip:bob@10.0.0.3 SIP/2.0\nVia: SIP/2.0/TLS x;branch=z9hG4bK-2\n"
			"From: <sip:alice@sylk.test>;tag=a\nt: sip:bob@sylk.test ; TAG = b7\n"
			"i: c2\nCSeq: 7 MESSAGE\n\nbody",
			out, sizeof(out)),
		  0);
	CHECK(strstr(out, "\r\nt: sip:bob@sylk.test ; TAG = b7\r\n") != NULL);
	CHECK(strstr(out, "ovf1") == NULL);
	/* a tag inside the URI is not the To's tag */
	CHECK_INT(reply("MESSAGE sip:bob@x SIP/2.0\r\nVia: SIP/2.0/TCP x\r\nFrom: <sip:a@x>;tag=1\r\n"
			"To: <sip:bob@x;tag=uri>\r\nCall-ID: c\r\nCSeq: 1 MESSAGE\r\n\r\n",
			out, sizeof(out)),
		  0);
	CHECK(strstr(out, "To: <sip:bob@x;tag=uri>;tag=ovf1\r\n") != NULL);
}

static void test_no_answer(void)
{
	static const char *const none[] = {
		"",
		/* the head did not arrive whole */
		"INVITE sip:bob@x SIP/2.0\r\nVia: SIP/2.0/TCP x\r\nSubject: aaaaaaa",
		"INVITE sip:bob@x SIP/2.0\r\nVia: SIP/2.0/TCP x\r\nFrom: <sip:a@x>;tag=1\r\n",
		"INVITE sip:bob@x SIP/2.0",
		/* an ACK, a response, HTTP, MSRP, a broken request line */
		"ACK sip:bob@x SIP/2.0\r\nVia: SIP/2.0/TCP x\r\nFrom: <sip:a@x>;tag=1\r\n"
		"To: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 ACK\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP x\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"MSRP a1 SEND\r\nTo-Path: msrp://x\r\n\r\n",
		"INVITE bob SIP/2.0\r\n\r\n",
		"INVITE  sip:bob@x SIP/2.0\r\n\r\n",
		"INVITE sip:bob@x SIP/2.0 \r\n\r\n",
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
	const char *ok = "OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP x\r\nFrom: <sip:a@x>;tag=1\r\n"
			 "To: <sip:b@x>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n";

	/* a header a response needs is missing */
	CHECK_INT(reply("OPTIONS sip:x SIP/2.0\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n"
			"Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n",
			out, sizeof(out)),
		  EINVAL);
	CHECK_INT(reply("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP x\r\nFrom: <sip:a@x>;tag=1\r\n"
			"To: <sip:b@x>\r\nCall-ID: c\r\n\r\n",
			out, sizeof(out)),
		  EINVAL);
	CHECK_INT(sip_overflow_reply("OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP x\0y\r\n"
				     "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: c\r\n"
				     "CSeq: 1 OPTIONS\r\n\r\n",
				     114, "t", out, sizeof(out), &len),
		  EINVAL);
	CHECK_INT(reply(ok, out, 40), ENOSPC);
	CHECK_INT(sip_overflow_reply(ok, strlen(ok), "bad tag", out, sizeof(out), &len), EINVAL);
	CHECK_INT(sip_overflow_reply(NULL, 0, "t", out, sizeof(out), &len), EINVAL);
	CHECK_INT(sip_overflow_reply(ok, strlen(ok), "t", NULL, 0, &len), EINVAL);
	CHECK_INT(reply(ok, out, sizeof(out)), 0);
}

int main(void)
{
	RUN(test_invite_with_a_large_body);
	RUN(test_to_tag_kept);
	RUN(test_no_answer);
	RUN(test_refused);
	return check_summary();
}
