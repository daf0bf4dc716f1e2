/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file hostport.h  "host[:port]" and "[IPv6][:port]" taken apart
 *
 * The one splitter of the libraries' host and port pairs (an AOR's host,
 * an http:// URL's authority, rtpengine's ng address): where the host
 * ends and the port begins, and the port's value. What a host may hold is
 * each caller's own grammar: check it on hp.host before the port, so a bad
 * host is reported before a bad port. Nothing is allocated: the result
 * points into the caller's string.
 */
#ifndef SYLK_BASE_HOSTPORT_H
#define SYLK_BASE_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hostport {
	const char *host; /**< without the brackets; never empty          */
	size_t host_len;
	bool bracketed;   /**< written "[...]"                             */
	const char *port; /**< the text after the ':', NULL without one   */
	size_t port_len;  /**< may be 0 ("host:"): hostport_port() refuses */
};

/**
 * Split @p len bytes of "host[:port]" (the first ':' ends the host) or
 * "[host][:port]".
 * @return 0, EINVAL (NULL argument, nothing before the ':' or between the
 *         brackets, a '[' without ']', anything but ':' after the ']')
 */
int hostport_split(struct hostport *hp, const char *s, size_t len);

/**
 * A port: 1 to 5 digits, 1..65535.
 * @return 0 with *@p port, EINVAL
 */
int hostport_port(uint16_t *port, const char *s, size_t len);

#endif
