/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: what the gateway's HTTP handlers read from the network
 * (sylk_ws/http): request heads (http_head), request paths (http_path) and
 * what an oversized request was (http_overflow).
 *
 * Oracles beyond "no crash": an accepted head has a token method, a
 * target without spaces or control bytes, a length that is -1, -2 or not
 * negative, a terminated Content-Type; a refused one leaves nothing
 * behind that a caller could act on. A path accepted below a web root
 * starts with '/', has no empty, dot or hidden segment, no backslash and
 * no control byte; a name segment has no '/' and does not start with a
 * dot. An oversized request is one of the three refusals or not HTTP, and
 * each refusal fits the 256 bytes the transport gives it. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/http/http_head.h"
#include "sylk_ws/http/http_overflow.h"
#include "sylk_ws/http/http_path.h"

static void paths(const char *s, size_t n)
{
	char out[256], name[64];

	if (http_static_path(s, n, out, sizeof(out)) == 0) {
		size_t len = strnlen(out, sizeof(out));

		if (len == sizeof(out) || out[0] != '/' || strstr(out, "//") || strstr(out, "/.") ||
		    strchr(out, '\\'))
			abort();
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				abort();
	}
	if (http_name_segment(s, n, name, sizeof(name)) == 0 &&
	    (name[0] == '.' || !name[0] || strchr(name, '/') || strchr(name, '\\')))
		abort();
}

static void overflow(const char *s, size_t n)
{
	enum http_overflow what = http_overflow_classify(s, n);
	char out[256];
	size_t len = 0;

	if (what == HTTP_OVERFLOW_NOT_HTTP)
		return;
	if (what != HTTP_OVERFLOW_BODY && what != HTTP_OVERFLOW_TARGET &&
	    what != HTTP_OVERFLOW_HEADERS)
		abort();
	if (http_overflow_reply(out, sizeof(out), what, n, &len) != 0 || len != strlen(out))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_req_head r;

	paths((const char *)data, size);
	overflow((const char *)data, size);
	int err = http_req_head_parse(&r, (const char *)data, size);

	if (err) {
		if (err != EINVAL || r.method[0] || r.target[0] || r.length != HTTP_LENGTH_NONE)
			abort();
		return 0;
	}
	size_t m = strnlen(r.method, sizeof(r.method)), t = strnlen(r.target, sizeof(r.target));

	if (!m || m == sizeof(r.method) || !chars_span(r.method, m, chars_http_tchar))
		abort();
	if (!t || t == sizeof(r.target) || strpbrk(r.target, " \t\r\n"))
		abort();
	for (size_t i = 0; i < t; i++)
		if ((unsigned char)r.target[i] < 0x20 || r.target[i] == 0x7f)
			abort();
	if (r.length < HTTP_LENGTH_ENCODED || strnlen(r.type, sizeof(r.type)) == sizeof(r.type))
		abort();
	return 0;
}
