/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sylkrtc_event.h  sylkRTC replies and events: build JSON text
 *
 * Everything the server sends to a browser, for either protocol version,
 * from one set of builders: the gateway decides what happened, the version
 * only changes the spelling.
 *
 *   sylkRTC-2: {"sylkrtc":"account-event","account":A,"event":"registration-state",
 *               "state":"failed","reason":"401 Unauthorized"}
 *   sylkRTC-1: {"sylkrtc":"account_event","account":A,"event":"registration_state",
 *               "data":{"state":"failed","reason":"401 Unauthorized"}}
 *
 * sylkRTC-1 only ever had ready, ack, error, registration_state,
 * incoming_session and the session states progress, accepted, established
 * and terminated. For everything else a builder returns ENOTSUP under
 * sylkRTC-1, so the gateway can run one code path and skip the send; a v1
 * client would not understand the event anyway. Fields that v1 lacks
 * (call_id, code, headers, display names) are silently left out.
 *
 * Common contract of every builder:
 *   - @p jsonp receives a malloc'ed, NUL-terminated, compact JSON text that
 *     the caller releases with free(); it is set to NULL on failure.
 *   - Return 0, EINVAL (NULL where a value is mandatory, enum out of range,
 *     unparsable JSON argument), ENOTSUP (no such event in @p ver) or ENOMEM.
 *   - String arguments are copied; optional ones may be NULL (key omitted).
 *   - Strings that are not valid UTF-8 (a Latin-1 display name from a SIP
 *     header, say) are repaired with U+FFFD, because a WebSocket text frame
 *     that is not UTF-8 makes the browser drop the whole connection.
 */
#ifndef SYLK_WS_SYLKRTC_EVENT_H
#define SYLK_WS_SYLKRTC_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sylk_ws/sylkrtc/sylkrtc_request.h"

/** A SIP identity as shown to the user. */
struct sylkrtc_identity {
	const char *uri;          /**< AOR, mandatory                  */
	const char *display_name; /**< optional                        */
};

/* ---- connection and responses ------------------------------------------- */

/** The greeting sent once the WebSocket is open. */
int sylkrtc_event_ready(char **jsonp, enum sylkrtc_version ver);

/** {"sylkrtc":"ack","transaction":T}; @p transaction is mandatory. */
int sylkrtc_event_ack(char **jsonp, enum sylkrtc_version ver, const char *transaction);

/**
 * {"sylkrtc":"error","transaction":T,"error":text}. @p transaction may be
 * NULL when the request had none that could be read; the key is omitted.
 */
int sylkrtc_event_error(char **jsonp, enum sylkrtc_version ver, const char *transaction,
			const char *text);

/** The error reply for a request that sylkrtc_request_decode() refused. */
int sylkrtc_event_error_from(char **jsonp, enum sylkrtc_version ver,
			     const struct sylkrtc_error *err);

/* ---- account events -------------------------------------------------------- */

enum sylkrtc_reg_state {
	SYLKRTC_REG_REGISTERING,
	SYLKRTC_REG_REGISTERED,
	SYLKRTC_REG_FAILED,
};

/** registration-state; @p reason (e.g. "408 Request Timeout") is optional. */
int sylkrtc_event_registration_state(char **jsonp, enum sylkrtc_version ver, const char *account,
				     enum sylkrtc_reg_state state, const char *reason);

struct sylkrtc_incoming_session {
	const char *account;
	const char *session;
	struct sylkrtc_identity originator;
	const char *sdp;
	const char *call_id;                  /**< v2, optional           */
	const struct sylkrtc_header *headers; /**< v2, optional: becomes an
	                                           object {name: value}     */
	size_t header_count;
};

/** incoming-session (v1 sends the originator URI as a plain string). */
int sylkrtc_event_incoming_session(char **jsonp, enum sylkrtc_version ver,
				   const struct sylkrtc_incoming_session *in);

/** missed-session (v2): the caller gave up before anyone answered. */
int sylkrtc_event_missed_session(char **jsonp, enum sylkrtc_version ver, const char *account,
				 const struct sylkrtc_identity *originator);

/** conference-invite (v2); @p session_id is optional. */
int sylkrtc_event_conference_invite(char **jsonp, enum sylkrtc_version ver, const char *account,
				    const char *room, const char *session_id,
				    const struct sylkrtc_identity *originator);

/* ---- 1:1 session events ------------------------------------------------- */

enum sylkrtc_session_state {
	SYLKRTC_SESSION_PROGRESS,
	SYLKRTC_SESSION_PROCEEDING,  /**< v2 */
	SYLKRTC_SESSION_RINGING,     /**< v2 */
	SYLKRTC_SESSION_EARLY_MEDIA, /**< v2 */
	SYLKRTC_SESSION_ACCEPTED,
	SYLKRTC_SESSION_ESTABLISHED,
	SYLKRTC_SESSION_TERMINATED,
};

/** Wire name of a session state ("early-media" ...), NULL if out of range. */
const char *sylkrtc_session_state_name(enum sylkrtc_session_state state);

struct sylkrtc_session_state_event {
	const char *session;
	enum sylkrtc_session_state state;
	const char *sdp;                      /**< accepted (outgoing), early-media     */
	const char *call_id;                  /**< v2                                    */
	int code;                             /**< v2 proceeding: SIP status; 0 = omit   */
	const char *reason;                   /**< terminated: "486 Busy Here" ...       */
	const struct sylkrtc_header *headers; /**< v2 accepted, optional */
	size_t header_count;
};

/** session-event "state". */
int sylkrtc_event_session_state(char **jsonp, enum sylkrtc_version ver,
				const struct sylkrtc_session_state_event *ev);

enum sylkrtc_update_state {
	SYLKRTC_UPDATE_RECEIVED, /**< remote re-INVITE: sdp is its offer   */
	SYLKRTC_UPDATE_ACCEPTED, /**< our re-INVITE: sdp is the answer     */
	SYLKRTC_UPDATE_FAILED,   /**< our re-INVITE failed: reason         */
};

/** session-event "update" (v2). */
int sylkrtc_event_session_update(char **jsonp, enum sylkrtc_version ver, const char *session,
				 enum sylkrtc_update_state state, const char *sdp,
				 const char *reason);

/* ---- messaging (v2) -------------------------------------------------------- */

/** Whether a message event belongs to an account or to a session. */
enum sylkrtc_scope {
	SYLKRTC_SCOPE_ACCOUNT, /**< account-event, id is the account     */
	SYLKRTC_SCOPE_SESSION, /**< session-event, id is the session id  */
};

struct sylkrtc_message {
	struct sylkrtc_identity sender;
	const char *timestamp;
	const char *message_id;
	const char *content_type;
	const char *content;
	const char *const *disposition; /**< e.g. "positive-delivery",
	                                     "display"; optional          */
	size_t disposition_count;
	const char *direction; /**< optional: "incoming" ...     */
	const char *metadata;  /**< optional: the sender's opaque
	                            application data               */
};

/** account-event / session-event "message": a chat message arrived. */
int sylkrtc_event_message(char **jsonp, enum sylkrtc_version ver, enum sylkrtc_scope scope,
			  const char *id, const struct sylkrtc_message *m);

enum sylkrtc_dn_state {
	SYLKRTC_DN_ACCEPTED,
	SYLKRTC_DN_DELIVERED,
	SYLKRTC_DN_DISPLAYED,
	SYLKRTC_DN_FAILED,
	SYLKRTC_DN_PROCESSED,
	SYLKRTC_DN_STORED,
	SYLKRTC_DN_FORBIDDEN,
	SYLKRTC_DN_ERROR,
};

struct sylkrtc_disposition {
	const char *message_id;
	const char *message_timestamp;
	enum sylkrtc_dn_state state;
	int code; /**< SIP status of the MESSAGE, or IMDN-derived */
	const char *reason;
};

/** "disposition-notification": what became of a message we sent. */
int sylkrtc_event_disposition_notification(char **jsonp, enum sylkrtc_version ver,
					   enum sylkrtc_scope scope, const char *id,
					   const struct sylkrtc_disposition *d);

/** One message of a stored conversation. */
struct sylkrtc_history_message {
	const char *contact;
	const char *timestamp;
	const char *message_id;
	const char *content_type;
	const char *content;
	const char *direction; /**< optional */
	const char *state;     /**< optional: "delivered", "displayed" ... */
	const char *metadata;  /**< optional */
	const char *const *disposition;
	size_t disposition_count;
};

/** account-event "sync-conversations": the reply to account-sync-conversations. */
int sylkrtc_event_sync_conversations(char **jsonp, enum sylkrtc_version ver, const char *account,
				     const struct sylkrtc_history_message *msgs, size_t count);

/**
 * account-event "sync": tell the account's other connections what one of
 * them changed. @p content_json is a JSON text (an object such as
 * {"contact":..., "message_id":...}).
 */
int sylkrtc_event_sync(char **jsonp, enum sylkrtc_version ver, const char *account,
		       const char *type, const char *action, const char *content_json);

/** "lookup-public-key-event": the key @p uri published, or none (NULL). */
int sylkrtc_event_lookup_public_key(char **jsonp, enum sylkrtc_version ver, const char *uri,
				    const char *public_key);

/* ---- contacts (v2) -------------------------------------------------------- */

/** addressbook-fetched; @p addressbook_json is {"contacts":..,"groups":..,"policies":..}. */
int sylkrtc_event_addressbook_fetched(char **jsonp, enum sylkrtc_version ver, const char *account,
				      const char *addressbook_json);

/** addressbook-updated; @p data_json goes under the key named by @p type. */
int sylkrtc_event_addressbook_updated(char **jsonp, enum sylkrtc_version ver, const char *account,
				      enum sylkrtc_ab_type type, enum sylkrtc_ab_action action,
				      const char *data_json);

/** addressbook-update-failed; @p id (of the entry) is optional. */
int sylkrtc_event_addressbook_update_failed(char **jsonp, enum sylkrtc_version ver,
					    const char *account, enum sylkrtc_ab_type type,
					    enum sylkrtc_ab_action action, const char *error,
					    const char *id);

/** "presence" (an extension of this gateway, v2): what a NOTIFY said of
 *  @p uri, a contact the account watches; @p note and @p activity are
 *  optional. */
int sylkrtc_event_presence(char **jsonp, enum sylkrtc_version ver, const char *account,
			   const char *uri, const char *state, const char *note,
			   const char *activity);

/* ---- video rooms (v2) ---------------------------------------------------- */

struct sylkrtc_videoroom_state_event {
	const char *session;
	enum sylkrtc_session_state state; /**< progress, accepted, established,
	                                       terminated only              */
	const char *sdp;                  /**< accepted: mandatory                       */
	bool audio;                       /**< accepted: what the room granted           */
	bool video;
	const char *reason; /**< terminated, optional                      */
};

/** videoroom-event "session-state". */
int sylkrtc_event_videoroom_session_state(char **jsonp, enum sylkrtc_version ver,
					  const struct sylkrtc_videoroom_state_event *ev);

struct sylkrtc_publisher {
	const char *id; /**< the publisher's session id */
	const char *uri;
	const char *display_name; /**< optional */
};

/** "initial-publishers" (@p initial) or "publishers-joined". */
int sylkrtc_event_videoroom_publishers(char **jsonp, enum sylkrtc_version ver, const char *session,
				       bool initial, const struct sylkrtc_publisher *pubs,
				       size_t count);

/** "publishers-left" with the publishers' session ids. */
int sylkrtc_event_videoroom_publishers_left(char **jsonp, enum sylkrtc_version ver,
					    const char *session, const char *const *ids,
					    size_t count);

/** "feed-attached": the subscriber offer for feed @p feed. */
int sylkrtc_event_videoroom_feed_attached(char **jsonp, enum sylkrtc_version ver,
					  const char *session, const char *feed, const char *sdp);

/** "feed-established". */
int sylkrtc_event_videoroom_feed_established(char **jsonp, enum sylkrtc_version ver,
					     const char *session, const char *feed);

/** "configure": @p originator changed the active speakers (at most 2). */
int sylkrtc_event_videoroom_configure(char **jsonp, enum sylkrtc_version ver, const char *session,
				      const char *originator, const char *const *active,
				      size_t count);

struct sylkrtc_shared_file {
	const char *filename;
	int64_t filesize;
	struct sylkrtc_identity uploader;
	const char *session;
};

/** "file-sharing": files shared in the room so far. */
int sylkrtc_event_videoroom_file_sharing(char **jsonp, enum sylkrtc_version ver,
					 const char *session,
					 const struct sylkrtc_shared_file *files, size_t count);

struct sylkrtc_room_message {
	bool status; /**< "status" type instead of "normal"    */
	const char *content;
	const char *content_type;
	struct sylkrtc_identity sender;
	const char *timestamp;
};

/** "message": chat in the room. */
int sylkrtc_event_videoroom_message(char **jsonp, enum sylkrtc_version ver, const char *session,
				    const struct sylkrtc_room_message *m);

/** "composing-indication"; @p content_type is optional. */
int sylkrtc_event_videoroom_composing(char **jsonp, enum sylkrtc_version ver, const char *session,
				      enum sylkrtc_composing state, int refresh,
				      const char *content_type,
				      const struct sylkrtc_identity *sender);

/** "message-delivery": fate of a videoroom-message we relayed. */
int sylkrtc_event_videoroom_message_delivery(char **jsonp, enum sylkrtc_version ver,
					     const char *session, const char *message_id,
					     bool delivered, int code, const char *reason);

/** "mute-audio": @p originator asked everyone to mute. */
int sylkrtc_event_videoroom_mute_audio(char **jsonp, enum sylkrtc_version ver, const char *session,
				       const char *originator);

/** "mute-request": @p originator (a participant's session id) asks the
 *  participant of @p session to mute (or unmute) its microphone. */
int sylkrtc_event_videoroom_mute_request(char **jsonp, enum sylkrtc_version ver,
					 const char *session, bool muted, const char *originator);

/** "invite-status": what became of asking for @p participant (an AOR) to
 *  be removed: @p state "success" or "failed", with a SIP-style code. */
int sylkrtc_event_videoroom_invite_status(char **jsonp, enum sylkrtc_version ver,
					  const char *session, const char *participant,
					  const char *state, int code, const char *reason);

/** "raised-hands": the participant session ids with a raised hand, in order. */
int sylkrtc_event_videoroom_raised_hands(char **jsonp, enum sylkrtc_version ver,
					 const char *session, const char *const *ids, size_t count);

#endif
