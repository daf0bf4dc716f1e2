/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A private one-to-one chat session of the focus (RFC 7573): one SIP user's
 * MSRP session bound to one peer outside MSRP (an XMPP user through the
 * XMPP gateway). What a SEND of the user becomes before it is handed to
 * the gateway:
 *
 *   text/plain                    a message/cpim From the user, To the peer,
 *                                 imdn.Message-ID the MSRP Message-ID
 *   message/cpim                  as sent, once its From is the user (the
 *                                 identity the INVITE proved), its To, when
 *                                 it has one, the peer, and its content
 *                                 text/plain, an IMDN or is-composing
 *   anything else                 refused (415)
 *
 * Kamailio-free: libc and the CPIM parser. */
#ifndef CONFERENCE_CHAT_SESSION_H
#define CONFERENCE_CHAT_SESSION_H

#include <stddef.h>

/* the largest text a session carries in one message */
#define CHAT_SESSION_MAX_MESSAGE (64 * 1024)

struct chat_session_msg {
	/* MSRP status for the sender: 200; 400 undecodable CPIM, no From, text
	 * that is not UTF-8; 403 From is not the user, To is not the peer;
	 * 413 larger than CHAT_SESSION_MAX_MESSAGE; 415 content type (outside
	 * or inside the CPIM) */
	int status;
	const char *reason; /* static text for logs and the MSRP comment */
	char *cpim;         /* 200: message/cpim to hand over, malloc'd, NUL-terminated */
	size_t len;
};

/* Decide on one complete SEND body of @p user_uri in its session with
 * @p peer_uri. @p message_id: the SEND's Message-ID (for wrapped text).
 * 0 with out->status set (out->cpim only for 200; free() it), EINVAL,
 * ENOMEM. */
int chat_session_route(const char *user_uri, const char *peer_uri, const char *content_type,
		       const void *body, size_t len, const char *message_id,
		       struct chat_session_msg *out);

/* The playback service's answer (SylkServer's playback answers chat too)
 * to @p cpim, a message of @p user_uri to @p peer_uri as chat_session_route()
 * made it: its text quoted (at most CHAT_SESSION_QUOTE_MAX bytes, cut at
 * a character) in a message/cpim From the peer To the user. An IMDN or
 * is-composing gets nothing: ENOENT. 0 with *out (malloc'd,
 * NUL-terminated) and *outlen, ENOENT, EBADMSG (not CPIM), EINVAL,
 * ENOMEM. */
#define CHAT_SESSION_QUOTE_MAX 100
int chat_session_playback_reply(const char *user_uri, const char *peer_uri, const char *cpim,
				size_t len, char **out, size_t *outlen);

#endif
