/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>

#include "check.h"
#include "audio_tone.h"
#include "conference/mixer/audio_codec.h"
#include "conference/mixer/mix_room.h"
#include "conference/mixer/rtp_packet.h"

#define PT_DTMF 101
#define MAX_FRAMES 100

/* One simulated participant: what it sends and what it received. */
struct peer {
	unsigned key;
	enum audio_codec_id codec;
	uint8_t pt;
	struct tone tone;
	struct audio_encoder *enc;
	struct audio_decoder *dec;
	uint16_t seq;
	uint32_t ts, ssrc;
	/* received */
	unsigned packets;
	bool first_marker, other_marker;
	uint16_t last_seq;
	uint32_t last_ts, out_ssrc;
	uint8_t last_pt;
	bool seq_ok, ts_ok;
	int16_t heard[MAX_FRAMES * AUDIO_FRAME_SAMPLES];
};

struct world {
	struct peer *peer[8];
	size_t n;
};

static uint8_t peer_pt(enum audio_codec_id codec)
{
	return codec == AUDIO_CODEC_OPUS ? 111 : (uint8_t)audio_codec_static_pt(codec);
}

static void peer_init(struct peer *p, unsigned key, enum audio_codec_id codec, double freq)
{
	memset(p, 0, sizeof(*p));
	p->key = key;
	p->codec = codec;
	p->pt = peer_pt(codec);
	p->tone = (struct tone){freq, AUDIO_RATE, 8000, 0};
	p->seq = (uint16_t)(65500 + key * 7); /* wraps during the tests */
	p->ts = 0xfffff000u + key;
	p->ssrc = 0x1000 + key;
	p->seq_ok = p->ts_ok = true;
	CHECK_INT(audio_encoder_alloc(&p->enc, codec, NULL), 0);
	CHECK_INT(audio_decoder_alloc(&p->dec, codec, NULL), 0);
}

static void peer_fini(struct peer *p)
{
	audio_encoder_free(p->enc);
	audio_decoder_free(p->dec);
}

static struct mix_participant_cfg peer_cfg(const struct peer *p)
{
	struct mix_participant_cfg cfg = {0};

	cfg.codec = p->codec;
	cfg.pt = p->pt;
	cfg.dtmf_pt = PT_DTMF;
	cfg.ptime = 20;
	cfg.ssrc = 0xabc00000u + p->key;
	cfg.seq = (uint16_t)(p->key * 1000);
	cfg.ts = 0xffffff00u;
	return cfg;
}

/* Sends one RTP packet with a 20 ms frame of pcm (the tone if NULL). */
static int peer_send(struct mix_room *room, struct peer *p, const int16_t *pcm)
{
	int16_t frame[AUDIO_FRAME_SAMPLES];
	uint8_t buf[RTP_HEADER_SIZE + AUDIO_MAX_PAYLOAD];
	struct rtp_packet h = {0};
	size_t len, plen;

	if (!pcm) {
		tone_fill(&p->tone, frame, AUDIO_FRAME_SAMPLES);
		pcm = frame;
	}
	h.pt = p->pt;
	h.seq = p->seq++;
	h.ts = p->ts;
	h.ssrc = p->ssrc;
	p->ts += audio_codec_frame_ticks(p->codec);
	CHECK_INT(rtp_packet_build(buf, sizeof(buf), &h, &len), 0);
	CHECK_INT(audio_encoder_encode(p->enc, pcm, buf + len, sizeof(buf) - len, &plen), 0);
	return mix_room_input(room, p->key, buf, len + plen);
}

/* An RFC 4733 telephone-event packet for digit 5, using up a sequence
 * number of the stream like a real sender does. */
static int peer_send_dtmf(struct mix_room *room, struct peer *p, bool end)
{
	uint8_t buf[RTP_HEADER_SIZE + 4];
	struct rtp_packet h = {0};
	const uint8_t ev[4] = {5, (uint8_t)((end ? 0x80 : 0) | 10), 0x03, 0x20};
	size_t len;

	h.pt = PT_DTMF;
	h.seq = p->seq++;
	h.ts = p->ts;
	h.ssrc = p->ssrc;
	h.payload = ev;
	h.payload_len = sizeof(ev);
	CHECK_INT(rtp_packet_build(buf, sizeof(buf), &h, &len), 0);
	return mix_room_input(room, p->key, buf, len);
}

static void emit(unsigned key, const uint8_t *rtp, size_t len, void *ctx)
{
	struct world *w = ctx;
	struct rtp_packet h;
	struct peer *p = NULL;
	int16_t pcm[AUDIO_MAX_DECODED];
	size_t i, n = 0;

	for (i = 0; i < w->n; i++)
		if (w->peer[i]->key == key)
			p = w->peer[i];
	CHECK(p != NULL);
	if (!p)
		return;
	CHECK_INT(rtp_packet_parse(&h, rtp, len), 0);
	if (p->packets == 0) {
		p->first_marker = h.marker;
	} else {
		if (h.marker)
			p->other_marker = true;
		if (h.seq != (uint16_t)(p->last_seq + 1))
			p->seq_ok = false;
		if (h.ts != p->last_ts + audio_codec_frame_ticks(p->codec))
			p->ts_ok = false;
	}
	p->last_seq = h.seq;
	p->last_ts = h.ts;
	p->out_ssrc = h.ssrc;
	p->last_pt = h.pt;
	CHECK_INT(audio_decoder_decode(p->dec, h.payload, h.payload_len, pcm, &n), 0);
	CHECK_INT(n, AUDIO_FRAME_SAMPLES);
	if (p->packets < MAX_FRAMES)
		memcpy(p->heard + p->packets * AUDIO_FRAME_SAMPLES, pcm, sizeof(int16_t) * n);
	p->packets++;
}

/* Amplitude at freq over the received frames [from, to). */
static double heard_at(const struct peer *p, unsigned from, unsigned to, double freq)
{
	return goertzel(p->heard + from * AUDIO_FRAME_SAMPLES, (to - from) * AUDIO_FRAME_SAMPLES,
			freq, AUDIO_RATE);
}

static double heard_rms(const struct peer *p, unsigned from, unsigned to)
{
	return rms(p->heard + from * AUDIO_FRAME_SAMPLES, (to - from) * AUDIO_FRAME_SAMPLES);
}

/* ---- arithmetic ----------------------------------------------------------- */

static void test_sum_saturation(void)
{
	int32_t sum[6] = {0};
	const int16_t a[6] = {30000, -30000, 100, 32767, -32768, 0};
	const int16_t b[6] = {30000, -30000, -300, 32767, -32768, 5};
	const int16_t c[6] = {1000, -1000, 50, 32767, -32768, -5};
	int16_t out[6];

	mix_sum_add(sum, a, 6);
	mix_sum_add(sum, b, 6);
	mix_sum_add(sum, c, 6);
	CHECK_INT(sum[0], 61000);
	CHECK_INT(sum[3], 98301);
	CHECK_INT(sum[4], -98304);
	/* c hears a + b: saturated, never wrapped */
	mix_sum_minus(out, sum, c, 6);
	CHECK_INT(out[0], 32767);
	CHECK_INT(out[1], -32768);
	CHECK_INT(out[2], -200);
	CHECK_INT(out[3], 32767);
	CHECK_INT(out[4], -32768);
	CHECK_INT(out[5], 5);
	/* a hears b + c */
	mix_sum_minus(out, sum, a, 6);
	CHECK_INT(out[0], 31000);
	CHECK_INT(out[1], -31000);
	CHECK_INT(out[2], -250);
	/* somebody who sends nothing hears everything */
	mix_sum_minus(out, sum, NULL, 6);
	CHECK_INT(out[0], 32767);
	CHECK_INT(out[2], -150);
	CHECK_INT(out[5], 0);
}

/* ---- mix-minus -------------------------------------------------------------- */

static void mix_minus(enum audio_codec_id ca, enum audio_codec_id cb, enum audio_codec_id cc)
{
	static struct peer a, b, c;
	struct world w = {{&a, &b, &c}, 3};
	const double f[3] = {400, 700, 1100};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	struct mix_participant_stats st;
	unsigned t, i, j;

	peer_init(&a, 1, ca, f[0]);
	peer_init(&b, 2, cb, f[1]);
	peer_init(&c, 3, cc, f[2]);
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	for (i = 0; i < 3; i++) {
		cfg = peer_cfg(w.peer[i]);
		CHECK_INT(mix_room_add(room, w.peer[i]->key, &cfg), 0);
	}
	CHECK_INT(mix_room_count(room), 3);
	for (t = 0; t < 60; t++) {
		for (i = 0; i < 3; i++)
			CHECK_INT(peer_send(room, w.peer[i], NULL), 0);
		CHECK_INT(mix_room_tick(room, emit, &w), 0);
	}
	for (i = 0; i < 3; i++) {
		struct peer *p = w.peer[i];

		CHECK_INT(p->packets, 60);
		CHECK(p->first_marker);
		CHECK(!p->other_marker);
		CHECK(p->seq_ok);
		CHECK(p->ts_ok);
		CHECK_INT(p->out_ssrc, 0xabc00000u + p->key);
		CHECK_INT(p->last_pt, p->pt);
		CHECK_INT(p->last_seq, (uint16_t)(p->key * 1000 + 59));
		CHECK(p->last_ts == 0xffffff00u + 59 * audio_codec_frame_ticks(p->codec));
		/* frames 20..60: the two others loud and clear, itself absent */
		for (j = 0; j < 3; j++) {
			double amp = heard_at(p, 20, 60, f[j]);

			if (j == i) {
				CHECK(amp < 80);
			} else {
				CHECK(amp > 6000);
				CHECK(amp < 9000);
			}
			if ((j == i) != (amp < 80) || (j != i && amp < 6000))
				fprintf(stderr, "    %s<-%s %s: %.0f Hz at %.0f\n",
					audio_codec_name(p->codec),
					audio_codec_name(w.peer[j]->codec),
					j == i ? "own" : "other", f[j], amp);
		}
		CHECK_INT(mix_room_get_stats(room, p->key, &st), 0);
		CHECK_INT(st.packets_in, 60);
		CHECK_INT(st.packets_out, 60);
		CHECK_INT(st.lost, 0);
		CHECK(st.speaking);
		CHECK(st.level_db > -25 && st.level_db < -10);
	}
	mix_room_free(room);
	for (i = 0; i < 3; i++)
		peer_fini(w.peer[i]);
}

static void test_mix_minus_pcmu(void)
{
	mix_minus(AUDIO_CODEC_PCMU, AUDIO_CODEC_PCMU, AUDIO_CODEC_PCMU);
}

static void test_mix_minus_pcma(void)
{
	mix_minus(AUDIO_CODEC_PCMA, AUDIO_CODEC_PCMA, AUDIO_CODEC_PCMA);
}

static void test_mix_minus_g722(void)
{
	mix_minus(AUDIO_CODEC_G722, AUDIO_CODEC_G722, AUDIO_CODEC_G722);
}

static void test_mix_minus_opus(void)
{
	mix_minus(AUDIO_CODEC_OPUS, AUDIO_CODEC_OPUS, AUDIO_CODEC_OPUS);
}

static void test_mix_minus_mixed(void)
{
	mix_minus(AUDIO_CODEC_OPUS, AUDIO_CODEC_G722, AUDIO_CODEC_PCMA);
	mix_minus(AUDIO_CODEC_PCMU, AUDIO_CODEC_OPUS, AUDIO_CODEC_G722);
}

/* ---- saturation through the whole path --------------------------------------- */

static void test_saturation_in_room(void)
{
	static struct peer a, b, c;
	struct world w = {{&a, &b, &c}, 3};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	int16_t loud[AUDIO_FRAME_SAMPLES];
	unsigned t, i, low = 0;

	peer_init(&a, 1, AUDIO_CODEC_PCMU, 0);
	peer_init(&b, 2, AUDIO_CODEC_PCMU, 0);
	peer_init(&c, 3, AUDIO_CODEC_PCMU, 0);
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	for (i = 0; i < 3; i++) {
		cfg = peer_cfg(w.peer[i]);
		CHECK_INT(mix_room_add(room, w.peer[i]->key, &cfg), 0);
	}
	/* a and b send a steady 30000 each: c must hear the positive
	 * maximum, not 60000 wrapped around to a negative value */
	for (i = 0; i < AUDIO_FRAME_SAMPLES; i++)
		loud[i] = 30000;
	for (t = 0; t < 20; t++) {
		CHECK_INT(peer_send(room, &a, loud), 0);
		CHECK_INT(peer_send(room, &b, loud), 0);
		CHECK_INT(mix_room_tick(room, emit, &w), 0);
	}
	for (i = 10 * AUDIO_FRAME_SAMPLES; i < 20 * AUDIO_FRAME_SAMPLES; i++)
		if (c.heard[i] < 31000)
			low++;
	CHECK_INT(low, 0);
	mix_room_free(room);
	for (i = 0; i < 3; i++)
		peer_fini(w.peer[i]);
}

/* ---- hold, telephone-events, speaking ---------------------------------------- */

static void test_hold(void)
{
	static struct peer a, b;
	struct world w = {{&a, &b}, 2};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	struct mix_participant_stats st;
	unsigned t;
	uint32_t ts_before;

	peer_init(&a, 1, AUDIO_CODEC_OPUS, 500);
	peer_init(&b, 2, AUDIO_CODEC_G722, 900);
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	cfg = peer_cfg(&a);
	CHECK_INT(mix_room_add(room, 1, &cfg), 0);
	cfg = peer_cfg(&b);
	CHECK_INT(mix_room_add(room, 2, &cfg), 0);
	for (t = 0; t < 10; t++) {
		peer_send(room, &a, NULL);
		peer_send(room, &b, NULL);
		mix_room_tick(room, emit, &w);
	}
	CHECK_INT(b.packets, 10);
	ts_before = b.last_ts;
	CHECK_INT(mix_room_set_hold(room, 2, true), 0);
	CHECK_INT(mix_room_set_hold(room, 9, true), ENOENT);
	CHECK_INT(mix_room_get_stats(room, 2, &st), 0);
	CHECK(st.on_hold);
	/* b on hold keeps sending: a still hears it, b gets nothing */
	for (t = 0; t < 30; t++) {
		peer_send(room, &a, NULL);
		peer_send(room, &b, NULL);
		mix_room_tick(room, emit, &w);
	}
	CHECK_INT(b.packets, 10);
	CHECK_INT(a.packets, 40);
	CHECK(heard_at(&a, 15, 40, 900) > 6000);
	CHECK_INT(mix_room_set_hold(room, 2, false), 0);
	peer_send(room, &a, NULL);
	peer_send(room, &b, NULL);
	mix_room_tick(room, emit, &w);
	CHECK_INT(b.packets, 11);
	CHECK(b.other_marker);                    /* marker on the first packet after hold */
	CHECK(b.seq_ok);                          /* sequence numbers carry on without a gap */
	CHECK(b.last_ts == ts_before + 31 * 160); /* the clock kept running */
	mix_room_free(room);
	peer_fini(&a);
	peer_fini(&b);
}

/* the join beep for everyone, the soft beep for someone alone, and
 * silence with the tones off */
static void test_tones(void)
{
	static struct peer a, b;
	struct world w = {{&a, &b}, 2};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	unsigned t;

	peer_init(&a, 1, AUDIO_CODEC_PCMU, 0);
	peer_init(&b, 2, AUDIO_CODEC_PCMU, 0);
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	cfg = peer_cfg(&a);
	CHECK_INT(mix_room_add(room, 1, &cfg), 0);
	/* tones off (the default): a hears nothing */
	for (t = 0; t < 10; t++)
		mix_room_tick(room, emit, &w);
	CHECK(heard_rms(&a, 0, 10) < 50);
	CHECK_INT(mix_room_set_tones(room, true, true), 0);
	/* alone: 200 ms of 425 Hz, then quiet until the next period */
	for (t = 0; t < 40; t++)
		mix_room_tick(room, emit, &w);
	CHECK(heard_at(&a, 10, 20, MIX_ALONE_TONE_HZ) > 1000);
	CHECK(heard_rms(&a, 22, 50) < 50);
	/* b joins: both hear the join beep, then the alone beep stops */
	cfg = peer_cfg(&b);
	CHECK_INT(mix_room_add(room, 2, &cfg), 0);
	for (t = 0; t < 20; t++)
		mix_room_tick(room, emit, &w);
	CHECK(heard_at(&a, 50, 58, MIX_JOIN_TONE_HZ) > 1000);
	CHECK(heard_at(&b, 0, 8, MIX_JOIN_TONE_HZ) > 1000);
	CHECK(heard_rms(&a, 60, 70) < 50);
	CHECK(heard_rms(&b, 10, 20) < 50);
	CHECK_INT(mix_room_set_tones(NULL, true, true), EINVAL);
	mix_room_free(room);
	peer_fini(&a);
	peer_fini(&b);
}

static void test_telephone_event(void)
{
	static struct peer a, b;
	struct world w = {{&a, &b}, 2};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	struct mix_participant_stats st;
	int16_t silence[AUDIO_FRAME_SAMPLES] = {0};
	unsigned t;

	/* mu-law has an exact zero (A-law's smallest code is +-8) */
	peer_init(&a, 1, AUDIO_CODEC_PCMU, 600);
	peer_init(&b, 2, AUDIO_CODEC_PCMU, 1000);
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	cfg = peer_cfg(&a);
	CHECK_INT(mix_room_add(room, 1, &cfg), 0);
	cfg = peer_cfg(&b);
	CHECK_INT(mix_room_add(room, 2, &cfg), 0);
	/* b: silence, then a key press of 40 packets, then silence again */
	for (t = 0; t < 80; t++) {
		if (t >= 20 && t < 60)
			CHECK_INT(peer_send_dtmf(room, &b, t >= 57), 0);
		else
			CHECK_INT(peer_send(room, &b, silence), 0);
		mix_room_tick(room, emit, &w);
	}
	/* a heard nothing at all: no event noise, no concealment */
	CHECK(heard_rms(&a, 0, 80) < 2);
	CHECK_INT(mix_room_get_stats(room, 2, &st), 0);
	CHECK_INT(st.telephone_events, 40);
	CHECK_INT(st.packets_in, 80);
	CHECK_INT(st.lost, 0);
	CHECK(!st.speaking);
	/* a payload type that is neither audio nor event nor CN */
	b.pt = 96;
	CHECK_INT(peer_send(room, &b, silence), EPROTO);
	CHECK_INT(mix_room_get_stats(room, 2, &st), 0);
	CHECK_INT(st.bad, 1);
	mix_room_free(room);
	peer_fini(&a);
	peer_fini(&b);
}

static void test_speaking(void)
{
	static struct peer a, b;
	struct world w = {{&a, &b}, 2};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	struct mix_participant_stats st;
	int16_t silence[AUDIO_FRAME_SAMPLES] = {0}, quiet[AUDIO_FRAME_SAMPLES];
	struct tone soft = {300, AUDIO_RATE, 100, 0}; /* about -50 dBov */
	unsigned t;

	peer_init(&a, 1, AUDIO_CODEC_OPUS, 440);
	peer_init(&b, 2, AUDIO_CODEC_OPUS, 440);
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	cfg = peer_cfg(&a);
	CHECK_INT(mix_room_add(room, 1, &cfg), 0);
	cfg = peer_cfg(&b);
	CHECK_INT(mix_room_add(room, 2, &cfg), 0);
	CHECK_INT(mix_room_get_stats(room, 3, &st), ENOENT);
	CHECK_INT(mix_room_get_stats(room, 1, &st), 0);
	CHECK(!st.speaking);
	CHECK_INT(st.level_db, MIX_LEVEL_SILENCE);

	/* soft noise-floor audio is not speech */
	for (t = 0; t < 20; t++) {
		tone_fill(&soft, quiet, AUDIO_FRAME_SAMPLES);
		peer_send(room, &a, quiet);
		mix_room_tick(room, emit, &w);
	}
	CHECK_INT(mix_room_get_stats(room, 1, &st), 0);
	CHECK(!st.speaking);
	CHECK(st.level_db < MIX_SPEAK_OFF_DB);
	CHECK(st.level_db > -60);

	/* talking */
	for (t = 0; t < 10; t++) {
		peer_send(room, &a, NULL);
		mix_room_tick(room, emit, &w);
	}
	CHECK_INT(mix_room_get_stats(room, 1, &st), 0);
	CHECK(st.speaking);
	CHECK(st.level_db > -20);
	CHECK_INT(mix_room_get_stats(room, 2, &st), 0);
	CHECK(!st.speaking);

	/* a short pause keeps it speaking (hysteresis) ... */
	for (t = 0; t < MIX_SPEAK_OFF_FRAMES / 2; t++) {
		peer_send(room, &a, silence);
		mix_room_tick(room, emit, &w);
	}
	CHECK_INT(mix_room_get_stats(room, 1, &st), 0);
	CHECK(st.speaking);
	/* ... a long one ends it */
	for (t = 0; t < MIX_SPEAK_OFF_FRAMES + 5; t++) {
		peer_send(room, &a, silence);
		mix_room_tick(room, emit, &w);
	}
	CHECK_INT(mix_room_get_stats(room, 1, &st), 0);
	CHECK(!st.speaking);

	/* one loud frame alone does not start it */
	peer_send(room, &a, NULL);
	mix_room_tick(room, emit, &w);
	peer_send(room, &a, silence);
	mix_room_tick(room, emit, &w);
	for (t = 0; t < 5; t++) {
		peer_send(room, &a, silence);
		mix_room_tick(room, emit, &w);
		CHECK_INT(mix_room_get_stats(room, 1, &st), 0);
		CHECK(!st.speaking);
	}
	mix_room_free(room);
	peer_fini(&a);
	peer_fini(&b);
}

/* ---- the loudest speakers --------------------------------------------------------- */

/* Six talk at once with max_speakers 3: the three loudest are heard by
 * everyone but themselves, the quieter ones by nobody, and the listeners
 * who are not mixed (Opus and PCMU, sharing one encoding per codec) hear
 * the three with clean sequence numbers and timestamps. */
static void test_loudest_speakers_are_mixed(void)
{
	static struct peer p[6];
	const double freq[6] = {300, 500, 700, 900, 1100, 1300};
	const double amp[6] = {8000, 8000, 8000, 3000, 1000, 1000};
	const enum audio_codec_id codec[6] = {AUDIO_CODEC_PCMU, AUDIO_CODEC_OPUS, AUDIO_CODEC_PCMU,
					      AUDIO_CODEC_PCMU, AUDIO_CODEC_OPUS, AUDIO_CODEC_PCMU};
	struct world w = {{&p[0], &p[1], &p[2], &p[3], &p[4], &p[5]}, 6};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	struct mix_participant_stats st;
	unsigned t, i, j;

	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	CHECK_INT(mix_room_set_max_speakers(NULL, 3), EINVAL);
	CHECK_INT(mix_room_set_max_speakers(room, 3), 0);
	for (i = 0; i < 6; i++) {
		peer_init(&p[i], i + 1, codec[i], freq[i]);
		p[i].tone.amp = amp[i];
		cfg = peer_cfg(&p[i]);
		CHECK_INT(mix_room_add(room, p[i].key, &cfg), 0);
	}
	for (t = 0; t < 60; t++) {
		for (i = 0; i < 6; i++)
			CHECK_INT(peer_send(room, &p[i], NULL), 0);
		CHECK_INT(mix_room_tick(room, emit, &w), 0);
	}
	for (i = 0; i < 6; i++) {
		CHECK_INT(mix_room_get_stats(room, p[i].key, &st), 0);
		CHECK(st.mixed == (i < 3));
		CHECK(p[i].seq_ok);
		CHECK(p[i].ts_ok);
		for (j = 0; j < 6; j++) {
			double a = heard_at(&p[i], 20, 60, freq[j]);

			if (j < 3 && j != i) {
				CHECK(a > 6000);
				CHECK(a < 9000);
			} else {
				CHECK(a < 150);
			}
		}
	}

	/* 0: everyone with audio is mixed again, the quiet ones included */
	CHECK_INT(mix_room_set_max_speakers(room, 0), 0);
	for (t = 0; t < 30; t++) {
		for (i = 0; i < 6; i++)
			CHECK_INT(peer_send(room, &p[i], NULL), 0);
		CHECK_INT(mix_room_tick(room, emit, &w), 0);
	}
	CHECK(heard_at(&p[0], 70, 90, 900) > 2000);
	CHECK(heard_at(&p[0], 70, 90, 1300) > 600);
	CHECK(heard_at(&p[5], 70, 90, 1100) > 600);
	CHECK(heard_at(&p[5], 70, 90, 1300) < 150);
	mix_room_free(room);
	for (i = 0; i < 6; i++)
		peer_fini(&p[i]);
}

/* With one place in the mix, a voice slightly louder than the one mixed
 * (under 3 dB) does not take it; a much louder one does. */
static void test_loudest_speaker_hysteresis(void)
{
	static struct peer a, b, c;
	struct world w = {{&a, &b, &c}, 3};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	struct mix_participant_stats sa, sb;
	unsigned t;

	peer_init(&a, 1, AUDIO_CODEC_PCMU, 500);
	peer_init(&b, 2, AUDIO_CODEC_PCMU, 800);
	peer_init(&c, 3, AUDIO_CODEC_PCMU, 1000);
	a.tone.amp = 6000;
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	CHECK_INT(mix_room_set_max_speakers(room, 1), 0);
	cfg = peer_cfg(&a);
	CHECK_INT(mix_room_add(room, 1, &cfg), 0);
	cfg = peer_cfg(&b);
	CHECK_INT(mix_room_add(room, 2, &cfg), 0);
	cfg = peer_cfg(&c);
	CHECK_INT(mix_room_add(room, 3, &cfg), 0);
	for (t = 0; t < 20; t++) {
		CHECK_INT(peer_send(room, &a, NULL), 0);
		mix_room_tick(room, emit, &w);
	}
	b.tone.amp = 7000; /* 1.3 dB louder than a */
	for (t = 0; t < 40; t++) {
		CHECK_INT(peer_send(room, &a, NULL), 0);
		CHECK_INT(peer_send(room, &b, NULL), 0);
		mix_room_tick(room, emit, &w);
		CHECK_INT(mix_room_get_stats(room, 1, &sa), 0);
		CHECK(sa.mixed);
	}
	CHECK(heard_at(&c, 40, 60, 500) > 4000);
	CHECK(heard_at(&c, 40, 60, 800) < 150);
	b.tone.amp = 16000; /* 8.5 dB louder */
	for (t = 0; t < 20; t++) {
		CHECK_INT(peer_send(room, &a, NULL), 0);
		CHECK_INT(peer_send(room, &b, NULL), 0);
		mix_room_tick(room, emit, &w);
	}
	CHECK_INT(mix_room_get_stats(room, 1, &sa), 0);
	CHECK_INT(mix_room_get_stats(room, 2, &sb), 0);
	CHECK(!sa.mixed);
	CHECK(sb.mixed);
	CHECK(heard_at(&c, 70, 80, 800) > 12000);
	CHECK(heard_at(&c, 70, 80, 500) < 150);
	CHECK(heard_at(&a, 70, 80, 800) > 12000);
	mix_room_free(room);
	peer_fini(&a);
	peer_fini(&b);
	peer_fini(&c);
}

/* ---- bookkeeping ---------------------------------------------------------------- */

static void test_participants(void)
{
	static struct peer a, b;
	struct world w = {{&a, &b}, 2};
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	struct mix_participant_stats st;
	const uint8_t junk[] = {0x40, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0};
	unsigned t;

	peer_init(&a, 1, AUDIO_CODEC_PCMU, 500);
	peer_init(&b, 2, AUDIO_CODEC_PCMU, 800);
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	cfg = peer_cfg(&a);
	CHECK_INT(mix_room_add(room, 0, &cfg), EINVAL);
	CHECK_INT(mix_room_add(room, 1, &cfg), 0);
	CHECK_INT(mix_room_add(room, 1, &cfg), EEXIST);
	cfg.ptime = 30;
	CHECK_INT(mix_room_add(room, 5, &cfg), ENOTSUP);
	cfg.ptime = 0;
	cfg.codec = AUDIO_CODEC_NONE;
	CHECK_INT(mix_room_add(room, 5, &cfg), EINVAL);
	CHECK_INT(mix_room_add(room, 5, NULL), EINVAL);
	cfg = peer_cfg(&b);
	CHECK_INT(mix_room_add(room, 2, &cfg), 0);
	CHECK_INT(mix_room_count(room), 2);
	CHECK_INT(mix_room_input(room, 7, junk, sizeof(junk)), ENOENT);
	CHECK_INT(mix_room_input(room, 1, junk, sizeof(junk)), EBADMSG);
	CHECK_INT(mix_room_tick(room, NULL, NULL), EINVAL);

	/* idle ticks count up without input, reset with it */
	for (t = 0; t < 7; t++)
		mix_room_tick(room, emit, &w);
	CHECK_INT(mix_room_get_stats(room, 1, &st), 0);
	CHECK_INT(st.idle_ticks, 7);
	CHECK_INT(st.bad, 1);
	CHECK_INT(peer_send(room, &a, NULL), 0);
	CHECK_INT(mix_room_get_stats(room, 1, &st), 0);
	CHECK_INT(st.idle_ticks, 0);

	/* a new sender SSRC with an unrelated sequence starts afresh */
	mix_room_tick(room, emit, &w);
	a.ssrc = 0x5555;
	a.seq = 3;
	for (t = 0; t < 20; t++) {
		CHECK_INT(peer_send(room, &a, NULL), 0);
		CHECK_INT(peer_send(room, &b, NULL), 0);
		mix_room_tick(room, emit, &w);
	}
	CHECK(heard_at(&b, b.packets - 10, b.packets, 500) > 6000);

	/* re-INVITE to Opus: new payload type, the outgoing stream carries on */
	cfg = peer_cfg(&b);
	cfg.codec = AUDIO_CODEC_OPUS;
	cfg.pt = 111;
	cfg.ssrc = 0x999;
	CHECK_INT(mix_room_update(room, 9, &cfg), ENOENT);
	CHECK_INT(mix_room_update(room, 2, &cfg), 0);
	peer_fini(&b);
	{
		uint16_t seq = b.last_seq;
		uint32_t ssrc = b.out_ssrc;
		unsigned packets = b.packets;

		peer_init(&b, 2, AUDIO_CODEC_OPUS, 800);
		b.packets = packets;
		b.last_seq = seq;
		mix_room_tick(room, emit, &w);
		CHECK_INT(b.last_pt, 111);
		CHECK_INT(b.out_ssrc, ssrc);
		CHECK(b.seq_ok);
	}

	CHECK_INT(mix_room_remove(room, 1), 0);
	CHECK_INT(mix_room_remove(room, 1), ENOENT);
	CHECK_INT(mix_room_count(room), 1);
	mix_room_free(room);
	peer_fini(&a);
	peer_fini(&b);
}

/* Everything through a counting allocator: input and tick allocate
 * nothing; remove and free give everything back. */
static void test_no_allocation_per_packet(void)
{
	static struct peer p[4];
	struct world w = {{&p[0], &p[1], &p[2], &p[3]}, 4};
	struct count_mem cm = {0, 0, 0};
	struct sylk_mem mem = count_mem_hook(&cm);
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	size_t allocs, frees;
	unsigned t, i;

	peer_init(&p[0], 1, AUDIO_CODEC_OPUS, 300);
	peer_init(&p[1], 2, AUDIO_CODEC_G722, 500);
	peer_init(&p[2], 3, AUDIO_CODEC_PCMU, 700);
	peer_init(&p[3], 4, AUDIO_CODEC_PCMA, 900);
	CHECK_INT(mix_room_alloc(&room, &mem), 0);
	for (i = 0; i < 4; i++) {
		cfg = peer_cfg(&p[i]);
		CHECK_INT(mix_room_add(room, p[i].key, &cfg), 0);
	}
	allocs = cm.allocs;
	frees = cm.frees;
	CHECK(allocs > 10);
	for (t = 0; t < 100; t++) {
		for (i = 0; i < 4; i++)
			if (t % 7 != i) /* some losses too */
				peer_send(room, &p[i], NULL);
		if (t % 10 == 5)
			peer_send_dtmf(room, &p[2], false);
		mix_room_tick(room, emit, &w);
	}
	mix_room_set_hold(room, 3, true);
	for (t = 0; t < 10; t++)
		mix_room_tick(room, emit, &w);
	CHECK_INT(cm.allocs, allocs);
	CHECK_INT(cm.frees, frees);
	CHECK_INT(mix_room_remove(room, 2), 0);
	CHECK(cm.frees > frees);
	mix_room_free(room);
	CHECK_INT(cm.allocs, cm.frees);
	CHECK_INT(cm.live, 0);
	for (i = 0; i < 4; i++)
		peer_fini(&p[i]);
}

/* ---- roles: a video room bridged in (taps and a bus) --------------------------- */

/* A phone (member), two browsers' taps and the bus toward the video room:
 * the phone hears both taps; the bus hears the phone and never a tap (the
 * browsers hear each other through the SFU); taps are sent nothing; what
 * comes back on the bus is not mixed. */
static void test_roles_taps_and_bus(void)
{
	static struct peer phone, tap1, tap2, bus;
	struct world w = {{&phone, &tap1, &tap2, &bus}, 4};
	const double f_phone = 400, f1 = 700, f2 = 1100, f_bus = 1500;
	struct mix_room *room = NULL;
	struct mix_participant_cfg cfg;
	unsigned t, i;

	peer_init(&phone, 1, AUDIO_CODEC_PCMU, f_phone);
	peer_init(&tap1, 2, AUDIO_CODEC_OPUS, f1);
	peer_init(&tap2, 3, AUDIO_CODEC_OPUS, f2);
	peer_init(&bus, 4, AUDIO_CODEC_OPUS, f_bus);
	CHECK_INT(mix_room_alloc(&room, NULL), 0);
	for (i = 0; i < 4; i++) {
		cfg = peer_cfg(w.peer[i]);
		cfg.role = i == 0 ? MIX_ROLE_MEMBER : i == 3 ? MIX_ROLE_BUS : MIX_ROLE_TAP;
		CHECK_INT(mix_room_add(room, w.peer[i]->key, &cfg), 0);
	}
	cfg = peer_cfg(&phone);
	cfg.role = (enum mix_role)7;
	CHECK_INT(mix_room_add(room, 9, &cfg), EINVAL);
	for (t = 0; t < 60; t++) {
		for (i = 0; i < 4; i++)
			CHECK_INT(peer_send(room, w.peer[i], NULL), 0);
		CHECK_INT(mix_room_tick(room, emit, &w), 0);
	}
	CHECK_INT(tap1.packets, 0);
	CHECK_INT(tap2.packets, 0);
	CHECK_INT(phone.packets, 60);
	CHECK_INT(bus.packets, 60);
	CHECK(bus.seq_ok);
	CHECK(bus.ts_ok);
	/* the phone: both browsers, not itself, not what came back on the bus */
	CHECK(heard_at(&phone, 20, 60, f1) > 6000);
	CHECK(heard_at(&phone, 20, 60, f2) > 6000);
	CHECK(heard_at(&phone, 20, 60, f_phone) < 80);
	CHECK(heard_at(&phone, 20, 60, f_bus) < 80);
	/* the bus: the phone only */
	CHECK(heard_at(&bus, 20, 60, f_phone) > 6000);
	CHECK(heard_at(&bus, 20, 60, f1) < 80);
	CHECK(heard_at(&bus, 20, 60, f2) < 80);
	CHECK(heard_at(&bus, 20, 60, f_bus) < 80);
	mix_room_free(room);
	for (i = 0; i < 4; i++)
		peer_fini(w.peer[i]);
}

/* the bus without members: silence, not the browsers */
static void test_bus_hears_no_taps(void)
{
	int32_t sum[4] = {1000, -40000, 40000, 5}, taps[4] = {1000, 0, 0, 5};
	int16_t out[4];

	mix_sum_minus_sum(out, sum, taps, 4);
	CHECK_INT(out[0], 0);
	CHECK_INT(out[1], -32768);
	CHECK_INT(out[2], 32767);
	CHECK_INT(out[3], 0);
}

int main(void)
{
	RUN(test_sum_saturation);
	RUN(test_mix_minus_pcmu);
	RUN(test_mix_minus_pcma);
	RUN(test_mix_minus_g722);
	RUN(test_mix_minus_opus);
	RUN(test_mix_minus_mixed);
	RUN(test_saturation_in_room);
	RUN(test_hold);
	RUN(test_tones);
	RUN(test_telephone_event);
	RUN(test_speaking);
	RUN(test_loudest_speakers_are_mixed);
	RUN(test_loudest_speaker_hysteresis);
	RUN(test_participants);
	RUN(test_no_allocation_per_packet);
	RUN(test_roles_taps_and_bus);
	RUN(test_bus_hears_no_taps);
	return check_summary();
}
