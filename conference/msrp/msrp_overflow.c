/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conference/msrp/msrp_message.h"
#include "conference/msrp/msrp_overflow.h"
#include "sylk_ws/base/str.h"

struct span {
	const char *p;
	size_t len;
};

/* "MSRP SP transact-id SP method": the transaction id, and whether the
 * request gets a response at all (no response to REPORT, none to a
 * response). */
static bool request_line(const char *p, size_t n, struct span *tid)
{
	const char *sp, *method;
	size_t mlen;

	if (n < 5 || memcmp(p, "MSRP ", 5) != 0)
		return false;
	tid->p = p + 5;
	sp = memchr(tid->p, ' ', n - 5);
	if (!sp)
		return false;
	tid->len = (size_t)(sp - tid->p);
	method = sp + 1;
	mlen = (size_t)(p + n - method);
	if (!msrp_ident_valid(tid->p, tid->len) || mlen == 0)
		return false;
	for (size_t i = 0; i < mlen; i++)
		if (method[i] < 'A' || method[i] > 'Z')
			return false; /* a response's status code, or not MSRP */
	return !(mlen == 6 && memcmp(method, "REPORT", 6) == 0);
}

/* The first URI of a path header's value (URIs are separated by spaces). */
static struct span first_uri(const char *v, size_t n)
{
	struct span s;
	size_t i = 0;

	while (i < n && (v[i] == ' ' || v[i] == '\t'))
		i++;
	s.p = v + i;
	while (i < n && v[i] != ' ' && v[i] != '\t')
		i++;
	s.len = (size_t)(v + i - s.p);
	return s;
}

/* Header "Name: value" when the line has that name; false otherwise. */
static bool header_value(const char *p, size_t n, const char *name, struct span *value)
{
	size_t len = strlen(name);

	if (n <= len || p[len] != ':' || strncasecmp(p, name, len) != 0)
		return false;
	value->p = p + len + 1;
	value->len = n - len - 1;
	return true;
}

int msrp_overflow_reply(const char *buf, size_t len, char *out, size_t size, size_t *lenp)
{
	const char *p = buf, *end = buf + len, *next;
	struct span tid, to = {NULL, 0}, from = {NULL, 0}, v;
	bool no_response = false;
	size_t n;
	int w;

	if (!buf || !out || !size)
		return EINVAL;
	if (!str_line(p, end, &n, &next) || !request_line(p, n, &tid))
		return ENOENT;
	for (p = next;; p = next) {
		if (!str_line(p, end, &n, &next))
			return ENOENT; /* the head did not arrive whole */
		if (n == 0)
			break;
		if (n >= 7 && memcmp(p, "-------", 7) == 0)
			return ENOENT; /* a chunk without a body: it was whole */
		if (str_has_ctl(p, n))
			return EINVAL;
		if (!to.p && header_value(p, n, "To-Path", &v))
			to = first_uri(v.p, v.len);
		else if (!from.p && header_value(p, n, "From-Path", &v))
			from = first_uri(v.p, v.len);
		else if (header_value(p, n, "Failure-Report", &v)) {
			struct span r = first_uri(v.p, v.len);

			no_response = r.len == 2 && strncasecmp(r.p, "no", 2) == 0;
		}
	}
	if (no_response)
		return ENOENT;
	if (!to.len || !from.len)
		return EINVAL;
	w = snprintf(out, size,
		     "MSRP %.*s 413 Message larger than the server reads\r\nTo-Path: %.*s\r\n"
		     "From-Path: %.*s\r\n-------%.*s$\r\n",
		     (int)tid.len, tid.p, (int)from.len, from.p, (int)to.len, to.p, (int)tid.len,
		     tid.p);
	if (w < 0 || (size_t)w >= size)
		return ENOSPC;
	if (lenp)
		*lenp = (size_t)w;
	return 0;
}
