#include <stdint.h>
#include "conference/utf8_text.h"

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (n >= 2 && (s[1] & 0xc0) == 0x80) ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80
		    || (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

bool utf8_text_valid(const void *text, size_t len)
{
	const uint8_t *s = text;
	size_t i = 0;

	while (i < len) {
		size_t l;

		if (s[i] == '\t' || (s[i] >= 0x20 && s[i] < 0x7f)) {
			i++;
			continue;
		}
		if (s[i] < 0x80)
			return false;
		l = utf8_seq(s + i, len - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}
