/* SPDX-License-Identifier: GPL-2.0-or-later */
/* C API of the conference focus for other modules: the chat bridge that
 * lets the sylkRTC gateway's video rooms and the XMPP gateway's MUC rooms
 * chat in the focus room of the same name (docs/ARCHITECTURE.md, "Room
 * chat"), and the private chat sessions the XMPP gateway bridges to XMPP
 * one-to-one chat.
 *
 *   #include "../sylk_conference/sylk_conference_api.h"
 *   static sylk_conf_api_t conf;
 *   mod_init: if (load_sylk_conf_api(&conf) == 0) conf.chat_listen(&my_fn);
 *
 * Lock rule: the focus calls the listener with none of its locks held, and
 * chat_post() must be called holding no lock of the caller's module (it
 * takes the focus's store lock), so no cycle can form between the two. */
#ifndef SYLK_CONFERENCE_API_H
#define SYLK_CONFERENCE_API_H

#include <stddef.h>

#include "core/dprint.h"
#include "core/parser/msg_parser.h"
#include "core/sr_module.h"

/* One CPIM message the focus relayed to everyone in room @p room_uri
 * ("sip:NAME@conference.DOMAIN"): broadcast chat, is-composing, the room's
 * status notices. Called in the process that relayed it, after the focus
 * let go of its lock; the bytes are valid during the call only. */
typedef void (*sylk_conf_chat_fn)(const char *room_uri, const char *cpim, size_t len);

/* Posts one CPIM message (its From must be @p sender_uri) into the chat of
 * room @p room_uri as a participant that has no MSRP session: the room's
 * rules route it to the MSRP participants and keep it in the history; it
 * is not given back to the listener. 0 with the MSRP status the sender
 * would have got in *status (200, 400, 403, 404, 415), ENOENT when the
 * focus has no such room, EINVAL, ENOMEM. */
typedef int (*sylk_conf_chat_post_f)(const char *room_uri, const char *sender_uri,
				     const char *display, const void *cpim, size_t len,
				     int *status);
/* Adds a listener (up to 4: the sylkRTC gateway's video rooms, the XMPP
 * gateway's MUC). Call in mod_init. */
typedef void (*sylk_conf_chat_listen_f)(sylk_conf_chat_fn fn);

/* Someone in the chat of room @p room_uri through the caller (@p present
 * 1), or no longer (0): listed in the room's conference-info as a user
 * with a chat stream, the subscribers notified. 0 (also for a repeat),
 * ENOENT when the focus has no such room, ENOSPC past
 * CONF_MAX_MEMBERS members, EINVAL, ENOMEM. Same lock rule as chat_post. */
typedef int (*sylk_conf_chat_member_f)(const char *room_uri, const char *uri, const char *display,
				       int present);
#define CONF_MAX_MEMBERS 100

/* ---- private chat sessions (RFC 7573) ------------------------------------
 * A SIP user's MSRP chat session with one peer that the caller's module
 * carries (an XMPP user through the XMPP gateway): the focus is its UAS and
 * its MSRP endpoint, with none of a room (no isfocus, no conference-info,
 * no notices, no history but what arrives before the user's MSRP
 * connection). A session is named by its user's and its peer's SIP URIs
 * (compared as the chat rooms compare them); a user may hold several with
 * one peer (several devices): a post reaches all of them. Same lock rule
 * as chat_post for every call; the listener is called with no lock of the
 * focus held. */

enum sylk_conf_session_event {
	SYLK_CONF_SESSION_MESSAGE, /* the user sent @p cpim (From the user, To the peer) */
	SYLK_CONF_SESSION_END,     /* the SIP side ended it (BYE, MSRP connection lost) */
};
/* @p cpim is message/cpim holding text/plain, an IMDN or is-composing;
 * NULL for SYLK_CONF_SESSION_END. Valid during the call only. */
typedef void (*sylk_conf_session_fn)(enum sylk_conf_session_event ev, const char *user_uri,
				     const char *peer_uri, const char *cpim, size_t len);

/* Answers INVITE @p msg as a session of its From (the script authenticated
 * it: auth_flag) with @p peer_uri: 200 with the MSRP answer, or the
 * refusal (403 not authenticated, 486 the user holds @p max_per_user
 * sessions already, 488 no MSRP chat stream offered, 400, 500). Returns
 * the status sent, 0 for a retransmission. */
typedef int (*sylk_conf_session_open_f)(struct sip_msg *msg, const char *peer_uri,
					int max_per_user);
/* One message/cpim from the peer into every session of @p user_uri with
 * @p peer_uri (one whose MSRP connection is not up yet gets it when it
 * is). @p instance (NULL: unknown) names the peer's device that sent it
 * (an XMPP resource): the session is bound to it from then on (RFC 6121
 * 5.1). 0, ENOENT when there is no such session, EINVAL, ENOMEM. */
typedef int (*sylk_conf_session_post_f)(const char *user_uri, const char *peer_uri,
					const char *instance, const void *cpim, size_t len);
/* Ends (BYE) the sessions of @p user_uri (NULL: any user) with @p peer_uri
 * (NULL: any peer) whose peer device is @p instance (NULL: any; a session
 * not bound to a device yet matches every one). @p tell: the listener
 * hears SYLK_CONF_SESSION_END for each (the caller stops and the peers
 * should know); 0 when the peer's side ended them. @p why is logged. How
 * many ended. */
typedef int (*sylk_conf_session_end_f)(const char *user_uri, const char *peer_uri,
				       const char *instance, const char *why, int tell);
/* The session listener (one). Call in mod_init. */
typedef void (*sylk_conf_session_listen_f)(sylk_conf_session_fn fn);

typedef struct sylk_conf_api {
	sylk_conf_chat_post_f chat_post;
	sylk_conf_chat_listen_f chat_listen;
	sylk_conf_chat_member_f chat_member;
	sylk_conf_session_open_f session_open;
	sylk_conf_session_post_f session_post;
	sylk_conf_session_end_f session_end;
	sylk_conf_session_listen_f session_listen;
} sylk_conf_api_t;

typedef int (*bind_sylk_conf_f)(sylk_conf_api_t *api);

/* 0, or -1 when sylk_conference is not loaded (then nothing is bridged). */
static inline int load_sylk_conf_api(sylk_conf_api_t *api)
{
	bind_sylk_conf_f bind = (bind_sylk_conf_f)find_export("bind_sylk_conference", 0, 0);

	if (!bind)
		return -1;
	return bind(api);
}

#endif
