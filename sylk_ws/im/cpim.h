/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CPIM message format (RFC 3862, message/cpim): the envelope of chat
 * messages in MSRP sessions and SIP MESSAGE bodies.
 *
 *	From: "Alice" <sip:alice@example.com>        message headers
 *	To: <sip:room@conference.example.com>
 *	DateTime: 2011-12-22T09:12:04+01:00
 *	NS: imdn <urn:ietf:params:imdn>
 *	imdn.Message-ID: 34jk324j
 *
 *	Content-Type: text/plain                      MIME headers of the content
 *
 *	Hello                                         content
 *
 * Extension headers carry a namespace prefix declared by an NS header; a
 * header is identified by its namespace URI and name, not by the prefix
 * a sender happened to choose.
 *
 * Kamailio-free: libc only. */
#ifndef SYLK_IM_CPIM_H
#define SYLK_IM_CPIM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <stdint.h>

#define CPIM_CONTENT_TYPE "message/cpim"
/* Namespace of unprefixed headers (RFC 3862 section 3.4). */
#define CPIM_NS_DEFAULT "urn:ietf:params:cpim-headers:"
/* IMDN (RFC 5438) headers: imdn.Message-ID, imdn.Disposition-Notification. */
#define CPIM_NS_IMDN "urn:ietf:params:imdn"
/* AG Projects' namespace: Message-Type "status" marks server notices. */
#define CPIM_NS_AGP "urn:ag-projects:xml:ns:cpim"

/* Upper bounds on what a parsed message may hold. */
#define CPIM_MAX_HEADERS 128
/* a line holds agp.Metadata's 4096 characters of UTF-8 (up to 16 KiB) */
#define CPIM_MAX_LINE 16640

/* From, To or cc: [display-name] <uri>. */
struct cpim_addr {
	char *display; /* NULL when absent; unquoted */
	char *uri;
};

/* A namespace declaration: NS: [prefix] <uri>. */
struct cpim_ns {
	char *prefix; /* NULL for a declaration without prefix */
	char *uri;
};

/* A message header other than From, To, cc, DateTime, the first Subject
 * and NS; or a MIME header of the content. */
struct cpim_header {
	char *prefix; /* NULL when unprefixed; never set for MIME headers */
	char *name;
	char *params; /* text of ";param..." between colon and value, or NULL */
	char *value;
};

struct cpim_msg {
	bool has_from;
	struct cpim_addr from;
	struct cpim_addr *to;
	size_t to_n;
	struct cpim_addr *cc;
	size_t cc_n;
	char *datetime; /* as written; NULL when absent */
	char *subject;  /* first Subject without parameters; NULL when absent */
	struct cpim_ns *ns;
	size_t ns_n;
	struct cpim_header *headers; /* other message headers, in order */
	size_t header_n;

	char *content_type;       /* NULL when the content has none */
	struct cpim_header *mime; /* other MIME headers of the content */
	size_t mime_n;
	uint8_t *body; /* NUL-terminated copy; NULL when empty */
	size_t body_len;
};

int cpim_msg_alloc(struct cpim_msg **mp);
void cpim_msg_free(struct cpim_msg *m);

/* Parse a message/cpim body. Lines may end in CRLF or a bare LF. Returns 0,
 * EBADMSG when malformed, EINVAL, ENOMEM. */
int cpim_parse(struct cpim_msg **mp, const void *data, size_t len);

/* The value of a message header by namespace URI and name: ns NULL or
 * CPIM_NS_DEFAULT for unprefixed headers. Prefixes are resolved through
 * the message's NS declarations. NULL when absent. */
const char *cpim_msg_header(const struct cpim_msg *m, const char *ns, const char *name);
/* Namespace URI a header's prefix maps to (CPIM_NS_DEFAULT when unprefixed,
 * NULL when the prefix was never declared). */
const char *cpim_msg_header_ns(const struct cpim_msg *m, const struct cpim_header *h);
/* MIME header of the content by name (case-insensitive). */
const char *cpim_msg_mime_header(const struct cpim_msg *m, const char *name);

/* Builders. Strings are copied; display may be NULL. Each returns 0,
 * EINVAL for a value that cannot be written safely, ENOMEM. */
int cpim_msg_set_from(struct cpim_msg *m, const char *display, const char *uri);
int cpim_msg_add_to(struct cpim_msg *m, const char *display, const char *uri);
int cpim_msg_add_cc(struct cpim_msg *m, const char *display, const char *uri);
/* dt NULL: the current time in UTC. */
int cpim_msg_set_datetime(struct cpim_msg *m, const char *dt);
int cpim_msg_set_subject(struct cpim_msg *m, const char *subject);
/* Declare prefix (NULL for none) for a namespace URI; an existing
 * declaration of the same prefix is replaced. */
int cpim_msg_add_ns(struct cpim_msg *m, const char *prefix, const char *uri);
/* Add a header in namespace ns (NULL: default). The prefix is the one
 * declared for ns, which must have been declared with cpim_msg_add_ns. */
int cpim_msg_add_header(struct cpim_msg *m, const char *ns, const char *name, const char *value);
int cpim_msg_add_mime_header(struct cpim_msg *m, const char *name, const char *value);
int cpim_msg_set_content(struct cpim_msg *m, const char *content_type, const void *body,
			 size_t len);

/* Serialise with CRLF line ends into a new buffer (NUL-terminated, *lenp
 * without the NUL); free() it. Returns 0, EINVAL, ENOMEM. */
int cpim_encode(const struct cpim_msg *m, char **outp, size_t *lenp);

/* Current UTC time as RFC 3339 "2011-12-22T08:12:04Z" into buf (>= 21). */
int cpim_datetime_now(char *buf, size_t size);
/* True for an RFC 3339 date-time as DateTime requires. */
bool cpim_datetime_valid(const char *s);
/* A chat message to encode with cpim_chat_encode(). */
struct cpim_chat {
	const char *from_display; /* NULL: none */
	const char *from_uri;     /* "sip:alice@example.com" */
	const char *to_uri;
	const char *datetime;     /* NULL: now */
	const char *message_id;   /* imdn.Message-ID */
	const char *disposition;  /* imdn.Disposition-Notification, NULL: none */
	const char *content_type; /* text/... gets ";charset=utf-8" unless it has parameters */
	const char *content;
	const char *metadata; /* agp.Metadata, NULL or "": none */
};

/* The message/cpim body of a chat message (malloc'd in *outp): From, To,
 * DateTime, the imdn namespace, Message-ID, Disposition-Notification when
 * asked, the agp namespace and Metadata when given, the content. 0, EINVAL
 * (a metadata value with a line break among them) or ENOMEM. */
int cpim_chat_encode(char **outp, size_t *lenp, const struct cpim_chat *c);

/* A chat message's agp.Metadata into *@p out (NULL when it has none or
 * an empty one): 0, or EFBIG when it is longer than @p max_chars
 * characters (*out NULL: left out, as SylkServer drops it). */
int cpim_msg_metadata(const struct cpim_msg *m, size_t max_chars, const char **out);

/* The instant an RFC 3339 date-time names (its offset applied); EINVAL
 * when cpim_datetime_valid() refuses it. */
int cpim_datetime_parse(const char *s, time_t *t);

/* True for "message/cpim" with any case and parameters. */
bool cpim_is_content_type(const char *content_type);

#endif
