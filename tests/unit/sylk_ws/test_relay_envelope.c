/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The envelope of the video-room relay between cluster nodes. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/cluster/relay_envelope.h"

static int decode(struct relay_batch **b, const char *text, char *why, size_t size)
{
	return relay_batch_decode(b, text, strlen(text), why, size);
}

static void test_round_trip(void)
{
	struct relay_item items[] = {
		{.kind = RELAY_REQUEST,
		 .conn = 17,
		 .version = 2,
		 .account = "alice@example.com",
		 .display_name = "Alice \"A\" Ünal",
		 .text = "{\"sylkrtc\":\"videoroom-join\",\"transaction\":\"t1\"}"},
		{.kind = RELAY_EVENT, .conn = 17, .text = "{\"sylkrtc\":\"ack\"}\n"},
		{.kind = RELAY_CLOSED, .conn = 3},
		{.kind = RELAY_PING},
		{.kind = RELAY_INVITE,
		 .account = "bob@example.com",
		 .text = "{\"sylkrtc\":\"account-event\",\"event\":\"conference-invite\"}"},
	};
	struct relay_batch *b = NULL;
	char *text = NULL, why[128];

	CHECK_INT(relay_batch_encode(&text, "127.0.0.11:5090", items, 5), 0);
	CHECK(text && strstr(text, "\"sylk-relay\":1"));
	CHECK_INT(decode(&b, text, why, sizeof(why)), 0);
	if (b) {
		CHECK_STR(b->node, "127.0.0.11:5090");
		CHECK_INT(b->count, 5);
		CHECK_INT(b->items[0].kind, RELAY_REQUEST);
		CHECK_INT(b->items[0].conn, 17);
		CHECK_INT(b->items[0].version, 2);
		CHECK_STR(b->items[0].account, "alice@example.com");
		CHECK_STR(b->items[0].display_name, "Alice \"A\" Ünal");
		CHECK_STR(b->items[0].text, items[0].text);
		CHECK_INT(b->items[1].kind, RELAY_EVENT);
		CHECK_STR(b->items[1].text, items[1].text);
		CHECK(!b->items[1].account);
		CHECK_INT(b->items[2].kind, RELAY_CLOSED);
		CHECK_INT(b->items[2].conn, 3);
		CHECK(!b->items[2].text);
		CHECK_INT(b->items[3].kind, RELAY_PING);
		CHECK_INT(b->items[4].kind, RELAY_INVITE);
		CHECK_STR(b->items[4].account, "bob@example.com");
		CHECK_STR(b->items[4].text, items[4].text);
	}
	relay_batch_free(b);
	free(text);
}

static void test_encode_refuses_what_decode_would(void)
{
	struct relay_item no_text = {.kind = RELAY_EVENT, .conn = 1};
	struct relay_item bad_version = {.kind = RELAY_REQUEST, .conn = 1, .version = 3, .text = "{}"};
	struct relay_item newline = {
		.kind = RELAY_REQUEST, .conn = 1, .version = 1, .account = "a@b\r\nX: y", .text = "{}"};
	struct relay_item ok = {.kind = RELAY_PING};
	struct relay_item invite_to_nobody = {.kind = RELAY_INVITE, .text = "{}"};
	char *text = NULL;

	CHECK_INT(relay_batch_encode(&text, "10.0.0.1:5090", &invite_to_nobody, 1), EINVAL);
	CHECK_INT(relay_batch_encode(&text, "10.0.0.1:5090", &no_text, 1), EINVAL);
	CHECK_INT(relay_batch_encode(&text, "10.0.0.1:5090", &bad_version, 1), EINVAL);
	CHECK_INT(relay_batch_encode(&text, "10.0.0.1:5090", &newline, 1), EINVAL);
	CHECK_INT(relay_batch_encode(&text, "10.0.0.1", &ok, 1), EINVAL);
	CHECK_INT(relay_batch_encode(&text, "10.0.0.1:5090", &ok, 0), EINVAL);
	CHECK(!text);
}

static void test_node_names(void)
{
	CHECK(relay_node_valid("127.0.0.1:5090"));
	CHECK(relay_node_valid("node-1.example.net:5090"));
	CHECK(relay_node_valid("[::1]:5090"));
	CHECK(!relay_node_valid("127.0.0.1"));
	CHECK(!relay_node_valid("127.0.0.1:"));
	CHECK(!relay_node_valid("127.0.0.1:99999"));
	CHECK(!relay_node_valid("127.0.0.1:0"));
	CHECK(!relay_node_valid("[::1:5090"));
	CHECK(!relay_node_valid("node_1:5090"));
	CHECK(!relay_node_valid("a b:5090"));
	CHECK(!relay_node_valid("sip:1.2.3.4:5090;x=y"));
	CHECK(!relay_node_valid(""));
	CHECK(!relay_node_valid(NULL));
}

/* every malformed envelope: EBADMSG, nothing returned, a reason */
static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"sylk-relay\":1",
		"{\"sylk-relay\":2,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"ping\"}]}",
		"{\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"ping\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4\",\"items\":[{\"kind\":\"ping\"}]}",
		"{\"sylk-relay\":1,\"node\":5,\"items\":[{\"kind\":\"ping\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":{}}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"dance\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"closed\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"closed\",\"conn\":-1}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"event\",\"conn\":1}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"event\",\"conn\":1,"
		"\"text\":\"\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"request\",\"conn\":1,"
		"\"text\":\"{}\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"request\",\"conn\":1,"
		"\"version\":2,\"account\":\"a\\r\\nb\",\"text\":\"{}\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"event\",\"conn\":1,"
		"\"text\":\"a\\u0000b\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[7]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"invite\",\"conn\":0,"
		"\"text\":\"{}\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"invite\",\"conn\":0,"
		"\"account\":\"b\\nc\",\"text\":\"{}\"}]}",
		"{\"sylk-relay\":1,\"node\":\"1.2.3.4:5\",\"items\":[{\"kind\":\"ping\"}]} trailing",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct relay_batch *b = (struct relay_batch *)1;
		char why[128] = "";

		CHECK_INT(decode(&b, bad[i], why, sizeof(why)), EBADMSG);
		CHECK(b == NULL);
		CHECK(why[0] != '\0');
		if (why[0] == '\0')
			fprintf(stderr, "  no reason for: %s\n", bad[i]);
	}
}

static void test_too_many_items(void)
{
	struct relay_item ping = {.kind = RELAY_PING};
	struct relay_item *items = calloc(RELAY_ITEMS_MAX + 1, sizeof(*items));
	char *text = NULL;

	for (size_t i = 0; i <= RELAY_ITEMS_MAX; i++)
		items[i] = ping;
	CHECK_INT(relay_batch_encode(&text, "1.2.3.4:5", items, RELAY_ITEMS_MAX + 1), EINVAL);
	CHECK_INT(relay_batch_encode(&text, "1.2.3.4:5", items, RELAY_ITEMS_MAX), 0);
	free(text);
	free(items);
}

static void test_items_fit_a_batch(void)
{
	static char big[1000];
	struct relay_item items[300];

	memset(big, 'x', sizeof(big) - 1);
	for (size_t i = 0; i < 300; i++)
		items[i] = (struct relay_item){.kind = RELAY_INVITE, .account = "a@b", .text = big};
	/* each about 999 + 3 + 64 bytes */
	CHECK_INT(relay_item_bytes(&items[0]), 999 + 3 + 64);
	CHECK_INT(relay_items_fit(items, 300, 3 * 1066), 3);
	CHECK_INT(relay_items_fit(items, 300, 3 * 1066 - 1), 2);
	CHECK_INT(relay_items_fit(items, 2, 100000), 2);
	/* one too big for the limit still goes, alone */
	CHECK_INT(relay_items_fit(items, 300, 10), 1);
	CHECK_INT(relay_items_fit(items, 0, 10), 0);
	/* never more than an envelope holds */
	for (size_t i = 0; i < 300; i++)
		items[i].text = "{}";
	CHECK_INT(relay_items_fit(items, 300, 1 << 30), RELAY_ITEMS_MAX);
}

static void test_kind_names(void)
{
	CHECK_STR(relay_kind_name(RELAY_REQUEST), "request");
	CHECK_STR(relay_kind_name(RELAY_PING), "ping");
	CHECK_STR(relay_kind_name(RELAY_INVITE), "invite");
	CHECK_STR(relay_kind_name(0), "?");
	CHECK_STR(relay_kind_name(99), "?");
}

int main(void)
{
	RUN(test_round_trip);
	RUN(test_encode_refuses_what_decode_would);
	RUN(test_node_names);
	RUN(test_malformed);
	RUN(test_too_many_items);
	RUN(test_items_fit_a_batch);
	RUN(test_kind_names);
	return check_summary();
}
