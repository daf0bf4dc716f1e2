/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP <-> XMPP content. See xmpp_im.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/imdn.h"
#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

/* "type/subtype" of a Content-Type equals @p want (case-insensitive) */
static bool type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	return !strncasecmp(ct, want, n) && (!ct[n] || ct[n] == ';' || ct[n] == ' ');
}

static bool text_ok(const char *s, size_t len)
{
	if (!utf8_valid(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return false;
	}
	return true;
}

static int set_id(char *dst, const char *id)
{
	if (!id)
		return 0;
	if (strlen(id) >= XMPP_IM_ID_SIZE || !text_ok(id, strlen(id)))
		return EBADMSG;
	strcpy(dst, id);
	return 0;
}

static int from_imdn(struct xmpp_im *im, const char *xml, size_t len)
{
	struct imdn n;

	if (imdn_parse(&n, xml, len))
		return EBADMSG;
	im->kind = n.status == IMDN_DELIVERED ? XMPP_IM_RECEIPT : XMPP_IM_IGNORED;
	return set_id(im->message_id, n.message_id);
}

static int from_text(struct xmpp_im *im, const char *body, size_t len)
{
	if (len > XMPP_IM_MAX_TEXT)
		return EMSGSIZE;
	if (!text_ok(body, len) || memchr(body, 0, len))
		return EBADMSG;
	im->text = strndup(body, len);
	if (!im->text)
		return ENOMEM;
	im->kind = XMPP_IM_TEXT;
	return 0;
}

static int from_cpim(struct xmpp_im *im, const char *body, size_t len)
{
	struct cpim_msg *m = NULL;
	const char *disp;
	int err = cpim_parse(&m, body, len);

	if (err)
		return err == ENOMEM ? ENOMEM : EBADMSG;
	if (type_is(m->content_type, IMDN_CONTENT_TYPE)) {
		err = from_imdn(im, (const char *)m->body, m->body_len);
		goto out;
	}
	if (!type_is(m->content_type, "text/plain")) {
		err = EPROTONOSUPPORT;
		goto out;
	}
	err = from_text(im, m->body ? (const char *)m->body : "", m->body_len);
	if (!err)
		err = set_id(im->message_id, cpim_msg_header(m, CPIM_NS_IMDN, "Message-ID"));
	disp = cpim_msg_header(m, CPIM_NS_IMDN, "Disposition-Notification");
	im->want_receipt = disp && strstr(disp, "positive-delivery");
out:
	cpim_msg_free(m);
	return err;
}

int xmpp_im_from_sip(struct xmpp_im *im, const char *content_type, const char *body, size_t len)
{
	if (!im)
		return EINVAL;
	memset(im, 0, sizeof(*im));
	if (!content_type || (!body && len))
		return EINVAL;
	if (len > 4 * XMPP_IM_MAX_TEXT)
		return EMSGSIZE;
	if (type_is(content_type, "text/plain"))
		return from_text(im, body ? body : "", len);
	if (type_is(content_type, CPIM_CONTENT_TYPE))
		return from_cpim(im, body, len);
	if (type_is(content_type, IMDN_CONTENT_TYPE))
		return from_imdn(im, body, len);
	return EPROTONOSUPPORT;
}

void xmpp_im_clear(struct xmpp_im *im)
{
	if (im) {
		free(im->text);
		memset(im, 0, sizeof(*im));
	}
}

static int cpim_build(char **out, size_t *len, const char *from_uri, const char *to_uri,
		      const char *id, bool disposition, const char *ct, const char *content)
{
	struct cpim_chat c = {.from_uri = from_uri,
			      .to_uri = to_uri,
			      .message_id = id,
			      .disposition = disposition ? "positive-delivery" : NULL,
			      .content_type = ct,
			      .content = content};

	return cpim_chat_encode(out, len, &c);
}

static void fresh_id(char *buf, size_t size)
{
	static unsigned long n;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(buf, size, "xmpp-%lx-%lx-%lu", (unsigned long)ts.tv_sec, (unsigned long)ts.tv_nsec,
		 ++n);
}

int xmpp_im_to_cpim(char **out, size_t *len, const char *from_uri, const char *to_uri,
		    const char *message_id, const char *text, bool want_receipt)
{
	char id[64];

	if (!out || !from_uri || !to_uri || !text)
		return EINVAL;
	*out = NULL;
	if (strlen(text) > XMPP_IM_MAX_TEXT)
		return EMSGSIZE;
	if (!message_id || !*message_id) {
		fresh_id(id, sizeof(id));
		message_id = id;
	}
	return cpim_build(out, len, from_uri, to_uri, message_id, want_receipt,
			  "text/plain;charset=utf-8", text);
}

int xmpp_im_receipt_to_imdn(char **out, size_t *len, const char *from_uri, const char *to_uri,
			    const char *message_id)
{
	struct imdn n;
	char id[64], *xml = NULL;
	int err;

	if (!out || !from_uri || !to_uri || !message_id)
		return EINVAL;
	*out = NULL;
	memset(&n, 0, sizeof(n));
	if (strlen(message_id) >= sizeof(n.message_id) ||
	    strlen(from_uri) >= sizeof(n.recipient_uri))
		return EINVAL;
	strcpy(n.message_id, message_id);
	strcpy(n.recipient_uri, from_uri);
	cpim_datetime_now(n.datetime, sizeof(n.datetime));
	n.kind = IMDN_KIND_DELIVERY;
	n.status = IMDN_DELIVERED;
	err = imdn_build(&xml, NULL, &n);
	if (err)
		return err;
	fresh_id(id, sizeof(id));
	err = cpim_build(out, len, from_uri, to_uri, id, false, IMDN_CONTENT_TYPE, xml);
	free(xml);
	return err;
}

/* ---- presence ---------------------------------------------------------------- */

/* the name without its prefix */
static const char *local_name(const char *name)
{
	const char *c = strrchr(name, ':');

	return c ? c + 1 : name;
}

static const struct xmpp_el *find(const struct xmpp_el *el, const char *name)
{
	for (const struct xmpp_el *c = el ? el->child : NULL; c; c = c->next)
		if (!strcmp(local_name(c->name), name))
			return c;
	return NULL;
}

/* first descendant named @p name, depth-first */
static const struct xmpp_el *find_deep(const struct xmpp_el *el, const char *name)
{
	for (const struct xmpp_el *c = el ? el->child : NULL; c; c = c->next) {
		const struct xmpp_el *d;

		if (!strcmp(local_name(c->name), name))
			return c;
		d = find_deep(c, name);
		if (d)
			return d;
	}
	return NULL;
}

static void trimmed_copy(char *dst, size_t size, const char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	while (n && (s[n] & 0xC0) == 0x80)
		n--; /* not inside a UTF-8 character */
	memcpy(dst, s, n);
	dst[n] = 0;
}

static void read_pidf(struct xmpp_pres *p, const struct xmpp_el *root)
{
	const struct xmpp_el *tuple = find(root, "tuple");
	const struct xmpp_el *basic = find(find(tuple, "status"), "basic");
	const struct xmpp_el *note = find(tuple, "note"), *act = find_deep(root, "activities");

	if (!note)
		note = find(root, "note");
	if (!note)
		note = find_deep(root, "note");
	trimmed_copy(p->status, sizeof(p->status), note ? note->text : "");
	if (basic) {
		char b[16];

		trimmed_copy(b, sizeof(b), basic->text);
		p->available = !strcmp(b, "open");
	}
	if (p->available && act && find(act, "busy"))
		strcpy(p->show, "dnd");
	else if (p->available && act && find(act, "away"))
		strcpy(p->show, "away");
}

int xmpp_pres_from_pidf(struct xmpp_pres *p, const char *xml, size_t len)
{
	struct xmpp_el *root = NULL;
	int err;

	if (!p || !xml)
		return EINVAL;
	memset(p, 0, sizeof(*p));
	/* the XML declaration is the one processing instruction allowed */
	if (len > 5 && !memcmp(xml, "<?xml", 5)) {
		const char *e = memmem(xml, len, "?>", 2);

		if (!e)
			return EBADMSG;
		len -= (size_t)(e + 2 - xml);
		xml = e + 2;
	}
	err = xmpp_xml_parse(&root, xml, len);
	if (err)
		return err == ENOMEM ? ENOMEM : EBADMSG;
	if (strcmp(local_name(root->name), "presence"))
		err = EBADMSG;
	else
		read_pidf(p, root);
	xmpp_el_free(root);
	return err;
}

int xmpp_pres_to_pidf(char **out, size_t *len, const char *entity, const struct xmpp_pres *p)
{
	struct sbuf sb = SBUF_INIT;
	bool away, busy;
	int err = 0;

	if (!out || !entity || !p)
		return EINVAL;
	away = !strcmp(p->show, "away") || !strcmp(p->show, "xa");
	busy = !strcmp(p->show, "dnd");
	sbuf_puts(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<presence xmlns=\"urn:ietf:params:xml:ns:pidf\" "
		       "xmlns:rpid=\"urn:ietf:params:xml:ns:pidf:rpid\" "
		       "xmlns:dm=\"urn:ietf:params:xml:ns:pidf:data-model\" entity=\"");
	err = xmpp_escape(&sb, entity);
	sbuf_printf(&sb, "\">\n<tuple id=\"xmpp\"><status><basic>%s</basic></status>",
		    p->available ? "open" : "closed");
	if (!err && p->status[0]) {
		sbuf_puts(&sb, "<note>");
		err = xmpp_escape(&sb, p->status);
		sbuf_puts(&sb, "</note>");
	}
	sbuf_puts(&sb, "</tuple>\n");
	if (p->available && (away || busy))
		sbuf_printf(&sb,
			    "<dm:person id=\"p\"><rpid:activities><rpid:%s/>"
			    "</rpid:activities></dm:person>\n",
			    busy ? "busy" : "away");
	sbuf_puts(&sb, "</presence>\n");
	err = err ? err : sbuf_err(&sb);
	*out = err ? NULL : sbuf_detach(&sb, len);
	sbuf_reset(&sb);
	return err ? err : *out ? 0 : ENOMEM;
}
