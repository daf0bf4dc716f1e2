/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ws_frame.c  RFC 6455 frame codec and close payloads
 */
#include <errno.h>
#include <string.h>
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/ws/ws_frame.h"


bool ws_opcode_valid(unsigned opcode)
{
	switch (opcode) {

	case WS_OP_CONT:
	case WS_OP_TEXT:
	case WS_OP_BINARY:
	case WS_OP_CLOSE:
	case WS_OP_PING:
	case WS_OP_PONG: return true;

	default: return false;
	}
}


int ws_reason_errno(enum ws_reason reason)
{
	switch (reason) {

	case WS_R_OK: return 0;
	case WS_R_NEED_MORE: return EAGAIN;
	case WS_R_INVAL: return EINVAL;
	case WS_R_NOMEM: return ENOMEM;
	case WS_R_UTF8: return EILSEQ;
	case WS_R_TOO_BIG: return EMSGSIZE;
	default: return EPROTO;
	}
}


/* Fail (or ask for more) with @p r: set the reason, return its errno. */
static int why(enum ws_reason *reason, enum ws_reason r)
{
	if (reason)
		*reason = r;

	return ws_reason_errno(r);
}


static inline int need_more(size_t *need, size_t n, enum ws_reason *reason)
{
	if (need)
		*need = n;

	return why(reason, WS_R_NEED_MORE);
}


/*
 * The checks run in the order of the bytes they look at, so whatever the
 * split of the input, a frame fails with the same error as soon as the
 * byte that condemns it has arrived.
 */
int ws_frame_parse_header(struct ws_frame *f, const uint8_t *buf, size_t len,
			  const struct ws_frame_rules *rules, size_t *need, enum ws_reason *reason)
{
	enum ws_role role = rules ? rules->role : WS_ROLE_SERVER;
	uint8_t rsv_allowed = rules ? rules->rsv_allowed : 0;
	size_t max_payload = rules ? rules->max_payload : 0;
	uint8_t b0, b1, len7;
	size_t ext, hdr;
	uint64_t plen;
	bool control;

	if (need)
		*need = 0;
	if (reason)
		*reason = WS_R_OK;

	if (!f || (!buf && len))
		return why(reason, WS_R_INVAL);

	if (len < 1)
		return need_more(need, 2, reason);

	b0 = buf[0];
	f->fin = (b0 & 0x80) != 0;
	f->rsv = b0 & 0x70;
	f->opcode = b0 & 0x0f;
	control = ws_opcode_is_control(f->opcode);

	if (f->rsv & ~rsv_allowed)
		return why(reason, WS_R_RSV);
	if (!ws_opcode_valid(f->opcode))
		return why(reason, WS_R_OPCODE);
	if (control && !f->fin)
		return why(reason, WS_R_CTRL_FRAGMENTED);

	if (len < 2)
		return need_more(need, 2 - len, reason);

	b1 = buf[1];
	f->masked = (b1 & 0x80) != 0;
	len7 = b1 & 0x7f;

	if (control && len7 > WS_CTRL_MAX_PAYLOAD)
		return why(reason, WS_R_CTRL_TOO_LONG);

	/* 5.1: the masking direction is fixed, and a server must not accept
	 * unmasked frames, which is what defeats cache-poisoning through
	 * intermediaries (10.3). */
	if (role == WS_ROLE_SERVER && !f->masked)
		return why(reason, WS_R_UNMASKED);
	if (role == WS_ROLE_CLIENT && f->masked)
		return why(reason, WS_R_MASKED);

	ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;

	/* The top bit can be judged on its own byte, before the rest of
	 * the 64-bit length is here. */
	if (ext == 8 && len >= 3 && (buf[2] & 0x80))
		return why(reason, WS_R_LENGTH);

	hdr = 2 + ext + (f->masked ? 4 : 0);

	/* Ask for the whole header at once: its size is known by now. */
	if (len < 2 + ext)
		return need_more(need, hdr - len, reason);

	if (ext == 0) {
		plen = len7;
	} else {
		size_t i;

		plen = 0;
		for (i = 0; i < ext; i++)
			plen = (plen << 8) | buf[2 + i];
	}

	/* Refused from the length alone, so a peer cannot make us buffer
	 * what we would reject anyway. */
	if (max_payload && plen > max_payload)
		return why(reason, WS_R_TOO_BIG);
	if (plen > SIZE_MAX - hdr)
		return why(reason, WS_R_TOO_BIG);

	if (len < hdr)
		return need_more(need, hdr - len, reason);

	if (f->masked)
		memcpy(f->mask, buf + 2 + ext, 4);
	else
		memset(f->mask, 0, sizeof(f->mask));

	f->payload_off = hdr;
	f->payload_len = (size_t)plen;

	return 0;
}


int ws_frame_parse(struct ws_frame *f, const uint8_t *buf, size_t len,
		   const struct ws_frame_rules *rules, size_t *need, enum ws_reason *reason)
{
	int err;

	err = ws_frame_parse_header(f, buf, len, rules, need, reason);
	if (err)
		return err;

	if (len < ws_frame_size(f))
		return need_more(need, ws_frame_size(f) - len, reason);

	return 0;
}


void ws_mask(uint8_t *data, size_t len, const uint8_t key[4], size_t pos)
{
	size_t i = 0;

	if (!data || !key)
		return;

	/* Bring the key phase to 0 so that the word loop can use one
	 * fixed 8-byte key; masking is on the hot path of every frame. */
	for (; i < len && ((pos + i) & 3); i++)
		data[i] ^= key[(pos + i) & 3];

	if (len - i >= 8) {
		const uint8_t k8[8] = {key[0], key[1], key[2], key[3],
				       key[0], key[1], key[2], key[3]};
		uint64_t kw;

		memcpy(&kw, k8, sizeof(kw));

		for (; len - i >= 8; i += 8) {
			uint64_t w;

			memcpy(&w, data + i, sizeof(w));
			w ^= kw;
			memcpy(data + i, &w, sizeof(w));
		}
	}

	for (; i < len; i++)
		data[i] ^= key[(pos + i) & 3];
}


void ws_frame_unmask(struct ws_frame *f, uint8_t *frame)
{
	if (!f || !frame || !f->masked)
		return;

	ws_mask(frame + f->payload_off, f->payload_len, f->mask, 0);
	f->masked = false;
}


size_t ws_frame_header_size(size_t payload_len, bool masked)
{
	size_t hdr = 2;

	if (payload_len > 0xffff)
		hdr += 8;
	else if (payload_len > 125)
		hdr += 2;

	return hdr + (masked ? 4 : 0);
}


static bool header_sendable(unsigned opcode, bool fin, size_t payload_len)
{
	if (opcode > 0xf)
		return false;

	/* We would fail a peer for these (5.5), so never send them. */
	if (ws_opcode_is_control(opcode) && (!fin || payload_len > WS_CTRL_MAX_PAYLOAD))
		return false;

	return true;
}


int ws_frame_build_header(uint8_t *buf, size_t size, unsigned opcode, bool fin, size_t payload_len,
			  const uint8_t *mask, size_t *outlen)
{
	size_t hdr = ws_frame_header_size(payload_len, mask != NULL);
	uint8_t *p;

	if (outlen)
		*outlen = 0;

	if (!header_sendable(opcode, fin, payload_len))
		return EINVAL;

	if (outlen)
		*outlen = hdr;

	if (!buf || size < hdr)
		return ENOSPC;

	p = buf;
	*p++ = (uint8_t)((fin ? 0x80 : 0x00) | opcode);

	if (payload_len <= 125) {
		*p++ = (uint8_t)((mask ? 0x80 : 0) | payload_len);
	} else if (payload_len <= 0xffff) {
		*p++ = (uint8_t)((mask ? 0x80 : 0) | 126);
		*p++ = (uint8_t)(payload_len >> 8);
		*p++ = (uint8_t)payload_len;
	} else {
		uint64_t n = payload_len;
		int shift;

		*p++ = (uint8_t)((mask ? 0x80 : 0) | 127);
		for (shift = 56; shift >= 0; shift -= 8)
			*p++ = (uint8_t)(n >> shift);
	}

	if (mask)
		memcpy(p, mask, 4);

	return 0;
}


static int frame_build(uint8_t *buf, size_t size, unsigned opcode, bool fin, const void *payload,
		       size_t len, const uint8_t *mask, size_t *outlen)
{
	size_t hdr, total;
	int err;

	if (outlen)
		*outlen = 0;

	if (!payload && len)
		return EINVAL;

	if (!header_sendable(opcode, fin, len))
		return EINVAL;

	hdr = ws_frame_header_size(len, mask != NULL);
	if (len > SIZE_MAX - hdr)
		return EINVAL;

	total = hdr + len;
	if (outlen)
		*outlen = total;

	if (!buf || size < total)
		return ENOSPC;

	/* Payload first: it may sit where the header goes, e.g. when the
	 * caller rendered it at the start of this same buffer. */
	if (len)
		memmove(buf + hdr, payload, len);

	err = ws_frame_build_header(buf, size, opcode, fin, len, mask, NULL);
	if (err)
		return err;

	if (mask)
		ws_mask(buf + hdr, len, mask, 0);

	return 0;
}


int ws_frame_build(uint8_t *buf, size_t size, unsigned opcode, bool fin, const void *payload,
		   size_t len, size_t *outlen)
{
	return frame_build(buf, size, opcode, fin, payload, len, NULL, outlen);
}


int ws_frame_build_masked(uint8_t *buf, size_t size, unsigned opcode, bool fin, const void *payload,
			  size_t len, const uint8_t mask[4], size_t *outlen)
{
	if (!mask) {
		if (outlen)
			*outlen = 0;
		return EINVAL;
	}

	return frame_build(buf, size, opcode, fin, payload, len, mask, outlen);
}


bool ws_close_code_valid(unsigned code)
{
	if (code >= 1000 && code <= 1003)
		return true;
	if (code >= 1007 && code <= 1011)
		return true;
	if (code >= 3000 && code <= 4999)
		return true;

	return false;
}


int ws_close_build(uint8_t *buf, size_t size, unsigned code, const char *reason, size_t reason_len,
		   size_t *outlen)
{
	size_t total;

	if (outlen)
		*outlen = 0;

	if (reason_len && !reason)
		return EINVAL;

	if (code == 0) {
		/* A reason needs a status in front of it (5.5.1). */
		return reason_len ? EINVAL : 0;
	}

	if (!ws_close_code_valid(code))
		return EINVAL;
	if (reason_len > WS_CLOSE_MAX_REASON)
		return EINVAL;
	if (!utf8_valid(reason, reason_len))
		return EINVAL;

	total = 2 + reason_len;
	if (outlen)
		*outlen = total;

	if (!buf || size < total)
		return ENOSPC;

	buf[0] = (uint8_t)(code >> 8);
	buf[1] = (uint8_t)code;
	if (reason_len)
		memmove(buf + 2, reason, reason_len);

	return 0;
}


int ws_frame_build_close(uint8_t *buf, size_t size, unsigned code, const char *reason,
			 size_t reason_len, size_t *outlen)
{
	uint8_t payload[WS_CTRL_MAX_PAYLOAD];
	size_t plen;
	int err;

	if (outlen)
		*outlen = 0;

	err = ws_close_build(payload, sizeof(payload), code, reason, reason_len, &plen);
	if (err)
		return err;

	return ws_frame_build(buf, size, WS_OP_CLOSE, true, payload, plen, outlen);
}


int ws_close_parse(const uint8_t *payload, size_t len, uint16_t *code, const char **reason,
		   size_t *reason_len, enum ws_reason *why_not)
{
	uint16_t c;

	if (why_not)
		*why_not = WS_R_OK;

	if (!code || (!payload && len))
		return why(why_not, WS_R_INVAL);

	if (reason)
		*reason = NULL;
	if (reason_len)
		*reason_len = 0;

	if (len == 0) {
		*code = WS_CLOSE_NO_STATUS;
		return 0;
	}

	if (len == 1 || len > WS_CTRL_MAX_PAYLOAD)
		return why(why_not, WS_R_CLOSE_PAYLOAD);

	c = (uint16_t)((payload[0] << 8) | payload[1]);
	if (!ws_close_code_valid(c))
		return why(why_not, WS_R_CLOSE_CODE);

	if (!utf8_valid(payload + 2, len - 2))
		return why(why_not, WS_R_UTF8);

	*code = c;
	if (reason)
		*reason = (const char *)payload + 2;
	if (reason_len)
		*reason_len = len - 2;

	return 0;
}


uint16_t ws_close_code_for(int err)
{
	switch (err) {

	case EPROTO: return WS_CLOSE_PROTOCOL_ERROR;

	case EILSEQ: return WS_CLOSE_INVALID_DATA;

	case EMSGSIZE: return WS_CLOSE_TOO_BIG;

	default: return 0;
	}
}


const char *ws_reason_str(enum ws_reason reason)
{
	switch (reason) {

	case WS_R_OK: return "ok";
	case WS_R_NEED_MORE: return "need more data";
	case WS_R_INVAL: return "invalid argument";
	case WS_R_NOMEM: return "out of memory";
	case WS_R_RSV: return "RSV bit set without extension";
	case WS_R_OPCODE: return "reserved opcode";
	case WS_R_CTRL_TOO_LONG: return "control frame payload over 125 bytes";
	case WS_R_CTRL_FRAGMENTED: return "fragmented control frame";
	case WS_R_UNMASKED: return "client frame not masked";
	case WS_R_MASKED: return "server frame masked";
	case WS_R_LENGTH: return "64-bit payload length has top bit set";
	case WS_R_CONT_UNEXPECTED: return "continuation frame without a message";
	case WS_R_CONT_EXPECTED: return "new data frame inside a fragmented message";
	case WS_R_CLOSE_PAYLOAD: return "malformed close payload";
	case WS_R_CLOSE_CODE: return "invalid close status code";
	case WS_R_UTF8: return "invalid UTF-8";
	case WS_R_TOO_BIG: return "message too big";
	default: return "unknown error";
	}
}
