/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: CPIM parsing and writing, is-composing documents.
 *
 * Oracles beyond "no crash, no leak": a parsed CPIM message that can be
 * written parses back, and writing that again gives the same bytes; an
 * is-composing document read and rebuilt reads back the same. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/iscomposing.h"

static void check_iscomposing(const uint8_t *data, size_t size)
{
	struct iscomposing *ic = NULL, *back = NULL;
	char *doc = NULL;
	size_t len = 0;
	int err;

	if (iscomposing_parse(&ic, data, size))
		return;
	err = iscomposing_build(&doc, &len, ic->active, ic->content_type, ic->refresh,
				ic->last_active);
	if (err == 0) {
		if (iscomposing_parse(&back, doc, len))
			abort();
		if (back->active != ic->active || back->refresh != ic->refresh ||
		    !back->content_type != !ic->content_type ||
		    !back->last_active != !ic->last_active)
			abort();
		iscomposing_free(back);
		free(doc);
	} else if (err != EINVAL) {
		abort();
	}
	iscomposing_free(ic);
}

static void check_cpim(const uint8_t *data, size_t size)
{
	struct cpim_msg *m = NULL, *again = NULL;
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0, i;
	int err;

	if (cpim_parse(&m, data, size))
		return;

	/* the lookups must cope with whatever was parsed */
	cpim_msg_header(m, CPIM_NS_IMDN, "Message-ID");
	cpim_msg_header(m, CPIM_NS_AGP, "Message-Type");
	cpim_msg_header(m, NULL, "Subject");
	cpim_msg_mime_header(m, "Content-Type");
	for (i = 0; i < m->header_n; i++)
		cpim_msg_header_ns(m, &m->headers[i]);
	if (m->datetime)
		cpim_datetime_valid(m->datetime);
	cpim_is_content_type(m->content_type);

	err = cpim_encode(m, &out, &len);
	if (err == 0) {
		if (cpim_parse(&again, out, len))
			abort();
		if (cpim_encode(again, &out2, &len2))
			abort();
		if (len != len2 || memcmp(out, out2, len) != 0)
			abort();
		if (again->to_n != m->to_n || again->body_len != m->body_len ||
		    again->header_n != m->header_n)
			abort();
		cpim_msg_free(again);
		free(out);
		free(out2);
	} else if (err != EINVAL) {
		abort();
	}

	if (m->body && iscomposing_is_content_type(m->content_type))
		check_iscomposing(m->body, m->body_len);
	cpim_msg_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_cpim(data, size);
	check_iscomposing(data, size);
	return 0;
}
