/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The chat switch of a conference room: routing, nicknames, history,
 * status notices, and that room state lives only in the caller's allocator. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conference/room/chat_room.h"
#include "sylk_ws/im/cpim.h"

#define ROOM "sip:room@conference.example.com"
#define ALICE "sip:alice@example.com"
#define BOB "sip:bob@example.com"
#define CAROL "sip:carol@example.com"

/* ---- a counting allocator standing in for shared memory ------------------- */

struct block {
	struct block *next;
	size_t size;
	/* payload follows, max-aligned */
	max_align_t align[];
};

struct counter {
	struct block *live;
	size_t live_n;
	size_t live_bytes;
	size_t calls;
	size_t fail_at; /* 1-based call number that fails; 0 = never */
};

static void *count_alloc(size_t size, void *ctx)
{
	struct counter *c = ctx;
	struct block *b;

	c->calls++;
	if (c->fail_at && c->calls == c->fail_at)
		return NULL;
	b = malloc(sizeof(*b) + size);
	if (!b)
		return NULL;
	b->size = size;
	b->next = c->live;
	c->live = b;
	c->live_n++;
	c->live_bytes += size;
	memset(b->align, 0xa5, size); /* no reliance on zeroed memory */
	return b->align;
}

static void count_free(void *p, void *ctx)
{
	struct counter *c = ctx;
	struct block **pp;

	for (pp = &c->live; *pp; pp = &(*pp)->next) {
		if ((void *)(*pp)->align == p) {
			struct block *b = *pp;

			*pp = b->next;
			c->live_n--;
			c->live_bytes -= b->size;
			free(b);
			return;
		}
	}
	/* freeing something this allocator never gave out */
	CHECK(!"count_free: foreign pointer");
}

/* True when [p, p + n) lies inside one block of c. */
static bool owned(const struct counter *c, const void *p, size_t n)
{
	const struct block *b;

	for (b = c->live; b; b = b->next) {
		const char *s = (const char *)b->align;

		if ((const char *)p >= s && (const char *)p + n <= s + b->size)
			return true;
	}
	return false;
}

static struct sylk_mem counter_mem(struct counter *c)
{
	struct sylk_mem m = {.alloc = count_alloc, .free = count_free, .ctx = c};

	memset(c, 0, sizeof(*c));
	return m;
}

/* ---- helpers -------------------------------------------------------------- */

static char *msg(const char *from, const char *to, const char *ct, const char *text)
{
	static char buf[8192];

	snprintf(buf, sizeof(buf),
		 "From: %s\r\n"
		 "%s%s%s"
		 "DateTime: 2024-01-02T03:04:05Z\r\n"
		 "NS: imdn <urn:ietf:params:imdn>\r\n"
		 "imdn.Message-ID: abc123\r\n"
		 "\r\n"
		 "Content-Type: %s\r\n"
		 "\r\n"
		 "%s",
		 from, to ? "To: " : "", to ? to : "", to ? "\r\n" : "", ct, text);
	return buf;
}

static int route(struct chat_room *r, unsigned key, const char *body, struct chat_route *out)
{
	return chat_room_route(r, key, "message/cpim", body, strlen(body), out);
}

static bool targets_are(const struct chat_route *r, const unsigned *want, size_t n)
{
	size_t i, j;

	if (r->target_count != n)
		return false;
	if (n == 0)
		return r->targets == NULL;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n && r->targets[j] != want[i]; j++)
			;
		if (j == n)
			return false;
	}
	return true;
}

static struct chat_room *room3(void)
{
	struct chat_room *r = NULL;

	CHECK_INT(chat_room_alloc(&r, NULL, ROOM, 20), 0);
	if (!r)
		return NULL;
	CHECK_INT(chat_room_join(r, 1, ALICE, "Alice"), 0);
	CHECK_INT(chat_room_join(r, 2, BOB, NULL), 0);
	CHECK_INT(chat_room_join(r, 3, CAROL, "Carol"), 0);
	return r;
}

/* ---- tests ------------------------------------------------------------------ */

static void test_broadcast(void)
{
	struct chat_room *r = room3();
	struct chat_route rt;
	const unsigned others[] = {2, 3}, all_but_bob[] = {1, 3};
	const char *b;

	if (!r)
		return;
	b = msg("Alice <" ALICE ">", "<" ROOM ">", "text/plain", "hello");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(!rt.is_private && !rt.is_composing && rt.store);
	CHECK(targets_are(&rt, others, 2));
	CHECK(rt.reason != NULL);
	free(rt.targets);

	/* no To at all */
	b = msg("<" BOB ">", NULL, "text/plain", "hi");
	CHECK_INT(route(r, 2, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(!rt.is_private && rt.store);
	CHECK(targets_are(&rt, all_but_bob, 2));
	free(rt.targets);

	/* several To, even all participants: not private */
	b = "From: <" ALICE ">\r\nTo: <" BOB ">\r\nTo: <" CAROL ">\r\n\r\n"
	    "Content-Type: text/plain\r\n\r\nx";
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(!rt.is_private && rt.store);
	CHECK(targets_are(&rt, others, 2));
	free(rt.targets);

	/* the room URI written differently is still the room */
	b = msg("<" ALICE ">", "Room <SIP:room@Conference.Example.COM;transport=tcp>", "text/plain",
		"x");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(!rt.is_private && rt.store);
	free(rt.targets);

	/* alone in the room: 200, nobody to deliver to, still stored */
	CHECK_INT(chat_room_leave(r, 2), 0);
	CHECK_INT(chat_room_leave(r, 3), 0);
	b = msg("<" ALICE ">", "<" ROOM ">", "text/plain", "anyone?");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(rt.store && rt.target_count == 0 && rt.targets == NULL);
	chat_room_free(r);
}

static void test_private(void)
{
	struct chat_room *r = room3();
	struct chat_route rt;
	const unsigned bob[] = {2}, bob_and_alice2[] = {2, 4}, both_bobs_alice2[] = {2, 5, 4};
	const unsigned alice2[] = {4};
	const char *b;

	if (!r)
		return;
	b = msg("<" ALICE ">", "Bob <" BOB ">", "text/plain", "psst");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(rt.is_private && !rt.store && !rt.is_composing);
	CHECK(targets_are(&rt, bob, 1));
	free(rt.targets);

	/* alice's second device gets the echo; bob's second device the message */
	CHECK_INT(chat_room_join(r, 4, "Alice <sip:alice@EXAMPLE.com>", NULL), 0);
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK(targets_are(&rt, bob_and_alice2, 2));
	free(rt.targets);
	CHECK_INT(chat_room_join(r, 5, "sips:bob@example.com;transport=tls", NULL), 0);
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK(rt.is_private);
	CHECK(targets_are(&rt, both_bobs_alice2, 3));
	free(rt.targets);

	/* To normalised: no scheme, parameters, host case */
	b = msg("<" ALICE ">", "<bob@Example.com;foo=bar>", "text/plain", "psst");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(rt.is_private && rt.target_count == 3);
	free(rt.targets);

	/* to oneself: only one's other sessions */
	b = msg("<" ALICE ">", "<" ALICE ">", "text/plain", "note to self");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(rt.is_private && !rt.store);
	CHECK(targets_are(&rt, alice2, 1));
	free(rt.targets);
	chat_room_free(r);
}

static void test_private_unknown(void)
{
	struct chat_room *r = room3();
	struct chat_route rt;
	const char *b;

	if (!r)
		return;
	b = msg("<" ALICE ">", "<sip:dave@example.com>", "text/plain", "psst");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 404);
	CHECK(rt.targets == NULL && rt.target_count == 0 && !rt.store);
	CHECK(rt.reason != NULL);

	/* user part is case-sensitive */
	b = msg("<" ALICE ">", "<sip:BOB@example.com>", "text/plain", "psst");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 404);

	/* a To that is no usable URI */
	b = msg("<" ALICE ">", "<sip:>", "text/plain", "psst");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 404);
	CHECK(rt.targets == NULL);

	/* bob left: no longer reachable privately */
	CHECK_INT(chat_room_leave(r, 2), 0);
	b = msg("<" ALICE ">", "<" BOB ">", "text/plain", "psst");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 404);
	chat_room_free(r);
}

static void test_from_spoofing(void)
{
	struct chat_room *r = room3();
	struct chat_route rt;
	const char *b;

	if (!r)
		return;
	b = msg("<" BOB ">", "<" ROOM ">", "text/plain", "I am bob");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 403);
	CHECK(rt.targets == NULL && !rt.store);

	/* the room itself (a forged status notice) */
	b = msg("<" ROOM ">", "<" ROOM ">", "text/plain", "server says");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 403);

	/* user part differs only in case: a different user */
	b = msg("<sip:Alice@example.com>", "<" ROOM ">", "text/plain", "x");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 403);

	/* same host, other user; other host, same user */
	b = msg("<sip:alicex@example.com>", NULL, "text/plain", "x");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 403);
	b = msg("<sip:alice@example.org>", NULL, "text/plain", "x");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 403);
	b = msg("<tel:alice@example.com>", NULL, "text/plain", "x");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 403);

	/* accepted spellings of one's own URI */
	b = msg("\"Alice A.\" <SIP:alice@Example.COM;transport=tcp?x=y>", NULL, "text/plain", "x");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	free(rt.targets);
	b = msg("<sips:alice@example.com>", NULL, "text/plain", "x");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	free(rt.targets);
	b = msg("sip:alice@example.com", NULL, "text/plain", "bare URI");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	free(rt.targets);
	b = msg("<sip:alice:secret@example.com>", NULL, "text/plain", "password dropped");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	free(rt.targets);

	/* no From: undecodable */
	b = "To: <" ROOM ">\r\n\r\nContent-Type: text/plain\r\n\r\nx";
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 400);

	/* sender not in the room */
	b = msg("<sip:dave@example.com>", NULL, "text/plain", "x");
	CHECK_INT(route(r, 9, b, &rt), 0);
	CHECK_INT(rt.status, 403);
	CHECK_INT(route(r, 0, b, &rt), 0);
	CHECK_INT(rt.status, 403);
	chat_room_free(r);
}

static void test_content_types(void)
{
	struct chat_room *r = room3();
	struct chat_route rt;
	const char *b;

	if (!r)
		return;
	b = "hello";
	CHECK_INT(chat_room_route(r, 1, "text/plain", b, strlen(b), &rt), 0);
	CHECK_INT(rt.status, 415);
	CHECK(rt.targets == NULL && !rt.store);
	CHECK_INT(chat_room_route(r, 1, NULL, b, strlen(b), &rt), 0);
	CHECK_INT(rt.status, 415);
	CHECK_INT(chat_room_route(r, 1, "message/cpimx", b, strlen(b), &rt), 0);
	CHECK_INT(rt.status, 415);
	CHECK_INT(chat_room_route(r, 1, "", b, strlen(b), &rt), 0);
	CHECK_INT(rt.status, 415);

	b = msg("<" ALICE ">", NULL, "text/plain", "x");
	CHECK_INT(chat_room_route(r, 1, "Message/CPIM; charset=utf-8", b, strlen(b), &rt), 0);
	CHECK_INT(rt.status, 200);
	free(rt.targets);

	/* undecodable CPIM */
	b = "this is not CPIM at all";
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 400);
	CHECK(rt.targets == NULL);
	CHECK_INT(chat_room_route(r, 1, "message/cpim", "", 0, &rt), 0);
	CHECK_INT(rt.status, 400);
	CHECK_INT(chat_room_route(r, 1, "message/cpim", NULL, 0, &rt), 0);
	CHECK_INT(rt.status, 400);
	b = "From: <" ALICE ">\r\nBroken header line\r\n\r\nContent-Type: text/plain\r\n\r\nx";
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 400);
	b = "From: <" ALICE ">\r\nTo: <sip:a b@x>\r\n\r\nContent-Type: text/plain\r\n\r\nx";
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 400);

	/* screen-sharing frames are relayed, not stored */
	b = msg("<" ALICE ">", "<" ROOM ">", "application/blink-screensharing", "/9j/4AAQ");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(!rt.store && rt.target_count == 2);
	free(rt.targets);
	chat_room_free(r);
}

static void test_composing(void)
{
	struct chat_room *r = room3();
	struct chat_route rt;
	const unsigned others[] = {2, 3}, bob[] = {2};
	static const char doc[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
				  "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">"
				  "<state>active</state><contenttype>text/plain</contenttype>"
				  "<refresh>60</refresh></isComposing>\r\n";
	const char *b;

	if (!r)
		return;
	b = msg("<" ALICE ">", "<" ROOM ">", "application/im-iscomposing+xml", doc);
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(rt.is_composing && !rt.is_private && !rt.store);
	CHECK(targets_are(&rt, others, 2));
	free(rt.targets);

	/* private typing notice: the recipient only, no echo to alice's other device */
	CHECK_INT(chat_room_join(r, 4, ALICE, NULL), 0);
	b = msg("<" ALICE ">", "<" BOB ">", "Application/IM-IsComposing+XML; charset=utf-8", doc);
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(rt.is_composing && rt.is_private && !rt.store);
	CHECK(targets_are(&rt, bob, 1));
	free(rt.targets);

	/* spoofed typing notice */
	b = msg("<" CAROL ">", NULL, "application/im-iscomposing+xml", doc);
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 403);
	chat_room_free(r);
}

static void test_body_untouched(void)
{
	struct chat_room *r = room3();
	struct chat_route rt;
	char copy[8192];
	const char *b;

	if (!r)
		return;
	b = "From: Alice <" ALICE ">\r\nTo: <" ROOM ">\r\n"
	    "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: 1234\r\n"
	    "imdn.Disposition-Notification: positive-delivery\r\n"
	    "NS: x <urn:example:x>\r\nx.Whatever: keep me\r\n\r\n"
	    "Content-Type: text/plain\r\n\r\nbody";
	memcpy(copy, b, strlen(b) + 1);
	CHECK_INT(route(r, 1, copy, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK_STR(copy, b);
	CHECK(rt.store);
	free(rt.targets);
	CHECK_INT(chat_room_history_add(r, copy, strlen(copy)), 0);
	{
		const void *p;
		size_t n;

		CHECK_INT(chat_room_history_get(r, 0, &p, &n), 0);
		CHECK_INT(n, strlen(b));
		CHECK_MEM(p, b, strlen(b));
	}
	chat_room_free(r);
}

static void test_nicknames(void)
{
	struct chat_room *r = room3();
	char long_nick[CHAT_NICKNAME_MAX + 2];

	if (!r)
		return;
	CHECK(chat_room_nickname(r, 1) == NULL);
	CHECK_INT(chat_room_set_nickname(r, 1, "Ali"), 0);
	CHECK_STR(chat_room_nickname(r, 1), "Ali");
	CHECK_INT(chat_room_set_nickname(r, 2, "Ali"), EADDRINUSE);
	CHECK_INT(chat_room_set_nickname(r, 2, "ali"), EADDRINUSE);
	CHECK_INT(chat_room_set_nickname(r, 2, "ALI"), EADDRINUSE);
	CHECK(chat_room_nickname(r, 2) == NULL);
	/* one's own nickname in another case: fine, spelling updated */
	CHECK_INT(chat_room_set_nickname(r, 1, "ALI"), 0);
	CHECK_STR(chat_room_nickname(r, 1), "ALI");
	/* change: the old one becomes free */
	CHECK_INT(chat_room_set_nickname(r, 1, "Alice"), 0);
	CHECK_INT(chat_room_set_nickname(r, 2, "ali"), 0);
	CHECK_STR(chat_room_nickname(r, 2), "ali");
	CHECK_INT(chat_room_set_nickname(r, 3, "alice"), EADDRINUSE);
	/* UTF-8 nicknames are fine; non-ASCII compared bytewise */
	CHECK_INT(chat_room_set_nickname(r, 3, "J\xc3\xb6rg"), 0);
	CHECK_INT(chat_room_set_nickname(r, 2, "J\xc3\xb6rg"), EADDRINUSE);
	CHECK_INT(chat_room_set_nickname(r, 2, "J\xc3\x96rg"), 0);
	/* invalid */
	CHECK_INT(chat_room_set_nickname(r, 1, ""), EINVAL);
	CHECK_INT(chat_room_set_nickname(r, 1, NULL), EINVAL);
	CHECK_INT(chat_room_set_nickname(r, 1, "a\r\nb"), EINVAL);
	CHECK_INT(chat_room_set_nickname(r, 1, "a\tb"), EINVAL);
	CHECK_INT(chat_room_set_nickname(r, 1, "a\x7f"), EINVAL);
	CHECK_INT(chat_room_set_nickname(r, 1, "\xc3"), EINVAL);
	CHECK_INT(chat_room_set_nickname(r, 1, "\xc0\xaf"), EINVAL);
	CHECK_INT(chat_room_set_nickname(r, 1, "\xed\xa0\x80"), EINVAL);
	memset(long_nick, 'n', CHAT_NICKNAME_MAX + 1);
	long_nick[CHAT_NICKNAME_MAX + 1] = '\0';
	CHECK_INT(chat_room_set_nickname(r, 1, long_nick), EINVAL);
	long_nick[CHAT_NICKNAME_MAX] = '\0';
	CHECK_INT(chat_room_set_nickname(r, 1, long_nick), 0);
	CHECK_STR(chat_room_nickname(r, 1), long_nick);
	/* unknown key */
	CHECK_INT(chat_room_set_nickname(r, 9, "ghost"), ENOENT);
	CHECK_INT(chat_room_set_nickname(r, 0, "ghost"), ENOENT);
	CHECK(chat_room_nickname(r, 9) == NULL);
	/* leaving releases the nickname */
	CHECK_INT(chat_room_leave(r, 3), 0);
	CHECK_INT(chat_room_set_nickname(r, 1, "j\xc3\xb6RG"), 0);
	chat_room_free(r);
}

static void test_history(void)
{
	struct chat_room *r = NULL;
	const void *p;
	size_t n, i;
	char m[32];

	CHECK_INT(chat_room_alloc(&r, NULL, ROOM, 3), 0);
	if (!r)
		return;
	CHECK_INT(chat_room_history_count(r), 0);
	CHECK_INT(chat_room_history_get(r, 0, &p, &n), ENOENT);
	for (i = 1; i <= 5; i++) {
		snprintf(m, sizeof(m), "message %zu", i);
		CHECK_INT(chat_room_history_add(r, m, strlen(m)), 0);
		CHECK_INT(chat_room_history_count(r), i < 3 ? i : 3);
	}
	for (i = 0; i < 3; i++) {
		snprintf(m, sizeof(m), "message %zu", i + 3);
		CHECK_INT(chat_room_history_get(r, i, &p, &n), 0);
		CHECK_INT(n, strlen(m));
		CHECK_MEM(p, m, n);
	}
	CHECK_INT(chat_room_history_get(r, 3, &p, &n), ENOENT);
	CHECK_INT(chat_room_history_get(r, SIZE_MAX, &p, &n), ENOENT);
	CHECK_INT(chat_room_history_get(r, 0, NULL, &n), EINVAL);
	CHECK_INT(chat_room_history_add(r, "", 0), EINVAL);
	CHECK_INT(chat_room_history_add(r, NULL, 3), EINVAL);
	{
		char *big = calloc(1, CHAT_HISTORY_MAX_MESSAGE + 1);

		CHECK(big != NULL);
		if (big) {
			CHECK_INT(chat_room_history_add(r, big, CHAT_HISTORY_MAX_MESSAGE + 1),
				  EMSGSIZE);
			CHECK_INT(chat_room_history_add(r, big, CHAT_HISTORY_MAX_MESSAGE), 0);
			free(big);
		}
	}
	/* the binary one is the newest now, message 4 the oldest */
	CHECK_INT(chat_room_history_get(r, 0, &p, &n), 0);
	CHECK_MEM(p, "message 4", 9);
	CHECK_INT(chat_room_history_get(r, 2, &p, &n), 0);
	CHECK_INT(n, CHAT_HISTORY_MAX_MESSAGE);
	chat_room_free(r);

	/* history_size 0 keeps nothing */
	CHECK_INT(chat_room_alloc(&r, NULL, ROOM, 0), 0);
	if (r) {
		CHECK_INT(chat_room_history_add(r, "x", 1), 0);
		CHECK_INT(chat_room_history_count(r), 0);
		CHECK_INT(chat_room_history_get(r, 0, &p, &n), ENOENT);
		chat_room_free(r);
	}
	/* size bounds */
	CHECK_INT(chat_room_alloc(&r, NULL, ROOM, CHAT_ROOM_MAX_HISTORY + 1), EINVAL);
	CHECK(r == NULL);
	CHECK_INT(chat_room_alloc(&r, NULL, ROOM, CHAT_ROOM_MAX_HISTORY), 0);
	if (r) {
		for (i = 0; i < CHAT_ROOM_MAX_HISTORY + 10; i++) {
			snprintf(m, sizeof(m), "%zu", i);
			CHECK(chat_room_history_add(r, m, strlen(m)) == 0);
		}
		CHECK_INT(chat_room_history_count(r), CHAT_ROOM_MAX_HISTORY);
		CHECK_INT(chat_room_history_get(r, 0, &p, &n), 0);
		CHECK_MEM(p, "10", 2);
		chat_room_free(r);
	}

	/* route + history: large messages are not stored */
	r = room3();
	if (r) {
		struct chat_route rt;
		size_t big_len = CHAT_HISTORY_MAX_MESSAGE + 100;
		char *big = malloc(big_len + 1), *hdr;

		CHECK(big != NULL);
		if (big) {
			hdr = msg("<" ALICE ">", NULL, "text/plain", "");
			n = strlen(hdr);
			memcpy(big, hdr, n);
			memset(big + n, 'z', big_len - n);
			big[big_len] = '\0';
			CHECK_INT(route(r, 1, big, &rt), 0);
			CHECK_INT(rt.status, 200);
			CHECK(!rt.store && rt.target_count == 2);
			free(rt.targets);
			free(big);
		}
		chat_room_free(r);
	}
}

static void test_join_leave(void)
{
	struct chat_room *r = NULL;
	struct chat_route rt;
	char uri[CHAT_URI_MAX + 16];
	const unsigned two[] = {2};
	const char *b;

	CHECK_INT(chat_room_alloc(&r, NULL, ROOM, 20), 0);
	if (!r)
		return;
	CHECK_STR(chat_room_uri(r), ROOM);
	CHECK_INT(chat_room_count(r), 0);
	CHECK_INT(chat_room_join(r, 1, ALICE, "Alice"), 0);
	CHECK_INT(chat_room_join(r, 1, BOB, NULL), EEXIST);
	CHECK_INT(chat_room_join(r, 0, BOB, NULL), EINVAL);
	CHECK_INT(chat_room_join(r, 2, NULL, NULL), EINVAL);
	CHECK_INT(chat_room_join(r, 2, "", NULL), EINVAL);
	CHECK_INT(chat_room_join(r, 2, "sip:", NULL), EINVAL);
	CHECK_INT(chat_room_join(r, 2, "sip:bob@", NULL), EINVAL);
	CHECK_INT(chat_room_join(r, 2, "Bob <sip:bob@x", NULL), EINVAL);
	CHECK_INT(chat_room_join(r, 2, "sip:bob@x\r\nVia: evil", NULL), EINVAL);
	CHECK_INT(chat_room_join(r, 2, "sip:b ob@x", NULL), EINVAL);
	CHECK_INT(chat_room_join(r, 2, BOB, "Bob\r\n"), EINVAL);
	CHECK_INT(chat_room_join(r, 2, BOB, "\xff"), EINVAL);
	memcpy(uri, "sip:", 4);
	memset(uri + 4, 'u', CHAT_URI_MAX);
	memcpy(uri + 4 + CHAT_URI_MAX - 2, "@x", 3);
	CHECK_INT(chat_room_join(r, 2, uri, NULL), EINVAL);
	CHECK_INT(chat_room_count(r), 1);
	CHECK_INT(chat_room_join(r, 2, BOB, NULL), 0);
	CHECK_INT(chat_room_count(r), 2);
	CHECK_STR(chat_room_participant_uri(r, 1), ALICE);
	CHECK_STR(chat_room_participant_display(r, 1), "Alice");
	CHECK(chat_room_participant_display(r, 2) == NULL);
	CHECK(chat_room_participant_uri(r, 3) == NULL);

	CHECK_INT(chat_room_leave(r, 3), ENOENT);
	CHECK_INT(chat_room_leave(r, 0), ENOENT);
	CHECK_INT(chat_room_set_nickname(r, 1, "al"), 0);
	CHECK_INT(chat_room_leave(r, 1), 0);
	CHECK_INT(chat_room_leave(r, 1), ENOENT);
	CHECK_INT(chat_room_count(r), 1);
	CHECK(chat_room_participant_uri(r, 1) == NULL);

	/* a departed participant's messages are refused */
	b = msg("<" ALICE ">", NULL, "text/plain", "x");
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 403);

	/* rejoin under the same key: fresh state, no nickname */
	CHECK_INT(chat_room_join(r, 1, ALICE, NULL), 0);
	CHECK(chat_room_nickname(r, 1) == NULL);
	CHECK(chat_room_participant_display(r, 1) == NULL);
	CHECK_INT(route(r, 1, b, &rt), 0);
	CHECK_INT(rt.status, 200);
	CHECK(targets_are(&rt, two, 1));
	free(rt.targets);

	/* many participants, leaving from the middle keeps the others */
	{
		unsigned k;
		size_t before;

		for (k = 100; k < 200; k++)
			CHECK(chat_room_join(r, k, CAROL, NULL) == 0);
		CHECK_INT(chat_room_count(r), 102);
		for (k = 100; k < 200; k += 2)
			CHECK(chat_room_leave(r, k) == 0);
		CHECK_INT(chat_room_count(r), 52);
		CHECK_INT(route(r, 1, b, &rt), 0);
		CHECK_INT(rt.target_count, 51);
		before = rt.target_count;
		free(rt.targets);
		b = msg("<" ALICE ">", "<" CAROL ">", "text/plain", "x");
		CHECK_INT(route(r, 1, b, &rt), 0);
		CHECK(rt.is_private);
		CHECK_INT(rt.target_count, before - 1);
		free(rt.targets);
	}
	chat_room_free(r);
}

static void test_alloc_args(void)
{
	struct chat_room *r = (struct chat_room *)&r;
	struct sylk_mem bad = {NULL, NULL, NULL, NULL};

	CHECK_INT(chat_room_alloc(NULL, NULL, ROOM, 20), EINVAL);
	CHECK_INT(chat_room_alloc(&r, NULL, NULL, 20), EINVAL);
	CHECK(r == NULL);
	CHECK_INT(chat_room_alloc(&r, NULL, "", 20), EINVAL);
	CHECK_INT(chat_room_alloc(&r, NULL, "<>", 20), EINVAL);
	CHECK_INT(chat_room_alloc(&r, &bad, ROOM, 20), EINVAL);
	chat_room_free(NULL);
	CHECK_INT(chat_room_count(NULL), 0);
	CHECK_INT(chat_room_history_count(NULL), 0);
	CHECK(chat_room_nickname(NULL, 1) == NULL);
	CHECK_INT(chat_room_join(NULL, 1, ALICE, NULL), EINVAL);
	CHECK_INT(chat_room_leave(NULL, 1), ENOENT);
	CHECK_INT(chat_room_set_nickname(NULL, 1, "x"), EINVAL);
	CHECK_INT(chat_room_route(NULL, 1, "message/cpim", "x", 1, NULL), EINVAL);
}

/* Everything a room holds comes from its allocator and goes back to it. */
static void test_counting_allocator(void)
{
	struct counter c;
	struct sylk_mem mem = counter_mem(&c);
	struct chat_room *r = NULL;
	struct chat_route rt;
	const char *b, *s;
	const void *p;
	size_t n, i;

	CHECK_INT(chat_room_alloc(&r, &mem, ROOM, 4), 0);
	if (!r)
		return;
	CHECK(c.live_n > 0);
	CHECK(owned(&c, r, 1));
	CHECK_INT(chat_room_join(r, 1, ALICE, "Alice"), 0);
	CHECK_INT(chat_room_join(r, 2, BOB, "Bob"), 0);
	for (i = 10; i < 40; i++)
		CHECK(chat_room_join(r, (unsigned)i, CAROL, "C") == 0);
	CHECK_INT(chat_room_set_nickname(r, 1, "al"), 0);
	CHECK_INT(chat_room_set_nickname(r, 1, "alice"), 0);
	CHECK_INT(chat_room_set_nickname(r, 2, "bob"), 0);
	for (i = 0; i < 10; i++) {
		b = msg("<" ALICE ">", "<" ROOM ">", "text/plain", "stored");
		CHECK_INT(route(r, 1, b, &rt), 0);
		CHECK(rt.store);
		CHECK_INT(chat_room_history_add(r, b, strlen(b)), 0);
		free(rt.targets); /* plain malloc, not the room's allocator */
	}
	/* every pointer handed out points into the allocator's blocks */
	s = chat_room_uri(r);
	CHECK(owned(&c, s, strlen(s) + 1));
	s = chat_room_nickname(r, 1);
	CHECK(s && owned(&c, s, strlen(s) + 1));
	s = chat_room_participant_uri(r, 2);
	CHECK(s && owned(&c, s, strlen(s) + 1));
	s = chat_room_participant_display(r, 2);
	CHECK(s && owned(&c, s, strlen(s) + 1));
	for (i = 0; i < chat_room_history_count(r); i++) {
		CHECK_INT(chat_room_history_get(r, i, &p, &n), 0);
		CHECK(owned(&c, p, n));
	}
	for (i = 10; i < 40; i += 3)
		CHECK(chat_room_leave(r, (unsigned)i) == 0);
	CHECK_INT(chat_room_leave(r, 1), 0);
	CHECK(c.live_bytes > 0);
	chat_room_free(r);
	CHECK_INT(c.live_n, 0);
	CHECK_INT(c.live_bytes, 0);
	CHECK(c.live == NULL);
}

/* A scenario run with the n-th allocation failing, for every n: each step
 * either succeeds or reports ENOMEM, and nothing leaks. */
static bool scenario(struct counter *c, struct sylk_mem *mem)
{
	struct chat_room *r = NULL;
	bool enomem = false;
	unsigned k;
	int err;

	err = chat_room_alloc(&r, mem, ROOM, 2);
	if (err) {
		CHECK_INT(err, ENOMEM);
		CHECK(r == NULL);
		return true;
	}
	for (k = 1; k <= 6; k++) {
		err = chat_room_join(r, k, k & 1 ? ALICE : BOB, k & 2 ? "Name" : NULL);
		CHECK(err == 0 || err == ENOMEM);
		if (err == ENOMEM) {
			enomem = true;
			CHECK(chat_room_participant_uri(r, k) == NULL);
		}
	}
	for (k = 1; k <= 6; k++) {
		char nick[8];

		snprintf(nick, sizeof(nick), "n%u", k);
		err = chat_room_set_nickname(r, k, nick);
		CHECK(err == 0 || err == ENOMEM || err == ENOENT);
		enomem |= err == ENOMEM;
	}
	for (k = 0; k < 4; k++) {
		err = chat_room_history_add(r, "abcdef", 6 - k);
		CHECK(err == 0 || err == ENOMEM);
		enomem |= err == ENOMEM;
	}
	CHECK(chat_room_history_count(r) <= 2);
	chat_room_leave(r, 3);
	chat_room_free(r);
	CHECK_INT(c->live_n, 0);
	return enomem;
}

static void test_allocation_failures(void)
{
	struct counter c;
	struct sylk_mem mem = counter_mem(&c);
	size_t total, n;

	scenario(&c, &mem);
	total = c.calls;
	CHECK(total > 10);
	for (n = 1; n <= total; n++) {
		mem = counter_mem(&c);
		c.fail_at = n;
		CHECK(scenario(&c, &mem) || n == 1);
	}
}

static void test_status_message(void)
{
	struct cpim_msg *m = NULL;
	char *out = NULL;
	size_t len = 0;
	struct chat_room *r = room3();
	struct chat_route rt;

	CHECK_INT(chat_status_message(&out, &len, ROOM, "alice has joined the room"), 0);
	CHECK(out != NULL && len == strlen(out));
	CHECK_INT(cpim_parse(&m, out, len), 0);
	if (m) {
		CHECK(m->has_from);
		CHECK_STR(m->from.uri, ROOM);
		CHECK_INT(m->to_n, 1);
		if (m->to_n == 1)
			CHECK_STR(m->to[0].uri, ROOM);
		CHECK(m->datetime && cpim_datetime_valid(m->datetime));
		CHECK_STR(cpim_msg_header(m, CPIM_NS_AGP, "Message-Type"), "status");
		CHECK_STR(m->content_type, "text/plain");
		CHECK_STR((const char *)m->body, "alice has joined the room");
		cpim_msg_free(m);
	}
	CHECK(strstr(out, "NS: agp <urn:ag-projects:xml:ns:cpim>\r\n") != NULL);
	CHECK(strstr(out, "agp.Message-Type: status\r\n") != NULL);
	/* a participant cannot send it as their own */
	if (r) {
		CHECK_INT(route(r, 1, out, &rt), 0);
		CHECK_INT(rt.status, 403);
		chat_room_free(r);
	}
	free(out);

	CHECK_INT(chat_status_message(&out, &len, ROOM, "J\xc3\xb6rg left"), 0);
	free(out);
	CHECK_INT(chat_status_message(&out, &len, ROOM, "line\r\nFrom: <sip:x@y>"), EINVAL);
	CHECK(out == NULL && len == 0);
	CHECK_INT(chat_status_message(&out, &len, ROOM, "\xff"), EINVAL);
	CHECK_INT(chat_status_message(&out, &len, "sip:room@x>\r\nTo: <y", "hi"), EINVAL);
	CHECK_INT(chat_status_message(&out, &len, NULL, "hi"), EINVAL);
	CHECK_INT(chat_status_message(&out, &len, ROOM, NULL), EINVAL);
	CHECK_INT(chat_status_message(NULL, &len, ROOM, "hi"), EINVAL);
}

/* Random and mutated bodies never crash and always give a sane answer. */
static void test_hostile(void)
{
	struct chat_room *r = room3();
	struct chat_route rt;
	static const char *const bases[] = {
		"From: <" ALICE ">\r\nTo: <" BOB ">\r\n\r\nContent-Type: text/plain\r\n\r\nhi",
		"From: Alice <" ALICE ">\r\nTo: <" ROOM
		">\r\nNS: agp <urn:ag-projects:xml:ns:cpim>\r\n"
		"agp.Message-Type: status\r\n\r\nContent-Type: application/im-iscomposing+xml\r\n\r\n<x/>",
	};
	char buf[512];
	unsigned seed = 12345;
	size_t i, j, n;
	const unsigned char nasty[] = {0,   '\r', '\n', '<',  '>',  '"',
				       ';', ':',  '@',  0xff, 0xc3, ' '};

	if (!r)
		return;
	for (i = 0; i < 20000; i++) {
		const char *base = bases[i % 2];

		n = strlen(base);
		memcpy(buf, base, n);
		for (j = 0; j < 1 + i % 4; j++) {
			seed = seed * 1103515245u + 12345u;
			if (i % 7 == 0)
				buf[(seed >> 8) % n] = (char)(seed >> 20);
			else
				buf[(seed >> 8) % n] = (char)nasty[(seed >> 16) % sizeof(nasty)];
		}
		if (i % 11 == 0)
			n = (seed >> 4) % n;
		memset(&rt, 0x5a, sizeof(rt));
		if (chat_room_route(r, 1, "message/cpim", buf, n, &rt) != 0) {
			CHECK(!"route failed");
			continue;
		}
		if (!(rt.status == 200 || rt.status == 400 || rt.status == 403 ||
		      rt.status == 404)) {
			CHECK_INT(rt.status, 200);
			break;
		}
		if (rt.status != 200 && (rt.targets || rt.target_count || rt.store)) {
			CHECK(!"targets on an error");
			break;
		}
		for (j = 0; j < rt.target_count; j++) {
			if (rt.targets[j] == 1 || !chat_room_participant_uri(r, rt.targets[j])) {
				CHECK(!"bad target");
				break;
			}
		}
		free(rt.targets);
	}
	CHECK(i == 20000);

	/* a To far longer than any URI the room knows */
	{
		static char big[6000];

		n = (size_t)snprintf(big, sizeof(big), "From: <" ALICE ">\r\nTo: <sip:");
		memset(big + n, 'b', 3000);
		n += 3000;
		n += (size_t)snprintf(big + n, sizeof(big) - n,
				      "@example.com>\r\n\r\nContent-Type: text/plain\r\n\r\nx");
		CHECK_INT(chat_room_route(r, 1, "message/cpim", big, n, &rt), 0);
		CHECK_INT(rt.status, 404);
	}
	/* NUL inside the content is passed through */
	{
		static const char b[] =
			"From: <" ALICE
			">\r\n\r\nContent-Type: application/octet-stream\r\n\r\na\0b";

		CHECK_INT(chat_room_route(r, 1, "message/cpim", b, sizeof(b) - 1, &rt), 0);
		CHECK_INT(rt.status, 200);
		free(rt.targets);
	}
	CHECK_INT(chat_room_route(r, 1, "message/cpim", NULL, 5, &rt), EINVAL);
	chat_room_free(r);
}

int main(void)
{
	RUN(test_broadcast);
	RUN(test_private);
	RUN(test_private_unknown);
	RUN(test_from_spoofing);
	RUN(test_content_types);
	RUN(test_composing);
	RUN(test_body_untouched);
	RUN(test_nicknames);
	RUN(test_history);
	RUN(test_join_leave);
	RUN(test_alloc_args);
	RUN(test_counting_allocator);
	RUN(test_allocation_failures);
	RUN(test_status_message);
	RUN(test_hostile);
	return check_summary();
}
