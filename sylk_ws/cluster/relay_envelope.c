/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sylk_ws/base/hostport.h"
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/cluster/relay_envelope.h"

#define ENVELOPE_MAX_DEPTH 8

static const char *const kind_names[] = {
	[RELAY_REQUEST] = "request",
	[RELAY_EVENT] = "event",
	[RELAY_CLOSED] = "closed",
	[RELAY_PING] = "ping",
	[RELAY_INVITE] = "invite",
};

const char *relay_kind_name(enum relay_kind kind)
{
	if (kind < RELAY_REQUEST || kind > RELAY_INVITE)
		return "?";
	return kind_names[kind];
}

static int kind_from_name(const char *s)
{
	for (int k = RELAY_REQUEST; k <= RELAY_INVITE; k++)
		if (strcmp(s, kind_names[k]) == 0)
			return k;
	return 0;
}

/* what a cluster node's host may be written with: a name, IPv4, IPv6 */
static bool node_host_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '.' || c == '-' || c == ':';
}

int relay_node_valid(const char *node)
{
	size_t n = node ? strlen(node) : 0;
	struct hostport hp;
	uint16_t port;

	if (n < 3 || n >= RELAY_NODE_SIZE || hostport_split(&hp, node, n) != 0 || !hp.port)
		return 0;
	for (size_t i = 0; i < hp.host_len; i++)
		if (!node_host_char(hp.host[i]))
			return 0;
	return hostport_port(&port, hp.port, hp.port_len) == 0;
}

/* a single-line name: what a display name or an AOR may be */
static int line_valid(const char *s, size_t max)
{
	size_t n = strlen(s);

	return n <= max && utf8_valid(s, n) && !strpbrk(s, "\r\n");
}

/* ---- encoding ----------------------------------------------------------------- */

static int add_str(struct json_object *o, const char *key, const char *val)
{
	struct json_object *v = json_object_new_string(val);

	if (!v || json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return ENOMEM;
	}
	return 0;
}

static int add_int(struct json_object *o, const char *key, int val)
{
	struct json_object *v = json_object_new_int(val);

	if (!v || json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		return ENOMEM;
	}
	return 0;
}

/* what carries a frame */
static int has_text(enum relay_kind kind)
{
	return kind == RELAY_REQUEST || kind == RELAY_EVENT || kind == RELAY_INVITE;
}

static int item_valid(const struct relay_item *it)
{
	if (it->kind < RELAY_REQUEST || it->kind > RELAY_INVITE || it->conn < 0)
		return 0;
	if (it->kind == RELAY_REQUEST && (it->version < 1 || it->version > 2))
		return 0;
	if (has_text(it->kind) && (!it->text || !it->text[0] || strlen(it->text) > RELAY_TEXT_MAX))
		return 0;
	if (it->kind == RELAY_INVITE && !it->account)
		return 0;
	if (it->account && !line_valid(it->account, RELAY_NAME_MAX))
		return 0;
	return !it->display_name || line_valid(it->display_name, RELAY_NAME_MAX);
}

static int encode_item(struct json_object **out, const struct relay_item *it)
{
	struct json_object *o = json_object_new_object();
	int err = o ? 0 : ENOMEM;

	if (!err)
		err = add_str(o, "kind", relay_kind_name(it->kind));
	if (!err && it->kind != RELAY_PING)
		err = add_int(o, "conn", it->conn);
	if (!err && it->kind == RELAY_REQUEST)
		err = add_int(o, "version", it->version);
	if (!err && (it->kind == RELAY_REQUEST || it->kind == RELAY_INVITE) && it->account)
		err = add_str(o, "account", it->account);
	if (!err && it->kind == RELAY_REQUEST && it->display_name)
		err = add_str(o, "display_name", it->display_name);
	if (!err && has_text(it->kind))
		err = add_str(o, "text", it->text);
	if (err) {
		json_object_put(o);
		return err;
	}
	*out = o;
	return 0;
}

static size_t len_or_0(const char *s)
{
	return s ? strlen(s) : 0;
}

size_t relay_item_bytes(const struct relay_item *it)
{
	return len_or_0(it->account) + len_or_0(it->display_name) + len_or_0(it->text) + 64;
}

size_t relay_items_fit(const struct relay_item *items, size_t n, size_t max_bytes)
{
	size_t k = 0, bytes = 0;

	while (k < n && k < RELAY_ITEMS_MAX) {
		size_t size = relay_item_bytes(&items[k]);

		if (k && bytes + size > max_bytes)
			break;
		bytes += size;
		k++;
	}
	return k;
}

int relay_batch_encode(char **out, const char *node, const struct relay_item *items, size_t n)
{
	struct json_object *root = NULL, *list = NULL, *o;
	const char *text;
	int err = 0;

	*out = NULL;
	if (!relay_node_valid(node) || n == 0 || n > RELAY_ITEMS_MAX)
		return EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!item_valid(&items[i]))
			return EINVAL;
	if (!(root = json_object_new_object()) || !(list = json_object_new_array())) {
		err = ENOMEM;
		goto out;
	}
	if ((err = add_int(root, "sylk-relay", 1)) || (err = add_str(root, "node", node)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if ((err = encode_item(&o, &items[i])))
			goto out;
		if (json_object_array_add(list, o) != 0) {
			json_object_put(o);
			err = ENOMEM;
			goto out;
		}
	}
	if (json_object_object_add(root, "items", list) != 0) {
		err = ENOMEM;
		goto out;
	}
	list = NULL;
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || !(*out = strdup(text)))
		err = ENOMEM;
out:
	json_object_put(list);
	json_object_put(root);
	return err;
}

/* ---- decoding ----------------------------------------------------------------- */

static int bad(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return EBADMSG;
}

static int parse(struct json_object **out, const char *data, size_t len, char *why, size_t size)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (len == 0 || len > INT_MAX || memchr(data, '\0', len) || !utf8_valid(data, len))
		return bad(why, size, "not a JSON text in UTF-8");
	if (!(tok = json_tokener_new_ex(ENVELOPE_MAX_DEPTH)))
		return ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, data, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (jerr != json_tokener_success || end != len || !o ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return bad(why, size, "not a JSON object");
	}
	*out = o;
	return 0;
}

/* a string member, copied; absent is fine unless @p required */
static int get_str(char **dst, struct json_object *o, const char *key, int required, size_t max,
		   char *why, size_t size)
{
	struct json_object *v;
	const char *s;

	*dst = NULL;
	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return required ? bad(why, size, "no \"%s\"", key) : 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(why, size, "\"%s\" is not a string", key);
	s = json_object_get_string(v);
	if ((size_t)json_object_get_string_len(v) > max || strlen(s) != (size_t)json_object_get_string_len(v))
		return bad(why, size, "\"%s\" too long or has a NUL", key);
	return (*dst = strdup(s)) ? 0 : ENOMEM;
}

static int get_int(int *dst, struct json_object *o, const char *key, int min, int max, char *why,
		   size_t size)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return bad(why, size, "no integer \"%s\"", key);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return bad(why, size, "\"%s\" out of range", key);
	*dst = (int)n;
	return 0;
}

static int decode_item(struct relay_item *it, struct json_object *o, size_t i, char *why,
		       size_t size)
{
	char *kind = NULL;
	int err;

	if (!json_object_is_type(o, json_type_object))
		return bad(why, size, "item %zu is not an object", i);
	if ((err = get_str(&kind, o, "kind", 1, 16, why, size)))
		return err;
	it->kind = kind_from_name(kind);
	free(kind);
	if (!it->kind)
		return bad(why, size, "item %zu: unknown kind", i);
	if (it->kind == RELAY_PING)
		return 0;
	if ((err = get_int(&it->conn, o, "conn", 0, INT_MAX, why, size)))
		return err;
	if (it->kind == RELAY_CLOSED)
		return 0;
	if ((err = get_str(&it->text, o, "text", 1, RELAY_TEXT_MAX, why, size)))
		return err;
	if (!it->text[0])
		return bad(why, size, "item %zu: empty text", i);
	if (it->kind == RELAY_EVENT)
		return 0;
	if (it->kind == RELAY_INVITE) {
		if ((err = get_str(&it->account, o, "account", 1, RELAY_NAME_MAX, why, size)))
			return err;
		if (!it->account[0] || strpbrk(it->account, "\r\n"))
			return bad(why, size, "item %zu: not an account", i);
		return 0;
	}
	if ((err = get_int(&it->version, o, "version", 1, 2, why, size)) ||
	    (err = get_str(&it->account, o, "account", 0, RELAY_NAME_MAX, why, size)) ||
	    (err = get_str(&it->display_name, o, "display_name", 0, RELAY_NAME_MAX, why, size)))
		return err;
	if ((it->account && strpbrk(it->account, "\r\n")) ||
	    (it->display_name && strpbrk(it->display_name, "\r\n")))
		return bad(why, size, "item %zu: a name with a line break", i);
	return 0;
}

static int decode_root(struct relay_batch *b, struct json_object *root, char *why, size_t size)
{
	struct json_object *list;
	int version, err;
	size_t n;

	if ((err = get_int(&version, root, "sylk-relay", 1, 1, why, size)))
		return err;
	if ((err = get_str(&b->node, root, "node", 1, RELAY_NODE_SIZE - 1, why, size)))
		return err;
	if (!relay_node_valid(b->node))
		return bad(why, size, "\"node\" is not host:port");
	if (!json_object_object_get_ex(root, "items", &list) ||
	    !json_object_is_type(list, json_type_array))
		return bad(why, size, "no \"items\" array");
	n = json_object_array_length(list);
	if (n == 0 || n > RELAY_ITEMS_MAX)
		return bad(why, size, "%zu items (1 to %d)", n, RELAY_ITEMS_MAX);
	if (!(b->items = calloc(n, sizeof(*b->items))))
		return ENOMEM;
	for (size_t i = 0; i < n; i++) {
		b->count = i + 1; /* what relay_batch_free() must look at */
		if ((err = decode_item(&b->items[i], json_object_array_get_idx(list, i), i, why,
				       size)))
			return err;
	}
	return 0;
}

int relay_batch_decode(struct relay_batch **out, const char *data, size_t len, char *why,
		       size_t why_size)
{
	struct json_object *root = NULL;
	struct relay_batch *b = NULL;
	int err;

	*out = NULL;
	if (why && why_size)
		why[0] = '\0';
	if ((err = parse(&root, data, len, why, why_size)))
		goto out;
	if (!(b = calloc(1, sizeof(*b)))) {
		err = ENOMEM;
		goto out;
	}
	if ((err = decode_root(b, root, why, why_size)))
		goto out;
	*out = b;
	b = NULL;
out:
	relay_batch_free(b);
	json_object_put(root);
	return err;
}

void relay_batch_free(struct relay_batch *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->count; i++) {
		free(b->items[i].account);
		free(b->items[i].display_name);
		free(b->items[i].text);
	}
	free(b->items);
	free(b->node);
	free(b);
}
