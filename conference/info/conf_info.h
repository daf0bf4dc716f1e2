/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Conference state documents (RFC 4575, application/conference-info+xml),
 * full state, with AG Projects' extensions (namespace
 * urn:ag-projects:xml:ns:conference-info, prefix agp-conf): a user's
 * <agp-conf:screen_image_url> and the room's shared files under
 * conference-description/<agp-conf:resources>/<agp-conf:files>.
 *
 * Kamailio-free: libc and libxml2. */
#ifndef CONFERENCE_CONF_INFO_H
#define CONFERENCE_CONF_INFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_INFO_CONTENT_TYPE "application/conference-info+xml"
#define CONF_INFO_NS "urn:ietf:params:xml:ns:conference-info"
#define CONF_INFO_AGP_NS "urn:ag-projects:xml:ns:conference-info"
#define CONF_INFO_AGP_PREFIX "agp-conf"

/* Strings are UTF-8; NULL optional strings omit their element or
 * attribute. In free-form text (display texts, subject, free-text, file
 * name and sender) control characters (C0 but TAB, and DEL) and U+FFFE/
 * U+FFFF are stripped; in identifiers (entities, URIs, ids, hash, type,
 * status, when) they make the build fail with EINVAL, as does invalid
 * UTF-8 anywhere. Markup characters are escaped. */

struct conf_info_media {
	const char *id;     /* required */
	const char *type;   /* "audio" | "message" */
	const char *status; /* "sendrecv","sendonly","recvonly","inactive" */
};

struct conf_info_endpoint {
	const char *entity; /* required */
	const char *display_text;
	const char *status; /* "connected","on-hold","disconnected","pending","dialing-out" */
	const char *joining_method; /* "dialed-in" | "dialed-out" */
	const char *joining_when;   /* RFC 3339 or NULL */
	const struct conf_info_media *media;
	size_t media_count;
};

struct conf_info_user {
	const char *entity; /* sip: URI, required */
	const char *display_text;
	const char *screen_image_url; /* agp-conf extension, or NULL */
	const struct conf_info_endpoint *endpoints;
	size_t endpoint_count;
};

struct conf_info_file {
	const char *name; /* required */
	const char *hash;
	uint64_t size;
	const char *sender;
	const char *status;
};

struct conf_info {
	const char *entity; /* room sip: URI, required */
	unsigned version;
	const char *display_text;
	const char *subject;
	const char *free_text;
	const char *conf_uri; /* conf-uris/entry/uri */
	bool active;
	unsigned user_count; /* conference-state/user-count */
	const struct conf_info_user *users;
	size_t user_count_listed; /* elements in users */
	const struct conf_info_file *files;
	size_t file_count;
};

/* Build a full-state document into a new NUL-terminated buffer; free() it.
 * Returns 0, EINVAL (missing required field, invalid UTF-8), ENOMEM. */
int conf_info_build(char **xmlp, size_t *lenp, const struct conf_info *ci);

#endif
