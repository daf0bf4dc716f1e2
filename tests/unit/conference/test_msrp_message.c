/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP message parser and builders: RFC 4975 examples, any split of the
 * stream, bodies holding fake end-lines, every kind of malformed input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conference/msrp/msrp_message.h"

#define RFC_SEND                                                          \
	"MSRP a786hjs2 SEND\r\n"                                          \
	"To-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n" \
	"From-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"  \
	"Message-ID: 87652491\r\n"                                        \
	"Byte-Range: 1-25/25\r\n"                                         \
	"Content-Type: text/plain\r\n"                                    \
	"\r\n"                                                            \
	"Hey Bob, are you there?\r\n"                                     \
	"-------a786hjs2$\r\n"

#define RFC_200                                                             \
	"MSRP a786hjs2 200 OK\r\n"                                          \
	"To-Path: msrp://atlanta.example.com:7654/jshA7weztas;tcp\r\n"      \
	"From-Path: msrp://biloxi.example.com:12763/kjhd37s2s20w2a;tcp\r\n" \
	"-------a786hjs2$\r\n"

#define RFC_CHUNK                                                          \
	"MSRP d93kswow SEND\r\n"                                           \
	"To-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"       \
	"From-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n" \
	"Message-ID: 12339sdqwer\r\n"                                      \
	"Byte-Range: 1-16/34\r\n"                                          \
	"Content-Type: text/html\r\n"                                      \
	"\r\n"                                                             \
	"<body><p>Here is\r\n"                                             \
	"-------d93kswow+\r\n"

#define RFC_REPORT                                                       \
	"MSRP dkei38sd REPORT\r\n"                                       \
	"To-Path: msrp://alicepc.example.com:7777/iau39soe2843z;tcp\r\n" \
	"From-Path: msrp://bob.example.com:8888/9di4eae923wzd;tcp\r\n"   \
	"Message-ID: 12339sdqwer\r\n"                                    \
	"Byte-Range: 1-106/106\r\n"                                      \
	"Status: 000 200 OK\r\n"                                         \
	"-------dkei38sd$\r\n"

/* A SylkServer/Blink style chunk: msrps, open-ended range, reports,
 * CPIM payload with binary bytes. */
#define SEED_SEND_HEAD                                         \
	"MSRP eea58af6af1b788 SEND\r\n"                        \
	"To-Path: msrps://10.0.0.1:2855/ek3d9s;tcp\r\n"        \
	"From-Path: msrps://192.168.1.7:40278/dkw9s0e;tcp\r\n" \
	"Message-ID: 641f9960ded0638d\r\n"                     \
	"Byte-Range: 1-*/245347\r\n"                           \
	"Success-Report: yes\r\n"                              \
	"Failure-Report: yes\r\n"                              \
	"Content-Type: message/cpim\r\n"                       \
	"\r\n"

#define GOOD_TAIL                                     \
	"MSRP z9z9z9 SEND\r\n"                        \
	"To-Path: msrp://b.example.com:1/s;tcp\r\n"   \
	"From-Path: msrp://a.example.com:2/t;tcp\r\n" \
	"Message-ID: m1\r\n"                          \
	"Content-Type: text/plain\r\n"                \
	"\r\n"                                        \
	"after\r\n"                                   \
	"-------z9z9z9$\r\n"

#define MAX_ITEMS 64

struct item {
	int err; /* 0 or EPROTO */
	enum msrp_perr perr;
	struct msrp_message *msg; /* may be NULL for EPROTO */
};

struct run {
	struct item it[MAX_ITEMS];
	int n;
	bool fatal;
};

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* mode 0: one feed; 1: byte by byte; 2: random pieces of 1..40 bytes. */
static void run_stream(const void *data, size_t len, int mode, size_t max_header, size_t max_body,
		       struct run *r)
{
	struct msrp_parser *p = NULL;
	const uint8_t *d = data;
	size_t off = 0;

	memset(r, 0, sizeof(*r));
	CHECK_INT(msrp_parser_alloc(&p, max_header, max_body), 0);
	if (!p)
		return;
	while (off < len) {
		size_t n = len - off;
		int err;

		if (mode == 1)
			n = 1;
		else if (mode == 2 && n > 1)
			n = 1 + rng() % (n < 40 ? n : 40);
		CHECK_INT(msrp_parser_feed(p, d + off, n), 0);
		off += n;
		for (;;) {
			struct msrp_message *m = NULL;

			err = msrp_parser_next(p, &m);
			if (err == EAGAIN) {
				CHECK(m == NULL);
				break;
			}
			if (r->n < MAX_ITEMS) {
				r->it[r->n].err = err;
				r->it[r->n].perr = err ? msrp_parser_error(p) : MSRP_PERR_NONE;
				r->it[r->n].msg = m;
				r->n++;
			} else {
				msrp_message_free(m);
			}
			if (msrp_parser_fatal(p))
				break;
		}
		if (msrp_parser_fatal(p))
			break;
	}
	r->fatal = msrp_parser_fatal(p);
	msrp_parser_free(p);
}

static void run_free(struct run *r)
{
	int i;

	for (i = 0; i < r->n; i++)
		msrp_message_free(r->it[i].msg);
	r->n = 0;
}

static void check_rfc_send(const struct msrp_message *m)
{
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_INT(m->kind, MSRP_REQUEST);
	CHECK_STR(m->tid, "a786hjs2");
	CHECK_INT(m->method, MSRP_METHOD_SEND);
	CHECK_STR(m->method_name, "SEND");
	CHECK_INT(m->to_path.n, 1);
	CHECK_INT(m->from_path.n, 1);
	if (m->to_path.n && m->from_path.n) {
		CHECK_STR(m->to_path.uriv[0]->host, "biloxi.example.com");
		CHECK_INT(m->to_path.uriv[0]->port, 12763);
		CHECK_STR(m->to_path.uriv[0]->session_id, "kjhd37s2s20w2a");
		CHECK_STR(m->from_path.uriv[0]->str,
			  "msrp://atlanta.example.com:7654/jshA7weztas;tcp");
	}
	CHECK_STR(m->message_id, "87652491");
	CHECK(m->has_byte_range);
	CHECK_INT(m->byte_range.start, 1);
	CHECK_INT(m->byte_range.end, 25);
	CHECK_INT(m->byte_range.total, 25);
	CHECK_STR(m->content_type, "text/plain");
	CHECK(m->has_body);
	CHECK_INT(m->body_len, 23);
	CHECK_STR((const char *)m->body, "Hey Bob, are you there?");
	CHECK_INT(m->cont, MSRP_CONT_END);
	CHECK_INT(m->success_report, MSRP_REPORT_UNSET);
	CHECK_INT(m->failure_report, MSRP_REPORT_UNSET);
	CHECK_INT(m->header_n, 0);
}

static void check_rfc_200(const struct msrp_message *m)
{
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_INT(m->kind, MSRP_RESPONSE);
	CHECK_STR(m->tid, "a786hjs2");
	CHECK_INT(m->status_code, 200);
	CHECK_STR(m->comment, "OK");
	CHECK(!m->has_body);
	CHECK(m->body == NULL);
	CHECK_INT(m->to_path.n, 1);
}

static void check_rfc_chunk(const struct msrp_message *m)
{
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_STR(m->tid, "d93kswow");
	CHECK_INT(m->cont, MSRP_CONT_MORE);
	CHECK_INT(m->byte_range.end, 16);
	CHECK_INT(m->byte_range.total, 34);
	CHECK_INT(m->body_len, 16);
	CHECK_MEM(m->body, "<body><p>Here is", 16);
	CHECK_STR(m->content_type, "text/html");
}

static void check_rfc_report(const struct msrp_message *m)
{
	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_INT(m->method, MSRP_METHOD_REPORT);
	CHECK(m->has_status);
	CHECK_INT(m->status.ns, 0);
	CHECK_INT(m->status.code, 200);
	CHECK_STR(m->status.reason, "OK");
	CHECK(!m->has_body);
	CHECK_INT(m->byte_range.total, 106);
}

static void test_rfc_examples_all_splits(void)
{
	static const char stream[] = RFC_SEND RFC_200 RFC_CHUNK RFC_REPORT;
	int mode, rep;

	for (mode = 0; mode < 3; mode++) {
		for (rep = 0; rep < (mode == 2 ? 200 : 1); rep++) {
			struct run r;

			run_stream(stream, sizeof(stream) - 1, mode, 0, 0, &r);
			CHECK_INT(r.n, 4);
			CHECK(!r.fatal);
			if (r.n == 4) {
				CHECK_INT(r.it[0].err, 0);
				CHECK_INT(r.it[1].err, 0);
				CHECK_INT(r.it[2].err, 0);
				CHECK_INT(r.it[3].err, 0);
				check_rfc_send(r.it[0].msg);
				check_rfc_200(r.it[1].msg);
				check_rfc_chunk(r.it[2].msg);
				check_rfc_report(r.it[3].msg);
			}
			run_free(&r);
		}
	}
}

static void test_every_split_point(void)
{
	static const char stream[] = RFC_SEND RFC_CHUNK;
	size_t len = sizeof(stream) - 1, cut;

	/* two feeds cut at every position */
	for (cut = 0; cut <= len; cut++) {
		struct msrp_parser *p = NULL;
		struct msrp_message *m1 = NULL, *m2 = NULL, *m3 = NULL;
		int e1, e2, e3;

		msrp_parser_alloc(&p, 0, 0);
		msrp_parser_feed(p, stream, cut);
		e1 = msrp_parser_next(p, &m1);
		if (e1 == EAGAIN) {
			msrp_parser_feed(p, stream + cut, len - cut);
			e1 = msrp_parser_next(p, &m1);
			e2 = msrp_parser_next(p, &m2);
		} else {
			e2 = msrp_parser_next(p, &m2);
			if (e2 == EAGAIN) {
				msrp_parser_feed(p, stream + cut, len - cut);
				e2 = msrp_parser_next(p, &m2);
			}
		}
		e3 = msrp_parser_next(p, &m3);
		CHECK_INT(e1, 0);
		CHECK_INT(e2, 0);
		CHECK_INT(e3, EAGAIN);
		check_rfc_send(m1);
		check_rfc_chunk(m2);
		CHECK_INT(msrp_parser_pending(p), 0);
		msrp_message_free(m1);
		msrp_message_free(m2);
		msrp_parser_free(p);
	}
}

static void test_seed_shape_binary_body(void)
{
	static const uint8_t cpim[] =
		"From: Adrian Georgescu <sip:ag@example.com>\r\n"
		"To: <sip:room@conference.example.com>\r\n"
		"DateTime: 2011-12-22T09:12:04+01:00\r\n"
		"\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: application/blink-screensharing\r\n"
		"\r\n"
		"\xff\xd8\xff\xe0\x00\x10JFIF\x00\r\n--\r\n-------eea58af6af1b78\r\n\x00\x01";
	struct msrp_buf b;
	struct run r;
	int mode;

	msrp_buf_init(&b);
	msrp_buf_append(&b, SEED_SEND_HEAD, strlen(SEED_SEND_HEAD));
	msrp_buf_append(&b, cpim, sizeof(cpim) - 1);
	msrp_buf_append(&b, "\r\n-------eea58af6af1b788+\r\n", 27);

	for (mode = 0; mode < 3; mode++) {
		run_stream(b.data, b.len, mode, 0, 0, &r);
		CHECK_INT(r.n, 1);
		if (r.n == 1 && r.it[0].msg) {
			const struct msrp_message *m = r.it[0].msg;

			CHECK_INT(r.it[0].err, 0);
			CHECK(m->to_path.uriv[0]->secure);
			CHECK_INT(m->byte_range.start, 1);
			CHECK(m->byte_range.end == MSRP_BR_UNKNOWN);
			CHECK_INT(m->byte_range.total, 245347);
			CHECK_INT(m->success_report, MSRP_REPORT_YES);
			CHECK_INT(m->failure_report, MSRP_REPORT_YES);
			CHECK_STR(m->content_type, "message/cpim");
			CHECK_INT(m->body_len, sizeof(cpim) - 1);
			CHECK_MEM(m->body, cpim, sizeof(cpim) - 1);
			CHECK_INT(m->cont, MSRP_CONT_MORE);
		}
		run_free(&r);
	}
	msrp_buf_reset(&b);
}

/* Bodies holding everything that looks like, but is not, our end-line. */
static void test_fake_end_lines_in_body(void)
{
	static const char *bodies[] = {
		"y-------abcd1234$",         /* not after CRLF */
		"y\r\n-------abcd1234$y",    /* flag then more body */
		"x\r\n-------abcd1234",      /* no flag */
		"x\r\n-------abcd1234X\r\n", /* wrong flag */
		"x\r\n-------abcd1234$ \r\n",
		"x\r\n-------abcd12345$\r\n", /* longer tid */
		"x\r\n-------abcd123$\r\n",   /* shorter tid */
		"x\r\n-------ABCD1234$\r\n",  /* tids are case-sensitive */
		"\r\n\r\n-------\r\n-------abcd1234\r\n-------abcd1234",
		"x\r\n------abcd1234$\r\n", /* six hyphens */
		"\r\n",
		"",
	};
	size_t i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct msrp_buf b;
		struct run r;
		int mode;

		msrp_buf_init(&b);
		msrp_buf_printf(&b,
				"MSRP abcd1234 SEND\r\n"
				"To-Path: msrp://h:1/s;tcp\r\n"
				"From-Path: msrp://g:2/t;tcp\r\n"
				"Message-ID: id1\r\n"
				"Content-Type: text/plain\r\n"
				"\r\n"
				"%s\r\n"
				"-------abcd1234$\r\n" GOOD_TAIL,
				bodies[i]);
		for (mode = 0; mode < 3; mode++) {
			run_stream(b.data, b.len, mode, 0, 0, &r);
			CHECK_INT(r.n, 2);
			if (r.n == 2 && r.it[0].msg) {
				CHECK_INT(r.it[0].err, 0);
				CHECK_INT(r.it[0].msg->body_len, strlen(bodies[i]));
				CHECK_STR((const char *)r.it[0].msg->body, bodies[i]);
				CHECK(r.it[0].msg->has_body);
				CHECK_INT(r.it[1].err, 0);
				CHECK_STR(r.it[1].msg ? (const char *)r.it[1].msg->body : NULL,
					  "after");
			}
			run_free(&r);
		}
		msrp_buf_reset(&b);
	}
}

static void test_flags_and_bodiless(void)
{
	static const char stream[] =
		/* aborted chunk */
		"MSRP t1t1 SEND\r\n"
		"To-Path: msrp://h:1/s;tcp\r\n"
		"From-Path: msrp://g:2/t;tcp\r\n"
		"Message-ID: id1\r\n"
		"Byte-Range: 1-*/*\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"partial\r\n"
		"-------t1t1#\r\n"
		/* no body at all (RFC 4975 7.1.1 empty SEND) */
		"MSRP t2t2 SEND\r\n"
		"To-Path: msrp://h:1/s;tcp\r\n"
		"From-Path: msrp://g:2/t;tcp\r\n"
		"Message-ID: id2\r\n"
		"Byte-Range: 1-0/0\r\n"
		"-------t2t2$\r\n"
		/* empty content part */
		"MSRP t3t3 SEND\r\n"
		"To-Path: msrp://h:1/s;tcp\r\n"
		"From-Path: msrp://g:2/t;tcp\r\n"
		"Message-ID: id3\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"\r\n"
		"-------t3t3$\r\n"
		/* sloppy: end-line straight after the blank line */
		"MSRP t4t4 SEND\r\n"
		"To-Path: msrp://h:1/s;tcp\r\n"
		"From-Path: msrp://g:2/t;tcp\r\n"
		"Message-ID: id4\r\n"
		"Content-Type: text/plain\r\n"
		"\r\n"
		"-------t4t4$\r\n"
		/* stray CRLFs between messages, response without comment */
		"\r\n\r\n"
		"MSRP t5t5 481\r\n"
		"To-Path: msrp://h:1/s;tcp\r\n"
		"From-Path: msrp://g:2/t;tcp\r\n"
		"-------t5t5$\r\n";
	int mode;

	for (mode = 0; mode < 3; mode++) {
		struct run r;

		run_stream(stream, sizeof(stream) - 1, mode, 0, 0, &r);
		CHECK_INT(r.n, 5);
		if (r.n == 5) {
			CHECK_INT(r.it[0].err + r.it[1].err + r.it[2].err + r.it[3].err +
					  r.it[4].err,
				  0);
			CHECK_INT(r.it[0].msg->cont, MSRP_CONT_ABORT);
			CHECK(r.it[0].msg->byte_range.total == MSRP_BR_UNKNOWN);
			CHECK_STR((const char *)r.it[0].msg->body, "partial");
			CHECK(!r.it[1].msg->has_body);
			CHECK_INT(r.it[1].msg->byte_range.end, 0);
			CHECK_INT(r.it[1].msg->byte_range.total, 0);
			CHECK(r.it[2].msg->has_body);
			CHECK_INT(r.it[2].msg->body_len, 0);
			CHECK(!r.it[3].msg->has_body);
			CHECK_INT(r.it[4].msg->kind, MSRP_RESPONSE);
			CHECK_INT(r.it[4].msg->status_code, 481);
			CHECK(r.it[4].msg->comment == NULL);
		}
		run_free(&r);
	}
}

static void test_methods_and_headers(void)
{
	static const char stream[] =
		"MSRP n1n1 NICKNAME\r\n"
		"To-Path: msrp://h:1/s;tcp\r\n"
		"From-Path: msrp://g:2/t;tcp\r\n"
		"Use-Nickname: \"Alice \\\"the\\\" great\"\r\n"
		"-------n1n1$\r\n"
		"MSRP x1x1 FOOBAR\r\n"
		"to-path:   msrp://h:1/s;tcp   \r\n"
		"FROM-PATH: msrp://relay.example:2855/r1;tcp msrp://g:2/t;tcp\r\n"
		"X-Custom: some value\r\n"
		"Expires: 900\r\n"
		"X-Empty:\r\n"
		"x-custom: second\r\n"
		"-------x1x1$\r\n"
		"MSRP a1a1 AUTH\r\n"
		"To-Path: msrps://relay.example.com:2855;tcp\r\n"
		"From-Path: msrps://alice.example.com:9892/98cjs;tcp\r\n"
		"-------a1a1$\r\n";
	struct run r;

	run_stream(stream, sizeof(stream) - 1, 1, 0, 0, &r);
	CHECK_INT(r.n, 3);
	if (r.n == 3) {
		const struct msrp_message *m = r.it[0].msg;

		CHECK_INT(r.it[0].err, 0);
		CHECK_INT(m->method, MSRP_METHOD_NICKNAME);
		CHECK_STR(m->use_nickname, "Alice \"the\" great");

		m = r.it[1].msg;
		CHECK_INT(r.it[1].err, 0);
		CHECK_INT(m->method, MSRP_METHOD_OTHER);
		CHECK_STR(m->method_name, "FOOBAR");
		CHECK_INT(m->from_path.n, 2);
		CHECK_STR(msrp_path_first(&m->from_path)->host, "relay.example");
		CHECK_STR(msrp_path_last(&m->from_path)->host, "g");
		CHECK_INT(m->header_n, 4);
		CHECK_STR(msrp_message_header(m, "x-custom"), "some value");
		CHECK_STR(msrp_message_header(m, "EXPIRES"), "900");
		CHECK_STR(msrp_message_header(m, "X-Empty"), "");
		CHECK(msrp_message_header(m, "Nope") == NULL);
		CHECK_STR(m->headers[3].value, "second");

		m = r.it[2].msg;
		CHECK_INT(r.it[2].err, 0);
		CHECK_INT(m->method, MSRP_METHOD_AUTH);
		CHECK(m->to_path.uriv[0]->session_id == NULL);
	}
	run_free(&r);
}

struct bad_case {
	const char *text; /* one message, followed by GOOD_TAIL unless fatal */
	enum msrp_perr perr;
	uint16_t status;
	bool fatal;
	enum msrp_kind kind;
};

#define PATHS "To-Path: msrp://h:1/s;tcp\r\nFrom-Path: msrp://g:2/t;tcp\r\n"
#define SEND_HEAD "MSRP bad1 SEND\r\n" PATHS "Message-ID: m9\r\n"
#define BODY_END "Content-Type: text/plain\r\n\r\nhi\r\n-------bad1$\r\n"

static const struct bad_case bad_cases[] = {
	{"GET / HTTP/1.1\r\nHost: x\r\n\r\n", MSRP_PERR_START_LINE, 400, true, 0},
	{"msrp bad1 SEND\r\n", MSRP_PERR_START_LINE, 400, true, 0},
	{"MSRP  SEND\r\n", MSRP_PERR_TID, 400, true, 0},
	{"MSRP \r\n", MSRP_PERR_TID, 400, true, 0},
	{"MSRP ba$d SEND\r\n", MSRP_PERR_TID, 400, true, 0},
	{"MSRP -bad SEND\r\n", MSRP_PERR_TID, 400, true, 0},
	{"MSRP a0123456789012345678901234567890123456789012345678901234567890123 SEND\r\n",
	 MSRP_PERR_TID, 400, true, 0},
	{"MSRP bad1 SEND\n" PATHS, MSRP_PERR_START_LINE, 400, true, 0},
	{"MSRP bad1 send\r\n" PATHS "Message-ID: m9\r\n" BODY_END, MSRP_PERR_METHOD, 400, false,
	 MSRP_REQUEST},
	{"MSRP bad1\r\n" PATHS "-------bad1$\r\n", MSRP_PERR_METHOD, 400, false, MSRP_REQUEST},
	{"MSRP bad1 SEND extra\r\n" PATHS "Message-ID: m9\r\n" BODY_END, MSRP_PERR_METHOD, 400,
	 false, MSRP_REQUEST},
	{"MSRP bad1 20 OK\r\n" PATHS "-------bad1$\r\n", MSRP_PERR_STATUS_CODE, 400, false,
	 MSRP_RESPONSE},
	{"MSRP bad1 2000\r\n" PATHS "-------bad1$\r\n", MSRP_PERR_STATUS_CODE, 400, false,
	 MSRP_RESPONSE},
	{"MSRP bad1 200 OK\r\n" PATHS "Content-Type: text/plain\r\n\r\nbody\r\n-------bad1$\r\n",
	 MSRP_PERR_RESPONSE_BODY, 400, false, MSRP_RESPONSE},
	{"MSRP bad1 SEND\r\nFrom-Path: msrp://g:2/t;tcp\r\nMessage-ID: m9\r\n" BODY_END,
	 MSRP_PERR_TO_PATH, 400, false, MSRP_REQUEST},
	{"MSRP bad1 SEND\r\nTo-Path: msrp://h:1/s;tcp\r\nMessage-ID: m9\r\n" BODY_END,
	 MSRP_PERR_FROM_PATH, 400, false, MSRP_REQUEST},
	{"MSRP bad1 SEND\r\nTo-Path: http://h/s\r\nFrom-Path: msrp://g:2/t;tcp\r\n"
	 "Message-ID: m9\r\n" BODY_END,
	 MSRP_PERR_TO_PATH, 400, false, MSRP_REQUEST},
	{"MSRP bad1 SEND\r\nTo-Path: msrp://h:1/s;tcp\r\nFrom-Path: msrp://g:2/t\r\n"
	 "Message-ID: m9\r\n" BODY_END,
	 MSRP_PERR_FROM_PATH, 400, false, MSRP_REQUEST},
	{"MSRP bad1 SEND\r\nTo-Path:\r\nFrom-Path: msrp://g:2/t;tcp\r\n"
	 "Message-ID: m9\r\n" BODY_END,
	 MSRP_PERR_TO_PATH, 400, false, MSRP_REQUEST},
	{"MSRP bad1 SEND\r\n" PATHS BODY_END, MSRP_PERR_MESSAGE_ID, 400, false, MSRP_REQUEST},
	{"MSRP bad1 SEND\r\n" PATHS "Message-ID: m/9\r\n" BODY_END, MSRP_PERR_MESSAGE_ID, 400,
	 false, MSRP_REQUEST},
	{SEND_HEAD "Message-ID: m8\r\n" BODY_END, MSRP_PERR_HEADER_DUP, 400, false, MSRP_REQUEST},
	{"MSRP bad1 SEND\r\n" PATHS PATHS "Message-ID: m9\r\n" BODY_END, MSRP_PERR_HEADER_DUP, 400,
	 false, MSRP_REQUEST},
	{SEND_HEAD "Byte-Range: 0-2/2\r\n" BODY_END, MSRP_PERR_BYTE_RANGE, 400, false,
	 MSRP_REQUEST},
	{SEND_HEAD "Byte-Range: 1-2\r\n" BODY_END, MSRP_PERR_BYTE_RANGE, 400, false, MSRP_REQUEST},
	{SEND_HEAD "Byte-Range: 5-2/10\r\n" BODY_END, MSRP_PERR_BYTE_RANGE, 400, false,
	 MSRP_REQUEST},
	{SEND_HEAD "Byte-Range: 1-10/5\r\n" BODY_END, MSRP_PERR_BYTE_RANGE, 400, false,
	 MSRP_REQUEST},
	{SEND_HEAD "Byte-Range: 1-*/x\r\n" BODY_END, MSRP_PERR_BYTE_RANGE, 400, false,
	 MSRP_REQUEST},
	{SEND_HEAD "Byte-Range: 1-2/2 3\r\n" BODY_END, MSRP_PERR_BYTE_RANGE, 400, false,
	 MSRP_REQUEST},
	{SEND_HEAD "Byte-Range: 1-99999999999999999999/*\r\n" BODY_END, MSRP_PERR_BYTE_RANGE, 400,
	 false, MSRP_REQUEST},
	{SEND_HEAD "Success-Report: partial\r\n" BODY_END, MSRP_PERR_REPORT_VALUE, 400, false,
	 MSRP_REQUEST},
	{SEND_HEAD "Failure-Report: maybe\r\n" BODY_END, MSRP_PERR_REPORT_VALUE, 400, false,
	 MSRP_REQUEST},
	{"MSRP bad1 REPORT\r\n" PATHS "Message-ID: m9\r\nByte-Range: 1-2/2\r\n-------bad1$\r\n",
	 MSRP_PERR_STATUS_HEADER, 400, false, MSRP_REQUEST},
	{"MSRP bad1 REPORT\r\n" PATHS "Message-ID: m9\r\nStatus: 200 OK\r\n-------bad1$\r\n",
	 MSRP_PERR_STATUS_HEADER, 400, false, MSRP_REQUEST},
	{"MSRP bad1 REPORT\r\n" PATHS "Status: 000 200 OK\r\n-------bad1$\r\n",
	 MSRP_PERR_MESSAGE_ID, 400, false, MSRP_REQUEST},
	{"MSRP bad1 NICKNAME\r\n" PATHS "-------bad1$\r\n", MSRP_PERR_NICKNAME_MISSING, 400, false,
	 MSRP_REQUEST},
	{"MSRP bad1 NICKNAME\r\n" PATHS "Use-Nickname: alice\r\n-------bad1$\r\n",
	 MSRP_PERR_NICKNAME, 424, false, MSRP_REQUEST},
	{"MSRP bad1 NICKNAME\r\n" PATHS "Use-Nickname: \"alice\r\n-------bad1$\r\n",
	 MSRP_PERR_NICKNAME, 424, false, MSRP_REQUEST},
	{"MSRP bad1 NICKNAME\r\n" PATHS "Use-Nickname: \"\"\r\n-------bad1$\r\n",
	 MSRP_PERR_NICKNAME, 424, false, MSRP_REQUEST},
	{SEND_HEAD "\r\nhi\r\n-------bad1$\r\n", MSRP_PERR_CONTENT_TYPE, 400, false, MSRP_REQUEST},
	{SEND_HEAD "Content-Type: text\r\n\r\nhi\r\n-------bad1$\r\n", MSRP_PERR_CONTENT_TYPE, 400,
	 false, MSRP_REQUEST},
	{SEND_HEAD "No colon here\r\n" BODY_END, MSRP_PERR_HEADER_SYNTAX, 400, false, MSRP_REQUEST},
	{SEND_HEAD "1X: y\r\n" BODY_END, MSRP_PERR_HEADER_SYNTAX, 400, false, MSRP_REQUEST},
	{SEND_HEAD " folded: y\r\n" BODY_END, MSRP_PERR_HEADER_SYNTAX, 400, false, MSRP_REQUEST},
	{SEND_HEAD "X-Ctl: a\001b\r\n" BODY_END, MSRP_PERR_HEADER_SYNTAX, 400, false, MSRP_REQUEST},
	{SEND_HEAD "X-Utf8: \xc3\x28\r\n" BODY_END, MSRP_PERR_HEADER_SYNTAX, 400, false,
	 MSRP_REQUEST},
	{SEND_HEAD "X-Cr: a\rb\r\n" BODY_END, MSRP_PERR_HEADER_SYNTAX, 400, false, MSRP_REQUEST},
	{SEND_HEAD "X-Lf: a\nb\r\n" BODY_END, MSRP_PERR_HEADER_SYNTAX, 400, false, MSRP_REQUEST},
	{SEND_HEAD "-------other$\r\n" BODY_END, MSRP_PERR_HEADER_SYNTAX, 400, false, MSRP_REQUEST},
	/* first error wins */
	{"MSRP bad1 SEND\r\nTo-Path: x\r\nFrom-Path: msrp://g:2/t;tcp\r\nByte-Range: z\r\n" BODY_END,
	 MSRP_PERR_TO_PATH, 400, false, MSRP_REQUEST},
};

static void test_malformed(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct msrp_buf b;
		int mode;

		msrp_buf_init(&b);
		msrp_buf_printf(&b, "%s%s", bc->text, GOOD_TAIL);
		for (mode = 0; mode < 3; mode++) {
			struct run r;

			run_stream(b.data, b.len, mode, 0, 0, &r);
			CHECK(r.n >= 1);
			if (r.n < 1)
				continue;
			if (r.it[0].perr != bc->perr || r.fatal != bc->fatal)
				fprintf(stderr, "  bad case %zu mode %d: perr %d fatal %d\n", i,
					mode, r.it[0].perr, r.fatal);
			CHECK_INT(r.it[0].err, EPROTO);
			CHECK_INT(r.it[0].perr, bc->perr);
			CHECK_INT(msrp_perr_status(r.it[0].perr), bc->status);
			CHECK_INT(r.fatal, bc->fatal);
			if (bc->fatal) {
				CHECK(r.it[0].msg == NULL);
				CHECK_INT(r.n, 1);
			} else {
				CHECK(r.it[0].msg != NULL);
				if (r.it[0].msg) {
					CHECK_STR(r.it[0].msg->tid, "bad1");
					CHECK_INT(r.it[0].msg->kind, bc->kind);
				}
				/* resynchronised on the next message */
				CHECK_INT(r.n, 2);
				if (r.n == 2) {
					CHECK_INT(r.it[1].err, 0);
					CHECK(r.it[1].msg &&
					      strcmp(r.it[1].msg->tid, "z9z9z9") == 0);
				}
			}
			run_free(&r);
		}
		msrp_buf_reset(&b);
	}
}

static void test_error_response_possible(void)
{
	/* a bad Byte-Range still leaves the paths for a 400 response */
	static const char text[] = SEND_HEAD "Byte-Range: nonsense\r\n" BODY_END;
	struct msrp_buf out;
	struct run r;

	run_stream(text, sizeof(text) - 1, 0, 0, 0, &r);
	CHECK_INT(r.n, 1);
	msrp_buf_init(&out);
	if (r.n == 1 && r.it[0].msg) {
		CHECK_INT(msrp_build_response(&out, r.it[0].msg, msrp_perr_status(r.it[0].perr),
					      NULL),
			  0);
		CHECK_STR((const char *)out.data, "MSRP bad1 400 Bad Request\r\n"
						  "To-Path: msrp://g:2/t;tcp\r\n"
						  "From-Path: msrp://h:1/s;tcp\r\n"
						  "-------bad1$\r\n");
	}
	run_free(&r);
	msrp_buf_reset(&out);
}

static void test_limits(void)
{
	struct msrp_buf b;
	struct run r;
	size_t i;
	int mode;

	/* header section over max_header */
	msrp_buf_init(&b);
	msrp_buf_printf(&b, "%s", SEND_HEAD "X-Big: ");
	for (i = 0; i < 600; i++)
		msrp_buf_append(&b, "a", 1);
	msrp_buf_printf(&b, "%s", "\r\n" BODY_END GOOD_TAIL);
	for (mode = 0; mode < 3; mode++) {
		run_stream(b.data, b.len, mode, 256, 0, &r);
		CHECK_INT(r.n, 2);
		if (r.n == 2) {
			CHECK_INT(r.it[0].err, EPROTO);
			CHECK_INT(r.it[0].perr, MSRP_PERR_HEADER_TOO_LARGE);
			CHECK_INT(msrp_perr_status(r.it[0].perr), 413);
			CHECK(r.it[0].msg && r.it[0].msg->to_path.n == 1);
			CHECK_INT(r.it[1].err, 0);
		}
		run_free(&r);
	}
	msrp_buf_reset(&b);

	/* an over-long line ending in a bare LF: too large, however split */
	msrp_buf_init(&b);
	msrp_buf_printf(&b, "%s", SEND_HEAD "X-Big: ");
	for (i = 0; i < 600; i++)
		msrp_buf_append(&b, "a", 1);
	msrp_buf_printf(&b, "%s", "\n" BODY_END GOOD_TAIL);
	for (mode = 0; mode < 3; mode++) {
		run_stream(b.data, b.len, mode, 256, 0, &r);
		CHECK_INT(r.n, 2);
		CHECK_INT(r.n ? r.it[0].perr : 0, MSRP_PERR_HEADER_TOO_LARGE);
		run_free(&r);
	}
	msrp_buf_reset(&b);

	/* a long start line is fatal */
	msrp_buf_init(&b);
	msrp_buf_printf(&b, "MSRP bad1 SEND");
	for (i = 0; i < 600; i++)
		msrp_buf_append(&b, "A", 1);
	run_stream(b.data, b.len, 2, 256, 0, &r);
	CHECK_INT(r.n, 1);
	CHECK(r.fatal);
	CHECK_INT(r.n ? r.it[0].perr : 0, MSRP_PERR_HEADER_TOO_LARGE);
	run_free(&r);
	msrp_buf_reset(&b);

	/* body over max_body, with the error reported before the end-line
	 * arrives so the 413 can stop the sender */
	msrp_buf_init(&b);
	msrp_buf_printf(&b, "%s", SEND_HEAD "Content-Type: text/plain\r\n\r\n");
	for (i = 0; i < 5000; i++)
		msrp_buf_append(&b, i % 50 ? "b" : "\r\n-------bad", i % 50 ? 1 : 12);
	for (mode = 0; mode < 3; mode++) {
		struct msrp_parser *p = NULL;
		struct msrp_message *m = NULL;
		size_t off = 0;
		int err = EAGAIN;

		msrp_parser_alloc(&p, 0, 1000);
		while (off < b.len && err == EAGAIN) {
			size_t n = mode == 0 ? b.len : mode == 1 ? 1 : 1 + rng() % 30;

			if (n > b.len - off)
				n = b.len - off;
			msrp_parser_feed(p, b.data + off, n);
			off += n;
			err = msrp_parser_next(p, &m);
		}
		CHECK_INT(err, EPROTO);
		CHECK_INT(msrp_parser_error(p), MSRP_PERR_BODY_TOO_LARGE);
		if (mode)
			CHECK(off < b.len);
		CHECK(m != NULL);
		msrp_message_free(m);
		/* the rest is discarded without being buffered */
		msrp_parser_feed(p, b.data + off, b.len - off);
		CHECK_INT(msrp_parser_next(p, &m), EAGAIN);
		CHECK(msrp_parser_pending(p) < 64);
		msrp_parser_feed(p, "\r\n-------bad1#\r\n" GOOD_TAIL, 16 + strlen(GOOD_TAIL));
		CHECK_INT(msrp_parser_next(p, &m), 0);
		CHECK(m && strcmp(m->tid, "z9z9z9") == 0);
		msrp_message_free(m);
		msrp_parser_free(p);
	}
	msrp_buf_reset(&b);

	/* exactly at the limit is fine, one more byte is not */
	for (i = 0; i < 2; i++) {
		msrp_buf_init(&b);
		msrp_buf_printf(&b, "%s", SEND_HEAD "Content-Type: text/plain\r\n\r\n");
		for (size_t k = 0; k < 100 + i; k++)
			msrp_buf_append(&b, "c", 1);
		msrp_buf_printf(&b, "\r\n-------bad1$\r\n");
		run_stream(b.data, b.len, 0, 0, 100, &r);
		CHECK_INT(r.n, 1);
		CHECK_INT(r.n ? r.it[0].err : -1, i ? EPROTO : 0);
		if (i)
			CHECK_INT(r.it[0].perr, MSRP_PERR_BODY_TOO_LARGE);
		run_free(&r);
		msrp_buf_reset(&b);
	}

	/* non-SEND bodies are bounded by 10240 bytes */
	msrp_buf_init(&b);
	msrp_buf_printf(&b, "%s", "MSRP bad1 FOO\r\n" PATHS "Content-Type: text/plain\r\n\r\n");
	for (i = 0; i < 10241; i++)
		msrp_buf_append(&b, "d", 1);
	msrp_buf_printf(&b, "%s", "\r\n-------bad1$\r\n" GOOD_TAIL);
	run_stream(b.data, b.len, 0, 0, 0, &r);
	CHECK_INT(r.n, 2);
	CHECK_INT(r.n ? r.it[0].perr : 0, MSRP_PERR_BODY_TOO_LARGE);
	run_free(&r);
	msrp_buf_reset(&b);
}

static void test_many_messages_one_feed(void)
{
	struct msrp_buf b;
	struct msrp_parser *p = NULL;
	struct msrp_message *m;
	int i, count = 0, err;

	msrp_buf_init(&b);
	for (i = 0; i < 2000; i++)
		msrp_buf_append(&b, RFC_SEND, strlen(RFC_SEND));
	msrp_parser_alloc(&p, 0, 0);
	msrp_parser_feed(p, b.data, b.len);
	while ((err = msrp_parser_next(p, &m)) == 0) {
		count++;
		msrp_message_free(m);
	}
	CHECK_INT(err, EAGAIN);
	CHECK_INT(count, 2000);
	msrp_parser_free(p);
	msrp_buf_reset(&b);
}

static void test_fatal_is_sticky(void)
{
	struct msrp_parser *p = NULL;
	struct msrp_message *m = (struct msrp_message *)1;

	msrp_parser_alloc(&p, 0, 0);
	msrp_parser_feed(p, "HTTP", 4);
	CHECK_INT(msrp_parser_next(p, &m), EPROTO);
	CHECK(m == NULL);
	CHECK(msrp_parser_fatal(p));
	msrp_parser_feed(p, RFC_SEND, strlen(RFC_SEND));
	CHECK_INT(msrp_parser_next(p, &m), EPROTO);
	CHECK_INT(msrp_parser_error(p), MSRP_PERR_START_LINE);
	msrp_parser_free(p);

	/* garbage is refused on its first bytes, not after max_header */
	msrp_parser_alloc(&p, 0, 0);
	msrp_parser_feed(p, "MSX", 3);
	CHECK_INT(msrp_parser_next(p, &m), EPROTO);
	msrp_parser_free(p);
	msrp_parser_alloc(&p, 0, 0);
	msrp_parser_feed(p, "MSRP abc/", 9);
	CHECK_INT(msrp_parser_next(p, &m), EPROTO);
	CHECK_INT(msrp_parser_error(p), MSRP_PERR_TID);
	msrp_parser_free(p);
	msrp_parser_alloc(&p, 0, 0);
	msrp_parser_feed(p, "MSR", 3);
	CHECK_INT(msrp_parser_next(p, &m), EAGAIN);
	msrp_parser_free(p);

	CHECK_INT(msrp_parser_alloc(NULL, 0, 0), EINVAL);
	CHECK_INT(msrp_parser_next(NULL, &m), EINVAL);
	msrp_parser_free(NULL);
	msrp_message_free(NULL);
}

static struct msrp_message *parse_one(const void *data, size_t len)
{
	struct msrp_parser *p = NULL;
	struct msrp_message *m = NULL;

	msrp_parser_alloc(&p, 0, 0);
	msrp_parser_feed(p, data, len);
	if (msrp_parser_next(p, &m) != 0) {
		msrp_message_free(m);
		m = NULL;
	} else {
		struct msrp_message *extra = NULL;

		CHECK_INT(msrp_parser_next(p, &extra), EAGAIN);
	}
	msrp_parser_free(p);
	return m;
}

static void test_build_response(void)
{
	/* at an endpoint behind two relays: the response goes to the
	 * previous hop only */
	static const char req_text[] = "MSRP 6aef SEND\r\n"
				       "To-Path: msrps://bob.example.com:8888/9di4ea;tcp\r\n"
				       "From-Path: msrps://relay2.example.com:9000/3gfjk;tcp "
				       "msrps://relay1.example.org:9000/kjfjan;tcp "
				       "msrps://alice.example.com:1234/847nsd;tcp\r\n"
				       "Message-ID: 87652\r\n"
				       "Content-Type: text/plain\r\n\r\nHi\r\n-------6aef$\r\n";
	struct msrp_message *req = parse_one(req_text, sizeof(req_text) - 1), *resp;
	struct msrp_buf b;

	CHECK(req != NULL);
	if (!req)
		return;
	msrp_buf_init(&b);
	CHECK_INT(msrp_build_response(&b, req, 200, NULL), 0);
	CHECK_STR((const char *)b.data, "MSRP 6aef 200 OK\r\n"
					"To-Path: msrps://relay2.example.com:9000/3gfjk;tcp\r\n"
					"From-Path: msrps://bob.example.com:8888/9di4ea;tcp\r\n"
					"-------6aef$\r\n");
	resp = parse_one(b.data, b.len);
	CHECK(resp && resp->kind == MSRP_RESPONSE && resp->status_code == 200);
	msrp_message_free(resp);

	msrp_buf_reset(&b);
	CHECK_INT(msrp_build_response(&b, req, 425, "Nick taken"), 0);
	CHECK(b.data && strncmp((const char *)b.data, "MSRP 6aef 425 Nick taken\r\n", 26) == 0);
	msrp_buf_reset(&b);
	CHECK_INT(msrp_build_response(&b, req, 99, NULL), EINVAL);
	CHECK_INT(msrp_build_response(&b, req, 200, "bad\r\ncomment"), EINVAL);
	CHECK_INT(b.len, 0);

	/* REPORT back along the whole path */
	CHECK_INT(msrp_build_report_for(&b, "rep1rep1", req, NULL, 200, NULL), 0);
	resp = parse_one(b.data, b.len);
	CHECK(resp != NULL);
	if (resp) {
		CHECK_INT(resp->method, MSRP_METHOD_REPORT);
		CHECK(msrp_path_equal(&resp->to_path, &req->from_path));
		CHECK_INT(resp->from_path.n, 1);
		CHECK(msrp_uri_equal(msrp_path_first(&resp->from_path),
				     msrp_path_first(&req->to_path)));
		CHECK_STR(resp->message_id, "87652");
		CHECK_INT(resp->byte_range.start, 1);
		CHECK_INT(resp->byte_range.end, 2);
		CHECK_INT(resp->byte_range.total, 2);
		CHECK_INT(resp->status.code, 200);
		CHECK_STR(resp->status.reason, "OK");
	}
	msrp_message_free(resp);

	/* a response can't be answered */
	resp = parse_one(RFC_200, strlen(RFC_200));
	CHECK_INT(msrp_build_response(&b, resp, 200, NULL), EINVAL);
	msrp_message_free(resp);
	msrp_buf_reset(&b);
	msrp_message_free(req);
}

static void test_response_needed(void)
{
	struct msrp_message *m = parse_one(RFC_SEND, strlen(RFC_SEND));

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(msrp_response_needed(m, 200));
	m->failure_report = MSRP_REPORT_NO;
	CHECK(!msrp_response_needed(m, 400));
	m->failure_report = MSRP_REPORT_PARTIAL;
	CHECK(!msrp_response_needed(m, 200));
	CHECK(msrp_response_needed(m, 413));
	m->failure_report = MSRP_REPORT_YES;
	m->method = MSRP_METHOD_REPORT;
	CHECK(!msrp_response_needed(m, 200));
	msrp_message_free(m);
}

static void test_build_send_and_chunks(void)
{
	struct msrp_path to, from;
	struct msrp_byte_range br = {1, 5, 10};
	struct msrp_send_params sp;
	struct msrp_message *m;
	struct msrp_buf b;

	CHECK_INT(msrp_path_parse(&to, "msrp://relay:2855/r;tcp msrp://bob.example.com/b1;tcp", 53),
		  0);
	CHECK_INT(msrp_path_parse(&from, "msrp://focus.example.com:2855/f1;tcp", 36), 0);
	msrp_buf_init(&b);
	memset(&sp, 0, sizeof(sp));
	sp.tid = "k3k3k3k3";
	sp.to_path = &to;
	sp.from_path = &from;
	sp.message_id = "mid42";
	sp.range = &br;
	sp.success_report = MSRP_REPORT_NO;
	sp.failure_report = MSRP_REPORT_PARTIAL;
	sp.content_type = "message/cpim";
	sp.body = "hello";
	sp.body_len = 5;
	sp.cont = MSRP_CONT_MORE;
	CHECK_INT(msrp_build_send(&b, &sp), 0);
	CHECK_STR((const char *)b.data,
		  "MSRP k3k3k3k3 SEND\r\n"
		  "To-Path: msrp://relay:2855/r;tcp msrp://bob.example.com/b1;tcp\r\n"
		  "From-Path: msrp://focus.example.com:2855/f1;tcp\r\n"
		  "Message-ID: mid42\r\n"
		  "Byte-Range: 1-5/10\r\n"
		  "Success-Report: no\r\n"
		  "Failure-Report: partial\r\n"
		  "Content-Type: message/cpim\r\n"
		  "\r\n"
		  "hello\r\n"
		  "-------k3k3k3k3+\r\n");
	m = parse_one(b.data, b.len);
	CHECK(m != NULL);
	if (m) {
		CHECK(msrp_path_equal(&m->to_path, &to));
		CHECK_INT(m->cont, MSRP_CONT_MORE);
		CHECK_INT(m->failure_report, MSRP_REPORT_PARTIAL);
		CHECK_INT(m->body_len, 5);
	}
	msrp_message_free(m);

	/* the body must not contain our end-line */
	msrp_buf_reset(&b);
	sp.body = "x\r\n-------k3k3k3k3$\r\n";
	sp.body_len = strlen(sp.body);
	CHECK_INT(msrp_build_send(&b, &sp), EEXIST);
	sp.body = "-------k3k3k3k3#";
	sp.body_len = strlen(sp.body);
	CHECK_INT(msrp_build_send(&b, &sp), EEXIST);
	sp.body = "-------k3k3k3k3"; /* no flag: harmless */
	sp.body_len = strlen(sp.body);
	CHECK_INT(msrp_build_send(&b, &sp), 0);
	msrp_buf_reset(&b);

	/* required fields and header injection */
	sp.content_type = NULL;
	CHECK_INT(msrp_build_send(&b, &sp), EINVAL);
	sp.content_type = "text/plain\r\nX: y";
	CHECK_INT(msrp_build_send(&b, &sp), EINVAL);
	sp.content_type = "text/plain";
	sp.tid = "bad tid";
	CHECK_INT(msrp_build_send(&b, &sp), EINVAL);
	sp.tid = "k3k3k3k3";
	sp.message_id = NULL;
	CHECK_INT(msrp_build_send(&b, &sp), EINVAL);
	sp.message_id = "mid42";
	br.start = 0;
	CHECK_INT(msrp_build_send(&b, &sp), EINVAL);
	br.start = 1;
	CHECK_INT(b.len, 0);

	/* empty body with no content part */
	sp.body = NULL;
	sp.body_len = 0;
	sp.content_type = NULL;
	sp.range = NULL;
	sp.cont = 0;
	sp.success_report = MSRP_REPORT_UNSET;
	sp.failure_report = MSRP_REPORT_UNSET;
	CHECK_INT(msrp_build_send(&b, &sp), 0);
	m = parse_one(b.data, b.len);
	CHECK(m && !m->has_body && m->cont == MSRP_CONT_END && !m->has_byte_range);
	msrp_message_free(m);
	msrp_buf_reset(&b);

	/* NICKNAME */
	CHECK_INT(msrp_build_nickname(&b, "nn11", &to, &from, "Bob \"B\" \\o/"), 0);
	m = parse_one(b.data, b.len);
	CHECK(m != NULL);
	if (m) {
		CHECK_INT(m->method, MSRP_METHOD_NICKNAME);
		CHECK_STR(m->use_nickname, "Bob \"B\" \\o/");
	}
	msrp_message_free(m);
	msrp_buf_reset(&b);
	CHECK_INT(msrp_build_nickname(&b, "nn11", &to, &from, ""), EINVAL);
	CHECK_INT(msrp_build_nickname(&b, "nn11", &to, &from, "a\r\nb"), EINVAL);

	/* REPORT with an explicit range and failure status */
	br.start = 1;
	br.end = 10;
	br.total = 10;
	CHECK_INT(msrp_build_report(&b, "rr11", &to, msrp_path_first(&from), "mid42", &br, 413,
				    NULL),
		  0);
	CHECK(strstr((const char *)b.data, "Status: 000 413 Message Too Large\r\n") != NULL);
	m = parse_one(b.data, b.len);
	CHECK(m && m->status.code == 413);
	msrp_message_free(m);
	msrp_buf_reset(&b);

	msrp_path_reset(&to);
	msrp_path_reset(&from);
}

static void test_encode_roundtrip(void)
{
	static const char stream[] = RFC_SEND RFC_200 RFC_CHUNK RFC_REPORT
		"MSRP x1x1 FOOBAR\r\n"
		"To-Path: msrp://h:1/s;tcp\r\n"
		"From-Path: msrp://g:2/t;tcp\r\n"
		"Use-Nickname: \"q\\\"q\"\r\n"
		"X-Custom: some value\r\n"
		"Success-Report: yes\r\n"
		"Content-Type: text/plain;charset=utf-8\r\n"
		"\r\n"
		"\x00\x01\x02\r\n"
		"-------x1x1#\r\n";
	struct run r;
	int i;

	run_stream(stream, sizeof(stream) - 1, 0, 0, 0, &r);
	CHECK_INT(r.n, 5);
	for (i = 0; i < r.n; i++) {
		struct msrp_buf b1, b2;
		struct msrp_message *again;

		msrp_buf_init(&b1);
		msrp_buf_init(&b2);
		CHECK_INT(msrp_message_encode(r.it[i].msg, &b1), 0);
		again = parse_one(b1.data, b1.len);
		CHECK(again != NULL);
		if (again) {
			CHECK_INT(msrp_message_encode(again, &b2), 0);
			CHECK_INT(b1.len, b2.len);
			CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
			CHECK_INT(again->body_len, r.it[i].msg->body_len);
		}
		msrp_message_free(again);
		msrp_buf_reset(&b1);
		msrp_buf_reset(&b2);
	}
	/* the RFC example is written back byte for byte */
	if (r.n) {
		struct msrp_buf b;

		msrp_buf_init(&b);
		msrp_message_encode(r.it[0].msg, &b);
		CHECK_STR((const char *)b.data, RFC_SEND);
		msrp_buf_reset(&b);
	}
	run_free(&r);
}

static void test_idents(void)
{
	char a[32], c[32];

	CHECK_INT(msrp_ident_generate(a, sizeof(a)), 0);
	CHECK_INT(msrp_ident_generate(c, sizeof(c)), 0);
	CHECK_INT(strlen(a), 20);
	CHECK(msrp_ident_valid(a, strlen(a)));
	CHECK(strcmp(a, c) != 0);
	CHECK_INT(msrp_ident_generate(a, 20), EINVAL);
	CHECK(msrp_ident_valid("a786hjs2", 8));
	CHECK(msrp_ident_valid("550e8400-e29b-41d4-a716-446655440000", 36));
	CHECK(!msrp_ident_valid("", 0));
	CHECK(!msrp_ident_valid(".abc", 4));
	CHECK(!msrp_ident_valid("ab c", 4));
	CHECK_INT(msrp_perr_status(MSRP_PERR_NONE), 200);
	CHECK_STR(msrp_status_reason(481), "Session Does Not Exist");
	CHECK_STR(msrp_perr_str(MSRP_PERR_BODY_TOO_LARGE), "body too large");
}

static void test_buf(void)
{
	struct msrp_buf b;
	int i;

	msrp_buf_init(&b);
	for (i = 0; i < 1000; i++)
		CHECK_INT(msrp_buf_printf(&b, "%d,", i), 0);
	CHECK(b.len > 1000);
	CHECK_INT(b.data[b.len], 0);
	CHECK_INT(msrp_buf_append(&b, NULL, 1), EINVAL);
	CHECK_INT(msrp_buf_append(&b, NULL, 0), 0);
	msrp_buf_reset(&b);
	CHECK(b.data == NULL && b.len == 0);
}

int main(void)
{
	RUN(test_rfc_examples_all_splits);
	RUN(test_every_split_point);
	RUN(test_seed_shape_binary_body);
	RUN(test_fake_end_lines_in_body);
	RUN(test_flags_and_bodiless);
	RUN(test_methods_and_headers);
	RUN(test_malformed);
	RUN(test_error_response_possible);
	RUN(test_limits);
	RUN(test_many_messages_one_feed);
	RUN(test_fatal_is_sticky);
	RUN(test_build_response);
	RUN(test_response_needed);
	RUN(test_build_send_and_chunks);
	RUN(test_encode_roundtrip);
	RUN(test_idents);
	RUN(test_buf);
	return check_summary();
}
