/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTP client's URL and status line: see http_client.h. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/hostport.h"
#include "sylk_ws/http/http_client.h"

static bool digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool alnum(unsigned char c)
{
	return digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

/* RFC 3986 unreserved: a name, an IPv4 address; plus ':' and a zone's '%'
 * between brackets */
static bool host_byte(unsigned char c, bool bracketed)
{
	return alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
	       (bracketed && (c == ':' || c == '%'));
}

/* "host[:port]" or "[v6][:port]", @p len bytes */
static enum http_url_reason host_port(struct http_url *u, const char *s, size_t len)
{
	struct hostport hp;
	uint16_t port;

	if (len == 0 || len >= sizeof(u->host_header) || hostport_split(&hp, s, len) != 0)
		return HTTP_URL_BAD_HOST;
	for (size_t i = 0; i < hp.host_len; i++)
		if (!host_byte((unsigned char)hp.host[i], hp.bracketed))
			return HTTP_URL_BAD_HOST;
	memcpy(u->host, hp.host, hp.host_len);
	u->host[hp.host_len] = '\0';
	memcpy(u->host_header, s, len);
	u->host_header[len] = '\0';
	if (!hp.port) {
		memcpy(u->port, "80", 3);
		return HTTP_URL_OK;
	}
	if (hostport_port(&port, hp.port, hp.port_len) != 0)
		return HTTP_URL_BAD_PORT;
	memcpy(u->port, hp.port, hp.port_len);
	u->port[hp.port_len] = '\0';
	return HTTP_URL_OK;
}

int http_url_parse(struct http_url *u, const char *s, enum http_url_reason *reason)
{
	enum http_url_reason why = HTTP_URL_OK;
	struct http_url tmp;
	const char *host, *slash;
	size_t plen;

	if (!u || !s) {
		why = HTTP_URL_EINVAL;
		goto out;
	}
	if (strncasecmp(s, "https://", 8) == 0) {
		why = HTTP_URL_HTTPS;
		goto out;
	}
	if (strncasecmp(s, "http://", 7) != 0) {
		why = HTTP_URL_SCHEME;
		goto out;
	}
	host = s + 7;
	slash = strchr(host, '/');
	why = host_port(&tmp, host, slash ? (size_t)(slash - host) : strlen(host));
	if (why != HTTP_URL_OK)
		goto out;
	if (!slash)
		slash = "/";
	plen = strlen(slash);
	if (plen >= sizeof(tmp.path)) {
		why = HTTP_URL_BAD_PATH;
		goto out;
	}
	for (size_t i = 0; i < plen; i++)
		if ((unsigned char)slash[i] <= ' ' || (unsigned char)slash[i] >= 0x7f) {
			why = HTTP_URL_BAD_PATH;
			goto out;
		}
	memcpy(tmp.path, slash, plen + 1);
	*u = tmp;
out:
	if (reason)
		*reason = why;
	return why == HTTP_URL_OK ? 0 : why == HTTP_URL_HTTPS ? EPROTONOSUPPORT : EINVAL;
}

const char *http_url_reason_str(enum http_url_reason reason)
{
	switch (reason) {
	case HTTP_URL_OK: return "ok";
	case HTTP_URL_EINVAL: return "no URL";
	case HTTP_URL_HTTPS: return "https is not supported";
	case HTTP_URL_SCHEME: return "must start with http://";
	case HTTP_URL_BAD_HOST: return "bad host";
	case HTTP_URL_BAD_PORT: return "bad port";
	case HTTP_URL_BAD_PATH:
		return "the path holds white space, a control or non-ASCII byte, or is too long";
	}
	return "unknown reason";
}

int http_status_parse(const char *line, size_t len, int *code)
{
	const unsigned char *p = (const unsigned char *)line;

	if (!line || !code)
		return EINVAL;
	/* "HTTP/" DIGIT "." DIGIT SP 3DIGIT, then SP or the end */
	if (len < 12 || memcmp(p, "HTTP/", 5) != 0 || !digit(p[5]) || p[6] != '.' || !digit(p[7]) ||
	    p[8] != ' ' || !digit(p[9]) || !digit(p[10]) || !digit(p[11]) ||
	    (len > 12 && p[12] != ' '))
		return EBADMSG;
	if (p[9] == '0')
		return EBADMSG;
	*code = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	return 0;
}
