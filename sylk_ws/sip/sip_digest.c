/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP digest authentication maths and header handling; see sip_digest.h. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sylk_ws/sip/sip_digest.h"
#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/encode.h"

const char *sip_digest_reason_str(enum sip_digest_reason reason)
{
	switch (reason) {
	case SIP_DIGEST_R_OK: return "success";
	case SIP_DIGEST_R_NOMEM: return "out of memory";
	case SIP_DIGEST_R_INVAL: return "invalid argument";
	case SIP_DIGEST_R_SCHEME: return "not a Digest challenge";
	case SIP_DIGEST_R_SYNTAX: return "malformed challenge";
	case SIP_DIGEST_R_DUP: return "duplicate challenge parameter";
	case SIP_DIGEST_R_MISSING: return "challenge lacks realm or nonce";
	case SIP_DIGEST_R_ALGO: return "unsupported digest algorithm";
	case SIP_DIGEST_R_QOP: return "unsupported qop";
	case SIP_DIGEST_R_NOCRED: return "no credentials for the algorithm";
	case SIP_DIGEST_R_SPACE: return "output buffer too small";
	case SIP_DIGEST_R_CRYPTO: return "hash computation failed";
	default: return "unknown error";
	}
}

int sip_digest_reason_errno(enum sip_digest_reason reason)
{
	switch (reason) {
	case SIP_DIGEST_R_OK: return 0;
	case SIP_DIGEST_R_NOMEM: return ENOMEM;
	case SIP_DIGEST_R_INVAL: return EINVAL;
	case SIP_DIGEST_R_SYNTAX:
	case SIP_DIGEST_R_DUP: return EBADMSG;
	case SIP_DIGEST_R_MISSING: return ENODATA;
	case SIP_DIGEST_R_SCHEME:
	case SIP_DIGEST_R_ALGO:
	case SIP_DIGEST_R_QOP:
	case SIP_DIGEST_R_CRYPTO: return ENOTSUP;
	case SIP_DIGEST_R_NOCRED: return ENOENT;
	case SIP_DIGEST_R_SPACE: return ENOSPC;
	default: return EINVAL;
	}
}

/* Inside this file every function returns a reason (0 is
 * SIP_DIGEST_R_OK); the public ones turn it into its errno value here and
 * hand the reason to the caller. */
static int finish(int r, enum sip_digest_reason *reason)
{
	if (reason)
		*reason = (enum sip_digest_reason)r;
	return sip_digest_reason_errno((enum sip_digest_reason)r);
}

static const char *const algo_names[] = {
	[SIP_DIGEST_MD5] = "MD5",
	[SIP_DIGEST_MD5_SESS] = "MD5-sess",
	[SIP_DIGEST_SHA256] = "SHA-256",
	[SIP_DIGEST_SHA256_SESS] = "SHA-256-sess",
};

const char *sip_digest_algo_name(enum sip_digest_algo algo)
{
	if ((unsigned)algo >= sizeof(algo_names) / sizeof(algo_names[0]))
		return NULL;
	return algo_names[algo];
}

static bool algo_is_sha256(enum sip_digest_algo algo)
{
	return algo == SIP_DIGEST_SHA256 || algo == SIP_DIGEST_SHA256_SESS;
}

static bool algo_is_sess(enum sip_digest_algo algo)
{
	return algo == SIP_DIGEST_MD5_SESS || algo == SIP_DIGEST_SHA256_SESS;
}

/* Hex characters of a digest, without the NUL. */
static size_t algo_hex_len(enum sip_digest_algo algo)
{
	return algo_is_sha256(algo) ? 64 : 32;
}


/* ---- challenge parser ------------------------------------------------- */

/* The public struct comes first so the pointer we hand out is also the
 * allocation; the strings live in the arena behind it. */
struct chal_obj {
	struct sip_digest_chal pub;
	size_t arena_used;
	char arena[];
};

struct cursor {
	const char *p;
	const char *end;
};

static bool is_lws(char c)
{
	/* Folded header lines may still carry CR LF before the indent. */
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}


/* Unquoted parameter values: servers send base64 nonces and such without
 * quotes, so take any visible character that cannot end or open one. */
static bool is_bare_value_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != ',' && c != '\\';
}

static void skip_lws(struct cursor *c)
{
	while (c->p < c->end && is_lws(*c->p))
		c->p++;
}

static bool span_ieq(const char *p, size_t n, const char *s)
{
	size_t i;

	if (strlen(s) != n)
		return false;
	for (i = 0; i < n; i++) {
		char a = p[i], b = s[i];

		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

/* Reads a quoted string or a bare value, unescaped, into the arena. */
static int read_value(struct cursor *c, struct chal_obj *obj, const char **valp, size_t *lenp)
{
	char *dst = obj->arena + obj->arena_used;
	size_t n = 0;

	if (c->p < c->end && *c->p == '"') {
		c->p++;
		for (;;) {
			unsigned char ch;

			if (c->p >= c->end)
				return SIP_DIGEST_R_SYNTAX;
			ch = (unsigned char)*c->p++;
			if (ch == '"')
				break;
			if (ch == '\\') {
				if (c->p >= c->end)
					return SIP_DIGEST_R_SYNTAX;
				ch = (unsigned char)*c->p++;
			}
			/* Tab is the only control a quoted string may
			 * hold; CR or LF would end our header early. */
			if (is_ctl(ch) && ch != '\t')
				return SIP_DIGEST_R_SYNTAX;
			dst[n++] = (char)ch;
		}
	} else {
		while (c->p < c->end && is_bare_value_char((unsigned char)*c->p))
			dst[n++] = *c->p++;
		if (!n)
			return SIP_DIGEST_R_SYNTAX;
	}

	dst[n] = '\0';
	*valp = dst;
	*lenp = n;
	return 0;
}

static int parse_algo(const char *v, size_t n, enum sip_digest_algo *algop)
{
	size_t i;

	for (i = 0; i < sizeof(algo_names) / sizeof(algo_names[0]); i++) {
		if (span_ieq(v, n, algo_names[i])) {
			*algop = (enum sip_digest_algo)i;
			return 0;
		}
	}
	return SIP_DIGEST_R_ALGO;
}

/* qop-options is a comma list inside the quotes: "auth,auth-int". */
static void parse_qop(struct sip_digest_chal *chal, const char *v, size_t n)
{
	struct cursor c = {v, v + n};

	while (c.p < c.end) {
		const char *tok;

		skip_lws(&c);
		tok = c.p;
		while (c.p < c.end && *c.p != ',' && !is_lws(*c.p))
			c.p++;
		if (span_ieq(tok, (size_t)(c.p - tok), "auth"))
			chal->qop_auth = true;
		else if (span_ieq(tok, (size_t)(c.p - tok), "auth-int"))
			chal->qop_auth_int = true;
		skip_lws(&c);
		if (c.p < c.end && *c.p == ',')
			c.p++;
	}
}

enum {
	SEEN_REALM = 1 << 0,
	SEEN_NONCE = 1 << 1,
	SEEN_OPAQUE = 1 << 2,
	SEEN_ALGORITHM = 1 << 3,
	SEEN_QOP = 1 << 4,
	SEEN_STALE = 1 << 5,
	SEEN_USERHASH = 1 << 6,
};

static int apply_param(struct chal_obj *obj, unsigned *seen, const char *name, size_t name_len,
		       const char *val, size_t val_len)
{
	struct sip_digest_chal *chal = &obj->pub;
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = {
		{"realm", SEEN_REALM},         {"nonce", SEEN_NONCE}, {"opaque", SEEN_OPAQUE},
		{"algorithm", SEEN_ALGORITHM}, {"qop", SEEN_QOP},     {"stale", SEEN_STALE},
		{"userhash", SEEN_USERHASH},
	};
	unsigned bit = 0;
	bool keep = false;
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		if (span_ieq(name, name_len, known[i].name)) {
			bit = known[i].bit;
			break;
		}
	}

	/* Parameters we do not use (domain, charset, extensions) are
	 * checked for syntax only; their value's arena space is reused. */
	if (!bit)
		goto done;
	if (*seen & bit)
		return SIP_DIGEST_R_DUP;
	*seen |= bit;

	switch (bit) {
	case SEEN_REALM:
		chal->realm = val;
		keep = true;
		break;
	case SEEN_NONCE:
		chal->nonce = val;
		keep = true;
		break;
	case SEEN_OPAQUE:
		chal->opaque = val;
		keep = true;
		break;
	case SEEN_ALGORITHM:
		chal->algo_given = true;
		if (parse_algo(val, val_len, &chal->algo))
			return SIP_DIGEST_R_ALGO;
		break;
	case SEEN_QOP:
		chal->qop_given = true;
		parse_qop(chal, val, val_len);
		break;
	case SEEN_STALE: chal->stale = span_ieq(val, val_len, "true"); break;
	case SEEN_USERHASH: chal->userhash = span_ieq(val, val_len, "true"); break;
	}

done:
	if (keep)
		obj->arena_used += val_len + 1;
	return 0;
}

static int parse_params(struct cursor *c, struct chal_obj *obj)
{
	unsigned seen = 0;

	for (;;) {
		const char *name, *val;
		size_t name_len, val_len;
		int err;

		skip_lws(c);
		if (c->p >= c->end)
			break;
		/* HTTP list syntax tolerates empty elements. */
		if (*c->p == ',') {
			c->p++;
			continue;
		}

		name = c->p;
		while (c->p < c->end && chars_sip_token((unsigned char)*c->p))
			c->p++;
		name_len = (size_t)(c->p - name);
		if (!name_len)
			return SIP_DIGEST_R_SYNTAX;

		skip_lws(c);
		if (c->p >= c->end || *c->p != '=')
			return SIP_DIGEST_R_SYNTAX;
		c->p++;
		skip_lws(c);

		err = read_value(c, obj, &val, &val_len);
		if (err)
			return err;

		err = apply_param(obj, &seen, name, name_len, val, val_len);
		if (err)
			return err;

		skip_lws(c);
		if (c->p < c->end && *c->p != ',')
			return SIP_DIGEST_R_SYNTAX;
	}

	if (!(seen & SEEN_REALM) || !(seen & SEEN_NONCE))
		return SIP_DIGEST_R_MISSING;
	return 0;
}

static int chal_parse_r(struct sip_digest_chal **chalp, const char *val, size_t len)
{
	struct cursor c;
	struct chal_obj *obj;
	const char *scheme;
	int err;

	if (!chalp || (!val && len))
		return SIP_DIGEST_R_INVAL;
	if (!val)
		return SIP_DIGEST_R_SYNTAX;
	/* Keeps the arena size computation below from overflowing. */
	if (len > SIZE_MAX / 2)
		return SIP_DIGEST_R_INVAL;

	c.p = val;
	c.end = val + len;

	skip_lws(&c);
	scheme = c.p;
	while (c.p < c.end && chars_sip_token((unsigned char)*c.p))
		c.p++;
	if (c.p == scheme)
		return SIP_DIGEST_R_SYNTAX;
	if (!span_ieq(scheme, (size_t)(c.p - scheme), "Digest"))
		return SIP_DIGEST_R_SCHEME;
	if (c.p < c.end && !is_lws(*c.p))
		return SIP_DIGEST_R_SCHEME;

	/* Every kept value is an unescaped part of the input plus a NUL;
	 * the value being read may add one more before it is dropped. */
	obj = calloc(1, sizeof(*obj) + len + 8);
	if (!obj)
		return SIP_DIGEST_R_NOMEM;
	obj->pub.algo = SIP_DIGEST_MD5;

	err = parse_params(&c, obj);
	if (err) {
		free(obj);
		return err;
	}

	*chalp = &obj->pub;
	return 0;
}

int sip_digest_chal_parse(struct sip_digest_chal **chalp, const char *val, size_t len,
			  enum sip_digest_reason *reason)
{
	return finish(chal_parse_r(chalp, val, len), reason);
}

void sip_digest_chal_free(struct sip_digest_chal *chal)
{
	/* pub is the first member of struct chal_obj. */
	free(chal);
}


/* ---- hashing ---------------------------------------------------------- */

/* H(part0 ":" part1 ":" ...) as lowercase hex. */
static int hash_hex(enum sip_digest_algo algo, char hex[SIP_DIGEST_HEX_MAX],
		    const char *const *parts, size_t n_parts)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	EVP_MD_CTX *ctx;
	size_t k;
	int ok;

	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return SIP_DIGEST_R_NOMEM;

	ok = EVP_DigestInit_ex(ctx, algo_is_sha256(algo) ? EVP_sha256() : EVP_md5(), NULL);
	for (k = 0; ok && k < n_parts; k++) {
		if (k)
			ok = EVP_DigestUpdate(ctx, ":", 1);
		if (ok)
			ok = EVP_DigestUpdate(ctx, parts[k], strlen(parts[k]));
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, md, &md_len);
	EVP_MD_CTX_free(ctx);

	if (!ok || md_len * 2 != algo_hex_len(algo))
		return SIP_DIGEST_R_CRYPTO;

	return sylk_hex_lower(md, md_len, hex, SIP_DIGEST_HEX_MAX) ? SIP_DIGEST_R_CRYPTO : 0;
}

/* Values that end up in our header must not carry line breaks. */
static bool has_ctl(const char *s)
{
	for (; *s; s++) {
		if (is_ctl((unsigned char)*s) && *s != '\t')
			return true;
	}
	return false;
}

static int ha1_r(char *hex, size_t size, enum sip_digest_algo algo, const char *username,
		 const char *realm, const char *password)
{
	const char *parts[3];
	char tmp[SIP_DIGEST_HEX_MAX];
	int err;

	if (!hex || !username || !realm || !password || !sip_digest_algo_name(algo))
		return SIP_DIGEST_R_INVAL;
	if (size < algo_hex_len(algo) + 1)
		return SIP_DIGEST_R_SPACE;

	parts[0] = username;
	parts[1] = realm;
	parts[2] = password;
	err = hash_hex(algo, tmp, parts, 3);
	if (err)
		return err;

	memcpy(hex, tmp, algo_hex_len(algo) + 1);
	return 0;
}

int sip_digest_ha1(char *hex, size_t size, enum sip_digest_algo algo, const char *username,
		   const char *realm, const char *password)
{
	return finish(ha1_r(hex, size, algo, username, realm, password), NULL);
}

/* Copies a caller's HA1 in lowercase: the hex text itself is hashed, so
 * "ABCD" and "abcd" would give different responses. */
static int copy_ha1(char out[SIP_DIGEST_HEX_MAX], const char *ha1, enum sip_digest_algo algo)
{
	size_t i, n = algo_hex_len(algo);

	if (strlen(ha1) != n)
		return SIP_DIGEST_R_INVAL;

	for (i = 0; i < n; i++) {
		char c = ha1[i];

		if (c >= 'A' && c <= 'F')
			c = (char)(c - 'A' + 'a');
		else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return SIP_DIGEST_R_INVAL;
		out[i] = c;
	}
	out[n] = '\0';
	return 0;
}

static int get_ha1(char out[SIP_DIGEST_HEX_MAX], const struct sip_digest_chal *chal,
		   const struct sip_digest_cred *cred)
{
	const char *given = algo_is_sha256(chal->algo) ? cred->ha1_sha256 : cred->ha1_md5;

	if (given)
		return copy_ha1(out, given, chal->algo);
	if (cred->password)
		return ha1_r(out, SIP_DIGEST_HEX_MAX, chal->algo, cred->username, chal->realm,
			     cred->password);
	return SIP_DIGEST_R_NOCRED;
}

/* NULL for RFC 2069 mode (no qop offered), "auth" when offered. */
static int pick_qop(const struct sip_digest_chal *chal, const char **qopp)
{
	if (!chal->qop_given) {
		*qopp = NULL;
		return 0;
	}
	/* auth-int would need the body hash; callers authenticate REGISTER,
	 * INVITE and friends, where every server also offers auth. */
	if (!chal->qop_auth)
		return SIP_DIGEST_R_QOP;
	*qopp = "auth";
	return 0;
}

static int check_args(const struct sip_digest_chal *chal, const struct sip_digest_cred *cred,
		      const struct sip_digest_req *req, const char **qopp)
{
	int err;

	if (!chal || !cred || !req || !cred->username || !req->method || !req->uri ||
	    !chal->realm || !chal->nonce || !sip_digest_algo_name(chal->algo))
		return SIP_DIGEST_R_INVAL;
	if (!*req->method || has_ctl(req->method) || has_ctl(req->uri) || has_ctl(cred->username))
		return SIP_DIGEST_R_INVAL;

	err = pick_qop(chal, qopp);
	if (err)
		return err;

	if (*qopp || algo_is_sess(chal->algo)) {
		if (!req->cnonce || !*req->cnonce || has_ctl(req->cnonce))
			return SIP_DIGEST_R_INVAL;
	}
	if (*qopp && req->nc == 0)
		return SIP_DIGEST_R_INVAL;
	return 0;
}

static int compute_response(char hex[SIP_DIGEST_HEX_MAX], const struct sip_digest_chal *chal,
			    const struct sip_digest_cred *cred, const struct sip_digest_req *req,
			    const char *qop)
{
	char ha1[SIP_DIGEST_HEX_MAX], ha2[SIP_DIGEST_HEX_MAX];
	char nc[9];
	const char *parts[6];
	int err;

	err = get_ha1(ha1, chal, cred);
	if (err)
		return err;

	if (algo_is_sess(chal->algo)) {
		char sess[SIP_DIGEST_HEX_MAX];

		parts[0] = ha1;
		parts[1] = chal->nonce;
		parts[2] = req->cnonce;
		err = hash_hex(chal->algo, sess, parts, 3);
		if (err)
			return err;
		memcpy(ha1, sess, sizeof(ha1));
	}

	parts[0] = req->method;
	parts[1] = req->uri;
	err = hash_hex(chal->algo, ha2, parts, 2);
	if (err)
		return err;

	if (!qop) {
		parts[0] = ha1;
		parts[1] = chal->nonce;
		parts[2] = ha2;
		return hash_hex(chal->algo, hex, parts, 3);
	}

	snprintf(nc, sizeof(nc), "%08" PRIx32, req->nc);
	parts[0] = ha1;
	parts[1] = chal->nonce;
	parts[2] = nc;
	parts[3] = req->cnonce;
	parts[4] = qop;
	parts[5] = ha2;
	return hash_hex(chal->algo, hex, parts, 6);
}

static int response_r(char *hex, size_t size, const struct sip_digest_chal *chal,
		      const struct sip_digest_cred *cred, const struct sip_digest_req *req)
{
	char tmp[SIP_DIGEST_HEX_MAX];
	const char *qop;
	int err;

	if (!hex)
		return SIP_DIGEST_R_INVAL;
	err = check_args(chal, cred, req, &qop);
	if (err)
		return err;
	if (size < algo_hex_len(chal->algo) + 1)
		return SIP_DIGEST_R_SPACE;

	err = compute_response(tmp, chal, cred, req, qop);
	if (err)
		return err;

	memcpy(hex, tmp, algo_hex_len(chal->algo) + 1);
	return 0;
}

int sip_digest_response(char *hex, size_t size, const struct sip_digest_chal *chal,
			const struct sip_digest_cred *cred, const struct sip_digest_req *req,
			enum sip_digest_reason *reason)
{
	return finish(response_r(hex, size, chal, cred, req), reason);
}


/* ---- Authorization header --------------------------------------------- */

struct hdr_writer {
	char *buf;
	size_t size;
	size_t len;
	bool full;
};

static void w_raw(struct hdr_writer *w, const char *s, size_t n)
{
	/* Keep one byte for the NUL. */
	if (w->full || n >= w->size - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void w_str(struct hdr_writer *w, const char *s)
{
	w_raw(w, s, strlen(s));
}

static void w_quoted(struct hdr_writer *w, const char *s)
{
	w_raw(w, "\"", 1);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			w_raw(w, "\\", 1);
		w_raw(w, s, 1);
	}
	w_raw(w, "\"", 1);
}

static void w_param(struct hdr_writer *w, const char *name, const char *val, bool quote)
{
	w_str(w, ", ");
	w_str(w, name);
	w_raw(w, "=", 1);
	if (quote)
		w_quoted(w, val);
	else
		w_str(w, val);
}

static int authorization_r(char *buf, size_t size, size_t *lenp, const struct sip_digest_chal *chal,
			   const struct sip_digest_cred *cred, const struct sip_digest_req *req)
{
	char response[SIP_DIGEST_HEX_MAX], user_hash[SIP_DIGEST_HEX_MAX];
	char nc[9];
	struct hdr_writer w;
	const char *qop, *username;
	int err;

	if (!buf || !size)
		return SIP_DIGEST_R_INVAL;
	err = check_args(chal, cred, req, &qop);
	if (err)
		return err;

	err = compute_response(response, chal, cred, req, qop);
	if (err)
		return err;

	username = cred->username;
	if (chal->userhash) {
		const char *parts[2] = {cred->username, chal->realm};

		err = hash_hex(chal->algo, user_hash, parts, 2);
		if (err)
			return err;
		username = user_hash;
	}

	w.buf = buf;
	w.size = size;
	w.len = 0;
	w.full = false;

	w_str(&w, "Digest username=");
	w_quoted(&w, username);
	w_param(&w, "realm", chal->realm, true);
	w_param(&w, "nonce", chal->nonce, true);
	w_param(&w, "uri", req->uri, true);
	w_param(&w, "response", response, true);
	w_param(&w, "algorithm", sip_digest_algo_name(chal->algo), false);
	if (qop || algo_is_sess(chal->algo))
		w_param(&w, "cnonce", req->cnonce, true);
	if (chal->opaque)
		w_param(&w, "opaque", chal->opaque, true);
	if (qop) {
		snprintf(nc, sizeof(nc), "%08" PRIx32, req->nc);
		w_param(&w, "qop", qop, false);
		w_param(&w, "nc", nc, false);
	}
	if (chal->userhash)
		w_param(&w, "userhash", "true", false);

	if (w.full) {
		buf[0] = '\0';
		return SIP_DIGEST_R_SPACE;
	}

	buf[w.len] = '\0';
	if (lenp)
		*lenp = w.len;
	return 0;
}

int sip_digest_authorization(char *buf, size_t size, size_t *lenp,
			     const struct sip_digest_chal *chal, const struct sip_digest_cred *cred,
			     const struct sip_digest_req *req, enum sip_digest_reason *reason)
{
	return finish(authorization_r(buf, size, lenp, chal, cred, req), reason);
}
