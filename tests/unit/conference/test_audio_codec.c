/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>

#include "check.h"
#include "audio_tone.h"
#include "conference/mixer/audio_codec.h"
#include "conference/mixer/audio_resample.h"

static void test_names(void)
{
	CHECK_INT(audio_codec_by_name("PCMU", 8000), AUDIO_CODEC_PCMU);
	CHECK_INT(audio_codec_by_name("pcma", 8000), AUDIO_CODEC_PCMA);
	CHECK_INT(audio_codec_by_name("G722", 8000), AUDIO_CODEC_G722);
	CHECK_INT(audio_codec_by_name("G722", 16000), AUDIO_CODEC_NONE);
	CHECK_INT(audio_codec_by_name("opus", 48000), AUDIO_CODEC_OPUS);
	CHECK_INT(audio_codec_by_name("OPUS", 48000), AUDIO_CODEC_OPUS);
	CHECK_INT(audio_codec_by_name("opus", 8000), AUDIO_CODEC_NONE);
	CHECK_INT(audio_codec_by_name("speex", 16000), AUDIO_CODEC_NONE);
	CHECK_INT(audio_codec_by_name(NULL, 8000), AUDIO_CODEC_NONE);
	CHECK_INT(audio_codec_by_static_pt(0), AUDIO_CODEC_PCMU);
	CHECK_INT(audio_codec_by_static_pt(8), AUDIO_CODEC_PCMA);
	CHECK_INT(audio_codec_by_static_pt(9), AUDIO_CODEC_G722);
	CHECK_INT(audio_codec_by_static_pt(3), AUDIO_CODEC_NONE);
	CHECK_INT(audio_codec_by_static_pt(111), AUDIO_CODEC_NONE);
	CHECK_STR(audio_codec_name(AUDIO_CODEC_G722), "G722");
	CHECK_STR(audio_codec_name(AUDIO_CODEC_OPUS), "opus");
	CHECK(audio_codec_name(AUDIO_CODEC_NONE) == NULL);
	CHECK(audio_codec_name((enum audio_codec_id)42) == NULL);
	CHECK_INT(audio_codec_static_pt(AUDIO_CODEC_PCMA), 8);
	CHECK_INT(audio_codec_static_pt(AUDIO_CODEC_OPUS), -1);
	CHECK_INT(audio_codec_clock_rate(AUDIO_CODEC_PCMU), 8000);
	CHECK_INT(audio_codec_clock_rate(AUDIO_CODEC_G722), 8000);
	CHECK_INT(audio_codec_clock_rate(AUDIO_CODEC_OPUS), 48000);
	CHECK_INT(audio_codec_sample_rate(AUDIO_CODEC_G722), 16000);
	CHECK_INT(audio_codec_sample_rate(AUDIO_CODEC_PCMA), 8000);
	CHECK_INT(audio_codec_frame_ticks(AUDIO_CODEC_PCMU), 160);
	CHECK_INT(audio_codec_frame_ticks(AUDIO_CODEC_PCMA), 160);
	CHECK_INT(audio_codec_frame_ticks(AUDIO_CODEC_G722), 160);
	CHECK_INT(audio_codec_frame_ticks(AUDIO_CODEC_OPUS), 960);
	CHECK_INT(audio_codec_frame_ticks(AUDIO_CODEC_NONE), 0);
}

/* Quantisation error bound of a G.711 segment: half a step, the step
 * being 1/16 of the segment, so at most about |x|/32 plus the smallest
 * step; values past the largest code clip. */
static int g711_ok(int x, int y, int max)
{
	int ax = abs(x), err = abs(x - y);

	if (ax > max)
		return abs(y) >= max - (max >> 5) && (x < 0) == (y < 0);
	return err <= ax / 32 + 16;
}

static void test_g711_ulaw(void)
{
	int x, bad = 0, c, wrong = 0;

	CHECK_INT(g711_ulaw_encode(0), 0xff);
	CHECK_INT(g711_ulaw_decode(0xff), 0);
	CHECK_INT(g711_ulaw_decode(0x7f), 0);
	CHECK_INT(g711_ulaw_decode(0x80), 32124);
	CHECK_INT(g711_ulaw_decode(0x00), -32124);
	CHECK_INT(g711_ulaw_encode(32767), 0x80);
	CHECK_INT(g711_ulaw_encode(-32768), 0x00);
	for (x = -32768; x <= 32767; x++)
		if (!g711_ok(x, g711_ulaw_decode(g711_ulaw_encode((int16_t)x)), 32124))
			bad++;
	CHECK_INT(bad, 0);
	/* every code but negative zero maps back to itself */
	for (c = 0; c < 256; c++)
		if (c != 0x7f && g711_ulaw_encode(g711_ulaw_decode((uint8_t)c)) != c)
			wrong++;
	CHECK_INT(wrong, 0);
	/* monotonic decoding over the positive codes */
	for (wrong = 0, c = 0x80; c < 0xff; c++)
		if (g711_ulaw_decode((uint8_t)c) <= g711_ulaw_decode((uint8_t)(c + 1)))
			wrong++;
	CHECK_INT(wrong, 0);
}

static void test_g711_alaw(void)
{
	int x, bad = 0, c, wrong = 0;

	CHECK_INT(g711_alaw_encode(0), 0xd5);
	CHECK_INT(g711_alaw_encode(-1), 0x55);
	CHECK_INT(g711_alaw_decode(0xd5), 8);
	CHECK_INT(g711_alaw_decode(0x55), -8);
	CHECK_INT(g711_alaw_decode(0xaa), 32256);
	CHECK_INT(g711_alaw_decode(0x2a), -32256);
	CHECK_INT(g711_alaw_encode(32767), 0xaa);
	CHECK_INT(g711_alaw_encode(-32768), 0x2a);
	for (x = -32768; x <= 32767; x++)
		if (!g711_ok(x, g711_alaw_decode(g711_alaw_encode((int16_t)x)), 32256))
			bad++;
	CHECK_INT(bad, 0);
	for (c = 0; c < 256; c++)
		if (g711_alaw_encode(g711_alaw_decode((uint8_t)c)) != c)
			wrong++;
	CHECK_INT(wrong, 0);
}

static void test_resampler(void)
{
	struct audio_resampler *up = NULL, *down = NULL;
	struct tone t = {1000, 8000, 10000, 0}, hi = {5000, 48000, 10000, 0};
	int16_t in[160], out[960], big[9600], narrow[1600];
	size_t n, i;

	CHECK_INT(audio_resampler_alloc(&up, 8000, 16000, NULL), EINVAL);
	CHECK_INT(audio_resampler_alloc(&up, 48000, 44100, NULL), EINVAL);
	CHECK_INT(audio_resampler_alloc(&up, 8000, 48000, NULL), 0);
	CHECK_INT(audio_resampler_alloc(&down, 48000, 8000, NULL), 0);

	/* 8 kHz -> 48 kHz: the tone keeps its amplitude, no images */
	for (i = 0; i < 10; i++) {
		tone_fill(&t, in, 160);
		CHECK_INT(audio_resampler_run(up, in, 160, big + (i * 960) % 9600, &n), 0);
		CHECK_INT(n, 960);
	}
	CHECK(fabs(goertzel(big + 960, 7680, 1000, 48000) - 10000) < 300);
	CHECK(goertzel(big + 960, 7680, 7000, 48000) < 30);
	CHECK(goertzel(big + 960, 7680, 9000, 48000) < 30);

	/* 48 kHz -> 8 kHz: 1 kHz kept, 5 kHz (would alias to 3 kHz) removed */
	t = (struct tone){1000, 48000, 10000, 0};
	tone_fill(&t, big, 9600);
	CHECK_INT(audio_resampler_run(down, big, 9600, narrow, &n), 0);
	CHECK_INT(n, 1600);
	CHECK(fabs(goertzel(narrow + 200, 1400, 1000, 8000) - 10000) < 300);
	tone_fill(&hi, big, 9600);
	CHECK_INT(audio_resampler_run(down, big, 9600, narrow, &n), 0);
	CHECK(goertzel(narrow + 200, 1400, 3000, 8000) < 30);
	CHECK(rms(narrow + 200, 1400) < 100);
	CHECK_INT(audio_resampler_run(down, big, 961, narrow, &n), EINVAL);

	/* full-scale input does not wrap around */
	for (i = 0; i < 960; i++)
		out[i] = 32767;
	CHECK_INT(audio_resampler_run(down, out, 960, narrow, &n), 0);
	CHECK_INT(audio_resampler_run(down, out, 960, narrow, &n), 0);
	for (i = 0; i < n; i++)
		if (narrow[i] < 32000)
			break;
	CHECK_INT(i, n);
	audio_resampler_free(up);
	audio_resampler_free(down);
}

/* Encodes 50 frames of a tone with codec id and decodes them again;
 * returns the decoded amplitude at freq and at other (after 10 frames). */
static void round_trip(enum audio_codec_id id, double freq, double other, double *at_freq,
		       double *at_other, double *at_rest)
{
	struct audio_encoder *enc = NULL;
	struct audio_decoder *dec = NULL;
	struct tone t = {freq, 48000, 10000, 0};
	static int16_t decoded[50 * AUDIO_FRAME_SAMPLES];
	int16_t pcm[AUDIO_FRAME_SAMPLES];
	static int16_t out[AUDIO_MAX_DECODED];
	uint8_t payload[AUDIO_MAX_PAYLOAD];
	size_t len, n, i;
	const size_t skip = 10 * AUDIO_FRAME_SAMPLES, win = 40 * AUDIO_FRAME_SAMPLES;

	CHECK_INT(audio_encoder_alloc(&enc, id, NULL), 0);
	CHECK_INT(audio_decoder_alloc(&dec, id, NULL), 0);
	CHECK_INT(audio_encoder_codec(enc), id);
	CHECK_INT(audio_decoder_codec(dec), id);
	for (i = 0; i < 50; i++) {
		tone_fill(&t, pcm, AUDIO_FRAME_SAMPLES);
		CHECK_INT(audio_encoder_encode(enc, pcm, payload, sizeof(payload), &len), 0);
		if (id != AUDIO_CODEC_OPUS)
			CHECK_INT(len, 160);
		else
			CHECK(len > 10 && len < 200);
		CHECK_INT(audio_decoder_decode(dec, payload, len, out, &n), 0);
		CHECK_INT(n, AUDIO_FRAME_SAMPLES);
		memcpy(decoded + i * AUDIO_FRAME_SAMPLES, out, sizeof(pcm));
	}
	*at_freq = goertzel(decoded + skip, win, freq, 48000);
	*at_other = goertzel(decoded + skip, win, other, 48000);
	*at_rest = sqrt(fmax(0, rms(decoded + skip, win) * rms(decoded + skip, win) -
					*at_freq * *at_freq / 2));
	audio_encoder_free(enc);
	audio_decoder_free(dec);
}

static void test_round_trips(void)
{
	double a, o, rest;

	round_trip(AUDIO_CODEC_PCMU, 1000, 1500, &a, &o, &rest);
	CHECK(fabs(a - 10000) < 500);
	CHECK(o < 100);
	CHECK(rest < 400); /* about 30 dB SNR or better */
	round_trip(AUDIO_CODEC_PCMA, 1000, 1500, &a, &o, &rest);
	CHECK(fabs(a - 10000) < 500);
	CHECK(o < 100);
	CHECK(rest < 400);
	/* narrowband: a 6 kHz tone does not get through G.711 */
	round_trip(AUDIO_CODEC_PCMU, 6000, 1000, &a, &o, &rest);
	CHECK(a < 100);

	/* G.722 is wideband: 1 kHz and 6 kHz both get through */
	round_trip(AUDIO_CODEC_G722, 1000, 1500, &a, &o, &rest);
	CHECK(fabs(a - 10000) < 1000);
	CHECK(o < 200);
	round_trip(AUDIO_CODEC_G722, 6000, 4000, &a, &o, &rest);
	CHECK(a > 7000);
	CHECK(o < 300);

	round_trip(AUDIO_CODEC_OPUS, 1000, 1500, &a, &o, &rest);
	CHECK(fabs(a - 10000) < 1500);
	CHECK(o < 300);
	round_trip(AUDIO_CODEC_OPUS, 440, 1000, &a, &o, &rest);
	CHECK(fabs(a - 10000) < 1500);
	CHECK(o < 300);
}

static void test_conceal(void)
{
	struct audio_encoder *enc = NULL;
	struct audio_decoder *dec = NULL;
	struct tone t = {800, 48000, 10000, 0};
	int16_t pcm[AUDIO_FRAME_SAMPLES], out[AUDIO_MAX_DECODED];
	uint8_t payload[AUDIO_MAX_PAYLOAD];
	enum audio_codec_id id;
	size_t len, n, i;
	double prev;

	for (id = AUDIO_CODEC_PCMU; id <= AUDIO_CODEC_OPUS; id++) {
		CHECK_INT(audio_encoder_alloc(&enc, id, NULL), 0);
		CHECK_INT(audio_decoder_alloc(&dec, id, NULL), 0);
		for (i = 0; i < 5; i++) {
			tone_fill(&t, pcm, AUDIO_FRAME_SAMPLES);
			CHECK_INT(audio_encoder_encode(enc, pcm, payload, sizeof(payload), &len),
				  0);
			CHECK_INT(audio_decoder_decode(dec, payload, len, out, &n), 0);
		}
		prev = rms(out, AUDIO_FRAME_SAMPLES);
		CHECK(prev > 5000);
		/* the first concealed frame still sounds, then it fades out */
		audio_decoder_conceal(dec, pcm);
		CHECK(rms(pcm, AUDIO_FRAME_SAMPLES) > 1000);
		CHECK(rms(pcm, AUDIO_FRAME_SAMPLES) < prev * 1.1);
		for (i = 0; i < 20; i++)
			audio_decoder_conceal(dec, pcm);
		CHECK(rms(pcm, AUDIO_FRAME_SAMPLES) < 50);
		/* and decoding resumes */
		tone_fill(&t, pcm, AUDIO_FRAME_SAMPLES);
		CHECK_INT(audio_encoder_encode(enc, pcm, payload, sizeof(payload), &len), 0);
		CHECK_INT(audio_decoder_decode(dec, payload, len, out, &n), 0);
		CHECK_INT(n, AUDIO_FRAME_SAMPLES);
		audio_decoder_reset(dec);
		audio_encoder_free(enc);
		audio_decoder_free(dec);
	}
}

static void test_errors_and_memory(void)
{
	struct count_mem cm = {0, 0, 0};
	struct sylk_mem mem = count_mem_hook(&cm);
	struct audio_encoder *enc = NULL;
	struct audio_decoder *dec = NULL;
	int16_t pcm[AUDIO_FRAME_SAMPLES] = {0}, out[AUDIO_MAX_DECODED];
	static uint8_t big[2000];
	uint8_t payload[AUDIO_MAX_PAYLOAD];
	size_t len, n, before;

	CHECK_INT(audio_encoder_alloc(&enc, AUDIO_CODEC_NONE, NULL), EINVAL);
	CHECK(enc == NULL);
	CHECK_INT(audio_decoder_alloc(&dec, (enum audio_codec_id)9, NULL), EINVAL);
	CHECK_INT(audio_encoder_alloc(NULL, AUDIO_CODEC_PCMU, NULL), EINVAL);

	CHECK_INT(audio_encoder_alloc(&enc, AUDIO_CODEC_PCMU, &mem), 0);
	CHECK_INT(audio_encoder_set_bitrate(enc, 20000), ENOTSUP);
	CHECK_INT(audio_encoder_encode(enc, pcm, payload, 100, &len), ENOSPC);
	audio_encoder_free(enc);
	CHECK_INT(audio_decoder_alloc(&dec, AUDIO_CODEC_PCMA, &mem), 0);
	CHECK_INT(audio_decoder_decode(dec, payload, 0, out, &n), EINVAL);
	CHECK_INT(audio_decoder_decode(dec, big, sizeof(big), out, &n), EBADMSG);
	audio_decoder_free(dec);

	/* Opus state comes from the hook too */
	before = cm.allocs;
	CHECK_INT(audio_encoder_alloc(&enc, AUDIO_CODEC_OPUS, &mem), 0);
	CHECK_INT(audio_decoder_alloc(&dec, AUDIO_CODEC_OPUS, &mem), 0);
	CHECK_INT(cm.allocs - before, 4);
	CHECK_INT(audio_encoder_set_bitrate(enc, 64000), 0);
	CHECK_INT(audio_encoder_set_bitrate(enc, 1000), EINVAL);
	CHECK_INT(audio_encoder_encode(enc, pcm, payload, sizeof(payload), &len), 0);
	CHECK_INT(audio_decoder_decode(dec, payload, len, out, &n), 0);
	CHECK_INT(n, AUDIO_FRAME_SAMPLES);
	CHECK_INT(cm.allocs - before, 4);
	audio_encoder_free(enc);
	audio_decoder_free(dec);
	CHECK_INT(cm.allocs, cm.frees);
	CHECK_INT(cm.live, 0);
}

int main(void)
{
	RUN(test_names);
	RUN(test_g711_ulaw);
	RUN(test_g711_alaw);
	RUN(test_resampler);
	RUN(test_round_trips);
	RUN(test_conceal);
	RUN(test_errors_and_memory);
	return check_summary();
}
