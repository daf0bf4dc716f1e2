/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
/* The room level of the focus: what joining, leaving and the conference
 * event package share between the SIP and the MSRP side. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/dprint.h"
#include "modules/tm/h_table.h"
#include "modules/tm/t_hooks.h"

#include "conference/info/conf_info.h"
#include "conference/room/focus_uri.h"
#include "conference/room/screen_share.h"

#include "conf_audio.h"
#include "conf_config.h"
#include "conf_msrp_send.h"
#include "conf_out.h"
#include "conf_room.h"
#include "conf_session.h"
#include "conf_store.h"

/* The focus's Contact for a room: requests sent straight to it (SUBSCRIBE,
 * REFER, re-INVITEs outside the route set) name the room by its "focus"
 * parameter (conference/room/focus_uri.h). */
void conf_contact_of(char *buf, size_t size, const struct conf_room *r)
{
	char uri[CONF_URI_SIZE + 128];

	if (r && r->session) {
		conf_session_contact(buf, size);
		return;
	}
	if (!r || focus_contact_uri(uri, sizeof(uri), r->uri, conf_cfg.contact_host_s.s) != 0)
		snprintf(uri, sizeof(uri), "sip:%s@%.*s", r ? r->user : "focus",
			 conf_cfg.contact_host_s.len, conf_cfg.contact_host_s.s);
	snprintf(buf, size, "Contact: <%s>;isfocus\r\n", uri);
}

/* ---- conference-info -------------------------------------------------------------- */

#define MAX_LISTED 256

int conf_screen_url(char *buf, size_t size, const char *token)
{
	int n = snprintf(buf, size, "%s/conference/screen/%s", conf_cfg.http_base, token);

	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

void conf_screen_notice(const struct conf_participant *p, bool started)
{
	char url[CONF_URI_SIZE], text[CONF_URI_SIZE * 3];
	const char *name = p->display[0] ? p->display : p->uri;

	if (started && conf_screen_url(url, sizeof(url), p->screen_token) != 0)
		return;
	if (screen_share_notice(text, sizeof(text), name, started ? url : NULL) == 0)
		conf_msrp_status(p->room_key, 0, text);
}

static int build_info(char **xml, size_t *len, struct conf_room *r, unsigned version)
{
	struct conf_info_user *users = calloc(MAX_LISTED, sizeof(*users));
	struct conf_info_endpoint *eps = calloc(MAX_LISTED, sizeof(*eps));
	struct conf_info_media *media = calloc(MAX_LISTED * 2, sizeof(*media));
	char(*ep_entity)[CONF_URI_SIZE + 16] = calloc(MAX_LISTED, sizeof(*ep_entity));
	char(*screen_url)[CONF_URI_SIZE] = calloc(MAX_LISTED, sizeof(*screen_url));
	struct conf_info ci = {.entity = r->uri,
			       .version = version,
			       .display_text = r->user,
			       .conf_uri = r->uri,
			       .active = true};
	struct conf_info_file *files = calloc(MAX_LISTED, sizeof(*files));
	size_t n = 0, nf = 0;
	int rc = -1;

	if (!users || !eps || !media || !ep_entity || !files || !screen_url)
		goto out;
	for (struct conf_participant *p = conf_part_first(); p && n < MAX_LISTED; p = p->next) {
		size_t mc = 0;

		if (p->room_key != r->key || p->kind != CONF_PART_CHAT || p->joining)
			continue;
		snprintf(ep_entity[n], sizeof(ep_entity[n]), "%s;key=%u", p->uri, p->key);
		if (p->has_audio) {
			media[n * 2 + mc].id = "audio";
			media[n * 2 + mc].type = "audio";
			media[n * 2 + mc].status = p->on_hold ? "inactive" : "sendrecv";
			mc++;
		}
		if (p->has_chat) {
			media[n * 2 + mc].id = "chat";
			media[n * 2 + mc].type = "message";
			media[n * 2 + mc].status = "sendrecv";
			mc++;
		}
		eps[n].entity = ep_entity[n];
		eps[n].display_text = p->display[0] ? p->display : NULL;
		eps[n].status = p->on_hold ? "on-hold" : "connected";
		eps[n].joining_method = p->dialed_out ? "dialed-out" : "dialed-in";
		eps[n].media = &media[n * 2];
		eps[n].media_count = mc;
		users[n].entity = p->uri;
		if (p->screen_active && p->screen_token[0]) {
			conf_screen_url(screen_url[n], sizeof(screen_url[n]), p->screen_token);
			users[n].screen_image_url = screen_url[n];
		}
		users[n].display_text = p->display[0] ? p->display : NULL;
		users[n].endpoints = &eps[n];
		users[n].endpoint_count = 1;
		n++;
	}
	/* the chat's members through other modules (XMPP occupants) */
	for (struct conf_member *m = r->members; m && n < MAX_LISTED; m = m->next, n++) {
		media[n * 2].id = "chat";
		media[n * 2].type = "message";
		media[n * 2].status = "sendrecv";
		eps[n].entity = m->uri;
		eps[n].display_text = m->display[0] ? m->display : NULL;
		eps[n].status = "connected";
		eps[n].joining_method = "dialed-in";
		eps[n].media = &media[n * 2];
		eps[n].media_count = 1;
		users[n].entity = m->uri;
		users[n].display_text = m->display[0] ? m->display : NULL;
		users[n].endpoints = &eps[n];
		users[n].endpoint_count = 1;
	}
	for (struct conf_file *f = r->files; f && nf < MAX_LISTED; f = f->next, nf++) {
		files[nf].name = f->name;
		files[nf].hash = f->hash;
		files[nf].size = f->size;
		files[nf].sender = f->sender;
		files[nf].status = "completed";
	}
	ci.files = files;
	ci.file_count = nf;
	ci.users = users;
	ci.user_count_listed = n;
	ci.user_count = (unsigned)n;
	rc = conf_info_build(xml, len, &ci);
out:
	free(users);
	free(eps);
	free(media);
	free(ep_entity);
	free(files);
	free(screen_url);
	return rc;
}

static void notify_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	unsigned key = (unsigned)(uintptr_t)*ps->param;
	struct conf_subscriber *s;
	char state[64];

	conf_lock();
	s = conf_sub_by_key(key);
	if (!s || s->is_refer)
		goto out;
	s->notify_busy = false;
	/* a subscriber that is gone (481) or refuses: drop the subscription */
	if (ps->code >= 400) {
		LM_INFO("conference subscription %u dropped after %d\n", key, ps->code);
		conf_sub_destroy(s);
	} else if (s->notify_again) {
		s->notify_again = false;
		conf_active_state(state, sizeof(state), s);
		conf_notify_one(s, state);
	}
out:
	conf_unlock(); /* sends the next one */
}

int conf_send_notify(struct conf_subscriber *s, const char *state, const char *ctype,
		     const char *body, const char *event)
{
	char hdrs[CONF_HDRS_SIZE], contact[CONF_URI_SIZE + 160];
	struct conf_room *r = conf_room_by_key(s->room_key);
	int n;

	conf_contact_of(contact, sizeof(contact), r);
	n = snprintf(hdrs, sizeof(hdrs), "Event: %s\r\nSubscription-State: %s\r\n%s%s%s%s", event,
		     state, contact, ctype ? "Content-Type: " : "", ctype ? ctype : "",
		     ctype ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(hdrs) || !s->dlg)
		return -1;
	/* sent after the store lock, the CSeq taken now */
	return conf_out_within(s->dlg, "NOTIFY", hdrs, body, notify_cb, s->key) ? -1 : 0;
}

void conf_notify_one(struct conf_subscriber *s, const char *state)
{
	struct conf_room *r = conf_room_by_key(s->room_key);
	bool final = strncmp(state, "terminated", 10) == 0;
	char *xml = NULL;
	size_t len;

	/* the last one goes at once: the subscription ends with it */
	if (s->notify_busy && !final) {
		s->notify_again = true;
		return;
	}
	if (!r || build_info(&xml, &len, r, ++s->version) != 0) {
		LM_ERR("cannot build conference-info\n");
		return;
	}
	if (conf_send_notify(s, state, "application/conference-info+xml", xml, "conference") == 0)
		s->notify_busy = true;
	free(xml);
}

void conf_active_state(char *buf, size_t size, const struct conf_subscriber *s)
{
	long left = (long)(s->expires - time(NULL));

	snprintf(buf, size, "active;expires=%ld", left > 0 ? left : 0);
}

void conf_notify_room(unsigned room_key)
{
	char state[64];

	for (struct conf_subscriber *s = conf_sub_first(); s; s = s->next) {
		if (s->room_key != room_key || s->is_refer)
			continue;
		conf_active_state(state, sizeof(state), s);
		conf_notify_one(s, state);
	}
}

/* ---- leaving ------------------------------------------------------------------------- */

void conf_room_end(struct conf_room *r)
{
	struct conf_subscriber *s, *next;

	LM_NOTICE("room %s ends\n", r->uri);
	for (s = conf_sub_first(); s; s = next) {
		next = s->next;
		if (s->room_key == r->key && !s->is_refer)
			conf_notify_one(s, "terminated;reason=noresource");
	}
	conf_room_destroy(r);
}

void conf_part_bye(struct conf_participant *p)
{
	if (!p->dlg)
		return;
	p->dlg->state = DLG_CONFIRMED;
	/* sent after the store lock, the CSeq taken now */
	if (conf_out_within(p->dlg, "BYE", NULL, NULL, NULL, 0) != 0)
		LM_ERR("cannot send BYE to %s\n", p->uri);
}

/* How many participants of @p r are @p uri, their keys in @p keys unless
 * NULL */
static int kick_keys(const struct conf_room *r, const char *uri, unsigned *keys)
{
	int n = 0;

	for (struct conf_participant *p = conf_part_first(); p; p = p->next) {
		if (p->room_key != r->key || strcasecmp(p->uri, uri) != 0)
			continue;
		if (keys)
			keys[n] = p->key;
		n++;
	}
	return n;
}

int conf_kick(const char *room_uri, const char *uri, const char *who)
{
	unsigned *keys = NULL;
	struct conf_room *r;
	int n = 0;

	conf_lock();
	r = conf_room_find(room_uri);
	if (!r || (n = kick_keys(r, uri, NULL)) == 0)
		goto out;
	keys = malloc(n * sizeof(*keys));
	if (!keys) {
		LM_ERR("room %s: cannot remove %s: out of memory\n", room_uri, uri);
		n = -1;
		goto out;
	}
	kick_keys(r, uri, keys);
	LM_NOTICE("room %s: %s removed by %s (%d)\n", room_uri, uri, who, n);
	/* the keys, not the records: a leave may end the room and free them */
	for (int i = 0; i < n; i++)
		conf_participant_leave(keys[i], 1);
out:
	conf_unlock();
	free(keys);
	return n;
}

void conf_participant_leave(unsigned part_key, int send_bye)
{
	struct conf_participant *p = conf_part_by_key(part_key);
	struct conf_room *r;
	char text[CONF_URI_SIZE + 16];
	unsigned room_key;

	if (!p)
		return;
	room_key = p->room_key;
	r = conf_room_by_key(room_key);
	if (r && r->session) {
		conf_session_leave(p, r, send_bye, false);
		return;
	}
	if (send_bye)
		conf_part_bye(p);
	if (p->kind != CONF_PART_CHAT) {
		char path[1024];

		/* an upload that did not finish leaves nothing behind; it only
		 * ever wrote its own file, never a stored one */
		if (p->kind == CONF_PART_FILE_PUSH &&
		    conf_upload_path(path, sizeof(path), room_key, p->key) == 0)
			unlink(path);
		conf_part_destroy(p);
		if (r && conf_room_count(room_key) == 0 && !conf_room_persistent(r->user))
			conf_room_end(r);
		return;
	}
	conf_audio_teardown(p);
	LM_NOTICE("room %s: %s left (Call-ID %s)\n", r ? r->uri : "?", p->uri, p->call_id);
	if (p->screen_active)
		conf_screen_notice(p, false);
	if (r)
		chat_room_leave(r->chat, p->key);
	snprintf(text, sizeof(text), "%s left", p->display[0] ? p->display : p->uri);
	if (p->msrp_conn)
		conf_msrp_status(room_key, p->key, text);
	conf_part_destroy(p);
	if (!r)
		return;
	if (conf_room_count(room_key) == 0 && !conf_room_persistent(r->user))
		conf_room_end(r);
	else
		conf_notify_room(room_key);
}
