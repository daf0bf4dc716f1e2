/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/sylkrtc/sylkrtc_event.c
 *
 * Every built event is parsed back with json-c and its keys compared with
 * the shapes in the sylkRTC-1 documentation and the sylkRTC-2 reference.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check.h"
#include "sylk_ws/sylkrtc/sylkrtc_event.h"
#include "sylk_ws/base/utf8.h"

#define V1 SYLKRTC_V1
#define V2 SYLKRTC_V2

/* Parse built text; NULL (and a failed check) if it is not a JSON object. */
static struct json_object *parse(const char *text)
{
	struct json_object *o;

	CHECK(text != NULL);
	if (!text)
		return NULL;
	CHECK(utf8_valid(text, strlen(text)));
	o = json_tokener_parse(text);
	CHECK(o && json_object_is_type(o, json_type_object));
	return o;
}

/* Value at a dotted path ("data.state"), NULL if absent. */
static struct json_object *at(struct json_object *o, const char *path)
{
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save)) {
		struct json_object *v = NULL;
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, k, &v))
			return NULL;
		o = v;
	}
	return o;
}

static const char *str_at(struct json_object *o, const char *path)
{
	struct json_object *v = at(o, path);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int keys(struct json_object *o)
{
	return o && json_object_is_type(o, json_type_object) ? json_object_object_length(o) : -1;
}

/* One expected member: path and string value; value NULL: must be absent. */
struct want {
	const char *path;
	const char *value;
};

/* Compare the members listed (up to a { NULL } entry) and the number of
 * top-level keys (nkeys -1: not checked). The caller's line is reported
 * with each mismatch. */
static void members_at(int line, struct json_object *o, int nkeys, const struct want *w)
{
	int before = check_failures;

	for (; w->path; w++) {
		if (w->value) {
			CHECK_STR(str_at(o, w->path), w->value);
		} else {
			CHECK(at(o, w->path) == NULL);
		}
		if (check_failures != before) {
			fprintf(stderr, "  (line %d, member %s)\n", line, w->path);
			before = check_failures;
		}
	}
	if (nkeys >= 0) {
		CHECK_INT(keys(o), nkeys);
		if (check_failures != before)
			fprintf(stderr, "  (line %d, key count)\n", line);
	}
}

/* Parse built text, members_at(), then free the text. */
static void expect_at(int line, char *text, int nkeys, const struct want *w)
{
	struct json_object *o = parse(text);

	members_at(line, o, nkeys, w);
	json_object_put(o);
	free(text);
}

#define MEMBERS(o, nkeys, ...) \
	members_at(__LINE__, (o), (nkeys), (const struct want[]){__VA_ARGS__, {NULL, NULL}})
#define EXPECT(text, nkeys, ...) \
	expect_at(__LINE__, (text), (nkeys), (const struct want[]){__VA_ARGS__, {NULL, NULL}})

static void test_ready(void)
{
	char *s;

	CHECK_INT(sylkrtc_event_ready(&s, V1), 0);
	CHECK_STR(s, "{\"sylkrtc\":\"event\",\"event\":\"ready\"}");
	free(s);
	CHECK_INT(sylkrtc_event_ready(&s, V2), 0);
	CHECK_STR(s, "{\"sylkrtc\":\"ready-event\"}");
	free(s);
}

static void test_ack_error(void)
{
	char *s;

	for (int v = V1; v <= V2; v++) {
		CHECK_INT(sylkrtc_event_ack(&s, (enum sylkrtc_version)v, "04013f0f-25bb"), 0);
		CHECK_STR(s, "{\"sylkrtc\":\"ack\",\"transaction\":\"04013f0f-25bb\"}");
		free(s);
		CHECK_INT(sylkrtc_event_error(&s, (enum sylkrtc_version)v, "t1",
					      "Account a@x.org already added"),
			  0);
		CHECK_STR(s, "{\"sylkrtc\":\"error\",\"transaction\":\"t1\","
			     "\"error\":\"Account a@x.org already added\"}");
		free(s);
	}
	/* no transaction could be read: the key is left out */
	CHECK_INT(sylkrtc_event_error(&s, V2, NULL, "Invalid JSON: incomplete"), 0);
	CHECK_STR(s, "{\"sylkrtc\":\"error\",\"error\":\"Invalid JSON: incomplete\"}");
	free(s);

	/* escaping: quotes, control characters, and no "\/" for slashes */
	CHECK_INT(sylkrtc_event_error(&s, V2, "a\"b\n", "text/plain </x>"), 0);
	CHECK_STR(s, "{\"sylkrtc\":\"error\",\"transaction\":\"a\\\"b\\n\","
		     "\"error\":\"text/plain </x>\"}");
	free(s);

	s = (char *)1;
	CHECK_INT(sylkrtc_event_ack(&s, V2, NULL), EINVAL);
	CHECK(s == NULL);
	CHECK_INT(sylkrtc_event_error(&s, V2, "t", NULL), EINVAL);
	CHECK_INT(sylkrtc_event_ack(NULL, V2, "t"), EINVAL);
	CHECK_INT(sylkrtc_event_ack(&s, (enum sylkrtc_version)7, "t"), EINVAL);
	CHECK(s == NULL);
}

static void test_error_from_decode(void)
{
	const char *bad =
		"{\"sylkrtc\":\"account-add\",\"transaction\":\"tx-1\",\"account\":\"nope\",\"password\":\"p\"}";
	struct sylkrtc_request *req = NULL;
	struct sylkrtc_error err;
	struct json_object *o;
	char *s;

	CHECK_INT(sylkrtc_request_decode(&req, &err, V2, bad, strlen(bad)), EBADMSG);
	CHECK_INT(sylkrtc_event_error_from(&s, V2, &err), 0);
	o = parse(s);
	MEMBERS(o, 3, {"sylkrtc", "error"}, {"transaction", "tx-1"});
	CHECK_STR(str_at(o, "error"),
		  "Invalid SIP address for 'account' (\"nope\"): address is not user@domain");
	json_object_put(o);
	free(s);

	/* unparsable: no transaction key */
	CHECK_INT(sylkrtc_request_decode(&req, &err, V1, "{{", 2), EBADMSG);
	CHECK_INT(sylkrtc_event_error_from(&s, V1, &err), 0);
	o = parse(s);
	CHECK(at(o, "transaction") == NULL);
	CHECK(str_at(o, "error") != NULL);
	json_object_put(o);
	free(s);

	/* the echoed transaction may hold anything the client sent */
	const char *odd = "{\"sylkrtc\":\"nope\",\"transaction\":\"\\u00e9\\t\\\"\"}";
	CHECK_INT(sylkrtc_request_decode(&req, &err, V2, odd, strlen(odd)), EBADMSG);
	CHECK_INT(sylkrtc_event_error_from(&s, V2, &err), 0);
	EXPECT(s, -1, {"transaction", "\xc3\xa9\t\""});

	CHECK_INT(sylkrtc_event_error_from(&s, V2, NULL), EINVAL);
}

static void test_registration_state(void)
{
	struct json_object *o;
	char *s;

	/* seed: {'account': ..., 'data': {'state': 'registering'},
	 *        'event': 'registration_state', 'sylkrtc': 'account_event'} */
	CHECK_INT(sylkrtc_event_registration_state(&s, V1, "saghul@sip2sip.info",
						   SYLKRTC_REG_REGISTERING, NULL),
		  0);
	o = parse(s);
	MEMBERS(o, 4, {"sylkrtc", "account_event"}, {"account", "saghul@sip2sip.info"},
		{"event", "registration_state"}, {"data.state", "registering"});
	CHECK_INT(keys(at(o, "data")), 1);
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_registration_state(&s, V1, "saghul@sip2sip.info",
						   SYLKRTC_REG_FAILED,
						   "904 Operation has no matching challenge "),
		  0);
	EXPECT(s, -1, {"data.state", "failed"},
	       {"data.reason", "904 Operation has no matching challenge "});

	CHECK_INT(sylkrtc_event_registration_state(&s, V2, "a@x.org", SYLKRTC_REG_REGISTERED, NULL),
		  0);
	CHECK_STR(s, "{\"sylkrtc\":\"account-event\",\"account\":\"a@x.org\","
		     "\"event\":\"registration-state\",\"state\":\"registered\"}");
	free(s);

	CHECK_INT(sylkrtc_event_registration_state(&s, V2, "a@x.org", SYLKRTC_REG_FAILED,
						   "408 Request Timeout"),
		  0);
	EXPECT(s, -1, {"state", "failed"}, {"reason", "408 Request Timeout"}, {"data", NULL});

	CHECK_INT(sylkrtc_event_registration_state(&s, V2, NULL, SYLKRTC_REG_FAILED, NULL), EINVAL);
	CHECK_INT(sylkrtc_event_registration_state(&s, V2, "a@x.org", (enum sylkrtc_reg_state)9,
						   NULL),
		  EINVAL);
	CHECK(s == NULL);
}

static void test_incoming_session(void)
{
	struct sylkrtc_header hdrs[] = {{"X-Sylk-Room", "blue"}, {"X-Other", "1"}};
	struct sylkrtc_incoming_session in = {
		.account = "saghul@sip2sip.info",
		.session = "509b256aa6a14540a2a37553e6bd33e1",
		.originator = {"31208005163@ag-projects.com", "Bob"},
		.sdp = "v=0\r\n",
		.call_id = "abc@host",
		.headers = hdrs,
		.header_count = 2,
	};
	struct json_object *o;
	char *s;

	/* seed: {'account': ..., 'data': {'originator': '...', 'sdp': '...'},
	 *        'event': 'incoming_session', 'session': ..., 'sylkrtc': 'account_event'} */
	CHECK_INT(sylkrtc_event_incoming_session(&s, V1, &in), 0);
	o = parse(s);
	MEMBERS(o, 5, {"sylkrtc", "account_event"}, {"event", "incoming_session"},
		{"account", "saghul@sip2sip.info"}, {"session", "509b256aa6a14540a2a37553e6bd33e1"},
		{"data.originator", "31208005163@ag-projects.com"}, {"data.sdp", "v=0\r\n"});
	CHECK_INT(keys(at(o, "data")), 2);
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_incoming_session(&s, V2, &in), 0);
	EXPECT(s, 8, {"sylkrtc", "account-event"}, {"event", "incoming-session"},
	       {"session", "509b256aa6a14540a2a37553e6bd33e1"},
	       {"originator.uri", "31208005163@ag-projects.com"},
	       {"originator.display_name", "Bob"}, {"sdp", "v=0\r\n"}, {"call_id", "abc@host"},
	       {"headers.X-Sylk-Room", "blue"}, {"headers.X-Other", "1"});

	/* optional parts absent */
	in.originator.display_name = NULL;
	in.call_id = NULL;
	in.headers = NULL;
	CHECK_INT(sylkrtc_event_incoming_session(&s, V2, &in), 0);
	o = parse(s);
	CHECK_INT(keys(at(o, "originator")), 1);
	MEMBERS(o, -1, {"call_id", NULL}, {"headers", NULL});
	json_object_put(o);
	free(s);

	in.sdp = NULL;
	CHECK_INT(sylkrtc_event_incoming_session(&s, V2, &in), EINVAL);
	CHECK_INT(sylkrtc_event_incoming_session(&s, V1, &in), EINVAL);
	CHECK_INT(sylkrtc_event_incoming_session(&s, V2, NULL), EINVAL);
}

static void test_missed_and_invite(void)
{
	struct sylkrtc_identity bob = {"bob@x.org", "Bob"};
	char *s;

	CHECK_INT(sylkrtc_event_missed_session(&s, V2, "a@x.org", &bob), 0);
	EXPECT(s, -1, {"event", "missed-session"}, {"originator.uri", "bob@x.org"},
	       {"originator.display_name", "Bob"});
	CHECK_INT(sylkrtc_event_missed_session(&s, V1, "a@x.org", &bob), ENOTSUP);
	CHECK(s == NULL);
	CHECK_INT(sylkrtc_event_missed_session(&s, V2, "a@x.org", NULL), EINVAL);

	CHECK_INT(sylkrtc_event_conference_invite(&s, V2, "a@x.org", "room@conference.x.org",
						  "pub-7", &bob),
		  0);
	EXPECT(s, -1, {"sylkrtc", "account-event"}, {"event", "conference-invite"},
	       {"room", "room@conference.x.org"}, {"session_id", "pub-7"},
	       {"originator.uri", "bob@x.org"});
	CHECK_INT(sylkrtc_event_conference_invite(&s, V1, "a@x.org", "r@x.org", NULL, &bob),
		  ENOTSUP);
}

static void test_session_state(void)
{
	struct sylkrtc_session_state_event ev = {
		.session = "20c40185-1ef2-419e-b91a-70415778acb4",
		.state = SYLKRTC_SESSION_ACCEPTED,
		.sdp = "v=0 answer",
		.call_id = "cid",
	};
	struct json_object *o;
	char *s;

	/* seed: {'data': {'sdp': '...', 'state': 'accepted'}, 'event': 'state',
	 *        'session': ..., 'sylkrtc': 'session_event'} */
	CHECK_INT(sylkrtc_event_session_state(&s, V1, &ev), 0);
	o = parse(s);
	MEMBERS(o, 4, {"sylkrtc", "session_event"}, {"event", "state"},
		{"session", "20c40185-1ef2-419e-b91a-70415778acb4"}, {"data.state", "accepted"},
		{"data.sdp", "v=0 answer"});
	CHECK_INT(keys(at(o, "data")), 2); /* no call_id in v1 */
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_session_state(&s, V2, &ev), 0);
	EXPECT(s, -1, {"sylkrtc", "session-event"}, {"state", "accepted"}, {"sdp", "v=0 answer"},
	       {"call_id", "cid"});

	/* seed: {'data': {'reason': '200 to BYE', 'state': 'terminated'}, ...} */
	ev.state = SYLKRTC_SESSION_TERMINATED;
	ev.sdp = NULL;
	ev.call_id = NULL;
	ev.reason = "200 to BYE";
	CHECK_INT(sylkrtc_event_session_state(&s, V1, &ev), 0);
	EXPECT(s, -1, {"data.state", "terminated"}, {"data.reason", "200 to BYE"});
	CHECK_INT(sylkrtc_event_session_state(&s, V2, &ev), 0);
	CHECK_STR(
		s,
		"{\"sylkrtc\":\"session-event\",\"session\":\"20c40185-1ef2-419e-b91a-70415778acb4\","
		"\"event\":\"state\",\"state\":\"terminated\",\"reason\":\"200 to BYE\"}");
	free(s);

	ev.reason = NULL;
	ev.state = SYLKRTC_SESSION_ESTABLISHED;
	CHECK_INT(sylkrtc_event_session_state(&s, V1, &ev), 0);
	EXPECT(s, -1, {"data.state", "established"});
	ev.state = SYLKRTC_SESSION_PROGRESS;
	CHECK_INT(sylkrtc_event_session_state(&s, V1, &ev), 0);
	free(s);

	/* v2-only states */
	ev.state = SYLKRTC_SESSION_PROCEEDING;
	ev.code = 100;
	CHECK_INT(sylkrtc_event_session_state(&s, V1, &ev), ENOTSUP);
	CHECK_INT(sylkrtc_event_session_state(&s, V2, &ev), 0);
	o = parse(s);
	CHECK_STR(str_at(o, "state"), "proceeding");
	CHECK_INT(json_object_get_int(at(o, "code")), 100);
	json_object_put(o);
	free(s);

	ev.state = SYLKRTC_SESSION_RINGING;
	ev.code = 0;
	CHECK_INT(sylkrtc_event_session_state(&s, V1, &ev), ENOTSUP);
	CHECK_INT(sylkrtc_event_session_state(&s, V2, &ev), 0);
	EXPECT(s, -1, {"state", "ringing"}, {"code", NULL});

	ev.state = SYLKRTC_SESSION_EARLY_MEDIA;
	ev.sdp = "v=0 early";
	CHECK_INT(sylkrtc_event_session_state(&s, V1, &ev), ENOTSUP);
	CHECK_INT(sylkrtc_event_session_state(&s, V2, &ev), 0);
	EXPECT(s, -1, {"state", "early-media"}, {"sdp", "v=0 early"});

	/* accepted with SIP headers (v2) */
	struct sylkrtc_header h = {"X-Conf", "yes"};
	ev.state = SYLKRTC_SESSION_ACCEPTED;
	ev.headers = &h;
	ev.header_count = 1;
	CHECK_INT(sylkrtc_event_session_state(&s, V2, &ev), 0);
	EXPECT(s, -1, {"headers.X-Conf", "yes"});

	ev.state = (enum sylkrtc_session_state)42;
	CHECK_INT(sylkrtc_event_session_state(&s, V2, &ev), EINVAL);
	ev.state = SYLKRTC_SESSION_PROGRESS;
	ev.session = NULL;
	CHECK_INT(sylkrtc_event_session_state(&s, V2, &ev), EINVAL);
	CHECK_INT(sylkrtc_event_session_state(&s, V2, NULL), EINVAL);

	CHECK_STR(sylkrtc_session_state_name(SYLKRTC_SESSION_EARLY_MEDIA), "early-media");
	CHECK(sylkrtc_session_state_name((enum sylkrtc_session_state)42) == NULL);
}

static void test_session_update(void)
{
	char *s;

	CHECK_INT(sylkrtc_event_session_update(&s, V2, "s1", SYLKRTC_UPDATE_RECEIVED, "v=0 offer",
					       NULL),
		  0);
	EXPECT(s, -1, {"sylkrtc", "session-event"}, {"event", "update"}, {"state", "received"},
	       {"sdp", "v=0 offer"});

	CHECK_INT(sylkrtc_event_session_update(&s, V2, "s1", SYLKRTC_UPDATE_FAILED, NULL,
					       "488 Not Acceptable Here"),
		  0);
	EXPECT(s, -1, {"state", "failed"}, {"reason", "488 Not Acceptable Here"}, {"sdp", NULL});

	CHECK_INT(sylkrtc_event_session_update(&s, V2, "s1", SYLKRTC_UPDATE_ACCEPTED, NULL, NULL),
		  EINVAL);
	CHECK_INT(sylkrtc_event_session_update(&s, V1, "s1", SYLKRTC_UPDATE_RECEIVED, "v", NULL),
		  ENOTSUP);
	CHECK_INT(sylkrtc_event_session_update(&s, V2, "s1", (enum sylkrtc_update_state)5, "v",
					       NULL),
		  EINVAL);
}

static void test_messages(void)
{
	const char *const disp[] = {"positive-delivery", "display"};
	struct sylkrtc_message m = {
		.sender = {"bob@x.org", "Bob"},
		.timestamp = "2024-05-01T10:00:00Z",
		.message_id = "m-1",
		.content_type = "text/plain",
		.content = "hello\nworld",
		.disposition = disp,
		.disposition_count = 2,
	};
	struct sylkrtc_disposition d = {
		.message_id = "m-1",
		.message_timestamp = "2024-05-01T10:00:00Z",
		.state = SYLKRTC_DN_DELIVERED,
		.code = 200,
		.reason = "OK",
	};
	struct json_object *o;
	char *s;

	CHECK_INT(sylkrtc_event_message(&s, V2, SYLKRTC_SCOPE_ACCOUNT, "a@x.org", &m), 0);
	o = parse(s);
	MEMBERS(o, -1, {"sylkrtc", "account-event"}, {"account", "a@x.org"}, {"event", "message"},
		{"sender.uri", "bob@x.org"}, {"content", "hello\nworld"}, {"message_id", "m-1"});
	CHECK_INT(json_object_array_length(at(o, "disposition_notification")), 2);
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_message(&s, V2, SYLKRTC_SCOPE_SESSION, "sess", &m), 0);
	EXPECT(s, -1, {"sylkrtc", "session-event"}, {"session", "sess"});
	CHECK_INT(sylkrtc_event_message(&s, V1, SYLKRTC_SCOPE_ACCOUNT, "a@x.org", &m), ENOTSUP);
	CHECK_INT(sylkrtc_event_message(&s, V2, (enum sylkrtc_scope)9, "a@x.org", &m), EINVAL);
	m.content = NULL;
	CHECK_INT(sylkrtc_event_message(&s, V2, SYLKRTC_SCOPE_ACCOUNT, "a@x.org", &m), EINVAL);

	CHECK_INT(sylkrtc_event_disposition_notification(&s, V2, SYLKRTC_SCOPE_ACCOUNT, "a@x.org",
							 &d),
		  0);
	o = parse(s);
	MEMBERS(o, -1, {"event", "disposition-notification"}, {"state", "delivered"},
		{"reason", "OK"}, {"message_timestamp", "2024-05-01T10:00:00Z"});
	CHECK_INT(json_object_get_int(at(o, "code")), 200);
	json_object_put(o);
	free(s);
	d.state = (enum sylkrtc_dn_state)99;
	CHECK_INT(sylkrtc_event_disposition_notification(&s, V2, SYLKRTC_SCOPE_SESSION, "s", &d),
		  EINVAL);
}

static void test_sync(void)
{
	const char *const disp[] = {"display"};
	struct sylkrtc_history_message msgs[] = {
		{.contact = "b@x.org",
		 .timestamp = "t1",
		 .message_id = "m1",
		 .content_type = "text/plain",
		 .content = "hi",
		 .direction = "outgoing",
		 .state = "displayed",
		 .disposition = disp,
		 .disposition_count = 1},
		{.contact = "c@x.org",
		 .timestamp = "t2",
		 .message_id = "m2",
		 .content_type = "text/plain",
		 .content = "yo"},
	};
	struct json_object *o;
	char *s;

	CHECK_INT(sylkrtc_event_sync_conversations(&s, V2, "a@x.org", msgs, 2), 0);
	o = parse(s);
	CHECK_STR(str_at(o, "event"), "sync-conversations");
	struct json_object *arr = at(o, "messages");
	CHECK(arr && json_object_array_length(arr) == 2);
	if (arr && json_object_array_length(arr) == 2) {
		struct json_object *m0 = json_object_array_get_idx(arr, 0);
		CHECK_STR(str_at(m0, "contact"), "b@x.org");
		CHECK_STR(str_at(m0, "state"), "displayed");
		CHECK_INT(keys(json_object_array_get_idx(arr, 1)), 5);
	}
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_sync_conversations(&s, V2, "a@x.org", NULL, 0), 0);
	o = parse(s);
	CHECK_INT(json_object_array_length(at(o, "messages")), 0);
	json_object_put(o);
	free(s);
	msgs[1].content = NULL;
	CHECK_INT(sylkrtc_event_sync_conversations(&s, V2, "a@x.org", msgs, 2), EINVAL);
	CHECK_INT(sylkrtc_event_sync_conversations(&s, V1, "a@x.org", msgs, 1), ENOTSUP);

	CHECK_INT(sylkrtc_event_sync(&s, V2, "a@x.org", "message", "remove",
				     "{\"contact\":\"b@x.org\",\"message_id\":\"m1\"}"),
		  0);
	EXPECT(s, -1, {"event", "sync"}, {"type", "message"}, {"action", "remove"},
	       {"content.message_id", "m1"});
	CHECK_INT(sylkrtc_event_sync(&s, V2, "a@x.org", "message", "remove", "{\"a\":"), EINVAL);
	CHECK_INT(sylkrtc_event_sync(&s, V2, "a@x.org", "message", "remove", "{} x"), EINVAL);
	CHECK_INT(sylkrtc_event_sync(&s, V2, "a@x.org", "message", "remove", NULL), EINVAL);
}

static void test_addressbook(void)
{
	struct json_object *o;
	char *s;

	CHECK_INT(sylkrtc_event_addressbook_fetched(
			  &s, V2, "a@x.org",
			  "{\"contacts\":[{\"id\":\"c1\"}],\"groups\":[],\"policies\":[]}"),
		  0);
	o = parse(s);
	CHECK_STR(str_at(o, "event"), "addressbook-fetched");
	CHECK_INT(json_object_array_length(at(o, "addressbook.contacts")), 1);
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_addressbook_updated(&s, V2, "a@x.org", SYLKRTC_AB_CONTACT,
						    SYLKRTC_AB_ADD,
						    "{\"id\":\"c2\",\"name\":\"Carol\"}"),
		  0);
	EXPECT(s, -1, {"event", "addressbook-updated"}, {"type", "contact"}, {"action", "add"},
	       {"contact.name", "Carol"});

	CHECK_INT(sylkrtc_event_addressbook_update_failed(&s, V2, "a@x.org", SYLKRTC_AB_GROUP,
							  SYLKRTC_AB_DELETE, "not found", "g1"),
		  0);
	EXPECT(s, -1, {"event", "addressbook-update-failed"}, {"type", "group"},
	       {"action", "delete"}, {"error", "not found"}, {"id", "g1"});

	CHECK_INT(sylkrtc_event_addressbook_fetched(&s, V1, "a@x.org", "{}"), ENOTSUP);
	CHECK_INT(sylkrtc_event_addressbook_updated(&s, V2, "a@x.org", (enum sylkrtc_ab_type)7,
						    SYLKRTC_AB_ADD, "{}"),
		  EINVAL);
}

static void test_videoroom(void)
{
	struct sylkrtc_videoroom_state_event st = {
		.session = "pub1",
		.state = SYLKRTC_SESSION_ACCEPTED,
		.sdp = "v=0",
		.audio = true,
		.video = false,
	};
	struct sylkrtc_publisher pubs[] = {
		{"pub2", "b@x.org", "Bob"},
		{"pub3", "c@x.org", NULL},
	};
	const char *const ids[] = {"pub2", "pub3"};
	struct sylkrtc_shared_file file = {
		"slides.pdf",
		123456,
		{"b@x.org", "Bob"},
		"pub2",
	};
	struct sylkrtc_room_message rm = {
		false, "hi all", "text/plain", {"b@x.org", NULL}, "ts",
	};
	struct sylkrtc_identity bob = {"b@x.org", "Bob"};
	struct json_object *o;
	char *s;

	CHECK_INT(sylkrtc_event_videoroom_session_state(&s, V2, &st), 0);
	o = parse(s);
	MEMBERS(o, -1, {"sylkrtc", "videoroom-event"}, {"session", "pub1"},
		{"event", "session-state"}, {"state", "accepted"}, {"sdp", "v=0"});
	CHECK(json_object_get_boolean(at(o, "audio")));
	CHECK(!json_object_get_boolean(at(o, "video")));
	json_object_put(o);
	free(s);
	st.state = SYLKRTC_SESSION_TERMINATED;
	st.reason = "room closed";
	CHECK_INT(sylkrtc_event_videoroom_session_state(&s, V2, &st), 0);
	EXPECT(s, -1, {"reason", "room closed"}, {"sdp", NULL});
	st.state = SYLKRTC_SESSION_RINGING;
	CHECK_INT(sylkrtc_event_videoroom_session_state(&s, V2, &st), EINVAL);
	st.state = SYLKRTC_SESSION_PROGRESS;
	CHECK_INT(sylkrtc_event_videoroom_session_state(&s, V1, &st), ENOTSUP);

	CHECK_INT(sylkrtc_event_videoroom_publishers(&s, V2, "pub1", true, pubs, 2), 0);
	o = parse(s);
	CHECK_STR(str_at(o, "event"), "initial-publishers");
	struct json_object *p0 = json_object_array_get_idx(at(o, "publishers"), 0);
	struct json_object *p1 = json_object_array_get_idx(at(o, "publishers"), 1);
	CHECK_STR(str_at(p0, "id"), "pub2");
	CHECK_STR(str_at(p0, "uri"), "b@x.org");
	CHECK_STR(str_at(p0, "display_name"), "Bob");
	CHECK(at(p1, "display_name") == NULL);
	json_object_put(o);
	free(s);
	CHECK_INT(sylkrtc_event_videoroom_publishers(&s, V2, "pub1", false, pubs, 1), 0);
	EXPECT(s, -1, {"event", "publishers-joined"});
	pubs[1].id = NULL;
	CHECK_INT(sylkrtc_event_videoroom_publishers(&s, V2, "pub1", false, pubs, 2), EINVAL);

	CHECK_INT(sylkrtc_event_videoroom_publishers_left(&s, V2, "pub1", ids, 2), 0);
	o = parse(s);
	CHECK_STR(str_at(o, "event"), "publishers-left");
	CHECK_STR(json_object_get_string(json_object_array_get_idx(at(o, "publishers"), 1)),
		  "pub3");
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_videoroom_feed_attached(&s, V2, "pub1", "f1", "v=0 sub"), 0);
	EXPECT(s, -1, {"event", "feed-attached"}, {"feed", "f1"}, {"sdp", "v=0 sub"});
	CHECK_INT(sylkrtc_event_videoroom_feed_established(&s, V2, "pub1", "f1"), 0);
	EXPECT(s, -1, {"event", "feed-established"});

	CHECK_INT(sylkrtc_event_videoroom_configure(&s, V2, "pub1", "pub2", ids, 2), 0);
	o = parse(s);
	MEMBERS(o, -1, {"event", "configure"}, {"originator", "pub2"});
	CHECK_INT(json_object_array_length(at(o, "active_participants")), 2);
	json_object_put(o);
	free(s);
	CHECK_INT(sylkrtc_event_videoroom_configure(&s, V2, "pub1", "pub2", ids, 3), EINVAL);

	CHECK_INT(sylkrtc_event_videoroom_file_sharing(&s, V2, "pub1", &file, 1), 0);
	o = parse(s);
	struct json_object *f0 = json_object_array_get_idx(at(o, "files"), 0);
	CHECK_STR(str_at(f0, "filename"), "slides.pdf");
	CHECK_INT(json_object_get_int64(at(f0, "filesize")), 123456);
	CHECK_STR(str_at(f0, "uploader.uri"), "b@x.org");
	CHECK_STR(str_at(f0, "session"), "pub2");
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_videoroom_message(&s, V2, "pub1", &rm), 0);
	EXPECT(s, -1, {"event", "message"}, {"type", "normal"}, {"sender.uri", "b@x.org"});

	CHECK_INT(sylkrtc_event_videoroom_composing(&s, V2, "pub1", SYLKRTC_COMPOSING_ACTIVE, 60,
						    "text/plain", &bob),
		  0);
	o = parse(s);
	MEMBERS(o, -1, {"event", "composing-indication"}, {"state", "active"});
	CHECK_INT(json_object_get_int(at(o, "refresh")), 60);
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_videoroom_message_delivery(&s, V2, "pub1", "m1", true, 200, NULL),
		  0);
	o = parse(s);
	CHECK_STR(str_at(o, "event"), "message-delivery");
	CHECK(json_object_get_boolean(at(o, "delivered")));
	CHECK_INT(json_object_get_int(at(o, "code")), 200);
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_videoroom_mute_audio(&s, V2, "pub1", "pub2"), 0);
	EXPECT(s, -1, {"event", "mute-audio"}, {"originator", "pub2"});

	CHECK_INT(sylkrtc_event_videoroom_mute_request(&s, V2, "pub1", true, "pub2"), 0);
	o = parse(s);
	MEMBERS(o, -1, {"sylkrtc", "videoroom-event"}, {"session", "pub1"},
		{"event", "mute-request"}, {"originator", "pub2"});
	CHECK(json_object_get_boolean(at(o, "muted")));
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_videoroom_invite_status(&s, V2, "pub1", "bob@x.org", "failed", 404,
							"Not a participant of the room"),
		  0);
	o = parse(s);
	MEMBERS(o, -1, {"event", "invite-status"}, {"participant", "bob@x.org"},
		{"state", "failed"}, {"reason", "Not a participant of the room"});
	CHECK_INT(json_object_get_int(at(o, "code")), 404);
	json_object_put(o);
	free(s);

	CHECK_INT(sylkrtc_event_videoroom_raised_hands(&s, V2, "pub1", ids, 0), 0);
	o = parse(s);
	CHECK_STR(str_at(o, "event"), "raised-hands");
	CHECK_INT(json_object_array_length(at(o, "raised_hands")), 0);
	json_object_put(o);
	free(s);

	/* no video rooms in sylkRTC-1 */
	CHECK_INT(sylkrtc_event_videoroom_raised_hands(&s, V1, "pub1", ids, 1), ENOTSUP);
	CHECK_INT(sylkrtc_event_videoroom_mute_audio(&s, V1, "pub1", "pub2"), ENOTSUP);
	CHECK_INT(sylkrtc_event_videoroom_mute_request(&s, V1, "pub1", false, "pub2"), ENOTSUP);
	CHECK_INT(sylkrtc_event_videoroom_feed_attached(&s, V2, "pub1", "f1", NULL), EINVAL);
	CHECK_INT(sylkrtc_event_videoroom_raised_hands(&s, V2, "pub1", NULL, 2), EINVAL);
}

static void test_invalid_utf8_repaired(void)
{
	struct sylkrtc_identity caller = {"bob@x.org", "J\xf6rg \xc3\xa9 \xed\xa0\x80!\xc3"};
	struct json_object *o;
	char *s;

	CHECK_INT(sylkrtc_event_missed_session(&s, V2, "a@x.org", &caller), 0);
	o = parse(s);
	/* each bad byte becomes U+FFFD, good sequences survive */
	CHECK_STR(
		str_at(o, "originator.display_name"),
		"J\xef\xbf\xbd\x72\x67 \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!\xef\xbf\xbd");
	json_object_put(o);
	free(s);
}

int main(void)
{
	RUN(test_ready);
	RUN(test_ack_error);
	RUN(test_error_from_decode);
	RUN(test_registration_state);
	RUN(test_incoming_session);
	RUN(test_missed_and_invite);
	RUN(test_session_state);
	RUN(test_session_update);
	RUN(test_messages);
	RUN(test_sync);
	RUN(test_addressbook);
	RUN(test_videoroom);
	RUN(test_invalid_utf8_repaired);
	return check_summary();
}
