/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Stanzas of the XMPP component. See xmpp_stanza.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "sylk_ws/base/utf8.h"
#include "sylk_ws/xmpp/xmpp_jid.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"

int xmpp_escape(struct sbuf *sb, const char *s)
{
	if (!s || !utf8_valid(s, strlen(s)))
		return EINVAL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return EINVAL;
		switch (c) {
		case '&': sbuf_puts(sb, "&amp;"); break;
		case '<': sbuf_puts(sb, "&lt;"); break;
		case '>': sbuf_puts(sb, "&gt;"); break;
		case '"': sbuf_puts(sb, "&quot;"); break;
		case '\'': sbuf_puts(sb, "&apos;"); break;
		case '\r': sbuf_puts(sb, "&#13;"); break;
		default: sbuf_putc(sb, (char)c);
		}
	}
	return sbuf_err(sb);
}

/* ` name='value'` when value is not NULL */
static int attr(struct sbuf *sb, const char *name, const char *value)
{
	if (!value)
		return 0;
	sbuf_printf(sb, " %s='", name);
	if (xmpp_escape(sb, value))
		return EINVAL;
	return sbuf_putc(sb, '\'');
}

/* <name>text</name> when text is not NULL */
static int text_el(struct sbuf *sb, const char *name, const char *text)
{
	if (!text)
		return 0;
	sbuf_printf(sb, "<%s>", name);
	if (xmpp_escape(sb, text))
		return EINVAL;
	return sbuf_printf(sb, "</%s>", name);
}

int xmpp_stream_open(struct sbuf *sb, const char *domain)
{
	sbuf_puts(sb, "<?xml version='1.0'?><stream:stream xmlns='" XMPP_NS_COMPONENT
		      "' xmlns:stream='" XMPP_NS_STREAMS "'");
	if (!domain || !*domain || attr(sb, "to", domain))
		return EINVAL;
	return sbuf_putc(sb, '>');
}

int xmpp_handshake(struct sbuf *sb, const char *stream_id, const char *secret)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if (!stream_id || !secret || !*stream_id)
		return EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return ENOMEM;
	ok = EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
	     EVP_DigestUpdate(ctx, stream_id, strlen(stream_id)) &&
	     EVP_DigestUpdate(ctx, secret, strlen(secret)) && EVP_DigestFinal_ex(ctx, md, &n);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return EIO;
	sbuf_puts(sb, "<handshake>");
	for (unsigned int i = 0; i < n; i++)
		sbuf_printf(sb, "%02x", md[i]);
	return sbuf_puts(sb, "</handshake>");
}

static int receipt(struct sbuf *sb, const struct xmpp_message *m)
{
	if (m->request_receipt)
		sbuf_puts(sb, "<request xmlns='" XMPP_NS_RECEIPTS "'/>");
	if (!m->received_id)
		return 0;
	sbuf_puts(sb, "<received xmlns='" XMPP_NS_RECEIPTS "'");
	if (attr(sb, "id", m->received_id))
		return EINVAL;
	return sbuf_puts(sb, "/>");
}

int xmpp_message_build(struct sbuf *sb, const struct xmpp_message *m)
{
	if (!m || !m->from || !m->to)
		return EINVAL;
	sbuf_puts(sb, "<message");
	if (attr(sb, "from", m->from) || attr(sb, "to", m->to) ||
	    attr(sb, "type", m->type ? m->type : "chat") || attr(sb, "id", m->id))
		return EINVAL;
	sbuf_putc(sb, '>');
	if (text_el(sb, "body", m->body) || text_el(sb, "thread", m->thread) || receipt(sb, m))
		return EINVAL;
	return sbuf_puts(sb, "</message>");
}

int xmpp_presence_build(struct sbuf *sb, const struct xmpp_presence_out *p)
{
	if (!p || !p->from || !p->to)
		return EINVAL;
	sbuf_puts(sb, "<presence");
	if (attr(sb, "from", p->from) || attr(sb, "to", p->to) || attr(sb, "type", p->type) ||
	    attr(sb, "id", p->id))
		return EINVAL;
	if (!p->show && !p->status)
		return sbuf_puts(sb, "/>");
	sbuf_putc(sb, '>');
	if (text_el(sb, "show", p->show) || text_el(sb, "status", p->status))
		return EINVAL;
	return sbuf_puts(sb, "</presence>");
}

static bool condition_ok(const char *c)
{
	for (; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || *c == '-'))
			return false;
	return true;
}

int xmpp_error_build(struct sbuf *sb, const struct xmpp_el *in, const char *type,
		     const char *condition, const char *text)
{
	const char *from = xmpp_el_attr(in, "from"), *to = xmpp_el_attr(in, "to");

	if (!in || !from || !to || !type || !condition || !*condition || !condition_ok(condition))
		return EINVAL;
	if (strcmp(in->name, "message") && strcmp(in->name, "presence") && strcmp(in->name, "iq"))
		return EINVAL;
	/* an error is never answered with one (RFC 6120 8.3.1) */
	if (xmpp_el_attr(in, "type") && !strcmp(xmpp_el_attr(in, "type"), "error"))
		return EINVAL;
	sbuf_printf(sb, "<%s", in->name);
	if (attr(sb, "from", to) || attr(sb, "to", from) ||
	    attr(sb, "id", xmpp_el_attr(in, "id")) || attr(sb, "type", "error"))
		return EINVAL;
	sbuf_puts(sb, "><error");
	if (attr(sb, "type", type))
		return EINVAL;
	sbuf_printf(sb, "><%s xmlns='" XMPP_NS_STANZAS "'/>", condition);
	if (text) {
		sbuf_puts(sb, "<text xmlns='" XMPP_NS_STANZAS "'>");
		if (xmpp_escape(sb, text))
			return EINVAL;
		sbuf_puts(sb, "</text>");
	}
	return sbuf_printf(sb, "</error></%s>", in->name);
}

int xmpp_message_read(struct xmpp_message_in *m, const struct xmpp_el *el)
{
	const struct xmpp_el *body, *rcv;

	memset(m, 0, sizeof(*m));
	if (!el || strcmp(el->name, "message"))
		return EINVAL;
	m->from = xmpp_el_attr(el, "from");
	m->to = xmpp_el_attr(el, "to");
	m->id = xmpp_el_attr(el, "id");
	m->type = xmpp_el_attr(el, "type");
	if (!m->type)
		m->type = "normal";
	m->error = !strcmp(m->type, "error");
	body = xmpp_el_child(el, "body", NULL);
	m->body = body ? body->text : NULL;
	m->request_receipt = xmpp_el_child(el, "request", XMPP_NS_RECEIPTS) != NULL;
	rcv = xmpp_el_child(el, "received", XMPP_NS_RECEIPTS);
	m->received_id = rcv ? xmpp_el_attr(rcv, "id") : NULL;
	return m->from && m->to ? 0 : EINVAL;
}

int xmpp_stanza_check_out(const char *stanza, size_t len, const char *domain)
{
	struct xmpp_el *el = NULL;
	int err = xmpp_xml_parse(&el, stanza, len);

	if (err)
		return EBADMSG;
	if (strcmp(el->name, "message") && strcmp(el->name, "presence") && strcmp(el->name, "iq"))
		err = EBADMSG;
	else if (!xmpp_jid_in_domain(xmpp_el_attr(el, "from"), domain))
		err = EPERM;
	xmpp_el_free(el);
	return err;
}
