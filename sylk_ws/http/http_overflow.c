/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/http/http_overflow.h"

enum { METHOD_MAX = 32 };

static bool has_prefix(const char *p, const char *end, const char *prefix, bool nocase)
{
	size_t n = strlen(prefix);

	if ((size_t)(end - p) < n)
		return false;
	return nocase ? strncasecmp(p, prefix, n) == 0 : memcmp(p, prefix, n) == 0;
}

/* The request-target's first bytes, as far as they arrived. */
static bool target_start(const char *p, const char *end)
{
	if (p == end)
		return false;
	if (*p == '/')
		return true;
	if (*p == '*')
		return end - p >= 2 && p[1] == ' ';
	return has_prefix(p, end, "http://", true) || has_prefix(p, end, "https://", true);
}

/* A complete request line ends in " HTTP/1.x" (CR optional, LF excluded). */
static bool http_version_end(const char *line, const char *lf)
{
	const char *e = lf;

	if (e > line && e[-1] == '\r')
		e--;
	return e - line >= 9 && memcmp(e - 9, " HTTP/1.", 8) == 0 && e[-1] >= '0' && e[-1] <= '9';
}

static const char *find_head_end(const char *p, const char *end)
{
	for (; p < end; p++) {
		if (*p != '\n')
			continue;
		if (p + 1 < end && p[1] == '\n')
			return p;
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			return p;
	}
	return NULL;
}

enum http_overflow http_overflow_classify(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *method, *lf;

	if (!buf)
		return HTTP_OVERFLOW_NOT_HTTP;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	method = p;
	while (p < end && p - method <= METHOD_MAX && chars_http_tchar((unsigned char)*p))
		p++;
	if (p == method || p - method > METHOD_MAX || p == end || *p != ' ')
		return HTTP_OVERFLOW_NOT_HTTP;
	p++;
	if (!target_start(p, end))
		return HTTP_OVERFLOW_NOT_HTTP;
	lf = memchr(p, '\n', (size_t)(end - p));
	if (!lf)
		return HTTP_OVERFLOW_TARGET;
	if (!http_version_end(method, lf))
		return HTTP_OVERFLOW_NOT_HTTP;
	/* the head ends at an empty line; the request line's own LF may start it */
	return find_head_end(lf, end) ? HTTP_OVERFLOW_BODY : HTTP_OVERFLOW_HEADERS;
}

int http_overflow_reply(char *out, size_t size, enum http_overflow status, size_t limit,
			size_t *lenp)
{
	const char *reason, *what;
	char body[96];
	int blen, n;

	switch (status) {
	case HTTP_OVERFLOW_BODY:
		reason = "Content Too Large";
		what = "request";
		break;
	case HTTP_OVERFLOW_TARGET:
		reason = "URI Too Long";
		what = "request line";
		break;
	case HTTP_OVERFLOW_HEADERS:
		reason = "Request Header Fields Too Large";
		what = "request head";
		break;
	default:
		return EINVAL;
	}
	if (!out)
		return EINVAL;
	blen = snprintf(body, sizeof(body), "The %s is larger than this server reads (%zu bytes).\n",
			what, limit);
	n = snprintf(out, size,
		     "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
		     "Content-Length: %d\r\nConnection: close\r\n\r\n%s",
		     (int)status, reason, blen, body);
	if (n < 0 || (size_t)n >= size)
		return ENOSPC;
	if (lenp)
		*lenp = (size_t)n;
	return 0;
}
