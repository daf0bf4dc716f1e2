/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: PIDF bodies of NOTIFYs (sylk_ws/contacts/pidf).
 *
 * Oracles beyond "no crash, no leak": parsed fields are terminated, and a
 * document built from what was read parses back to the same status and
 * note. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/contacts/pidf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pidf_status st, back;
	char *xml = NULL;
	size_t len = 0;

	if (pidf_parse(&st, (const char *)data, size) != 0)
		return 0;
	if (!memchr(st.entity, 0, sizeof(st.entity)) || !memchr(st.note, 0, sizeof(st.note)) ||
	    !memchr(st.activity, 0, sizeof(st.activity)))
		abort();
	if (st.basic == PIDF_UNKNOWN || pidf_build(&xml, &len, st.entity[0] ? st.entity : "sip:x@y",
						   "t", st.basic == PIDF_OPEN, st.note) != 0)
		return 0;
	if (pidf_parse(&back, xml, len) != 0 || back.basic != st.basic)
		abort();
	free(xml);
	return 0;
}
