/* SPDX-License-Identifier: GPL-2.0-or-later */
/* C API of the conference focus for other modules: the chat bridge that
 * lets the sylkRTC gateway's video rooms chat in the focus room of the same
 * name (docs/ARCHITECTURE.md, "Room chat").
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

typedef struct sylk_conf_api {
	sylk_conf_chat_post_f chat_post;
	sylk_conf_chat_listen_f chat_listen;
	sylk_conf_chat_member_f chat_member;
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
