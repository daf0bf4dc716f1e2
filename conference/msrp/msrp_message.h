/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP (RFC 4975) messages: the message object, an incremental parser for
 * a TCP byte stream, and builders for the requests and responses a focus
 * sends. Also NICKNAME and Use-Nickname from RFC 7701.
 *
 * Typical use on a connection:
 *
 *	msrp_parser_alloc(&p, 0, 0);
 *	on every read:  msrp_parser_feed(p, data, n);
 *	                while ((err = msrp_parser_next(p, &msg)) != EAGAIN) {
 *	                        if (err == EPROTO && !msg) close the connection;
 *	                        if (err == EPROTO) answer msrp_perr_status(
 *	                                msrp_parser_error(p)) if msg is a request;
 *	                        ...
 *	                        msrp_message_free(msg);
 *	                }
 *
 * Kamailio-free: libc and OpenSSL (random identifiers). */
#ifndef CONFERENCE_MSRP_MESSAGE_H
#define CONFERENCE_MSRP_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conference/msrp/msrp_uri.h"

/* The grammar says 4..32 characters for a transaction id or Message-ID;
 * longer ones (UUIDs with hyphens are 36) are seen in the wild, so up to
 * this many are accepted. Builders generate RFC-sized ones. */
#define MSRP_IDENT_MAX 64

/* Parser defaults when 0 is passed to msrp_parser_alloc(). */
#define MSRP_DEFAULT_MAX_HEADER 16384
#define MSRP_DEFAULT_MAX_BODY (1024 * 1024)
/* RFC 4975 section 7.1: non-SEND request bodies are at most 10240 bytes. */
#define MSRP_MAX_NONSEND_BODY 10240

/* A growable output buffer. Value type: zero it (or msrp_buf_init()) before
 * use, msrp_buf_reset() to release. data is always NUL-terminated after a
 * successful append, for convenience; len does not count the NUL. */
struct msrp_buf {
	uint8_t *data;
	size_t len;
	size_t size;
};

void msrp_buf_init(struct msrp_buf *b);
void msrp_buf_reset(struct msrp_buf *b);
int msrp_buf_append(struct msrp_buf *b, const void *p, size_t n);
int msrp_buf_printf(struct msrp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

enum msrp_kind {
	MSRP_REQUEST = 0,
	MSRP_RESPONSE,
};

enum msrp_method {
	MSRP_METHOD_OTHER = 0, /* an extension method: see method_name */
	MSRP_METHOD_SEND,
	MSRP_METHOD_REPORT,
	MSRP_METHOD_NICKNAME, /* RFC 7701 */
	MSRP_METHOD_AUTH,     /* RFC 4976 */
};

/* End-line continuation flag (RFC 4975 section 5.1). */
enum msrp_cont {
	MSRP_CONT_END = '$',   /* last chunk of the message */
	MSRP_CONT_MORE = '+',  /* more chunks follow */
	MSRP_CONT_ABORT = '#', /* the sender abandoned the message */
};

/* Success-Report / Failure-Report values. */
enum msrp_report {
	MSRP_REPORT_UNSET = 0, /* header absent (the defaults apply: Success
	                          no, Failure yes) */
	MSRP_REPORT_YES,
	MSRP_REPORT_NO,
	MSRP_REPORT_PARTIAL, /* Failure-Report only */
};

/* "*" in a Byte-Range. */
#define MSRP_BR_UNKNOWN UINT64_MAX

/* Byte-Range: start-end/total, 1-based and inclusive. */
struct msrp_byte_range {
	uint64_t start;
	uint64_t end;   /* MSRP_BR_UNKNOWN for "*" */
	uint64_t total; /* MSRP_BR_UNKNOWN for "*" */
};

/* Status header: "000 200 OK". */
struct msrp_status {
	uint16_t ns; /* namespace, "000" for all RFC 4975 codes */
	uint16_t code;
	char *reason; /* NULL when absent */
};

/* A header the parser does not interpret, kept in order of arrival. */
struct msrp_header {
	char *name;
	char *value;
};

struct msrp_message {
	enum msrp_kind kind;
	char tid[MSRP_IDENT_MAX + 1];

	/* requests */
	enum msrp_method method;
	char *method_name; /* as on the wire */

	/* responses */
	uint16_t status_code;
	char *comment; /* NULL when absent */

	struct msrp_path to_path;
	struct msrp_path from_path;
	char *message_id; /* NULL when absent */
	bool has_byte_range;
	struct msrp_byte_range byte_range;
	char *content_type; /* NULL when absent */
	enum msrp_report success_report;
	enum msrp_report failure_report;
	bool has_status;
	struct msrp_status status;
	char *use_nickname; /* unquoted; NULL when absent */

	struct msrp_header *headers; /* every other header */
	size_t header_n;

	bool has_body; /* a content part was present (may be empty) */
	uint8_t *body; /* NUL-terminated copy, NULL without body */
	size_t body_len;
	enum msrp_cont cont;
};

int msrp_message_alloc(struct msrp_message **mp);
void msrp_message_free(struct msrp_message *m);
/* Value of the first other header of that name (case-insensitive). */
const char *msrp_message_header(const struct msrp_message *m, const char *name);
/* Add an other header (copied). Returns 0, EINVAL, ENOMEM. */
int msrp_message_add_header(struct msrp_message *m, const char *name, const char *value);

/* Serialise any message (request or response). For a request the required
 * fields are tid, method_name (or a known method), to_path, from_path;
 * content_type when a body is present. Returns 0, EINVAL for a message that
 * cannot be written, EEXIST when the body contains the end-line of this
 * transaction id (choose another), ENOMEM. */
int msrp_message_encode(const struct msrp_message *m, struct msrp_buf *b);

/* Protocol errors found by the parser. msrp_perr_status() gives the MSRP
 * status to answer with (RFC 4975 sections 7.3 and 10, RFC 7701). */
enum msrp_perr {
	MSRP_PERR_NONE = 0,
	MSRP_PERR_START_LINE,       /* not "MSRP <tid> ...": fatal */
	MSRP_PERR_TID,              /* transaction id unreadable: fatal */
	MSRP_PERR_METHOD,           /* method malformed */
	MSRP_PERR_STATUS_CODE,      /* response status code malformed */
	MSRP_PERR_HEADER_SYNTAX,    /* a header line is malformed */
	MSRP_PERR_HEADER_DUP,       /* a single-valued header repeated */
	MSRP_PERR_TO_PATH,          /* To-Path missing or malformed */
	MSRP_PERR_FROM_PATH,        /* From-Path missing or malformed */
	MSRP_PERR_MESSAGE_ID,       /* Message-ID missing (SEND, REPORT) or malformed */
	MSRP_PERR_BYTE_RANGE,       /* Byte-Range malformed */
	MSRP_PERR_REPORT_VALUE,     /* Success-Report / Failure-Report value */
	MSRP_PERR_STATUS_HEADER,    /* Status missing (REPORT) or malformed */
	MSRP_PERR_NICKNAME_MISSING, /* NICKNAME without Use-Nickname */
	MSRP_PERR_NICKNAME,         /* Use-Nickname malformed */
	MSRP_PERR_CONTENT_TYPE,     /* body without Content-Type, or malformed */
	MSRP_PERR_RESPONSE_BODY,    /* a response carrying a body */
	MSRP_PERR_HEADER_TOO_LARGE, /* header section over the limit */
	MSRP_PERR_BODY_TOO_LARGE,   /* body over the limit */
};

uint16_t msrp_perr_status(enum msrp_perr e);
const char *msrp_perr_str(enum msrp_perr e);
/* Default reason phrase for a status code ("OK", "Bad Request", ...). */
const char *msrp_status_reason(uint16_t code);

struct msrp_parser;

/* max_header bounds the start line plus headers, max_body a SEND body
 * (other requests are further bounded by MSRP_MAX_NONSEND_BODY); 0 picks
 * the defaults. Returns 0, EINVAL, ENOMEM. */
int msrp_parser_alloc(struct msrp_parser **pp, size_t max_header, size_t max_body);
void msrp_parser_free(struct msrp_parser *p);

/* Append bytes as read from the connection, split anywhere. Call
 * msrp_parser_next() until EAGAIN after each feed: the parser buffers what
 * it is given. Returns 0, EINVAL, ENOMEM. */
int msrp_parser_feed(struct msrp_parser *p, const void *data, size_t len);

/* Take the next message out of the stream.
 *  0       *mp is a complete message; the caller frees it.
 *  EAGAIN  more bytes are needed; *mp is NULL.
 *  EPROTO  malformed input; msrp_parser_error() says what. If the
 *          transaction id was readable *mp holds what could be parsed (at
 *          least kind and tid; the paths when they were well formed) so a
 *          response can be sent, and parsing resumes after that
 *          transaction's end-line. Otherwise *mp is NULL, the stream cannot
 *          be resynchronised and every later call returns EPROTO: close the
 *          connection.
 *  ENOMEM  out of memory: the stream position is lost, the parser is
 *          fatal from then on (msrp_parser_fatal()); close the connection. */
int msrp_parser_next(struct msrp_parser *p, struct msrp_message **mp);

/* The error of the last EPROTO (MSRP_PERR_NONE before any). */
enum msrp_perr msrp_parser_error(const struct msrp_parser *p);
/* True once the stream is unusable (an unreadable transaction id). */
bool msrp_parser_fatal(const struct msrp_parser *p);
/* Bytes buffered and not yet consumed. */
size_t msrp_parser_pending(const struct msrp_parser *p);

/* Fill buf (at least 21 bytes) with a fresh random identifier of 20
 * characters (80 random bits; RFC 4975 asks for at least 64) usable as a
 * transaction id or Message-ID. Returns 0, EINVAL, EIO (no entropy). */
int msrp_ident_generate(char *buf, size_t size);
/* True when s is a well-formed ident (transaction id, Message-ID). */
bool msrp_ident_valid(const char *s, size_t len);

/* Whether a request must get a transaction response with this code:
 * never for REPORT (RFC 4975 section 7.1.2), never with Failure-Report
 * "no", only failures with "partial" (section 7.1.1). */
bool msrp_response_needed(const struct msrp_message *req, uint16_t code);

/* Response to req (RFC 4975 section 7.2): To-Path is the first URI of the
 * request's From-Path (the previous hop), From-Path the first URI of its
 * To-Path (this endpoint). comment NULL: the default reason phrase.
 * Returns 0, EINVAL (not a request, paths missing, bad code), ENOMEM. */
int msrp_build_response(struct msrp_buf *b, const struct msrp_message *req, uint16_t code,
			const char *comment);

struct msrp_send_params {
	const char *tid;                     /* required */
	const struct msrp_path *to_path;     /* required */
	const struct msrp_path *from_path;   /* required */
	const char *message_id;              /* required */
	const struct msrp_byte_range *range; /* NULL: no Byte-Range header */
	enum msrp_report success_report;     /* UNSET: header omitted */
	enum msrp_report failure_report;     /* UNSET: header omitted */
	const char *content_type;            /* required with a body */
	const void *body;
	size_t body_len;
	bool has_body;       /* write a content part even when body_len is 0 */
	enum msrp_cont cont; /* 0 means MSRP_CONT_END */
};

/* A SEND chunk. Returns 0, EINVAL, EEXIST (end-line in body: use another
 * tid), ENOMEM. */
int msrp_build_send(struct msrp_buf *b, const struct msrp_send_params *sp);

/* A REPORT (RFC 4975 section 7.1.2) with "Status: 000 <code> <reason>". */
int msrp_build_report(struct msrp_buf *b, const char *tid, const struct msrp_path *to_path,
		      const struct msrp_uri *from, const char *message_id,
		      const struct msrp_byte_range *range, uint16_t code, const char *reason);

/* A REPORT about a received SEND: To-Path is the SEND's From-Path (the way
 * back), From-Path the SEND's first To-Path URI, Message-ID copied.
 * range NULL: the bytes this chunk carried. */
int msrp_build_report_for(struct msrp_buf *b, const char *tid, const struct msrp_message *send,
			  const struct msrp_byte_range *range, uint16_t code, const char *reason);

/* A NICKNAME request (RFC 7701) with Use-Nickname as a quoted string. */
int msrp_build_nickname(struct msrp_buf *b, const char *tid, const struct msrp_path *to_path,
			const struct msrp_path *from_path, const char *nickname);

#endif
