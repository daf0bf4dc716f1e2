/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: XCAP resource-lists and pres-rules documents a SIP
 * client PUT (sylk_ws/contacts/addressbook), read as the gateway reads them.
 *
 * Oracle beyond "no crash, no leak": what was read is written again and
 * reads back to the same address book (every accepted entry survives the
 * round trip). */
#include <stdint.h>
#include <stdlib.h>

#include "sylk_ws/contacts/addressbook.h"

static void round_trip(json_object *ab)
{
	json_object *back = ab_new();
	char *lists = NULL, *rules = NULL;
	size_t n1 = 0, n2 = 0;

	if (ab_write_lists(ab, &lists, &n1) != 0 || ab_write_rules(ab, &rules, &n2) != 0)
		abort();
	if (ab_read_lists(back, lists, n1) != 0 || ab_read_rules(back, rules, n2) != 0)
		abort();
	if (!json_object_equal(ab, back))
		abort();
	free(lists);
	free(rules);
	json_object_put(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_object *ab = ab_new();
	int a = ab_read_lists(ab, (const char *)data, size);
	int b = ab_read_rules(ab, (const char *)data, size);

	if (a == 0 || b == 0)
		round_trip(ab);
	json_object_put(ab);
	return 0;
}
