/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Restricted-XML parser and stream framer of the XMPP component. See
 * xmpp_xml.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

struct parser {
	const char *p, *end;
	size_t elements;
};

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* name characters: what XML allows, approximated (any non-ASCII byte) */
static bool is_name_char(unsigned char c, bool first)
{
	if (c >= 0x80 || c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end && is_space(*ps->p))
		ps->p++;
}

static int read_name(struct parser *ps, char **out)
{
	const char *s = ps->p;
	char *n;

	if (s >= ps->end || !is_name_char((unsigned char)*s, true))
		return EBADMSG;
	while (ps->p < ps->end && is_name_char((unsigned char)*ps->p, ps->p == s))
		ps->p++;
	n = malloc((size_t)(ps->p - s) + 1);
	if (!n)
		return ENOMEM;
	memcpy(n, s, (size_t)(ps->p - s));
	n[ps->p - s] = 0;
	*out = n;
	return 0;
}

static bool xml_char(uint32_t c)
{
	return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
	       (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

static int put_utf8(struct sbuf *sb, uint32_t c)
{
	char b[UTF8_MAX_SEQ];

	return sbuf_put(sb, b, utf8_encode(b, c));
}

static int char_ref(struct parser *ps, struct sbuf *sb)
{
	uint32_t c = 0;
	int base = 10, digits = 0;

	if (ps->p < ps->end && *ps->p == 'x') {
		base = 16;
		ps->p++;
	}
	for (; ps->p < ps->end && *ps->p != ';'; ps->p++, digits++) {
		char d = *ps->p;
		int v = d >= '0' && d <= '9'               ? d - '0' :
			base == 16 && d >= 'a' && d <= 'f' ? d - 'a' + 10 :
			base == 16 && d >= 'A' && d <= 'F' ? d - 'A' + 10 :
							     -1;
		if (v < 0 || digits > 8)
			return EBADMSG;
		c = c * (uint32_t)base + (uint32_t)v;
	}
	if (ps->p >= ps->end || !digits || !xml_char(c))
		return EBADMSG;
	ps->p++;
	return put_utf8(sb, c);
}

/* after '&' */
static int entity(struct parser *ps, struct sbuf *sb)
{
	static const struct {
		const char *name;
		char c;
	} ents[] = {{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"quot;", '"'}, {"apos;", '\''}};
	size_t left = (size_t)(ps->end - ps->p);

	if (left && *ps->p == '#') {
		ps->p++;
		return char_ref(ps, sb);
	}
	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++) {
		size_t n = strlen(ents[i].name);

		if (left >= n && !memcmp(ps->p, ents[i].name, n)) {
			ps->p += n;
			return sbuf_putc(sb, ents[i].c);
		}
	}
	return EBADMSG; /* other entities need a DTD: none here */
}

static bool bad_control(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\r' && c != '\n';
}

/* character data up to @p stop ('<' for text, the quote for values) */
static int char_data(struct parser *ps, char stop, struct sbuf *sb)
{
	int err = 0;

	while (!err && ps->p < ps->end && *ps->p != stop) {
		char c = *ps->p++;

		if (c == '&')
			err = entity(ps, sb);
		else if (bad_control((unsigned char)c) || (stop != '<' && c == '<'))
			err = EBADMSG;
		else
			err = sbuf_putc(sb, c);
	}
	return err ? err : sbuf_err(sb);
}

static int detach(struct sbuf *sb, char **out, size_t *len)
{
	*out = sbuf_detach(sb, len);
	return *out ? 0 : ENOMEM;
}

static int add_attr(struct xmpp_el *el, char *name, char *value)
{
	struct xmpp_attr *a;

	if (el->attr_n >= XMPP_XML_MAX_ATTRS)
		return EMSGSIZE;
	if (xmpp_el_attr(el, name))
		return EBADMSG; /* repeated */
	a = realloc(el->attrs, (el->attr_n + 1) * sizeof(*a));
	if (!a)
		return ENOMEM;
	el->attrs = a;
	a[el->attr_n].name = name;
	a[el->attr_n].value = value;
	el->attr_n++;
	return 0;
}

static int attribute(struct parser *ps, struct xmpp_el *el)
{
	struct sbuf sb = SBUF_INIT;
	char *name = NULL, *value = NULL, q;
	int err = read_name(ps, &name);

	if (err)
		goto out;
	skip_space(ps);
	err = EBADMSG;
	if (ps->p >= ps->end || *ps->p++ != '=')
		goto out;
	skip_space(ps);
	if (ps->p >= ps->end || (*ps->p != '"' && *ps->p != '\''))
		goto out;
	q = *ps->p++;
	err = char_data(ps, q, &sb);
	if (!err && ps->p >= ps->end)
		err = EBADMSG;
	if (err)
		goto out;
	ps->p++;
	err = detach(&sb, &value, NULL);
	if (!err)
		err = add_attr(el, name, value);
	if (!err)
		name = value = NULL;
out:
	sbuf_reset(&sb);
	free(name);
	free(value);
	return err;
}

/* attributes up to '>' or '/>'; *empty for the latter */
static int start_tag_rest(struct parser *ps, struct xmpp_el *el, bool *empty)
{
	int err;

	for (;;) {
		bool spaced = ps->p < ps->end && is_space(*ps->p);

		skip_space(ps);
		if (ps->p >= ps->end)
			return EBADMSG;
		if (*ps->p == '>') {
			ps->p++;
			*empty = false;
			return 0;
		}
		if (*ps->p == '/') {
			if (ps->end - ps->p < 2 || ps->p[1] != '>')
				return EBADMSG;
			ps->p += 2;
			*empty = true;
			return 0;
		}
		if (!spaced)
			return EBADMSG;
		err = attribute(ps, el);
		if (err)
			return err;
	}
}

static int element(struct parser *ps, struct xmpp_el **out, const char *parent_ns, int depth);

static int end_tag(struct parser *ps, const struct xmpp_el *el)
{
	size_t n = strlen(el->name);

	ps->p += 2; /* "</" */
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, el->name, n))
		return EBADMSG;
	ps->p += n;
	skip_space(ps);
	if (ps->p >= ps->end || *ps->p != '>')
		return EBADMSG;
	ps->p++;
	return 0;
}

static int content(struct parser *ps, struct xmpp_el *el, int depth)
{
	struct sbuf text = SBUF_INIT;
	struct xmpp_el **tail = &el->child;
	int err = 0;

	for (;;) {
		err = char_data(ps, '<', &text);
		if (err || ps->p >= ps->end) {
			err = err ? err : EBADMSG;
			break;
		}
		if (ps->end - ps->p >= 2 && ps->p[1] == '/') {
			err = end_tag(ps, el);
			break;
		}
		if (ps->end - ps->p >= 2 && (ps->p[1] == '!' || ps->p[1] == '?')) {
			err = EPROTO;
			break;
		}
		err = element(ps, tail, el->ns, depth + 1);
		if (err)
			break;
		tail = &(*tail)->next;
	}
	if (!err && !text.buf)
		err = sbuf_puts(&text, "");
	if (!err) {
		free(el->text);
		err = detach(&text, &el->text, &el->text_len);
	}
	sbuf_reset(&text);
	return err;
}

static int element(struct parser *ps, struct xmpp_el **out, const char *parent_ns, int depth)
{
	struct xmpp_el *el;
	bool empty = false;
	const char *ns;
	int err;

	if (depth >= XMPP_XML_MAX_DEPTH || ++ps->elements > XMPP_XML_MAX_ELEMENTS)
		return EMSGSIZE;
	if (ps->p >= ps->end || *ps->p != '<')
		return EBADMSG;
	if (ps->end - ps->p >= 2 && (ps->p[1] == '!' || ps->p[1] == '?'))
		return EPROTO;
	ps->p++;
	el = calloc(1, sizeof(*el));
	if (!el)
		return ENOMEM;
	*out = el;
	err = read_name(ps, &el->name);
	if (!err)
		err = start_tag_rest(ps, el, &empty);
	if (err)
		return err;
	ns = xmpp_el_attr(el, "xmlns");
	el->ns = ns ? ns : parent_ns;
	if (empty) {
		el->text = calloc(1, 1);
		return el->text ? 0 : ENOMEM;
	}
	return content(ps, el, depth);
}

int xmpp_xml_parse(struct xmpp_el **out, const char *data, size_t len)
{
	struct parser ps = {data, data + len, 0};
	int err;

	if (!out || (!data && len))
		return EINVAL;
	*out = NULL;
	if (!utf8_valid(data, len))
		return EBADMSG;
	skip_space(&ps);
	err = element(&ps, out, "", 0);
	if (!err) {
		skip_space(&ps);
		if (ps.p != ps.end)
			err = EBADMSG;
	}
	if (err) {
		xmpp_el_free(*out);
		*out = NULL;
	}
	return err;
}

int xmpp_xml_parse_start_tag(struct xmpp_el **out, const char *data, size_t len)
{
	const char *gt;
	char *tag;
	size_t n;
	int err;

	if (!out || (!data && len))
		return EINVAL;
	*out = NULL;
	n = 0;
	while (n < len && is_space(data[n]))
		n++;
	gt = n < len && data[n] == '<' ? memchr(data + n, '>', len - n) : NULL;
	if (!gt || gt == data + n + 1)
		return EBADMSG;
	/* "<name attrs>" or "<name attrs/>" becomes "<name attrs/>" */
	n = (size_t)(gt - data) + (gt[-1] == '/' ? 1 : 2);
	tag = malloc(n + 1);
	if (!tag)
		return ENOMEM;
	memcpy(tag, data, (size_t)(gt - data));
	if (gt[-1] != '/')
		tag[gt - data] = '/';
	tag[n - 1] = '>';
	tag[n] = '\0';
	err = xmpp_xml_parse(out, tag, n);
	free(tag);
	return err;
}

void xmpp_el_free(struct xmpp_el *el)
{
	while (el) {
		struct xmpp_el *next = el->next;

		xmpp_el_free(el->child);
		for (size_t i = 0; i < el->attr_n; i++) {
			free(el->attrs[i].name);
			free(el->attrs[i].value);
		}
		free(el->attrs);
		free(el->name);
		free(el->text);
		free(el);
		el = next;
	}
}

const char *xmpp_el_attr(const struct xmpp_el *el, const char *name)
{
	for (size_t i = 0; el && i < el->attr_n; i++)
		if (!strcmp(el->attrs[i].name, name))
			return el->attrs[i].value;
	return NULL;
}

const struct xmpp_el *xmpp_el_child(const struct xmpp_el *el, const char *name, const char *ns)
{
	for (const struct xmpp_el *c = el ? el->child : NULL; c; c = c->next)
		if (!strcmp(c->name, name) && (!ns || !strcmp(c->ns, ns)))
			return c;
	return NULL;
}

/* ---- the framer ----------------------------------------------------------- */

void xmpp_framer_init(struct xmpp_framer *f, size_t max)
{
	memset(f, 0, sizeof(*f));
	f->max = max;
}

void xmpp_framer_reset(struct xmpp_framer *f)
{
	free(f->buf);
	xmpp_framer_init(f, f->max);
}

int xmpp_framer_feed(struct xmpp_framer *f, const void *data, size_t len)
{
	/* what next() leaves is at most max bytes (an unfinished stanza or,
	 * while one is dropped, an unfinished tag): more means the frames were
	 * not taken out, or that it refused the stream */
	if (f->len > f->max || len > SIZE_MAX / 2)
		return EMSGSIZE;
	if (f->len + len + 1 > f->cap) {
		size_t cap = (f->len + len + 1) * 2;
		char *b = realloc(f->buf, cap);

		if (!b)
			return ENOMEM;
		f->buf = b;
		f->cap = cap;
	}
	memcpy(f->buf + f->len, data, len);
	f->len += len;
	f->buf[f->len] = 0;
	return 0;
}

/* end of the tag starting at @p i ('<'): index after its '>', 0 when
 * incomplete; quotes respected */
static size_t tag_end(const char *b, size_t len, size_t i)
{
	char q = 0;

	for (i++; i < len; i++) {
		if (q) {
			if (b[i] == q)
				q = 0;
		} else if (b[i] == '"' || b[i] == '\'') {
			q = b[i];
		} else if (b[i] == '<') {
			return (size_t)-1; /* '<' inside a tag */
		} else if (b[i] == '>') {
			return i + 1;
		}
	}
	return 0;
}

/* length of the top-level element at 0; 0 when incomplete, -1 malformed */
static size_t element_len(const char *b, size_t len, int *err)
{
	size_t i = 0, e;
	int depth = 0;

	while (i < len) {
		if (b[i] != '<') {
			i++;
			continue;
		}
		if (i + 1 >= len)
			return 0;
		if (b[i + 1] == '!' || b[i + 1] == '?') {
			*err = EPROTO;
			return (size_t)-1;
		}
		e = tag_end(b, len, i);
		if (e == (size_t)-1) {
			*err = EBADMSG;
			return e;
		}
		if (!e)
			return 0;
		if (b[i + 1] == '/')
			depth--;
		else if (b[e - 2] != '/')
			depth++;
		i = e;
		if (depth <= 0)
			return depth < 0 ? (*err = EBADMSG, (size_t)-1) : i;
	}
	return 0;
}

static int take(struct xmpp_framer *f, size_t start, size_t n, char **out, size_t *out_len)
{
	char *s = malloc(n + 1);

	if (!s)
		return ENOMEM;
	memcpy(s, f->buf + start, n);
	s[n] = 0;
	*out = s;
	if (out_len)
		*out_len = n;
	return 0;
}

static void consume(struct xmpp_framer *f, size_t n)
{
	memmove(f->buf, f->buf + n, f->len - n);
	f->len -= n;
	f->buf[f->len] = 0;
}

/* the header "<stream:stream ...>" made an empty element "<stream:stream .../>" */
static int header(struct xmpp_framer *f, size_t i, enum xmpp_frame *kind, char **out,
		  size_t *out_len)
{
	size_t e;
	int err;

	if (f->len - i > 2 && f->buf[i + 1] == '?') {
		char *q = strstr(f->buf + i, "?>");

		if (!q)
			return f->len > f->max ? EMSGSIZE : 0;
		consume(f, (size_t)(q + 2 - f->buf));
		return xmpp_framer_next(f, kind, out, out_len);
	}
	e = tag_end(f->buf, f->len, i);
	if (e == (size_t)-1 || (e && f->buf[i + 1] == '/'))
		return EBADMSG;
	if (!e)
		return f->len > f->max ? EMSGSIZE : 0;
	err = take(f, i, e - i + 1, out, out_len);
	if (err)
		return err;
	(*out)[e - i - 1] = '/';
	(*out)[e - i] = '>';
	consume(f, e);
	f->in_stream = true;
	*kind = XMPP_FRAME_HEADER;
	return 0;
}

/* Reads on through a too large stanza, dropping what it has read: complete
 * tags change the depth, text goes; an unfinished tag waits for more. */
static int drop(struct xmpp_framer *f)
{
	size_t i = 0, e;

	while (i < f->len && f->dropping > 0) {
		if (f->buf[i] != '<') {
			i++;
			continue;
		}
		if (i + 1 >= f->len)
			break;
		if (f->buf[i + 1] == '!' || f->buf[i + 1] == '?')
			return EPROTO;
		e = tag_end(f->buf, f->len, i);
		if (e == (size_t)-1)
			return EBADMSG;
		if (!e) {
			if (f->len - i > f->max)
				return EMSGSIZE;
			break;
		}
		if (f->buf[i + 1] == '/')
			f->dropping--;
		else if (f->buf[e - 2] != '/')
			f->dropping++;
		i = e;
	}
	consume(f, i);
	return 0;
}

/* The start tag of a stanza longer than max, for an answer; the rest of
 * the stanza is dropped as it arrives. */
static int too_large(struct xmpp_framer *f, enum xmpp_frame *kind, char **out, size_t *out_len)
{
	size_t e = tag_end(f->buf, f->len, 0);
	int err;

	if (e == (size_t)-1)
		return EBADMSG;
	if (!e || f->buf[e - 2] == '/')
		return EMSGSIZE; /* one tag alone longer than max */
	/* "<name attrs>" made "<name attrs/>" (the byte after '>' is there:
	 * the buffer is NUL-terminated) */
	err = take(f, 0, e + 1, out, out_len);
	if (err)
		return err;
	(*out)[e - 1] = '/';
	(*out)[e] = '>';
	consume(f, e);
	f->dropping = 1;
	*kind = XMPP_FRAME_TOO_LARGE;
	err = drop(f);
	if (err) {
		free(*out);
		*out = NULL;
		*kind = XMPP_FRAME_NONE;
	}
	return err;
}

int xmpp_framer_next(struct xmpp_framer *f, enum xmpp_frame *kind, char **out, size_t *out_len)
{
	size_t i = 0, n;
	int err = 0;

	*kind = XMPP_FRAME_NONE;
	*out = NULL;
	if (f->dropping) {
		err = drop(f);
		if (err || f->dropping)
			return err;
	}
	while (i < f->len && is_space(f->buf[i]))
		i++;
	if (i)
		consume(f, i);
	if (!f->len)
		return 0;
	if (f->buf[0] != '<')
		return EBADMSG;
	if (f->len < 2)
		return 0;
	if (!f->in_stream)
		return header(f, 0, kind, out, out_len);
	if (f->buf[1] == '/') {
		n = tag_end(f->buf, f->len, 0);
		if (n == (size_t)-1)
			return EBADMSG;
		if (n)
			*kind = XMPP_FRAME_END;
		return 0;
	}
	n = element_len(f->buf, f->len, &err);
	if (err)
		return err;
	if ((!n && f->len > f->max) || n > f->max)
		return too_large(f, kind, out, out_len);
	if (!n)
		return 0;
	err = take(f, 0, n, out, out_len);
	if (err)
		return err;
	consume(f, n);
	*kind = XMPP_FRAME_STANZA;
	return 0;
}
