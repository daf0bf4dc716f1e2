/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the MSRP stream parser and what is built from its
 * output.
 *
 * Oracles beyond "no crash, no leak":
 *  - the sequence of results does not depend on how the stream is split
 *    into reads (one read versus two pseudo-random splittings);
 *  - every message parsed can be written back, and what is written parses
 *    to a message that is written identically (canonical form);
 *  - responses and REPORTs built for parsed requests parse again;
 *  - the 413 to a chunk that did not fit the read buffer (msrp_overflow) is
 *    one whole response: status line, two paths, its own end-line. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conference/msrp/msrp_chunk.h"
#include "conference/msrp/msrp_message.h"
#include "conference/msrp/msrp_overflow.h"

#define MAX_HEADER 2048
#define MAX_BODY 4096
#define MAX_TRACE 256

struct trace {
	int err;
	int perr;
	int kind;
	int cont;
	size_t body_len;
	char tid[MSRP_IDENT_MAX + 1];
};

static struct msrp_message *parse_single(const uint8_t *p, size_t n)
{
	struct msrp_parser *ps = NULL;
	struct msrp_message *m = NULL, *extra = NULL;

	if (msrp_parser_alloc(&ps, 1 << 20, 1 << 20))
		abort();
	if (msrp_parser_feed(ps, p, n))
		abort();
	if (msrp_parser_next(ps, &m) != 0)
		abort();
	if (msrp_parser_next(ps, &extra) != EAGAIN)
		abort();
	msrp_parser_free(ps);
	return m;
}

static void check_encode(const struct msrp_message *m)
{
	struct msrp_buf b1, b2;
	struct msrp_message *again;
	int err;

	msrp_buf_init(&b1);
	msrp_buf_init(&b2);
	err = msrp_message_encode(m, &b1);
	if (err == EEXIST)
		goto out; /* the body holds this tid's end-line: legal to receive,
			     refused to send */
	if (err)
		abort();
	again = parse_single(b1.data, b1.len);
	if (msrp_message_encode(again, &b2))
		abort();
	if (b1.len != b2.len || memcmp(b1.data, b2.data, b1.len) != 0)
		abort();
	if (again->body_len != m->body_len || again->kind != m->kind ||
	    strcmp(again->tid, m->tid) != 0)
		abort();
	msrp_message_free(again);
out:
	msrp_buf_reset(&b1);
	msrp_buf_reset(&b2);
}

static void check_builders(const struct msrp_message *m, struct msrp_reasm *ra)
{
	struct msrp_buf b;
	struct msrp_message *back;
	struct msrp_chunk_msg *done = NULL;

	if (m->kind != MSRP_REQUEST)
		return;
	msrp_buf_init(&b);
	if (msrp_build_response(&b, m, 400, NULL))
		abort();
	back = parse_single(b.data, b.len);
	if (back->kind != MSRP_RESPONSE || back->status_code != 400 || back->to_path.n != 1)
		abort();
	msrp_message_free(back);
	msrp_buf_reset(&b);

	if (m->method != MSRP_METHOD_SEND)
		return;
	if (msrp_build_report_for(&b, "fz1report", m, NULL, 200, NULL))
		abort();
	back = parse_single(b.data, b.len);
	if (back->method != MSRP_METHOD_REPORT || back->status.code != 200)
		abort();
	msrp_message_free(back);
	msrp_buf_reset(&b);

	msrp_reasm_add(ra, m, &done);
	msrp_chunk_msg_free(done);
}

/* Feed data in pieces from a little PRNG (seed 0: one piece); record the
 * results. Extra checks run on the messages when deep is set. */
static size_t run(const uint8_t *data, size_t size, uint32_t seed, bool deep, struct trace *t)
{
	struct msrp_parser *p = NULL;
	struct msrp_reasm *ra = NULL;
	size_t off = 0, n = 0;

	if (msrp_parser_alloc(&p, MAX_HEADER, MAX_BODY))
		abort();
	if (deep && msrp_reasm_alloc(&ra, 8192, 4))
		abort();
	while (off < size && !msrp_parser_fatal(p)) {
		size_t piece = size - off;

		if (seed) {
			seed ^= seed << 13;
			seed ^= seed >> 17;
			seed ^= seed << 5;
			piece = 1 + seed % (piece < 64 ? piece : 64);
		}
		if (msrp_parser_feed(p, data + off, piece))
			abort();
		off += piece;
		for (;;) {
			struct msrp_message *m = NULL;
			int err = msrp_parser_next(p, &m);

			if (err == EAGAIN) {
				if (m)
					abort();
				break;
			}
			if (err != 0 && err != EPROTO)
				abort();
			if (n < MAX_TRACE) {
				t[n].err = err;
				t[n].perr = err ? (int)msrp_parser_error(p) : 0;
				t[n].kind = m ? (int)m->kind : -1;
				t[n].cont = m ? (int)m->cont : -1;
				t[n].body_len = m ? m->body_len : 0;
				snprintf(t[n].tid, sizeof(t[n].tid), "%s", m ? m->tid : "");
				n++;
			}
			if (err == 0 && !m)
				abort();
			if (err == EPROTO && m && msrp_parser_fatal(p))
				abort();
			if (m && deep && err == 0) {
				check_encode(m);
				check_builders(m, ra);
			}
			msrp_message_free(m);
			if (msrp_parser_fatal(p))
				break;
		}
	}
	msrp_reasm_free(ra);
	msrp_parser_free(p);
	return n;
}

static void overflow(const uint8_t *data, size_t size)
{
	static char out[1024];
	size_t len = 0, n;
	int err = msrp_overflow_reply((const char *)data, size, out, sizeof(out), &len);

	if (err) {
		if (err != ENOENT && err != EINVAL && err != ENOSPC)
			abort();
		return;
	}
	n = strlen(out);
	if (len != n || strncmp(out, "MSRP ", 5) != 0 || !strstr(out, " 413 ") ||
	    !strstr(out, "\r\nTo-Path: ") || !strstr(out, "\r\nFrom-Path: ") ||
	    n < 3 || strcmp(out + n - 3, "$\r\n") != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct trace whole[MAX_TRACE], split[MAX_TRACE];
	uint32_t seed = 2166136261u;
	size_t n, m, i, k;

	for (i = 0; i < size && i < 64; i++)
		seed = (seed ^ data[i]) * 16777619u;
	if (!seed)
		seed = 1;

	overflow(data, size);
	n = run(data, size, 0, true, whole);
	for (k = 0; k < 2; k++) {
		m = run(data, size, seed + (uint32_t)k * 7919u, false, split);
		if (m != n)
			abort();
		for (i = 0; i < n; i++) {
			if (whole[i].err != split[i].err || whole[i].perr != split[i].perr ||
			    whole[i].kind != split[i].kind || whole[i].cont != split[i].cont ||
			    whole[i].body_len != split[i].body_len ||
			    strcmp(whole[i].tid, split[i].tid) != 0)
				abort();
		}
	}
	return 0;
}
