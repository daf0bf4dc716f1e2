/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTP fixed header parsing and writing (RFC 3550 section 5.1, header
 * extension 5.3.1, padding 5.1 "P"). */
#include <errno.h>
#include <string.h>

#include "conference/mixer/rtp_packet.h"

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int rtp_packet_parse(struct rtp_packet *pkt, const uint8_t *buf, size_t len)
{
	size_t off, end;
	unsigned i;

	if (!pkt)
		return EINVAL;
	memset(pkt, 0, sizeof(*pkt));
	if (!buf)
		return EINVAL;
	if (len < RTP_HEADER_SIZE || buf[0] >> 6 != RTP_VERSION)
		return EBADMSG;
	/* RFC 5761 4: RTCP SR, RR, SDES, BYE, APP on a muxed port */
	if (buf[1] >= 200 && buf[1] <= 204)
		return EBADMSG;

	pkt->csrc_count = buf[0] & 0x0f;
	pkt->extension = (buf[0] & 0x10) != 0;
	pkt->marker = (buf[1] & 0x80) != 0;
	pkt->pt = buf[1] & 0x7f;
	pkt->seq = get16(buf + 2);
	pkt->ts = get32(buf + 4);
	pkt->ssrc = get32(buf + 8);

	off = RTP_HEADER_SIZE;
	if (len - off < 4u * pkt->csrc_count)
		goto bad;
	for (i = 0; i < pkt->csrc_count; i++, off += 4)
		pkt->csrc[i] = get32(buf + off);

	if (pkt->extension) {
		size_t words;

		if (len - off < 4)
			goto bad;
		pkt->ext_profile = get16(buf + off);
		words = get16(buf + off + 2);
		off += 4;
		if (len - off < 4 * words)
			goto bad;
		pkt->ext = buf + off;
		pkt->ext_len = 4 * words;
		off += 4 * words;
	}

	end = len;
	if (buf[0] & 0x20) {
		uint8_t pad = buf[len - 1];

		/* the count includes itself, so 0 is malformed */
		if (pad == 0 || pad > len - off)
			goto bad;
		pkt->padding = pad;
		end -= pad;
	}
	pkt->payload = buf + off;
	pkt->payload_len = end - off;
	return 0;
bad:
	memset(pkt, 0, sizeof(*pkt));
	return EBADMSG;
}

int rtp_packet_build(uint8_t *buf, size_t size, const struct rtp_packet *pkt, size_t *lenp)
{
	size_t need, off;
	unsigned i;

	if (!buf || !pkt || !lenp || pkt->pt > 127 || pkt->csrc_count > RTP_MAX_CSRC ||
	    (pkt->payload_len && !pkt->payload))
		return EINVAL;
	if (pkt->extension &&
	    (pkt->ext_len % 4 || pkt->ext_len > 4 * 0xffffu || (pkt->ext_len && !pkt->ext)))
		return EINVAL;

	need = RTP_HEADER_SIZE + 4u * pkt->csrc_count;
	if (pkt->extension)
		need += 4 + pkt->ext_len;
	if (size < need || size - need < pkt->payload_len)
		return ENOSPC;

	buf[0] = (uint8_t)(RTP_VERSION << 6 | (pkt->extension ? 0x10 : 0) | pkt->csrc_count);
	buf[1] = (uint8_t)((pkt->marker ? 0x80 : 0) | pkt->pt);
	put16(buf + 2, pkt->seq);
	put32(buf + 4, pkt->ts);
	put32(buf + 8, pkt->ssrc);
	off = RTP_HEADER_SIZE;
	for (i = 0; i < pkt->csrc_count; i++, off += 4)
		put32(buf + off, pkt->csrc[i]);
	if (pkt->extension) {
		put16(buf + off, pkt->ext_profile);
		put16(buf + off + 2, (uint16_t)(pkt->ext_len / 4));
		off += 4;
		if (pkt->ext_len)
			memcpy(buf + off, pkt->ext, pkt->ext_len);
		off += pkt->ext_len;
	}
	if (pkt->payload_len)
		memmove(buf + off, pkt->payload, pkt->payload_len);
	*lenp = off + pkt->payload_len;
	return 0;
}
