/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Host and port pairs: see hostport.h. */
#include <errno.h>
#include <string.h>

#include "sylk_ws/base/hostport.h"

int hostport_split(struct hostport *hp, const char *s, size_t len)
{
	const char *end = s + len, *colon;
	struct hostport r = {.host = s};

	if (!hp || !s)
		return EINVAL;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);

		if (!close)
			return EINVAL;
		r.host = s + 1;
		r.host_len = (size_t)(close - r.host);
		r.bracketed = true;
		colon = close + 1 < end ? close + 1 : NULL;
		if (colon && *colon != ':')
			return EINVAL;
	} else {
		colon = memchr(s, ':', len);
		r.host_len = colon ? (size_t)(colon - s) : len;
	}
	if (r.host_len == 0)
		return EINVAL;
	if (colon) {
		r.port = colon + 1;
		r.port_len = (size_t)(end - r.port);
	}
	*hp = r;
	return 0;
}

int hostport_port(uint16_t *port, const char *s, size_t len)
{
	unsigned v = 0;

	if (!port || !s || len == 0 || len > 5)
		return EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return EINVAL;
	*port = (uint16_t)v;
	return 0;
}
