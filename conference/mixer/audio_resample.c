/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Polyphase windowed-sinc resampling by an integer factor.
 *
 * Up by L: the input is (notionally) stuffed with L - 1 zeros per sample
 * and low-pass filtered at 48 kHz; only the taps that meet a real sample
 * are computed, so each output phase p is a short filter of per_phase taps
 * h[j * L + p]. Down by M: low-pass filtered at 48 kHz, and only every
 * M-th output is computed. Both loops run over the outputs innermost
 * (acc[i] += c * x[i + ...]) so the compiler can vectorise them without
 * reordering float sums. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "conference/mixer/audio_resample.h"

#define HIGH_RATE 48000
#define KAISER_BETA 6.0
#define CUTOFF 0.46    /* of the low rate */
#define CHUNK_UP 320   /* input samples per pass going up */
#define CHUNK_DOWN 960 /* input samples per pass going down */

struct audio_resampler {
	struct sylk_mem mem;
	bool up;
	unsigned factor;
	unsigned taps; /* whole filter, factor * per_phase */
	unsigned per_phase;
	size_t hist_len; /* input samples kept from the previous call */
	size_t chunk;    /* input samples per pass */
	float *coef;     /* up: [factor][per_phase], each phase reversed; down: [taps] */
	float *x;        /* hist_len + chunk input samples */
	float *acc;      /* chunk (up) or chunk / factor (down) outputs */
	float data[];
};

/* Modified Bessel function of the first kind, order 0 (power series). */
static double bessel_i0(double x)
{
	double sum = 1.0, term = 1.0, q = x * x / 4.0;
	int k;

	for (k = 1; k < 50; k++) {
		term *= q / ((double)k * k);
		sum += term;
		if (term < sum * 1e-12)
			break;
	}
	return sum;
}

/* Low-pass prototype at 48 kHz with its cut-off at fc Hz. */
static void design(double *h, unsigned n, double fc)
{
	double wc = 2.0 * fc / HIGH_RATE, mid = (n - 1) / 2.0, i0b = bessel_i0(KAISER_BETA);
	unsigned k;

	for (k = 0; k < n; k++) {
		double t = k - mid, r = t / mid, s;

		s = t == 0.0 ? wc : sin(M_PI * wc * t) / (M_PI * t);
		h[k] = s * bessel_i0(KAISER_BETA * sqrt(1.0 - r * r)) / i0b;
	}
}

static int16_t sat16f(float v)
{
	if (v >= 32767.0f)
		return 32767;
	if (v <= -32768.0f)
		return -32768;
	return (int16_t)(v >= 0 ? v + 0.5f : v - 0.5f);
}

int audio_resampler_alloc(struct audio_resampler **rp, unsigned in_rate, unsigned out_rate,
			  const struct sylk_mem *mem)
{
	struct sylk_mem m = sylk_mem_or_default(mem);
	struct audio_resampler *r;
	unsigned factor, per_phase, taps, low, p, j;
	size_t hist_len, chunk, acc_len;
	double h[24 * 6], sum;
	bool up;

	if (!rp)
		return EINVAL;
	*rp = NULL;
	if (out_rate == HIGH_RATE && (in_rate == 8000 || in_rate == 16000)) {
		up = true;
		low = in_rate;
	} else if (in_rate == HIGH_RATE && (out_rate == 8000 || out_rate == 16000)) {
		up = false;
		low = out_rate;
	} else {
		return EINVAL;
	}
	factor = HIGH_RATE / low;
	per_phase = factor == 6 ? 20 : 24;
	taps = factor * per_phase;
	hist_len = up ? per_phase - 1 : taps - 1;
	chunk = up ? CHUNK_UP : CHUNK_DOWN;
	acc_len = up ? chunk : chunk / factor;

	r = sylk_mem_zalloc(&m, sizeof(*r) + sizeof(float) * (taps + hist_len + chunk + acc_len));
	if (!r)
		return ENOMEM;
	r->mem = m;
	r->up = up;
	r->factor = factor;
	r->taps = taps;
	r->per_phase = per_phase;
	r->hist_len = hist_len;
	r->chunk = chunk;
	r->coef = r->data;
	r->x = r->coef + taps;
	r->acc = r->x + hist_len + chunk;

	design(h, taps, CUTOFF * low);
	if (up) {
		/* each phase on its own has unity gain at DC */
		for (p = 0; p < factor; p++) {
			for (sum = 0, j = 0; j < per_phase; j++)
				sum += h[j * factor + p];
			for (j = 0; j < per_phase; j++)
				r->coef[p * per_phase + (per_phase - 1 - j)] =
					(float)(h[j * factor + p] / sum);
		}
	} else {
		for (sum = 0, j = 0; j < taps; j++)
			sum += h[j];
		for (j = 0; j < taps; j++)
			r->coef[j] = (float)(h[j] / sum);
	}
	*rp = r;
	return 0;
}

void audio_resampler_free(struct audio_resampler *r)
{
	if (r)
		sylk_mem_free(&r->mem, r);
}

void audio_resampler_reset(struct audio_resampler *r)
{
	if (r)
		memset(r->x, 0, sizeof(float) * r->hist_len);
}

static void run_up(struct audio_resampler *r, const int16_t *in, size_t n, int16_t *out)
{
	const unsigned L = r->factor, P = r->per_phase;
	float *restrict x = r->x, *restrict acc = r->acc;
	size_t i;
	unsigned p, j;

	for (i = 0; i < n; i++)
		x[r->hist_len + i] = in[i];
	for (p = 0; p < L; p++) {
		const float *c = r->coef + p * P;

		for (i = 0; i < n; i++)
			acc[i] = 0;
		for (j = 0; j < P; j++) {
			const float cj = c[j], *xj = x + j;

			for (i = 0; i < n; i++)
				acc[i] += cj * xj[i];
		}
		for (i = 0; i < n; i++)
			out[i * L + p] = sat16f(acc[i]);
	}
	memmove(x, x + n, sizeof(float) * r->hist_len);
}

static void run_down(struct audio_resampler *r, const int16_t *in, size_t n, int16_t *out)
{
	const unsigned M = r->factor, N = r->taps;
	const size_t outs = n / M;
	float *restrict x = r->x, *restrict acc = r->acc;
	size_t i;
	unsigned k;

	for (i = 0; i < n; i++)
		x[r->hist_len + i] = in[i];
	for (i = 0; i < outs; i++)
		acc[i] = 0;
	for (k = 0; k < N; k++) {
		const float ck = r->coef[k], *xk = x + (M - 1) + k;

		for (i = 0; i < outs; i++)
			acc[i] += ck * xk[i * M];
	}
	for (i = 0; i < outs; i++)
		out[i] = sat16f(acc[i]);
	memmove(x, x + n, sizeof(float) * r->hist_len);
}

int audio_resampler_run(struct audio_resampler *r, const int16_t *in, size_t n, int16_t *out,
			size_t *outn)
{
	size_t done = 0, written = 0;

	if (!r || (n && (!in || !out)) || !outn || (!r->up && n % r->factor))
		return EINVAL;
	while (done < n) {
		size_t c = n - done < r->chunk ? n - done : r->chunk;

		if (r->up) {
			run_up(r, in + done, c, out + written);
			written += c * r->factor;
		} else {
			run_down(r, in + done, c, out + written);
			written += c / r->factor;
		}
		done += c;
	}
	*outn = written;
	return 0;
}
