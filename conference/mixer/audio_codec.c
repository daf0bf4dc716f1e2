/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Mixer codecs: G.711 written here from ITU-T G.711, G.722 through
 * spandsp, Opus through libopus, all converted to and from 48 kHz. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <opus.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>
#include <spandsp/private/g722.h>

#include "conference/mixer/audio_codec.h"
#include "conference/mixer/audio_resample.h"

#define G722_BITRATE 64000
/* Narrowband / wideband samples one payload may decode to. */
#define MAX_NARROW (AUDIO_MAX_DECODED / 3)
/* Frames of repeat-and-fade before concealment is silence. */
#define FADE_FRAMES 3

/* ---- codec table ---------------------------------------------------------- */

struct codec_info {
	const char *name;
	int static_pt;
	unsigned clock_rate, sample_rate;
};

static const struct codec_info *info(enum audio_codec_id id)
{
	static const struct codec_info table[] = {
		[AUDIO_CODEC_PCMU] = {"PCMU", 0, 8000, 8000},
		[AUDIO_CODEC_PCMA] = {"PCMA", 8, 8000, 8000},
		[AUDIO_CODEC_G722] = {"G722", 9, 8000, 16000},
		[AUDIO_CODEC_OPUS] = {"opus", -1, 48000, 48000},
	};

	if (id <= AUDIO_CODEC_NONE || id > AUDIO_CODEC_OPUS)
		return NULL;
	return &table[id];
}

enum audio_codec_id audio_codec_by_name(const char *name, unsigned clock_rate)
{
	enum audio_codec_id id;

	if (!name)
		return AUDIO_CODEC_NONE;
	for (id = AUDIO_CODEC_PCMU; id <= AUDIO_CODEC_OPUS; id++)
		if (strcasecmp(name, info(id)->name) == 0 && clock_rate == info(id)->clock_rate)
			return id;
	return AUDIO_CODEC_NONE;
}

enum audio_codec_id audio_codec_by_static_pt(unsigned pt)
{
	switch (pt) {
	case 0: return AUDIO_CODEC_PCMU;
	case 8: return AUDIO_CODEC_PCMA;
	case 9: return AUDIO_CODEC_G722;
	default: return AUDIO_CODEC_NONE;
	}
}

const char *audio_codec_name(enum audio_codec_id id)
{
	return info(id) ? info(id)->name : NULL;
}

int audio_codec_static_pt(enum audio_codec_id id)
{
	return info(id) ? info(id)->static_pt : -1;
}

unsigned audio_codec_clock_rate(enum audio_codec_id id)
{
	return info(id) ? info(id)->clock_rate : 0;
}

unsigned audio_codec_sample_rate(enum audio_codec_id id)
{
	return info(id) ? info(id)->sample_rate : 0;
}

unsigned audio_codec_frame_ticks(enum audio_codec_id id)
{
	return info(id) ? info(id)->clock_rate / (1000 / AUDIO_FRAME_MS) : 0;
}

/* ---- G.711 -------------------------------------------------------------- */

/* mu-law (G.711 table 2a): the magnitude plus a bias of 33 (in 14-bit
 * units; 132 at 16 bits) is coded as a 3-bit segment (position of its
 * leading one) and 4 bits below it; all bits inverted on the wire. */
#define ULAW_BIAS 132
#define ULAW_CLIP 32635

uint8_t g711_ulaw_encode(int16_t pcm)
{
	int mag = pcm, sign = 0, seg;

	if (mag < 0) {
		mag = -mag;
		sign = 0x80;
	}
	if (mag > ULAW_CLIP)
		mag = ULAW_CLIP;
	mag += ULAW_BIAS;
	for (seg = 0; seg < 7 && mag >= (0x100 << seg); seg++)
		;
	return (uint8_t) ~(sign | seg << 4 | ((mag >> (seg + 3)) & 0x0f));
}

int16_t g711_ulaw_decode(uint8_t code)
{
	int c = ~code & 0xff, t;

	t = (((c & 0x0f) << 3) + ULAW_BIAS) << ((c >> 4) & 0x07);
	return (int16_t)(c & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS);
}

/* A-law (G.711 table 1a): 13-bit magnitude, segment 0 and 1 share one
 * step size, sign bit 1 for positive values, even bits inverted (0x55). */
uint8_t g711_alaw_encode(int16_t pcm)
{
	int mag, mask, seg;
	uint8_t a;

	if (pcm >= 0) {
		mag = pcm;
		mask = 0xd5;
	} else {
		mag = ~pcm; /* -pcm - 1: symmetric around -0.5 */
		mask = 0x55;
	}
	for (seg = 0; seg < 7 && mag >= (0x100 << seg); seg++)
		;
	if (seg == 0)
		a = (uint8_t)(mag >> 4);
	else
		a = (uint8_t)(seg << 4 | ((mag >> (seg + 3)) & 0x0f));
	return a ^ (uint8_t)mask;
}

int16_t g711_alaw_decode(uint8_t code)
{
	int a = code ^ 0x55, t, seg;

	t = (a & 0x0f) << 4;
	seg = (a >> 4) & 0x07;
	if (seg == 0)
		t += 8;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)(a & 0x80 ? t : -t);
}

/* ---- decoder ------------------------------------------------------------ */

struct audio_decoder {
	struct sylk_mem mem;
	enum audio_codec_id id;
	OpusDecoder *opus;
	struct audio_resampler *up;
	g722_decode_state_t g722;
	unsigned lost;                     /* frames concealed in a row */
	int16_t last[AUDIO_FRAME_SAMPLES]; /* last decoded 20 ms */
	int16_t narrow[MAX_NARROW];
};

static void g722_decoder_start(struct audio_decoder *dec)
{
	g722_decode_init(&dec->g722, G722_BITRATE, 0);
}

int audio_decoder_alloc(struct audio_decoder **decp, enum audio_codec_id id,
			const struct sylk_mem *mem)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct audio_decoder *dec;
	int err = 0;

	if (!decp)
		return EINVAL;
	*decp = NULL;
	if (!info(id))
		return EINVAL;
	dec = sylk_mem_zalloc(&m, sizeof(*dec));
	if (!dec)
		return ENOMEM;
	dec->mem = m;
	dec->id = id;
	if (id == AUDIO_CODEC_OPUS) {
		dec->opus = sylk_mem_zalloc(&m, (size_t)opus_decoder_get_size(1));
		if (!dec->opus)
			err = ENOMEM;
		else if (opus_decoder_init(dec->opus, AUDIO_RATE, 1) != OPUS_OK)
			err = EIO;
	} else {
		err = audio_resampler_alloc(&dec->up, info(id)->sample_rate, AUDIO_RATE, &m);
		if (id == AUDIO_CODEC_G722)
			g722_decoder_start(dec);
	}
	if (err) {
		audio_decoder_free(dec);
		return err;
	}
	*decp = dec;
	return 0;
}

void audio_decoder_free(struct audio_decoder *dec)
{
	if (!dec)
		return;
	sylk_mem_free(&dec->mem, dec->opus);
	audio_resampler_free(dec->up);
	sylk_mem_free(&dec->mem, dec);
}

enum audio_codec_id audio_decoder_codec(const struct audio_decoder *dec)
{
	return dec ? dec->id : AUDIO_CODEC_NONE;
}

void audio_decoder_reset(struct audio_decoder *dec)
{
	if (!dec)
		return;
	if (dec->opus)
		opus_decoder_ctl(dec->opus, OPUS_RESET_STATE);
	if (dec->up)
		audio_resampler_reset(dec->up);
	if (dec->id == AUDIO_CODEC_G722)
		g722_decoder_start(dec);
	dec->lost = 0;
	memset(dec->last, 0, sizeof(dec->last));
}

/* Keeps the first 20 ms of what was decoded, for repeat-and-fade. */
static void keep_last(struct audio_decoder *dec, const int16_t *pcm, size_t n)
{
	size_t keep = n < AUDIO_FRAME_SAMPLES ? n : AUDIO_FRAME_SAMPLES;

	memcpy(dec->last, pcm, keep * sizeof(*pcm));
	memset(dec->last + keep, 0, (AUDIO_FRAME_SAMPLES - keep) * sizeof(*pcm));
	dec->lost = 0;
}

int audio_decoder_decode(struct audio_decoder *dec, const uint8_t *payload, size_t len,
			 int16_t *pcm, size_t *np)
{
	size_t i, n;
	int r;

	if (!dec || !payload || !len || !pcm || !np)
		return EINVAL;
	*np = 0;
	switch (dec->id) {
	case AUDIO_CODEC_OPUS:
		if (len > 0x7fffffff)
			return EBADMSG;
		r = opus_decode(dec->opus, payload, (opus_int32)len, pcm, AUDIO_MAX_DECODED, 0);
		if (r < 0)
			return EBADMSG;
		*np = (size_t)r;
		dec->lost = 0;
		return 0;
	case AUDIO_CODEC_PCMU:
	case AUDIO_CODEC_PCMA:
		if (len > AUDIO_MAX_DECODED / 6)
			return EBADMSG;
		if (dec->id == AUDIO_CODEC_PCMU)
			for (i = 0; i < len; i++)
				dec->narrow[i] = g711_ulaw_decode(payload[i]);
		else
			for (i = 0; i < len; i++)
				dec->narrow[i] = g711_alaw_decode(payload[i]);
		n = len;
		break;
	case AUDIO_CODEC_G722:
		if (len > MAX_NARROW / 2)
			return EBADMSG;
		r = g722_decode(&dec->g722, dec->narrow, payload, (int)len);
		n = r > 0 ? (size_t)r : 0;
		break;
	default: return EINVAL;
	}
	audio_resampler_run(dec->up, dec->narrow, n, pcm, np);
	keep_last(dec, pcm, *np);
	return 0;
}

void audio_decoder_conceal(struct audio_decoder *dec, int16_t pcm[AUDIO_FRAME_SAMPLES])
{
	int32_t g0, g1;
	size_t i;

	if (!dec || !pcm)
		return;
	if (dec->opus) {
		if (opus_decode(dec->opus, NULL, 0, pcm, AUDIO_FRAME_SAMPLES, 0) !=
		    AUDIO_FRAME_SAMPLES)
			memset(pcm, 0, AUDIO_FRAME_SAMPLES * sizeof(*pcm));
		return;
	}
	if (dec->lost >= FADE_FRAMES) {
		memset(pcm, 0, AUDIO_FRAME_SAMPLES * sizeof(*pcm));
		return;
	}
	/* gain falls linearly from (F - lost) / F to (F - lost - 1) / F, in Q15 */
	g0 = (int32_t)(32768 * (FADE_FRAMES - dec->lost) / FADE_FRAMES);
	g1 = (int32_t)(32768 * (FADE_FRAMES - dec->lost - 1) / FADE_FRAMES);
	for (i = 0; i < AUDIO_FRAME_SAMPLES; i++) {
		int32_t g = g0 + (int32_t)((g1 - g0) * (int32_t)i / AUDIO_FRAME_SAMPLES);

		pcm[i] = (int16_t)((dec->last[i] * g) >> 15);
	}
	dec->lost++;
}

/* ---- encoder ------------------------------------------------------------ */

struct audio_encoder {
	struct sylk_mem mem;
	enum audio_codec_id id;
	OpusEncoder *opus;
	struct audio_resampler *down;
	g722_encode_state_t g722;
	int16_t narrow[AUDIO_FRAME_SAMPLES / 3];
};

int audio_encoder_alloc(struct audio_encoder **encp, enum audio_codec_id id,
			const struct sylk_mem *mem)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct audio_encoder *enc;
	int err = 0;

	if (!encp)
		return EINVAL;
	*encp = NULL;
	if (!info(id))
		return EINVAL;
	enc = sylk_mem_zalloc(&m, sizeof(*enc));
	if (!enc)
		return ENOMEM;
	enc->mem = m;
	enc->id = id;
	if (id == AUDIO_CODEC_OPUS) {
		enc->opus = sylk_mem_zalloc(&m, (size_t)opus_encoder_get_size(1));
		if (!enc->opus)
			err = ENOMEM;
		else if (opus_encoder_init(enc->opus, AUDIO_RATE, 1, OPUS_APPLICATION_VOIP) !=
				 OPUS_OK ||
			 opus_encoder_ctl(enc->opus, OPUS_SET_BITRATE(AUDIO_OPUS_BITRATE)) !=
				 OPUS_OK ||
			 opus_encoder_ctl(enc->opus, OPUS_SET_COMPLEXITY(AUDIO_OPUS_COMPLEXITY)) !=
				 OPUS_OK ||
			 opus_encoder_ctl(enc->opus, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK)
			err = EIO;
	} else {
		err = audio_resampler_alloc(&enc->down, AUDIO_RATE, info(id)->sample_rate, &m);
		if (id == AUDIO_CODEC_G722)
			g722_encode_init(&enc->g722, G722_BITRATE, 0);
	}
	if (err) {
		audio_encoder_free(enc);
		return err;
	}
	*encp = enc;
	return 0;
}

void audio_encoder_free(struct audio_encoder *enc)
{
	if (!enc)
		return;
	sylk_mem_free(&enc->mem, enc->opus);
	audio_resampler_free(enc->down);
	sylk_mem_free(&enc->mem, enc);
}

enum audio_codec_id audio_encoder_codec(const struct audio_encoder *enc)
{
	return enc ? enc->id : AUDIO_CODEC_NONE;
}

int audio_encoder_set_bitrate(struct audio_encoder *enc, unsigned bps)
{
	if (!enc)
		return EINVAL;
	if (!enc->opus)
		return ENOTSUP;
	if (bps < 6000 || bps > 510000)
		return EINVAL;
	return opus_encoder_ctl(enc->opus, OPUS_SET_BITRATE((opus_int32)bps)) == OPUS_OK ? 0 :
											   EINVAL;
}

int audio_encoder_encode(struct audio_encoder *enc, const int16_t pcm[AUDIO_FRAME_SAMPLES],
			 uint8_t *out, size_t size, size_t *lenp)
{
	size_t n = 0, i;
	int r;

	if (!enc || !pcm || !out || !lenp)
		return EINVAL;
	*lenp = 0;
	if (enc->id == AUDIO_CODEC_OPUS) {
		r = opus_encode(enc->opus, pcm, AUDIO_FRAME_SAMPLES, out,
				(opus_int32)(size > AUDIO_MAX_PAYLOAD ? AUDIO_MAX_PAYLOAD : size));
		if (r == OPUS_BUFFER_TOO_SMALL)
			return ENOSPC;
		if (r < 0)
			return EIO;
		*lenp = (size_t)r;
		return 0;
	}
	audio_resampler_run(enc->down, pcm, AUDIO_FRAME_SAMPLES, enc->narrow, &n);
	if (enc->id == AUDIO_CODEC_G722) {
		if (size < n / 2)
			return ENOSPC;
		r = g722_encode(&enc->g722, out, enc->narrow, (int)n);
		*lenp = r > 0 ? (size_t)r : 0;
		return 0;
	}
	if (size < n)
		return ENOSPC;
	if (enc->id == AUDIO_CODEC_PCMU)
		for (i = 0; i < n; i++)
			out[i] = g711_ulaw_encode(enc->narrow[i]);
	else
		for (i = 0; i < n; i++)
			out[i] = g711_alaw_encode(enc->narrow[i]);
	*lenp = n;
	return 0;
}
