/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP chunking (RFC 4975 sections 5.1 and 7.1.1): putting received SEND
 * chunks back together by Message-ID and Byte-Range, and cutting an
 * outgoing body into chunks.
 *
 * Kamailio-free: libc only. */
#ifndef CONFERENCE_MSRP_CHUNK_H
#define CONFERENCE_MSRP_CHUNK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conference/msrp/msrp_message.h"

/* A message put back together. */
struct msrp_chunk_msg {
	char *message_id;
	char *content_type; /* from the first chunk that had one; may be NULL */
	uint8_t *body;      /* NUL-terminated for convenience */
	size_t len;
};

void msrp_chunk_msg_free(struct msrp_chunk_msg *m);

/* Reassembly state for one MSRP session (Message-IDs are per sender). */
struct msrp_reasm;

/* Limit for the disjoint pieces of one message: chunks over one TCP
 * connection arrive in order, so more than this means abuse. */
#define MSRP_REASM_MAX_PIECES 256

/* max_size bounds one message's total size, max_pending the messages
 * being received at once (chunks of several may interleave). */
int msrp_reasm_alloc(struct msrp_reasm **rp, size_t max_size, size_t max_pending);
void msrp_reasm_free(struct msrp_reasm *r);

/* Add a received SEND chunk (Byte-Range absent means the chunk starts at
 * byte 1 of a message of unknown size).
 *  0            accepted; *donep is the complete message when this chunk
 *               completed it (the caller frees it), otherwise NULL
 *  ECANCELED    the chunk ended with '#': the message was abandoned
 *  EFBIG        the message exceeds max_size (answer 413); it is dropped
 *  EBADMSG      ranges contradict each other or the total; it is dropped
 *  ENOSPC       max_pending messages already in progress (answer 413)
 *  EINVAL       not a SEND with a Message-ID
 *  ENOMEM       out of memory; the message is dropped
 * Bytes given again (a resent chunk) overwrite what was there. */
int msrp_reasm_add(struct msrp_reasm *r, const struct msrp_message *send,
		   struct msrp_chunk_msg **donep);

/* Contiguous bytes received from the start of a message in progress, for
 * a success REPORT or progress; false when no such message is pending. */
bool msrp_reasm_progress(const struct msrp_reasm *r, const char *message_id, uint64_t *contiguous,
			 uint64_t *total);

/* Forget a message in progress (e.g. after a 413). */
bool msrp_reasm_drop(struct msrp_reasm *r, const char *message_id);
size_t msrp_reasm_pending(const struct msrp_reasm *r);

/* Cutting a body of total bytes into chunks of at most chunk_size (0: one
 * chunk). Value type: msrp_chunker_init() then msrp_chunker_next() until
 * it returns false. An empty body gives one empty chunk "1-0/0". */
struct msrp_chunker {
	size_t total;
	size_t chunk_size;
	size_t off;
	bool done;
};

void msrp_chunker_init(struct msrp_chunker *c, size_t total, size_t chunk_size);
/* The next chunk: body bytes [*off, *off + *len), its Byte-Range and end-line
 * flag ('+' for all but the last). */
bool msrp_chunker_next(struct msrp_chunker *c, size_t *off, size_t *len, struct msrp_byte_range *br,
		       enum msrp_cont *cont);

#endif
