/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JIDs and SIP URIs. See xmpp_jid.h. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/xmpp/xmpp_jid.h"

/* XEP-0106: the characters a localpart cannot hold, and their escapes */
static const char escaped_chars[] = " \"&'/:<>@\\";

static bool control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static bool local_ok(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (control((unsigned char)s[i]) || (s[i] != '\\' && strchr(escaped_chars, s[i])))
			return false;
	return true;
}

static bool domain_ok(const char *s, size_t n)
{
	if (!n || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (control((unsigned char)s[i]) || strchr(" \"&'/:<>@\\[]", s[i]))
			return false;
	return true;
}

static int copy_part(char *dst, const char *s, size_t n)
{
	if (n >= XMPP_JID_PART)
		return ENAMETOOLONG;
	memcpy(dst, s, n);
	dst[n] = 0;
	return 0;
}

int xmpp_jid_parse(struct xmpp_jid *j, const char *s)
{
	const char *slash, *at, *dom;
	size_t dn;
	int err;

	if (!j || !s)
		return EINVAL;
	memset(j, 0, sizeof(*j));
	if (!utf8_valid(s, strlen(s)))
		return EINVAL;
	slash = strchr(s, '/');
	at = memchr(s, '@', slash ? (size_t)(slash - s) : strlen(s));
	dom = at ? at + 1 : s;
	dn = slash ? (size_t)(slash - dom) : strlen(dom);
	if ((at && (at == s || !local_ok(s, (size_t)(at - s)))) || !domain_ok(dom, dn))
		return EINVAL;
	if (slash && (!slash[1] || strpbrk(slash + 1, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a"
						      "\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14"
						      "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e"
						      "\x1f\x7f")))
		return EINVAL;
	err = at ? copy_part(j->local, s, (size_t)(at - s)) : 0;
	if (!err)
		err = copy_part(j->domain, dom, dn);
	if (!err && slash)
		err = copy_part(j->resource, slash + 1, strlen(slash + 1));
	for (char *p = j->domain; !err && *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (err)
		memset(j, 0, sizeof(*j));
	return err;
}

int xmpp_jid_bare(char *buf, size_t size, const struct xmpp_jid *j)
{
	int n = snprintf(buf, size, "%s%s%s", j->local, j->local[0] ? "@" : "", j->domain);

	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}

bool xmpp_jid_in_domain(const char *jid, const char *domain)
{
	struct xmpp_jid j;

	return jid && domain && *domain && !xmpp_jid_parse(&j, jid) &&
	       !strcasecmp(j.domain, domain);
}

/* two hex digits, -1 when not */
static int hex2(const char *s)
{
	int a = chars_hex_value((unsigned char)s[0]);
	int b = a < 0 ? -1 : chars_hex_value((unsigned char)s[1]);

	return b < 0 ? -1 : a * 16 + b;
}

/* characters SIP lets stand in a user part unescaped (RFC 3261 user) */
static bool sip_user_char(unsigned char c)
{
	return isalnum(c) || strchr("-_.!~*'()&=+$,;?/", c);
}

int xmpp_jid_to_sip(char *buf, size_t size, const struct xmpp_jid *j)
{
	struct sbuf sb = SBUF_INIT;
	const char *s = j->local;
	int err;

	if (!j->local[0])
		return EINVAL;
	sbuf_puts(&sb, "sip:");
	while (*s) {
		unsigned char c = (unsigned char)*s;
		int h = s[0] == '\\' && s[1] && s[2] ? hex2(s + 1) : -1;

		/* XEP-0106: only the ten escapes are unescaped */
		if (h > 0 && strchr(escaped_chars, h)) {
			c = (unsigned char)h;
			s += 3;
		} else {
			s++;
		}
		if (sip_user_char(c))
			sbuf_putc(&sb, (char)c);
		else
			sbuf_printf(&sb, "%%%02X", c);
	}
	sbuf_printf(&sb, "@%s", j->domain);
	err = sbuf_err(&sb);
	if (!err && sb.len >= size)
		err = ENOSPC;
	if (!err)
		memcpy(buf, sb.buf, sb.len + 1);
	sbuf_reset(&sb);
	return err;
}

/* user and host of a SIP URI, without scheme, brackets, port, params */
static int split_uri(const char *uri, const char **user, size_t *un, const char **host, size_t *hn)
{
	const char *s = uri, *at, *e, *colon;
	bool scheme = false;

	if (*s == '<')
		s++;
	if (!strncasecmp(s, "sip:", 4) || !strncasecmp(s, "sips:", 5)) {
		s += s[3] == ':' ? 4 : 5;
		scheme = true;
	}
	e = s + strcspn(s, ";?>");
	at = memchr(s, '@', (size_t)(e - s));
	if (!at || at == s)
		return EINVAL;
	colon = memchr(s, ':', (size_t)(at - s));
	if (colon && !scheme)
		return EINVAL; /* another scheme */
	*user = s;
	*un = (size_t)((colon ? colon : at) - s); /* a password is dropped */
	if (!*un)
		return EINVAL;
	*host = at + 1;
	*hn = strcspn(at + 1, ":;?>");
	if (*hn > (size_t)(e - *host))
		*hn = (size_t)(e - *host);
	return *hn ? 0 : EINVAL;
}

static int put_user(struct sbuf *sb, const char *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)u[i];

		if (c == '%') {
			int h = i + 2 < n ? hex2(u + i + 1) : -1;

			if (h < 0)
				return EINVAL;
			c = (unsigned char)h;
			i += 2;
		}
		if (control(c))
			return EINVAL;
		if (strchr(escaped_chars, c))
			sbuf_printf(sb, "\\%02x", c);
		else
			sbuf_putc(sb, (char)c);
	}
	return 0;
}

int xmpp_sip_to_jid(char *buf, size_t size, const char *uri)
{
	struct sbuf sb = SBUF_INIT;
	const char *user, *host;
	size_t un, hn;
	int err;

	if (!buf || !uri)
		return EINVAL;
	err = split_uri(uri, &user, &un, &host, &hn);
	if (!err)
		err = put_user(&sb, user, un);
	if (err)
		goto out;
	sbuf_putc(&sb, '@');
	for (size_t i = 0; i < hn; i++)
		sbuf_putc(&sb, (char)tolower((unsigned char)host[i]));
	err = sbuf_err(&sb);
	if (!err && !domain_ok(sb.buf + sb.len - hn, hn))
		err = EINVAL;
	if (!err && (sb.len >= size || sb.len - hn - 1 >= XMPP_JID_PART))
		err = ENOSPC;
	if (!err && !utf8_valid(sb.buf, sb.len))
		err = EINVAL;
	if (!err)
		memcpy(buf, sb.buf, sb.len + 1);
out:
	sbuf_reset(&sb);
	return err;
}
