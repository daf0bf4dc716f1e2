/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/sylkrtc/sylkrtc_history: journal rows collected
 * for account-sync-conversations. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/sylkrtc/sylkrtc_history.h"

static void test_disposition_split(void)
{
	static const struct {
		const char *list;
		size_t n;
		const char *a, *b;
	} cases[] = {
		{"positive-delivery,display", 2, "positive-delivery", "display"},
		{"display", 1, "display", NULL},
		{"a,b,c", 2, "a", "b,c"}, /* at most two: the rest stays in the second */
		{",", 2, "", ""},
		{"", 0, NULL, NULL},
		{"\xc3\xa9,x", 2, "\xc3\xa9", "x"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[32];
		const char *out[2] = {NULL, NULL};

		snprintf(buf, sizeof(buf), "%s", cases[i].list);
		CHECK_INT(sylkrtc_disposition_split(buf, out), cases[i].n);
		if (cases[i].a)
			CHECK_STR(out[0], cases[i].a);
		if (cases[i].b)
			CHECK_STR(out[1], cases[i].b);
		else
			CHECK(out[1] == NULL);
	}
	CHECK_INT(sylkrtc_disposition_split(NULL, (const char *[2]){NULL, NULL}), 0);
	CHECK_INT(sylkrtc_disposition_split((char[]){"a"}, NULL), 0);
}

static void test_collect(void)
{
	struct sylkrtc_history h = SYLKRTC_HISTORY_INIT;
	char contact[32] = "bob@example.com", state[16] = "delivered";
	char disposition[32] = "positive-delivery,display";
	const char *ignored[] = {"ignored"};
	const struct {
		struct sylkrtc_history_message m;
		const char *disposition;
	} rows[] = {
		{{.contact = contact,
		  .timestamp = "2024-01-02T03:04:05Z",
		  .message_id = "m1",
		  .content_type = "text/plain",
		  .content = "hi \xc3\xa9",
		  .direction = "outgoing",
		  .state = state},
		 disposition},
		{{.contact = "carol@example.com",
		  .message_id = "m2",
		  .direction = "",
		  .state = "",
		  .disposition = ignored,
		  .disposition_count = 1},
		 ""},
		{{0}, NULL}, /* every field NULL: mandatory ones "", optional ones left out */
	};
	char *json = NULL;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		CHECK_INT(sylkrtc_history_add(&h, &rows[i].m, rows[i].disposition), 0);
	/* the rows may go: everything was copied */
	memset(contact, 'x', sizeof(contact) - 1);
	strcpy(state, "gone");
	strcpy(disposition, "gone");
	CHECK_INT(h.count, 3);
	CHECK_STR(h.msgs[0].contact, "bob@example.com");
	CHECK_STR(h.msgs[0].content, "hi \xc3\xa9");
	CHECK_STR(h.msgs[0].direction, "outgoing");
	CHECK_STR(h.msgs[0].state, "delivered");
	CHECK_INT(h.msgs[0].disposition_count, 2);
	CHECK_STR(h.msgs[0].disposition[0], "positive-delivery");
	CHECK_STR(h.msgs[0].disposition[1], "display");
	CHECK(h.msgs[1].direction == NULL);
	CHECK(h.msgs[1].state == NULL);
	CHECK(h.msgs[1].disposition == NULL);
	CHECK_INT(h.msgs[1].disposition_count, 0);
	CHECK_STR(h.msgs[1].content, "");
	CHECK_STR(h.msgs[2].contact, "");
	CHECK_STR(h.msgs[2].content, "");
	CHECK(h.msgs[2].direction == NULL);
	/* what the event makes of it */
	CHECK_INT(sylkrtc_event_sync_conversations(&json, SYLKRTC_V2, "alice@example.com", h.msgs,
						   h.count),
		  0);
	CHECK(json && strstr(json, "\"disposition\":[\"positive-delivery\",\"display\"]"));
	CHECK(json && strstr(json, "\"message_id\":\"m2\""));
	free(json);
	sylkrtc_history_free(&h);
	CHECK(h.msgs == NULL && h.count == 0);
	sylkrtc_history_free(&h); /* twice is harmless */
	sylkrtc_history_free(NULL);
}

/* past the first allocation (64 rows, 64 copies) */
static void test_many(void)
{
	struct sylkrtc_history h = SYLKRTC_HISTORY_INIT;
	char id[16];

	for (int i = 0; i < 1000; i++) {
		struct sylkrtc_history_message m = {.message_id = id};

		snprintf(id, sizeof(id), "m%d", i);
		CHECK_INT(sylkrtc_history_add(&h, &m, "display"), 0);
	}
	CHECK_INT(h.count, 1000);
	CHECK_STR(h.msgs[0].message_id, "m0");
	CHECK_STR(h.msgs[999].message_id, "m999");
	CHECK_STR(h.msgs[999].disposition[0], "display");
	sylkrtc_history_free(&h);
}

static void test_bad_arguments(void)
{
	struct sylkrtc_history h = SYLKRTC_HISTORY_INIT;
	struct sylkrtc_history_message m = {0};

	CHECK_INT(sylkrtc_history_add(NULL, &m, NULL), EINVAL);
	CHECK_INT(sylkrtc_history_add(&h, NULL, "display"), EINVAL);
	CHECK_INT(h.count, 0);
	sylkrtc_history_free(&h);
}

int main(void)
{
	RUN(test_disposition_split);
	RUN(test_collect);
	RUN(test_many);
	RUN(test_bad_arguments);
	return check_summary();
}
