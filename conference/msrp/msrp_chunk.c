/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP chunk reassembly and splitting (RFC 4975 sections 5.1, 7.1.1, 7.3.1). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conference/msrp/msrp_chunk.h"
#include "sylk_ws/base/str.h"

/* Bytes [a, b] (1-based, inclusive) received. */
struct piece {
	uint64_t a, b;
};

struct pending {
	char *message_id;
	char *content_type;
	uint8_t *data;
	size_t cap;
	uint64_t total;     /* from Byte-Range, or MSRP_BR_UNKNOWN */
	uint64_t final_end; /* last byte per the '$' chunk, or MSRP_BR_UNKNOWN */
	struct piece *piecev;
	size_t piece_n;
};

struct msrp_reasm {
	size_t max_size;
	size_t max_pending;
	struct pending **pendv;
	size_t pend_n;
};

void msrp_chunk_msg_free(struct msrp_chunk_msg *m)
{
	if (!m)
		return;
	free(m->message_id);
	free(m->content_type);
	free(m->body);
	free(m);
}

static void pending_free(struct pending *pd)
{
	if (!pd)
		return;
	free(pd->message_id);
	free(pd->content_type);
	free(pd->data);
	free(pd->piecev);
	free(pd);
}

int msrp_reasm_alloc(struct msrp_reasm **rp, size_t max_size, size_t max_pending)
{
	struct msrp_reasm *r;

	if (!rp || !max_size || !max_pending)
		return EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return ENOMEM;
	r->max_size = max_size;
	r->max_pending = max_pending;
	*rp = r;
	return 0;
}

void msrp_reasm_free(struct msrp_reasm *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->pend_n; i++)
		pending_free(r->pendv[i]);
	free(r->pendv);
	free(r);
}

static size_t find(const struct msrp_reasm *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->pend_n; i++) {
		if (strcmp(r->pendv[i]->message_id, id) == 0)
			return i;
	}
	return (size_t)-1;
}

static void remove_at(struct msrp_reasm *r, size_t i)
{
	pending_free(r->pendv[i]);
	r->pendv[i] = r->pendv[--r->pend_n];
}

bool msrp_reasm_drop(struct msrp_reasm *r, const char *message_id)
{
	size_t i;

	if (!r || !message_id)
		return false;
	i = find(r, message_id);
	if (i == (size_t)-1)
		return false;
	remove_at(r, i);
	return true;
}

size_t msrp_reasm_pending(const struct msrp_reasm *r)
{
	return r ? r->pend_n : 0;
}

bool msrp_reasm_progress(const struct msrp_reasm *r, const char *message_id, uint64_t *contiguous,
			 uint64_t *total)
{
	const struct pending *pd;
	size_t i;

	if (!r || !message_id)
		return false;
	i = find(r, message_id);
	if (i == (size_t)-1)
		return false;
	pd = r->pendv[i];
	if (contiguous)
		*contiguous = (pd->piece_n && pd->piecev[0].a == 1) ? pd->piecev[0].b : 0;
	if (total)
		*total = pd->total;
	return true;
}

/* Record [a, b] keeping pieces sorted and merged (touching ones too). */
static int add_piece(struct pending *pd, uint64_t a, uint64_t b)
{
	size_t i = 0, j;
	struct piece *v;

	while (i < pd->piece_n && pd->piecev[i].b + 1 < a)
		i++;
	/* pieces i..j-1 overlap or touch [a, b] */
	j = i;
	while (j < pd->piece_n && pd->piecev[j].a <= b + 1) {
		if (pd->piecev[j].a < a)
			a = pd->piecev[j].a;
		if (pd->piecev[j].b > b)
			b = pd->piecev[j].b;
		j++;
	}
	if (j > i) {
		pd->piecev[i].a = a;
		pd->piecev[i].b = b;
		memmove(pd->piecev + i + 1, pd->piecev + j, (pd->piece_n - j) * sizeof(*v));
		pd->piece_n -= j - i - 1;
		return 0;
	}
	if (pd->piece_n >= MSRP_REASM_MAX_PIECES)
		return EBADMSG;
	v = realloc(pd->piecev, (pd->piece_n + 1) * sizeof(*v));
	if (!v)
		return ENOMEM;
	pd->piecev = v;
	memmove(v + i + 1, v + i, (pd->piece_n - i) * sizeof(*v));
	v[i].a = a;
	v[i].b = b;
	pd->piece_n++;
	return 0;
}

static uint64_t final_size(const struct pending *pd)
{
	return pd->total != MSRP_BR_UNKNOWN ? pd->total : pd->final_end;
}

static bool complete(const struct pending *pd)
{
	uint64_t fin = final_size(pd);

	if (fin == MSRP_BR_UNKNOWN)
		return false;
	if (fin == 0)
		return true;
	return pd->piece_n && pd->piecev[0].a == 1 && pd->piecev[0].b >= fin;
}

/* Hand the pending message out as a msrp_chunk_msg. */
static int finish(struct pending *pd, struct msrp_chunk_msg **donep)
{
	struct msrp_chunk_msg *m = calloc(1, sizeof(*m));
	size_t len = (size_t)final_size(pd);
	uint8_t *body;

	if (!m)
		return ENOMEM;
	body = realloc(pd->data, len + 1);
	if (!body) {
		free(m);
		return ENOMEM;
	}
	pd->data = NULL;
	body[len] = '\0';
	m->body = body;
	m->len = len;
	m->message_id = pd->message_id;
	m->content_type = pd->content_type;
	pd->message_id = NULL;
	pd->content_type = NULL;
	*donep = m;
	return 0;
}

int msrp_reasm_add(struct msrp_reasm *r, const struct msrp_message *send,
		   struct msrp_chunk_msg **donep)
{
	struct pending *pd, tmp;
	uint64_t start, end, total;
	size_t idx;
	int err;

	if (!r || !send || !donep || send->kind != MSRP_REQUEST ||
	    send->method != MSRP_METHOD_SEND || !send->message_id ||
	    (send->body_len && !send->body))
		return EINVAL;
	*donep = NULL;

	idx = find(r, send->message_id);
	pd = idx == (size_t)-1 ? NULL : r->pendv[idx];

	if (send->cont == MSRP_CONT_ABORT) {
		if (pd)
			remove_at(r, idx);
		return ECANCELED;
	}

	start = send->has_byte_range ? send->byte_range.start : 1;
	total = send->has_byte_range ? send->byte_range.total : MSRP_BR_UNKNOWN;
	/* the body length wins over range-end: an interrupted chunk stops
	 * short of the end its header announced */
	if (start < 1 || start - 1 > UINT64_MAX / 2 - send->body_len) {
		err = EBADMSG;
		goto drop;
	}
	end = start - 1 + send->body_len;

	if (total != MSRP_BR_UNKNOWN && total > r->max_size) {
		err = EFBIG;
		goto drop;
	}
	if (end > r->max_size) {
		err = EFBIG;
		goto drop;
	}
	if (total != MSRP_BR_UNKNOWN && end > total) {
		err = EBADMSG;
		goto drop;
	}
	if (pd && total != MSRP_BR_UNKNOWN && pd->total != MSRP_BR_UNKNOWN && pd->total != total) {
		err = EBADMSG;
		goto drop;
	}
	if (pd && pd->final_end != MSRP_BR_UNKNOWN && end > pd->final_end) {
		err = EBADMSG;
		goto drop;
	}
	if (send->cont == MSRP_CONT_END && total != MSRP_BR_UNKNOWN && end != total) {
		/* a last chunk that stops short of the total */
		err = EBADMSG;
		goto drop;
	}

	/* a message in a single chunk needs no pending state */
	if (!pd && start == 1 && send->cont == MSRP_CONT_END) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.total = end;
		tmp.data = malloc(send->body_len + 1);
		if (!tmp.data)
			return ENOMEM;
		if (send->body_len)
			memcpy(tmp.data, send->body, send->body_len);
		if (str_dup(&tmp.message_id, send->message_id) ||
		    (send->content_type && str_dup(&tmp.content_type, send->content_type))) {
			free(tmp.data);
			free(tmp.message_id);
			free(tmp.content_type);
			return ENOMEM;
		}
		err = finish(&tmp, donep);
		free(tmp.data);
		free(tmp.message_id);
		free(tmp.content_type);
		return err;
	}

	if (!pd) {
		struct pending **v;

		if (r->pend_n >= r->max_pending)
			return ENOSPC;
		pd = calloc(1, sizeof(*pd));
		if (!pd)
			return ENOMEM;
		pd->total = MSRP_BR_UNKNOWN;
		pd->final_end = MSRP_BR_UNKNOWN;
		pd->message_id = strdup(send->message_id);
		v = realloc(r->pendv, (r->pend_n + 1) * sizeof(*v));
		if (!pd->message_id || !v) {
			if (v)
				r->pendv = v;
			pending_free(pd);
			return ENOMEM;
		}
		r->pendv = v;
		idx = r->pend_n++;
		v[idx] = pd;
	}

	if (total != MSRP_BR_UNKNOWN)
		pd->total = total;
	if (!pd->content_type && send->content_type) {
		pd->content_type = strdup(send->content_type);
		if (!pd->content_type) {
			err = ENOMEM;
			goto drop;
		}
	}
	if (send->cont == MSRP_CONT_END) {
		/* nothing already received may lie past the last chunk */
		if (pd->piece_n && pd->piecev[pd->piece_n - 1].b > end) {
			err = EBADMSG;
			goto drop;
		}
		pd->final_end = end;
	}

	if (send->body_len) {
		if (end > pd->cap) {
			/* grow geometrically, never past the known size */
			size_t cap = pd->cap ? pd->cap : 1024;
			uint8_t *d;

			while (cap < end)
				cap *= 2;
			if (pd->total != MSRP_BR_UNKNOWN && cap > pd->total)
				cap = (size_t)pd->total;
			if (cap > r->max_size)
				cap = r->max_size;
			if (cap < end)
				cap = (size_t)end;
			d = realloc(pd->data, cap);
			if (!d) {
				err = ENOMEM;
				goto drop;
			}
			pd->data = d;
			pd->cap = cap;
		}
		memcpy(pd->data + start - 1, send->body, send->body_len);
		err = add_piece(pd, start, end);
		if (err)
			goto drop;
	}

	if (!complete(pd))
		return 0;
	err = finish(pd, donep);
	remove_at(r, idx);
	return err;

drop:
	if (pd)
		remove_at(r, idx);
	return err;
}

void msrp_chunker_init(struct msrp_chunker *c, size_t total, size_t chunk_size)
{
	if (!c)
		return;
	c->total = total;
	c->chunk_size = chunk_size ? chunk_size : total;
	c->off = 0;
	c->done = false;
}

bool msrp_chunker_next(struct msrp_chunker *c, size_t *off, size_t *len, struct msrp_byte_range *br,
		       enum msrp_cont *cont)
{
	size_t n;

	if (!c || c->done)
		return false;
	n = c->total - c->off;
	if (n > c->chunk_size)
		n = c->chunk_size;
	if (off)
		*off = c->off;
	if (len)
		*len = n;
	if (br) {
		br->start = (uint64_t)c->off + 1;
		br->end = (uint64_t)c->off + n;
		br->total = c->total;
	}
	c->off += n;
	c->done = c->off >= c->total;
	if (cont)
		*cont = c->done ? MSRP_CONT_END : MSRP_CONT_MORE;
	return true;
}
