/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sylkrtc_event.c  sylkRTC replies and events: build JSON text
 *
 * Every event is built through one small builder (struct ev) that knows the
 * two spellings: v2 puts the payload next to the envelope keys, v1 puts it
 * under "data" and uses underscores in the type and event names. Errors are
 * sticky in the builder so that the per-event functions read as a plain
 * list of fields.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "sylk_ws/sylkrtc/sylkrtc_event.h"
#include "sylk_ws/base/utf8.h"

#define TO_STRING_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* Depth allowed for JSON handed in by the gateway (addressbook, sync). */
#define ARG_JSON_DEPTH 32

struct ev {
	enum sylkrtc_version ver;
	struct json_object *root;
	struct json_object *body; /* where payload keys go */
	int err;                  /* first failure, sticky */
};


/* ---- strings ------------------------------------------------------------- */

/* A string object, repairing invalid UTF-8 rather than emitting it. */
static struct json_object *new_string(const char *s)
{
	size_t len = strlen(s), o = 0;
	struct json_object *obj;
	char *fixed;

	if (utf8_valid(s, len))
		return json_object_new_string_len(s, (int)len);

	fixed = malloc(len * 3 + 1);
	if (!fixed)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_decode(s + i, len - i, NULL);
		if (n) {
			memcpy(fixed + o, s + i, n);
			o += n;
			i += n;
		} else {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	obj = json_object_new_string_len(fixed, (int)o);
	free(fixed);
	return obj;
}

/* v1 spells names with underscores: "account-event" -> "account_event". */
static struct json_object *new_name(enum sylkrtc_version ver, const char *name)
{
	char buf[64];
	size_t len = strlen(name);

	if (ver != SYLKRTC_V1 || len >= sizeof(buf))
		return json_object_new_string(name);
	for (size_t i = 0; i <= len; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	return json_object_new_string(buf);
}


/* ---- builder ------------------------------------------------------------- */

static void ev_fail(struct ev *e, int err)
{
	if (!e->err)
		e->err = err;
}

static void ev_add(struct ev *e, struct json_object *parent, const char *key,
		   struct json_object *val)
{
	if (e->err) {
		json_object_put(val);
		return;
	}
	if (!val || json_object_object_add(parent, key, val) != 0) {
		json_object_put(val);
		ev_fail(e, ENOMEM);
	}
}

static void ev_init(struct ev *e, enum sylkrtc_version ver)
{
	e->ver = ver;
	e->root = NULL;
	e->body = NULL;
	e->err = 0;
	if (ver != SYLKRTC_V1 && ver != SYLKRTC_V2) {
		e->err = EINVAL;
		return;
	}
	e->root = json_object_new_object();
	e->body = e->root;
	if (!e->root)
		e->err = ENOMEM;
}

/*
 * Envelope of an event: {"sylkrtc": kind, id_key: id, "event": name} plus,
 * for v1, the "data" object that will hold the payload. @p v2_only events
 * do not exist in sylkRTC-1.
 */
static void ev_begin(struct ev *e, enum sylkrtc_version ver, bool v2_only, const char *kind,
		     const char *id_key, const char *id, const char *name)
{
	ev_init(e, ver);
	if (e->err)
		return;
	if (v2_only && ver == SYLKRTC_V1) {
		ev_fail(e, ENOTSUP);
		return;
	}
	if (!id) {
		ev_fail(e, EINVAL);
		return;
	}
	ev_add(e, e->root, "sylkrtc", new_name(ver, kind));
	ev_add(e, e->root, id_key, new_string(id));
	ev_add(e, e->root, "event", new_name(ver, name));
	if (ver == SYLKRTC_V1 && !e->err) {
		struct json_object *data = json_object_new_object();
		ev_add(e, e->root, "data", data);
		if (!e->err)
			e->body = data;
	}
}

/* Optional string: NULL leaves the key out. */
static void ev_str(struct ev *e, const char *key, const char *val)
{
	if (val && !e->err)
		ev_add(e, e->body, key, new_string(val));
}

/* Mandatory string: NULL is the caller's bug. */
static void ev_need(struct ev *e, const char *key, const char *val)
{
	if (!val)
		ev_fail(e, EINVAL);
	ev_str(e, key, val);
}

static void ev_int(struct ev *e, const char *key, int64_t val)
{
	if (!e->err)
		ev_add(e, e->body, key, json_object_new_int64(val));
}

static void ev_bool(struct ev *e, const char *key, bool val)
{
	if (!e->err)
		ev_add(e, e->body, key, json_object_new_boolean(val));
}

static struct json_object *identity_obj(struct ev *e, const struct sylkrtc_identity *id)
{
	struct json_object *o;

	if (!id || !id->uri) {
		ev_fail(e, EINVAL);
		return NULL;
	}
	if (e->err)
		return NULL;
	o = json_object_new_object();
	if (!o) {
		ev_fail(e, ENOMEM);
		return NULL;
	}
	ev_add(e, o, "uri", new_string(id->uri));
	if (id->display_name)
		ev_add(e, o, "display_name", new_string(id->display_name));
	return o;
}

static void ev_identity(struct ev *e, const char *key, const struct sylkrtc_identity *id)
{
	struct json_object *o = identity_obj(e, id);

	if (o)
		ev_add(e, e->body, key, o);
}

static struct json_object *str_array(struct ev *e, const char *const *items, size_t count)
{
	struct json_object *a;

	if (count && !items) {
		ev_fail(e, EINVAL);
		return NULL;
	}
	if (e->err)
		return NULL;
	a = json_object_new_array_ext((int)count);
	if (!a) {
		ev_fail(e, ENOMEM);
		return NULL;
	}
	for (size_t i = 0; i < count && !e->err; i++) {
		struct json_object *s;
		if (!items[i]) {
			ev_fail(e, EINVAL);
			break;
		}
		s = new_string(items[i]);
		if (!s || json_object_array_add(a, s) != 0) {
			json_object_put(s);
			ev_fail(e, ENOMEM);
		}
	}
	if (e->err) {
		json_object_put(a);
		return NULL;
	}
	return a;
}

static void ev_strlist(struct ev *e, const char *key, const char *const *items, size_t count)
{
	struct json_object *a = str_array(e, items, count);

	if (a)
		ev_add(e, e->body, key, a);
}

/* SIP headers as the {name: value} object v2 clients read. */
static void ev_headers(struct ev *e, const struct sylkrtc_header *h, size_t count)
{
	struct json_object *o;

	if (e->ver == SYLKRTC_V1 || !h || e->err)
		return;
	o = json_object_new_object();
	if (!o) {
		ev_fail(e, ENOMEM);
		return;
	}
	for (size_t i = 0; i < count; i++) {
		if (!h[i].name || !h[i].value || !utf8_valid(h[i].name, strlen(h[i].name))) {
			ev_fail(e, EINVAL);
			break;
		}
		ev_add(e, o, h[i].name, new_string(h[i].value));
	}
	if (e->err) {
		json_object_put(o);
		return;
	}
	ev_add(e, e->body, "headers", o);
}

/* JSON text supplied by the gateway, embedded as a value. */
static void ev_json(struct ev *e, const char *key, const char *text)
{
	struct json_tokener *tok;
	struct json_object *o;
	size_t len;

	if (!text || !utf8_valid(text, strlen(text)))
		ev_fail(e, EINVAL);
	if (e->err)
		return;
	len = strlen(text);
	tok = json_tokener_new_ex(ARG_JSON_DEPTH);
	if (!tok) {
		ev_fail(e, ENOMEM);
		return;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* the terminating NUL tells json-c that the input ends there */
	o = json_tokener_parse_ex(tok, text, (int)len + 1);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) < len) {
		json_object_put(o);
		json_tokener_free(tok);
		ev_fail(e, EINVAL);
		return;
	}
	json_tokener_free(tok);
	ev_add(e, e->body, key, o);
}

static int ev_finish(struct ev *e, char **jsonp)
{
	const char *text;

	if (!e->err) {
		text = json_object_to_json_string_ext(e->root, TO_STRING_FLAGS);
		*jsonp = text ? strdup(text) : NULL;
		if (!*jsonp)
			e->err = ENOMEM;
	}
	json_object_put(e->root);
	return e->err;
}

#define CHECK_OUT(jsonp)               \
	do {                           \
		if (!(jsonp))          \
			return EINVAL; \
		*(jsonp) = NULL;       \
	} while (0)


/* ---- connection and responses -------------------------------------------- */

int sylkrtc_event_ready(char **jsonp, enum sylkrtc_version ver)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_init(&e, ver);
	if (ver == SYLKRTC_V1) {
		ev_str(&e, "sylkrtc", "event");
		ev_str(&e, "event", "ready");
	} else {
		ev_str(&e, "sylkrtc", "ready-event");
	}
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_lookup_public_key(char **jsonp, enum sylkrtc_version ver, const char *uri,
				    const char *public_key)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_init(&e, ver);
	ev_str(&e, "sylkrtc", "lookup-public-key-event");
	ev_need(&e, "uri", uri);
	ev_str(&e, "public_key", public_key);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_ack(char **jsonp, enum sylkrtc_version ver, const char *transaction)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_init(&e, ver);
	ev_str(&e, "sylkrtc", "ack");
	ev_need(&e, "transaction", transaction);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_error(char **jsonp, enum sylkrtc_version ver, const char *transaction,
			const char *text)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_init(&e, ver);
	ev_str(&e, "sylkrtc", "error");
	ev_str(&e, "transaction", transaction);
	ev_need(&e, "error", text);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_error_from(char **jsonp, enum sylkrtc_version ver,
			     const struct sylkrtc_error *err)
{
	CHECK_OUT(jsonp);
	if (!err)
		return EINVAL;
	return sylkrtc_event_error(jsonp, ver, err->has_transaction ? err->transaction : NULL,
				   err->text[0] ? err->text : "Invalid request");
}


/* ---- account events -------------------------------------------------------- */

static const char *reg_state_name(enum sylkrtc_reg_state s)
{
	switch (s) {
	case SYLKRTC_REG_REGISTERING: return "registering";
	case SYLKRTC_REG_REGISTERED: return "registered";
	case SYLKRTC_REG_FAILED: return "failed";
	}
	return NULL;
}

int sylkrtc_event_registration_state(char **jsonp, enum sylkrtc_version ver, const char *account,
				     enum sylkrtc_reg_state state, const char *reason)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_begin(&e, ver, false, "account-event", "account", account, "registration-state");
	ev_need(&e, "state", reg_state_name(state));
	ev_str(&e, "reason", reason);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_incoming_session(char **jsonp, enum sylkrtc_version ver,
				   const struct sylkrtc_incoming_session *in)
{
	struct ev e;

	CHECK_OUT(jsonp);
	if (!in)
		return EINVAL;
	ev_begin(&e, ver, false, "account-event", "account", in->account, "incoming-session");
	if (ver == SYLKRTC_V1) {
		/* v1 carries the session id beside the account, outside "data" */
		if (!in->session)
			ev_fail(&e, EINVAL);
		else if (!e.err)
			ev_add(&e, e.root, "session", new_string(in->session));
		ev_need(&e, "originator", in->originator.uri);
	} else {
		ev_need(&e, "session", in->session);
		ev_identity(&e, "originator", &in->originator);
	}
	ev_need(&e, "sdp", in->sdp);
	if (ver == SYLKRTC_V2) {
		ev_str(&e, "call_id", in->call_id);
		ev_headers(&e, in->headers, in->header_count);
	}
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_missed_session(char **jsonp, enum sylkrtc_version ver, const char *account,
				 const struct sylkrtc_identity *originator)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_begin(&e, ver, true, "account-event", "account", account, "missed-session");
	ev_identity(&e, "originator", originator);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_conference_invite(char **jsonp, enum sylkrtc_version ver, const char *account,
				    const char *room, const char *session_id,
				    const struct sylkrtc_identity *originator)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_begin(&e, ver, true, "account-event", "account", account, "conference-invite");
	ev_need(&e, "room", room);
	ev_str(&e, "session_id", session_id);
	ev_identity(&e, "originator", originator);
	return ev_finish(&e, jsonp);
}


/* ---- 1:1 session events ----------------------------------------------------- */

const char *sylkrtc_session_state_name(enum sylkrtc_session_state state)
{
	switch (state) {
	case SYLKRTC_SESSION_PROGRESS: return "progress";
	case SYLKRTC_SESSION_PROCEEDING: return "proceeding";
	case SYLKRTC_SESSION_RINGING: return "ringing";
	case SYLKRTC_SESSION_EARLY_MEDIA: return "early-media";
	case SYLKRTC_SESSION_ACCEPTED: return "accepted";
	case SYLKRTC_SESSION_ESTABLISHED: return "established";
	case SYLKRTC_SESSION_TERMINATED: return "terminated";
	}
	return NULL;
}

static bool session_state_in_v1(enum sylkrtc_session_state state)
{
	return state == SYLKRTC_SESSION_PROGRESS || state == SYLKRTC_SESSION_ACCEPTED ||
	       state == SYLKRTC_SESSION_ESTABLISHED || state == SYLKRTC_SESSION_TERMINATED;
}

int sylkrtc_event_session_state(char **jsonp, enum sylkrtc_version ver,
				const struct sylkrtc_session_state_event *ev)
{
	struct ev e;
	const char *name;

	CHECK_OUT(jsonp);
	if (!ev || !(name = sylkrtc_session_state_name(ev->state)))
		return EINVAL;
	ev_begin(&e, ver, !session_state_in_v1(ev->state), "session-event", "session", ev->session,
		 "state");
	ev_str(&e, "state", name);
	if (ev->code && ver == SYLKRTC_V2)
		ev_int(&e, "code", ev->code);
	ev_str(&e, "sdp", ev->sdp);
	ev_str(&e, "reason", ev->reason);
	if (ver == SYLKRTC_V2) {
		ev_str(&e, "call_id", ev->call_id);
		ev_headers(&e, ev->headers, ev->header_count);
	}
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_session_update(char **jsonp, enum sylkrtc_version ver, const char *session,
				 enum sylkrtc_update_state state, const char *sdp,
				 const char *reason)
{
	static const char *const names[] = {"received", "accepted", "failed"};
	struct ev e;

	CHECK_OUT(jsonp);
	if ((unsigned)state >= sizeof(names) / sizeof(names[0]))
		return EINVAL;
	ev_begin(&e, ver, true, "session-event", "session", session, "update");
	ev_str(&e, "state", names[state]);
	if (state != SYLKRTC_UPDATE_FAILED)
		ev_need(&e, "sdp", sdp);
	ev_str(&e, "reason", reason);
	return ev_finish(&e, jsonp);
}


/* ---- messaging --------------------------------------------------------------- */

static bool scope_begin(struct ev *e, enum sylkrtc_version ver, enum sylkrtc_scope scope,
			const char *id, const char *name)
{
	switch (scope) {
	case SYLKRTC_SCOPE_ACCOUNT:
		ev_begin(e, ver, true, "account-event", "account", id, name);
		return true;
	case SYLKRTC_SCOPE_SESSION:
		ev_begin(e, ver, true, "session-event", "session", id, name);
		return true;
	}
	return false;
}

int sylkrtc_event_message(char **jsonp, enum sylkrtc_version ver, enum sylkrtc_scope scope,
			  const char *id, const struct sylkrtc_message *m)
{
	struct ev e;

	CHECK_OUT(jsonp);
	if (!m || !scope_begin(&e, ver, scope, id, "message"))
		return EINVAL;
	ev_identity(&e, "sender", &m->sender);
	ev_need(&e, "timestamp", m->timestamp);
	ev_need(&e, "message_id", m->message_id);
	ev_need(&e, "content_type", m->content_type);
	ev_need(&e, "content", m->content);
	if (m->disposition)
		ev_strlist(&e, "disposition_notification", m->disposition, m->disposition_count);
	ev_str(&e, "direction", m->direction);
	if (m->metadata && *m->metadata)
		ev_str(&e, "metadata", m->metadata);
	return ev_finish(&e, jsonp);
}

static const char *dn_state_name(enum sylkrtc_dn_state s)
{
	switch (s) {
	case SYLKRTC_DN_ACCEPTED: return "accepted";
	case SYLKRTC_DN_DELIVERED: return "delivered";
	case SYLKRTC_DN_DISPLAYED: return "displayed";
	case SYLKRTC_DN_FAILED: return "failed";
	case SYLKRTC_DN_PROCESSED: return "processed";
	case SYLKRTC_DN_STORED: return "stored";
	case SYLKRTC_DN_FORBIDDEN: return "forbidden";
	case SYLKRTC_DN_ERROR: return "error";
	}
	return NULL;
}

int sylkrtc_event_disposition_notification(char **jsonp, enum sylkrtc_version ver,
					   enum sylkrtc_scope scope, const char *id,
					   const struct sylkrtc_disposition *d)
{
	struct ev e;

	CHECK_OUT(jsonp);
	if (!d || !dn_state_name(d->state) ||
	    !scope_begin(&e, ver, scope, id, "disposition-notification"))
		return EINVAL;
	ev_need(&e, "message_id", d->message_id);
	ev_str(&e, "message_timestamp", d->message_timestamp);
	ev_str(&e, "state", dn_state_name(d->state));
	ev_int(&e, "code", d->code);
	ev_str(&e, "reason", d->reason ? d->reason : "");
	return ev_finish(&e, jsonp);
}

static struct json_object *history_obj(struct ev *e, const struct sylkrtc_history_message *m)
{
	struct json_object *o, *saved = e->body;

	if (!m->contact || !m->timestamp || !m->message_id || !m->content_type || !m->content) {
		ev_fail(e, EINVAL);
		return NULL;
	}
	o = json_object_new_object();
	if (!o) {
		ev_fail(e, ENOMEM);
		return NULL;
	}
	/* reuse the field helpers by pointing the body at the item */
	e->body = o;
	ev_str(e, "contact", m->contact);
	ev_str(e, "timestamp", m->timestamp);
	ev_str(e, "message_id", m->message_id);
	ev_str(e, "content_type", m->content_type);
	ev_str(e, "content", m->content);
	ev_str(e, "direction", m->direction);
	ev_str(e, "state", m->state);
	ev_str(e, "metadata", m->metadata);
	if (m->disposition)
		ev_strlist(e, "disposition", m->disposition, m->disposition_count);
	e->body = saved;
	if (e->err) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

int sylkrtc_event_sync_conversations(char **jsonp, enum sylkrtc_version ver, const char *account,
				     const struct sylkrtc_history_message *msgs, size_t count)
{
	struct ev e;
	struct json_object *a;

	CHECK_OUT(jsonp);
	ev_begin(&e, ver, true, "account-event", "account", account, "sync-conversations");
	if (count && !msgs)
		ev_fail(&e, EINVAL);
	if (e.err)
		return ev_finish(&e, jsonp);
	a = json_object_new_array_ext((int)count);
	ev_add(&e, e.body, "messages", a);
	for (size_t i = 0; i < count && !e.err; i++) {
		struct json_object *o = history_obj(&e, &msgs[i]);
		if (o && json_object_array_add(a, o) != 0) {
			json_object_put(o);
			ev_fail(&e, ENOMEM);
		}
	}
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_sync(char **jsonp, enum sylkrtc_version ver, const char *account,
		       const char *type, const char *action, const char *content_json)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_begin(&e, ver, true, "account-event", "account", account, "sync");
	ev_need(&e, "type", type);
	ev_need(&e, "action", action);
	ev_json(&e, "content", content_json);
	return ev_finish(&e, jsonp);
}


/* ---- contacts ---------------------------------------------------------------- */

int sylkrtc_event_addressbook_fetched(char **jsonp, enum sylkrtc_version ver, const char *account,
				      const char *addressbook_json)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_begin(&e, ver, true, "account-event", "account", account, "addressbook-fetched");
	ev_json(&e, "addressbook", addressbook_json);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_addressbook_updated(char **jsonp, enum sylkrtc_version ver, const char *account,
				      enum sylkrtc_ab_type type, enum sylkrtc_ab_action action,
				      const char *data_json)
{
	struct ev e;
	const char *tname = sylkrtc_ab_type_name(type);
	const char *aname = sylkrtc_ab_action_name(action);

	CHECK_OUT(jsonp);
	if (!tname || !aname)
		return EINVAL;
	ev_begin(&e, ver, true, "account-event", "account", account, "addressbook-updated");
	ev_str(&e, "type", tname);
	ev_str(&e, "action", aname);
	ev_json(&e, tname, data_json);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_addressbook_update_failed(char **jsonp, enum sylkrtc_version ver,
					    const char *account, enum sylkrtc_ab_type type,
					    enum sylkrtc_ab_action action, const char *error,
					    const char *id)
{
	struct ev e;
	const char *tname = sylkrtc_ab_type_name(type);
	const char *aname = sylkrtc_ab_action_name(action);

	CHECK_OUT(jsonp);
	if (!tname || !aname)
		return EINVAL;
	ev_begin(&e, ver, true, "account-event", "account", account, "addressbook-update-failed");
	ev_str(&e, "type", tname);
	ev_str(&e, "action", aname);
	ev_need(&e, "error", error);
	ev_str(&e, "id", id);
	return ev_finish(&e, jsonp);
}


int sylkrtc_event_presence(char **jsonp, enum sylkrtc_version ver, const char *account,
			   const char *uri, const char *state, const char *note,
			   const char *activity)
{
	struct ev e;

	CHECK_OUT(jsonp);
	ev_begin(&e, ver, true, "account-event", "account", account, "presence");
	ev_need(&e, "uri", uri);
	ev_need(&e, "state", state);
	ev_str(&e, "note", note && *note ? note : NULL);
	ev_str(&e, "activity", activity && *activity ? activity : NULL);
	return ev_finish(&e, jsonp);
}

/* ---- video rooms ---------------------------------------------------------------- */

static void room_begin(struct ev *e, enum sylkrtc_version ver, const char *session,
		       const char *name)
{
	ev_begin(e, ver, true, "videoroom-event", "session", session, name);
}

int sylkrtc_event_videoroom_session_state(char **jsonp, enum sylkrtc_version ver,
					  const struct sylkrtc_videoroom_state_event *ev)
{
	struct ev e;

	CHECK_OUT(jsonp);
	if (!ev || !session_state_in_v1(ev->state))
		return EINVAL;
	room_begin(&e, ver, ev->session, "session-state");
	ev_str(&e, "state", sylkrtc_session_state_name(ev->state));
	if (ev->state == SYLKRTC_SESSION_ACCEPTED) {
		ev_need(&e, "sdp", ev->sdp);
		ev_bool(&e, "audio", ev->audio);
		ev_bool(&e, "video", ev->video);
	}
	if (ev->state == SYLKRTC_SESSION_TERMINATED)
		ev_str(&e, "reason", ev->reason);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_publishers(char **jsonp, enum sylkrtc_version ver, const char *session,
				       bool initial, const struct sylkrtc_publisher *pubs,
				       size_t count)
{
	struct ev e;
	struct json_object *a;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, initial ? "initial-publishers" : "publishers-joined");
	if (count && !pubs)
		ev_fail(&e, EINVAL);
	if (e.err)
		return ev_finish(&e, jsonp);
	a = json_object_new_array_ext((int)count);
	ev_add(&e, e.body, "publishers", a);
	for (size_t i = 0; i < count && !e.err; i++) {
		struct sylkrtc_identity id = {pubs[i].uri, pubs[i].display_name};
		struct json_object *o;

		if (!pubs[i].id) {
			ev_fail(&e, EINVAL);
			break;
		}
		o = identity_obj(&e, &id);
		if (!o)
			break;
		ev_add(&e, o, "id", new_string(pubs[i].id));
		if (!e.err && json_object_array_add(a, o) != 0)
			ev_fail(&e, ENOMEM);
		if (e.err)
			json_object_put(o);
	}
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_publishers_left(char **jsonp, enum sylkrtc_version ver,
					    const char *session, const char *const *ids,
					    size_t count)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "publishers-left");
	ev_strlist(&e, "publishers", ids, count);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_feed_attached(char **jsonp, enum sylkrtc_version ver,
					  const char *session, const char *feed, const char *sdp)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "feed-attached");
	ev_need(&e, "feed", feed);
	ev_need(&e, "sdp", sdp);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_feed_established(char **jsonp, enum sylkrtc_version ver,
					     const char *session, const char *feed)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "feed-established");
	ev_need(&e, "feed", feed);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_configure(char **jsonp, enum sylkrtc_version ver, const char *session,
				      const char *originator, const char *const *active,
				      size_t count)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "configure");
	if (count > 2)
		ev_fail(&e, EINVAL);
	ev_need(&e, "originator", originator);
	ev_strlist(&e, "active_participants", active, count);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_file_sharing(char **jsonp, enum sylkrtc_version ver,
					 const char *session,
					 const struct sylkrtc_shared_file *files, size_t count)
{
	struct ev e;
	struct json_object *a;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "file-sharing");
	if (count && !files)
		ev_fail(&e, EINVAL);
	if (e.err)
		return ev_finish(&e, jsonp);
	a = json_object_new_array_ext((int)count);
	ev_add(&e, e.body, "files", a);
	for (size_t i = 0; i < count && !e.err; i++) {
		const struct sylkrtc_shared_file *f = &files[i];
		struct json_object *o, *up;

		if (!f->filename || !f->session || f->filesize < 0) {
			ev_fail(&e, EINVAL);
			break;
		}
		up = identity_obj(&e, &f->uploader);
		if (!up)
			break;
		o = json_object_new_object();
		if (!o) {
			json_object_put(up);
			ev_fail(&e, ENOMEM);
			break;
		}
		ev_add(&e, o, "filename", new_string(f->filename));
		ev_add(&e, o, "filesize", json_object_new_int64(f->filesize));
		ev_add(&e, o, "uploader", up);
		ev_add(&e, o, "session", new_string(f->session));
		if (!e.err && json_object_array_add(a, o) != 0)
			ev_fail(&e, ENOMEM);
		if (e.err)
			json_object_put(o);
	}
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_message(char **jsonp, enum sylkrtc_version ver, const char *session,
				    const struct sylkrtc_room_message *m)
{
	struct ev e;

	CHECK_OUT(jsonp);
	if (!m)
		return EINVAL;
	room_begin(&e, ver, session, "message");
	ev_str(&e, "type", m->status ? "status" : "normal");
	ev_need(&e, "content", m->content);
	ev_need(&e, "content_type", m->content_type);
	ev_identity(&e, "sender", &m->sender);
	ev_need(&e, "timestamp", m->timestamp);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_composing(char **jsonp, enum sylkrtc_version ver, const char *session,
				      enum sylkrtc_composing state, int refresh,
				      const char *content_type,
				      const struct sylkrtc_identity *sender)
{
	struct ev e;
	const char *name = sylkrtc_composing_name(state);

	CHECK_OUT(jsonp);
	if (!name)
		return EINVAL;
	room_begin(&e, ver, session, "composing-indication");
	ev_str(&e, "state", name);
	ev_int(&e, "refresh", refresh);
	ev_str(&e, "content_type", content_type);
	ev_identity(&e, "sender", sender);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_message_delivery(char **jsonp, enum sylkrtc_version ver,
					     const char *session, const char *message_id,
					     bool delivered, int code, const char *reason)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "message-delivery");
	ev_need(&e, "message_id", message_id);
	ev_bool(&e, "delivered", delivered);
	ev_int(&e, "code", code);
	ev_str(&e, "reason", reason ? reason : "");
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_mute_audio(char **jsonp, enum sylkrtc_version ver, const char *session,
				       const char *originator)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "mute-audio");
	ev_need(&e, "originator", originator);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_mute_request(char **jsonp, enum sylkrtc_version ver,
					 const char *session, bool muted, const char *originator)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "mute-request");
	ev_bool(&e, "muted", muted);
	ev_need(&e, "originator", originator);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_invite_status(char **jsonp, enum sylkrtc_version ver,
					  const char *session, const char *participant,
					  const char *state, int code, const char *reason)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "invite-status");
	ev_need(&e, "participant", participant);
	ev_need(&e, "state", state);
	ev_int(&e, "code", code);
	ev_need(&e, "reason", reason);
	return ev_finish(&e, jsonp);
}

int sylkrtc_event_videoroom_raised_hands(char **jsonp, enum sylkrtc_version ver,
					 const char *session, const char *const *ids, size_t count)
{
	struct ev e;

	CHECK_OUT(jsonp);
	room_begin(&e, ver, session, "raised-hands");
	ev_strlist(&e, "raised_hands", ids, count);
	return ev_finish(&e, jsonp);
}
