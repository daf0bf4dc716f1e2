/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPIM message format (RFC 3862): parse and build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/base/str.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/im/utf8_text.h"

/* ---- character classes ---------------------------------------------------- */

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* NAMECHAR of RFC 3862 section 3.6: an RFC 7230 tchar but '.', which
 * separates the prefix. */
static bool is_namechar(unsigned char c)
{
	return c != '.' && chars_http_tchar(c);
}

static bool str_text(const char *s)
{
	return s && utf8_text_valid(s, strlen(s));
}

static bool name_valid(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (!is_namechar((unsigned char)*s))
			return false;
	}
	return true;
}

static bool mime_name_valid(const char *s)
{
	return s && chars_span(s, strlen(s), chars_mime_token);
}

/* What can stand between < and >: printable, no spaces, no brackets or
 * quotes; UTF-8 allowed for IRIs. */
static bool uri_valid(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || !utf8_text_valid(p, n))
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == ' ' || c == '\t' || c == '<' || c == '>' || c == '"')
			return false;
	}
	return true;
}

/* ---- object ------------------------------------------------------------- */

int cpim_msg_alloc(struct cpim_msg **mp)
{
	if (!mp)
		return EINVAL;
	*mp = calloc(1, sizeof(**mp));
	return *mp ? 0 : ENOMEM;
}

static void addr_reset(struct cpim_addr *a)
{
	free(a->display);
	free(a->uri);
	a->display = NULL;
	a->uri = NULL;
}

static void headers_free(struct cpim_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(h[i].prefix);
		free(h[i].name);
		free(h[i].params);
		free(h[i].value);
	}
	free(h);
}

void cpim_msg_free(struct cpim_msg *m)
{
	size_t i;

	if (!m)
		return;
	addr_reset(&m->from);
	for (i = 0; i < m->to_n; i++)
		addr_reset(&m->to[i]);
	free(m->to);
	for (i = 0; i < m->cc_n; i++)
		addr_reset(&m->cc[i]);
	free(m->cc);
	free(m->datetime);
	free(m->subject);
	for (i = 0; i < m->ns_n; i++) {
		free(m->ns[i].prefix);
		free(m->ns[i].uri);
	}
	free(m->ns);
	headers_free(m->headers, m->header_n);
	free(m->content_type);
	headers_free(m->mime, m->mime_n);
	free(m->body);
	free(m);
}

/* ---- lookups ------------------------------------------------------------ */

const char *cpim_msg_header_ns(const struct cpim_msg *m, const struct cpim_header *h)
{
	size_t i;

	if (!m || !h)
		return NULL;
	if (!h->prefix)
		return CPIM_NS_DEFAULT;
	/* the last declaration of a prefix wins */
	for (i = m->ns_n; i-- > 0;) {
		if (m->ns[i].prefix && strcmp(m->ns[i].prefix, h->prefix) == 0)
			return m->ns[i].uri;
	}
	return NULL;
}

static bool ns_equal(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

const char *cpim_msg_header(const struct cpim_msg *m, const char *ns, const char *name)
{
	size_t i;

	if (!m || !name)
		return NULL;
	if (!ns)
		ns = CPIM_NS_DEFAULT;
	for (i = 0; i < m->header_n; i++) {
		const char *hns = cpim_msg_header_ns(m, &m->headers[i]);

		if (hns && ns_equal(hns, ns) && strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	}
	return NULL;
}

const char *cpim_msg_mime_header(const struct cpim_msg *m, const char *name)
{
	size_t i;

	if (!m || !name)
		return NULL;
	if (strcasecmp(name, "Content-Type") == 0)
		return m->content_type;
	for (i = 0; i < m->mime_n; i++) {
		if (strcasecmp(m->mime[i].name, name) == 0)
			return m->mime[i].value;
	}
	return NULL;
}

/* ---- list helpers ---------------------------------------------------------- */

static int addr_push(struct cpim_addr **v, size_t *n, char *display, char *uri)
{
	struct cpim_addr *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return ENOMEM;
	nv[*n].display = display;
	nv[*n].uri = uri;
	*v = nv;
	(*n)++;
	return 0;
}

static int header_push(struct cpim_header **v, size_t *n, char *prefix, char *name, char *params,
		       char *value)
{
	struct cpim_header *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return ENOMEM;
	nv[*n].prefix = prefix;
	nv[*n].name = name;
	nv[*n].params = params;
	nv[*n].value = value;
	*v = nv;
	(*n)++;
	return 0;
}

/* ---- parsing ------------------------------------------------------------- */

/* Next line of [*pos, len): ends at LF, a CR before it is dropped. Returns
 * false at the end of the data; a last line without LF is still given. */
static bool next_line(const char *s, size_t len, size_t *pos, size_t *ls, size_t *ll, bool *had_lf)
{
	const char *lf;
	size_t p = *pos;

	if (p >= len)
		return false;
	lf = memchr(s + p, '\n', len - p);
	*ls = p;
	if (!lf) {
		*ll = len - p;
		*pos = len;
		*had_lf = false;
		return true;
	}
	*ll = (size_t)(lf - (s + p));
	*pos = (size_t)(lf - s) + 1;
	*had_lf = true;
	if (*ll && s[p + *ll - 1] == '\r')
		(*ll)--;
	return true;
}

static void trim(const char *s, size_t *a, size_t *b)
{
	while (*a < *b && (s[*a] == ' ' || s[*a] == '\t'))
		(*a)++;
	while (*b > *a && (s[*b - 1] == ' ' || s[*b - 1] == '\t'))
		(*b)--;
}

/* quoted-string [a, b) with \-escapes into a new string; NULL + *bad. */
static char *unquote(const char *s, size_t a, size_t b, bool *bad)
{
	char *out;
	size_t i, o = 0;

	*bad = true;
	if (b - a < 2 || s[a] != '"' || s[b - 1] != '"')
		return NULL;
	out = malloc(b - a);
	if (!out) {
		*bad = false;
		return NULL;
	}
	for (i = a + 1; i < b - 1; i++) {
		if (s[i] == '\\') {
			if (++i >= b - 1)
				goto fail;
		} else if (s[i] == '"') {
			goto fail;
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	*bad = false;
	return out;
fail:
	free(out);
	return NULL;
}

/* [display] <uri>, or a bare URI. Returns 0, EBADMSG, ENOMEM. */
static int parse_addr(const char *s, size_t a, size_t b, char **display, char **uri)
{
	size_t lt, gt, da, db;
	bool bad;

	*display = NULL;
	*uri = NULL;
	trim(s, &a, &b);
	if (a == b)
		return EBADMSG;
	if (s[b - 1] != '>') {
		/* a bare URI, as some clients write */
		if (!uri_valid(s + a, b - a) || !memchr(s + a, ':', b - a))
			return EBADMSG;
		return str_dupn(uri, s + a, b - a);
	}
	gt = b - 1;
	lt = gt;
	while (lt > a && s[lt] != '<')
		lt--;
	if (s[lt] != '<' || !uri_valid(s + lt + 1, gt - lt - 1))
		return EBADMSG;
	da = a;
	db = lt;
	trim(s, &da, &db);
	if (da < db) {
		if (s[da] == '"') {
			*display = unquote(s, da, db, &bad);
			if (!*display)
				return bad ? EBADMSG : ENOMEM;
		} else {
			if (memchr(s + da, '"', db - da) || memchr(s + da, '<', db - da))
				return EBADMSG;
			if (str_dupn(display, s + da, db - da))
				return ENOMEM;
		}
	}
	if (str_dupn(uri, s + lt + 1, gt - lt - 1)) {
		free(*display);
		*display = NULL;
		return ENOMEM;
	}
	return 0;
}

/* Append a declaration: copies of prefix[0..plen) (prefix NULL: none)
 * and uri[0..ulen). */
static int ns_push(struct cpim_msg *m, const char *prefix, size_t plen, const char *uri,
		   size_t ulen)
{
	char *p = NULL, *u = NULL;
	struct cpim_ns *v;
	int err;

	err = prefix ? str_dupn(&p, prefix, plen) : 0;
	if (!err)
		err = str_dupn(&u, uri, ulen);
	if (err)
		goto out;
	v = realloc(m->ns, (m->ns_n + 1) * sizeof(*v));
	if (!v) {
		err = ENOMEM;
		goto out;
	}
	m->ns = v;
	v[m->ns_n].prefix = p;
	v[m->ns_n].uri = u;
	m->ns_n++;
	p = u = NULL;
out:
	free(p);
	free(u);
	return err;
}

/* NS: [prefix SP] <uri> */
static int parse_ns(struct cpim_msg *m, const char *s, size_t a, size_t b)
{
	size_t i, plen;

	trim(s, &a, &b);
	i = a;
	while (i < b && is_namechar((unsigned char)s[i]))
		i++;
	plen = i - a;
	if (plen) {
		if (i >= b || (s[i] != ' ' && s[i] != '\t'))
			return EBADMSG;
		while (i < b && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	if (b - i < 3 || s[i] != '<' || s[b - 1] != '>' || !uri_valid(s + i + 1, b - i - 2))
		return EBADMSG;
	return ns_push(m, plen ? s + a : NULL, plen, s + i + 1, b - i - 2);
}

/* Header = Header-name ":" *( ";" Parameter ) SP Header-value */
static int parse_msg_header(struct cpim_msg *m, const char *s, size_t ls, size_t ll)
{
	size_t e = ls + ll, i = ls, dot = 0, ps = 0, pe = 0, vs, ve;
	bool has_dot = false;
	char *prefix = NULL, *name = NULL, *params = NULL, *value = NULL;
	size_t ns_, ne;
	int err;

	while (i < e && (is_namechar((unsigned char)s[i]) || s[i] == '.')) {
		if (s[i] == '.') {
			if (has_dot)
				return EBADMSG;
			has_dot = true;
			dot = i;
		}
		i++;
	}
	if (i == ls || i >= e || s[i] != ':')
		return EBADMSG;
	if (has_dot && (dot == ls || dot + 1 == i))
		return EBADMSG;
	ns_ = has_dot ? dot + 1 : ls;
	ne = i;
	i++;

	if (i < e && s[i] == ';') {
		bool q = false;

		ps = i;
		while (i < e && (q || (s[i] != ' ' && s[i] != '\t'))) {
			if (s[i] == '"')
				q = !q;
			else if (q && s[i] == '\\' && i + 1 < e)
				i++;
			i++;
		}
		if (q)
			return EBADMSG;
		pe = i;
	}
	vs = i;
	ve = e;
	trim(s, &vs, &ve);
	if (!utf8_text_valid(s + ls, ll))
		return EBADMSG;

	if (!has_dot) {
		size_t nl = ne - ns_;
		const char *n = s + ns_;

		if (nl == 4 && strncasecmp(n, "From", 4) == 0) {
			if (m->has_from || ps)
				return EBADMSG;
			err = parse_addr(s, vs, ve, &m->from.display, &m->from.uri);
			if (!err)
				m->has_from = true;
			return err;
		}
		if ((nl == 2 && strncasecmp(n, "To", 2) == 0) ||
		    (nl == 2 && strncasecmp(n, "cc", 2) == 0)) {
			bool to = (n[0] == 'T' || n[0] == 't');

			if (ps)
				return EBADMSG;
			err = parse_addr(s, vs, ve, &name, &value);
			if (!err)
				err = to ? addr_push(&m->to, &m->to_n, name, value) :
					   addr_push(&m->cc, &m->cc_n, name, value);
			if (err) {
				free(name);
				free(value);
			}
			return err;
		}
		if (nl == 8 && strncasecmp(n, "DateTime", 8) == 0) {
			if (m->datetime || ps || vs == ve)
				return EBADMSG;
			return str_dupn(&m->datetime, s + vs, ve - vs);
		}
		if (nl == 7 && strncasecmp(n, "Subject", 7) == 0 && !ps && !m->subject) {
			return str_dupn(&m->subject, s + vs, ve - vs);
		}
		if (nl == 2 && strncasecmp(n, "NS", 2) == 0) {
			if (ps)
				return EBADMSG;
			return parse_ns(m, s, vs, ve);
		}
	}

	if (m->header_n >= CPIM_MAX_HEADERS)
		return EBADMSG;
	err = has_dot ? str_dupn(&prefix, s + ls, dot - ls) : 0;
	if (!err)
		err = str_dupn(&name, s + ns_, ne - ns_);
	if (!err && ps)
		err = str_dupn(&params, s + ps, pe - ps);
	if (!err)
		err = str_dupn(&value, s + vs, ve - vs);
	if (!err)
		err = header_push(&m->headers, &m->header_n, prefix, name, params, value);
	if (!err)
		return 0;
	free(prefix);
	free(name);
	free(params);
	free(value);
	return err;
}

/* One unfolded MIME header line. */
static int parse_mime_header(struct cpim_msg *m, const char *s, size_t len)
{
	size_t i = 0, vs, ve = len;
	char *name = NULL, *value = NULL;
	int err;

	i = chars_prefix(s, len, chars_mime_token);
	if (i == 0 || i >= len || s[i] != ':')
		return EBADMSG;
	vs = i + 1;
	trim(s, &vs, &ve);
	if (!utf8_text_valid(s, len))
		return EBADMSG;
	if (i == 12 && strncasecmp(s, "Content-Type", 12) == 0) {
		if (m->content_type || vs == ve)
			return EBADMSG;
		return str_dupn(&m->content_type, s + vs, ve - vs);
	}
	if (m->mime_n >= CPIM_MAX_HEADERS)
		return EBADMSG;
	err = str_dupn(&name, s, i);
	if (!err)
		err = str_dupn(&value, s + vs, ve - vs);
	if (!err)
		err = header_push(&m->mime, &m->mime_n, NULL, name, NULL, value);
	if (err) {
		free(name);
		free(value);
	}
	return err;
}

int cpim_parse(struct cpim_msg **mp, const void *data, size_t len)
{
	const char *s = data;
	struct cpim_msg *m;
	size_t pos = 0, ls, ll;
	char *cur = NULL; /* MIME header being unfolded */
	size_t cur_len = 0;
	bool had_lf, blank = false;
	int err;

	if (!mp || (!data && len))
		return EINVAL;
	*mp = NULL;
	err = cpim_msg_alloc(&m);
	if (err)
		return err;

	/* message headers, up to the blank line */
	while (next_line(s, len, &pos, &ls, &ll, &had_lf)) {
		if (ll == 0 && had_lf) {
			blank = true;
			break;
		}
		if (!had_lf || ll > CPIM_MAX_LINE || s[ls] == ' ' || s[ls] == '\t') {
			err = EBADMSG;
			goto out;
		}
		err = parse_msg_header(m, s, ls, ll);
		if (err)
			goto out;
	}
	if (!blank) {
		err = EBADMSG;
		goto out;
	}

	/* MIME headers of the content, folded lines joined */
	blank = false;
	while (next_line(s, len, &pos, &ls, &ll, &had_lf)) {
		if (ll > CPIM_MAX_LINE) {
			err = EBADMSG;
			goto out;
		}
		if (ll && (s[ls] == ' ' || s[ls] == '\t')) {
			char *n;

			if (!cur || cur_len + ll + 1 > CPIM_MAX_LINE) {
				err = EBADMSG;
				goto out;
			}
			n = realloc(cur, cur_len + ll + 1);
			if (!n) {
				err = ENOMEM;
				goto out;
			}
			cur = n;
			memcpy(cur + cur_len, s + ls, ll);
			cur_len += ll;
			continue;
		}
		if (cur) {
			err = parse_mime_header(m, cur, cur_len);
			free(cur);
			cur = NULL;
			if (err)
				goto out;
		}
		if (ll == 0) {
			blank = had_lf;
			break;
		}
		err = str_dupn(&cur, s + ls, ll);
		if (err)
			goto out;
		cur_len = ll;
	}
	if (cur) {
		err = parse_mime_header(m, cur, cur_len);
		free(cur);
		cur = NULL;
		if (err)
			goto out;
	}

	if (blank && pos < len) {
		char *body;

		err = str_dupn(&body, s + pos, len - pos);
		if (err)
			goto out;
		m->body = (uint8_t *)body;
		m->body_len = len - pos;
	}
	*mp = m;
	return 0;

out:
	free(cur);
	cpim_msg_free(m);
	return err;
}

/* ---- building ------------------------------------------------------------- */

static bool display_valid(const char *d)
{
	return !d || str_text(d);
}

static int addr_make(const char *display, const char *uri, char **dp, char **up)
{
	if (!uri || !uri_valid(uri, strlen(uri)) || !display_valid(display))
		return EINVAL;
	*dp = display ? strdup(display) : NULL;
	*up = strdup(uri);
	if ((display && !*dp) || !*up) {
		free(*dp);
		free(*up);
		return ENOMEM;
	}
	return 0;
}

int cpim_msg_set_from(struct cpim_msg *m, const char *display, const char *uri)
{
	char *d, *u;
	int err;

	if (!m)
		return EINVAL;
	err = addr_make(display, uri, &d, &u);
	if (err)
		return err;
	addr_reset(&m->from);
	m->from.display = d;
	m->from.uri = u;
	m->has_from = true;
	return 0;
}

static int add_addr(struct cpim_addr **v, size_t *n, const char *display, const char *uri)
{
	char *d, *u;
	int err;

	err = addr_make(display, uri, &d, &u);
	if (err)
		return err;
	err = addr_push(v, n, d, u);
	if (err) {
		free(d);
		free(u);
	}
	return err;
}

int cpim_msg_add_to(struct cpim_msg *m, const char *display, const char *uri)
{
	return m ? add_addr(&m->to, &m->to_n, display, uri) : EINVAL;
}

int cpim_msg_add_cc(struct cpim_msg *m, const char *display, const char *uri)
{
	return m ? add_addr(&m->cc, &m->cc_n, display, uri) : EINVAL;
}

static int set_str(char **dst, const char *s)
{
	char *c = strdup(s);

	if (!c)
		return ENOMEM;
	free(*dst);
	*dst = c;
	return 0;
}

int cpim_msg_set_datetime(struct cpim_msg *m, const char *dt)
{
	char now[32];
	int err;

	if (!m)
		return EINVAL;
	if (!dt) {
		err = cpim_datetime_now(now, sizeof(now));
		if (err)
			return err;
		dt = now;
	}
	if (!cpim_datetime_valid(dt))
		return EINVAL;
	return set_str(&m->datetime, dt);
}

int cpim_msg_set_subject(struct cpim_msg *m, const char *subject)
{
	if (!m || !str_text(subject))
		return EINVAL;
	return set_str(&m->subject, subject);
}

int cpim_msg_add_ns(struct cpim_msg *m, const char *prefix, const char *uri)
{
	size_t i;

	if (!m || (prefix && !name_valid(prefix)) || !uri || !uri_valid(uri, strlen(uri)))
		return EINVAL;
	for (i = 0; i < m->ns_n; i++) {
		if ((!prefix && !m->ns[i].prefix) ||
		    (prefix && m->ns[i].prefix && strcmp(prefix, m->ns[i].prefix) == 0))
			return set_str(&m->ns[i].uri, uri);
	}
	return ns_push(m, prefix, prefix ? strlen(prefix) : 0, uri, strlen(uri));
}

int cpim_msg_add_header(struct cpim_msg *m, const char *ns, const char *name, const char *value)
{
	const char *prefix = NULL;
	char *p = NULL, *n, *v;
	size_t i;
	int err;

	if (!m || !name_valid(name) || !str_text(value))
		return EINVAL;
	if (ns && !ns_equal(ns, CPIM_NS_DEFAULT)) {
		for (i = m->ns_n; i-- > 0;) {
			if (m->ns[i].prefix && ns_equal(m->ns[i].uri, ns)) {
				prefix = m->ns[i].prefix;
				break;
			}
		}
		if (!prefix)
			return EINVAL;
	}
	if (prefix && !(p = strdup(prefix)))
		return ENOMEM;
	n = strdup(name);
	v = strdup(value);
	err = (n && v) ? header_push(&m->headers, &m->header_n, p, n, NULL, v) : ENOMEM;
	if (err) {
		free(p);
		free(n);
		free(v);
	}
	return err;
}

int cpim_msg_add_mime_header(struct cpim_msg *m, const char *name, const char *value)
{
	char *n, *v;
	int err;

	if (!m || !mime_name_valid(name) || !str_text(value))
		return EINVAL;
	if (strcasecmp(name, "Content-Type") == 0)
		return str_text(value) && *value ? set_str(&m->content_type, value) : EINVAL;
	n = strdup(name);
	v = strdup(value);
	err = (n && v) ? header_push(&m->mime, &m->mime_n, NULL, n, NULL, v) : ENOMEM;
	if (err) {
		free(n);
		free(v);
	}
	return err;
}

int cpim_msg_set_content(struct cpim_msg *m, const char *content_type, const void *body, size_t len)
{
	char *ct = NULL;
	uint8_t *b = NULL;

	if (!m || (!body && len) || (content_type && (!str_text(content_type) || !*content_type)))
		return EINVAL;
	if (content_type && !(ct = strdup(content_type)))
		return ENOMEM;
	if (len) {
		b = malloc(len + 1);
		if (!b) {
			free(ct);
			return ENOMEM;
		}
		memcpy(b, body, len);
		b[len] = '\0';
	}
	free(m->content_type);
	free(m->body);
	m->content_type = ct;
	m->body = b;
	m->body_len = len;
	return 0;
}

static void put_addr(struct sbuf *sb, const char *hname, const struct cpim_addr *a)
{
	const char *d;

	sbuf_printf(sb, "%s: ", hname);
	if (a->display) {
		/* always quoted: a formal name of bare tokens would be
		 * shorter, but quoting is right for any text */
		sbuf_putc(sb, '"');
		for (d = a->display; *d; d++) {
			if (*d == '"' || *d == '\\')
				sbuf_putc(sb, '\\');
			sbuf_putc(sb, *d);
		}
		sbuf_puts(sb, "\" ");
	}
	sbuf_printf(sb, "<%s>\r\n", a->uri);
}

static bool addr_ok(const struct cpim_addr *a)
{
	return a->uri && uri_valid(a->uri, strlen(a->uri)) && display_valid(a->display);
}

int cpim_encode(const struct cpim_msg *m, char **outp, size_t *lenp)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;
	int err;

	if (!m || !outp)
		return EINVAL;
	*outp = NULL;

	/* refuse anything that would break the framing */
	if (m->has_from && !addr_ok(&m->from))
		return EINVAL;
	for (i = 0; i < m->to_n; i++) {
		if (!addr_ok(&m->to[i]))
			return EINVAL;
	}
	for (i = 0; i < m->cc_n; i++) {
		if (!addr_ok(&m->cc[i]))
			return EINVAL;
	}
	if ((m->datetime && !str_text(m->datetime)) || (m->subject && !str_text(m->subject)))
		return EINVAL;
	for (i = 0; i < m->ns_n; i++) {
		if ((m->ns[i].prefix && !name_valid(m->ns[i].prefix)) || !m->ns[i].uri ||
		    !uri_valid(m->ns[i].uri, strlen(m->ns[i].uri)))
			return EINVAL;
	}
	for (i = 0; i < m->header_n; i++) {
		const struct cpim_header *h = &m->headers[i];

		if ((h->prefix && !name_valid(h->prefix)) || !name_valid(h->name) ||
		    !str_text(h->value) ||
		    (h->params &&
		     (h->params[0] != ';' || !str_text(h->params) || strpbrk(h->params, " \t"))))
			return EINVAL;
	}
	if (m->content_type && !str_text(m->content_type))
		return EINVAL;
	for (i = 0; i < m->mime_n; i++) {
		if (!mime_name_valid(m->mime[i].name) || !str_text(m->mime[i].value))
			return EINVAL;
	}
	if (m->body_len && !m->body)
		return EINVAL;

	if (m->has_from)
		put_addr(&sb, "From", &m->from);
	for (i = 0; i < m->to_n; i++)
		put_addr(&sb, "To", &m->to[i]);
	for (i = 0; i < m->cc_n; i++)
		put_addr(&sb, "cc", &m->cc[i]);
	if (m->datetime)
		sbuf_printf(&sb, "DateTime: %s\r\n", m->datetime);
	if (m->subject)
		sbuf_printf(&sb, "Subject: %s\r\n", m->subject);
	/* declarations before the headers that use them */
	for (i = 0; i < m->ns_n; i++) {
		sbuf_puts(&sb, "NS: ");
		if (m->ns[i].prefix)
			sbuf_printf(&sb, "%s ", m->ns[i].prefix);
		sbuf_printf(&sb, "<%s>\r\n", m->ns[i].uri);
	}
	for (i = 0; i < m->header_n; i++) {
		const struct cpim_header *h = &m->headers[i];

		if (h->prefix)
			sbuf_printf(&sb, "%s.", h->prefix);
		sbuf_printf(&sb, "%s:%s %s\r\n", h->name, h->params ? h->params : "", h->value);
	}
	sbuf_puts(&sb, "\r\n");
	if (m->content_type)
		sbuf_printf(&sb, "Content-Type: %s\r\n", m->content_type);
	for (i = 0; i < m->mime_n; i++)
		sbuf_printf(&sb, "%s: %s\r\n", m->mime[i].name, m->mime[i].value);
	sbuf_puts(&sb, "\r\n");
	if (m->body_len)
		sbuf_put(&sb, m->body, m->body_len);

	err = sbuf_err(&sb);
	if (!err) {
		*outp = sbuf_detach(&sb, lenp);
		err = *outp ? 0 : ENOMEM;
	}
	sbuf_reset(&sb);
	return err;
}

/* ---- DateTime --------------------------------------------------------- */

int cpim_datetime_now(char *buf, size_t size)
{
	struct tm tm;
	time_t t = time(NULL);

	if (!buf || size < 21)
		return EINVAL;
	if (!gmtime_r(&t, &tm))
		return EINVAL;
	if (strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return EINVAL;
	return 0;
}

static bool digits(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

bool cpim_datetime_valid(const char *s)
{
	unsigned y, mo, d, h, mi, sec, oh, om;
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n < 20 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') || !digits(s + 11, 2, &h) ||
	    s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &sec))
		return false;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	s += 19;
	if (*s == '.') {
		s++;
		if (!is_digit((unsigned char)*s))
			return false;
		while (is_digit((unsigned char)*s))
			s++;
	}
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0')
		return true;
	if ((*s == '+' || *s == '-') && strlen(s) == 6 && digits(s + 1, 2, &oh) && s[3] == ':' &&
	    digits(s + 4, 2, &om))
		return oh <= 23 && om <= 59;
	return false;
}

int cpim_chat_encode(char **outp, size_t *lenp, const struct cpim_chat *c)
{
	struct cpim_msg *m = NULL;
	char ct[256];
	bool text;
	int err;

	if (!outp || !c || !c->content_type || !c->content || !c->message_id)
		return EINVAL;
	text = !strncasecmp(c->content_type, "text/", 5) && !strchr(c->content_type, ';');
	if ((size_t)snprintf(ct, sizeof(ct), "%s%s", c->content_type,
			     text ? ";charset=utf-8" : "") >= sizeof(ct))
		return EINVAL;
	err = cpim_msg_alloc(&m);
	if (!err)
		err = cpim_msg_set_from(m, c->from_display, c->from_uri);
	if (!err)
		err = cpim_msg_add_to(m, NULL, c->to_uri);
	if (!err)
		err = cpim_msg_set_datetime(m, c->datetime);
	if (!err)
		err = cpim_msg_add_ns(m, "imdn", CPIM_NS_IMDN);
	if (!err)
		err = cpim_msg_add_header(m, CPIM_NS_IMDN, "Message-ID", c->message_id);
	if (!err && c->disposition)
		err = cpim_msg_add_header(m, CPIM_NS_IMDN, "Disposition-Notification",
					  c->disposition);
	if (!err && c->metadata && *c->metadata)
		err = cpim_msg_add_ns(m, "agp", CPIM_NS_AGP);
	if (!err && c->metadata && *c->metadata)
		err = cpim_msg_add_header(m, CPIM_NS_AGP, "Metadata", c->metadata);
	if (!err)
		err = cpim_msg_set_content(m, ct, c->content, strlen(c->content));
	if (!err)
		err = cpim_encode(m, outp, lenp);
	cpim_msg_free(m);
	return err;
}

int cpim_msg_metadata(const struct cpim_msg *m, size_t max_chars, const char **out)
{
	const char *v = cpim_msg_header(m, CPIM_NS_AGP, "Metadata");

	*out = NULL;
	if (!v || !*v)
		return 0;
	if (utf8_chars(v, strlen(v)) > max_chars)
		return EFBIG;
	*out = v;
	return 0;
}

int cpim_datetime_parse(const char *s, time_t *t)
{
	struct tm tm;
	unsigned v[6], oh = 0, om = 0;
	const char *p;
	long off = 0;

	if (!t || !cpim_datetime_valid(s))
		return EINVAL;
	digits(s, 4, &v[0]);
	digits(s + 5, 2, &v[1]);
	digits(s + 8, 2, &v[2]);
	digits(s + 11, 2, &v[3]);
	digits(s + 14, 2, &v[4]);
	digits(s + 17, 2, &v[5]);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (int)v[0] - 1900;
	tm.tm_mon = (int)v[1] - 1;
	tm.tm_mday = (int)v[2];
	tm.tm_hour = (int)v[3];
	tm.tm_min = (int)v[4];
	tm.tm_sec = (int)v[5];
	for (p = s + 19; *p == '.' || is_digit((unsigned char)*p); p++)
		;
	if (*p == '+' || *p == '-') {
		digits(p + 1, 2, &oh);
		digits(p + 4, 2, &om);
		off = (long)oh * 3600 + (long)om * 60;
		if (*p == '+')
			off = -off;
	}
	*t = timegm(&tm) + off;
	return 0;
}

bool cpim_is_content_type(const char *ct)
{
	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, CPIM_CONTENT_TYPE, strlen(CPIM_CONTENT_TYPE)) != 0)
		return false;
	ct += strlen(CPIM_CONTENT_TYPE);
	return *ct == '\0' || *ct == ';' || *ct == ' ' || *ct == '\t';
}
