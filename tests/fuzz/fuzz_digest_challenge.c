/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the WWW-Authenticate / Proxy-Authenticate challenge
 * parser, and what the client does with an accepted challenge.
 *
 * Properties checked: the Authorization value we build from any accepted
 * challenge holds no CR, LF or NUL (no header injection), and parses back
 * with the same realm, nonce and opaque (escaping is lossless). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/sip/sip_digest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const char *a, const char *b)
{
	if ((a == NULL) != (b == NULL))
		abort();
	if (a && strcmp(a, b))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sip_digest_cred cred = {
		.username = "alice \"x\"",
		.password = "secret",
	};
	const struct sip_digest_req req = {
		.method = "REGISTER",
		.uri = "sip:example.com",
		.cnonce = "0a4f113b",
		.nc = 1,
	};
	struct sip_digest_chal *chal = NULL, *back = NULL;
	char hex[SIP_DIGEST_HEX_MAX];
	static char hdr[65536];
	enum sip_digest_reason why;
	size_t len = 0, i;
	int err;

	err = sip_digest_chal_parse(&chal, (const char *)data, size, &why);
	/* errno and reason agree */
	if (err != sip_digest_reason_errno(why))
		abort();
	if (err) {
		if (chal)
			abort();
		return 0;
	}
	if (!chal->realm || !chal->nonce)
		abort();

	err = sip_digest_response(hex, sizeof(hex), chal, &cred, &req, &why);
	if (err && why != SIP_DIGEST_R_QOP)
		abort();

	err = sip_digest_authorization(hdr, sizeof(hdr), &len, chal, &cred, &req, &why);
	if (err == 0) {
		if (len != strlen(hdr))
			abort();
		for (i = 0; i < len; i++) {
			if (hdr[i] == '\r' || hdr[i] == '\n')
				abort();
		}
		if (sip_digest_chal_parse(&back, hdr, len, NULL))
			abort();
		same(back->realm, chal->realm);
		same(back->nonce, chal->nonce);
		same(back->opaque, chal->opaque);
		if (back->algo != chal->algo)
			abort();
		sip_digest_chal_free(back);
	} else if (why != SIP_DIGEST_R_QOP && why != SIP_DIGEST_R_SPACE) {
		abort();
	}

	sip_digest_chal_free(chal);
	return 0;
}
