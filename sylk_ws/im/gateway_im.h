/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file gateway_im.h  Account messaging details of the sylkRTC gateway that
 *                     need no Kamailio
 *
 * The ids of messages the gateway makes, the mapping between IMDN states
 * and sylkRTC's disposition states, and what a SIP device of an account
 * asks of the server with SylkServer's application/sylk-api-* MESSAGEs.
 *
 * Kamailio-free: libc, json-c and the base layer.
 */
#ifndef SYLK_IM_GATEWAY_IM_H
#define SYLK_IM_GATEWAY_IM_H

#include <stddef.h>

#include "sylk_ws/im/imdn.h"
#include "sylk_ws/sylkrtc/sylkrtc_event.h"
#include "sylk_ws/sylkrtc/sylkrtc_request.h"

/** "xxxxxxxx-xxxx-4xxx-axxx-xxxxxxxxxxxx" plus NUL. */
#define GW_MESSAGE_ID_SIZE 37

/**
 * A new message's id: a version 4 UUID (variant 'a') made of the first 32
 * of @p hex, random hexadecimal digits the caller draws.
 * @return 0, EINVAL (NULL, or fewer than 32 hex digits), ENOSPC
 */
int gw_message_id(char *out, size_t size, const char *hex);

/** The IMDN status a sylkRTC account-disposition-notification sends. */
enum imdn_status gw_imdn_status_of(enum sylkrtc_imdn_state st);

/** The sylkRTC disposition state an IMDN with status @p st reports. */
enum sylkrtc_dn_state gw_dn_state_of(enum imdn_status st);

/** SylkServer's requests of a SIP device to the server. */
enum gw_api_kind {
	GW_API_NONE = 0,            /**< not one of them                          */
	GW_API_REMOVE,              /**< application/sylk-api-message-remove      */
	GW_API_READ,                /**< application/sylk-api-conversation-read   */
	GW_API_CONVERSATION_REMOVE, /**< application/sylk-api-conversation-remove */
};

/** The request a Content-Type names (ignoring ASCII case). */
enum gw_api_kind gw_api_kind_of(const char *content_type);

/**
 * The body of a message-remove: one message id, white space around it
 * allowed. @return 0, EINVAL (NULL argument), EBADMSG (empty, or more than
 * one word), ENOSPC (does not fit @p size)
 */
int gw_api_message_id(const char *body, char *out, size_t size);

/**
 * "contact" of the JSON body of a conversation read or remove: an address
 * with '@' ("sip:" dropped), no white space, '<', '>' or '"'.
 * @return 0, EINVAL (NULL argument), EBADMSG (no such JSON string, not an
 *         address), ENOSPC (does not fit @p size)
 */
int gw_api_contact(const char *body, char *out, size_t size);

#endif
