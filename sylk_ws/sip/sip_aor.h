/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sip_aor.h  SIP address-of-record checks for sylkRTC address fields
 *
 * Browsers send accounts, callees, rooms and chat peers as "user@domain",
 * sometimes with a "sip:" or "sips:" prefix. The gateway copies these into
 * Request-URIs, To/From headers and registrar keys, so one normal form is
 * needed (prefix stripped) and anything that could not be written into a
 * SIP message verbatim is refused here, before it reaches SIP: whitespace,
 * control characters (header injection), URI parameters or headers,
 * passwords, display names, empty parts.
 *
 * Accepted grammar after the optional scheme (case-insensitive "sip:" or
 * "sips:"), a strict subset of RFC 3261 section 25.1:
 *
 *   aor    = user "@" host [ ":" port ]
 *   user   = 1*( unreserved / escaped / "&" / "=" / "+" / "$" / "," /
 *                ";" / "?" / "/" )
 *   host   = hostname / IPv4address / "[" IPv6address "]"
 *   port   = 1..65535, at most 5 digits
 *
 * hostname follows RFC 3261: labels of letters, digits and inner hyphens,
 * the last label starting with a letter, an optional trailing dot, 253
 * characters at most. A host made of digits and dots must be an IPv4
 * address.
 *
 * Nothing is allocated: the result points into the caller's string.
 */
#ifndef SYLK_WS_SIP_AOR_H
#define SYLK_WS_SIP_AOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest address accepted, after stripping the scheme. */
#define SIP_AOR_MAX_LEN 512

/** Why an address was refused (the detail behind EBADMSG). */
enum sip_aor_reason {
	SIP_AOR_OK = 0,
	SIP_AOR_EINVAL,       /**< NULL argument (the return is EINVAL)   */
	SIP_AOR_EMPTY,        /**< nothing (left after the scheme)        */
	SIP_AOR_TOO_LONG,     /**< longer than SIP_AOR_MAX_LEN            */
	SIP_AOR_BAD_CHAR,     /**< whitespace, control character or NUL   */
	SIP_AOR_NO_AT,        /**< no '@': not user@domain                */
	SIP_AOR_EMPTY_USER,   /**< nothing before '@'                     */
	SIP_AOR_EMPTY_DOMAIN, /**< nothing after '@'                      */
	SIP_AOR_BAD_USER,     /**< character not allowed in a SIP user    */
	SIP_AOR_BAD_DOMAIN,   /**< not a hostname or IP address           */
	SIP_AOR_BAD_PORT,     /**< port not 1..65535                      */
};

/** An address split into its parts; every pointer is into the input. */
struct sip_aor {
	const char *aor; /**< user@host[:port], scheme stripped      */
	size_t aor_len;
	const char *user;
	size_t user_len;
	const char *host; /**< as written, with brackets for IPv6     */
	size_t host_len;
	uint16_t port; /**< 0 when absent                          */
	bool secure;   /**< the input said "sips:"                 */
};

/**
 * Check and split an address.
 *
 * @param aor     Result, filled only on success
 * @param s       Address text (need not be NUL-terminated)
 * @param len     Length of @p s in bytes
 * @param reason  If not NULL, why the address was refused (SIP_AOR_OK on
 *                success): the text for a client comes from it
 *
 * @return 0, EINVAL (NULL argument) or EBADMSG (refused, see @p reason).
 *
 * When @p s is NUL-terminated, aor->aor is too: stripping the scheme only
 * ever removes a prefix.
 */
int sip_aor_decode(struct sip_aor *aor, const char *s, size_t len, enum sip_aor_reason *reason);

/** Short English text for @p reason, suitable for an error reply. */
const char *sip_aor_reason_str(enum sip_aor_reason reason);

#endif
