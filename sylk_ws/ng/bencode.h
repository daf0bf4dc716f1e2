/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bencode (BitTorrent BEP 3) encoder and decoder, as spoken by rtpengine's
 * "ng" control protocol.
 *
 * The encoder appends to a growable buffer owned by a struct benc_enc and
 * checks the structure as it goes (dict keys must be strings, every key gets
 * a value, containers are balanced), so a caller cannot produce a datagram
 * rtpengine would reject as malformed.
 *
 * The decoder reads untrusted bytes (a UDP datagram anyone on the host can
 * spoof) into a read-only tree held in one allocation. It never reads past
 * the input, bounds nesting depth, string length and node count, and insists
 * on the canonical forms BEP 3 requires (no leading zeros, no "-0"), so any
 * value it accepts re-encodes to exactly the same bytes. Dict keys may come
 * in any order because rtpengine does not sort them; duplicate keys are
 * refused, so no two readers can disagree about which one counts.
 */
#ifndef SYLK_WS_BENCODE_H
#define SYLK_WS_BENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Errors: every function returns 0 or an errno value (sylk_ws/base/error.h).
 * The encoder: EINVAL (bad argument), ENOMEM, EPROTO (a call out of place:
 * int as key, unbalanced end), EMSGSIZE (nested deeper than it tracks).
 * The decoder: EINVAL, ENOMEM, EBADMSG (malformed input), EMSGSIZE (over a
 * limit), with the exact reason through an enum benc_reason
 * out-parameter; benc_reason_str() is its text. */
enum benc_reason {
	BENC_R_OK = 0,
	BENC_R_NOMEM,    /* ENOMEM: allocation failed */
	BENC_R_INVAL,    /* EINVAL: bad argument */
	BENC_R_TRUNC,    /* EBADMSG: input ended inside a value */
	BENC_R_SYNTAX,   /* EBADMSG: unexpected byte */
	BENC_R_INT,      /* EBADMSG: malformed number: empty, leading zero, "-0" */
	BENC_R_RANGE,    /* EBADMSG: integer outside int64_t */
	BENC_R_LENGTH,   /* EMSGSIZE: string longer than the limit */
	BENC_R_DEPTH,    /* EMSGSIZE: containers nested deeper than the limit */
	BENC_R_NODES,    /* EMSGSIZE: more values than the limit */
	BENC_R_KEY,      /* EBADMSG: dict key not a string, or given twice */
	BENC_R_TRAILING, /* EBADMSG: bytes after the top-level value */
};

const char *benc_reason_str(enum benc_reason reason);

/* The errno value that goes with a decoder reason. */
int benc_reason_errno(enum benc_reason reason);


/* ---- encoder ---------------------------------------------------------- */

/* Deepest nesting the encoder tracks; ng messages use three levels. */
#define BENC_ENC_MAX_DEPTH 32

struct benc_enc;

int benc_enc_alloc(struct benc_enc **encp, size_t size_hint);
void benc_enc_free(struct benc_enc *enc);
/* Empties the buffer and clears a sticky error, keeping the memory. */
void benc_enc_reset(struct benc_enc *enc);

/* Every writer returns 0 or an errno value. The first error sticks: later
 * calls return it without writing, so a caller may write a whole message
 * and check benc_enc_err() once. */
int benc_enc_str(struct benc_enc *enc, const char *s);
int benc_enc_strn(struct benc_enc *enc, const void *p, size_t len);
int benc_enc_int(struct benc_enc *enc, int64_t v);
int benc_enc_list_begin(struct benc_enc *enc);
int benc_enc_dict_begin(struct benc_enc *enc);
int benc_enc_end(struct benc_enc *enc);
/* Key and string value in one call, for dict members. */
int benc_enc_dict_str(struct benc_enc *enc, const char *key, const char *val);
int benc_enc_dict_int(struct benc_enc *enc, const char *key, int64_t v);
/* Bytes outside any bencode value (the ng cookie prefix); only allowed
 * while no container is open. */
int benc_enc_raw(struct benc_enc *enc, const void *p, size_t len);

int benc_enc_err(const struct benc_enc *enc);
/* True when no container is open and no error occurred. */
bool benc_enc_complete(const struct benc_enc *enc);
const uint8_t *benc_enc_buf(const struct benc_enc *enc);
size_t benc_enc_len(const struct benc_enc *enc);


/* ---- decoder ---------------------------------------------------------- */

enum benc_type {
	BENC_STR,
	BENC_INT,
	BENC_LIST,
	BENC_DICT,
};

/* A decoded value. Strings and keys are copies owned by the document, each
 * followed by a NUL so text fields can be used as C strings; the length is
 * authoritative because bencode strings may hold NUL bytes. */
struct benc_node {
	enum benc_type type;
	const char *key; /* member of a dict: its key, else NULL */
	size_t key_len;
	const char *str;               /* BENC_STR */
	size_t len;                    /* BENC_STR: bytes; LIST/DICT: members */
	int64_t i;                     /* BENC_INT */
	const struct benc_node *child; /* LIST/DICT: first member */
	const struct benc_node *next;  /* next member of the parent */
};

struct benc_limits {
	unsigned max_depth; /* containers nested more deeply fail, 1..512 */
	size_t max_str_len; /* longer strings or keys fail */
	size_t max_nodes;   /* more values in all fail */
};

#define BENC_DEFAULT_MAX_DEPTH 32
#define BENC_DEFAULT_MAX_STR_LEN (1u << 20)
#define BENC_DEFAULT_MAX_NODES 4096
/* Recursion bound whatever the caller asks for. */
#define BENC_MAX_DEPTH_LIMIT 512

struct benc_doc;

/* Decodes exactly one value filling buf[0..len). lim may be NULL for the
 * defaults. On error *docp is left untouched. Returns 0, EINVAL, ENOMEM,
 * EBADMSG or EMSGSIZE; reason (may be NULL) says exactly why. */
int benc_decode(struct benc_doc **docp, const void *buf, size_t len, const struct benc_limits *lim,
		enum benc_reason *reason);
void benc_doc_free(struct benc_doc *doc);
const struct benc_node *benc_doc_root(const struct benc_doc *doc);

/* Lookups return NULL (or false) for a missing member or a wrong type. */
const struct benc_node *benc_dict_get(const struct benc_node *dict, const char *key);
const char *benc_dict_str(const struct benc_node *dict, const char *key, size_t *lenp);
bool benc_dict_int(const struct benc_node *dict, const char *key, int64_t *vp);
bool benc_str_eq(const struct benc_node *node, const char *s);

/* Writes a decoded tree back (used by tests and the fuzzer to prove that
 * decoding loses nothing). */
int benc_enc_node(struct benc_enc *enc, const struct benc_node *node);

#endif
