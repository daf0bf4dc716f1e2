/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/str.h"
#include "sylk_ws/sip/sip_overflow.h"

enum { METHOD_MAX = 32 };

/* One header field as it came: its first line up to the last line of its
 * continuation, without the final line ending. */
struct field {
	const char *p;
	size_t len;
};

enum field_kind { FIELD_OTHER, FIELD_VIA, FIELD_FROM, FIELD_TO, FIELD_CALL_ID, FIELD_CSEQ };

/* The caller's fixed buffer: no allocation, as the answer is built in
 * tcp_main; the first overflow sticks. */
struct out {
	char *p;
	size_t size, len;
	int err;
};

static void out_put(struct out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (n >= o->size - o->len) {
		o->err = ENOSPC;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void out_puts(struct out *o, const char *s)
{
	out_put(o, s, strlen(s));
}

static bool request_line(const char *p, size_t n)
{
	size_t m = chars_prefix(p, n, chars_sip_token), i;

	if (m == 0 || m > METHOD_MAX || m == n || p[m] != ' ')
		return false;
	if (m == 3 && memcmp(p, "ACK", 3) == 0)
		return false; /* no response to an ACK */
	i = m + 1;
	if (i < n && p[i] == ' ')
		return false;
	while (i < n && p[i] != ' ' && (unsigned char)p[i] > 0x20 && p[i] != 0x7f)
		i++;
	if (!memchr(p + m + 1, ':', i - m - 1))
		return false;
	return n - i == 8 && memcmp(p + i, " SIP/2.0", 8) == 0;
}

static enum field_kind kind_of(const char *p, size_t n)
{
	static const struct {
		const char *name, *compact;
		enum field_kind kind;
	} known[] = {
		{"Via", "v", FIELD_VIA},	  {"From", "f", FIELD_FROM},
		{"To", "t", FIELD_TO},		  {"Call-ID", "i", FIELD_CALL_ID},
		{"CSeq", NULL, FIELD_CSEQ},
	};
	size_t len = chars_prefix(p, n, chars_sip_token), i = len;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (len == 0 || i == n || p[i] != ':')
		return FIELD_OTHER;
	for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
		if (strlen(known[k].name) == len && strncasecmp(p, known[k].name, len) == 0)
			return known[k].kind;
		if (known[k].compact && len == 1 && (*p | 0x20) == known[k].compact[0])
			return known[k].kind;
	}
	return FIELD_OTHER;
}

/* Whether the To field carries a tag parameter: after the name-addr's '>'
 * if it has one, anywhere in the value if not. */
static bool has_tag(const struct field *to)
{
	const char *p = memchr(to->p, ':', to->len), *end = to->p + to->len, *gt;

	if (!p)
		return false;
	for (gt = end; gt > p; gt--)
		if (gt[-1] == '>')
			break;
	p = gt > p ? gt : p;
	for (; p < end; p++) {
		const char *q = p + 1;

		if (*p != ';')
			continue;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (end - q < 3 || strncasecmp(q, "tag", 3) != 0)
			continue;
		q += 3;
		while (q < end && (*q == ' ' || *q == '\t'))
			q++;
		if (q < end && *q == '=')
			return true;
	}
	return false;
}

/* Walks the header fields of a head that arrived whole, calling @p each
 * for every field; returns ENOENT when the empty line that ends the head is
 * not there, EINVAL when a line holds a control byte. */
static int walk_fields(const char *p, const char *end,
		       void (*each)(void *arg, enum field_kind kind, const struct field *f),
		       void *arg)
{
	struct field f = {NULL, 0};
	enum field_kind kind = FIELD_OTHER;
	size_t n;
	const char *next;

	for (;;) {
		if (!str_line(p, end, &n, &next))
			return ENOENT;
		if (str_has_ctl(p, n))
			return EINVAL;
		if (n > 0 && (*p == ' ' || *p == '\t') && f.p) {
			f.len = (size_t)(p + n - f.p);
		} else {
			if (f.p)
				each(arg, kind, &f);
			if (n == 0)
				return 0;
			f.p = p;
			f.len = n;
			kind = kind_of(p, n);
		}
		p = next;
	}
}

struct found {
	struct field from, to, call_id, cseq;
	size_t vias;
};

static void note_field(void *arg, enum field_kind kind, const struct field *f)
{
	struct found *fd = arg;
	struct field *slot = kind == FIELD_FROM	   ? &fd->from
			     : kind == FIELD_TO	   ? &fd->to
			     : kind == FIELD_CALL_ID ? &fd->call_id
			     : kind == FIELD_CSEQ	   ? &fd->cseq
						   : NULL;

	if (kind == FIELD_VIA)
		fd->vias++;
	if (slot && !slot->p)
		*slot = *f;
}

static void copy_via(void *arg, enum field_kind kind, const struct field *f)
{
	if (kind != FIELD_VIA)
		return;
	out_put(arg, f->p, f->len);
	out_puts(arg, "\r\n");
}

int sip_overflow_reply(const char *buf, size_t len, const char *to_tag, char *out, size_t size,
		       size_t *lenp)
{
	const char *p = buf, *end = buf + len, *next;
	struct found fd;
	struct out o = {out, size, 0, 0};
	size_t n;
	int err;

	if (!buf || !to_tag || !out || !size || !chars_span(to_tag, strlen(to_tag), chars_sip_token))
		return EINVAL;
	while (p < end && (*p == '\r' || *p == '\n'))
		p++;
	if (!str_line(p, end, &n, &next) || !request_line(p, n))
		return ENOENT;
	memset(&fd, 0, sizeof(fd));
	err = walk_fields(next, end, note_field, &fd);
	if (err)
		return err;
	if (!fd.vias || !fd.from.p || !fd.to.p || !fd.call_id.p || !fd.cseq.p)
		return EINVAL;
	out[0] = '\0';
	out_puts(&o, "SIP/2.0 513 Message Too Large\r\n");
	walk_fields(next, end, copy_via, &o);
	out_put(&o, fd.from.p, fd.from.len);
	out_puts(&o, "\r\n");
	out_put(&o, fd.to.p, fd.to.len);
	if (!has_tag(&fd.to)) {
		out_puts(&o, ";tag=");
		out_puts(&o, to_tag);
	}
	out_puts(&o, "\r\n");
	out_put(&o, fd.call_id.p, fd.call_id.len);
	out_puts(&o, "\r\n");
	out_put(&o, fd.cseq.p, fd.cseq.len);
	out_puts(&o, "\r\nContent-Length: 0\r\n\r\n");
	if (o.err)
		return o.err;
	if (lenp)
		*lenp = o.len;
	return 0;
}
