/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "check.h"
#include "conference/mixer/rtp_packet.h"

static void test_parse_plain(void)
{
	const uint8_t pkt[] = {0x80, 0x80 | 111, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
			       0x01, 0x02,       0x03, 0x04, 'a',  'b',  'c'};
	struct rtp_packet p;

	CHECK_INT(rtp_packet_parse(&p, pkt, sizeof(pkt)), 0);
	CHECK(p.marker);
	CHECK_INT(p.pt, 111);
	CHECK_INT(p.seq, 0x1234);
	CHECK(p.ts == 0xdeadbeef);
	CHECK_INT(p.ssrc, 0x01020304);
	CHECK_INT(p.csrc_count, 0);
	CHECK(!p.extension);
	CHECK_INT(p.payload_len, 3);
	CHECK(p.payload == pkt + 12);
	CHECK_INT(p.padding, 0);

	/* header only: empty payload */
	CHECK_INT(rtp_packet_parse(&p, pkt, 12), 0);
	CHECK_INT(p.payload_len, 0);
}

static void test_parse_csrc_ext_padding(void)
{
	/* P, X, CC=2; extension profile 0xBEDE with 1 word; 3 bytes padding */
	const uint8_t pkt[] = {0xb2, 0x00, 0x00, 0x01, 0, 0, 0,    160,  0, 0,    0,
			       9,    0,    0,    0,    1, 0, 0,    0,    2, 0xbe, 0xde,
			       0x00, 0x01, 0x10, 0xaa, 0, 0, 0xff, 0xfe, 0, 0,    3};
	struct rtp_packet p;

	CHECK_INT(rtp_packet_parse(&p, pkt, sizeof(pkt)), 0);
	CHECK(!p.marker);
	CHECK_INT(p.pt, 0);
	CHECK_INT(p.seq, 1);
	CHECK_INT(p.ts, 160);
	CHECK_INT(p.ssrc, 9);
	CHECK_INT(p.csrc_count, 2);
	CHECK_INT(p.csrc[0], 1);
	CHECK_INT(p.csrc[1], 2);
	CHECK(p.extension);
	CHECK_INT(p.ext_profile, 0xbede);
	CHECK_INT(p.ext_len, 4);
	CHECK(p.ext == pkt + 24);
	CHECK_INT(p.padding, 3);
	CHECK_INT(p.payload_len, 2);
	CHECK(p.payload == pkt + 28);
	CHECK_INT(p.payload[0], 0xff);
}

static void test_parse_malformed(void)
{
	uint8_t pkt[40] = {0x80, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1};
	struct rtp_packet p;

	CHECK_INT(rtp_packet_parse(&p, pkt, 11), EBADMSG);
	CHECK_INT(rtp_packet_parse(NULL, pkt, 12), EINVAL);
	CHECK_INT(rtp_packet_parse(&p, NULL, 12), EINVAL);
	pkt[0] = 0x40; /* version 1 */
	CHECK_INT(rtp_packet_parse(&p, pkt, 20), EBADMSG);
	pkt[0] = 0x83; /* 3 CSRCs announced, 2 present */
	CHECK_INT(rtp_packet_parse(&p, pkt, 20), EBADMSG);
	CHECK_INT(rtp_packet_parse(&p, pkt, 24), 0);
	pkt[0] = 0x90; /* extension header cut */
	CHECK_INT(rtp_packet_parse(&p, pkt, 14), EBADMSG);
	pkt[14] = 0;
	pkt[15] = 2; /* extension of 2 words, 1 present */
	CHECK_INT(rtp_packet_parse(&p, pkt, 20), EBADMSG);
	CHECK_INT(rtp_packet_parse(&p, pkt, 24), 0);
	CHECK_INT(p.payload_len, 0);
	pkt[0] = 0xa0; /* padding 0 */
	pkt[19] = 0;
	CHECK_INT(rtp_packet_parse(&p, pkt, 20), EBADMSG);
	pkt[19] = 9; /* more padding than payload */
	CHECK_INT(rtp_packet_parse(&p, pkt, 20), EBADMSG);
	pkt[19] = 8; /* all of the payload is padding */
	CHECK_INT(rtp_packet_parse(&p, pkt, 20), 0);
	CHECK_INT(p.payload_len, 0);
	CHECK_INT(p.padding, 8);
	/* RTCP receiver report on a muxed port */
	pkt[0] = 0x81;
	pkt[1] = 201;
	CHECK_INT(rtp_packet_parse(&p, pkt, 32), EBADMSG);
	CHECK_INT(p.ssrc, 0); /* zeroed */
}

static void test_build(void)
{
	const uint8_t payload[] = {1, 2, 3, 4, 5}, ext[] = {9, 9, 9, 9};
	struct rtp_packet p = {0}, q;
	uint8_t buf[64];
	size_t len;

	p.marker = true;
	p.pt = 96;
	p.seq = 65535;
	p.ts = 0xffffff00;
	p.ssrc = 0xcafebabe;
	p.payload = payload;
	p.payload_len = sizeof(payload);
	CHECK_INT(rtp_packet_build(buf, sizeof(buf), &p, &len), 0);
	CHECK_INT(len, 17);
	CHECK_INT(buf[0], 0x80);
	CHECK_INT(buf[1], 0x80 | 96);
	CHECK_INT(rtp_packet_parse(&q, buf, len), 0);
	CHECK(q.marker);
	CHECK_INT(q.pt, 96);
	CHECK_INT(q.seq, 65535);
	CHECK(q.ts == 0xffffff00);
	CHECK(q.ssrc == 0xcafebabe);
	CHECK_INT(q.payload_len, 5);
	CHECK_MEM(q.payload, payload, 5);

	p.csrc_count = 1;
	p.csrc[0] = 77;
	p.extension = true;
	p.ext_profile = 0x1000;
	p.ext = ext;
	p.ext_len = 4;
	CHECK_INT(rtp_packet_build(buf, sizeof(buf), &p, &len), 0);
	CHECK_INT(len, 12 + 4 + 8 + 5);
	CHECK_INT(rtp_packet_parse(&q, buf, len), 0);
	CHECK_INT(q.csrc[0], 77);
	CHECK_INT(q.ext_profile, 0x1000);
	CHECK_MEM(q.ext, ext, 4);
	CHECK_MEM(q.payload, payload, 5);

	CHECK_INT(rtp_packet_build(buf, 28, &p, &len), ENOSPC);
	CHECK_INT(rtp_packet_build(buf, 24, &p, &len), ENOSPC);
	p.ext_len = 3;
	CHECK_INT(rtp_packet_build(buf, sizeof(buf), &p, &len), EINVAL);
	p.extension = false;
	p.pt = 128;
	CHECK_INT(rtp_packet_build(buf, sizeof(buf), &p, &len), EINVAL);
	p.pt = 0;
	p.csrc_count = 16;
	CHECK_INT(rtp_packet_build(buf, sizeof(buf), &p, &len), EINVAL);

	/* header only */
	memset(&p, 0, sizeof(p));
	CHECK_INT(rtp_packet_build(buf, 12, &p, &len), 0);
	CHECK_INT(len, 12);
}

static void test_seq_diff(void)
{
	CHECK_INT(rtp_seq_diff(1, 0), 1);
	CHECK_INT(rtp_seq_diff(0, 65535), 1);
	CHECK_INT(rtp_seq_diff(65535, 0), -1);
	CHECK_INT(rtp_seq_diff(100, 65500), 136);
	CHECK_INT(rtp_seq_diff(32768, 0), -32768);
}

int main(void)
{
	RUN(test_parse_plain);
	RUN(test_parse_csrc_ext_padding);
	RUN(test_parse_malformed);
	RUN(test_build);
	RUN(test_seq_diff);
	return check_summary();
}
