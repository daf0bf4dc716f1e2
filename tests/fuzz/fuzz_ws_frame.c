/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: arbitrary bytes through ws_frame_parse() and
 * ws_message_feed() the way a server reads a TCP stream, at arbitrary
 * split points.
 *
 * Input layout:
 *   byte 0     options: bits 0-1 message limit (64, 1000, 65536, 1 MiB),
 *              bit 2 parser limit off (only the reassembler limits),
 *              bit 3 RSV1 negotiated, bit 4 client role (unmasked peer)
 *   bytes 1-3  seed for the split points
 *   rest       the byte stream
 *
 * Besides "no crash, no sanitizer report", it checks:
 *  - the stream gives the same frames, messages and final error whether it
 *    arrives in pieces or all at once;
 *  - an EAGAIN answer never under-asks: fewer bytes than `need` can
 *    never make the frame complete;
 *  - a parsed header re-encodes to the same bytes when minimally encoded;
 *  - every result of ws_message_feed() (errno and exact reason) equals
 *    that of a slow shadow model written straight from RFC 6455
 *    5.4/5.5/8.1, with its own UTF-8 rules;
 *  - every protocol error maps to close code 1002, 1007 or 1009, and its
 *    reason agrees with its errno.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/ws/ws_frame.h"
#include "sylk_ws/ws/ws_message.h"

#define FAIL(...)                                               \
	do {                                                    \
		fprintf(stderr, "fuzz_ws_frame: " __VA_ARGS__); \
		fprintf(stderr, " (line %d)\n", __LINE__);      \
		abort();                                        \
	} while (0)


/* ---- reference UTF-8: decode code points, judge ranges ---------------- */

/* 1 valid and complete, 2 valid so far but ends inside a character,
 * 0 invalid. A truncated tail is judged by the code point range its
 * possible completions cover. */
static int ref_utf8(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = p[i];
		size_t n, k, have;
		uint32_t lo, hi, min;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 2;
			lo = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 3;
			lo = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 4;
			lo = c & 0x07;
			min = 0x10000;
		} else
			return 0;

		have = len - i < n ? len - i : n;
		for (k = 1; k < have; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			lo = (lo << 6) | (p[i + k] & 0x3f);
		}
		hi = lo;
		for (; k < n; k++) {
			lo = lo << 6;
			hi = (hi << 6) | 0x3f;
		}

		if (lo < min)
			lo = min;
		if (hi > 0x10ffff)
			hi = 0x10ffff;
		if (lo > hi)
			return 0;
		if (lo >= 0xd800 && hi <= 0xdfff)
			return 0;

		if (have < n)
			return 2;
		i += n;
	}

	return 1;
}


/* ---- shadow reassembler ------------------------------------------------ */

struct model {
	size_t max;
	int opcode; /* message in progress, 0 if none */
	uint8_t *data;
	size_t len;
};


static bool model_close_code_ok(unsigned c)
{
	return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999);
}


/* Expected reason of feeding frame f with plain payload p. On WS_R_OK,
 * the exp_* outputs describe what must be delivered. */
static enum ws_reason model_feed(struct model *md, const struct ws_frame *f, const uint8_t *p,
				 int *exp_op, const uint8_t **exp_data, size_t *exp_len,
				 unsigned *exp_code)
{
	size_t n = f->payload_len;

	*exp_code = 0;
	*exp_op = f->opcode;

	if (f->opcode >= 8) {
		if (f->opcode == WS_OP_CLOSE) {
			if (n == 0) {
				*exp_code = 1005;
				*exp_data = p;
				*exp_len = 0;
				return WS_R_OK;
			}
			if (n == 1)
				goto proto_close;
			*exp_code = (unsigned)(p[0] << 8 | p[1]);
			if (!model_close_code_ok(*exp_code))
				goto bad_code;
			if (ref_utf8(p + 2, n - 2) != 1)
				goto bad_utf8;
			*exp_data = p + 2;
			*exp_len = n - 2;
			return WS_R_OK;
		}
		*exp_data = p;
		*exp_len = n;
		return WS_R_OK;
	}

	if (f->opcode == WS_OP_CONT) {
		if (!md->opcode)
			return WS_R_CONT_UNEXPECTED;
	} else {
		if (md->opcode) {
			md->opcode = 0;
			return WS_R_CONT_EXPECTED;
		}
		md->opcode = f->opcode;
		md->len = 0;
	}

	if (md->len + n > md->max) {
		md->opcode = 0;
		return WS_R_TOO_BIG;
	}

	md->data = realloc(md->data, md->len + n + 1);
	if (!md->data)
		abort();
	if (n)
		memcpy(md->data + md->len, p, n);
	md->len += n;

	if (md->opcode == WS_OP_TEXT) {
		int v = ref_utf8(md->data, md->len);

		if (v == 0 || (f->fin && v != 1)) {
			md->opcode = 0;
			return WS_R_UTF8;
		}
	}

	if (!f->fin)
		return WS_R_NEED_MORE;

	*exp_op = md->opcode;
	md->opcode = 0;
	*exp_data = md->data;
	*exp_len = md->len;
	return WS_R_OK;

proto_close:
	md->opcode = 0;
	return WS_R_CLOSE_PAYLOAD;
bad_code:
	md->opcode = 0;
	return WS_R_CLOSE_CODE;
bad_utf8:
	md->opcode = 0;
	return WS_R_UTF8;
}


/* ---- the reader under test --------------------------------------------- */

struct rng {
	uint32_t s;
};

static uint32_t rng_next(struct rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 17;
	r->s ^= r->s << 5;
	return r->s;
}


static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}


static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}


static void check_err_close(int err, enum ws_reason why)
{
	uint16_t c = ws_close_code_for(err);

	if (err != ws_reason_errno(why))
		FAIL("error %d with reason %d (%s)", err, (int)why, ws_reason_str(why));
	if (err == ENOMEM)
		return;
	if (c != 1002 && c != 1007 && c != 1009)
		FAIL("error %d (%s) maps to close %u", err, ws_reason_str(why), c);
}


static void check_header_roundtrip(const struct ws_frame *f, const uint8_t *frame,
				   bool masked_at_parse)
{
	uint8_t hdr[WS_FRAME_MAX_HEADER];
	size_t n;

	if (ws_frame_header_size(f->payload_len, masked_at_parse) != f->payload_off)
		return; /* non-minimal length encoding: legal, not ours */

	if (ws_frame_build_header(hdr, sizeof(hdr), f->opcode, f->fin, f->payload_len,
				  masked_at_parse ? f->mask : NULL, &n) != 0)
		FAIL("cannot rebuild a header we accepted");
	hdr[0] |= f->rsv;
	if (n != f->payload_off || memcmp(hdr, frame, n) != 0)
		FAIL("header does not round-trip");
}


/*
 * Read the stream as a server would: append each piece to a buffer,
 * take complete frames off its front, feed them, stop at the first error.
 * Returns a digest of everything that happened.
 */
static uint64_t run(const uint8_t *in, size_t len, uint8_t opts, struct rng *split)
{
	static const size_t limits[] = {64, 1000, 65536, 1 << 20};
	struct ws_frame_rules rules;
	struct ws_message *msg = NULL;
	struct model md;
	uint8_t *buf;
	size_t have = 0, pos = 0;
	uint64_t h = 0;
	int last = WS_R_NEED_MORE;

	memset(&rules, 0, sizeof(rules));
	memset(&md, 0, sizeof(md));
	md.max = limits[opts & 3];
	rules.max_payload = (opts & 4) ? 0 : md.max;
	rules.rsv_allowed = (opts & 8) ? WS_RSV1 : 0;
	rules.role = (opts & 16) ? WS_ROLE_CLIENT : WS_ROLE_SERVER;

	if (ws_message_alloc(&msg, md.max) != 0)
		FAIL("alloc");

	buf = malloc(len ? len : 1);
	if (!buf)
		abort();

	for (;;) {
		struct ws_frame f;
		size_t need = 0;
		enum ws_reason why;
		int err;

		err = ws_frame_parse(&f, buf, have, &rules, &need, &why);

		if (err == EAGAIN) {
			if (why != WS_R_NEED_MORE)
				FAIL("EAGAIN with reason %d", (int)why);
			size_t more;

			if (need == 0)
				FAIL("NEED_MORE with need 0");

			/* fewer than `need` further bytes must not be
			 * enough; later pieces are the same input bytes,
			 * so peeking ahead into buf changes nothing */
			if (need > 1 && len - pos >= need - 1) {
				struct ws_frame g;
				memcpy(buf + have, in + pos, need - 1);
				if (ws_frame_parse(&g, buf, have + need - 1, &rules, NULL, NULL) ==
				    0)
					FAIL("need %zu over-asked", need);
			}

			if (pos == len)
				break;

			if (!split) {
				more = len - pos;
			} else {
				uint32_t r = rng_next(split);
				more = (r & 0x100) ? 1 + (r & 7) : 1 + (r % (len - pos));
				if (more > len - pos)
					more = len - pos;
			}
			memcpy(buf + have, in + pos, more);
			have += more;
			pos += more;
			continue;
		}

		if (err) {
			check_err_close(err, why);
			last = (int)why;
			break;
		}
		if (why != WS_R_OK)
			FAIL("success with reason %d", (int)why);

		/* a complete frame */
		{
			const uint8_t *exp_data = NULL;
			size_t exp_len = 0, fsize = ws_frame_size(&f);
			unsigned exp_code;
			int exp_op;
			struct ws_frame hf;
			struct ws_msg out;
			bool was_masked = f.masked;
			enum ws_reason want;

			if (need != 0 || fsize > have || f.payload_off < 2 ||
			    f.payload_off > WS_FRAME_MAX_HEADER)
				FAIL("bad frame geometry");
			if (ws_frame_parse_header(&hf, buf, f.payload_off, &rules, NULL, NULL) !=
				    0 ||
			    hf.payload_len != f.payload_len)
				FAIL("header alone does not parse the same");
			if (rules.max_payload && f.payload_len > rules.max_payload)
				FAIL("limit not enforced");

			check_header_roundtrip(&f, buf, was_masked);

			h = mix(h, (uint64_t)buf[0] << 8 | f.payload_len);

			err = ws_message_feed(msg, &f, buf, &out, &why);
			if (f.masked)
				FAIL("feed left the payload masked");

			want = model_feed(&md, &f, buf + f.payload_off, &exp_op, &exp_data,
					  &exp_len, &exp_code);
			if (why != want || err != ws_reason_errno(want))
				FAIL("feed %d (%s), model %d (%s)", err, ws_reason_str(why),
				     ws_reason_errno(want), ws_reason_str(want));
			if (ws_message_in_progress(msg) != (md.opcode != 0))
				FAIL("in-progress state differs from model");

			h = mix(h, (uint64_t)why + 100);

			if (err == 0) {
				if (out.opcode != exp_op || out.len != exp_len ||
				    (exp_len && memcmp(out.data, exp_data, exp_len) != 0) ||
				    out.data[out.len] != '\0' || out.close_code != exp_code)
					FAIL("delivered data differs from model");
				if (out.opcode == WS_OP_TEXT && !utf8_valid(out.data, out.len))
					FAIL("delivered invalid text");
				h = mix(h, out.opcode);
				h = mix(h, out.close_code);
				h = mix(h, hash_bytes(out.data, out.len));
			} else if (err != EAGAIN) {
				check_err_close(err, why);
				last = (int)why;
				break;
			}

			memmove(buf, buf + fsize, have - fsize);
			have -= fsize;
		}
	}

	/* after an error the split run may have read less: leave `have`
	 * out then; at a clean end both have read everything */
	h = mix(h, (uint64_t)last + 100);
	if (last == WS_R_NEED_MORE)
		h = mix(h, have);

	free(buf);
	free(md.data);
	ws_message_free(msg);

	return h;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rng split;
	uint64_t whole, pieces;

	if (size < 4)
		return 0;

	split.s = (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
	split.s |= 1; /* xorshift must not start at 0 */

	whole = run(data + 4, size - 4, data[0], NULL);
	pieces = run(data + 4, size - 4, data[0], &split);

	if (whole != pieces)
		FAIL("split input gave a different result");

	return 0;
}
