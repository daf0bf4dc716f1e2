/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sip_overflow.h  The 513 answer to a SIP request larger than the read buffer
 *
 * Kamailio's core reads a SIP message over TCP or TLS whole into a fixed
 * buffer (tcp_rd_buf_size) and drops the connection when it does not fit,
 * before the script sees it. When the request's head did arrive whole (a
 * large body is the usual case), the sender can still be told why: RFC 3261
 * 21.5.14, 513 Message Too Large, with Via, From, To, Call-ID and CSeq
 * copied from the request (8.2.6.2) and a To tag added when it has none.
 *
 * Kamailio-free: libc and the base layer only.
 */
#ifndef SYLK_WS_SIP_OVERFLOW_H
#define SYLK_WS_SIP_OVERFLOW_H

#include <stddef.h>

/**
 * Write the 513 response to the request in the @p len bytes of @p buf (leading
 * empty lines skipped) into @p out, NUL-terminated, its length in *@p lenp.
 * Header lines are copied as they came (compact names and folded lines
 * included); @p to_tag (a token) is added to a To without a tag.
 * @return 0; ENOENT (not a SIP request, an ACK, which gets no response, or
 *         its head did not arrive whole); EINVAL (no Via, From, To, Call-ID
 *         or CSeq, a control byte other than HT in a header line, NULL
 *         argument, or @p to_tag is not a token); ENOSPC
 *         (@p size too small)
 */
int sip_overflow_reply(const char *buf, size_t len, const char *to_tag, char *out, size_t size,
		       size_t *lenp);

#endif
