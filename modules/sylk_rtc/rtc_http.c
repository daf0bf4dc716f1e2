/* SPDX-License-Identifier: GPL-2.0-or-later */
/* History tokens and the history API on Kamailio's own HTTP port (xhttp):
 * see rtc_http.h. The shapes are SylkServer's (webrtcgateway/web.py
 * messages(), sip_handlers.py _handle_generate_token(), models/sylkrtc.py
 * MessageHistoryData). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <json-c/json.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/parser/parse_hname2.h"
#include "core/trim.h"
#include "modules/xhttp/api.h"

#include "sylk_ws/http/http_path.h"
#include "sylk_ws/base/encode.h"
#include "sylk_ws/base/str.h"
#include "sylk_ws/sylkrtc/sylkrtc_request.h"

#include "rtc_config.h"
#include "rtc_db.h"
#include "rtc_events.h"
#include "rtc_http.h"
#include "rtc_message.h"
#include "rtc_msgstore.h"

#define HISTORY_PREFIX "/webrtcgateway/messages/history/"
#define FILES_PREFIX "/webrtcgateway/filetransfer/"
#define SHARING_PREFIX "/webrtcgateway/filesharing/" /* video rooms */
#define TOKEN_TABLE "sylk_api_tokens"
#define TOKEN_BYTES 32 /* as SylkServer's secrets.token_urlsafe() */
#define TOKEN_SIZE 64
/* bytes of JSON one history answer may hold; the client pages on with the
 * last message_id it got */
#define HISTORY_MAX_BYTES (1024 * 1024)
#define CORS_HDRS                                                       \
	"Access-Control-Allow-Origin: *\r\n"                            \
	"Access-Control-Allow-Headers: content-type, authorization\r\n" \
	"Access-Control-Allow-Methods: GET, POST, OPTIONS\r\n"

static xhttp_api_t xhttp;
static bool xhttp_bound;

int rtc_http_init(void)
{
	if (xhttp_load_api(&xhttp) < 0) {
		LM_WARN("xhttp is not loaded: no history API\n");
		return 0;
	}
	xhttp_bound = true;
	return 0;
}

/* ---- helpers ----------------------------------------------------------- */

/* ---- tokens --------------------------------------------------------------- */

static int token_store(const char *account, const char *token, time_t expires)
{
	db1_con_t *h = rtc_db_table(TOKEN_TABLE);
	str k_token = str_init("token"), k_account = str_init("account");
	str k_expires = str_init("expires");
	db_key_t keys[3] = {&k_token, &k_account, &k_expires};
	db_val_t vals[3];
	db_op_t ops[1] = {OP_LT};

	if (!h)
		return EIO;
	memset(vals, 0, sizeof(vals));
	VAL_TYPE(&vals[2]) = DB1_INT;
	VAL_INT(&vals[2]) = (int)time(NULL);
	if (rtc_dbf.delete(h, &keys[2], ops, &vals[2], 1) < 0)
		LM_WARN("cannot delete expired history tokens\n");
	VAL_TYPE(&vals[0]) = DB1_STRING;
	VAL_STRING(&vals[0]) = token;
	VAL_TYPE(&vals[1]) = DB1_STRING;
	VAL_STRING(&vals[1]) = account;
	VAL_INT(&vals[2]) = (int)expires;
	if (rtc_dbf.insert(h, keys, vals, 3) < 0) {
		LM_ERR("cannot store a history token for %s\n", account);
		return EIO;
	}
	return 0;
}

static int token_reply(const char *account, const char *token, char **json)
{
	struct json_object *o = json_object_new_object();
	char url[1024];
	int rc = ENOMEM;

	snprintf(url, sizeof(url), "%s%s%s", rtc_cfg.http_base, HISTORY_PREFIX, account);
	if (!o)
		goto out;
	json_object_object_add(o, "token", json_object_new_string(token));
	json_object_object_add(o, "url", json_object_new_string(url));
	*json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
	rc = *json ? 0 : ENOMEM;
out:
	if (o)
		json_object_put(o);
	return rc;
}

static int token_issue(const char *account, char *token)
{
	unsigned char raw[TOKEN_BYTES];
	char *json = NULL;
	int rc = ENOSYS;

	if (!rtc_db_enabled()) {
		LM_NOTICE("history token for %s refused: no message storage\n", account);
		goto out;
	}
	rc = EIO;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		LM_ERR("getrandom failed\n");
		goto out;
	}
	rc = sylk_base64url(raw, sizeof(raw), token, TOKEN_SIZE);
	if (rc)
		goto out;
	rc = token_store(account, token, time(NULL) + rtc_cfg.api_token_lifetime);
	if (rc)
		goto out;
	rc = token_reply(account, token, &json);
	if (rc)
		goto out;
	rc = rtc_message_inject(account, account, RTC_API_TOKEN_TYPE, json, NULL);
	if (rc)
		LM_ERR("cannot send the history token to %s: %d\n", account, rc);
	else
		LM_INFO("history token issued to %s\n", account);
out:
	free(json);
	return rc;
}

int rtc_http_token_request(const char *account)
{
	char token[TOKEN_SIZE];

	return token_issue(account, token);
}

bool rtc_http_account_message(int conn_id, const struct sylkrtc_request *req, const char *aor)
{
	int rc;

	if (!req->content_type || strcasecmp(req->content_type, RTC_API_TOKEN_TYPE) != 0 ||
	    !req->uri || strcasecmp(req->uri, aor) != 0)
		return false;
	rc = rtc_http_token_request(aor);
	if (rc)
		rtc_send_error(conn_id, req->transaction, "Cannot issue a history token");
	else
		rtc_send_ack(conn_id, req->transaction);
	return true;
}

void rtc_http_rpc_token(rpc_t *rpc, void *ctx)
{
	char *account = NULL, token[TOKEN_SIZE], url[1024];
	void *th;
	int rc;

	if (rpc->scan(ctx, "s", &account) < 1)
		return;
	if (!http_aor_ok(account)) {
		rpc->fault(ctx, 400, "Not an AOR");
		return;
	}
	rc = token_issue(account, token);
	if (rc) {
		rpc->fault(ctx, 500, rc == ENOENT ? "Account not on the gateway" : "Failed");
		return;
	}
	snprintf(url, sizeof(url), "%s%s%s", rtc_cfg.http_base, HISTORY_PREFIX, account);
	if (rpc->add(ctx, "{", &th) >= 0)
		rpc->struct_add(th, "ss", "token", token, "url", url);
}

bool rtc_http_token_valid(const char *account, const char *token)
{
	db1_con_t *h = rtc_db_table(TOKEN_TABLE);
	str k_token = str_init("token"), c_account = str_init("account");
	str c_expires = str_init("expires");
	db_key_t keys[1] = {&k_token}, cols[2] = {&c_account, &c_expires};
	db_val_t vals[1];
	db1_res_t *res = NULL;
	bool ok = false;
	time_t now = time(NULL);

	if (!h)
		return false;
	memset(vals, 0, sizeof(vals));
	VAL_TYPE(&vals[0]) = DB1_STRING;
	VAL_STRING(&vals[0]) = token;
	if (rtc_dbf.query(h, keys, 0, vals, cols, 1, 2, 0, &res) < 0 || !res)
		return false;
	for (int i = 0; i < RES_ROW_N(res) && !ok; i++) {
		db_val_t *v = ROW_VALUES(&RES_ROWS(res)[i]);
		const char *acc = VAL_STRING(&v[0]);

		ok = !VAL_NULL(&v[0]) && acc && strcasecmp(acc, account) == 0 &&
		     (time_t)VAL_INT(&v[1]) > now;
	}
	rtc_dbf.free_result(h, res);
	return ok;
}

/* ---- HTTP answers -------------------------------------------------------- */

static int send_reply(struct sip_msg *msg, int code, const char *reason, const char *ctype,
		      const char *body, size_t len, const char *hdrs)
{
	str r = {(char *)reason, (int)strlen(reason)};
	str c = {(char *)ctype, (int)strlen(ctype)};
	str b = {(char *)body, (int)len};

	if (hdrs && !add_lump_rpl(msg, (char *)hdrs, strlen(hdrs), LUMP_RPL_HDR))
		LM_ERR("cannot add reply headers\n");
	xhttp.reply(msg, code, &r, &c, &b);
	return 1;
}

static int text_reply(struct sip_msg *msg, int code, const char *reason, const char *text)
{
	return send_reply(msg, code, reason, "text/plain", text, strlen(text), CORS_HDRS);
}

/* "Apikey <token>" of the Authorization header, or "" */
static void apikey(struct sip_msg *msg, char *out, size_t size)
{
	struct hdr_field *hf;

	out[0] = '\0';
	if (parse_headers(msg, HDR_EOH_F, 0) < 0)
		return;
	for (hf = msg->headers; hf; hf = hf->next) {
		str v = hf->body;

		if (hf->name.len != 13 || strncasecmp(hf->name.s, "Authorization", 13) != 0)
			continue;
		trim(&v);
		if (v.len < 8 || strncmp(v.s, "Apikey ", 7) != 0)
			return;
		v.s += 7;
		v.len -= 7;
		trim(&v);
		if (v.len > 0 && (size_t)v.len < size) {
			memcpy(out, v.s, v.len);
			out[v.len] = '\0';
		}
		return;
	}
}

struct history {
	struct json_object *messages;
	size_t bytes;
};

static struct json_object *disposition_array(const char *disp)
{
	struct json_object *a = json_object_new_array();
	char buf[64], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", disp);
	for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		json_object_array_add(a, json_object_new_string(t));
	return a;
}

/* One journal row as SylkServer's Message model. */
static int history_row(const struct msgstore_row *row, void *arg)
{
	struct history *h = arg;
	struct json_object *m = json_object_new_object();
	const char *content = row->content ? row->content : "";

	if (!m)
		return ENOMEM;
	json_object_object_add(m, "contact", json_object_new_string(row->contact));
	json_object_object_add(m, "timestamp", json_object_new_string(row->timestamp));
	json_object_object_add(m, "disposition", disposition_array(row->disposition));
	json_object_object_add(m, "message_id", json_object_new_string(row->message_id));
	json_object_object_add(m, "content_type", json_object_new_string(row->content_type));
	json_object_object_add(m, "content", json_object_new_string(content));
	json_object_object_add(m, "direction", json_object_new_string(row->direction));
	if (row->state[0])
		json_object_object_add(m, "state", json_object_new_string(row->state));
	if (row->metadata && *row->metadata)
		json_object_object_add(m, "metadata", json_object_new_string(row->metadata));
	json_object_array_add(h->messages, m);
	h->bytes += strlen(content) + (row->metadata ? strlen(row->metadata) : 0) + 512;
	return h->bytes >= HISTORY_MAX_BYTES ? EFBIG : 0;
}

static int history_answer(struct sip_msg *msg, const char *account, const char *after)
{
	struct history h = {json_object_new_array(), 0};
	struct json_object *o = json_object_new_object();
	const char *body;
	int rc;

	if (!h.messages || !o) {
		rc = text_reply(msg, 500, "Server Error", "Out of memory\n");
		goto out;
	}
	json_object_object_add(o, "account", json_object_new_string(account));
	json_object_object_add(o, "messages", h.messages);
	rc = msgstore_journal(account, after, 0, rtc_cfg.history_limit, history_row, &h);
	if (rc == ENOENT) {
		LM_NOTICE("history of %s after unknown message %s\n", account, after);
		rc = text_reply(msg, 404, "Not Found", "No such message\n");
		goto out_o;
	}
	if (rc && rc != EFBIG) {
		rc = text_reply(msg, 500, "Server Error", "Storage failed\n");
		goto out_o;
	}
	body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	rc = send_reply(msg, 200, "OK", "application/json", body, strlen(body), CORS_HDRS);
out_o:
	json_object_put(o);
	return rc;
out:
	if (o)
		json_object_put(o);
	if (h.messages)
		json_object_put(h.messages);
	return rc;
}

/* GET /webrtcgateway/messages/history/<account>[/<message_id>] */
static int history(struct sip_msg *msg, const char *rest, size_t n)
{
	char account[MSGSTORE_AOR_SIZE], after[MSGSTORE_ID_SIZE] = "", key[TOKEN_SIZE + 1];
	const char *slash = memchr(rest, '/', n);
	size_t alen = slash ? (size_t)(slash - rest) : n;

	if (http_name_segment(rest, alen, account, sizeof(account)) || !http_aor_ok(account) ||
	    (slash && http_name_segment(slash + 1, n - alen - 1, after, sizeof(after)))) {
		LM_NOTICE("history request for a malformed path refused\n");
		return text_reply(msg, 404, "Not Found", "Not found\n");
	}
	apikey(msg, key, sizeof(key));
	if (!rtc_db_enabled())
		return text_reply(msg, 503, "Service Unavailable", "No message storage\n");
	if (!key[0] || !rtc_http_token_valid(account, key)) {
		LM_NOTICE("history of %s: %s token refused\n", account,
			  key[0] ? "wrong or expired" : "no");
		return text_reply(msg, 401, "Unauthorized", "Unauthorized");
	}
	return history_answer(msg, account, after[0] ? after : NULL);
}

/* The file-transfer port serves these: a 307 there (uploads over 64 KiB
 * never reach this port's script). A CORS preflight is answered here, as
 * SylkServer's web.py does: browsers refuse a redirected preflight, so a
 * page's fetch() POST would never get to follow the 307. */
static int files_redirect(struct sip_msg *msg, const str *uri)
{
	const str *method = &msg->first_line.u.request.method;
	char hdrs[2048];

	if (method->len == 7 && strncmp(method->s, "OPTIONS", 7) == 0)
		return text_reply(msg, 200, "OK", "OK");
	if (!rtc_cfg.file_transfer_port) {
		LM_NOTICE("file transfer request, but file transfer is off\n");
		return text_reply(msg, 404, "Not Found", "File transfer is off\n");
	}
	if (snprintf(hdrs, sizeof(hdrs), "Location: %s%.*s\r\n" CORS_HDRS,
		     rtc_cfg.file_transfer_url, uri->len, uri->s) >= (int)sizeof(hdrs))
		return text_reply(msg, 414, "URI Too Long", "URI too long\n");
	return send_reply(msg, 307, "Temporary Redirect", "text/plain", "", 0, hdrs);
}

int rtc_http_handle(struct sip_msg *msg)
{
	str uri, method;
	size_t plen = strlen(HISTORY_PREFIX);
	const char *q;

	if (!xhttp_bound || msg->first_line.type != SIP_REQUEST)
		return -1;
	uri = msg->first_line.u.request.uri;
	method = msg->first_line.u.request.method;
	if ((uri.len >= (int)strlen(FILES_PREFIX) &&
	     strncmp(uri.s, FILES_PREFIX, strlen(FILES_PREFIX)) == 0) ||
	    (uri.len >= (int)strlen(SHARING_PREFIX) &&
	     strncmp(uri.s, SHARING_PREFIX, strlen(SHARING_PREFIX)) == 0))
		return files_redirect(msg, &uri);
	if (uri.len < (int)plen || strncmp(uri.s, HISTORY_PREFIX, plen) != 0)
		return -1;
	if (method.len == 7 && strncmp(method.s, "OPTIONS", 7) == 0)
		return text_reply(msg, 200, "OK", "");
	if (method.len != 3 || strncmp(method.s, "GET", 3) != 0) {
		LM_NOTICE("history: method %.*s refused\n", method.len, method.s);
		return text_reply(msg, 405, "Method Not Allowed", "GET only\n");
	}
	q = memchr(uri.s, '?', uri.len);
	return history(msg, uri.s + plen, (q ? (size_t)(q - uri.s) : (size_t)uri.len) - plen);
}
