/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/im/gateway_im: message ids, IMDN and sylkRTC
 * states, sylk-api requests of SIP devices. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/im/gateway_im.h"

static void test_message_id(void)
{
	char out[GW_MESSAGE_ID_SIZE + 4];

	CHECK_INT(gw_message_id(out, sizeof(out), "0123456789abcdef0123456789ABCDEF"), 0);
	/* the 13th digit becomes the version, the 17th the variant */
	CHECK_STR(out, "01234567-89ab-4def-a123-456789ABCDEF");
	CHECK_INT(strlen(out), GW_MESSAGE_ID_SIZE - 1);
	/* only the first 32 digits count */
	CHECK_INT(gw_message_id(out, GW_MESSAGE_ID_SIZE, "ffffffffffffffffffffffffffffffff-more"),
		  0);
	CHECK_STR(out, "ffffffff-ffff-4fff-afff-ffffffffffff");
	CHECK_INT(gw_message_id(out, GW_MESSAGE_ID_SIZE - 1, "ffffffffffffffffffffffffffffffff"),
		  ENOSPC);
	CHECK_INT(gw_message_id(out, sizeof(out), "fffffffffffffffffffffffffffffff"), EINVAL);
	CHECK_INT(gw_message_id(out, sizeof(out), ""), EINVAL);
	CHECK_INT(gw_message_id(out, sizeof(out), "fffffffffffffffffffffffffffffffg"), EINVAL);
	CHECK_INT(gw_message_id(out, sizeof(out),
				"\xc3\xa9"
				"ffffffffffffffffffffffffffffff"),
		  EINVAL);
	CHECK_INT(gw_message_id(out, sizeof(out), NULL), EINVAL);
	CHECK_INT(gw_message_id(NULL, 40, "ffffffffffffffffffffffffffffffff"), EINVAL);
}

static void test_states(void)
{
	static const struct {
		enum sylkrtc_imdn_state from;
		enum imdn_status to;
	} out[] = {
		{SYLKRTC_IMDN_DELIVERED, IMDN_DELIVERED}, {SYLKRTC_IMDN_FAILED, IMDN_FAILED},
		{SYLKRTC_IMDN_DISPLAYED, IMDN_DISPLAYED}, {SYLKRTC_IMDN_FORBIDDEN, IMDN_FORBIDDEN},
		{SYLKRTC_IMDN_ERROR, IMDN_ERROR},         {(enum sylkrtc_imdn_state)42, IMDN_ERROR},
	};
	static const struct {
		enum imdn_status from;
		enum sylkrtc_dn_state to;
	} in[] = {
		{IMDN_DELIVERED, SYLKRTC_DN_DELIVERED}, {IMDN_DISPLAYED, SYLKRTC_DN_DISPLAYED},
		{IMDN_PROCESSED, SYLKRTC_DN_PROCESSED}, {IMDN_STORED, SYLKRTC_DN_STORED},
		{IMDN_FAILED, SYLKRTC_DN_FAILED},       {IMDN_FORBIDDEN, SYLKRTC_DN_FORBIDDEN},
		{IMDN_ERROR, SYLKRTC_DN_ERROR},         {(enum imdn_status)42, SYLKRTC_DN_ERROR},
	};

	for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
		CHECK_INT(gw_imdn_status_of(out[i].from), out[i].to);
	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
		CHECK_INT(gw_dn_state_of(in[i].from), in[i].to);
}

static void test_api_kind(void)
{
	static const struct {
		const char *type;
		enum gw_api_kind kind;
	} cases[] = {
		{"application/sylk-api-message-remove", GW_API_REMOVE},
		{"Application/Sylk-API-Message-Remove", GW_API_REMOVE},
		{"application/sylk-api-conversation-read", GW_API_READ},
		{"application/sylk-api-conversation-remove", GW_API_CONVERSATION_REMOVE},
		{"application/sylk-api-pgp-key-lookup", GW_API_NONE},
		{"application/sylk-message-remove", GW_API_NONE},
		{"application/sylk-api-message-remove; charset=utf-8", GW_API_NONE},
		{"text/plain", GW_API_NONE},
		{"", GW_API_NONE},
		{NULL, GW_API_NONE},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECK_INT(gw_api_kind_of(cases[i].type), cases[i].kind);
}

static void test_api_message_id(void)
{
	static const struct {
		const char *body;
		int err;
		const char *want;
	} cases[] = {
		{"abc-123", 0, "abc-123"},
		{"abc-123\r\n", 0, "abc-123"},
		{"abc-123 \t\n", 0, "abc-123"},
		{"\xc3\xa9t\xc3\xa9", 0, "\xc3\xa9t\xc3\xa9"},
		{"1234567", 0, "1234567"},
		{"12345678", ENOSPC, ""},
		{"", EBADMSG, ""},
		{"\r\n", EBADMSG, ""},
		{" abc", EBADMSG, ""}, /* the id comes first */
		{"abc def", EBADMSG, ""},
		{"abc\ndef", EBADMSG, ""},
	};
	char out[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		CHECK_INT(gw_api_message_id(cases[i].body, out, sizeof(out)), cases[i].err);
		CHECK_STR(out, cases[i].want);
	}
	CHECK_INT(gw_api_message_id(NULL, out, sizeof(out)), EINVAL);
	CHECK_INT(gw_api_message_id("a", NULL, 8), EINVAL);
	CHECK_INT(gw_api_message_id("a", out, 0), EINVAL);
}

static void test_api_contact(void)
{
	static const struct {
		const char *body;
		int err;
		const char *want;
	} cases[] = {
		{"{\"contact\":\"bob@example.com\"}", 0, "bob@example.com"},
		{"{\"contact\":\"sip:bob@example.com\"}", 0, "bob@example.com"},
		{"{\"contact\":\"SIP:bob@example.com\",\"x\":1}", 0, "bob@example.com"},
		{"{\"contact\":\"sips:b@x.org\"}", 0, "sips:b@x.org"}, /* as before the move */
		{"{\"contact\":\"b\\u00e9@example.com\"}", 0, "b\xc3\xa9@example.com"},
		{"{\"contact\":\"bob\"}", EBADMSG, ""},
		{"{\"contact\":\"bob @example.com\"}", EBADMSG, ""},
		{"{\"contact\":\"<bob@example.com>\"}", EBADMSG, ""},
		{"{\"contact\":\"\\\"bob\\\"@example.com\"}", EBADMSG, ""},
		{"{\"contact\":\"bob@example.com\\r\\nX: y\"}", EBADMSG, ""},
		{"{\"contact\":\"\"}", EBADMSG, ""},
		{"{\"contact\":42}", EBADMSG, ""},
		{"{\"contact\":null}", EBADMSG, ""},
		{"{\"Contact\":\"bob@example.com\"}", EBADMSG, ""},
		{"[\"bob@example.com\"]", EBADMSG, ""},
		{"{\"contact\":\"bob@example.com\"", EBADMSG, ""},
		{"", EBADMSG, ""},
		{"bob@example.com", EBADMSG, ""},
		{"{\"contact\":\"bob@example.comx\"}", ENOSPC, ""}, /* 17 bytes for 16 */
	};
	char out[16];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = gw_api_contact(cases[i].body, out, sizeof(out));

		if (err != cases[i].err)
			fprintf(stderr, "    %s: %d\n", cases[i].body, err);
		CHECK_INT(err, cases[i].err);
		CHECK_STR(out, cases[i].want);
	}
	CHECK_INT(gw_api_contact(NULL, out, sizeof(out)), EINVAL);
	CHECK_INT(gw_api_contact("{}", NULL, 8), EINVAL);
	CHECK_INT(gw_api_contact("{}", out, 0), EINVAL);
}

int main(void)
{
	RUN(test_message_id);
	RUN(test_states);
	RUN(test_api_kind);
	RUN(test_api_message_id);
	RUN(test_api_contact);
	return check_summary();
}
