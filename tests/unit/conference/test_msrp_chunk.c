/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP chunk splitting and reassembly. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conference/msrp/msrp_chunk.h"

/* A SEND chunk pointing at caller data; nothing in it is owned. */
static void chunk(struct msrp_message *m, const char *id, uint64_t start, uint64_t end,
		  uint64_t total, const void *body, size_t len, enum msrp_cont cont)
{
	memset(m, 0, sizeof(*m));
	m->kind = MSRP_REQUEST;
	m->method = MSRP_METHOD_SEND;
	m->message_id = (char *)id;
	m->content_type = (char *)"message/cpim";
	if (start) {
		m->has_byte_range = true;
		m->byte_range.start = start;
		m->byte_range.end = end;
		m->byte_range.total = total;
	}
	m->has_body = len > 0;
	m->body = (uint8_t *)body;
	m->body_len = len;
	m->cont = cont;
}

static uint32_t rng_state = 99;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static void test_chunker(void)
{
	struct msrp_chunker c;
	struct msrp_byte_range br;
	enum msrp_cont cont;
	size_t off, len, n = 0;

	msrp_chunker_init(&c, 10, 4);
	while (msrp_chunker_next(&c, &off, &len, &br, &cont)) {
		n++;
		if (n == 1) {
			CHECK_INT(off, 0);
			CHECK_INT(len, 4);
			CHECK_INT(br.start, 1);
			CHECK_INT(br.end, 4);
			CHECK_INT(br.total, 10);
			CHECK_INT(cont, MSRP_CONT_MORE);
		}
		if (n == 3) {
			CHECK_INT(off, 8);
			CHECK_INT(len, 2);
			CHECK_INT(br.start, 9);
			CHECK_INT(br.end, 10);
			CHECK_INT(cont, MSRP_CONT_END);
		}
	}
	CHECK_INT(n, 3);
	CHECK(!msrp_chunker_next(&c, &off, &len, &br, &cont));

	/* exact multiple: no empty trailing chunk */
	msrp_chunker_init(&c, 8, 4);
	n = 0;
	while (msrp_chunker_next(&c, &off, &len, &br, &cont))
		n++;
	CHECK_INT(n, 2);
	CHECK_INT(cont, MSRP_CONT_END);

	/* empty body: one empty chunk 1-0/0 */
	msrp_chunker_init(&c, 0, 4);
	CHECK(msrp_chunker_next(&c, &off, &len, &br, &cont));
	CHECK_INT(len, 0);
	CHECK_INT(br.start, 1);
	CHECK_INT(br.end, 0);
	CHECK_INT(br.total, 0);
	CHECK_INT(cont, MSRP_CONT_END);
	CHECK(!msrp_chunker_next(&c, &off, &len, &br, &cont));

	/* chunk size 0: everything at once */
	msrp_chunker_init(&c, 5000, 0);
	CHECK(msrp_chunker_next(&c, &off, &len, &br, &cont));
	CHECK_INT(len, 5000);
	CHECK_INT(cont, MSRP_CONT_END);
	CHECK(!msrp_chunker_next(&c, NULL, NULL, NULL, NULL));
}

/* body -> chunker -> SEND bytes -> parser -> reassembly -> same body */
static void test_split_build_parse_reassemble(void)
{
	static const size_t sizes[] = {1, 7, 100, 2048, 9999, 10000, 20000};
	uint8_t body[10000];
	struct msrp_path to, from;
	size_t s, i;

	for (i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)rng();
	msrp_path_parse(&to, "msrp://bob.example.com:8888/9di4eae923wzd;tcp", 45);
	msrp_path_parse(&from, "msrp://alice.example.com:7777/iau39soe2843z;tcp", 47);

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct msrp_chunker c;
		struct msrp_byte_range br;
		struct msrp_parser *p = NULL;
		struct msrp_reasm *r = NULL;
		struct msrp_chunk_msg *done = NULL;
		struct msrp_buf b;
		enum msrp_cont cont;
		size_t off, len, chunks = 0, completed = 0;

		msrp_buf_init(&b);
		msrp_chunker_init(&c, sizeof(body), sizes[s]);
		while (msrp_chunker_next(&c, &off, &len, &br, &cont)) {
			struct msrp_send_params sp;
			char tid[32];
			int err;

			memset(&sp, 0, sizeof(sp));
			do {
				msrp_ident_generate(tid, sizeof(tid));
				sp.tid = tid;
				sp.to_path = &to;
				sp.from_path = &from;
				sp.message_id = "file42";
				sp.range = &br;
				sp.content_type = "application/octet-stream";
				sp.body = body + off;
				sp.body_len = len;
				sp.cont = cont;
				err = msrp_build_send(&b, &sp);
			} while (err == EEXIST);
			CHECK_INT(err, 0);
			chunks++;
		}
		CHECK_INT(chunks, (sizeof(body) + sizes[s] - 1) / sizes[s]);

		msrp_parser_alloc(&p, 0, 32768);
		msrp_reasm_alloc(&r, 1 << 20, 4);
		off = 0;
		while (off < b.len) {
			struct msrp_message *m;
			size_t n = 1 + rng() % 3000;

			if (n > b.len - off)
				n = b.len - off;
			msrp_parser_feed(p, b.data + off, n);
			off += n;
			while (msrp_parser_next(p, &m) == 0) {
				CHECK(done == NULL);
				CHECK_INT(msrp_reasm_add(r, m, &done), 0);
				if (done)
					completed++;
				msrp_message_free(m);
				if (done && off < b.len)
					CHECK(false); /* completed early */
			}
		}
		CHECK_INT(completed, 1);
		CHECK(done != NULL);
		if (done) {
			CHECK_INT(done->len, sizeof(body));
			CHECK_MEM(done->body, body, sizeof(body));
			CHECK_STR(done->message_id, "file42");
			CHECK_STR(done->content_type, "application/octet-stream");
		}
		CHECK_INT(msrp_reasm_pending(r), 0);
		msrp_chunk_msg_free(done);
		msrp_reasm_free(r);
		msrp_parser_free(p);
		msrp_buf_reset(&b);
	}
	msrp_path_reset(&to);
	msrp_path_reset(&from);
}

static void test_single_and_empty(void)
{
	struct msrp_reasm *r = NULL;
	struct msrp_chunk_msg *done = NULL;
	struct msrp_message m;

	CHECK_INT(msrp_reasm_alloc(&r, 100, 2), 0);

	/* no Byte-Range at all: the whole message */
	chunk(&m, "a", 0, 0, 0, "hello", 5, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done && done->len == 5 && strcmp((char *)done->body, "hello") == 0);
	msrp_chunk_msg_free(done);

	/* 1-0/0 */
	chunk(&m, "b", 1, 0, 0, NULL, 0, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done && done->len == 0 && done->body && done->body[0] == 0);
	msrp_chunk_msg_free(done);

	/* open-ended range, single chunk */
	chunk(&m, "c", 1, MSRP_BR_UNKNOWN, MSRP_BR_UNKNOWN, "xyz", 3, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done && done->len == 3);
	msrp_chunk_msg_free(done);
	CHECK_INT(msrp_reasm_pending(r), 0);

	/* not a SEND */
	chunk(&m, "d", 0, 0, 0, "x", 1, MSRP_CONT_END);
	m.method = MSRP_METHOD_REPORT;
	CHECK_INT(msrp_reasm_add(r, &m, &done), EINVAL);
	chunk(&m, NULL, 0, 0, 0, "x", 1, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), EINVAL);
	msrp_reasm_free(r);
	CHECK_INT(msrp_reasm_alloc(&r, 0, 1), EINVAL);
}

static void test_out_of_order_interrupted_resent(void)
{
	struct msrp_reasm *r = NULL;
	struct msrp_chunk_msg *done = NULL;
	struct msrp_message m;
	uint64_t got, total;

	msrp_reasm_alloc(&r, 1000, 4);

	/* interrupted: header says 1-10 but only 4 bytes came, '+' */
	chunk(&m, "m1", 1, 10, 12, "abcd", 4, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done == NULL);
	CHECK(msrp_reasm_progress(r, "m1", &got, &total));
	CHECK_INT(got, 4);
	CHECK_INT(total, 12);

	/* a later piece before the middle one */
	chunk(&m, "m1", 9, 12, 12, "ijkl", 4, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done == NULL);
	CHECK(msrp_reasm_progress(r, "m1", &got, NULL));
	CHECK_INT(got, 4);

	/* resend overlapping what we have */
	chunk(&m, "m1", 3, 9, 12, "CDefghI", 7, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done != NULL);
	if (done) {
		CHECK_INT(done->len, 12);
		CHECK_MEM(done->body, "abCDefghIjkl", 12);
	}
	msrp_chunk_msg_free(done);
	CHECK(!msrp_reasm_progress(r, "m1", &got, &total));
	msrp_reasm_free(r);
}

static void test_interleaved_and_unknown_total(void)
{
	struct msrp_reasm *r = NULL;
	struct msrp_chunk_msg *done = NULL;
	struct msrp_message m;

	msrp_reasm_alloc(&r, 1000, 2);
	chunk(&m, "A", 1, MSRP_BR_UNKNOWN, MSRP_BR_UNKNOWN, "aa", 2, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	chunk(&m, "B", 1, 2, 4, "bb", 2, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK_INT(msrp_reasm_pending(r), 2);

	/* a third message in progress is one too many */
	chunk(&m, "C", 1, 2, 4, "cc", 2, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), ENOSPC);
	/* but a single-chunk message still gets through */
	chunk(&m, "D", 0, 0, 0, "d", 1, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done != NULL);
	msrp_chunk_msg_free(done);

	chunk(&m, "A", 3, MSRP_BR_UNKNOWN, MSRP_BR_UNKNOWN, "AAA", 3, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done && done->len == 5 && memcmp(done->body, "aaAAA", 5) == 0);
	msrp_chunk_msg_free(done);
	chunk(&m, "B", 3, 4, 4, "BB", 2, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(done && done->len == 4 && memcmp(done->body, "bbBB", 4) == 0);
	msrp_chunk_msg_free(done);
	CHECK_INT(msrp_reasm_pending(r), 0);
	msrp_reasm_free(r);
}

static void test_errors(void)
{
	struct msrp_reasm *r = NULL;
	struct msrp_chunk_msg *done = NULL;
	struct msrp_message m;
	char big[64];
	int i;

	memset(big, 'x', sizeof(big));
	msrp_reasm_alloc(&r, 50, 4);

	/* abort drops what was received */
	chunk(&m, "x", 1, 4, 8, "abcd", 4, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	chunk(&m, "x", 5, MSRP_BR_UNKNOWN, 8, "e", 1, MSRP_CONT_ABORT);
	CHECK_INT(msrp_reasm_add(r, &m, &done), ECANCELED);
	CHECK_INT(msrp_reasm_pending(r), 0);

	/* announced total over the limit */
	chunk(&m, "y", 1, 4, 51, "abcd", 4, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), EFBIG);
	/* unknown total, growing past the limit */
	chunk(&m, "y", 1, 40, MSRP_BR_UNKNOWN, big, 40, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	chunk(&m, "y", 41, 51, MSRP_BR_UNKNOWN, big, 11, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), EFBIG);
	CHECK_INT(msrp_reasm_pending(r), 0);

	/* totals that change */
	chunk(&m, "z", 1, 2, 10, "ab", 2, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	chunk(&m, "z", 3, 4, 11, "cd", 2, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), EBADMSG);
	CHECK_INT(msrp_reasm_pending(r), 0);

	/* data beyond the total */
	chunk(&m, "w", 9, 10, 10, "abcd", 4, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), EBADMSG);

	/* last chunk stopping short of the total */
	chunk(&m, "v", 1, 2, 10, "ab", 2, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), EBADMSG);

	/* data after the last chunk */
	chunk(&m, "u", 3, 4, MSRP_BR_UNKNOWN, "cd", 2, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	chunk(&m, "u", 5, 6, MSRP_BR_UNKNOWN, "ef", 2, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), EBADMSG);
	/* '$' before data already received further on */
	chunk(&m, "t", 5, 6, MSRP_BR_UNKNOWN, "ef", 2, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	chunk(&m, "t", 1, 2, MSRP_BR_UNKNOWN, "ab", 2, MSRP_CONT_END);
	CHECK_INT(msrp_reasm_add(r, &m, &done), EBADMSG);
	CHECK_INT(msrp_reasm_pending(r), 0);

	/* drop */
	chunk(&m, "s", 1, 2, 4, "ab", 2, MSRP_CONT_MORE);
	CHECK_INT(msrp_reasm_add(r, &m, &done), 0);
	CHECK(msrp_reasm_drop(r, "s"));
	CHECK(!msrp_reasm_drop(r, "s"));
	msrp_reasm_free(r);

	/* a message shredded into too many pieces */
	msrp_reasm_alloc(&r, 100000, 4);
	for (i = 0; i <= MSRP_REASM_MAX_PIECES; i++) {
		int err;

		chunk(&m, "f", (uint64_t)i * 2 + 2, (uint64_t)i * 2 + 2, MSRP_BR_UNKNOWN, "q", 1,
		      MSRP_CONT_MORE);
		err = msrp_reasm_add(r, &m, &done);
		CHECK_INT(err, i < MSRP_REASM_MAX_PIECES ? 0 : EBADMSG);
	}
	CHECK_INT(msrp_reasm_pending(r), 0);
	msrp_reasm_free(r);
}

int main(void)
{
	RUN(test_chunker);
	RUN(test_split_build_parse_reassemble);
	RUN(test_single_and_empty);
	RUN(test_out_of_order_interrupted_resent);
	RUN(test_interleaved_and_unknown_total);
	RUN(test_errors);
	return check_summary();
}
