/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XMPP gateway library (sylk_ws/xmpp/): XML parser and stream framer,
 * JID <-> SIP URI, stanzas, SIP/XMPP content and presence. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_jid.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

static int parse(struct xmpp_el **el, const char *s)
{
	return xmpp_xml_parse(el, s, strlen(s));
}

static void test_parse_message(void)
{
	struct xmpp_el *el = NULL;
	const struct xmpp_el *b;
	struct xmpp_message_in m;

	CHECK_INT(parse(&el, "<message from='bob@xmpp.test/r1' to=\"alice@sylk.test\" id='a&amp;1' "
			     "type='chat'><body>1 &lt; 2 &#x263A;&#65;</body>"
			     "<request xmlns='urn:xmpp:receipts'/></message>"),
		  0);
	CHECK(el != NULL);
	if (!el)
		return;
	CHECK_STR(el->name, "message");
	CHECK_STR(xmpp_el_attr(el, "id"), "a&1");
	b = xmpp_el_child(el, "body", NULL);
	CHECK(b && !strcmp(b->text, "1 < 2 \xe2\x98\xba"
				    "A"));
	CHECK_INT(xmpp_message_read(&m, el), 0);
	CHECK_STR(m.from, "bob@xmpp.test/r1");
	CHECK_STR(m.type, "chat");
	CHECK(m.request_receipt);
	CHECK(m.received_id == NULL);
	xmpp_el_free(el);

	CHECK_INT(parse(&el, "<message from='a@b' to='c@d'><received xmlns='urn:xmpp:receipts' "
			     "id='x1'/></message>"),
		  0);
	CHECK_INT(xmpp_message_read(&m, el), 0);
	CHECK_STR(m.received_id, "x1");
	CHECK(m.body == NULL);
	CHECK_STR(m.type, "normal");
	xmpp_el_free(el);
}

static void test_parse_namespaces(void)
{
	struct xmpp_el *el = NULL;

	CHECK_INT(parse(&el, "<iq xmlns='jabber:component:accept'><query xmlns='q'><item/></query>"
			     "<x/></iq>"),
		  0);
	if (!el)
		return;
	CHECK_STR(el->ns, "jabber:component:accept");
	CHECK_STR(el->child->ns, "q");
	CHECK_STR(el->child->child->ns, "q");
	CHECK_STR(el->child->next->ns, "jabber:component:accept");
	CHECK(xmpp_el_child(el, "query", "q") != NULL);
	CHECK(xmpp_el_child(el, "query", "other") == NULL);
	xmpp_el_free(el);
}

static void test_parse_refused(void)
{
	static const struct {
		const char *xml;
		int err;
	} cases[] = {
		{"", EBADMSG},
		{"<a>", EBADMSG},
		{"<a></b>", EBADMSG},
		{"<a x='1' x='2'/>", EBADMSG},
		{"<a x=1/>", EBADMSG},
		{"<a x='<'/>", EBADMSG},
		{"<a>&foo;</a>", EBADMSG},
		{"<a>&#0;</a>", EBADMSG},
		{"<a>&#xD800;</a>", EBADMSG},
		{"<a>\x01</a>", EBADMSG},
		{"<a>\xff</a>", EBADMSG},
		{"<a/><b/>", EBADMSG},
		{"<a><!-- c --></a>", EPROTO},
		{"<a><![CDATA[x]]></a>", EPROTO},
		{"<!DOCTYPE a><a/>", EPROTO},
		{"<?pi?><a/>", EPROTO},
		{"<a><?pi?></a>", EPROTO},
		{"<ax='1'/>", EBADMSG},
	};
	struct xmpp_el *el = (struct xmpp_el *)1;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = parse(&el, cases[i].xml);

		if (err != cases[i].err)
			fprintf(stderr, "  case %zu: %s\n", i, cases[i].xml);
		CHECK_INT(err, cases[i].err);
		CHECK(el == NULL);
	}
	CHECK_INT(xmpp_xml_parse(NULL, "<a/>", 4), EINVAL);
}

static void test_parse_bounds(void)
{
	struct sbuf sb = SBUF_INIT;
	struct xmpp_el *el = NULL;

	for (int i = 0; i < XMPP_XML_MAX_DEPTH + 1; i++)
		sbuf_puts(&sb, "<a>");
	for (int i = 0; i < XMPP_XML_MAX_DEPTH + 1; i++)
		sbuf_puts(&sb, "</a>");
	CHECK_INT(parse(&el, sb.buf), EMSGSIZE);
	sbuf_reset(&sb);
	sbuf_puts(&sb, "<a");
	for (int i = 0; i < XMPP_XML_MAX_ATTRS + 1; i++)
		sbuf_printf(&sb, " a%d='x'", i);
	sbuf_puts(&sb, "/>");
	CHECK_INT(parse(&el, sb.buf), EMSGSIZE);
	sbuf_reset(&sb);
	sbuf_puts(&sb, "<a>");
	for (int i = 0; i < XMPP_XML_MAX_ELEMENTS + 1; i++)
		sbuf_puts(&sb, "<b/>");
	sbuf_puts(&sb, "</a>");
	CHECK_INT(parse(&el, sb.buf), EMSGSIZE);
	sbuf_reset(&sb);
}

static void test_framer(void)
{
	static const char stream[] =
		"<?xml version='1.0'?><stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
		"xmlns='jabber:component:accept' from='sylk.test' id='abc>1'>"
		"<handshake/> \n<message to='a@b' x='/>'><body>hi</body></message>"
		"<presence/></stream:stream>";
	struct xmpp_framer f;
	enum xmpp_frame kind;
	struct xmpp_el *el = NULL;
	char *out = NULL;
	size_t n;
	const char *want[] = {"<handshake/>", "<message to='a@b' x='/>'><body>hi</body></message>",
			      "<presence/>"};

	xmpp_framer_init(&f, 4096);
	/* byte by byte: every frame appears exactly once, at its last byte */
	for (size_t i = 0, got = 0; i < sizeof(stream) - 1; i++) {
		CHECK_INT(xmpp_framer_feed(&f, stream + i, 1), 0);
		for (;;) {
			CHECK_INT(xmpp_framer_next(&f, &kind, &out, &n), 0);
			if (kind == XMPP_FRAME_NONE)
				break;
			if (kind == XMPP_FRAME_HEADER) {
				CHECK_INT(parse(&el, out), 0);
				CHECK_STR(xmpp_el_attr(el, "id"), "abc>1");
				xmpp_el_free(el);
				el = NULL;
			} else if (kind == XMPP_FRAME_STANZA) {
				CHECK(got < 3 && !strcmp(out, want[got]));
				got++;
			} else {
				CHECK(kind == XMPP_FRAME_END);
				CHECK_INT(got, 3);
				CHECK_INT(i, sizeof(stream) - 2);
				free(out);
				goto done;
			}
			free(out);
		}
	}
	CHECK(0); /* never ended */
done:
	xmpp_framer_reset(&f);
}

static void test_framer_errors(void)
{
	struct xmpp_framer f;
	enum xmpp_frame kind;
	char *out = NULL;
	char big[300];

	xmpp_framer_init(&f, 256);
	CHECK_INT(xmpp_framer_feed(&f, "<stream:stream id='1'>text", 26), 0);
	CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), 0);
	CHECK(kind == XMPP_FRAME_HEADER);
	free(out);
	CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), EBADMSG);
	xmpp_framer_reset(&f);

	CHECK_INT(xmpp_framer_feed(&f, "<s id='1'><!-- x -->", 20), 0);
	CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), 0);
	free(out);
	CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), EPROTO);
	xmpp_framer_reset(&f);

	/* one tag alone longer than max: nothing to answer, the stream is
	 * unusable */
	memset(big, 'x', sizeof(big));
	memcpy(big, "<s id='1'><a b='", 16);
	CHECK_INT(xmpp_framer_feed(&f, big, sizeof(big)), 0);
	CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), 0);
	free(out);
	CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), EMSGSIZE);
	CHECK_INT(xmpp_framer_feed(&f, big, sizeof(big)), EMSGSIZE);
	xmpp_framer_reset(&f);

	memcpy(big, "<s id='1'><p b='", 16);
	memcpy(big + sizeof(big) - 3, "'/>", 3);
	CHECK_INT(xmpp_framer_feed(&f, big, sizeof(big)), 0);
	CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), 0);
	free(out);
	CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), EMSGSIZE);
	xmpp_framer_reset(&f);
}

/* A stanza longer than max: its start tag comes out to be answered, the
 * rest is dropped as it arrives, and the stream goes on. */
static void test_framer_too_large(void)
{
	struct xmpp_framer f;
	enum xmpp_frame kind;
	char *out = NULL, stream[600];
	int large = 0, stanzas = 0;

	snprintf(stream, sizeof(stream), "%s%s%.200s%s",
		 "<stream:stream id='1'><message from='b@x' to='a@s' id='m1'><body>",
		 "<a x='/>'><b/></a>",
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
		 "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
		 "</body></message><presence id='p1'/></stream:stream>");
	xmpp_framer_init(&f, 64);
	/* byte by byte, as a slow server would send it */
	for (size_t i = 0; stream[i]; i++) {
		CHECK_INT(xmpp_framer_feed(&f, stream + i, 1), 0);
		for (;;) {
			CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), 0);
			if (kind == XMPP_FRAME_NONE)
				break;
			if (kind == XMPP_FRAME_TOO_LARGE) {
				CHECK_STR(out, "<message from='b@x' to='a@s' id='m1'/>");
				large++;
			} else if (kind == XMPP_FRAME_STANZA) {
				CHECK_STR(out, "<presence id='p1'/>");
				CHECK_INT(large, 1);
				stanzas++;
			} else if (kind == XMPP_FRAME_END) {
				/* the end stays until the stream is reset */
				CHECK_INT(stanzas, 1);
				CHECK_INT((int)i, (int)strlen(stream) - 1);
				stanzas++;
				goto ended;
			}
			free(out);
		}
	}
ended:
	CHECK_INT(large, 1);
	CHECK_INT(stanzas, 2);
	xmpp_framer_reset(&f);

	/* all at once: the same */
	large = stanzas = 0;
	CHECK_INT(xmpp_framer_feed(&f, stream, strlen(stream)), 0);
	for (;;) {
		CHECK_INT(xmpp_framer_next(&f, &kind, &out, NULL), 0);
		if (kind == XMPP_FRAME_NONE || kind == XMPP_FRAME_END)
			break;
		large += kind == XMPP_FRAME_TOO_LARGE;
		stanzas += kind == XMPP_FRAME_STANZA;
		free(out);
	}
	CHECK_INT(large, 1);
	CHECK_INT(stanzas, 1);
	xmpp_framer_reset(&f);
}

static void test_parse_start_tag(void)
{
	struct xmpp_el *el = NULL;

	CHECK_INT(xmpp_xml_parse_start_tag(&el, " <message from='a@x' to='b@s' id='1'><body>\x01",
					   47),
		  0);
	CHECK(el && !strcmp(el->name, "message") && !el->child);
	CHECK_STR(xmpp_el_attr(el, "from"), "a@x");
	CHECK_STR(xmpp_el_attr(el, "id"), "1");
	xmpp_el_free(el);
	CHECK_INT(xmpp_xml_parse_start_tag(&el, "<iq type='get'/>", 16), 0);
	CHECK_STR(el->name, "iq");
	xmpp_el_free(el);
	CHECK_INT(xmpp_xml_parse_start_tag(&el, "garbage", 7), EBADMSG);
	CHECK(el == NULL);
	CHECK_INT(xmpp_xml_parse_start_tag(&el, "<>", 2), EBADMSG);
	CHECK_INT(xmpp_xml_parse_start_tag(&el, "<message a='1", 13), EBADMSG);
	CHECK_INT(xmpp_xml_parse_start_tag(&el, "<message a=1>", 13), EBADMSG);
	CHECK_INT(xmpp_xml_parse_start_tag(NULL, "<a/>", 4), EINVAL);
}

static void test_jid(void)
{
	struct xmpp_jid j;
	char buf[256];

	CHECK_INT(xmpp_jid_parse(&j, "Bob@XMPP.Sylk.Test/Res/x"), 0);
	CHECK_STR(j.local, "Bob");
	CHECK_STR(j.domain, "xmpp.sylk.test");
	CHECK_STR(j.resource, "Res/x");
	CHECK_INT(xmpp_jid_bare(buf, sizeof(buf), &j), 0);
	CHECK_STR(buf, "Bob@xmpp.sylk.test");
	CHECK_INT(xmpp_jid_to_sip(buf, sizeof(buf), &j), 0);
	CHECK_STR(buf, "sip:Bob@xmpp.sylk.test");
	CHECK_INT(xmpp_jid_parse(&j, "sylk.test"), 0);
	CHECK_STR(j.local, "");
	CHECK_INT(xmpp_jid_to_sip(buf, sizeof(buf), &j), EINVAL);
	CHECK_INT(xmpp_jid_parse(&j, "a b@c"), EINVAL);
	CHECK_INT(xmpp_jid_parse(&j, "@c"), EINVAL);
	CHECK_INT(xmpp_jid_parse(&j, "a@"), EINVAL);
	CHECK_INT(xmpp_jid_parse(&j, "a@b/"), EINVAL);
	CHECK_INT(xmpp_jid_parse(&j, "a@b c"), EINVAL);
	CHECK_INT(xmpp_jid_parse(&j, "a<@b"), EINVAL);
	CHECK_INT(xmpp_jid_parse(&j, NULL), EINVAL);
	/* XEP-0106 both ways */
	CHECK_INT(xmpp_jid_parse(&j, "a\\20b\\40c@x.test"), 0);
	CHECK_INT(xmpp_jid_to_sip(buf, sizeof(buf), &j), 0);
	CHECK_STR(buf, "sip:a%20b%40c@x.test");
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "sip:a%20b%40c@x.test"), 0);
	CHECK_STR(buf, "a\\20b\\40c@x.test");
	/* a backslash that escapes nothing stays */
	CHECK_INT(xmpp_jid_parse(&j, "a\\zz@x.test"), 0);
	CHECK_INT(xmpp_jid_to_sip(buf, sizeof(buf), &j), 0);
	CHECK_STR(buf, "sip:a%5Czz@x.test");
}

static void test_sip_to_jid(void)
{
	char buf[64];

	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "<sip:alice@Sylk.Test:5060;transport=udp>"), 0);
	CHECK_STR(buf, "alice@sylk.test");
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "sips:bob:secret@xmpp.test?subject=x"), 0);
	CHECK_STR(buf, "bob@xmpp.test");
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "carol@x.test"), 0);
	CHECK_STR(buf, "carol@x.test");
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "sip:x.test"), EINVAL);
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "tel:+1234@x"), EINVAL);
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "sip:a%0a@x.test"), EINVAL);
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "sip:a%4@x.test"), EINVAL);
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "sip:a%@x.test"), EINVAL);
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "sip:a@"), EINVAL);
	CHECK_INT(xmpp_sip_to_jid(buf, sizeof(buf), "sip:a@b/c"), EINVAL);
	CHECK_INT(xmpp_sip_to_jid(buf, 8, "sip:alice@sylk.test"), ENOSPC);
}

static void test_in_domain(void)
{
	CHECK(xmpp_jid_in_domain("alice@sylk.test", "sylk.test"));
	CHECK(xmpp_jid_in_domain("alice@SYLK.test/x", "sylk.test"));
	CHECK(xmpp_jid_in_domain("sylk.test", "sylk.test"));
	CHECK(!xmpp_jid_in_domain("alice@xmpp.sylk.test", "sylk.test"));
	CHECK(!xmpp_jid_in_domain("alice@sylk.test.evil", "sylk.test"));
	CHECK(!xmpp_jid_in_domain("alice@evil/@sylk.test", "sylk.test"));
	CHECK(!xmpp_jid_in_domain(NULL, "sylk.test"));
	CHECK(!xmpp_jid_in_domain("a@sylk.test", ""));
}

static void test_build(void)
{
	struct sbuf sb = SBUF_INIT;
	struct xmpp_message m = {.from = "alice@sylk.test",
				 .to = "bob@x.test",
				 .id = "i'1",
				 .body = "a<b & \"c\"",
				 .request_receipt = true};
	struct xmpp_message bad = {.from = "a@b", .to = "c@d", .body = "x\x01"};
	struct xmpp_presence_out p = {
		.from = "alice@sylk.test", .to = "bob@x.test", .show = "away"};

	CHECK_INT(xmpp_message_build(&sb, &m), 0);
	CHECK_STR(sb.buf,
		  "<message from='alice@sylk.test' to='bob@x.test' type='chat' id='i&apos;1'>"
		  "<body>a&lt;b &amp; &quot;c&quot;</body>"
		  "<request xmlns='urn:xmpp:receipts'/></message>");
	CHECK_INT(xmpp_stanza_check_out(sb.buf, sb.len, "sylk.test"), 0);
	CHECK_INT(xmpp_stanza_check_out(sb.buf, sb.len, "x.test"), EPERM);
	sbuf_reset(&sb);
	CHECK_INT(xmpp_message_build(&sb, &bad), EINVAL);
	sbuf_reset(&sb);
	CHECK_INT(xmpp_presence_build(&sb, &p), 0);
	CHECK_STR(sb.buf, "<presence from='alice@sylk.test' to='bob@x.test'><show>away</show>"
			  "</presence>");
	sbuf_reset(&sb);
	CHECK_INT(xmpp_stanza_check_out("<message to='a@b'/>", 19, "b"), EPERM);
	CHECK_INT(xmpp_stanza_check_out("<foo from='a@b'/>", 17, "b"), EBADMSG);
	CHECK_INT(xmpp_stanza_check_out("<message", 8, "b"), EBADMSG);
}

static void test_handshake(void)
{
	struct sbuf sb = SBUF_INIT;

	/* SHA-1("3BF96D75" "secret") */
	CHECK_INT(xmpp_handshake(&sb, "3BF96D75", "secret"), 0);
	CHECK_STR(sb.buf, "<handshake>20631b4b87b2d6381daeb556438f05036e09ad66</handshake>");
	sbuf_reset(&sb);
	CHECK_INT(xmpp_stream_open(&sb, "sylk.test"), 0);
	CHECK(strstr(sb.buf, "to='sylk.test'") && strstr(sb.buf, "jabber:component:accept"));
	sbuf_reset(&sb);
	CHECK_INT(xmpp_handshake(&sb, "", "secret"), EINVAL);
	sbuf_reset(&sb);
}

static void test_error_build(void)
{
	struct sbuf sb = SBUF_INIT;
	struct xmpp_el *el = NULL;

	CHECK_INT(parse(&el, "<message from='bob@x.test/r' to='nobody@sylk.test' id='7'/>"), 0);
	CHECK_INT(xmpp_error_build(&sb, el, "cancel", "item-not-found", "no such user"), 0);
	CHECK_STR(sb.buf, "<message from='nobody@sylk.test' to='bob@x.test/r' id='7' type='error'>"
			  "<error type='cancel'><item-not-found "
			  "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
			  "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no such user</text></error>"
			  "</message>");
	sbuf_reset(&sb);
	CHECK_INT(xmpp_error_build(&sb, el, "cancel", "bad condition", NULL), EINVAL);
	sbuf_reset(&sb);
	xmpp_el_free(el);
	CHECK_INT(parse(&el, "<message to='nobody@sylk.test'/>"), 0);
	CHECK_INT(xmpp_error_build(&sb, el, "cancel", "bad-request", NULL), EINVAL);
	sbuf_reset(&sb);
	xmpp_el_free(el);
	/* an error is never answered with an error (RFC 6120 8.3.1) */
	CHECK_INT(parse(&el, "<message from='b@x' to='a@sylk.test' type='error'/>"), 0);
	CHECK_INT(xmpp_error_build(&sb, el, "modify", "bad-request", NULL), EINVAL);
	sbuf_reset(&sb);
	xmpp_el_free(el);
}

static void test_im_from_sip(void)
{
	static const char cpim[] =
		"From: <sip:alice@sylk.test>\r\nTo: <sip:bob@x.test>\r\n"
		"NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: m1\r\n"
		"imdn.Disposition-Notification: positive-delivery, display\r\n\r\n"
		"Content-Type: text/plain;charset=utf-8\r\n\r\nhello";
	struct xmpp_im im;
	char *imdn = NULL;
	size_t len;

	CHECK_INT(xmpp_im_from_sip(&im, "text/plain; charset=UTF-8", "hi there", 8), 0);
	CHECK(im.kind == XMPP_IM_TEXT && !strcmp(im.text, "hi there") && !im.want_receipt);
	xmpp_im_clear(&im);
	CHECK_INT(xmpp_im_from_sip(&im, "Message/CPIM", cpim, strlen(cpim)), 0);
	CHECK(im.kind == XMPP_IM_TEXT && im.text && !strcmp(im.text, "hello"));
	CHECK_STR(im.message_id, "m1");
	CHECK(im.want_receipt);
	xmpp_im_clear(&im);
	CHECK_INT(xmpp_im_from_sip(&im, "text/html", "<b>x</b>", 8), EPROTONOSUPPORT);
	xmpp_im_clear(&im);
	CHECK_INT(xmpp_im_from_sip(&im, "text/plain", "a\x01", 2), EBADMSG);
	xmpp_im_clear(&im);
	CHECK_INT(xmpp_im_from_sip(&im, "message/cpim", "garbage", 7), EBADMSG);
	xmpp_im_clear(&im);
	/* a receipt made here reads back as a receipt */
	CHECK_INT(xmpp_im_receipt_to_imdn(&imdn, &len, "sip:bob@x.test", "sip:alice@sylk.test",
					  "m1"),
		  0);
	CHECK_INT(xmpp_im_from_sip(&im, "message/cpim", imdn, len), 0);
	CHECK(im.kind == XMPP_IM_RECEIPT);
	CHECK_STR(im.message_id, "m1");
	xmpp_im_clear(&im);
	free(imdn);
}

static void test_im_to_cpim(void)
{
	struct cpim_msg *m = NULL;
	char *out = NULL;
	size_t len;

	CHECK_INT(xmpp_im_to_cpim(&out, &len, "sip:bob@x.test", "sip:alice@sylk.test", "x1", "hé",
				  true),
		  0);
	CHECK_INT(cpim_parse(&m, out, len), 0);
	if (m) {
		CHECK_STR(m->from.uri, "sip:bob@x.test");
		CHECK_STR(cpim_msg_header(m, CPIM_NS_IMDN, "Message-ID"), "x1");
		CHECK_STR(cpim_msg_header(m, CPIM_NS_IMDN, "Disposition-Notification"),
			  "positive-delivery");
		CHECK_STR((char *)m->body, "hé");
	}
	cpim_msg_free(m);
	free(out);
	CHECK_INT(xmpp_im_to_cpim(&out, &len, "sip:a@b", "sip:c@d", NULL, "x", false), 0);
	CHECK(out && strstr(out, "Message-ID: xmpp-") && !strstr(out, "Disposition"));
	free(out);
}

static void test_presence(void)
{
	static const char pidf[] =
		"<?xml version='1.0' encoding='UTF-8'?>\n<presence xmlns='urn:ietf:params:xml:ns:pidf' "
		"xmlns:dm='urn:ietf:params:xml:ns:pidf:data-model' "
		"xmlns:rpid='urn:ietf:params:xml:ns:pidf:rpid' entity='sip:alice@sylk.test'>"
		"<tuple id='t'><status><basic> open </basic></status></tuple>"
		"<dm:person id='p'><rpid:activities><rpid:busy/></rpid:activities>"
		"<dm:note>In a meeting</dm:note></dm:person></presence>";
	struct xmpp_pres p, back;
	char *out = NULL;
	size_t len;

	CHECK_INT(xmpp_pres_from_pidf(&p, pidf, strlen(pidf)), 0);
	CHECK(p.available);
	CHECK_STR(p.show, "dnd");
	CHECK_STR(p.status, "In a meeting");
	CHECK_INT(xmpp_pres_to_pidf(&out, &len, "sip:alice@sylk.test", &p), 0);
	CHECK_INT(xmpp_pres_from_pidf(&back, out, len), 0);
	CHECK(back.available && !strcmp(back.show, "dnd") && !strcmp(back.status, "In a meeting"));
	free(out);
	CHECK_INT(xmpp_pres_from_pidf(&p,
				      "<presence><tuple><status><basic>closed</basic>"
				      "</status></tuple></presence>",
				      74),
		  0);
	CHECK(!p.available);
	CHECK_INT(xmpp_pres_from_pidf(&p, "<x/>", 4), EBADMSG);
	CHECK_INT(xmpp_pres_from_pidf(&p, "<?xml", 5), EBADMSG);
}

int main(void)
{
	RUN(test_parse_message);
	RUN(test_parse_namespaces);
	RUN(test_parse_refused);
	RUN(test_parse_bounds);
	RUN(test_framer);
	RUN(test_framer_errors);
	RUN(test_framer_too_large);
	RUN(test_parse_start_tag);
	RUN(test_jid);
	RUN(test_sip_to_jid);
	RUN(test_in_domain);
	RUN(test_build);
	RUN(test_handshake);
	RUN(test_error_build);
	RUN(test_im_from_sip);
	RUN(test_im_to_cpim);
	RUN(test_presence);
	return check_summary();
}
