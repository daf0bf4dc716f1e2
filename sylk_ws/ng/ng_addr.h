/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ng_addr.h  The address of rtpengine's ng socket
 *
 * The modules' rtpengine_sock, "udp:127.0.0.1:2223": an optional "udp:",
 * a numeric address and a port of 1..65535. An IPv6 address in brackets,
 * "udp:[::1]:2223", or bare, "udp:::1:2223" (its port after the last
 * ':'). No name is looked up. Kamailio-free.
 */
#ifndef SYLK_WS_NG_ADDR_H
#define SYLK_WS_NG_ADDR_H

#include <sys/socket.h>

/** Why an address was refused (the detail behind the return value). */
enum ng_addr_reason {
	NG_ADDR_OK = 0,
	NG_ADDR_EINVAL,   /**< NULL argument                                     */
	NG_ADDR_FORM,     /**< not [udp:]HOST:PORT (no port, an open '[', ...)   */
	NG_ADDR_BAD_PORT, /**< not 1..65535                                      */
	NG_ADDR_BAD_HOST, /**< not a numeric IPv4 or IPv6 address                */
};

/**
 * The socket address of @p s (NUL-terminated).
 * @param ss      Result, filled only on success
 * @param len     Its length, for connect()
 * @param reason  If not NULL, why @p s was refused (NG_ADDR_OK on success)
 * @return 0, EINVAL
 */
int ng_addr_parse(struct sockaddr_storage *ss, socklen_t *len, const char *s,
		  enum ng_addr_reason *reason);

/** Short English text for @p reason, for a configuration error. */
const char *ng_addr_reason_str(enum ng_addr_reason reason);

#endif
