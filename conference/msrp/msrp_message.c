/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP message object, stream parser and builders (RFC 4975, RFC 7701). */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <strings.h>


#include "conference/msrp/msrp_message.h"
#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/str.h"
#include "sylk_ws/im/utf8_text.h"

/* ---- small character helpers -------------------------------------------- */

static bool is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_upalpha(unsigned char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_flag(unsigned char c)
{
	return c == '$' || c == '+' || c == '#';
}

static bool is_ident_char(unsigned char c)
{
	return is_alnum(c) || c == '.' || c == '-' || c == '+' || c == '%' || c == '=';
}

bool msrp_ident_valid(const char *s, size_t len)
{
	size_t i;

	if (!s || len == 0 || len > MSRP_IDENT_MAX || !is_alnum((unsigned char)s[0]))
		return false;
	for (i = 1; i < len; i++) {
		if (!is_ident_char((unsigned char)s[i]))
			return false;
	}
	return true;
}


static bool str_utf8text(const char *s)
{
	return s && utf8_text_valid((const uint8_t *)s, strlen(s));
}

static bool header_name_ok(const char *s)
{
	if (!s || !is_alpha((unsigned char)*s))
		return false;
	for (s++; *s; s++) {
		if (!chars_sip_token((unsigned char)*s))
			return false;
	}
	return true;
}

static bool content_type_valid(const char *s, size_t n);

static bool ctype_ok(const char *s)
{
	return str_utf8text(s) && content_type_valid(s, strlen(s));
}

/* ---- growable buffer ------------------------------------------------------ */

void msrp_buf_init(struct msrp_buf *b)
{
	if (b)
		memset(b, 0, sizeof(*b));
}

void msrp_buf_reset(struct msrp_buf *b)
{
	if (!b)
		return;
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static int buf_reserve(struct msrp_buf *b, size_t extra)
{
	size_t need, size;
	uint8_t *d;

	if (extra > SIZE_MAX - b->len - 1)
		return ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->size)
		return 0;
	size = b->size ? b->size : 256;
	while (size < need)
		size = (size > SIZE_MAX / 2) ? need : size * 2;
	d = realloc(b->data, size);
	if (!d)
		return ENOMEM;
	b->data = d;
	b->size = size;
	return 0;
}

int msrp_buf_append(struct msrp_buf *b, const void *p, size_t n)
{
	int err;

	if (!b || (!p && n))
		return EINVAL;
	err = buf_reserve(b, n);
	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int msrp_buf_printf(struct msrp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, err;

	if (!b || !fmt)
		return EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return EINVAL;
	err = buf_reserve(b, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

/* ---- message object ------------------------------------------------------- */

int msrp_message_alloc(struct msrp_message **mp)
{
	struct msrp_message *m;

	if (!mp)
		return EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return ENOMEM;
	m->cont = MSRP_CONT_END;
	*mp = m;
	return 0;
}

void msrp_message_free(struct msrp_message *m)
{
	size_t i;

	if (!m)
		return;
	free(m->method_name);
	free(m->comment);
	msrp_path_reset(&m->to_path);
	msrp_path_reset(&m->from_path);
	free(m->message_id);
	free(m->content_type);
	free(m->status.reason);
	free(m->use_nickname);
	for (i = 0; i < m->header_n; i++) {
		free(m->headers[i].name);
		free(m->headers[i].value);
	}
	free(m->headers);
	free(m->body);
	free(m);
}

const char *msrp_message_header(const struct msrp_message *m, const char *name)
{
	size_t i;

	if (!m || !name)
		return NULL;
	for (i = 0; i < m->header_n; i++) {
		if (strcasecmp(m->headers[i].name, name) == 0)
			return m->headers[i].value;
	}
	return NULL;
}

static int add_header_n(struct msrp_message *m, const char *name, size_t nl, const char *value,
			size_t vl)
{
	struct msrp_header *h;
	char *n = NULL, *v = NULL;
	int err;

	err = str_dupn(&n, name, nl);
	if (!err)
		err = str_dupn(&v, value, vl);
	if (err)
		goto out;
	h = realloc(m->headers, (m->header_n + 1) * sizeof(*h));
	if (!h) {
		err = ENOMEM;
		goto out;
	}
	m->headers = h;
	h[m->header_n].name = n;
	h[m->header_n].value = v;
	m->header_n++;
	n = v = NULL;
out:
	free(n);
	free(v);
	return err;
}

int msrp_message_add_header(struct msrp_message *m, const char *name, const char *value)
{
	if (!m || !header_name_ok(name) || !str_utf8text(value))
		return EINVAL;
	return add_header_n(m, name, strlen(name), value, strlen(value));
}

/* ---- status codes --------------------------------------------------------- */

uint16_t msrp_perr_status(enum msrp_perr e)
{
	switch (e) {
	case MSRP_PERR_NONE: return 200;
	case MSRP_PERR_HEADER_TOO_LARGE:
	case MSRP_PERR_BODY_TOO_LARGE: return 413;
	case MSRP_PERR_NICKNAME: return 424;
	default: return 400;
	}
}

const char *msrp_perr_str(enum msrp_perr e)
{
	switch (e) {
	case MSRP_PERR_NONE: return "no error";
	case MSRP_PERR_START_LINE: return "malformed start line";
	case MSRP_PERR_TID: return "malformed transaction id";
	case MSRP_PERR_METHOD: return "malformed method";
	case MSRP_PERR_STATUS_CODE: return "malformed status code";
	case MSRP_PERR_HEADER_SYNTAX: return "malformed header";
	case MSRP_PERR_HEADER_DUP: return "repeated header";
	case MSRP_PERR_TO_PATH: return "missing or malformed To-Path";
	case MSRP_PERR_FROM_PATH: return "missing or malformed From-Path";
	case MSRP_PERR_MESSAGE_ID: return "missing or malformed Message-ID";
	case MSRP_PERR_BYTE_RANGE: return "malformed Byte-Range";
	case MSRP_PERR_REPORT_VALUE: return "malformed Success-Report or Failure-Report";
	case MSRP_PERR_STATUS_HEADER: return "missing or malformed Status";
	case MSRP_PERR_NICKNAME_MISSING: return "missing Use-Nickname";
	case MSRP_PERR_NICKNAME: return "malformed Use-Nickname";
	case MSRP_PERR_CONTENT_TYPE: return "missing or malformed Content-Type";
	case MSRP_PERR_RESPONSE_BODY: return "response with a body";
	case MSRP_PERR_HEADER_TOO_LARGE: return "header section too large";
	case MSRP_PERR_BODY_TOO_LARGE: return "body too large";
	}
	return "unknown error";
}

const char *msrp_status_reason(uint16_t code)
{
	switch (code) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 413: return "Message Too Large";
	case 415: return "Unsupported Media Type";
	case 423: return "Parameter Out Of Bounds";
	case 424: return "Malformed Nickname";
	case 425: return "Nickname Already In Use";
	case 428: return "Private Messages Not Supported";
	case 481: return "Session Does Not Exist";
	case 501: return "Not Implemented";
	case 506: return "Session Already In Use";
	}
	return "Unknown";
}

/* ---- header value parsers --------------------------------------------------- */

/* 1*DIGIT into *v; at most 18 digits so no overflow. */
static bool parse_num(const char *s, size_t n, size_t *i, uint64_t *v)
{
	size_t a = *i;
	uint64_t x = 0;

	while (*i < n && is_digit((unsigned char)s[*i])) {
		if (*i - a >= 18)
			return false;
		x = x * 10 + (uint64_t)(s[*i] - '0');
		(*i)++;
	}
	if (*i == a)
		return false;
	*v = x;
	return true;
}

static bool parse_num_or_star(const char *s, size_t n, size_t *i, uint64_t *v)
{
	if (*i < n && s[*i] == '*') {
		(*i)++;
		*v = MSRP_BR_UNKNOWN;
		return true;
	}
	return parse_num(s, n, i, v);
}

static bool parse_byte_range(const char *s, size_t n, struct msrp_byte_range *br)
{
	size_t i = 0;

	if (!parse_num(s, n, &i, &br->start) || br->start < 1)
		return false;
	if (i >= n || s[i++] != '-')
		return false;
	if (!parse_num_or_star(s, n, &i, &br->end))
		return false;
	if (i >= n || s[i++] != '/')
		return false;
	if (!parse_num_or_star(s, n, &i, &br->total))
		return false;
	if (i != n)
		return false;
	/* an empty chunk is start-(start-1) */
	if (br->end != MSRP_BR_UNKNOWN && br->end + 1 < br->start)
		return false;
	if (br->total != MSRP_BR_UNKNOWN) {
		if (br->end != MSRP_BR_UNKNOWN && br->end > br->total)
			return false;
		if (br->start > br->total + 1)
			return false;
	}
	return true;
}

static bool parse_3digit(const char *s, size_t n, size_t i, uint16_t *v)
{
	if (i + 3 > n || !is_digit((unsigned char)s[i]) || !is_digit((unsigned char)s[i + 1]) ||
	    !is_digit((unsigned char)s[i + 2]))
		return false;
	*v = (uint16_t)((s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0'));
	return true;
}

/* "Status:" SP namespace SP status-code [SP text-reason] */
static int parse_status(const char *s, size_t n, struct msrp_status *st, bool *ok)
{
	*ok = false;
	if (n < 7 || !parse_3digit(s, n, 0, &st->ns) || s[3] != ' ' ||
	    !parse_3digit(s, n, 4, &st->code))
		return 0;
	if (n == 7) {
		st->reason = NULL;
		*ok = true;
		return 0;
	}
	if (s[7] != ' ')
		return 0;
	if (str_dupn(&st->reason, s + 8, n - 8))
		return ENOMEM;
	*ok = true;
	return 0;
}

/* type "/" subtype *( ";" parameter ), checked loosely past the subtype. */
static bool content_type_valid(const char *s, size_t n)
{
	size_t i = 0, a;

	while (i < n && chars_mime_token((unsigned char)s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != '/')
		return false;
	a = ++i;
	while (i < n && chars_mime_token((unsigned char)s[i]))
		i++;
	if (i == a)
		return false;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == n || s[i] == ';';
}

/* quoted-string into a new unescaped string; *ok false when malformed. */
static int parse_quoted(const char *s, size_t n, char **out, bool *ok)
{
	size_t i, o = 0;
	char *v;

	*ok = false;
	if (n < 2 || s[0] != '"')
		return 0;
	v = malloc(n);
	if (!v)
		return ENOMEM;
	for (i = 1; i < n; i++) {
		if (s[i] == '"')
			break;
		if (s[i] == '\\') {
			if (++i >= n)
				goto bad;
			if (s[i] == '\r' || s[i] == '\n')
				goto bad;
		}
		v[o++] = s[i];
	}
	if (i != n - 1 || o == 0)
		goto bad;
	v[o] = '\0';
	*out = v;
	*ok = true;
	return 0;
bad:
	free(v);
	return 0;
}

static bool name_is(const char *name, size_t nl, const char *want)
{
	return strlen(want) == nl && strncasecmp(name, want, nl) == 0;
}

/* One header line (without CRLF). Leaves *perr untouched when fine.
 * Returns ENOMEM only. */
static int parse_header(struct msrp_message *m, const char *s, size_t n, enum msrp_perr *perr)
{
	size_t i = 0, nl, vs, ve;
	const char *v;
	int err;
	bool ok;

	if (n == 0 || !is_alpha((unsigned char)s[0])) {
		*perr = MSRP_PERR_HEADER_SYNTAX;
		return 0;
	}
	while (i < n && chars_sip_token((unsigned char)s[i]))
		i++;
	if (i >= n || s[i] != ':') {
		*perr = MSRP_PERR_HEADER_SYNTAX;
		return 0;
	}
	nl = i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	vs = i;
	ve = n;
	while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
		ve--;
	if (!utf8_text_valid((const uint8_t *)s + vs, ve - vs)) {
		*perr = MSRP_PERR_HEADER_SYNTAX;
		return 0;
	}
	v = s + vs;
	n = ve - vs;

	if (name_is(s, nl, "To-Path") || name_is(s, nl, "From-Path")) {
		bool to = (s[0] == 'T' || s[0] == 't');
		struct msrp_path *path = to ? &m->to_path : &m->from_path;
		struct msrp_path tmp;

		if (path->n) {
			*perr = MSRP_PERR_HEADER_DUP;
			return 0;
		}
		err = msrp_path_parse(&tmp, v, n);
		if (err == ENOMEM)
			return ENOMEM;
		if (err) {
			*perr = to ? MSRP_PERR_TO_PATH : MSRP_PERR_FROM_PATH;
			return 0;
		}
		*path = tmp;
	} else if (name_is(s, nl, "Message-ID")) {
		if (m->message_id) {
			*perr = MSRP_PERR_HEADER_DUP;
			return 0;
		}
		if (!msrp_ident_valid(v, n)) {
			*perr = MSRP_PERR_MESSAGE_ID;
			return 0;
		}
		err = str_dupn(&m->message_id, v, n);
		if (err)
			return err;
	} else if (name_is(s, nl, "Byte-Range")) {
		if (m->has_byte_range) {
			*perr = MSRP_PERR_HEADER_DUP;
			return 0;
		}
		if (!parse_byte_range(v, n, &m->byte_range)) {
			memset(&m->byte_range, 0, sizeof(m->byte_range));
			*perr = MSRP_PERR_BYTE_RANGE;
			return 0;
		}
		m->has_byte_range = true;
	} else if (name_is(s, nl, "Success-Report") || name_is(s, nl, "Failure-Report")) {
		bool success = (s[0] == 'S' || s[0] == 's');
		enum msrp_report *r = success ? &m->success_report : &m->failure_report;

		if (*r != MSRP_REPORT_UNSET) {
			*perr = MSRP_PERR_HEADER_DUP;
			return 0;
		}
		if (n == 3 && strncasecmp(v, "yes", 3) == 0)
			*r = MSRP_REPORT_YES;
		else if (n == 2 && strncasecmp(v, "no", 2) == 0)
			*r = MSRP_REPORT_NO;
		else if (!success && n == 7 && strncasecmp(v, "partial", 7) == 0)
			*r = MSRP_REPORT_PARTIAL;
		else
			*perr = MSRP_PERR_REPORT_VALUE;
	} else if (name_is(s, nl, "Status")) {
		struct msrp_status st;

		if (m->has_status) {
			*perr = MSRP_PERR_HEADER_DUP;
			return 0;
		}
		err = parse_status(v, n, &st, &ok);
		if (err)
			return err;
		if (!ok) {
			*perr = MSRP_PERR_STATUS_HEADER;
			return 0;
		}
		m->status = st;
		m->has_status = true;
	} else if (name_is(s, nl, "Content-Type")) {
		if (m->content_type) {
			*perr = MSRP_PERR_HEADER_DUP;
			return 0;
		}
		if (!content_type_valid(v, n)) {
			*perr = MSRP_PERR_CONTENT_TYPE;
			return 0;
		}
		err = str_dupn(&m->content_type, v, n);
		if (err)
			return err;
	} else if (name_is(s, nl, "Use-Nickname")) {
		char *nick = NULL;

		if (m->use_nickname) {
			*perr = MSRP_PERR_HEADER_DUP;
			return 0;
		}
		err = parse_quoted(v, n, &nick, &ok);
		if (err)
			return err;
		if (!ok) {
			*perr = MSRP_PERR_NICKNAME;
			return 0;
		}
		m->use_nickname = nick;
	} else {
		return add_header_n(m, s, nl, v, n);
	}
	return 0;
}

/* ---- parser ------------------------------------------------------------- */

enum pstate {
	PS_START,   /* waiting for / reading a start line */
	PS_HEADERS, /* reading header lines */
	PS_BODY,    /* looking for the end-line after the body */
	PS_SKIP,    /* after an error: discarding up to the end-line */
	PS_FATAL,   /* unusable */
};

struct msrp_parser {
	uint8_t *buf;
	size_t len, cap;
	size_t off; /* first byte not consumed */
	size_t max_header, max_body;

	enum pstate st;
	size_t msg_start; /* first byte of the current message */
	size_t line;      /* start of the next header line */
	size_t scan;      /* where the current search resumes */
	size_t body_start;
	size_t body_limit;

	struct msrp_message *msg;
	enum msrp_perr pending; /* first header-level error, reported at header end */
	enum msrp_perr err;
	int fatal_err;

	/* "\r\n-------" tid: what precedes the flag of this transaction's
	 * end-line, searched for in the body */
	char pat[9 + MSRP_IDENT_MAX + 1];
	size_t pat_len;
};

int msrp_parser_alloc(struct msrp_parser **pp, size_t max_header, size_t max_body)
{
	struct msrp_parser *p;

	if (!pp)
		return EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->max_header = max_header ? max_header : MSRP_DEFAULT_MAX_HEADER;
	p->max_body = max_body ? max_body : MSRP_DEFAULT_MAX_BODY;
	p->st = PS_START;
	*pp = p;
	return 0;
}

void msrp_parser_free(struct msrp_parser *p)
{
	if (!p)
		return;
	msrp_message_free(p->msg);
	free(p->buf);
	free(p);
}

static size_t shift(size_t x, size_t by)
{
	return x > by ? x - by : 0;
}

int msrp_parser_feed(struct msrp_parser *p, const void *data, size_t len)
{
	if (!p || (!data && len))
		return EINVAL;
	if (p->st == PS_FATAL || len == 0)
		return 0;

	/* drop consumed bytes once per feed, not once per message, so a
	 * large read holding many small messages costs one move */
	if (p->off) {
		size_t by = p->off;

		memmove(p->buf, p->buf + by, p->len - by);
		p->len -= by;
		p->off = 0;
		p->msg_start = shift(p->msg_start, by);
		p->line = shift(p->line, by);
		p->scan = shift(p->scan, by);
		p->body_start = shift(p->body_start, by);
	}
	if (len > SIZE_MAX - p->len)
		return ENOMEM;
	if (p->len + len > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;
		uint8_t *b;

		while (cap < p->len + len)
			cap = (cap > SIZE_MAX / 2) ? p->len + len : cap * 2;
		b = realloc(p->buf, cap);
		if (!b)
			return ENOMEM;
		p->buf = b;
		p->cap = cap;
	}
	memcpy(p->buf + p->len, data, len);
	p->len += len;
	return 0;
}

enum msrp_perr msrp_parser_error(const struct msrp_parser *p)
{
	return p ? p->err : MSRP_PERR_NONE;
}

bool msrp_parser_fatal(const struct msrp_parser *p)
{
	return p && p->st == PS_FATAL;
}

size_t msrp_parser_pending(const struct msrp_parser *p)
{
	return p ? p->len - p->off : 0;
}

static int fatal(struct msrp_parser *p, enum msrp_perr e, int code, struct msrp_message **mp)
{
	p->st = PS_FATAL;
	p->err = e;
	p->fatal_err = code;
	msrp_message_free(p->msg);
	p->msg = NULL;
	*mp = NULL;
	return code;
}

/* Report e for the current message. The message is handed out so a
 * response can be built; if its end-line has not been seen yet the
 * parser discards bytes up to it, starting the search at skip_from. */
static int fail(struct msrp_parser *p, enum msrp_perr e, bool skip, size_t skip_from,
		struct msrp_message **mp)
{
	p->err = e;
	*mp = p->msg;
	p->msg = NULL;
	p->pending = MSRP_PERR_NONE;
	if (skip) {
		p->st = PS_SKIP;
		p->scan = skip_from;
	} else {
		p->st = PS_START;
		p->scan = p->off;
	}
	return EPROTO;
}

/* Search for "\r\n-------<tid><flag>\r\n" from p->scan. Returns true with
 * *at (start of the CRLF before the hyphens) and *flag when found;
 * otherwise advances p->scan past every byte that cannot start a match. */
static bool find_end_line(struct msrp_parser *p, size_t *at, char *flag)
{
	while (p->scan < p->len) {
		const uint8_t *m = memmem(p->buf + p->scan, p->len - p->scan, p->pat, p->pat_len);
		size_t pos, rest;

		if (!m) {
			size_t keep = p->pat_len - 1;

			if (p->len - p->scan > keep)
				p->scan = p->len - keep;
			return false;
		}
		pos = (size_t)(m - p->buf);
		rest = pos + p->pat_len;
		if (p->len - rest < 3) {
			p->scan = pos;
			return false;
		}
		if (is_flag(p->buf[rest]) && p->buf[rest + 1] == '\r' && p->buf[rest + 2] == '\n') {
			*at = pos;
			*flag = (char)p->buf[rest];
			return true;
		}
		/* looks like an end-line but is not one: body data */
		p->scan = pos + 1;
	}
	return false;
}

/* Check what has arrived of "MSRP <tid> " so that garbage fails at once
 * rather than after max_header bytes. Returns false when it cannot be
 * MSRP; *tid_end is set once the space after the tid has arrived. */
static bool start_prefix_ok(const struct msrp_parser *p, size_t end, size_t *tid_end,
			    enum msrp_perr *e)
{
	static const char magic[] = "MSRP ";
	size_t i, s = p->msg_start;

	*tid_end = 0;
	for (i = s; i < end && i - s < 5; i++) {
		if (p->buf[i] != (uint8_t)magic[i - s]) {
			*e = MSRP_PERR_START_LINE;
			return false;
		}
	}
	for (; i < end; i++) {
		unsigned char c = p->buf[i];

		if (c == ' ' || c == '\r') {
			if (i == s + 5 || !is_alnum(p->buf[s + 5])) {
				*e = MSRP_PERR_TID;
				return false;
			}
			*tid_end = i;
			return true;
		}
		if (!is_ident_char(c) || i - (s + 5) >= MSRP_IDENT_MAX) {
			*e = MSRP_PERR_TID;
			return false;
		}
	}
	return true;
}

static enum msrp_method method_of(const char *s, size_t n)
{
	if (n == 4 && memcmp(s, "SEND", 4) == 0)
		return MSRP_METHOD_SEND;
	if (n == 6 && memcmp(s, "REPORT", 6) == 0)
		return MSRP_METHOD_REPORT;
	if (n == 8 && memcmp(s, "NICKNAME", 8) == 0)
		return MSRP_METHOD_NICKNAME;
	if (n == 4 && memcmp(s, "AUTH", 4) == 0)
		return MSRP_METHOD_AUTH;
	return MSRP_METHOD_OTHER;
}

/* Parse the start line [msg_start, e) once its tid is known good.
 * Returns 0 or ENOMEM; a malformed remainder becomes p->pending. */
static int parse_start_line(struct msrp_parser *p, size_t tid_end, size_t e)
{
	const char *s = (const char *)p->buf;
	size_t tid_start = p->msg_start + 5, tl = tid_end - tid_start, i, a;
	struct msrp_message *m;
	int err;

	err = msrp_message_alloc(&m);
	if (err)
		return err;
	memcpy(m->tid, s + tid_start, tl);
	m->tid[tl] = '\0';
	memcpy(p->pat, "\r\n-------", 9);
	memcpy(p->pat + 9, m->tid, tl);
	p->pat_len = 9 + tl;
	p->msg = m;
	p->pending = MSRP_PERR_NONE;

	i = tid_end;
	if (i >= e || s[i] != ' ' || i + 1 >= e) {
		/* "MSRP tid" and nothing else: call it a request so the
		 * sender hears about it */
		m->kind = MSRP_REQUEST;
		p->pending = MSRP_PERR_METHOD;
		return str_dup(&m->method_name, "");
	}
	a = ++i;
	while (i < e && s[i] != ' ')
		i++;

	if (is_digit((unsigned char)s[a])) {
		size_t k;

		m->kind = MSRP_RESPONSE;
		for (k = a; k < i; k++) {
			if (!is_digit((unsigned char)s[k]))
				break;
		}
		if (k != i || i - a != 3) {
			p->pending = MSRP_PERR_STATUS_CODE;
			return 0;
		}
		parse_3digit(s, e, a, &m->status_code);
		if (i < e) {
			/* SP comment; comment = utf8text */
			if (!utf8_text_valid((const uint8_t *)s + i + 1, e - i - 1)) {
				p->pending = MSRP_PERR_STATUS_CODE;
				return 0;
			}
			err = str_dupn(&m->comment, s + i + 1, e - i - 1);
			if (err)
				return err;
		}
		return 0;
	}

	m->kind = MSRP_REQUEST;
	err = str_dupn(&m->method_name, s + a, i - a);
	if (err)
		return err;
	m->method = method_of(s + a, i - a);
	for (; a < i; a++) {
		if (!is_upalpha((unsigned char)s[a])) {
			p->pending = MSRP_PERR_METHOD;
			return 0;
		}
	}
	if (i != e)
		p->pending = MSRP_PERR_METHOD;
	return 0;
}

/* Checks that need every header; returns the first error. */
static enum msrp_perr headers_done(struct msrp_parser *p, bool has_body)
{
	const struct msrp_message *m = p->msg;

	if (p->pending)
		return p->pending;
	if (!m->to_path.n)
		return MSRP_PERR_TO_PATH;
	if (!m->from_path.n)
		return MSRP_PERR_FROM_PATH;
	if (m->kind == MSRP_RESPONSE)
		return has_body ? MSRP_PERR_RESPONSE_BODY : MSRP_PERR_NONE;
	if ((m->method == MSRP_METHOD_SEND || m->method == MSRP_METHOD_REPORT) && !m->message_id)
		return MSRP_PERR_MESSAGE_ID;
	if (m->method == MSRP_METHOD_REPORT && !m->has_status)
		return MSRP_PERR_STATUS_HEADER;
	if (m->method == MSRP_METHOD_NICKNAME && !m->use_nickname)
		return MSRP_PERR_NICKNAME_MISSING;
	if (has_body && !m->content_type)
		return MSRP_PERR_CONTENT_TYPE;
	return MSRP_PERR_NONE;
}

/* Find the next CRLF from p->scan. Returns 1 with *e at the CR, 0 when
 * more bytes are needed, -1 with *e at a bare LF. */
static int find_crlf(struct msrp_parser *p, size_t *e)
{
	const uint8_t *lf = memchr(p->buf + p->scan, '\n', p->len - p->scan);
	size_t pos;

	if (!lf) {
		p->scan = p->len;
		return 0;
	}
	pos = (size_t)(lf - p->buf);
	if (pos == 0 || p->buf[pos - 1] != '\r' || pos - 1 < p->line) {
		*e = pos;
		return -1;
	}
	*e = pos - 1;
	return 1;
}

static int step_start(struct msrp_parser *p, struct msrp_message **mp, bool *again)
{
	enum msrp_perr e = MSRP_PERR_NONE;
	size_t tid_end, end;
	int r, err;

	/* tolerate stray CRLFs between messages */
	while (p->off < p->len && (p->buf[p->off] == '\r' || p->buf[p->off] == '\n'))
		p->off++;
	if (p->off >= p->len) {
		*again = true;
		return EAGAIN;
	}
	if (p->scan < p->off || p->msg_start != p->off) {
		p->msg_start = p->off;
		p->scan = p->off;
	}
	p->line = p->msg_start;

	/* Every check below looks at the same bytes in the same order
	 * whether they came in one read or many, so where the stream was
	 * split never changes the outcome. */
	r = find_crlf(p, &end);
	if (r <= 0) {
		size_t upto = r < 0 ? end : p->len;

		if (!start_prefix_ok(p, upto, &tid_end, &e))
			return fatal(p, e, EPROTO, mp);
		if (upto + (r < 0) - p->msg_start > p->max_header)
			return fatal(p, MSRP_PERR_HEADER_TOO_LARGE, EPROTO, mp);
		if (r < 0)
			return fatal(p, MSRP_PERR_START_LINE, EPROTO, mp);
		*again = true;
		return EAGAIN;
	}

	if (!start_prefix_ok(p, end + 1, &tid_end, &e))
		return fatal(p, e, EPROTO, mp);
	if (!tid_end)
		return fatal(p, MSRP_PERR_START_LINE, EPROTO, mp);
	if (end + 2 - p->msg_start > p->max_header)
		return fatal(p, MSRP_PERR_HEADER_TOO_LARGE, EPROTO, mp);

	err = parse_start_line(p, tid_end, end);
	if (err)
		return fatal(p, MSRP_PERR_NONE, err, mp);
	p->st = PS_HEADERS;
	p->line = end + 2;
	p->scan = p->line;
	return 0;
}

static int step_headers(struct msrp_parser *p, struct msrp_message **mp, bool *again)
{
	struct msrp_message *m = p->msg;
	const char *s = (const char *)p->buf;
	size_t end, n;
	enum msrp_perr e;
	int r, err;

	r = find_crlf(p, &end);
	if (r < 0) {
		/* bare LF: nothing after this can be trusted to be framed
		 * as we think, look for the end-line; the size check first,
		 * as when the line arrives in pieces */
		if (end + 1 - p->msg_start > p->max_header)
			return fail(p, MSRP_PERR_HEADER_TOO_LARGE, true, p->line - 2, mp);
		return fail(p, MSRP_PERR_HEADER_SYNTAX, true, p->line - 2, mp);
	}
	if (r == 0) {
		if (p->len - p->msg_start > p->max_header)
			return fail(p, MSRP_PERR_HEADER_TOO_LARGE, true, p->line - 2, mp);
		*again = true;
		return EAGAIN;
	}
	if (end + 2 - p->msg_start > p->max_header)
		return fail(p, MSRP_PERR_HEADER_TOO_LARGE, true, p->line - 2, mp);

	n = end - p->line;
	if (n == 0) {
		/* blank line: a body follows */
		p->body_start = end + 2;
		e = headers_done(p, true);
		if (e)
			return fail(p, e, true, end, mp);
		if (m->kind == MSRP_REQUEST && m->method != MSRP_METHOD_SEND)
			p->body_limit = p->max_body < MSRP_MAX_NONSEND_BODY ? p->max_body :
									      MSRP_MAX_NONSEND_BODY;
		else
			p->body_limit = p->max_body;
		p->st = PS_BODY;
		/* from the blank line's CRLF: tolerate a sender that puts the
		 * end-line right after it for an empty body */
		p->scan = end;
		return 0;
	}

	if (n >= 7 && memcmp(s + p->line, "-------", 7) == 0) {
		size_t tl = p->pat_len - 9;

		if (n == 7 + tl + 1 && memcmp(s + p->line + 7, m->tid, tl) == 0 &&
		    is_flag((unsigned char)s[end - 1])) {
			m->cont = (enum msrp_cont)s[end - 1];
			p->off = end + 2;
			e = headers_done(p, false);
			if (e)
				return fail(p, e, false, 0, mp);
			*mp = m;
			p->msg = NULL;
			p->st = PS_START;
			p->scan = p->off;
			return 0;
		}
		if (!p->pending)
			p->pending = MSRP_PERR_HEADER_SYNTAX;
	} else {
		e = MSRP_PERR_NONE;
		err = parse_header(m, s + p->line, n, &e);
		if (err)
			return fatal(p, MSRP_PERR_NONE, err, mp);
		if (e && !p->pending)
			p->pending = e;
	}
	p->line = end + 2;
	p->scan = p->line;
	return 0;
}

static int step_body(struct msrp_parser *p, struct msrp_message **mp, bool *again)
{
	struct msrp_message *m = p->msg;
	size_t at, blen;
	char flag;

	if (!find_end_line(p, &at, &flag)) {
		if (p->scan > p->body_start && p->scan - p->body_start > p->body_limit)
			return fail(p, MSRP_PERR_BODY_TOO_LARGE, true, p->scan, mp);
		*again = true;
		return EAGAIN;
	}
	blen = at > p->body_start ? at - p->body_start : 0;
	p->off = at + p->pat_len + 3;
	if (blen > p->body_limit)
		return fail(p, MSRP_PERR_BODY_TOO_LARGE, false, 0, mp);

	/* at < body_start: the end-line followed the blank line at once */
	m->has_body = at >= p->body_start;
	if (m->has_body) {
		char *body;

		if (str_dupn(&body, (const char *)p->buf + p->body_start, blen))
			return fatal(p, MSRP_PERR_NONE, ENOMEM, mp);
		m->body = (uint8_t *)body;
		m->body_len = blen;
	}
	m->cont = (enum msrp_cont)flag;
	*mp = m;
	p->msg = NULL;
	p->st = PS_START;
	p->scan = p->off;
	return 0;
}

static int step_skip(struct msrp_parser *p, bool *again)
{
	size_t at;
	char flag;

	if (!find_end_line(p, &at, &flag)) {
		/* nothing before scan can be part of the end-line */
		p->off = p->scan;
		*again = true;
		return EAGAIN;
	}
	p->off = at + p->pat_len + 3;
	p->st = PS_START;
	p->scan = p->off;
	return 0;
}

int msrp_parser_next(struct msrp_parser *p, struct msrp_message **mp)
{
	if (!p || !mp)
		return EINVAL;
	*mp = NULL;

	for (;;) {
		bool again = false;
		int r;

		switch (p->st) {
		case PS_FATAL: return p->fatal_err;
		case PS_START: r = step_start(p, mp, &again); break;
		case PS_HEADERS: r = step_headers(p, mp, &again); break;
		case PS_BODY: r = step_body(p, mp, &again); break;
		case PS_SKIP: r = step_skip(p, &again); break;
		default: return EINVAL;
		}
		if (again)
			return EAGAIN;
		if (r || *mp)
			return r;
	}
}

/* ---- identifiers ---------------------------------------------------------- */

int msrp_ident_generate(char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[10];
	size_t i;

	if (!buf || size < 2 * sizeof(rnd) + 1)
		return EINVAL;
	/* the kernel's generator, not a user-space one: a server forks its
	 * workers after seeding, and their identifiers must still differ */
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return EIO;
	for (i = 0; i < sizeof(rnd); i++) {
		buf[2 * i] = hex[rnd[i] >> 4];
		buf[2 * i + 1] = hex[rnd[i] & 15];
	}
	buf[2 * sizeof(rnd)] = '\0';
	return 0;
}

/* ---- writing ---------------------------------------------------------------- */

static bool body_has_end_line(const void *body, size_t len, const char *tid)
{
	char pat[7 + MSRP_IDENT_MAX + 1];
	size_t tl = strlen(tid), pl = 7 + tl, i = 0;
	const uint8_t *b = body;

	if (!len)
		return false;
	memset(pat, '-', 7);
	memcpy(pat + 7, tid, tl);
	while (i + pl < len) {
		const uint8_t *m = memmem(b + i, len - i, pat, pl);
		size_t pos;

		if (!m)
			return false;
		pos = (size_t)(m - b);
		if (pos + pl < len && is_flag(b[pos + pl]))
			return true;
		i = pos + 1;
	}
	return false;
}

static int put_path(struct msrp_buf *b, const char *name, const struct msrp_path *path)
{
	size_t i;
	int err;

	err = msrp_buf_printf(b, "%s: ", name);
	for (i = 0; !err && i < path->n; i++) {
		if (i)
			err = msrp_buf_append(b, " ", 1);
		if (!err)
			err = msrp_buf_append(b, path->uriv[i]->str, path->uriv[i]->str_len);
	}
	if (!err)
		err = msrp_buf_append(b, "\r\n", 2);
	return err;
}

static int put_uri_header(struct msrp_buf *b, const char *name, const struct msrp_uri *u)
{
	int err = msrp_buf_printf(b, "%s: ", name);

	if (!err)
		err = msrp_buf_append(b, u->str, u->str_len);
	if (!err)
		err = msrp_buf_append(b, "\r\n", 2);
	return err;
}

static int put_num_or_star(struct msrp_buf *b, uint64_t v)
{
	if (v == MSRP_BR_UNKNOWN)
		return msrp_buf_append(b, "*", 1);
	return msrp_buf_printf(b, "%llu", (unsigned long long)v);
}

static int put_byte_range(struct msrp_buf *b, const struct msrp_byte_range *br)
{
	int err = msrp_buf_printf(b, "Byte-Range: %llu-", (unsigned long long)br->start);

	if (!err)
		err = put_num_or_star(b, br->end);
	if (!err)
		err = msrp_buf_append(b, "/", 1);
	if (!err)
		err = put_num_or_star(b, br->total);
	if (!err)
		err = msrp_buf_append(b, "\r\n", 2);
	return err;
}

static bool byte_range_ok(const struct msrp_byte_range *br)
{
	if (br->start < 1 || br->start == MSRP_BR_UNKNOWN)
		return false;
	if (br->end != MSRP_BR_UNKNOWN && br->end + 1 < br->start)
		return false;
	if (br->total != MSRP_BR_UNKNOWN && br->end != MSRP_BR_UNKNOWN && br->end > br->total)
		return false;
	return true;
}

static const char *report_str(enum msrp_report r)
{
	switch (r) {
	case MSRP_REPORT_YES: return "yes";
	case MSRP_REPORT_NO: return "no";
	case MSRP_REPORT_PARTIAL: return "partial";
	default: return NULL;
	}
}

static int put_quoted(struct msrp_buf *b, const char *s)
{
	int err = msrp_buf_append(b, "\"", 1);

	for (; !err && *s; s++) {
		if (*s == '"' || *s == '\\')
			err = msrp_buf_append(b, "\\", 1);
		if (!err)
			err = msrp_buf_append(b, s, 1);
	}
	if (!err)
		err = msrp_buf_append(b, "\"", 1);
	return err;
}

static int put_content_and_end(struct msrp_buf *b, const char *tid, const char *ctype,
			       bool has_body, const void *body, size_t len, enum msrp_cont cont)
{
	int err = 0;

	if (ctype)
		err = msrp_buf_printf(b, "Content-Type: %s\r\n", ctype);
	if (!err && has_body) {
		err = msrp_buf_append(b, "\r\n", 2);
		if (!err)
			err = msrp_buf_append(b, body, len);
		if (!err)
			err = msrp_buf_append(b, "\r\n", 2);
	}
	if (!err)
		err = msrp_buf_printf(b, "-------%s%c\r\n", tid,
				      (char)(cont ? cont : MSRP_CONT_END));
	return err;
}

static bool cont_ok(enum msrp_cont c)
{
	return c == 0 || c == MSRP_CONT_END || c == MSRP_CONT_MORE || c == MSRP_CONT_ABORT;
}

static bool method_name_ok(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++) {
		if (!is_upalpha((unsigned char)*s))
			return false;
	}
	return true;
}

static const char *method_str(const struct msrp_message *m)
{
	switch (m->method) {
	case MSRP_METHOD_SEND: return "SEND";
	case MSRP_METHOD_REPORT: return "REPORT";
	case MSRP_METHOD_NICKNAME: return "NICKNAME";
	case MSRP_METHOD_AUTH: return "AUTH";
	default: return m->method_name;
	}
}

int msrp_message_encode(const struct msrp_message *m, struct msrp_buf *b)
{
	size_t mark, i;
	const char *method = NULL;
	int err;

	if (!m || !b || !msrp_ident_valid(m->tid, strnlen(m->tid, sizeof(m->tid))))
		return EINVAL;
	if (!m->to_path.n || !m->from_path.n || !cont_ok(m->cont))
		return EINVAL;
	if (m->kind == MSRP_REQUEST) {
		method = method_str(m);
		if (!method_name_ok(method))
			return EINVAL;
	} else if (m->kind != MSRP_RESPONSE || m->status_code > 999 ||
		   (m->comment && !str_utf8text(m->comment)) || m->has_body) {
		return EINVAL;
	}
	if (m->message_id && !msrp_ident_valid(m->message_id, strlen(m->message_id)))
		return EINVAL;
	if (m->has_byte_range && !byte_range_ok(&m->byte_range))
		return EINVAL;
	if (m->content_type && !ctype_ok(m->content_type))
		return EINVAL;
	if (m->has_status && (m->status.ns > 999 || m->status.code > 999 ||
			      (m->status.reason && !str_utf8text(m->status.reason))))
		return EINVAL;
	if (m->use_nickname && !str_utf8text(m->use_nickname))
		return EINVAL;
	if (m->failure_report > MSRP_REPORT_PARTIAL || m->success_report > MSRP_REPORT_NO)
		return EINVAL;
	for (i = 0; i < m->header_n; i++) {
		if (!header_name_ok(m->headers[i].name) || !str_utf8text(m->headers[i].value))
			return EINVAL;
	}
	if (m->kind == MSRP_REQUEST && m->has_body) {
		if (!m->content_type || (m->body_len && !m->body))
			return EINVAL;
		if (body_has_end_line(m->body, m->body_len, m->tid))
			return EEXIST;
	}

	mark = b->len;
	if (m->kind == MSRP_REQUEST)
		err = msrp_buf_printf(b, "MSRP %s %s\r\n", m->tid, method);
	else if (m->comment)
		err = msrp_buf_printf(b, "MSRP %s %03u %s\r\n", m->tid, (unsigned)m->status_code,
				      m->comment);
	else
		err = msrp_buf_printf(b, "MSRP %s %03u\r\n", m->tid, (unsigned)m->status_code);
	if (!err)
		err = put_path(b, "To-Path", &m->to_path);
	if (!err)
		err = put_path(b, "From-Path", &m->from_path);
	if (!err && m->message_id)
		err = msrp_buf_printf(b, "Message-ID: %s\r\n", m->message_id);
	if (!err && m->has_byte_range)
		err = put_byte_range(b, &m->byte_range);
	if (!err && report_str(m->success_report))
		err = msrp_buf_printf(b, "Success-Report: %s\r\n", report_str(m->success_report));
	if (!err && report_str(m->failure_report))
		err = msrp_buf_printf(b, "Failure-Report: %s\r\n", report_str(m->failure_report));
	if (!err && m->has_status)
		err = msrp_buf_printf(b, "Status: %03u %03u%s%s\r\n", (unsigned)m->status.ns,
				      (unsigned)m->status.code, m->status.reason ? " " : "",
				      m->status.reason ? m->status.reason : "");
	if (!err && m->use_nickname) {
		err = msrp_buf_append(b, "Use-Nickname: ", 14);
		if (!err)
			err = put_quoted(b, m->use_nickname);
		if (!err)
			err = msrp_buf_append(b, "\r\n", 2);
	}
	for (i = 0; !err && i < m->header_n; i++)
		err = msrp_buf_printf(b, "%s: %s\r\n", m->headers[i].name, m->headers[i].value);
	if (!err)
		err = put_content_and_end(b, m->tid, m->content_type,
					  m->kind == MSRP_REQUEST && m->has_body, m->body,
					  m->body_len, m->cont);
	if (err) {
		b->len = mark;
		if (b->data)
			b->data[mark] = '\0';
	}
	return err;
}

/* ---- builders ------------------------------------------------------------- */

static void rollback(struct msrp_buf *b, size_t mark)
{
	b->len = mark;
	if (b->data)
		b->data[mark] = '\0';
}

static bool tid_ok(const char *tid)
{
	return tid && msrp_ident_valid(tid, strlen(tid));
}

bool msrp_response_needed(const struct msrp_message *req, uint16_t code)
{
	if (!req || req->kind != MSRP_REQUEST || req->method == MSRP_METHOD_REPORT)
		return false;
	if (req->failure_report == MSRP_REPORT_NO)
		return false;
	if (req->failure_report == MSRP_REPORT_PARTIAL)
		return code != 200;
	return true;
}

int msrp_build_response(struct msrp_buf *b, const struct msrp_message *req, uint16_t code,
			const char *comment)
{
	size_t mark;
	int err;

	if (!b || !req || req->kind != MSRP_REQUEST || !req->to_path.n || !req->from_path.n)
		return EINVAL;
	if (code < 100 || code > 999 || !tid_ok(req->tid))
		return EINVAL;
	if (!comment)
		comment = msrp_status_reason(code);
	if (!str_utf8text(comment))
		return EINVAL;

	mark = b->len;
	err = msrp_buf_printf(b, "MSRP %s %03u%s%s\r\n", req->tid, (unsigned)code,
			      *comment ? " " : "", comment);
	if (!err)
		err = put_uri_header(b, "To-Path", msrp_path_first(&req->from_path));
	if (!err)
		err = put_uri_header(b, "From-Path", msrp_path_first(&req->to_path));
	if (!err)
		err = msrp_buf_printf(b, "-------%s$\r\n", req->tid);
	if (err)
		rollback(b, mark);
	return err;
}

int msrp_build_send(struct msrp_buf *b, const struct msrp_send_params *sp)
{
	bool has_body;
	size_t mark;
	int err;

	if (!b || !sp || !tid_ok(sp->tid) || !sp->to_path || !sp->to_path->n || !sp->from_path ||
	    !sp->from_path->n || !sp->message_id ||
	    !msrp_ident_valid(sp->message_id, strlen(sp->message_id)) || !cont_ok(sp->cont) ||
	    (sp->body_len && !sp->body))
		return EINVAL;
	if (sp->range && !byte_range_ok(sp->range))
		return EINVAL;
	if (sp->success_report > MSRP_REPORT_NO || sp->failure_report > MSRP_REPORT_PARTIAL)
		return EINVAL;
	has_body = sp->has_body || sp->body_len;
	if (has_body && !sp->content_type)
		return EINVAL;
	if (sp->content_type && !ctype_ok(sp->content_type))
		return EINVAL;
	if (has_body && body_has_end_line(sp->body, sp->body_len, sp->tid))
		return EEXIST;

	mark = b->len;
	err = msrp_buf_printf(b, "MSRP %s SEND\r\n", sp->tid);
	if (!err)
		err = put_path(b, "To-Path", sp->to_path);
	if (!err)
		err = put_path(b, "From-Path", sp->from_path);
	if (!err)
		err = msrp_buf_printf(b, "Message-ID: %s\r\n", sp->message_id);
	if (!err && sp->range)
		err = put_byte_range(b, sp->range);
	if (!err && report_str(sp->success_report))
		err = msrp_buf_printf(b, "Success-Report: %s\r\n", report_str(sp->success_report));
	if (!err && report_str(sp->failure_report))
		err = msrp_buf_printf(b, "Failure-Report: %s\r\n", report_str(sp->failure_report));
	if (!err)
		err = put_content_and_end(b, sp->tid, sp->content_type, has_body, sp->body,
					  sp->body_len, sp->cont);
	if (err)
		rollback(b, mark);
	return err;
}

int msrp_build_report(struct msrp_buf *b, const char *tid, const struct msrp_path *to_path,
		      const struct msrp_uri *from, const char *message_id,
		      const struct msrp_byte_range *range, uint16_t code, const char *reason)
{
	size_t mark;
	int err;

	if (!b || !tid_ok(tid) || !to_path || !to_path->n || !from || !message_id ||
	    !msrp_ident_valid(message_id, strlen(message_id)) || !range || !byte_range_ok(range) ||
	    code > 999)
		return EINVAL;
	if (!reason)
		reason = msrp_status_reason(code);
	if (!str_utf8text(reason))
		return EINVAL;

	mark = b->len;
	err = msrp_buf_printf(b, "MSRP %s REPORT\r\n", tid);
	if (!err)
		err = put_path(b, "To-Path", to_path);
	if (!err)
		err = put_uri_header(b, "From-Path", from);
	if (!err)
		err = msrp_buf_printf(b, "Message-ID: %s\r\n", message_id);
	if (!err)
		err = put_byte_range(b, range);
	if (!err)
		err = msrp_buf_printf(b, "Status: 000 %03u%s%s\r\n", (unsigned)code,
				      *reason ? " " : "", reason);
	if (!err)
		err = msrp_buf_printf(b, "-------%s$\r\n", tid);
	if (err)
		rollback(b, mark);
	return err;
}

int msrp_build_report_for(struct msrp_buf *b, const char *tid, const struct msrp_message *send,
			  const struct msrp_byte_range *range, uint16_t code, const char *reason)
{
	struct msrp_byte_range r;

	if (!send || send->kind != MSRP_REQUEST || !send->to_path.n || !send->from_path.n)
		return EINVAL;
	if (!range) {
		/* what this chunk carried: the body length wins over a
		 * range-end that an interrupted chunk did not reach */
		r.start = send->has_byte_range ? send->byte_range.start : 1;
		r.end = r.start + send->body_len - 1;
		r.total = send->has_byte_range ? send->byte_range.total : send->body_len;
		if (r.total != MSRP_BR_UNKNOWN && r.end > r.total)
			r.total = r.end;
		range = &r;
	}
	return msrp_build_report(b, tid, &send->from_path, msrp_path_first(&send->to_path),
				 send->message_id, range, code, reason);
}

int msrp_build_nickname(struct msrp_buf *b, const char *tid, const struct msrp_path *to_path,
			const struct msrp_path *from_path, const char *nickname)
{
	size_t mark;
	int err;

	if (!b || !tid_ok(tid) || !to_path || !to_path->n || !from_path || !from_path->n ||
	    !nickname || !*nickname || !str_utf8text(nickname))
		return EINVAL;

	mark = b->len;
	err = msrp_buf_printf(b, "MSRP %s NICKNAME\r\n", tid);
	if (!err)
		err = put_path(b, "To-Path", to_path);
	if (!err)
		err = put_path(b, "From-Path", from_path);
	if (!err)
		err = msrp_buf_append(b, "Use-Nickname: ", 14);
	if (!err)
		err = put_quoted(b, nickname);
	if (!err)
		err = msrp_buf_printf(b, "\r\n-------%s$\r\n", tid);
	if (err)
		rollback(b, mark);
	return err;
}
