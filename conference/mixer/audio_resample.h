/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Integer-ratio sample rate conversion for the mixer: 8000 or 16000 Hz
 * up to 48000, and 48000 down to 8000 or 16000. A linear-phase FIR
 * low-pass (windowed sinc, Kaiser window, about 60 dB stop band, cut-off
 * at 0.46 of the low rate) applied as a polyphase filter; the filter keeps
 * its history between calls, so a stream converts seamlessly frame after
 * frame. Delay: (taps - 1) / 2 samples at 48 kHz, about 1.2 ms.
 *
 * Kamailio-free: libc and libm. */
#ifndef CONFERENCE_AUDIO_RESAMPLE_H
#define CONFERENCE_AUDIO_RESAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "sylk_ws/base/mem.h"

struct audio_resampler;

/* in_rate/out_rate: 8000/48000, 16000/48000, 48000/8000 or 48000/16000.
 * mem NULL: malloc/free. Returns 0, EINVAL, ENOMEM. */
int audio_resampler_alloc(struct audio_resampler **rp, unsigned in_rate, unsigned out_rate,
			  const struct sylk_mem *mem);
void audio_resampler_free(struct audio_resampler *r);
/* Clears the filter history. */
void audio_resampler_reset(struct audio_resampler *r);
/* Converts in[0..n) to out, which must hold n * out_rate / in_rate
 * samples; when converting down n must be a multiple of the ratio.
 * *outn gets the samples written. Returns 0, EINVAL. Never allocates. */
int audio_resampler_run(struct audio_resampler *r, const int16_t *in, size_t n, int16_t *out,
			size_t *outn);

#endif
