/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtpengine ng request encoding, cookies and reply parsing. */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

#include "sylk_ws/ng/ng_message.h"


/* ---- cookies ---------------------------------------------------------- */

int ng_cookie_format(char *buf, size_t size, uint32_t instance, uint32_t pid, uint64_t counter)
{
	int n;

	if (!buf || !size)
		return EINVAL;

	n = snprintf(buf, size, "%" PRIx32 "_%" PRIx32 "_%" PRIx64, instance, pid, counter);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return EINVAL;
	}
	return 0;
}

void ng_cookie_gen_init(struct ng_cookie_gen *gen, uint32_t instance, uint32_t pid)
{
	if (!gen)
		return;
	gen->instance = instance;
	gen->pid = pid;
	gen->counter = 0;
}

int ng_cookie_next(struct ng_cookie_gen *gen, char *buf, size_t size)
{
	int err;

	if (!gen)
		return EINVAL;

	err = ng_cookie_format(buf, size, gen->instance, gen->pid, gen->counter);
	/* Advance only on success so a too-small buffer does not burn a
	 * number; on success the number is spent even if the send fails,
	 * because rtpengine may have seen it. */
	if (!err)
		gen->counter++;
	return err;
}


/* ---- requests --------------------------------------------------------- */

const char *ng_cmd_name(enum ng_cmd cmd)
{
	switch (cmd) {
	case NG_CMD_PING: return "ping";
	case NG_CMD_OFFER: return "offer";
	case NG_CMD_ANSWER: return "answer";
	case NG_CMD_DELETE: return "delete";
	case NG_CMD_QUERY: return "query";
	case NG_CMD_PUBLISH: return "publish";
	case NG_CMD_SUBSCRIBE_REQUEST: return "subscribe request";
	case NG_CMD_SUBSCRIBE_ANSWER: return "subscribe answer";
	case NG_CMD_UNSUBSCRIBE: return "unsubscribe";
	case NG_CMD_PLAY_MEDIA: return "play media";
	default: return NULL;
	}
}

static bool list_empty(const char *const *list)
{
	return !list || !list[0];
}

static void enc_opt_str(struct benc_enc *enc, const char *key, const char *val)
{
	if (val)
		benc_enc_dict_str(enc, key, val);
}

static void enc_opt_list(struct benc_enc *enc, const char *key, const char *const *list)
{
	if (list_empty(list))
		return;

	benc_enc_str(enc, key);
	benc_enc_list_begin(enc);
	for (; *list; list++)
		benc_enc_str(enc, *list);
	benc_enc_end(enc);
}

static void enc_codec(struct benc_enc *enc, const struct ng_codec *codec)
{
	if (list_empty(codec->mask) && list_empty(codec->transcode) && list_empty(codec->accept))
		return;

	benc_enc_str(enc, "codec");
	benc_enc_dict_begin(enc);
	enc_opt_list(enc, "accept", codec->accept);
	enc_opt_list(enc, "mask", codec->mask);
	enc_opt_list(enc, "transcode", codec->transcode);
	benc_enc_end(enc);
}

static int check_required(const struct ng_request *req)
{
	bool need_from = false, need_to = false, need_sdp = false, need_file = false;

	switch (req->cmd) {
	case NG_CMD_PING: return 0;
	case NG_CMD_OFFER: need_from = need_sdp = true; break;
	case NG_CMD_ANSWER: need_from = need_to = need_sdp = true; break;
	case NG_CMD_DELETE:
	case NG_CMD_QUERY: break;
	case NG_CMD_PUBLISH: need_from = need_sdp = true; break;
	case NG_CMD_SUBSCRIBE_REQUEST: need_from = true; break;
	case NG_CMD_SUBSCRIBE_ANSWER: need_to = need_sdp = true; break;
	case NG_CMD_UNSUBSCRIBE: need_to = true; break;
	case NG_CMD_PLAY_MEDIA: need_from = need_file = true; break;
	default: return EINVAL;
	}

	if (!req->call_id || (need_from && !req->from_tag) || (need_to && !req->to_tag) ||
	    (need_sdp && !req->sdp) || (need_file && !req->file))
		return ENODATA;
	return 0;
}

int ng_request_encode(struct benc_enc *enc, const char *cookie, const struct ng_request *req)
{
	const char *cmd;
	size_t i, cookie_len;
	int err;

	if (!enc || !cookie || !req)
		return EINVAL;

	/* rtpengine splits the datagram at the first space, so a cookie with
	 * whitespace (or none at all) would shift the dictionary. */
	cookie_len = strlen(cookie);
	if (!cookie_len)
		return EINVAL;
	for (i = 0; i < cookie_len; i++) {
		unsigned char c = (unsigned char)cookie[i];

		if (c <= ' ' || c == 0x7f)
			return EINVAL;
	}

	cmd = ng_cmd_name(req->cmd);
	if (!cmd)
		return EINVAL;

	err = check_required(req);
	if (err)
		return err;

	/* Errors stick in the encoder, so the body is written without
	 * per-call checks and judged once at the end. */
	benc_enc_raw(enc, cookie, cookie_len);
	benc_enc_raw(enc, " ", 1);
	benc_enc_dict_begin(enc);

	if (req->cmd == NG_CMD_PING) {
		benc_enc_dict_str(enc, "command", cmd);
		benc_enc_end(enc);
		return benc_enc_err(enc);
	}

	/* Sorted byte-wise: upper case before lower case. */
	enc_opt_str(enc, "DTLS", req->dtls);
	enc_opt_str(enc, "DTLS-reverse", req->dtls_reverse);
	enc_opt_str(enc, "ICE", req->ice);
	enc_opt_str(enc, "ICE-lite", req->ice_lite);
	enc_opt_list(enc, "SDES", req->sdes);
	enc_opt_str(enc, "call-id", req->call_id);
	enc_codec(enc, &req->codec);
	benc_enc_dict_str(enc, "command", cmd);
	enc_opt_str(enc, "file", req->file);
	enc_opt_list(enc, "flags", req->flags);
	enc_opt_str(enc, "from-tag", req->from_tag);
	enc_opt_str(enc, "media echo", req->media_echo);
	enc_opt_list(enc, "replace", req->replace);
	enc_opt_list(enc, "rtcp-mux", req->rtcp_mux);
	if (req->sdp) {
		benc_enc_str(enc, "sdp");
		benc_enc_strn(enc, req->sdp, req->sdp_len ? req->sdp_len : strlen(req->sdp));
	}
	enc_opt_str(enc, "to-tag", req->to_tag);
	enc_opt_str(enc, "transport-protocol", req->transport_protocol);

	benc_enc_end(enc);
	return benc_enc_err(enc);
}


/* ---- replies ---------------------------------------------------------- */

int ng_reply_cookie(const void *buf, size_t len, const char **cookiep, size_t *cookie_lenp)
{
	const char *sp;

	if (!buf || !cookiep || !cookie_lenp)
		return EINVAL;

	sp = memchr(buf, ' ', len);
	if (!sp || sp == buf)
		return EBADMSG;

	*cookiep = buf;
	*cookie_lenp = (size_t)(sp - (const char *)buf);
	return 0;
}

/* An optional text member: absent is fine, any other type is not. */
static int reply_opt_str(const struct benc_node *dict, const char *key, const char **strp,
			 size_t *lenp)
{
	const struct benc_node *m = benc_dict_get(dict, key);

	if (!m)
		return 0;
	if (m->type != BENC_STR)
		return EBADMSG;

	*strp = m->str;
	if (lenp)
		*lenp = m->len;
	return 0;
}

int ng_reply_parse(struct ng_reply **replyp, const void *buf, size_t len, const char *cookie)
{
	const struct benc_node *root, *res;
	struct ng_reply *reply;
	const char *got;
	size_t got_len, body_off;
	int err;

	if (!replyp || !buf || !cookie)
		return EINVAL;

	err = ng_reply_cookie(buf, len, &got, &got_len);
	if (err)
		return err;
	if (got_len != strlen(cookie) || memcmp(got, cookie, got_len))
		return ENOMSG;

	reply = calloc(1, sizeof(*reply));
	if (!reply)
		return ENOMEM;

	body_off = got_len + 1;
	err = benc_decode(&reply->doc, (const char *)buf + body_off, len - body_off, NULL, NULL);
	if (err)
		goto out;

	root = benc_doc_root(reply->doc);
	if (root->type != BENC_DICT) {
		err = EBADMSG;
		goto out;
	}
	reply->dict = root;

	res = benc_dict_get(root, "result");
	if (benc_str_eq(res, "ok"))
		reply->result = NG_RESULT_OK;
	else if (benc_str_eq(res, "pong"))
		reply->result = NG_RESULT_PONG;
	else if (benc_str_eq(res, "error"))
		reply->result = NG_RESULT_ERROR;
	else if (benc_str_eq(res, "load limit"))
		reply->result = NG_RESULT_LOAD_LIMIT;
	else {
		err = EPROTO;
		goto out;
	}

	err = reply_opt_str(root, "error-reason", &reply->error_reason, NULL);
	if (!err)
		err = reply_opt_str(root, "warning", &reply->warning, NULL);
	if (!err)
		err = reply_opt_str(root, "sdp", &reply->sdp, &reply->sdp_len);

out:
	if (err)
		ng_reply_free(reply);
	else
		*replyp = reply;
	return err;
}

void ng_reply_free(struct ng_reply *reply)
{
	if (!reply)
		return;
	benc_doc_free(reply->doc);
	free(reply);
}


int ng_query_leg_packets(const struct ng_reply *reply, const char *tag, int64_t *packets)
{
	const struct benc_node *tags, *leg, *medias, *m, *st, *s;
	int64_t total = 0;

	if (!reply || !tag || !packets)
		return EINVAL;
	tags = benc_dict_get(reply->dict, "tags");
	leg = tags ? benc_dict_get(tags, tag) : NULL;
	if (!leg)
		return ENOENT;
	medias = benc_dict_get(leg, "medias");
	if (!medias || medias->type != BENC_LIST)
		return EBADMSG;
	for (m = medias->child; m; m = m->next) {
		st = benc_dict_get(m, "streams");
		if (!st || st->type != BENC_LIST)
			continue;
		for (s = st->child; s; s = s->next) {
			const struct benc_node *stats = benc_dict_get(s, "stats");
			int64_t pk = 0;

			if (stats && benc_dict_int(stats, "packets", &pk))
				total += pk;
		}
	}
	*packets = total;
	return 0;
}
