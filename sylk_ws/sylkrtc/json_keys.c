/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file json_keys.c  Repeated member names in JSON objects
 *
 * One pass over the text: the names of every open object are collected,
 * and when the object closes they are sorted and neighbours compared, so a
 * request with thousands of names costs n log n, not n squared.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/sylkrtc/json_keys.h"
#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/utf8.h"

struct name {
	char *bytes; /* unescaped, malloc'ed */
	size_t len;
};

struct frame {
	bool object;
	bool expect_name; /* next string of this object is a member name */
	size_t first;     /* its first name in the names array */
};

struct finder {
	const char *s;
	size_t len, i;
	struct name *names;
	size_t count, cap;
	struct frame *frames;
	size_t depth, frames_cap;
};

static unsigned hex4(const char *p)
{
	unsigned v = 0;

	for (int k = 0; k < 4; k++) {
		int h = chars_hex_value((unsigned char)p[k]);

		v = v << 4 | (unsigned)(h < 0 ? 0 : h);
	}
	return v;
}

/* The string starting at the quote at f->i, unescaped into a new buffer;
 * f->i ends past the closing quote. The text is valid JSON, so escapes are
 * well formed; anything cut short ends the string. */
static int read_string(struct finder *f, struct name *out)
{
	size_t start = ++f->i, n = 0;
	char *buf;

	while (f->i < f->len && f->s[f->i] != '"')
		f->i += f->s[f->i] == '\\' ? 2 : 1;
	/* unescaped is never longer than escaped */
	buf = malloc(f->i - start + 1);
	if (!buf)
		return ENOMEM;
	for (size_t k = start; k < f->i && k < f->len; k++) {
		char c = f->s[k];
		unsigned cp;

		if (c != '\\' || k + 1 >= f->i) {
			buf[n++] = c;
			continue;
		}
		c = f->s[++k];
		switch (c) {
		case 'b': buf[n++] = '\b'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'r': buf[n++] = '\r'; break;
		case 't': buf[n++] = '\t'; break;
		case 'u':
			if (k + 4 >= f->i) { /* cut short: ends the string */
				k = f->i;
				break;
			}
			cp = hex4(f->s + k + 1);
			k += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && k + 6 < f->i && f->s[k + 1] == '\\' &&
			    f->s[k + 2] == 'u') {
				unsigned lo = hex4(f->s + k + 3);

				if (lo >= 0xDC00 && lo < 0xE000) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					k += 6;
				}
			}
			/* a lone surrogate becomes U+FFFD, as json-c decodes it */
			n += utf8_encode(buf + n, cp);
			break;
		default: buf[n++] = c; break; /* " \ / */
		}
	}
	f->i++;
	out->bytes = buf;
	out->len = n;
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	const struct name *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->bytes, y->bytes, n);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int push(struct finder *f, bool object)
{
	if (f->depth == f->frames_cap) {
		size_t cap = f->frames_cap ? 2 * f->frames_cap : 16;
		struct frame *fr = realloc(f->frames, cap * sizeof(*fr));

		if (!fr)
			return ENOMEM;
		f->frames = fr;
		f->frames_cap = cap;
	}
	f->frames[f->depth++] = (struct frame){object, object, f->count};
	return 0;
}

static int add_name(struct finder *f, struct name *n)
{
	if (f->count == f->cap) {
		size_t cap = f->cap ? 2 * f->cap : 32;
		struct name *nn = realloc(f->names, cap * sizeof(*nn));

		if (!nn)
			return ENOMEM;
		f->names = nn;
		f->cap = cap;
	}
	f->names[f->count++] = *n;
	return 0;
}

static void drop_names(struct finder *f, size_t from)
{
	while (f->count > from)
		free(f->names[--f->count].bytes);
}

/* Closes the innermost object: EEXIST with its repeated name, if any. */
static int close_object(struct finder *f, char *dup, size_t dup_size)
{
	struct frame *fr = &f->frames[f->depth - 1];
	struct name *first = f->names + fr->first;
	size_t n = f->count - fr->first;

	if (n > 1)
		qsort(first, n, sizeof(*first), cmp_names);
	for (size_t k = 1; k < n; k++) {
		if (cmp_names(&first[k - 1], &first[k]) == 0) {
			size_t c = first[k].len < dup_size - 1 ? first[k].len : dup_size - 1;

			/* cut on a character boundary: the name goes into an error text */
			while (c > 0 && c < first[k].len && (first[k].bytes[c] & 0xC0) == 0x80)
				c--;
			memcpy(dup, first[k].bytes, c);
			dup[c] = '\0';
			return EEXIST;
		}
	}
	drop_names(f, fr->first);
	f->depth--;
	return 0;
}

int json_find_duplicate_key(const char *text, size_t len, char *dup, size_t dup_size)
{
	struct finder f = {.s = text, .len = len};
	int err = 0;

	if (!text || !dup || !dup_size)
		return EINVAL;
	dup[0] = '\0';
	while (!err && f.i < f.len) {
		char c = f.s[f.i];
		struct frame *top = f.depth ? &f.frames[f.depth - 1] : NULL;
		struct name n;

		switch (c) {
		case '{':
		case '[':
			err = push(&f, c == '{');
			f.i++;
			break;
		case '}':
			err = top && top->object ? close_object(&f, dup, dup_size) : 0;
			f.i++;
			break;
		case ']':
			if (top)
				f.depth--;
			f.i++;
			break;
		case ',':
			if (top && top->object)
				top->expect_name = true;
			f.i++;
			break;
		case '"':
			if (top && top->object && top->expect_name) {
				err = read_string(&f, &n);
				if (!err) {
					top->expect_name = false;
					err = add_name(&f, &n);
					if (err)
						free(n.bytes);
				}
			} else {
				f.i++;
				while (f.i < f.len && f.s[f.i] != '"')
					f.i += f.s[f.i] == '\\' ? 2 : 1;
				f.i++;
			}
			break;
		default: f.i++;
		}
	}
	drop_names(&f, 0);
	free(f.names);
	free(f.frames);
	return err;
}
