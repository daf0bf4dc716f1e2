/* Is-composing documents (RFC 3994). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sylk_ws/im/iscomposing.h"

/* A small growable string; the first error sticks. */
struct out {
	char *p;
	size_t len, size;
	int err;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->err)
		return;
	if (o->len + n + 1 > o->size) {
		size_t size = o->size ? o->size : 256;
		char *p;

		while (size < o->len + n + 1)
			size *= 2;
		p = realloc(o->p, size);
		if (!p) {
			o->err = ENOMEM;
			return;
		}
		o->p = p;
		o->size = size;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void put_raw(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* Element text: escaped; control characters cannot appear in XML 1.0. */
static void put_esc(struct out *o, const char *s)
{
	for (; *s && !o->err; s++) {
		switch (*s) {
		case '&': put_raw(o, "&amp;"); break;
		case '<': put_raw(o, "&lt;"); break;
		case '>': put_raw(o, "&gt;"); break;
		default:
			if ((unsigned char)*s < 0x20)
				o->err = EINVAL;
			else
				put(o, s, 1);
		}
	}
}

static void put_elem(struct out *o, const char *name, const char *text)
{
	put_raw(o, "  <");
	put_raw(o, name);
	put_raw(o, ">");
	put_esc(o, text);
	put_raw(o, "</");
	put_raw(o, name);
	put_raw(o, ">\n");
}

int iscomposing_build(char **outp, size_t *lenp, bool active, const char *content_type,
		      unsigned refresh, const char *last_active)
{
	struct out o = { 0 };
	char num[16];

	if (!outp)
		return EINVAL;
	*outp = NULL;

	put_raw(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		    "<isComposing xmlns=\"" ISCOMPOSING_NS "\">\n");
	/* the schema's order: state, lastactive, contenttype, refresh */
	put_elem(&o, "state", active ? "active" : "idle");
	if (last_active)
		put_elem(&o, "lastactive", last_active);
	if (content_type)
		put_elem(&o, "contenttype", content_type);
	if (refresh) {
		snprintf(num, sizeof(num), "%u", refresh);
		put_elem(&o, "refresh", num);
	}
	put_raw(&o, "</isComposing>\n");

	if (o.err) {
		free(o.p);
		return o.err;
	}
	*outp = o.p;
	if (lenp)
		*lenp = o.len;
	return 0;
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
	}
	else {
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
		if (strcmp(name, "state") && strcmp(name, "lastactive")
		    && strcmp(name, "contenttype") && strcmp(name, "refresh"))
			continue;
		text = elem_text(n, &terr);
		if (!text) {
			err = terr;
			goto out;
		}
		if (strcmp(name, "state") == 0) {
			bool ok = !have_state
				&& (strcmp(text, "active") == 0 || strcmp(text, "idle") == 0);

			ic->active = strcmp(text, "active") == 0;
			have_state = true;
			free(text);
			if (!ok) {
				err = EBADMSG;
				goto out;
			}
		}
		else if (strcmp(name, "refresh") == 0) {
			char *end;
			unsigned long v = strtoul(text, &end, 10);

			if (!*text || *end || text[0] == '-' || v == 0 || v > UINT_MAX)
				ic->refresh = 0;
			else
				ic->refresh = (unsigned)v;
			free(text);
		}
		else if (strcmp(name, "contenttype") == 0 && !ic->content_type) {
			ic->content_type = text;
		}
		else if (strcmp(name, "lastactive") == 0 && !ic->last_active) {
			ic->last_active = text;
		}
		else {
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
