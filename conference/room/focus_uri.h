/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's Contact URI: the room's name at this server's address with
 * the room's domain in a "focus" URI parameter,
 *   sip:room1@192.0.2.1:5060;focus=conference.example.com
 * so a request sent straight to the Contact (a SUBSCRIBE, an out-of-dialog
 * REFER, a re-INVITE outside the route set) names its room unambiguously,
 * whatever address reached the server.
 *
 * Kamailio-free: libc only. */
#ifndef CONFERENCE_FOCUS_URI_H
#define CONFERENCE_FOCUS_URI_H

#include <stddef.h>

#define FOCUS_URI_PARAM "focus"

/* The Contact URI (no angle brackets) of the room @p room_uri
 * ("sip:user@domain") on @p hostport ("host" or "host:port", IPv6 in
 * brackets). Returns 0, EINVAL (not a sip: URI with user and domain) or
 * ENOSPC. */
int focus_contact_uri(char *buf, size_t size, const char *room_uri, const char *hostport);

/* The room URI ("sip:user@domain") a request to a focus Contact is for:
 * @p user of its Request-URI and the value of the "focus" parameter in its
 * URI parameters @p params (";"-separated, as after the host, with or
 * without the leading ';'). Returns 0, ENOENT (no focus parameter or an
 * empty one), EINVAL (no user, or a domain that is not a host name) or
 * ENOSPC. */
int focus_room_uri(char *buf, size_t size, const char *user, size_t user_len, const char *params,
		   size_t params_len);

#endif
