/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sylkrtc_request.c  sylkRTC requests: decode and validate
 *
 * The request keeps the json-c tree alive and its string fields point into
 * it, so decoding copies nothing but the list arrays. Normalised addresses
 * are suffixes of the original strings (only a scheme prefix is removed),
 * which is what makes that possible.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sylk_ws/sip/sip_aor.h"
#include "sylk_ws/sylkrtc/sylkrtc_request.h"
#include "sylk_ws/sylkrtc/json_keys.h"
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/base/chars.h"

/* Longest excerpt of a client value quoted in an error text. */
#define EXCERPT_MAX 64

/* The fixed SIP-side ranges a request can ask for. */
#define DTMF_DURATION_MAX 60000
#define MLINE_INDEX_MAX 65535
#define PASSWORD_MAX 9999

/* How a string field is checked. */
enum str_kind {
	STR_ID,   /* 1..SYLKRTC_ID_MAX, single line                   */
	STR_NAME, /* 1..SYLKRTC_LINE_MAX, single line                 */
	STR_LINE, /* 0..SYLKRTC_LINE_MAX, single line                 */
	STR_TEXT, /* any length, line breaks allowed (chat content)   */
	STR_SDP,  /* non-empty, line breaks allowed                   */
	STR_META, /* 0..SYLKRTC_METADATA_MAX characters, single line   */
};

struct parser {
	struct sylkrtc_error *err;
	struct json_object *root;
};

#define TRY(expr)                  \
	do {                       \
		int e_ = (expr);   \
		if (e_)            \
			return e_; \
	} while (0)


/* ---- names ---------------------------------------------------------------- */

const char *sylkrtc_version_name(enum sylkrtc_version ver)
{
	switch (ver) {
	case SYLKRTC_V1: return "sylkRTC-1";
	case SYLKRTC_V2: return "sylkRTC-2";
	}
	return NULL;
}

int sylkrtc_version_from_name(enum sylkrtc_version *ver, const char *name, size_t len)
{
	if (!ver || !name)
		return EINVAL;
	if (len == 9 && memcmp(name, "sylkRTC-1", 9) == 0)
		*ver = SYLKRTC_V1;
	else if (len == 9 && memcmp(name, "sylkRTC-2", 9) == 0)
		*ver = SYLKRTC_V2;
	else
		return EINVAL;
	return 0;
}

static const char *const imdn_names[] = {
	[SYLKRTC_IMDN_DELIVERED] = "delivered", [SYLKRTC_IMDN_FAILED] = "failed",
	[SYLKRTC_IMDN_DISPLAYED] = "displayed", [SYLKRTC_IMDN_FORBIDDEN] = "forbidden",
	[SYLKRTC_IMDN_ERROR] = "error",         NULL};

static const char *const ab_action_names[] = {[SYLKRTC_AB_ADD] = "add",
					      [SYLKRTC_AB_UPDATE] = "update",
					      [SYLKRTC_AB_DELETE] = "delete",
					      NULL};

static const char *const ab_type_names[] = {[SYLKRTC_AB_CONTACT] = "contact",
					    [SYLKRTC_AB_GROUP] = "group",
					    [SYLKRTC_AB_POLICY] = "policy",
					    NULL};

static const char *const composing_names[] =
	{[SYLKRTC_COMPOSING_ACTIVE] = "active", [SYLKRTC_COMPOSING_IDLE] = "idle", NULL};

static const char *enum_name(const char *const *names, size_t count, unsigned v)
{
	return v < count ? names[v] : NULL;
}

#define ENUM_NAME(tab, v) enum_name(tab, sizeof(tab) / sizeof(tab[0]) - 1, (unsigned)(v))

const char *sylkrtc_imdn_state_name(enum sylkrtc_imdn_state s)
{
	return ENUM_NAME(imdn_names, s);
}

const char *sylkrtc_ab_action_name(enum sylkrtc_ab_action a)
{
	return ENUM_NAME(ab_action_names, a);
}

const char *sylkrtc_ab_type_name(enum sylkrtc_ab_type t)
{
	return ENUM_NAME(ab_type_names, t);
}

const char *sylkrtc_composing_name(enum sylkrtc_composing c)
{
	return ENUM_NAME(composing_names, c);
}


/* ---- error reporting -------------------------------------------------------- */

static void error_reset(struct sylkrtc_error *err)
{
	err->code = SYLKRTC_ERR_NONE;
	err->type = SYLKRTC_REQ_NONE;
	err->has_transaction = false;
	err->transaction[0] = '\0';
	err->field[0] = '\0';
	err->text[0] = '\0';
}

/*
 * Copy at most EXCERPT_MAX bytes of a client value for quoting. The input is
 * known to be UTF-8, so cutting before a continuation byte keeps it UTF-8;
 * control characters become '?' so the text stays one readable line.
 */
static void excerpt(char *out, size_t size, const char *s, size_t len)
{
	size_t n = len;
	bool cut = false;

	if (size < 5) {
		if (size)
			out[0] = '\0';
		return;
	}
	if (n > EXCERPT_MAX || n > size - 4) {
		n = EXCERPT_MAX < size - 4 ? EXCERPT_MAX : size - 4;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		cut = true;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (cut) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static void set_field(struct sylkrtc_error *err, const char *path)
{
	snprintf(err->field, sizeof(err->field), "%s", path ? path : "");
}

__attribute__((format(printf, 4, 5))) static int fail(struct parser *p, enum sylkrtc_errcode code,
						      const char *path, const char *fmt, ...)
{
	va_list ap;

	p->err->code = code;
	set_field(p->err, path);
	va_start(ap, fmt);
	vsnprintf(p->err->text, sizeof(p->err->text), fmt, ap);
	va_end(ap);
	return code == SYLKRTC_ERR_NOMEM ? ENOMEM : EBADMSG;
}

static int fail_nomem(struct parser *p)
{
	return fail(p, SYLKRTC_ERR_NOMEM, NULL, "Out of memory");
}


/* ---- transaction recovery from text that is not valid JSON ------------------ */

struct scan {
	const char *s;
	size_t len;
	size_t i;
};

static void scan_ws(struct scan *sc)
{
	while (sc->i < sc->len && sc->s[sc->i] && strchr(" \t\r\n", sc->s[sc->i]))
		sc->i++;
}

/* A string starting at the opening quote; *escaped tells whether it held
 * a backslash (then its raw bytes are not its value). */
static bool scan_string(struct scan *sc, size_t *start, size_t *end, bool *escaped)
{
	if (sc->i >= sc->len || sc->s[sc->i] != '"')
		return false;
	*start = ++sc->i;
	*escaped = false;
	while (sc->i < sc->len) {
		unsigned char c = (unsigned char)sc->s[sc->i];
		if (c == '"') {
			*end = sc->i++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			*escaped = true;
			sc->i++;
		}
		sc->i++;
	}
	return false;
}

/* Skip any value without recursion: strings are skipped as units and
 * brackets only counted, which is all that is needed to find the next key. */
static bool scan_skip_value(struct scan *sc)
{
	size_t start, end;
	bool escaped;
	size_t depth = 0;

	do {
		scan_ws(sc);
		if (sc->i >= sc->len)
			return false;
		char c = sc->s[sc->i];
		if (c == '"') {
			if (!scan_string(sc, &start, &end, &escaped))
				return false;
		} else if (c == '{' || c == '[') {
			depth++;
			sc->i++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return false;
			depth--;
			sc->i++;
		} else if (c == ',' || c == ':') {
			if (depth == 0)
				return false;
			sc->i++;
		} else {
			size_t before = sc->i;
			while (sc->i < sc->len && !strchr(",:{}[]\" \t\r\n", sc->s[sc->i]))
				sc->i++;
			if (sc->i == before)
				return false;
		}
	} while (depth > 0);
	return true;
}

/*
 * Walk the top-level members of what should be an object, as far as they
 * are well formed, looking for "transaction" with a plain string value.
 * Only members that precede the damage are trusted, and only unescaped
 * values are taken, so a client never gets an error carrying a transaction
 * it did not write.
 */
static bool scan_transaction(struct sylkrtc_error *err, const char *buf, size_t len)
{
	struct scan sc = {buf, len, 0};
	size_t ks, ke, vs, ve;
	bool kesc, vesc;

	scan_ws(&sc);
	if (sc.i >= len || buf[sc.i] != '{')
		return false;
	sc.i++;
	for (;;) {
		scan_ws(&sc);
		if (!scan_string(&sc, &ks, &ke, &kesc))
			return false;
		scan_ws(&sc);
		if (sc.i >= len || buf[sc.i] != ':')
			return false;
		sc.i++;
		scan_ws(&sc);
		if (!kesc && ke - ks == 11 && memcmp(buf + ks, "transaction", 11) == 0) {
			if (!scan_string(&sc, &vs, &ve, &vesc) || vesc)
				return false;
			if (ve - vs > SYLKRTC_ID_MAX || !utf8_valid(buf + vs, ve - vs))
				return false;
			memcpy(err->transaction, buf + vs, ve - vs);
			err->transaction[ve - vs] = '\0';
			err->has_transaction = true;
			return true;
		}
		if (!scan_skip_value(&sc))
			return false;
		scan_ws(&sc);
		if (sc.i >= len || buf[sc.i] != ',')
			return false;
		sc.i++;
	}
}


/* ---- value checks ------------------------------------------------------------- */

static bool has_ctl(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

/* RFC 7230 token, which is also what RFC 3261 allows in a header name. */
static bool is_token(const char *s, size_t len)
{
	return chars_span(s, len, chars_http_tchar);
}

/* type "/" subtype, then optional parameters free of control characters. */
static bool content_type_valid(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	const char *semi;
	size_t rest;

	if (!slash || !is_token(s, (size_t)(slash - s)))
		return false;
	rest = len - (size_t)(slash - s) - 1;
	semi = memchr(slash + 1, ';', rest);
	if (!is_token(slash + 1, semi ? (size_t)(semi - slash - 1) : rest))
		return false;
	return !has_ctl(s, len);
}

static const char *type_word(enum json_type t)
{
	switch (t) {
	case json_type_string: return "a string";
	case json_type_int: return "an integer";
	case json_type_boolean: return "a boolean";
	case json_type_array: return "a list";
	case json_type_object: return "an object";
	default: return "a value";
	}
}

/*
 * Look up @p key in @p obj. Absent and null both give *out = NULL (null
 * means "not given" for optional fields, as SylkServer treats it); for a
 * mandatory field absent is MISSING and null is a wrong type.
 */
static int get_value(struct parser *p, struct json_object *obj, const char *key, const char *path,
		     bool mandatory, enum json_type want, struct json_object **out)
{
	struct json_object *v = NULL;
	bool present = json_object_object_get_ex(obj, key, &v);

	*out = NULL;
	if (!path)
		path = key;
	if (!present || !v) {
		if (!mandatory)
			return 0;
		if (!present)
			return fail(p, SYLKRTC_ERR_MISSING, path, "Missing mandatory field '%s'",
				    path);
		return fail(p, SYLKRTC_ERR_WRONG_TYPE, path,
			    "Invalid value for '%s': expected %s, got null", path, type_word(want));
	}
	if (!json_object_is_type(v, want))
		return fail(p, SYLKRTC_ERR_WRONG_TYPE, path, "Invalid value for '%s': expected %s",
			    path, type_word(want));
	*out = v;
	return 0;
}

static int check_str(struct parser *p, const char *path, const char *s, size_t len,
		     enum str_kind kind)
{
	if (strlen(s) != len)
		return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
			    "Invalid value for '%s': contains a NUL character", path);

	switch (kind) {
	case STR_ID:
		if (len == 0)
			return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
				    "Invalid value for '%s': must not be empty", path);
		if (len > SYLKRTC_ID_MAX)
			return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
				    "Invalid value for '%s': longer than %d bytes", path,
				    SYLKRTC_ID_MAX);
		break;
	case STR_NAME:
	case STR_LINE:
		if (kind == STR_NAME && len == 0)
			return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
				    "Invalid value for '%s': must not be empty", path);
		if (len > SYLKRTC_LINE_MAX)
			return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
				    "Invalid value for '%s': longer than %d bytes", path,
				    SYLKRTC_LINE_MAX);
		break;
	case STR_SDP:
		if (len == 0)
			return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
				    "Invalid value for '%s': must not be empty", path);
		return 0;
	case STR_META:
		if (utf8_chars(s, len) > SYLKRTC_METADATA_MAX)
			return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
				    "Invalid value for '%s': longer than %d characters", path,
				    SYLKRTC_METADATA_MAX);
		break;
	case STR_TEXT: return 0;
	}

	/* single-line values may end up in SIP headers: no CR/LF injection */
	if (has_ctl(s, len))
		return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
			    "Invalid value for '%s': contains control characters", path);
	return 0;
}

static int get_str_in(struct parser *p, struct json_object *obj, const char *key, const char *path,
		      bool mandatory, enum str_kind kind, const char **out)
{
	struct json_object *v;

	*out = NULL;
	if (!path)
		path = key;
	TRY(get_value(p, obj, key, path, mandatory, json_type_string, &v));
	if (!v)
		return 0;
	TRY(check_str(p, path, json_object_get_string(v), (size_t)json_object_get_string_len(v),
		      kind));
	*out = json_object_get_string(v);
	return 0;
}

static int need_str(struct parser *p, const char *key, enum str_kind kind, const char **out)
{
	return get_str_in(p, p->root, key, NULL, true, kind, out);
}

static int opt_str(struct parser *p, const char *key, enum str_kind kind, const char **out)
{
	return get_str_in(p, p->root, key, NULL, false, kind, out);
}

static int check_aor(struct parser *p, const char *path, const char *s, size_t len,
		     const char **out)
{
	struct sip_aor aor;
	enum sip_aor_reason aerr = SIP_AOR_BAD_CHAR;
	char ex[EXCERPT_MAX + 8];

	if (strlen(s) != len || sip_aor_decode(&aor, s, len, &aerr) != 0) {
		excerpt(ex, sizeof(ex), s, len);
		return fail(p, SYLKRTC_ERR_BAD_AOR, path,
			    "Invalid SIP address for '%s' (\"%s\"): %s", path, ex,
			    sip_aor_reason_str(aerr));
	}
	*out = aor.aor;
	return 0;
}

static int need_aor(struct parser *p, const char *key, const char **out)
{
	struct json_object *v;

	TRY(get_value(p, p->root, key, NULL, true, json_type_string, &v));
	return check_aor(p, key, json_object_get_string(v), (size_t)json_object_get_string_len(v),
			 out);
}

static int get_int_in(struct parser *p, struct json_object *obj, const char *key, const char *path,
		      bool mandatory, int64_t min, int64_t max, bool *has, int *out)
{
	struct json_object *v;
	int64_t n;

	if (!path)
		path = key;
	if (has)
		*has = false;
	TRY(get_value(p, obj, key, path, mandatory, json_type_int, &v));
	if (!v)
		return 0;
	/* json-c saturates out-of-range numbers, which the range check catches */
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
			    "Invalid value for '%s': must be between %lld and %lld", path,
			    (long long)min, (long long)max);
	*out = (int)n;
	if (has)
		*has = true;
	return 0;
}

static int get_bool_in(struct parser *p, struct json_object *obj, const char *key, const char *path,
		       bool *has, bool *out)
{
	struct json_object *v;

	if (has)
		*has = false;
	TRY(get_value(p, obj, key, path, false, json_type_boolean, &v));
	if (!v)
		return 0;
	*out = json_object_get_boolean(v);
	if (has)
		*has = true;
	return 0;
}

static int get_enum(struct parser *p, const char *key, const char *const *names, int *out)
{
	struct json_object *v;
	const char *s;
	char list[128] = "";
	char ex[EXCERPT_MAX + 8];

	TRY(get_value(p, p->root, key, NULL, true, json_type_string, &v));
	s = json_object_get_string(v);
	for (int i = 0; names[i]; i++) {
		if (strcmp(s, names[i]) == 0 &&
		    strlen(s) == (size_t)json_object_get_string_len(v)) {
			*out = i;
			return 0;
		}
	}
	for (int i = 0; names[i]; i++) {
		size_t used = strlen(list);
		snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "", names[i]);
	}
	excerpt(ex, sizeof(ex), s, (size_t)json_object_get_string_len(v));
	return fail(p, SYLKRTC_ERR_BAD_VALUE, key,
		    "Invalid value for '%s' (\"%s\"): must be one of %s", key, ex, list);
}

static int get_list(struct parser *p, const char *key, bool mandatory, struct json_object **out,
		    size_t *count)
{
	*count = 0;
	TRY(get_value(p, p->root, key, NULL, mandatory, json_type_array, out));
	if (!*out)
		return 0;
	*count = json_object_array_length(*out);
	if (*count > SYLKRTC_LIST_MAX)
		return fail(p, SYLKRTC_ERR_BAD_VALUE, key,
			    "Invalid value for '%s': more than %d items", key, SYLKRTC_LIST_MAX);
	return 0;
}

/* An item of a string list, type-checked, with its path for errors. */
static int list_str(struct parser *p, const char *key, struct json_object *list, size_t i,
		    char *path, size_t path_size, const char **s, size_t *len)
{
	struct json_object *item = json_object_array_get_idx(list, i);

	snprintf(path, path_size, "%s[%zu]", key, i);
	if (!item || !json_object_is_type(item, json_type_string))
		return fail(p, SYLKRTC_ERR_WRONG_TYPE, path,
			    "Invalid value for '%s': expected a string", path);
	*s = json_object_get_string(item);
	*len = (size_t)json_object_get_string_len(item);
	return 0;
}

static bool seen_before(const char **items, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(items[i], s) == 0)
			return true;
	}
	return false;
}

enum str_list_kind {
	LIST_TOKENS, /* header-name prefixes */
	LIST_IDS,    /* participant session ids */
	LIST_AORS,   /* addresses, normalised */
};

/*
 * A list of strings, duplicates dropped (after normalisation for
 * addresses) the way SylkServer's unique-items lists behave.
 */
static int get_str_list(struct parser *p, const char *key, bool mandatory, enum str_list_kind kind,
			const char ***out, size_t *count)
{
	struct json_object *list;
	size_t n;
	const char **items;
	char path[48];

	*out = NULL;
	*count = 0;
	TRY(get_list(p, key, mandatory, &list, &n));
	if (!list || n == 0)
		return 0;

	items = calloc(n, sizeof(*items));
	if (!items)
		return fail_nomem(p);
	/* owned by the request from here, so every later failure frees it */
	*out = items;

	for (size_t i = 0; i < n; i++) {
		const char *s = NULL, *norm = NULL;
		size_t len = 0;

		TRY(list_str(p, key, list, i, path, sizeof(path), &s, &len));
		switch (kind) {
		case LIST_TOKENS:
			if (strlen(s) != len || !is_token(s, len))
				return fail(p, SYLKRTC_ERR_BAD_VALUE, path,
					    "Invalid value for '%s': must be a header name prefix",
					    path);
			norm = s;
			break;
		case LIST_IDS:
			TRY(check_str(p, path, s, len, STR_ID));
			norm = s;
			break;
		case LIST_AORS: TRY(check_aor(p, path, s, len, &norm)); break;
		}
		if (!seen_before(items, *count, norm))
			items[(*count)++] = norm;
	}
	return 0;
}

static int get_candidates(struct parser *p, const char *key, struct sylkrtc_candidate **out,
			  size_t *count)
{
	struct json_object *list;
	size_t n;
	char path[48];

	*out = NULL;
	*count = 0;
	TRY(get_list(p, key, true, &list, &n));
	if (n == 0)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return fail_nomem(p);

	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		struct sylkrtc_candidate *c = &(*out)[i];
		char sub[64];

		snprintf(path, sizeof(path), "%s[%zu]", key, i);
		if (!item || !json_object_is_type(item, json_type_object))
			return fail(p, SYLKRTC_ERR_WRONG_TYPE, path,
				    "Invalid value for '%s': expected an object", path);
		snprintf(sub, sizeof(sub), "%s.candidate", path);
		TRY(get_str_in(p, item, "candidate", sub, true, STR_LINE, &c->candidate));
		snprintf(sub, sizeof(sub), "%s.sdpMid", path);
		TRY(get_str_in(p, item, "sdpMid", sub, true, STR_LINE, &c->sdp_mid));
		snprintf(sub, sizeof(sub), "%s.sdpMLineIndex", path);
		TRY(get_int_in(p, item, "sdpMLineIndex", sub, true, 0, MLINE_INDEX_MAX, NULL,
			       &c->sdp_mline_index));
		*count = i + 1;
	}
	return 0;
}

/*
 * Headers the SIP side builds itself. A browser-supplied copy would give
 * the message two Vias, a wrong Content-Length or someone else's
 * credentials, so extra headers may never be one of these (compact forms
 * included).
 */
static bool header_reserved(const char *name)
{
	static const char *const reserved[] = {"Via",
					       "v",
					       "From",
					       "f",
					       "To",
					       "t",
					       "Call-ID",
					       "i",
					       "CSeq",
					       "Contact",
					       "m",
					       "Content-Length",
					       "l",
					       "Content-Type",
					       "c",
					       "Content-Encoding",
					       "e",
					       "Max-Forwards",
					       "Route",
					       "Record-Route",
					       "Authorization",
					       "Proxy-Authorization",
					       "Expires",
					       "Event",
					       "o",
					       "Refer-To",
					       "r",
					       "Subscription-State",
					       "Allow-Events",
					       "u",
					       "Supported",
					       "k",
					       "Require",
					       "Proxy-Require",
					       "Session-Expires",
					       "x",
					       "Min-SE",
					       "RSeq",
					       "RAck",
					       NULL};

	for (int i = 0; reserved[i]; i++) {
		if (strcasecmp(name, reserved[i]) == 0)
			return true;
	}
	return false;
}

static int get_headers(struct parser *p, struct sylkrtc_request *r)
{
	struct json_object *list;
	size_t n;
	char path[48];

	TRY(get_list(p, "headers", false, &list, &n));
	if (!list || n == 0)
		return 0;
	r->headers = calloc(n, sizeof(*r->headers));
	if (!r->headers)
		return fail_nomem(p);

	for (size_t i = 0; i < n; i++) {
		struct json_object *item = json_object_array_get_idx(list, i);
		struct sylkrtc_header *h = &r->headers[i];
		char sub[64];

		snprintf(path, sizeof(path), "headers[%zu]", i);
		if (!item || !json_object_is_type(item, json_type_object))
			return fail(p, SYLKRTC_ERR_WRONG_TYPE, path,
				    "Invalid value for '%s': expected an object", path);
		snprintf(sub, sizeof(sub), "%s.name", path);
		TRY(get_str_in(p, item, "name", sub, true, STR_NAME, &h->name));
		if (!is_token(h->name, strlen(h->name)))
			return fail(p, SYLKRTC_ERR_BAD_VALUE, sub,
				    "Invalid value for '%s': not a SIP header name", sub);
		if (header_reserved(h->name))
			return fail(p, SYLKRTC_ERR_BAD_VALUE, sub,
				    "Invalid value for '%s': %s is set by the server", sub,
				    h->name);
		snprintf(sub, sizeof(sub), "%s.value", path);
		TRY(get_str_in(p, item, "value", sub, true, STR_LINE, &h->value));
		r->header_count = i + 1;
	}
	return 0;
}


/* ---- per-request field sets ------------------------------------------------ */

static int parse_nothing(struct parser *p, struct sylkrtc_request *r)
{
	(void)p;
	(void)r;
	return 0;
}

static int parse_account(struct parser *p, struct sylkrtc_request *r)
{
	return need_aor(p, "account", &r->account);
}

static int parse_account_add(struct parser *p, struct sylkrtc_request *r)
{
	struct json_object *v;
	size_t len;

	TRY(need_aor(p, "account", &r->account));
	TRY(get_value(p, p->root, "password", NULL, true, json_type_string, &v));
	len = (size_t)json_object_get_string_len(v);
	if (len == 0 || len > PASSWORD_MAX)
		return fail(p, SYLKRTC_ERR_BAD_VALUE, "password",
			    "Invalid value for 'password': length must be 1 to %d", PASSWORD_MAX);
	TRY(check_str(p, "password", json_object_get_string(v), len, STR_TEXT));
	if (has_ctl(json_object_get_string(v), len))
		return fail(p, SYLKRTC_ERR_BAD_VALUE, "password",
			    "Invalid value for 'password': contains control characters");
	r->password = json_object_get_string(v);
	TRY(opt_str(p, "display_name", STR_LINE, &r->display_name));
	TRY(opt_str(p, "user_agent", STR_LINE, &r->user_agent));
	return get_str_list(p, "incoming_header_prefixes", false, LIST_TOKENS, &r->header_prefixes,
			    &r->header_prefix_count);
}

static int parse_devicetoken(struct parser *p, struct sylkrtc_request *r)
{
	TRY(need_aor(p, "account", &r->account));
	TRY(need_str(p, "token", STR_NAME, &r->token));
	TRY(need_str(p, "platform", STR_NAME, &r->platform));
	TRY(need_str(p, "device", STR_NAME, &r->device));
	TRY(need_str(p, "app", STR_NAME, &r->app));
	return get_bool_in(p, p->root, "silent", NULL, NULL, &r->silent);
}

/* message_id, content, content_type: shared by every chat request */
static int parse_chat(struct parser *p, struct sylkrtc_request *r)
{
	TRY(need_str(p, "message_id", STR_ID, &r->message_id));
	TRY(need_str(p, "content", STR_TEXT, &r->content));
	TRY(need_str(p, "content_type", STR_NAME, &r->content_type));
	if (!content_type_valid(r->content_type, strlen(r->content_type)))
		return fail(p, SYLKRTC_ERR_BAD_VALUE, "content_type",
			    "Invalid value for 'content_type': not a MIME type");
	return 0;
}

/* the optional metadata of account-message and session-message: carried
 * in the CPIM envelope's agp.Metadata, so no line breaks (the official
 * clients fold them away before sending); "" is none */
static int parse_metadata(struct parser *p, struct sylkrtc_request *r)
{
	TRY(opt_str(p, "metadata", STR_META, &r->metadata));
	if (r->metadata && !*r->metadata)
		r->metadata = NULL;
	return 0;
}

static int parse_account_message(struct parser *p, struct sylkrtc_request *r)
{
	TRY(need_aor(p, "account", &r->account));
	TRY(need_aor(p, "uri", &r->uri));
	TRY(parse_chat(p, r));
	TRY(need_str(p, "timestamp", STR_NAME, &r->timestamp));
	return parse_metadata(p, r);
}

static int parse_disposition(struct parser *p, struct sylkrtc_request *r)
{
	int v;

	TRY(need_aor(p, "account", &r->account));
	TRY(need_aor(p, "uri", &r->uri));
	TRY(need_str(p, "message_id", STR_ID, &r->message_id));
	TRY(get_enum(p, "state", imdn_names, &v));
	r->imdn_state = (enum sylkrtc_imdn_state)v;
	return need_str(p, "timestamp", STR_NAME, &r->timestamp);
}

static int parse_lookup_public_key(struct parser *p, struct sylkrtc_request *r)
{
	return need_aor(p, "uri", &r->uri);
}

static int parse_sync_conversations(struct parser *p, struct sylkrtc_request *r)
{
	TRY(need_aor(p, "account", &r->account));
	TRY(opt_str(p, "message_id", STR_ID, &r->message_id));
	TRY(opt_str(p, "since", STR_NAME, &r->since));
	r->limit = 5000;
	return get_int_in(p, p->root, "limit", NULL, false, 0, INT_MAX, NULL, &r->limit);
}

static int parse_conversation(struct parser *p, struct sylkrtc_request *r)
{
	TRY(need_aor(p, "account", &r->account));
	return need_aor(p, "contact", &r->contact);
}

static int parse_remove_message(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_conversation(p, r));
	return need_str(p, "message_id", STR_ID, &r->message_id);
}

static int parse_update_addressbook(struct parser *p, struct sylkrtc_request *r)
{
	struct json_object *data;
	int v;

	TRY(need_aor(p, "account", &r->account));
	TRY(get_enum(p, "action", ab_action_names, &v));
	r->ab_action = (enum sylkrtc_ab_action)v;
	TRY(get_enum(p, "type", ab_type_names, &v));
	r->ab_type = (enum sylkrtc_ab_type)v;
	TRY(get_value(p, p->root, "data", NULL, true, json_type_object, &data));
	/* the string lives in the data object's print buffer, owned by root */
	r->data_json = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN |
								    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!r->data_json)
		return fail_nomem(p);
	return 0;
}

static int parse_session(struct parser *p, struct sylkrtc_request *r)
{
	return need_str(p, "session", STR_ID, &r->session);
}

static int parse_session_create(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	TRY(need_aor(p, "account", &r->account));
	TRY(need_aor(p, "uri", &r->uri));
	TRY(need_str(p, "sdp", STR_SDP, &r->sdp));
	return get_headers(p, r);
}

static int parse_session_sdp(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	TRY(need_str(p, "sdp", STR_SDP, &r->sdp));
	return get_headers(p, r);
}

static int parse_trickle(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	return get_candidates(p, "candidates", &r->candidates, &r->candidate_count);
}

static int parse_session_message(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	TRY(parse_chat(p, r));
	TRY(need_str(p, "timestamp", STR_NAME, &r->timestamp));
	return parse_metadata(p, r);
}

static int parse_dtmf(struct parser *p, struct sylkrtc_request *r)
{
	const char *digit;
	size_t n;

	TRY(parse_session(p, r));
	TRY(need_str(p, "digit", STR_NAME, &digit));
	n = strlen(digit);
	if (n < 1 || n > SYLKRTC_DTMF_MAX || strspn(digit, "0123456789*#ABCDabcd,") != n)
		return fail(p, SYLKRTC_ERR_BAD_VALUE, "digit",
			    "Invalid value for 'digit': 1 to 32 of 0-9, *, #, A-D (',' pauses)");
	for (size_t i = 0; i < n; i++)
		r->tones[i] = (digit[i] >= 'a' && digit[i] <= 'd') ? (char)(digit[i] - 'a' + 'A') :
								     digit[i];
	r->tones[n] = '\0';
	return get_int_in(p, p->root, "duration", NULL, false, 1, DTMF_DURATION_MAX, NULL,
			  &r->duration);
}

static int parse_videoroom_join(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	TRY(need_aor(p, "account", &r->account));
	TRY(need_aor(p, "uri", &r->uri));
	TRY(need_str(p, "sdp", STR_SDP, &r->sdp));
	r->audio = true;
	r->video = true;
	TRY(get_bool_in(p, p->root, "audio", NULL, NULL, &r->audio));
	return get_bool_in(p, p->root, "video", NULL, NULL, &r->video);
}

static int parse_feed_attach(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	TRY(need_str(p, "publisher", STR_ID, &r->publisher));
	return need_str(p, "feed", STR_ID, &r->feed);
}

static int parse_feed_answer(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	TRY(need_str(p, "feed", STR_ID, &r->feed));
	return need_str(p, "sdp", STR_SDP, &r->sdp);
}

static int parse_feed_detach(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	return need_str(p, "feed", STR_ID, &r->feed);
}

static int parse_videoroom_update(struct parser *p, struct sylkrtc_request *r)
{
	struct json_object *o;

	TRY(parse_session(p, r));
	TRY(get_value(p, p->root, "options", NULL, true, json_type_object, &o));
	TRY(get_bool_in(p, o, "audio", "options.audio", &r->options.has_audio, &r->options.audio));
	TRY(get_bool_in(p, o, "video", "options.video", &r->options.has_video, &r->options.video));
	return get_int_in(p, o, "bitrate", "options.bitrate", false, 0, INT_MAX,
			  &r->options.has_bitrate, &r->options.bitrate);
}

static int parse_videoroom_configure(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	TRY(get_str_list(p, "active_participants", true, LIST_IDS, &r->active_participants,
			 &r->active_participant_count));
	if (r->active_participant_count > 2)
		return fail(p, SYLKRTC_ERR_BAD_VALUE, "active_participants",
			    "Invalid value for 'active_participants': at most 2 participants");
	return 0;
}

static int parse_videoroom_invite(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	return get_str_list(p, "participants", true, LIST_AORS, &r->participants,
			    &r->participant_count);
}

static int parse_mute_participant(struct parser *p, struct sylkrtc_request *r)
{
	bool has = false;

	TRY(parse_session(p, r));
	TRY(need_str(p, "participant_id", STR_ID, &r->participant_id));
	TRY(get_bool_in(p, p->root, "muted", NULL, &has, &r->muted));
	if (!has)
		return fail(p, SYLKRTC_ERR_MISSING, "muted", "Missing mandatory field 'muted'");
	return 0;
}

static int parse_videoroom_message(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	return parse_chat(p, r);
}

static int parse_composing(struct parser *p, struct sylkrtc_request *r)
{
	int v;

	TRY(parse_session(p, r));
	TRY(get_enum(p, "state", composing_names, &v));
	r->composing = (enum sylkrtc_composing)v;
	return get_int_in(p, p->root, "refresh", NULL, false, 0, INT_MAX, &r->has_refresh,
			  &r->refresh);
}

static int parse_toggle_hand(struct parser *p, struct sylkrtc_request *r)
{
	TRY(parse_session(p, r));
	return opt_str(p, "session_id", STR_ID, &r->session_id);
}


/* ---- request table --------------------------------------------------------- */

struct req_desc {
	const char *name;
	enum sylkrtc_version min_ver;
	int (*parse)(struct parser *p, struct sylkrtc_request *r);
};

static const struct req_desc req_descs[SYLKRTC_REQ_COUNT] = {
	[SYLKRTC_REQ_PING] = {"ping", SYLKRTC_V1, parse_nothing},

	[SYLKRTC_REQ_ACCOUNT_ADD] = {"account-add", SYLKRTC_V1, parse_account_add},
	[SYLKRTC_REQ_ACCOUNT_REMOVE] = {"account-remove", SYLKRTC_V1, parse_account},
	[SYLKRTC_REQ_ACCOUNT_REGISTER] = {"account-register", SYLKRTC_V1, parse_account},
	[SYLKRTC_REQ_ACCOUNT_UNREGISTER] = {"account-unregister", SYLKRTC_V1, parse_account},
	[SYLKRTC_REQ_ACCOUNT_DEVICETOKEN] = {"account-devicetoken", SYLKRTC_V2, parse_devicetoken},

	[SYLKRTC_REQ_ACCOUNT_MESSAGE] = {"account-message", SYLKRTC_V2, parse_account_message},
	[SYLKRTC_REQ_ACCOUNT_DISPOSITION_NOTIFICATION] = {"account-disposition-notification",
							  SYLKRTC_V2, parse_disposition},
	[SYLKRTC_REQ_ACCOUNT_SYNC_CONVERSATIONS] = {"account-sync-conversations", SYLKRTC_V2,
						    parse_sync_conversations},
	[SYLKRTC_REQ_ACCOUNT_MARK_CONVERSATION_READ] = {"account-mark-conversation-read",
							SYLKRTC_V2, parse_conversation},
	[SYLKRTC_REQ_ACCOUNT_REMOVE_MESSAGE] = {"account-remove-message", SYLKRTC_V2,
						parse_remove_message},
	[SYLKRTC_REQ_ACCOUNT_REMOVE_CONVERSATION] = {"account-remove-conversation", SYLKRTC_V2,
						     parse_conversation},
	[SYLKRTC_REQ_ACCOUNT_FETCH_ADDRESSBOOK] = {"account-fetch-addressbook", SYLKRTC_V2,
						   parse_account},
	[SYLKRTC_REQ_ACCOUNT_UPDATE_ADDRESSBOOK] = {"account-update-addressbook", SYLKRTC_V2,
						    parse_update_addressbook},
	[SYLKRTC_REQ_LOOKUP_PUBLIC_KEY] = {"lookup-public-key", SYLKRTC_V2,
					   parse_lookup_public_key},

	[SYLKRTC_REQ_SESSION_CREATE] = {"session-create", SYLKRTC_V1, parse_session_create},
	[SYLKRTC_REQ_SESSION_ANSWER] = {"session-answer", SYLKRTC_V1, parse_session_sdp},
	[SYLKRTC_REQ_SESSION_TRICKLE] = {"session-trickle", SYLKRTC_V1, parse_trickle},
	[SYLKRTC_REQ_SESSION_TERMINATE] = {"session-terminate", SYLKRTC_V1, parse_session},
	[SYLKRTC_REQ_SESSION_UPDATE] = {"session-update", SYLKRTC_V2, parse_session_sdp},
	[SYLKRTC_REQ_SESSION_MESSAGE] = {"session-message", SYLKRTC_V2, parse_session_message},
	[SYLKRTC_REQ_SESSION_DTMF_INFO] = {"session-dtmf-info", SYLKRTC_V2, parse_dtmf},

	[SYLKRTC_REQ_VIDEOROOM_JOIN] = {"videoroom-join", SYLKRTC_V2, parse_videoroom_join},
	[SYLKRTC_REQ_VIDEOROOM_LEAVE] = {"videoroom-leave", SYLKRTC_V2, parse_session},
	[SYLKRTC_REQ_VIDEOROOM_FEED_ATTACH] = {"videoroom-feed-attach", SYLKRTC_V2,
					       parse_feed_attach},
	[SYLKRTC_REQ_VIDEOROOM_FEED_ANSWER] = {"videoroom-feed-answer", SYLKRTC_V2,
					       parse_feed_answer},
	[SYLKRTC_REQ_VIDEOROOM_FEED_DETACH] = {"videoroom-feed-detach", SYLKRTC_V2,
					       parse_feed_detach},
	[SYLKRTC_REQ_VIDEOROOM_SESSION_TRICKLE] = {"videoroom-session-trickle", SYLKRTC_V2,
						   parse_trickle},
	[SYLKRTC_REQ_VIDEOROOM_SESSION_UPDATE] = {"videoroom-session-update", SYLKRTC_V2,
						  parse_videoroom_update},
	[SYLKRTC_REQ_VIDEOROOM_CONFIGURE] = {"videoroom-configure", SYLKRTC_V2,
					     parse_videoroom_configure},
	[SYLKRTC_REQ_VIDEOROOM_INVITE] = {"videoroom-invite", SYLKRTC_V2, parse_videoroom_invite},
	[SYLKRTC_REQ_VIDEOROOM_MESSAGE] = {"videoroom-message", SYLKRTC_V2,
					   parse_videoroom_message},
	[SYLKRTC_REQ_VIDEOROOM_COMPOSING_INDICATION] = {"videoroom-composing-indication",
							SYLKRTC_V2, parse_composing},
	[SYLKRTC_REQ_VIDEOROOM_MUTE_AUDIO_PARTICIPANTS] = {"videoroom-mute-audio-participants",
							   SYLKRTC_V2, parse_session},
	[SYLKRTC_REQ_VIDEOROOM_TOGGLE_HAND] = {"videoroom-toggle-hand", SYLKRTC_V2,
					       parse_toggle_hand},
	/* the participants list of videoroom-invite: AORs, unique */
	[SYLKRTC_REQ_VIDEOROOM_REMOVE] = {"videoroom-remove", SYLKRTC_V2, parse_videoroom_invite},
	[SYLKRTC_REQ_VIDEOROOM_MUTE_PARTICIPANT] = {"videoroom-mute-participant", SYLKRTC_V2,
						    parse_mute_participant},
};

const char *sylkrtc_req_type_name(enum sylkrtc_req_type type)
{
	if ((unsigned)type >= SYLKRTC_REQ_COUNT)
		return NULL;
	return req_descs[type].name;
}

enum sylkrtc_req_type sylkrtc_req_type_from_name(const char *name)
{
	if (!name)
		return SYLKRTC_REQ_NONE;
	for (unsigned t = 1; t < SYLKRTC_REQ_COUNT; t++) {
		if (strcmp(req_descs[t].name, name) == 0)
			return (enum sylkrtc_req_type)t;
	}
	return SYLKRTC_REQ_NONE;
}

enum sylkrtc_version sylkrtc_req_type_min_version(enum sylkrtc_req_type type)
{
	if (type == SYLKRTC_REQ_NONE || (unsigned)type >= SYLKRTC_REQ_COUNT)
		return 0;
	return req_descs[type].min_ver;
}


/* ---- decoding ------------------------------------------------------------------ */

void sylkrtc_request_free(struct sylkrtc_request *req)
{
	if (!req)
		return;
	free(req->header_prefixes);
	free(req->headers);
	free(req->candidates);
	free(req->participants);
	free(req->active_participants);
	json_object_put(req->root_);
	free(req);
}

/* Text -> JSON value, refusing what json-c alone would let through. */
static int parse_json(struct parser *p, const char *buf, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (len == 0)
		return fail(p, SYLKRTC_ERR_JSON, NULL, "Invalid JSON: empty message");
	/* json-c stops at a NUL and would judge only the prefix */
	if (memchr(buf, '\0', len))
		return fail(p, SYLKRTC_ERR_JSON, NULL, "Invalid JSON: contains a NUL byte");
	/* json-c's own check lets UTF-8-encoded surrogates through */
	if (!utf8_valid(buf, len))
		return fail(p, SYLKRTC_ERR_JSON, NULL, "Invalid JSON: not valid UTF-8");

	tok = json_tokener_new_ex(SYLKRTC_REQUEST_MAX_DEPTH);
	if (!tok)
		return fail_nomem(p);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, buf, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!o && jerr == json_tokener_continue) {
		/* a bare number has no end of its own: tell json-c the input ended */
		o = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);

	if (jerr != json_tokener_success) {
		json_object_put(o);
		if (jerr == json_tokener_continue)
			return fail(p, SYLKRTC_ERR_JSON, NULL, "Invalid JSON: incomplete");
		return fail(p, SYLKRTC_ERR_JSON, NULL, "Invalid JSON: %s",
			    json_tokener_error_desc(jerr));
	}
	if (end != len) {
		json_object_put(o);
		return fail(p, SYLKRTC_ERR_JSON, NULL, "Invalid JSON: trailing data");
	}
	/* json-c represents a JSON null as no object at all */
	if (!o)
		return fail(p, SYLKRTC_ERR_NOT_OBJECT, NULL, "Message is not a JSON object");
	*out = o;
	return 0;
}

/* Copy the transaction into the error as soon as the object is known, so
 * every later failure can still be answered with it. */
static void recover_transaction(struct parser *p)
{
	struct json_object *v;
	size_t len;

	if (!json_object_object_get_ex(p->root, "transaction", &v) || !v ||
	    !json_object_is_type(v, json_type_string))
		return;
	len = (size_t)json_object_get_string_len(v);
	if (len > SYLKRTC_ID_MAX || strlen(json_object_get_string(v)) != len)
		return;
	memcpy(p->err->transaction, json_object_get_string(v), len + 1);
	p->err->has_transaction = true;
}

/* json-c keeps the last of repeated names silently: refuse them instead */
static int refuse_duplicate_keys(struct parser *p, const char *buf, size_t len)
{
	char dup[64];

	switch (json_find_duplicate_key(buf, len, dup, sizeof(dup))) {
	case 0: return 0;
	case EEXIST:
		/* which of two transactions would be the client's? neither */
		if (strcmp(dup, "transaction") != 0)
			recover_transaction(p);
		return fail(p, SYLKRTC_ERR_JSON, NULL, "Invalid JSON: duplicate key '%s'", dup);
	default: return fail_nomem(p);
	}
}

static int decode_object(struct parser *p, struct sylkrtc_request *r, enum sylkrtc_version ver)
{
	struct json_object *v;
	const char *name;
	enum sylkrtc_req_type type;
	char ex[EXCERPT_MAX + 8];

	if (!json_object_is_type(p->root, json_type_object))
		return fail(p, SYLKRTC_ERR_NOT_OBJECT, NULL, "Message is not a JSON object");
	recover_transaction(p);

	if (!json_object_object_get_ex(p->root, "sylkrtc", &v))
		return fail(p, SYLKRTC_ERR_NO_TYPE, "sylkrtc", "Missing message type ('sylkrtc')");
	if (!v || !json_object_is_type(v, json_type_string))
		return fail(p, SYLKRTC_ERR_WRONG_TYPE, "sylkrtc",
			    "Invalid value for 'sylkrtc': expected a string");
	name = json_object_get_string(v);
	type = sylkrtc_req_type_from_name(name);
	if (type == SYLKRTC_REQ_NONE || strlen(name) != (size_t)json_object_get_string_len(v)) {
		excerpt(ex, sizeof(ex), name, (size_t)json_object_get_string_len(v));
		return fail(p, SYLKRTC_ERR_UNKNOWN_TYPE, "sylkrtc", "Unknown request type: \"%s\"",
			    ex);
	}
	p->err->type = type;
	if (ver < req_descs[type].min_ver)
		return fail(p, SYLKRTC_ERR_UNSUPPORTED, "sylkrtc",
			    "Request %s is not available in %s", req_descs[type].name,
			    sylkrtc_version_name(ver));

	r->version = ver;
	r->type = type;
	TRY(need_str(p, "transaction", STR_ID, &r->transaction));
	return req_descs[type].parse(p, r);
}

int sylkrtc_request_decode(struct sylkrtc_request **reqp, struct sylkrtc_error *err,
			   enum sylkrtc_version ver, const char *buf, size_t len)
{
	struct sylkrtc_error dummy;
	struct parser p;
	struct sylkrtc_request *r;
	int rc;

	if (!err)
		err = &dummy;
	error_reset(err);
	p.err = err;
	p.root = NULL;
	if (!reqp || !sylkrtc_version_name(ver) || (!buf && len)) {
		snprintf(err->text, sizeof(err->text), "Internal error");
		return EINVAL;
	}
	*reqp = NULL;

	if (len > SYLKRTC_REQUEST_MAX_SIZE) {
		scan_transaction(err, buf, SYLKRTC_REQUEST_MAX_SIZE);
		return fail(&p, SYLKRTC_ERR_TOO_BIG, NULL, "Message too large: %zu bytes, limit %d",
			    len, SYLKRTC_REQUEST_MAX_SIZE);
	}

	rc = parse_json(&p, buf, len, &p.root);
	if (rc) {
		if (rc == EBADMSG)
			scan_transaction(err, buf, len);
		return rc;
	}

	rc = refuse_duplicate_keys(&p, buf, len);
	if (rc) {
		json_object_put(p.root);
		return rc;
	}

	r = calloc(1, sizeof(*r));
	if (!r) {
		recover_transaction(&p);
		json_object_put(p.root);
		return fail_nomem(&p);
	}
	r->root_ = p.root;

	rc = decode_object(&p, r, ver);
	if (rc) {
		sylkrtc_request_free(r);
		return rc;
	}
	error_reset(err);
	*reqp = r;
	return 0;
}
