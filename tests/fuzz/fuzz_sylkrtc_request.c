/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: sylkRTC request decoding, both protocol versions.
 *
 * Beyond "no crash, no leak", it checks the promises the gateway relies
 * on: a refused message always yields an error text and an error reply
 * that is valid UTF-8 JSON carrying the recovered transaction; an accepted
 * one has a type, a transaction, addresses that pass the AOR check again,
 * and single-line fields free of CR/LF.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sylk_ws/sip/sip_aor.h"
#include "sylk_ws/sylkrtc/sylkrtc_event.h"
#include "sylk_ws/sylkrtc/sylkrtc_request.h"
#include "sylk_ws/base/utf8.h"

#define ASSERT(cond)                      \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static void check_line(const char *s)
{
	if (!s)
		return;
	ASSERT(!strchr(s, '\r') && !strchr(s, '\n'));
	ASSERT(utf8_valid(s, strlen(s)));
}

static void check_aor(const char *s)
{
	struct sip_aor aor;

	if (!s)
		return;
	ASSERT(sip_aor_decode(&aor, s, strlen(s), NULL) == 0);
	/* normalised: decoding again changes nothing */
	ASSERT(aor.aor == s);
}

static struct json_object *reparse(const char *text)
{
	struct json_object *o;

	ASSERT(text);
	ASSERT(utf8_valid(text, strlen(text)));
	o = json_tokener_parse(text);
	ASSERT(o && json_object_is_type(o, json_type_object));
	return o;
}

static void check_accepted(struct sylkrtc_request *r, enum sylkrtc_version ver)
{
	struct json_object *o, *v;
	char *ack = NULL;

	ASSERT(r->type > SYLKRTC_REQ_NONE && r->type < SYLKRTC_REQ_COUNT);
	ASSERT(r->version == ver);
	ASSERT(sylkrtc_req_type_min_version(r->type) <= ver);
	ASSERT(r->transaction && r->transaction[0]);
	ASSERT(strlen(r->transaction) <= SYLKRTC_ID_MAX);
	check_line(r->transaction);

	check_aor(r->account);
	check_aor(r->uri);
	check_aor(r->contact);
	for (size_t i = 0; i < r->participant_count; i++)
		check_aor(r->participants[i]);

	check_line(r->session);
	check_line(r->display_name);
	check_line(r->user_agent);
	check_line(r->password);
	check_line(r->content_type);
	check_line(r->token);
	for (size_t i = 0; i < r->header_count; i++) {
		check_line(r->headers[i].name);
		check_line(r->headers[i].value);
		ASSERT(!strchr(r->headers[i].name, ':'));
	}
	for (size_t i = 0; i < r->candidate_count; i++) {
		check_line(r->candidates[i].candidate);
		check_line(r->candidates[i].sdp_mid);
		ASSERT(r->candidates[i].sdp_mline_index >= 0);
	}
	for (size_t i = 0; i < r->header_prefix_count; i++)
		check_line(r->header_prefixes[i]);
	ASSERT(r->active_participant_count <= 2);
	if (r->sdp)
		ASSERT(r->sdp[0]);
	if (r->data_json) {
		o = reparse(r->data_json);
		json_object_put(o);
	}

	if (sylkrtc_event_ack(&ack, ver, r->transaction) == 0) {
		o = reparse(ack);
		ASSERT(json_object_object_get_ex(o, "transaction", &v));
		ASSERT(strcmp(json_object_get_string(v), r->transaction) == 0);
		json_object_put(o);
		free(ack);
	}
}

static void check_refused(int rc, const struct sylkrtc_error *err, enum sylkrtc_version ver)
{
	struct json_object *o, *v;
	char *reply = NULL;

	ASSERT(rc == EBADMSG || rc == ENOMEM);
	ASSERT(err->code != SYLKRTC_ERR_NONE);
	ASSERT(err->text[0]);
	ASSERT(utf8_valid(err->text, strlen(err->text)));
	ASSERT(utf8_valid(err->transaction, strlen(err->transaction)));

	if (sylkrtc_event_error_from(&reply, ver, err) != 0)
		return; /* out of memory */
	o = reparse(reply);
	ASSERT(json_object_object_get_ex(o, "error", &v));
	ASSERT(strcmp(json_object_get_string(v), err->text) == 0);
	if (err->has_transaction) {
		ASSERT(json_object_object_get_ex(o, "transaction", &v));
		ASSERT(strcmp(json_object_get_string(v), err->transaction) == 0);
	} else {
		ASSERT(!json_object_object_get_ex(o, "transaction", &v));
	}
	json_object_put(o);
	free(reply);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum sylkrtc_version versions[] = {SYLKRTC_V1, SYLKRTC_V2};
	struct sip_aor aor;

	for (size_t i = 0; i < 2; i++) {
		struct sylkrtc_request *req = NULL;
		struct sylkrtc_error err;
		int rc = sylkrtc_request_decode(&req, &err, versions[i], (const char *)data, size);

		if (rc == 0) {
			ASSERT(req);
			ASSERT(err.code == SYLKRTC_ERR_NONE);
			check_accepted(req, versions[i]);
		} else {
			ASSERT(!req);
			check_refused(rc, &err, versions[i]);
		}
		sylkrtc_request_free(req);
	}

	/* the address checker on its own, on raw bytes */
	if (sip_aor_decode(&aor, (const char *)data, size, NULL) == 0) {
		ASSERT(aor.aor >= (const char *)data && aor.aor_len <= size);
		ASSERT(aor.user_len > 0 && aor.host_len > 0);
		ASSERT(aor.user + aor.user_len + 1 == aor.host);
	}
	return 0;
}
