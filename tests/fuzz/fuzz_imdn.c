/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: IMDN documents (RFC 5438).
 *
 * Oracles beyond "no crash, no leak": a parsed notification has terminated
 * fields, a message-id and a status its kind allows; it builds again unless
 * its datetime is no date-time (the one thing parsing tolerates and
 * building does not), and what is built parses back to the same fields. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/imdn.h"

static int same(const struct imdn *a, const struct imdn *b)
{
	return strcmp(a->message_id, b->message_id) == 0 && strcmp(a->datetime, b->datetime) == 0 &&
	       strcmp(a->recipient_uri, b->recipient_uri) == 0 &&
	       strcmp(a->original_recipient_uri, b->original_recipient_uri) == 0 &&
	       a->kind == b->kind && a->status == b->status;
}

static void check_parsed(const struct imdn *n)
{
	struct imdn back;
	char *xml = NULL;
	size_t len = 0;
	int err;

	if (!memchr(n->message_id, 0, sizeof(n->message_id)) || !n->message_id[0] ||
	    !memchr(n->datetime, 0, sizeof(n->datetime)) ||
	    !memchr(n->recipient_uri, 0, sizeof(n->recipient_uri)) ||
	    !memchr(n->original_recipient_uri, 0, sizeof(n->original_recipient_uri)) ||
	    !imdn_allowed(n->kind, n->status) || !imdn_status_name(n->status))
		abort();

	err = imdn_build(&xml, &len, n);
	if (err) {
		if (err != EINVAL || cpim_datetime_valid(n->datetime))
			abort();
		return;
	}
	if (strlen(xml) != len || imdn_parse(&back, xml, len) != 0 || !same(n, &back))
		abort();
	free(xml);
}

/* The name lookup on the input as a C string. */
static void check_name(const uint8_t *data, size_t size)
{
	enum imdn_status s;
	char name[16];

	if (size >= sizeof(name))
		return;
	memcpy(name, data, size);
	name[size] = '\0';
	if (imdn_status_from_name(name, &s) == 0 && strcmp(imdn_status_name(s), name) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imdn n;

	if (imdn_parse(&n, (const char *)data, size) == 0)
		check_parsed(&n);
	check_name(data, size);
	return 0;
}
