/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Instant Message Disposition Notifications (RFC 5438, message/imdn+xml):
 * build the document a recipient sends back, read one received.
 *
 *	<imdn xmlns="urn:ietf:params:xml:ns:imdn">
 *	  <message-id>34jk324j</message-id>
 *	  <datetime>2008-04-04T12:16:49-05:00</datetime>
 *	  <recipient-uri>sip:bob@example.com</recipient-uri>
 *	  <delivery-notification><status><delivered/></status></delivery-notification>
 *	</imdn>
 *
 * The statuses each kind of notification may carry (RFC 5438 section 7.2.1,
 * its schema, and sipsimple's payloads/imdn.py alike):
 *
 *	delivery-notification    delivered, failed, forbidden, error
 *	display-notification     displayed, forbidden, error
 *	processing-notification  processed, stored, forbidden, error
 *
 * Kamailio-free: libc and libxml2. */
#ifndef SYLK_IM_IMDN_H
#define SYLK_IM_IMDN_H

#include <stdbool.h>
#include <stddef.h>

#define IMDN_CONTENT_TYPE "message/imdn+xml"
#define IMDN_NS "urn:ietf:params:xml:ns:imdn"

/* Documents larger than this are refused unread (a real one is well under
 * 2 KiB: four short fields and a status). */
#define IMDN_MAX_SIZE 16384

enum imdn_kind { IMDN_KIND_DELIVERY, IMDN_KIND_DISPLAY, IMDN_KIND_PROCESSING };

enum imdn_status {
	IMDN_DELIVERED,
	IMDN_DISPLAYED,
	IMDN_PROCESSED,
	IMDN_STORED,
	IMDN_FAILED,
	IMDN_FORBIDDEN,
	IMDN_ERROR
};

/* One notification. The strings are NUL-terminated within their arrays;
 * an empty string is an absent optional field. */
struct imdn {
	char message_id[256];             /* imdn.Message-ID of the original message */
	char datetime[64];                /* of the original message */
	char recipient_uri[256];          /* optional */
	char original_recipient_uri[256]; /* optional */
	enum imdn_kind kind;
	enum imdn_status status;
};

/* The status name as sylkRTC's account-disposition-notification and the
 * document's element use it ("delivered", "displayed", "processed",
 * "stored", "failed", "forbidden", "error"); NULL for a value outside the
 * enum. */
const char *imdn_status_name(enum imdn_status s);

/* The status for a name (exact, lower case, as above). Returns 0, EINVAL
 * for an unknown name or NULL arguments (*s untouched then). */
int imdn_status_from_name(const char *name, enum imdn_status *s);

/* The kind of notification a sylkRTC disposition state is sent as:
 * delivered, failed, forbidden, error -> delivery; displayed -> display;
 * processed, stored -> processing. Forbidden and error are allowed in every
 * kind; delivery is chosen (see imdn.c for why). A value outside the enum
 * gives delivery; imdn_build() refuses it anyway. */
enum imdn_kind imdn_kind_for_status(enum imdn_status s);

/* True if RFC 5438 allows status s in a notification of kind k. */
bool imdn_allowed(enum imdn_kind k, enum imdn_status s);

/* Build the document for n into a new NUL-terminated buffer (free() it),
 * *len its length without the NUL (len may be NULL). message_id and
 * datetime are required (the schema's minOccurs 1), datetime an RFC 3339
 * date-time (fractions and offsets allowed, as sylkRTC's timestamps have
 * them). Text is escaped; the caller needs to escape nothing.
 * Returns 0; EINVAL for NULL arguments, a kind/status combination RFC 5438
 * does not allow (displayed in a delivery-notification), an empty or
 * unterminated required field, a field that is not UTF-8 or holds control
 * characters, a datetime that is no date-time; ENOMEM. *xml is NULL on
 * failure. */
int imdn_build(char **xml, size_t *len, const struct imdn *n);

/* Read a received document into *n (zeroed first). Tolerant of what other
 * implementations write: any namespace prefix, whitespace around the
 * fields, unknown elements in other namespaces (Linphone's reason) or in
 * the IMDN one (<subject>), any order of the children; <datetime> may be
 * missing (n->datetime is "" then, and imdn_build() would refuse it back).
 * Strict about what the caller relies on: returns EBADMSG when the input is
 * larger than IMDN_MAX_SIZE, not well-formed XML, has a DOCTYPE (no DTD is
 * loaded, no entity is ever substituted, nothing is fetched from the
 * network), the root is not <imdn> in IMDN_NS, <message-id> is missing or
 * empty, a field is repeated, too long for its array, holds markup or
 * control characters, or there is not exactly one notification with exactly
 * one status that its kind allows. EINVAL for NULL arguments, ENOMEM. On
 * failure *n is zeroed. */
int imdn_parse(struct imdn *n, const char *xml, size_t len);

#endif
