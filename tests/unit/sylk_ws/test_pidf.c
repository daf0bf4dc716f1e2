/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/contacts/pidf: our PUBLISH body read back, other
 * implementations' documents (RPID activities, several tuples), refusals. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/contacts/pidf.h"

static void test_build_parse(void)
{
	struct pidf_status st;
	char *xml = NULL;
	size_t len = 0;

	CHECK_INT(pidf_build(&xml, &len, "sip:alice@example.com", "t1", true, "At <work>"), 0);
	CHECK_INT(strlen(xml), len);
	CHECK_INT(pidf_parse(&st, xml, len), 0);
	CHECK_INT(st.basic, PIDF_OPEN);
	CHECK_STR(st.entity, "sip:alice@example.com");
	CHECK_STR(st.note, "At <work>");
	free(xml);
	CHECK_INT(pidf_build(&xml, &len, "sip:alice@example.com", "t1", false, NULL), 0);
	CHECK_INT(pidf_parse(&st, xml, len), 0);
	CHECK_INT(st.basic, PIDF_CLOSED);
	CHECK_STR(st.note, "");
	free(xml);
	CHECK_INT(pidf_build(&xml, &len, "sip:a@b", "", true, NULL), EINVAL);
	CHECK_STR(pidf_basic_name(PIDF_CLOSED), "closed");
}

static void test_rpid(void)
{
	static const char doc[] =
		"<?xml version='1.0' encoding='UTF-8'?>"
		"<presence xmlns='urn:ietf:params:xml:ns:pidf' "
		"xmlns:dm='urn:ietf:params:xml:ns:pidf:data-model' "
		"xmlns:rpid='urn:ietf:params:xml:ns:pidf:rpid' entity='sip:bob@example.com'>"
		"<tuple id='a'><status><basic>closed</basic></status></tuple>"
		"<tuple id='b'><status><basic>open</basic></status></tuple>"
		"<dm:person id='p'><rpid:activities><rpid:busy/></rpid:activities>"
		"<dm:note>In a meeting</dm:note></dm:person></presence>";
	struct pidf_status st;

	CHECK_INT(pidf_parse(&st, doc, sizeof(doc) - 1), 0);
	CHECK_INT(st.basic, PIDF_OPEN);
	CHECK_STR(st.activity, "busy");
	CHECK_STR(st.note, "In a meeting");
}

static void test_refused(void)
{
	struct pidf_status st;

	CHECK_INT(pidf_parse(&st, "<presence/>", 11), EBADMSG);
	CHECK_INT(pidf_parse(&st, "<!DOCTYPE x><presence xmlns='urn:ietf:params:xml:ns:pidf'/>",
			     58),
		  EBADMSG);
	CHECK_INT(pidf_parse(&st, "\xff", 1), EBADMSG);
	CHECK_INT(pidf_parse(NULL, "x", 1), EINVAL);
	CHECK_INT(pidf_parse(&st, "<presence xmlns='urn:ietf:params:xml:ns:pidf'/>", 47), 0);
	CHECK_INT(st.basic, PIDF_UNKNOWN);
}

int main(void)
{
	RUN(test_build_parse);
	RUN(test_rpid);
	RUN(test_refused);
	return check_summary();
}
