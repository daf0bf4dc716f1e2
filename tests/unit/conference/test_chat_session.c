/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private chat sessions (RFC 7573): what a SEND of the SIP user becomes,
 * and the identity rules it must pass. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conference/room/chat_room.h"
#include "conference/room/chat_session.h"
#include "sylk_ws/im/cpim.h"

#define ALICE "sip:alice@sylk.test"
#define BOB "sip:bob@xmpp.sylk.test"

static char *cpim_of(const char *from, const char *to, const char *ctype, const char *body)
{
	static char buf[2048];

	snprintf(buf, sizeof(buf),
		 "From: %s\r\n%s%s%sNS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: m1\r\n\r\n"
		 "Content-Type: %s\r\n\r\n%s",
		 from, to ? "To: <" : "", to ? to : "", to ? ">\r\n" : "", ctype, body);
	return buf;
}

static int route(const char *ctype, const char *body, struct chat_session_msg *m)
{
	return chat_session_route(ALICE, BOB, ctype, body, strlen(body), "msrp-mid", m);
}

static void test_plain_text_is_wrapped_from_the_user_to_the_peer(void)
{
	struct chat_session_msg m;
	struct cpim_msg *c = NULL;

	CHECK_INT(route("text/plain;charset=UTF-8", "hello <bob>", &m), 0);
	CHECK_INT(m.status, 200);
	CHECK(m.cpim && strlen(m.cpim) == m.len);
	CHECK_INT(cpim_parse(&c, m.cpim, m.len), 0);
	if (c) {
		CHECK_STR(c->from.uri, ALICE);
		CHECK_INT(c->to_n, 1);
		CHECK_STR(c->to[0].uri, BOB);
		CHECK_STR(cpim_msg_header(c, CPIM_NS_IMDN, "Message-ID"), "msrp-mid");
		CHECK_STR((const char *)c->body, "hello <bob>");
		CHECK(strncmp(c->content_type, "text/plain", 10) == 0);
	}
	cpim_msg_free(c);
	free(m.cpim);
}

static void test_own_cpim_passes_unchanged(void)
{
	struct chat_session_msg m;
	const char *body = cpim_of("Alice <" ALICE ">", BOB, "text/plain", "hi");

	CHECK_INT(route("message/cpim", body, &m), 0);
	CHECK_INT(m.status, 200);
	CHECK(m.cpim && m.len == strlen(body) && !memcmp(m.cpim, body, m.len));
	free(m.cpim);
	/* no To at all: for the peer too; the user's URI in another form */
	body = cpim_of("<sip:alice@SYLK.test;transport=tcp>", NULL, "text/plain", "hi");
	CHECK_INT(route("Message/CPIM", body, &m), 0);
	CHECK_INT(m.status, 200);
	free(m.cpim);
	/* IMDN and is-composing go through too (receipts, chat states) */
	CHECK_INT(route("message/cpim", cpim_of("<" ALICE ">", BOB, "message/imdn+xml", "<x/>"),
			&m),
		  0);
	CHECK_INT(m.status, 200);
	free(m.cpim);
	CHECK_INT(route("message/cpim",
			cpim_of("<" ALICE ">", BOB, "application/im-iscomposing+xml", "<x/>"), &m),
		  0);
	CHECK_INT(m.status, 200);
	free(m.cpim);
}

static void test_someone_elses_identity_is_refused(void)
{
	struct chat_session_msg m;

	CHECK_INT(route("message/cpim", cpim_of("<sip:mallory@sylk.test>", BOB, "text/plain", "x"),
			&m),
		  0);
	CHECK_INT(m.status, 403);
	CHECK(m.cpim == NULL);
	CHECK_INT(route("message/cpim",
			cpim_of("<" ALICE ">", "sip:dave@xmpp.sylk.test", "text/plain", "x"), &m),
		  0);
	CHECK_INT(m.status, 403);
	CHECK(m.cpim == NULL);
}

static void test_malformed_and_unsupported_are_refused(void)
{
	struct chat_session_msg m;
	static char big[CHAT_SESSION_MAX_MESSAGE + 2];

	CHECK_INT(route("message/cpim", "no headers at all", &m), 0);
	CHECK_INT(m.status, 400);
	CHECK_INT(route("message/cpim", "To: <" BOB ">\r\n\r\nContent-Type: text/plain\r\n\r\nx",
			&m),
		  0);
	CHECK_INT(m.status, 400);
	CHECK_INT(route("text/html", "<b>x</b>", &m), 0);
	CHECK_INT(m.status, 415);
	CHECK_INT(route("message/cpim", cpim_of("<" ALICE ">", BOB, "text/html", "<b>x</b>"), &m),
		  0);
	CHECK_INT(m.status, 415);
	CHECK_INT(route("text/plain", "\xff\xfe", &m), 0);
	CHECK_INT(m.status, 400);
	memset(big, 'x', sizeof(big) - 1);
	CHECK_INT(route("text/plain", big, &m), 0);
	CHECK_INT(m.status, 413);
	CHECK(m.cpim == NULL);
	CHECK_INT(chat_session_route(NULL, BOB, "text/plain", "x", 1, NULL, &m), EINVAL);
	CHECK_INT(chat_session_route(ALICE, BOB, "text/plain", "x", 1, NULL, NULL), EINVAL);
}

static void test_uri_equal(void)
{
	CHECK(chat_uri_equal("sip:bob@Xmpp.Sylk.Test", "<sips:bob@xmpp.sylk.test;user=x>"));
	CHECK(chat_uri_equal("Bob <sip:bob@xmpp.sylk.test>", BOB));
	CHECK(!chat_uri_equal("sip:Bob@xmpp.sylk.test", BOB));
	CHECK(!chat_uri_equal("sip:bob@xmpp.sylk.tes", BOB));
	CHECK(!chat_uri_equal(NULL, BOB));
	CHECK(!chat_uri_equal("<>", BOB));
}

#define PLAYBACK "sip:playback@sylk.test"

static void test_playback_quotes_text_back_to_the_user(void)
{
	char long_text[300], *out = NULL;
	struct cpim_msg *c = NULL;
	size_t len = 0;
	const char *in = cpim_of(ALICE, PLAYBACK, "text/plain", "hello playback");

	CHECK_INT(chat_session_playback_reply(ALICE, PLAYBACK, in, strlen(in), &out, &len), 0);
	CHECK(out && strlen(out) == len);
	CHECK_INT(cpim_parse(&c, out, len), 0);
	if (c) {
		CHECK_STR(c->from.uri, PLAYBACK);
		CHECK(c->to_n == 1 && strcmp(c->to[0].uri, ALICE) == 0);
		CHECK(strncmp(c->content_type, "text/plain", 10) == 0);
		CHECK(strstr((char *)c->body, "you wrote \"hello playback\"") != NULL);
	}
	cpim_msg_free(c);
	free(out);

	/* a long text is cut, never inside a character (2-byte e-acute) */
	memset(long_text, 'a', sizeof(long_text));
	for (size_t i = 99; i + 1 < 200; i += 2)
		memcpy(long_text + i, "\xc3\xa9", 2);
	long_text[sizeof(long_text) - 1] = '\0';
	in = cpim_of(ALICE, PLAYBACK, "text/plain", long_text);
	c = NULL;
	CHECK_INT(chat_session_playback_reply(ALICE, PLAYBACK, in, strlen(in), &out, &len), 0);
	CHECK_INT(cpim_parse(&c, out, len), 0);
	if (c) {
		const char *q = strchr((char *)c->body, '"');

		/* byte 100 is inside the first e-acute: 99 bytes quoted */
		CHECK(q && q[99] == 'a' && strncmp(q + 100, "...\"", 4) == 0);
	}
	cpim_msg_free(c);
	free(out);

	/* is-composing and IMDNs get no answer; garbage is not CPIM */
	in = cpim_of(ALICE, PLAYBACK, "application/im-iscomposing+xml", "<x/>");
	CHECK_INT(chat_session_playback_reply(ALICE, PLAYBACK, in, strlen(in), &out, &len), ENOENT);
	CHECK(out == NULL);
	CHECK_INT(chat_session_playback_reply(ALICE, PLAYBACK, "junk", 4, &out, &len), EBADMSG);
	CHECK_INT(chat_session_playback_reply(NULL, PLAYBACK, in, strlen(in), &out, &len), EINVAL);
}

int main(void)
{
	RUN(test_plain_text_is_wrapped_from_the_user_to_the_peer);
	RUN(test_own_cpim_passes_unchanged);
	RUN(test_someone_elses_identity_is_refused);
	RUN(test_malformed_and_unsupported_are_refused);
	RUN(test_uri_equal);
	RUN(test_playback_quotes_text_back_to_the_user);
	return check_summary();
}
