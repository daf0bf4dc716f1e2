/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sylkRTC address book <-> XCAP resource-lists and pres-rules. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "sylk_ws/base/utf8.h"
#include "sylk_ws/sip/sip_aor.h"

#include "addressbook.h"

#define RL_NS "urn:ietf:params:xml:ns:resource-lists"
#define CP_NS "urn:ietf:params:xml:ns:common-policy"
#define PR_NS "urn:ietf:params:xml:ns:pres-rules"
#define CONTACTS_LIST "sylk-contacts"
#define GROUPS_LIST "sylk-groups"
#define CONTACT_RULE "sylk-contact-"
#define JSON_DEPTH 16

static const char *const type_keys[] = {"contacts", "groups", "policies"};

const char *ab_reason_str(enum ab_reason r)
{
	switch (r) {
	case AB_OK: return "OK";
	case AB_NO_ID: return "Missing 'id'";
	case AB_BAD_ID: return "Invalid value for 'id'";
	case AB_NO_URI: return "Missing 'uri'";
	case AB_BAD_URI: return "Invalid value for 'uri'";
	case AB_BAD_FIELD: return "Invalid field type";
	case AB_EXISTS: return "Entry already exists";
	case AB_NOT_FOUND: return "Entry not found";
	case AB_TOO_LARGE: return "Address book too large";
	}
	return "?";
}

json_object *ab_new(void)
{
	json_object *ab = json_object_new_object();

	if (!ab)
		return NULL;
	for (size_t i = 0; i < 3; i++)
		json_object_object_add(ab, type_keys[i], json_object_new_array());
	return ab;
}

static json_object *array_of(const json_object *ab, enum sylkrtc_ab_type type)
{
	json_object *a = NULL;

	json_object_object_get_ex(ab, type_keys[type], &a);
	return json_object_is_type(a, json_type_array) ? a : NULL;
}

static const char *str_of(const json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* ---- checks ------------------------------------------------------------------ */

bool ab_uri_valid(const char *uri)
{
	struct sip_aor a;

	if (!uri || !*uri)
		return false;
	if (!strncasecmp(uri, "tel:", 4)) {
		const char *p = uri + 4;

		if (*p == '+')
			p++;
		if (!*p)
			return false;
		for (; *p; p++)
			if (!strchr("0123456789-.()", *p))
				return false;
		return true;
	}
	return sip_aor_decode(&a, uri, strlen(uri), NULL) == 0;
}

static bool id_valid(const char *id)
{
	size_t len = strlen(id);

	if (!len || len > AB_ID_MAX || !utf8_valid(id, len))
		return false;
	for (const unsigned char *p = (const unsigned char *)id; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

static enum ab_reason check_uris(json_object *c)
{
	json_object *uris = NULL;
	size_t n;

	if (!json_object_object_get_ex(c, "uris", &uris))
		return AB_NO_URI;
	if (!json_object_is_type(uris, json_type_array))
		return AB_BAD_FIELD;
	n = json_object_array_length(uris);
	if (!n)
		return AB_NO_URI;
	for (size_t i = 0; i < n; i++) {
		json_object *u = json_object_array_get_idx(uris, i);
		const char *s = json_object_is_type(u, json_type_object) ? str_of(u, "uri") : NULL;

		if (!s)
			return AB_NO_URI;
		if (!ab_uri_valid(s))
			return AB_BAD_URI;
	}
	return AB_OK;
}

static enum ab_reason check_handling(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(o, key, &v))
		return AB_OK;
	return json_object_is_type(v, json_type_object) ? AB_OK : AB_BAD_FIELD;
}

static enum ab_reason check_item(enum sylkrtc_ab_type type, json_object *o)
{
	const char *id = str_of(o, "id");
	enum ab_reason r;

	if (!id)
		return AB_NO_ID;
	if (!id_valid(id))
		return AB_BAD_ID;
	if (type == SYLKRTC_AB_CONTACT) {
		if ((r = check_uris(o)) != AB_OK)
			return r;
	} else if (type == SYLKRTC_AB_POLICY) {
		const char *uri = str_of(o, "uri");

		if (!uri)
			return AB_NO_URI;
		if (!ab_uri_valid(uri))
			return AB_BAD_URI;
	} else {
		json_object *cs = NULL;

		if (json_object_object_get_ex(o, "contacts", &cs) &&
		    !json_object_is_type(cs, json_type_array))
			return AB_BAD_FIELD;
	}
	if ((r = check_handling(o, "presence")) != AB_OK)
		return r;
	return check_handling(o, "dialog");
}

/* ---- reading ------------------------------------------------------------------- */

static bool input_ok(const char *xml, size_t len)
{
	static const char doctype[] = "<!DOCTYPE";

	if (!xml || len == 0 || len > AB_MAX_DOC || !utf8_valid(xml, len))
		return false;
	return memmem(xml, len, doctype, sizeof(doctype) - 1) == NULL;
}

static xmlDoc *read_doc(const char *xml, size_t len)
{
	if (!input_ok(xml, len))
		return NULL;
	return xmlReadMemory(xml, (int)len, NULL, "UTF-8",
			     XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				     XML_PARSE_IGNORE_ENC);
}

static bool is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, ns) && !strcmp((const char *)n->name, name);
}

static xmlNode *child(const xmlNode *n, const char *ns, const char *name)
{
	for (xmlNode *c = n->children; c; c = c->next)
		if (is_el(c, ns, name))
			return c;
	return NULL;
}

/* The element's text as a json string, or NULL. */
static json_object *text_of(const xmlNode *n)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	json_object *s = t ? json_object_new_string((const char *)t) : NULL;

	xmlFree(t);
	return s;
}

/* The JSON object kept in an extension element, or NULL. */
static json_object *json_of(const xmlNode *n)
{
	xmlChar *t = n ? xmlNodeGetContent(n) : NULL;
	json_tokener *tok;
	json_object *o = NULL;

	if (!t)
		return NULL;
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (tok) {
		o = json_tokener_parse_ex(tok, (const char *)t, (int)strlen((const char *)t));
		if (json_tokener_get_error(tok) != json_tokener_success ||
		    !json_object_is_type(o, json_type_object)) {
			json_object_put(o);
			o = NULL;
		}
		json_tokener_free(tok);
	}
	xmlFree(t);
	return o;
}

static const char *bare(const char *uri)
{
	if (!strncasecmp(uri, "sip:", 4))
		return uri + 4;
	if (!strncasecmp(uri, "sips:", 5))
		return uri + 5;
	return uri;
}

static json_object *handling(const char *policy, bool subscribe)
{
	json_object *h = json_object_new_object();

	json_object_object_add(h, "policy", json_object_new_string(policy));
	json_object_object_add(h, "subscribe", json_object_new_boolean(subscribe));
	return h;
}

/* A contact made from a foreign entry: its URI is its id. */
static json_object *plain_contact(const char *uri)
{
	json_object *c = json_object_new_object(), *uris = json_object_new_array(),
		    *u = json_object_new_object();

	json_object_object_add(u, "id", json_object_new_string(bare(uri)));
	json_object_object_add(u, "uri", json_object_new_string(bare(uri)));
	json_object_array_add(uris, u);
	json_object_object_add(c, "id", json_object_new_string(bare(uri)));
	json_object_object_add(c, "name", json_object_new_string(""));
	json_object_object_add(c, "uris", uris);
	json_object_object_add(c, "dialog", handling("default", false));
	json_object_object_add(c, "presence", handling("default", false));
	return c;
}

static bool has_id(json_object *arr, const char *id)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!strcmp(str_of(json_object_array_get_idx(arr, i), "id") ?: "", id))
			return true;
	return false;
}

/* One <entry> as a contact appended to @p arr (unless its id is there). */
static void read_entry(json_object *arr, const xmlNode *e)
{
	xmlChar *uri = xmlGetProp(e, (const xmlChar *)"uri");
	json_object *c = json_of(child(e, AB_NS, "contact")), *name;

	if (!c && uri && ab_uri_valid(bare((const char *)uri)))
		c = plain_contact((const char *)uri);
	xmlFree(uri);
	if (!c || check_item(SYLKRTC_AB_CONTACT, c) != AB_OK || has_id(arr, str_of(c, "id"))) {
		json_object_put(c);
		return;
	}
	name = text_of(child(e, RL_NS, "display-name"));
	if (name)
		json_object_object_add(c, "name", name);
	json_object_array_add(arr, c);
}

static void read_entries(json_object *arr, const xmlNode *list)
{
	for (xmlNode *c = list->children; c; c = c->next) {
		if (is_el(c, RL_NS, "entry"))
			read_entry(arr, c);
		else if (is_el(c, RL_NS, "list"))
			read_entries(arr, c);
	}
}

static void read_group(json_object *groups, const xmlNode *l)
{
	xmlChar *id = xmlGetProp(l, (const xmlChar *)"name");
	json_object *g = json_of(child(l, AB_NS, "group")), *cs = json_object_new_array(), *name;

	if (!g && id) {
		g = json_object_new_object();
		json_object_object_add(g, "id", json_object_new_string((const char *)id));
	}
	xmlFree(id);
	if (!g || !cs) {
		json_object_put(g);
		json_object_put(cs);
		return;
	}
	read_entries(cs, l);
	json_object_object_add(g, "contacts", cs);
	if (check_item(SYLKRTC_AB_GROUP, g) != AB_OK || has_id(groups, str_of(g, "id"))) {
		json_object_put(g);
		return;
	}
	name = text_of(child(l, RL_NS, "display-name"));
	if (name)
		json_object_object_add(g, "name", name);
	else if (!str_of(g, "name"))
		json_object_object_add(g, "name", json_object_new_string(""));
	json_object_array_add(groups, g);
}

int ab_read_lists(json_object *ab, const char *xml, size_t len)
{
	xmlDoc *doc = read_doc(xml, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	json_object *contacts = json_object_new_array(), *groups = json_object_new_array();
	int err = EBADMSG;

	if (!root || !is_el(root, RL_NS, "resource-lists"))
		goto out;
	for (xmlNode *l = root->children; l; l = l->next) {
		xmlChar *name;

		if (!is_el(l, RL_NS, "list"))
			continue;
		name = xmlGetProp(l, (const xmlChar *)"name");
		if (name && !strcmp((const char *)name, GROUPS_LIST)) {
			for (xmlNode *g = l->children; g; g = g->next)
				if (is_el(g, RL_NS, "list"))
					read_group(groups, g);
		} else {
			read_entries(contacts, l);
		}
		xmlFree(name);
	}
	json_object_object_add(ab, "contacts", contacts);
	json_object_object_add(ab, "groups", groups);
	contacts = groups = NULL;
	err = 0;
out:
	json_object_put(contacts);
	json_object_put(groups);
	xmlFreeDoc(doc);
	return err;
}

static const char *policy_from_handling(const char *h)
{
	if (!strcmp(h, "allow") || !strcmp(h, "block"))
		return h;
	if (!strcmp(h, "polite-block"))
		return "ignore";
	return "default";
}

/* A policy made from a foreign rule. */
static json_object *plain_policy(const char *id, const xmlNode *rule)
{
	xmlNode *cond = child(rule, CP_NS, "conditions"), *ident, *one, *act, *sh;
	xmlChar *uri = NULL;
	json_object *p = NULL, *h;

	ident = cond ? child(cond, CP_NS, "identity") : NULL;
	one = ident ? child(ident, CP_NS, "one") : NULL;
	uri = one ? xmlGetProp(one, (const xmlChar *)"id") : NULL;
	if (!uri || !ab_uri_valid(bare((const char *)uri)))
		goto out;
	act = child(rule, CP_NS, "actions");
	sh = act ? child(act, PR_NS, "sub-handling") : NULL;
	h = text_of(sh);
	p = json_object_new_object();
	json_object_object_add(p, "id", json_object_new_string(id));
	json_object_object_add(p, "name", json_object_new_string(""));
	json_object_object_add(p, "uri", json_object_new_string(bare((const char *)uri)));
	json_object_object_add(p, "dialog", handling("default", false));
	json_object_object_add(p, "presence",
			       handling(policy_from_handling(h ? json_object_get_string(h) : ""),
					false));
	json_object_put(h);
out:
	xmlFree(uri);
	return p;
}

static void read_rule(json_object *policies, const xmlNode *rule)
{
	xmlChar *id = xmlGetProp(rule, (const xmlChar *)"id");
	json_object *p = NULL;

	if (!id || !strncmp((const char *)id, CONTACT_RULE, strlen(CONTACT_RULE)) ||
	    !strcmp((const char *)id, AB_DEFAULT_RULE))
		goto out;
	p = json_of(child(rule, AB_NS, "policy"));
	if (!p)
		p = plain_policy((const char *)id, rule);
	if (!p || check_item(SYLKRTC_AB_POLICY, p) != AB_OK || has_id(policies, str_of(p, "id"))) {
		json_object_put(p);
		goto out;
	}
	json_object_array_add(policies, p);
out:
	xmlFree(id);
}

int ab_read_rules(json_object *ab, const char *xml, size_t len)
{
	xmlDoc *doc = read_doc(xml, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	json_object *policies;

	if (!root || !is_el(root, CP_NS, "ruleset")) {
		xmlFreeDoc(doc);
		return EBADMSG;
	}
	policies = json_object_new_array();
	for (xmlNode *r = root->children; r; r = r->next)
		if (is_el(r, CP_NS, "rule"))
			read_rule(policies, r);
	json_object_object_add(ab, "policies", policies);
	xmlFreeDoc(doc);
	return 0;
}

/* ---- writing ------------------------------------------------------------------- */

static char *sip_uri(const char *uri)
{
	char *s = NULL;

	if (!strncasecmp(uri, "tel:", 4) || !strncasecmp(uri, "sip:", 4) ||
	    !strncasecmp(uri, "sips:", 5))
		return strdup(uri);
	if (asprintf(&s, "sip:%s", uri) < 0)
		return NULL;
	return s;
}

static const char *default_uri(json_object *c)
{
	json_object *d = NULL, *uris = NULL;
	const char *s;

	if (json_object_object_get_ex(c, "defaultUri", &d) && (s = str_of(d, "uri")))
		return s;
	if (json_object_object_get_ex(c, "uris", &uris) && json_object_array_length(uris) > 0)
		return str_of(json_object_array_get_idx(uris, 0), "uri");
	return NULL;
}

static int add_json(xmlNode *parent, xmlNs *ns, const char *name, json_object *o)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);

	return s && xmlNewTextChild(parent, ns, (const xmlChar *)name, (const xmlChar *)s) ? 0 :
											     ENOMEM;
}

static int write_entry(xmlNode *list, xmlNs *rl, xmlNs *ab, json_object *c)
{
	const char *name = str_of(c, "name"), *uri = default_uri(c);
	char *su = uri ? sip_uri(uri) : NULL;
	xmlNode *e;
	int err = ENOMEM;

	if (!su)
		return uri ? ENOMEM : 0;
	e = xmlNewChild(list, rl, (const xmlChar *)"entry", NULL);
	if (!e || !xmlNewProp(e, (const xmlChar *)"uri", (const xmlChar *)su))
		goto out;
	if (name && *name &&
	    !xmlNewTextChild(e, rl, (const xmlChar *)"display-name", (const xmlChar *)name))
		goto out;
	err = add_json(e, ab, "contact", c);
out:
	free(su);
	return err;
}

static int write_group(xmlNode *groups, xmlNs *rl, xmlNs *ab, json_object *g)
{
	json_object *copy = NULL, *cs = NULL;
	const char *name = str_of(g, "name");
	xmlNode *l = xmlNewChild(groups, rl, (const xmlChar *)"list", NULL);
	int err = ENOMEM;

	if (!l || !xmlNewProp(l, (const xmlChar *)"name", (const xmlChar *)str_of(g, "id")))
		return ENOMEM;
	if (name && *name &&
	    !xmlNewTextChild(l, rl, (const xmlChar *)"display-name", (const xmlChar *)name))
		return ENOMEM;
	if (json_object_deep_copy(g, &copy, NULL) != 0)
		return ENOMEM;
	json_object_object_del(copy, "contacts");
	err = add_json(l, ab, "group", copy);
	json_object_object_get_ex(g, "contacts", &cs);
	for (size_t i = 0; !err && i < json_object_array_length(cs); i++)
		err = write_entry(l, rl, ab, json_object_array_get_idx(cs, i));
	json_object_put(copy);
	return err;
}

static int dump(xmlDoc *doc, char **xml, size_t *len)
{
	xmlChar *buf = NULL;
	int n = 0;

	xmlDocDumpFormatMemoryEnc(doc, &buf, &n, "UTF-8", 1);
	if (!buf)
		return ENOMEM;
	*xml = strdup((const char *)buf);
	*len = (size_t)n;
	xmlFree(buf);
	return *xml ? 0 : ENOMEM;
}

int ab_write_lists(const json_object *ab, char **xml, size_t *len)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"resource-lists"), *cl, *gl;
	json_object *contacts = array_of(ab, SYLKRTC_AB_CONTACT),
		    *groups = array_of(ab, SYLKRTC_AB_GROUP);
	xmlNs *rl, *abns;
	int err = ENOMEM;

	if (!doc || !root)
		goto out;
	xmlDocSetRootElement(doc, root);
	rl = xmlNewNs(root, (const xmlChar *)RL_NS, NULL);
	abns = xmlNewNs(root, (const xmlChar *)AB_NS, (const xmlChar *)"sylk");
	xmlSetNs(root, rl);
	cl = xmlNewChild(root, rl, (const xmlChar *)"list", NULL);
	gl = xmlNewChild(root, rl, (const xmlChar *)"list", NULL);
	if (!rl || !abns || !cl || !gl)
		goto out;
	xmlNewProp(cl, (const xmlChar *)"name", (const xmlChar *)CONTACTS_LIST);
	xmlNewProp(gl, (const xmlChar *)"name", (const xmlChar *)GROUPS_LIST);
	err = 0;
	for (size_t i = 0; !err && i < json_object_array_length(contacts); i++)
		err = write_entry(cl, rl, abns, json_object_array_get_idx(contacts, i));
	for (size_t i = 0; !err && i < json_object_array_length(groups); i++)
		err = write_group(gl, rl, abns, json_object_array_get_idx(groups, i));
	if (!err)
		err = dump(doc, xml, len);
out:
	if (!doc)
		xmlFreeNode(root);
	xmlFreeDoc(doc);
	return err;
}

static const char *handling_of(json_object *o)
{
	json_object *p = NULL;
	const char *s;

	if (!json_object_object_get_ex(o, "presence", &p) || !(s = str_of(p, "policy")))
		return NULL;
	if (!strcmp(s, "allow") || !strcmp(s, "block"))
		return s;
	if (!strcmp(s, "ignore"))
		return "polite-block";
	return NULL;
}

struct ns3 {
	xmlNs *cp, *pr, *ab;
};

static int write_rule(xmlNode *root, const struct ns3 *ns, const char *id, const char *uri,
		      const char *sub, json_object *policy)
{
	xmlNode *r = xmlNewChild(root, ns->cp, (const xmlChar *)"rule", NULL), *c, *i, *o, *a, *t;
	char *su = sip_uri(uri);
	int err = ENOMEM;

	if (!r || !su || !xmlNewProp(r, (const xmlChar *)"id", (const xmlChar *)id))
		goto out;
	c = xmlNewChild(r, ns->cp, (const xmlChar *)"conditions", NULL);
	i = c ? xmlNewChild(c, ns->cp, (const xmlChar *)"identity", NULL) : NULL;
	o = i ? xmlNewChild(i, ns->cp, (const xmlChar *)"one", NULL) : NULL;
	if (!o || !xmlNewProp(o, (const xmlChar *)"id", (const xmlChar *)su))
		goto out;
	a = xmlNewChild(r, ns->cp, (const xmlChar *)"actions", NULL);
	if (!a || !xmlNewTextChild(a, ns->pr, (const xmlChar *)"sub-handling",
				   (const xmlChar *)(sub ? sub : "confirm")))
		goto out;
	t = xmlNewChild(r, ns->cp, (const xmlChar *)"transformations", NULL);
	if (!t)
		goto out;
	if (sub && !strcmp(sub, "allow")) {
		xmlNode *s = xmlNewChild(t, ns->pr, (const xmlChar *)"provide-services", NULL),
			*p = xmlNewChild(t, ns->pr, (const xmlChar *)"provide-persons", NULL),
			*d = xmlNewChild(t, ns->pr, (const xmlChar *)"provide-devices", NULL);

		if (!s || !p || !d ||
		    !xmlNewChild(s, ns->pr, (const xmlChar *)"all-services", NULL) ||
		    !xmlNewChild(p, ns->pr, (const xmlChar *)"all-persons", NULL) ||
		    !xmlNewChild(d, ns->pr, (const xmlChar *)"all-devices", NULL) ||
		    !xmlNewChild(t, ns->pr, (const xmlChar *)"provide-all-attributes", NULL))
			goto out;
	}
	err = policy ? add_json(r, ns->ab, "policy", policy) : 0;
out:
	free(su);
	return err;
}

static int write_contact_rules(xmlNode *root, const struct ns3 *ns, json_object *c)
{
	const char *sub = handling_of(c), *cid = str_of(c, "id");
	json_object *uris = NULL;
	char id[AB_ID_MAX + 64];
	int err = 0;

	if (!sub || !json_object_object_get_ex(c, "uris", &uris))
		return 0;
	for (size_t i = 0; !err && i < json_object_array_length(uris); i++) {
		const char *uri = str_of(json_object_array_get_idx(uris, i), "uri");

		snprintf(id, sizeof(id), CONTACT_RULE "%s-%zu", cid, i);
		if (uri && strncasecmp(uri, "tel:", 4))
			err = write_rule(root, ns, id, uri, sub, NULL);
	}
	return err;
}

/* The last rule: users of @p domain may watch (presence_xml applies the
 * first rule whose identity matches, so the rules above win over it). */
static int write_default_rule(xmlNode *root, const struct ns3 *ns, const char *domain)
{
	xmlNode *r = xmlNewChild(root, ns->cp, (const xmlChar *)"rule", NULL), *c, *i, *m, *a, *t;

	if (!r || !xmlNewProp(r, (const xmlChar *)"id", (const xmlChar *)AB_DEFAULT_RULE))
		return ENOMEM;
	c = xmlNewChild(r, ns->cp, (const xmlChar *)"conditions", NULL);
	i = c ? xmlNewChild(c, ns->cp, (const xmlChar *)"identity", NULL) : NULL;
	m = i ? xmlNewChild(i, ns->cp, (const xmlChar *)"many", NULL) : NULL;
	if (!m || !xmlNewProp(m, (const xmlChar *)"domain", (const xmlChar *)domain))
		return ENOMEM;
	a = xmlNewChild(r, ns->cp, (const xmlChar *)"actions", NULL);
	if (!a ||
	    !xmlNewTextChild(a, ns->pr, (const xmlChar *)"sub-handling", (const xmlChar *)"allow"))
		return ENOMEM;
	t = xmlNewChild(r, ns->cp, (const xmlChar *)"transformations", NULL);
	if (!t || !xmlNewChild(t, ns->pr, (const xmlChar *)"provide-all-attributes", NULL))
		return ENOMEM;
	return 0;
}

int ab_write_rules(const json_object *ab, char **xml, size_t *len)
{
	return ab_write_rules_for(ab, NULL, xml, len);
}

int ab_write_rules_for(const json_object *ab, const char *domain, char **xml, size_t *len)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"ruleset");
	json_object *policies = array_of(ab, SYLKRTC_AB_POLICY),
		    *contacts = array_of(ab, SYLKRTC_AB_CONTACT);
	struct ns3 ns;
	int err = ENOMEM;

	if (!doc || !root)
		goto out;
	xmlDocSetRootElement(doc, root);
	ns.cp = xmlNewNs(root, (const xmlChar *)CP_NS, (const xmlChar *)"cr");
	ns.pr = xmlNewNs(root, (const xmlChar *)PR_NS, (const xmlChar *)"pr");
	ns.ab = xmlNewNs(root, (const xmlChar *)AB_NS, (const xmlChar *)"sylk");
	if (!ns.cp || !ns.pr || !ns.ab)
		goto out;
	xmlSetNs(root, ns.cp);
	err = 0;
	for (size_t i = 0; !err && i < json_object_array_length(policies); i++) {
		json_object *p = json_object_array_get_idx(policies, i);

		err = write_rule(root, &ns, str_of(p, "id"), str_of(p, "uri"), handling_of(p), p);
	}
	for (size_t i = 0; !err && i < json_object_array_length(contacts); i++)
		err = write_contact_rules(root, &ns, json_object_array_get_idx(contacts, i));
	if (!err && domain && *domain)
		err = write_default_rule(root, &ns, domain);
	if (!err)
		err = dump(doc, xml, len);
out:
	if (!doc)
		xmlFreeNode(root);
	xmlFreeDoc(doc);
	return err;
}

/* ---- updates -------------------------------------------------------------------- */

static json_object *parse_data(const char *data_json)
{
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	json_object *o = NULL;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, data_json, (int)strlen(data_json));
	if (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

static int index_of(json_object *arr, const char *id)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++)
		if (!strcmp(str_of(json_object_array_get_idx(arr, i), "id") ?: "", id))
			return (int)i;
	return -1;
}

/* A deleted contact leaves the groups too. */
static void drop_from_groups(json_object *ab, const char *id)
{
	json_object *groups = array_of(ab, SYLKRTC_AB_GROUP), *cs;
	int at;

	for (size_t i = 0; i < json_object_array_length(groups); i++) {
		cs = NULL;
		json_object_object_get_ex(json_object_array_get_idx(groups, i), "contacts", &cs);
		if (json_object_is_type(cs, json_type_array) && (at = index_of(cs, id)) >= 0)
			json_object_array_del_idx(cs, (size_t)at, 1);
	}
}

static enum ab_reason apply(json_object *ab, enum sylkrtc_ab_type type,
			    enum sylkrtc_ab_action action, json_object *d, json_object **item)
{
	json_object *arr = array_of(ab, type);
	const char *id = str_of(d, "id");
	int at;

	if (!id)
		return AB_NO_ID;
	if (!arr)
		return AB_BAD_FIELD;
	at = index_of(arr, id);
	if (action == SYLKRTC_AB_DELETE) {
		if (at < 0)
			return AB_NOT_FOUND;
		*item = json_object_get(json_object_array_get_idx(arr, (size_t)at));
		json_object_array_del_idx(arr, (size_t)at, 1);
		if (type == SYLKRTC_AB_CONTACT)
			drop_from_groups(ab, id);
		return AB_OK;
	}
	enum ab_reason r = check_item(type, d);

	if (r != AB_OK)
		return r;
	if (action == SYLKRTC_AB_ADD && at >= 0)
		return AB_EXISTS;
	if (action == SYLKRTC_AB_UPDATE && at < 0)
		return AB_NOT_FOUND;
	*item = json_object_get(d);
	if (at >= 0)
		json_object_array_put_idx(arr, (size_t)at, json_object_get(d));
	else
		json_object_array_add(arr, json_object_get(d));
	return AB_OK;
}

int ab_apply(json_object *ab, enum sylkrtc_ab_type type, enum sylkrtc_ab_action action,
	     const char *data_json, json_object **item, char *id, enum ab_reason *why)
{
	json_object *d;
	const char *s;
	int err = EINVAL;

	*item = NULL;
	*why = AB_BAD_FIELD;
	id[0] = '\0';
	if ((unsigned)type > SYLKRTC_AB_POLICY || (unsigned)action > SYLKRTC_AB_DELETE)
		return EINVAL;
	d = parse_data(data_json ? data_json : "");
	if (!d)
		return EINVAL;
	if ((s = str_of(d, "id")) && strlen(s) <= AB_ID_MAX)
		strcpy(id, s);
	*why = apply(ab, type, action, d, item);
	if (*why == AB_OK)
		err = 0;
	json_object_put(d);
	return err;
}

/* ---- changes -------------------------------------------------------------------- */

static int diff_type(const json_object *before, const json_object *after, enum sylkrtc_ab_type type,
		     ab_change_fn fn, void *arg)
{
	json_object *b = array_of(before, type), *a = array_of(after, type);
	int rc = 0;

	for (size_t i = 0; !rc && i < json_object_array_length(a); i++) {
		json_object *n = json_object_array_get_idx(a, i);
		int at = index_of(b, str_of(n, "id") ?: "");

		if (at < 0)
			rc = fn(type, SYLKRTC_AB_ADD, n, arg);
		else if (!json_object_equal(n, json_object_array_get_idx(b, (size_t)at)))
			rc = fn(type, SYLKRTC_AB_UPDATE, n, arg);
	}
	for (size_t i = 0; !rc && i < json_object_array_length(b); i++) {
		json_object *o = json_object_array_get_idx(b, i);

		if (index_of(a, str_of(o, "id") ?: "") < 0)
			rc = fn(type, SYLKRTC_AB_DELETE, o, arg);
	}
	return rc;
}

int ab_diff(const json_object *before, const json_object *after, ab_change_fn fn, void *arg)
{
	int rc = 0;

	for (int t = SYLKRTC_AB_CONTACT; !rc && t <= SYLKRTC_AB_POLICY; t++)
		rc = diff_type(before, after, (enum sylkrtc_ab_type)t, fn, arg);
	return rc;
}

static const char *watch_uri(json_object *c)
{
	const char *d = default_uri(c);
	json_object *uris = NULL;

	if (d && strncasecmp(d, "tel:", 4))
		return d;
	json_object_object_get_ex(c, "uris", &uris);
	for (size_t i = 0; i < json_object_array_length(uris); i++) {
		const char *u = str_of(json_object_array_get_idx(uris, i), "uri");

		if (u && strncasecmp(u, "tel:", 4))
			return u;
	}
	return NULL;
}

int ab_watch_list(const json_object *ab, size_t max, ab_watch_fn fn, void *arg)
{
	json_object *contacts = array_of(ab, SYLKRTC_AB_CONTACT), *p, *s;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; !rc && n < max && i < json_object_array_length(contacts); i++) {
		json_object *c = json_object_array_get_idx(contacts, i);
		const char *uri;
		struct sip_aor a;
		char buf[SIP_AOR_MAX_LEN + 1];

		p = s = NULL;
		if (!json_object_object_get_ex(c, "presence", &p) ||
		    !json_object_object_get_ex(p, "subscribe", &s) || !json_object_get_boolean(s))
			continue;
		uri = watch_uri(c);
		if (!uri || sip_aor_decode(&a, uri, strlen(uri), NULL) != 0 ||
		    a.aor_len >= sizeof(buf))
			continue;
		memcpy(buf, a.aor, a.aor_len);
		buf[a.aor_len] = '\0';
		rc = fn(buf, arg);
		n++;
	}
	return rc;
}
