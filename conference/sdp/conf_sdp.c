/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SDP offers to the conference focus and the focus's answers
 * (RFC 4566, RFC 3264, RFC 4975, RFC 5547, RFC 6135, RFC 7701). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conference/sdp/conf_sdp.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/base/str.h"

/* ---- small helpers ------------------------------------------------------ */

/* Store a copy of s[0..n) in *dst unless already set (first one wins). */
static int set_once(char **dst, const char *s, size_t n)
{
	if (*dst)
		return 0;
	return str_dupn(dst, s, n);
}

static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f;
}

const char *conf_dir_name(enum conf_dir dir)
{
	switch (dir) {
	case CONF_DIR_SENDONLY: return "sendonly";
	case CONF_DIR_RECVONLY: return "recvonly";
	case CONF_DIR_INACTIVE: return "inactive";
	case CONF_DIR_SENDRECV:
	default: return "sendrecv";
	}
}

enum conf_dir conf_dir_reverse(enum conf_dir dir)
{
	switch (dir) {
	case CONF_DIR_SENDONLY: return CONF_DIR_RECVONLY;
	case CONF_DIR_RECVONLY: return CONF_DIR_SENDONLY;
	case CONF_DIR_INACTIVE: return CONF_DIR_INACTIVE;
	case CONF_DIR_SENDRECV:
	default: return CONF_DIR_SENDRECV;
	}
}

/* a=<name> for the four direction attributes; -1 otherwise. */
static int dir_from_attr(const char *name, size_t n)
{
	static const struct {
		const char *s;
		enum conf_dir d;
	} t[] = {
		{"sendrecv", CONF_DIR_SENDRECV},
		{"sendonly", CONF_DIR_SENDONLY},
		{"recvonly", CONF_DIR_RECVONLY},
		{"inactive", CONF_DIR_INACTIVE},
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].s) == n && memcmp(t[i].s, name, n) == 0)
			return (int)t[i].d;
	return -1;
}

static bool name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(name, want, n) == 0;
}

/* ---- freeing -------------------------------------------------------------- */

static void media_clear(struct conf_sdp_media *m)
{
	size_t i;

	free(m->media);
	free(m->proto);
	free(m->fmt);
	free(m->path);
	free(m->c_addr);
	free(m->accept_types);
	free(m->accept_wrapped_types);
	free(m->setup);
	free(m->fs.name);
	free(m->fs.type);
	free(m->fs.hash);
	free(m->file_transfer_id);
	free(m->file_disposition);
	for (i = 0; i < m->attr_count; i++)
		free(m->attrs[i]);
	free(m->attrs);
}

void conf_sdp_offer_free(struct conf_sdp_offer *offer)
{
	size_t i;

	if (!offer)
		return;
	for (i = 0; i < offer->media_count; i++)
		media_clear(&offer->media[i]);
	free(offer->media);
	free(offer->origin_user);
	free(offer->c_addr);
	free(offer);
}

/* ---- parsing -------------------------------------------------------------- */

/* The next space-separated token of [*s, end); false when none. */
static bool next_token(const char **s, const char *end, const char **tok, size_t *n)
{
	const char *p = *s;

	while (p < end && *p == ' ')
		p++;
	if (p == end)
		return false;
	*tok = p;
	while (p < end && *p != ' ')
		p++;
	*n = (size_t)(p - *tok);
	*s = p;
	return true;
}

/* RFC 5547 file-selector = selector *(SP selector), selectors name:"..."
 * type:... size:... hash:algo:XX:XX... in any order, each at most once;
 * unknown selectors are skipped. The value may be empty (any file). */
static int parse_file_selector(struct conf_file_selector *fs, const char *p, const char *end)
{
	int err = 0;

	while (p < end && !err) {
		const char *v;
		size_t n;

		if (*p == ' ') {
			p++;
			continue;
		}
		if ((size_t)(end - p) >= 5 && memcmp(p, "name:", 5) == 0) {
			if (fs->name)
				return EBADMSG;
			p += 5;
			if (p == end || *p != '"')
				return EBADMSG;
			v = ++p;
			while (p < end && *p != '"')
				p++;
			if (p == end)
				return EBADMSG;
			err = str_dupn(&fs->name, v, (size_t)(p - v));
			p++;
			if (p < end && *p != ' ')
				return EBADMSG;
			continue;
		}
		v = p;
		while (p < end && *p != ' ')
			p++;
		n = (size_t)(p - v);
		if (n > 5 && memcmp(v, "type:", 5) == 0) {
			if (fs->type)
				return EBADMSG;
			err = str_dupn(&fs->type, v + 5, n - 5);
		} else if (n > 5 && memcmp(v, "hash:", 5) == 0) {
			if (fs->hash)
				return EBADMSG;
			err = str_dupn(&fs->hash, v + 5, n - 5);
		} else if (n > 5 && memcmp(v, "size:", 5) == 0) {
			uint64_t size = 0;
			size_t i;

			if (fs->has_size || n - 5 > 20)
				return EBADMSG;
			for (i = 5; i < n; i++) {
				unsigned d = (unsigned)(v[i] - '0');

				if (d > 9 || size > (UINT64_MAX - d) / 10)
					return EBADMSG;
				size = size * 10 + d;
			}
			fs->size = size;
			fs->has_size = true;
		} else if (memchr(v, ':', n) == NULL) {
			return EBADMSG; /* not a selector at all */
		}
	}
	return err;
}

/* "m=<media> <port>[/<count>] <proto> <fmt> ..." */
static int parse_m_line(struct conf_sdp_media *m, const char *p, const char *end)
{
	const char *tok;
	size_t n, i;
	unsigned long port = 0;
	int err = 0;

	if (!next_token(&p, end, &tok, &n))
		return EBADMSG;
	err = str_dupn(&m->media, tok, n);
	if (err)
		return err;

	if (!next_token(&p, end, &tok, &n))
		return EBADMSG;
	for (i = 0; i < n && tok[i] != '/'; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return EBADMSG;
		port = port * 10 + (unsigned long)(tok[i] - '0');
		if (port > 65535)
			return EBADMSG;
	}
	if (i == 0)
		return EBADMSG;
	if (i < n) { /* /<number of ports> */
		if (i + 1 == n)
			return EBADMSG;
		for (i++; i < n; i++)
			if (tok[i] < '0' || tok[i] > '9')
				return EBADMSG;
	}
	m->port = (unsigned)port;

	if (!next_token(&p, end, &tok, &n))
		return EBADMSG;
	err = str_dupn(&m->proto, tok, n);
	if (err)
		return err;

	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	if (p == end)
		return EBADMSG; /* at least one fmt */
	err = str_dupn(&m->fmt, p, (size_t)(end - p));
	return err;
}

static int media_add_attr(struct conf_sdp_media *m, const char *p, const char *end)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	const char *name = p, *val = NULL;
	size_t nlen, vlen = 0;
	char **attrs;
	int err = 0, d;

	nlen = colon ? (size_t)(colon - p) : (size_t)(end - p);
	if (nlen == 0)
		return EBADMSG;
	for (size_t i = 0; i < nlen; i++)
		if (!is_token_char((unsigned char)name[i]))
			return EBADMSG;
	if (colon) {
		val = colon + 1;
		vlen = (size_t)(end - val);
	}

	attrs = realloc(m->attrs, (m->attr_count + 1) * sizeof(*attrs));
	if (!attrs)
		return ENOMEM;
	m->attrs = attrs;
	err = str_dupn(&attrs[m->attr_count], p, (size_t)(end - p));
	if (err)
		return err;
	m->attr_count++;

	if (!val) {
		d = dir_from_attr(name, nlen);
		if (d >= 0)
			m->dir = (enum conf_dir)d;
		else if (name_is(name, nlen, "file-selector") && !m->has_file_selector)
			m->has_file_selector = true;
		return 0;
	}
	if (name_is(name, nlen, "path"))
		return set_once(&m->path, val, vlen);
	if (name_is(name, nlen, "accept-types"))
		return set_once(&m->accept_types, val, vlen);
	if (name_is(name, nlen, "accept-wrapped-types"))
		return set_once(&m->accept_wrapped_types, val, vlen);
	if (name_is(name, nlen, "setup"))
		return set_once(&m->setup, val, vlen);
	if (name_is(name, nlen, "file-transfer-id"))
		return set_once(&m->file_transfer_id, val, vlen);
	if (name_is(name, nlen, "file-disposition"))
		return set_once(&m->file_disposition, val, vlen);
	if (name_is(name, nlen, "file-selector")) {
		if (m->has_file_selector)
			return EBADMSG; /* one per media description */
		m->has_file_selector = true;
		return parse_file_selector(&m->fs, val, end);
	}
	return 0;
}

static bool proto_is_msrp(const char *proto)
{
	return strcasecmp(proto, "TCP/MSRP") == 0 || strcasecmp(proto, "TCP/TLS/MSRP") == 0 ||
	       strcasecmp(proto, "TCP/WS/MSRP") == 0 || strcasecmp(proto, "TCP/WSS/MSRP") == 0 ||
	       strcasecmp(proto, "TCP/TLS/WS/MSRP") == 0;
}

static bool proto_is_rtp(const char *proto)
{
	return strncasecmp(proto, "RTP/", 4) == 0 || strncasecmp(proto, "UDP/TLS/RTP/", 12) == 0;
}

static void media_classify(struct conf_sdp_media *m)
{
	if (strcmp(m->media, "audio") == 0 && proto_is_rtp(m->proto))
		m->kind = CONF_MEDIA_AUDIO;
	else if (strcmp(m->media, "message") == 0 && proto_is_msrp(m->proto))
		m->kind = m->has_file_selector ? CONF_MEDIA_FILE : CONF_MEDIA_CHAT;
	else
		m->kind = CONF_MEDIA_OTHER;
}

/* Bytes allowed: printable ASCII, TAB, UTF-8 octets; CR only before LF. */
static int check_bytes(const char *sdp, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)sdp[i];

		if (c == '\r') {
			if (i + 1 == len || sdp[i + 1] != '\n')
				return EBADMSG;
		} else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			return EBADMSG;
		}
	}
	return 0;
}

int conf_sdp_offer_parse(struct conf_sdp_offer **offerp, const char *sdp, size_t len)
{
	struct conf_sdp_offer *o;
	struct conf_sdp_media *cur = NULL;
	enum conf_dir session_dir = CONF_DIR_SENDRECV;
	bool session_dir_set = false;
	const char *p, *end;
	bool first = true;
	int err;
	size_t i;

	if (!offerp || (!sdp && len))
		return EINVAL;
	*offerp = NULL;
	if (len == 0 || len > CONF_SDP_MAX_SIZE)
		return EBADMSG;
	err = check_bytes(sdp, len);
	if (err)
		return err;

	o = calloc(1, sizeof(*o));
	if (!o)
		return ENOMEM;

	for (p = sdp, end = sdp + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *next = nl ? nl + 1 : end;
		const char *v;
		char type;

		if (le > p && le[-1] == '\r')
			le--;
		if (le == p) { /* blank line: tolerated (e.g. a trailing one) */
			p = next;
			continue;
		}
		if (le - p < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z') {
			err = EBADMSG;
			goto fail;
		}
		type = p[0];
		v = p + 2;
		if (first) {
			if (type != 'v') {
				err = EBADMSG;
				goto fail;
			}
			first = false;
		}

		switch (type) {
		case 'o':
			if (!cur && !o->origin_user) {
				const char *tok;
				size_t n;
				const char *s = v;

				if (!next_token(&s, le, &tok, &n)) {
					err = EBADMSG;
					goto fail;
				}
				err = str_dupn(&o->origin_user, tok, n);
			}
			break;
		case 'c':
			/* session level, or the first one of a media section */
			if ((!cur && !o->c_addr) || (cur && !cur->c_addr)) {
				const char *tok = NULL, *s = v;
				size_t n = 0;
				int k;

				for (k = 0; k < 3; k++)
					if (!next_token(&s, le, &tok, &n)) {
						err = EBADMSG;
						goto fail;
					}
				if (cur)
					err = str_dupn(&cur->c_addr, tok, n);
				else
					err = str_dupn(&o->c_addr, tok, n);
			}
			break;
		case 'm': {
			struct conf_sdp_media *media;

			if (o->media_count == CONF_SDP_MAX_MEDIA) {
				err = EBADMSG;
				goto fail;
			}
			media = realloc(o->media, (o->media_count + 1) * sizeof(*media));
			if (!media) {
				err = ENOMEM;
				goto fail;
			}
			o->media = media;
			cur = &media[o->media_count++];
			memset(cur, 0, sizeof(*cur));
			cur->dir = session_dir;
			err = parse_m_line(cur, v, le);
			break;
		}
		case 'a':
			if (cur) {
				err = media_add_attr(cur, v, le);
			} else {
				int d = dir_from_attr(v, (size_t)(le - v));

				if (d >= 0 && !session_dir_set) {
					session_dir = (enum conf_dir)d;
					session_dir_set = true;
				}
			}
			break;
		default: break;
		}
		if (err)
			goto fail;
		p = next;
	}
	if (first) {
		err = EBADMSG;
		goto fail;
	}

	/* a media-level direction attribute overrides the session level one;
	 * media_add_attr already applied it over the inherited default */
	for (i = 0; i < o->media_count; i++)
		media_classify(&o->media[i]);

	*offerp = o;
	return 0;

fail:
	conf_sdp_offer_free(o);
	return err;
}

int conf_sdp_rtpmap(const struct conf_sdp_media *m, int pt, char *name, size_t size,
		    unsigned *rate, unsigned *channels)
{
	for (size_t i = 0; i < m->attr_count; i++) {
		int apt;
		char an[32];
		unsigned ar = 0, ac = 1;

		if (sscanf(m->attrs[i], "rtpmap:%d %31[^/]/%u/%u", &apt, an, &ar, &ac) >= 3 &&
		    apt == pt) {
			snprintf(name, size, "%s", an);
			*rate = ar;
			*channels = ac;
			return 0;
		}
	}
	return ENOENT;
}

/* ---- building ------------------------------------------------------------- */

/* One line: the parts concatenated, then CRLF. */
static void put_line(struct sbuf *sb, const char *a, const char *b)
{
	sbuf_printf(sb, "%s%s\r\n", a, b ? b : "");
}

/* A value we write into a line: no control characters (CR, LF, NUL...). */
static bool line_safe(const char *s)
{
	if (!s)
		return true;
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

static bool attr_is(const char *attr, const char *name)
{
	size_t n = strlen(name);

	return strncasecmp(attr, name, n) == 0 && (attr[n] == ':' || attr[n] == '\0');
}

static bool offer_media_safe(const struct conf_sdp_media *m)
{
	size_t i;

	if (!m->media || !m->proto || !m->fmt || !line_safe(m->media) || !line_safe(m->proto) ||
	    !line_safe(m->fmt))
		return false;
	for (i = 0; i < m->attr_count; i++)
		if (!m->attrs[i] || !line_safe(m->attrs[i]))
			return false;
	return true;
}

static void put_m_line(struct sbuf *sb, const struct conf_sdp_media *m, unsigned port,
		       const char *fmt)
{
	sbuf_printf(sb, "m=%s %u %s %s\r\n", m->media, port, m->proto, fmt);
}

static void put_msrp(struct sbuf *sb, const struct conf_sdp_media *m,
		     const struct conf_sdp_answer_media *a)
{
	size_t i;

	put_m_line(sb, m, a->port, "*");
	put_line(sb, "a=path:", a->path);
	if (a->accept_types)
		put_line(sb, "a=accept-types:", a->accept_types);
	if (a->accept_wrapped_types)
		put_line(sb, "a=accept-wrapped-types:", a->accept_wrapped_types);
	if (a->chatroom && m->kind == CONF_MEDIA_CHAT)
		put_line(sb, "a=chatroom:", a->chatroom);
	if (a->file_selector_echo)
		for (i = 0; i < m->attr_count; i++)
			if (attr_is(m->attrs[i], "file-selector") ||
			    attr_is(m->attrs[i], "file-transfer-id"))
				put_line(sb, "a=", m->attrs[i]);
	/* RFC 6135: the active party opens the connection. Without a=setup the
	 * offerer is active (RFC 4975). */
	if (m->setup) {
		if (strcasecmp(m->setup, "active") == 0 || strcasecmp(m->setup, "actpass") == 0)
			put_line(sb, "a=setup:passive", NULL);
		else if (strcasecmp(m->setup, "passive") == 0)
			put_line(sb, "a=setup:active", NULL);
	}
	put_line(sb, "a=", conf_dir_name(a->dir));
}

/* RTP and other media: the offered formats and codec descriptions. */
static void put_rtp(struct sbuf *sb, const struct conf_sdp_media *m,
		    const struct conf_sdp_answer_media *a)
{
	static const char *const keep[] = {"rtpmap", "fmtp", "ptime", "maxptime"};
	size_t i, k;

	put_m_line(sb, m, a->port, m->fmt);
	for (i = 0; i < m->attr_count; i++)
		for (k = 0; k < sizeof(keep) / sizeof(keep[0]); k++)
			if (attr_is(m->attrs[i], keep[k])) {
				put_line(sb, "a=", m->attrs[i]);
				break;
			}
	put_line(sb, "a=", conf_dir_name(a->dir));
}

/* A verbatim media section: starts with m=, then only media-level lines,
 * every one CRLF terminated and free of other control characters. */
static bool raw_section_valid(const char *s)
{
	bool first = true;

	if (!s || strncmp(s, "m=", 2) != 0)
		return false;
	while (*s) {
		const char *eol = strstr(s, "\r\n");

		if (!eol || eol - s < 3 || s[1] != '=')
			return false;
		if (!first && !strchr("cbika", s[0]))
			return false;
		for (const char *p = s; p < eol; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f)
				return false;
		first = false;
		s = eol + 2;
	}
	return true;
}

int conf_sdp_answer_build(char **sdpp, const struct conf_sdp_offer *offer,
			  const struct conf_sdp_answer_media *answers, size_t answer_count,
			  const char *local_addr, uint64_t session_id, uint64_t session_version)
{
	struct sbuf sb = SBUF_INIT;
	const char *ipver;
	size_t i;
	int err;

	if (!sdpp)
		return EINVAL;
	*sdpp = NULL;
	if (!offer || (answer_count && !answers) || answer_count != offer->media_count ||
	    !local_addr || !*local_addr || strpbrk(local_addr, " \t") || !line_safe(local_addr))
		return EINVAL;
	for (i = 0; i < answer_count; i++) {
		const struct conf_sdp_answer_media *a = &answers[i];
		const struct conf_sdp_media *m = &offer->media[i];

		if (!offer_media_safe(m))
			return EINVAL;
		if (!a->accept || m->port == 0)
			continue;
		if (a->raw_section) {
			if (!raw_section_valid(a->raw_section))
				return EINVAL;
			continue;
		}
		if (a->port == 0 || a->port > 65535 || (unsigned)a->dir > CONF_DIR_INACTIVE)
			return EINVAL;
		if (m->kind == CONF_MEDIA_CHAT || m->kind == CONF_MEDIA_FILE) {
			if (!a->path || !*a->path || !line_safe(a->path) ||
			    !line_safe(a->accept_types) || !line_safe(a->accept_wrapped_types) ||
			    !line_safe(a->chatroom))
				return EINVAL;
		}
	}
	ipver = strchr(local_addr, ':') ? "IP6 " : "IP4 ";

	put_line(&sb, "v=0", NULL);
	sbuf_printf(&sb, "o=- %" PRIu64 " %" PRIu64 " IN %s%s\r\n", session_id, session_version,
		    ipver, local_addr);
	put_line(&sb, "s=-", NULL);
	sbuf_printf(&sb, "c=IN %s%s\r\n", ipver, local_addr);
	put_line(&sb, "t=0 0", NULL);

	for (i = 0; i < answer_count; i++) {
		const struct conf_sdp_answer_media *a = &answers[i];
		const struct conf_sdp_media *m = &offer->media[i];

		if (!a->accept || m->port == 0) {
			/* RFC 3264 6: rejected, port zero, at least one format */
			put_m_line(&sb, m, 0, m->fmt);
			continue;
		}
		if (a->raw_section)
			sbuf_puts(&sb, a->raw_section);
		else if (m->kind == CONF_MEDIA_CHAT || m->kind == CONF_MEDIA_FILE)
			put_msrp(&sb, m, a);
		else
			put_rtp(&sb, m, a);
	}

	err = sbuf_err(&sb);
	if (!err) {
		*sdpp = sbuf_detach(&sb, NULL);
		err = *sdpp ? 0 : ENOMEM;
	}
	sbuf_reset(&sb);
	return err;
}
