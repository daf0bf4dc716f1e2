/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file json_keys.h  Repeated member names in JSON objects
 *
 * RFC 8259 leaves objects with a repeated name to the parser, and json-c
 * keeps the last value silently; two parties reading the same request could
 * then act on different values. A request with a repeated name is refused.
 */
#ifndef SYLK_WS_JSON_KEYS_H
#define SYLK_WS_JSON_KEYS_H

#include <stddef.h>

/**
 * Looks for an object in @p text (already valid JSON) that names a member
 * twice, comparing names after unescaping. Returns 0 when there is none,
 * EEXIST with the first repeated name copied (cut to fit, NUL-terminated)
 * into @p dup, ENOMEM, or EINVAL on bad arguments.
 */
int json_find_duplicate_key(const char *text, size_t len, char *dup, size_t dup_size);

#endif
