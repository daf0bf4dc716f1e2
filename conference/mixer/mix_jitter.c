/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fixed-size jitter buffer: a ring of slots indexed by sequence number
 * modulo the slot count, all memory allocated at mix_jitter_alloc(). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "conference/mixer/mix_jitter.h"
#include "conference/mixer/rtp_packet.h"

struct jitter_slot {
	uint16_t seq;
	uint16_t len;
	bool used;
};

struct mix_jitter {
	struct sylk_mem mem;
	unsigned slots, target, count;
	size_t max_payload;
	bool started; /* a packet has been seen since the last (re)start */
	bool fresh;   /* nothing played since then: next may still move back */
	bool playing;
	uint16_t next; /* sequence number of the next frame to play */
	uint16_t high; /* highest sequence number buffered (count > 0) */
	unsigned underruns, over_ticks;
	struct mix_jitter_stats st;
	struct jitter_slot *slot;
	uint8_t *data; /* slots * max_payload */
};

int mix_jitter_alloc(struct mix_jitter **jbp, const struct sylk_mem *mem, unsigned slots,
		     size_t max_payload, unsigned target)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct mix_jitter *jb;

	if (!jbp)
		return EINVAL;
	*jbp = NULL;
	/* a power of two divides 65536, so seq % slots stays in order across
	 * the wraparound */
	if (slots < 2 || slots > MIX_JITTER_MAX_SLOTS || (slots & (slots - 1)) || max_payload < 1 ||
	    max_payload > 65535 || target < 1 || target >= slots)
		return EINVAL;
	jb = sylk_mem_zalloc(&m, sizeof(*jb) + slots * sizeof(struct jitter_slot) +
					 slots * max_payload);
	if (!jb)
		return ENOMEM;
	jb->mem = m;
	jb->slots = slots;
	jb->target = target;
	jb->max_payload = max_payload;
	jb->slot = (struct jitter_slot *)(jb + 1);
	jb->data = (uint8_t *)(jb->slot + slots);
	*jbp = jb;
	return 0;
}

void mix_jitter_free(struct mix_jitter *jb)
{
	if (jb)
		sylk_mem_free(&jb->mem, jb);
}

static void restart(struct mix_jitter *jb)
{
	unsigned i;

	for (i = 0; i < jb->slots; i++)
		jb->slot[i].used = false;
	jb->count = 0;
	jb->started = false;
	jb->fresh = true;
	jb->playing = false;
	jb->underruns = 0;
	jb->over_ticks = 0;
}

void mix_jitter_reset(struct mix_jitter *jb)
{
	if (jb)
		restart(jb);
}

int mix_jitter_insert(struct mix_jitter *jb, uint16_t seq, const uint8_t *payload, size_t len)
{
	struct jitter_slot *s;
	int d;

	if (!jb || (len && !payload))
		return EINVAL;
	if (len > jb->max_payload)
		return EMSGSIZE;
	if (!jb->started) {
		jb->started = true;
		jb->fresh = true;
		jb->next = seq;
	}
	d = rtp_seq_diff(seq, jb->next);
	if (d < 0 && jb->fresh &&
	    (jb->count == 0 || rtp_seq_diff(jb->high, seq) < (int)jb->slots)) {
		/* arrived before the packet that started the stream */
		jb->next = seq;
		d = 0;
	}
	if (d < 0 && d >= -MIX_JITTER_MAX_MISORDER) {
		jb->st.late++;
		return EALREADY;
	}
	if (d < 0 || d >= (int)jb->slots) {
		/* the sender jumped: start over from this packet */
		restart(jb);
		jb->st.resync++;
		jb->started = true;
		jb->next = seq;
	}
	s = &jb->slot[seq % jb->slots];
	if (s->used) {
		jb->st.duplicate++;
		return EEXIST;
	}
	s->used = true;
	s->seq = seq;
	s->len = (uint16_t)len;
	if (len)
		memcpy(jb->data + (size_t)(seq % jb->slots) * jb->max_payload, payload, len);
	if (jb->count == 0 || rtp_seq_diff(seq, jb->high) > 0)
		jb->high = seq;
	jb->count++;
	jb->st.received++;
	return 0;
}

/* Takes the frame at next out of its slot if it is there. */
static bool take(struct mix_jitter *jb, const uint8_t **payload, size_t *len)
{
	unsigned i = jb->next % jb->slots;
	struct jitter_slot *s = &jb->slot[i];

	jb->next++;
	if (!s->used)
		return false;
	s->used = false;
	jb->count--;
	*payload = jb->data + (size_t)i * jb->max_payload;
	*len = s->len;
	return true;
}

enum mix_jitter_result mix_jitter_pop(struct mix_jitter *jb, const uint8_t **payload, size_t *len)
{
	const uint8_t *p;
	size_t l;

	if (payload)
		*payload = NULL;
	if (len)
		*len = 0;
	if (!jb || !jb->started)
		return MIX_JITTER_EMPTY;
	if (!jb->playing) {
		if (jb->count < jb->target)
			return MIX_JITTER_EMPTY;
		/* start at the oldest frame buffered */
		while (!jb->slot[jb->next % jb->slots].used)
			jb->next++;
		jb->playing = true;
		jb->underruns = 0;
		jb->over_ticks = 0;
	}
	if (jb->count > jb->target + 1) {
		if (++jb->over_ticks >= MIX_JITTER_SHRINK_TICKS) {
			/* persistently too much delay: skip one frame */
			jb->over_ticks = 0;
			if (take(jb, &p, &l))
				jb->st.dropped++;
		}
	} else {
		jb->over_ticks = 0;
	}
	if (jb->count == 0) {
		if (++jb->underruns > MIX_JITTER_UNDERRUN_LIMIT) {
			jb->playing = false;
			return MIX_JITTER_EMPTY;
		}
		jb->st.lost++;
		return MIX_JITTER_LOSS;
	}
	jb->underruns = 0;
	jb->fresh = false;
	if (take(jb, &p, &l)) {
		if (payload)
			*payload = p;
		if (len)
			*len = l;
		return MIX_JITTER_FRAME;
	}
	jb->st.lost++;
	return MIX_JITTER_LOSS;
}

unsigned mix_jitter_count(const struct mix_jitter *jb)
{
	return jb ? jb->count : 0;
}

void mix_jitter_get_stats(const struct mix_jitter *jb, struct mix_jitter_stats *st)
{
	if (!st)
		return;
	if (jb)
		*st = jb->st;
	else
		memset(st, 0, sizeof(*st));
}
