/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IMDN documents (RFC 5438): see imdn.h. */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/imdn.h"

#define BIT(s) (1u << (s))

static const char *const status_names[] = {
	[IMDN_DELIVERED] = "delivered", [IMDN_DISPLAYED] = "displayed",
	[IMDN_PROCESSED] = "processed", [IMDN_STORED] = "stored",
	[IMDN_FAILED] = "failed",       [IMDN_FORBIDDEN] = "forbidden",
	[IMDN_ERROR] = "error",
};

static const char *const kind_names[] = {
	[IMDN_KIND_DELIVERY] = "delivery-notification",
	[IMDN_KIND_DISPLAY] = "display-notification",
	[IMDN_KIND_PROCESSING] = "processing-notification",
};

/* RFC 5438 section 7.2.1: the statuses each kind may carry. */
static const unsigned allowed[] = {
	[IMDN_KIND_DELIVERY] = BIT(IMDN_DELIVERED) | BIT(IMDN_FAILED) | BIT(IMDN_FORBIDDEN) |
			       BIT(IMDN_ERROR),
	[IMDN_KIND_DISPLAY] = BIT(IMDN_DISPLAYED) | BIT(IMDN_FORBIDDEN) | BIT(IMDN_ERROR),
	[IMDN_KIND_PROCESSING] = BIT(IMDN_PROCESSED) | BIT(IMDN_STORED) | BIT(IMDN_FORBIDDEN) |
				 BIT(IMDN_ERROR),
};

#define N_STATUS (sizeof(status_names) / sizeof(status_names[0]))
#define N_KIND (sizeof(kind_names) / sizeof(kind_names[0]))

/* The text fields, in the schema's order. */
struct field {
	const char *name;
	size_t off;
	size_t size;
	bool required;
};

#define FIELD(elem, member, req)                                                             \
	{                                                                                    \
		elem, offsetof(struct imdn, member), sizeof(((struct imdn *)0)->member), req \
	}

static const struct field fields[] = {
	FIELD("message-id", message_id, true),
	FIELD("datetime", datetime, true),
	FIELD("recipient-uri", recipient_uri, false),
	FIELD("original-recipient-uri", original_recipient_uri, false),
};

#define N_FIELD (sizeof(fields) / sizeof(fields[0]))

const char *imdn_status_name(enum imdn_status s)
{
	return (unsigned)s < N_STATUS ? status_names[s] : NULL;
}

int imdn_status_from_name(const char *name, enum imdn_status *s)
{
	size_t i;

	if (!name || !s)
		return EINVAL;
	for (i = 0; i < N_STATUS; i++) {
		if (strcmp(name, status_names[i]) == 0) {
			*s = (enum imdn_status)i;
			return 0;
		}
	}
	return EINVAL;
}

/* forbidden and error go out as delivery notifications. RFC 5438 allows
 * them in every kind, but a recipient may send only the kinds the sender
 * asked for (section 7.1), and senders that ask for anything ask for
 * negative-delivery (Blink, sylkRTC and Linphone ask for
 * "positive-delivery, negative-delivery, display"; some ask for delivery
 * only, none for display only); a refusal or failure to handle a message
 * is, for the sender, a message that was not delivered, and senders show
 * it as such. (SylkServer sends "error" as a display notification and
 * "failed"/"forbidden" not at all; a receiver reads either.) */
enum imdn_kind imdn_kind_for_status(enum imdn_status s)
{
	switch (s) {
	case IMDN_DISPLAYED: return IMDN_KIND_DISPLAY;
	case IMDN_PROCESSED:
	case IMDN_STORED: return IMDN_KIND_PROCESSING;
	default: return IMDN_KIND_DELIVERY;
	}
}

bool imdn_allowed(enum imdn_kind k, enum imdn_status s)
{
	return (unsigned)k < N_KIND && (unsigned)s < N_STATUS && (allowed[k] & BIT(s));
}

/* ---- shared text rules ---------------------------------------------------- */

/* Field text both ways: valid UTF-8, no control characters (C0, DEL, C1)
 * and none of the noncharacters XML 1.0 excludes, so that whatever is
 * built parses back and whatever is parsed can be built. */
static bool text_ok(const char *s, size_t len)
{
	uint32_t cp;
	size_t n;

	while (len) {
		n = utf8_decode(s, len, &cp);
		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xfffe ||
		    cp == 0xffff)
			return false;
		s += n;
		len -= n;
	}
	return true;
}

static const char *field_ptr(const struct imdn *n, const struct field *f)
{
	return (const char *)n + f->off;
}

/* ---- building -------------------------------------------------------------- */

/* 0 if the field may be written: terminated within its array, present if
 * required, clean text. */
static int field_check(const struct imdn *n, const struct field *f)
{
	const char *s = field_ptr(n, f);
	const char *nul = memchr(s, '\0', f->size);

	if (!nul || (f->required && nul == s) || !text_ok(s, (size_t)(nul - s)))
		return EINVAL;
	return 0;
}

static int imdn_check(const struct imdn *n)
{
	size_t i;
	int err;

	if (!imdn_allowed(n->kind, n->status))
		return EINVAL;
	for (i = 0; i < N_FIELD; i++) {
		err = field_check(n, &fields[i]);
		if (err)
			return err;
	}
	return cpim_datetime_valid(n->datetime) ? 0 : EINVAL;
}

static void put_esc(struct sbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sbuf_puts(sb, "&amp;"); break;
		case '<': sbuf_puts(sb, "&lt;"); break;
		case '>': sbuf_puts(sb, "&gt;"); break;
		default: sbuf_putc(sb, *s);
		}
	}
}

static void put_field(struct sbuf *sb, const struct imdn *n, const struct field *f)
{
	const char *s = field_ptr(n, f);

	if (!*s)
		return;
	sbuf_printf(sb, "  <%s>", f->name);
	put_esc(sb, s);
	sbuf_printf(sb, "</%s>\n", f->name);
}

int imdn_build(char **xml, size_t *len, const struct imdn *n)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;
	int err;

	if (!xml)
		return EINVAL;
	*xml = NULL;
	if (len)
		*len = 0;
	if (!n)
		return EINVAL;
	err = imdn_check(n);
	if (err)
		goto out;

	sbuf_puts(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<imdn xmlns=\"" IMDN_NS "\">\n");
	for (i = 0; i < N_FIELD; i++)
		put_field(&sb, n, &fields[i]);
	sbuf_printf(&sb, "  <%s><status><%s/></status></%s>\n", kind_names[n->kind],
		    status_names[n->status], kind_names[n->kind]);
	sbuf_puts(&sb, "</imdn>\n");

	err = sbuf_err(&sb);
	if (err)
		goto out;
	*xml = sbuf_detach(&sb, len);
	err = *xml ? 0 : ENOMEM;
out:
	sbuf_reset(&sb);
	return err;
}

/* ---- parsing --------------------------------------------------------------- */

/* What the walk of the root's children has found so far. */
struct seen {
	bool field[N_FIELD];
	bool notification;
};

static bool in_ns(const xmlNode *x)
{
	return x->type == XML_ELEMENT_NODE && x->ns && x->ns->href &&
	       strcmp((const char *)x->ns->href, IMDN_NS) == 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The element's character data (text and CDATA; comments skipped; markup
 * refused), trimmed of XML white space, into dst of dst_size. */
static int read_text(char *dst, size_t dst_size, const xmlNode *x)
{
	struct sbuf sb = SBUF_INIT;
	const xmlNode *c;
	const char *s, *e;
	int err = EBADMSG;

	for (c = x->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
			sbuf_puts(&sb, c->content ? (const char *)c->content : "");
		else if (c->type != XML_COMMENT_NODE && c->type != XML_PI_NODE)
			goto out;
	}
	if (sbuf_err(&sb)) {
		err = sbuf_err(&sb) == ENOMEM ? ENOMEM : EBADMSG;
		goto out;
	}
	s = sb.buf ? sb.buf : "";
	e = s + sb.len;
	while (s < e && is_space(*s))
		s++;
	while (e > s && is_space(e[-1]))
		e--;
	if ((size_t)(e - s) >= dst_size || !text_ok(s, (size_t)(e - s)))
		goto out;
	memcpy(dst, s, (size_t)(e - s));
	dst[e - s] = '\0';
	err = 0;
out:
	sbuf_reset(&sb);
	return err;
}

static int index_of(const char *name, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (names[i] && strcmp(name, names[i]) == 0)
			return (int)i;
	return -1;
}

/* <status>: exactly one IMDN element, a status the kind allows; elements of
 * other namespaces (Linphone's reason) are extensions and skipped. */
static int read_status(struct imdn *n, const xmlNode *x)
{
	const xmlNode *c;
	int found = 0, i;

	for (c = x->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || !in_ns(c))
			continue;
		i = index_of((const char *)c->name, status_names, N_STATUS);
		if (i < 0 || found++)
			return EBADMSG;
		n->status = (enum imdn_status)i;
	}
	return found && imdn_allowed(n->kind, n->status) ? 0 : EBADMSG;
}

/* A notification element: exactly one <status>. */
static int read_notification(struct imdn *n, const xmlNode *x)
{
	const xmlNode *c;
	int found = 0, err;

	for (c = x->children; c; c = c->next) {
		if (!in_ns(c) || strcmp((const char *)c->name, "status") != 0)
			continue;
		if (found++)
			return EBADMSG;
		err = read_status(n, c);
		if (err)
			return err;
	}
	return found ? 0 : EBADMSG;
}

/* One child of <imdn> in the IMDN namespace. */
static int read_child(struct imdn *n, struct seen *seen, const xmlNode *x)
{
	const char *name = (const char *)x->name;
	size_t i;
	int k;

	for (i = 0; i < N_FIELD; i++) {
		if (strcmp(name, fields[i].name) != 0)
			continue;
		if (seen->field[i])
			return EBADMSG;
		seen->field[i] = true;
		return read_text((char *)n + fields[i].off, fields[i].size, x);
	}
	k = index_of(name, kind_names, N_KIND);
	if (k < 0)
		return 0; /* <subject> and future extensions */
	if (seen->notification)
		return EBADMSG;
	seen->notification = true;
	n->kind = (enum imdn_kind)k;
	return read_notification(n, x);
}

static int read_root(struct imdn *n, const xmlDoc *doc)
{
	struct seen seen;
	const xmlNode *root = xmlDocGetRootElement(doc), *c;
	int err;

	memset(&seen, 0, sizeof(seen));
	if (doc->intSubset || doc->extSubset || !root || !in_ns(root) ||
	    strcmp((const char *)root->name, "imdn") != 0)
		return EBADMSG;
	for (c = root->children; c; c = c->next) {
		if (!in_ns(c))
			continue;
		err = read_child(n, &seen, c);
		if (err)
			return err;
	}
	if (!seen.notification || !n->message_id[0])
		return EBADMSG;
	return 0;
}

/* Checks before libxml2 sees the bytes: the size, UTF-8 (the document is
 * read as UTF-8 whatever it declares, so no other encoding can hide a
 * DOCTYPE from the scan), no DOCTYPE at all. */
static bool input_ok(const char *xml, size_t len)
{
	static const char doctype[] = "<!DOCTYPE";

	if (len == 0 || len > IMDN_MAX_SIZE || !utf8_valid(xml, len))
		return false;
	return memmem(xml, len, doctype, sizeof(doctype) - 1) == NULL;
}

int imdn_parse(struct imdn *n, const char *xml, size_t len)
{
	xmlDoc *doc = NULL;
	int err;

	if (!n)
		return EINVAL;
	memset(n, 0, sizeof(*n));
	if (!xml)
		return EINVAL;
	if (!input_ok(xml, len))
		return EBADMSG;

	/* no network, no DTD loading, no entity substitution (no
	 * XML_PARSE_NOENT, XML_PARSE_DTDLOAD), no noise on stderr */
	doc = xmlReadMemory(xml, (int)len, NULL, "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				    XML_PARSE_IGNORE_ENC);
	err = doc ? read_root(n, doc) : EBADMSG;
	xmlFreeDoc(doc);
	if (err)
		memset(n, 0, sizeof(*n));
	return err;
}
