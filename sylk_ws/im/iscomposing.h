/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Is-composing indications (RFC 3994, application/im-iscomposing+xml):
 * build the document, recognise the content type, read a received one.
 *
 * Kamailio-free: libc and libxml2. */
#ifndef SYLK_IM_ISCOMPOSING_H
#define SYLK_IM_ISCOMPOSING_H

#include <stdbool.h>
#include <stddef.h>

#define ISCOMPOSING_CONTENT_TYPE "application/im-iscomposing+xml"
#define ISCOMPOSING_NS "urn:ietf:params:xml:ns:im-iscomposing"

/* Documents larger than this are refused unread. */
#define ISCOMPOSING_MAX_SIZE 4096

struct iscomposing {
	bool active;        /* state: "active" or "idle" */
	char *content_type; /* <contenttype>, NULL when absent */
	char *last_active;  /* <lastactive>, NULL when absent */
	unsigned refresh;   /* <refresh> seconds, 0 when absent */
};

/* Build a document into a new NUL-terminated buffer; free() it.
 * content_type, last_active may be NULL; refresh 0 omits <refresh>
 * (RFC 3994 recommends 120 s for active). Returns 0, EINVAL, ENOMEM. */
int iscomposing_build(char **outp, size_t *lenp, bool active, const char *content_type,
		      unsigned refresh, const char *last_active);

/* Read a document. Returns 0, EBADMSG (not well-formed, wrong root or
 * namespace, no valid <state>, DTDs), EINVAL, ENOMEM. */
int iscomposing_parse(struct iscomposing **ip, const void *data, size_t len);
void iscomposing_free(struct iscomposing *ic);

/* True for application/im-iscomposing+xml with any case and parameters. */
bool iscomposing_is_content_type(const char *content_type);

#endif
