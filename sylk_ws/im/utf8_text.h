/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "text" of MSRP and CPIM headers and of chat: well-formed UTF-8 (RFC 3629: no
 * overlongs, surrogates or code points above U+10FFFF) with no control
 * characters other than HTAB. */
#ifndef SYLK_IM_UTF8_TEXT_H
#define SYLK_IM_UTF8_TEXT_H

#include <stdbool.h>
#include <stddef.h>

bool utf8_text_valid(const void *text, size_t len);

#endif
