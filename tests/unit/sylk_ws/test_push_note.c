/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/push/push_note: device tokens from Contact
 * parameters and the bodies POSTed to sylk-pushserver. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/push/push_note.h"
#include "sylk_ws/sip/gateway_sip.h"

static void test_device_from_params(void)
{
	struct push_device d;
	char params[2048];
	struct gw_push p = {.token = "voip#bg",
			    .platform = "apple",
			    .app = "com.agprojects.sylk-ios",
			    .device = "iphone of alice",
			    .silent = true};

	CHECK_INT(gw_push_params(params, sizeof(params), &p), 0);
	CHECK_INT(push_device_from_params(&d, params, "Sylk/3.0 (iOS)"), 0);
	CHECK_STR(d.platform, "apple");
	CHECK_STR(d.token, "voip#bg");
	CHECK_STR(d.app, "com.agprojects.sylk-ios");
	CHECK_STR(d.device, "iphone of alice");
	CHECK_STR(d.user_agent, "Sylk/3.0 (iOS)");
	CHECK(d.silent);
	/* pn-silent is 1 or nothing */
	CHECK_INT(push_device_from_params(&d,
					  ";pn-provider=a;pn-prid=t;pn-param=x;pn-device=y;"
					  "pn-silent=yes",
					  NULL),
		  0);
	CHECK(!d.silent);
	CHECK_STR(d.user_agent, "");
	CHECK_INT(push_device_from_params(&d,
					  ";pn-provider=a;pn-prid=t;pn-param=x;pn-device=y;"
					  "pn-silent=10",
					  NULL),
		  0);
	CHECK(!d.silent);
}

static void test_device_refused(void)
{
	static const struct {
		const char *params;
		int err;
	} cases[] = {
		{"", ENOENT},
		{";pn-prid=t;pn-param=x;pn-device=y", ENOENT},     /* no provider */
		{";pn-provider=a;pn-param=x;pn-device=y", ENOENT}, /* no token */
		{";pn-provider=a;pn-prid=t;pn-device=y", ENOENT},  /* no app */
		{";pn-provider=a;pn-prid=t;pn-param=x", ENOENT},   /* no device */
		{"pn-provider=a;pn-prid=t;pn-param=x;pn-device=y", ENOENT},
		{";pn-provider=0123456789012345678901234567890123;pn-prid=t;pn-param=x;pn-device=y",
		 ENOSPC},
		{";pn-provider=a;pn-prid=t%00u;pn-param=x;pn-device=y", EBADMSG},
	};
	struct push_device d;
	char big[1200];
	size_t head;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&d, 'x', sizeof(d));
		CHECK_INT(push_device_from_params(&d, cases[i].params, "ua"), cases[i].err);
		CHECK_STR(d.platform, ""); /* nothing half-filled */
		CHECK_STR(d.token, "");
		CHECK_STR(d.user_agent, "");
	}
	/* a token as long as the field allows, and one byte more */
	strcpy(big, ";pn-provider=a;pn-param=x;pn-device=y;pn-prid=");
	head = strlen(big);
	memset(big + head, 'k', PUSH_TOKEN_SIZE - 1);
	big[head + PUSH_TOKEN_SIZE - 1] = '\0';
	CHECK_INT(push_device_from_params(&d, big, NULL), 0);
	CHECK_INT(strlen(d.token), PUSH_TOKEN_SIZE - 1);
	strcat(big, "k");
	CHECK_INT(push_device_from_params(&d, big, NULL), ENOSPC);
	/* a long user agent is cut, not refused */
	memset(big, 'u', 600);
	big[600] = '\0';
	CHECK_INT(push_device_from_params(&d, ";pn-provider=a;pn-prid=t;pn-param=x;pn-device=y",
					  big),
		  0);
	CHECK_INT(strlen(d.user_agent), PUSH_NAME_SIZE - 1);
	CHECK_INT(push_device_from_params(NULL, "", NULL), EINVAL);
	CHECK_INT(push_device_from_params(&d, NULL, NULL), EINVAL);
}

static void test_token_pick(void)
{
	static const struct {
		const char *token;
		enum push_event event;
		const char *want;
	} cases[] = {
		{"voip#bg", PUSH_CALL, "voip"},
		{"voip#bg", PUSH_CONFERENCE, "voip"},
		{"voip#bg", PUSH_MESSAGE, "bg"},
		{"voip#", PUSH_MESSAGE, "voip"}, /* no background token: the first */
		{"voip#", PUSH_CALL, "voip"},
		{"#bg", PUSH_CALL, ""},
		{"#bg", PUSH_MESSAGE, "bg"},
		{"a#b#c", PUSH_MESSAGE, "b#c"},
		{"a#b#c", PUSH_CALL, "a"},
		{"plain", PUSH_CALL, "plain"},
		{"plain", PUSH_MESSAGE, "plain"},
		{"", PUSH_MESSAGE, ""},
		{"\xc3\xa9#\xc3\xa8", PUSH_MESSAGE, "\xc3\xa8"},
	};
	char out[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		CHECK_INT(push_token_pick(cases[i].token, cases[i].event, out, sizeof(out)), 0);
		CHECK_STR(out, cases[i].want);
	}
	CHECK_INT(push_token_pick("12345678", PUSH_CALL, out, sizeof(out)), ENOSPC);
	CHECK_STR(out, "");
	CHECK_INT(push_token_pick("1234567#9", PUSH_CALL, out, sizeof(out)), 0);
	CHECK_STR(out, "1234567");
	CHECK_INT(push_token_pick("1#12345678", PUSH_MESSAGE, out, sizeof(out)), ENOSPC);
	CHECK_INT(push_token_pick(NULL, PUSH_CALL, out, sizeof(out)), EINVAL);
	CHECK_INT(push_token_pick("a", PUSH_CALL, NULL, 8), EINVAL);
	CHECK_INT(push_token_pick("a", PUSH_CALL, out, 0), EINVAL);
}

static void test_note_json(void)
{
	/* byte for byte what the module sent before the move (json-c's plain
	 * form, '/' escaped) */
	static const struct {
		struct push_note note;
		bool silent;
		const char *want;
	} cases[] = {
		{{.event = PUSH_CALL,
		  .account = "bob@example.com",
		  .from = "alice@example.com",
		  .display = "Alice",
		  .call_id = "c1",
		  .video = true},
		 false,
		 "{\"event\":\"incoming_session\",\"app-id\":\"com.agprojects.sylk-ios\",\"platform\":"
		 "\"apple\",\"token\":\"voip1\",\"device-id\":\"iphone\",\"silent\":0,\"call-id\":\"c1\","
		 "\"from\":\"alice@example.com\",\"from-display-name\":\"Alice\",\"to\":\"bob@example."
		 "com\",\"media-type\":\"video\"}"},
		{{.event = PUSH_MESSAGE,
		  .account = "bob@example.com",
		  .from = "alice@example.com",
		  .call_id = "m1",
		  .content_type = "text/plain"},
		 true,
		 "{\"event\":\"message\",\"app-id\":\"com.agprojects.sylk-ios\",\"platform\":\"apple\","
		 "\"token\":\"bg2\",\"device-id\":\"iphone\",\"silent\":1,\"call-id\":\"m1\",\"from\":"
		 "\"alice@example.com\",\"to\":\"bob@example.com\",\"media-type\":\"sms\",\"badge\":1,"
		 "\"content-type\":\"text\\/plain\"}"},
		{{.event = PUSH_CONFERENCE,
		  .account = "bob@example.com",
		  .from = "alice@example.com",
		  .display = "",
		  .call_id = "s1",
		  .room = "room1@videoconference.example.com"},
		 true,
		 "{\"event\":\"incoming_conference_request\",\"app-id\":\"com.agprojects.sylk-ios\","
		 "\"platform\":\"apple\",\"token\":\"voip1\",\"device-id\":\"iphone\",\"silent\":1,"
		 "\"call-id\":\"s1\",\"from\":\"alice@example.com\",\"to\":\"room1@videoconference."
		 "example.com\",\"media-type\":\"audio\",\"account\":\"bob@example.com\"}"},
		/* NULL strings are "", text is escaped, non-ASCII passes as UTF-8 */
		{{.event = PUSH_CALL, .display = "\"Q\" \xc3\xa9"},
		 false,
		 "{\"event\":\"incoming_session\",\"app-id\":\"com.agprojects.sylk-ios\",\"platform\":"
		 "\"apple\",\"token\":\"voip1\",\"device-id\":\"iphone\",\"silent\":0,\"call-id\":\"\","
		 "\"from\":\"\",\"from-display-name\":\"\\\"Q\\\" \xc3\xa9\",\"to\":\"\",\"media-type\":"
		 "\"audio\"}"},
	};
	struct push_device d = {.app = "com.agprojects.sylk-ios",
				.device = "iphone",
				.platform = "apple",
				.token = "voip1#bg2"};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json = NULL;

		d.silent = cases[i].silent;
		CHECK_INT(push_note_json(&json, &cases[i].note, &d), 0);
		CHECK_STR(json, cases[i].want);
		free(json);
	}
}

static void test_note_json_refused(void)
{
	struct push_device d = {.token = "t"};
	struct push_note n = {.event = PUSH_CALL};
	char *json = (char *)"untouched";

	CHECK_INT(push_note_json(NULL, &n, &d), EINVAL);
	CHECK_INT(push_note_json(&json, NULL, &d), EINVAL);
	CHECK_INT(push_note_json(&json, &n, NULL), EINVAL);
	n.event = (enum push_event)7;
	CHECK_INT(push_note_json(&json, &n, &d), EINVAL);
	/* the longest token the field holds */
	n.event = PUSH_CALL;
	memset(d.token, 'k', sizeof(d.token) - 1);
	d.token[sizeof(d.token) - 1] = '\0';
	CHECK_INT(push_note_json(&json, &n, &d), 0);
	CHECK(json && strlen(json) > PUSH_TOKEN_SIZE);
	free(json);
}

int main(void)
{
	RUN(test_device_from_params);
	RUN(test_device_refused);
	RUN(test_token_pick);
	RUN(test_note_json);
	RUN(test_note_json_refused);
	return check_summary();
}
