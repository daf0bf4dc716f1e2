/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Conference state documents (RFC 4575) built with libxml2's tree API,
 * which escapes element text and attribute values on output. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "conference/info/conf_info.h"
#include "sylk_ws/base/utf8.h"

/* A copy of s fit for an XML 1.0 document. strip: drop control characters
 * (all C0 but TAB, and DEL) and the non-characters U+FFFE/U+FFFF; else
 * refuse them. Invalid UTF-8 is refused. NULL with *err set on failure. */
static xmlChar *clean(const char *s, bool strip, int *err)
{
	size_t n = strlen(s), i = 0, j = 0;
	xmlChar *out = xmlMalloc(n + 1);

	if (!out) {
		*err = ENOMEM;
		return NULL;
	}
	while (i < n) {
		uint32_t cp;
		size_t l = utf8_decode(s + i, n - i, &cp);
		bool bad;

		if (l == 0) {
			xmlFree(out);
			*err = EINVAL;
			return NULL;
		}
		bad = (cp < 0x20 && cp != '\t') || cp == 0x7f || cp == 0xfffe || cp == 0xffff;
		if (bad && !strip) {
			xmlFree(out);
			*err = EINVAL;
			return NULL;
		}
		if (!bad) {
			memcpy(out + j, s + i, l);
			j += l;
		}
		i += l;
	}
	out[j] = '\0';
	return out;
}

/* The building context: the first error sticks, later calls do nothing. */
struct ctx {
	xmlNs *ns;
	xmlNs *agp;
	int err;
};

/* <name>text</name> under parent; text is free-form (stripped). */
static xmlNode *add_text(struct ctx *c, xmlNode *parent, xmlNs *ns, const char *name,
			 const char *text, bool strip)
{
	xmlChar *t = NULL;
	xmlNode *n;

	if (c->err || !parent)
		return NULL;
	if (text) {
		t = clean(text, strip, &c->err);
		if (!t)
			return NULL;
	}
	n = xmlNewTextChild(parent, ns, (const xmlChar *)name, t);
	xmlFree(t);
	if (!n)
		c->err = ENOMEM;
	return n;
}

static xmlNode *add_elem(struct ctx *c, xmlNode *parent, xmlNs *ns, const char *name)
{
	return add_text(c, parent, ns, name, NULL, false);
}

static void add_attr(struct ctx *c, xmlNode *node, const char *name, const char *value, bool strip)
{
	xmlChar *v;

	if (c->err || !node || !value)
		return;
	v = clean(value, strip, &c->err);
	if (!v)
		return;
	if (!xmlNewProp(node, (const xmlChar *)name, v))
		c->err = ENOMEM;
	xmlFree(v);
}

static void add_description(struct ctx *c, xmlNode *root, const struct conf_info *ci)
{
	xmlNode *desc = add_elem(c, root, c->ns, "conference-description");
	size_t i;

	/* RFC 4575 5.3 order: display-text, subject, free-text, keywords,
	 * conf-uris, ...; extensions last */
	if (ci->display_text)
		add_text(c, desc, c->ns, "display-text", ci->display_text, true);
	if (ci->subject)
		add_text(c, desc, c->ns, "subject", ci->subject, true);
	if (ci->free_text)
		add_text(c, desc, c->ns, "free-text", ci->free_text, true);
	if (ci->conf_uri) {
		xmlNode *uris = add_elem(c, desc, c->ns, "conf-uris");
		xmlNode *entry = add_elem(c, uris, c->ns, "entry");

		add_text(c, entry, c->ns, "uri", ci->conf_uri, false);
	}
	if (ci->file_count) {
		xmlNode *res = add_elem(c, desc, c->agp, "resources");
		xmlNode *files = add_elem(c, res, c->agp, "files");

		for (i = 0; i < ci->file_count && !c->err; i++) {
			const struct conf_info_file *f = &ci->files[i];
			xmlNode *fe = add_elem(c, files, c->agp, "file");
			char num[24];

			snprintf(num, sizeof(num), "%" PRIu64, f->size);
			add_attr(c, fe, "name", f->name, true);
			add_attr(c, fe, "hash", f->hash, false);
			add_attr(c, fe, "size", num, false);
			add_attr(c, fe, "sender", f->sender, true);
			add_attr(c, fe, "status", f->status, false);
		}
	}
}

static void add_endpoint(struct ctx *c, xmlNode *user, const struct conf_info_endpoint *ep)
{
	xmlNode *e = add_elem(c, user, c->ns, "endpoint");
	size_t i;

	add_attr(c, e, "entity", ep->entity, false);
	add_attr(c, e, "state", "full", false);
	/* RFC 4575 5.7 order: display-text, referred, status, joining-method,
	 * joining-info, disconnection-*, media */
	if (ep->display_text)
		add_text(c, e, c->ns, "display-text", ep->display_text, true);
	if (ep->status)
		add_text(c, e, c->ns, "status", ep->status, false);
	if (ep->joining_method)
		add_text(c, e, c->ns, "joining-method", ep->joining_method, false);
	if (ep->joining_when) {
		xmlNode *ji = add_elem(c, e, c->ns, "joining-info");

		add_text(c, ji, c->ns, "when", ep->joining_when, false);
	}
	for (i = 0; i < ep->media_count && !c->err; i++) {
		const struct conf_info_media *m = &ep->media[i];
		xmlNode *me = add_elem(c, e, c->ns, "media");

		add_attr(c, me, "id", m->id, false);
		/* RFC 4575 5.7.4 order: display-text, type, label, src-id, status */
		if (m->type)
			add_text(c, me, c->ns, "type", m->type, false);
		if (m->status)
			add_text(c, me, c->ns, "status", m->status, false);
	}
}

static void add_users(struct ctx *c, xmlNode *root, const struct conf_info *ci)
{
	xmlNode *users = add_elem(c, root, c->ns, "users");
	size_t i, k;

	add_attr(c, users, "state", "full", false);
	for (i = 0; i < ci->user_count_listed && !c->err; i++) {
		const struct conf_info_user *u = &ci->users[i];
		xmlNode *ue = add_elem(c, users, c->ns, "user");

		add_attr(c, ue, "entity", u->entity, false);
		add_attr(c, ue, "state", "full", false);
		if (u->display_text)
			add_text(c, ue, c->ns, "display-text", u->display_text, true);
		for (k = 0; k < u->endpoint_count && !c->err; k++)
			add_endpoint(c, ue, &u->endpoints[k]);
		/* extension elements after the RFC 4575 ones */
		if (u->screen_image_url)
			add_text(c, ue, c->agp, "screen_image_url", u->screen_image_url, false);
	}
}

static bool valid_input(const struct conf_info *ci)
{
	size_t i, k, j;

	if (!ci->entity || !*ci->entity || (ci->user_count_listed && !ci->users) ||
	    (ci->file_count && !ci->files))
		return false;
	for (i = 0; i < ci->file_count; i++)
		if (!ci->files[i].name)
			return false;
	for (i = 0; i < ci->user_count_listed; i++) {
		const struct conf_info_user *u = &ci->users[i];

		if (!u->entity || !*u->entity || (u->endpoint_count && !u->endpoints))
			return false;
		for (k = 0; k < u->endpoint_count; k++) {
			const struct conf_info_endpoint *ep = &u->endpoints[k];

			if (!ep->entity || !*ep->entity || (ep->media_count && !ep->media))
				return false;
			for (j = 0; j < ep->media_count; j++)
				if (!ep->media[j].id || !*ep->media[j].id)
					return false;
		}
	}
	return true;
}

int conf_info_build(char **xmlp, size_t *lenp, const struct conf_info *ci)
{
	struct ctx c = {0};
	xmlDoc *doc;
	xmlNode *root, *state;
	xmlChar *buf = NULL;
	int size = 0;
	char num[16];

	if (!xmlp)
		return EINVAL;
	*xmlp = NULL;
	if (!ci || !valid_input(ci))
		return EINVAL;

	doc = xmlNewDoc((const xmlChar *)"1.0");
	if (!doc)
		return ENOMEM;
	root = xmlNewDocNode(doc, NULL, (const xmlChar *)"conference-info", NULL);
	if (!root) {
		xmlFreeDoc(doc);
		return ENOMEM;
	}
	xmlDocSetRootElement(doc, root);
	c.ns = xmlNewNs(root, (const xmlChar *)CONF_INFO_NS, NULL);
	c.agp = xmlNewNs(root, (const xmlChar *)CONF_INFO_AGP_NS,
			 (const xmlChar *)CONF_INFO_AGP_PREFIX);
	if (!c.ns || !c.agp) {
		xmlFreeDoc(doc);
		return ENOMEM;
	}
	xmlSetNs(root, c.ns);

	snprintf(num, sizeof(num), "%u", ci->version);
	add_attr(&c, root, "entity", ci->entity, false);
	add_attr(&c, root, "state", "full", false);
	add_attr(&c, root, "version", num, false);

	add_description(&c, root, ci);
	state = add_elem(&c, root, c.ns, "conference-state");
	snprintf(num, sizeof(num), "%u", ci->user_count);
	add_text(&c, state, c.ns, "user-count", num, false);
	add_text(&c, state, c.ns, "active", ci->active ? "true" : "false", false);
	add_users(&c, root, ci);

	if (!c.err) {
		xmlDocDumpFormatMemoryEnc(doc, &buf, &size, "UTF-8", 1);
		if (!buf || size <= 0)
			c.err = ENOMEM;
	}
	xmlFreeDoc(doc);
	if (!c.err) {
		/* hand back plain malloc() memory whatever xmlMalloc is */
		*xmlp = malloc((size_t)size + 1);
		if (*xmlp) {
			memcpy(*xmlp, buf, (size_t)size);
			(*xmlp)[size] = '\0';
			if (lenp)
				*lenp = (size_t)size;
		} else {
			c.err = ENOMEM;
		}
	}
	xmlFree(buf);
	return c.err;
}
