/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP digest authentication, client side (RFC 2617, RFC 7616, RFC 3261
 * section 22): parse a WWW-Authenticate / Proxy-Authenticate challenge,
 * compute the response, build the Authorization / Proxy-Authorization
 * header value.
 *
 * The gateway usually holds HA1 rather than the password (accounts are
 * provisioned with MD5(user:realm:password)), so credentials take either;
 * HA1 is tied to one algorithm, so a SHA-256 challenge needs a SHA-256 HA1
 * or the password.
 *
 * Values from the challenge are echoed into the header we build; the parser
 * therefore refuses control characters in them, so a hostile challenge
 * cannot smuggle a CRLF into our request.
 */
#ifndef SYLK_WS_SIP_DIGEST_H
#define SYLK_WS_SIP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Errors: every function returns 0 or an errno value (sylk_ws/base/error.h):
 *
 *   EINVAL    bad argument: NULL, control character, malformed HA1
 *   ENOMEM    allocation failed
 *   EBADMSG   malformed challenge, or a parameter given twice
 *   ENODATA   challenge lacks realm or nonce
 *   ENOTSUP   not a Digest challenge, algorithm or qop not supported, or
 *             OpenSSL could not compute the hash
 *   ENOENT    neither HA1 nor password for the challenge's algorithm
 *   ENOSPC    output buffer too small
 *
 * The exact reason comes through an enum sip_digest_reason out-parameter
 * (may be NULL); sip_digest_reason_str() is its text. */
enum sip_digest_reason {
	SIP_DIGEST_R_OK = 0,
	SIP_DIGEST_R_NOMEM,   /* ENOMEM: allocation failed */
	SIP_DIGEST_R_INVAL,   /* EINVAL: NULL, control char, bad HA1 */
	SIP_DIGEST_R_SCHEME,  /* ENOTSUP: challenge scheme is not Digest */
	SIP_DIGEST_R_SYNTAX,  /* EBADMSG: malformed parameter list or quoted
				* string */
	SIP_DIGEST_R_DUP,     /* EBADMSG: a parameter given twice */
	SIP_DIGEST_R_MISSING, /* ENODATA: realm or nonce missing */
	SIP_DIGEST_R_ALGO,    /* ENOTSUP: algorithm not supported */
	SIP_DIGEST_R_QOP,     /* ENOTSUP: qop offered, but not "auth" */
	SIP_DIGEST_R_NOCRED,  /* ENOENT: neither HA1 nor password for the
				* algorithm */
	SIP_DIGEST_R_SPACE,   /* ENOSPC: output buffer too small */
	SIP_DIGEST_R_CRYPTO,  /* ENOTSUP: OpenSSL failure */
};

const char *sip_digest_reason_str(enum sip_digest_reason reason);

/* The errno value that goes with a reason. */
int sip_digest_reason_errno(enum sip_digest_reason reason);

enum sip_digest_algo {
	SIP_DIGEST_MD5,
	SIP_DIGEST_MD5_SESS,
	SIP_DIGEST_SHA256,
	SIP_DIGEST_SHA256_SESS,
};

const char *sip_digest_algo_name(enum sip_digest_algo algo);

/* Hex digest lengths, plus NUL. */
#define SIP_DIGEST_MD5_HEX 33
#define SIP_DIGEST_SHA256_HEX 65
#define SIP_DIGEST_HEX_MAX SIP_DIGEST_SHA256_HEX

/* A parsed challenge. Strings are unescaped, NUL-terminated, and owned by
 * the object. */
struct sip_digest_chal {
	const char *realm;
	const char *nonce;
	const char *opaque;        /* NULL if absent */
	enum sip_digest_algo algo; /* MD5 if absent */
	bool algo_given;
	bool qop_given;    /* qop parameter present */
	bool qop_auth;     /* qop list holds "auth" */
	bool qop_auth_int; /* qop list holds "auth-int" */
	bool stale;
	bool userhash; /* RFC 7616: send H(user:realm) as name */
};

/* Parses one challenge value such as
 *   Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth"
 * (len bytes, not necessarily NUL-terminated). Returns 0, EINVAL, ENOMEM,
 * EBADMSG, ENODATA or ENOTSUP (scheme or algorithm); *chalp is set only on
 * success. */
int sip_digest_chal_parse(struct sip_digest_chal **chalp, const char *val, size_t len,
			  enum sip_digest_reason *reason);
void sip_digest_chal_free(struct sip_digest_chal *chal);

/* What the client knows. Any one source usable for the challenge's
 * algorithm is enough; a given HA1 wins over the password. HA1 strings are
 * hex in either case. */
struct sip_digest_cred {
	const char *username;
	const char *password;   /* NULL if unknown */
	const char *ha1_md5;    /* MD5(username:realm:password), or NULL */
	const char *ha1_sha256; /* SHA-256(username:realm:password), or NULL */
};

/* The request being authorised. */
struct sip_digest_req {
	const char *method; /* "REGISTER", "INVITE", ... */
	const char *uri;    /* Request-URI as sent */
	const char *cnonce; /* needed with qop or a -sess algorithm */
	uint32_t nc;        /* nonce count, from 1, with qop */
};

/* HA1 = H(username:realm:password) in hex. Returns 0, EINVAL, ENOSPC,
 * ENOMEM or ENOTSUP (hash failed). */
int sip_digest_ha1(char *hex, size_t size, enum sip_digest_algo algo, const char *username,
		   const char *realm, const char *password);

/* The "response" parameter in hex. qop=auth is used when the challenge
 * offers it, RFC 2069 compatibility when it has no qop. Returns 0, EINVAL,
 * ENOMEM, ENOTSUP (qop without "auth", or hash failed), ENOENT (no
 * credentials for the algorithm) or ENOSPC. */
int sip_digest_response(char *hex, size_t size, const struct sip_digest_chal *chal,
			const struct sip_digest_cred *cred, const struct sip_digest_req *req,
			enum sip_digest_reason *reason);

/* The whole Authorization header value ("Digest username=..., ...");
 * *lenp (if not NULL) gets its length without the NUL. Returns what
 * sip_digest_response() does; on ENOSPC buf holds "" (never a cut-off
 * header). */
int sip_digest_authorization(char *buf, size_t size, size_t *lenp,
			     const struct sip_digest_chal *chal, const struct sip_digest_cred *cred,
			     const struct sip_digest_req *req, enum sip_digest_reason *reason);

#endif
