/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Chat sessions between MSRP and XMPP (sylk_ws/xmpp/xmpp_chat.c): chat
 * states both ways, session CPIM toward XMPP, error conditions that end a
 * session. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/iscomposing.h"
#include "sylk_ws/xmpp/xmpp_chat.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

#define ALICE "sip:alice@sylk.test"
#define BOB "sip:bob@xmpp.sylk.test"

static struct xmpp_el *parse(const char *s)
{
	struct xmpp_el *el = NULL;

	CHECK_INT(xmpp_xml_parse(&el, s, strlen(s)), 0);
	return el;
}

static void test_chat_state_read(void)
{
	struct xmpp_el *el =
		parse("<message from='bob@x/r' to='alice@sylk.test' type='chat'>"
		      "<gone xmlns='http://jabber.org/protocol/chatstates'/></message>");

	CHECK_INT(xmpp_chat_state_read(el), XMPP_CS_GONE);
	xmpp_el_free(el);
	el = parse("<message from='bob@x/r' to='a@s'><body>x</body>"
		   "<composing xmlns='http://jabber.org/protocol/chatstates'/></message>");
	CHECK_INT(xmpp_chat_state_read(el), XMPP_CS_COMPOSING);
	xmpp_el_free(el);
	/* the right name in another namespace is no chat state */
	el = parse("<message from='bob@x/r' to='a@s'><gone xmlns='urn:other'/></message>");
	CHECK_INT(xmpp_chat_state_read(el), XMPP_CS_NONE);
	xmpp_el_free(el);
	CHECK_INT(xmpp_chat_state_read(NULL), XMPP_CS_NONE);
}

static void test_chat_state_build(void)
{
	struct sbuf sb = SBUF_INIT;
	struct xmpp_el *el;

	CHECK_INT(xmpp_chat_state_build(&sb, "alice@sylk.test", "bob@x'y", XMPP_CS_GONE), 0);
	el = parse(sb.buf);
	if (el) {
		CHECK_STR(xmpp_el_attr(el, "to"), "bob@x'y");
		CHECK_STR(xmpp_el_attr(el, "type"), "chat");
		CHECK_INT(xmpp_chat_state_read(el), XMPP_CS_GONE);
	}
	xmpp_el_free(el);
	sbuf_reset(&sb);
	CHECK_INT(xmpp_chat_state_build(&sb, "a@s", "b@x", XMPP_CS_NONE), EINVAL);
	sbuf_reset(&sb);
	CHECK_INT(xmpp_chat_state_build(&sb, "a@s", "b\x01@x", XMPP_CS_GONE), EINVAL);
	sbuf_reset(&sb);
}

static void test_session_cpim_toward_xmpp(void)
{
	struct xmpp_im im;
	enum xmpp_chat_state st;
	char *cpim = NULL;
	size_t len = 0;

	/* is-composing both ways: composing <-> active, paused <-> idle */
	CHECK_INT(xmpp_chat_state_to_cpim(&cpim, &len, BOB, ALICE, "c1", XMPP_CS_COMPOSING), 0);
	CHECK_INT(xmpp_chat_from_cpim(&im, &st, cpim, len), 0);
	CHECK_INT(st, XMPP_CS_COMPOSING);
	CHECK_INT(im.kind, XMPP_IM_IGNORED);
	xmpp_im_clear(&im);
	free(cpim);
	CHECK_INT(xmpp_chat_state_to_cpim(&cpim, &len, BOB, ALICE, "c2", XMPP_CS_PAUSED), 0);
	CHECK_INT(xmpp_chat_from_cpim(&im, &st, cpim, len), 0);
	CHECK_INT(st, XMPP_CS_PAUSED);
	xmpp_im_clear(&im);
	free(cpim);
	CHECK_INT(xmpp_chat_state_to_cpim(&cpim, &len, BOB, ALICE, "c3", XMPP_CS_GONE), EINVAL);
	/* a text: as a SIP MESSAGE's CPIM would be read */
	CHECK_INT(xmpp_im_to_cpim(&cpim, &len, ALICE, BOB, "m1", "hello", true), 0);
	CHECK_INT(xmpp_chat_from_cpim(&im, &st, cpim, len), 0);
	CHECK_INT(st, XMPP_CS_NONE);
	CHECK_INT(im.kind, XMPP_IM_TEXT);
	CHECK_STR(im.text, "hello");
	CHECK_STR(im.message_id, "m1");
	CHECK(im.want_receipt);
	xmpp_im_clear(&im);
	free(cpim);
	CHECK(xmpp_chat_from_cpim(&im, &st, "garbage", 7) != 0);
	xmpp_im_clear(&im);
	CHECK_INT(xmpp_chat_from_cpim(&im, &st, NULL, 0), EINVAL);
}

static void test_error_conditions(void)
{
	struct xmpp_el *el = parse(
		"<message type='error' from='bob@x' to='alice@sylk.test'><error type='cancel'>"
		"<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone away</text>"
		"<service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");

	CHECK_STR(xmpp_error_condition(el), "service-unavailable");
	CHECK(xmpp_error_unreachable(xmpp_error_condition(el)));
	xmpp_el_free(el);
	el = parse(
		"<message type='error' from='bob@x' to='a@s'><error type='modify'>"
		"<not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
	CHECK_STR(xmpp_error_condition(el), "not-acceptable");
	CHECK(!xmpp_error_unreachable(xmpp_error_condition(el)));
	xmpp_el_free(el);
	el = parse("<message type='error' from='bob@x' to='a@s'><error/></message>");
	CHECK(xmpp_error_condition(el) == NULL);
	CHECK(!xmpp_error_unreachable(NULL));
	xmpp_el_free(el);
}

int main(void)
{
	RUN(test_chat_state_read);
	RUN(test_chat_state_build);
	RUN(test_session_cpim_toward_xmpp);
	RUN(test_error_conditions);
	return check_summary();
}
