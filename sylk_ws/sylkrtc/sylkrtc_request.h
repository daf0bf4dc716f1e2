/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sylkrtc_request.h  sylkRTC requests: decode and validate
 *
 * One WebSocket text message from a browser becomes one struct
 * sylkrtc_request, or a filled struct sylkrtc_error that says what was
 * wrong and, whenever the message carried one, the transaction to put in
 * the "error" reply. The server answers every request with an ack or an
 * error; nothing a client sends may go unanswered (SylkServer stays silent
 * on bad JSON, a missing type or an unknown type, and the client hangs).
 *
 * Both protocol versions use the same request names and fields; the
 * version only decides which request types exist (sylkRTC-1 knows the
 * account and 1:1 session basics plus ping, see sylkrtc_req_type_min_version).
 * Unknown extra fields are ignored. JSON null in an optional field counts as
 * absent.
 *
 * Ownership: sylkrtc_request_decode() allocates the request; release it with
 * sylkrtc_request_free(). Every pointer inside the request (strings, arrays)
 * points into memory the request owns and is valid until that call. The
 * error struct is caller-owned, fixed-size and needs no cleanup.
 *
 * Hostile input is refused before parsing when it is larger than
 * SYLKRTC_REQUEST_MAX_SIZE, contains a NUL byte or is not UTF-8, and the
 * parser refuses nesting deeper than SYLKRTC_REQUEST_MAX_DEPTH.
 */
#ifndef SYLK_WS_SYLKRTC_REQUEST_H
#define SYLK_WS_SYLKRTC_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

struct json_object;

/** Largest request accepted, in bytes (SDP offers are the big ones). */
#define SYLKRTC_REQUEST_MAX_SIZE (256 * 1024)
/** json-c nesting limit (levels, a scalar in the innermost container counts);
 *  requests need 4, addressbook data a few more. */
#define SYLKRTC_REQUEST_MAX_DEPTH 16
/** Longest transaction and id (session, feed, message id ...) in bytes. */
#define SYLKRTC_ID_MAX 255
/** DTMF tones one session-dtmf-info may carry */
#define SYLKRTC_DTMF_MAX 32
/** Longest single-line text field (display name, token, candidate ...). */
#define SYLKRTC_LINE_MAX 4096
/** Characters (not bytes) of a message's metadata, as SylkServer allows. */
#define SYLKRTC_METADATA_MAX 4096
/** Most elements in any list field (candidates, headers, participants ...). */
#define SYLKRTC_LIST_MAX 256
/** Size of struct sylkrtc_error's text, including the NUL. */
#define SYLKRTC_ERROR_TEXT_SIZE 320

/** Protocol version, chosen by the WebSocket subprotocol. */
enum sylkrtc_version {
	SYLKRTC_V1 = 1, /**< "sylkRTC-1": underscored events, payload in "data" */
	SYLKRTC_V2 = 2, /**< "sylkRTC-2": hyphenated events, flat payload       */
};

/** Subprotocol token for @p ver ("sylkRTC-1" / "sylkRTC-2"), NULL if unknown. */
const char *sylkrtc_version_name(enum sylkrtc_version ver);

/**
 * Version for a subprotocol token (exact, case-sensitive match as RFC 6455
 * requires). @return 0 on success, EINVAL if @p name is not a sylkRTC
 * subprotocol.
 */
int sylkrtc_version_from_name(enum sylkrtc_version *ver, const char *name, size_t len);

/** Request types, one per value of the "sylkrtc" key. */
enum sylkrtc_req_type {
	SYLKRTC_REQ_NONE = 0,
	SYLKRTC_REQ_PING,
	/* accounts */
	SYLKRTC_REQ_ACCOUNT_ADD,
	SYLKRTC_REQ_ACCOUNT_REMOVE,
	SYLKRTC_REQ_ACCOUNT_REGISTER,
	SYLKRTC_REQ_ACCOUNT_UNREGISTER,
	SYLKRTC_REQ_ACCOUNT_DEVICETOKEN,
	/* messaging and contacts (v2) */
	SYLKRTC_REQ_ACCOUNT_MESSAGE,
	SYLKRTC_REQ_ACCOUNT_DISPOSITION_NOTIFICATION,
	SYLKRTC_REQ_ACCOUNT_SYNC_CONVERSATIONS,
	SYLKRTC_REQ_ACCOUNT_MARK_CONVERSATION_READ,
	SYLKRTC_REQ_ACCOUNT_REMOVE_MESSAGE,
	SYLKRTC_REQ_ACCOUNT_REMOVE_CONVERSATION,
	SYLKRTC_REQ_ACCOUNT_FETCH_ADDRESSBOOK,
	SYLKRTC_REQ_ACCOUNT_UPDATE_ADDRESSBOOK,
	SYLKRTC_REQ_LOOKUP_PUBLIC_KEY,
	/* 1:1 sessions */
	SYLKRTC_REQ_SESSION_CREATE,
	SYLKRTC_REQ_SESSION_ANSWER,
	SYLKRTC_REQ_SESSION_TRICKLE,
	SYLKRTC_REQ_SESSION_TERMINATE,
	SYLKRTC_REQ_SESSION_UPDATE,
	SYLKRTC_REQ_SESSION_MESSAGE,
	SYLKRTC_REQ_SESSION_DTMF_INFO,
	/* video rooms (v2) */
	SYLKRTC_REQ_VIDEOROOM_JOIN,
	SYLKRTC_REQ_VIDEOROOM_LEAVE,
	SYLKRTC_REQ_VIDEOROOM_FEED_ATTACH,
	SYLKRTC_REQ_VIDEOROOM_FEED_ANSWER,
	SYLKRTC_REQ_VIDEOROOM_FEED_DETACH,
	SYLKRTC_REQ_VIDEOROOM_SESSION_TRICKLE,
	SYLKRTC_REQ_VIDEOROOM_SESSION_UPDATE,
	SYLKRTC_REQ_VIDEOROOM_CONFIGURE,
	SYLKRTC_REQ_VIDEOROOM_INVITE,
	SYLKRTC_REQ_VIDEOROOM_MESSAGE,
	SYLKRTC_REQ_VIDEOROOM_COMPOSING_INDICATION,
	SYLKRTC_REQ_VIDEOROOM_MUTE_AUDIO_PARTICIPANTS,
	SYLKRTC_REQ_VIDEOROOM_TOGGLE_HAND,
	SYLKRTC_REQ_VIDEOROOM_REMOVE,
	SYLKRTC_REQ_VIDEOROOM_MUTE_PARTICIPANT,
	SYLKRTC_REQ_COUNT
};

/** Wire name ("account-add" ...), NULL for NONE or out of range. */
const char *sylkrtc_req_type_name(enum sylkrtc_req_type type);

/** Type for a wire name, SYLKRTC_REQ_NONE if unknown. */
enum sylkrtc_req_type sylkrtc_req_type_from_name(const char *name);

/** Oldest protocol version that has @p type (0 for NONE/out of range). */
enum sylkrtc_version sylkrtc_req_type_min_version(enum sylkrtc_req_type type);

/** IMDN state sent by account-disposition-notification. */
enum sylkrtc_imdn_state {
	SYLKRTC_IMDN_DELIVERED,
	SYLKRTC_IMDN_FAILED,
	SYLKRTC_IMDN_DISPLAYED,
	SYLKRTC_IMDN_FORBIDDEN,
	SYLKRTC_IMDN_ERROR,
};

/** account-update-addressbook "action". */
enum sylkrtc_ab_action {
	SYLKRTC_AB_ADD,
	SYLKRTC_AB_UPDATE,
	SYLKRTC_AB_DELETE,
};

/** account-update-addressbook "type". */
enum sylkrtc_ab_type {
	SYLKRTC_AB_CONTACT,
	SYLKRTC_AB_GROUP,
	SYLKRTC_AB_POLICY,
};

/** videoroom-composing-indication "state". */
enum sylkrtc_composing {
	SYLKRTC_COMPOSING_ACTIVE,
	SYLKRTC_COMPOSING_IDLE,
};

/** Wire names of the enums above ("delivered", "add", "contact", "active"). */
const char *sylkrtc_imdn_state_name(enum sylkrtc_imdn_state s);
const char *sylkrtc_ab_action_name(enum sylkrtc_ab_action a);
const char *sylkrtc_ab_type_name(enum sylkrtc_ab_type t);
const char *sylkrtc_composing_name(enum sylkrtc_composing c);

/** One trickled ICE candidate. */
struct sylkrtc_candidate {
	const char *candidate; /**< "candidate:..." line, may be empty    */
	const char *sdp_mid;
	int sdp_mline_index; /**< 0..65535                             */
};

/**
 * One extra SIP header. Names are RFC 3261 tokens and values hold no
 * control characters, so both can be written into a SIP message as is.
 * Names the SIP side sets itself (Via, From, To, Call-ID, CSeq, Contact,
 * Content-*, Route, Authorization, Expires, ... and their compact forms)
 * are refused.
 */
struct sylkrtc_header {
	const char *name;
	const char *value;
};

/**
 * A decoded request. "type" says which fields are set; every field the
 * type does not use is NULL / 0 / false. Addresses (account, uri,
 * contact, participants) are normalised: no "sip:"/"sips:" prefix.
 *
 * Fields per type (transaction is always set):
 *
 *   ping                              -
 *   account-add                       account, password, display_name?,
 *                                     user_agent?, header_prefixes?
 *   account-remove/-register/
 *     -unregister/-fetch-addressbook  account
 *   account-devicetoken               account, token, platform, device,
 *                                     app, silent (default false)
 *   account-message                   account, uri, message_id, content,
 *                                     content_type, timestamp, metadata?
 *   account-disposition-notification  account, uri, message_id,
 *                                     imdn_state, timestamp
 *   account-sync-conversations        account, message_id?, since?,
 *                                     limit (default 5000)
 *   account-mark-conversation-read    account, contact
 *   account-remove-message            account, contact, message_id
 *   account-remove-conversation       account, contact
 *   account-update-addressbook        account, ab_action, ab_type, data_json
 *   session-create                    session, account, uri, sdp, headers?
 *   session-answer / session-update   session, sdp, headers?
 *   session-trickle                   session, candidates (empty = done)
 *   session-terminate                 session
 *   session-message                   session, message_id, content,
 *                                     content_type, timestamp, metadata?
 *   session-dtmf-info                 session, digit (a string of tones),
 *                                     duration (0 = absent)
 *   videoroom-join                    session, account, uri, sdp,
 *                                     audio, video (default true)
 *   videoroom-leave                   session
 *   videoroom-feed-attach             session, publisher, feed
 *   videoroom-feed-answer             session, feed, sdp
 *   videoroom-feed-detach             session, feed
 *   videoroom-session-trickle         session, candidates
 *   videoroom-session-update          session, options
 *   videoroom-configure               session, active_participants (<= 2)
 *   videoroom-invite                  session, participants
 *   videoroom-message                 session, message_id, content,
 *                                     content_type
 *   videoroom-composing-indication    session, composing, refresh?
 *   videoroom-mute-audio-participants session
 *   videoroom-toggle-hand             session, session_id?
 *   videoroom-remove                  session, participants
 *   videoroom-mute-participant        session, participant_id, muted
 *
 * ("?" = optional: NULL / 0 / has_ flag false when absent)
 */
struct sylkrtc_request {
	enum sylkrtc_version version;
	enum sylkrtc_req_type type;
	const char *transaction;

	/* addresses */
	const char *account;
	const char *uri;     /**< callee, room, or chat peer         */
	const char *contact; /**< conversation peer                  */

	/* identifiers chosen by the client */
	const char *session;
	const char *feed;
	const char *publisher;
	const char *session_id; /**< videoroom-toggle-hand target       */
	const char *participant_id; /**< videoroom-mute-participant target */
	bool muted;                 /**< videoroom-mute-participant       */
	const char *message_id;

	/* account-add */
	const char *password; /**< HA1, 1..9999 bytes                 */
	const char *display_name;
	const char *user_agent;
	const char **header_prefixes; /**< unique, non-empty          */
	size_t header_prefix_count;

	/* account-devicetoken */
	const char *token;
	const char *platform;
	const char *device;
	const char *app;
	bool silent;

	/* sessions */
	const char *sdp;
	struct sylkrtc_header *headers;
	size_t header_count;
	struct sylkrtc_candidate *candidates;
	size_t candidate_count;
	char tones[SYLKRTC_DTMF_MAX + 1]; /**< 0-9 * # A-D (upper case), ',' */
	int duration;                     /**< DTMF duration in ms, 0 = absent    */

	/* messaging */
	const char *content;
	const char *content_type;
	const char *timestamp;
	const char *metadata; /**< opaque application data (JSON by
	                           convention), one line; NULL: none */
	enum sylkrtc_imdn_state imdn_state;
	const char *since;
	int limit;

	/* addressbook */
	enum sylkrtc_ab_action ab_action;
	enum sylkrtc_ab_type ab_type;
	const char *data_json; /**< the "data" object, as compact JSON  */

	/* video rooms */
	bool audio;
	bool video;
	struct {
		bool has_audio, audio;
		bool has_video, video;
		bool has_bitrate;
		int bitrate; /**< bit/s, >= 0                          */
	} options;
	const char **participants; /**< unique, normalised AORs    */
	size_t participant_count;
	const char **active_participants; /**< unique, at most 2        */
	size_t active_participant_count;
	enum sylkrtc_composing composing;
	bool has_refresh;
	int refresh; /**< seconds                            */

	/* private: the parsed JSON that the strings point into */
	struct json_object *root_;
};

/** What was wrong with a message. */
enum sylkrtc_errcode {
	SYLKRTC_ERR_NONE = 0,
	SYLKRTC_ERR_NOMEM,        /**< out of memory                         */
	SYLKRTC_ERR_TOO_BIG,      /**< over SYLKRTC_REQUEST_MAX_SIZE         */
	SYLKRTC_ERR_JSON,         /**< not JSON, not UTF-8, too deep         */
	SYLKRTC_ERR_NOT_OBJECT,   /**< JSON, but not an object               */
	SYLKRTC_ERR_NO_TYPE,      /**< no "sylkrtc" key                      */
	SYLKRTC_ERR_UNKNOWN_TYPE, /**< "sylkrtc" names no request            */
	SYLKRTC_ERR_UNSUPPORTED,  /**< request not in this protocol version  */
	SYLKRTC_ERR_MISSING,      /**< mandatory field absent                */
	SYLKRTC_ERR_WRONG_TYPE,   /**< field has the wrong JSON type         */
	SYLKRTC_ERR_BAD_VALUE,    /**< right type, unacceptable value        */
	SYLKRTC_ERR_BAD_AOR,      /**< address field is not user@domain      */
};

/**
 * Details of a refused message. Caller-owned; the decoder fills every
 * field (strings are always NUL-terminated, and valid UTF-8 so they can
 * go straight into the error reply).
 */
struct sylkrtc_error {
	enum sylkrtc_errcode code;
	enum sylkrtc_req_type type; /**< NONE if the type was not known   */
	bool has_transaction;       /**< a usable transaction was read    */
	char transaction[SYLKRTC_ID_MAX + 1];
	char field[48];                     /**< offending field, "" if none; for
	                                   list items e.g. "candidates[2].sdpMid" */
	char text[SYLKRTC_ERROR_TEXT_SIZE]; /**< for the "error" key        */
};

/**
 * Decode and validate one message.
 *
 * @param reqp  Receives the new request on success, NULL otherwise
 * @param err   Filled on failure (code, text, transaction if readable);
 *              reset to "no error" on success. May be NULL.
 * @param ver   Protocol version of the connection
 * @param buf   Message text (need not be NUL-terminated)
 * @param len   Length in bytes
 *
 * @return 0 on success; EBADMSG when the message is refused (details in
 *         @p err); ENOMEM when memory ran out (err->code NOMEM, and the
 *         transaction is still reported when it was read); EINVAL for bad
 *         arguments (NULL @p reqp, unknown @p ver).
 */
int sylkrtc_request_decode(struct sylkrtc_request **reqp, struct sylkrtc_error *err,
			   enum sylkrtc_version ver, const char *buf, size_t len);

/** Release a request and everything it points to. NULL is ignored. */
void sylkrtc_request_free(struct sylkrtc_request *req);

#endif
