/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylk_rtc_static("<dir>") of event_route[xhttp:request]: files of a web
 * root (the demo app in web/) on the HTTP port, GET and HEAD only, with a
 * Content-Type from the extension, an ETag (size and mtime) answered 304 on
 * If-None-Match, "Cache-Control: no-cache". Refused with 404: paths with
 * ".", ".." or hidden (dot) segments, encoded '/', backslashes, control
 * bytes, anything that is not a regular file, and symbolic links that lead
 * out of the root. A directory means its index.html. */
#ifndef SYLK_RTC_STATIC_H
#define SYLK_RTC_STATIC_H

#include <stddef.h>

#include "core/parser/msg_parser.h"
#include "core/str.h"

/* a reply is built in pkg memory: files up to this size are served */
#define RTC_STATIC_MAX_FILE (2 * 1024 * 1024)

/* mod_init: binds xhttp when it is loaded. */
int rtc_static_init(void);

/* Answers the request from @p root; 1 (answered, whatever the status), -1
 * when xhttp is not loaded or this is not a request. */
int rtc_static_serve(struct sip_msg *msg, const str *root);

/* "\"<len hex>-<mtime ns hex>\"" */
void rtc_static_etag(char *buf, size_t size, long long len, long long mtime_ns);

#endif
