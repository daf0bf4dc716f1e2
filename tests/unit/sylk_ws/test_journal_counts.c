/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <stdio.h>

#include "check.h"
#include "sylk_ws/im/journal_counts.h"

static void test_bounds(void)
{
	struct journal_counts *c = NULL;

	CHECK_INT(journal_counts_alloc(&c, 0), EINVAL);
	CHECK_INT(journal_counts_alloc(&c, 8), 0);
	CHECK_INT(journal_counts_get(c, "bob@sylk.test"), -1);
	/* a row added for an account never counted changes nothing */
	journal_counts_added(c, "bob@sylk.test");
	CHECK_INT(journal_counts_get(c, "bob@sylk.test"), -1);
	CHECK_INT(journal_counts_set(c, "bob@sylk.test", 3), 0);
	journal_counts_added(c, "bob@sylk.test");
	CHECK_INT(journal_counts_get(c, "bob@sylk.test"), 4);
	/* accounts are the journal's exact strings */
	CHECK_INT(journal_counts_get(c, "Bob@sylk.test"), -1);
	CHECK_INT(journal_counts_set(c, "bob@sylk.test", 0), 0);
	CHECK_INT(journal_counts_get(c, "bob@sylk.test"), 0);
	CHECK_INT(journal_counts_size(c), 1);
	journal_counts_free(c);
}

static void test_full_table_starts_over(void)
{
	struct journal_counts *c = NULL;
	char name[32];

	CHECK_INT(journal_counts_alloc(&c, 4), 0);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "u%d@sylk.test", i);
		CHECK_INT(journal_counts_set(c, name, i), 0);
	}
	CHECK_INT(journal_counts_size(c), 4);
	CHECK_INT(journal_counts_get(c, "u3@sylk.test"), 3);
	CHECK_INT(journal_counts_set(c, "u4@sylk.test", 7), 0);
	CHECK_INT(journal_counts_size(c), 1);
	CHECK_INT(journal_counts_get(c, "u3@sylk.test"), -1);
	CHECK_INT(journal_counts_get(c, "u4@sylk.test"), 7);
	journal_counts_free(c);
	journal_counts_free(NULL);
}

int main(void)
{
	RUN(test_bounds);
	RUN(test_full_table_starts_over);
	return check_summary();
}
