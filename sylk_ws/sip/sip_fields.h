/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sip_fields.h  Fields the gateway reads out of SIP text it holds
 *
 * The value of one URI parameter (RFC 8599 push parameters kept from a
 * Contact, the inverse of gw_push_params()), a display name without its
 * quotes, whether two addresses share a domain.
 *
 * Kamailio-free: libc and the base layer only.
 */
#ifndef SYLK_WS_SIP_FIELDS_H
#define SYLK_WS_SIP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

/**
 * The value of ";@p name=" in @p params (";a=1;b=2", as a Contact's URI
 * parameters are written), %-decoded; the first one when @p name repeats.
 * Names are compared exactly. A '%' not followed by two hex digits stays
 * as it is.
 * @return 0, EINVAL (NULL or empty argument), ENOENT (no such parameter),
 *         EBADMSG (the value holds an encoded NUL), ENOSPC (does not fit
 *         @p size)
 */
int sip_param_value(const char *params, const char *name, char *out, size_t size);

/**
 * Copies the display name @p s (@p len bytes) without the pair of double
 * quotes around it, if it has them ("\"Carol Caller\"" becomes Carol
 * Caller); escapes inside are left as they are. @p out is always
 * NUL-terminated, cut to fit @p size.
 * @return 0, EINVAL (NULL argument, @p size 0), ENOSPC (cut short)
 */
int sip_display_bare(char *out, size_t size, const char *s, size_t len);

/** Whether "user@domain" addresses @p a and @p b have the same domain
 *  (after the first '@', ignoring ASCII case); false when one has no '@'. */
bool sip_same_domain(const char *a, const char *b);

#endif
