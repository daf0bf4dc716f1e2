/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Audio codecs of the conference mixer: PCMU and PCMA (ITU-T G.711, own
 * code), G.722 (spandsp) and Opus (libopus). Every codec talks 16-bit mono
 * PCM at 48 kHz, the mixer's rate, in 20 ms frames (AUDIO_FRAME_SAMPLES):
 * narrowband and wideband audio is resampled with windowed-sinc FIR filters.
 *
 *	audio_decoder_alloc(&dec, AUDIO_CODEC_PCMU, NULL);
 *	audio_decoder_decode(dec, payload, len, pcm, &n);   packet received
 *	audio_decoder_conceal(dec, pcm);                    packet lost
 *	audio_encoder_alloc(&enc, AUDIO_CODEC_OPUS, NULL);
 *	audio_encoder_encode(enc, pcm, out, sizeof(out), &len);
 *
 * One object per direction and participant; encode, decode and conceal
 * never allocate. All memory comes from the struct sylk_mem given at
 * alloc time (NULL: malloc/free), libopus and spandsp state included.
 *
 * Kamailio-free: libc, libm, libopus, libspandsp. */
#ifndef CONFERENCE_AUDIO_CODEC_H
#define CONFERENCE_AUDIO_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sylk_ws/base/mem.h"

#define AUDIO_RATE 48000 /* mixer sample rate, Hz */
#define AUDIO_FRAME_MS 20
#define AUDIO_FRAME_SAMPLES 960 /* 20 ms at 48 kHz */
/* Largest payload encode writes (Opus: RFC 6716 limit for one frame). */
#define AUDIO_MAX_PAYLOAD 1275
/* Longest audio one payload may decode to: 120 ms (Opus maximum). */
#define AUDIO_MAX_DECODED 5760

enum audio_codec_id {
	AUDIO_CODEC_NONE = 0,
	AUDIO_CODEC_PCMU,
	AUDIO_CODEC_PCMA,
	AUDIO_CODEC_G722,
	AUDIO_CODEC_OPUS,
	AUDIO_CODEC_COUNT /* not a codec: one past the last */
};

/* SDP rtpmap encoding name (case-insensitive) and clock rate to a codec:
 * "PCMU"/8000, "PCMA"/8000, "G722"/8000, "opus"/48000 (channels, as
 * in "opus/48000/2", is not checked). AUDIO_CODEC_NONE when unknown. */
enum audio_codec_id audio_codec_by_name(const char *name, unsigned clock_rate);
/* Static payload types of RFC 3551: 0 PCMU, 8 PCMA, 9 G722; NONE else. */
enum audio_codec_id audio_codec_by_static_pt(unsigned pt);
/* "PCMU", "PCMA", "G722", "opus"; NULL for NONE / unknown. */
const char *audio_codec_name(enum audio_codec_id id);
/* Static payload type, or -1 (Opus is dynamic). */
int audio_codec_static_pt(enum audio_codec_id id);
/* RTP clock rate: 8000 for PCMU, PCMA and G.722 (RFC 3551 4.5.2: G.722
 * samples at 16 kHz but its RTP clock runs at 8000 Hz), 48000 for Opus
 * (RFC 7587); 0 for unknown. */
unsigned audio_codec_clock_rate(enum audio_codec_id id);
/* Audio sample rate of the codec itself: 8000, 16000 or 48000; 0. */
unsigned audio_codec_sample_rate(enum audio_codec_id id);
/* RTP timestamp increment of a 20 ms packet: 160, or 960 for Opus; 0. */
unsigned audio_codec_frame_ticks(enum audio_codec_id id);

/* G.711 (ITU-T G.711), 16-bit linear <-> 8-bit code, for one sample. */
uint8_t g711_ulaw_encode(int16_t pcm);
int16_t g711_ulaw_decode(uint8_t code);
uint8_t g711_alaw_encode(int16_t pcm);
int16_t g711_alaw_decode(uint8_t code);

struct audio_decoder;
struct audio_encoder;

/* mem NULL: malloc/free (the struct sylk_mem is copied). Returns 0,
 * EINVAL (unknown codec), ENOMEM, EIO (codec library refused). */
int audio_decoder_alloc(struct audio_decoder **decp, enum audio_codec_id id,
			const struct sylk_mem *mem);
void audio_decoder_free(struct audio_decoder *dec);
enum audio_codec_id audio_decoder_codec(const struct audio_decoder *dec);
/* Forget all history (new SSRC, codec restart). */
void audio_decoder_reset(struct audio_decoder *dec);

/* Decodes one RTP payload to pcm (room for AUDIO_MAX_DECODED samples at
 * 48 kHz); *np gets the samples written (AUDIO_FRAME_SAMPLES for a 20 ms
 * payload). Returns 0, EINVAL (NULL, empty payload), EBADMSG (Opus
 * refused the packet, or it is longer than AUDIO_MAX_DECODED). */
int audio_decoder_decode(struct audio_decoder *dec, const uint8_t *payload, size_t len,
			 int16_t *pcm, size_t *np);
/* One 20 ms frame in place of a lost packet: Opus runs its own packet
 * loss concealment; the others repeat the last decoded frame, fading out
 * to silence within three frames. Writes AUDIO_FRAME_SAMPLES samples. */
void audio_decoder_conceal(struct audio_decoder *dec, int16_t pcm[AUDIO_FRAME_SAMPLES]);

/* Opus: 48 kHz mono, VoIP application, 20 ms frames, variable bitrate
 * (default 32 kbit/s), complexity AUDIO_OPUS_COMPLEXITY. Same returns as
 * audio_decoder_alloc().
 * Complexity 3: the encoder is most of a mixed Opus participant's cost;
 * measured here 5 gave ~150 participants per core, 3 gives ~190, and for
 * mixed speech at 32 kbit/s the difference is hard to hear. */
#define AUDIO_OPUS_BITRATE 32000
#define AUDIO_OPUS_COMPLEXITY 3
int audio_encoder_alloc(struct audio_encoder **encp, enum audio_codec_id id,
			const struct sylk_mem *mem);
void audio_encoder_free(struct audio_encoder *enc);
enum audio_codec_id audio_encoder_codec(const struct audio_encoder *enc);
/* Opus only (e.g. from fmtp maxaveragebitrate): 6000..510000. Returns 0,
 * ENOTSUP (not Opus), EINVAL. */
int audio_encoder_set_bitrate(struct audio_encoder *enc, unsigned bps);
/* Encodes 20 ms of 48 kHz PCM; *lenp gets the payload size (160 for
 * PCMU, PCMA and G.722 at 64 kbit/s). Returns 0, EINVAL, ENOSPC (out too
 * small: give AUDIO_MAX_PAYLOAD), EIO (Opus failed). */
int audio_encoder_encode(struct audio_encoder *enc, const int16_t pcm[AUDIO_FRAME_SAMPLES],
			 uint8_t *out, size_t size, size_t *lenp);

#endif
