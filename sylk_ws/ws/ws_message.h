/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ws_message.h  RFC 6455 message reassembly (sections 5.4, 5.5, 5.6)
 *
 * One ws_message object per connection turns the frames that
 * ws_frame_parse() accepted into whole messages. It enforces the rules
 * that span frames:
 *
 *  - a continuation frame needs a message in progress (else 1002),
 *  - a new text/binary frame must not start while one is in progress
 *    (else 1002),
 *  - control frames may arrive between the fragments of a message and are
 *    delivered at once without disturbing it,
 *  - the reassembled message must not exceed the configured size (1009),
 *  - text must be UTF-8 (1007), checked fragment by fragment so that a
 *    fragmented message fails at the first bad fragment (RFC 6455 8.1),
 *  - a close payload must be well formed (1002) with a UTF-8 reason (1007).
 *
 * Typical loop, for a server that gets one complete frame at a time:
 *
 *     struct ws_message *msg;
 *     ws_message_alloc(&msg, 65536);
 *     ...
 *     err = ws_frame_parse(&f, buf, len, &rules, &need, &why);  (0)
 *     err = ws_message_feed(msg, &f, buf, &m, &why);
 *     if (err == 0)            -> m.opcode says what arrived
 *     else if (err == EAGAIN)  -> fragment stored, wait for the next
 *     else                     -> close with ws_close_code_for(err) and
 *                                 ws_reason_str(why)
 *     ...
 *     ws_message_free(msg);
 *
 * Memory: the object grows a buffer for fragmented messages. By default it
 * uses libc malloc; a Kamailio module whose connections move between
 * processes can give it a shared-memory allocator with
 * ws_message_alloc_mem(). The object does no locking.
 */
#ifndef SYLK_WS_MESSAGE_H
#define SYLK_WS_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sylk_ws/base/mem.h"
#include "sylk_ws/ws/ws_frame.h"

struct ws_message;

/** A delivered message or control frame. */
struct ws_msg {
	/** WS_OP_TEXT or WS_OP_BINARY for a complete message;
	 *  WS_OP_CLOSE, WS_OP_PING or WS_OP_PONG for a control frame. */
	uint8_t opcode;

	/** Payload, or for WS_OP_CLOSE the reason text. Always followed by a
	 *  NUL byte that is not counted in @c len, so text can be used as a C
	 *  string (unless it contains NUL itself). Valid until the next call
	 *  of ws_message_feed(), ws_message_reset() or ws_message_free(). */
	const uint8_t *data;
	size_t len;

	/** WS_OP_CLOSE only: the peer's status, WS_CLOSE_NO_STATUS (1005)
	 *  if the close frame had no payload. 0 for other opcodes. */
	uint16_t close_code;
};


/**
 * Allocate a reassembler using libc malloc.
 *
 * @param mp                Receives the object
 * @param max_message_size  Largest message accepted, in bytes (from 1 to
 *                          SIZE_MAX - 1). Set
 *                          the parser's max_payload to the same value so
 *                          that a single oversized frame is refused from
 *                          its header already.
 *
 * @return 0, EINVAL, ENOMEM
 */
int ws_message_alloc(struct ws_message **mp, size_t max_message_size);

/**
 * Like ws_message_alloc() but take all memory, the object included, from
 * @p mem (copied; alloc, realloc and free all set, and valid for the
 * object's life).
 */
int ws_message_alloc_mem(struct ws_message **mp, size_t max_message_size,
			 const struct sylk_mem *mem);

/** Free the object and any buffered data. NULL is allowed. */
void ws_message_free(struct ws_message *m);

/**
 * Feed one complete frame.
 *
 * @param m      Reassembler
 * @param f      The frame as returned by ws_frame_parse() with 0.
 *               If still masked, its payload is unmasked in place and
 *               f->masked is cleared.
 * @param frame  Start of the frame in memory (payload at
 *               frame + f->payload_off)
 * @param out    Receives the message or control frame on success
 * @param reason Optional; the exact reason (WS_R_OK on success)
 *
 * @return 0         @p out holds a complete message or a control frame
 *         EAGAIN    a non-final fragment was stored, nothing to deliver
 *                   (WS_R_NEED_MORE)
 *         EPROTO    close with 1002: WS_R_CONT_UNEXPECTED,
 *                   WS_R_CONT_EXPECTED, WS_R_OPCODE, WS_R_CTRL_TOO_LONG,
 *                   WS_R_CTRL_FRAGMENTED, WS_R_CLOSE_PAYLOAD,
 *                   WS_R_CLOSE_CODE
 *         EILSEQ    text or close reason not UTF-8 (WS_R_UTF8, 1007)
 *         EMSGSIZE  message over the limit (WS_R_TOO_BIG, 1009)
 *         ENOMEM, EINVAL (WS_R_NOMEM, WS_R_INVAL)
 *
 * After any failure the message in progress is dropped; the caller is
 * expected to close the connection with ws_close_code_for(err).
 */
int ws_message_feed(struct ws_message *m, struct ws_frame *f, uint8_t *frame, struct ws_msg *out,
		    enum ws_reason *reason);

/** Drop the message in progress, if any. */
void ws_message_reset(struct ws_message *m);

/** True while a fragmented message has started and not finished. */
bool ws_message_in_progress(const struct ws_message *m);

/** Bytes of the message in progress received so far. */
size_t ws_message_pending(const struct ws_message *m);

#endif
