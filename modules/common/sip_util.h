/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small SIP and shared-memory helpers the project's modules share. */
#ifndef SYLK_SIP_UTIL_H
#define SYLK_SIP_UTIL_H

#include <stddef.h>

#include "core/parser/msg_parser.h"
#include "core/str.h"
#include "modules/tm/tm_load.h"

/* Copies at most size-1 bytes of src (len bytes, NULL = empty) and ends
 * with NUL: the fixed-size string fields of the modules' shm records. */
void sylk_copy(char *dst, size_t size, const char *src, size_t len);

/* A NUL-terminated copy in shared memory, NULL on failure or NULL input. */
char *sylk_shm_strdup(const char *s);

/* The message body (Content-Length bytes); -1 when there is none. */
int sylk_msg_body(struct sip_msg *m, str *body);

/* "user@host" of a URI (with a "sip:" prefix when @p scheme), no
 * parameters; the text as is when it does not parse. */
void sylk_uri_aor(char *buf, size_t size, const str *uri, int scheme);

/* Final or provisional reply with body and headers on a transaction known
 * by its ids, from any process (tm's t_lookup_ident + t_reply_with_body).
 * Looking it up makes it the process's current transaction: the previous
 * one is put back, or a later stateless reply in this process (a WebSocket
 * upgrade, an HTTP answer) would be sent on the wrong transaction. */
int sylk_reply_by_ident(struct tm_binds *tmb, unsigned hash, unsigned label, int code,
			const char *text, const char *body, const char *hdrs, const str *to_tag);

/* "sip:ADDRESS:PORT" of the listener named @p name (listen=... name "x"):
 * where the modules send their own requests, a socket the network cannot
 * reach, so that the script can trust what arrives on it. 0, or ENOENT
 * when no listener has that name, ENOSPC when @p buf is too small. */
int sylk_socket_uri(const char *name, char *buf, size_t size);

#endif
