/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: the envelope of the video-room relay between cluster
 * nodes (what a node takes from its cluster socket).
 *
 * Beyond "no crash, no leak": a refused envelope always has a reason; an
 * accepted one has a valid node, 1 to RELAY_ITEMS_MAX items whose fields
 * fit their kind and limits, single-line names, and it encodes again into
 * an envelope that decodes to the same items. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/base/utf8.h"
#include "sylk_ws/cluster/relay_envelope.h"

#define ASSERT(cond)                      \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

static void check_name(const char *s)
{
	if (!s)
		return;
	ASSERT(strlen(s) <= RELAY_NAME_MAX);
	ASSERT(!strchr(s, '\r') && !strchr(s, '\n'));
	ASSERT(utf8_valid(s, strlen(s)));
}

static int same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static void check_item(const struct relay_item *it)
{
	ASSERT(it->kind >= RELAY_REQUEST && it->kind <= RELAY_INVITE);
	ASSERT(it->conn >= 0);
	check_name(it->account);
	check_name(it->display_name);
	if (it->kind == RELAY_INVITE)
		ASSERT(it->account && it->account[0]);
	if (it->kind == RELAY_REQUEST || it->kind == RELAY_EVENT || it->kind == RELAY_INVITE) {
		ASSERT(it->text && it->text[0] && strlen(it->text) <= RELAY_TEXT_MAX);
		ASSERT(utf8_valid(it->text, strlen(it->text)));
	} else
		ASSERT(!it->text);
	if (it->kind == RELAY_REQUEST)
		ASSERT(it->version == 1 || it->version == 2);
}

static void check_again(const struct relay_batch *b)
{
	struct relay_batch *again = NULL;
	char *text = NULL, why[128];
	int rc = relay_batch_encode(&text, b->node, b->items, b->count);

	if (rc == ENOMEM)
		return;
	ASSERT(rc == 0);
	rc = relay_batch_decode(&again, text, strlen(text), why, sizeof(why));
	ASSERT(rc == 0 || rc == ENOMEM);
	if (rc == 0) {
		ASSERT(strcmp(again->node, b->node) == 0 && again->count == b->count);
		for (size_t i = 0; i < b->count; i++) {
			const struct relay_item *x = &b->items[i], *y = &again->items[i];

			ASSERT(x->kind == y->kind && x->conn == y->conn);
			ASSERT(same(x->text, y->text));
			if (x->kind == RELAY_REQUEST)
				ASSERT(x->version == y->version && same(x->account, y->account) &&
				       same(x->display_name, y->display_name));
			if (x->kind == RELAY_INVITE)
				ASSERT(same(x->account, y->account));
		}
	}
	relay_batch_free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct relay_batch *b = NULL;
	char why[128];
	int rc = relay_batch_decode(&b, (const char *)data, size, why, sizeof(why));

	if (rc != 0) {
		ASSERT(!b);
		ASSERT(rc == EBADMSG || rc == ENOMEM);
		if (rc == EBADMSG)
			ASSERT(why[0]);
		return 0;
	}
	ASSERT(b && relay_node_valid(b->node));
	ASSERT(b->count >= 1 && b->count <= RELAY_ITEMS_MAX);
	for (size_t i = 0; i < b->count; i++)
		check_item(&b->items[i]);
	check_again(b);
	relay_batch_free(b);
	return 0;
}
