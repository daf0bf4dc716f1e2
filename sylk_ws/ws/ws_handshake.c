/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ws_handshake.c  RFC 6455 opening handshake, server side
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <openssl/evp.h>
#include "sylk_ws/ws/ws_frame.h"
#include "sylk_ws/ws/ws_handshake.h"
#include "sylk_ws/base/chars.h"

/* A borrowed piece of a header value; values are never copied. */
struct span {
	const char *p;
	size_t len;
};


static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}


static struct span trimmed(const char *s)
{
	/* never a NULL pointer, so mem*() calls stay defined for length 0 */
	struct span sp = {s ? s : "", s ? strlen(s) : 0};

	while (sp.len && is_ows(sp.p[0])) {
		sp.p++;
		sp.len--;
	}
	while (sp.len && is_ows(sp.p[sp.len - 1]))
		sp.len--;

	return sp;
}


static bool span_eq(struct span a, const char *s)
{
	return a.len == strlen(s) && memcmp(a.p, s, a.len) == 0;
}


static bool span_eq_nocase(struct span a, const char *p, size_t len)
{
	return a.len == len && strncasecmp(a.p, p, len) == 0;
}


/*
 * Step through a list, handing out elements with OWS trimmed. With
 * commas only, this is the RFC 7230 #rule, whose empty elements a
 * recipient must skip; with spaces too, it reads the operator's
 * "a, b c" allow-list style. Returns false at the end.
 */
static bool list_next(struct span *rest, struct span *elem, bool space_sep)
{
	for (;;) {
		size_t i = 0;

		while (rest->len && (rest->p[0] == ',' || is_ows(rest->p[0]))) {
			rest->p++;
			rest->len--;
		}
		if (!rest->len)
			return false;

		while (i < rest->len && rest->p[i] != ',' && !(space_sep && is_ows(rest->p[i])))
			i++;

		elem->p = rest->p;
		elem->len = i;
		rest->p += i;
		rest->len -= i;

		while (elem->len && is_ows(elem->p[elem->len - 1]))
			elem->len--;
		if (elem->len)
			return true;
	}
}


static bool list_has_nocase(const char *value, const char *token)
{
	struct span rest = trimmed(value), elem;

	while (list_next(&rest, &elem, false)) {
		if (span_eq_nocase(elem, token, strlen(token)))
			return true;
	}

	return false;
}


/* RFC 7230 3.2.6 token, which is also what RFC 6455 4.1 allows in a
 * subprotocol name (U+0021..U+007E minus separators). */
static bool span_is_token(struct span s)
{
	return chars_span(s.p, s.len, chars_http_tchar);
}


static bool is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}


bool ws_handshake_key_valid(const char *key)
{
	struct span k = trimmed(key);
	size_t i;

	/* 16 bytes = 21 full sextets + 2 bits, so 22 characters and "==" */
	if (k.len != WS_HANDSHAKE_KEY_LEN)
		return false;

	for (i = 0; i < 22; i++) {
		if (!is_b64(k.p[i]))
			return false;
	}

	return k.p[22] == '=' && k.p[23] == '=';
}


int ws_handshake_accept(char out[WS_HANDSHAKE_ACCEPT_LEN + 1], const char *key)
{
	char src[WS_HANDSHAKE_KEY_LEN + sizeof(WS_HANDSHAKE_GUID)];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct span k = trimmed(key);

	if (!out || !ws_handshake_key_valid(key))
		return EINVAL;

	/* 4.2.2: the key as sent (minus OWS), not its decoded bytes */
	memcpy(src, k.p, k.len);
	memcpy(src + k.len, WS_HANDSHAKE_GUID, sizeof(WS_HANDSHAKE_GUID) - 1);

	if (!EVP_Digest(src, k.len + sizeof(WS_HANDSHAKE_GUID) - 1, md, &mdlen, EVP_sha1(), NULL) ||
	    mdlen != 20)
		return ENOMEM;

	if (EVP_EncodeBlock((unsigned char *)out, md, 20) != WS_HANDSHAKE_ACCEPT_LEN)
		return ENOMEM;

	return 0;
}


int ws_handshake_protocol_choose(const char *offered, const char *const *supported,
				 const char **chosen)
{
	struct span rest, elem;
	bool any = false;

	if (!chosen)
		return EINVAL;

	*chosen = NULL;

	/* Judge the syntax of the whole value before choosing, so that a
	 * broken header fails the same way wherever the breakage sits. */
	rest = trimmed(offered);
	while (list_next(&rest, &elem, false)) {
		if (!span_is_token(elem))
			return EBADMSG;
		any = true;
	}

	if (!any)
		return 0;

	rest = trimmed(offered);
	while (list_next(&rest, &elem, false)) {
		const char *const *s;

		for (s = supported; s && *s; s++) {
			if (span_eq(elem, *s)) {
				*chosen = *s;
				return 0;
			}
		}
	}

	return ENOENT;
}


/* An origin broken into the parts RFC 6454 compares. */
struct origin {
	struct span scheme;
	struct span host;
	int port; /* explicit or default; -1 if neither */
};


static int default_port(struct span scheme)
{
	if (span_eq_nocase(scheme, "http", 4) || span_eq_nocase(scheme, "ws", 2))
		return 80;
	if (span_eq_nocase(scheme, "https", 5) || span_eq_nocase(scheme, "wss", 3))
		return 443;

	return -1;
}


static bool origin_parse(struct span s, struct origin *o)
{
	const char *sep = NULL;
	struct span auth;
	size_t i;

	for (i = 0; i + 3 <= s.len; i++) {
		if (memcmp(s.p + i, "://", 3) == 0) {
			sep = s.p + i;
			break;
		}
	}
	if (!sep || sep == s.p)
		return false;

	o->scheme.p = s.p;
	o->scheme.len = (size_t)(sep - s.p);
	for (i = 0; i < o->scheme.len; i++) {
		char c = o->scheme.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (i && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))))
			return false;
	}

	auth.p = sep + 3;
	auth.len = s.len - o->scheme.len - 3;

	/* an operator may write "https://example.com/"; an origin has no
	 * path, so one trailing slash is forgiven and anything more fails */
	if (auth.len && auth.p[auth.len - 1] == '/')
		auth.len--;
	if (!auth.len || memchr(auth.p, '/', auth.len) || memchr(auth.p, '@', auth.len))
		return false;

	o->host = auth;
	o->port = -1;

	if (auth.p[0] == '[') {
		const char *close = memchr(auth.p, ']', auth.len);

		if (!close)
			return false;
		o->host.len = (size_t)(close - auth.p) + 1;
	} else {
		const char *colon = memchr(auth.p, ':', auth.len);

		if (colon)
			o->host.len = (size_t)(colon - auth.p);
	}

	if (o->host.len < auth.len) {
		const char *p = auth.p + o->host.len;
		const char *end = auth.p + auth.len;
		long port = 0;

		if (*p++ != ':' || p == end || end - p > 5)
			return false;
		for (; p < end; p++) {
			if (*p < '0' || *p > '9')
				return false;
			port = port * 10 + (*p - '0');
		}
		if (port < 1 || port > 65535)
			return false;
		o->port = (int)port;
	}

	if (!o->host.len)
		return false;

	if (o->port < 0)
		o->port = default_port(o->scheme);

	return true;
}


static bool origin_match(struct span origin, struct span entry)
{
	struct origin a, b;

	/* "null" is the opaque origin of sandboxed pages and file:// */
	if (span_eq_nocase(entry, "null", 4) || span_eq_nocase(origin, "null", 4))
		return span_eq_nocase(entry, "null", 4) && span_eq_nocase(origin, "null", 4);

	if (!origin_parse(origin, &a) || !origin_parse(entry, &b))
		return false;

	return span_eq_nocase(a.scheme, b.scheme.p, b.scheme.len) &&
	       span_eq_nocase(a.host, b.host.p, b.host.len) && a.port == b.port;
}


bool ws_handshake_origin_allowed(const char *origin, const char *allow)
{
	struct span o = trimmed(origin);
	struct span rest = trimmed(allow), elem;
	bool any_entry = false;

	if (!o.len)
		return true;

	while (list_next(&rest, &elem, true)) {
		any_entry = true;
		if (span_eq(elem, "*"))
			return true;
		if (origin_match(o, elem))
			return true;
	}

	return !any_entry;
}


static bool http_version_ok(const char *v)
{
	struct span s = trimmed(v);
	size_t i;
	bool nonzero = false;

	/* HTTP/1.1 or a later 1.x; the protocol name is case-sensitive */
	if (s.len < 8 || memcmp(s.p, "HTTP/1.", 7) != 0)
		return false;

	for (i = 7; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		if (s.p[i] != '0')
			nonzero = true;
	}

	return nonzero;
}


static bool path_ok(const char *target, const char *path)
{
	struct span t = trimmed(target);
	const char *q;

	if (!path)
		return true;

	q = memchr(t.p, '?', t.len);
	if (q)
		t.len = (size_t)(q - t.p);

	return span_eq(t, path);
}


static int result(struct ws_upgrade_result *res, int status, const char *detail)
{
	res->status = status;
	res->detail = detail;
	res->headers = "";
	res->protocol = NULL;

	switch (status) {

	case 101: res->reason = "Switching Protocols"; break;
	case 400: res->reason = "Bad Request"; break;
	case 403: res->reason = "Forbidden"; break;
	case 404: res->reason = "Not Found"; break;
	case 406: res->reason = "Not Acceptable"; break;
	case 426: res->reason = "Upgrade Required"; break;
	default: res->reason = "Error"; break;
	}

	return 0; /* the answer is in res, the check itself succeeded */
}


int ws_handshake_check(const struct ws_upgrade_req *req, const struct ws_upgrade_cfg *cfg,
		       struct ws_upgrade_result *res)
{
	const char *chosen = NULL;
	struct span v;
	int err;

	if (!req || !cfg || !res)
		return EINVAL;

	if (!span_eq(trimmed(req->method), "GET"))
		return result(res, 400, "method is not GET");
	if (!http_version_ok(req->http_version))
		return result(res, 400, "HTTP version is not 1.1");
	if (!trimmed(req->host).len)
		return result(res, 400, "missing Host");
	if (!path_ok(req->target, cfg->path))
		return result(res, 404, "unknown WebSocket path");
	if (!list_has_nocase(req->upgrade, "websocket"))
		return result(res, 400, "Upgrade does not name websocket");
	if (!list_has_nocase(req->connection, "upgrade"))
		return result(res, 400, "Connection does not name upgrade");

	v = trimmed(req->version);
	if (!v.len)
		return result(res, 400, "missing Sec-WebSocket-Version");
	if (!span_eq(v, "13")) {
		result(res, 426, "unsupported Sec-WebSocket-Version");
		res->headers = "Sec-WebSocket-Version: 13\r\n";
		return 0;
	}

	if (!req->key)
		return result(res, 400, "missing Sec-WebSocket-Key");
	if (!ws_handshake_key_valid(req->key))
		return result(res, 400, "invalid Sec-WebSocket-Key");

	if (!ws_handshake_origin_allowed(req->origin, cfg->origin_allow))
		return result(res, 403, "Origin not allowed");

	err = ws_handshake_protocol_choose(req->protocol, cfg->protocols, &chosen);
	if (err == EBADMSG)
		return result(res, 400, "malformed Sec-WebSocket-Protocol");
	if (err == ENOENT) {
		/* with no list of our own there is nothing to refuse: the
		 * client learns from the missing header that none was taken */
		if (cfg->protocols && cfg->protocols[0])
			return result(res, 406, "no supported subprotocol offered");
	} else if (err) {
		return result(res, 400, "malformed Sec-WebSocket-Protocol");
	}

	if (!chosen && cfg->protocol_required)
		return result(res, 406, "a subprotocol is required");

	result(res, 101, "");
	res->protocol = chosen;

	return 0;
}


int ws_handshake_response(char *buf, size_t size, const char *key, const char *protocol,
			  size_t *outlen)
{
	char accept[WS_HANDSHAKE_ACCEPT_LEN + 1];
	int n, err;

	if (outlen)
		*outlen = 0;

	if (protocol && !span_is_token((struct span){protocol, strlen(protocol)}))
		return EINVAL;

	err = ws_handshake_accept(accept, key);
	if (err)
		return err;

	n = snprintf(buf, buf ? size : 0,
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Accept: %s\r\n"
		     "%s%s%s",
		     accept, protocol ? "Sec-WebSocket-Protocol: " : "", protocol ? protocol : "",
		     protocol ? "\r\n" : "");
	if (n < 0)
		return EINVAL;

	if (!buf || (size_t)n >= size) {
		if (outlen)
			*outlen = (size_t)n + 1;
		return ENOSPC;
	}

	if (outlen)
		*outlen = (size_t)n;

	return 0;
}
