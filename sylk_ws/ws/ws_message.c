/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ws_message.c  RFC 6455 message reassembly
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sylk_ws/base/utf8.h"
#include "sylk_ws/ws/ws_frame.h"
#include "sylk_ws/ws/ws_message.h"

/* A buffer that grew beyond this for one large message is given back when
 * the next message starts, so an idle connection does not pin it. */
enum { KEEP_BUFFER = 64 * 1024 };

struct ws_message {
	struct sylk_mem mem;
	size_t max; /* message size limit */

	uint8_t *buf; /* message being reassembled (+1 for NUL) */
	size_t len;
	size_t cap;

	uint8_t opcode; /* WS_OP_TEXT/BINARY in progress, or 0 */
	struct utf8_state utf8;

	/* control frames get their own storage: they arrive between
	 * fragments and must not touch the message buffer */
	uint8_t ctrl[WS_CTRL_MAX_PAYLOAD + 1];
};


static int create(struct ws_message **mp, size_t max_message_size, struct sylk_mem mem)
{
	struct ws_message *m;

	if (!mp || max_message_size == 0 || max_message_size == SIZE_MAX)
		return EINVAL;

	m = sylk_mem_zalloc(&mem, sizeof(*m));
	if (!m)
		return ENOMEM;

	m->mem = mem;
	m->max = max_message_size;
	utf8_init(&m->utf8);

	*mp = m;

	return 0;
}


int ws_message_alloc_mem(struct ws_message **mp, size_t max_message_size,
			 const struct sylk_mem *mem)
{
	if (!mem || !mem->alloc || !mem->realloc || !mem->free)
		return EINVAL;

	return create(mp, max_message_size, *mem);
}


int ws_message_alloc(struct ws_message **mp, size_t max_message_size)
{
	return create(mp, max_message_size, sylk_mem_or_default(NULL));
}


static void buffer_release(struct ws_message *m)
{
	sylk_mem_free(&m->mem, m->buf);

	m->buf = NULL;
	m->cap = 0;
}


void ws_message_free(struct ws_message *m)
{
	struct sylk_mem mem;

	if (!m)
		return;

	mem = m->mem;
	buffer_release(m);
	sylk_mem_free(&mem, m);
}


void ws_message_reset(struct ws_message *m)
{
	if (!m)
		return;

	m->opcode = 0;
	m->len = 0;
	utf8_init(&m->utf8);
}


bool ws_message_in_progress(const struct ws_message *m)
{
	return m && m->opcode != 0;
}


size_t ws_message_pending(const struct ws_message *m)
{
	return m && m->opcode ? m->len : 0;
}


/* Make room for @p add more bytes plus the NUL terminator. */
static int buffer_reserve(struct ws_message *m, size_t add)
{
	size_t want = m->len + add + 1; /* cannot overflow: m->max < SIZE_MAX */
	size_t cap;
	uint8_t *p;

	if (want <= m->cap)
		return 0;

	/* Doubling keeps many small fragments linear overall; the cap at
	 * the limit keeps a near-limit message from reserving twice that. */
	cap = m->cap ? m->cap : 256;
	while (cap < want)
		cap = cap > (m->max + 1) / 2 ? m->max + 1 : cap * 2;
	if (cap < want)
		cap = want;

	p = sylk_mem_realloc(&m->mem, m->buf, cap);
	if (!p)
		return ENOMEM;

	m->buf = p;
	m->cap = cap;

	return 0;
}


/* Drop the message in progress; set the reason, return its errno. */
static int fail(struct ws_message *m, enum ws_reason *reason, enum ws_reason r)
{
	ws_message_reset(m);

	if (reason)
		*reason = r;

	return ws_reason_errno(r);
}


static int control_frame(struct ws_message *m, const struct ws_frame *f, const uint8_t *payload,
			 struct ws_msg *out, enum ws_reason *why)
{
	int err;

	/* ws_frame_parse() already refuses these; a frame from elsewhere
	 * must not overrun ctrl[] though. */
	if (!f->fin)
		return fail(m, why, WS_R_CTRL_FRAGMENTED);
	if (f->payload_len > WS_CTRL_MAX_PAYLOAD)
		return fail(m, why, WS_R_CTRL_TOO_LONG);

	if (f->payload_len)
		memcpy(m->ctrl, payload, f->payload_len);
	m->ctrl[f->payload_len] = '\0';

	out->opcode = f->opcode;
	out->data = m->ctrl;
	out->len = f->payload_len;
	out->close_code = 0;

	if (f->opcode == WS_OP_CLOSE) {
		const char *reason;
		size_t reason_len;
		uint16_t code;

		err = ws_close_parse(m->ctrl, f->payload_len, &code, &reason, &reason_len, why);
		if (err) {
			ws_message_reset(m);
			return err;
		}

		/* without a reason, point at the NUL so data is never NULL */
		out->close_code = code;
		out->data = reason ? (const uint8_t *)reason : m->ctrl + f->payload_len;
		out->len = reason_len;
	}

	return 0;
}


int ws_message_feed(struct ws_message *m, struct ws_frame *f, uint8_t *frame, struct ws_msg *out,
		    enum ws_reason *reason)
{
	const uint8_t *payload;

	if (reason)
		*reason = WS_R_OK;

	if (!m || !f || !out || (!frame && ws_frame_size(f))) {
		if (reason)
			*reason = WS_R_INVAL;
		return EINVAL;
	}

	memset(out, 0, sizeof(*out));

	if (!ws_opcode_valid(f->opcode))
		return fail(m, reason, WS_R_OPCODE);

	ws_frame_unmask(f, frame);
	payload = frame ? frame + f->payload_off : NULL;

	if (ws_opcode_is_control(f->opcode))
		return control_frame(m, f, payload, out, reason);

	if (f->opcode == WS_OP_CONT) {
		if (!m->opcode)
			return fail(m, reason, WS_R_CONT_UNEXPECTED);
	} else {
		if (m->opcode)
			return fail(m, reason, WS_R_CONT_EXPECTED);

		if (m->cap > KEEP_BUFFER)
			buffer_release(m);

		m->opcode = f->opcode;
		m->len = 0;
		utf8_init(&m->utf8);
	}

	if (f->payload_len > m->max - m->len)
		return fail(m, reason, WS_R_TOO_BIG);

	if (m->opcode == WS_OP_TEXT && utf8_feed(&m->utf8, payload, f->payload_len) == EILSEQ)
		return fail(m, reason, WS_R_UTF8);

	if (buffer_reserve(m, f->payload_len))
		return fail(m, reason, WS_R_NOMEM);

	if (f->payload_len)
		memcpy(m->buf + m->len, payload, f->payload_len);
	m->len += f->payload_len;
	m->buf[m->len] = '\0';

	if (!f->fin) {
		if (reason)
			*reason = WS_R_NEED_MORE;
		return EAGAIN;
	}

	if (m->opcode == WS_OP_TEXT && utf8_finish(&m->utf8) != 0)
		return fail(m, reason, WS_R_UTF8);

	out->opcode = m->opcode;
	out->data = m->buf;
	out->len = m->len;

	/* The data stays in m->buf until the next call; only the state
	 * says "no message in progress" now. */
	m->opcode = 0;
	utf8_init(&m->utf8);

	return 0;
}
