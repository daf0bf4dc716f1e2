/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a SEND in a private chat session becomes: see chat_session.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conference/room/chat_room.h"
#include "conference/room/chat_session.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/utf8_text.h"

static int status(struct chat_session_msg *out, int code, const char *reason)
{
	out->status = code;
	out->reason = reason;
	return 0;
}

/* @p ct is @p type, with any case and parameters */
static bool type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (ct && (*ct == ' ' || *ct == '\t'))
		ct++;
	return ct && strncasecmp(ct, type, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ' || ct[n] == '\t');
}

/* what the other side has a counterpart for (XMPP: body, receipts, chat
 * states) */
static bool carried(const char *ct)
{
	return type_is(ct, "text/plain") || type_is(ct, "message/imdn+xml") ||
	       type_is(ct, "application/im-iscomposing+xml");
}

/* text/plain wrapped: From the user, To the peer */
static int wrap_text(const char *user_uri, const char *peer_uri, const void *body, size_t len,
		     const char *message_id, struct chat_session_msg *out)
{
	struct cpim_chat c = {
		.from_uri = user_uri, .to_uri = peer_uri, .content_type = "text/plain"};
	char *text;
	int err;

	if (!utf8_text_valid(body, len) || memchr(body, '\0', len))
		return status(out, 400, "text is not UTF-8");
	text = malloc(len + 1);
	if (!text)
		return ENOMEM;
	memcpy(text, body, len);
	text[len] = '\0';
	c.content = text;
	c.message_id = message_id && *message_id ? message_id : "-";
	err = cpim_chat_encode(&out->cpim, &out->len, &c);
	free(text);
	if (err == EINVAL)
		return status(out, 400, "cannot be carried");
	return err ? err : status(out, 200, "text");
}

/* message/cpim: the user's own, for the peer */
static int check_cpim(const char *user_uri, const char *peer_uri, const void *body, size_t len,
		      struct chat_session_msg *out)
{
	struct cpim_msg *m = NULL;
	int err = cpim_parse(&m, body, len);

	if (err == ENOMEM)
		return ENOMEM;
	if (err)
		return status(out, 400, "undecodable CPIM");
	if (!m->has_from)
		err = status(out, 400, "CPIM From missing");
	else if (!chat_uri_equal(m->from.uri, user_uri))
		err = status(out, 403, "CPIM From is not the sender");
	else if (m->to_n > 1 || (m->to_n == 1 && !chat_uri_equal(m->to[0].uri, peer_uri)))
		err = status(out, 403, "CPIM To is not the peer of this session");
	else if (!carried(m->content_type))
		err = status(out, 415, "only text/plain, IMDN and is-composing in CPIM");
	else if (!(out->cpim = malloc(len + 1)))
		err = ENOMEM;
	else {
		memcpy(out->cpim, body, len);
		out->cpim[len] = '\0';
		out->len = len;
		err = status(out, 200, "cpim");
	}
	cpim_msg_free(m);
	return err;
}

int chat_session_route(const char *user_uri, const char *peer_uri, const char *content_type,
		       const void *body, size_t len, const char *message_id,
		       struct chat_session_msg *out)
{
	if (!out)
		return EINVAL;
	memset(out, 0, sizeof(*out));
	if (!user_uri || !peer_uri || (!body && len))
		return EINVAL;
	if (len > CHAT_SESSION_MAX_MESSAGE)
		return status(out, 413, "message too large");
	if (cpim_is_content_type(content_type))
		return check_cpim(user_uri, peer_uri, body, len, out);
	if (type_is(content_type, "text/plain"))
		return wrap_text(user_uri, peer_uri, body, len, message_id, out);
	return status(out, 415, "only text/plain and message/cpim");
}

/* how much of @p text (UTF-8) fits in @p max bytes without cutting a character */
static size_t quote_len(const char *text, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)text[max] & 0xc0) == 0x80)
		max--;
	return max;
}

int chat_session_playback_reply(const char *user_uri, const char *peer_uri, const char *cpim,
				size_t len, char **out, size_t *outlen)
{
	struct cpim_msg *in = NULL, *m = NULL;
	char text[CHAT_SESSION_QUOTE_MAX + 128];
	const char *said;
	size_t n;
	int err;

	if (!user_uri || !peer_uri || !cpim || !out || !outlen)
		return EINVAL;
	*out = NULL;
	*outlen = 0;
	err = cpim_parse(&in, cpim, len);
	if (err)
		return err;
	if (!type_is(in->content_type, "text/plain")) {
		err = ENOENT;
		goto out;
	}
	said = in->body ? (const char *)in->body : "";
	n = quote_len(said, in->body ? in->body_len : 0, CHAT_SESSION_QUOTE_MAX);
	snprintf(text, sizeof(text),
		 "Playback service: you wrote \"%.*s%s\". I play a recording to "
		 "calls with audio, and hang up at its end.",
		 (int)n, said, n < in->body_len ? "..." : "");
	err = cpim_msg_alloc(&m);
	if (!err)
		err = cpim_msg_set_from(m, NULL, peer_uri);
	if (!err)
		err = cpim_msg_add_to(m, NULL, user_uri);
	if (!err)
		err = cpim_msg_set_datetime(m, NULL);
	if (!err)
		err = cpim_msg_set_content(m, "text/plain;charset=utf-8", text, strlen(text));
	if (!err)
		err = cpim_encode(m, out, outlen);
out:
	cpim_msg_free(m);
	cpim_msg_free(in);
	return err;
}
