/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the bencode decoder and the rtpengine ng reply parser.
 *
 * Besides "no crash", it checks two properties: a decoded value re-encodes
 * to exactly the input bytes (the decoder only accepts canonical forms and
 * loses nothing), and every string in the tree is NUL-terminated. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/ng/bencode.h"
#include "sylk_ws/ng/ng_message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct benc_node *n)
{
	const struct benc_node *m;
	size_t count = 0;

	switch (n->type) {
	case BENC_STR:
		if (n->str[n->len] != '\0')
			abort();
		break;
	case BENC_INT: break;
	case BENC_LIST:
	case BENC_DICT:
		for (m = n->child; m; m = m->next) {
			if ((n->type == BENC_DICT) != (m->key != NULL))
				abort();
			if (m->key && m->key[m->key_len] != '\0')
				abort();
			walk(m);
			count++;
		}
		if (count != n->len)
			abort();
		break;
	default: abort();
	}
}

static void check_decode(const uint8_t *data, size_t size)
{
	struct benc_doc *doc = NULL;
	struct benc_enc *enc = NULL;
	int err;

	err = benc_decode(&doc, data, size, NULL, NULL);
	if (err)
		return;

	walk(benc_doc_root(doc));

	if (benc_enc_alloc(&enc, size + 1) == 0) {
		err = benc_enc_node(enc, benc_doc_root(doc));
		/* The encoder tracks fewer levels than the decoder allows. */
		if (err != EMSGSIZE) {
			if (err || benc_enc_len(enc) != size ||
			    memcmp(benc_enc_buf(enc), data, size))
				abort();
		}
		benc_enc_free(enc);
	}
	benc_doc_free(doc);
}

static void check_reply(const uint8_t *data, size_t size)
{
	struct ng_reply *reply = NULL;
	const char *cookie;
	size_t cookie_len;
	char buf[64];

	/* A fixed cookie exercises the mismatch path... */
	if (ng_reply_parse(&reply, data, size, "k") == 0) {
		if (!reply || !reply->dict)
			abort();
		ng_reply_free(reply);
	}

	/* ...and the datagram's own cookie gets the fuzzer into the body. */
	if (ng_reply_cookie(data, size, &cookie, &cookie_len))
		return;
	if (cookie_len >= sizeof(buf) || memchr(cookie, '\0', cookie_len))
		return;
	memcpy(buf, cookie, cookie_len);
	buf[cookie_len] = '\0';

	reply = NULL;
	if (ng_reply_parse(&reply, data, size, buf) == 0) {
		if (reply->result > NG_RESULT_LOAD_LIMIT)
			abort();
		if (reply->sdp && reply->sdp[reply->sdp_len] != '\0')
			abort();
		if (reply->error_reason)
			(void)strlen(reply->error_reason);
		if (reply->warning)
			(void)strlen(reply->warning);
		ng_reply_free(reply);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct benc_limits tight = {3, 16, 20};
	struct benc_doc *doc = NULL;

	check_decode(data, size);

	if (benc_decode(&doc, data, size, &tight, NULL) == 0)
		benc_doc_free(doc);

	check_reply(data, size);
	return 0;
}
