/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/ws/ws_frame: parsing (whole and byte by byte),
 * protocol errors with their close codes, masking, building, close
 * payloads. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "sylk_ws/ws/ws_frame.h"

static const struct ws_frame_rules server = {.role = WS_ROLE_SERVER};
static const struct ws_frame_rules client = {.role = WS_ROLE_CLIENT};

/* RFC 6455 5.7 examples */
static const uint8_t rfc_hello_unmasked[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
static const uint8_t rfc_hello_masked[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					   0x7f, 0x9f, 0x4d, 0x51, 0x58};
static const uint8_t rfc_frag1[] = {0x01, 0x03, 0x48, 0x65, 0x6c};
static const uint8_t rfc_frag2[] = {0x80, 0x02, 0x6c, 0x6f};
static const uint8_t rfc_ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
static const uint8_t rfc_pong_masked[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d,
					  0x7f, 0x9f, 0x4d, 0x51, 0x58};
static const uint8_t rfc_mask[4] = {0x37, 0xfa, 0x21, 0x3d};


/*
 * The parsers return an errno value and give the exact reason through an
 * out-parameter. These wrappers check that the two agree and return the
 * reason, which the tests compare exactly.
 */
static int parse_r(struct ws_frame *f, const uint8_t *buf, size_t len,
		   const struct ws_frame_rules *rules, size_t *need)
{
	enum ws_reason r = (enum ws_reason) - 1;
	int err = ws_frame_parse(f, buf, len, rules, need, &r);

	CHECK_INT(err, ws_reason_errno(r));
	return (int)r;
}


static int parse_header_r(struct ws_frame *f, const uint8_t *buf, size_t len,
			  const struct ws_frame_rules *rules, size_t *need)
{
	enum ws_reason r = (enum ws_reason) - 1;
	int err = ws_frame_parse_header(f, buf, len, rules, need, &r);

	CHECK_INT(err, ws_reason_errno(r));
	return (int)r;
}


static int close_parse_r(const uint8_t *payload, size_t len, uint16_t *code, const char **reason,
			 size_t *reason_len)
{
	enum ws_reason r = (enum ws_reason) - 1;
	int err = ws_close_parse(payload, len, code, reason, reason_len, &r);

	CHECK_INT(err, ws_reason_errno(r));
	return (int)r;
}


static void test_rfc_examples_parse(void)
{
	struct ws_frame f;
	uint8_t buf[16];
	size_t need = 99;

	/* single-frame unmasked text, as a client receives it */
	CHECK_INT(parse_r(&f, rfc_hello_unmasked, sizeof(rfc_hello_unmasked), &client, &need), 0);
	CHECK_INT(need, 0);
	CHECK(f.fin);
	CHECK_INT(f.rsv, 0);
	CHECK_INT(f.opcode, WS_OP_TEXT);
	CHECK(!f.masked);
	CHECK_INT(f.payload_off, 2);
	CHECK_INT(f.payload_len, 5);
	CHECK_MEM(rfc_hello_unmasked + f.payload_off, "Hello", 5);

	/* the same unmasked frame is a protocol error for a server */
	CHECK_INT(parse_r(&f, rfc_hello_unmasked, sizeof(rfc_hello_unmasked), &server, NULL),
		  WS_R_UNMASKED);
	CHECK_INT(parse_r(&f, rfc_hello_unmasked, sizeof(rfc_hello_unmasked), NULL, NULL),
		  WS_R_UNMASKED);

	/* single-frame masked text, as a server receives it */
	memcpy(buf, rfc_hello_masked, sizeof(rfc_hello_masked));
	CHECK_INT(parse_r(&f, buf, sizeof(rfc_hello_masked), &server, &need), 0);
	CHECK(f.fin);
	CHECK_INT(f.opcode, WS_OP_TEXT);
	CHECK(f.masked);
	CHECK_MEM(f.mask, rfc_mask, 4);
	CHECK_INT(f.payload_off, 6);
	CHECK_INT(f.payload_len, 5);
	CHECK_INT(ws_frame_size(&f), sizeof(rfc_hello_masked));
	ws_frame_unmask(&f, buf);
	CHECK(!f.masked);
	CHECK_MEM(buf + 6, "Hello", 5);
	ws_frame_unmask(&f, buf); /* second call must not re-mask */
	CHECK_MEM(buf + 6, "Hello", 5);

	/* masked frame is a protocol error for a client */
	CHECK_INT(parse_r(&f, rfc_hello_masked, sizeof(rfc_hello_masked), &client, NULL),
		  WS_R_MASKED);

	/* fragmented unmasked text */
	CHECK_INT(parse_r(&f, rfc_frag1, sizeof(rfc_frag1), &client, NULL), 0);
	CHECK(!f.fin);
	CHECK_INT(f.opcode, WS_OP_TEXT);
	CHECK_INT(f.payload_len, 3);
	CHECK_MEM(rfc_frag1 + f.payload_off, "Hel", 3);
	CHECK_INT(parse_r(&f, rfc_frag2, sizeof(rfc_frag2), &client, NULL), 0);
	CHECK(f.fin);
	CHECK_INT(f.opcode, WS_OP_CONT);
	CHECK_MEM(rfc_frag2 + f.payload_off, "lo", 2);

	/* unmasked ping */
	CHECK_INT(parse_r(&f, rfc_ping, sizeof(rfc_ping), &client, NULL), 0);
	CHECK_INT(f.opcode, WS_OP_PING);
	CHECK_INT(f.payload_len, 5);

	/* masked pong answering it */
	memcpy(buf, rfc_pong_masked, sizeof(rfc_pong_masked));
	CHECK_INT(parse_r(&f, buf, sizeof(rfc_pong_masked), &server, NULL), 0);
	CHECK_INT(f.opcode, WS_OP_PONG);
	ws_frame_unmask(&f, buf);
	CHECK_MEM(buf + f.payload_off, "Hello", 5);
}


static void test_rfc_examples_build(void)
{
	uint8_t buf[70000];
	uint8_t payload[65536];
	struct ws_frame f;
	size_t n;

	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_TEXT, true, "Hello", 5, &n), 0);
	CHECK_INT(n, sizeof(rfc_hello_unmasked));
	CHECK_MEM(buf, rfc_hello_unmasked, n);

	CHECK_INT(ws_frame_build_masked(buf, sizeof(buf), WS_OP_TEXT, true, "Hello", 5, rfc_mask,
					&n),
		  0);
	CHECK_INT(n, sizeof(rfc_hello_masked));
	CHECK_MEM(buf, rfc_hello_masked, n);

	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_TEXT, false, "Hel", 3, &n), 0);
	CHECK_MEM(buf, rfc_frag1, sizeof(rfc_frag1));
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_CONT, true, "lo", 2, &n), 0);
	CHECK_MEM(buf, rfc_frag2, sizeof(rfc_frag2));

	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_PING, true, "Hello", 5, &n), 0);
	CHECK_MEM(buf, rfc_ping, sizeof(rfc_ping));
	CHECK_INT(ws_frame_build_masked(buf, sizeof(buf), WS_OP_PONG, true, "Hello", 5, rfc_mask,
					&n),
		  0);
	CHECK_MEM(buf, rfc_pong_masked, sizeof(rfc_pong_masked));

	/* 256 bytes binary in a single unmasked frame: 0x82 0x7E 0x0100 */
	memset(payload, 0xab, sizeof(payload));
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_BINARY, true, payload, 256, &n), 0);
	CHECK_INT(n, 4 + 256);
	CHECK_MEM(buf, "\x82\x7e\x01\x00", 4);
	CHECK_MEM(buf + 4, payload, 256);
	CHECK_INT(parse_r(&f, buf, n, &client, NULL), 0);
	CHECK_INT(f.payload_off, 4);
	CHECK_INT(f.payload_len, 256);

	/* 64KiB binary in a single unmasked frame: 0x82 0x7F 0x...010000 */
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_BINARY, true, payload, 65536, &n), 0);
	CHECK_INT(n, 10 + 65536);
	CHECK_MEM(buf, "\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10);
	CHECK_INT(parse_r(&f, buf, n, &client, NULL), 0);
	CHECK_INT(f.payload_off, 10);
	CHECK_INT(f.payload_len, 65536);
}


/* Feed a frame one byte at a time and check every intermediate answer. */
static void check_bytewise(const uint8_t *frame, size_t len, size_t hdr,
			   const struct ws_frame_rules *rules)
{
	struct ws_frame f;
	size_t i, need;
	int bad_hdr = 0, bad_full = 0;

	for (i = 0; i < len; i++) {
		size_t want_hdr_need;
		int err;

		/* header need: the 2 fixed bytes first, then the rest */
		want_hdr_need = i < 2 ? 2 - i : hdr - i;

		err = parse_header_r(&f, frame, i, rules, &need);
		if (i < hdr) {
			if (err != WS_R_NEED_MORE || need == 0 || need > want_hdr_need ||
			    (i >= 2 && need != want_hdr_need)) {
				fprintf(stderr, "    header at %zu: err %d need %zu\n", i, err,
					need);
				bad_hdr++;
			}
		} else if (err != 0 || need != 0) {
			bad_hdr++;
		}

		err = parse_r(&f, frame, i, rules, &need);
		if (err != WS_R_NEED_MORE) {
			bad_full++;
			continue;
		}
		/* once the header is known, need runs to the end */
		if (i >= hdr && need != len - i)
			bad_full++;
		if (i < hdr && need > want_hdr_need)
			bad_full++;
	}

	CHECK_INT(bad_hdr, 0);
	CHECK_INT(bad_full, 0);
	CHECK_INT(parse_r(&f, frame, len, rules, &need), 0);
	CHECK_INT(need, 0);
	CHECK_INT(f.payload_off, hdr);
	CHECK_INT(ws_frame_size(&f), len);
}


static void test_partial_bytewise(void)
{
	uint8_t *buf = malloc(70000);
	uint8_t payload[300];
	const uint8_t key[4] = {1, 2, 3, 4};
	size_t n;

	memset(payload, 'x', sizeof(payload));

	/* before two bytes, the parser asks for the two fixed bytes */
	{
		struct ws_frame f;
		size_t need = 0;
		CHECK_INT(parse_header_r(&f, rfc_hello_masked, 0, &server, &need), WS_R_NEED_MORE);
		CHECK_INT(need, 2);
		CHECK_INT(parse_header_r(&f, rfc_hello_masked, 1, &server, &need), WS_R_NEED_MORE);
		CHECK_INT(need, 1);
		CHECK_INT(parse_header_r(&f, rfc_hello_masked, 2, &server, &need), WS_R_NEED_MORE);
		CHECK_INT(need, 4);
		CHECK_INT(parse_header_r(&f, NULL, 0, &server, &need), WS_R_NEED_MORE);
	}

	check_bytewise(rfc_hello_masked, sizeof(rfc_hello_masked), 6, &server);
	check_bytewise(rfc_hello_unmasked, sizeof(rfc_hello_unmasked), 2, &client);

	/* 16-bit length, masked */
	CHECK_INT(ws_frame_build_masked(buf, 70000, WS_OP_BINARY, true, payload, 300, key, &n), 0);
	CHECK_INT(n, 2 + 2 + 4 + 300);
	check_bytewise(buf, n, 8, &server);

	/* 64-bit length, masked */
	{
		uint8_t *big = calloc(1, 65536);
		CHECK_INT(ws_frame_build_masked(buf, 70000, WS_OP_BINARY, false, big, 65536, key,
						&n),
			  0);
		CHECK_INT(n, 2 + 8 + 4 + 65536);
		check_bytewise(buf, n, 14, &server);
		free(big);
	}

	/* empty payload: frame is complete with its header */
	CHECK_INT(ws_frame_build_masked(buf, 70000, WS_OP_PING, true, NULL, 0, key, &n), 0);
	CHECK_INT(n, 6);
	check_bytewise(buf, n, 6, &server);

	free(buf);
}


static void test_lengths(void)
{
	static const size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 70000};
	static const size_t hdrs[] = {2, 2, 2, 4, 4, 4, 10, 10};
	uint8_t *buf = malloc(80000);
	uint8_t *payload = malloc(70000);
	const uint8_t key[4] = {0xde, 0xad, 0xbe, 0xef};
	size_t i;

	for (i = 0; i < 70000; i++)
		payload[i] = (uint8_t)(i * 7);

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct ws_frame f;
		size_t n;

		CHECK_INT(ws_frame_header_size(sizes[i], false), hdrs[i]);
		CHECK_INT(ws_frame_header_size(sizes[i], true), hdrs[i] + 4);

		CHECK_INT(ws_frame_build(buf, 80000, WS_OP_BINARY, true, payload, sizes[i], &n), 0);
		CHECK_INT(n, hdrs[i] + sizes[i]);
		CHECK_INT(parse_r(&f, buf, n, &client, NULL), 0);
		CHECK_INT(f.payload_off, hdrs[i]);
		CHECK_INT(f.payload_len, sizes[i]);
		CHECK_MEM(buf + hdrs[i], payload, sizes[i]);

		CHECK_INT(ws_frame_build_masked(buf, 80000, WS_OP_TEXT, true, payload, sizes[i],
						key, &n),
			  0);
		CHECK_INT(n, hdrs[i] + 4 + sizes[i]);
		CHECK_INT(parse_r(&f, buf, n, &server, NULL), 0);
		CHECK_INT(f.payload_len, sizes[i]);
		ws_frame_unmask(&f, buf);
		CHECK_MEM(buf + f.payload_off, payload, sizes[i]);
	}

	/* non-minimal length encodings are accepted */
	{
		const uint8_t nonmin16[] = {0x82, 0xfe, 0x00, 0x05, 1,   2,  3,
					    4,    'a',  'b',  'c',  'd', 'e'};
		const uint8_t nonmin64[] = {0x82, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x01, 1, 2, 3, 4, 'a'};
		struct ws_frame f;

		CHECK_INT(parse_r(&f, nonmin16, sizeof(nonmin16), &server, NULL), 0);
		CHECK_INT(f.payload_len, 5);
		CHECK_INT(parse_r(&f, nonmin64, sizeof(nonmin64), &server, NULL), 0);
		CHECK_INT(f.payload_len, 1);
		CHECK_INT(f.payload_off, 14);
	}

	/* the largest legal 64-bit length parses as a header, then waits */
	{
		const uint8_t huge[] = {0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff,
					0xff, 0xff, 0xff, 1,    2,    3,    4};
		struct ws_frame f;
		size_t need;

		CHECK_INT(parse_header_r(&f, huge, sizeof(huge), &server, &need), 0);
		CHECK(f.payload_len == 0x7fffffffffffffffull);
		CHECK_INT(parse_r(&f, huge, sizeof(huge), &server, &need), WS_R_NEED_MORE);
		CHECK(need == 0x7fffffffffffffffull);
	}

	free(buf);
	free(payload);
}


static void test_protocol_errors(void)
{
	struct ws_frame_rules rsv1 = {.role = WS_ROLE_SERVER, .rsv_allowed = WS_RSV1};
	struct ws_frame f;
	uint8_t b[16];
	size_t need;
	unsigned op;

	/* RSV bits without an extension: fail on the first byte */
	CHECK_INT(parse_r(&f, (const uint8_t *)"\xc1", 1, &server, &need), WS_R_RSV);
	CHECK_INT(need, 0);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\xa1\x80", 2, &server, NULL), WS_R_RSV);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x91\x80", 2, &server, NULL), WS_R_RSV);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\xf1\x80", 2, &server, NULL), WS_R_RSV);
	/* an extension that owns RSV1 makes it legal, not RSV2 */
	CHECK_INT(parse_r(&f, (const uint8_t *)"\xc1\x80\0\0\0\0", 6, &rsv1, NULL), 0);
	CHECK_INT(f.rsv, WS_RSV1);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\xe1\x80", 2, &rsv1, NULL), WS_R_RSV);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_RSV)), 1002);

	/* reserved opcodes 3-7 and B-F */
	for (op = 0; op < 16; op++) {
		uint8_t fr[6] = {(uint8_t)(0x80 | op), 0x80, 0, 0, 0, 0};
		int want = ws_opcode_valid(op) ? 0 : WS_R_OPCODE;

		CHECK_INT(parse_r(&f, fr, 1, &server, NULL),
			  want == 0 ? WS_R_NEED_MORE : WS_R_OPCODE);
		CHECK_INT(parse_r(&f, fr, sizeof(fr), &server, NULL), want);
	}
	CHECK(!ws_opcode_valid(3) && !ws_opcode_valid(7));
	CHECK(!ws_opcode_valid(0xb) && !ws_opcode_valid(0xf));
	CHECK(ws_opcode_valid(0) && ws_opcode_valid(0xa));
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_OPCODE)), 1002);

	/* control frame with 126 bytes (7-bit length 126 and 127) */
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x89\xfe", 2, &server, NULL), WS_R_CTRL_TOO_LONG);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x88\xff", 2, &server, NULL), WS_R_CTRL_TOO_LONG);
	/* 125 is fine */
	memset(b, 0, sizeof(b));
	b[0] = 0x8a;
	b[1] = 0x80 | 125;
	CHECK_INT(parse_header_r(&f, b, 6, &server, NULL), 0);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_CTRL_TOO_LONG)), 1002);

	/* fragmented control frames: fail on the first byte */
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x09", 1, &server, NULL), WS_R_CTRL_FRAGMENTED);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x08\x80", 2, &server, NULL), WS_R_CTRL_FRAGMENTED);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x0a\x80", 2, &server, NULL), WS_R_CTRL_FRAGMENTED);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_CTRL_FRAGMENTED)), 1002);

	/* unmasked client frame, detected at the second byte */
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x82\x00", 2, &server, NULL), WS_R_UNMASKED);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_UNMASKED)), 1002);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_MASKED)), 1002);

	/* 64-bit length with the top bit set: fails at the third byte */
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x82\xff\x80", 3, &server, NULL), WS_R_LENGTH);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x82\xff", 2, &server, &need), WS_R_NEED_MORE);
	CHECK_INT(need, 12); /* the whole header: 2 + 8 + 4 */
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_LENGTH)), 1002);

	/* errors take precedence in byte order: RSV (byte 0) before mask */
	CHECK_INT(parse_r(&f, (const uint8_t *)"\xc3\x00", 2, &server, NULL), WS_R_RSV);
	CHECK_INT(parse_r(&f, (const uint8_t *)"\x03\x00", 2, &server, NULL), WS_R_OPCODE);
}


static void test_too_big(void)
{
	struct ws_frame_rules lim = {.role = WS_ROLE_SERVER, .max_payload = 1000};
	struct ws_frame f;
	uint8_t b[16];
	size_t need;

	/* 16-bit length 1001: refused as soon as the length is in */
	memcpy(b, "\x82\xfe\x03\xe9", 4);
	CHECK_INT(parse_r(&f, b, 3, &lim, &need), WS_R_NEED_MORE);
	CHECK_INT(need, 5);
	CHECK_INT(parse_r(&f, b, 4, &lim, NULL), WS_R_TOO_BIG);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_TOO_BIG)), 1009);

	/* exactly the limit is fine */
	memcpy(b, "\x82\xfe\x03\xe8\0\0\0\0", 8);
	CHECK_INT(parse_header_r(&f, b, 8, &lim, NULL), 0);
	CHECK_INT(f.payload_len, 1000);

	/* 64-bit length, limit checked before the mask arrives */
	memcpy(b, "\x82\xff\x00\x00\x00\x01\x00\x00\x00\x00", 10);
	CHECK_INT(parse_r(&f, b, 10, &lim, NULL), WS_R_TOO_BIG);

	/* no limit: a 4 GiB header is accepted, payload awaited */
	memcpy(b, "\x82\xff\x00\x00\x00\x01\x00\x00\x00\x00\1\2\3\4", 14);
	CHECK_INT(parse_r(&f, b, 14, &server, &need), WS_R_NEED_MORE);
	CHECK(need == 0x100000000ull);
}


static void test_mask(void)
{
	const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
	uint8_t whole[100], parts[100];
	size_t i, split;
	int bad = 0;

	for (i = 0; i < sizeof(whole); i++)
		whole[i] = (uint8_t)i;

	memcpy(parts, whole, sizeof(parts));
	ws_mask(whole, sizeof(whole), key, 0);
	for (i = 0; i < sizeof(whole); i++) {
		if (whole[i] != (uint8_t)(i ^ key[i & 3]))
			bad++;
	}
	CHECK_INT(bad, 0);

	/* masking in pieces with the right offset gives the same result */
	for (split = 0; split <= sizeof(parts); split++) {
		uint8_t t[100];

		memcpy(t, parts, sizeof(t));
		ws_mask(t, split, key, 0);
		ws_mask(t + split, sizeof(t) - split, key, split);
		if (memcmp(t, whole, sizeof(t)) != 0)
			bad++;
	}
	CHECK_INT(bad, 0);

	/* involution */
	ws_mask(whole, sizeof(whole), key, 0);
	CHECK_MEM(whole, parts, sizeof(parts));

	/* unaligned start inside a buffer */
	memcpy(whole, parts, sizeof(whole));
	ws_mask(whole + 3, 50, key, 0);
	for (i = 0; i < 50; i++) {
		if (whole[3 + i] != (uint8_t)((i + 3) ^ key[i & 3]))
			bad++;
	}
	CHECK_INT(bad, 0);

	ws_mask(NULL, 10, key, 0); /* tolerated */
}


static void test_build_errors(void)
{
	uint8_t buf[300];
	uint8_t payload[200];
	size_t n = 99;

	memset(payload, 'p', sizeof(payload));

	/* size query */
	CHECK_INT(ws_frame_build(NULL, 0, WS_OP_TEXT, true, payload, 200, &n), ENOSPC);
	CHECK_INT(n, 4 + 200);
	CHECK_INT(ws_frame_build(buf, 203, WS_OP_TEXT, true, payload, 200, &n), ENOSPC);
	CHECK_INT(n, 204);
	CHECK_INT(ws_frame_build(buf, 204, WS_OP_TEXT, true, payload, 200, &n), 0);
	CHECK_INT(n, 204);
	CHECK_INT(ws_frame_build_header(NULL, 0, WS_OP_BINARY, true, 70000, NULL, &n), ENOSPC);
	CHECK_INT(n, 10);

	/* control frames the server must not send */
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_PING, true, payload, 126, &n), EINVAL);
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_PING, false, payload, 5, &n), EINVAL);
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_CLOSE, true, payload, 125, &n), 0);
	/* opcode out of range */
	CHECK_INT(ws_frame_build(buf, sizeof(buf), 16, true, payload, 1, &n), EINVAL);
	/* any 4-bit opcode is buildable (tests need reserved ones) */
	CHECK_INT(ws_frame_build(buf, sizeof(buf), 3, true, payload, 1, &n), 0);
	CHECK_INT(buf[0], 0x83);
	/* payload NULL with a length */
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_TEXT, true, NULL, 1, &n), EINVAL);
	CHECK_INT(ws_frame_build_masked(buf, sizeof(buf), WS_OP_TEXT, true, "a", 1, NULL, &n),
		  EINVAL);

	/* building in place: payload already at the start of buf */
	memcpy(buf, "Hello", 5);
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_TEXT, true, buf, 5, &n), 0);
	CHECK_MEM(buf, rfc_hello_unmasked, sizeof(rfc_hello_unmasked));

	/* outlen is optional */
	CHECK_INT(ws_frame_build(buf, sizeof(buf), WS_OP_TEXT, true, "x", 1, NULL), 0);
}


static void test_close_codes(void)
{
	unsigned code;
	int wrong = 0;

	for (code = 0; code < 70000; code++) {
		bool want = (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
			    (code >= 3000 && code <= 4999);
		if (ws_close_code_valid(code) != want)
			wrong++;
	}
	CHECK_INT(wrong, 0);

	/* the named ones, for the reader */
	CHECK(ws_close_code_valid(1000));
	CHECK(ws_close_code_valid(1003));
	CHECK(!ws_close_code_valid(1004));
	CHECK(!ws_close_code_valid(1005));
	CHECK(!ws_close_code_valid(1006));
	CHECK(ws_close_code_valid(1007));
	CHECK(ws_close_code_valid(1011));
	CHECK(!ws_close_code_valid(1012));
	CHECK(!ws_close_code_valid(1015));
	CHECK(!ws_close_code_valid(999));
	CHECK(!ws_close_code_valid(2999));
	CHECK(ws_close_code_valid(3000));
	CHECK(ws_close_code_valid(4999));
	CHECK(!ws_close_code_valid(5000));
	CHECK(!ws_close_code_valid(65535));
}


static void test_close_payload(void)
{
	uint8_t buf[200];
	char reason[130];
	const char *r;
	size_t n, rlen;
	uint16_t code;

	/* build and parse back */
	CHECK_INT(ws_close_build(buf, sizeof(buf), 1000, "bye", 3, &n), 0);
	CHECK_INT(n, 5);
	CHECK_MEM(buf,
		  "\x03\xe8"
		  "bye",
		  5);
	CHECK_INT(close_parse_r(buf, n, &code, &r, &rlen), 0);
	CHECK_INT(code, 1000);
	CHECK_INT(rlen, 3);
	CHECK_MEM(r, "bye", 3);

	CHECK_INT(ws_close_build(buf, sizeof(buf), 4000, NULL, 0, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(close_parse_r(buf, n, &code, NULL, NULL), 0);
	CHECK_INT(code, 4000);

	/* code 0: empty payload, and then no reason */
	CHECK_INT(ws_close_build(buf, sizeof(buf), 0, NULL, 0, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(ws_close_build(buf, sizeof(buf), 0, "x", 1, &n), EINVAL);

	/* codes that never go on the wire */
	CHECK_INT(ws_close_build(buf, sizeof(buf), 1005, NULL, 0, &n), EINVAL);
	CHECK_INT(ws_close_build(buf, sizeof(buf), 1006, NULL, 0, &n), EINVAL);
	CHECK_INT(ws_close_build(buf, sizeof(buf), 1015, NULL, 0, &n), EINVAL);
	CHECK_INT(ws_close_build(buf, sizeof(buf), 1004, NULL, 0, &n), EINVAL);

	/* reason at and over the 123-byte limit */
	memset(reason, 'r', sizeof(reason));
	CHECK_INT(ws_close_build(buf, sizeof(buf), 1001, reason, 123, &n), 0);
	CHECK_INT(n, 125);
	CHECK_INT(ws_close_build(buf, sizeof(buf), 1001, reason, 124, &n), EINVAL);
	/* reason must be UTF-8 */
	CHECK_INT(ws_close_build(buf, sizeof(buf), 1001, "\xc0\xaf", 2, &n), EINVAL);
	/* too small a buffer: tells the size */
	CHECK_INT(ws_close_build(buf, 4, 1000, "bye", 3, &n), ENOSPC);
	CHECK_INT(n, 5);

	/* parse: empty means 1005 */
	CHECK_INT(close_parse_r(NULL, 0, &code, &r, &rlen), 0);
	CHECK_INT(code, WS_CLOSE_NO_STATUS);
	CHECK_INT(rlen, 0);
	/* one byte is malformed */
	CHECK_INT(close_parse_r((const uint8_t *)"\x03", 1, &code, NULL, NULL), WS_R_CLOSE_PAYLOAD);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_CLOSE_PAYLOAD)), 1002);
	/* invalid codes on the wire */
	CHECK_INT(close_parse_r((const uint8_t *)"\x03\xed", 2, &code, NULL, NULL),
		  WS_R_CLOSE_CODE); /* 1005 */
	CHECK_INT(close_parse_r((const uint8_t *)"\x03\xee", 2, &code, NULL, NULL),
		  WS_R_CLOSE_CODE); /* 1006 */
	CHECK_INT(close_parse_r((const uint8_t *)"\x00\x00", 2, &code, NULL, NULL),
		  WS_R_CLOSE_CODE);
	CHECK_INT(close_parse_r((const uint8_t *)"\x13\x88", 2, &code, NULL, NULL),
		  WS_R_CLOSE_CODE); /* 5000 */
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_CLOSE_CODE)), 1002);
	/* reason not UTF-8: 1007 */
	CHECK_INT(close_parse_r((const uint8_t *)"\x03\xe8\xed\xa0\x80", 5, &code, NULL, NULL),
		  WS_R_UTF8);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_UTF8)), 1007);
	/* over 125 bytes cannot be a close payload */
	memset(buf, 'a', sizeof(buf));
	buf[0] = 0x03;
	buf[1] = 0xe8;
	CHECK_INT(close_parse_r(buf, 126, &code, NULL, NULL), WS_R_CLOSE_PAYLOAD);
	CHECK_INT(close_parse_r(buf, 125, &code, NULL, NULL), 0);

	/* a whole close frame */
	CHECK_INT(ws_frame_build_close(buf, sizeof(buf), 1009, "too big", 7, &n), 0);
	CHECK_INT(n, 2 + 2 + 7);
	CHECK_MEM(buf,
		  "\x88\x09\x03\xf1"
		  "too big",
		  n);
	CHECK_INT(ws_frame_build_close(buf, sizeof(buf), 0, NULL, 0, &n), 0);
	CHECK_INT(n, 2);
	CHECK_MEM(buf, "\x88\x00", 2);
	CHECK_INT(ws_frame_build_close(buf, 3, 1000, "ab", 2, &n), ENOSPC);
	CHECK_INT(n, 6);
	CHECK_INT(ws_frame_build_close(buf, sizeof(buf), 1006, NULL, 0, &n), EINVAL);
}


static void test_err_helpers(void)
{
	/* every reason: its errno, the close code that errno maps to, and
	 * the text a client gets */
	static const struct {
		enum ws_reason reason;
		int err;
		unsigned close;
		const char *text;
	} reasons[] = {
		{WS_R_OK, 0, 0, "ok"},
		{WS_R_NEED_MORE, EAGAIN, 0, "need more data"},
		{WS_R_INVAL, EINVAL, 0, "invalid argument"},
		{WS_R_NOMEM, ENOMEM, 0, "out of memory"},
		{WS_R_RSV, EPROTO, 1002, "RSV bit set without extension"},
		{WS_R_OPCODE, EPROTO, 1002, "reserved opcode"},
		{WS_R_CTRL_TOO_LONG, EPROTO, 1002, "control frame payload over 125 bytes"},
		{WS_R_CTRL_FRAGMENTED, EPROTO, 1002, "fragmented control frame"},
		{WS_R_UNMASKED, EPROTO, 1002, "client frame not masked"},
		{WS_R_MASKED, EPROTO, 1002, "server frame masked"},
		{WS_R_LENGTH, EPROTO, 1002, "64-bit payload length has top bit set"},
		{WS_R_CONT_UNEXPECTED, EPROTO, 1002, "continuation frame without a message"},
		{WS_R_CONT_EXPECTED, EPROTO, 1002, "new data frame inside a fragmented message"},
		{WS_R_CLOSE_PAYLOAD, EPROTO, 1002, "malformed close payload"},
		{WS_R_CLOSE_CODE, EPROTO, 1002, "invalid close status code"},
		{WS_R_UTF8, EILSEQ, 1007, "invalid UTF-8"},
		{WS_R_TOO_BIG, EMSGSIZE, 1009, "message too big"},
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		CHECK_INT(ws_reason_errno(reasons[i].reason), reasons[i].err);
		CHECK_INT(ws_close_code_for(reasons[i].err), reasons[i].close);
		CHECK_STR(ws_reason_str(reasons[i].reason), reasons[i].text);
	}
	CHECK_STR(ws_reason_str((enum ws_reason)999), "unknown error");

	/* the errno values of the builders and the handshake: no close code */
	CHECK_INT(ws_close_code_for(ENOSPC), 0);
	CHECK_INT(ws_close_code_for(EBADMSG), 0);
	CHECK_INT(ws_close_code_for(ENOENT), 0);

	/* argument checks */
	{
		struct ws_frame f;
		CHECK_INT(parse_r(NULL, rfc_ping, 2, NULL, NULL), WS_R_INVAL);
		CHECK_INT(parse_r(&f, NULL, 2, NULL, NULL), WS_R_INVAL);
		CHECK_INT(close_parse_r(rfc_ping, 2, NULL, NULL, NULL), WS_R_INVAL);
	}
}


int main(void)
{
	RUN(test_rfc_examples_parse);
	RUN(test_rfc_examples_build);
	RUN(test_partial_bytewise);
	RUN(test_lengths);
	RUN(test_protocol_errors);
	RUN(test_too_big);
	RUN(test_mask);
	RUN(test_build_errors);
	RUN(test_close_codes);
	RUN(test_close_payload);
	RUN(test_err_helpers);

	return check_summary();
}
