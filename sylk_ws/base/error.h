/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file error.h  The libraries' error convention and its one strerror
 *
 * Every library function (sylk_ws/ and conference/) returns 0 or a positive
 * errno value, unless a length or pointer is its nature; cleanup runs along
 * one "goto out" path. The values the libraries use, and what they mean
 * there:
 *
 *   EINVAL      a bad argument or a value out of range
 *   EBADMSG     malformed input (a frame, a message, a document)
 *   EPROTO      well-formed input that breaks the protocol's rules
 *   EILSEQ      invalid UTF-8
 *   EMSGSIZE    input larger than the configured limit
 *   EAGAIN      incomplete input: feed more and call again
 *   ENODATA     a required element is missing
 *   ENOMSG      a well-formed message that is not the one expected (an
 *               rtpengine reply to another request)
 *   ENOMEM      out of memory
 *
 * Where a caller needs a finer reason (a WebSocket close code, a text for
 * a client) the function gives it through an out-parameter or a mapping
 * function of its own, never through the return value.
 */
#ifndef SYLK_BASE_ERROR_H
#define SYLK_BASE_ERROR_H

/** A short English text for an errno value (never NULL, no locale, no
 *  buffer: safe in any process or thread): the values above in the
 *  libraries' words, any other errno (a system call's, passed on by a
 *  library that writes files or a module that binds a socket) in glibc's,
 *  "unknown error" for a value that is none. */
const char *sylk_strerror(int err);

#endif
