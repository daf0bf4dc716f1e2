/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Push notification tokens and bodies: see push_note.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sylk_ws/push/push_note.h"
#include "sylk_ws/sip/sip_fields.h"

int push_device_from_params(struct push_device *d, const char *params, const char *user_agent)
{
	static const struct {
		const char *name;
		size_t offset, size;
	} fields[] = {
		{"pn-provider", offsetof(struct push_device, platform), PUSH_PLATFORM_SIZE},
		{"pn-prid", offsetof(struct push_device, token), PUSH_TOKEN_SIZE},
		{"pn-param", offsetof(struct push_device, app), PUSH_NAME_SIZE},
		{"pn-device", offsetof(struct push_device, device), PUSH_NAME_SIZE},
	};
	char silent[4];
	int err = 0;

	if (!d || !params)
		return EINVAL;
	memset(d, 0, sizeof(*d));
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]) && !err; i++)
		err = sip_param_value(params, fields[i].name, (char *)d + fields[i].offset,
				      fields[i].size);
	if (err) {
		memset(d, 0, sizeof(*d));
		return err;
	}
	d->silent = sip_param_value(params, "pn-silent", silent, sizeof(silent)) == 0 &&
		    strcmp(silent, "1") == 0;
	if (user_agent) /* cut to fit */
		snprintf(d->user_agent, sizeof(d->user_agent), "%s", user_agent);
	return 0;
}

int push_token_pick(const char *token, enum push_event event, char *out, size_t size)
{
	const char *hash, *from;
	size_t n;

	if (!token || !out || !size)
		return EINVAL;
	hash = strchr(token, '#');
	from = token;
	n = strlen(token);
	if (hash && (event != PUSH_MESSAGE || !hash[1])) {
		n = (size_t)(hash - token); /* the voip part */
	} else if (hash) {
		from = hash + 1; /* the background part */
		n = strlen(from);
	}
	if (n >= size) {
		out[0] = '\0';
		return ENOSPC;
	}
	memcpy(out, from, n);
	out[n] = '\0';
	return 0;
}

/* Adds @p v (a string when @p s, else @p v itself) under @p key; false and
 * nothing added when it cannot. */
static bool add(struct json_object *o, const char *key, const char *s, struct json_object *v)
{
	if (s)
		v = json_object_new_string(s);
	if (v && json_object_object_add(o, key, v) == 0)
		return true;
	json_object_put(v);
	return false;
}

static const char *text(const char *s)
{
	return s ? s : "";
}

int push_note_json(char **out, const struct push_note *note, const struct push_device *d)
{
	static const char *const events[] = {
		[PUSH_CALL] = "incoming_session",
		[PUSH_MESSAGE] = "message",
		[PUSH_CONFERENCE] = "incoming_conference_request",
	};
	const char *media = note && note->video ? "video" : "audio";
	char token[PUSH_TOKEN_SIZE];
	struct json_object *o = NULL;
	bool ok;
	int err;

	if (!out || !note || !d || (unsigned)note->event > PUSH_CONFERENCE)
		return EINVAL;
	*out = NULL;
	err = push_token_pick(d->token, note->event, token, sizeof(token));
	if (err)
		return err;
	o = json_object_new_object();
	ok = o && add(o, "event", events[note->event], NULL) && add(o, "app-id", d->app, NULL) &&
	     add(o, "platform", d->platform, NULL) && add(o, "token", token, NULL) &&
	     add(o, "device-id", d->device, NULL) &&
	     add(o, "silent", NULL, json_object_new_int(d->silent ? 1 : 0)) &&
	     add(o, "call-id", text(note->call_id), NULL) &&
	     add(o, "from", text(note->from), NULL) &&
	     (!note->display || !*note->display ||
	      add(o, "from-display-name", note->display, NULL));
	if (note->event == PUSH_CONFERENCE) {
		/* "to" is the room, "account" the invitee */
		ok = ok && add(o, "to", text(note->room), NULL) &&
		     add(o, "media-type", media, NULL) &&
		     add(o, "account", text(note->account), NULL);
	} else {
		ok = ok && add(o, "to", text(note->account), NULL) &&
		     add(o, "media-type", note->event == PUSH_CALL ? media : "sms", NULL);
		if (note->event == PUSH_MESSAGE)
			ok = ok && add(o, "badge", NULL, json_object_new_int(1)) &&
			     add(o, "content-type", text(note->content_type), NULL);
	}
	if (ok) {
		const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

		*out = s ? strdup(s) : NULL;
	}
	json_object_put(o);
	return *out ? 0 : ENOMEM;
}
