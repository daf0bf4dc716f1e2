/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Growable output buffer: see sbuf.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/base/sbuf.h"

enum { SBUF_MIN = 256 };

static int fail(struct sbuf *sb, int err)
{
	if (!sb->err)
		sb->err = err;
	return sb->err;
}

int sbuf_reserve(struct sbuf *sb, size_t extra)
{
	size_t need, size;
	char *p;

	if (!sb)
		return EINVAL;
	if (sb->err)
		return sb->err;
	if (extra > (size_t)-1 - 1 - sb->len)
		return fail(sb, EOVERFLOW);
	need = sb->len + extra + 1;
	if (need <= sb->size)
		return 0;

	size = sb->size ? sb->size : SBUF_MIN;
	while (size < need)
		size = size > (size_t)-1 / 2 ? need : size * 2;

	p = realloc(sb->buf, size);
	if (!p)
		return fail(sb, ENOMEM);
	sb->buf = p;
	sb->size = size;
	return 0;
}

int sbuf_put(struct sbuf *sb, const void *p, size_t n)
{
	int err;

	if (!sb)
		return EINVAL;
	if (!p && n)
		return fail(sb, EINVAL);
	err = sbuf_reserve(sb, n);
	if (err)
		return err;
	if (n)
		memcpy(sb->buf + sb->len, p, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int sbuf_puts(struct sbuf *sb, const char *s)
{
	if (!s)
		return sb ? fail(sb, EINVAL) : EINVAL;
	return sbuf_put(sb, s, strlen(s));
}

int sbuf_putc(struct sbuf *sb, char c)
{
	return sbuf_put(sb, &c, 1);
}

int sbuf_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n, err;

	if (!sb)
		return EINVAL;
	if (!fmt)
		return fail(sb, EINVAL);
	if (sb->err)
		return sb->err;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		return fail(sb, EINVAL);

	err = sbuf_reserve(sb, (size_t)n);
	if (err)
		return err;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int sbuf_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = sbuf_vprintf(sb, fmt, ap);
	va_end(ap);
	return err;
}

char *sbuf_detach(struct sbuf *sb, size_t *lenp)
{
	char *out;

	if (lenp)
		*lenp = 0;
	if (!sb)
		return NULL;
	if (sb->err || sbuf_reserve(sb, 0)) {
		sbuf_reset(sb);
		return NULL;
	}
	out = sb->buf;
	out[sb->len] = '\0';
	if (lenp)
		*lenp = sb->len;
	sb->buf = NULL;
	sb->len = sb->size = 0;
	return out;
}

void sbuf_reset(struct sbuf *sb)
{
	if (!sb)
		return;
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->size = 0;
	sb->err = 0;
}
