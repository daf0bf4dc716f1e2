/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RTP fixed header (RFC 3550 section 5.1): parse a received packet and
 * write one to send.
 *
 *	struct rtp_packet p;
 *	if (rtp_packet_parse(&p, buf, len) == 0)
 *	        use p.pt, p.seq, p.ts, p.ssrc, p.payload[0..p.payload_len)
 *
 * Parsing accepts version 2 only, skips the CSRC list and the header
 * extension and strips padding; it refuses anything whose lengths do not
 * add up. The payload and extension pointers point into the caller's
 * buffer. RTCP multiplexed on the RTP port (RFC 5761: second byte 200..204,
 * that is marker set and PT 72..76) is refused too.
 *
 * Kamailio-free: libc only. */
#ifndef CONFERENCE_RTP_PACKET_H
#define CONFERENCE_RTP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RTP_VERSION 2
#define RTP_HEADER_SIZE 12 /* without CSRCs and extension */
#define RTP_MAX_CSRC 15

struct rtp_packet {
	bool marker;
	uint8_t pt; /* 0..127 */
	uint16_t seq;
	uint32_t ts;
	uint32_t ssrc;
	uint8_t csrc_count; /* 0..RTP_MAX_CSRC */
	uint32_t csrc[RTP_MAX_CSRC];
	bool extension; /* X bit: ext_profile and ext[0..ext_len) valid */
	uint16_t ext_profile;
	const uint8_t *ext; /* extension data after its 4-byte header */
	size_t ext_len;     /* bytes, a multiple of 4 */
	const uint8_t *payload;
	size_t payload_len; /* padding removed */
	uint8_t padding;    /* padding bytes removed (P bit), 0 if none */
};

/* Returns 0 and fills *pkt, EINVAL (NULL arguments), EBADMSG (shorter
 * than its headers, version not 2, padding count 0 or beyond the payload,
 * RTCP under rtcp-mux). *pkt is zeroed on failure. */
int rtp_packet_parse(struct rtp_packet *pkt, const uint8_t *buf, size_t len);

/* Writes pkt as a version 2 packet without padding: the fixed header,
 * pkt->csrc[0..csrc_count), the extension when pkt->extension (ext_len a
 * multiple of 4, at most 262140), then payload[0..payload_len) (payload
 * may be NULL with payload_len 0 to write the headers only and put the
 * payload after them yourself). *lenp gets the bytes written. Returns 0,
 * EINVAL (NULL, pt > 127, csrc_count > 15, bad ext_len), ENOSPC. */
int rtp_packet_build(uint8_t *buf, size_t size, const struct rtp_packet *pkt, size_t *lenp);

/* Serial number arithmetic on sequence numbers (RFC 1982 style): how far b
 * is ahead of a, -32768..32767. */
static inline int rtp_seq_diff(uint16_t b, uint16_t a)
{
	return (int16_t)(uint16_t)(b - a);
}

#endif
