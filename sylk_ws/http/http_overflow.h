/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file http_overflow.h  The answer to an HTTP request larger than the read buffer
 *
 * Kamailio's core reads each request on a TCP or TLS connection into a fixed
 * buffer (tcp_rd_buf_size) and drops the connection when a request does not
 * fit, before any script or module sees it. What did arrive is still in the
 * buffer: from it, decide whether it was an HTTP request and which refusal
 * tells the client what was too large (RFC 9110 15.5.14/15.5.15, RFC 6585 5).
 *
 * Kamailio-free: libc and the base layer only.
 */
#ifndef SYLK_HTTP_OVERFLOW_H
#define SYLK_HTTP_OVERFLOW_H

#include <stddef.h>

enum http_overflow {
	HTTP_OVERFLOW_NOT_HTTP = 0,   /**< not an HTTP request: no answer  */
	HTTP_OVERFLOW_BODY = 413,     /**< head complete, body too large   */
	HTTP_OVERFLOW_TARGET = 414,   /**< request line did not end        */
	HTTP_OVERFLOW_HEADERS = 431,  /**< header section did not end      */
};

/**
 * What an oversized request was, from the @p len bytes that arrived (leading
 * empty lines skipped, as the core does). An HTTP request line is a method
 * token, a space and an origin-form ("/..."), absolute-form ("http://",
 * "https://") or asterisk target; once complete it must end in
 * " HTTP/1.x". SIP ("INVITE sip:...") and MSRP ("MSRP id SEND") never match.
 */
enum http_overflow http_overflow_classify(const char *buf, size_t len);

/**
 * Write the whole answer (status line, Content-Type, Content-Length,
 * Connection: close, a one-line body naming @p limit, the buffer's size in
 * bytes) into @p out.
 * @return 0, EINVAL (@p status is not one of the refusals above), ENOSPC
 *         (@p size too small; 256 bytes always suffice)
 */
int http_overflow_reply(char *out, size_t size, enum http_overflow status, size_t limit,
			size_t *lenp);

#endif
