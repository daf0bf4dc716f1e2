/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/im/disposition, cpim_datetime_parse and
 * cpim_chat_encode: the chat envelope, and what the message journal keeps
 * of a message's notification wishes and times. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/disposition.h"

static void test_compact(void)
{
	char out[64], tiny[8];

	CHECK_INT(im_disposition_compact(out, sizeof(out), "positive-delivery, display"), 0);
	CHECK_STR(out, "positive-delivery,display");
	CHECK_INT(im_disposition_compact(out, sizeof(out), NULL), 0);
	CHECK_STR(out, "");
	CHECK_INT(im_disposition_compact(tiny, sizeof(tiny), "positive-delivery"), EINVAL);
	CHECK_STR(tiny, "");
}

static void test_after(void)
{
	char list[64];

	strcpy(list, "positive-delivery,display");
	im_disposition_after(list, "delivered");
	CHECK_STR(list, "display");
	strcpy(list, "display,positive-delivery");
	im_disposition_after(list, "delivered");
	CHECK_STR(list, "display");
	strcpy(list, "positive-delivery,display");
	im_disposition_after(list, "failed");
	CHECK_STR(list, "positive-delivery,display");
	im_disposition_after(list, "displayed");
	CHECK_STR(list, "");
	strcpy(list, "positive-delivery");
	im_disposition_after(list, "delivered");
	CHECK_STR(list, "");
}

static void test_datetime_parse(void)
{
	time_t t = 0;

	CHECK_INT(cpim_datetime_parse("1970-01-01T00:00:10Z", &t), 0);
	CHECK_INT((long)t, 10);
	/* the same instant, 09:00 UTC, in two offsets */
	CHECK_INT(cpim_datetime_parse("2026-12-06T10:00:00.123+01:00", &t), 0);
	CHECK_INT((long)t, 1796547600L);
	CHECK_INT(cpim_datetime_parse("2026-12-06T08:30:00-00:30", &t), 0);
	CHECK_INT((long)t, 1796547600L);
	CHECK_INT(cpim_datetime_parse("yesterday", &t), EINVAL);
	CHECK_INT(cpim_datetime_parse("2026-12-06 09:00:00Z", &t), EINVAL);
	CHECK_INT(cpim_datetime_parse(NULL, &t), EINVAL);
}

static void test_chat_encode(void)
{
	struct cpim_chat c = {.from_display = "Alice",
			      .from_uri = "sip:alice@example.com",
			      .to_uri = "sip:bob@example.com",
			      .datetime = "2026-12-06T10:00:00Z",
			      .message_id = "m-1",
			      .disposition = "positive-delivery, display",
			      .content_type = "text/plain",
			      .content = "hi ✓"};
	struct cpim_msg *m = NULL;
	char *out = NULL;
	size_t len = 0;

	CHECK_INT(cpim_chat_encode(&out, &len, &c), 0);
	CHECK_INT(cpim_parse(&m, out, len), 0);
	if (m) {
		CHECK_STR(m->from.uri, "sip:alice@example.com");
		CHECK_STR(m->from.display, "Alice");
		CHECK_STR(cpim_msg_header(m, CPIM_NS_IMDN, "Message-ID"), "m-1");
		CHECK_STR(cpim_msg_header(m, CPIM_NS_IMDN, "Disposition-Notification"),
			  "positive-delivery, display");
		CHECK_STR(m->content_type, "text/plain;charset=utf-8");
		CHECK_STR((const char *)m->body, "hi ✓");
	}
	cpim_msg_free(m);
	free(out);
	/* metadata: agp.Metadata in AG Projects' namespace, whatever prefix */
	c.metadata = "{\"action\":\"start\",\"version\":\"2.0\"}";
	m = NULL;
	CHECK_INT(cpim_chat_encode(&out, &len, &c), 0);
	CHECK(strstr(out, "NS: agp <urn:ag-projects:xml:ns:cpim>\r\n") != NULL);
	CHECK(strstr(out, "agp.Metadata: {\"action\":\"start\",\"version\":\"2.0\"}\r\n") != NULL);
	CHECK_INT(cpim_parse(&m, out, len), 0);
	if (m) {
		const char *got = NULL;

		CHECK_STR(cpim_msg_header(m, CPIM_NS_AGP, "Metadata"), c.metadata);
		CHECK_INT(cpim_msg_metadata(m, 4096, &got), 0);
		CHECK_STR(got, c.metadata);
		/* one character too many: left out */
		CHECK_INT(cpim_msg_metadata(m, strlen(c.metadata) - 1, &got), EFBIG);
		CHECK(got == NULL);
	}
	cpim_msg_free(m);
	free(out);
	c.metadata = "two\r\nlines";
	CHECK_INT(cpim_chat_encode(&out, &len, &c), EINVAL);
	c.metadata = NULL;
	c.content_type = NULL;
	CHECK_INT(cpim_chat_encode(&out, &len, &c), EINVAL);
}

int main(void)
{
	RUN(test_chat_encode);
	RUN(test_compact);
	RUN(test_after);
	RUN(test_datetime_parse);
	return check_summary();
}
