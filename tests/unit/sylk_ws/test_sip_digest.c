/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/sip/sip_digest.h"

/* The functions return an errno value and give the exact reason through an
 * out-parameter: these wrappers check that the two agree and return the
 * reason, which the tests compare exactly. */
static int parse_r(struct sip_digest_chal **chalp, const char *val, size_t len)
{
	enum sip_digest_reason r = (enum sip_digest_reason) - 1;
	int err = sip_digest_chal_parse(chalp, val, len, &r);

	CHECK_INT(err, sip_digest_reason_errno(r));
	return (int)r;
}

static int response_r(char *hex, size_t size, const struct sip_digest_chal *chal,
		      const struct sip_digest_cred *cred, const struct sip_digest_req *req)
{
	enum sip_digest_reason r = (enum sip_digest_reason) - 1;
	int err = sip_digest_response(hex, size, chal, cred, req, &r);

	CHECK_INT(err, sip_digest_reason_errno(r));
	return (int)r;
}

static int authorization_r(char *buf, size_t size, size_t *lenp, const struct sip_digest_chal *chal,
			   const struct sip_digest_cred *cred, const struct sip_digest_req *req)
{
	enum sip_digest_reason r = (enum sip_digest_reason) - 1;
	int err = sip_digest_authorization(buf, size, lenp, chal, cred, req, &r);

	CHECK_INT(err, sip_digest_reason_errno(r));
	return (int)r;
}

static struct sip_digest_chal *parse_ok(const char *val)
{
	struct sip_digest_chal *chal = NULL;
	int r = parse_r(&chal, val, strlen(val));

	if (r)
		fprintf(stderr, "  challenge \"%s\": %s\n", val,
			sip_digest_reason_str((enum sip_digest_reason)r));
	CHECK_INT(r, SIP_DIGEST_R_OK);
	return chal;
}

/* RFC 2617 section 3.5. */
static const char rfc2617_chal[] =
	"Digest\r\n"
	"                 realm=\"testrealm@host.com\",\r\n"
	"                 qop=\"auth,auth-int\",\r\n"
	"                 nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n"
	"                 opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"";

static void test_rfc2617_example(void)
{
	const struct sip_digest_cred by_password = {
		.username = "Mufasa",
		.password = "Circle Of Life",
	};
	const struct sip_digest_cred by_ha1 = {
		.username = "Mufasa",
		/* Upper case on purpose: must be hashed as lower case. */
		.ha1_md5 = "939E7578ED9E3C518A452ACEE763BCE9",
	};
	const struct sip_digest_req req = {
		.method = "GET",
		.uri = "/dir/index.html",
		.cnonce = "0a4f113b",
		.nc = 1,
	};
	struct sip_digest_chal *chal = parse_ok(rfc2617_chal);
	char hex[SIP_DIGEST_HEX_MAX], hdr[512];
	size_t len = 0;

	if (!chal)
		return;
	CHECK_STR(chal->realm, "testrealm@host.com");
	CHECK_STR(chal->nonce, "dcd98b7102dd2f0e8b11d0f600bfb0c093");
	CHECK_STR(chal->opaque, "5ccc069c403ebaf9f0171e9517f40e41");
	CHECK_INT(chal->algo, SIP_DIGEST_MD5);
	CHECK(!chal->algo_given);
	CHECK(chal->qop_given && chal->qop_auth && chal->qop_auth_int);
	CHECK(!chal->stale);

	CHECK_INT(sip_digest_ha1(hex, sizeof(hex), SIP_DIGEST_MD5, "Mufasa", "testrealm@host.com",
				 "Circle Of Life"),
		  0);
	CHECK_STR(hex, "939e7578ed9e3c518a452acee763bce9");

	CHECK_INT(response_r(hex, sizeof(hex), chal, &by_password, &req), 0);
	CHECK_STR(hex, "6629fae49393a05397450978507c4ef1");
	CHECK_INT(response_r(hex, sizeof(hex), chal, &by_ha1, &req), 0);
	CHECK_STR(hex, "6629fae49393a05397450978507c4ef1");

	CHECK_INT(authorization_r(hdr, sizeof(hdr), &len, chal, &by_ha1, &req), 0);
	CHECK_STR(hdr, "Digest username=\"Mufasa\", realm=\"testrealm@host.com\", "
		       "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
		       "uri=\"/dir/index.html\", "
		       "response=\"6629fae49393a05397450978507c4ef1\", "
		       "algorithm=MD5, cnonce=\"0a4f113b\", "
		       "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\", "
		       "qop=auth, nc=00000001");
	CHECK_INT(len, strlen(hdr));

	sip_digest_chal_free(chal);
}

/* RFC 7616 section 3.9.1: the same challenge answered with SHA-256 and
 * with MD5. */
static void test_rfc7616_example(void)
{
	const struct sip_digest_req req = {
		.method = "GET",
		.uri = "/dir/index.html",
		.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
		.nc = 1,
	};
	const struct sip_digest_cred pw = {
		.username = "Mufasa",
		.password = "Circle of Life",
	};
	const struct sip_digest_cred ha1_sha = {
		.username = "Mufasa",
		.ha1_sha256 = "7987c64c30e25f1b74be53f966b49b90"
			      "f2808aa92faf9a00262392d7b4794232",
	};
	const struct sip_digest_cred ha1_md5_only = {
		.username = "Mufasa",
		.ha1_md5 = "3d78807defe7de2157e2b0b6573a855f",
	};
	struct sip_digest_chal *sha, *md5;
	char hex[SIP_DIGEST_HEX_MAX], hdr[512];

	sha = parse_ok("Digest\n    realm=\"http-auth@example.org\",\n"
		       "    qop=\"auth, auth-int\",\n    algorithm=SHA-256,\n"
		       "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\n"
		       "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
	md5 = parse_ok("Digest\n    realm=\"http-auth@example.org\",\n"
		       "    qop=\"auth, auth-int\",\n    algorithm=MD5,\n"
		       "    nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\",\n"
		       "    opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"");
	if (!sha || !md5)
		goto out;

	CHECK_INT(sha->algo, SIP_DIGEST_SHA256);
	CHECK(sha->algo_given && sha->qop_auth && sha->qop_auth_int);

	CHECK_INT(sip_digest_ha1(hex, sizeof(hex), SIP_DIGEST_SHA256, "Mufasa",
				 "http-auth@example.org", "Circle of Life"),
		  0);
	CHECK_STR(hex, ha1_sha.ha1_sha256);

	CHECK_INT(response_r(hex, sizeof(hex), sha, &pw, &req), 0);
	CHECK_STR(hex, "753927fa0e85d155564e2e272a28d180"
		       "2ca10daf4496794697cf8db5856cb6c1");
	CHECK_INT(response_r(hex, sizeof(hex), sha, &ha1_sha, &req), 0);
	CHECK_STR(hex, "753927fa0e85d155564e2e272a28d180"
		       "2ca10daf4496794697cf8db5856cb6c1");
	/* An MD5 HA1 is useless against a SHA-256 challenge. */
	CHECK_INT(response_r(hex, sizeof(hex), sha, &ha1_md5_only, &req), SIP_DIGEST_R_NOCRED);
	/* A 32-byte buffer cannot take a SHA-256 response. */
	CHECK_INT(response_r(hex, 33, sha, &pw, &req), SIP_DIGEST_R_SPACE);

	CHECK_INT(response_r(hex, sizeof(hex), md5, &pw, &req), 0);
	CHECK_STR(hex, "8ca523f5e9506fed4657c9700eebdbec");
	CHECK_INT(response_r(hex, sizeof(hex), md5, &ha1_md5_only, &req), 0);
	CHECK_STR(hex, "8ca523f5e9506fed4657c9700eebdbec");

	CHECK_INT(authorization_r(hdr, sizeof(hdr), NULL, sha, &ha1_sha, &req), 0);
	CHECK_STR(hdr, "Digest username=\"Mufasa\", "
		       "realm=\"http-auth@example.org\", "
		       "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
		       "uri=\"/dir/index.html\", "
		       "response=\"753927fa0e85d155564e2e272a28d180"
		       "2ca10daf4496794697cf8db5856cb6c1\", "
		       "algorithm=SHA-256, "
		       "cnonce=\"f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ\", "
		       "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\", "
		       "qop=auth, nc=00000001");
out:
	sip_digest_chal_free(sha);
	sip_digest_chal_free(md5);
}

/* Expected values below were computed independently (Python hashlib). */
static void test_no_qop_and_sess(void)
{
	const struct sip_digest_cred cred = {
		.username = "Mufasa",
		.password = "Circle Of Life",
	};
	struct sip_digest_req req = {
		.method = "GET",
		.uri = "/dir/index.html",
		.cnonce = "0a4f113b",
		.nc = 1,
	};
	struct sip_digest_chal *chal;
	char hex[SIP_DIGEST_HEX_MAX], hdr[512];

	/* RFC 2069 compatibility: no qop, so no cnonce or nc either. */
	chal = parse_ok("Digest realm=\"testrealm@host.com\", "
			"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"");
	if (chal) {
		CHECK(!chal->qop_given);
		CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), 0);
		CHECK_STR(hex, "670fd8c2df070c60b045671b8b24ff02");
		req.cnonce = NULL;
		req.nc = 0;
		CHECK_INT(authorization_r(hdr, sizeof(hdr), NULL, chal, &cred, &req), 0);
		CHECK_STR(hdr, "Digest username=\"Mufasa\", "
			       "realm=\"testrealm@host.com\", "
			       "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
			       "uri=\"/dir/index.html\", "
			       "response=\"670fd8c2df070c60b045671b8b24ff02\", "
			       "algorithm=MD5");
		sip_digest_chal_free(chal);
	}

	req.cnonce = "0a4f113b";
	req.nc = 1;
	chal = parse_ok("Digest realm=\"testrealm@host.com\", qop=auth, "
			"nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", "
			"algorithm=md5-SESS");
	if (chal) {
		CHECK_INT(chal->algo, SIP_DIGEST_MD5_SESS);
		CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), 0);
		CHECK_STR(hex, "8e3825c57e897f5a0dec6c2d4e5059d0");
		sip_digest_chal_free(chal);
	}

	chal = parse_ok("Digest realm=\"http-auth@example.org\", qop=\"auth\", "
			"nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\", "
			"algorithm=\"SHA-256-sess\"");
	if (chal) {
		const struct sip_digest_cred c2 = {
			.username = "Mufasa",
			.password = "Circle of Life",
		};

		req.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
		CHECK_INT(chal->algo, SIP_DIGEST_SHA256_SESS);
		CHECK_INT(response_r(hex, sizeof(hex), chal, &c2, &req), 0);
		CHECK_STR(hex, "2fd51b3a77ad75bad6afad6003e818d7"
			       "67133c46d9e2749e7f5232ae1ea3efd7");
		/* -sess needs a cnonce even though qop could be absent. */
		req.cnonce = NULL;
		CHECK_INT(response_r(hex, sizeof(hex), chal, &c2, &req), SIP_DIGEST_R_INVAL);
		sip_digest_chal_free(chal);
	}
}

static void test_sip_register(void)
{
	const struct sip_digest_cred cred = {
		.username = "alice",
		.ha1_md5 = "4c00389f118405a62dc666c595d7e0d8",
	};
	struct sip_digest_req req = {
		.method = "REGISTER",
		.uri = "sip:atlanta.com",
		.cnonce = "xyz",
		.nc = 0x1a2b,
	};
	struct sip_digest_chal *chal;
	char hex[SIP_DIGEST_HEX_MAX], hdr[512];

	/* Kamailio's auth module style: unquoted algorithm, qop token. */
	chal = parse_ok("Digest realm=\"atlanta.com\", "
			"nonce=\"84a4cc6f3082121f32b42a2187831a9e\", "
			"qop=\"auth\", stale=TRUE");
	if (!chal)
		return;
	CHECK(chal->stale);
	CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), 0);
	CHECK_STR(hex, "23d2e126ce403a0bdf7b74fa15f03386");
	CHECK_INT(authorization_r(hdr, sizeof(hdr), NULL, chal, &cred, &req), 0);
	CHECK(strstr(hdr, ", nc=00001a2b") != NULL);
	CHECK(strstr(hdr, ", qop=auth") != NULL);
	CHECK(strstr(hdr, "opaque") == NULL);

	/* nc 0 is never valid with qop. */
	req.nc = 0;
	CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), SIP_DIGEST_R_INVAL);
	req.nc = 1;
	req.cnonce = "";
	CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), SIP_DIGEST_R_INVAL);
	sip_digest_chal_free(chal);
}

static void test_userhash(void)
{
	const struct sip_digest_cred cred = {
		.username = "Mufasa",
		.password = "Circle of Life",
	};
	const struct sip_digest_req req = {
		.method = "GET",
		.uri = "/dir/index.html",
		.cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
		.nc = 1,
	};
	/* H("Mufasa:http-auth@example.org") with SHA-256. */
	static const char want[] = "Digest username=\"a947aad205e80e429958a387394944c6"
				   "b496301e79f89d35a4cc23b6ee12b5b6\", ";
	struct sip_digest_chal *chal;
	char hdr[512];

	chal = parse_ok("Digest realm=\"http-auth@example.org\", qop=\"auth\", "
			"algorithm=SHA-256, nonce=\"n\", userhash=true");
	if (!chal)
		return;
	CHECK(chal->userhash);
	CHECK_INT(authorization_r(hdr, sizeof(hdr), NULL, chal, &cred, &req), 0);
	CHECK(strncmp(hdr, want, strlen(want)) == 0);
	CHECK(strstr(hdr, ", userhash=true") != NULL);
	sip_digest_chal_free(chal);
}

static void test_escapes_round_trip(void)
{
	/* Escaped quotes and backslashes come out unescaped and go back in
	 * escaped, so the server sees the realm it sent. */
	const struct sip_digest_cred cred = {
		.username = "bob \"the\" builder",
		.password = "x",
	};
	const struct sip_digest_req req = {
		.method = "INVITE",
		.uri = "sip:b@x",
		.cnonce = "c",
		.nc = 1,
	};
	struct sip_digest_chal *chal, *again;
	char hdr[512];

	chal = parse_ok("  digest   REALM = \"a \\\"q\\\" \\\\ b\\x\" ,,"
			" nonce=abc/+==, opaque=\"\", domain=\"sip:a sip:b\","
			" charset=UTF-8, future-param=\"x,y\"");
	if (!chal)
		return;
	CHECK_STR(chal->realm, "a \"q\" \\ bx");
	CHECK_STR(chal->nonce, "abc/+==");
	CHECK_STR(chal->opaque, "");
	CHECK(!chal->qop_given);

	CHECK_INT(authorization_r(hdr, sizeof(hdr), NULL, chal, &cred, &req), 0);
	CHECK(strstr(hdr, "username=\"bob \\\"the\\\" builder\"") != NULL);
	CHECK(strstr(hdr, "realm=\"a \\\"q\\\" \\\\ bx\"") != NULL);
	CHECK(strstr(hdr, "opaque=\"\"") != NULL);

	/* An Authorization value has the same parameter syntax: parsing it
	 * back yields the challenge's values unchanged. */
	again = parse_ok(hdr);
	if (again) {
		CHECK_STR(again->realm, chal->realm);
		CHECK_STR(again->nonce, chal->nonce);
		CHECK_STR(again->opaque, chal->opaque);
	}
	sip_digest_chal_free(again);
	sip_digest_chal_free(chal);
}

struct bad_chal {
	const char *val;
	int err;
};

static void test_malformed_challenges(void)
{
	static const struct bad_chal cases[] = {
		{"", SIP_DIGEST_R_SYNTAX},
		{"   ", SIP_DIGEST_R_SYNTAX},
		{"Basic realm=\"x\"", SIP_DIGEST_R_SCHEME},
		{"Digestrealm=\"x\", nonce=\"y\"", SIP_DIGEST_R_SCHEME},
		{"Digest,realm=\"x\", nonce=\"y\"", SIP_DIGEST_R_SCHEME},
		{"Digest", SIP_DIGEST_R_MISSING},
		{"Digest   ", SIP_DIGEST_R_MISSING},
		{"Digest realm=\"x\"", SIP_DIGEST_R_MISSING},
		{"Digest nonce=\"x\"", SIP_DIGEST_R_MISSING},
		{"Digest realm=\"x\", nonce=\"y\", realm=\"z\"", SIP_DIGEST_R_DUP},
		{"Digest realm=\"x\", nonce=\"y\", NONCE=y", SIP_DIGEST_R_DUP},
		{"Digest realm=\"x\", nonce=\"y\", algorithm=SHA-512-256", SIP_DIGEST_R_ALGO},
		{"Digest realm=\"x\", nonce=\"y\", algorithm=\"\"", SIP_DIGEST_R_ALGO},
		{"Digest realm=\"x, nonce=\"y\"", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"x", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"x\\", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=, nonce=y", SIP_DIGEST_R_SYNTAX},
		{"Digest realm", SIP_DIGEST_R_SYNTAX},
		{"Digest realm nonce", SIP_DIGEST_R_SYNTAX},
		{"Digest =\"x\"", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"x\" nonce=\"y\"", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"x\"\"\", nonce=\"y\"", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=x\"y\", nonce=z", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"a\r\nVia: evil\", nonce=\"y\"", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"a\\\nb\", nonce=\"y\"", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"a\x01\", nonce=\"y\"", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"x\", nonce=\"y\"; foo=bar", SIP_DIGEST_R_SYNTAX},
		{"Digest re@lm=\"x\", nonce=\"y\"", SIP_DIGEST_R_SYNTAX},
		{"Digest realm=\"x\", nonce=\"y\", Basic realm=\"z\"", SIP_DIGEST_R_SYNTAX},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sip_digest_chal *chal = NULL;
		int err = parse_r(&chal, cases[i].val, strlen(cases[i].val));

		if (err != cases[i].err)
			fprintf(stderr, "  challenge \"%s\"\n", cases[i].val);
		CHECK_INT(err, cases[i].err);
		CHECK(chal == NULL);
	}

	/* A NUL inside the value (length given explicitly). */
	{
		static const char v[] = "Digest realm=\"a\0b\", nonce=\"y\"";
		struct sip_digest_chal *chal = NULL;

		CHECK_INT(parse_r(&chal, v, sizeof(v) - 1), SIP_DIGEST_R_SYNTAX);
	}

	/* Only the given length is read: the valid tail is out of reach. */
	{
		static const char v[] = "Digest realm=\"x\", nonce=\"y\"";
		struct sip_digest_chal *chal = NULL;
		size_t n;

		for (n = 0; n < sizeof(v) - 2; n++) {
			CHECK(parse_r(&chal, v, n) != 0);
			CHECK(chal == NULL);
		}
		CHECK_INT(parse_r(&chal, v, sizeof(v) - 1), 0);
		sip_digest_chal_free(chal);
	}

	CHECK_INT(parse_r(NULL, "Digest", 6), SIP_DIGEST_R_INVAL);
	{
		struct sip_digest_chal *chal = NULL;

		CHECK_INT(parse_r(&chal, NULL, 0), SIP_DIGEST_R_SYNTAX);
		CHECK_INT(parse_r(&chal, NULL, 5), SIP_DIGEST_R_INVAL);
	}
	sip_digest_chal_free(NULL);
}

static void test_qop_and_argument_errors(void)
{
	const struct sip_digest_cred cred = {.username = "u", .password = "p"};
	struct sip_digest_req req = {.method = "INVITE", .uri = "sip:x", .cnonce = "c", .nc = 1};
	struct sip_digest_cred bad;
	struct sip_digest_chal *chal;
	char hex[SIP_DIGEST_HEX_MAX], hdr[64];

	chal = parse_ok("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\"");
	if (chal) {
		CHECK(chal->qop_given && !chal->qop_auth && chal->qop_auth_int);
		CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), SIP_DIGEST_R_QOP);
		sip_digest_chal_free(chal);
	}
	chal = parse_ok("Digest realm=\"r\", nonce=\"n\", qop=\"\"");
	if (chal) {
		CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), SIP_DIGEST_R_QOP);
		sip_digest_chal_free(chal);
	}
	/* Unknown qop tokens are skipped, auth is still found. */
	chal = parse_ok("Digest realm=\"r\", nonce=\"n\", "
			"qop=\" auth-conf ,AUTH \"");
	if (!chal)
		return;
	CHECK(chal->qop_auth);

	bad = cred;
	bad.password = NULL;
	CHECK_INT(response_r(hex, sizeof(hex), chal, &bad, &req), SIP_DIGEST_R_NOCRED);
	bad.ha1_md5 = "0123";
	CHECK_INT(response_r(hex, sizeof(hex), chal, &bad, &req), SIP_DIGEST_R_INVAL);
	bad.ha1_md5 = "0123456789abcdef0123456789abcdeg";
	CHECK_INT(response_r(hex, sizeof(hex), chal, &bad, &req), SIP_DIGEST_R_INVAL);
	bad.ha1_md5 = NULL;
	bad.username = NULL;
	bad.password = "p";
	CHECK_INT(response_r(hex, sizeof(hex), chal, &bad, &req), SIP_DIGEST_R_INVAL);
	bad.username = "u\r\nX: y";
	CHECK_INT(response_r(hex, sizeof(hex), chal, &bad, &req), SIP_DIGEST_R_INVAL);

	req.uri = "sip:x\r\nContact: evil";
	CHECK_INT(authorization_r(hdr, sizeof(hdr), NULL, chal, &cred, &req), SIP_DIGEST_R_INVAL);
	req.uri = "sip:x";
	req.method = NULL;
	CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), SIP_DIGEST_R_INVAL);
	req.method = "INVITE";
	req.cnonce = NULL;
	CHECK_INT(response_r(hex, sizeof(hex), chal, &cred, &req), SIP_DIGEST_R_INVAL);
	req.cnonce = "c";

	CHECK_INT(response_r(hex, 32, chal, &cred, &req), SIP_DIGEST_R_SPACE);
	CHECK_INT(response_r(NULL, 33, chal, &cred, &req), SIP_DIGEST_R_INVAL);
	CHECK_INT(response_r(hex, 33, NULL, &cred, &req), SIP_DIGEST_R_INVAL);

	/* The header does not fit in 64 bytes: an error, never a cut-off
	 * header. */
	CHECK_INT(authorization_r(hdr, sizeof(hdr), NULL, chal, &cred, &req), SIP_DIGEST_R_SPACE);
	CHECK_STR(hdr, "");
	CHECK_INT(authorization_r(hdr, 0, NULL, chal, &cred, &req), SIP_DIGEST_R_INVAL);

	CHECK_INT(sip_digest_ha1(hex, 32, SIP_DIGEST_MD5, "u", "r", "p"), ENOSPC);
	CHECK_INT(sip_digest_ha1(hex, sizeof(hex), (enum sip_digest_algo)9, "u", "r", "p"), EINVAL);
	sip_digest_chal_free(chal);
}

static void test_exact_fit(void)
{
	const struct sip_digest_cred cred = {.username = "u", .password = "p"};
	const struct sip_digest_req req = {.method = "INVITE", .uri = "sip:x"};
	struct sip_digest_chal *chal;
	char hdr[256];
	size_t len = 0;

	chal = parse_ok("Digest realm=\"r\", nonce=\"n\"");
	if (!chal)
		return;
	CHECK_INT(authorization_r(hdr, sizeof(hdr), &len, chal, &cred, &req), 0);
	/* len + 1 bytes suffice, len do not. */
	CHECK_INT(authorization_r(hdr, len + 1, NULL, chal, &cred, &req), 0);
	CHECK_INT(strlen(hdr), len);
	CHECK_INT(authorization_r(hdr, len, NULL, chal, &cred, &req), SIP_DIGEST_R_SPACE);
	sip_digest_chal_free(chal);
}

static void test_names(void)
{
	int e;

	CHECK_STR(sip_digest_algo_name(SIP_DIGEST_SHA256_SESS), "SHA-256-sess");
	CHECK(sip_digest_algo_name((enum sip_digest_algo)4) == NULL);
	for (e = SIP_DIGEST_R_OK; e <= SIP_DIGEST_R_CRYPTO; e++)
		CHECK(strcmp(sip_digest_reason_str((enum sip_digest_reason)e), "unknown error") !=
		      0);
	CHECK_STR(sip_digest_reason_str((enum sip_digest_reason) - 1), "unknown error");

	/* The texts the gateway logs, as they were before the errno
	 * convention. */
	CHECK_STR(sip_digest_reason_str(SIP_DIGEST_R_SCHEME), "not a Digest challenge");
	CHECK_STR(sip_digest_reason_str(SIP_DIGEST_R_SYNTAX), "malformed challenge");
	CHECK_STR(sip_digest_reason_str(SIP_DIGEST_R_QOP), "unsupported qop");
	CHECK_STR(sip_digest_reason_str(SIP_DIGEST_R_NOCRED), "no credentials for the algorithm");
	CHECK_STR(sip_digest_reason_str(SIP_DIGEST_R_SPACE), "output buffer too small");

	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_OK), 0);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_NOMEM), ENOMEM);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_INVAL), EINVAL);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_SCHEME), ENOTSUP);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_SYNTAX), EBADMSG);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_DUP), EBADMSG);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_MISSING), ENODATA);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_ALGO), ENOTSUP);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_QOP), ENOTSUP);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_NOCRED), ENOENT);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_SPACE), ENOSPC);
	CHECK_INT(sip_digest_reason_errno(SIP_DIGEST_R_CRYPTO), ENOTSUP);
}

int main(void)
{
	RUN(test_rfc2617_example);
	RUN(test_rfc7616_example);
	RUN(test_no_qop_and_sess);
	RUN(test_sip_register);
	RUN(test_userhash);
	RUN(test_escapes_round_trip);
	RUN(test_malformed_challenges);
	RUN(test_qop_and_argument_errors);
	RUN(test_exact_fit);
	RUN(test_names);
	return check_summary();
}
