/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XML that an XMPP component (XEP-0114) reads: a framer that cuts the
 * byte stream from the server into the stream header, complete top-level
 * stanzas and the stream end, and a small strict parser for one stanza.
 *
 * Restricted XML as RFC 6120 section 11.1 wants it: no comments, processing
 * instructions (but the XML declaration before the stream header), DTDs,
 * CDATA sections or entity references other than the five predefined ones
 * and character references. Input must be UTF-8; control characters other
 * than tab, CR and LF are refused. Namespaces are resolved for the default
 * namespace only (xmlns="..."); prefixed names are kept as written
 * ("stream:error"), which is all a component needs.
 *
 * Kamailio-free: libc only. */
#ifndef SYLK_XMPP_XML_H
#define SYLK_XMPP_XML_H

#include <stdbool.h>
#include <stddef.h>

/* bounds on one parsed stanza */
#define XMPP_XML_MAX_DEPTH 32
#define XMPP_XML_MAX_ATTRS 32
#define XMPP_XML_MAX_ELEMENTS 1024

struct xmpp_attr {
	char *name;
	char *value; /* entities decoded */
};

struct xmpp_el {
	char *name;     /* as written, prefix included */
	const char *ns; /* own xmlns, else the parent's; "" when none */
	struct xmpp_attr *attrs;
	size_t attr_n;
	char *text; /* character data directly inside, decoded; never NULL */
	size_t text_len;
	struct xmpp_el *child; /* first child element */
	struct xmpp_el *next;  /* next sibling */
};

/* Parse exactly one element (whitespace around it allowed). Returns 0,
 * EINVAL for NULL arguments, EBADMSG when not well-formed or not UTF-8,
 * EPROTO for restricted XML (comment, PI, DTD, CDATA), EMSGSIZE past the
 * bounds above, ENOMEM. *out is NULL on failure; xmpp_el_free() it. */
int xmpp_xml_parse(struct xmpp_el **out, const char *data, size_t len);
/* Parse only the start tag at the beginning of @p data, as an empty
 * element: who sent a stanza that cannot be read whole (malformed inside,
 * or too large), so that it can be answered. Same results as
 * xmpp_xml_parse(). */
int xmpp_xml_parse_start_tag(struct xmpp_el **out, const char *data, size_t len);
void xmpp_el_free(struct xmpp_el *el);

/* The value of attribute @p name, NULL when absent. */
const char *xmpp_el_attr(const struct xmpp_el *el, const char *name);
/* The first child named @p name (and in namespace @p ns unless NULL). */
const struct xmpp_el *xmpp_el_child(const struct xmpp_el *el, const char *name, const char *ns);

/* ---- the framer ----------------------------------------------------------- */

enum xmpp_frame {
	XMPP_FRAME_NONE,      /* nothing complete yet: feed more */
	XMPP_FRAME_HEADER,    /* the stream header; *out is it as an empty element */
	XMPP_FRAME_STANZA,    /* one top-level element, as received */
	XMPP_FRAME_END,       /* </stream:stream> */
	XMPP_FRAME_TOO_LARGE, /* a stanza longer than max; *out is its start tag
			       * as an empty element; the rest of it is
			       * read and dropped, the stream goes on */
};

struct xmpp_framer {
	char *buf;
	size_t len, cap, max;
	bool in_stream; /* the header was seen */
	int dropping;   /* depth inside a too large stanza being dropped, or 0 */
};

/* @p max: largest stanza (and header) accepted, in bytes. */
void xmpp_framer_init(struct xmpp_framer *f, size_t max);
void xmpp_framer_reset(struct xmpp_framer *f); /* frees, back to before the header */
/* Append received bytes (any amount: xmpp_framer_next() until NONE before
 * the next feed). 0, EMSGSIZE when more than max bytes still wait from
 * before, ENOMEM. */
int xmpp_framer_feed(struct xmpp_framer *f, const void *data, size_t len);
/* The next frame. *out (malloc'd, NUL-terminated, free() it) is set for
 * HEADER, STANZA and TOO_LARGE. 0, EBADMSG (text outside a stanza, a
 * malformed tag), EPROTO (comment, PI, DTD at the top level), EMSGSIZE (a
 * single tag, or the header, longer than max), ENOMEM. After an error the
 * stream is unusable. */
int xmpp_framer_next(struct xmpp_framer *f, enum xmpp_frame *kind, char **out, size_t *out_len);

#endif
