/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's Contact URI. */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "conference/room/focus_uri.h"

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

int focus_contact_uri(char *buf, size_t size, const char *room_uri, const char *hostport)
{
	const char *user, *at, *domain;
	int n;

	if (!buf || !room_uri || !hostport || !*hostport)
		return EINVAL;
	if (strncasecmp(room_uri, "sip:", 4) != 0)
		return EINVAL;
	user = room_uri + 4;
	at = strchr(user, '@');
	if (!at || at == user || !at[1])
		return EINVAL;
	domain = at + 1;
	for (const char *c = domain; *c; c++)
		if (!host_char(*c))
			return EINVAL;
	n = snprintf(buf, size, "sip:%.*s@%s;" FOCUS_URI_PARAM "=%s", (int)(at - user), user,
		     hostport, domain);
	if (n < 0 || (size_t)n >= size)
		return ENOSPC;
	return 0;
}

int focus_room_uri(char *buf, size_t size, const char *user, size_t user_len, const char *params,
		   size_t params_len)
{
	const char *p = params, *end = params + params_len;
	static const char name[] = FOCUS_URI_PARAM;
	const size_t nlen = sizeof(name) - 1;

	if (!buf || !params)
		return ENOENT;
	while (p < end) {
		const char *next, *eq;
		size_t len;

		while (p < end && *p == ';')
			p++;
		next = memchr(p, ';', (size_t)(end - p));
		if (!next)
			next = end;
		len = (size_t)(next - p);
		eq = memchr(p, '=', len);
		if (eq && (size_t)(eq - p) == nlen && strncasecmp(p, name, nlen) == 0) {
			const char *v = eq + 1;
			size_t vlen = (size_t)(next - v);
			int n;

			if (vlen == 0)
				return ENOENT;
			if (!user || user_len == 0)
				return EINVAL;
			for (size_t i = 0; i < vlen; i++)
				if (!host_char(v[i]))
					return EINVAL;
			n = snprintf(buf, size, "sip:%.*s@%.*s", (int)user_len, user, (int)vlen, v);
			if (n < 0 || (size_t)n >= size)
				return ENOSPC;
			return 0;
		}
		p = next;
	}
	return ENOENT;
}
