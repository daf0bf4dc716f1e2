/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP URI parsing and comparison (RFC 4975 sections 6, 6.1 and 9). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conference/msrp/msrp_uri.h"
#include "sylk_ws/base/chars.h"

static bool is_alnum(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(unsigned char c)
{
	return chars_hex_value(c) >= 0;
}

static bool is_unreserved(unsigned char c)
{
	return is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 3986 sub-delims, less ';' which ends the authority in an MSRP URI. */
static bool is_subdelim(unsigned char c)
{
	return c && strchr("!$&'()*+,=", c) != NULL;
}

/* Length of a valid "%XX" at s[i], or 0. */
static size_t pct_len(const char *s, size_t len, size_t i)
{
	if (s[i] == '%' && i + 2 < len && is_hex((unsigned char)s[i + 1]) &&
	    is_hex((unsigned char)s[i + 2]))
		return 3;
	return 0;
}

/* Copy s[a,b) into the scratch area and NUL-terminate it. */
static char *put(char **scratch, const char *s, size_t a, size_t b)
{
	char *out = *scratch;

	memcpy(out, s + a, b - a);
	out[b - a] = '\0';
	*scratch += b - a + 1;
	return out;
}

int msrp_uri_parse(struct msrp_uri **up, const char *s, size_t len)
{
	struct msrp_uri *u;
	char *scratch;
	size_t i = 0, a, seg_end, at = (size_t)-1;
	unsigned long port;

	if (!up || (!s && len))
		return EINVAL;
	*up = NULL;
	if (len == 0 || len > MSRP_URI_MAX || memchr(s, '\0', len))
		return EINVAL;

	u = calloc(1, sizeof(*u) + 2 * (len + 1));
	if (!u)
		return ENOMEM;
	scratch = (char *)(u + 1);
	u->str = put(&scratch, s, 0, len);
	u->str_len = len;

	/* scheme */
	if (len > 7 && strncasecmp(s, "msrps://", 8) == 0) {
		u->secure = true;
		i = 8;
	} else if (len > 6 && strncasecmp(s, "msrp://", 7) == 0) {
		i = 7;
	} else {
		goto bad;
	}

	/* userinfo: neither '/' nor '@' can appear in what follows it up to
	 * the first '/', and URI parameters (tokens) hold no '@' either, so
	 * the last '@' before the first '/' ends it. */
	seg_end = i;
	while (seg_end < len && s[seg_end] != '/')
		seg_end++;
	for (a = i; a < seg_end; a++) {
		if (s[a] == '@')
			at = a;
	}
	if (at != (size_t)-1) {
		for (a = i; a < at; a++) {
			unsigned char c = (unsigned char)s[a];
			size_t pl = pct_len(s, len, a);

			if (pl) {
				a += pl - 1;
				continue;
			}
			if (!is_unreserved(c) && !is_subdelim(c) && c != ':' && c != ';')
				goto bad;
		}
		u->userinfo = put(&scratch, s, i, at);
		i = at + 1;
	}

	/* host */
	if (i < len && s[i] == '[') {
		unsigned char addr[16];
		char *h;

		a = ++i;
		while (i < len && s[i] != ']') {
			unsigned char c = (unsigned char)s[i];

			if (!is_hex(c) && c != ':' && c != '.')
				goto bad;
			i++;
		}
		if (i >= len || i == a || i - a > 45)
			goto bad;
		h = put(&scratch, s, a, i);
		if (inet_pton(AF_INET6, h, addr) != 1)
			goto bad;
		u->host = h;
		u->host_ipv6 = true;
		i++; /* ']' */
	} else {
		a = i;
		while (i < len) {
			unsigned char c = (unsigned char)s[i];
			size_t pl = pct_len(s, len, i);

			if (pl) {
				i += pl;
				continue;
			}
			if (!is_unreserved(c) && !is_subdelim(c))
				break;
			i++;
		}
		if (i == a)
			goto bad;
		u->host = put(&scratch, s, a, i);
	}

	/* port */
	if (i < len && s[i] == ':') {
		a = ++i;
		port = 0;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			port = port * 10 + (unsigned long)(s[i] - '0');
			if (port > 65535)
				goto bad;
			i++;
		}
		if (i == a || port == 0)
			goto bad;
		u->port = (uint16_t)port;
	}

	/* session-id */
	if (i < len && s[i] == '/') {
		a = ++i;
		while (i < len && s[i] != ';') {
			unsigned char c = (unsigned char)s[i];
			size_t pl = pct_len(s, len, i);

			if (pl) {
				i += pl;
				continue;
			}
			if (!is_unreserved(c) && c != '+' && c != '=' && c != '/')
				goto bad;
			i++;
		}
		if (i == a)
			goto bad;
		u->session_id = put(&scratch, s, a, i);
	}

	/* transport is mandatory in the grammar */
	if (i >= len || s[i] != ';')
		goto bad;
	a = ++i;
	while (i < len && is_alnum((unsigned char)s[i]))
		i++;
	if (i == a)
		goto bad;
	u->transport = put(&scratch, s, a, i);

	/* *( ";" token [ "=" token ] ) */
	if (i < len) {
		size_t pstart;

		if (s[i] != ';')
			goto bad;
		pstart = i + 1;
		while (i < len) {
			if (s[i] != ';')
				goto bad;
			a = ++i;
			while (i < len && chars_sip_token((unsigned char)s[i]))
				i++;
			if (i == a)
				goto bad;
			if (i < len && s[i] == '=') {
				a = ++i;
				while (i < len && chars_sip_token((unsigned char)s[i]))
					i++;
				if (i == a)
					goto bad;
			}
		}
		u->params = put(&scratch, s, pstart, len);
	}

	*up = u;
	return 0;

bad:
	free(u);
	return EINVAL;
}

int msrp_uri_dup(struct msrp_uri **up, const struct msrp_uri *u)
{
	if (!up || !u)
		return EINVAL;
	return msrp_uri_parse(up, u->str, u->str_len);
}

void msrp_uri_free(struct msrp_uri *u)
{
	free(u);
}

/* Next character of a reg-name for comparison: percent-encoded unreserved
 * characters are decoded first (RFC 3986 section 6.2.2.2), then case is
 * folded. */
static int host_next(const char **sp)
{
	const char *s = *sp;
	unsigned char c = (unsigned char)s[0];

	if (c == '%' && is_hex((unsigned char)s[1]) && is_hex((unsigned char)s[2])) {
		int d = chars_hex_value((unsigned char)s[1]) * 16 +
			chars_hex_value((unsigned char)s[2]);

		if (is_unreserved((unsigned char)d)) {
			*sp = s + 3;
			return tolower(d);
		}
		/* keep the escape, hex digits compare case-insensitively */
	}
	*sp = s + 1;
	return tolower(c);
}

static bool host_equal(const struct msrp_uri *a, const struct msrp_uri *b)
{
	unsigned char xa[16], xb[16];
	const char *pa = a->host, *pb = b->host;

	if (a->host_ipv6 || b->host_ipv6) {
		if (!a->host_ipv6 || !b->host_ipv6)
			return false;
		if (inet_pton(AF_INET6, a->host, xa) != 1 || inet_pton(AF_INET6, b->host, xb) != 1)
			return false;
		return memcmp(xa, xb, 16) == 0;
	}
	if (inet_pton(AF_INET, a->host, xa) == 1 && inet_pton(AF_INET, b->host, xb) == 1)
		return memcmp(xa, xb, 4) == 0;

	while (*pa && *pb) {
		if (host_next(&pa) != host_next(&pb))
			return false;
	}
	return *pa == '\0' && *pb == '\0';
}

bool msrp_uri_equal(const struct msrp_uri *a, const struct msrp_uri *b)
{
	if (!a || !b)
		return false;
	if (a->secure != b->secure)
		return false;
	if (a->port != b->port)
		return false;
	if (!a->session_id != !b->session_id)
		return false;
	if (a->session_id && strcmp(a->session_id, b->session_id) != 0)
		return false;
	if (strcasecmp(a->transport, b->transport) != 0)
		return false;
	return host_equal(a, b);
}

uint16_t msrp_uri_port(const struct msrp_uri *u)
{
	if (!u || !u->port)
		return MSRP_DEFAULT_PORT;
	return u->port;
}

int msrp_path_append(struct msrp_path *p, const struct msrp_uri *u)
{
	struct msrp_uri **v, *copy;
	int err;

	if (!p || !u)
		return EINVAL;
	err = msrp_uri_dup(&copy, u);
	if (err)
		return err;
	v = realloc(p->uriv, (p->n + 1) * sizeof(*v));
	if (!v) {
		msrp_uri_free(copy);
		return ENOMEM;
	}
	v[p->n++] = copy;
	p->uriv = v;
	return 0;
}

int msrp_path_parse(struct msrp_path *p, const char *s, size_t len)
{
	size_t i = 0;
	int err = 0;

	if (!p || (!s && len))
		return EINVAL;
	memset(p, 0, sizeof(*p));

	while (i < len) {
		struct msrp_uri *u, **v;
		size_t a;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= len)
			break;
		a = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		err = msrp_uri_parse(&u, s + a, i - a);
		if (err)
			goto out;
		v = realloc(p->uriv, (p->n + 1) * sizeof(*v));
		if (!v) {
			msrp_uri_free(u);
			err = ENOMEM;
			goto out;
		}
		v[p->n++] = u;
		p->uriv = v;
	}
	if (p->n == 0)
		err = EINVAL;
out:
	if (err)
		msrp_path_reset(p);
	return err;
}

int msrp_path_copy(struct msrp_path *dst, const struct msrp_path *src)
{
	size_t i;
	int err;

	if (!dst || !src)
		return EINVAL;
	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++) {
		err = msrp_path_append(dst, src->uriv[i]);
		if (err) {
			msrp_path_reset(dst);
			return err;
		}
	}
	return 0;
}

void msrp_path_reset(struct msrp_path *p)
{
	size_t i;

	if (!p)
		return;
	for (i = 0; i < p->n; i++)
		msrp_uri_free(p->uriv[i]);
	free(p->uriv);
	p->uriv = NULL;
	p->n = 0;
}

const struct msrp_uri *msrp_path_first(const struct msrp_path *p)
{
	return (p && p->n) ? p->uriv[0] : NULL;
}

const struct msrp_uri *msrp_path_last(const struct msrp_path *p)
{
	return (p && p->n) ? p->uriv[p->n - 1] : NULL;
}

bool msrp_path_equal(const struct msrp_path *a, const struct msrp_path *b)
{
	size_t i;

	if (!a || !b || a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++) {
		if (!msrp_uri_equal(a->uriv[i], b->uriv[i]))
			return false;
	}
	return true;
}
