/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/ng/bencode.h"

/* benc_decode() returns an errno value and gives the exact reason through
 * an out-parameter: check that the two agree, return the reason, which the
 * tests compare exactly. */
static int decode_r(struct benc_doc **docp, const void *buf, size_t len,
		    const struct benc_limits *lim)
{
	enum benc_reason r = (enum benc_reason) - 1;
	int err = benc_decode(docp, buf, len, lim, &r);

	CHECK_INT(err, benc_reason_errno(r));
	return (int)r;
}

static int enc_equals(const struct benc_enc *enc, const char *want)
{
	size_t n = strlen(want);

	return benc_enc_len(enc) == n && !memcmp(benc_enc_buf(enc), want, n);
}

static void test_encode_scalars(void)
{
	struct benc_enc *enc = NULL;

	CHECK_INT(benc_enc_alloc(&enc, 0), 0);
	CHECK_INT(benc_enc_str(enc, "spam"), 0);
	CHECK_INT(benc_enc_str(enc, ""), 0);
	CHECK_INT(benc_enc_strn(enc, "a\0b", 3), 0);
	CHECK_INT(benc_enc_int(enc, 0), 0);
	CHECK_INT(benc_enc_int(enc, -42), 0);
	CHECK_INT(benc_enc_int(enc, INT64_MAX), 0);
	CHECK_INT(benc_enc_int(enc, INT64_MIN), 0);
	CHECK(benc_enc_complete(enc));
	CHECK_INT(benc_enc_len(enc), 4 + 2 + 2 + 3 + 2 + 3 + 5 + 21 + 22);
	CHECK_MEM(benc_enc_buf(enc),
		  "4:spam0:3:a\0bi0ei-42ei9223372036854775807e"
		  "i-9223372036854775808e",
		  benc_enc_len(enc));
	benc_enc_free(enc);
}

static void test_encode_nested(void)
{
	struct benc_enc *enc = NULL;

	CHECK_INT(benc_enc_alloc(&enc, 4), 0); /* forces growth */
	benc_enc_dict_begin(enc);
	benc_enc_dict_str(enc, "command", "offer");
	benc_enc_str(enc, "flags");
	benc_enc_list_begin(enc);
	benc_enc_str(enc, "trust-address");
	benc_enc_int(enc, 7);
	benc_enc_list_begin(enc);
	benc_enc_end(enc);
	benc_enc_end(enc);
	benc_enc_str(enc, "codec");
	benc_enc_dict_begin(enc);
	benc_enc_end(enc);
	benc_enc_dict_int(enc, "n", 1);
	CHECK(!benc_enc_complete(enc));
	CHECK_INT(benc_enc_end(enc), 0);
	CHECK_INT(benc_enc_err(enc), 0);
	CHECK(benc_enc_complete(enc));
	CHECK(enc_equals(enc, "d7:command5:offer5:flagsl13:trust-addressi7elee"
			      "5:codecde1:ni1ee"));

	/* Reset keeps the object usable. */
	benc_enc_reset(enc);
	CHECK_INT(benc_enc_len(enc), 0);
	CHECK_INT(benc_enc_list_begin(enc), 0);
	CHECK_INT(benc_enc_end(enc), 0);
	CHECK(enc_equals(enc, "le"));
	benc_enc_free(enc);
}

static void test_encode_large(void)
{
	struct benc_enc *enc = NULL;
	size_t n = 100000;
	char *big = malloc(n);

	CHECK(big != NULL);
	if (!big)
		return;
	memset(big, 'x', n);
	CHECK_INT(benc_enc_alloc(&enc, 1), 0);
	CHECK_INT(benc_enc_strn(enc, big, n), 0);
	CHECK_INT(benc_enc_len(enc), n + 7);
	CHECK_MEM(benc_enc_buf(enc), "100000:", 7);
	CHECK(benc_enc_buf(enc)[n + 6] == 'x');
	benc_enc_free(enc);
	free(big);
}

static void test_encode_misuse(void)
{
	struct benc_enc *enc = NULL;
	int i;

	CHECK_INT(benc_enc_alloc(NULL, 0), EINVAL);
	CHECK_INT(benc_enc_alloc(&enc, 0), 0);

	/* An integer cannot be a dict key. */
	benc_enc_dict_begin(enc);
	CHECK_INT(benc_enc_int(enc, 1), EPROTO);
	/* The error sticks. */
	CHECK_INT(benc_enc_str(enc, "k"), EPROTO);
	CHECK_INT(benc_enc_err(enc), EPROTO);
	CHECK(!benc_enc_complete(enc));

	/* Nor a list. */
	benc_enc_reset(enc);
	benc_enc_dict_begin(enc);
	CHECK_INT(benc_enc_list_begin(enc), EPROTO);

	/* A key without value. */
	benc_enc_reset(enc);
	benc_enc_dict_begin(enc);
	benc_enc_str(enc, "key");
	CHECK_INT(benc_enc_end(enc), EPROTO);

	/* End with nothing open. */
	benc_enc_reset(enc);
	CHECK_INT(benc_enc_end(enc), EPROTO);

	/* Raw bytes inside a container. */
	benc_enc_reset(enc);
	CHECK_INT(benc_enc_raw(enc, "x ", 2), 0);
	benc_enc_list_begin(enc);
	CHECK_INT(benc_enc_raw(enc, "x", 1), EPROTO);

	/* Nesting beyond what the encoder tracks. */
	benc_enc_reset(enc);
	for (i = 0; i < BENC_ENC_MAX_DEPTH; i++)
		CHECK_INT(benc_enc_list_begin(enc), 0);
	CHECK_INT(benc_enc_list_begin(enc), EMSGSIZE);

	benc_enc_reset(enc);
	CHECK_INT(benc_enc_str(enc, NULL), EINVAL);
	CHECK_INT(benc_enc_strn(enc, NULL, 3), EINVAL);
	CHECK_INT(benc_enc_strn(NULL, "a", 1), EINVAL);

	benc_enc_free(enc);
	benc_enc_free(NULL);
}

/* Decodes, re-encodes the tree and expects the very same bytes back. */
static void check_round_trip(const char *in, size_t len)
{
	struct benc_doc *doc = NULL;
	struct benc_enc *enc = NULL;
	int err;

	err = decode_r(&doc, in, len, NULL);
	if (err)
		fprintf(stderr, "  input \"%.*s\"\n", (int)len, in);
	CHECK_INT(err, 0);
	if (err)
		return;
	CHECK_INT(benc_enc_alloc(&enc, 0), 0);
	CHECK_INT(benc_enc_node(enc, benc_doc_root(doc)), 0);
	CHECK(benc_enc_complete(enc));
	CHECK_INT(benc_enc_len(enc), len);
	if (benc_enc_len(enc) == len)
		CHECK_MEM(benc_enc_buf(enc), in, len);
	benc_enc_free(enc);
	benc_doc_free(doc);
}

static void test_decode_values(void)
{
	static const char in[] = "d6:result2:ok3:sdp12:v=0\r\no=- 1\r\n"
				 "4:listli1ei-7e0:lee4:zeroi0e3:bin3:a\0b"
				 "3:maxi9223372036854775807e3:mini-9223372036854775808ee";
	const struct benc_node *root, *m, *el;
	struct benc_doc *doc = NULL;
	size_t len = 0;
	int64_t v = 1;

	CHECK_INT(decode_r(&doc, in, sizeof(in) - 1, NULL), 0);
	root = benc_doc_root(doc);
	CHECK(root != NULL);
	if (!root)
		return;
	CHECK_INT(root->type, BENC_DICT);
	CHECK_INT(root->len, 7);
	CHECK(root->key == NULL);

	CHECK_STR(benc_dict_str(root, "result", &len), "ok");
	CHECK_INT(len, 2);
	CHECK_STR(benc_dict_str(root, "sdp", NULL), "v=0\r\no=- 1\r\n");
	CHECK(benc_dict_str(root, "list", NULL) == NULL);
	CHECK(benc_dict_str(root, "missing", NULL) == NULL);

	m = benc_dict_get(root, "list");
	CHECK(m && m->type == BENC_LIST && m->len == 4);
	el = m ? m->child : NULL;
	CHECK(el && el->type == BENC_INT && el->i == 1 && !el->key);
	el = el ? el->next : NULL;
	CHECK(el && el->type == BENC_INT && el->i == -7);
	el = el ? el->next : NULL;
	CHECK(el && el->type == BENC_STR && el->len == 0 && el->str[0] == 0);
	el = el ? el->next : NULL;
	CHECK(el && el->type == BENC_LIST && el->len == 0 && !el->child);
	CHECK(el && el->next == NULL);

	CHECK(benc_dict_int(root, "zero", &v) && v == 0);
	CHECK(benc_dict_int(root, "max", &v) && v == INT64_MAX);
	CHECK(benc_dict_int(root, "min", &v) && v == INT64_MIN);
	CHECK(!benc_dict_int(root, "result", &v));

	m = benc_dict_get(root, "bin");
	CHECK(m && m->len == 3 && !memcmp(m->str, "a\0b", 4));
	CHECK(benc_str_eq(benc_dict_get(root, "result"), "ok"));
	CHECK(!benc_str_eq(benc_dict_get(root, "result"), "o"));
	CHECK(!benc_str_eq(m, "a"));

	/* Lookups on the wrong type fail softly. */
	CHECK(benc_dict_get(benc_dict_get(root, "list"), "x") == NULL);
	CHECK(benc_dict_get(NULL, "x") == NULL);

	benc_doc_free(doc);
	check_round_trip(in, sizeof(in) - 1);
}

static void test_decode_keeps_no_reference(void)
{
	char in[] = "d3:key5:valuee";
	struct benc_doc *doc = NULL;

	CHECK_INT(decode_r(&doc, in, strlen(in), NULL), 0);
	/* The document owns copies: scribbling over the input is harmless. */
	memset(in, 'X', sizeof(in));
	CHECK_STR(benc_dict_str(benc_doc_root(doc), "key", NULL), "value");
	benc_doc_free(doc);
	benc_doc_free(NULL);
}

static void test_round_trips(void)
{
	static const char *const ok[] = {
		"i0e",
		"i-1e",
		"i10e",
		"0:",
		"1:x",
		"le",
		"de",
		"llee",
		"llleee",
		"d1:ad1:bl1:ceee",
		"d1:b0:1:a0:e", /* unsorted */
		"d2:ab0:1:a0:1:b0:0:0:e",
		"d1:a0:2:ab0:1:b0:e",
		"l0:0:0:e",
		"d0:i0ee",
	};
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		check_round_trip(ok[i], strlen(ok[i]));


	/* Encoder output decodes back to the same tree. */
	{
		struct benc_enc *enc = NULL;
		struct benc_doc *doc = NULL;

		benc_enc_alloc(&enc, 0);
		benc_enc_dict_begin(enc);
		benc_enc_dict_int(enc, "i", -123456789012345LL);
		benc_enc_str(enc, "l");
		benc_enc_list_begin(enc);
		benc_enc_strn(enc, "\0\xff", 2);
		benc_enc_end(enc);
		benc_enc_end(enc);
		CHECK_INT(decode_r(&doc, benc_enc_buf(enc), benc_enc_len(enc), NULL), 0);
		if (doc) {
			const struct benc_node *l;
			int64_t v = 0;

			CHECK(benc_dict_int(benc_doc_root(doc), "i", &v));
			CHECK(v == -123456789012345LL);
			l = benc_dict_get(benc_doc_root(doc), "l");
			CHECK(l && l->child && l->child->len == 2 &&
			      !memcmp(l->child->str, "\0\xff", 2));
		}
		benc_doc_free(doc);
		benc_enc_free(enc);
	}
}

struct bad_case {
	const char *in;
	int err;
};

static void test_decode_malformed(void)
{
	static const struct bad_case cases[] = {
		{"", BENC_R_TRUNC},
		{"i", BENC_R_TRUNC},
		{"i12", BENC_R_TRUNC},
		{"i-", BENC_R_TRUNC},
		{"ie", BENC_R_INT},
		{"i-e", BENC_R_INT},
		{"i-0e", BENC_R_INT},
		{"i00e", BENC_R_INT},
		{"i03e", BENC_R_INT},
		{"i-03e", BENC_R_INT},
		{"i+3e", BENC_R_INT},
		{"i1.5e", BENC_R_SYNTAX},
		{"i 1e", BENC_R_INT},
		{"i9223372036854775808e", BENC_R_RANGE},
		{"i-9223372036854775809e", BENC_R_RANGE},
		{"i99999999999999999999999999e", BENC_R_RANGE},
		{"3:ab", BENC_R_TRUNC},
		{"3", BENC_R_TRUNC},
		{"03:abc", BENC_R_INT},
		{"00:", BENC_R_INT},
		{"3x:abc", BENC_R_SYNTAX},
		{"-1:a", BENC_R_SYNTAX},
		{"99999999999999999999999:a", BENC_R_LENGTH},
		{"l", BENC_R_TRUNC},
		{"li1e", BENC_R_TRUNC},
		{"d", BENC_R_TRUNC},
		{"d1:a", BENC_R_TRUNC},
		{"d1:ae", BENC_R_SYNTAX},
		{"di1ei2ee", BENC_R_KEY},
		{"dli1ee1:ae", BENC_R_KEY},
		{"dde1:ae", BENC_R_KEY},
		{"d1:a1:b1:a1:ce", BENC_R_KEY},
		{"d1:a0:1:a0:e", BENC_R_KEY},           /* sorted so far */
		{"d1:c0:1:a0:1:b0:1:c0:e", BENC_R_KEY}, /* unsorted */
		{"d2:ab0:1:a0:2:ab0:e", BENC_R_KEY},
		{"d1:bd1:x0:1:x0:ee", BENC_R_KEY}, /* nested */
		{"dxe", BENC_R_SYNTAX},
		{"e", BENC_R_SYNTAX},
		{"x", BENC_R_SYNTAX},
		{"i1ei2e", BENC_R_TRAILING},
		{"lee", BENC_R_TRAILING},
		{"0: ", BENC_R_TRAILING},
		{"l1:ae\n", BENC_R_TRAILING},
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct benc_doc *doc = NULL;
		int err = decode_r(&doc, cases[i].in, strlen(cases[i].in), NULL);

		if (err != cases[i].err)
			fprintf(stderr, "  input \"%s\"\n", cases[i].in);
		CHECK_INT(err, cases[i].err);
		CHECK(doc == NULL);
	}

	/* Truncated at every position: never a success, never a crash. */
	{
		static const char full[] = "d3:cmdl4:pingi-12ee1:xd1:yi0eee";
		size_t n;

		for (n = 0; n + 1 < sizeof(full) - 1; n++) {
			struct benc_doc *doc = NULL;
			int err = decode_r(&doc, full, n, NULL);

			CHECK(err != 0);
			CHECK(doc == NULL);
		}
		check_round_trip(full, sizeof(full) - 1);
	}

	CHECK_INT(decode_r(NULL, "i1e", 3, NULL), BENC_R_INVAL);
	{
		struct benc_doc *doc = NULL;

		CHECK_INT(decode_r(&doc, NULL, 0, NULL), BENC_R_TRUNC);
		CHECK_INT(decode_r(&doc, NULL, 1, NULL), BENC_R_INVAL);
	}
}

static void test_decode_limits(void)
{
	struct benc_limits lim = {2, 4, 5};
	struct benc_doc *doc = NULL;
	char deep[2 * 600 + 1];
	int i;

	CHECK_INT(decode_r(&doc, "lle", 3, &lim), BENC_R_TRUNC);
	CHECK_INT(decode_r(&doc, "llee", 4, &lim), 0);
	benc_doc_free(doc);
	doc = NULL;
	CHECK_INT(decode_r(&doc, "llleee", 6, &lim), BENC_R_DEPTH);
	CHECK_INT(decode_r(&doc, "d1:ad1:ad1:ai1eeee", 18, &lim), BENC_R_DEPTH);

	CHECK_INT(decode_r(&doc, "4:abcd", 6, &lim), 0);
	benc_doc_free(doc);
	doc = NULL;
	CHECK_INT(decode_r(&doc, "5:abcde", 7, &lim), BENC_R_LENGTH);
	CHECK_INT(decode_r(&doc, "d5:abcdei1ee", 12, &lim), BENC_R_LENGTH);

	/* Five values fit (the list counts), six do not. */
	CHECK_INT(decode_r(&doc, "li1ei2ei3ei4ee", 14, &lim), 0);
	benc_doc_free(doc);
	doc = NULL;
	CHECK_INT(decode_r(&doc, "li1ei2ei3ei4ei5ee", 17, &lim), BENC_R_NODES);

	/* Scalars need no depth at all. */
	lim.max_depth = 0;
	CHECK_INT(decode_r(&doc, "i5e", 3, &lim), 0);
	benc_doc_free(doc);
	doc = NULL;
	CHECK_INT(decode_r(&doc, "le", 2, &lim), BENC_R_DEPTH);

	/* No limit on string length: a huge length still cannot wrap. */
	lim.max_str_len = SIZE_MAX;
	lim.max_depth = 2;
	CHECK_INT(decode_r(&doc, "99999999999999999999999999:a", 28, &lim), BENC_R_LENGTH);
	CHECK_INT(decode_r(&doc, "18446744073709551:a", 19, &lim), BENC_R_TRUNC);

	lim.max_depth = BENC_MAX_DEPTH_LIMIT + 1;
	CHECK_INT(decode_r(&doc, "le", 2, &lim), BENC_R_INVAL);

	/* The default depth stops a deep nest long before the stack would. */
	for (i = 0; i < 600; i++) {
		deep[i] = 'l';
		deep[600 + i] = 'e';
	}
	CHECK_INT(decode_r(&doc, deep, 1200, NULL), BENC_R_DEPTH);
	CHECK(doc == NULL);
}

/* Many keys in descending order (the unsorted path), once unique and once
 * with the first key repeated at the end. */
static void test_decode_many_unsorted_keys(void)
{
	enum { N = 4000 };
	size_t cap = 3 + N * 9 + 16, len = 0;
	char *buf = malloc(cap);
	struct benc_doc *doc = NULL;
	int i;

	CHECK(buf != NULL);
	if (!buf)
		return;
	buf[len++] = 'd';
	for (i = N - 1; i >= 0; i--)
		len += (size_t)snprintf(buf + len, cap - len, "5:%05d0:", i);
	buf[len] = 'e';

	CHECK_INT(decode_r(&doc, buf, len + 1, NULL), 0);
	CHECK(doc && benc_doc_root(doc)->len == N);
	CHECK(doc && benc_dict_get(benc_doc_root(doc), "00000") != NULL);
	benc_doc_free(doc);
	doc = NULL;

	len += (size_t)snprintf(buf + len, cap - len, "5:%05d0:e", N - 1);
	CHECK_INT(decode_r(&doc, buf, len, NULL), BENC_R_KEY);
	CHECK(doc == NULL);
	free(buf);
}

static void test_strerror(void)
{
	static const struct {
		enum benc_reason reason;
		int err;
	} reasons[] = {
		{BENC_R_OK, 0},           {BENC_R_NOMEM, ENOMEM},    {BENC_R_INVAL, EINVAL},
		{BENC_R_TRUNC, EBADMSG},  {BENC_R_SYNTAX, EBADMSG},  {BENC_R_INT, EBADMSG},
		{BENC_R_RANGE, EBADMSG},  {BENC_R_LENGTH, EMSGSIZE}, {BENC_R_DEPTH, EMSGSIZE},
		{BENC_R_NODES, EMSGSIZE}, {BENC_R_KEY, EBADMSG},     {BENC_R_TRAILING, EBADMSG},
	};
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		CHECK_INT(benc_reason_errno(reasons[i].reason), reasons[i].err);
		CHECK(strcmp(benc_reason_str(reasons[i].reason), "unknown error") != 0);
	}
	CHECK_STR(benc_reason_str((enum benc_reason)9999), "unknown error");
	CHECK_STR(benc_reason_str(BENC_R_TRUNC), "input truncated");
}

int main(void)
{
	RUN(test_encode_scalars);
	RUN(test_encode_nested);
	RUN(test_encode_large);
	RUN(test_encode_misuse);
	RUN(test_decode_values);
	RUN(test_decode_keeps_no_reference);
	RUN(test_round_trips);
	RUN(test_decode_malformed);
	RUN(test_decode_limits);
	RUN(test_decode_many_unsorted_keys);
	RUN(test_strerror);
	return check_summary();
}
