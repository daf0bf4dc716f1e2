/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JIDs (RFC 7622) and their SIP URIs (RFC 7247 section 5):
 *
 *	alice@sylk.test/phone   <->   sip:alice@sylk.test
 *
 * The resource has no SIP counterpart and is dropped. A SIP user part is
 * percent-decoded, then the characters a JID localpart cannot hold are
 * escaped as XEP-0106 says ("a b@c" -> "a\20b\40c"), and back. Domains are
 * compared without regard to ASCII case.
 *
 * Kamailio-free: libc only. */
#ifndef SYLK_XMPP_JID_H
#define SYLK_XMPP_JID_H

#include <stdbool.h>
#include <stddef.h>

#define XMPP_JID_PART 1024 /* RFC 7622: each part at most 1023 bytes */

struct xmpp_jid {
	char local[XMPP_JID_PART]; /* "" when the JID has none */
	char domain[XMPP_JID_PART];
	char resource[XMPP_JID_PART]; /* "" when the JID has none */
};

/* Split and check a JID: a domain without '@', '/', spaces or controls; a
 * localpart without the characters RFC 7622 forbids ("&'/:<>@, spaces,
 * controls); a resource without controls. The domain is lower-cased.
 * 0, EINVAL for NULL or a malformed JID, ENAMETOOLONG for a part too long. */
int xmpp_jid_parse(struct xmpp_jid *j, const char *s);

/* "local@domain" (no resource) into buf. 0 or ENOSPC. */
int xmpp_jid_bare(char *buf, size_t size, const struct xmpp_jid *j);

/* True when @p jid parses and its domain is @p domain: the only JIDs a
 * component may put in the `from` of what it sends. */
bool xmpp_jid_in_domain(const char *jid, const char *domain);

/* "sip:user@domain" for a JID with a localpart (XEP-0106 unescaped, then
 * percent-encoded where SIP wants it). 0, EINVAL (no localpart), ENOSPC. */
int xmpp_jid_to_sip(char *buf, size_t size, const struct xmpp_jid *j);

/* The bare JID of a SIP or SIPS URI (with or without "sip:", in <> or not;
 * parameters, headers and port dropped), e.g. "sip:a%20b@Sylk.test;x=y" ->
 * "a\20b@sylk.test". 0, EINVAL (no user part, not a SIP URI, a malformed
 * escape or a control character), ENOSPC. */
int xmpp_sip_to_jid(char *buf, size_t size, const char *uri);

#endif
