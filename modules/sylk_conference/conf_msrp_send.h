/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sending MSRP from the focus: by connection id, from any process. No
 * byte is written with the store lock held (a peer whose TCP window is full
 * must not stop every room): under the lock a write is copied into this
 * process's outbox (a SEND to a participant as its paths and a shared copy
 * of the body, built when it goes out), and the outermost conf_unlock()
 * writes them in order, before the closes and requests of conf_out.c. */
#ifndef SYLK_CONF_MSRP_SEND_H
#define SYLK_CONF_MSRP_SEND_H

#include <stddef.h>

struct conf_participant;

/* "msrp://host:port/<id>;tcp" of the focus toward @p p; 0 or -1 */
int conf_msrp_our_path(char *buf, size_t size, const struct conf_participant *p);

/* a transaction or message id: a random prefix per process and a counter */
void conf_msrp_next_ident(char *buf, size_t size);

/* Bytes on a TCP connection by id. Lock held: copied into the outbox and
 * written by the outermost conf_unlock() (0 once queued); not held:
 * written now, after whatever this process queued before. 0 or -1 (not
 * written: no such connection, the server stops, the outbox is full, no
 * memory). */
int conf_msrp_send_on(int conn_id, const void *buf, size_t len);

/* A whole message to one participant, as one SEND. Lock held: queued
 * (@p p's paths and a copy of @p body, shared with the previous queued
 * SEND of the same body), built and written by the outermost
 * conf_unlock(). 0 (queued) or -1 (not bound, outbox full, no memory). */
int conf_msrp_send_to(const struct conf_participant *p, const char *content_type, const void *body,
		      size_t len);

/* A status notice (join/leave) to every bound participant but @p except.
 * Lock held. */
void conf_msrp_status(unsigned room_key, unsigned except, const char *text);

/* Write what this process queued. Lock NOT held (conf_unlock()). */
void conf_msrp_flush(void);

#endif
