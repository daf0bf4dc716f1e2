/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 1:1 file transfer: see file_transfer.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "sylk_ws/base/encode.h"
#include "sylk_ws/http/http_path.h"
#include "sylk_ws/im/file_transfer.h"

int ft_parse_target(const char *target, char seg[FT_SEGMENTS][FT_SEGMENT])
{
	const char *p;

	if (!target || !seg)
		return EINVAL;
	if (strncmp(target, FT_PREFIX, strlen(FT_PREFIX)) != 0)
		return ENOENT;
	p = target + strlen(FT_PREFIX);
	for (int i = 0; i < FT_SEGMENTS; i++) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		/* a '/' after each segment but the last */
		if ((i < FT_SEGMENTS - 1) != (end != NULL) ||
		    http_name_segment(p, n, seg[i], FT_SEGMENT) != 0)
			return EBADMSG;
		p = end ? end + 1 : p + n;
	}
	return 0;
}

int ft_hashed_name(const char *aor, char *out, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;

	if (!aor || !out)
		return EINVAL;
	if (EVP_Digest(aor, strlen(aor), md, &len, EVP_md5(), NULL) != 1 || len != 16)
		return EINVAL;
	return sylk_base64url(md, len, out, size);
}

static int done(int n, size_t size)
{
	return n >= 0 && (size_t)n < size ? 0 : ENAMETOOLONG;
}

int ft_file_path(char *out, size_t size, const char *root, const char *a, const char *b,
		 const char *id, const char *name)
{
	if (!out || !root || !a || !*a || !b || !*b || !id || !*id || (name && !*name))
		return EINVAL;
	return done(snprintf(out, size, "%s/%c/%s/%s/%s%s%s", root, a[0], a, b, id, name ? "/" : "",
			     name ? name : ""),
		    size);
}

int ft_url(char *out, size_t size, const char *base, const char *a, const char *b, const char *id,
	   const char *name)
{
	static const char hex[] = "0123456789ABCDEF";
	int n;
	size_t o;

	if (!out || !base || !a || !b || !id || !name)
		return EINVAL;
	n = snprintf(out, size, "%s" FT_PREFIX "%s/%s/%s/", base, a, b, id);
	if (done(n, size))
		return ENAMETOOLONG;
	o = (size_t)n;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		bool plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			     (*p >= '0' && *p <= '9') || (*p && strchr("-._~", *p));

		if (o + (plain ? 1 : 3) >= size) {
			out[0] = '\0';
			return ENAMETOOLONG;
		}
		if (plain) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

bool ft_peer_is(const char *peer, const char *ip)
{
	const char *colon;
	size_t n;

	if (!peer || !ip)
		return false;
	colon = strrchr(peer, ':');
	n = colon ? (size_t)(colon - peer) : strlen(peer);
	if (n > 1 && peer[0] == '[' && peer[n - 1] == ']') {
		peer++;
		n -= 2;
	}
	return strlen(ip) == n && strncmp(peer, ip, n) == 0;
}

const char *ft_download_type(const char *name, bool *inline_)
{
	static const char *const images[][2] = {
		{".jpg", "image/jpeg"},
		{".jpeg", "image/jpeg"},
		{".png", "image/png"},
		{".gif", "image/gif"},
	};
	const char *dot = name ? strrchr(name, '.') : NULL;
	bool shown = false;
	const char *type = "application/octet-stream";

	for (size_t i = 0; dot && !shown && i < sizeof(images) / sizeof(images[0]); i++)
		if (strcasecmp(dot, images[i][0]) == 0) {
			shown = true;
			type = images[i][1];
		}
	if (inline_)
		*inline_ = shown;
	return type;
}

int ft_sha1_text(const unsigned char md[20], char *out, size_t size)
{
	int err;

	if (!md || !out)
		return EINVAL;
	if (size < FT_HASH_SIZE) {
		if (size)
			out[0] = '\0';
		return ENOSPC;
	}
	memcpy(out, "sha-1:", 6);
	err = sylk_hex_pairs(md, 20, ':', out + 6, size - 6);
	if (err)
		out[0] = '\0';
	return err;
}

/* {"uri": ..., "display_name": ""}, NULL when memory is short */
static struct json_object *identity(const char *uri)
{
	struct json_object *o = json_object_new_object(), *u = json_object_new_string(uri),
			   *d = json_object_new_string("");

	if (o && u && !json_object_object_add(o, "uri", u)) {
		u = NULL;
		if (d && !json_object_object_add(o, "display_name", d))
			return o;
	}
	json_object_put(u);
	json_object_put(d);
	json_object_put(o);
	return NULL;
}

int ft_message_json(char **out, const struct ft_message *m)
{
	struct json_object *o;
	char ts[64];
	struct tm tm;
	int err = 0;

	if (!out)
		return EINVAL;
	*out = NULL;
	if (!m || !m->filename || !m->sender || !m->receiver || !m->transfer_id || !m->url ||
	    !m->filetype || !m->hash || !gmtime_r(&m->timestamp, &tm) ||
	    !strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S+00:00", &tm))
		return EINVAL;
	o = json_object_new_object();
	{
		/* in SylkServer's order */
		const struct {
			const char *key;
			struct json_object *v;
		} f[] = {
			{"filename", json_object_new_string(m->filename)},
			{"filesize", json_object_new_int64(m->filesize)},
			{"sender", identity(m->sender)},
			{"receiver", identity(m->receiver)},
			{"transfer_id", json_object_new_string(m->transfer_id)},
			{"timestamp", json_object_new_string(ts)},
			{"url", json_object_new_string(m->url)},
			{"filetype", json_object_new_string(m->filetype)},
			{"hash", json_object_new_string(m->hash)},
		};

		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			if (!err && o && f[i].v && !json_object_object_add(o, f[i].key, f[i].v))
				continue;
			json_object_put(f[i].v);
			err = ENOMEM;
		}
	}
	if (!err) {
		const char *s = json_object_to_json_string_ext(
			o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

		*out = s ? strdup(s) : NULL;
		err = *out ? 0 : ENOMEM;
	}
	json_object_put(o);
	return err;
}
