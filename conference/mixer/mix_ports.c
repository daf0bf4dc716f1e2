/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mixers' port pool. */
#include <errno.h>
#include <string.h>

#include "conference/mixer/mix_ports.h"

static int first_even(const struct mix_ports *p)
{
	return (p->min + 1) & ~1;
}

size_t mix_ports_size(int min, int max)
{
	if (min < 1024 || max > 65535 || max - min + 1 < 4)
		return 0;
	return sizeof(struct mix_ports) + (size_t)(max - min + 1);
}

int mix_ports_init(struct mix_ports *p, int min, int max)
{
	size_t size = mix_ports_size(min, max);

	if (!p || !size)
		return EINVAL;
	memset(p, 0, size);
	p->min = min;
	p->max = max;
	p->next = first_even(p);
	return 0;
}

int mix_ports_alloc(struct mix_ports *p)
{
	int first = first_even(p), pairs = (p->max - first + 1) / 2;

	for (int i = 0; i < pairs; i++) {
		int port = p->next + 2 * i;

		if (port + 1 > p->max)
			port = first + (port - first) % (2 * pairs);
		if (!p->used[port - p->min]) {
			p->used[port - p->min] = 1;
			p->next = port + 2 + 1 > p->max ? first : port + 2;
			return port;
		}
	}
	return 0;
}

int mix_ports_free(struct mix_ports *p, int port)
{
	if (port < p->min || port > p->max)
		return ERANGE;
	if (!p->used[port - p->min])
		return EALREADY;
	p->used[port - p->min] = 0;
	return 0;
}

void mix_ports_count(const struct mix_ports *p, int *total, int *used)
{
	*total = *used = 0;
	for (int port = first_even(p); port + 1 <= p->max; port += 2) {
		(*total)++;
		if (p->used[port - p->min])
			(*used)++;
	}
}
