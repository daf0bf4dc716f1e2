/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/ng/ng_service.c: the rtpengine datagrams of the
 * echo and playback services, byte for byte, the playback length taken
 * from rtpengine's reply, and the SDP of nobody answering. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/ng/ng_service.h"

static char wire[4096];

/* ng_request_encode() of @p req under cookie "k1"; the datagram in wire */
static int encode_err(const struct ng_request *req)
{
	struct benc_enc *enc = NULL;
	int err = benc_enc_alloc(&enc, 256);

	wire[0] = '\0';
	if (!err)
		err = ng_request_encode(enc, "k1", req);
	if (!err)
		snprintf(wire, sizeof(wire), "%.*s", (int)benc_enc_len(enc), benc_enc_buf(enc));
	benc_enc_free(enc);
	return err;
}

static const char *encode(const struct ng_request *req)
{
	encode_err(req);
	return wire;
}

static void test_offer(void)
{
	struct ng_request req = {0};

	CHECK_INT(ng_service_offer(&req, "c1~svc", "ft", "v=0\r\n", 0, true), 0);
	CHECK_STR(encode(&req), "k1 d7:call-id6:c1~svc7:command5:offer8:from-tag2:ft"
				"10:media echo9:backwards7:replacel6:origin18:session-connectione"
				"3:sdp5:v=0\r\ne");

	/* playback: the same offer without the echo; sdp_len cuts the SDP */
	req = (struct ng_request){0};
	CHECK_INT(ng_service_offer(&req, "c1~svc", "ft", "v=0\r\nXX", 5, false), 0);
	CHECK_STR(encode(&req), "k1 d7:call-id6:c1~svc7:command5:offer8:from-tag2:ft"
				"7:replacel6:origin18:session-connectione3:sdp5:v=0\r\ne");

	CHECK_INT(ng_service_offer(&req, NULL, "ft", "v=0\r\n", 0, true), EINVAL);
	CHECK_INT(ng_service_offer(&req, "c", NULL, "v=0\r\n", 0, true), EINVAL);
	CHECK_INT(ng_service_offer(&req, "c", "ft", NULL, 0, true), EINVAL);
	CHECK_INT(ng_service_offer(NULL, "c", "ft", "v=0\r\n", 0, true), EINVAL);
}

static void test_answer(void)
{
	struct ng_request req = {0};

	CHECK_INT(ng_service_answer(&req, "c1~svc", "ft", "tt", "v=0\r\n"), 0);
	CHECK_STR(encode(&req), "k1 d7:call-id6:c1~svc7:command6:answer8:from-tag2:ft"
				"3:sdp5:v=0\r\n6:to-tag2:tte");
	CHECK_INT(ng_service_answer(&req, "c", "ft", NULL, "v=0\r\n"), EINVAL);
	CHECK_INT(ng_service_answer(&req, "c", "ft", "tt", NULL), EINVAL);
}

static void test_play(void)
{
	struct ng_request req = {0};

	CHECK_INT(ng_service_play(&req, "c1~svc", "ft", "/usr/share/a b.wav"), 0);
	CHECK_STR(encode(&req), "k1 d7:call-id6:c1~svc7:command10:play media"
				"4:file18:/usr/share/a b.wav8:from-tag2:fte");
	CHECK_INT(ng_service_play(&req, "c", "ft", NULL), EINVAL);

	/* the encoder insists on a file for play media, and on a from-tag */
	req = (struct ng_request){.cmd = NG_CMD_PLAY_MEDIA, .call_id = "c", .from_tag = "f"};
	CHECK_INT(encode_err(&req), ENODATA);
	req = (struct ng_request){.cmd = NG_CMD_PLAY_MEDIA, .call_id = "c", .file = "x.wav"};
	CHECK_INT(encode_err(&req), ENODATA);
	CHECK_STR(ng_cmd_name(NG_CMD_PLAY_MEDIA), "play media");
}

static void test_play_seconds(void)
{
	static const struct {
		const char *dgram;
		int secs;
	} cases[] = {
		{"k1 d8:durationi2500e6:result2:oke", 3},
		{"k1 d8:durationi1000e6:result2:oke", 1},
		{"k1 d8:durationi1001e6:result2:oke", 2},
		{"k1 d8:durationi1e6:result2:oke", 1},
		{"k1 d6:result2:oke", 1}, /* no duration: one second */
		{"k1 d8:durationi0e6:result2:oke", 1},
		{"k1 d8:durationi-5e6:result2:oke", 1},
		{"k1 d8:duration3:1236:result2:oke", 1}, /* not a number */
		{"k1 d8:durationi9223372036854775807e6:result2:oke", 2147484},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_reply *r = NULL;

		CHECK_INT(ng_reply_parse(&r, cases[i].dgram, strlen(cases[i].dgram), "k1"), 0);
		CHECK_INT(ng_service_play_seconds(r), cases[i].secs);
		ng_reply_free(r);
	}
	CHECK_INT(ng_service_play_seconds(NULL), 1);
}

static void test_fake_answer(void)
{
	static const struct {
		const char *in;
		int err;
		const char *out;
	} cases[] = {
		/* rtpengine's offer output, WebRTC-ish: ports to 9, its own
		 * RTCP port and the caller's SSRCs and stream ids gone */
		{"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "a=msid-semantic: WMS *\r\n"
		 "m=audio 30000 RTP/AVP 111 0\r\na=rtpmap:111 opus/48000/2\r\na=rtcp:30001\r\n"
		 "a=rtcp-mux\r\na=ssrc:1234 cname:x\r\na=ssrc-group:FID 1 2\r\na=msid:s t\r\n"
		 "a=sendrecv\r\n"
		 "m=video 30002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\na=rtcp:30003\r\n",
		 0,
		 "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
		 "m=audio 9 RTP/AVP 111 0\r\na=rtpmap:111 opus/48000/2\r\n"
		 "a=rtcp-mux\r\na=sendrecv\r\n"
		 "m=video 9 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n"},
		/* LF line ends and a last line without one */
		{"v=0\nm=audio 4000 RTP/AVP 0\na=rtcp:4001\na=sendonly", 0,
		 "v=0\nm=audio 9 RTP/AVP 0\na=sendonly"},
		/* a rejected stream stays where it is, on port 9 like the rest */
		{"v=0\r\nm=audio 0 RTP/AVP 0\r\n", 0, "v=0\r\nm=audio 9 RTP/AVP 0\r\n"},
		{"", 0, ""},
		{"v=0\r\nm=audio\r\n", EBADMSG, ""},
		{"v=0\r\nm=audio 4000\r\n", EBADMSG, ""},
	};
	char out[2048];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(ng_service_fake_answer(cases[i].in, out, sizeof(out)), cases[i].err);
		CHECK_STR(out, cases[i].out);
	}
}

static void test_fake_answer_sizes(void)
{
	const char *in = "v=0\r\nm=audio 4000 RTP/AVP 0\r\n";
	const char *want = "v=0\r\nm=audio 9 RTP/AVP 0\r\n";
	char out[64], *line;

	/* exactly enough room for the text and its NUL, and one byte less */
	CHECK_INT(ng_service_fake_answer(in, out, strlen(want) + 1), 0);
	CHECK_STR(out, want);
	CHECK_INT(ng_service_fake_answer(in, out, strlen(want)), EMSGSIZE);
	CHECK_STR(out, "");
	CHECK_INT(ng_service_fake_answer(in, out, 0), EINVAL);
	CHECK_INT(ng_service_fake_answer(NULL, out, sizeof(out)), EINVAL);

	/* an m= line longer than the line buffer */
	line = malloc(2100);
	CHECK(line != NULL);
	if (!line)
		return;
	memcpy(line, "m=audio 4000 RTP/AVP", 20);
	for (size_t i = 20; i < 2096; i += 2)
		memcpy(line + i, " 0", 2);
	memcpy(line + 2096, "\r\n", 3);
	{
		char big[4096];

		CHECK_INT(ng_service_fake_answer(line, big, sizeof(big)), EMSGSIZE);
	}
	free(line);
}

/* a scripted rtpengine: the replies to give in order, the requests seen */
static const char *script[4];
static size_t script_at;
static char seen[2][sizeof(wire)];

static int fake_send(const struct ng_request *req, struct ng_reply **replyp)
{
	const char *dgram = script[script_at];

	if (script_at < 2)
		snprintf(seen[script_at], sizeof(seen[0]), "%s", encode(req));
	script_at++;
	if (!dgram)
		return ETIMEDOUT;
	return ng_reply_parse(replyp, dgram, strlen(dgram), "k1");
}

static int negotiate(const char *r1, const char *r2, char *answer, size_t size)
{
	script[0] = r1;
	script[1] = r2;
	script_at = 0;
	seen[0][0] = seen[1][0] = '\0';
	return ng_service_negotiate(fake_send, "c1~svc", "ft", "tt", "v=0\r\n", 0, false, answer,
				    size);
}

static void test_negotiate(void)
{
	char answer[256];

	/* offer, then nobody answers rtpengine's offer output (port 9),
	 * and rtpengine's answer is the caller's SDP */
	CHECK_INT(negotiate("k1 d3:sdp22:v=0\r\nm=audio 30000 x\r\n6:result2:oke",
			    "k1 d3:sdp11:v=0\r\nANSWER6:result2:oke", answer, sizeof(answer)),
		  0);
	CHECK_STR(answer, "v=0\r\nANSWER");
	CHECK(strstr(seen[0], "7:command5:offer") != NULL);
	CHECK(strstr(seen[1], "7:command6:answer") != NULL);
	CHECK(strstr(seen[1], "3:sdp18:v=0\r\nm=audio 9 x\r\n") != NULL);
	CHECK(strstr(seen[1], "6:to-tag2:tt") != NULL);

	/* a reply without SDP, a lost request, an answer too long */
	CHECK_INT(negotiate("k1 d6:result2:oke", NULL, answer, sizeof(answer)), EPROTO);
	CHECK_INT(script_at, 1);
	CHECK_INT(negotiate("k1 d3:sdp5:v=0\r\n6:result2:oke", NULL, answer, sizeof(answer)),
		  ETIMEDOUT);
	CHECK_STR(answer, "");
	CHECK_INT(negotiate("k1 d3:sdp5:v=0\r\n6:result2:oke",
			    "k1 d3:sdp11:v=0\r\nANSWER6:result2:oke", answer, 11),
		  EMSGSIZE);
	CHECK_STR(answer, "");
	CHECK_INT(ng_service_negotiate(NULL, "c", "f", "t", "v=0\r\n", 0, false, answer, 8),
		  EINVAL);
	CHECK_INT(ng_service_negotiate(fake_send, "c", "f", NULL, "v=0\r\n", 0, false, answer, 8),
		  EINVAL);
}

int main(void)
{
	RUN(test_offer);
	RUN(test_answer);
	RUN(test_play);
	RUN(test_play_seconds);
	RUN(test_fake_answer);
	RUN(test_fake_answer_sizes);
	RUN(test_negotiate);
	return check_summary();
}
