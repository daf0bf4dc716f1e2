/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ws_frame.h  RFC 6455 frame codec (section 5) and close payloads (5.5.1, 7.4)
 *
 * Pure functions over caller-owned buffers: no I/O, no allocation, no
 * globals. This header also defines the error reasons and close-code
 * mapping shared by every sylk_ws WebSocket file (ws_message.h,
 * ws_handshake.h).
 *
 * Receiving, as a server (what the Kamailio module does for each frame the
 * core hands it):
 *
 *     struct ws_frame_rules rules = { .role = WS_ROLE_SERVER,
 *                                     .max_payload = 65536 };
 *     struct ws_frame f;
 *     size_t need;
 *     enum ws_reason why;
 *     int err = ws_frame_parse(&f, buf, len, &rules, &need, &why);
 *     if (err == EAGAIN)  -> read at least `need` more bytes, retry
 *     else if (err)       -> send a close frame with ws_close_code_for(err)
 *                            and ws_reason_str(why), then close
 *     else                -> frame is buf[0 .. ws_frame_size(&f)),
 *                            hand it to ws_message_feed()
 *
 * Sending: ws_frame_build() writes an unmasked server frame into a caller
 * buffer, or reports the size it needs.
 */
#ifndef SYLK_WS_FRAME_H
#define SYLK_WS_FRAME_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Errors: every function returns 0 or an errno value (sylk_ws/base/error.h):
 *
 *   EAGAIN    incomplete input, not an error: feed more and call again
 *   EPROTO    the peer broke RFC 6455: close with 1002
 *   EILSEQ    text or close reason not UTF-8: close with 1007
 *   EMSGSIZE  frame or message over the limit: close with 1009
 *   EINVAL, ENOSPC, ENOMEM, EBADMSG, ENOENT   local or handshake problems
 *
 * ws_close_code_for() maps the return to the close status. The functions
 * that judge a peer's bytes (ws_frame_parse_header(), ws_frame_parse(),
 * ws_close_parse(), ws_message_feed()) also say exactly why through an
 * enum ws_reason out-parameter; ws_reason_str() is its text, which goes
 * to the client as the close reason.
 */
enum ws_reason {
	WS_R_OK = 0,
	WS_R_NEED_MORE, /**< EAGAIN: incomplete input           */
	WS_R_INVAL,     /**< EINVAL: bad argument               */
	WS_R_NOMEM,     /**< ENOMEM: allocation failed          */

	/* EPROTO: close with 1002 */
	WS_R_RSV,             /**< RSV bit set, no extension agreed   */
	WS_R_OPCODE,          /**< reserved opcode 3-7 or B-F         */
	WS_R_CTRL_TOO_LONG,   /**< control frame payload > 125        */
	WS_R_CTRL_FRAGMENTED, /**< control frame without FIN          */
	WS_R_UNMASKED,        /**< client frame not masked (5.1)      */
	WS_R_MASKED,          /**< server frame masked (5.1)          */
	WS_R_LENGTH,          /**< 64-bit length with top bit set     */
	WS_R_CONT_UNEXPECTED, /**< continuation, no message started   */
	WS_R_CONT_EXPECTED,   /**< new data frame inside a message    */
	WS_R_CLOSE_PAYLOAD,   /**< close payload of exactly 1 byte    */
	WS_R_CLOSE_CODE,      /**< close status not allowed on wire   */

	/* EILSEQ: close with 1007 */
	WS_R_UTF8, /**< text or close reason not UTF-8     */

	/* EMSGSIZE: close with 1009 */
	WS_R_TOO_BIG, /**< frame or message over the limit    */
};

/** Opcodes (RFC 6455 5.2, 11.8). */
enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

/**
 * Close status codes (RFC 6455 7.4.1). 1005, 1006 and 1015 exist only to
 * be reported locally and never appear in a close frame.
 */
enum ws_close {
	WS_CLOSE_NORMAL = 1000,
	WS_CLOSE_GOING_AWAY = 1001,
	WS_CLOSE_PROTOCOL_ERROR = 1002,
	WS_CLOSE_UNSUPPORTED = 1003,
	WS_CLOSE_NO_STATUS = 1005, /**< local: close frame had no code */
	WS_CLOSE_ABNORMAL = 1006,  /**< local: no close frame at all   */
	WS_CLOSE_INVALID_DATA = 1007,
	WS_CLOSE_POLICY = 1008,
	WS_CLOSE_TOO_BIG = 1009,
	WS_CLOSE_MANDATORY_EXT = 1010,
	WS_CLOSE_INTERNAL_ERROR = 1011,
	WS_CLOSE_TLS_HANDSHAKE = 1015, /**< local: TLS handshake failed    */
};

/** RSV bits as they sit in the first header byte (RFC 6455 5.2). */
enum ws_rsv {
	WS_RSV1 = 0x40,
	WS_RSV2 = 0x20,
	WS_RSV3 = 0x10,
};

enum {
	WS_CTRL_MAX_PAYLOAD = 125, /**< control frame payload limit (5.5) */
	WS_CLOSE_MAX_REASON = 123, /**< 125 minus the 2-byte status code */
	WS_FRAME_MAX_HEADER = 14,  /**< 2 + 8 byte length + 4 byte mask   */
};

/** Which end of the connection the parser runs at. */
enum ws_role {
	WS_ROLE_SERVER = 0, /**< peer is a client: its frames MUST be masked */
	WS_ROLE_CLIENT,     /**< peer is a server: its frames MUST NOT be    */
};

/** What the parser accepts. Zero-initialised means: server, no extension,
 *  no size limit. */
struct ws_frame_rules {
	enum ws_role role;
	uint8_t rsv_allowed; /**< WS_RSV* bits an agreed extension defines   */
	size_t max_payload;  /**< largest payload accepted (1009 above), 0 = any */
};

/** A parsed frame header. Offsets are relative to the start of the frame. */
struct ws_frame {
	bool fin;           /**< final fragment of a message           */
	uint8_t rsv;        /**< WS_RSV* bits as received              */
	uint8_t opcode;     /**< enum ws_opcode value                  */
	bool masked;        /**< payload is (still) masked with mask[] */
	uint8_t mask[4];    /**< masking key, if masked                */
	size_t payload_off; /**< header length: payload starts here    */
	size_t payload_len; /**< payload length in bytes               */
};


/** Total frame length: header plus payload. */
static inline size_t ws_frame_size(const struct ws_frame *f)
{
	return f->payload_off + f->payload_len;
}

/** True for close, ping, pong and the reserved control opcodes B-F. */
static inline bool ws_opcode_is_control(unsigned opcode)
{
	return (opcode & 0x8) != 0;
}

/** True for the six opcodes RFC 6455 defines. */
bool ws_opcode_valid(unsigned opcode);


/**
 * Parse a frame header at the start of @p buf, which may hold only part of
 * it. Every check that the bytes received so far allow is made at once, so
 * a bad frame fails before its header (let alone payload) is complete.
 *
 * @param f      Receives the header on success
 * @param buf    Received bytes, starting at the first byte of the frame
 * @param len    Number of bytes in @p buf
 * @param rules  What to accept; NULL is the same as all-zero rules
 * @param need   Optional; on EAGAIN the number of further bytes
 *               without which the header cannot be complete (at least
 *               1; the whole header once its size is known from the
 *               second byte), otherwise 0. The bytes may still reveal an
 *               error before that many have arrived.
 * @param reason Optional; the exact reason (WS_R_OK on success)
 *
 * @return 0         header complete (the payload may not be)
 *         EAGAIN    header incomplete (WS_R_NEED_MORE)
 *         EPROTO    protocol error, close with 1002: WS_R_RSV, WS_R_OPCODE,
 *                   WS_R_CTRL_TOO_LONG, WS_R_CTRL_FRAGMENTED,
 *                   WS_R_UNMASKED, WS_R_MASKED, WS_R_LENGTH
 *         EMSGSIZE  payload over rules->max_payload, or too large for
 *                   this machine's size_t (WS_R_TOO_BIG, 1009)
 *         EINVAL    @p f or @p buf is NULL (WS_R_INVAL)
 *
 * A non-minimal length encoding (e.g. 126 followed by 0x0005) is accepted:
 * the MUST in RFC 6455 5.2 binds the sender, and rejecting it buys nothing.
 */
int ws_frame_parse_header(struct ws_frame *f, const uint8_t *buf, size_t len,
			  const struct ws_frame_rules *rules, size_t *need, enum ws_reason *reason);

/**
 * Like ws_frame_parse_header() but returns 0 only when the whole frame,
 * header and payload, is in @p buf; the frame then occupies
 * buf[0 .. ws_frame_size(f)) and any bytes after it belong to the next
 * frame. On EAGAIN, @p need counts up to the end of the payload once
 * the header is known. Contents of @p f are unspecified unless 0.
 */
int ws_frame_parse(struct ws_frame *f, const uint8_t *buf, size_t len,
		   const struct ws_frame_rules *rules, size_t *need, enum ws_reason *reason);

/**
 * XOR @p len bytes with the masking key in place (RFC 6455 5.3). Masking
 * and unmasking are the same operation.
 *
 * @param pos  Offset of data[0] within the payload, so that a payload can
 *             be unmasked in pieces as it arrives
 */
void ws_mask(uint8_t *data, size_t len, const uint8_t key[4], size_t pos);

/**
 * Unmask the payload of the complete frame @p f that starts at @p frame,
 * in place, and clear f->masked so that a second call does nothing.
 */
void ws_frame_unmask(struct ws_frame *f, uint8_t *frame);


/** Header length for a payload of @p payload_len bytes. */
size_t ws_frame_header_size(size_t payload_len, bool masked);

/**
 * Write a frame header (FIN, opcode, the shortest length encoding, and the
 * masking key if @p mask is given). RSV bits are always zero.
 *
 * @param buf          Output buffer (may be NULL if @p size is 0)
 * @param size         Size of @p buf
 * @param opcode       Any 4-bit opcode
 * @param fin          FIN bit
 * @param payload_len  Length of the payload that will follow
 * @param mask         Masking key, or NULL for an unmasked (server) frame
 * @param outlen       Bytes written; on ENOSPC the bytes needed
 *
 * @return 0, ENOSPC, or EINVAL for an opcode above 0xF or a control
 *         frame that is fragmented or longer than 125 bytes
 */
int ws_frame_build_header(uint8_t *buf, size_t size, unsigned opcode, bool fin, size_t payload_len,
			  const uint8_t *mask, size_t *outlen);

/**
 * Write a complete unmasked frame, as a server sends it (RFC 6455 5.1).
 * @p payload may overlap @p buf. Returns as ws_frame_build_header().
 */
int ws_frame_build(uint8_t *buf, size_t size, unsigned opcode, bool fin, const void *payload,
		   size_t len, size_t *outlen);

/**
 * Write a complete frame masked with @p mask, as a client sends it. The
 * server never needs this; tests and fuzzers do.
 */
int ws_frame_build_masked(uint8_t *buf, size_t size, unsigned opcode, bool fin, const void *payload,
			  size_t len, const uint8_t mask[4], size_t *outlen);


/**
 * True if @p code may be sent in a close frame: 1000-1003, 1007-1011 and
 * the application ranges 3000-4999. 1004, 1005, 1006 and 1015 are reserved,
 * and everything else, including the 1012-1014 codes that IANA registered
 * after RFC 6455, is rejected because peers that follow the RFC text fail
 * the connection on them.
 */
bool ws_close_code_valid(unsigned code);

/**
 * Build a close frame payload (RFC 6455 5.5.1): the status code in network
 * order followed by the UTF-8 reason.
 *
 * @param code        Status to send, or 0 for an empty payload (no status;
 *                    then the reason must be empty too)
 * @param reason      Reason text (may be NULL if @p reason_len is 0)
 * @param reason_len  At most WS_CLOSE_MAX_REASON bytes
 * @param outlen      Bytes written; on ENOSPC the bytes needed
 *
 * @return 0, ENOSPC, EINVAL (code not valid on the wire, reason too long
 *         or not UTF-8)
 */
int ws_close_build(uint8_t *buf, size_t size, unsigned code, const char *reason, size_t reason_len,
		   size_t *outlen);

/**
 * ws_close_build() wrapped in an unmasked close frame; @p buf receives the
 * whole frame (at most 2 + 125 bytes).
 */
int ws_frame_build_close(uint8_t *buf, size_t size, unsigned code, const char *reason,
			 size_t reason_len, size_t *outlen);

/**
 * Parse a received close frame payload (unmasked).
 *
 * @param payload     Payload bytes (may be NULL if @p len is 0)
 * @param len         Payload length
 * @param code        Receives the status; WS_CLOSE_NO_STATUS (1005) if the
 *                    payload is empty
 * @param reason      Optional; receives a pointer into @p payload
 *                    (not NUL-terminated)
 * @param reason_len  Optional; receives the reason length
 * @param why         Optional; the exact reason (WS_R_OK on success)
 *
 * @return 0, EPROTO (WS_R_CLOSE_PAYLOAD: 1 byte, or over 125;
 *         WS_R_CLOSE_CODE: status not valid on the wire), EILSEQ
 *         (WS_R_UTF8: reason not UTF-8), EINVAL (WS_R_INVAL)
 */
int ws_close_parse(const uint8_t *payload, size_t len, uint16_t *code, const char **reason,
		   size_t *reason_len, enum ws_reason *why);


/**
 * Close status a server sends after failing with the errno value @p err:
 * 1002 for EPROTO, 1007 for EILSEQ, 1009 for EMSGSIZE, or 0 for anything
 * else (success, EAGAIN, local or handshake problems, where no close
 * frame applies or the caller decides; 1011 is the usual choice for
 * ENOMEM).
 */
uint16_t ws_close_code_for(int err);

/** The errno value that goes with @p reason (0, EAGAIN, EINVAL, ENOMEM,
 *  EPROTO, EILSEQ or EMSGSIZE). */
int ws_reason_errno(enum ws_reason reason);

/** Short, static English text for @p reason (never NULL): the close
 *  reason sent to the client, and for logs. */
const char *ws_reason_str(enum ws_reason reason);

#endif
