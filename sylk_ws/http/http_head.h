/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file http_head.h  The head of an HTTP/1.x request, read by a server
 *
 * For the gateway's own small HTTP listeners (1:1 and video-room file
 * transfer), which read requests straight from the network: the request
 * line and the few headers they act on. Strict where leniency would let a
 * request mean two things: one Content-Length (digits only; a second one
 * must agree), Transfer-Encoding noted so that the caller refuses it, no
 * header folding, no line without a colon.
 *
 * Kamailio-free: libc and the base layer only.
 */
#ifndef SYLK_HTTP_HEAD_H
#define SYLK_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

enum {
	HTTP_LENGTH_NONE = -1,    /**< no Content-Length */
	HTTP_LENGTH_ENCODED = -2, /**< a Transfer-Encoding (chunked): no length known */
	HTTP_METHOD_MAX = 16,
	HTTP_TARGET_MAX = 8192,
	HTTP_TYPE_MAX = 128,
};

struct http_req_head {
	char method[HTTP_METHOD_MAX];
	char target[HTTP_TARGET_MAX];
	long long length;         /**< Content-Length, or HTTP_LENGTH_NONE / _ENCODED */
	char type[HTTP_TYPE_MAX]; /**< Content-Type; "application/octet-stream"
				   *   when absent or unusable (quotes, too long) */
	bool expect_continue;     /**< Expect: 100-continue */
};

/**
 * Parse @p len bytes of a request head: the request line and the header
 * lines, separated by CRLF (a bare LF is taken too), without the empty line
 * that ends the head.
 * @return 0, EINVAL (not a request line "METHOD SP target SP HTTP/1.x", a
 *         header line without a colon or folded, a bad or disagreeing
 *         Content-Length, a control byte)
 */
int http_req_head_parse(struct http_req_head *r, const char *head, size_t len);

#endif
