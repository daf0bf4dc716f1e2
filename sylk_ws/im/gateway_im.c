/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Account messaging details of the gateway: see gateway_im.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "sylk_ws/base/chars.h"
#include "sylk_ws/im/gateway_im.h"

int gw_message_id(char *out, size_t size, const char *hex)
{
	if (!out || !hex)
		return EINVAL;
	for (int i = 0; i < 32; i++)
		if (chars_hex_value((unsigned char)hex[i]) < 0)
			return EINVAL;
	if (size < GW_MESSAGE_ID_SIZE)
		return ENOSPC;
	/* the version nibble (13th) and the variant one (17th) replaced */
	snprintf(out, size, "%.8s-%.4s-4%.3s-a%.3s-%.12s", hex, hex + 8, hex + 13, hex + 17,
		 hex + 20);
	return 0;
}

enum imdn_status gw_imdn_status_of(enum sylkrtc_imdn_state st)
{
	switch (st) {
	case SYLKRTC_IMDN_DELIVERED: return IMDN_DELIVERED;
	case SYLKRTC_IMDN_FAILED: return IMDN_FAILED;
	case SYLKRTC_IMDN_DISPLAYED: return IMDN_DISPLAYED;
	case SYLKRTC_IMDN_FORBIDDEN: return IMDN_FORBIDDEN;
	case SYLKRTC_IMDN_ERROR: break;
	}
	return IMDN_ERROR;
}

enum sylkrtc_dn_state gw_dn_state_of(enum imdn_status st)
{
	switch (st) {
	case IMDN_DELIVERED: return SYLKRTC_DN_DELIVERED;
	case IMDN_DISPLAYED: return SYLKRTC_DN_DISPLAYED;
	case IMDN_PROCESSED: return SYLKRTC_DN_PROCESSED;
	case IMDN_STORED: return SYLKRTC_DN_STORED;
	case IMDN_FAILED: return SYLKRTC_DN_FAILED;
	case IMDN_FORBIDDEN: return SYLKRTC_DN_FORBIDDEN;
	case IMDN_ERROR: break;
	}
	return SYLKRTC_DN_ERROR;
}

enum gw_api_kind gw_api_kind_of(const char *content_type)
{
	static const struct {
		const char *type;
		enum gw_api_kind kind;
	} kinds[] = {
		{"application/sylk-api-message-remove", GW_API_REMOVE},
		{"application/sylk-api-conversation-read", GW_API_READ},
		{"application/sylk-api-conversation-remove", GW_API_CONVERSATION_REMOVE},
	};

	for (size_t i = 0; content_type && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcasecmp(content_type, kinds[i].type) == 0)
			return kinds[i].kind;
	return GW_API_NONE;
}

static const char blanks[] = " \t\r\n";

int gw_api_message_id(const char *body, char *out, size_t size)
{
	size_t n;

	if (!body || !out || !size)
		return EINVAL;
	out[0] = '\0';
	n = strcspn(body, blanks);
	if (!n || body[n + strspn(body + n, blanks)])
		return EBADMSG;
	if (n >= size)
		return ENOSPC;
	memcpy(out, body, n);
	out[n] = '\0';
	return 0;
}

int gw_api_contact(const char *body, char *out, size_t size)
{
	struct json_object *o, *v;
	const char *c;
	int err = EBADMSG;

	if (!body || !out || !size)
		return EINVAL;
	out[0] = '\0';
	o = json_tokener_parse(body);
	if (o && json_object_object_get_ex(o, "contact", &v) &&
	    json_object_is_type(v, json_type_string)) {
		c = json_object_get_string(v);
		if (!strncasecmp(c, "sip:", 4))
			c += 4;
		if (strchr(c, '@') && !strpbrk(c, " <>\"\r\n")) {
			err = strlen(c) < size ? 0 : ENOSPC;
			if (!err)
				memcpy(out, c, strlen(c) + 1);
		}
	}
	json_object_put(o);
	return err;
}
