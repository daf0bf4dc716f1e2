/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/ws/ws_message: reassembly, interleaving rules, size
 * limit, UTF-8 (whole and streaming), close frames, allocator hooks. */
#include <stdint.h>
#include <stdlib.h>
#include "check.h"
#include "sylk_ws/ws/ws_frame.h"
#include "sylk_ws/ws/ws_message.h"

static const uint8_t key[4] = {0x37, 0xfa, 0x21, 0x3d};

/* A masked client frame kept with its parsed header. */
struct tframe {
	uint8_t buf[2048];
	struct ws_frame f;
};


static struct tframe *mk(struct tframe *t, unsigned opcode, bool fin, const void *payload,
			 size_t len)
{
	size_t n;
	int err;

	err = ws_frame_build_masked(t->buf, sizeof(t->buf), opcode, fin, payload, len, key, &n);
	if (err) {
		fprintf(stderr, "    mk: build failed %d\n", err);
		abort();
	}
	err = ws_frame_parse(&t->f, t->buf, n, NULL, NULL, NULL);
	if (err) {
		fprintf(stderr, "    mk: parse failed %d\n", err);
		abort();
	}
	return t;
}


/*
 * ws_message_feed() returns an errno value and gives the exact reason
 * through an out-parameter: check that the two agree, return the reason,
 * which the tests compare exactly.
 */
static int feed_r(struct ws_message *m, struct ws_frame *f, uint8_t *frame, struct ws_msg *out)
{
	enum ws_reason r = (enum ws_reason) - 1;
	int err = ws_message_feed(m, f, frame, out, &r);

	CHECK_INT(err, ws_reason_errno(r));
	return (int)r;
}


static int feed(struct ws_message *m, unsigned opcode, bool fin, const void *payload, size_t len,
		struct ws_msg *out)
{
	struct tframe t;

	mk(&t, opcode, fin, payload, len);
	return feed_r(m, &t.f, t.buf, out);
}


static void test_single_frames(void)
{
	/* RFC 6455 5.7: a single-frame masked text message */
	uint8_t rfc[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
	struct ws_message *m = NULL;
	struct ws_frame f;
	struct ws_msg out;

	CHECK_INT(ws_message_alloc(&m, 1024), 0);
	if (!m)
		return;
	CHECK(!ws_message_in_progress(m));

	CHECK_INT(ws_frame_parse(&f, rfc, sizeof(rfc), NULL, NULL, NULL), 0);
	CHECK_INT(feed_r(m, &f, rfc, &out), 0);
	CHECK_INT(out.opcode, WS_OP_TEXT);
	CHECK_INT(out.len, 5);
	CHECK_STR((const char *)out.data, "Hello"); /* NUL-terminated */
	CHECK_INT(out.close_code, 0);
	/* unmasked in place, flag cleared */
	CHECK(!f.masked);
	CHECK_MEM(rfc + 6, "Hello", 5);
	CHECK(!ws_message_in_progress(m));

	/* binary may hold anything, including invalid UTF-8 and NUL */
	CHECK_INT(feed(m, WS_OP_BINARY, true, "\xff\x00\xc0", 3, &out), 0);
	CHECK_INT(out.opcode, WS_OP_BINARY);
	CHECK_INT(out.len, 3);
	CHECK_MEM(out.data, "\xff\x00\xc0", 3);

	/* empty messages */
	CHECK_INT(feed(m, WS_OP_TEXT, true, NULL, 0, &out), 0);
	CHECK_INT(out.opcode, WS_OP_TEXT);
	CHECK_INT(out.len, 0);
	CHECK(out.data != NULL);
	CHECK_STR((const char *)out.data, "");
	CHECK_INT(feed(m, WS_OP_BINARY, true, NULL, 0, &out), 0);
	CHECK_INT(out.len, 0);

	/* an already unmasked frame is taken as is */
	{
		struct tframe t;
		mk(&t, WS_OP_TEXT, true, "abc", 3);
		ws_frame_unmask(&t.f, t.buf);
		CHECK_INT(feed_r(m, &t.f, t.buf, &out), 0);
		CHECK_STR((const char *)out.data, "abc");
	}

	ws_message_free(m);
}


static void test_fragmented_with_control(void)
{
	struct ws_message *m = NULL;
	struct ws_msg out;

	CHECK_INT(ws_message_alloc(&m, 1024), 0);
	if (!m)
		return;

	/* RFC 6455 5.4: control frames in the middle of a fragmented message */
	CHECK_INT(feed(m, WS_OP_TEXT, false, "Hel", 3, &out), WS_R_NEED_MORE);
	CHECK(ws_message_in_progress(m));
	CHECK_INT(ws_message_pending(m), 3);

	CHECK_INT(feed(m, WS_OP_PING, true, "ping!", 5, &out), 0);
	CHECK_INT(out.opcode, WS_OP_PING);
	CHECK_INT(out.len, 5);
	CHECK_STR((const char *)out.data, "ping!");
	CHECK(ws_message_in_progress(m));

	CHECK_INT(feed(m, WS_OP_CONT, false, "", 0, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_PONG, true, NULL, 0, &out), 0);
	CHECK_INT(out.opcode, WS_OP_PONG);
	CHECK_INT(out.len, 0);

	CHECK_INT(feed(m, WS_OP_CONT, true, "lo", 2, &out), 0);
	CHECK_INT(out.opcode, WS_OP_TEXT);
	CHECK_INT(out.len, 5);
	CHECK_STR((const char *)out.data, "Hello");
	CHECK(!ws_message_in_progress(m));
	CHECK_INT(ws_message_pending(m), 0);

	/* a close frame inside a fragmented message is delivered too */
	CHECK_INT(feed(m, WS_OP_BINARY, false, "ab", 2, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CLOSE, true, "\x03\xe8", 2, &out), 0);
	CHECK_INT(out.opcode, WS_OP_CLOSE);
	CHECK_INT(out.close_code, 1000);
	CHECK(ws_message_in_progress(m));

	/* reset drops the message */
	ws_message_reset(m);
	CHECK(!ws_message_in_progress(m));
	CHECK_INT(feed(m, WS_OP_CONT, true, "x", 1, &out), WS_R_CONT_UNEXPECTED);

	ws_message_free(m);
}


static void test_many_fragments(void)
{
	struct ws_message *m = NULL;
	struct ws_msg out;
	uint8_t chunk[1000];
	size_t i;
	int bad = 0;

	CHECK_INT(ws_message_alloc(&m, 1000000), 0);
	if (!m)
		return;

	for (i = 0; i < 1000; i++) {
		unsigned op = i == 0 ? WS_OP_BINARY : WS_OP_CONT;
		int err;

		memset(chunk, (int)(i & 0xff), sizeof(chunk));
		err = feed(m, op, i == 999, chunk, sizeof(chunk), &out);
		if (err != (i == 999 ? 0 : WS_R_NEED_MORE))
			bad++;
	}
	CHECK_INT(bad, 0);
	CHECK_INT(out.opcode, WS_OP_BINARY);
	CHECK_INT(out.len, 1000000);
	for (i = 0; i < 1000000; i++) {
		if (out.data[i] != (uint8_t)((i / 1000) & 0xff))
			bad++;
	}
	CHECK_INT(bad, 0);

	/* next message after a big one still works (buffer given back) */
	CHECK_INT(feed(m, WS_OP_TEXT, true, "small", 5, &out), 0);
	CHECK_STR((const char *)out.data, "small");

	ws_message_free(m);
}


static void test_sequence_errors(void)
{
	struct ws_message *m = NULL;
	struct ws_msg out;

	CHECK_INT(ws_message_alloc(&m, 1024), 0);
	if (!m)
		return;

	/* continuation with no message in progress: 1002 */
	CHECK_INT(feed(m, WS_OP_CONT, true, "x", 1, &out), WS_R_CONT_UNEXPECTED);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_CONT_UNEXPECTED)), 1002);
	CHECK_INT(feed(m, WS_OP_CONT, false, "x", 1, &out), WS_R_CONT_UNEXPECTED);

	/* a new data frame while one is in progress: 1002 */
	CHECK_INT(feed(m, WS_OP_TEXT, false, "a", 1, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_TEXT, true, "b", 1, &out), WS_R_CONT_EXPECTED);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_CONT_EXPECTED)), 1002);
	CHECK(!ws_message_in_progress(m)); /* failure drops the message */

	CHECK_INT(feed(m, WS_OP_BINARY, false, "a", 1, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_TEXT, false, "b", 1, &out), WS_R_CONT_EXPECTED);
	CHECK_INT(feed(m, WS_OP_TEXT, false, "a", 1, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_BINARY, true, "b", 1, &out), WS_R_CONT_EXPECTED);

	/* reserved opcodes reaching the reassembler */
	{
		struct tframe t;

		mk(&t, WS_OP_TEXT, true, "x", 1);
		t.f.opcode = 3;
		CHECK_INT(feed_r(m, &t.f, t.buf, &out), WS_R_OPCODE);
		t.f.opcode = 0xb;
		CHECK_INT(feed_r(m, &t.f, t.buf, &out), WS_R_OPCODE);

		/* control frame rules are enforced here too */
		mk(&t, WS_OP_PING, true, "x", 1);
		t.f.fin = false;
		CHECK_INT(feed_r(m, &t.f, t.buf, &out), WS_R_CTRL_FRAGMENTED);
		mk(&t, WS_OP_PING, true, "x", 1);
		t.f.payload_len = 126;
		CHECK_INT(feed_r(m, &t.f, t.buf, &out), WS_R_CTRL_TOO_LONG);
	}

	/* usable again after errors */
	CHECK_INT(feed(m, WS_OP_TEXT, true, "ok", 2, &out), 0);
	CHECK_STR((const char *)out.data, "ok");

	ws_message_free(m);
}


static void test_size_limit(void)
{
	struct ws_message *m = NULL;
	struct ws_msg out;
	char big[200];

	memset(big, 'z', sizeof(big));

	CHECK_INT(ws_message_alloc(&m, 100), 0);
	if (!m)
		return;

	/* exactly the limit */
	CHECK_INT(feed(m, WS_OP_TEXT, true, big, 100, &out), 0);
	CHECK_INT(out.len, 100);
	/* one byte over in a single frame: 1009 */
	CHECK_INT(feed(m, WS_OP_TEXT, true, big, 101, &out), WS_R_TOO_BIG);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_TOO_BIG)), 1009);

	/* over the limit across fragments: fails on the fragment that
	 * crosses it, not at the end */
	CHECK_INT(feed(m, WS_OP_BINARY, false, big, 60, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, false, big, 40, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, false, big, 1, &out), WS_R_TOO_BIG);
	CHECK(!ws_message_in_progress(m));

	/* exactly the limit across fragments */
	CHECK_INT(feed(m, WS_OP_BINARY, false, big, 60, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, true, big, 40, &out), 0);
	CHECK_INT(out.len, 100);

	/* control frames do not count towards the message */
	CHECK_INT(feed(m, WS_OP_BINARY, false, big, 100, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_PING, true, big, 125, &out), 0);
	CHECK_INT(out.len, 125);
	CHECK_INT(feed(m, WS_OP_CONT, true, NULL, 0, &out), 0);
	CHECK_INT(out.len, 100);

	ws_message_free(m);

	/* a limit smaller than a control frame does not limit control */
	CHECK_INT(ws_message_alloc(&m, 1), 0);
	if (!m)
		return;
	CHECK_INT(feed(m, WS_OP_PING, true, big, 125, &out), 0);
	CHECK_INT(feed(m, WS_OP_TEXT, true, "a", 1, &out), 0);
	CHECK_INT(feed(m, WS_OP_TEXT, true, "ab", 2, &out), WS_R_TOO_BIG);
	ws_message_free(m);
}


static void test_utf8_rules(void)
{
	struct ws_message *m = NULL;
	struct ws_msg out;

	CHECK_INT(ws_message_alloc(&m, 1024), 0);
	if (!m)
		return;

	/* complete text message not UTF-8: 1007 */
	CHECK_INT(feed(m, WS_OP_TEXT, true, "\xce\xba\xed\xa0\x80", 5, &out), WS_R_UTF8);
	CHECK_INT(ws_close_code_for(ws_reason_errno(WS_R_UTF8)), 1007);
	CHECK_INT(feed(m, WS_OP_TEXT, true, "\xc0\xaf", 2, &out), WS_R_UTF8);
	CHECK_INT(feed(m, WS_OP_TEXT, true, "\xf4\x90\x80\x80", 4, &out), WS_R_UTF8);
	/* ends inside a character */
	CHECK_INT(feed(m, WS_OP_TEXT, true, "ab\xe2\x82", 4, &out), WS_R_UTF8);

	/* a character split across fragments is fine */
	CHECK_INT(feed(m, WS_OP_TEXT, false, "\xce", 1, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, false, "\xba\xe1", 2, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, false, "\xbd", 1, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, true, "\xb9", 1, &out), 0);
	CHECK_INT(out.len, 5);
	CHECK_MEM(out.data, "\xce\xba\xe1\xbd\xb9", 5);

	/* Autobahn 6.4.1-like: the bad fragment fails at once, before the
	 * message is finished */
	CHECK_INT(feed(m, WS_OP_TEXT, false, "\xce\xba\xe1\xbd\xb9", 5, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, false, "\xf4\x90\x80\x80", 4, &out), WS_R_UTF8);
	CHECK(!ws_message_in_progress(m));

	/* and a fragment that only starts a hopeless sequence is not yet
	 * bad, but the next byte is */
	CHECK_INT(feed(m, WS_OP_TEXT, false, "ok\xed", 3, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, false, "\xa0", 1, &out), WS_R_UTF8);

	/* truncated at the final fragment */
	CHECK_INT(feed(m, WS_OP_TEXT, false, "ok", 2, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, true, "\xf0\x90\x80", 3, &out), WS_R_UTF8);

	/* UTF-8 state does not leak from one message to the next */
	CHECK_INT(feed(m, WS_OP_TEXT, false, "\xe2", 1, &out), WS_R_NEED_MORE);
	ws_message_reset(m);
	CHECK_INT(feed(m, WS_OP_TEXT, true, "plain", 5, &out), 0);

	/* binary fragments are never UTF-8 checked */
	CHECK_INT(feed(m, WS_OP_BINARY, false, "\xff", 1, &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, true, "\xc0", 1, &out), 0);

	ws_message_free(m);
}


static void test_close_frames(void)
{
	struct ws_message *m = NULL;
	struct ws_msg out;

	CHECK_INT(ws_message_alloc(&m, 1024), 0);
	if (!m)
		return;

	CHECK_INT(feed(m, WS_OP_CLOSE, true,
		       "\x03\xe8"
		       "bye",
		       5, &out),
		  0);
	CHECK_INT(out.opcode, WS_OP_CLOSE);
	CHECK_INT(out.close_code, 1000);
	CHECK_INT(out.len, 3);
	CHECK_STR((const char *)out.data, "bye");

	/* empty: 1005 reported, no reason */
	CHECK_INT(feed(m, WS_OP_CLOSE, true, NULL, 0, &out), 0);
	CHECK_INT(out.close_code, WS_CLOSE_NO_STATUS);
	CHECK_INT(out.len, 0);
	CHECK(out.data != NULL);

	/* application code */
	CHECK_INT(feed(m, WS_OP_CLOSE, true, "\x0f\xa0", 2, &out), 0);
	CHECK_INT(out.close_code, 4000);

	/* 1 byte: 1002 */
	CHECK_INT(feed(m, WS_OP_CLOSE, true, "\x03", 1, &out), WS_R_CLOSE_PAYLOAD);
	/* code never on the wire: 1002 */
	CHECK_INT(feed(m, WS_OP_CLOSE, true, "\x03\xed", 2, &out), WS_R_CLOSE_CODE);
	CHECK_INT(feed(m, WS_OP_CLOSE, true, "\x03\xf7", 2, &out), WS_R_CLOSE_CODE); /* 1015 */
	CHECK_INT(feed(m, WS_OP_CLOSE, true, "\x03\xe7", 2, &out), WS_R_CLOSE_CODE); /* 999 */
	/* reason not UTF-8: 1007 */
	CHECK_INT(feed(m, WS_OP_CLOSE, true, "\x03\xe8\xff", 3, &out), WS_R_UTF8);

	ws_message_free(m);
}


/* Allocator hooks: every byte comes from and goes back to them. */
struct counting {
	int allocs;
	int frees;
};

static void *c_alloc(size_t size, void *arg)
{
	((struct counting *)arg)->allocs++;
	return malloc(size);
}

static void *c_realloc(void *ptr, size_t size, void *arg)
{
	if (!ptr)
		((struct counting *)arg)->allocs++;
	return realloc(ptr, size);
}

static void c_free(void *ptr, void *arg)
{
	if (ptr)
		((struct counting *)arg)->frees++;
	free(ptr);
}


static void test_allocator(void)
{
	struct counting cnt = {0, 0};
	const struct sylk_mem mem = {c_alloc, c_realloc, c_free, &cnt};
	const struct sylk_mem broken = {c_alloc, NULL, c_free, &cnt};
	struct ws_message *m = NULL;
	struct ws_msg out;
	char big[1500];

	memset(big, 'q', sizeof(big));

	CHECK_INT(ws_message_alloc_mem(&m, 100000, &mem), 0);
	if (!m)
		return;
	CHECK_INT(cnt.allocs, 1);
	CHECK_INT(feed(m, WS_OP_BINARY, false, big, sizeof(big), &out), WS_R_NEED_MORE);
	CHECK_INT(feed(m, WS_OP_CONT, true, big, sizeof(big), &out), 0);
	CHECK_INT(out.len, 3000);
	CHECK(cnt.allocs >= 2);
	ws_message_free(m);
	CHECK_INT(cnt.frees, cnt.allocs);

	CHECK_INT(ws_message_alloc_mem(&m, 100, &broken), EINVAL);
	CHECK_INT(ws_message_alloc_mem(&m, 100, NULL), EINVAL);
	CHECK_INT(ws_message_alloc_mem(NULL, 100, &mem), EINVAL);
}


static void test_args(void)
{
	struct ws_message *m = NULL;
	struct tframe t;
	struct ws_msg out;

	CHECK_INT(ws_message_alloc(&m, 0), EINVAL);
	CHECK_INT(ws_message_alloc(NULL, 10), EINVAL);
	CHECK_INT(ws_message_alloc(&m, 10), 0);
	if (!m)
		return;

	mk(&t, WS_OP_TEXT, true, "x", 1);
	CHECK_INT(feed_r(NULL, &t.f, t.buf, &out), WS_R_INVAL);
	CHECK_INT(feed_r(m, NULL, t.buf, &out), WS_R_INVAL);
	CHECK_INT(feed_r(m, &t.f, NULL, &out), WS_R_INVAL);
	CHECK_INT(feed_r(m, &t.f, t.buf, NULL), WS_R_INVAL);

	CHECK(!ws_message_in_progress(NULL));
	CHECK_INT(ws_message_pending(NULL), 0);
	ws_message_reset(NULL);
	ws_message_free(NULL);
	ws_message_free(m);
}


int main(void)
{
	RUN(test_single_frames);
	RUN(test_fragmented_with_control);
	RUN(test_many_fragments);
	RUN(test_sequence_errors);
	RUN(test_size_limit);
	RUN(test_utf8_rules);
	RUN(test_close_frames);
	RUN(test_allocator);
	RUN(test_args);

	return check_summary();
}
