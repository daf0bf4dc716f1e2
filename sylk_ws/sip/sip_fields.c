/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fields of SIP text: see sip_fields.h. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/sip/sip_fields.h"

int sip_param_value(const char *params, const char *name, char *out, size_t size)
{
	size_t nlen, n = 0;
	const char *p;

	if (!params || !name || !*name || !out || !size)
		return EINVAL;
	out[0] = '\0';
	nlen = strlen(name);
	for (p = strchr(params, ';'); p; p = strchr(p + 1, ';'))
		if (strncmp(p + 1, name, nlen) == 0 && p[1 + nlen] == '=')
			break;
	if (!p)
		return ENOENT;
	for (p += 2 + nlen; *p && *p != ';'; p++) {
		int c = (unsigned char)*p;
		int hi = c == '%' ? chars_hex_value((unsigned char)p[1]) : -1;
		int lo = hi >= 0 ? chars_hex_value((unsigned char)p[2]) : -1;

		if (lo >= 0) {
			c = hi * 16 + lo;
			p += 2;
		}
		if (c == 0 || n + 1 >= size) {
			out[0] = '\0';
			return c == 0 ? EBADMSG : ENOSPC;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

int sip_display_bare(char *out, size_t size, const char *s, size_t len)
{
	int err = 0;

	if (!out || !size || (!s && len))
		return EINVAL;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	if (len >= size) {
		len = size - 1;
		err = ENOSPC;
	}
	if (len)
		memcpy(out, s, len);
	out[len] = '\0';
	return err;
}

bool sip_same_domain(const char *a, const char *b)
{
	const char *da = a ? strchr(a, '@') : NULL, *db = b ? strchr(b, '@') : NULL;

	return da && db && strcasecmp(da, db) == 0;
}
