/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file http_client.h  What the gateway's own HTTP client reads: the URL it
 *                       posts to and the status line of the answer
 *
 * The push process POSTs notifications to push_url: plain http:// (a TLS
 * proxy goes in front of an https:// service), so the URL is split once at
 * start-up into what a connect() and a request head need. The answer's
 * status line is read back for the log and the counters.
 *
 * Strict where a lenient reading would put something else on the wire: no
 * white space, control or non-ASCII byte anywhere, no user info, a port
 * of 1..65535.
 *
 * Kamailio-free: libc and the base layer only.
 */
#ifndef SYLK_HTTP_CLIENT_H
#define SYLK_HTTP_CLIENT_H

#include <stddef.h>

enum {
	HTTP_URL_HOST_MAX = 256,  /**< host[:port] of a URL, with the NUL */
	HTTP_URL_PORT_MAX = 8,    /**< digits of the port, with the NUL  */
	HTTP_URL_PATH_MAX = 1024, /**< path and query, with the NUL      */
};

/** An http:// URL taken apart. */
struct http_url {
	char host[HTTP_URL_HOST_MAX];        /**< name or address; IPv6 without brackets */
	char port[HTTP_URL_PORT_MAX];        /**< digits; "80" when the URL has none     */
	char path[HTTP_URL_PATH_MAX];        /**< from the first '/' on; "/" when none    */
	char host_header[HTTP_URL_HOST_MAX]; /**< host[:port] as the URL writes it       */
};

/** Why a URL was refused (the detail behind the return value). */
enum http_url_reason {
	HTTP_URL_OK = 0,
	HTTP_URL_EINVAL,   /**< NULL argument                                   */
	HTTP_URL_HTTPS,    /**< https://: not supported (EPROTONOSUPPORT)       */
	HTTP_URL_SCHEME,   /**< not http://                                     */
	HTTP_URL_BAD_HOST, /**< empty, too long, a byte a host cannot hold      */
	HTTP_URL_BAD_PORT, /**< empty, not digits, not 1..65535                 */
	HTTP_URL_BAD_PATH, /**< white space, a control or non-ASCII byte, too long */
};

/**
 * Split "http://host[:port][/path]" (scheme case-insensitive; host a name,
 * an IPv4 address or "[IPv6]").
 *
 * @param u       Result, filled only on success
 * @param s       The URL, NUL-terminated
 * @param reason  If not NULL, why the URL was refused (HTTP_URL_OK on
 *                success)
 * @return 0, EPROTONOSUPPORT (https://), EINVAL (anything else refused)
 */
int http_url_parse(struct http_url *u, const char *s, enum http_url_reason *reason);

/** Short English text for @p reason, for a configuration error. */
const char *http_url_reason_str(enum http_url_reason reason);

/**
 * The status code of an HTTP/1.x status line, "HTTP/1.1 200 OK": @p len
 * bytes without the CRLF; the reason phrase is not read (it may be absent
 * or cut short).
 * @return 0 with *@p code 100..999, EINVAL (NULL argument), EBADMSG (not
 *         "HTTP/" DIGIT "." DIGIT SP 3DIGIT followed by SP or the end)
 */
int http_status_parse(const char *line, size_t len, int *code);

#endif
