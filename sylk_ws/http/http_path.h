/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file http_path.h  Request paths the gateway's HTTP handlers take apart
 *
 * What a client's request path may name: a file below the web root (the
 * demo app), a safe file name segment (history, file transfer), an AOR.
 * Every check refuses rather than repairs: a path that could reach outside
 * its folder is never turned into one that cannot.
 *
 * Kamailio-free: libc and the base layer only.
 */
#ifndef SYLK_HTTP_PATH_H
#define SYLK_HTTP_PATH_H

#include <stdbool.h>
#include <stddef.h>

/**
 * The path below a web root for a request URI of @p n bytes: query and
 * fragment dropped, %-decoded, "index.html" appended for a directory.
 * Refused: no leading '/', an empty, ".", ".." or hidden (dot) segment, an
 * encoded '/', a backslash, a control byte, a bad %-escape.
 * @return 0, EINVAL (refused), ENAMETOOLONG (does not fit @p size)
 */
int http_static_path(const char *uri, size_t n, char *out, size_t size);

/** Content-Type for a file name by its extension (application/octet-stream
 *  when unknown). */
const char *http_static_type(const char *path);

/**
 * One path segment of @p n bytes, %-decoded into @p out as a safe file
 * name: 0, or EINVAL when it is empty, starts with a dot, holds '/', '\\',
 * a control byte or a bad %-escape, or does not fit @p size.
 */
int http_name_segment(const char *s, size_t n, char *out, size_t size);

/** Whether @p aor looks like user@domain (one '@', no spaces, quotes, '/',
 *  '<', '>', ';', ',' or '?'). */
bool http_aor_ok(const char *aor);

#endif
