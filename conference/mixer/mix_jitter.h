/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The jitter buffer of one mixer participant: RTP payloads in, one 20 ms
 * frame out per mixer tick.
 *
 *	mix_jitter_alloc(&jb, NULL, 16, 1275, 2);
 *	on a packet:  mix_jitter_insert(jb, seq, payload, len);
 *	every tick:   switch (mix_jitter_pop(jb, &payload, &len)) {
 *	              case MIX_JITTER_FRAME: decode payload
 *	              case MIX_JITTER_LOSS:  conceal (PLC)
 *	              case MIX_JITTER_EMPTY: nothing to play (silence) }
 *
 * Packets are placed by sequence number (wraparound-safe) in a ring of a
 * fixed number of slots allocated once: reordered packets are put back in
 * order, duplicates and packets whose turn has passed are dropped.
 * Playing starts once `target` frames are buffered. A missing packet is
 * reported as a loss when later packets are already there; when nothing at
 * all is buffered (underrun) the loss is reported without moving on, so
 * the delay grows by one frame; after MIX_JITTER_UNDERRUN_LIMIT such ticks
 * (the sender paused: hold, DTX) the buffer stops playing and buffers
 * again. When more than target + 1 frames stay buffered for
 * MIX_JITTER_SHRINK_TICKS ticks, one frame is dropped to bring the delay
 * back down. A packet more than `slots` ahead, or more than
 * MIX_JITTER_MAX_MISORDER behind, restarts the buffer (the sender jumped).
 * Timestamps are not used: one packet is one 20 ms frame. An empty
 * payload (len 0) is a valid entry: the caller may insert one for a
 * packet that carries no audio but uses up a sequence number (an RFC 4733
 * telephone-event, comfort noise) and play silence when it pops.
 *
 * Kamailio-free: libc only. */
#ifndef CONFERENCE_MIX_JITTER_H
#define CONFERENCE_MIX_JITTER_H

#include <stddef.h>
#include <stdint.h>

#include "conference/mixer/audio_codec.h"

#define MIX_JITTER_MAX_SLOTS 256
#define MIX_JITTER_DEFAULT_SLOTS 16
#define MIX_JITTER_DEFAULT_TARGET 2
#define MIX_JITTER_UNDERRUN_LIMIT 5
#define MIX_JITTER_SHRINK_TICKS 50
#define MIX_JITTER_MAX_MISORDER 100

enum mix_jitter_result {
	MIX_JITTER_EMPTY = 0, /* nothing to play (not started, buffering, paused) */
	MIX_JITTER_FRAME,     /* payload returned */
	MIX_JITTER_LOSS,      /* this frame is lost: conceal it */
};

struct mix_jitter_stats {
	uint64_t received; /* stored */
	uint64_t duplicate;
	uint64_t late;    /* arrived after its turn */
	uint64_t lost;    /* LOSS results */
	uint64_t dropped; /* dropped to shrink the delay */
	uint64_t resync;  /* restarts after a sequence jump */
};

struct mix_jitter;

/* slots a power of two, 2..MIX_JITTER_MAX_SLOTS; max_payload 1..65535, target
 * 1..slots - 1 frames. mem NULL: malloc/free. Returns 0, EINVAL, ENOMEM. */
int mix_jitter_alloc(struct mix_jitter **jbp, const struct sylk_mem *mem, unsigned slots,
		     size_t max_payload, unsigned target);
void mix_jitter_free(struct mix_jitter *jb);
/* Empties the buffer; the next packet starts a new stream. Stats stay. */
void mix_jitter_reset(struct mix_jitter *jb);

/* Copies the payload in. Returns 0 (stored), EEXIST (duplicate),
 * EALREADY (too late: its frame was already played or concealed),
 * EMSGSIZE (over max_payload), EINVAL (NULL with len > 0). */
int mix_jitter_insert(struct mix_jitter *jb, uint16_t seq, const uint8_t *payload, size_t len);

/* One tick. For MIX_JITTER_FRAME, *payload and *len point into the buffer
 * and stay valid until the next call on jb. */
enum mix_jitter_result mix_jitter_pop(struct mix_jitter *jb, const uint8_t **payload, size_t *len);

/* Frames currently buffered, and the stats. */
unsigned mix_jitter_count(const struct mix_jitter *jb);
void mix_jitter_get_stats(const struct mix_jitter *jb, struct mix_jitter_stats *st);

#endif
