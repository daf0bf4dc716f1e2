/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/str.h"
#include "sylk_ws/http/http_path.h"

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{".html", "text/html; charset=utf-8"},
	{".htm", "text/html; charset=utf-8"},
	{".mjs", "text/javascript; charset=utf-8"},
	{".js", "text/javascript; charset=utf-8"},
	{".css", "text/css; charset=utf-8"},
	{".json", "application/json"},
	{".svg", "image/svg+xml"},
	{".png", "image/png"},
	{".ico", "image/x-icon"},
	{".wav", "audio/wav"},
	{".txt", "text/plain; charset=utf-8"},
	{".map", "application/json"},
};

const char *http_static_type(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t e = strlen(types[i].ext);

		if (n > e && strcasecmp(path + n - e, types[i].ext) == 0)
			return types[i].type;
	}
	return "application/octet-stream";
}

int http_static_path(const char *uri, size_t n, char *out, size_t size)
{
	size_t o = 0, seg = 0;

	if (n == 0 || uri[0] != '/')
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		if (uri[i] == '?' || uri[i] == '#') {
			n = i;
			break;
		}
	for (size_t i = 0; i <= n; i++) {
		int c = i < n ? (unsigned char)uri[i] : '/';

		if (c == '%' && i < n) {
			if (i + 2 >= n || chars_hex_value((unsigned char)uri[i + 1]) < 0 ||
			    chars_hex_value((unsigned char)uri[i + 2]) < 0)
				return EINVAL;
			c = chars_hex_value((unsigned char)uri[i + 1]) * 16 +
			    chars_hex_value((unsigned char)uri[i + 2]);
			i += 2;
			/* an encoded '/' is not a separator: refuse it */
			if (c == '/')
				return EINVAL;
		}
		if (c < 0x20 || c == 0x7f || c == '\\')
			return EINVAL;
		if (c == '/') {
			/* a segment ends: no empty, ".", ".." or hidden ones */
			if (o > 0 && o > seg && out[seg] == '.')
				return EINVAL;
			if (o > 0 && o == seg && i < n)
				return EINVAL; /* "//" */
			if (i == n)
				break;
			if (o + 1 >= size)
				return ENAMETOOLONG;
			out[o++] = '/';
			seg = o;
			continue;
		}
		if (o + 1 >= size)
			return ENAMETOOLONG;
		out[o++] = (char)c;
	}
	/* a directory (or "/") means its index.html */
	if (o == 0 || out[o - 1] == '/') {
		if (o == 0)
			out[o++] = '/';
		if (o + sizeof("index.html") > size)
			return ENAMETOOLONG;
		memcpy(out + o, "index.html", sizeof("index.html"));
		return 0;
	}
	out[o] = '\0';
	return 0;
}

int http_name_segment(const char *s, size_t n, char *out, size_t size)
{
	int err = str_pct_segment(s, n, out, size);

	if (err)
		return EINVAL;
	/* a name, never a path or a hidden file */
	if (out[0] == '.' || strchr(out, '/') || strchr(out, '\\'))
		return EINVAL;
	return 0;
}

bool http_aor_ok(const char *aor)
{
	const char *at = strchr(aor, '@');

	if (!at || at == aor || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = aor; *p; p++)
		if ((unsigned char)*p <= ' ' || strchr("\"'<>/\\;,?", *p))
			return false;
	return true;
}
