/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Screen sharing in a conference room (the Blink convention): a sharer
 * sends each screen image as a chat message whose CPIM content type is
 * application/blink-screensharing and whose body is the JPEG in base64.
 * The focus keeps the latest image of each sharer and serves it over HTTP,
 * next to a small page that reloads it. Kamailio-free: libc only. */
#ifndef CONFERENCE_SCREEN_SHARE_H
#define CONFERENCE_SCREEN_SHARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SCREEN_SHARE_CONTENT_TYPE "application/blink-screensharing"
/* sharing counts as active this long after the last image */
#define SCREEN_SHARE_ACTIVE_SECONDS 10

/* Whether a CPIM content type (parameters allowed) carries a screen image. */
bool screen_share_is_frame(const char *content_type);

/* Decodes base64 (RFC 4648, whitespace and line breaks skipped) into a new
 * malloc'ed buffer. 0, EBADMSG (not base64, or empty), ENOMEM. */
int screen_share_decode(uint8_t **out, size_t *lenp, const char *b64, size_t len);

/* The viewer page: reloads @p image_url every @p refresh seconds. The URL is
 * the focus's own (no user input), still HTML-escaped. malloc'ed text. */
int screen_share_page(char **out, size_t *lenp, const char *title, const char *image_url,
		      unsigned refresh);

/* The room's chat notice of sharer @p name: "NAME is sharing a screen: URL"
 * when it starts (@p url, its viewer page), "NAME stopped sharing a
 * screen" when it stops (@p url NULL). Clients that know the wording make
 * the URL a link of its own (web/lib/chattext.mjs). 0, EINVAL, ENOSPC. */
int screen_share_notice(char *buf, size_t size, const char *name, const char *url);

#endif
