/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bencode encoder and decoder; see bencode.h for the contract. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/ng/bencode.h"

const char *benc_reason_str(enum benc_reason reason)
{
	switch (reason) {
	case BENC_R_OK: return "success";
	case BENC_R_NOMEM: return "out of memory";
	case BENC_R_INVAL: return "invalid argument";
	case BENC_R_TRUNC: return "input truncated";
	case BENC_R_SYNTAX: return "syntax error";
	case BENC_R_INT: return "malformed number";
	case BENC_R_RANGE: return "integer out of range";
	case BENC_R_LENGTH: return "string too long";
	case BENC_R_DEPTH: return "nesting too deep";
	case BENC_R_NODES: return "too many values";
	case BENC_R_KEY: return "bad or duplicate dict key";
	case BENC_R_TRAILING: return "trailing bytes after value";
	default: return "unknown error";
	}
}

int benc_reason_errno(enum benc_reason reason)
{
	switch (reason) {
	case BENC_R_OK: return 0;
	case BENC_R_NOMEM: return ENOMEM;
	case BENC_R_INVAL: return EINVAL;
	case BENC_R_LENGTH:
	case BENC_R_DEPTH:
	case BENC_R_NODES: return EMSGSIZE;
	default: return EBADMSG;
	}
}


/* ---- encoder ---------------------------------------------------------- */

struct benc_enc {
	uint8_t *buf;
	size_t len;
	size_t size;
	int err;
	unsigned depth;
	/* Per open container: 'd' or 'l', and for dicts whether a key was
	 * written that still waits for its value. */
	char kind[BENC_ENC_MAX_DEPTH];
	bool key_pending[BENC_ENC_MAX_DEPTH];
};

int benc_enc_alloc(struct benc_enc **encp, size_t size_hint)
{
	struct benc_enc *enc;

	if (!encp)
		return EINVAL;

	enc = calloc(1, sizeof(*enc));
	if (!enc)
		return ENOMEM;

	enc->size = size_hint ? size_hint : 256;
	enc->buf = malloc(enc->size);
	if (!enc->buf) {
		free(enc);
		return ENOMEM;
	}

	*encp = enc;
	return 0;
}

void benc_enc_free(struct benc_enc *enc)
{
	if (!enc)
		return;
	free(enc->buf);
	free(enc);
}

void benc_enc_reset(struct benc_enc *enc)
{
	if (!enc)
		return;
	enc->len = 0;
	enc->err = 0;
	enc->depth = 0;
}

static int enc_fail(struct benc_enc *enc, int err)
{
	enc->err = err;
	return err;
}

static int enc_write(struct benc_enc *enc, const void *p, size_t n)
{
	if (n > enc->size - enc->len) {
		size_t need, size = enc->size;
		uint8_t *buf;

		if (n > SIZE_MAX - enc->len)
			return enc_fail(enc, ENOMEM);
		need = enc->len + n;
		while (size < need)
			size = size > SIZE_MAX / 2 ? need : size * 2;

		buf = realloc(enc->buf, size);
		if (!buf)
			return enc_fail(enc, ENOMEM);
		enc->buf = buf;
		enc->size = size;
	}

	if (n)
		memcpy(enc->buf + enc->len, p, n);
	enc->len += n;
	return 0;
}

/* Updates the parent's key/value alternation before a value is written, so
 * structural mistakes are caught at the call that makes them. */
static int enc_enter_value(struct benc_enc *enc, bool is_str)
{
	unsigned top;

	if (enc->err)
		return enc->err;
	if (enc->depth == 0)
		return 0;

	top = enc->depth - 1;
	if (enc->kind[top] != 'd')
		return 0;

	if (!enc->key_pending[top]) {
		if (!is_str)
			return enc_fail(enc, EPROTO);
		enc->key_pending[top] = true;
	} else {
		enc->key_pending[top] = false;
	}
	return 0;
}

int benc_enc_strn(struct benc_enc *enc, const void *p, size_t len)
{
	char hdr[24];
	int err, n;

	if (!enc || (!p && len))
		return EINVAL;

	err = enc_enter_value(enc, true);
	if (err)
		return err;

	n = snprintf(hdr, sizeof(hdr), "%zu:", len);
	err = enc_write(enc, hdr, (size_t)n);
	if (err)
		return err;

	return enc_write(enc, p, len);
}

int benc_enc_str(struct benc_enc *enc, const char *s)
{
	if (!enc || !s)
		return EINVAL;
	return benc_enc_strn(enc, s, strlen(s));
}

int benc_enc_int(struct benc_enc *enc, int64_t v)
{
	char tmp[32];
	int err, n;

	if (!enc)
		return EINVAL;

	err = enc_enter_value(enc, false);
	if (err)
		return err;

	n = snprintf(tmp, sizeof(tmp), "i%" PRId64 "e", v);
	return enc_write(enc, tmp, (size_t)n);
}

static int enc_begin(struct benc_enc *enc, char kind)
{
	int err;

	if (!enc)
		return EINVAL;

	err = enc_enter_value(enc, false);
	if (err)
		return err;

	if (enc->depth >= BENC_ENC_MAX_DEPTH)
		return enc_fail(enc, EMSGSIZE);

	err = enc_write(enc, &kind, 1);
	if (err)
		return err;

	enc->kind[enc->depth] = kind;
	enc->key_pending[enc->depth] = false;
	enc->depth++;
	return 0;
}

int benc_enc_list_begin(struct benc_enc *enc)
{
	return enc_begin(enc, 'l');
}

int benc_enc_dict_begin(struct benc_enc *enc)
{
	return enc_begin(enc, 'd');
}

int benc_enc_end(struct benc_enc *enc)
{
	unsigned top;
	int err;

	if (!enc)
		return EINVAL;
	if (enc->err)
		return enc->err;
	if (enc->depth == 0)
		return enc_fail(enc, EPROTO);

	top = enc->depth - 1;
	if (enc->kind[top] == 'd' && enc->key_pending[top])
		return enc_fail(enc, EPROTO);

	err = enc_write(enc, "e", 1);
	if (err)
		return err;

	enc->depth--;
	return 0;
}

int benc_enc_dict_str(struct benc_enc *enc, const char *key, const char *val)
{
	int err;

	err = benc_enc_str(enc, key);
	if (err)
		return err;
	return benc_enc_str(enc, val);
}

int benc_enc_dict_int(struct benc_enc *enc, const char *key, int64_t v)
{
	int err;

	err = benc_enc_str(enc, key);
	if (err)
		return err;
	return benc_enc_int(enc, v);
}

int benc_enc_raw(struct benc_enc *enc, const void *p, size_t len)
{
	if (!enc || (!p && len))
		return EINVAL;
	if (enc->err)
		return enc->err;
	if (enc->depth)
		return enc_fail(enc, EPROTO);
	return enc_write(enc, p, len);
}

int benc_enc_err(const struct benc_enc *enc)
{
	return enc ? enc->err : EINVAL;
}

bool benc_enc_complete(const struct benc_enc *enc)
{
	return enc && !enc->err && enc->depth == 0;
}

const uint8_t *benc_enc_buf(const struct benc_enc *enc)
{
	return enc ? enc->buf : NULL;
}

size_t benc_enc_len(const struct benc_enc *enc)
{
	return enc ? enc->len : 0;
}

int benc_enc_node(struct benc_enc *enc, const struct benc_node *node)
{
	const struct benc_node *m;
	int err;

	if (!enc || !node)
		return EINVAL;

	switch (node->type) {
	case BENC_STR: return benc_enc_strn(enc, node->str, node->len);
	case BENC_INT: return benc_enc_int(enc, node->i);
	case BENC_LIST:
	case BENC_DICT:
		err = node->type == BENC_DICT ? benc_enc_dict_begin(enc) : benc_enc_list_begin(enc);
		for (m = node->child; !err && m; m = m->next) {
			if (node->type == BENC_DICT)
				err = benc_enc_strn(enc, m->key, m->key_len);
			if (!err)
				err = benc_enc_node(enc, m);
		}
		return err ? err : benc_enc_end(enc);
	default: return enc_fail(enc, EINVAL);
	}
}


/* ---- decoder ---------------------------------------------------------- */

/* The decoder runs twice over the input: a counting pass that validates the
 * syntax and sizes everything, then a building pass into one allocation.
 * Holding the whole tree in one block means no partial trees to unwind on
 * error and one free() for the caller. */
struct benc_doc {
	struct benc_node *root;
	size_t n_nodes;
	struct benc_node nodes[];
	/* followed by the string arena */
};

struct parser {
	const uint8_t *p;
	const uint8_t *end;
	const struct benc_limits *lim;
	size_t n_nodes;                   /* values seen so far */
	size_t arena_need;                /* counting pass: bytes of strings + NULs */
	struct benc_node *pool;           /* building pass only */
	const struct benc_node **scratch; /* building pass: key sorting */
	char *arena;
	size_t arena_used;
};

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Parses "<len>:<bytes>" and, when building, copies it into the arena. */
static int parse_str(struct parser *ps, const char **strp, size_t *lenp)
{
	size_t len = 0;
	const uint8_t *start = ps->p;

	while (ps->p < ps->end && is_digit(*ps->p)) {
		/* "0:" is the empty string; "03:" has no canonical meaning. */
		if (ps->p > start && *start == '0')
			return BENC_R_INT;
		/* Guards callers who set max_str_len to SIZE_MAX. */
		if (len > (SIZE_MAX - 9) / 10)
			return BENC_R_LENGTH;
		len = len * 10 + (size_t)(*ps->p - '0');
		if (len > ps->lim->max_str_len)
			return BENC_R_LENGTH;
		ps->p++;
	}

	if (ps->p == start)
		return BENC_R_SYNTAX;
	if (ps->p >= ps->end)
		return BENC_R_TRUNC;
	if (*ps->p != ':')
		return BENC_R_SYNTAX;
	ps->p++;

	if (len > (size_t)(ps->end - ps->p))
		return BENC_R_TRUNC;

	if (ps->pool) {
		char *dst = ps->arena + ps->arena_used;

		memcpy(dst, ps->p, len);
		dst[len] = '\0';
		ps->arena_used += len + 1;
		*strp = dst;
		*lenp = len;
	} else {
		ps->arena_need += len + 1;
	}

	ps->p += len;
	return 0;
}

static int parse_int(struct parser *ps, int64_t *vp)
{
	const uint8_t *digits;
	bool neg = false;
	int64_t v = 0;

	ps->p++; /* 'i' */

	if (ps->p < ps->end && *ps->p == '-') {
		neg = true;
		ps->p++;
	}

	digits = ps->p;
	/* Accumulate negatively: INT64_MIN has no positive counterpart. */
	while (ps->p < ps->end && is_digit(*ps->p)) {
		int d = *ps->p - '0';

		if (ps->p > digits && *digits == '0')
			return BENC_R_INT;
		if (v < (INT64_MIN + d) / 10)
			return BENC_R_RANGE;
		v = v * 10 - d;
		ps->p++;
	}

	if (ps->p >= ps->end)
		return BENC_R_TRUNC;
	if (ps->p == digits)
		return BENC_R_INT;
	if (neg && v == 0)
		return BENC_R_INT;
	if (*ps->p != 'e')
		return BENC_R_SYNTAX;
	ps->p++;

	if (!neg) {
		if (v == INT64_MIN)
			return BENC_R_RANGE;
		v = -v;
	}

	*vp = v;
	return 0;
}

static int parse_value(struct parser *ps, unsigned depth, struct benc_node **nodep);

static int key_cmp(const struct benc_node *a, const struct benc_node *b)
{
	size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
	int c = memcmp(a->key, b->key, n);

	if (c)
		return c;
	return a->key_len < b->key_len ? -1 : a->key_len > b->key_len;
}

static int key_cmp_qsort(const void *a, const void *b)
{
	return key_cmp(*(const struct benc_node *const *)a, *(const struct benc_node *const *)b);
}

/* Canonical dicts arrive sorted and are checked for duplicates pair by
 * pair as they are read. rtpengine's are not sorted; those are sorted here
 * and checked once complete, so a huge spoofed dict costs n log n rather
 * than n squared. */
static int check_unsorted_keys(struct parser *ps, const struct benc_node *dict)
{
	const struct benc_node *m;
	size_t i, n = 0;

	for (m = dict->child; m; m = m->next)
		ps->scratch[n++] = m;

	qsort(ps->scratch, n, sizeof(ps->scratch[0]), key_cmp_qsort);
	for (i = 1; i < n; i++) {
		if (!key_cmp(ps->scratch[i - 1], ps->scratch[i]))
			return BENC_R_KEY;
	}
	return 0;
}

static int parse_container(struct parser *ps, unsigned depth, struct benc_node *node, bool is_dict)
{
	struct benc_node *last = NULL;
	bool sorted = true;
	size_t count = 0;

	if (depth >= ps->lim->max_depth)
		return BENC_R_DEPTH;

	ps->p++; /* 'l' or 'd' */

	for (;;) {
		const char *key = NULL;
		size_t key_len = 0;
		struct benc_node *member = NULL;
		int err;

		if (ps->p >= ps->end)
			return BENC_R_TRUNC;
		if (*ps->p == 'e') {
			ps->p++;
			break;
		}

		if (is_dict) {
			if (!is_digit(*ps->p))
				return (*ps->p == 'i' || *ps->p == 'l' || *ps->p == 'd') ?
					       BENC_R_KEY :
					       BENC_R_SYNTAX;
			err = parse_str(ps, &key, &key_len);
			if (err)
				return err;
			if (ps->p >= ps->end)
				return BENC_R_TRUNC;
			/* A key straight followed by the end has no value. */
			if (*ps->p == 'e')
				return BENC_R_SYNTAX;
		}

		err = parse_value(ps, depth + 1, &member);
		if (err)
			return err;

		count++;
		if (node) {
			member->key = key;
			member->key_len = key_len;
			if (last) {
				if (is_dict && sorted) {
					int c = key_cmp(last, member);

					if (c == 0)
						return BENC_R_KEY;
					sorted = c < 0;
				}
				last->next = member;
			} else {
				node->child = member;
			}
			last = member;
		}
	}

	if (!node)
		return 0;
	node->len = count;
	return sorted ? 0 : check_unsorted_keys(ps, node);
}

static int parse_value(struct parser *ps, unsigned depth, struct benc_node **nodep)
{
	struct benc_node *node = NULL;
	uint8_t c;

	if (ps->p >= ps->end)
		return BENC_R_TRUNC;

	if (ps->n_nodes >= ps->lim->max_nodes)
		return BENC_R_NODES;
	if (ps->pool) {
		node = &ps->pool[ps->n_nodes];
		memset(node, 0, sizeof(*node));
		*nodep = node;
	}
	ps->n_nodes++;

	c = *ps->p;
	switch (c) {
	case 'i':
		if (node)
			node->type = BENC_INT;
		return parse_int(ps, node ? &node->i : &(int64_t){0});
	case 'l':
	case 'd':
		if (node)
			node->type = c == 'd' ? BENC_DICT : BENC_LIST;
		return parse_container(ps, depth, node, c == 'd');
	default:
		if (!is_digit(c))
			return BENC_R_SYNTAX;
		if (node) {
			node->type = BENC_STR;
			return parse_str(ps, &node->str, &node->len);
		}
		return parse_str(ps, NULL, NULL);
	}
}

static int run_parser(struct parser *ps, const void *buf, size_t len)
{
	struct benc_node *root = NULL;
	int err;

	ps->p = buf;
	ps->end = ps->p + len;
	ps->n_nodes = 0;

	err = parse_value(ps, 0, &root);
	if (err)
		return err;
	if (ps->p != ps->end)
		return BENC_R_TRAILING;
	return 0;
}

/* benc_decode() without the errno: returns the reason. */
static enum benc_reason decode(struct benc_doc **docp, const void *buf, size_t len,
			       const struct benc_limits *lim)
{
	static const struct benc_limits defaults = {
		BENC_DEFAULT_MAX_DEPTH,
		BENC_DEFAULT_MAX_STR_LEN,
		BENC_DEFAULT_MAX_NODES,
	};
	struct parser ps;
	struct benc_doc *doc;
	size_t n, nodes_size;
	int err;

	if (!docp || (!buf && len))
		return BENC_R_INVAL;
	if (!lim)
		lim = &defaults;
	if (lim->max_depth > BENC_MAX_DEPTH_LIMIT)
		return BENC_R_INVAL;
	if (!buf)
		return BENC_R_TRUNC;

	memset(&ps, 0, sizeof(ps));
	ps.lim = lim;

	err = run_parser(&ps, buf, len);
	if (err)
		return err;

	n = ps.n_nodes;
	if (n > (SIZE_MAX - sizeof(*doc)) / sizeof(struct benc_node))
		return BENC_R_NOMEM;
	nodes_size = n * sizeof(struct benc_node);
	if (ps.arena_need > SIZE_MAX - sizeof(*doc) - nodes_size)
		return BENC_R_NOMEM;

	doc = malloc(sizeof(*doc) + nodes_size + ps.arena_need);
	if (!doc)
		return BENC_R_NOMEM;

	ps.scratch = malloc(n * sizeof(*ps.scratch));
	if (!ps.scratch) {
		free(doc);
		return BENC_R_NOMEM;
	}

	ps.pool = doc->nodes;
	ps.arena = (char *)doc->nodes + nodes_size;
	ps.arena_used = 0;

	/* Only duplicate keys can fail here: the first pass saw everything
	 * else. */
	err = run_parser(&ps, buf, len);
	free(ps.scratch);
	if (err) {
		free(doc);
		return err;
	}

	doc->root = &doc->nodes[0];
	doc->n_nodes = n;
	*docp = doc;
	return 0;
}

int benc_decode(struct benc_doc **docp, const void *buf, size_t len, const struct benc_limits *lim,
		enum benc_reason *reason)
{
	enum benc_reason r = decode(docp, buf, len, lim);

	if (reason)
		*reason = r;

	return benc_reason_errno(r);
}

void benc_doc_free(struct benc_doc *doc)
{
	free(doc);
}

const struct benc_node *benc_doc_root(const struct benc_doc *doc)
{
	return doc ? doc->root : NULL;
}

const struct benc_node *benc_dict_get(const struct benc_node *dict, const char *key)
{
	const struct benc_node *m;
	size_t key_len;

	if (!dict || dict->type != BENC_DICT || !key)
		return NULL;

	key_len = strlen(key);
	for (m = dict->child; m; m = m->next) {
		if (m->key_len == key_len && !memcmp(m->key, key, key_len))
			return m;
	}
	return NULL;
}

const char *benc_dict_str(const struct benc_node *dict, const char *key, size_t *lenp)
{
	const struct benc_node *m = benc_dict_get(dict, key);

	if (!m || m->type != BENC_STR)
		return NULL;
	if (lenp)
		*lenp = m->len;
	return m->str;
}

bool benc_dict_int(const struct benc_node *dict, const char *key, int64_t *vp)
{
	const struct benc_node *m = benc_dict_get(dict, key);

	if (!m || m->type != BENC_INT)
		return false;
	if (vp)
		*vp = m->i;
	return true;
}

bool benc_str_eq(const struct benc_node *node, const char *s)
{
	size_t n;

	if (!node || node->type != BENC_STR || !s)
		return false;
	n = strlen(s);
	return node->len == n && !memcmp(node->str, s, n);
}
