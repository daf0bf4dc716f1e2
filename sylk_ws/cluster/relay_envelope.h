/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file relay_envelope.h  Video-room relay between cluster nodes
 *
 * A video room runs on one node, its home; a browser whose WebSocket is on
 * another node (the front) talks to it through that node. The nodes carry
 * the browser's requests and the events for it as SIP MESSAGEs between
 * their cluster sockets, with a body of this type:
 *
 *   {"sylk-relay":1,"node":"10.0.0.2:5090","items":[
 *     {"kind":"request","conn":17,"version":2,"account":"a@b","display_name":"A",
 *      "text":"{\"sylkrtc\":\"videoroom-join\",...}"},
 *     {"kind":"event","conn":17,"text":"{\"sylkrtc\":\"videoroom-event\",...}"},
 *     {"kind":"closed","conn":17},
 *     {"kind":"ping"},
 *     {"kind":"invite","conn":0,"account":"b@c","text":"{\"sylkrtc\":\"account-event\",...}"}]}
 *
 * "node" is the sender's cluster host:port (where answers go), "conn" a
 * connection id on the front node. Items are handled in their order; one
 * MESSAGE per node pair is in flight at a time, so the browser sees its
 * events in the order the home made them even over UDP.
 *
 * An "invite" item goes from a room's home to every other node (broadcast
 * over DMQ, not through the relay's queue): the conference-invite frame for
 * the invited account, which each node gives to that account's connections
 * it holds.
 */
#ifndef SYLK_CLUSTER_RELAY_ENVELOPE_H
#define SYLK_CLUSTER_RELAY_ENVELOPE_H

#include <stddef.h>

#define RELAY_CONTENT_TYPE "application/x-sylk-relay+json"
#define RELAY_NODE_SIZE 64      /* "host:port" and its NUL */
#define RELAY_ITEMS_MAX 256     /* items in one MESSAGE */
#define RELAY_TEXT_MAX 65536    /* bytes of one request or event */
#define RELAY_NAME_MAX 255      /* bytes of an account or display name */

enum relay_kind {
	RELAY_REQUEST = 1, /* front -> home: a browser's request */
	RELAY_EVENT,       /* home -> front: a frame for the browser */
	RELAY_CLOSED,      /* the connection is gone (either way) */
	RELAY_PING,        /* are you there (answered by the MESSAGE's 200) */
	RELAY_INVITE,      /* home -> every node: a frame for an account's connections */
};

struct relay_item {
	enum relay_kind kind;
	int conn;           /* the connection on the front node; 0 for a ping */
	int version;        /* REQUEST: its sylkRTC version, 1 or 2 */
	char *account;      /* REQUEST: the account the front vouches for, or NULL;
			     * INVITE: the invited account */
	char *display_name; /* REQUEST: optional */
	char *text;         /* REQUEST: the request's JSON; EVENT, INVITE: the frame */
};

struct relay_batch {
	char *node;
	size_t count;
	struct relay_item *items;
};

/** The kind's name in the envelope ("request", ...); "?" when unknown. */
const char *relay_kind_name(enum relay_kind kind);

/** Whether @p node is a plausible "host:port" (or "[v6]:port"). */
int relay_node_valid(const char *node);

/** What an item adds to an envelope, about: its strings and 64 for the
 *  keys (JSON escaping is left to the margin of the batch limit). */
size_t relay_item_bytes(const struct relay_item *it);

/** How many of the first @p n items go in one envelope of about
 *  @p max_bytes (relay_item_bytes()): at least one when @p n > 0, at most
 *  RELAY_ITEMS_MAX. */
size_t relay_items_fit(const struct relay_item *items, size_t n, size_t max_bytes);

/** The envelope of @p n items from @p node into *@p out (malloc'ed,
 *  NUL-terminated). 0, EINVAL (a bad node or item), ENOMEM. */
int relay_batch_encode(char **out, const char *node, const struct relay_item *items, size_t n);

/** Parses an envelope. 0 with *@p out (free with relay_batch_free()), or
 *  EBADMSG with a reason in @p why, or ENOMEM. */
int relay_batch_decode(struct relay_batch **out, const char *data, size_t len, char *why,
		       size_t why_size);

void relay_batch_free(struct relay_batch *b);

#endif
