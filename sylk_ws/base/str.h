/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file str.h  Small string helpers: copies, comma-separated lists, URL
 *              path segments
 */
#ifndef SYLK_BASE_STR_H
#define SYLK_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>

/**
 * A NUL-terminated malloc'd copy of @p n bytes of @p s into *@p dst (the
 * bytes may contain no NUL; @p s may be NULL when @p n is 0).
 * @return 0, EINVAL, ENOMEM (*@p dst untouched on failure)
 */
int str_dupn(char **dst, const char *s, size_t n);

/** str_dupn() of a NUL-terminated string. */
int str_dup(char **dst, const char *s);

/**
 * Comma-separated lists, as in the modules' parameters (sip_domains,
 * persistent_rooms, allow_users, ...): items are separated by ',', each
 * trimmed of spaces and tabs on both sides; empty items are skipped.
 *
 * Iterate: *@p cursor starts at the list (NULL is an empty list). Each call
 * gives the next non-empty item as @p item / @p len (not NUL-terminated)
 * and returns true, or returns false at the end.
 */
bool str_list_next(const char **cursor, const char **item, size_t *len);

/** True if @p list has an item equal to @p s / @p n, ignoring ASCII case. */
bool str_list_has_n(const char *list, const char *s, size_t n);

/** str_list_has_n() of a NUL-terminated @p s. */
bool str_list_has(const char *list, const char *s);

/**
 * Percent-decodes the @p n bytes of one URL path segment into @p out
 * (NUL-terminated). Control characters (decoded or not, NUL included) are
 * refused, so the result is a C string that means what it shows.
 * @return 0, EINVAL (a bad %-escape, a control character, empty),
 *         ENAMETOOLONG (does not fit @p size)
 */
int str_pct_segment(const char *s, size_t n, char *out, size_t size);

/**
 * One line of text read from the network, from @p p up to @p end: the
 * length of its content (without the LF and a CR before it) in *@p content
 * and where the next line starts in *@p next.
 * @return false when no LF came before @p end (the line did not arrive whole)
 */
bool str_line(const char *p, const char *end, size_t *content, const char **next);

/** True if @p s / @p n holds a control byte other than HT (NUL and DEL
 *  included): text that must not be copied into a header line. */
bool str_has_ctl(const char *s, size_t n);

/**
 * True if @p a / @p alen and @p b / @p blen are the same bytes, in a time
 * that depends on the lengths only: for comparing a secret with what a
 * request carries, which must not tell how much of a guess was right.
 */
bool str_equal_secret(const char *a, size_t alen, const char *b, size_t blen);

/** Where str_hash_fold() starts (FNV-1a's offset basis). */
#define STR_HASH_INIT 2166136261u

/**
 * Folds @p s into the FNV-1a hash @p h, ASCII case ignored, so that keys
 * that compare equal with strcasecmp() hash alike (addresses, JIDs).
 */
unsigned str_hash_fold(unsigned h, const char *s);

#endif
