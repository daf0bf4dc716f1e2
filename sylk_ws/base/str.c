/* SPDX-License-Identifier: GPL-2.0-or-later */
/* String helpers: see str.h. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/str.h"

int str_dupn(char **dst, const char *s, size_t n)
{
	char *p;

	if (!dst || (!s && n) || n == (size_t)-1)
		return EINVAL;
	p = malloc(n + 1);
	if (!p)
		return ENOMEM;
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	*dst = p;
	return 0;
}

int str_dup(char **dst, const char *s)
{
	if (!s)
		return EINVAL;
	return str_dupn(dst, s, strlen(s));
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

bool str_list_next(const char **cursor, const char **item, size_t *len)
{
	const char *p;

	if (!cursor || !item || !len)
		return false;
	p = *cursor;
	while (p && *p) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		const char *s = p;

		p = end ? end + 1 : s + n;
		while (n && blank(*s)) {
			s++;
			n--;
		}
		while (n && blank(s[n - 1]))
			n--;
		if (n) {
			*cursor = p;
			*item = s;
			*len = n;
			return true;
		}
	}
	if (cursor)
		*cursor = p;
	return false;
}

bool str_list_has_n(const char *list, const char *s, size_t n)
{
	const char *item;
	size_t len;

	if (!s || !n)
		return false;
	while (str_list_next(&list, &item, &len))
		if (len == n && strncasecmp(item, s, n) == 0)
			return true;
	return false;
}

bool str_list_has(const char *list, const char *s)
{
	return s && str_list_has_n(list, s, strlen(s));
}

int str_pct_segment(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	if (!out || !size || (!s && n))
		return EINVAL;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi = i + 2 < n ? chars_hex_value((unsigned char)s[i + 1]) : -1;
			int lo = i + 2 < n ? chars_hex_value((unsigned char)s[i + 2]) : -1;

			if (hi < 0 || lo < 0)
				return EINVAL;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c < 0x20 || c == 0x7f)
			return EINVAL;
		if (o + 1 >= size)
			return ENAMETOOLONG;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o ? 0 : EINVAL;
}

unsigned str_hash_fold(unsigned h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)tolower((unsigned char)*s)) * 16777619u;
	return h;
}

bool str_line(const char *p, const char *end, size_t *content, const char **next)
{
	const char *lf = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;

	if (!lf)
		return false;
	*content = (size_t)(lf - p) - (lf > p && lf[-1] == '\r');
	*next = lf + 1;
	return true;
}

bool str_equal_secret(const char *a, size_t alen, const char *b, size_t blen)
{
	unsigned char diff = alen != blen;

	for (size_t i = 0; i < alen && i < blen; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

bool str_has_ctl(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return true;
	return false;
}
