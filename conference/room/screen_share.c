/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Screen sharing in a conference room. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conference/room/screen_share.h"

bool screen_share_is_frame(const char *content_type)
{
	size_t n = strlen(SCREEN_SHARE_CONTENT_TYPE);

	if (!content_type)
		return false;
	while (*content_type == ' ' || *content_type == '\t')
		content_type++;
	return strncasecmp(content_type, SCREEN_SHARE_CONTENT_TYPE, n) == 0 &&
	       (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int screen_share_decode(uint8_t **out, size_t *lenp, const char *b64, size_t len)
{
	uint8_t *buf;
	uint32_t acc = 0;
	size_t o = 0;
	int bits = 0, pad = 0;

	*out = NULL;
	*lenp = 0;
	if (!b64 || !len)
		return EBADMSG;
	buf = malloc(len / 4 * 3 + 3);
	if (!buf)
		return ENOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)b64[i];
		int v;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = b64val(c);
		if (v < 0 || pad) { /* garbage, or data after padding */
			free(buf);
			return EBADMSG;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (!o || pad > 2) {
		free(buf);
		return EBADMSG;
	}
	*out = buf;
	*lenp = o;
	return 0;
}

static size_t escaped_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '&' ? 5 : (*s == '<' || *s == '>') ? 4 : *s == '"' ? 6 : 1;
	return n;
}

static char *escape_into(char *o, const char *s)
{
	for (; *s; s++) {
		const char *rep = *s == '&' ? "&amp;" :
				  *s == '<' ? "&lt;" :
				  *s == '>' ? "&gt;" :
				  *s == '"' ? "&quot;" :
					      NULL;

		if (rep) {
			memcpy(o, rep, strlen(rep));
			o += strlen(rep);
		} else {
			*o++ = *s;
		}
	}
	return o;
}

int screen_share_page(char **out, size_t *lenp, const char *title, const char *image_url,
		      unsigned refresh)
{
	static const char *const parts[] = {
		"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		"<meta http-equiv=\"refresh\" content=\"",
		"\"><title>",
		"</title></head>\n<body style=\"margin:0;background:#000\">"
		"<img src=\"",
		"\" alt=\"shared screen\" style=\"max-width:100%\"></body></html>\n"};
	char num[16];
	size_t len;
	char *buf, *o;

	*out = NULL;
	if (!title || !image_url || !refresh || refresh > 3600)
		return EINVAL;
	snprintf(num, sizeof(num), "%u", refresh);
	len = strlen(parts[0]) + strlen(num) + strlen(parts[1]) + escaped_len(title) +
	      strlen(parts[2]) + escaped_len(image_url) + strlen(parts[3]);
	buf = malloc(len + 1);
	if (!buf)
		return ENOMEM;
	o = buf;
	o = stpcpy(o, parts[0]);
	o = stpcpy(o, num);
	o = stpcpy(o, parts[1]);
	o = escape_into(o, title);
	o = stpcpy(o, parts[2]);
	o = escape_into(o, image_url);
	o = stpcpy(o, parts[3]);
	*o = '\0';
	*out = buf;
	if (lenp)
		*lenp = (size_t)(o - buf);
	return 0;
}

int screen_share_notice(char *buf, size_t size, const char *name, const char *url)
{
	int n;

	if (!buf || !size || !name || !*name)
		return EINVAL;
	n = url ? snprintf(buf, size, "%s is sharing a screen: %s", name, url) :
		  snprintf(buf, size, "%s stopped sharing a screen", name);
	if (n < 0 || (size_t)n >= size) {
		buf[0] = '\0';
		return ENOSPC;
	}
	return 0;
}
