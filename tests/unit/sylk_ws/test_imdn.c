/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/im/imdn: RFC 5438 documents built and read, our
 * own and other implementations', and the malformed ones refused. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/im/imdn.h"

static const enum imdn_kind kinds[] = {IMDN_KIND_DELIVERY, IMDN_KIND_DISPLAY, IMDN_KIND_PROCESSING};
static const enum imdn_status statuses[] = {IMDN_DELIVERED, IMDN_DISPLAYED, IMDN_PROCESSED,
					    IMDN_STORED,    IMDN_FAILED,    IMDN_FORBIDDEN,
					    IMDN_ERROR};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void sample(struct imdn *n, enum imdn_kind k, enum imdn_status s)
{
	memset(n, 0, sizeof(*n));
	strcpy(n->message_id, "34jk324j");
	strcpy(n->datetime, "2008-04-04T12:16:49-05:00");
	strcpy(n->recipient_uri, "sip:bob@example.com");
	n->kind = k;
	n->status = s;
}

static int parse_str(struct imdn *n, const char *xml)
{
	return imdn_parse(n, xml, strlen(xml));
}

static void test_status_names(void)
{
	enum imdn_status s;
	size_t i;

	for (i = 0; i < N(statuses); i++) {
		const char *name = imdn_status_name(statuses[i]);

		CHECK(name != NULL);
		s = IMDN_ERROR + 1;
		CHECK_INT(imdn_status_from_name(name, &s), 0);
		CHECK_INT(s, statuses[i]);
	}
	CHECK_STR(imdn_status_name(IMDN_DELIVERED), "delivered");
	CHECK_STR(imdn_status_name(IMDN_DISPLAYED), "displayed");
	CHECK_STR(imdn_status_name(IMDN_FAILED), "failed");
	CHECK_STR(imdn_status_name(IMDN_FORBIDDEN), "forbidden");
	CHECK_STR(imdn_status_name(IMDN_ERROR), "error");
	CHECK_STR(imdn_status_name(IMDN_PROCESSED), "processed");
	CHECK_STR(imdn_status_name(IMDN_STORED), "stored");
	CHECK(imdn_status_name((enum imdn_status)99) == NULL);
	CHECK(imdn_status_name((enum imdn_status) - 1) == NULL);

	s = IMDN_STORED;
	CHECK_INT(imdn_status_from_name("Delivered", &s), EINVAL);
	CHECK_INT(imdn_status_from_name("read", &s), EINVAL);
	CHECK_INT(imdn_status_from_name("", &s), EINVAL);
	CHECK_INT(imdn_status_from_name(NULL, &s), EINVAL);
	CHECK_INT(s, IMDN_STORED);
	CHECK_INT(imdn_status_from_name("error", NULL), EINVAL);
}

static void test_kind_for_status(void)
{
	size_t i;

	CHECK_INT(imdn_kind_for_status(IMDN_DELIVERED), IMDN_KIND_DELIVERY);
	CHECK_INT(imdn_kind_for_status(IMDN_FAILED), IMDN_KIND_DELIVERY);
	CHECK_INT(imdn_kind_for_status(IMDN_DISPLAYED), IMDN_KIND_DISPLAY);
	CHECK_INT(imdn_kind_for_status(IMDN_FORBIDDEN), IMDN_KIND_DELIVERY);
	CHECK_INT(imdn_kind_for_status(IMDN_ERROR), IMDN_KIND_DELIVERY);
	CHECK_INT(imdn_kind_for_status(IMDN_PROCESSED), IMDN_KIND_PROCESSING);
	CHECK_INT(imdn_kind_for_status(IMDN_STORED), IMDN_KIND_PROCESSING);
	/* whatever the kind chosen, the combination can be sent */
	for (i = 0; i < N(statuses); i++)
		CHECK(imdn_allowed(imdn_kind_for_status(statuses[i]), statuses[i]));
}

static void test_allowed_table(void)
{
	CHECK(imdn_allowed(IMDN_KIND_DELIVERY, IMDN_DELIVERED));
	CHECK(imdn_allowed(IMDN_KIND_DELIVERY, IMDN_FAILED));
	CHECK(!imdn_allowed(IMDN_KIND_DELIVERY, IMDN_DISPLAYED));
	CHECK(!imdn_allowed(IMDN_KIND_DELIVERY, IMDN_STORED));
	CHECK(imdn_allowed(IMDN_KIND_DISPLAY, IMDN_DISPLAYED));
	CHECK(!imdn_allowed(IMDN_KIND_DISPLAY, IMDN_DELIVERED));
	CHECK(!imdn_allowed(IMDN_KIND_DISPLAY, IMDN_FAILED));
	CHECK(imdn_allowed(IMDN_KIND_PROCESSING, IMDN_STORED));
	CHECK(!imdn_allowed(IMDN_KIND_PROCESSING, IMDN_DELIVERED));
	CHECK(!imdn_allowed((enum imdn_kind)3, IMDN_ERROR));
	CHECK(!imdn_allowed(IMDN_KIND_DELIVERY, (enum imdn_status)7));
}

/* Every kind with every status: the allowed ones round-trip, the others
 * are refused. */
static void test_round_trip_all(void)
{
	size_t i, j;
	int ok = 0;

	for (i = 0; i < N(kinds); i++) {
		for (j = 0; j < N(statuses); j++) {
			struct imdn n, back;
			char *xml = (char *)1;
			size_t len = 7;
			int err;

			sample(&n, kinds[i], statuses[j]);
			err = imdn_build(&xml, &len, &n);
			if (!imdn_allowed(kinds[i], statuses[j])) {
				CHECK_INT(err, EINVAL);
				CHECK(xml == NULL);
				CHECK_INT(len, 0);
				continue;
			}
			ok++;
			CHECK_INT(err, 0);
			if (err)
				continue;
			CHECK_INT(strlen(xml), len);
			CHECK_INT(imdn_parse(&back, xml, len), 0);
			CHECK_STR(back.message_id, n.message_id);
			CHECK_STR(back.datetime, n.datetime);
			CHECK_STR(back.recipient_uri, n.recipient_uri);
			CHECK_STR(back.original_recipient_uri, "");
			CHECK_INT(back.kind, kinds[i]);
			CHECK_INT(back.status, statuses[j]);
			free(xml);
		}
	}
	CHECK_INT(ok, 11);
}

static void test_build_text(void)
{
	struct imdn n, back;
	char *xml = NULL;
	size_t len = 0;

	sample(&n, IMDN_KIND_DISPLAY, IMDN_DISPLAYED);
	strcpy(n.message_id, "a<b>&c\"d'e \xc3\xa9\xe2\x82\xac");
	strcpy(n.datetime, "2021-03-04T10:11:12.345Z");
	strcpy(n.original_recipient_uri, "sip:bob@example.com;x=<1>");
	CHECK_INT(imdn_build(&xml, &len, &n), 0);
	if (!xml)
		return;
	CHECK(strstr(xml, "<message-id>a&lt;b&gt;&amp;c\"d'e \xc3\xa9\xe2\x82\xac</message-id>"));
	CHECK(strstr(xml, "xmlns=\"urn:ietf:params:xml:ns:imdn\""));
	CHECK(strstr(xml, "<display-notification><status><displayed/></status>"
			  "</display-notification>"));
	CHECK(strstr(xml, "<original-recipient-uri>sip:bob@example.com;x=&lt;1&gt;"));
	CHECK_INT(imdn_parse(&back, xml, len), 0);
	CHECK_STR(back.message_id, n.message_id);
	CHECK_STR(back.datetime, n.datetime);
	CHECK_STR(back.original_recipient_uri, n.original_recipient_uri);
	free(xml);

	/* optional fields absent: no empty elements */
	sample(&n, IMDN_KIND_DELIVERY, IMDN_DELIVERED);
	n.recipient_uri[0] = '\0';
	CHECK_INT(imdn_build(&xml, NULL, &n), 0);
	if (xml)
		CHECK(!strstr(xml, "recipient-uri"));
	free(xml);
}

static int build_err(const struct imdn *n)
{
	char *xml = (char *)1;
	size_t len;
	int err = imdn_build(&xml, &len, n);

	if (err)
		CHECK(xml == NULL);
	free(err ? NULL : xml);
	return err;
}

static void test_build_refused(void)
{
	struct imdn n;
	char *xml;

	sample(&n, IMDN_KIND_DELIVERY, IMDN_DISPLAYED);
	CHECK_INT(build_err(&n), EINVAL);
	sample(&n, IMDN_KIND_DISPLAY, IMDN_DELIVERED);
	CHECK_INT(build_err(&n), EINVAL);
	sample(&n, IMDN_KIND_PROCESSING, IMDN_FAILED);
	CHECK_INT(build_err(&n), EINVAL);
	sample(&n, (enum imdn_kind)5, IMDN_ERROR);
	CHECK_INT(build_err(&n), EINVAL);
	sample(&n, IMDN_KIND_DELIVERY, (enum imdn_status) - 3);
	CHECK_INT(build_err(&n), EINVAL);

	sample(&n, IMDN_KIND_DELIVERY, IMDN_DELIVERED);
	n.message_id[0] = '\0';
	CHECK_INT(build_err(&n), EINVAL);
	sample(&n, IMDN_KIND_DELIVERY, IMDN_DELIVERED);
	n.datetime[0] = '\0';
	CHECK_INT(build_err(&n), EINVAL);
	strcpy(n.datetime, "yesterday");
	CHECK_INT(build_err(&n), EINVAL);
	sample(&n, IMDN_KIND_DELIVERY, IMDN_DELIVERED);
	strcpy(n.message_id, "a\nb");
	CHECK_INT(build_err(&n), EINVAL);
	strcpy(n.message_id, "a\x7f");
	CHECK_INT(build_err(&n), EINVAL);
	strcpy(n.message_id, "\xc3\x28");
	CHECK_INT(build_err(&n), EINVAL);
	strcpy(n.message_id, "\xef\xbf\xbe"); /* U+FFFE: not an XML character */
	CHECK_INT(build_err(&n), EINVAL);
	sample(&n, IMDN_KIND_DELIVERY, IMDN_DELIVERED);
	memset(n.recipient_uri, 'a', sizeof(n.recipient_uri)); /* no NUL */
	CHECK_INT(build_err(&n), EINVAL);
	sample(&n, IMDN_KIND_DELIVERY, IMDN_DELIVERED);
	memset(n.message_id, 'a', sizeof(n.message_id) - 1); /* the longest */
	CHECK_INT(build_err(&n), 0);

	CHECK_INT(imdn_build(&xml, NULL, NULL), EINVAL);
	CHECK_INT(imdn_build(NULL, NULL, &n), EINVAL);
}

/* What sipsimple (SylkServer, Blink) writes: lxml, single-quoted
 * declaration, no white space, original-recipient-uri set to the
 * recipient. */
static const char sipsimple_doc[] =
	"<?xml version='1.0' encoding='UTF-8'?>\n"
	"<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\"><message-id>7a4e0b7c-7c1c-4a04-9c2e-"
	"1b0f5a3b8d11</message-id><datetime>2023-05-17T09:41:12.482+00:00</datetime>"
	"<recipient-uri>sip:alice@sylk.test</recipient-uri><original-recipient-uri>sip:"
	"alice@sylk.test</original-recipient-uri><display-notification><status><displayed/>"
	"</status></display-notification></imdn>";

/* Linphone: pretty-printed, its own namespace for a reason inside status. */
static const char linphone_doc[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
	"<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\" "
	"xmlns:linphoneimdn=\"http://www.linphone.org/xsds/imdn.xsd\">\r\n"
	"  <message-id>CgYfv9A2x</message-id>\r\n"
	"  <datetime>2023-05-17T11:41:12+02:00</datetime>\r\n"
	"  <delivery-notification>\r\n"
	"    <status>\r\n"
	"      <error/>\r\n"
	"      <linphoneimdn:reason code=\"488\">Not acceptable here</linphoneimdn:reason>\r\n"
	"    </status>\r\n"
	"  </delivery-notification>\r\n"
	"</imdn>\r\n";

/* A prefixed namespace, white space around values, CDATA, a comment,
 * <subject>, another namespace's element, children out of order. */
static const char prefixed_doc[] =
	"<?xml version=\"1.0\"?>\n"
	"<im:imdn xmlns:im=\"urn:ietf:params:xml:ns:imdn\" xmlns:x=\"urn:example:x\">\n"
	"\t<im:processing-notification>\n"
	"\t\t<im:status> <im:stored/> </im:status>\n"
	"\t</im:processing-notification>\n"
	"\t<x:extra><im:message-id>not this one</im:message-id></x:extra>\n"
	"\t<im:message-id>\n\t\t<![CDATA[id<1>]]><!-- comment -->&amp;2\n\t</im:message-id>\n"
	"\t<im:subject>hello</im:subject>\n"
	"\t<im:datetime> 2008-04-04T12:16:49Z </im:datetime>\n"
	"\t<im:recipient-uri>sip:bob@example.com</im:recipient-uri>\n"
	"</im:imdn>";

static void test_other_implementations(void)
{
	struct imdn n;

	CHECK_INT(parse_str(&n, sipsimple_doc), 0);
	CHECK_STR(n.message_id, "7a4e0b7c-7c1c-4a04-9c2e-1b0f5a3b8d11");
	CHECK_STR(n.datetime, "2023-05-17T09:41:12.482+00:00");
	CHECK_STR(n.recipient_uri, "sip:alice@sylk.test");
	CHECK_STR(n.original_recipient_uri, "sip:alice@sylk.test");
	CHECK_INT(n.kind, IMDN_KIND_DISPLAY);
	CHECK_INT(n.status, IMDN_DISPLAYED);

	CHECK_INT(parse_str(&n, linphone_doc), 0);
	CHECK_STR(n.message_id, "CgYfv9A2x");
	CHECK_STR(n.datetime, "2023-05-17T11:41:12+02:00");
	CHECK_STR(n.recipient_uri, "");
	CHECK_INT(n.kind, IMDN_KIND_DELIVERY);
	CHECK_INT(n.status, IMDN_ERROR);

	CHECK_INT(parse_str(&n, prefixed_doc), 0);
	CHECK_STR(n.message_id, "id<1>&2");
	CHECK_STR(n.datetime, "2008-04-04T12:16:49Z");
	CHECK_STR(n.recipient_uri, "sip:bob@example.com");
	CHECK_INT(n.kind, IMDN_KIND_PROCESSING);
	CHECK_INT(n.status, IMDN_STORED);

	/* no datetime: read, though the schema requires it */
	CHECK_INT(parse_str(&n, "<imdn xmlns='urn:ietf:params:xml:ns:imdn'><message-id>x"
				"</message-id><delivery-notification><status><failed/>"
				"</status></delivery-notification></imdn>"),
		  0);
	CHECK_STR(n.datetime, "");
	CHECK_INT(n.status, IMDN_FAILED);
}

#define HEAD "<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\">"
#define ID "<message-id>abc</message-id>"
#define DT "<datetime>2008-04-04T12:16:49Z</datetime>"
#define DELIVERED "<delivery-notification><status><delivered/></status></delivery-notification>"
#define TAIL "</imdn>"

static void check_bad(const char *xml, size_t len, int line)
{
	struct imdn n;
	int err;

	memset(&n, 'x', sizeof(n));
	err = imdn_parse(&n, xml, len);
	if (err != EBADMSG)
		fprintf(stderr, "%s:%d: parse gave %d, want EBADMSG\n", __FILE__, line, err);
	CHECK_INT(err, EBADMSG);
	CHECK_INT(n.message_id[0], 0);
	CHECK_INT(n.kind, 0);
}

#define BAD(s) check_bad((s), strlen(s), __LINE__)

static void test_malformed(void)
{
	char big[IMDN_MAX_SIZE + 512], field[300];
	struct imdn n;

	/* the building blocks are fine together */
	CHECK_INT(parse_str(&n, HEAD ID DT DELIVERED TAIL), 0);

	BAD(HEAD DT DELIVERED TAIL);                                 /* no message-id */
	BAD(HEAD "<message-id> \n </message-id>" DT DELIVERED TAIL); /* empty */
	BAD(HEAD ID ID DT DELIVERED TAIL);                           /* twice */
	BAD(HEAD ID DT DT DELIVERED TAIL);                           /* datetime twice */
	BAD(HEAD ID DT TAIL);                                        /* no notification */
	BAD(HEAD ID DT DELIVERED DELIVERED TAIL);                    /* two */
	BAD(HEAD ID DT "<delivery-notification><status><read/></status>"
		       "</delivery-notification>" TAIL); /* unknown status */
	BAD(HEAD ID DT "<delivery-notification><status><delivered/><failed/></status>"
		       "</delivery-notification>" TAIL); /* two statuses */
	BAD(HEAD ID DT "<delivery-notification><status><delivered/></status><status>"
		       "<delivered/></status></delivery-notification>" TAIL);
	BAD(HEAD ID DT "<delivery-notification><status/></delivery-notification>" TAIL);
	BAD(HEAD ID DT "<delivery-notification></delivery-notification>" TAIL);
	BAD(HEAD ID DT "<delivery-notification><status><displayed/></status>"
		       "</delivery-notification>" TAIL); /* not allowed */
	BAD(HEAD ID DT "<display-notification><status><delivered/></status>"
		       "</display-notification>" TAIL);
	BAD(HEAD ID DT "<processing-notification><status><failed/></status>"
		       "</processing-notification>" TAIL);
	BAD(HEAD "<message-id>a<b/>c</message-id>" DT DELIVERED TAIL); /* markup */
	BAD(HEAD "<message-id>a&#9;b</message-id>" DT DELIVERED TAIL); /* control */
	BAD(HEAD "<message-id>a&#127;b</message-id>" DT DELIVERED TAIL);

	/* namespaces */
	BAD("<imdn xmlns=\"urn:ietf:params:xml:ns:imdn2\">" ID DT DELIVERED TAIL);
	BAD("<imdn>" ID DT DELIVERED TAIL);
	BAD("<notimdn xmlns=\"urn:ietf:params:xml:ns:imdn\">" ID DT DELIVERED "</notimdn>");
	/* a prefixed root leaves unprefixed children in no namespace */
	BAD("<i:imdn xmlns:i=\"urn:ietf:params:xml:ns:imdn\">" ID DT DELIVERED "</i:imdn>");
	BAD("<imdn xmlns=\"urn:ietf:params:xml:ns:imdn\" xmlns:o=\"urn:other\">"
	    "<o:message-id>abc</o:message-id>" DT DELIVERED TAIL);

	/* not XML, or not all of it */
	BAD("");
	BAD("delivered");
	BAD(HEAD ID DT DELIVERED);
	BAD(HEAD ID DT DELIVERED TAIL "<imdn/>");
	check_bad(HEAD ID "\0" DT DELIVERED TAIL, sizeof(HEAD ID DT DELIVERED TAIL), __LINE__);
	BAD(HEAD "<message-id>\xc3\x28</message-id>" DT DELIVERED TAIL);
	/* an encoding declaration does not make Latin-1 acceptable */
	BAD("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>" HEAD
	    "<message-id>caf\xe9</message-id>" DT DELIVERED TAIL);
	/* UTF-16 with a BOM */
	check_bad("\xff\xfe<\0i\0m\0d\0n\0/\0>\0", 16, __LINE__);

	/* fields longer than their arrays, a document beyond the limit */
	memset(field, 'a', sizeof(field) - 1);
	field[sizeof(field) - 1] = '\0';
	snprintf(big, sizeof(big), HEAD "<message-id>%s</message-id>" DT DELIVERED TAIL, field);
	BAD(big);
	snprintf(big, sizeof(big), HEAD ID "<datetime>%.64s</datetime>" DELIVERED TAIL, field);
	BAD(big);
	snprintf(big, sizeof(big), HEAD ID "<datetime>%.63s</datetime>" DELIVERED TAIL, field);
	CHECK_INT(parse_str(&n, big), 0);
	CHECK_INT(strlen(n.datetime), 63);
	snprintf(big, sizeof(big), HEAD ID DT DELIVERED "<!--%*s-->" TAIL, IMDN_MAX_SIZE, "");
	BAD(big);

	/* DTDs: entities, external ones, a billion laughs */
	BAD("<!DOCTYPE imdn [<!ENTITY id \"abc\">]>" HEAD
	    "<message-id>&id;</message-id>" DT DELIVERED TAIL);
	BAD("<!DOCTYPE imdn [<!ENTITY id SYSTEM \"file:///etc/passwd\">]>" HEAD
	    "<message-id>&id;</message-id>" DT DELIVERED TAIL);
	BAD("<?xml version=\"1.0\"?><!DOCTYPE imdn SYSTEM \"http://127.0.0.1:1/imdn.dtd\">" HEAD ID
		    DT DELIVERED TAIL);
	BAD("<!DOCTYPE imdn [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
	    "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;\">]>" HEAD
	    "<message-id>&d;</message-id>" DT DELIVERED TAIL);
	/* an undeclared entity is not well-formed */
	BAD(HEAD "<message-id>&id;</message-id>" DT DELIVERED TAIL);
}

static void test_parse_args(void)
{
	struct imdn n;

	CHECK_INT(imdn_parse(NULL, "x", 1), EINVAL);
	CHECK_INT(imdn_parse(&n, NULL, 1), EINVAL);
}

int main(void)
{
	RUN(test_status_names);
	RUN(test_kind_for_status);
	RUN(test_allowed_table);
	RUN(test_round_trip_all);
	RUN(test_build_text);
	RUN(test_build_refused);
	RUN(test_other_implementations);
	RUN(test_malformed);
	RUN(test_parse_args);
	return check_summary();
}
