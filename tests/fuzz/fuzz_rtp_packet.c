/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: RTP header parsing and writing.
 *
 * Oracles beyond "no crash": everything parse reports lies inside the
 * input; a parsed packet written back (padding dropped) parses to the same
 * fields and payload; a packet that parses with no padding is written back
 * byte for byte. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conference/mixer/rtp_packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[70000 + 12 + 60 + 4 + 262140];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rtp_packet p, q;
	size_t len;
	unsigned i;

	if (rtp_packet_parse(&p, data, size) != 0)
		return 0;
	if (p.payload < data || p.payload + p.payload_len > data + size)
		abort();
	if (p.extension && (p.ext < data || p.ext + p.ext_len > p.payload))
		abort();
	if (p.csrc_count > RTP_MAX_CSRC || p.pt > 127)
		abort();
	if (size > 70000)
		return 0;
	if (rtp_packet_build(out, sizeof(out), &p, &len) != 0)
		abort();
	if (len != size - p.padding)
		abort();
	if (!p.padding && memcmp(out, data, size) != 0)
		abort();
	if (rtp_packet_parse(&q, out, len) != 0)
		abort();
	if (q.marker != p.marker || q.pt != p.pt || q.seq != p.seq || q.ts != p.ts ||
	    q.ssrc != p.ssrc || q.csrc_count != p.csrc_count || q.extension != p.extension ||
	    q.ext_profile != p.ext_profile || q.ext_len != p.ext_len ||
	    q.payload_len != p.payload_len || q.padding != 0)
		abort();
	for (i = 0; i < p.csrc_count; i++)
		if (q.csrc[i] != p.csrc[i])
			abort();
	if (p.ext_len && memcmp(q.ext, p.ext, p.ext_len) != 0)
		abort();
	if (p.payload_len && memcmp(q.payload, p.payload, p.payload_len) != 0)
		abort();
	return 0;
}
