/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file push_note.h  Push notifications to sylk-pushserver: device tokens
 *                    and the body of a notification
 *
 * A device gives its token as RFC 8599 Contact parameters
 * (account-devicetoken, kept as gw_push_params() writes them); a call, a
 * message or a video-room invitation for an account without a live
 * connection is POSTed once per stored device, in the shape SylkServer
 * sends (models/sylkpush.py: keys with '-', sylk-pushserver's WakeUpRequest
 * and ConferenceInviteEvent).
 *
 * Kamailio-free: libc, json-c and the base layer.
 */
#ifndef SYLK_WS_PUSH_NOTE_H
#define SYLK_WS_PUSH_NOTE_H

#include <stdbool.h>
#include <stddef.h>

enum {
	PUSH_NAME_SIZE = 256,
	PUSH_PLATFORM_SIZE = 32,
	PUSH_TOKEN_SIZE = 1024,
};

/** One device's token. Fixed size, no pointers: it travels through a
 *  shared-memory queue and is a row of the token table. */
struct push_device {
	char app[PUSH_NAME_SIZE];          /**< pn-param                        */
	char device[PUSH_NAME_SIZE];       /**< pn-device                       */
	char platform[PUSH_PLATFORM_SIZE]; /**< pn-provider: "apple", "firebase" */
	char token[PUSH_TOKEN_SIZE];       /**< pn-prid                         */
	char user_agent[PUSH_NAME_SIZE];   /**< the client's, cut to fit        */
	bool silent;                       /**< pn-silent=1                     */
};

/**
 * The device of RFC 8599 Contact parameters @p params (";pn-provider=...;
 * pn-prid=...;pn-param=...;pn-device=...[;pn-silent=1]", %-decoded), with
 * @p user_agent (NULL: none). *@p d is zeroed first.
 * @return 0, EINVAL (NULL argument), ENOENT (pn-provider, pn-prid,
 *         pn-param or pn-device missing), ENOSPC (one too long), EBADMSG
 *         (an encoded NUL)
 */
int push_device_from_params(struct push_device *d, const char *params, const char *user_agent);

/** What a notification announces. */
enum push_event {
	PUSH_CALL,       /**< "incoming_session"             */
	PUSH_MESSAGE,    /**< "message"                      */
	PUSH_CONFERENCE, /**< "incoming_conference_request"  */
};

struct push_note {
	enum push_event event;
	const char *account;      /**< user@domain the push wakes             */
	const char *from;         /**< the caller, the sender, the inviter    */
	const char *display;      /**< its display name; NULL or "": none     */
	const char *call_id;      /**< the call's Call-ID, the message's id   */
	const char *content_type; /**< PUSH_MESSAGE: the message's            */
	const char *room;         /**< PUSH_CONFERENCE: the room invited to   */
	bool video;               /**< PUSH_CALL, PUSH_CONFERENCE             */
};

/**
 * The token a notification goes to. SylkServer keeps "voip#background"
 * tokens: a call (and an invitation) wakes the first part, a message goes
 * to the second when there is one; a token without '#' takes both.
 * @return 0, EINVAL (NULL argument, @p size 0), ENOSPC (does not fit;
 *         @p out is then "")
 */
int push_token_pick(const char *token, enum push_event event, char *out, size_t size);

/**
 * The JSON body of @p note for device @p d (malloc'd, NUL-terminated, in
 * *@p out; the caller frees it). NULL strings of @p note are written as "".
 * @return 0, EINVAL (NULL argument, an unknown event), ENOSPC (the picked
 *         token does not fit), ENOMEM
 */
int push_note_json(char **out, const struct push_note *note, const struct push_device *d);

#endif
