/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sbuf.h  Growable output buffer
 *
 * One type for building text (SDP bodies, CPIM wrappers, XML, JSON text):
 * append bytes, characters or printf-formatted text, then take the result.
 * The content is always NUL-terminated once anything was written.
 *
 * Every append returns 0 or an errno value (ENOMEM, EINVAL, EOVERFLOW). The
 * first failure is also kept in @c err and makes every later append a no-op
 * returning the same value, so a builder may chain appends and check once at
 * the end (sbuf_err() or the result of sbuf_detach()).
 *
 * A zeroed struct (SBUF_INIT) is an empty buffer; libc memory only.
 */
#ifndef SYLK_BASE_SBUF_H
#define SYLK_BASE_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char *buf;   /**< content, NUL-terminated; NULL while empty */
	size_t len;  /**< bytes written, without the NUL            */
	size_t size; /**< bytes allocated                           */
	int err;     /**< first failure, sticky (0 if none)         */
};

#define SBUF_INIT             \
	{                     \
		NULL, 0, 0, 0 \
	}

/** Append @p n bytes from @p p (@p p may be NULL when @p n is 0). */
int sbuf_put(struct sbuf *sb, const void *p, size_t n);

/** Append a NUL-terminated string. */
int sbuf_puts(struct sbuf *sb, const char *s);

/** Append one byte. */
int sbuf_putc(struct sbuf *sb, char c);

/** Append printf-formatted text. */
int sbuf_printf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int sbuf_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/** Make sure @p extra more bytes (plus the NUL) fit without growing. */
int sbuf_reserve(struct sbuf *sb, size_t extra);

/** The first failure, 0 if every append succeeded. */
static inline int sbuf_err(const struct sbuf *sb)
{
	return sb->err;
}

/**
 * Take the content: a malloc'd NUL-terminated string the caller frees
 * ("" for an empty buffer), its length in *@p lenp if not NULL. The buffer is
 * empty afterwards. NULL if an append had failed or memory is short (the
 * buffer is reset in both cases).
 */
char *sbuf_detach(struct sbuf *sb, size_t *lenp);

/** Free the content and forget any failure: back to SBUF_INIT. */
void sbuf_reset(struct sbuf *sb);

#endif
