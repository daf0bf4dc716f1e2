/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mixer of one room: jitter buffer, decode or conceal, sum, mix-minus,
 * encode, one RTP packet per participant and tick. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "conference/mixer/mix_jitter.h"
#include "conference/mixer/mix_room.h"
#include "conference/mixer/rtp_packet.h"

#define PT_CN 13           /* RFC 3389 comfort noise (RFC 3551 static) */
#define NARROW_PAYLOAD 320 /* G.711 / G.722: up to 40 ms at 64 kbit/s */

struct mix_part {
	unsigned key;
	struct mix_participant_cfg cfg;
	unsigned frame_ticks;
	struct audio_decoder *dec;
	struct audio_encoder *enc;
	struct mix_jitter *jb;

	bool on_hold;
	bool marker; /* set M on the next packet sent */
	bool have_ssrc;
	uint32_t in_ssrc;
	bool contributes; /* frame holds audio this tick */
	bool quiet;       /* last entry played was silence: do not conceal */
	uint16_t seq;
	uint32_t ts;

	bool speaking;
	unsigned above, below;
	int64_t power;    /* mean square of the last frame */
	int64_t loudness; /* power smoothed over a few frames */
	bool mixed;       /* among the loudest this tick */
	bool was_mixed;   /* in the last tick */

	uint32_t idle;
	uint64_t packets_in, packets_out, telephone_events, bad;
	uint64_t lost;

	int16_t frame[AUDIO_FRAME_SAMPLES];
};

/* The whole sum encoded once per codec and tick, for everyone who is not
 * mixed (see mix_room.h). */
struct shared_out {
	struct audio_encoder *enc; /* allocated with the codec's first participant */
	bool ready;                /* payload holds this tick's frame */
	size_t len;
	uint8_t payload[AUDIO_MAX_PAYLOAD];
};

struct mix_room {
	struct sylk_mem mem;
	struct mix_part **part;
	size_t count, cap;
	unsigned max_speakers;
	struct shared_out shared[AUDIO_CODEC_COUNT];
	bool shared_pcm_ready;       /* out holds the saturated sum this tick */
	int64_t on_power, off_power; /* speaking thresholds as mean squares */
	int32_t sum[AUDIO_FRAME_SAMPLES];
	int32_t tap_sum[AUDIO_FRAME_SAMPLES]; /* the taps' part of sum (for a bus) */
	int16_t out[AUDIO_FRAME_SAMPLES];
	int16_t decoded[AUDIO_MAX_DECODED];
	uint8_t packet[RTP_HEADER_SIZE + AUDIO_MAX_PAYLOAD];
	/* announcement tones, generated into the sum */
	bool join_tone, alone_tone;
	unsigned join_left;   /* ticks of join beep still to play */
	unsigned alone_ticks; /* ticks someone has been alone */
	uint32_t tone_phase;  /* 32-bit phase accumulator */
	int16_t sine[MIX_TONE_TABLE];
};

/* ---- arithmetic -------------------------------------------------------------- */

void mix_sum_add(int32_t *sum, const int16_t *pcm, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum[i] += pcm[i];
}

void mix_sum_minus_sum(int16_t *out, const int32_t *sum, const int32_t *part, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int32_t v = sum[i] - part[i];

		out[i] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
	}
}

void mix_sum_minus(int16_t *out, const int32_t *sum, const int16_t *own, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int32_t v = sum[i] - (own ? own[i] : 0);

		out[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
}

static int64_t mean_square(const int16_t *pcm, size_t n)
{
	int64_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc += (int32_t)pcm[i] * pcm[i];
	return acc / (int64_t)n;
}

/* ---- room ---------------------------------------------------------------- */

static int64_t db_to_power(int db)
{
	return (int64_t)(32768.0 * 32768.0 * pow(10.0, db / 10.0));
}

int mix_room_alloc(struct mix_room **roomp, const struct sylk_mem *mem)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct mix_room *room;

	if (!roomp)
		return EINVAL;
	room = sylk_mem_zalloc(&m, sizeof(*room));
	*roomp = room;
	if (!room)
		return ENOMEM;
	room->mem = m;
	for (size_t i = 0; i < MIX_TONE_TABLE; i++)
		room->sine[i] =
			(int16_t)lround(sin(2.0 * M_PI * (double)i / MIX_TONE_TABLE) * 32767.0);
	room->on_power = db_to_power(MIX_SPEAK_ON_DB);
	room->off_power = db_to_power(MIX_SPEAK_OFF_DB);
	room->max_speakers = MIX_DEFAULT_MAX_SPEAKERS;
	return 0;
}

int mix_room_set_max_speakers(struct mix_room *room, unsigned max_speakers)
{
	if (!room)
		return EINVAL;
	room->max_speakers = max_speakers;
	return 0;
}

static void part_free(struct mix_room *room, struct mix_part *p)
{
	if (!p)
		return;
	audio_decoder_free(p->dec);
	audio_encoder_free(p->enc);
	mix_jitter_free(p->jb);
	sylk_mem_free(&room->mem, p);
}

void mix_room_free(struct mix_room *room)
{
	size_t i;

	if (!room)
		return;
	for (i = 0; i < room->count; i++)
		part_free(room, room->part[i]);
	for (i = 0; i < AUDIO_CODEC_COUNT; i++)
		audio_encoder_free(room->shared[i].enc);
	sylk_mem_free(&room->mem, room->part);
	sylk_mem_free(&room->mem, room);
}

static struct mix_part *find(const struct mix_room *room, unsigned key, size_t *idx)
{
	size_t i;

	for (i = 0; i < room->count; i++)
		if (room->part[i]->key == key) {
			if (idx)
				*idx = i;
			return room->part[i];
		}
	return NULL;
}

static int check_cfg(const struct mix_participant_cfg *cfg)
{
	if (!cfg || !audio_codec_name(cfg->codec) || cfg->pt > 127 || cfg->dtmf_pt > 127 ||
	    cfg->jitter_target >= MIX_JITTER_DEFAULT_SLOTS || cfg->role > MIX_ROLE_BUS)
		return EINVAL;
	if (cfg->ptime != 0 && cfg->ptime != AUDIO_FRAME_MS)
		return ENOTSUP;
	return 0;
}

/* A participant's codec half: decoder, encoder, jitter buffer. */
static int part_codecs(struct mix_room *room, struct mix_part *p,
		       const struct mix_participant_cfg *cfg)
{
	int err;

	err = audio_decoder_alloc(&p->dec, cfg->codec, &room->mem);
	if (!err)
		err = audio_encoder_alloc(&p->enc, cfg->codec, &room->mem);
	/* here rather than in the tick, which allocates nothing; kept until
	 * the room ends */
	if (!err && !room->shared[cfg->codec].enc)
		err = audio_encoder_alloc(&room->shared[cfg->codec].enc, cfg->codec, &room->mem);
	if (!err)
		err = mix_jitter_alloc(
			&p->jb, &room->mem, MIX_JITTER_DEFAULT_SLOTS,
			cfg->codec == AUDIO_CODEC_OPUS ? AUDIO_MAX_PAYLOAD : NARROW_PAYLOAD,
			cfg->jitter_target ? cfg->jitter_target : MIX_JITTER_DEFAULT_TARGET);
	p->cfg = *cfg;
	p->cfg.ptime = AUDIO_FRAME_MS;
	p->frame_ticks = audio_codec_frame_ticks(cfg->codec);
	return err;
}

int mix_room_add(struct mix_room *room, unsigned key, const struct mix_participant_cfg *cfg)
{
	struct mix_part *p;
	int err;

	if (!room || !key)
		return EINVAL;
	if ((err = check_cfg(cfg)))
		return err;
	if (find(room, key, NULL))
		return EEXIST;
	if (room->count == room->cap) {
		size_t cap = room->cap ? room->cap * 2 : 8;
		struct mix_part **a = sylk_mem_zalloc(&room->mem, cap * sizeof(*a));

		if (!a)
			return ENOMEM;
		if (room->count)
			memcpy(a, room->part, room->count * sizeof(*a));
		sylk_mem_free(&room->mem, room->part);
		room->part = a;
		room->cap = cap;
	}
	p = sylk_mem_zalloc(&room->mem, sizeof(*p));
	if (!p)
		return ENOMEM;
	p->key = key;
	if ((err = part_codecs(room, p, cfg))) {
		part_free(room, p);
		return err;
	}
	p->seq = cfg->seq;
	p->ts = cfg->ts;
	p->marker = true;
	room->part[room->count++] = p;
	if (room->join_tone && room->count > 1)
		room->join_left = MIX_JOIN_TONE_MS / AUDIO_FRAME_MS;
	room->alone_ticks = 0;
	return 0;
}

int mix_room_set_tones(struct mix_room *room, bool join_tone, bool alone_tone)
{
	if (!room)
		return EINVAL;
	room->join_tone = join_tone;
	room->alone_tone = alone_tone;
	if (!join_tone)
		room->join_left = 0;
	return 0;
}

/* One frame of a sine of @p hz at @p amplitude added to the sum. */
static void add_tone(struct mix_room *room, unsigned hz, int amplitude)
{
	uint32_t step = (uint32_t)(((uint64_t)hz << 32) / AUDIO_RATE);

	for (size_t i = 0; i < AUDIO_FRAME_SAMPLES; i++) {
		room->sum[i] +=
			room->sine[room->tone_phase >> (32 - MIX_TONE_BITS)] * amplitude / 32767;
		room->tone_phase += step;
	}
}

static void add_tones(struct mix_room *room)
{
	if (room->join_left) {
		add_tone(room, MIX_JOIN_TONE_HZ, MIX_TONE_AMPLITUDE);
		room->join_left--;
		return;
	}
	if (!room->alone_tone || room->count != 1) {
		room->alone_ticks = 0;
		return;
	}
	/* alone: a short soft beep every few seconds, so the line is not dead */
	if (room->alone_ticks % (MIX_ALONE_PERIOD_MS / AUDIO_FRAME_MS) <
	    MIX_ALONE_BEEP_MS / AUDIO_FRAME_MS)
		add_tone(room, MIX_ALONE_TONE_HZ, MIX_TONE_AMPLITUDE / 2);
	room->alone_ticks++;
}

int mix_room_update(struct mix_room *room, unsigned key, const struct mix_participant_cfg *cfg)
{
	struct mix_part *p, tmp;
	uint32_t ssrc;
	int err;

	if (!room || !key)
		return EINVAL;
	if ((err = check_cfg(cfg)))
		return err;
	p = find(room, key, NULL);
	if (!p)
		return ENOENT;
	memset(&tmp, 0, sizeof(tmp));
	err = part_codecs(room, &tmp, cfg);
	if (err) {
		audio_decoder_free(tmp.dec);
		audio_encoder_free(tmp.enc);
		mix_jitter_free(tmp.jb);
		return err;
	}
	audio_decoder_free(p->dec);
	audio_encoder_free(p->enc);
	mix_jitter_free(p->jb);
	p->dec = tmp.dec;
	p->enc = tmp.enc;
	p->jb = tmp.jb;
	ssrc = p->cfg.ssrc;
	p->cfg = tmp.cfg;
	p->cfg.ssrc = ssrc;
	p->frame_ticks = tmp.frame_ticks;
	p->have_ssrc = false;
	p->quiet = false;
	p->marker = true;
	return 0;
}

int mix_room_remove(struct mix_room *room, unsigned key)
{
	size_t i;
	struct mix_part *p;

	if (!room)
		return EINVAL;
	p = find(room, key, &i);
	if (!p)
		return ENOENT;
	part_free(room, p);
	memmove(room->part + i, room->part + i + 1, (room->count - i - 1) * sizeof(*room->part));
	room->count--;
	return 0;
}

size_t mix_room_count(const struct mix_room *room)
{
	return room ? room->count : 0;
}

int mix_room_set_hold(struct mix_room *room, unsigned key, bool on_hold)
{
	struct mix_part *p;

	if (!room)
		return EINVAL;
	p = find(room, key, NULL);
	if (!p)
		return ENOENT;
	if (p->on_hold && !on_hold)
		p->marker = true;
	p->on_hold = on_hold;
	return 0;
}

/* ---- media ------------------------------------------------------------------- */

int mix_room_input(struct mix_room *room, unsigned key, const uint8_t *rtp, size_t len)
{
	struct rtp_packet pkt;
	struct mix_part *p;
	bool silent;

	if (!room)
		return EINVAL;
	p = find(room, key, NULL);
	if (!p)
		return ENOENT;
	if (p->cfg.role == MIX_ROLE_BUS)
		return 0; /* a bus only listens: whatever comes back is not mixed */
	if (rtp_packet_parse(&pkt, rtp, len)) {
		p->bad++;
		return EBADMSG;
	}
	silent = (int)pkt.pt == p->cfg.dtmf_pt || pkt.pt == PT_CN;
	if (!silent && pkt.pt != p->cfg.pt) {
		p->bad++;
		return EPROTO;
	}
	if (!silent && pkt.payload_len == 0) {
		p->bad++;
		return EBADMSG;
	}
	if (!p->have_ssrc || pkt.ssrc != p->in_ssrc) {
		if (p->have_ssrc) {
			mix_jitter_reset(p->jb);
			audio_decoder_reset(p->dec);
		}
		p->have_ssrc = true;
		p->in_ssrc = pkt.ssrc;
	}
	p->packets_in++;
	p->idle = 0;
	if ((int)pkt.pt == p->cfg.dtmf_pt)
		p->telephone_events++;
	/* events and comfort noise use up sequence numbers: keep their place
	 * in the jitter buffer as silence so they are not taken for losses */
	return mix_jitter_insert(p->jb, pkt.seq, silent ? NULL : pkt.payload,
				 silent ? 0 : pkt.payload_len);
}

static void speaking_update(const struct mix_room *room, struct mix_part *p)
{
	p->power = p->contributes ? mean_square(p->frame, AUDIO_FRAME_SAMPLES) : 0;
	p->loudness += (p->power - p->loudness) / 4;
	if (p->power > room->on_power) {
		p->below = 0;
		if (!p->speaking && ++p->above >= MIX_SPEAK_ON_FRAMES)
			p->speaking = true;
	} else if (p->power < room->off_power) {
		p->above = 0;
		if (p->speaking && ++p->below >= MIX_SPEAK_OFF_FRAMES)
			p->speaking = false;
	} else {
		/* between the thresholds: keep the state, restart both counts */
		p->above = 0;
		p->below = 0;
	}
}

/* This tick's frame of participant p into p->frame. */
static void take_frame(struct mix_room *room, struct mix_part *p)
{
	const uint8_t *payload;
	size_t len, n;

	p->contributes = false;
	switch (mix_jitter_pop(p->jb, &payload, &len)) {
	case MIX_JITTER_FRAME:
		if (len == 0) {
			p->quiet = true;
			break;
		}
		if (audio_decoder_decode(p->dec, payload, len, room->decoded, &n) == 0 && n > 0) {
			if (n > AUDIO_FRAME_SAMPLES)
				n = AUDIO_FRAME_SAMPLES;
			memcpy(p->frame, room->decoded, n * sizeof(int16_t));
			memset(p->frame + n, 0, (AUDIO_FRAME_SAMPLES - n) * sizeof(int16_t));
			p->contributes = true;
			p->quiet = false;
			break;
		}
		/* undecodable: conceal it like a lost one */
		/* fall through */
	case MIX_JITTER_LOSS:
		p->lost++;
		if (!p->quiet) {
			audio_decoder_conceal(p->dec, p->frame);
			p->contributes = true;
		}
		break;
	case MIX_JITTER_EMPTY: break;
	}
}

/* Marks the participants whose frames go into this tick's sum: everyone
 * with audio, or the max_speakers loudest of them. */
static void choose_mixed(struct mix_room *room)
{
	size_t i, k, with_audio = 0;

	for (i = 0; i < room->count; i++)
		with_audio += room->part[i]->contributes;
	if (!room->max_speakers || with_audio <= room->max_speakers) {
		for (i = 0; i < room->count; i++)
			room->part[i]->mixed = room->part[i]->contributes;
		return;
	}
	/* a few passes over the room (max_speakers is small): each picks the
	 * loudest not yet chosen, those mixed in the last tick counting double */
	for (i = 0; i < room->count; i++) {
		struct mix_part *p = room->part[i];

		p->was_mixed = p->mixed;
		p->mixed = false;
	}
	for (k = 0; k < room->max_speakers; k++) {
		struct mix_part *best = NULL;
		int64_t best_score = -1;

		for (i = 0; i < room->count; i++) {
			struct mix_part *p = room->part[i];
			int64_t score = p->was_mixed ? 2 * p->loudness : p->loudness;

			if (p->contributes && !p->mixed && score > best_score) {
				best = p;
				best_score = score;
			}
		}
		best->mixed = true; /* with_audio > max_speakers: always found */
	}
}

/* The payload for a participant who is not mixed: the whole sum, encoded
 * once per codec and tick. NULL when the encoder failed. */
static const struct shared_out *shared_payload(struct mix_room *room, enum audio_codec_id codec)
{
	struct shared_out *so = &room->shared[codec];

	if (so->ready)
		return so;
	if (!room->shared_pcm_ready) {
		mix_sum_minus(room->out, room->sum, NULL, AUDIO_FRAME_SAMPLES);
		room->shared_pcm_ready = true;
	}
	if (audio_encoder_encode(so->enc, room->out, so->payload, sizeof(so->payload), &so->len))
		return NULL;
	so->ready = true;
	return so;
}

/* The RTP payload for participant p into room->packet after hlen bytes of
 * header; *plen its length. Returns 0 or an error of the encoder. */
static int encode_for(struct mix_room *room, struct mix_part *p, size_t hlen, size_t *plen)
{
	const struct shared_out *so;

	if (p->mixed) {
		mix_sum_minus(room->out, room->sum, p->frame, AUDIO_FRAME_SAMPLES);
		room->shared_pcm_ready = false; /* out no longer holds the whole sum */
		return audio_encoder_encode(p->enc, room->out, room->packet + hlen,
					    sizeof(room->packet) - hlen, plen);
	}
	if (p->cfg.role == MIX_ROLE_BUS) {
		mix_sum_minus_sum(room->out, room->sum, room->tap_sum, AUDIO_FRAME_SAMPLES);
		room->shared_pcm_ready = false;
		return audio_encoder_encode(p->enc, room->out, room->packet + hlen,
					    sizeof(room->packet) - hlen, plen);
	}
	so = shared_payload(room, p->cfg.codec);
	if (!so)
		return EIO;
	memcpy(room->packet + hlen, so->payload, so->len);
	*plen = so->len;
	return 0;
}

/* The mixed frames into room->sum, and the taps' among them into
 * room->tap_sum as well (what a bus must not hear). */
static void sum_mixed(struct mix_room *room)
{
	memset(room->tap_sum, 0, sizeof(room->tap_sum));
	for (size_t i = 0; i < room->count; i++) {
		struct mix_part *p = room->part[i];

		if (!p->mixed)
			continue;
		mix_sum_add(room->sum, p->frame, AUDIO_FRAME_SAMPLES);
		if (p->cfg.role == MIX_ROLE_TAP)
			mix_sum_add(room->tap_sum, p->frame, AUDIO_FRAME_SAMPLES);
	}
}

int mix_room_tick(struct mix_room *room, mix_emit_fn emit, void *ctx)
{
	struct rtp_packet hdr;
	size_t i, hlen, plen;

	if (!room || !emit)
		return EINVAL;
	memset(room->sum, 0, sizeof(room->sum));
	for (i = 0; i < room->count; i++) {
		struct mix_part *p = room->part[i];

		take_frame(room, p);
		speaking_update(room, p);
		if (p->idle < UINT32_MAX)
			p->idle++;
	}
	choose_mixed(room);
	sum_mixed(room);
	add_tones(room);
	room->shared_pcm_ready = false;
	for (i = 0; i < AUDIO_CODEC_COUNT; i++)
		room->shared[i].ready = false;

	memset(&hdr, 0, sizeof(hdr));
	for (i = 0; i < room->count; i++) {
		struct mix_part *p = room->part[i];

		if (p->on_hold || p->cfg.role == MIX_ROLE_TAP) {
			p->ts += p->frame_ticks;
			continue;
		}
		hdr.marker = p->marker;
		hdr.pt = p->cfg.pt;
		hdr.seq = p->seq;
		hdr.ts = p->ts;
		hdr.ssrc = p->cfg.ssrc;
		p->ts += p->frame_ticks;
		if (rtp_packet_build(room->packet, sizeof(room->packet), &hdr, &hlen) ||
		    encode_for(room, p, hlen, &plen))
			continue; /* cannot happen with our sizes; the timestamp still runs */
		p->seq++;
		p->marker = false;
		p->packets_out++;
		emit(p->key, room->packet, hlen + plen, ctx);
	}
	return 0;
}

int mix_room_get_stats(const struct mix_room *room, unsigned key, struct mix_participant_stats *st)
{
	struct mix_jitter_stats js;
	const struct mix_part *p;

	if (!room || !st)
		return EINVAL;
	p = find(room, key, NULL);
	if (!p)
		return ENOENT;
	memset(st, 0, sizeof(*st));
	mix_jitter_get_stats(p->jb, &js);
	st->speaking = p->speaking;
	st->mixed = p->mixed;
	st->on_hold = p->on_hold;
	if (p->power <= 0) {
		st->level_db = MIX_LEVEL_SILENCE;
	} else {
		double db = 10.0 * log10((double)p->power / (32768.0 * 32768.0));

		st->level_db = db < MIX_LEVEL_SILENCE ? MIX_LEVEL_SILENCE :
			       db > 0                 ? 0 :
							(int)lround(db);
	}
	st->idle_ticks = p->idle;
	st->packets_in = p->packets_in;
	st->packets_out = p->packets_out;
	st->telephone_events = p->telephone_events;
	st->lost = p->lost;
	st->late = js.late;
	st->duplicate = js.duplicate;
	st->bad = p->bad;
	return 0;
}
