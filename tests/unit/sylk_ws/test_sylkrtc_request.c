/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/sylkrtc/sylkrtc_request.c
 *
 * Message shapes come from the sylkRTC-1 documentation (seeds, converted
 * from Python reprs to JSON) and from the sylkRTC-2 reference.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/sylkrtc/sylkrtc_request.h"
#include "sylk_ws/base/utf8.h"

#define V1 SYLKRTC_V1
#define V2 SYLKRTC_V2

static struct sylkrtc_request *dec_ok_(enum sylkrtc_version ver, const char *json, const char *file,
				       int line)
{
	struct sylkrtc_request *req = NULL;
	struct sylkrtc_error err;
	int rc = sylkrtc_request_decode(&req, &err, ver, json, strlen(json));

	check_count++;
	if (rc != 0 || !req) {
		check_failures++;
		fprintf(stderr, "%s:%d: decode failed (%d): %s [field %s]\n", file, line, rc,
			err.text, err.field);
		sylkrtc_request_free(req);
		return NULL;
	}
	CHECK_INT(err.code, SYLKRTC_ERR_NONE);
	return req;
}
#define dec_ok(ver, json) dec_ok_(ver, json, __FILE__, __LINE__)

/* Decode expecting a refusal; returns the error code, err filled. */
static enum sylkrtc_errcode dec_bad_len(enum sylkrtc_version ver, const char *json, size_t len,
					struct sylkrtc_error *err)
{
	struct sylkrtc_request *req = (struct sylkrtc_request *)1;
	int rc = sylkrtc_request_decode(&req, err, ver, json, len);

	CHECK(req == NULL);
	CHECK(rc == EBADMSG || rc == ENOMEM);
	CHECK(err->text[0] != '\0');
	CHECK(utf8_valid(err->text, strlen(err->text)));
	return err->code;
}

static enum sylkrtc_errcode dec_bad(enum sylkrtc_version ver, const char *json,
				    struct sylkrtc_error *err)
{
	return dec_bad_len(ver, json, strlen(json), err);
}

/* ---- sylkRTC-1 shapes from the seed documentation --------------------------- */

static void test_v1_account_add_seed(void)
{
	struct sylkrtc_request *r =
		dec_ok(V1, "{\"account\": \"saghul@sip2sip.info\", "
			   "\"password\": \"884edfee38ed471b8a15006700139485\", "
			   "\"sylkrtc\": \"account-add\", "
			   "\"transaction\": \"04013f0f-25bb-4082-a02f-44399df492ff\"}");
	if (!r)
		return;
	CHECK_INT(r->version, V1);
	CHECK_INT(r->type, SYLKRTC_REQ_ACCOUNT_ADD);
	CHECK_STR(r->transaction, "04013f0f-25bb-4082-a02f-44399df492ff");
	CHECK_STR(r->account, "saghul@sip2sip.info");
	CHECK_STR(r->password, "884edfee38ed471b8a15006700139485");
	CHECK(r->display_name == NULL);
	CHECK(r->user_agent == NULL);
	CHECK(r->header_prefixes == NULL);
	CHECK_INT(r->header_prefix_count, 0);
	CHECK(r->session == NULL);
	sylkrtc_request_free(r);
}

static void test_v1_account_requests_seed(void)
{
	static const struct {
		const char *json;
		enum sylkrtc_req_type type;
		const char *transaction;
	} cases[] = {
		{"{\"account\": \"saghul@sip2sip.info\", \"sylkrtc\": \"account-remove\", "
		 "\"transaction\": \"bd3ee25d-5f16-4f76-b34e-8ac3fe0a4ac0\"}",
		 SYLKRTC_REQ_ACCOUNT_REMOVE, "bd3ee25d-5f16-4f76-b34e-8ac3fe0a4ac0"},
		{"{\"account\": \"saghul@sip2sip.info\", \"sylkrtc\": \"account-register\", "
		 "\"transaction\": \"bcb87b0f-0cc7-42a9-897e-81f035910670\"}",
		 SYLKRTC_REQ_ACCOUNT_REGISTER, "bcb87b0f-0cc7-42a9-897e-81f035910670"},
		{"{\"account\": \"saghul@sip2sip.info\", \"sylkrtc\": \"account-unregister\", "
		 "\"transaction\": \"1c81eea0-b247-4ced-b3b3-3ced1eba810e\"}",
		 SYLKRTC_REQ_ACCOUNT_UNREGISTER, "1c81eea0-b247-4ced-b3b3-3ced1eba810e"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int ver = V1; ver <= V2; ver++) {
			struct sylkrtc_request *r =
				dec_ok((enum sylkrtc_version)ver, cases[i].json);
			if (!r)
				continue;
			CHECK_INT(r->type, cases[i].type);
			CHECK_STR(r->transaction, cases[i].transaction);
			CHECK_STR(r->account, "saghul@sip2sip.info");
			sylkrtc_request_free(r);
		}
	}
}

static void test_v1_session_seed(void)
{
	struct sylkrtc_request *r;

	r = dec_ok(
		V1,
		"{\"account\": \"saghul@sip2sip.info\", \"sdp\": \"v=0\\r\\no=- 1 1 IN IP4 0.0.0.0\\r\\n\", "
		"\"session\": \"20c40185-1ef2-419e-b91a-70415778acb4\", "
		"\"sylkrtc\": \"session-create\", "
		"\"transaction\": \"7afcb91a-8a64-4664-9448-8cb760492e1f\", "
		"\"uri\": \"3333@sip2sip.info\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_SESSION_CREATE);
		CHECK_STR(r->session, "20c40185-1ef2-419e-b91a-70415778acb4");
		CHECK_STR(r->account, "saghul@sip2sip.info");
		CHECK_STR(r->uri, "3333@sip2sip.info");
		CHECK_STR(r->sdp, "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\n");
		CHECK_INT(r->header_count, 0);
		sylkrtc_request_free(r);
	}

	r = dec_ok(V1, "{\"sdp\": \"...\", \"session\": \"38dffdf81acb44b2b11b61f4488c4ca9\", "
		       "\"sylkrtc\": \"session-answer\", "
		       "\"transaction\": \"179a855f-75a0-45a4-b5ef-0be8eb8389d1\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_SESSION_ANSWER);
		CHECK_STR(r->session, "38dffdf81acb44b2b11b61f4488c4ca9");
		CHECK_STR(r->sdp, "...");
		sylkrtc_request_free(r);
	}

	r = dec_ok(
		V1,
		"{\"candidates\": [{\"candidate\": \"candidate:0 1 UDP 2130379007 192.168.99.44 59051 typ host\", "
		"\"sdpMLineIndex\": 0, \"sdpMid\": \"\"}], "
		"\"session\": \"20c40185-1ef2-419e-b91a-70415778acb4\", "
		"\"sylkrtc\": \"session-trickle\", "
		"\"transaction\": \"ecf777d8-7d26-4f16-bace-18f6fae5d8f8\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_SESSION_TRICKLE);
		CHECK_INT(r->candidate_count, 1);
		if (r->candidate_count == 1) {
			CHECK_STR(r->candidates[0].candidate,
				  "candidate:0 1 UDP 2130379007 192.168.99.44 59051 typ host");
			CHECK_STR(r->candidates[0].sdp_mid, "");
			CHECK_INT(r->candidates[0].sdp_mline_index, 0);
		}
		sylkrtc_request_free(r);
	}

	/* an empty list means "no more candidates" */
	r = dec_ok(V1,
		   "{\"candidates\": [], \"session\": \"s1\", \"sylkrtc\": \"session-trickle\", "
		   "\"transaction\": \"t1\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_SESSION_TRICKLE);
		CHECK_INT(r->candidate_count, 0);
		CHECK(r->candidates == NULL);
		sylkrtc_request_free(r);
	}

	r = dec_ok(V1, "{\"session\": \"38dffdf81acb44b2b11b61f4488c4ca9\", "
		       "\"sylkrtc\": \"session-terminate\", "
		       "\"transaction\": \"4d169de8-fe55-41f8-9a5c-c5f66c0a23c7\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_SESSION_TERMINATE);
		CHECK_STR(r->session, "38dffdf81acb44b2b11b61f4488c4ca9");
		sylkrtc_request_free(r);
	}
}

/* ---- sylkRTC-2 requests ------------------------------------------------------ */

static void test_v2_ping(void)
{
	struct sylkrtc_request *r = dec_ok(V2, "{\"sylkrtc\":\"ping\",\"transaction\":\"p1\"}");

	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_PING);
		CHECK_STR(r->transaction, "p1");
		sylkrtc_request_free(r);
	}
	/* a keepalive costs nothing in v1 either */
	r = dec_ok(V1, "{\"sylkrtc\":\"ping\",\"transaction\":\"p2\"}");
	sylkrtc_request_free(r);
}

static void test_v2_account_add_full(void)
{
	struct sylkrtc_request *r = dec_ok(
		V2,
		"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\","
		"\"account\":\"sip:alice@example.com\",\"password\":\"0123456789abcdef0123456789abcdef\","
		"\"display_name\":\"Alice \xc3\x85kesson\",\"user_agent\":\"sylkrtc.js 1.8\","
		"\"incoming_header_prefixes\":[\"X-Sylk\",\"X-Call\",\"X-Sylk\"]}");

	if (!r)
		return;
	CHECK_STR(r->account, "alice@example.com");
	CHECK_STR(r->display_name, "Alice \xc3\x85kesson");
	CHECK_STR(r->user_agent, "sylkrtc.js 1.8");
	/* duplicates are dropped, order kept */
	CHECK_INT(r->header_prefix_count, 2);
	if (r->header_prefix_count == 2) {
		CHECK_STR(r->header_prefixes[0], "X-Sylk");
		CHECK_STR(r->header_prefixes[1], "X-Call");
	}
	sylkrtc_request_free(r);
}

static void test_v2_devicetoken(void)
{
	struct sylkrtc_request *r = dec_ok(
		V2,
		"{\"sylkrtc\":\"account-devicetoken\",\"transaction\":\"t\",\"account\":\"a@b.c\","
		"\"token\":\"abc123\",\"platform\":\"ios\",\"device\":\"dev-1\",\"app\":\"com.agprojects.sylk\","
		"\"silent\":true}");

	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_ACCOUNT_DEVICETOKEN);
		CHECK_STR(r->token, "abc123");
		CHECK_STR(r->platform, "ios");
		CHECK_STR(r->device, "dev-1");
		CHECK_STR(r->app, "com.agprojects.sylk");
		CHECK(r->silent);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"account-devicetoken\",\"transaction\":\"t\",\"account\":\"a@b.c\","
		"\"token\":\"abc\",\"platform\":\"android\",\"device\":\"d\",\"app\":\"x\"}");
	if (r) {
		CHECK(!r->silent);
		sylkrtc_request_free(r);
	}
}

static void test_v2_session_create_headers(void)
{
	struct sylkrtc_request *r = dec_ok(
		V2,
		"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"account\":\"alice@example.com\","
		"\"session\":\"s-1\",\"uri\":\"sips:bob@example.org:5061\",\"sdp\":\"v=0\\r\\n\","
		"\"headers\":[{\"name\":\"X-Room\",\"value\":\"blue\"},{\"name\":\"Subject\",\"value\":\"\"}]}");

	if (!r)
		return;
	CHECK_STR(r->uri, "bob@example.org:5061");
	CHECK_INT(r->header_count, 2);
	if (r->header_count == 2) {
		CHECK_STR(r->headers[0].name, "X-Room");
		CHECK_STR(r->headers[0].value, "blue");
		CHECK_STR(r->headers[1].name, "Subject");
		CHECK_STR(r->headers[1].value, "");
	}
	sylkrtc_request_free(r);
}

static void test_v2_session_requests(void)
{
	struct sylkrtc_request *r;

	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"session-update\",\"transaction\":\"t\",\"session\":\"s\",\"sdp\":\"v=0\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_SESSION_UPDATE);
		CHECK_STR(r->sdp, "v=0");
		sylkrtc_request_free(r);
	}

	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"session-message\",\"transaction\":\"t\",\"session\":\"s\","
		"\"message_id\":\"m1\",\"content\":\"hi\\nthere\",\"content_type\":\"text/plain\","
		"\"timestamp\":\"2024-01-01T00:00:00Z\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_SESSION_MESSAGE);
		CHECK_STR(r->message_id, "m1");
		CHECK_STR(r->content, "hi\nthere");
		CHECK_STR(r->content_type, "text/plain");
		CHECK_STR(r->timestamp, "2024-01-01T00:00:00Z");
		sylkrtc_request_free(r);
	}

	r = dec_ok(V2, "{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\","
		       "\"digit\":\"b\",\"duration\":160}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_SESSION_DTMF_INFO);
		CHECK_STR(r->tones, "B");
		CHECK_INT(r->duration, 160);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\",\"digit\":\"#\"}");
	if (r) {
		CHECK_STR(r->tones, "#");
		CHECK_INT(r->duration, 0);
		sylkrtc_request_free(r);
	}
	/* the official client sends a whole string of tones in 'digit' */
	r = dec_ok(V2, "{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\","
		       "\"digit\":\"1#9,a*\"}");
	if (r) {
		CHECK_STR(r->tones, "1#9,A*");
		sylkrtc_request_free(r);
	}
}

/* account-message's metadata: kept as sent, "" or null is none; too long
 * (in characters, not bytes) or with a line break refused by name */
static void metadata_checks(void)
{
	static const char head[] =
		"{\"sylkrtc\":\"account-message\",\"transaction\":\"t\",\"account\":\"a@x.org\","
		"\"uri\":\"b@y.org\",\"message_id\":\"m\",\"content\":\"x\","
		"\"content_type\":\"application/sylk-location-sharing\",\"timestamp\":\"now\","
		"\"metadata\":";
	struct sylkrtc_error err;
	struct sylkrtc_request *r;
	char *json = malloc(sizeof(head) + 3 * 4097 + 8);
	size_t n;

	if (!json)
		return;
	snprintf(json, sizeof(head) + 64, "%s\"{\\\"action\\\":\\\"start\\\"}\"}", head);
	r = dec_ok(V2, json);
	if (r) {
		CHECK_STR(r->metadata, "{\"action\":\"start\"}");
		sylkrtc_request_free(r);
	}
	for (int i = 0; i < 2; i++) {
		snprintf(json, sizeof(head) + 8, "%s%s}", head, i ? "null" : "\"\"");
		r = dec_ok(V2, json);
		if (r) {
			CHECK(r->metadata == NULL);
			sylkrtc_request_free(r);
		}
	}
	/* 4096 characters of three bytes each pass, one more does not */
	n = (size_t)sprintf(json, "%s\"", head);
	for (int i = 0; i < 4096; i++)
		n += (size_t)sprintf(json + n, "\xe2\x9c\x93");
	strcpy(json + n, "\"}");
	r = dec_ok(V2, json);
	if (r)
		sylkrtc_request_free(r);
	strcpy(json + n, "\xe2\x9c\x93\"}");
	CHECK_INT(dec_bad(V2, json, &err), SYLKRTC_ERR_BAD_VALUE);
	CHECK(strstr(err.text, "'metadata': longer than 4096 characters") != NULL);
	snprintf(json, sizeof(head) + 16, "%s\"a\\nb\"}", head);
	CHECK_INT(dec_bad(V2, json, &err), SYLKRTC_ERR_BAD_VALUE);
	CHECK(strstr(err.text, "'metadata'") != NULL);
	snprintf(json, sizeof(head) + 16, "%s{}}", head);
	CHECK_INT(dec_bad(V2, json, &err), SYLKRTC_ERR_WRONG_TYPE);
	free(json);
}

static void test_v2_messaging(void)
{
	struct sylkrtc_request *r;

	r = dec_ok(V2,
		   "{\"sylkrtc\":\"account-message\",\"transaction\":\"t\",\"account\":\"a@x.org\","
		   "\"uri\":\"sip:b@y.org\",\"message_id\":\"m\",\"content\":\"\","
		   "\"content_type\":\"text/plain; charset=utf-8\",\"timestamp\":\"now\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_ACCOUNT_MESSAGE);
		CHECK_STR(r->uri, "b@y.org");
		CHECK_STR(r->content, "");
		CHECK_STR(r->content_type, "text/plain; charset=utf-8");
		CHECK(r->metadata == NULL);
		sylkrtc_request_free(r);
	}
	metadata_checks();

	r = dec_ok(V2, "{\"sylkrtc\":\"account-disposition-notification\",\"transaction\":\"t\","
		       "\"account\":\"a@x.org\",\"uri\":\"b@y.org\",\"message_id\":\"m\","
		       "\"state\":\"displayed\",\"timestamp\":\"ts\"}");
	if (r) {
		CHECK_INT(r->imdn_state, SYLKRTC_IMDN_DISPLAYED);
		CHECK_STR(sylkrtc_imdn_state_name(r->imdn_state), "displayed");
		sylkrtc_request_free(r);
	}

	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"account-sync-conversations\",\"transaction\":\"t\",\"account\":\"a@x.org\"}");
	if (r) {
		CHECK_INT(r->limit, 5000);
		CHECK(r->message_id == NULL);
		CHECK(r->since == NULL);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"account-sync-conversations\",\"transaction\":\"t\",\"account\":\"a@x.org\","
		"\"message_id\":\"m9\",\"since\":\"2024-01-01\",\"limit\":20}");
	if (r) {
		CHECK_INT(r->limit, 20);
		CHECK_STR(r->message_id, "m9");
		CHECK_STR(r->since, "2024-01-01");
		sylkrtc_request_free(r);
	}

	r = dec_ok(V2, "{\"sylkrtc\":\"account-mark-conversation-read\",\"transaction\":\"t\","
		       "\"account\":\"a@x.org\",\"contact\":\"sip:c@z.org\"}");
	if (r) {
		CHECK_STR(r->contact, "c@z.org");
		sylkrtc_request_free(r);
	}
	r = dec_ok(V2, "{\"sylkrtc\":\"account-remove-message\",\"transaction\":\"t\","
		       "\"account\":\"a@x.org\",\"contact\":\"c@z.org\",\"message_id\":\"m\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_ACCOUNT_REMOVE_MESSAGE);
		CHECK_STR(r->message_id, "m");
		sylkrtc_request_free(r);
	}
	r = dec_ok(V2, "{\"sylkrtc\":\"account-remove-conversation\",\"transaction\":\"t\","
		       "\"account\":\"a@x.org\",\"contact\":\"c@z.org\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_ACCOUNT_REMOVE_CONVERSATION);
		sylkrtc_request_free(r);
	}
}

static void test_v2_addressbook(void)
{
	struct sylkrtc_request *r;

	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"account-fetch-addressbook\",\"transaction\":\"t\",\"account\":\"a@x.org\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_ACCOUNT_FETCH_ADDRESSBOOK);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"account-update-addressbook\",\"transaction\":\"t\",\"account\":\"a@x.org\","
		"\"action\":\"update\",\"type\":\"group\",\"data\":{\"id\":\"g1\",\"name\":\"a/b\",\"contacts\":[\"c1\"]}}");
	if (r) {
		CHECK_INT(r->ab_action, SYLKRTC_AB_UPDATE);
		CHECK_INT(r->ab_type, SYLKRTC_AB_GROUP);
		CHECK_STR(r->data_json, "{\"id\":\"g1\",\"name\":\"a/b\",\"contacts\":[\"c1\"]}");
		sylkrtc_request_free(r);
	}
}

static void test_v2_videoroom(void)
{
	struct sylkrtc_request *r;

	r = dec_ok(V2,
		   "{\"sylkrtc\":\"videoroom-join\",\"transaction\":\"t\",\"session\":\"pub1\","
		   "\"account\":\"a@x.org\",\"uri\":\"room1@conference.x.org\",\"sdp\":\"v=0\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_VIDEOROOM_JOIN);
		CHECK_STR(r->uri, "room1@conference.x.org");
		CHECK(r->audio);
		CHECK(r->video);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-join\",\"transaction\":\"t\",\"session\":\"pub1\","
		"\"account\":\"a@x.org\",\"uri\":\"room1@x.org\",\"sdp\":\"v=0\",\"audio\":true,\"video\":false}");
	if (r) {
		CHECK(r->audio);
		CHECK(!r->video);
		sylkrtc_request_free(r);
	}

	r = dec_ok(V2,
		   "{\"sylkrtc\":\"videoroom-leave\",\"transaction\":\"t\",\"session\":\"pub1\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_VIDEOROOM_LEAVE);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-feed-attach\",\"transaction\":\"t\",\"session\":\"pub1\","
		"\"publisher\":\"pub2\",\"feed\":\"f1\"}");
	if (r) {
		CHECK_STR(r->publisher, "pub2");
		CHECK_STR(r->feed, "f1");
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-feed-answer\",\"transaction\":\"t\",\"session\":\"pub1\","
		"\"feed\":\"f1\",\"sdp\":\"v=0\"}");
	if (r) {
		CHECK_STR(r->sdp, "v=0");
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-feed-detach\",\"transaction\":\"t\",\"session\":\"pub1\",\"feed\":\"f1\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_VIDEOROOM_FEED_DETACH);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-session-trickle\",\"transaction\":\"t\",\"session\":\"f1\","
		"\"candidates\":[{\"candidate\":\"a\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0},"
		"{\"candidate\":\"b\",\"sdpMid\":\"1\",\"sdpMLineIndex\":1}]}");
	if (r) {
		CHECK_INT(r->candidate_count, 2);
		if (r->candidate_count == 2) {
			CHECK_STR(r->candidates[1].candidate, "b");
			CHECK_STR(r->candidates[1].sdp_mid, "1");
			CHECK_INT(r->candidates[1].sdp_mline_index, 1);
		}
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-session-update\",\"transaction\":\"t\",\"session\":\"pub1\","
		"\"options\":{\"video\":false,\"bitrate\":300000}}");
	if (r) {
		CHECK(!r->options.has_audio);
		CHECK(r->options.has_video);
		CHECK(!r->options.video);
		CHECK(r->options.has_bitrate);
		CHECK_INT(r->options.bitrate, 300000);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-configure\",\"transaction\":\"t\",\"session\":\"pub1\","
		"\"active_participants\":[\"pub2\",\"pub3\",\"pub2\"]}");
	if (r) {
		CHECK_INT(r->active_participant_count, 2);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-configure\",\"transaction\":\"t\",\"session\":\"pub1\","
		"\"active_participants\":[]}");
	if (r) {
		CHECK_INT(r->active_participant_count, 0);
		sylkrtc_request_free(r);
	}
	r = dec_ok(V2,
		   "{\"sylkrtc\":\"videoroom-invite\",\"transaction\":\"t\",\"session\":\"pub1\","
		   "\"participants\":[\"sip:b@x.org\",\"b@x.org\",\"c@x.org\"]}");
	if (r) {
		/* duplicates are found after normalisation */
		CHECK_INT(r->participant_count, 2);
		if (r->participant_count == 2) {
			CHECK_STR(r->participants[0], "b@x.org");
			CHECK_STR(r->participants[1], "c@x.org");
		}
		sylkrtc_request_free(r);
	}
	r = dec_ok(V2,
		   "{\"sylkrtc\":\"videoroom-message\",\"transaction\":\"t\",\"session\":\"pub1\","
		   "\"message_id\":\"m\",\"content\":\"hello\",\"content_type\":\"text/html\"}");
	if (r) {
		CHECK_STR(r->content, "hello");
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-composing-indication\",\"transaction\":\"t\",\"session\":\"pub1\","
		"\"state\":\"active\",\"refresh\":60}");
	if (r) {
		CHECK_INT(r->composing, SYLKRTC_COMPOSING_ACTIVE);
		CHECK(r->has_refresh);
		CHECK_INT(r->refresh, 60);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-composing-indication\",\"transaction\":\"t\",\"session\":\"pub1\","
		"\"state\":\"idle\"}");
	if (r) {
		CHECK_INT(r->composing, SYLKRTC_COMPOSING_IDLE);
		CHECK(!r->has_refresh);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-mute-audio-participants\",\"transaction\":\"t\",\"session\":\"pub1\"}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_VIDEOROOM_MUTE_AUDIO_PARTICIPANTS);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-toggle-hand\",\"transaction\":\"t\",\"session\":\"pub1\"}");
	if (r) {
		CHECK(r->session_id == NULL);
		sylkrtc_request_free(r);
	}
	r = dec_ok(
		V2,
		"{\"sylkrtc\":\"videoroom-toggle-hand\",\"transaction\":\"t\",\"session\":\"pub1\",\"session_id\":\"pub2\"}");
	if (r) {
		CHECK_STR(r->session_id, "pub2");
		sylkrtc_request_free(r);
	}
	/* the Sylk mobile app's moderation */
	r = dec_ok(V2,
		   "{\"sylkrtc\":\"videoroom-remove\",\"transaction\":\"t\",\"session\":\"pub1\","
		   "\"participants\":[\"sip:bob@x.org\",\"carol@x.org\"]}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_VIDEOROOM_REMOVE);
		CHECK_INT((long)r->participant_count, 2L);
		if (r->participant_count == 2) {
			CHECK_STR(r->participants[0], "bob@x.org");
			CHECK_STR(r->participants[1], "carol@x.org");
		}
		sylkrtc_request_free(r);
	}
	r = dec_ok(V2, "{\"sylkrtc\":\"videoroom-mute-participant\",\"transaction\":\"t\","
		       "\"session\":\"pub1\",\"participant_id\":\"pub2\",\"muted\":false}");
	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_VIDEOROOM_MUTE_PARTICIPANT);
		CHECK_STR(r->participant_id, "pub2");
		CHECK(!r->muted);
		sylkrtc_request_free(r);
	}
	{
		struct sylkrtc_error err;

		CHECK_INT(dec_bad(V2,
				  "{\"sylkrtc\":\"videoroom-mute-participant\",\"transaction\":"
				  "\"t\",\"session\":\"pub1\",\"participant_id\":\"pub2\"}",
				  &err),
			  SYLKRTC_ERR_MISSING);
		CHECK(strstr(err.text, "'muted'") != NULL);
		CHECK_INT(dec_bad(V2,
				  "{\"sylkrtc\":\"videoroom-remove\",\"transaction\":\"t\","
				  "\"session\":\"pub1\",\"participants\":\"b@x.org\"}",
				  &err),
			  SYLKRTC_ERR_WRONG_TYPE);
	}
}

/* ---- leniency that is deliberate ------------------------------------------------ */

static void test_extra_fields_ignored(void)
{
	struct sylkrtc_request *r = dec_ok(
		V2,
		"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"a@x.org\","
		"\"future\":{\"deep\":[1,2,{\"x\":null}]},\"n\":1.5,\"b\":false}");

	if (r) {
		CHECK_INT(r->type, SYLKRTC_REQ_ACCOUNT_REGISTER);
		sylkrtc_request_free(r);
	}
}

static void test_null_optional_is_absent(void)
{
	struct sylkrtc_request *r = dec_ok(
		V2, "{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\","
		    "\"password\":\"p\",\"display_name\":null,\"user_agent\":null,"
		    "\"incoming_header_prefixes\":null}");

	if (r) {
		CHECK(r->display_name == NULL);
		CHECK(r->user_agent == NULL);
		CHECK_INT(r->header_prefix_count, 0);
		sylkrtc_request_free(r);
	}
}

static void test_whitespace_and_not_terminated(void)
{
	/* the buffer need not end in NUL: only len bytes are read */
	const char *buf = "  {\"sylkrtc\":\"ping\",\"transaction\":\"t\"}\r\n  XYZ";
	size_t len = strlen(buf) - 3;
	struct sylkrtc_request *r = NULL;
	struct sylkrtc_error err;

	CHECK_INT(sylkrtc_request_decode(&r, &err, V2, buf, len), 0);
	CHECK(r != NULL);
	sylkrtc_request_free(r);
}

static void test_free_null(void)
{
	sylkrtc_request_free(NULL);
	CHECK(1);
}

/* ---- envelope errors ----------------------------------------------------------- */

static void test_err_duplicate_key(void)
{
	struct sylkrtc_error err;

	CHECK_INT(dec_bad(V2,
			  "{\"sylkrtc\":\"session-terminate\",\"transaction\":\"t1\","
			  "\"session\":\"a\",\"session\":\"b\"}",
			  &err),
		  SYLKRTC_ERR_JSON);
	CHECK(strstr(err.text, "duplicate key 'session'") != NULL);
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "t1");
	/* two transactions: neither is echoed */
	CHECK_INT(dec_bad(V2,
			  "{\"sylkrtc\":\"ping\",\"transaction\":\"t1\","
			  "\"transaction\":\"t2\"}",
			  &err),
		  SYLKRTC_ERR_JSON);
	CHECK(!err.has_transaction);
}

static void test_err_unparsable(void)
{
	struct sylkrtc_error err;

	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ping\",", &err), SYLKRTC_ERR_JSON);
	CHECK(strncmp(err.text, "Invalid JSON", 12) == 0);
	CHECK(!err.has_transaction);

	CHECK_INT(dec_bad(V2, "not json", &err), SYLKRTC_ERR_JSON);
	CHECK_INT(dec_bad(V2, "", &err), SYLKRTC_ERR_JSON);
	CHECK_STR(err.text, "Invalid JSON: empty message");
	CHECK_INT(dec_bad(V2, "   ", &err), SYLKRTC_ERR_JSON);
	CHECK_INT(dec_bad(V2, "{\"a\":1} {\"b\":2}", &err), SYLKRTC_ERR_JSON);
	CHECK_INT(dec_bad(V2, "{\"a\":1,}", &err), SYLKRTC_ERR_JSON);
	CHECK_INT(dec_bad(V2, "{\"a\":01}", &err), SYLKRTC_ERR_JSON);
	CHECK_INT(dec_bad_len(V2, "{\"sylkrtc\":\"ping\",\"transaction\":\"t\"}\0", 38, &err),
		  SYLKRTC_ERR_JSON);
	CHECK_STR(err.text, "Invalid JSON: contains a NUL byte");
	/* a NUL byte inside: the gateway must not act on a prefix */
	CHECK_INT(dec_bad_len(V2, "{\"sylkrtc\":\"ping\"\0,\"transaction\":\"t\"}", 37, &err),
		  SYLKRTC_ERR_JSON);
}

static void test_err_not_utf8(void)
{
	struct sylkrtc_error err;

	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ping\",\"transaction\":\"t\",\"x\":\"\xff\"}", &err),
		  SYLKRTC_ERR_JSON);
	CHECK_STR(err.text, "Invalid JSON: not valid UTF-8");
	/* UTF-8-encoded surrogate, which json-c alone would accept */
	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ping\",\"transaction\":\"t\",\"x\":\"\xed\xa0\x80\"}",
			  &err),
		  SYLKRTC_ERR_JSON);
	/* the transaction is still found by the scan */
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "t");
}

static void test_err_not_object(void)
{
	static const char *const docs[] = {
		"[]", "[{\"transaction\":\"t\"}]", "\"ping\"", "42", "true", "null"};
	struct sylkrtc_error err;

	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		CHECK_INT(dec_bad(V2, docs[i], &err), SYLKRTC_ERR_NOT_OBJECT);
		CHECK_STR(err.text, "Message is not a JSON object");
		CHECK(!err.has_transaction);
	}
}

static void test_err_no_type(void)
{
	struct sylkrtc_error err;

	CHECK_INT(dec_bad(V2, "{\"transaction\":\"abc\",\"account\":\"a@x.org\"}", &err),
		  SYLKRTC_ERR_NO_TYPE);
	CHECK_STR(err.text, "Missing message type ('sylkrtc')");
	CHECK_STR(err.field, "sylkrtc");
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "abc");
	CHECK_INT(err.type, SYLKRTC_REQ_NONE);

	CHECK_INT(dec_bad(V1, "{}", &err), SYLKRTC_ERR_NO_TYPE);
	CHECK(!err.has_transaction);

	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":5,\"transaction\":\"abc\"}", &err),
		  SYLKRTC_ERR_WRONG_TYPE);
	CHECK_STR(err.text, "Invalid value for 'sylkrtc': expected a string");
	CHECK_STR(err.transaction, "abc");
	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":null,\"transaction\":\"abc\"}", &err),
		  SYLKRTC_ERR_WRONG_TYPE);
}

static void test_err_unknown_type(void)
{
	struct sylkrtc_error err;

	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"account-frobnicate\",\"transaction\":\"t9\"}", &err),
		  SYLKRTC_ERR_UNKNOWN_TYPE);
	CHECK_STR(err.text, "Unknown request type: \"account-frobnicate\"");
	CHECK_STR(err.transaction, "t9");

	/* server-to-client names are not requests */
	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ack\",\"transaction\":\"t9\"}", &err),
		  SYLKRTC_ERR_UNKNOWN_TYPE);
	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ACCOUNT-ADD\",\"transaction\":\"t9\"}", &err),
		  SYLKRTC_ERR_UNKNOWN_TYPE);
	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ping\\u0000x\",\"transaction\":\"t9\"}", &err),
		  SYLKRTC_ERR_UNKNOWN_TYPE);
	CHECK_STR(err.text, "Unknown request type: \"ping?x\"");

	/* a long hostile name is quoted short, cut on a character boundary */
	char buf[600];
	strcpy(buf, "{\"transaction\":\"t\",\"sylkrtc\":\"");
	for (int i = 0; i < 100; i++)
		strcat(buf, "\xc3\xa9");
	strcat(buf, "\"}");
	CHECK_INT(dec_bad(V2, buf, &err), SYLKRTC_ERR_UNKNOWN_TYPE);
	CHECK(strlen(err.text) < 120);
	CHECK(strstr(err.text, "...\"") != NULL);
}

static void test_err_version(void)
{
	static const char *const v2_only[] = {
		"account-devicetoken",
		"account-message",
		"account-disposition-notification",
		"account-sync-conversations",
		"account-mark-conversation-read",
		"account-remove-message",
		"account-remove-conversation",
		"account-fetch-addressbook",
		"account-update-addressbook",
		"session-update",
		"session-message",
		"session-dtmf-info",
		"videoroom-join",
		"videoroom-leave",
		"videoroom-feed-attach",
		"videoroom-feed-answer",
		"videoroom-feed-detach",
		"videoroom-session-trickle",
		"videoroom-session-update",
		"videoroom-configure",
		"videoroom-invite",
		"videoroom-message",
		"videoroom-composing-indication",
		"videoroom-mute-audio-participants",
		"videoroom-toggle-hand",
		"videoroom-remove",
		"videoroom-mute-participant",
	};
	struct sylkrtc_error err;
	char buf[200];

	for (size_t i = 0; i < sizeof(v2_only) / sizeof(v2_only[0]); i++) {
		snprintf(buf, sizeof(buf), "{\"sylkrtc\":\"%s\",\"transaction\":\"tv\"}",
			 v2_only[i]);
		CHECK_INT(dec_bad(V1, buf, &err), SYLKRTC_ERR_UNSUPPORTED);
		CHECK_STR(err.transaction, "tv");
		CHECK_INT(err.type, sylkrtc_req_type_from_name(v2_only[i]));
		CHECK_INT(sylkrtc_req_type_min_version(err.type), V2);
		/* and in v2 the same message fails for a missing field instead */
		CHECK(dec_bad(V2, buf, &err) != SYLKRTC_ERR_UNSUPPORTED);
	}
	CHECK_INT(dec_bad(V1, "{\"sylkrtc\":\"session-update\",\"transaction\":\"tv\"}", &err),
		  SYLKRTC_ERR_UNSUPPORTED);
	CHECK_STR(err.text, "Request session-update is not available in sylkRTC-1");
}

static void test_err_transaction(void)
{
	struct sylkrtc_error err;
	char buf[400];

	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ping\"}", &err), SYLKRTC_ERR_MISSING);
	CHECK_STR(err.text, "Missing mandatory field 'transaction'");
	CHECK_STR(err.field, "transaction");
	CHECK_INT(err.type, SYLKRTC_REQ_PING);
	CHECK(!err.has_transaction);

	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ping\",\"transaction\":7}", &err),
		  SYLKRTC_ERR_WRONG_TYPE);
	CHECK_STR(err.text, "Invalid value for 'transaction': expected a string");
	CHECK(!err.has_transaction);

	/* an empty transaction is refused but still echoed */
	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ping\",\"transaction\":\"\"}", &err),
		  SYLKRTC_ERR_BAD_VALUE);
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "");

	CHECK_INT(dec_bad(V2, "{\"sylkrtc\":\"ping\",\"transaction\":\"a\\nb\"}", &err),
		  SYLKRTC_ERR_BAD_VALUE);
	CHECK_STR(err.transaction, "a\nb");

	/* too long to echo */
	strcpy(buf, "{\"sylkrtc\":\"ping\",\"transaction\":\"");
	memset(buf + strlen(buf), 'x', 256);
	strcpy(buf + 33 + 256, "\"}");
	CHECK_INT(dec_bad(V2, buf, &err), SYLKRTC_ERR_BAD_VALUE);
	CHECK(!err.has_transaction);
	CHECK_STR(err.text, "Invalid value for 'transaction': longer than 255 bytes");

	/* exactly at the limit is fine */
	strcpy(buf, "{\"sylkrtc\":\"ping\",\"transaction\":\"");
	memset(buf + strlen(buf), 'x', 255);
	strcpy(buf + 33 + 255, "\"}");
	struct sylkrtc_request *r = dec_ok(V2, buf);
	if (r)
		CHECK_INT(strlen(r->transaction), 255);
	sylkrtc_request_free(r);
}

static void test_transaction_scan(void)
{
	struct sylkrtc_error err;

	/* truncated message: the transaction before the damage is recovered */
	CHECK_INT(dec_bad(V2,
			  "{\"sylkrtc\":\"session-create\",\"transaction\":\"t-42\",\"sdp\":\"v=0",
			  &err),
		  SYLKRTC_ERR_JSON);
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "t-42");

	/* values of every kind are skipped on the way */
	CHECK_INT(dec_bad(V2,
			  "{\"a\":{\"transaction\":\"inner\",\"b\":[1,{\"c\":\"}\"}]},\"n\":-1.5e3,"
			  "\"t\":true,\"s\":\"x\\\"y\",\"transaction\":\"outer\",\"bad\":}",
			  &err),
		  SYLKRTC_ERR_JSON);
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "outer");

	/* damage inside a nested value does not hide the top-level structure */
	CHECK_INT(dec_bad(V2, "{\"a\":[1,,2],\"transaction\":\"t\"}", &err), SYLKRTC_ERR_JSON);
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "t");
	/* damage at the top level before the transaction: nothing after it is trusted */
	CHECK_INT(dec_bad(V2, "{\"a\" 1,\"transaction\":\"t\"}", &err), SYLKRTC_ERR_JSON);
	CHECK(!err.has_transaction);

	/* a "transaction" inside a string value is not a key */
	CHECK_INT(dec_bad(V2, "{\"x\":\"\\\"transaction\\\":\\\"no\\\"\",", &err),
		  SYLKRTC_ERR_JSON);
	CHECK(!err.has_transaction);

	/* escaped values are not decoded by the scan: better none than wrong */
	CHECK_INT(dec_bad(V2, "{\"transaction\":\"a\\u0041\",", &err), SYLKRTC_ERR_JSON);
	CHECK(!err.has_transaction);
	CHECK_INT(dec_bad(V2, "{\"transaction\":12,", &err), SYLKRTC_ERR_JSON);
	CHECK(!err.has_transaction);
	CHECK_INT(dec_bad(V2, "[\"transaction\",\"t\"", &err), SYLKRTC_ERR_JSON);
	CHECK(!err.has_transaction);
	CHECK_INT(dec_bad(V2, "{\"transaction\":\"unterminated", &err), SYLKRTC_ERR_JSON);
	CHECK(!err.has_transaction);
}

static void test_err_limits(void)
{
	struct sylkrtc_error err;
	size_t big = SYLKRTC_REQUEST_MAX_SIZE + 1;
	char *buf = malloc(big + 1);
	char deep[200];

	if (!buf)
		return;
	/* over the size limit: refused without parsing, transaction still read */
	strcpy(buf, "{\"transaction\":\"tb\",\"sylkrtc\":\"session-create\",\"sdp\":\"");
	memset(buf + strlen(buf), 'v', big - strlen(buf) - 2);
	strcpy(buf + big - 2, "\"}");
	CHECK_INT(strlen(buf), big);
	CHECK_INT(dec_bad(V2, buf, &err), SYLKRTC_ERR_TOO_BIG);
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "tb");
	CHECK(strstr(err.text, "too large") != NULL);

	/* exactly at the limit is parsed */
	buf[big - 3] = '"';
	buf[big - 2] = '}';
	buf[big - 1] = '\0';
	CHECK_INT(dec_bad(V2, buf, &err), SYLKRTC_ERR_MISSING);
	CHECK_STR(err.field, "session");
	free(buf);

	/* nesting limit */
	strcpy(deep, "{\"sylkrtc\":\"ping\",\"transaction\":\"td\",\"x\":");
	for (int i = 0; i < SYLKRTC_REQUEST_MAX_DEPTH; i++)
		strcat(deep, "[");
	for (int i = 0; i < SYLKRTC_REQUEST_MAX_DEPTH; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	CHECK_INT(dec_bad(V2, deep, &err), SYLKRTC_ERR_JSON);
	CHECK_STR(err.text, "Invalid JSON: nesting too deep");
	CHECK(err.has_transaction);
	CHECK_STR(err.transaction, "td");

	/* one level less is fine */
	strcpy(deep, "{\"sylkrtc\":\"ping\",\"transaction\":\"td\",\"x\":");
	for (int i = 0; i < SYLKRTC_REQUEST_MAX_DEPTH - 2; i++)
		strcat(deep, "[");
	for (int i = 0; i < SYLKRTC_REQUEST_MAX_DEPTH - 2; i++)
		strcat(deep, "]");
	strcat(deep, "}");
	struct sylkrtc_request *r = dec_ok(V2, deep);
	sylkrtc_request_free(r);
}

/* ---- field errors ------------------------------------------------------------- */

static void test_err_missing(void)
{
	static const struct {
		const char *json;
		const char *field;
	} cases[] = {
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"password\":\"p\"}",
		 "account"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\"}",
		 "password"},
		{"{\"sylkrtc\":\"account-remove\",\"transaction\":\"t\"}", "account"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"v\"}",
		 "session"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"uri\":\"b@x.org\",\"sdp\":\"v\"}",
		 "account"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"sdp\":\"v\"}",
		 "uri"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\"}",
		 "sdp"},
		{"{\"sylkrtc\":\"session-answer\",\"transaction\":\"t\",\"session\":\"s\"}", "sdp"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\"}",
		 "candidates"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"sdpMid\":\"0\",\"sdpMLineIndex\":0}]}",
		 "candidates[0].candidate"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"candidate\":\"c\",\"sdpMLineIndex\":0}]}",
		 "candidates[0].sdpMid"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"candidate\":\"c\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0},{\"candidate\":\"c\",\"sdpMid\":\"0\"}]}",
		 "candidates[1].sdpMLineIndex"},
		{"{\"sylkrtc\":\"session-terminate\",\"transaction\":\"t\"}", "session"},
		{"{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\"}",
		 "digit"},
		{"{\"sylkrtc\":\"session-message\",\"transaction\":\"t\",\"session\":\"s\",\"message_id\":\"m\",\"content\":\"c\",\"content_type\":\"text/plain\"}",
		 "timestamp"},
		{"{\"sylkrtc\":\"account-devicetoken\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"token\":\"x\",\"platform\":\"p\",\"device\":\"d\"}",
		 "app"},
		{"{\"sylkrtc\":\"account-update-addressbook\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"action\":\"add\",\"type\":\"contact\"}",
		 "data"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"v\",\"headers\":[{\"name\":\"X-A\"}]}",
		 "headers[0].value"},
		{"{\"sylkrtc\":\"videoroom-session-update\",\"transaction\":\"t\",\"session\":\"s\"}",
		 "options"},
		{"{\"sylkrtc\":\"videoroom-configure\",\"transaction\":\"t\",\"session\":\"s\"}",
		 "active_participants"},
		{"{\"sylkrtc\":\"videoroom-invite\",\"transaction\":\"t\",\"session\":\"s\"}",
		 "participants"},
		{"{\"sylkrtc\":\"videoroom-feed-attach\",\"transaction\":\"t\",\"session\":\"s\",\"feed\":\"f\"}",
		 "publisher"},
		{"{\"sylkrtc\":\"videoroom-composing-indication\",\"transaction\":\"t\",\"session\":\"s\"}",
		 "state"},
	};
	struct sylkrtc_error err;
	char want[128];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(dec_bad(V2, cases[i].json, &err), SYLKRTC_ERR_MISSING);
		CHECK_STR(err.field, cases[i].field);
		snprintf(want, sizeof(want), "Missing mandatory field '%s'", cases[i].field);
		CHECK_STR(err.text, want);
		CHECK(err.has_transaction);
		CHECK_STR(err.transaction, "t");
		CHECK(err.type != SYLKRTC_REQ_NONE);
	}
}

static void test_err_wrong_type(void)
{
	static const struct {
		const char *json;
		const char *field;
		const char *text;
	} cases[] = {
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":[\"a@x.org\"],\"password\":\"p\"}",
		 "account", "Invalid value for 'account': expected a string"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":null}",
		 "password", "Invalid value for 'password': expected a string, got null"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\",\"display_name\":5}",
		 "display_name", "Invalid value for 'display_name': expected a string"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\",\"incoming_header_prefixes\":\"X-\"}",
		 "incoming_header_prefixes",
		 "Invalid value for 'incoming_header_prefixes': expected a list"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\",\"incoming_header_prefixes\":[\"X-\",1]}",
		 "incoming_header_prefixes[1]",
		 "Invalid value for 'incoming_header_prefixes[1]': expected a string"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":{}}",
		 "candidates", "Invalid value for 'candidates': expected a list"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[\"candidate:1\"]}",
		 "candidates[0]", "Invalid value for 'candidates[0]': expected an object"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"candidate\":\"c\",\"sdpMid\":\"0\",\"sdpMLineIndex\":\"0\"}]}",
		 "candidates[0].sdpMLineIndex",
		 "Invalid value for 'candidates[0].sdpMLineIndex': expected an integer"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"candidate\":\"c\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0.5}]}",
		 "candidates[0].sdpMLineIndex",
		 "Invalid value for 'candidates[0].sdpMLineIndex': expected an integer"},
		{"{\"sylkrtc\":\"session-terminate\",\"transaction\":\"t\",\"session\":42}",
		 "session", "Invalid value for 'session': expected a string"},
		{"{\"sylkrtc\":\"account-devicetoken\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"token\":\"x\",\"platform\":\"p\",\"device\":\"d\",\"app\":\"a\",\"silent\":\"yes\"}",
		 "silent", "Invalid value for 'silent': expected a boolean"},
		{"{\"sylkrtc\":\"videoroom-join\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"r@x.org\",\"sdp\":\"v\",\"video\":1}",
		 "video", "Invalid value for 'video': expected a boolean"},
		{"{\"sylkrtc\":\"videoroom-session-update\",\"transaction\":\"t\",\"session\":\"s\",\"options\":[]}",
		 "options", "Invalid value for 'options': expected an object"},
		{"{\"sylkrtc\":\"videoroom-session-update\",\"transaction\":\"t\",\"session\":\"s\",\"options\":{\"audio\":\"on\"}}",
		 "options.audio", "Invalid value for 'options.audio': expected a boolean"},
		{"{\"sylkrtc\":\"videoroom-session-update\",\"transaction\":\"t\",\"session\":\"s\",\"options\":{\"bitrate\":\"1M\"}}",
		 "options.bitrate", "Invalid value for 'options.bitrate': expected an integer"},
		{"{\"sylkrtc\":\"account-update-addressbook\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"action\":\"add\",\"type\":\"contact\",\"data\":\"x\"}",
		 "data", "Invalid value for 'data': expected an object"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"v\",\"headers\":[[]]}",
		 "headers[0]", "Invalid value for 'headers[0]': expected an object"},
		{"{\"sylkrtc\":\"account-sync-conversations\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"limit\":\"10\"}",
		 "limit", "Invalid value for 'limit': expected an integer"},
		{"{\"sylkrtc\":\"videoroom-composing-indication\",\"transaction\":\"t\",\"session\":\"s\",\"state\":true}",
		 "state", "Invalid value for 'state': expected a string"},
	};
	struct sylkrtc_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(dec_bad(V2, cases[i].json, &err), SYLKRTC_ERR_WRONG_TYPE);
		CHECK_STR(err.field, cases[i].field);
		CHECK_STR(err.text, cases[i].text);
		CHECK_STR(err.transaction, "t");
	}
}

static void test_err_bad_enum(void)
{
	struct sylkrtc_error err;

	CHECK_INT(dec_bad(V2,
			  "{\"sylkrtc\":\"videoroom-composing-indication\",\"transaction\":\"t\","
			  "\"session\":\"s\",\"state\":\"typing\"}",
			  &err),
		  SYLKRTC_ERR_BAD_VALUE);
	CHECK_STR(err.text, "Invalid value for 'state' (\"typing\"): must be one of active, idle");
	CHECK_STR(err.field, "state");

	CHECK_INT(dec_bad(V2,
			  "{\"sylkrtc\":\"account-disposition-notification\",\"transaction\":\"t\","
			  "\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"message_id\":\"m\","
			  "\"state\":\"read\",\"timestamp\":\"x\"}",
			  &err),
		  SYLKRTC_ERR_BAD_VALUE);
	CHECK_STR(err.text, "Invalid value for 'state' (\"read\"): must be one of delivered, "
			    "failed, displayed, forbidden, error");

	CHECK_INT(
		dec_bad(V2,
			"{\"sylkrtc\":\"account-update-addressbook\",\"transaction\":\"t\","
			"\"account\":\"a@x.org\",\"action\":\"replace\",\"type\":\"contact\",\"data\":{}}",
			&err),
		SYLKRTC_ERR_BAD_VALUE);
	CHECK_STR(err.field, "action");
	CHECK_INT(
		dec_bad(V2,
			"{\"sylkrtc\":\"account-update-addressbook\",\"transaction\":\"t\","
			"\"account\":\"a@x.org\",\"action\":\"add\",\"type\":\"buddy\",\"data\":{}}",
			&err),
		SYLKRTC_ERR_BAD_VALUE);
	CHECK_STR(err.field, "type");
	/* enum values are case-sensitive */
	CHECK_INT(dec_bad(V2,
			  "{\"sylkrtc\":\"videoroom-composing-indication\",\"transaction\":\"t\","
			  "\"session\":\"s\",\"state\":\"Active\"}",
			  &err),
		  SYLKRTC_ERR_BAD_VALUE);
}

static void test_err_reserved_header(void)
{
	struct sylkrtc_error err;

	CHECK_INT(
		dec_bad(V2,
			"{\"sylkrtc\":\"session-answer\",\"transaction\":\"t\",\"session\":\"s\","
			"\"sdp\":\"v\",\"headers\":[{\"name\":\"Proxy-Authorization\",\"value\":\"x\"}]}",
			&err),
		SYLKRTC_ERR_BAD_VALUE);
	CHECK_STR(err.text,
		  "Invalid value for 'headers[0].name': Proxy-Authorization is set by the server");
}

static void test_err_bad_aor(void)
{
	static const struct {
		const char *json;
		const char *field;
		const char *text;
	} cases[] = {
		{"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"alice\"}",
		 "account",
		 "Invalid SIP address for 'account' (\"alice\"): address is not user@domain"},
		{"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"\"}",
		 "account", "Invalid SIP address for 'account' (\"\"): empty address"},
		{"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"sip:\"}",
		 "account", "Invalid SIP address for 'account' (\"sip:\"): empty address"},
		{"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"@x.org\"}",
		 "account", "Invalid SIP address for 'account' (\"@x.org\"): empty user part"},
		{"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"a@\"}",
		 "account", "Invalid SIP address for 'account' (\"a@\"): empty domain part"},
		{"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"a b@x.org\"}",
		 "account",
		 "Invalid SIP address for 'account' (\"a b@x.org\"): whitespace or control character in address"},
		{"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"a@x.org\\r\\nVia: evil\"}",
		 "account",
		 "Invalid SIP address for 'account' (\"a@x.org??Via: evil\"): whitespace or control character in address"},
		{"{\"sylkrtc\":\"account-register\",\"transaction\":\"t\",\"account\":\"a\\u0000@x.org\"}",
		 "account",
		 "Invalid SIP address for 'account' (\"a?@x.org\"): whitespace or control character in address"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"bob@-x\",\"sdp\":\"v\"}",
		 "uri", "Invalid SIP address for 'uri' (\"bob@-x\"): invalid domain"},
		{"{\"sylkrtc\":\"videoroom-invite\",\"transaction\":\"t\",\"session\":\"s\",\"participants\":[\"b@x.org\",\"<c@x.org>\"]}",
		 "participants[1]",
		 "Invalid SIP address for 'participants[1]' (\"<c@x.org>\"): invalid character in user part"},
		{"{\"sylkrtc\":\"account-remove-conversation\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"contact\":\"c@x.org:99999\"}",
		 "contact", "Invalid SIP address for 'contact' (\"c@x.org:99999\"): invalid port"},
	};
	struct sylkrtc_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(dec_bad(V2, cases[i].json, &err), SYLKRTC_ERR_BAD_AOR);
		CHECK_STR(err.field, cases[i].field);
		CHECK_STR(err.text, cases[i].text);
		CHECK_STR(err.transaction, "t");
	}
}

static void test_err_bad_value(void)
{
	static const struct {
		const char *json;
		const char *field;
	} cases[] = {
		/* HA1 length 1..9999 */
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"\"}",
		 "password"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\\r\\n\"}",
		 "password"},
		/* single-line fields that reach SIP headers */
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\",\"display_name\":\"A\\r\\nContact: x\"}",
		 "display_name"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\",\"user_agent\":\"UA\\u0000x\"}",
		 "user_agent"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\",\"incoming_header_prefixes\":[\"\"]}",
		 "incoming_header_prefixes[0]"},
		{"{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\",\"incoming_header_prefixes\":[\"X Y\"]}",
		 "incoming_header_prefixes[0]"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"v\",\"headers\":[{\"name\":\"X-A\",\"value\":\"1\\r\\nVia: x\"}]}",
		 "headers[0].value"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"v\",\"headers\":[{\"name\":\"X A\",\"value\":\"1\"}]}",
		 "headers[0].name"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"v\",\"headers\":[{\"name\":\"X-A:\",\"value\":\"1\"}]}",
		 "headers[0].name"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"v\",\"headers\":[{\"name\":\"X-A\",\"value\":\"1\"},{\"name\":\"via\",\"value\":\"SIP/2.0/UDP evil\"}]}",
		 "headers[1].name"},
		{"{\"sylkrtc\":\"session-answer\",\"transaction\":\"t\",\"session\":\"s\",\"sdp\":\"v\",\"headers\":[{\"name\":\"Content-Length\",\"value\":\"0\"}]}",
		 "headers[0].name"},
		{"{\"sylkrtc\":\"session-update\",\"transaction\":\"t\",\"session\":\"s\",\"sdp\":\"v\",\"headers\":[{\"name\":\"i\",\"value\":\"callid\"}]}",
		 "headers[0].name"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"s\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"\"}",
		 "sdp"},
		{"{\"sylkrtc\":\"session-create\",\"transaction\":\"t\",\"session\":\"\",\"account\":\"a@x.org\",\"uri\":\"b@x.org\",\"sdp\":\"v\"}",
		 "session"},
		{"{\"sylkrtc\":\"session-terminate\",\"transaction\":\"t\",\"session\":\"s\\ns\"}",
		 "session"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"candidate\":\"c\",\"sdpMid\":\"0\",\"sdpMLineIndex\":-1}]}",
		 "candidates[0].sdpMLineIndex"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"candidate\":\"c\",\"sdpMid\":\"0\",\"sdpMLineIndex\":65536}]}",
		 "candidates[0].sdpMLineIndex"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"candidate\":\"c\",\"sdpMid\":\"0\",\"sdpMLineIndex\":99999999999999999999999}]}",
		 "candidates[0].sdpMLineIndex"},
		{"{\"sylkrtc\":\"session-trickle\",\"transaction\":\"t\",\"session\":\"s\",\"candidates\":[{\"candidate\":\"c\\r\\n\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}]}",
		 "candidates[0].candidate"},
		{"{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\",\"digit\":\"12x\"}",
		 "digit"},
		{"{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\",\"digit\":\"123456789012345678901234567890123\"}",
		 "digit"},
		{"{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\",\"digit\":\"E\"}",
		 "digit"},
		{"{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\",\"digit\":\"\"}",
		 "digit"},
		{"{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\",\"digit\":\"1\",\"duration\":0}",
		 "duration"},
		{"{\"sylkrtc\":\"session-dtmf-info\",\"transaction\":\"t\",\"session\":\"s\",\"digit\":\"1\",\"duration\":60001}",
		 "duration"},
		{"{\"sylkrtc\":\"session-message\",\"transaction\":\"t\",\"session\":\"s\",\"message_id\":\"m\",\"content\":\"c\",\"content_type\":\"text\",\"timestamp\":\"x\"}",
		 "content_type"},
		{"{\"sylkrtc\":\"session-message\",\"transaction\":\"t\",\"session\":\"s\",\"message_id\":\"m\",\"content\":\"c\",\"content_type\":\"text/\",\"timestamp\":\"x\"}",
		 "content_type"},
		{"{\"sylkrtc\":\"session-message\",\"transaction\":\"t\",\"session\":\"s\",\"message_id\":\"m\",\"content\":\"c\",\"content_type\":\"text/plain\\r\\nX: y\",\"timestamp\":\"x\"}",
		 "content_type"},
		{"{\"sylkrtc\":\"session-message\",\"transaction\":\"t\",\"session\":\"s\",\"message_id\":\"m\",\"content\":\"a\\u0000b\",\"content_type\":\"text/plain\",\"timestamp\":\"x\"}",
		 "content"},
		{"{\"sylkrtc\":\"account-sync-conversations\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"limit\":-1}",
		 "limit"},
		{"{\"sylkrtc\":\"videoroom-session-update\",\"transaction\":\"t\",\"session\":\"s\",\"options\":{\"bitrate\":-5}}",
		 "options.bitrate"},
		{"{\"sylkrtc\":\"videoroom-configure\",\"transaction\":\"t\",\"session\":\"s\",\"active_participants\":[\"a\",\"b\",\"c\"]}",
		 "active_participants"},
		{"{\"sylkrtc\":\"videoroom-configure\",\"transaction\":\"t\",\"session\":\"s\",\"active_participants\":[\"\"]}",
		 "active_participants[0]"},
		{"{\"sylkrtc\":\"account-devicetoken\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"token\":\"\",\"platform\":\"p\",\"device\":\"d\",\"app\":\"a\"}",
		 "token"},
	};
	struct sylkrtc_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(dec_bad(V2, cases[i].json, &err), SYLKRTC_ERR_BAD_VALUE);
		CHECK_STR(err.field, cases[i].field);
		CHECK(strncmp(err.text, "Invalid value for '", 19) == 0);
		CHECK_STR(err.transaction, "t");
	}
}

static void test_err_length_limits(void)
{
	struct sylkrtc_error err;
	size_t n = 10020;
	char *buf = malloc(n + 200);
	char *p;

	if (!buf)
		return;
	/* password: 9999 is accepted, 10000 is not */
	for (int len = 9999; len <= 10000; len++) {
		p = buf +
		    sprintf(buf,
			    "{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"");
		memset(p, 'f', (size_t)len);
		strcpy(p + len, "\"}");
		if (len == 9999) {
			struct sylkrtc_request *r = dec_ok(V2, buf);
			if (r)
				CHECK_INT(strlen(r->password), 9999);
			sylkrtc_request_free(r);
		} else {
			CHECK_INT(dec_bad(V2, buf, &err), SYLKRTC_ERR_BAD_VALUE);
			CHECK_STR(err.text,
				  "Invalid value for 'password': length must be 1 to 9999");
		}
	}
	/* single-line fields */
	p = buf +
	    sprintf(buf,
		    "{\"sylkrtc\":\"account-add\",\"transaction\":\"t\",\"account\":\"a@x.org\",\"password\":\"p\",\"user_agent\":\"");
	memset(p, 'u', SYLKRTC_LINE_MAX + 1);
	strcpy(p + SYLKRTC_LINE_MAX + 1, "\"}");
	CHECK_INT(dec_bad(V2, buf, &err), SYLKRTC_ERR_BAD_VALUE);
	CHECK_STR(err.field, "user_agent");

	/* list length */
	p = buf +
	    sprintf(buf,
		    "{\"sylkrtc\":\"videoroom-invite\",\"transaction\":\"t\",\"session\":\"s\",\"participants\":[");
	for (int i = 0; i <= SYLKRTC_LIST_MAX; i++)
		p += sprintf(p, "%s\"a@b.c\"", i ? "," : "");
	strcpy(p, "]}");
	CHECK_INT(dec_bad(V2, buf, &err), SYLKRTC_ERR_BAD_VALUE);
	CHECK_STR(err.text, "Invalid value for 'participants': more than 256 items");
	free(buf);
}

static void test_error_reset_on_success(void)
{
	struct sylkrtc_error err;
	struct sylkrtc_request *r = NULL;
	const char *ok = "{\"sylkrtc\":\"ping\",\"transaction\":\"t\"}";

	CHECK_INT(dec_bad(V2, "{\"transaction\":\"x\"}", &err), SYLKRTC_ERR_NO_TYPE);
	CHECK_INT(sylkrtc_request_decode(&r, &err, V2, ok, strlen(ok)), 0);
	CHECK_INT(err.code, SYLKRTC_ERR_NONE);
	CHECK(!err.has_transaction);
	CHECK_STR(err.text, "");
	sylkrtc_request_free(r);

	/* err may be NULL */
	r = NULL;
	CHECK_INT(sylkrtc_request_decode(&r, NULL, V2, ok, strlen(ok)), 0);
	sylkrtc_request_free(r);
	r = NULL;
	CHECK_INT(sylkrtc_request_decode(&r, NULL, V2, "x", 1), EBADMSG);
	CHECK(r == NULL);
}

static void test_bad_arguments(void)
{
	struct sylkrtc_request *r = NULL;
	struct sylkrtc_error err;

	CHECK_INT(sylkrtc_request_decode(NULL, &err, V2, "{}", 2), EINVAL);
	CHECK_INT(sylkrtc_request_decode(&r, &err, (enum sylkrtc_version)3, "{}", 2), EINVAL);
	CHECK_INT(sylkrtc_request_decode(&r, &err, V2, NULL, 2), EINVAL);
}

static void test_names(void)
{
	enum sylkrtc_version v;

	CHECK_STR(sylkrtc_version_name(V1), "sylkRTC-1");
	CHECK_STR(sylkrtc_version_name(V2), "sylkRTC-2");
	CHECK(sylkrtc_version_name((enum sylkrtc_version)0) == NULL);
	CHECK_INT(sylkrtc_version_from_name(&v, "sylkRTC-2", 9), 0);
	CHECK_INT(v, V2);
	CHECK_INT(sylkrtc_version_from_name(&v, "sylkRTC-1", 9), 0);
	CHECK_INT(v, V1);
	CHECK_INT(sylkrtc_version_from_name(&v, "sylkrtc-1", 9), EINVAL);
	CHECK_INT(sylkrtc_version_from_name(&v, "sylkRTC-10", 10), EINVAL);
	CHECK_INT(sylkrtc_version_from_name(&v, "sylkRTC-1", 8), EINVAL);

	/* every type has a name that maps back to it */
	for (int t = 1; t < SYLKRTC_REQ_COUNT; t++) {
		const char *name = sylkrtc_req_type_name((enum sylkrtc_req_type)t);
		CHECK(name != NULL);
		CHECK_INT(sylkrtc_req_type_from_name(name), t);
		CHECK(sylkrtc_req_type_min_version((enum sylkrtc_req_type)t) >= V1);
	}
	CHECK(sylkrtc_req_type_name(SYLKRTC_REQ_NONE) == NULL);
	CHECK(sylkrtc_req_type_name(SYLKRTC_REQ_COUNT) == NULL);
	CHECK_INT(sylkrtc_req_type_from_name("nope"), SYLKRTC_REQ_NONE);
	CHECK_INT(sylkrtc_req_type_from_name(NULL), SYLKRTC_REQ_NONE);
	CHECK_STR(sylkrtc_req_type_name(SYLKRTC_REQ_SESSION_DTMF_INFO), "session-dtmf-info");
	CHECK_INT(sylkrtc_req_type_min_version(SYLKRTC_REQ_SESSION_CREATE), V1);
	CHECK_INT(sylkrtc_req_type_min_version(SYLKRTC_REQ_SESSION_UPDATE), V2);

	CHECK_STR(sylkrtc_ab_action_name(SYLKRTC_AB_DELETE), "delete");
	CHECK_STR(sylkrtc_ab_type_name(SYLKRTC_AB_POLICY), "policy");
	CHECK_STR(sylkrtc_composing_name(SYLKRTC_COMPOSING_IDLE), "idle");
	CHECK_STR(sylkrtc_imdn_state_name(SYLKRTC_IMDN_ERROR), "error");
	CHECK(sylkrtc_imdn_state_name((enum sylkrtc_imdn_state)5) == NULL);
	CHECK(sylkrtc_ab_type_name((enum sylkrtc_ab_type) - 1) == NULL);
}

int main(void)
{
	RUN(test_v1_account_add_seed);
	RUN(test_v1_account_requests_seed);
	RUN(test_v1_session_seed);
	RUN(test_v2_ping);
	RUN(test_v2_account_add_full);
	RUN(test_v2_devicetoken);
	RUN(test_v2_session_create_headers);
	RUN(test_v2_session_requests);
	RUN(test_v2_messaging);
	RUN(test_v2_addressbook);
	RUN(test_v2_videoroom);
	RUN(test_extra_fields_ignored);
	RUN(test_null_optional_is_absent);
	RUN(test_whitespace_and_not_terminated);
	RUN(test_free_null);
	RUN(test_err_duplicate_key);
	RUN(test_err_unparsable);
	RUN(test_err_not_utf8);
	RUN(test_err_not_object);
	RUN(test_err_no_type);
	RUN(test_err_unknown_type);
	RUN(test_err_version);
	RUN(test_err_transaction);
	RUN(test_transaction_scan);
	RUN(test_err_limits);
	RUN(test_err_missing);
	RUN(test_err_wrong_type);
	RUN(test_err_bad_enum);
	RUN(test_err_reserved_header);
	RUN(test_err_bad_aor);
	RUN(test_err_bad_value);
	RUN(test_err_length_limits);
	RUN(test_error_reset_on_success);
	RUN(test_bad_arguments);
	RUN(test_names);
	return check_summary();
}
