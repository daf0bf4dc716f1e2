/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helpers for the audio tests: sine generation, a Goertzel detector
 * and a counting allocator. */
#ifndef TEST_AUDIO_TONE_H
#define TEST_AUDIO_TONE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "sylk_ws/base/mem.h"

struct tone {
	double freq, rate, amp, phase;
};

/* n samples of the tone, continuing where the last call stopped. */
static inline void tone_fill(struct tone *t, int16_t *pcm, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		pcm[i] = (int16_t)lrint(t->amp * sin(t->phase));
		t->phase += 2 * M_PI * t->freq / t->rate;
		if (t->phase > 2 * M_PI)
			t->phase -= 2 * M_PI;
	}
}

/* Amplitude of the component at freq Hz in pcm[0..n) (Goertzel): a sine
 * of amplitude A with a whole number of cycles in the window gives A. */
static inline double goertzel(const int16_t *pcm, size_t n, double freq, double rate)
{
	double k = 2 * cos(2 * M_PI * freq / rate), s1 = 0, s2 = 0, power;
	size_t i;

	for (i = 0; i < n; i++) {
		double s0 = pcm[i] + k * s1 - s2;

		s2 = s1;
		s1 = s0;
	}
	power = s1 * s1 + s2 * s2 - k * s1 * s2;
	return 2 * sqrt(power > 0 ? power : 0) / (double)n;
}

static inline double rms(const int16_t *pcm, size_t n)
{
	double acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc += (double)pcm[i] * pcm[i];
	return n ? sqrt(acc / (double)n) : 0;
}

/* Counts what goes through a struct sylk_mem. */
struct count_mem {
	size_t allocs, frees;
	size_t live;
};

static inline void *count_alloc(size_t size, void *ctx)
{
	struct count_mem *c = ctx;
	size_t *p = malloc(sizeof(size_t) * 2 + size);

	if (!p)
		return NULL;
	p[0] = size;
	c->allocs++;
	c->live += size;
	return p + 2; /* keeps 16-byte alignment */
}

static inline void count_free(void *ptr, void *ctx)
{
	struct count_mem *c = ctx;
	size_t *p = (size_t *)ptr - 2;

	c->frees++;
	c->live -= p[0];
	free(p);
}

static inline struct sylk_mem count_mem_hook(struct count_mem *c)
{
	struct sylk_mem m = {.alloc = count_alloc, .free = count_free, .ctx = c};

	return m;
}

#endif
