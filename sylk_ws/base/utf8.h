/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file utf8.h  Strict UTF-8 validation (RFC 3629, Unicode table 3-7)
 *
 * WebSocket text messages and close reasons must be valid UTF-8 (RFC 6455
 * 5.6, 8.1). "Valid" here is the strict definition: no overlong forms, no
 * UTF-16 surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no bytes
 * C0, C1, F5..FF. Noncharacters such as U+FFFE are valid scalar values and
 * are accepted.
 *
 * The incremental API exists because a text message may be split across
 * frames at any byte, including inside a character, and RFC 6455 8.1 asks
 * the endpoint to fail the connection as soon as it sees invalid data rather
 * than after reassembly. Every byte is judged the moment it arrives: a
 * sequence that can no longer become valid (E0 80, ED A0, F4 90, ...) is
 * rejected at its second byte.
 *
 * No allocation, no globals; the state is a small value the caller owns.
 */
#ifndef SYLK_BASE_UTF8_H
#define SYLK_BASE_UTF8_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Results of utf8_feed() / utf8_finish(), errno values as everywhere in
 * the libraries:
 *   0       valid so far and at a character boundary
 *   EAGAIN  valid so far, but inside a multi-byte character (more needed)
 *   EILSEQ  invalid; sticky until utf8_init()
 */

/**
 * Incremental validator state. Treat the fields as private; the struct is
 * public only so that it can be embedded without allocation.
 */
struct utf8_state {
	uint8_t need; /* continuation bytes still expected, or UTF8_BAD */
	uint8_t lo;   /* inclusive bounds for the next continuation byte */
	uint8_t hi;
};

/** Reset @p st to "nothing seen yet". */
void utf8_init(struct utf8_state *st);

/**
 * Validate the next @p len bytes of a stream.
 *
 * @param st    State from utf8_init() or earlier utf8_feed() calls
 * @param data  Bytes (may be NULL when @p len is 0)
 * @param len   Number of bytes
 *
 * @return 0, EAGAIN or EILSEQ (see above). Once EILSEQ has been
 *         returned every later call returns it.
 */
int utf8_feed(struct utf8_state *st, const void *data, size_t len);

/**
 * Judge the end of the stream: 0 if it ended on a character boundary,
 * EILSEQ if it was invalid or stopped inside a character.
 */
int utf8_finish(const struct utf8_state *st);

/** One-shot check of a complete buffer. */
bool utf8_valid(const void *data, size_t len);

/** Characters (code points) of @p len bytes of valid UTF-8: the bytes
 * that start one. */
size_t utf8_chars(const void *data, size_t len);

/**
 * Decode the one sequence at the start of @p data (strictly, as above).
 *
 * @return its length (1..4) with the code point in *@p cp (if not NULL),
 *         or 0 if @p len is 0 or the bytes are not a complete valid
 *         sequence (a caller repairing text replaces one byte and moves on)
 */
size_t utf8_decode(const void *data, size_t len, uint32_t *cp);

/** Longest sequence utf8_encode() writes. */
#define UTF8_MAX_SEQ 4

/**
 * Encode one code point into @p out (at least UTF8_MAX_SEQ bytes).
 * A surrogate or a value past U+10FFFF has no UTF-8 form and is written as
 * U+FFFD, so the output is always valid UTF-8.
 *
 * @return the number of bytes written (1..4)
 */
size_t utf8_encode(char *out, uint32_t cp);

#endif
