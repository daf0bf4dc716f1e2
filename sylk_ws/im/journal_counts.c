/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/base/str.h"
#include "sylk_ws/im/journal_counts.h"

struct count_entry {
	struct count_entry *next;
	long long n;
	char account[];
};

struct journal_counts {
	size_t max_accounts, size;
	size_t nbuckets; /* a power of two */
	struct count_entry **bucket;
};

/* accounts compare exactly (the journal's rows do), the hash only spreads */
static struct count_entry **slot_of(const struct journal_counts *c, const char *account)
{
	struct count_entry **pp =
		&c->bucket[str_hash_fold(STR_HASH_INIT, account) & (c->nbuckets - 1)];

	while (*pp && strcmp((*pp)->account, account) != 0)
		pp = &(*pp)->next;
	return pp;
}

static void clear(struct journal_counts *c)
{
	for (size_t i = 0; i < c->nbuckets; i++) {
		while (c->bucket[i]) {
			struct count_entry *e = c->bucket[i];

			c->bucket[i] = e->next;
			free(e);
		}
	}
	c->size = 0;
}

int journal_counts_alloc(struct journal_counts **out, size_t max_accounts)
{
	struct journal_counts *c;
	int err = 0;

	if (!out || !max_accounts)
		return EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return ENOMEM;
	c->max_accounts = max_accounts;
	c->nbuckets = 64;
	while (c->nbuckets < max_accounts && c->nbuckets < ((size_t)1 << 20))
		c->nbuckets <<= 1;
	c->bucket = calloc(c->nbuckets, sizeof(*c->bucket));
	if (!c->bucket) {
		err = ENOMEM;
		goto out;
	}
	*out = c;
	c = NULL;
out:
	free(c);
	return err;
}

void journal_counts_free(struct journal_counts *c)
{
	if (!c)
		return;
	clear(c);
	free(c->bucket);
	free(c);
}

long long journal_counts_get(const struct journal_counts *c, const char *account)
{
	struct count_entry *e = *slot_of(c, account);

	return e ? e->n : -1;
}

int journal_counts_set(struct journal_counts *c, const char *account, long long n)
{
	struct count_entry **pp = slot_of(c, account), *e;
	size_t len;

	if (*pp) {
		(*pp)->n = n;
		return 0;
	}
	if (c->size >= c->max_accounts) {
		clear(c);
		pp = slot_of(c, account);
	}
	len = strlen(account);
	e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return ENOMEM;
	memcpy(e->account, account, len + 1);
	e->n = n;
	e->next = NULL;
	*pp = e;
	c->size++;
	return 0;
}

void journal_counts_added(struct journal_counts *c, const char *account)
{
	struct count_entry *e = *slot_of(c, account);

	if (e)
		e->n++;
}

size_t journal_counts_size(const struct journal_counts *c)
{
	return c->size;
}
