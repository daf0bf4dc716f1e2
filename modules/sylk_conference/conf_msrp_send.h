/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sending MSRP from the focus: by connection id, from any process. */
#ifndef SYLK_CONF_MSRP_SEND_H
#define SYLK_CONF_MSRP_SEND_H

#include <stddef.h>

struct conf_participant;

/* "msrp://host:port/<id>;tcp" of the focus toward @p p; 0 or -1 */
int conf_msrp_our_path(char *buf, size_t size, const struct conf_participant *p);

/* a transaction or message id: a random prefix per process and a counter */
void conf_msrp_next_ident(char *buf, size_t size);

/* bytes on a TCP connection by id; 0 or -1 */
int conf_msrp_send_on(int conn_id, const void *buf, size_t len);

/* A whole message to one participant, as one SEND. Lock held. 0 or -1. */
int conf_msrp_send_to(const struct conf_participant *p, const char *content_type, const void *body,
		      size_t len);

/* A status notice (join/leave) to every bound participant but @p except.
 * Lock held. */
void conf_msrp_status(unsigned room_key, unsigned except, const char *text);

#endif
