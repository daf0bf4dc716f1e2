/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtpengine "ng" control protocol messages (rtpengine 10.5).
 *
 * A datagram is a cookie, one space, and a bencoded dictionary; the reply
 * carries the same cookie. rtpengine caches replies by cookie and answers a
 * repeated cookie from the cache without acting on it, so every request
 * needs a cookie never used before -- including across a restart of our
 * server, which is why the cookie carries an instance value as well as the
 * process id and counter.
 */
#ifndef SYLK_WS_NG_MESSAGE_H
#define SYLK_WS_NG_MESSAGE_H

#include <stddef.h>
#include <stdint.h>

#include "sylk_ws/ng/bencode.h"

/* Errors: every function returns 0 or an errno value (sylk_ws/base/error.h,
 * sylk_strerror): EINVAL (bad argument: a cookie with a space, a bad
 * command), ENODATA (a request lacks a field its command needs), EBADMSG
 * (a reply that is not "<cookie> <dict>", or bad bencode), ENOMSG (the
 * reply's cookie is not the one we sent: a reply to another request),
 * EPROTO (the reply has no known "result"), EMSGSIZE and ENOMEM from the
 * bencode layer. */


/* ---- cookies ---------------------------------------------------------- */

/* "<instance>_<pid>_<counter>" in hex plus NUL fits in this. */
#define NG_COOKIE_SIZE 40

/* Writes the cookie for one request. Unique as long as no two live
 * processes share (instance, pid) and the counter never repeats; instance
 * should differ between server runs (start time, or random bits). */
int ng_cookie_format(char *buf, size_t size, uint32_t instance, uint32_t pid, uint64_t counter);

/* Per-process cookie source: one per process, not shared, so it needs no
 * lock. */
struct ng_cookie_gen {
	uint32_t instance;
	uint32_t pid;
	uint64_t counter;
};

void ng_cookie_gen_init(struct ng_cookie_gen *gen, uint32_t instance, uint32_t pid);
int ng_cookie_next(struct ng_cookie_gen *gen, char *buf, size_t size);


/* ---- requests --------------------------------------------------------- */

enum ng_cmd {
	NG_CMD_PING,
	NG_CMD_OFFER,
	NG_CMD_ANSWER,
	NG_CMD_DELETE,
	NG_CMD_QUERY,
	NG_CMD_PUBLISH,           /* SFU: a publisher's offer, answered */
	NG_CMD_SUBSCRIBE_REQUEST, /* SFU: an offer to receive from-tag's media */
	NG_CMD_SUBSCRIBE_ANSWER,  /* SFU: the subscriber's (to-tag) answer */
	NG_CMD_UNSUBSCRIBE,       /* SFU: ends the subscription to-tag */
	NG_CMD_PLAY_MEDIA,        /* plays a file to from-tag's leg */
};

const char *ng_cmd_name(enum ng_cmd cmd);

/* String lists are NULL-terminated arrays; NULL or an empty array leaves
 * the key out. */
struct ng_codec {
	const char *const *mask;
	const char *const *transcode;
	const char *const *accept;
};

/* Describes one request; NULL members are left out of the datagram.
 * Needed: offer call_id, from_tag, sdp; answer call_id, from_tag, to_tag,
 * sdp; delete and query call_id; ping nothing (everything else is
 * ignored); publish call_id, from_tag, sdp; subscribe request call_id,
 * from_tag (to_tag optional: rtpengine makes one up without it);
 * subscribe answer call_id, to_tag, sdp; unsubscribe call_id, to_tag;
 * play media call_id, from_tag, file. */
struct ng_request {
	enum ng_cmd cmd;
	const char *call_id;
	const char *from_tag;
	const char *to_tag;
	const char *sdp;
	size_t sdp_len;           /* 0: strlen(sdp) */
	const char *ice;          /* "ICE": remove, force, ... */
	const char *ice_lite;     /* "ICE-lite": forward, backward, both, off */
	const char *dtls;         /* "DTLS": off, passive, active */
	const char *dtls_reverse; /* "DTLS-reverse" */
	const char *transport_protocol;
	const char *const *sdes;     /* "SDES" list */
	const char *const *rtcp_mux; /* "rtcp-mux" list */
	const char *const *replace;
	const char *const *flags;
	struct ng_codec codec;
	const char *media_echo; /* "media echo": backwards, forwards, ... */
	const char *file;       /* play media: a file rtpengine can read */
};

/* Appends "<cookie> <dict>" to enc. Keys are written in sorted order, as
 * BEP 3 asks, although rtpengine would take any. */
int ng_request_encode(struct benc_enc *enc, const char *cookie, const struct ng_request *req);


/* ---- replies ---------------------------------------------------------- */

enum ng_result {
	NG_RESULT_OK,
	NG_RESULT_PONG,
	NG_RESULT_ERROR,
	NG_RESULT_LOAD_LIMIT,
};

/* A parsed reply. The strings point into the decoded document and are
 * NUL-terminated; dict gives access to any other member (query results). */
struct ng_reply {
	enum ng_result result;
	const char *error_reason; /* NULL if absent */
	const char *warning;      /* NULL if absent */
	const char *sdp;          /* NULL if absent */
	size_t sdp_len;
	const struct benc_node *dict;
	struct benc_doc *doc;
};

/* Finds the cookie of a datagram, for matching a reply to the request
 * waiting for it before parsing. */
int ng_reply_cookie(const void *buf, size_t len, const char **cookiep, size_t *cookie_lenp);

/* Parses a reply to the request sent with cookie. A reply with result
 * "error" parses fine: look at (*replyp)->result. */
int ng_reply_parse(struct ng_reply **replyp, const void *buf, size_t len, const char *cookie);
void ng_reply_free(struct ng_reply *reply);

/* From a "query" reply: the packets counted on any stream of any media of
 * the call leg with this tag, summed into *packets. Returns 0, EINVAL,
 * ENOENT (no such tag in the reply), EBADMSG (the leg has no "medias"
 * list). */
int ng_query_leg_packets(const struct ng_reply *reply, const char *tag, int64_t *packets);

#endif
