/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audio mixer of one conference room: plain RTP in from every
 * participant, everybody else's audio (mix-minus) out to each, in the
 * participant's own codec, every 20 ms.
 *
 *	mix_room_alloc(&room, NULL);
 *	mix_room_add(room, key, &(struct mix_participant_cfg){
 *	        .codec = AUDIO_CODEC_OPUS, .pt = 111, .dtmf_pt = 101,
 *	        .ssrc = random, .seq = random, .ts = random });
 *	on a datagram from key:  mix_room_input(room, key, buf, len);
 *	every 20 ms:             mix_room_tick(room, emit, ctx);
 *	                         emit(key, rtp, len, ctx) sends one packet
 *
 * Each tick takes one frame per participant from its jitter buffer
 * (decoded, or concealed when lost), sums the frames of the loudest
 * participants (at most max_speakers, see mix_room_set_max_speakers) in
 * 32 bits at 48 kHz, and gives each mixed participant the sum minus its
 * own frame, saturated to 16 bits and encoded. Everybody else hears the
 * same thing, the whole sum, so it is encoded once per codec and tick and
 * the payload shared: in a big room the encoders, the mixer's main cost,
 * run max_speakers + codecs times per tick rather than once per head. Outgoing packets carry the
 * participant's SSRC, a sequence number one higher each packet and a
 * timestamp advanced by 20 ms of its RTP clock each tick (160, 960 for
 * Opus); the marker bit is set on the first packet and the first after
 * hold. A participant on hold is still mixed in if it sends but is sent
 * nothing (its timestamp keeps running). RFC 4733 telephone-events
 * (dtmf_pt) and RFC 3389 comfort noise (PT 13) are consumed silently.
 * Only 20 ms packets are supported on input: a payload decoding to more
 * is cut to 20 ms, to less is padded with silence.
 *
 * Memory: all of it is allocated through the struct sylk_mem at
 * mix_room_alloc/add/update and freed at remove/free; input and tick
 * never allocate. Nothing locks: one thread (the mixer process) makes
 * every call on one room.
 *
 * Kamailio-free: libc, the codecs, the jitter buffer. */
#ifndef CONFERENCE_MIX_ROOM_H
#define CONFERENCE_MIX_ROOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conference/mixer/audio_codec.h"

/* Speaking detection on the mean power of each 20 ms frame a participant
 * contributes, in dB below a full-scale square wave (dBov): speaking
 * starts after MIX_SPEAK_ON_FRAMES frames above MIX_SPEAK_ON_DB in a row,
 * stops after MIX_SPEAK_OFF_FRAMES frames below MIX_SPEAK_OFF_DB. */
#define MIX_SPEAK_ON_DB (-42)
#define MIX_SPEAK_OFF_DB (-48)
#define MIX_SPEAK_ON_FRAMES 3
#define MIX_SPEAK_OFF_FRAMES 20
/* Level reported for digital silence. */
#define MIX_LEVEL_SILENCE (-127)

/* How many of the loudest participants are mixed by default. More
 * voices at once than this are noise to a listener anyway; the rest
 * hear the shared mix (see above). */
#define MIX_DEFAULT_MAX_SPEAKERS 4

/* Announcement tones (off until mix_room_set_tones()): a short beep for
 * everyone when someone joins, and a soft beep every few seconds for a
 * participant alone in the room. */
#define MIX_JOIN_TONE_HZ 880
#define MIX_JOIN_TONE_MS 160
#define MIX_ALONE_TONE_HZ 425
#define MIX_ALONE_BEEP_MS 200
#define MIX_ALONE_PERIOD_MS 4000
#define MIX_TONE_AMPLITUDE 4000
#define MIX_TONE_BITS 10
#define MIX_TONE_TABLE (1u << MIX_TONE_BITS)

/* What a participant is to the mix. A member (the default) sends and
 * hears everyone else. The other two bridge a video room's browsers
 * (rtc_vr_sip.c): a tap is one browser's voice, mixed in and sent nothing
 * (the browsers hear each other through the SFU); a bus is sent the sum of
 * the members alone, never the taps, and what it sends is ignored, so a
 * browser never hears itself through the mixer. */
enum mix_role {
	MIX_ROLE_MEMBER = 0,
	MIX_ROLE_TAP,
	MIX_ROLE_BUS,
};

struct mix_participant_cfg {
	enum audio_codec_id codec;
	enum mix_role role;     /* MIX_ROLE_MEMBER unless set */
	uint8_t pt;             /* payload type of its audio, both directions */
	int dtmf_pt;            /* telephone-event payload type, -1 for none */
	unsigned ptime;         /* ms; 0 or 20 (nothing else is supported) */
	uint32_t ssrc;          /* of the packets sent to it */
	uint16_t seq;           /* first sequence number sent */
	uint32_t ts;            /* first timestamp sent */
	unsigned jitter_target; /* frames, 0: MIX_JITTER_DEFAULT_TARGET */
};

struct mix_participant_stats {
	bool speaking;
	bool mixed; /* among the loudest in the last tick */
	bool on_hold;
	int level_db;        /* last frame, dBov, MIX_LEVEL_SILENCE..0 */
	uint32_t idle_ticks; /* ticks since the last valid packet (any PT) */
	uint64_t packets_in; /* valid RTP packets, telephone-events included */
	uint64_t packets_out;
	uint64_t telephone_events;
	uint64_t lost; /* frames concealed */
	uint64_t late;
	uint64_t duplicate;
	uint64_t bad; /* malformed, or an unexpected payload type */
};

typedef void (*mix_emit_fn)(unsigned key, const uint8_t *rtp, size_t len, void *ctx);

struct mix_room;

/* mem NULL: malloc/free (copied). Returns 0, EINVAL, ENOMEM. */
int mix_room_alloc(struct mix_room **roomp, const struct sylk_mem *mem);
void mix_room_free(struct mix_room *room);

/* key != 0, chosen by the caller. Returns 0, EEXIST, EINVAL (key 0, no
 * codec, pt > 127, jitter_target over MIX_JITTER_DEFAULT_SLOTS - 1),
 * ENOTSUP (ptime not 20), ENOMEM, EIO (codec library). */
int mix_room_add(struct mix_room *room, unsigned key, const struct mix_participant_cfg *cfg);
/* New codec / payload types (re-INVITE). The outgoing SSRC, sequence
 * and timestamp carry on (cfg->ssrc, seq, ts are ignored); the jitter
 * buffer and codec state start afresh. Same returns as add, ENOENT; on
 * failure the participant keeps its old settings. */
int mix_room_update(struct mix_room *room, unsigned key, const struct mix_participant_cfg *cfg);
/* Returns 0, ENOENT. */
int mix_room_remove(struct mix_room *room, unsigned key);
size_t mix_room_count(const struct mix_room *room);
/* Returns 0, ENOENT. */
int mix_room_set_hold(struct mix_room *room, unsigned key, bool on_hold);
/* How many of the loudest participants are mixed; 0 = everyone with
 * audio. MIX_DEFAULT_MAX_SPEAKERS after alloc. Loudness is the power of
 * the last frames, smoothed over about 80 ms, and a participant already
 * mixed counts 3 dB louder, so that two similar voices do not take turns
 * every tick. Returns 0, EINVAL. */
int mix_room_set_max_speakers(struct mix_room *room, unsigned max_speakers);
/* Switch the join and alone tones on or off (both off after alloc). */
int mix_room_set_tones(struct mix_room *room, bool join_tone, bool alone_tone);

/* One received RTP packet. Returns 0 (queued, or a telephone-event or
 * comfort noise consumed), ENOENT (unknown key), EBADMSG (malformed RTP),
 * EPROTO (payload type neither its audio, telephone-event nor CN),
 * EEXIST (duplicate), EALREADY (too late), EMSGSIZE (payload too big).
 * A new sender SSRC restarts the participant's jitter buffer and decoder. */
int mix_room_input(struct mix_room *room, unsigned key, const uint8_t *rtp, size_t len);

/* One 20 ms tick: emit is called once for every participant not on hold,
 * with a packet valid during the call only. Returns 0, EINVAL. */
int mix_room_tick(struct mix_room *room, mix_emit_fn emit, void *ctx);

/* Returns 0, ENOENT. */
int mix_room_get_stats(const struct mix_room *room, unsigned key, struct mix_participant_stats *st);

/* The mixing arithmetic, exposed for tests and for other mixers:
 * sum[i] += pcm[i]; out[i] = saturate16(sum[i] - own[i]) (own may be NULL). */
void mix_sum_add(int32_t *sum, const int16_t *pcm, size_t n);
void mix_sum_minus(int16_t *out, const int32_t *sum, const int16_t *own, size_t n);
/* out[i] = saturate16(sum[i] - part[i]): the sum without a part of it */
void mix_sum_minus_sum(int16_t *out, const int32_t *sum, const int32_t *part, size_t n);

#endif
