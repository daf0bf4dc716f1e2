/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file journal_counts.h  Upper bounds of each account's stored incoming
 *                         messages, so the journal's cap is not counted anew
 *                         for every message
 *
 * An account may hold at most max_stored_messages rows that others'
 * MESSAGEs brought. Counting them in the database on every MESSAGE costs
 * what the account holds (an index range of up to the cap). The journal
 * writer is the only process that adds such rows; others only remove
 * them (a removed message or conversation, the retention purge). So a
 * count the writer read once and raised by one for each row it added is
 * an upper bound of the truth: while it is under the cap, the account is
 * under the cap. Only a bound at the cap needs the database's count.
 *
 * The table holds at most max_accounts accounts; when it is full it
 * starts over empty (each account is counted again on its next message).
 */
#ifndef SYLK_IM_JOURNAL_COUNTS_H
#define SYLK_IM_JOURNAL_COUNTS_H

#include <stddef.h>

struct journal_counts;

/** @return 0, EINVAL (max_accounts 0), ENOMEM */
int journal_counts_alloc(struct journal_counts **out, size_t max_accounts);
void journal_counts_free(struct journal_counts *c);

/** The bound known for @p account (ASCII case kept), or -1. */
long long journal_counts_get(const struct journal_counts *c, const char *account);

/** Sets the bound of @p account (a count just read). @return 0, ENOMEM */
int journal_counts_set(struct journal_counts *c, const char *account, long long n);

/** One more row for @p account, if its bound is known. */
void journal_counts_added(struct journal_counts *c, const char *account);

/** Accounts known now. */
size_t journal_counts_size(const struct journal_counts *c);

#endif
