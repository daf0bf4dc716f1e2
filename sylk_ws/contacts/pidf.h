/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file pidf.h  PIDF presence documents (RFC 3863, RPID RFC 4480)
 *
 * What the gateway reads from a NOTIFY (Event: presence) and writes in its
 * PUBLISH: the basic status of the tuples (open when any tuple is open),
 * the first note and the first RPID activity. Parsing refuses DOCTYPEs,
 * invalid UTF-8 and documents over PIDF_MAX_SIZE bytes; text is cut to
 * the field sizes at a character boundary.
 */
#ifndef SYLK_WS_CONTACTS_PIDF_H
#define SYLK_WS_CONTACTS_PIDF_H

#include <stdbool.h>
#include <stddef.h>

#define PIDF_MAX_SIZE 65536

enum pidf_basic {
	PIDF_UNKNOWN = 0, /**< no tuple with a basic status */
	PIDF_OPEN,
	PIDF_CLOSED,
};

struct pidf_status {
	char entity[256];
	enum pidf_basic basic;
	char note[256];
	char activity[64]; /**< e.g. "away", "busy", "on-the-phone" */
};

/** "open", "closed" or "unknown". */
const char *pidf_basic_name(enum pidf_basic b);

/** 0, EINVAL (NULL) or EBADMSG (not a PIDF document). */
int pidf_parse(struct pidf_status *st, const char *xml, size_t len);

/** A PIDF document of one tuple @p tuple_id for @p entity (a URI), open
 *  or closed, with @p note (may be NULL); malloc'd. 0, EINVAL or ENOMEM. */
int pidf_build(char **xml, size_t *len, const char *entity, const char *tuple_id, bool open,
	       const char *note);

#endif
