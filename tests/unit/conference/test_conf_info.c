/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 4575 conference-info documents (conference/conf_info), read back
 * with libxml2. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "check.h"
#include "conference/info/conf_info.h"

static const struct conf_info_media alice_media[] = {
	{.id = "170092876", .type = "message", .status = "sendrecv"},
	{.id = "2977223756", .type = "audio", .status = "sendonly"},
};
static const struct conf_info_endpoint alice_eps[] = {
	{.entity = "sip:pbvusniw@192.0.2.10",
	 .display_text = "Alice's Blink",
	 .status = "on-hold",
	 .joining_method = "dialed-in",
	 .joining_when = "2024-05-01T10:00:00Z",
	 .media = alice_media,
	 .media_count = 2},
};
static const struct conf_info_endpoint bob_eps[] = {
	{.entity = "sip:bob@192.0.2.20", .status = "dialing-out", .joining_method = "dialed-out"},
};
static const struct conf_info_user users[] = {
	{.entity = "sip:alice@example.com",
	 .display_text = "Alice Example",
	 .screen_image_url = "https://conf.example.com/screen/room1/alice.jpg?a=1&b=2",
	 .endpoints = alice_eps,
	 .endpoint_count = 1},
	{.entity = "sip:bob@example.com", .endpoints = bob_eps, .endpoint_count = 1},
};
static const struct conf_info_file files[] = {
	{.name = "Blink.pdf",
	 .hash = "sha-1:49:AD:49",
	 .size = 151036,
	 .sender = "Alice Example <sip:alice@example.com>",
	 .status = "OK"},
};

static struct conf_info sample(void)
{
	struct conf_info ci = {
		.entity = "sip:room1@conf.example.com",
		.version = 3,
		.display_text = "Ad-hoc conference",
		.subject = "Weekly",
		.free_text = "Hosted by the focus",
		.conf_uri = "sip:room1@conf.example.com",
		.active = true,
		.user_count = 2,
		.users = users,
		.user_count_listed = 2,
		.files = files,
		.file_count = 1,
	};
	return ci;
}

struct doc {
	xmlDoc *doc;
	xmlXPathContext *xp;
};

static bool doc_open(struct doc *d, const char *xml, size_t len)
{
	d->doc = xmlReadMemory(xml, (int)len, NULL, NULL,
			       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	d->xp = d->doc ? xmlXPathNewContext(d->doc) : NULL;
	if (!d->xp) {
		xmlFreeDoc(d->doc);
		return false;
	}
	xmlXPathRegisterNs(d->xp, (const xmlChar *)"c", (const xmlChar *)CONF_INFO_NS);
	xmlXPathRegisterNs(d->xp, (const xmlChar *)"a", (const xmlChar *)CONF_INFO_AGP_NS);
	return true;
}

static void doc_close(struct doc *d)
{
	xmlXPathFreeContext(d->xp);
	xmlFreeDoc(d->doc);
}

/* The string value of an XPath expression; static buffer. */
static const char *xs(struct doc *d, const char *expr)
{
	static char buf[1024];
	char *q = malloc(strlen(expr) + 10);
	xmlXPathObject *o;

	if (!q)
		return NULL;
	sprintf(q, "string(%s)", expr);
	o = xmlXPathEvalExpression((const xmlChar *)q, d->xp);
	free(q);
	if (!o || !o->stringval) {
		xmlXPathFreeObject(o);
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%s", (const char *)o->stringval);
	xmlXPathFreeObject(o);
	return buf;
}

static long xcount(struct doc *d, const char *expr)
{
	char q[512];
	xmlXPathObject *o;
	long n;

	snprintf(q, sizeof(q), "count(%s)", expr);
	o = xmlXPathEvalExpression((const xmlChar *)q, d->xp);
	n = o ? (long)o->floatval : -1;
	xmlXPathFreeObject(o);
	return n;
}

static void test_full_document(void)
{
	struct conf_info ci = sample();
	char *xml = NULL;
	size_t len = 0;
	struct doc d;

	CHECK_INT(conf_info_build(&xml, &len, &ci), 0);
	if (!xml)
		return;
	CHECK_INT(len, strlen(xml));
	CHECK(strncmp(xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 38) == 0);
	CHECK(doc_open(&d, xml, len));
	if (!d.doc) {
		free(xml);
		return;
	}
	CHECK_STR(xs(&d, "name(/*)"), "conference-info");
	CHECK_STR(xs(&d, "namespace-uri(/*)"), CONF_INFO_NS);
	CHECK_STR(xs(&d, "/c:conference-info/@entity"), "sip:room1@conf.example.com");
	CHECK_STR(xs(&d, "/c:conference-info/@state"), "full");
	CHECK_STR(xs(&d, "/c:conference-info/@version"), "3");
	/* the agp-conf prefix as clients expect it */
	CHECK(strstr(xml, "xmlns:agp-conf=\"" CONF_INFO_AGP_NS "\"") != NULL);

	CHECK_STR(xs(&d, "/*/c:conference-description/c:display-text"), "Ad-hoc conference");
	CHECK_STR(xs(&d, "/*/c:conference-description/c:subject"), "Weekly");
	CHECK_STR(xs(&d, "/*/c:conference-description/c:free-text"), "Hosted by the focus");
	CHECK_STR(xs(&d, "/*/c:conference-description/c:conf-uris/c:entry/c:uri"),
		  "sip:room1@conf.example.com");
	CHECK_INT(xcount(&d, "/*/c:conference-description/a:resources/a:files/a:file"), 1);
	CHECK_STR(xs(&d, "//a:file/@name"), "Blink.pdf");
	CHECK_STR(xs(&d, "//a:file/@hash"), "sha-1:49:AD:49");
	CHECK_STR(xs(&d, "//a:file/@size"), "151036");
	CHECK_STR(xs(&d, "//a:file/@sender"), "Alice Example <sip:alice@example.com>");
	CHECK_STR(xs(&d, "//a:file/@status"), "OK");

	CHECK_STR(xs(&d, "/*/c:conference-state/c:user-count"), "2");
	CHECK_STR(xs(&d, "/*/c:conference-state/c:active"), "true");

	CHECK_STR(xs(&d, "/*/c:users/@state"), "full");
	CHECK_INT(xcount(&d, "/*/c:users/c:user"), 2);
	CHECK_STR(xs(&d, "/*/c:users/c:user[1]/@entity"), "sip:alice@example.com");
	CHECK_STR(xs(&d, "/*/c:users/c:user[1]/@state"), "full");
	CHECK_STR(xs(&d, "/*/c:users/c:user[1]/c:display-text"), "Alice Example");
	CHECK_STR(xs(&d, "/*/c:users/c:user[1]/a:screen_image_url"),
		  "https://conf.example.com/screen/room1/alice.jpg?a=1&b=2");
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/@entity"), "sip:pbvusniw@192.0.2.10");
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/c:display-text"), "Alice's Blink");
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/c:status"), "on-hold");
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/c:joining-method"), "dialed-in");
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/c:joining-info/c:when"), "2024-05-01T10:00:00Z");
	CHECK_INT(xcount(&d, "//c:user[1]/c:endpoint/c:media"), 2);
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/c:media[1]/@id"), "170092876");
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/c:media[1]/c:type"), "message");
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/c:media[2]/c:type"), "audio");
	CHECK_STR(xs(&d, "//c:user[1]/c:endpoint/c:media[2]/c:status"), "sendonly");
	/* schema order inside endpoint: display-text, status, joining-*, media */
	CHECK_STR(xs(&d, "name(//c:user[1]/c:endpoint/*[1])"), "display-text");
	CHECK_STR(xs(&d, "name(//c:user[1]/c:endpoint/*[last()])"), "media");
	/* extension after the endpoints */
	CHECK_STR(xs(&d, "name(//c:user[1]/*[last()])"), "agp-conf:screen_image_url");

	CHECK_INT(xcount(&d, "//c:user[2]/c:display-text"), 0);
	CHECK_INT(xcount(&d, "//c:user[2]/a:screen_image_url"), 0);
	CHECK_STR(xs(&d, "//c:user[2]/c:endpoint/c:status"), "dialing-out");
	CHECK_STR(xs(&d, "//c:user[2]/c:endpoint/c:joining-method"), "dialed-out");
	CHECK_INT(xcount(&d, "//c:user[2]/c:endpoint/c:joining-info"), 0);
	doc_close(&d);
	free(xml);
}

static void test_minimal_and_version(void)
{
	struct conf_info ci = {.entity = "sip:r@h", .version = 4294967295u};
	char *xml = NULL;
	struct doc d;

	CHECK_INT(conf_info_build(&xml, NULL, &ci), 0);
	if (!xml)
		return;
	CHECK(doc_open(&d, xml, strlen(xml)));
	if (d.doc) {
		CHECK_STR(xs(&d, "/*/@version"), "4294967295");
		CHECK_STR(xs(&d, "/*/c:conference-state/c:active"), "false");
		CHECK_STR(xs(&d, "/*/c:conference-state/c:user-count"), "0");
		CHECK_INT(xcount(&d, "/*/c:users/*"), 0);
		CHECK_INT(xcount(&d, "//a:resources"), 0);
		CHECK_INT(xcount(&d, "/*/c:conference-description/*"), 0);
		doc_close(&d);
	}
	free(xml);

	/* each build reflects the version given */
	ci.version = 1;
	CHECK_INT(conf_info_build(&xml, NULL, &ci), 0);
	if (xml) {
		CHECK(strstr(xml, "version=\"1\"") != NULL);
		free(xml);
	}
}

static void test_hostile_text(void)
{
	struct conf_info_endpoint ep = {
		.entity = "sip:x@h\"><evil/>",
		.display_text = "ep\x1b[31m",
	};
	struct conf_info_user u = {
		.entity = "sip:mallory@example.com",
		.display_text = "\"Mal\" <b>&amp; </users>\x01\x02\x7f\ttab ]]> \xc3\xa9",
		.endpoints = &ep,
		.endpoint_count = 1,
	};
	struct conf_info_file f = {.name = "a\"b'<c>&d\x07.txt", .sender = "x\ny"};
	struct conf_info ci = {
		.entity = "sip:room@h",
		.display_text = "<![CDATA[x]]>",
		.subject = "a\x0c"
			   "b",
		.users = &u,
		.user_count_listed = 1,
		.files = &f,
		.file_count = 1,
	};
	char *xml = NULL;
	struct doc d;

	CHECK_INT(conf_info_build(&xml, NULL, &ci), 0);
	if (!xml)
		return;
	CHECK(strstr(xml, "<evil") == NULL);
	CHECK(strstr(xml, "<b>") == NULL);
	CHECK(strstr(xml, "\x1b") == NULL);
	CHECK(strstr(xml, "\x7f") == NULL);
	CHECK(doc_open(&d, xml, strlen(xml)));
	if (d.doc) {
		CHECK_INT(xcount(&d, "//c:user"), 1);
		CHECK_INT(xcount(&d, "//c:users/*"), 1);
		CHECK_STR(xs(&d, "//c:user/c:display-text"),
			  "\"Mal\" <b>&amp; </users>\ttab ]]> \xc3\xa9");
		CHECK_STR(xs(&d, "//c:endpoint/@entity"), "sip:x@h\"><evil/>");
		CHECK_STR(xs(&d, "//c:endpoint/c:display-text"), "ep[31m");
		CHECK_STR(xs(&d, "//a:file/@name"), "a\"b'<c>&d.txt");
		CHECK_STR(xs(&d, "//a:file/@sender"), "xy");
		CHECK_STR(xs(&d, "/*/c:conference-description/c:display-text"), "<![CDATA[x]]>");
		CHECK_STR(xs(&d, "/*/c:conference-description/c:subject"), "ab");
		doc_close(&d);
	}
	free(xml);
}

static void test_refused(void)
{
	struct conf_info ci = sample();
	struct conf_info_user u = users[0];
	struct conf_info_endpoint ep = alice_eps[0];
	struct conf_info_media m = alice_media[0];
	struct conf_info_file f = files[0];
	char *xml = (char *)1;

	CHECK_INT(conf_info_build(NULL, NULL, &ci), EINVAL);
	CHECK_INT(conf_info_build(&xml, NULL, NULL), EINVAL);
	CHECK(xml == NULL);

	ci.entity = NULL;
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	ci = sample();
	ci.users = NULL;
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);

	/* invalid UTF-8 anywhere */
	ci = sample();
	ci.display_text = "bad \xc3(";
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	ci.display_text = "overlong \xc0\xaf";
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	ci.display_text = "surrogate \xed\xa0\x80";
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	ci.display_text = "truncated \xe2\x82";
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	CHECK(xml == NULL);

	/* control characters in identifiers are refused, not stripped */
	ci = sample();
	ci.entity = "sip:room@h\x01";
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	ci = sample();
	u.screen_image_url = "http://x/\n";
	ci.users = &u;
	ci.user_count_listed = 1;
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);

	/* missing required identifiers */
	u = users[0];
	u.entity = "";
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	u = users[0];
	ep.entity = NULL;
	u.endpoints = &ep;
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	ep = alice_eps[0];
	m.id = NULL;
	ep.media = &m;
	ep.media_count = 1;
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	ci = sample();
	f.name = NULL;
	ci.files = &f;
	CHECK_INT(conf_info_build(&xml, NULL, &ci), EINVAL);
	CHECK(xml == NULL);
}

int main(void)
{
	xmlInitParser();
	RUN(test_full_document);
	RUN(test_minimal_and_version);
	RUN(test_hostile_text);
	RUN(test_refused);
	xmlCleanupParser();
	return check_summary();
}
