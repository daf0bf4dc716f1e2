/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/http/http_head.h"

#define DEFAULT_TYPE "application/octet-stream"

/* one line from *pos (CRLF or LF ended, or the end); false at the end */
static bool next_line(const char *head, size_t len, size_t *pos, const char **line, size_t *n)
{
	const char *start = head + *pos, *lf;

	if (*pos >= len)
		return false;
	lf = memchr(start, '\n', len - *pos);
	*n = lf ? (size_t)(lf - start) : len - *pos;
	*pos += *n + (lf ? 1 : 0);
	if (*n && start[*n - 1] == '\r')
		(*n)--;
	*line = start;
	return true;
}

static bool has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 && s[i] != '\t')
			return true;
	return memchr(s, 0x7f, n) != NULL;
}

/* "METHOD SP target SP HTTP/1.d" */
static int request_line(struct http_req_head *r, const char *s, size_t n)
{
	const char *sp1 = memchr(s, ' ', n), *sp2;
	size_t mlen, tlen;

	if (!sp1)
		return EINVAL;
	mlen = (size_t)(sp1 - s);
	sp2 = memchr(sp1 + 1, ' ', n - mlen - 1);
	if (!sp2 || !mlen || mlen >= sizeof(r->method) || !chars_span(s, mlen, chars_http_tchar))
		return EINVAL;
	tlen = (size_t)(sp2 - sp1 - 1);
	if (!tlen || tlen >= sizeof(r->target) || memchr(sp1 + 1, '\t', tlen))
		return EINVAL;
	if (n - (size_t)(sp2 + 1 - s) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) || sp2[8] < '0' ||
	    sp2[8] > '9')
		return EINVAL;
	memcpy(r->method, s, mlen);
	r->method[mlen] = '\0';
	memcpy(r->target, sp1 + 1, tlen);
	r->target[tlen] = '\0';
	return 0;
}

static int content_length(struct http_req_head *r, const char *v, size_t n)
{
	long long len = 0;

	if (!n || n > 18)
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return EINVAL;
		len = len * 10 + (v[i] - '0');
	}
	if (r->length >= 0 && r->length != len)
		return EINVAL; /* two lengths: which body is it? */
	if (r->length != HTTP_LENGTH_ENCODED)
		r->length = len;
	return 0;
}

static bool named(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && !strncasecmp(name, want, n);
}

static int header_line(struct http_req_head *r, const char *s, size_t n)
{
	const char *colon = memchr(s, ':', n), *v;
	size_t nlen, vlen;

	if (!colon)
		return EINVAL;
	nlen = (size_t)(colon - s);
	if (!nlen || !chars_span(s, nlen, chars_http_tchar))
		return EINVAL; /* also a folded line (leading space) */
	v = colon + 1;
	vlen = n - nlen - 1;
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (named(s, nlen, "Content-Length"))
		return content_length(r, v, vlen);
	if (named(s, nlen, "Transfer-Encoding")) {
		r->length = HTTP_LENGTH_ENCODED;
	} else if (named(s, nlen, "Content-Type")) {
		if (vlen && vlen < sizeof(r->type) && !memchr(v, '"', vlen) &&
		    !memchr(v, '\\', vlen)) {
			memcpy(r->type, v, vlen);
			r->type[vlen] = '\0';
		}
	} else if (named(s, nlen, "Expect")) {
		r->expect_continue = vlen == 12 && !strncasecmp(v, "100-continue", 12);
	}
	return 0;
}

int http_req_head_parse(struct http_req_head *r, const char *head, size_t len)
{
	const char *line;
	size_t pos = 0, n;
	int err;

	memset(r, 0, sizeof(*r));
	r->length = HTTP_LENGTH_NONE;
	strcpy(r->type, DEFAULT_TYPE);
	if (!head || !next_line(head, len, &pos, &line, &n) || has_ctl(line, n))
		return EINVAL;
	err = request_line(r, line, n);
	while (!err && next_line(head, len, &pos, &line, &n)) {
		if (!n)
			continue; /* the caller may leave the final CRLF in */
		err = has_ctl(line, n) ? EINVAL : header_line(r, line, n);
	}
	if (err) {
		r->method[0] = r->target[0] = '\0';
		r->length = HTTP_LENGTH_NONE;
	}
	return err;
}
