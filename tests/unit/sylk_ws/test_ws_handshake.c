/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/ws/ws_handshake: accept key, key validation,
 * subprotocol choice, Origin allow-list, whole-request validation and the
 * 101 header text. */
#include <errno.h>
#include <stdint.h>
#include "check.h"
#include "sylk_ws/ws/ws_handshake.h"

static const char *const sylk_protocols[] = {"sylkRTC-2", "sylkRTC-1", NULL};


static void test_accept(void)
{
	char out[WS_HANDSHAKE_ACCEPT_LEN + 1];

	/* RFC 6455 1.3 / 4.2.2 example */
	CHECK_INT(ws_handshake_accept(out, "dGhlIHNhbXBsZSBub25jZQ=="), 0);
	CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

	/* surrounding whitespace is not part of the key */
	memset(out, 0, sizeof(out));
	CHECK_INT(ws_handshake_accept(out, " \tdGhlIHNhbXBsZSBub25jZQ== "), 0);
	CHECK_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

	/* another key (accept computed independently with openssl):
	 * printf 'AAAAAAAAAAAAAAAAAAAAAA==258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
	 *   | openssl sha1 -binary | base64 */
	CHECK_INT(ws_handshake_accept(out, "AAAAAAAAAAAAAAAAAAAAAA=="), 0);
	CHECK_STR(out, "ICX+Yqv66kxgM0FcWaLWlFLwTAI=");

	CHECK_INT(ws_handshake_accept(out, "short"), EINVAL);
	CHECK_INT(ws_handshake_accept(out, NULL), EINVAL);
	CHECK_INT(ws_handshake_accept(NULL, "dGhlIHNhbXBsZSBub25jZQ=="), EINVAL);
}


static void test_key_valid(void)
{
	CHECK(ws_handshake_key_valid("dGhlIHNhbXBsZSBub25jZQ=="));
	CHECK(ws_handshake_key_valid("  dGhlIHNhbXBsZSBub25jZQ==\t"));
	CHECK(ws_handshake_key_valid("x3JJHMbDL1EzLkh9GBhXDw=="));
	CHECK(ws_handshake_key_valid("+/+/+/+/+/+/+/+/+/+/+w=="));

	CHECK(!ws_handshake_key_valid(NULL));
	CHECK(!ws_handshake_key_valid(""));
	/* 15 bytes (20 chars, no padding) and 17 bytes (one '=') */
	CHECK(!ws_handshake_key_valid("AAAAAAAAAAAAAAAAAAAA"));
	CHECK(!ws_handshake_key_valid("AAAAAAAAAAAAAAAAAAAAAAA="));
	/* 18 bytes: 24 chars, no padding */
	CHECK(!ws_handshake_key_valid("AAAAAAAAAAAAAAAAAAAAAAAA"));
	/* right length, padding misplaced or missing */
	CHECK(!ws_handshake_key_valid("AAAAAAAAAAAAAAAAAAAAA==="));
	CHECK(!ws_handshake_key_valid("AAAAAAAAAAAAAAAAAAAAAA=A"));
	/* characters outside the alphabet (base64url, space inside) */
	CHECK(!ws_handshake_key_valid("AAAAAAAAAAAAAAAAAAAAA-=="));
	CHECK(!ws_handshake_key_valid("AAAAAAAAAAAAAAAAAAAAA_=="));
	CHECK(!ws_handshake_key_valid("AAAAAAAAAA AAAAAAAAAAA=="));
	/* two keys joined by the caller because the header repeated */
	CHECK(!ws_handshake_key_valid("dGhlIHNhbXBsZSBub25jZQ==, dGhlIHNhbXBsZSBub25jZQ=="));
	/* too long */
	CHECK(!ws_handshake_key_valid("dGhlIHNhbXBsZSBub25jZQ==A"));
}


static void test_protocol_choose(void)
{
	const char *const sip_only[] = {"sip", NULL};
	const char *chosen = "x";

	/* the client's order decides, not the server's */
	CHECK_INT(ws_handshake_protocol_choose("sylkRTC-1, sylkRTC-2", sylk_protocols, &chosen), 0);
	CHECK_STR(chosen, "sylkRTC-1");
	CHECK(chosen == sylk_protocols[1]); /* the server's own string */
	CHECK_INT(ws_handshake_protocol_choose("sylkRTC-2,sylkRTC-1", sylk_protocols, &chosen), 0);
	CHECK_STR(chosen, "sylkRTC-2");

	/* skip unsupported ones */
	CHECK_INT(ws_handshake_protocol_choose("chat, superchat,sip", sip_only, &chosen), 0);
	CHECK_STR(chosen, "sip");

	/* whitespace and empty list elements */
	CHECK_INT(ws_handshake_protocol_choose(" ,\t, sip ,", sip_only, &chosen), 0);
	CHECK_STR(chosen, "sip");

	/* nothing offered */
	chosen = "x";
	CHECK_INT(ws_handshake_protocol_choose(NULL, sip_only, &chosen), 0);
	CHECK(chosen == NULL);
	chosen = "x";
	CHECK_INT(ws_handshake_protocol_choose("  ", sip_only, &chosen), 0);
	CHECK(chosen == NULL);
	CHECK_INT(ws_handshake_protocol_choose(" , ", sip_only, &chosen), 0);
	CHECK(chosen == NULL);

	/* offered, nothing matches; case matters (RFC 7936) */
	CHECK_INT(ws_handshake_protocol_choose("chat", sip_only, &chosen), ENOENT);
	CHECK(chosen == NULL);
	CHECK_INT(ws_handshake_protocol_choose("SIP", sip_only, &chosen), ENOENT);
	CHECK_INT(ws_handshake_protocol_choose("sip", NULL, &chosen), ENOENT);
	/* a prefix is not a match */
	CHECK_INT(ws_handshake_protocol_choose("si, sips", sip_only, &chosen), ENOENT);

	/* not tokens */
	CHECK_INT(ws_handshake_protocol_choose("a b", sip_only, &chosen), EBADMSG);
	CHECK_INT(ws_handshake_protocol_choose("sip, a;b", sip_only, &chosen), EBADMSG);
	CHECK_INT(ws_handshake_protocol_choose("sip, \"q\"", sip_only, &chosen), EBADMSG);
	CHECK_INT(ws_handshake_protocol_choose("sip\r\nX: y", sip_only, &chosen), EBADMSG);

	CHECK_INT(ws_handshake_protocol_choose("sip", sip_only, NULL), EINVAL);
}


static void test_origin(void)
{
	/* no allow-list, or "*": anything */
	CHECK(ws_handshake_origin_allowed("https://evil.example", NULL));
	CHECK(ws_handshake_origin_allowed("https://evil.example", ""));
	CHECK(ws_handshake_origin_allowed("https://evil.example", " , "));
	CHECK(ws_handshake_origin_allowed("https://evil.example", "*"));
	CHECK(ws_handshake_origin_allowed("https://evil.example", "https://a.example, *"));

	/* no Origin: allowed (non-browser client) */
	CHECK(ws_handshake_origin_allowed(NULL, "https://a.example"));
	CHECK(ws_handshake_origin_allowed("", "https://a.example"));

	/* exact scheme://host[:port], host and scheme case-insensitive */
	CHECK(ws_handshake_origin_allowed("https://a.example", "https://a.example"));
	CHECK(ws_handshake_origin_allowed("https://A.Example", "https://a.example"));
	CHECK(ws_handshake_origin_allowed("HTTPS://a.example", "https://a.EXAMPLE"));
	CHECK(ws_handshake_origin_allowed(" https://a.example ", "https://a.example"));
	CHECK(ws_handshake_origin_allowed("http://127.0.0.1:10888",
					  "https://x.example http://127.0.0.1:10888"));
	CHECK(ws_handshake_origin_allowed("http://b.example",
					  "https://a.example,http://b.example"));
	CHECK(ws_handshake_origin_allowed("http://b.example",
					  "https://a.example,\thttp://b.example , "));

	/* default ports are the same origin */
	CHECK(ws_handshake_origin_allowed("https://a.example", "https://a.example:443"));
	CHECK(ws_handshake_origin_allowed("https://a.example:443", "https://a.example"));
	CHECK(ws_handshake_origin_allowed("http://a.example:80", "http://a.example"));
	CHECK(!ws_handshake_origin_allowed("http://a.example:443", "https://a.example"));

	/* different scheme, host or port */
	CHECK(!ws_handshake_origin_allowed("http://a.example", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://b.example", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://a.example:8443", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://a.example", "https://a.example:8443"));

	/* suffix and prefix tricks */
	CHECK(!ws_handshake_origin_allowed("https://a.example.evil.org", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://evil-a.example", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://a.exampl", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://a.example@evil.org", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://evil.org/https://a.example",
					   "https://a.example"));

	/* a trailing slash in the allow-list is forgiven, a path is not */
	CHECK(ws_handshake_origin_allowed("https://a.example", "https://a.example/"));
	CHECK(!ws_handshake_origin_allowed("https://a.example", "https://a.example/x"));

	/* IPv6 literals */
	CHECK(ws_handshake_origin_allowed("http://[::1]:8080", "http://[::1]:8080"));
	CHECK(ws_handshake_origin_allowed("http://[::1]", "http://[::1]:80"));
	CHECK(!ws_handshake_origin_allowed("http://[::1]:8081", "http://[::1]:8080"));

	/* malformed origins never match an entry */
	CHECK(!ws_handshake_origin_allowed("a.example", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://", "https://"));
	CHECK(!ws_handshake_origin_allowed("https://a.example:", "https://a.example:"));
	CHECK(!ws_handshake_origin_allowed("https://a.example:99999", "https://a.example:99999"));
	CHECK(!ws_handshake_origin_allowed("https://a.example:8x", "https://a.example:8x"));

	/* opaque origin */
	CHECK(ws_handshake_origin_allowed("null", "null"));
	CHECK(ws_handshake_origin_allowed("null", "*"));
	CHECK(!ws_handshake_origin_allowed("null", "https://a.example"));
	CHECK(!ws_handshake_origin_allowed("https://a.example", "null"));
}


static struct ws_upgrade_req good_req(void)
{
	struct ws_upgrade_req r = {
		.method = "GET",
		.http_version = "HTTP/1.1",
		.target = "/webrtcgateway/ws",
		.host = "127.0.0.1:10888",
		.upgrade = "websocket",
		.connection = "Upgrade",
		.key = "dGhlIHNhbXBsZSBub25jZQ==",
		.version = "13",
		.origin = "http://127.0.0.1:10888",
		.protocol = "sylkRTC-2",
	};
	return r;
}


static const struct ws_upgrade_cfg good_cfg = {
	.path = "/webrtcgateway/ws",
	.origin_allow = "http://127.0.0.1:10888 https://app.example",
	.protocols = sylk_protocols,
};


static void expect(const struct ws_upgrade_req *req, const struct ws_upgrade_cfg *cfg, int status,
		   const char *detail, int line)
{
	struct ws_upgrade_result res;
	int got = ws_handshake_check(req, cfg, &res);

	if (got != 0 || res.status != status || (detail && strcmp(res.detail, detail) != 0))
		fprintf(stderr, "    line %d: got %d, status %d (%s), want %d (%s)\n", line, got,
			res.status, res.detail, status, detail ? detail : "");
	CHECK_INT(got, 0);
	CHECK_INT(res.status, status);
	if (detail)
		CHECK_STR(res.detail, detail);
	CHECK(res.reason && *res.reason);
	CHECK(res.headers != NULL);
}

#define EXPECT(req, cfg, status, detail) expect(req, cfg, status, detail, __LINE__)


static void test_check_accepts(void)
{
	struct ws_upgrade_req r = good_req();
	struct ws_upgrade_cfg c = good_cfg;
	struct ws_upgrade_result res;

	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 101);
	CHECK_INT(res.status, 101);
	CHECK_STR(res.reason, "Switching Protocols");
	CHECK_STR(res.detail, "");
	CHECK_STR(res.headers, "");
	CHECK_STR(res.protocol, "sylkRTC-2");

	/* what real browsers send */
	r.connection = "keep-alive, Upgrade"; /* Firefox */
	r.upgrade = "WebSocket";
	r.protocol = "sylkRTC-1, sylkRTC-2";
	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 101);
	CHECK_STR(res.protocol, "sylkRTC-1");

	/* a query string does not change the path */
	r.target = "/webrtcgateway/ws?token=abc";
	EXPECT(&r, &c, 101, "");

	/* values with OWS, later HTTP/1.x */
	r = good_req();
	r.version = " 13 ";
	r.key = " dGhlIHNhbXBsZSBub25jZQ== ";
	r.http_version = "HTTP/1.2";
	EXPECT(&r, &c, 101, "");

	/* any path, no origin list, no protocol at all */
	r = good_req();
	r.target = "/anything";
	r.origin = "https://elsewhere.example";
	r.protocol = NULL;
	c.path = NULL;
	c.origin_allow = NULL;
	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 101);
	CHECK(res.protocol == NULL);

	/* server without subprotocols: client's offer is ignored */
	r.protocol = "chat";
	c.protocols = NULL;
	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 101);
	CHECK(res.protocol == NULL);

	/* no Origin header: allowed even with an allow-list */
	r = good_req();
	r.origin = NULL;
	EXPECT(&r, &good_cfg, 101, "");
}


static void test_check_rejects(void)
{
	struct ws_upgrade_req r;
	struct ws_upgrade_cfg c = good_cfg;
	struct ws_upgrade_result res;

	r = good_req();
	r.method = "POST";
	EXPECT(&r, &c, 400, "method is not GET");
	r = good_req();
	r.method = "get"; /* methods are case-sensitive */
	EXPECT(&r, &c, 400, "method is not GET");
	r = good_req();
	r.method = NULL;
	EXPECT(&r, &c, 400, "method is not GET");

	r = good_req();
	r.http_version = "HTTP/1.0";
	EXPECT(&r, &c, 400, "HTTP version is not 1.1");
	r = good_req();
	r.http_version = "HTTP/2";
	EXPECT(&r, &c, 400, "HTTP version is not 1.1");
	r = good_req();
	r.http_version = "http/1.1";
	EXPECT(&r, &c, 400, "HTTP version is not 1.1");
	r = good_req();
	r.http_version = "HTTP/1.";
	EXPECT(&r, &c, 400, "HTTP version is not 1.1");

	r = good_req();
	r.host = NULL;
	EXPECT(&r, &c, 400, "missing Host");
	r = good_req();
	r.host = "  ";
	EXPECT(&r, &c, 400, "missing Host");

	r = good_req();
	r.target = "/other";
	EXPECT(&r, &c, 404, "unknown WebSocket path");
	r = good_req();
	r.target = "/webrtcgateway/ws/";
	EXPECT(&r, &c, 404, NULL);
	r = good_req();
	r.target = "/webrtcgateway/w";
	EXPECT(&r, &c, 404, NULL);
	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 404);
	CHECK_STR(res.reason, "Not Found");

	r = good_req();
	r.upgrade = NULL;
	EXPECT(&r, &c, 400, "Upgrade does not name websocket");
	r = good_req();
	r.upgrade = "h2c";
	EXPECT(&r, &c, 400, "Upgrade does not name websocket");
	r = good_req();
	r.upgrade = "websockets";
	EXPECT(&r, &c, 400, NULL);

	r = good_req();
	r.connection = "keep-alive";
	EXPECT(&r, &c, 400, "Connection does not name upgrade");
	r = good_req();
	r.connection = "upgraded";
	EXPECT(&r, &c, 400, NULL);
	r = good_req();
	r.connection = NULL;
	EXPECT(&r, &c, 400, NULL);

	r = good_req();
	r.version = NULL;
	EXPECT(&r, &c, 400, "missing Sec-WebSocket-Version");

	/* wrong version: 426 plus the header the reply must carry */
	r = good_req();
	r.version = "8";
	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 426);
	CHECK_STR(res.reason, "Upgrade Required");
	CHECK_STR(res.headers, "Sec-WebSocket-Version: 13\r\n");
	CHECK(res.protocol == NULL);
	r = good_req();
	r.version = "13, 8";
	EXPECT(&r, &c, 426, NULL);

	r = good_req();
	r.key = NULL;
	EXPECT(&r, &c, 400, "missing Sec-WebSocket-Key");
	r = good_req();
	r.key = "AAAAAAAAAAAAAAAAAAAA";
	EXPECT(&r, &c, 400, "invalid Sec-WebSocket-Key");
	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 400);
	CHECK_STR(res.reason, "Bad Request");
	CHECK_STR(res.headers, "");

	r = good_req();
	r.origin = "https://evil.example";
	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 403);
	CHECK_STR(res.reason, "Forbidden");
	CHECK_STR(res.detail, "Origin not allowed");

	r = good_req();
	r.protocol = "sylk RTC";
	EXPECT(&r, &c, 400, "malformed Sec-WebSocket-Protocol");

	r = good_req();
	r.protocol = "chat, superchat";
	CHECK_INT(ws_handshake_check(&r, &c, &res), 0);
	CHECK_INT(res.status, 406);
	CHECK_STR(res.reason, "Not Acceptable");
	CHECK_STR(res.detail, "no supported subprotocol offered");

	/* required subprotocol not offered */
	c.protocol_required = true;
	r = good_req();
	r.protocol = NULL;
	EXPECT(&r, &c, 406, "a subprotocol is required");
	r = good_req();
	EXPECT(&r, &c, 101, "");

	/* order: the first failure wins (version before key before origin) */
	c = good_cfg;
	r = good_req();
	r.version = "7";
	r.key = "bad";
	r.origin = "https://evil.example";
	EXPECT(&r, &c, 426, NULL);
	r = good_req();
	r.key = "bad";
	r.origin = "https://evil.example";
	EXPECT(&r, &c, 400, "invalid Sec-WebSocket-Key");

	CHECK_INT(ws_handshake_check(NULL, &c, &res), EINVAL);
	CHECK_INT(ws_handshake_check(&r, NULL, &res), EINVAL);
	CHECK_INT(ws_handshake_check(&r, &c, NULL), EINVAL);
}


static void test_response(void)
{
	char buf[256];
	size_t n;

	CHECK_INT(ws_handshake_response(buf, sizeof(buf), "dGhlIHNhbXBsZSBub25jZQ==", "sylkRTC-2",
					&n),
		  0);
	CHECK_STR(buf, "Upgrade: websocket\r\n"
		       "Connection: Upgrade\r\n"
		       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
		       "Sec-WebSocket-Protocol: sylkRTC-2\r\n");
	CHECK_INT(n, strlen(buf));

	CHECK_INT(ws_handshake_response(buf, sizeof(buf), "dGhlIHNhbXBsZSBub25jZQ==", NULL, &n), 0);
	CHECK_STR(buf, "Upgrade: websocket\r\n"
		       "Connection: Upgrade\r\n"
		       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n");
	CHECK_INT(n, strlen(buf));

	/* size query and exact fit */
	CHECK_INT(ws_handshake_response(NULL, 0, "dGhlIHNhbXBsZSBub25jZQ==", "sip", &n), ENOSPC);
	{
		size_t need = n;
		char exact[200];

		CHECK_INT(need, strlen("Upgrade: websocket\r\nConnection: Upgrade\r\n"
				       "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
				       "Sec-WebSocket-Protocol: sip\r\n") +
					1);
		CHECK_INT(ws_handshake_response(exact, need - 1, "dGhlIHNhbXBsZSBub25jZQ==", "sip",
						&n),
			  ENOSPC);
		CHECK_INT(ws_handshake_response(exact, need, "dGhlIHNhbXBsZSBub25jZQ==", "sip", &n),
			  0);
		CHECK_INT(n, need - 1);
	}

	/* no header injection through the protocol, no bad key */
	CHECK_INT(ws_handshake_response(buf, sizeof(buf),
					"dGhlIHNhbXBsZSBub25jZQ==", "sip\r\nSet-Cookie: x", &n),
		  EINVAL);
	CHECK_INT(ws_handshake_response(buf, sizeof(buf), "dGhlIHNhbXBsZSBub25jZQ==", "", &n),
		  EINVAL);
	CHECK_INT(ws_handshake_response(buf, sizeof(buf), "bad", NULL, &n), EINVAL);
}


/* The whole flow as the module will run it. */
static void test_flow(void)
{
	struct ws_upgrade_req r = good_req();
	struct ws_upgrade_result res;
	char hdrs[256];
	size_t n;

	r.key = "x3JJHMbDL1EzLkh9GBhXDw==";
	r.protocol = "sylkRTC-1";
	CHECK_INT(ws_handshake_check(&r, &good_cfg, &res), 0);
	CHECK_INT(res.status, 101);
	CHECK_INT(ws_handshake_response(hdrs, sizeof(hdrs), r.key, res.protocol, &n), 0);
	CHECK(strstr(hdrs, "Sec-WebSocket-Protocol: sylkRTC-1\r\n") != NULL);
	/* printf 'x3JJHMbDL1EzLkh9GBhXDw==258EAFA5-E914-47DA-95CA-C5AB0DC85B11'
	 *   | openssl sha1 -binary | base64 */
	CHECK(strstr(hdrs, "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n") != NULL);
}


int main(void)
{
	RUN(test_accept);
	RUN(test_key_valid);
	RUN(test_protocol_choose);
	RUN(test_origin);
	RUN(test_check_accepts);
	RUN(test_check_rejects);
	RUN(test_response);
	RUN(test_flow);

	return check_summary();
}
