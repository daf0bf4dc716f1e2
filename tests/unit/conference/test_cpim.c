/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPIM (RFC 3862) parse/build and is-composing (RFC 3994) documents. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/iscomposing.h"

/* RFC 3862 section 6 example, CRLF line ends. */
#define RFC_EXAMPLE                                                 \
	"From: MR SANDERS <im:piglet@100akerwood.com>\r\n"          \
	"To: Depressed Donkey <im:eeyore@100akerwood.com>\r\n"      \
	"DateTime: 2000-12-13T13:40:00-08:00\r\n"                   \
	"Subject: the weather will be fine today\r\n"               \
	"Subject:;lang=fr beau temps prevu pour aujourd'hui\r\n"    \
	"NS: MyFeatures <mid:MessageFeatures@id.foo.com>\r\n"       \
	"Require: MyFeatures.VitalMessageOption\r\n"                \
	"MyFeatures.VitalMessageOption: Confirmation-requested\r\n" \
	"MyFeatures.WackyMessageOption: Use-silly-font\r\n"         \
	"\r\n"                                                      \
	"Content-type: text/xml; charset=utf-8\r\n"                 \
	"Content-ID: <1234567890@foo.com>\r\n"                      \
	"\r\n"                                                      \
	"<body>\r\n"                                                \
	"Here is the text of my message.\r\n"                       \
	"</body>\r\n"

static struct cpim_msg *parse(const char *s)
{
	struct cpim_msg *m = NULL;

	if (cpim_parse(&m, s, strlen(s)) != 0)
		return NULL;
	return m;
}

static void test_rfc_example(void)
{
	struct cpim_msg *m = parse(RFC_EXAMPLE);

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK(m->has_from);
	CHECK_STR(m->from.display, "MR SANDERS");
	CHECK_STR(m->from.uri, "im:piglet@100akerwood.com");
	CHECK_INT(m->to_n, 1);
	CHECK_STR(m->to[0].display, "Depressed Donkey");
	CHECK_STR(m->to[0].uri, "im:eeyore@100akerwood.com");
	CHECK_STR(m->datetime, "2000-12-13T13:40:00-08:00");
	CHECK(cpim_datetime_valid(m->datetime));
	CHECK_STR(m->subject, "the weather will be fine today");
	CHECK_INT(m->ns_n, 1);
	CHECK_STR(m->ns[0].prefix, "MyFeatures");
	CHECK_STR(m->ns[0].uri, "mid:MessageFeatures@id.foo.com");
	CHECK_INT(m->header_n, 4);
	CHECK_STR(m->headers[0].name, "Subject");
	CHECK_STR(m->headers[0].params, ";lang=fr");
	CHECK_STR(m->headers[0].value, "beau temps prevu pour aujourd'hui");
	CHECK_STR(cpim_msg_header(m, NULL, "Require"), "MyFeatures.VitalMessageOption");
	CHECK_STR(cpim_msg_header(m, "mid:MessageFeatures@id.foo.com", "VitalMessageOption"),
		  "Confirmation-requested");
	CHECK_STR(cpim_msg_header(m, "mid:MessageFeatures@id.foo.com", "WackyMessageOption"),
		  "Use-silly-font");
	CHECK(cpim_msg_header(m, NULL, "VitalMessageOption") == NULL);
	CHECK_STR(cpim_msg_header_ns(m, &m->headers[2]), "mid:MessageFeatures@id.foo.com");
	CHECK_STR(cpim_msg_header_ns(m, &m->headers[1]), CPIM_NS_DEFAULT);
	CHECK_STR(m->content_type, "text/xml; charset=utf-8");
	CHECK_STR(cpim_msg_mime_header(m, "content-id"), "<1234567890@foo.com>");
	CHECK_STR(cpim_msg_mime_header(m, "CONTENT-TYPE"), "text/xml; charset=utf-8");
	CHECK_STR((const char *)m->body,
		  "<body>\r\nHere is the text of my message.\r\n</body>\r\n");
	cpim_msg_free(m);
}

/* Blink / SylkServer shapes: quoted names, several To, imdn and agp
 * namespaces, binary content. */
static void test_sylk_shapes(void)
{
	static const char text[] = "From: \"Adrian \\\"AG\\\" Georgescu\" <sip:ag@example.com>\r\n"
				   "To: <sip:room@conference.example.com>\r\n"
				   "To: Bob <sip:bob@example.com>\r\n"
				   "cc: <sip:carol@example.com>\r\n"
				   "DateTime: 2011-12-22T09:12:04+01:00\r\n"
				   "NS: imdn <urn:ietf:params:imdn>\r\n"
				   "imdn.Message-ID: 34jk324j\r\n"
				   "imdn.Disposition-Notification: positive-delivery, display\r\n"
				   "NS: sylk <urn:ag-projects:xml:ns:cpim>\r\n"
				   "sylk.Message-Type: status\r\n"
				   "\r\n"
				   "MIME-Version: 1.0\r\n"
				   "Content-Type: application/blink-screensharing\r\n"
				   "\r\n"
				   "\xff\xd8\xff\xe0\x00\x10JFIF\x00\r\n\r\n";
	struct cpim_msg *m = NULL;

	CHECK_INT(cpim_parse(&m, text, sizeof(text) - 1), 0);
	if (!m)
		return;
	CHECK_STR(m->from.display, "Adrian \"AG\" Georgescu");
	CHECK_STR(m->from.uri, "sip:ag@example.com");
	CHECK_INT(m->to_n, 2);
	CHECK(m->to[0].display == NULL);
	CHECK_STR(m->to[0].uri, "sip:room@conference.example.com");
	CHECK_STR(m->to[1].display, "Bob");
	CHECK_INT(m->cc_n, 1);
	CHECK_STR(cpim_msg_header(m, CPIM_NS_IMDN, "Message-ID"), "34jk324j");
	CHECK_STR(cpim_msg_header(m, CPIM_NS_IMDN, "disposition-notification"),
		  "positive-delivery, display");
	/* found by namespace, whatever the prefix */
	CHECK_STR(cpim_msg_header(m, CPIM_NS_AGP, "Message-Type"), "status");
	CHECK(cpim_msg_header(m, NULL, "Message-Type") == NULL);
	CHECK_STR(m->content_type, "application/blink-screensharing");
	CHECK_STR(cpim_msg_mime_header(m, "MIME-Version"), "1.0");
	CHECK_INT(m->body_len, 15);
	CHECK_MEM(m->body, "\xff\xd8\xff\xe0\x00\x10JFIF\x00\r\n\r\n", 15);
	cpim_msg_free(m);
}

static void test_lenient_forms(void)
{
	struct cpim_msg *m;

	/* bare LF, bare URI, no MIME headers, folded MIME header */
	m = parse("From: sip:a@example.com\nTo: <sip:b@example.com>\n\n\nhello\n");
	CHECK(m != NULL);
	if (m) {
		CHECK_STR(m->from.uri, "sip:a@example.com");
		CHECK(m->from.display == NULL);
		CHECK(m->content_type == NULL);
		CHECK_STR((const char *)m->body, "hello\n");
	}
	cpim_msg_free(m);

	m = parse("From: <sip:a@x>\r\n\r\nContent-Type: text/plain;\r\n\tcharset=utf-8\r\n\r\nhi");
	CHECK(m && m->content_type && strcmp(m->content_type, "text/plain;\tcharset=utf-8") == 0);
	CHECK(m && m->body_len == 2);
	cpim_msg_free(m);

	/* headers only, nothing after the blank line */
	m = parse("From: <sip:a@x>\r\n\r\n");
	CHECK(m && m->body == NULL && m->body_len == 0 && m->content_type == NULL);
	cpim_msg_free(m);

	/* MIME headers without the blank line before the end */
	m = parse("From: <sip:a@x>\r\n\r\nContent-Type: text/plain");
	CHECK(m && m->content_type && m->body == NULL);
	cpim_msg_free(m);

	/* undeclared prefix: kept, but in no namespace */
	m = parse("foo.Bar: baz\r\n\r\n");
	CHECK(m != NULL);
	if (m) {
		CHECK_INT(m->header_n, 1);
		CHECK_STR(m->headers[0].prefix, "foo");
		CHECK(cpim_msg_header_ns(m, &m->headers[0]) == NULL);
		CHECK(cpim_msg_header(m, NULL, "Bar") == NULL);
	}
	cpim_msg_free(m);

	/* UTF-8 display names */
	m = parse("From: J\xc3\xbcrgen <sip:j@x>\r\n\r\n");
	CHECK(m && strcmp(m->from.display, "J\xc3\xbcrgen") == 0);
	cpim_msg_free(m);

	/* the default namespace by its URI */
	m = parse("X-Thing: 1\r\n\r\n");
	CHECK(m && strcmp(cpim_msg_header(m, CPIM_NS_DEFAULT, "X-Thing"), "1") == 0);
	cpim_msg_free(m);
}

static void test_malformed(void)
{
	static const char *bad[] = {
		"",
		"From: <sip:a@x>\r\n", /* no blank line */
		"From: <sip:a@x>",
		"From <sip:a@x>\r\n\r\n", /* no colon */
		": value\r\n\r\n",
		"From: <sip:a@x>\r\nFrom: <sip:b@x>\r\n\r\n",
		"From: <>\r\n\r\n",
		"From: Alice <sip:a@x\r\n\r\n",
		"From: Alice sip:a@x>\r\n\r\n",
		"From: \"Alice <sip:a@x>\r\n\r\n",
		"From: Al\"ice <sip:a@x>\r\n\r\n",
		"From: <sip:a b@x>\r\n\r\n",
		"From: Alice\r\n\r\n",
		"To:\r\n\r\n",
		"DateTime: 2000-12-13T13:40:00Z\r\nDateTime: 2000-12-13T13:40:00Z\r\n\r\n",
		"DateTime:\r\n\r\n",
		" folded: x\r\n\r\n",
		"From: <sip:a@x>\r\n continued\r\n\r\n",
		"imdn.: x\r\n\r\n",
		".Message-ID: x\r\n\r\n",
		"a.b.c: x\r\n\r\n",
		"X-Ctl: a\001b\r\n\r\n",
		"X-Cr: a\rb\r\n\r\n",
		"X-Utf8: \xc3\x28\r\n\r\n",
		"X-Utf8: \xed\xa0\x80\r\n\r\n", /* surrogate */
		"NS: imdn urn:ietf:params:imdn\r\n\r\n",
		"NS: imdn<urn:ietf:params:imdn>\r\n\r\n",
		"NS: <>\r\n\r\n",
		"NS:;x=y <urn:x>\r\n\r\n",
		"Subject:;lang=\"fr value\r\n\r\n",
		"From: <sip:a@x>\r\n\r\nNo colon\r\n\r\nbody",
		"From: <sip:a@x>\r\n\r\nContent-Type: a\r\nContent-Type: b\r\n\r\nbody",
		"From: <sip:a@x>\r\n\r\nContent-Type:\r\n\r\nbody",
		"From: <sip:a@x>\r\n\r\n folded first\r\n\r\nbody",
		"From: <sip:a@x>\r\n\r\nX-Ctl: \x7f\r\n\r\nbody",
	};
	struct cpim_msg *m = (struct cpim_msg *)1;
	char *big;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = cpim_parse(&m, bad[i], strlen(bad[i]));

		if (err != EBADMSG)
			fprintf(stderr, "  bad case %zu accepted (%d)\n", i, err);
		CHECK_INT(err, EBADMSG);
		CHECK(m == NULL);
	}

	/* a line over the limit */
	big = malloc(CPIM_MAX_LINE + 64);
	memcpy(big, "X-Big: ", 7);
	memset(big + 7, 'a', CPIM_MAX_LINE);
	memcpy(big + 7 + CPIM_MAX_LINE, "\r\n\r\n", 4);
	CHECK_INT(cpim_parse(&m, big, CPIM_MAX_LINE + 11), EBADMSG);
	free(big);

	/* too many headers */
	{
		char *many = malloc((CPIM_MAX_HEADERS + 2) * 8 + 4), *p = many;

		for (i = 0; i < CPIM_MAX_HEADERS + 1; i++) {
			memcpy(p, "X-A: b\r\n", 8);
			p += 8;
		}
		memcpy(p, "\r\n", 2);
		p += 2;
		CHECK_INT(cpim_parse(&m, many, (size_t)(p - many)), EBADMSG);
		free(many);
	}
	CHECK_INT(cpim_parse(NULL, "x", 1), EINVAL);
	CHECK_INT(cpim_parse(&m, NULL, 1), EINVAL);
}

static void test_build(void)
{
	static const char want[] = "From: \"Alice \\\"A\\\"\" <sip:alice@example.com>\r\n"
				   "To: <sip:room@conference.example.com>\r\n"
				   "To: \"Bob\" <sip:bob@example.com>\r\n"
				   "DateTime: 2024-01-02T03:04:05Z\r\n"
				   "Subject: hi\r\n"
				   "NS: imdn <urn:ietf:params:imdn>\r\n"
				   "NS: agp <urn:ag-projects:xml:ns:cpim>\r\n"
				   "imdn.Message-ID: abc123\r\n"
				   "agp.Message-Type: status\r\n"
				   "X-Plain: 1\r\n"
				   "\r\n"
				   "Content-Type: text/plain;charset=utf-8\r\n"
				   "Content-Disposition: inline\r\n"
				   "\r\n"
				   "Bob joined";
	struct cpim_msg *m = NULL, *back;
	char *out = NULL, *out2 = NULL, dt[32];
	size_t len = 0, len2 = 0;

	CHECK_INT(cpim_msg_alloc(&m), 0);
	CHECK_INT(cpim_msg_set_from(m, "Alice \"A\"", "sip:alice@example.com"), 0);
	CHECK_INT(cpim_msg_add_to(m, NULL, "sip:room@conference.example.com"), 0);
	CHECK_INT(cpim_msg_add_to(m, "Bob", "sip:bob@example.com"), 0);
	CHECK_INT(cpim_msg_set_datetime(m, "2024-01-02T03:04:05Z"), 0);
	CHECK_INT(cpim_msg_set_subject(m, "hi"), 0);
	CHECK_INT(cpim_msg_add_ns(m, "imdn", CPIM_NS_IMDN), 0);
	CHECK_INT(cpim_msg_add_ns(m, "agp", CPIM_NS_AGP), 0);
	CHECK_INT(cpim_msg_add_header(m, CPIM_NS_IMDN, "Message-ID", "abc123"), 0);
	CHECK_INT(cpim_msg_add_header(m, CPIM_NS_AGP, "Message-Type", "status"), 0);
	CHECK_INT(cpim_msg_add_header(m, NULL, "X-Plain", "1"), 0);
	CHECK_INT(cpim_msg_set_content(m, "text/plain;charset=utf-8", "Bob joined", 10), 0);
	CHECK_INT(cpim_msg_add_mime_header(m, "Content-Disposition", "inline"), 0);
	CHECK_INT(cpim_encode(m, &out, &len), 0);
	CHECK_STR(out, want);
	CHECK_INT(len, sizeof(want) - 1);

	/* what we write, we read back the same */
	back = parse(out);
	CHECK(back != NULL);
	if (back) {
		CHECK_STR(back->from.display, "Alice \"A\"");
		CHECK_INT(back->to_n, 2);
		CHECK_STR(cpim_msg_header(back, CPIM_NS_AGP, "Message-Type"), "status");
		CHECK_STR(cpim_msg_header(back, CPIM_NS_IMDN, "Message-ID"), "abc123");
		CHECK_INT(back->body_len, 10);
		CHECK_INT(cpim_encode(back, &out2, &len2), 0);
		CHECK_STR(out2, want);
	}
	cpim_msg_free(back);
	free(out);
	free(out2);

	/* refused: unsafe or undeclared */
	CHECK_INT(cpim_msg_add_header(m, "urn:undeclared", "X", "y"), EINVAL);
	CHECK_INT(cpim_msg_add_header(m, NULL, "Bad.Name", "y"), EINVAL);
	CHECK_INT(cpim_msg_add_header(m, NULL, "X", "a\r\nFrom: <sip:evil@x>"), EINVAL);
	CHECK_INT(cpim_msg_add_to(m, "Eve", "sip:eve@x> <sip:other@x"), EINVAL);
	CHECK_INT(cpim_msg_add_to(m, "Eve\r\n", "sip:eve@x"), EINVAL);
	CHECK_INT(cpim_msg_add_to(m, NULL, ""), EINVAL);
	CHECK_INT(cpim_msg_set_datetime(m, "yesterday"), EINVAL);
	CHECK_INT(cpim_msg_add_ns(m, "bad.prefix", "urn:x"), EINVAL);
	CHECK_INT(cpim_msg_add_mime_header(m, "Bad Name", "x"), EINVAL);
	CHECK_INT(cpim_msg_set_content(m, "text/plain\r\nX: y", "x", 1), EINVAL);
	/* re-declaring a prefix replaces it */
	CHECK_INT(cpim_msg_add_ns(m, "agp", "urn:other"), 0);
	CHECK_INT(m->ns_n, 2);
	CHECK(cpim_msg_header(m, CPIM_NS_AGP, "Message-Type") == NULL);
	CHECK_STR(cpim_msg_header(m, "urn:other", "Message-Type"), "status");
	cpim_msg_free(m);

	/* DateTime of now */
	CHECK_INT(cpim_msg_alloc(&m), 0);
	CHECK_INT(cpim_msg_set_datetime(m, NULL), 0);
	CHECK(cpim_datetime_valid(m->datetime));
	CHECK_INT(cpim_datetime_now(dt, sizeof(dt)), 0);
	CHECK_INT(strlen(dt), 20);
	CHECK_INT(cpim_datetime_now(dt, 10), EINVAL);
	/* an empty message is still well-formed */
	CHECK_INT(cpim_encode(m, &out, &len), 0);
	back = parse(out);
	CHECK(back && back->datetime && !back->has_from);
	cpim_msg_free(back);
	free(out);
	cpim_msg_free(m);
}

static void test_roundtrip_rfc(void)
{
	struct cpim_msg *m = parse(RFC_EXAMPLE), *again;
	char *out = NULL, *out2 = NULL;
	size_t len, len2;

	CHECK(m != NULL);
	if (!m)
		return;
	CHECK_INT(cpim_encode(m, &out, &len), 0);
	again = out ? parse(out) : NULL;
	CHECK(again != NULL);
	if (again) {
		CHECK_STR(again->from.display, "MR SANDERS");
		CHECK_STR(again->subject, m->subject);
		CHECK_INT(again->header_n, m->header_n);
		CHECK_STR(again->headers[0].params, ";lang=fr");
		CHECK_INT(again->body_len, m->body_len);
		CHECK_INT(cpim_encode(again, &out2, &len2), 0);
		CHECK_INT(len, len2);
		CHECK_STR(out, out2);
	}
	cpim_msg_free(again);
	cpim_msg_free(m);
	free(out);
	free(out2);
}

static void test_datetime_and_types(void)
{
	CHECK(cpim_datetime_valid("2000-12-13T13:40:00-08:00"));
	CHECK(cpim_datetime_valid("2000-12-13t13:40:00.123456Z"));
	CHECK(cpim_datetime_valid("2016-12-31T23:59:60z"));
	CHECK(!cpim_datetime_valid("2000-12-13 13:40:00Z"));
	CHECK(!cpim_datetime_valid("2000-13-13T13:40:00Z"));
	CHECK(!cpim_datetime_valid("2000-12-13T24:40:00Z"));
	CHECK(!cpim_datetime_valid("2000-12-13T13:40:00"));
	CHECK(!cpim_datetime_valid("2000-12-13T13:40:00+0800"));
	CHECK(!cpim_datetime_valid("2000-12-13T13:40:00.Z"));
	CHECK(!cpim_datetime_valid("2000-12-13T13:40:00ZZ"));
	CHECK(!cpim_datetime_valid(NULL));

	CHECK(cpim_is_content_type("message/cpim"));
	CHECK(cpim_is_content_type("Message/CPIM"));
	CHECK(cpim_is_content_type(" message/cpim; charset=utf-8"));
	CHECK(!cpim_is_content_type("message/cpimx"));
	CHECK(!cpim_is_content_type("text/plain"));
	CHECK(!cpim_is_content_type(NULL));
}

static void test_iscomposing(void)
{
	static const char want[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
				   "<isComposing xmlns=\"urn:ietf:params:xml:ns:im-iscomposing\">\n"
				   "  <state>active</state>\n"
				   "  <lastactive>2024-01-02T03:04:05Z</lastactive>\n"
				   "  <contenttype>text/plain</contenttype>\n"
				   "  <refresh>120</refresh>\n"
				   "</isComposing>\n";
	struct iscomposing *ic = NULL;
	char *out = NULL;
	size_t len = 0;

	CHECK_INT(iscomposing_build(&out, &len, true, "text/plain", 120, "2024-01-02T03:04:05Z"),
		  0);
	CHECK_STR(out, want);
	CHECK_INT(len, sizeof(want) - 1);
	CHECK_INT(iscomposing_parse(&ic, out, len), 0);
	if (ic) {
		CHECK(ic->active);
		CHECK_STR(ic->content_type, "text/plain");
		CHECK_STR(ic->last_active, "2024-01-02T03:04:05Z");
		CHECK_INT(ic->refresh, 120);
	}
	iscomposing_free(ic);
	free(out);

	CHECK_INT(iscomposing_build(&out, &len, false, NULL, 0, NULL), 0);
	CHECK(strstr(out, "<state>idle</state>") != NULL);
	CHECK(strstr(out, "refresh") == NULL);
	CHECK_INT(iscomposing_parse(&ic, out, len), 0);
	CHECK(ic && !ic->active && ic->content_type == NULL && ic->refresh == 0);
	iscomposing_free(ic);
	free(out);

	/* markup in values is escaped, controls refused */
	CHECK_INT(iscomposing_build(&out, &len, true, "a<b>&c", 0, NULL), 0);
	CHECK(strstr(out, "a&lt;b&gt;&amp;c") != NULL);
	CHECK_INT(iscomposing_parse(&ic, out, len), 0);
	CHECK(ic && strcmp(ic->content_type, "a<b>&c") == 0);
	iscomposing_free(ic);
	free(out);
	CHECK_INT(iscomposing_build(&out, &len, true, "a\nb", 0, NULL), EINVAL);
	CHECK(out == NULL);

	/* what clients send, with prefixes and whitespace */
	{
		static const char doc[] =
			"<?xml version='1.0' encoding='UTF-8'?>"
			"<ic:isComposing xmlns:ic='urn:ietf:params:xml:ns:im-iscomposing' "
			"xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'>"
			"<ic:state> active </ic:state><ic:refresh>60</ic:refresh>"
			"<other xmlns='urn:x'>ignored</other></ic:isComposing>";

		CHECK_INT(iscomposing_parse(&ic, doc, sizeof(doc) - 1), 0);
		CHECK(ic && ic->active && ic->refresh == 60);
		iscomposing_free(ic);
	}

	{
		static const char *bad[] = {
			"",
			"not xml",
			"<isComposing><state>active</state></isComposing>",
			"<isComposing xmlns='urn:wrong'><state>active</state></isComposing>",
			"<x xmlns='urn:ietf:params:xml:ns:im-iscomposing'><state>active</state></x>",
			"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'/>",
			"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
			"<state>typing</state></isComposing>",
			"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
			"<state>active</state><state>idle</state></isComposing>",
			"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
			"<state>active</state>",
			"<!DOCTYPE isComposing [<!ENTITY a 'active'>]>"
			"<isComposing xmlns='urn:ietf:params:xml:ns:im-iscomposing'>"
			"<state>&a;</state></isComposing>",
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			int err = iscomposing_parse(&ic, bad[i], strlen(bad[i]));

			if (err != EBADMSG)
				fprintf(stderr, "  iscomposing bad case %zu: %d\n", i, err);
			CHECK_INT(err, EBADMSG);
			CHECK(ic == NULL);
		}
	}

	CHECK(iscomposing_is_content_type("application/im-iscomposing+xml"));
	CHECK(iscomposing_is_content_type("Application/IM-isComposing+XML;charset=utf-8"));
	CHECK(!iscomposing_is_content_type("application/im-iscomposing"));
	CHECK(!iscomposing_is_content_type("text/plain"));
	CHECK(!iscomposing_is_content_type(NULL));
}

/* is-composing inside CPIM, as the focus relays it */
static void test_iscomposing_in_cpim(void)
{
	struct cpim_msg *m = NULL, *back;
	struct iscomposing *ic = NULL;
	char *doc = NULL, *out = NULL;
	size_t dlen = 0, olen = 0;

	CHECK_INT(iscomposing_build(&doc, &dlen, true, "text/plain", 120, NULL), 0);
	CHECK_INT(cpim_msg_alloc(&m), 0);
	CHECK_INT(cpim_msg_set_from(m, "Alice", "sip:alice@example.com"), 0);
	CHECK_INT(cpim_msg_add_to(m, NULL, "sip:bob@example.com"), 0);
	CHECK_INT(cpim_msg_set_content(m, ISCOMPOSING_CONTENT_TYPE, doc, dlen), 0);
	CHECK_INT(cpim_encode(m, &out, &olen), 0);
	back = out ? parse(out) : NULL;
	CHECK(back && iscomposing_is_content_type(back->content_type));
	if (back) {
		CHECK_INT(iscomposing_parse(&ic, back->body, back->body_len), 0);
		CHECK(ic && ic->active);
	}
	iscomposing_free(ic);
	cpim_msg_free(back);
	cpim_msg_free(m);
	free(doc);
	free(out);
}

int main(void)
{
	RUN(test_rfc_example);
	RUN(test_sylk_shapes);
	RUN(test_lenient_forms);
	RUN(test_malformed);
	RUN(test_build);
	RUN(test_roundtrip_rfc);
	RUN(test_datetime_and_types);
	RUN(test_iscomposing);
	RUN(test_iscomposing_in_cpim);
	return check_summary();
}
