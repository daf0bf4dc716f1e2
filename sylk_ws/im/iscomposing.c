/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Is-composing documents (RFC 3994). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/im/iscomposing.h"

/* Element text as XML 1.0 can carry it: no control characters. */
static bool text_ok(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20)
			return false;
	return true;
}

/* Element text, escaped (checked by text_ok() beforehand). */
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

static void put_elem(struct sbuf *sb, const char *name, const char *text)
{
	sbuf_printf(sb, "  <%s>", name);
	put_esc(sb, text);
	sbuf_printf(sb, "</%s>\n", name);
}

int iscomposing_build(char **outp, size_t *lenp, bool active, const char *content_type,
		      unsigned refresh, const char *last_active)
{
	struct sbuf sb = SBUF_INIT;
	char num[16];
	int err;

	if (!outp)
		return EINVAL;
	*outp = NULL;
	if (!text_ok(content_type) || !text_ok(last_active))
		return EINVAL;

	sbuf_puts(&sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		       "<isComposing xmlns=\"" ISCOMPOSING_NS "\">\n");
	/* the schema's order: state, lastactive, contenttype, refresh */
	put_elem(&sb, "state", active ? "active" : "idle");
	if (last_active)
		put_elem(&sb, "lastactive", last_active);
	if (content_type)
		put_elem(&sb, "contenttype", content_type);
	if (refresh) {
		snprintf(num, sizeof(num), "%u", refresh);
		put_elem(&sb, "refresh", num);
	}
	sbuf_puts(&sb, "</isComposing>\n");

	err = sbuf_err(&sb);
	if (!err) {
		*outp = sbuf_detach(&sb, lenp);
		err = *outp ? 0 : ENOMEM;
	}
	sbuf_reset(&sb);
	return err;
}

void iscomposing_free(struct iscomposing *ic)
{
	if (!ic)
		return;
	free(ic->content_type);
	free(ic->last_active);
	free(ic);
}

static bool in_ns(const xmlNode *n)
{
	return n->ns && n->ns->href && strcmp((const char *)n->ns->href, ISCOMPOSING_NS) == 0;
}

/* Trimmed text content of an element, as a new C string. */
static char *elem_text(xmlNode *n, int *err)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s, *e;
	char *out;

	*err = 0;
	if (!c) {
		*err = ENOMEM;
		return NULL;
	}
	s = (const char *)c;
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	out = malloc((size_t)(e - s) + 1);
	if (out) {
		memcpy(out, s, (size_t)(e - s));
		out[e - s] = '\0';
	} else {
		*err = ENOMEM;
	}
	xmlFree(c);
	return out;
}

int iscomposing_parse(struct iscomposing **ip, const void *data, size_t len)
{
	struct iscomposing *ic = NULL;
	bool have_state = false;
	xmlDoc *doc;
	xmlNode *root, *n;
	int err = EBADMSG;

	if (!ip || !data)
		return EINVAL;
	*ip = NULL;
	if (len == 0 || len > ISCOMPOSING_MAX_SIZE)
		return EBADMSG;

	/* no network, no entity expansion, no noise on stderr */
	doc = xmlReadMemory(data, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return EBADMSG;
	if (doc->intSubset || doc->extSubset)
		goto out;
	root = xmlDocGetRootElement(doc);
	if (!root || !in_ns(root) || strcmp((const char *)root->name, "isComposing") != 0)
		goto out;

	ic = calloc(1, sizeof(*ic));
	if (!ic) {
		err = ENOMEM;
		goto out;
	}
	for (n = root->children; n; n = n->next) {
		const char *name = (const char *)n->name;
		char *text;
		int terr;

		if (n->type != XML_ELEMENT_NODE || !in_ns(n))
			continue;
		if (strcmp(name, "state") && strcmp(name, "lastactive") &&
		    strcmp(name, "contenttype") && strcmp(name, "refresh"))
			continue;
		text = elem_text(n, &terr);
		if (!text) {
			err = terr;
			goto out;
		}
		if (strcmp(name, "state") == 0) {
			bool ok = !have_state &&
				  (strcmp(text, "active") == 0 || strcmp(text, "idle") == 0);

			ic->active = strcmp(text, "active") == 0;
			have_state = true;
			free(text);
			if (!ok) {
				err = EBADMSG;
				goto out;
			}
		} else if (strcmp(name, "refresh") == 0) {
			char *end;
			unsigned long v = strtoul(text, &end, 10);

			if (!*text || *end || text[0] == '-' || v == 0 || v > UINT_MAX)
				ic->refresh = 0;
			else
				ic->refresh = (unsigned)v;
			free(text);
		} else if (strcmp(name, "contenttype") == 0 && !ic->content_type) {
			ic->content_type = text;
		} else if (strcmp(name, "lastactive") == 0 && !ic->last_active) {
			ic->last_active = text;
		} else {
			free(text);
		}
	}
	err = have_state ? 0 : EBADMSG;
out:
	xmlFreeDoc(doc);
	if (err) {
		iscomposing_free(ic);
		return err;
	}
	*ip = ic;
	return 0;
}

bool iscomposing_is_content_type(const char *ct)
{
	size_t n = strlen(ISCOMPOSING_CONTENT_TYPE);

	if (!ct)
		return false;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, ISCOMPOSING_CONTENT_TYPE, n) != 0)
		return false;
	ct += n;
	return *ct == '\0' || *ct == ';' || *ct == ' ' || *ct == '\t';
}
