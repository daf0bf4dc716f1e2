/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file addressbook.h  The sylkRTC address book and its XCAP documents
 *
 * The address book of sylkRTC (SylkServer's models/xcap.py: contacts,
 * groups, policies) is kept as two XCAP documents of the user:
 *
 *   resource-lists (RFC 4826), auid "resource-lists", document "index":
 *     <list name="sylk-contacts">
 *       <entry uri="sip:bob@example.com">        the contact's default URI
 *         <display-name>Bob</display-name>      its name
 *         <sylk:contact>{JSON}</sylk:contact>   the whole sylkRTC object
 *       </entry>
 *     </list>
 *     <list name="sylk-groups">
 *       <list name="GROUP-ID"><display-name>..</display-name>
 *         <sylk:group>{JSON without contacts}</sylk:group>
 *         <entry ...>  the group's contacts, as above
 *       </list>
 *     </list>
 *   pres-rules (RFC 5025), auid "pres-rules", document "index": one
 *     common-policy rule per policy (<cr:one id="sip:URI"/>, the
 *     sub-handling its presence policy maps to, all transformations when
 *     allowed, <sylk:policy>{JSON}</sylk:policy>) and one rule
 *     "sylk-contact-ID" per contact whose presence policy is set.
 *
 * An entry without <sylk:contact> (written by another XCAP client) is a
 * contact whose id is its URI and whose name is its display-name; a rule
 * without <sylk:policy> is a policy made from its identity and
 * sub-handling. The display-name of an entry wins over the name in the
 * JSON, so a SIP client may rename a contact.
 *
 * The address book is a json-c object {"contacts":[],"groups":[],
 * "policies":[]}. Parsing refuses DOCTYPEs, invalid UTF-8 and documents
 * over AB_MAX_DOC bytes.
 */
#ifndef SYLK_WS_CONTACTS_ADDRESSBOOK_H
#define SYLK_WS_CONTACTS_ADDRESSBOOK_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "sylk_ws/sylkrtc/sylkrtc_request.h"

#define AB_MAX_DOC (1024 * 1024)
#define AB_ID_MAX 128
#define AB_NS "urn:sylk:xml:ns:addressbook"
/** id of the default rule of a pres-rules document (ab_write_rules_for) */
#define AB_DEFAULT_RULE "sylk-default"

/** Why an update was refused; the text names the field. */
enum ab_reason {
	AB_OK = 0,
	AB_NO_ID,     /**< data without a string "id"                  */
	AB_BAD_ID,    /**< id empty, too long or with control chars    */
	AB_NO_URI,    /**< contact without "uris" / policy without uri */
	AB_BAD_URI,   /**< a URI that is no sip:/sips:/tel: address    */
	AB_BAD_FIELD, /**< a field of the wrong JSON type              */
	AB_EXISTS,    /**< add of an id already there                  */
	AB_NOT_FOUND, /**< update/delete of an id not there            */
	AB_TOO_LARGE, /**< the document would exceed the size limit    */
};

const char *ab_reason_str(enum ab_reason r);

/** A new empty address book (caller json_object_put()s it). */
json_object *ab_new(void);

/** Reads a resource-lists document into @p ab's contacts and groups
 *  (replacing them). 0, EBADMSG (not a resource-lists document) or ENOMEM. */
int ab_read_lists(json_object *ab, const char *xml, size_t len);

/** Reads a pres-rules document into @p ab's policies. */
int ab_read_rules(json_object *ab, const char *xml, size_t len);

/** The two documents of @p ab (malloc'd, NUL-terminated). */
int ab_write_lists(const json_object *ab, char **xml, size_t *len);
int ab_write_rules(const json_object *ab, char **xml, size_t *len);

/** The same, ending with the default rule AB_DEFAULT_RULE when @p domain
 *  is given: <cr:many domain="DOMAIN"/> allow, i.e. users of the domain
 *  may watch unless a rule above (a policy or a contact) says otherwise.
 *  Reading ignores that rule (it is no policy). */
int ab_write_rules_for(const json_object *ab, const char *domain, char **xml, size_t *len);

/**
 * Applies one account-update-addressbook to @p ab.
 *
 * @param data_json  the request's "data" object
 * @param item       on success, the object the event carries (a new
 *                   reference; for delete the removed object)
 * @param id         the data's id when there is one (for the failure
 *                   event), AB_ID_MAX + 1 bytes
 * @param why        the reason of an EINVAL
 * @return 0, EINVAL (refused, see @p why) or ENOMEM.
 */
int ab_apply(json_object *ab, enum sylkrtc_ab_type type, enum sylkrtc_ab_action action,
	     const char *data_json, json_object **item, char *id, enum ab_reason *why);

/** One change between two address books. */
typedef int (*ab_change_fn)(enum sylkrtc_ab_type type, enum sylkrtc_ab_action action,
			    json_object *item, void *arg);

/** Calls @p fn for every added, changed and removed contact, group and
 *  policy from @p before to @p after (in that order of types); stops at
 *  the first non-zero return, which it returns. */
int ab_diff(const json_object *before, const json_object *after, ab_change_fn fn, void *arg);

/** Calls @p fn with "user@host" of each contact whose presence.subscribe
 *  is true (its default URI, else its first sip one); at most @p max. */
typedef int (*ab_watch_fn)(const char *aor, void *arg);
int ab_watch_list(const json_object *ab, size_t max, ab_watch_fn fn, void *arg);

/** Whether @p uri is an address a contact may have (sip:, sips:, tel: or
 *  a bare user@host). */
bool ab_uri_valid(const char *uri);

#endif
