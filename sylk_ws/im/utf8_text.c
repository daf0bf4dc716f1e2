/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "text" of MSRP and CPIM headers and of chat: see utf8_text.h. */
#include <stdint.h>

#include "sylk_ws/base/utf8.h"
#include "sylk_ws/im/utf8_text.h"

bool utf8_text_valid(const void *text, size_t len)
{
	const uint8_t *s = text;

	for (size_t i = 0; i < len; i++)
		if ((s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return false;
	return utf8_valid(text, len);
}
