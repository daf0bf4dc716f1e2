/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file msrp_overflow.h  The 413 answer to an MSRP chunk larger than the read buffer
 *
 * Kamailio's core reads an MSRP chunk over TCP or TLS whole into a fixed
 * buffer (tcp_rd_buf_size) and drops the connection when it does not fit,
 * before the focus sees it. When the chunk's head arrived whole, the sender
 * can still be told to stop sending that message: RFC 4975 7.2 and 10, a 413
 * transaction response (To-Path: the first URI of the request's From-Path;
 * From-Path: the first URI of its To-Path), unless the request asked for no
 * response (a REPORT, or Failure-Report: no).
 *
 * Kamailio-free: libc and the base layer only.
 */
#ifndef CONF_MSRP_OVERFLOW_H
#define CONF_MSRP_OVERFLOW_H

#include <stddef.h>

/**
 * Write the 413 response to the MSRP request in the @p len bytes of @p buf
 * into @p out, NUL-terminated, its length in *@p lenp.
 * @return 0; ENOENT (not an MSRP request, one that gets no response, or its
 *         head did not arrive whole); EINVAL (no To-Path or From-Path, a
 *         control byte in the head, NULL argument); ENOSPC (@p size too small)
 */
int msrp_overflow_reply(const char *buf, size_t len, char *out, size_t size, size_t *lenp);

#endif
