/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PIDF presence documents: see pidf.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sylk_ws/base/utf8.h"

#include "pidf.h"

#define PIDF_NS "urn:ietf:params:xml:ns:pidf"
#define RPID_NS "urn:ietf:params:xml:ns:pidf:rpid"

const char *pidf_basic_name(enum pidf_basic b)
{
	switch (b) {
	case PIDF_OPEN: return "open";
	case PIDF_CLOSED: return "closed";
	case PIDF_UNKNOWN: break;
	}
	return "unknown";
}

static bool in_ns(const xmlNode *n, const char *ns)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, ns);
}

/* Copies at most size - 1 bytes, not splitting a UTF-8 sequence. */
static void copy_text(char *dst, size_t size, const char *s)
{
	size_t len = strlen(s);

	if (len >= size) {
		len = size - 1;
		while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(dst, s, len);
	dst[len] = '\0';
}

static void set_text(char *dst, size_t size, const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);

	if (t)
		copy_text(dst, size, (const char *)t);
	xmlFree(t);
}

static void read_basic(struct pidf_status *st, const xmlNode *n)
{
	xmlChar *t = xmlNodeGetContent(n);

	if (t && !strcmp((const char *)t, "open"))
		st->basic = PIDF_OPEN;
	else if (t && !strcmp((const char *)t, "closed") && st->basic != PIDF_OPEN)
		st->basic = PIDF_CLOSED;
	xmlFree(t);
}

static void read_activities(struct pidf_status *st, const xmlNode *acts)
{
	for (const xmlNode *a = acts->children; a; a = a->next) {
		if (!in_ns(a, RPID_NS) || !strcmp((const char *)a->name, "note") ||
		    !strcmp((const char *)a->name, "other"))
			continue;
		if (!st->activity[0])
			copy_text(st->activity, sizeof(st->activity), (const char *)a->name);
		return;
	}
}

/* Walks the document below the root, in document order. */
static void walk(struct pidf_status *st, const xmlNode *n, int depth)
{
	for (; n && depth < 16; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (in_ns(n, PIDF_NS) && !strcmp((const char *)n->name, "basic"))
			read_basic(st, n);
		else if (!strcmp((const char *)n->name, "note") && !st->note[0])
			set_text(st->note, sizeof(st->note), n);
		else if (in_ns(n, RPID_NS) && !strcmp((const char *)n->name, "activities"))
			read_activities(st, n);
		walk(st, n->children, depth + 1);
	}
}

static bool input_ok(const char *xml, size_t len)
{
	static const char doctype[] = "<!DOCTYPE";

	if (len == 0 || len > PIDF_MAX_SIZE || !utf8_valid(xml, len))
		return false;
	return memmem(xml, len, doctype, sizeof(doctype) - 1) == NULL;
}

int pidf_parse(struct pidf_status *st, const char *xml, size_t len)
{
	xmlDoc *doc;
	xmlNode *root;
	xmlChar *entity;
	int err = EBADMSG;

	if (!st || !xml)
		return EINVAL;
	memset(st, 0, sizeof(*st));
	if (!input_ok(xml, len))
		return EBADMSG;
	doc = xmlReadMemory(xml, (int)len, NULL, "UTF-8",
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				    XML_PARSE_IGNORE_ENC);
	root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || !in_ns(root, PIDF_NS) || strcmp((const char *)root->name, "presence"))
		goto out;
	entity = xmlGetProp(root, (const xmlChar *)"entity");
	if (entity)
		copy_text(st->entity, sizeof(st->entity), (const char *)entity);
	xmlFree(entity);
	walk(st, root->children, 0);
	err = 0;
out:
	xmlFreeDoc(doc);
	if (err)
		memset(st, 0, sizeof(*st));
	return err;
}

int pidf_build(char **xml, size_t *len, const char *entity, const char *tuple_id, bool open,
	       const char *note)
{
	xmlDoc *doc;
	xmlNode *root, *tuple, *status;
	xmlNs *ns;
	xmlChar *buf = NULL;
	int n = 0, err = ENOMEM;

	if (!xml || !len || !entity || !tuple_id || !*tuple_id)
		return EINVAL;
	if (!utf8_valid(entity, strlen(entity)) || (note && !utf8_valid(note, strlen(note))))
		return EINVAL;
	doc = xmlNewDoc((const xmlChar *)"1.0");
	root = xmlNewNode(NULL, (const xmlChar *)"presence");
	if (!doc || !root) {
		xmlFreeNode(root);
		goto out;
	}
	xmlDocSetRootElement(doc, root);
	ns = xmlNewNs(root, (const xmlChar *)PIDF_NS, NULL);
	xmlSetNs(root, ns);
	if (!ns || !xmlNewProp(root, (const xmlChar *)"entity", (const xmlChar *)entity))
		goto out;
	tuple = xmlNewChild(root, ns, (const xmlChar *)"tuple", NULL);
	if (!tuple || !xmlNewProp(tuple, (const xmlChar *)"id", (const xmlChar *)tuple_id))
		goto out;
	status = xmlNewChild(tuple, ns, (const xmlChar *)"status", NULL);
	if (!status || !xmlNewTextChild(status, ns, (const xmlChar *)"basic",
					(const xmlChar *)(open ? "open" : "closed")))
		goto out;
	if (note && *note &&
	    !xmlNewTextChild(tuple, ns, (const xmlChar *)"note", (const xmlChar *)note))
		goto out;
	xmlDocDumpMemoryEnc(doc, &buf, &n, "UTF-8");
	if (!buf)
		goto out;
	*xml = strdup((const char *)buf);
	*len = (size_t)n;
	err = *xml ? 0 : ENOMEM;
out:
	xmlFree(buf);
	xmlFreeDoc(doc);
	return err;
}
