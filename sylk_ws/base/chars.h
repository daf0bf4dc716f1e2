/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file chars.h  Character classes of the grammars the servers parse
 *
 * One classifier per grammar, so that "token" always means the grammar the
 * caller names:
 *
 *  - RFC 3261 25.1 token:  alphanum / "-" . ! % * _ + ` ' ~
 *  - RFC 7230 3.2.6 tchar: alphanum / ! # $ % & ' * + - . ^ _ ` | ~
 *    (also RFC 6455's subprotocol and extension names)
 *  - RFC 2045 5.1 token:   any US-ASCII CHAR but SPACE, CTLs and tspecials
 *    ( ) < > @ , ; : \ " / [ ] ? =  (MIME types, CPIM header names)
 *
 * Table lookups, no locale, no mutable state.
 */
#ifndef SYLK_BASE_CHARS_H
#define SYLK_BASE_CHARS_H

#include <stdbool.h>
#include <stddef.h>

bool chars_sip_token(unsigned char c);
bool chars_http_tchar(unsigned char c);
bool chars_mime_token(unsigned char c);

/** The value of a hexadecimal digit (either case), -1 for any other byte. */
int chars_hex_value(unsigned char c);

/** A class above, as a function value for chars_span(). */
typedef bool(chars_class_fn)(unsigned char c);

/** True if @p len is at least 1 and every byte of @p s is in @p cls. */
bool chars_span(const char *s, size_t len, chars_class_fn *cls);

/** Number of leading bytes of @p s (at most @p len) that are in @p cls. */
size_t chars_prefix(const char *s, size_t len, chars_class_fn *cls);

#endif
