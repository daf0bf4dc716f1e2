/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mixers' pool of UDP ports, handed out in RTP/RTCP pairs (RTP on the
 * even port: the mixer's SDP names no RTCP port, so the relay sends RTCP
 * to port + 1, which must not be another participant's RTP port), round
 * robin so a port just freed is not reused at once. The caller places the
 * pool (shared memory) and locks it. Kamailio-free. */
#ifndef CONFERENCE_MIX_PORTS_H
#define CONFERENCE_MIX_PORTS_H

#include <stddef.h>
#include <stdint.h>

struct mix_ports {
	int min, max, next;
	uint8_t used[]; /* one byte per port, max - min + 1 */
};

/* bytes a pool for @p min..@p max takes; 0 when the range is unusable
 * (outside 1024..65535 or fewer than 4 ports) */
size_t mix_ports_size(int min, int max);
/* @p p has mix_ports_size() bytes. 0 or EINVAL. */
int mix_ports_init(struct mix_ports *p, int min, int max);
/* the RTP port of a free pair, 0 when none is free */
int mix_ports_alloc(struct mix_ports *p);
/* 0, ERANGE (not a port of the pool), EALREADY (not in use) */
int mix_ports_free(struct mix_ports *p, int port);
/* pairs in all and in use */
void mix_ports_count(const struct mix_ports *p, int *total, int *used);

#endif
