/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include "check.h"
#include "sylk_ws/base/error.h"
#include "sylk_ws/ng/ng_message.h"

static void test_cookie_format(void)
{
	char buf[NG_COOKIE_SIZE];
	char small[6];

	CHECK_INT(ng_cookie_format(buf, sizeof(buf), 0x5f00beef, 4242, 0), 0);
	CHECK_STR(buf, "5f00beef_1092_0");
	CHECK_INT(ng_cookie_format(buf, sizeof(buf), UINT32_MAX, UINT32_MAX, UINT64_MAX), 0);
	CHECK_STR(buf, "ffffffff_ffffffff_ffffffffffffffff");
	CHECK(strlen(buf) < NG_COOKIE_SIZE);

	CHECK_INT(ng_cookie_format(small, sizeof(small), 1, 2, 3), 0);
	CHECK_STR(small, "1_2_3");
	CHECK_INT(ng_cookie_format(small, sizeof(small), 1, 2, 30), EINVAL);
	CHECK_STR(small, "");
	CHECK_INT(ng_cookie_format(NULL, 10, 1, 2, 3), EINVAL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_cookie_unique(void)
{
	enum { PIDS = 4, PER_PID = 500, N = PIDS * PER_PID };
	struct ng_cookie_gen gen[PIDS];
	char **all = calloc(N, sizeof(*all));
	size_t i, k = 0, dups = 0;

	CHECK(all != NULL);
	if (!all)
		return;

	/* Several processes of one server run, interleaved: pids 1..4 with
	 * counters that overlap numerically. */
	for (i = 0; i < PIDS; i++)
		ng_cookie_gen_init(&gen[i], 0xabc, (uint32_t)(i + 1));
	for (i = 0; i < N; i++) {
		char buf[NG_COOKIE_SIZE];

		CHECK_INT(ng_cookie_next(&gen[i % PIDS], buf, sizeof(buf)), 0);
		CHECK(strchr(buf, ' ') == NULL);
		all[k++] = strdup(buf);
	}
	CHECK_INT(gen[0].counter, PER_PID);

	qsort(all, k, sizeof(*all), cmp_str);
	for (i = 1; i < k; i++)
		dups += !strcmp(all[i - 1], all[i]);
	CHECK_INT(dups, 0);

	for (i = 0; i < k; i++)
		free(all[i]);
	free(all);

	/* A restarted server (new instance value) with the same pid and a
	 * counter from zero again must not reuse an earlier cookie. */
	{
		char a[NG_COOKIE_SIZE], b[NG_COOKIE_SIZE];
		struct ng_cookie_gen g1, g2;

		ng_cookie_gen_init(&g1, 100, 77);
		ng_cookie_gen_init(&g2, 101, 77);
		ng_cookie_next(&g1, a, sizeof(a));
		ng_cookie_next(&g2, b, sizeof(b));
		CHECK(strcmp(a, b) != 0);
	}

	/* A failed format does not spend a number. */
	{
		struct ng_cookie_gen g;
		char tiny[2], buf[NG_COOKIE_SIZE];

		ng_cookie_gen_init(&g, 1, 1);
		CHECK_INT(ng_cookie_next(&g, tiny, sizeof(tiny)), EINVAL);
		CHECK_INT(g.counter, 0);
		CHECK_INT(ng_cookie_next(&g, buf, sizeof(buf)), 0);
		CHECK_STR(buf, "1_1_0");
		CHECK_INT(ng_cookie_next(NULL, buf, sizeof(buf)), EINVAL);
	}
}

static int enc_equals(const struct benc_enc *enc, const char *want)
{
	size_t n = strlen(want);

	if (benc_enc_len(enc) != n || memcmp(benc_enc_buf(enc), want, n)) {
		fprintf(stderr, "  got  \"%.*s\"\n  want \"%s\"\n", (int)benc_enc_len(enc),
			benc_enc_buf(enc), want);
		return 0;
	}
	return 1;
}

static void test_encode_ping(void)
{
	struct ng_request req = {.cmd = NG_CMD_PING, .call_id = "ignored"};
	struct benc_enc *enc = NULL;

	CHECK_INT(benc_enc_alloc(&enc, 0), 0);
	CHECK_INT(ng_request_encode(enc, "1_2_3", &req), 0);
	CHECK(enc_equals(enc, "1_2_3 d7:command4:pinge"));
	benc_enc_free(enc);
}

/* Decodes the dictionary part of a datagram and checks its keys come in
 * strictly ascending byte order. */
static struct benc_doc *decode_body(const struct benc_enc *enc, const char *cookie)
{
	const uint8_t *buf = benc_enc_buf(enc);
	size_t len = benc_enc_len(enc), clen = strlen(cookie);
	const struct benc_node *m;
	struct benc_doc *doc = NULL;

	CHECK(len > clen + 1);
	CHECK_MEM(buf, cookie, clen);
	CHECK(buf[clen] == ' ');
	CHECK_INT(benc_decode(&doc, buf + clen + 1, len - clen - 1, NULL, NULL), 0);
	if (!doc)
		return NULL;
	CHECK_INT(benc_doc_root(doc)->type, BENC_DICT);
	for (m = benc_doc_root(doc)->child; m && m->next; m = m->next) {
		size_t n = m->key_len < m->next->key_len ? m->key_len : m->next->key_len;
		int c = memcmp(m->key, m->next->key, n);

		CHECK(c < 0 || (c == 0 && m->key_len < m->next->key_len));
	}
	return doc;
}

static int list_is(const struct benc_node *l, const char *const *want)
{
	const struct benc_node *m;

	if (!l || l->type != BENC_LIST)
		return 0;
	for (m = l->child; m; m = m->next, want++) {
		if (!*want || !benc_str_eq(m, *want))
			return 0;
	}
	return *want == NULL;
}

static void test_encode_offer_webrtc_to_sip(void)
{
	static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n";
	const struct ng_request req = {
		.cmd = NG_CMD_OFFER,
		.call_id = "call-1@host",
		.from_tag = "ft1",
		.sdp = sdp,
		.ice = "remove",
		.dtls = "off",
		.transport_protocol = "RTP/AVP",
		.sdes = (const char *[]){"off", NULL},
		.rtcp_mux = (const char *[]){"demux", NULL},
		.replace = (const char *[]){"origin", "session-connection", NULL},
		.flags = (const char *[]){"trust-address", "strip-extmap", NULL},
		.codec =
			{
				.mask = (const char *[]){"opus", NULL},
				.transcode = (const char *[]){"PCMU", "G722", NULL},
			},
	};
	const struct benc_node *root, *codec;
	struct benc_enc *enc = NULL;
	struct benc_doc *doc;

	CHECK_INT(benc_enc_alloc(&enc, 0), 0);
	CHECK_INT(ng_request_encode(enc, "c1", &req), 0);
	doc = decode_body(enc, "c1");
	root = benc_doc_root(doc);

	CHECK_INT(root ? root->len : 0, 12);
	CHECK_STR(benc_dict_str(root, "command", NULL), "offer");
	CHECK_STR(benc_dict_str(root, "call-id", NULL), "call-1@host");
	CHECK_STR(benc_dict_str(root, "from-tag", NULL), "ft1");
	CHECK_STR(benc_dict_str(root, "sdp", NULL), sdp);
	CHECK_STR(benc_dict_str(root, "ICE", NULL), "remove");
	CHECK_STR(benc_dict_str(root, "DTLS", NULL), "off");
	CHECK_STR(benc_dict_str(root, "transport-protocol", NULL), "RTP/AVP");
	CHECK(!benc_dict_get(root, "to-tag"));
	CHECK(!benc_dict_get(root, "DTLS-reverse"));
	CHECK(list_is(benc_dict_get(root, "SDES"), (const char *[]){"off", NULL}));
	CHECK(list_is(benc_dict_get(root, "rtcp-mux"), (const char *[]){"demux", NULL}));
	CHECK(list_is(benc_dict_get(root, "replace"),
		      (const char *[]){"origin", "session-connection", NULL}));
	CHECK(list_is(benc_dict_get(root, "flags"),
		      (const char *[]){"trust-address", "strip-extmap", NULL}));
	codec = benc_dict_get(root, "codec");
	CHECK(codec && codec->type == BENC_DICT && codec->len == 2);
	CHECK(list_is(benc_dict_get(codec, "mask"), (const char *[]){"opus", NULL}));
	CHECK(list_is(benc_dict_get(codec, "transcode"), (const char *[]){"PCMU", "G722", NULL}));
	CHECK(!benc_dict_get(codec, "accept"));

	benc_doc_free(doc);
	benc_enc_free(enc);
}

static void test_encode_exact_bytes(void)
{
	/* Browser-originated answer leg with DTLS-reverse, written out in
	 * full so a change of key order or framing shows up here. */
	const struct ng_request req = {
		.cmd = NG_CMD_ANSWER,
		.call_id = "c",
		.from_tag = "f",
		.to_tag = "t",
		.sdp = "v=0 and more",
		.sdp_len = 3,
		.ice = "force",
		.dtls = "passive",
		.dtls_reverse = "passive",
		.transport_protocol = "UDP/TLS/RTP/SAVPF",
		.rtcp_mux = (const char *[]){"offer", "require", NULL},
		.flags = (const char *[]){NULL}, /* empty: left out */
		.codec = {.accept = (const char *[]){"opus", "any", NULL}},
	};
	struct benc_enc *enc = NULL;

	CHECK_INT(benc_enc_alloc(&enc, 0), 0);
	CHECK_INT(ng_request_encode(enc, "k", &req), 0);
	CHECK(enc_equals(enc, "k d4:DTLS7:passive12:DTLS-reverse7:passive3:ICE5:force"
			      "7:call-id1:c5:codecd6:acceptl4:opus3:anyee"
			      "7:command6:answer8:from-tag1:f8:rtcp-muxl5:offer7:requiree"
			      "3:sdp3:v=06:to-tag1:t18:transport-protocol17:UDP/TLS/RTP/SAVPFe"));
	benc_enc_free(enc);
}

static void test_encode_delete_query(void)
{
	struct ng_request req = {.cmd = NG_CMD_DELETE, .call_id = "x"};
	struct benc_enc *enc = NULL;

	CHECK_INT(benc_enc_alloc(&enc, 0), 0);
	CHECK_INT(ng_request_encode(enc, "k1", &req), 0);
	CHECK(enc_equals(enc, "k1 d7:call-id1:x7:command6:deletee"));

	benc_enc_reset(enc);
	req.cmd = NG_CMD_QUERY;
	req.from_tag = "a";
	CHECK_INT(ng_request_encode(enc, "k2", &req), 0);
	CHECK(enc_equals(enc, "k2 d7:call-id1:x7:command5:query"
			      "8:from-tag1:ae"));
	benc_enc_free(enc);
}

static void test_encode_errors(void)
{
	struct ng_request req = {
		.cmd = NG_CMD_OFFER, .call_id = "c", .from_tag = "f", .sdp = "v=0"};
	struct benc_enc *enc = NULL;

	CHECK_INT(benc_enc_alloc(&enc, 0), 0);

	CHECK_INT(ng_request_encode(enc, "has space", &req), EINVAL);
	CHECK_INT(ng_request_encode(enc, "tab\t", &req), EINVAL);
	CHECK_INT(ng_request_encode(enc, "", &req), EINVAL);
	CHECK_INT(ng_request_encode(enc, NULL, &req), EINVAL);
	CHECK_INT(ng_request_encode(NULL, "k", &req), EINVAL);
	CHECK_INT(ng_request_encode(enc, "k", NULL), EINVAL);
	/* Nothing was written by the refused calls. */
	CHECK_INT(benc_enc_len(enc), 0);

	req.sdp = NULL;
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	req.sdp = "v=0";
	req.from_tag = NULL;
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	req.from_tag = "f";
	req.call_id = NULL;
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	req.call_id = "c";
	req.cmd = NG_CMD_ANSWER;
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	req.cmd = NG_CMD_DELETE;
	req.call_id = NULL;
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	req.cmd = (enum ng_cmd)42;
	CHECK_INT(ng_request_encode(enc, "k", &req), EINVAL);
	CHECK_INT(benc_enc_len(enc), 0);

	/* the SFU commands and what each needs */
	req = (struct ng_request){.cmd = NG_CMD_PUBLISH, .call_id = "c", .from_tag = "f"};
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	req = (struct ng_request){.cmd = NG_CMD_SUBSCRIBE_ANSWER, .call_id = "c", .sdp = "v=0"};
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	req = (struct ng_request){.cmd = NG_CMD_UNSUBSCRIBE, .call_id = "c", .from_tag = "f"};
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	req = (struct ng_request){.cmd = NG_CMD_SUBSCRIBE_REQUEST, .call_id = "c", .to_tag = "t"};
	CHECK_INT(ng_request_encode(enc, "k", &req), ENODATA);
	CHECK_INT(benc_enc_len(enc), 0);
	req.from_tag = "f";
	CHECK_INT(ng_request_encode(enc, "k", &req), 0);
	CHECK(memmem(benc_enc_buf(enc), benc_enc_len(enc), "7:command17:subscribe request", 29) !=
	      NULL);
	CHECK_STR(ng_cmd_name(NG_CMD_UNSUBSCRIBE), "unsubscribe");
	CHECK_STR(ng_cmd_name(NG_CMD_PUBLISH), "publish");

	CHECK(ng_cmd_name((enum ng_cmd)42) == NULL);
	CHECK_STR(ng_cmd_name(NG_CMD_QUERY), "query");
	CHECK_STR(sylk_strerror(ENOMSG), "not the message expected");
	CHECK_STR(sylk_strerror(EBADMSG), "malformed message");

	benc_enc_free(enc);
}

static int parse(struct ng_reply **r, const char *dgram, const char *cookie)
{
	*r = NULL;
	return ng_reply_parse(r, dgram, strlen(dgram), cookie);
}

static void test_reply_parse(void)
{
	struct ng_reply *r;

	CHECK_INT(parse(&r, "k1 d6:result4:ponge", "k1"), 0);
	CHECK(r && r->result == NG_RESULT_PONG);
	CHECK(r && !r->sdp && !r->error_reason && !r->warning);
	ng_reply_free(r);

	CHECK_INT(parse(&r,
			"k1 d3:sdp5:v=0\r\n6:result2:ok"
			"7:warning6:beware6:totalsdee",
			"k1"),
		  0);
	CHECK(r && r->result == NG_RESULT_OK);
	if (r) {
		CHECK_STR(r->sdp, "v=0\r\n");
		CHECK_INT(r->sdp_len, 5);
		CHECK_STR(r->warning, "beware");
		CHECK(benc_dict_get(r->dict, "totals") != NULL);
	}
	ng_reply_free(r);

	CHECK_INT(parse(&r,
			"k d6:result5:error12:error-reason"
			"15:Unknown call-ide",
			"k"),
		  0);
	CHECK(r && r->result == NG_RESULT_ERROR);
	if (r)
		CHECK_STR(r->error_reason, "Unknown call-id");
	ng_reply_free(r);

	CHECK_INT(parse(&r, "k d6:result10:load limite", "k"), 0);
	CHECK(r && r->result == NG_RESULT_LOAD_LIMIT);
	ng_reply_free(r);
	ng_reply_free(NULL);

	/* Captured from rtpengine 10.5.3.5 (a second delete of one call):
	 * its keys are not sorted, which the parser must accept. */
	CHECK_INT(parse(&r,
			"6b018f83_3110_5 d7:warning38:Call-ID not found "
			"or tags didn't match6:result2:oke",
			"6b018f83_3110_5"),
		  0);
	CHECK(r && r->result == NG_RESULT_OK);
	if (r)
		CHECK_STR(r->warning, "Call-ID not found or tags didn't match");
	ng_reply_free(r);
}

static void test_reply_malformed(void)
{
	static const struct {
		const char *dgram;
		int err;
	} cases[] = {
		{"k2 d6:result4:ponge", ENOMSG},
		{"k d6:result4:ponge", ENOMSG},
		{"k11 d6:result4:ponge", ENOMSG},
		{"k1d6:result4:ponge", EBADMSG},
		{" d6:result4:ponge", EBADMSG},
		{"", EBADMSG},
		{"k1 ", EBADMSG},
		{"k1 d6:result4:ponge ", EBADMSG},
		{"k1  d6:result4:ponge", EBADMSG},
		{"k1 l6:resulte", EBADMSG},
		{"k1 de", EPROTO},
		{"k1 d6:resulti1ee", EPROTO},
		{"k1 d6:result3:yese", EPROTO},
		{"k1 d6:result2:OKe", EPROTO},
		{"k1 d6:result2:ok3:sdpi1ee", EBADMSG},
		{"k1 d6:result5:error12:error-reasonlee", EBADMSG},
		{"k1 d6:result2:ok7:warningdee", EBADMSG},
		{"k1 d6:result2:ok6:result2:oke", EBADMSG},
		{"k1 d6:result2:ok", EBADMSG},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_reply *r;
		int err = parse(&r, cases[i].dgram, "k1");

		if (err != cases[i].err)
			fprintf(stderr, "  datagram \"%s\"\n", cases[i].dgram);
		CHECK_INT(err, cases[i].err);
		CHECK(r == NULL);
	}

	{
		struct ng_reply *r = NULL;

		CHECK_INT(ng_reply_parse(&r, "k1 de", 5, NULL), EINVAL);
		CHECK_INT(ng_reply_parse(NULL, "k1 de", 5, "k1"), EINVAL);
		/* The length is honoured: no peeking past it. */
		CHECK_INT(ng_reply_parse(&r, "k1 d6:result4:ponge", 2, "k1"), EBADMSG);
	}
}

static void test_reply_cookie(void)
{
	const char *c = NULL;
	size_t n = 0;

	CHECK_INT(ng_reply_cookie("abc_1 d6:result2:oke", 20, &c, &n), 0);
	CHECK_INT(n, 5);
	CHECK(c && !memcmp(c, "abc_1", 5));
	CHECK_INT(ng_reply_cookie("nospace", 7, &c, &n), EBADMSG);
	CHECK_INT(ng_reply_cookie(" x", 2, &c, &n), EBADMSG);
	CHECK_INT(ng_reply_cookie(NULL, 2, &c, &n), EINVAL);
}

/* A request built here, answered the way rtpengine would, parsed back. */
static void test_request_reply_pair(void)
{
	struct ng_cookie_gen gen;
	char cookie[NG_COOKIE_SIZE], reply[128];
	struct ng_request req = {.cmd = NG_CMD_PING};
	struct benc_enc *enc = NULL;
	struct ng_reply *r = NULL;
	int n;

	ng_cookie_gen_init(&gen, 7, 1234);
	CHECK_INT(ng_cookie_next(&gen, cookie, sizeof(cookie)), 0);
	CHECK_INT(benc_enc_alloc(&enc, 0), 0);
	CHECK_INT(ng_request_encode(enc, cookie, &req), 0);
	CHECK(benc_enc_complete(enc));

	n = snprintf(reply, sizeof(reply), "%s d6:result4:ponge", cookie);
	CHECK_INT(ng_reply_parse(&r, reply, (size_t)n, cookie), 0);
	CHECK(r && r->result == NG_RESULT_PONG);
	ng_reply_free(r);
	benc_enc_free(enc);
}

/* ng_query_leg_packets(): the sum over every stream of every media of one
 * tag; a missing tag and a leg without medias are told apart. */
static void test_query_leg_packets(void)
{
	static const struct {
		const char *dgram;
		const char *tag;
		int err;
		int64_t packets;
	} cases[] = {
		/* two medias, three streams, one without stats */
		{"q d6:result2:ok4:tagsd2:t1d6:mediasld7:streamsld5:statsd7:packetsi10eeed5:statsd7:packetsi5eeeeed7:streamsld5:statsd7:packetsi7eeed1:xi1eeeeeeee",
		 "t1", 0, 22},
		{"q d6:result2:ok4:tagsd2:t1d6:mediasleeee", "t1", 0, 0},
		{"q d6:result2:ok4:tagsd2:t1d6:mediasld7:streams3:badeeeee", "t1", 0, 0},
		{"q d6:result2:ok4:tagsd2:t1d6:mediasleeee", "t2", ENOENT, -1},
		{"q d6:result2:oke", "t1", ENOENT, -1},
		{"q d6:result2:ok4:tagsd2:t1deee", "t1", EBADMSG, -1},
		{"q d6:result2:ok4:tagsd2:t1d6:medias1:xeee", "t1", EBADMSG, -1},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ng_reply *r = NULL;
		int64_t pk = -1;

		CHECK_INT(ng_reply_parse(&r, cases[i].dgram, strlen(cases[i].dgram), "q"), 0);
		if (!r)
			continue;
		CHECK_INT(ng_query_leg_packets(r, cases[i].tag, &pk), cases[i].err);
		CHECK_INT(pk, cases[i].packets);
		CHECK_INT(ng_query_leg_packets(r, NULL, &pk), EINVAL);
		CHECK_INT(ng_query_leg_packets(r, cases[i].tag, NULL), EINVAL);
		ng_reply_free(r);
	}
	CHECK_INT(ng_query_leg_packets(NULL, "t1", NULL), EINVAL);
}

int main(void)
{
	RUN(test_cookie_format);
	RUN(test_cookie_unique);
	RUN(test_encode_ping);
	RUN(test_encode_offer_webrtc_to_sip);
	RUN(test_encode_exact_bytes);
	RUN(test_encode_delete_query);
	RUN(test_encode_errors);
	RUN(test_reply_parse);
	RUN(test_reply_malformed);
	RUN(test_reply_cookie);
	RUN(test_request_reply_pair);
	RUN(test_query_leg_packets);
	return check_summary();
}
