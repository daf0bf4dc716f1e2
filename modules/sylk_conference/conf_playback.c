/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The playback service with chat: see conf_playback.h. The rtpengine
 * requests (negotiation, play media, delete) go out without the store
 * lock; the session is found again by key afterwards. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_uri.h"

#include "conference/room/chat_session.h"
#include "conference/sdp/audio_leg.h"
#include "conference/sdp/conf_sdp.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/ng/ng_service.h"

#include "../common/ng_client.h"
#include "../common/sip_util.h"
#include "conf_audio.h"
#include "conf_config.h"
#include "conf_msrp_send.h"
#include "conf_out.h"
#include "conf_playback.h"
#include "conf_room.h"
#include "conf_session.h"
#include "conf_store.h"

#define PLAYBACK_MAX 64        /* calls at once, as the audio-only service */
#define PLAYBACK_ACK_WAIT 3    /* the playback starts without an ACK after this */
#define PLAYBACK_SDP_MAX 16384 /* rtpengine's SDP toward the caller */
#define PLAYBACK_PLAYING 3600  /* play_ends while "play media" is on its way */
#define PLAYBACK_CHAT_ONLY 600 /* a call without audio ends after 10 minutes */

/* ---- rtpengine ------------------------------------------------------------ */

static int ng_send(const struct ng_request *req, struct ng_reply **replyp)
{
	char why[128];

	return ng_client_request(req, replyp, why, sizeof(why));
}

/* The caller's audio section @p idx on its own rtpengine call, answered by
 * nobody: rtpengine's section for the caller's answer in *section
 * (malloc'd). No lock held. 0, or an errno value (the call deleted). */
static int audio_leg(const struct conf_sdp_offer *offer, int idx, const char *call_id,
		     const char *from_tag, const char *to_tag, char **section)
{
	struct sbuf sdp = SBUF_INIT;
	char *answer = malloc(PLAYBACK_SDP_MAX);
	int err = answer ? audio_leg_offer(&sdp, offer, (size_t)idx) : ENOMEM;

	if (!err)
		err = ng_service_negotiate(ng_send, call_id, from_tag, to_tag, sdp.buf, sdp.len,
					   false, answer, PLAYBACK_SDP_MAX);
	if (!err)
		err = audio_leg_section(section, answer);
	if (err)
		ng_client_delete(call_id, from_tag);
	sbuf_reset(&sdp);
	free(answer);
	return err;
}

/* play media: its length in seconds, or -1 */
static int play(const char *call_id, const char *from_tag, const char *file)
{
	struct ng_request req = {0};
	struct ng_reply *r = NULL;
	int secs;

	if (ng_service_play(&req, call_id, from_tag, file) != 0 || ng_send(&req, &r) != 0)
		return -1;
	secs = ng_service_play_seconds(r);
	ng_reply_free(r);
	return secs;
}

/* ---- answering ------------------------------------------------------------- */

/* the first offered MSRP chat stream and audio stream, -1 when none */
static void streams(const struct conf_sdp_offer *offer, int *chat, int *audio)
{
	*chat = *audio = -1;
	for (size_t i = 0; i < offer->media_count; i++) {
		const struct conf_sdp_media *m = &offer->media[i];

		if (m->port == 0)
			continue;
		if (m->kind == CONF_MEDIA_CHAT && *chat < 0)
			*chat = (int)i;
		else if (m->kind == CONF_MEDIA_AUDIO && *audio < 0)
			*audio = (int)i;
	}
}

/* lock held */
static int playing_now(void)
{
	int n = 0;

	for (struct conf_room *r = conf_room_first(); r; r = r->next)
		n += r->playback;
	return n;
}

/* what one playback call is, from its INVITE */
struct call {
	char user[CONF_URI_SIZE];
	char peer[CONF_URI_SIZE];
	char rtp_call_id[CONF_CALLID_SIZE];
	char from_tag[CONF_TAG_SIZE];
};

static int call_of(struct sip_msg *msg, struct call *c)
{
	struct to_body *from;

	if (parse_from_header(msg) < 0 || !(from = get_from(msg)) || from->tag_value.len <= 0 ||
	    !msg->callid || parse_sip_msg_uri(msg) < 0 || msg->parsed_uri.user.len <= 0)
		return EBADMSG;
	sylk_uri_aor(c->user, sizeof(c->user), &from->uri, 1);
	snprintf(c->peer, sizeof(c->peer), "sip:%.*s@%.*s", msg->parsed_uri.user.len,
		 msg->parsed_uri.user.s, msg->parsed_uri.host.len, msg->parsed_uri.host.s);
	snprintf(c->rtp_call_id, sizeof(c->rtp_call_id), "play-%.*s", msg->callid->body.len,
		 msg->callid->body.s);
	sylk_copy(c->from_tag, sizeof(c->from_tag), from->tag_value.s, from->tag_value.len);
	return 0;
}

/* Lock held: the session, its 200 in *rp to send once unlocked; or the
 * errno value of why it is not there. */
static int open_session(struct sip_msg *msg, const struct call *c,
			const struct conf_sdp_offer *offer, dlg_t *dlg,
			const struct conf_session_audio *audio, const str *file,
			struct conf_session_reply *rp)
{
	struct conf_participant *p = NULL;
	struct conf_room *r;
	int err;

	if (playing_now() >= PLAYBACK_MAX) {
		if (dlg)
			conf_tmb.free_dlg(dlg);
		return EBUSY;
	}
	err = conf_session_start(msg, c->user, c->peer, offer, dlg, audio, &p, rp);
	if (err)
		return err;
	r = conf_room_by_key(p->room_key);
	r->playback = true;
	sylk_copy(r->play_file, sizeof(r->play_file), file->s, (size_t)file->len);
	if (audio->idx >= 0) {
		p->has_audio = true; /* the call lasts the file, with or without MSRP */
		memcpy(p->rtp_call_id, c->rtp_call_id, sizeof(p->rtp_call_id));
		memcpy(p->rtp_from_tag, c->from_tag, sizeof(p->rtp_from_tag));
	} else {
		/* nothing to play: it lasts as long as its MSRP connection, at most this */
		r->play_ends = p->answered + PLAYBACK_CHAT_ONLY;
	}
	LM_NOTICE("playback service: %s answered with %s (Call-ID %s)\n", c->user,
		  audio->idx >= 0 ? "audio and chat" : "chat only", p->call_id);
	return 0;
}

/* The audio of a playback call (no lock held): its dialog, made now for
 * the to-tag rtpengine's call takes, into *dlg, rtpengine's section into
 * audio->section. 200, or the status to answer (488, 500). */
static int audio_call(struct sip_msg *msg, const struct conf_sdp_offer *offer, const struct call *c,
		      struct conf_session_audio *audio, dlg_t **dlg)
{
	char to_tag[CONF_TAG_SIZE], *section = NULL;
	int err;

	if (conf_tmb.new_dlg_uas(msg, 200, dlg) < 0 || !*dlg)
		return 500;
	sylk_copy(to_tag, sizeof(to_tag), (*dlg)->id.loc_tag.s, (size_t)(*dlg)->id.loc_tag.len);
	err = audio_leg(offer, audio->idx, c->rtp_call_id, c->from_tag, to_tag, &section);
	if (err) {
		LM_NOTICE("playback service: no audio for %s: %d\n", c->user, err);
		conf_tmb.free_dlg(*dlg);
		*dlg = NULL;
		return 488;
	}
	audio->section = section;
	return 200;
}

int conf_playback_invite(struct sip_msg *msg, const str *file)
{
	struct conf_sdp_offer *offer = NULL;
	struct conf_session_audio audio = {.idx = -1};
	struct conf_session_reply rp;
	struct call c;
	const char *reason = "Server Internal Error";
	dlg_t *dlg = NULL;
	int code = 500, chat = -1, err, rc;
	str body;

	if (msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_INVITE ||
	    sylk_msg_body(msg, &body) < 0 ||
	    conf_sdp_offer_parse(&offer, body.s, (size_t)body.len) != 0)
		return -1;
	streams(offer, &chat, &audio.idx);
	if (chat < 0) {
		conf_sdp_offer_free(offer);
		return -1;
	}
	rc = conf_tmb.t_newtran(msg);
	if (rc <= 0) {
		if (rc < 0)
			LM_ERR("cannot create the transaction of a playback INVITE (%d)\n", rc);
		conf_sdp_offer_free(offer);
		return 1;
	}
	if (call_of(msg, &c) != 0) {
		code = 400;
		reason = "Bad Request (From tag)";
		goto out;
	}
	if (!file || file->len <= 0 ||
	    file->len >= (int)sizeof(((struct conf_room *)0)->play_file)) {
		reason = "Playback file not configured";
		goto out;
	}
	if (audio.idx >= 0) {
		code = audio_call(msg, offer, &c, &audio, &dlg);
		if (code != 200) {
			reason = code == 488 ?
					 "Not Acceptable Here (no audio the media relay takes)" :
					 reason;
			goto out;
		}
	}
	conf_lock();
	err = open_session(msg, &c, offer, dlg, &audio, file, &rp);
	conf_unlock();
	if (!err)
		err = conf_session_answer(msg, &rp);
	if (err) {
		if (audio.idx >= 0)
			ng_client_delete(c.rtp_call_id, c.from_tag);
		code = err == EBUSY ? 486 : err == EPROTO ? 488 : 500;
		reason = err == EBUSY  ? "Busy Here (too many playback calls)" :
			 err == EPROTO ? "Not Acceptable Here (no usable MSRP chat stream)" :
					 reason;
		LM_NOTICE("playback service: %s not answered: %d\n", c.user, code);
		goto out;
	}
	code = 200;
out:
	free((char *)audio.section);
	conf_sdp_offer_free(offer);
	if (code != 200)
		conf_out_reply(msg, code, reason, NULL, NULL, NULL);
	return 1;
}

/* ---- playing and ending --------------------------------------------------------- */

struct play_job {
	unsigned part_key;
	char call_id[CONF_CALLID_SIZE];
	char from_tag[CONF_TAG_SIZE];
	char file[256];
};

/* Lock held: the calls whose playback starts now into @p jobs, those whose
 * playback is over ended with a BYE. How many jobs. */
static int due(struct play_job *jobs, int max, time_t now)
{
	int n = 0;

	for (struct conf_participant *p = conf_part_first(), *next; p; p = next) {
		struct conf_room *r = conf_room_by_key(p->room_key);

		next = p->next;
		if (!r || !r->playback)
			continue;
		if (r->play_ends && now >= r->play_ends) {
			LM_NOTICE("playback service: the end for %s, BYE\n", p->uri);
			conf_participant_leave(p->key, 1);
		} else if (!r->play_ends && (p->acked || now - p->answered >= PLAYBACK_ACK_WAIT) &&
			   n < max) {
			r->play_ends = now + PLAYBACK_PLAYING;
			jobs[n].part_key = p->key;
			memcpy(jobs[n].call_id, p->rtp_call_id, sizeof(jobs[n].call_id));
			memcpy(jobs[n].from_tag, p->rtp_from_tag, sizeof(jobs[n].from_tag));
			memcpy(jobs[n].file, r->play_file, sizeof(jobs[n].file));
			n++;
		}
	}
	return n;
}

void conf_playback_timer(void)
{
	struct play_job jobs[PLAYBACK_MAX]; /* 40 KiB of the timer's stack */
	int n;

	conf_lock();
	n = due(jobs, PLAYBACK_MAX, time(NULL));
	conf_unlock();
	for (int i = 0; i < n; i++) {
		int secs = play(jobs[i].call_id, jobs[i].from_tag, jobs[i].file);
		struct conf_participant *p;
		struct conf_room *r;

		if (secs < 0)
			LM_ERR("playback service: rtpengine did not play %s: the call ends\n",
			       jobs[i].file);
		conf_lock();
		p = conf_part_by_key(jobs[i].part_key);
		r = p ? conf_room_by_key(p->room_key) : NULL;
		/* a second more: rtpengine's last packets are on their way */
		if (r)
			r->play_ends = time(NULL) + (secs > 0 ? secs : 0) + 1;
		conf_unlock();
	}
}

void conf_playback_leave(struct conf_participant *p, struct conf_room *r)
{
	if (p->rtp_call_id[0])
		conf_audio_forget(p->rtp_call_id, p->rtp_from_tag);
	p->rtp_call_id[0] = '\0';
}

/* ---- in the call ----------------------------------------------------------------- */

void conf_playback_chat(struct conf_participant *p, struct conf_room *r, const char *cpim,
			size_t len)
{
	char *reply = NULL;
	size_t n = 0;
	int err = chat_session_playback_reply(p->uri, r->uri, cpim, len, &reply, &n);

	if (err == ENOENT)
		return; /* is-composing, a disposition: nothing to say */
	if (err || conf_msrp_send_to(p, "message/cpim", reply, n) < 0)
		LM_NOTICE("playback service: no reply to %s's message (%d)\n", p->uri, err);
	free(reply);
}

const char *conf_playback_reinvite(const struct conf_participant *p)
{
	LM_NOTICE("playback service: re-INVITE of %s refused; the call stays as it was\n", p->uri);
	return "Not Acceptable Here (the playback call cannot change)";
}
