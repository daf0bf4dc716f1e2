/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ws_handshake.h  RFC 6455 opening handshake, server side (section 4.2)
 *
 * The HTTP parsing itself is not here: Kamailio's core parses the request.
 * These functions judge header values handed over as NUL-terminated
 * strings. Leading and trailing spaces and tabs (HTTP OWS) in a value are
 * ignored everywhere. A header that is absent is passed as NULL; a header
 * that occurs more than once is passed as its values joined with ", "
 * (RFC 7230 3.2.2), which makes a repeated Sec-WebSocket-Key invalid, as
 * it should be.
 *
 * Typical use in the module:
 *
 *     struct ws_upgrade_req req = { .method = "GET", ..., .key = key };
 *     struct ws_upgrade_cfg cfg = { .path = "/webrtcgateway/ws",
 *                                   .origin_allow = "*",
 *                                   .protocols = protos };
 *     struct ws_upgrade_result res;
 *
 *     ws_handshake_check(&req, &cfg, &res);
 *     if (res.status != 101)
 *         reply res.status res.reason, adding res.headers
 *     else
 *         ws_handshake_response(hdrs, sizeof(hdrs), req.key, res.protocol, &n)
 *         reply 101 Switching Protocols with those header lines
 *
 * Every function returns 0 or an errno value (sylk_ws/base/error.h).
 */
#ifndef SYLK_WS_HANDSHAKE_H
#define SYLK_WS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include "sylk_ws/ws/ws_frame.h"

/** The GUID appended to the key before hashing (RFC 6455 1.3). */
#define WS_HANDSHAKE_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

enum {
	WS_HANDSHAKE_KEY_LEN = 24,    /**< base64 of 16 bytes              */
	WS_HANDSHAKE_ACCEPT_LEN = 28, /**< base64 of a 20-byte SHA-1       */
	WS_HANDSHAKE_VERSION = 13,    /**< the only Sec-WebSocket-Version  */
};

/**
 * True if @p key is a valid Sec-WebSocket-Key: the base64 encoding of
 * exactly 16 bytes (24 characters ending in "=="), surrounding OWS
 * ignored. Unused low bits of the last character are not checked.
 */
bool ws_handshake_key_valid(const char *key);

/**
 * Compute Sec-WebSocket-Accept: base64(SHA-1(key + GUID)) (RFC 6455 4.2.2).
 *
 * @param out  Receives the 28 characters and a NUL
 * @param key  Sec-WebSocket-Key value (surrounding OWS ignored)
 *
 * @return 0, EINVAL (key not valid), ENOMEM (OpenSSL failed)
 */
int ws_handshake_accept(char out[WS_HANDSHAKE_ACCEPT_LEN + 1], const char *key);

/**
 * Choose a subprotocol: the first one the client offers, in the client's
 * order, that is also in the server's list. Names compare case-sensitively
 * (RFC 7936).
 *
 * @param offered    Sec-WebSocket-Protocol value: tokens separated by
 *                   commas and optional whitespace; empty elements are
 *                   skipped. NULL or empty means none offered.
 * @param supported  NULL-terminated list of the server's subprotocols
 *                   (may be NULL: none)
 * @param chosen     Receives the matching string from @p supported, or
 *                   NULL when the client offered nothing
 *
 * @return 0 (also when nothing was offered; then *chosen is NULL),
 *         ENOENT (offered something, none supported),
 *         EBADMSG (an element is not an RFC 7230 token),
 *         EINVAL
 */
int ws_handshake_protocol_choose(const char *offered, const char *const *supported,
				 const char **chosen);

/**
 * Check an Origin header value against an allow-list.
 *
 * @param origin  Origin value, e.g. "https://Example.com:8443"; NULL or
 *                empty means the client sent none
 * @param allow   Entries separated by commas and/or whitespace. "*" allows
 *                any origin. Other entries are "scheme://host[:port]" and
 *                match when scheme and host are equal ignoring case and
 *                the ports are equal, where a missing port means the
 *                scheme's default (80 for http/ws, 443 for https/wss).
 *                "null" matches the opaque origin "null" only. NULL or
 *                empty means no allow-list: anything is allowed.
 *
 * A request without Origin is allowed: only browsers send it, and it only
 * protects against pages in browsers; any other client can write any
 * Origin it likes, so refusing its absence would protect nothing.
 */
bool ws_handshake_origin_allowed(const char *origin, const char *allow);

/** Header values of an upgrade request (NULL = absent). */
struct ws_upgrade_req {
	const char *method;       /**< request method, must be "GET"          */
	const char *http_version; /**< e.g. "HTTP/1.1"; 1.1 or later 1.x      */
	const char *target;       /**< request-target; the query is ignored   */
	const char *host;         /**< Host, must be present (4.2.1 item 2)   */
	const char *upgrade;      /**< Upgrade, must list "websocket"         */
	const char *connection;   /**< Connection, must list "upgrade"        */
	const char *key;          /**< Sec-WebSocket-Key                      */
	const char *version;      /**< Sec-WebSocket-Version, must be "13"    */
	const char *origin;       /**< Origin                                 */
	const char *protocol;     /**< Sec-WebSocket-Protocol                 */
};

/** What this endpoint accepts. */
struct ws_upgrade_cfg {
	const char *path;             /**< required path, NULL = any          */
	const char *origin_allow;     /**< see ws_handshake_origin_allowed()  */
	const char *const *protocols; /**< NULL-terminated, NULL = none       */
	bool protocol_required;       /**< refuse clients that offer none     */
};

/** Outcome of ws_handshake_check(). All strings are static or borrowed
 *  from the cfg; none needs freeing. */
struct ws_upgrade_result {
	int status;           /**< HTTP status to answer with              */
	const char *reason;   /**< its standard reason phrase              */
	const char *detail;   /**< what was wrong (for logs or a body),
				     "" on success                           */
	const char *headers;  /**< extra header lines the reply must carry,
				     each ending in CRLF; "" if none         */
	const char *protocol; /**< on 101: chosen subprotocol (an element of
				     cfg->protocols) or NULL for none        */
};

/**
 * Validate an upgrade request. Checks, in order, and answers with the
 * first failure:
 *
 *   400  method not GET, HTTP version not 1.1+, Host missing
 *   404  path differs from cfg->path
 *   400  Upgrade lacks "websocket", Connection lacks "upgrade" (both
 *        case-insensitive tokens), Sec-WebSocket-Version missing
 *   426  Sec-WebSocket-Version not 13; res->headers is
 *        "Sec-WebSocket-Version: 13\r\n", which the reply must carry
 *        (RFC 6455 4.4)
 *   400  Sec-WebSocket-Key missing or invalid
 *   403  Origin not allowed by cfg->origin_allow
 *   400  Sec-WebSocket-Protocol malformed
 *   406  client offered subprotocols and none is in cfg->protocols (if
 *        that list is empty, the offer is ignored and 101 is answered
 *        without a subprotocol, which RFC 6455 4.2.2 permits), or offered
 *        none while cfg->protocol_required
 *   101  accepted; res->protocol is the choice
 *
 * @return 0 (the answer is in res->status), or EINVAL if an argument is
 *         NULL
 */
int ws_handshake_check(const struct ws_upgrade_req *req, const struct ws_upgrade_cfg *cfg,
		       struct ws_upgrade_result *res);

/**
 * Write the header lines of the 101 reply:
 *
 *     Upgrade: websocket\r\n
 *     Connection: Upgrade\r\n
 *     Sec-WebSocket-Accept: <accept>\r\n
 *     Sec-WebSocket-Protocol: <protocol>\r\n     (only if protocol)
 *
 * without the status line and without the empty line that ends the
 * header; the text is NUL-terminated.
 *
 * @param buf       Output buffer
 * @param size      Size of @p buf
 * @param key       The client's Sec-WebSocket-Key
 * @param protocol  Chosen subprotocol or NULL; must be a token
 * @param outlen    Text length without the NUL; on ENOSPC the buffer
 *                  size needed, NUL included
 *
 * @return 0, ENOSPC, EINVAL (bad key or protocol)
 */
int ws_handshake_response(char *buf, size_t size, const char *key, const char *protocol,
			  size_t *outlen);

#endif
