/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
/* The SIP side of the focus. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_expires.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "modules/tm/h_table.h"
#include "modules/tm/t_hooks.h"

#include "conference/info/conf_info.h"
#include "conference/sdp/conf_offer.h"
#include "conference/sdp/conf_sdp.h"
#include "conference/room/focus_uri.h"
#include "conference/msrp/msrp_message.h"
#include "conference/room/room_policy.h"
#include "conference/room/screen_share.h"
#include "sylk_ws/sip/sip_fields.h"

#include "conf_audio.h"
#include "conf_config.h"
#include "conf_msrp_send.h"
#include "conf_out.h"
#include "conf_room.h"
#include "conf_session.h"
#include "conf_sip.h"
#include "conf_stats.h"
#include "conf_store.h"

/* core/tcp_main.c, not in a header (the binary is linked with -rdynamic):
 * 1 while the connection of that id is open, a hash lookup under the core's
 * connection lock, no I/O */
extern int tcpconn_exists(int conn_id, ip_addr_t *peer_ip, int peer_port, ip_addr_t *local_ip,
			  int local_port);

/* on the focus's dial-outs: who asked for the call (the script's relay
 * policy is that person's) */
#define CONF_REFERRER_HDR "X-Sylk-Referrer"

/* ---- helpers ------------------------------------------------------------------ */

/* Every reply here goes out with the store lock let go (conf_out_reply()):
 * what it needs is copied under the lock, and whatever follows it (the
 * first NOTIFY, a participant answered) finds its object again by key. */

/* answers a request in its own transaction; 0 for a retransmission */
static int reply(struct sip_msg *msg, int code, char *text)
{
	int rc = conf_tmb.t_newtran(msg);

	if (rc > 0 && conf_out_reply(msg, code, text, NULL, NULL, NULL) < 0)
		LM_ERR("cannot send %d\n", code);
	return 1;
}

/* the current transaction's final reply without body or headers */
static void refuse(struct sip_msg *msg, int code, const char *text)
{
	if (conf_out_reply(msg, code, text, NULL, NULL, NULL) < 0)
		LM_ERR("cannot send %d\n", code);
}

/* the current transaction's final reply with body and headers; @p tag is
 * a copy of the To-tag: the dialog it came from may be gone once unlocked */
static int reply_body(struct sip_msg *msg, int code, const char *text, const char *body,
		      const char *hdrs, const char *tag)
{
	str to_tag = {(char *)tag, (int)strlen(tag)};

	return conf_out_reply(msg, code, text, hdrs, body, &to_tag);
}

/* random, and unique by construction: the participant key is unique */
static void new_msrp_id(struct conf_participant *p)
{
	char rnd[32];

	msrp_ident_generate(rnd, sizeof(rnd));
	snprintf(p->msrp_id, sizeof(p->msrp_id), "%.20s%x", rnd, p->key);
}

/* Access lists: the global deny and allow lists, then the room's own. */
static bool denied(const char *room_user, const char *uri)
{
	return room_access_denied(conf_cfg.deny_users, conf_cfg.allow_users,
				  conf_access_for(room_user), uri);
}

/* ---- joining ------------------------------------------------------------------------- */

_Static_assert(CONF_PART_CHAT == (int)CONF_OFFER_CHAT &&
		       CONF_PART_FILE_PUSH == (int)CONF_OFFER_FILE_PUSH &&
		       CONF_PART_FILE_PULL == (int)CONF_OFFER_FILE_PULL,
	       "participant kinds and offer roles line up");

/* Decide per offered stream (conference/sdp/conf_offer.h); the participant
 * takes what the taken streams made of it. Returns how many were taken. */
static int decide(const struct conf_sdp_offer *offer, struct conf_sdp_answer_media *ans,
		  struct conf_participant *p)
{
	const struct conf_offer_limits lim = {
		.msrp_port = (unsigned)conf_cfg.msrp_port,
		.msrps_port = (unsigned)(conf_cfg.msrps_port > 0 ? conf_cfg.msrps_port : 0),
		.max_file_size = (uint64_t)conf_cfg.max_file_size,
	};
	struct conf_offer_result res = {.role = (enum conf_offer_role)p->kind,
					.has_chat = p->has_chat,
					.file_size = p->file_size};
	int accepted = conf_offer_decide(offer, ans, &lim, &res);

	if (res.notice)
		LM_NOTICE("%s %s\n", p->uri, res.notice);
	p->kind = (enum conf_part_kind)res.role;
	p->has_chat = res.has_chat;
	if (res.their_path) {
		p->msrp_secure = res.msrp_secure;
		sylk_copy(p->msrp_their_path, sizeof(p->msrp_their_path), res.their_path,
			  strlen(res.their_path));
	}
	if (res.file_hash)
		sylk_copy(p->file_hash, sizeof(p->file_hash), res.file_hash, strlen(res.file_hash));
	if (res.file_name)
		sylk_copy(p->file_name, sizeof(p->file_name), res.file_name, strlen(res.file_name));
	if (res.file_type)
		sylk_copy(p->file_type, sizeof(p->file_type), res.file_type, strlen(res.file_type));
	p->file_size = res.file_size;
	return accepted;
}

/* The stored file a pull asks for. Lock held. */
static struct conf_file *room_file(struct conf_room *r, const char *hash)
{
	for (struct conf_file *f = r->files; f; f = f->next)
		if (file_store_hash_equal(f->hash, hash))
			return f;
	return NULL;
}

static void free_raw(struct conf_sdp_answer_media *ans, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)ans[i].raw_section);
		ans[i].raw_section = NULL;
	}
}

/* The offered audio stream that goes through rtpengine to a mixer (the
 * first one of a chat participant; the others are refused), -1 if none. */
static int audio_index(const struct conf_sdp_offer *offer, const struct conf_participant *p)
{
	if (p->kind != CONF_PART_CHAT)
		return -1;
	for (size_t i = 0; i < offer->media_count; i++)
		if (offer->media[i].kind == CONF_MEDIA_AUDIO && offer->media[i].port != 0)
			return (int)i;
	return -1;
}

/* What setting up a participant's audio leg needs, copied under the lock
 * so the rtpengine and mixer round trips can run without it. */
struct audio_job {
	int idx; /* offered section, -1: no audio */
	unsigned room_key, part_key;
	char who[CONF_URI_SIZE];
	char call_id[CONF_CALLID_SIZE];
	char from_tag[CONF_TAG_SIZE];
	char to_tag[CONF_TAG_SIZE];
	struct conf_audio_leg leg;
	int err;
};

static void audio_job_prepare(struct audio_job *j, const struct conf_sdp_offer *offer,
			      const struct conf_participant *p, const str *from_tag)
{
	memset(j, 0, sizeof(*j));
	j->idx = audio_index(offer, p);
	j->room_key = p->room_key;
	j->part_key = p->key;
	j->err = EPROTO;
	memcpy(j->who, p->uri, sizeof(j->who));
	memcpy(j->call_id, p->call_id, sizeof(j->call_id));
	memcpy(j->to_tag, p->local_tag, sizeof(j->to_tag));
	sylk_copy(j->from_tag, sizeof(j->from_tag), from_tag->s, from_tag->len);
}

/* Lock NOT held. */
static void audio_job_run(struct audio_job *j, const struct conf_sdp_offer *offer)
{
	if (j->idx >= 0)
		j->err = conf_audio_setup(&j->leg, j->room_key, j->part_key, j->who, offer,
					  (size_t)j->idx, j->call_id, j->from_tag, j->to_tag);
}

/* The participant (found again, lock held) takes the leg; its answer
 * section goes to @p ans. Returns 1 when audio was accepted. */
static int audio_job_finish(struct audio_job *j, struct conf_participant *p,
			    struct conf_sdp_answer_media *ans)
{
	p->has_audio = false;
	if (j->idx < 0 || j->err)
		return 0;
	conf_audio_attach(p, &j->leg);
	ans[j->idx].accept = true;
	ans[j->idx].raw_section = j->leg.section;
	j->leg.section = NULL;
	p->has_audio = true;
	return 1;
}

/* The participant went away while its leg was set up. Lock NOT held. */
static void audio_job_abandon(struct audio_job *j)
{
	if (j->idx >= 0 && !j->err)
		conf_audio_release(&j->leg, j->room_key, j->part_key);
}

/* Whether a room may be opened for this request (lock held); else the
 * refusal to send after the unlock in *code and *reason. */
static bool may_open(const char *room_uri, const char *uri, bool authenticated, const char *src_ip,
		     const char *creator, int *code, char **reason)
{
	unsigned total, mine;
	int err;

	if (!room_policy_may_create(&conf_cfg.policy, authenticated, uri)) {
		LM_NOTICE("%s from %s may not open room %s (room_creators)\n", uri, src_ip,
			  room_uri);
		*code = 403;
		*reason = "Forbidden (no such room, and only local users open rooms)";
		return false;
	}
	conf_room_totals(creator, &total, &mine);
	err = room_policy_room_cap(total, mine, (unsigned)conf_cfg.max_rooms,
				   (unsigned)conf_cfg.max_rooms_per_source);
	if (err == ENOSPC) {
		LM_WARN("room %s not opened for %s: %u rooms is max_rooms\n", room_uri, uri, total);
		*code = 503;
		*reason = "Service Unavailable (too many rooms on this server)";
		return false;
	}
	if (err) {
		LM_NOTICE("room %s not opened for %s: %s holds %u rooms (max_rooms_per_source)\n",
			  room_uri, uri, creator, mine);
		*code = 403;
		*reason = "Forbidden (too many rooms opened from here)";
		return false;
	}
	return true;
}

/* A push of a file the room already has: the stored file is never
 * written again (two pushes in flight each write their own upload file;
 * the first verified one is stored, the other one dropped). Lock held. */
static bool file_already_stored(struct conf_room *r, const struct conf_participant *p)
{
	return p->kind == CONF_PART_FILE_PUSH && room_file(r, p->file_hash) != NULL;
}

/* A participant that could not join, and its room if that is now empty.
 * Lock held. */
static void unjoin(struct conf_participant *p, struct conf_room *r)
{
	if (p)
		conf_part_destroy(p);
	if (r && conf_room_count(r->key) == 0)
		conf_room_destroy(r);
}

/* After the 200 to a join went out (lock NOT held): the participant,
 * found again, is answered and its room told, or it leaves when tm could
 * not send the 200. Until then it was `joining`: listed nowhere. */
static void join_answered(unsigned part_key, bool sent)
{
	struct conf_participant *p;
	struct conf_room *r;

	conf_lock();
	p = conf_part_by_key(part_key);
	r = p ? conf_room_by_key(p->room_key) : NULL;
	if (!p || !r) {
		LM_NOTICE("participant %u left before its 200 was sent\n", part_key);
		goto out;
	}
	p->joining = false;
	if (!sent) {
		LM_ERR("cannot answer the INVITE of %s\n", p->uri);
		conf_participant_leave(p->key, 0);
		goto out;
	}
	p->answered = time(NULL);
	if (p->has_chat || p->kind != CONF_PART_CHAT)
		p->msrp_wait_since = p->answered;
	CONF_STAT_INC(joins);
	LM_NOTICE("room %s: %s joined (Call-ID %s, %d sessions)\n", r->uri, p->uri, p->call_id,
		  conf_room_count(r->key));
	if (p->kind == CONF_PART_CHAT)
		conf_notify_room(r->key);
out:
	conf_unlock(); /* the NOTIFYs go after the 200 */
}

static int join(struct sip_msg *msg, const char *room_uri, const char *room_user)
{
	struct conf_sdp_offer *offer = NULL;
	struct conf_sdp_answer_media ans[CONF_SDP_MAX_MEDIA];
	struct conf_participant *p = NULL;
	struct conf_room *r;
	struct to_body *from;
	struct audio_job job;
	char uri[CONF_URI_SIZE], path[CONF_PATH_SIZE], hdrs[CONF_HDRS_SIZE], *sdp = NULL;
	char src_ip[64], creator[CONF_URI_SIZE + 8], tag[CONF_TAG_SIZE];
	bool authenticated = conf_authenticated(msg), locked = false, have_ans = false;
	dlg_t *dlg = NULL;
	str body;
	/* the refusal, sent on the way out (0: none, or already sent) */
	int code = 500;
	char *reason = "Server Internal Error";
	int accepted, rc = conf_tmb.t_newtran(msg);

	if (rc == 0)
		return 1;
	if (rc < 0) {
		LM_ERR("cannot create a transaction (%d)\n", rc);
		return 1;
	}
	if (parse_from_header(msg) < 0 || !(from = get_from(msg)) || !msg->callid) {
		code = 400;
		reason = "Bad Request";
		goto out;
	}
	sylk_uri_aor(uri, sizeof(uri), &from->uri, 1);
	sylk_copy(src_ip, sizeof(src_ip), ip_addr2a(&msg->rcv.src_ip),
		  strlen(ip_addr2a(&msg->rcv.src_ip)));
	/* rooms are counted per authenticated user, else per address (the
	 * gateway relays every browser from this server's own address) */
	snprintf(creator, sizeof(creator), "%s%s",
		 authenticated ? "user:" : "ip:", authenticated ? uri : src_ip);
	if (denied(room_user, uri)) {
		LM_NOTICE("%s refused from room %s by deny_users\n", uri, room_uri);
		code = 403;
		reason = "Forbidden";
		goto out;
	}
	if (!room_policy_may_join(&conf_cfg.policy, authenticated)) {
		LM_NOTICE("%s from %s refused from room %s: not authenticated (room_joiners)\n",
			  uri, src_ip, room_uri);
		code = 403;
		reason = "Forbidden (rooms are for authenticated users)";
		goto out;
	}
	if (sylk_msg_body(msg, &body) < 0 ||
	    conf_sdp_offer_parse(&offer, body.s, (size_t)body.len) != 0) {
		LM_NOTICE("INVITE to %s from %s without a usable SDP offer\n", room_uri, uri);
		code = 488;
		reason = "Not Acceptable Here (no usable SDP offer)";
		goto out;
	}
	conf_lock();
	locked = true;
	r = conf_room_find(room_uri);
	if (r && conf_room_count(r->key) >= conf_cfg.max_participants) {
		code = 486;
		reason = "Busy Here (room full)";
		goto out;
	}
	if (!r) {
		if (!may_open(room_uri, uri, authenticated, src_ip, creator, &code, &reason))
			goto out;
		r = conf_room_new(room_uri, room_user);
		if (r) {
			sylk_copy(r->creator, sizeof(r->creator), creator, strlen(creator));
			LM_NOTICE("room %s opened by %s from %s\n", room_uri, uri, src_ip);
		}
	}
	if (r)
		p = conf_part_new(r->key);
	if (!p) {
		unjoin(NULL, r);
		goto out;
	}
	sylk_copy(p->uri, sizeof(p->uri), uri, strlen(uri));
	sylk_copy(p->src_ip, sizeof(p->src_ip), src_ip, strlen(src_ip));
	p->authenticated = authenticated;
	if (from->display.len > 0)
		sip_display_bare(p->display, sizeof(p->display), from->display.s,
				 (size_t)from->display.len);
	new_msrp_id(p);
	if (conf_tmb.new_dlg_uas(msg, 200, &dlg) < 0 || !dlg) {
		unjoin(p, r);
		goto out;
	}
	p->dlg = dlg;
	dlg = NULL;
	sylk_copy(p->call_id, sizeof(p->call_id), msg->callid->body.s, msg->callid->body.len);
	sylk_copy(p->local_tag, sizeof(p->local_tag), p->dlg->id.loc_tag.s, p->dlg->id.loc_tag.len);
	accepted = decide(offer, ans, p);
	have_ans = true;
	if (file_already_stored(r, p)) {
		unjoin(p, r);
		LM_NOTICE("room %s: %s offered a file the room already has: refused\n", room_uri,
			  uri);
		code = 488;
		reason = "Not Acceptable Here (this file is already in the room)";
		goto out;
	}
	/* rtpengine and the mixer are asked without the lock: one slow reply
	 * must not stop every room's audio and chat */
	audio_job_prepare(&job, offer, p, &from->tag_value);
	p->joining = true;
	conf_unlock();
	audio_job_run(&job, offer);
	conf_lock();
	p = conf_part_by_key(job.part_key);
	r = conf_room_by_key(job.room_key);
	if (!p || !r) {
		conf_unlock();
		locked = false;
		audio_job_abandon(&job);
		LM_NOTICE("room %s ended while %s joined\n", room_uri, uri);
		code = 480;
		reason = "Temporarily Unavailable (the room ended)";
		goto out;
	}
	accepted += audio_job_finish(&job, p, ans);
	if (accepted == 0) {
		bool mixer_full = job.idx >= 0 && job.err != EPROTO;

		unjoin(p, r);
		LM_NOTICE("INVITE to %s from %s: %s\n", room_uri, uri,
			  mixer_full ? "no mixer can take the audio" : "no stream the focus takes");
		code = mixer_full ? 503 : 488;
		reason = mixer_full ? "Service Unavailable (no audio mixer port)" :
				      "Not Acceptable Here";
		goto out;
	}
	if (p->kind == CONF_PART_FILE_PULL && room_file(r, p->file_hash)) {
		struct conf_file *f = room_file(r, p->file_hash);

		p->file_size = f->size;
		if (!p->file_type[0])
			sylk_copy(p->file_type, sizeof(p->file_type), f->type, strlen(f->type));
		if (!p->file_name[0])
			sylk_copy(p->file_name, sizeof(p->file_name), f->name, strlen(f->name));
	} else if (p->kind == CONF_PART_FILE_PULL) {
		unjoin(p, r);
		LM_NOTICE("room %s: %s asked for an unknown file\n", room_uri, uri);
		code = 404;
		reason = "Not Found (no such file in this room)";
		goto out;
	}
	conf_msrp_our_path(path, sizeof(path), p);
	for (size_t i = 0; i < offer->media_count; i++)
		if (ans[i].accept && offer->media[i].kind != CONF_MEDIA_AUDIO)
			ans[i].path = path;
	if ((p->kind == CONF_PART_CHAT &&
	     chat_room_join(r->chat, p->key, p->uri, p->display[0] ? p->display : NULL) != 0) ||
	    conf_sdp_answer_build(&sdp, offer, ans, offer->media_count, conf_cfg.msrp_host_s.s,
				  p->key, ++p->sdp_version) != 0) {
		chat_room_leave(r->chat, p->key);
		conf_audio_teardown(p);
		unjoin(p, r);
		goto out;
	}
	code = 0;
	conf_contact_of(hdrs, sizeof(hdrs), r);
	strncat(hdrs, "Content-Type: application/sdp\r\n", sizeof(hdrs) - strlen(hdrs) - 1);
	memcpy(tag, p->local_tag, sizeof(tag));
	conf_unlock();
	locked = false;
	join_answered(job.part_key, reply_body(msg, 200, "OK", sdp, hdrs, tag) == 0);
out:
	if (locked)
		conf_unlock();
	if (have_ans)
		free_raw(ans, offer->media_count);
	conf_sdp_offer_free(offer);
	free(sdp);
	if (code)
		refuse(msg, code, reason);
	return 1;
}

/* What the 200 to a re-INVITE takes and what follows it, decided under
 * the lock. */
struct reanswer {
	char *sdp;
	char hdrs[CONF_HDRS_SIZE];
	char tag[CONF_TAG_SIZE];
	const char *reason; /* of a refusal */
	bool had_chat;
	int accepted;
};

/* The new audio leg of a re-INVITE (lock held once, let go while the leg
 * is set up). The participant found again, or NULL when it went. */
static struct conf_participant *reinvite_audio(struct conf_participant *p,
					       const struct conf_sdp_offer *offer,
					       struct conf_sdp_answer_media *ans,
					       struct to_body *from, int *accepted)
{
	struct audio_job job;

	if (!from)
		return p;
	audio_job_prepare(&job, offer, p, &from->tag_value);
	if (job.idx < 0)
		return p;
	/* the old leg's delete goes out here, before the new offer */
	conf_unlock();
	audio_job_run(&job, offer);
	conf_lock();
	p = conf_part_by_key(job.part_key);
	if (!p || !conf_room_by_key(p->room_key)) {
		conf_unlock();
		audio_job_abandon(&job);
		conf_lock();
		return NULL;
	}
	*accepted += audio_job_finish(&job, p, ans);
	return p;
}

/* The answer to the re-INVITE of participant @p key (lock held once): 200
 * with a->sdp, or the status to refuse with and a->reason. */
static int reinvite_answer(struct sip_msg *msg, unsigned key, const struct conf_sdp_offer *offer,
			   struct reanswer *a)
{
	struct conf_sdp_answer_media ans[CONF_SDP_MAX_MEDIA];
	struct conf_participant *p = conf_part_by_key(key);
	struct conf_room *r = p ? conf_room_by_key(p->room_key) : NULL;
	char path[CONF_PATH_SIZE];
	bool had_audio;
	int code = 200;

	a->reason = "Call/Transaction Does Not Exist";
	if (!p || !r)
		return 481;
	a->reason = "Not Acceptable Here (no usable SDP offer)";
	if (p->kind != CONF_PART_CHAT)
		return 488;
	a->had_chat = p->has_chat;
	had_audio = p->has_audio;
	p->has_chat = false;
	a->accepted = decide(offer, ans, p);
	/* the audio leg is set up anew: new direction, maybe new codecs */
	conf_audio_teardown(p);
	p->has_audio = false;
	p = reinvite_audio(p, offer, ans, parse_from_header(msg) == 0 ? get_from(msg) : NULL,
			   &a->accepted);
	a->reason = "Call/Transaction Does Not Exist";
	if (!p) {
		code = 481;
		goto out;
	}
	conf_msrp_our_path(path, sizeof(path), p);
	for (size_t i = 0; i < offer->media_count; i++)
		if (ans[i].accept)
			ans[i].path = path;
	conf_tmb.dlg_request_uas(p->dlg, msg, IS_TARGET_REFRESH);
	if (conf_sdp_answer_build(&a->sdp, offer, ans, offer->media_count, conf_cfg.msrp_host_s.s,
				  p->key, ++p->sdp_version) != 0) {
		p->has_chat = a->had_chat;
		p->has_audio = had_audio;
		a->reason = "Server Internal Error";
		code = 500;
		goto out;
	}
	conf_contact_of(a->hdrs, sizeof(a->hdrs), conf_room_by_key(p->room_key));
	strncat(a->hdrs, "Content-Type: application/sdp\r\n",
		sizeof(a->hdrs) - strlen(a->hdrs) - 1);
	memcpy(a->tag, p->local_tag, sizeof(a->tag));
out:
	free_raw(ans, offer->media_count);
	return code;
}

/* After the 200 to a re-INVITE (lock held): the participant, found again,
 * leaves when every stream went, else the room hears of the change. */
static void reinvite_done(unsigned key, const struct reanswer *a)
{
	struct conf_participant *p = conf_part_by_key(key);

	if (!p)
		return;
	if (!a->accepted) {
		/* every stream removed: the participant's session is over */
		conf_participant_leave(p->key, 1);
		return;
	}
	if (a->had_chat != p->has_chat) {
		/* a new chat stream binds a new connection; a removed one
		 * leaves its connection unused */
		p->msrp_conn = 0;
		LM_INFO("%s %s chat\n", p->uri, p->has_chat ? "added" : "removed");
	}
	if (p->has_chat && !p->msrp_conn)
		p->msrp_wait_since = time(NULL);
	/* holds and media changes show in conference-info */
	conf_notify_room(p->room_key);
}

/* A participant adds or removes streams (its transaction made, lock NOT
 * held): answered under the lock, the reply sent after it, and what
 * follows done with the participant found again. */
static void reinvite(struct sip_msg *msg, unsigned key)
{
	struct conf_sdp_offer *offer = NULL;
	struct reanswer a = {0};
	int code;
	str body;

	if (sylk_msg_body(msg, &body) < 0 ||
	    conf_sdp_offer_parse(&offer, body.s, (size_t)body.len) != 0) {
		refuse(msg, 488, "Not Acceptable Here (no usable SDP offer)");
		return;
	}
	conf_lock();
	code = reinvite_answer(msg, key, offer, &a);
	conf_unlock();
	conf_sdp_offer_free(offer);
	if (code != 200) {
		free(a.sdp);
		refuse(msg, code, a.reason);
		return;
	}
	if (reply_body(msg, 200, "OK", a.sdp, a.hdrs, a.tag) < 0)
		LM_ERR("cannot answer a re-INVITE (participant %u)\n", key);
	free(a.sdp);
	conf_lock();
	reinvite_done(key, &a);
	conf_unlock();
}

/* ---- subscriptions --------------------------------------------------------------------- */

static int event_is(struct sip_msg *msg, const char *name)
{
	str e;
	int n = 0;

	if (!msg->event || msg->event->body.len <= 0)
		return 0;
	e = msg->event->body;
	while (n < e.len && e.s[n] != ';' && e.s[n] != ' ' && e.s[n] != '\t')
		n++;
	return n == (int)strlen(name) && strncasecmp(e.s, name, n) == 0;
}

static int requested_expires(struct sip_msg *msg)
{
	int e = conf_cfg.subscribe_expires;

	if (msg->expires && parse_expires(msg->expires) == 0)
		e = (int)((exp_body_t *)msg->expires->parsed)->val;
	if (e > conf_cfg.subscribe_expires)
		e = conf_cfg.subscribe_expires;
	return e < 0 ? 0 : e;
}

/* A new subscription's first NOTIFY, once its 200 went out (lock NOT
 * held): the subscriber joins the store now, so that no NOTIFY of a
 * change can overtake the 200; a final one when the SUBSCRIBE ended it
 * (Expires 0) or the room ended meanwhile. */
static void subscribed(struct conf_subscriber *s, int expires)
{
	char state[64];

	conf_lock();
	conf_sub_link(s);
	if (!conf_room_by_key(s->room_key)) {
		conf_send_notify(s, "terminated;reason=noresource", NULL, NULL, "conference");
		conf_sub_destroy(s);
	} else if (expires == 0) {
		conf_notify_one(s, "terminated;reason=timeout");
		conf_sub_destroy(s);
	} else {
		conf_active_state(state, sizeof(state), s);
		conf_notify_one(s, state);
	}
	conf_unlock(); /* sends it */
}

/* The subscriber of SUBSCRIBE @p msg to @p room_uri, not in the store yet
 * (lock held); NULL with the refusal in *code and *reason. */
static struct conf_subscriber *subscriber(struct sip_msg *msg, const char *room_uri, int expires,
					  char *hdrs, size_t size, int *code, char **reason)
{
	struct conf_room *r = conf_room_find(room_uri);
	struct conf_subscriber *s;
	dlg_t *dlg = NULL;

	if (!r) {
		*code = 480;
		*reason = "Temporarily Unavailable (no such conference)";
		return NULL;
	}
	if (conf_tmb.new_dlg_uas(msg, 200, &dlg) < 0 || !dlg || !(s = conf_sub_alloc(r->key))) {
		if (dlg)
			conf_tmb.free_dlg(dlg);
		*code = 500;
		*reason = "Server Internal Error";
		return NULL;
	}
	s->dlg = dlg;
	s->expires = time(NULL) + expires;
	sylk_copy(s->call_id, sizeof(s->call_id), msg->callid->body.s, msg->callid->body.len);
	sylk_copy(s->local_tag, sizeof(s->local_tag), dlg->id.loc_tag.s, dlg->id.loc_tag.len);
	conf_contact_of(hdrs, size, r);
	snprintf(hdrs + strlen(hdrs), size - strlen(hdrs), "Expires: %d\r\n", expires);
	return s;
}

static int subscribe(struct sip_msg *msg, const char *room_uri)
{
	struct conf_subscriber *s;
	char hdrs[CONF_HDRS_SIZE], *reason = NULL;
	int expires, rc, code = 0;

	if (!event_is(msg, "conference"))
		return reply(msg, 489, "Bad Event");
	/* conference-info names everyone and their screen URLs: whoever may
	 * not join may not watch either */
	if (parse_from_header(msg) == 0 && get_from(msg)) {
		char uri[CONF_URI_SIZE], user[CONF_URI_SIZE];
		const char *at = strchr(room_uri, '@'), *colon = strchr(room_uri, ':');

		sylk_uri_aor(uri, sizeof(uri), &get_from(msg)->uri, 1);
		if (at && colon && colon < at)
			sylk_copy(user, sizeof(user), colon + 1, (size_t)(at - colon - 1));
		else
			user[0] = '\0';
		if (denied(user, uri) ||
		    !room_policy_may_join(&conf_cfg.policy, conf_authenticated(msg))) {
			LM_NOTICE("%s may not watch %s\n", uri, room_uri);
			return reply(msg, 403, "Forbidden");
		}
	}
	expires = requested_expires(msg);
	rc = conf_tmb.t_newtran(msg);
	if (rc <= 0)
		return 1;
	conf_lock();
	s = subscriber(msg, room_uri, expires, hdrs, sizeof(hdrs), &code, &reason);
	conf_unlock();
	if (!s) {
		refuse(msg, code, reason);
		return 1;
	}
	/* s is this process's alone until subscribed() links it */
	if (reply_body(msg, 200, "OK", NULL, hdrs, s->local_tag) < 0) {
		conf_lock();
		conf_sub_destroy(s);
		conf_unlock();
		return 1;
	}
	subscribed(s, expires);
	return 1;
}

/* A refresh (or the end: Expires 0) of subscription @p key (lock NOT
 * held): the 200, then the NOTIFY, the subscription found again. */
static void resubscribe(struct sip_msg *msg, unsigned key)
{
	struct conf_subscriber *s;
	char hdrs[64], tag[CONF_TAG_SIZE], state[64];
	int expires = requested_expires(msg);
	bool found = false;

	if (conf_tmb.t_newtran(msg) <= 0)
		return;
	conf_lock();
	s = conf_sub_by_key(key);
	if (s) {
		conf_tmb.dlg_request_uas(s->dlg, msg, IS_TARGET_REFRESH);
		memcpy(tag, s->local_tag, sizeof(tag));
		found = true;
	}
	conf_unlock();
	if (!found) {
		refuse(msg, 481, "Call/Transaction Does Not Exist");
		return;
	}
	snprintf(hdrs, sizeof(hdrs), "Expires: %d\r\n", expires);
	reply_body(msg, 200, "OK", NULL, hdrs, tag);
	conf_lock();
	s = conf_sub_by_key(key);
	if (!s)
		goto out;
	s->expires = time(NULL) + expires;
	if (expires == 0) {
		conf_notify_one(s, "terminated;reason=timeout");
		conf_sub_destroy(s);
		goto out;
	}
	conf_active_state(state, sizeof(state), s);
	conf_notify_one(s, state);
out:
	conf_unlock();
}

void conf_sip_timer(void)
{
	struct conf_subscriber *s, *next;
	time_t now = time(NULL);

	conf_lock();
	for (struct conf_participant *p = conf_part_first(), *next; p; p = next) {
		next = p->next;
		/* a 200 that never got its ACK: the caller is not there
		 * (RFC 3261 13.3.1.4: the dialog ends with a BYE) */
		if (!p->acked && p->answered && !p->dialed_out &&
		    now - p->answered > conf_cfg.ack_timeout) {
			LM_NOTICE("%s from %s never ACKed its 200 in %ds: removed\n", p->uri,
				  p->src_ip, conf_cfg.ack_timeout);
			conf_participant_leave(p->key, 1);
			continue;
		}
		/* a chat or file stream whose MSRP connection never came, and
		 * nothing else to keep it */
		if (p->msrp_wait_since && !p->msrp_conn && !p->has_audio &&
		    (p->has_chat || p->kind != CONF_PART_CHAT) &&
		    now - p->msrp_wait_since > conf_cfg.msrp_timeout) {
			LM_NOTICE("%s never connected its MSRP session in %ds: removed\n", p->uri,
				  conf_cfg.msrp_timeout);
			conf_participant_leave(p->key, 1);
			continue;
		}
		/* the MSRP connection closed without a BYE (the client crashed or
		 * lost its network): a chat or file participant is gone, one
		 * with audio keeps it and may bind a new connection */
		if (p->msrp_conn && !tcpconn_exists(p->msrp_conn, NULL, 0, NULL, 0)) {
			if (!p->has_audio) {
				LM_NOTICE("%s from %s: MSRP connection closed without a BYE:"
					  " removed\n",
					  p->uri, p->src_ip);
				conf_participant_leave(p->key, 1);
				continue;
			}
			p->msrp_conn = 0;
		}
		/* an audio-only participant that went silent on the wire is gone */
		if (p->mixer_port && !p->has_chat && !p->on_hold && conf_cfg.rtp_timeout > 0 &&
		    p->audio_idle_ms > (unsigned)conf_cfg.rtp_timeout * 1000u) {
			LM_INFO("%s: no RTP for %us, hanging up\n", p->uri,
				p->audio_idle_ms / 1000);
			conf_participant_leave(p->key, 1);
		}
	}
	for (struct conf_participant *p = conf_part_first(); p; p = p->next) {
		char path[1024];

		if (!p->screen_active || now - p->screen_last <= SCREEN_SHARE_ACTIVE_SECONDS)
			continue;
		p->screen_active = false;
		LM_INFO("%s stopped sharing a screen\n", p->uri);
		conf_screen_notice(p, false);
		if (conf_screen_path(path, sizeof(path), p->room_key, p->key) == 0)
			unlink(path);
		conf_notify_room(p->room_key);
	}
	for (s = conf_sub_first(); s; s = next) {
		next = s->next;
		if (s->is_refer || s->expires > now)
			continue;
		conf_notify_one(s, "terminated;reason=timeout");
		conf_sub_destroy(s);
	}
	conf_unlock();
}

/* ---- REFER (RFC 4579) ------------------------------------------------------------------ */

static void dialout_cb(struct cell *t, int type, struct tmcb_params *ps);
static void refer_progress(unsigned part_key, int code, const char *reason, bool final);

/* A dial-out that failed or was refused: the REFER's subscription hears
 * it, and a room left empty ends. Lock held. */
static void dialout_end(struct conf_participant *p, int code, const char *reason)
{
	struct conf_room *r = conf_room_by_key(p->room_key);

	refer_progress(p->key, code, reason, true);
	conf_part_destroy(p);
	if (r && conf_room_count(r->key) == 0 && !conf_room_persistent(r->user))
		conf_room_end(r);
}

/* tm would not send the INVITE. Lock NOT held. */
static void dialout_failed(unsigned key)
{
	struct conf_participant *p;

	conf_lock();
	p = conf_part_by_key(key);
	if (p)
		dialout_end(p, 500, "Server Internal Error");
	conf_unlock();
}

static void refer_progress(unsigned part_key, int code, const char *reason, bool final)
{
	char frag[160], state[64];

	for (struct conf_subscriber *s = conf_sub_first(); s; s = s->next) {
		if (!s->is_refer || s->refer_part != part_key)
			continue;
		snprintf(frag, sizeof(frag), "SIP/2.0 %d %s\r\n", code, reason);
		snprintf(state, sizeof(state),
			 final ? "terminated;reason=noresource" : "active;expires=60");
		conf_send_notify(s, state, "message/sipfrag;version=2.0", frag, "refer");
		if (final) {
			conf_sub_destroy(s);
			return;
		}
	}
}

/* The focus INVITEs @p target into the room, offering chat, on behalf of
 * @p referrer: the routing script applies that person's relay policy to
 * the INVITE (X-Sylk-Referrer, ";auth=yes" when the script had
 * authenticated the REFER). Lock held. */
static struct conf_participant *dial_out(struct conf_room *r, const char *target,
					 const char *referrer, bool referrer_auth)
{
	struct conf_participant *p = conf_part_new(r->key);
	char path[CONF_PATH_SIZE], sdp[1024], hdrs[CONF_HDRS_SIZE], cid[64], tag[24];
	str callid, ltag, luri, ruri;
	dlg_t *dlg = NULL;

	if (!p)
		return NULL;
	sylk_copy(p->uri, sizeof(p->uri), target, strlen(target));
	p->dialed_out = true;
	p->has_chat = true;
	new_msrp_id(p);
	msrp_ident_generate(cid, sizeof(cid));
	msrp_ident_generate(tag, sizeof(tag));
	conf_msrp_our_path(path, sizeof(path), p);
	snprintf(sdp, sizeof(sdp),
		 "v=0\r\no=focus %u 1 IN IP4 %.*s\r\ns=%s\r\nc=IN IP4 %.*s\r\nt=0 0\r\n"
		 "m=message %d TCP/MSRP *\r\na=path:%s\r\na=accept-types:message/cpim\r\n"
		 "a=accept-wrapped-types:*\r\na=chatroom:nickname private-messages\r\n"
		 "a=setup:passive\r\na=sendrecv\r\n",
		 p->key, conf_cfg.msrp_host_s.len, conf_cfg.msrp_host_s.s, r->user,
		 conf_cfg.msrp_host_s.len, conf_cfg.msrp_host_s.s, conf_cfg.msrp_port, path);
	callid.s = cid;
	callid.len = (int)strlen(cid);
	ltag.s = tag;
	ltag.len = (int)strlen(tag);
	luri.s = r->uri;
	luri.len = (int)strlen(r->uri);
	ruri.s = (char *)target;
	ruri.len = (int)strlen(target);
	if (conf_tmb.new_dlg_uac(&callid, &ltag, 1, &luri, &ruri, &dlg) < 0 || !dlg)
		goto fail;
	dlg->dst_uri.s = shm_malloc(conf_cfg.outbound_proxy_s.len + 1);
	if (!dlg->dst_uri.s)
		goto fail;
	memcpy(dlg->dst_uri.s, conf_cfg.outbound_proxy_s.s, conf_cfg.outbound_proxy_s.len + 1);
	dlg->dst_uri.len = conf_cfg.outbound_proxy_s.len;
	conf_tmb.calculate_hooks(dlg);
	p->dlg = dlg;
	sylk_copy(p->call_id, sizeof(p->call_id), cid, strlen(cid));
	sylk_copy(p->local_tag, sizeof(p->local_tag), tag, strlen(tag));
	conf_contact_of(hdrs, sizeof(hdrs), r);
	snprintf(hdrs + strlen(hdrs), sizeof(hdrs) - strlen(hdrs),
		 "Referred-By: <%s>\r\n" CONF_REFERRER_HDR ": <%s>;auth=%s\r\n"
		 "Content-Type: application/sdp\r\n",
		 referrer, referrer, referrer_auth ? "yes" : "no");
	/* sent after the store lock */
	if (conf_out_invite(dlg, hdrs, sdp, dialout_cb, dialout_failed, p->key) != 0)
		goto fail;
	LM_INFO("room %s dials %s for %s\n", r->uri, target, referrer);
	return p;
fail:
	LM_ERR("cannot dial %s into %s\n", target, r->uri);
	conf_part_destroy(p);
	return NULL;
}

static void dialout_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	unsigned key = (unsigned)(uintptr_t)*ps->param;
	struct conf_participant *p;
	struct conf_room *r;
	char reason[100] = "";

	if (ps->rpl && ps->rpl != FAKED_REPLY)
		sylk_copy(reason, sizeof(reason), ps->rpl->first_line.u.reply.reason.s,
			  ps->rpl->first_line.u.reply.reason.len);
	else if (ps->code == 408)
		snprintf(reason, sizeof(reason), "Request Timeout");
	conf_lock();
	p = conf_part_by_key(key);
	if (!p) {
		conf_unlock();
		return;
	}
	if (!(type & TMCB_LOCAL_COMPLETED)) {
		if (ps->code > 100)
			refer_progress(key, ps->code, reason, false);
		conf_unlock();
		return;
	}
	r = conf_room_by_key(p->room_key);
	if (ps->code >= 200 && ps->code < 300 && r) {
		struct conf_sdp_offer *answer = NULL;
		str body;

		conf_tmb.dlg_response_uac(p->dlg, ps->rpl, IS_TARGET_REFRESH);
		p->acked = true;
		p->answered = time(NULL);
		p->msrp_wait_since = p->answered;
		if (ps->rpl != FAKED_REPLY && sylk_msg_body(ps->rpl, &body) == 0 &&
		    conf_sdp_offer_parse(&answer, body.s, (size_t)body.len) == 0) {
			for (size_t i = 0; i < answer->media_count; i++)
				if (answer->media[i].kind == CONF_MEDIA_CHAT &&
				    answer->media[i].path)
					sylk_copy(p->msrp_their_path, sizeof(p->msrp_their_path),
						  answer->media[i].path,
						  strlen(answer->media[i].path));
			conf_sdp_offer_free(answer);
		}
		chat_room_join(r->chat, p->key, p->uri, NULL);
		refer_progress(key, ps->code, reason, true);
		conf_notify_room(p->room_key);
	} else {
		dialout_end(p, ps->code, reason);
	}
	conf_unlock();
}

/* The host part of a SIP URI, for comparing domains. */
static void uri_host(char *buf, size_t size, const char *uri)
{
	const char *h = strchr(uri, '@');

	h = h ? h + 1 : (strchr(uri, ':') ? strchr(uri, ':') + 1 : uri);
	sylk_copy(buf, size, h, strcspn(h, ";:>?"));
}

/* Who may REFER the room (RFC 4579 dial-in and removal): an authenticated
 * local user, or one of its participants: the From of a confirmed
 * participant, from the address that participant's INVITE came from.
 * Lock held. */
static bool refer_allowed(struct sip_msg *msg, struct conf_room *r, const char *from_aor,
			  bool authenticated)
{
	const char *src = ip_addr2a(&msg->rcv.src_ip);
	bool participant = false, same_source = false;

	for (struct conf_participant *p = conf_part_first(); p; p = p->next) {
		if (p->room_key != r->key || p->kind != CONF_PART_CHAT || p->joining || !p->acked ||
		    strcasecmp(p->uri, from_aor) != 0)
			continue;
		participant = true;
		if (strcmp(p->src_ip, src) == 0)
			same_source = true;
	}
	return room_policy_may_refer(authenticated, participant, same_source);
}

/* The participant a REFER with method=BYE removes (lock held), or NULL. */
static struct conf_participant *refer_target(struct conf_room *r, const char *target)
{
	char aor[CONF_URI_SIZE];
	str t = {(char *)target, (int)strlen(target)};

	sylk_uri_aor(aor, sizeof(aor), &t, 1);
	return conf_part_by_uri(r->key, aor);
}

/* What a REFER asks for, from its headers. */
struct refer_req {
	char target[CONF_URI_SIZE];
	char method[16];
	char referrer[CONF_URI_SIZE];
	bool authenticated;
};

/* The checks of a REFER to @p room_uri that need the store (lock held):
 * 0, or the status to refuse with and *reason. *room_key is the room's. */
static int refer_check(struct sip_msg *msg, const char *room_uri, const struct refer_req *rq,
		       unsigned *room_key, char **reason)
{
	struct conf_room *r = conf_room_find(room_uri);

	if (!r) {
		*reason = "Temporarily Unavailable (no such conference)";
		return 480;
	}
	*room_key = r->key;
	if (!refer_allowed(msg, r, rq->referrer, rq->authenticated)) {
		LM_NOTICE("REFER (%s %s) to room %s from %s at %s refused: not a participant\n",
			  rq->method, rq->target, room_uri, rq->referrer,
			  ip_addr2a(&msg->rcv.src_ip));
		*reason = "Forbidden (only participants of the room may REFER it)";
		return 403;
	}
	if (strcasecmp(rq->method, "INVITE") == 0) {
		char th[CONF_URI_SIZE], rh[CONF_URI_SIZE];

		uri_host(th, sizeof(th), rq->target);
		uri_host(rh, sizeof(rh), r->uri);
		if (strcasecmp(th, rh) == 0) {
			*reason = "Forbidden (a room cannot dial a room)";
			return 403;
		}
	}
	if (strcasecmp(rq->method, "BYE") == 0 && !refer_target(r, rq->target)) {
		*reason = "Not Found (no such participant)";
		return 404;
	}
	return 0;
}

/* The implicit subscription of a REFER that passed its checks, not in the
 * store yet, its 202's headers in @p hdrs (lock held); NULL with the
 * refusal in *code and *reason. */
static struct conf_subscriber *refer_subscriber(struct sip_msg *msg, const char *room_uri,
						const struct refer_req *rq, char *hdrs, size_t size,
						int *code, char **reason)
{
	struct conf_subscriber *s;
	unsigned room_key = 0;
	dlg_t *dlg = NULL;

	*code = refer_check(msg, room_uri, rq, &room_key, reason);
	if (*code)
		return NULL;
	if (conf_tmb.new_dlg_uas(msg, 202, &dlg) < 0 || !dlg || !(s = conf_sub_alloc(room_key))) {
		if (dlg)
			conf_tmb.free_dlg(dlg);
		*code = 500;
		*reason = "Server Internal Error";
		return NULL;
	}
	dlg->state = DLG_CONFIRMED;
	s->dlg = dlg;
	s->is_refer = true;
	s->expires = time(NULL) + 60;
	sylk_copy(s->call_id, sizeof(s->call_id), msg->callid->body.s, msg->callid->body.len);
	sylk_copy(s->local_tag, sizeof(s->local_tag), dlg->id.loc_tag.s, dlg->id.loc_tag.len);
	conf_contact_of(hdrs, size, conf_room_by_key(room_key));
	return s;
}

/* The REFER's final NOTIFY (@p frag), its subscription gone. Lock held. */
static void refer_end(struct conf_subscriber *s, const char *frag)
{
	conf_send_notify(s, "terminated;reason=noresource", "message/sipfrag;version=2.0", frag,
			 "refer");
	conf_sub_destroy(s);
}

/* What a REFER asked for, once its 202 went out (lock NOT held): its
 * subscription @p s joins the store now, so that no NOTIFY overtakes the
 * 202, and hears how it goes; the room is found again by key. */
static void refer_run(struct conf_subscriber *s, const struct refer_req *rq)
{
	struct conf_room *r;
	struct conf_participant *p;

	conf_lock();
	conf_sub_link(s);
	r = conf_room_by_key(s->room_key);
	if (strcasecmp(rq->method, "BYE") == 0) {
		p = r ? refer_target(r, rq->target) : NULL;
		refer_end(s, "SIP/2.0 200 OK\r\n");
		if (p)
			conf_participant_leave(p->key, 1);
	} else if (!r) {
		refer_end(s, "SIP/2.0 480 Temporarily Unavailable\r\n");
	} else {
		conf_send_notify(s, "active;expires=60", "message/sipfrag;version=2.0",
				 "SIP/2.0 100 Trying\r\n", "refer");
		p = dial_out(r, rq->target, rq->referrer, rq->authenticated);
		if (p)
			s->refer_part = p->key;
		else
			refer_end(s, "SIP/2.0 500 Server Internal Error\r\n");
	}
	conf_unlock(); /* the NOTIFYs, the BYE or the INVITE go now */
}

/* The Refer-To of @p msg into rq->target, its method= into rq->method. */
static void refer_to(struct sip_msg *msg, struct refer_req *rq)
{
	for (struct hdr_field *h = msg->headers; h; h = h->next) {
		if (h->type == HDR_REFER_TO_T ||
		    (h->name.len == 8 && strncasecmp(h->name.s, "Refer-To", 8) == 0) ||
		    (h->name.len == 1 && (h->name.s[0] == 'r' || h->name.s[0] == 'R'))) {
			char raw[CONF_URI_SIZE], *lt, *gt, *m;

			sylk_copy(raw, sizeof(raw), h->body.s, h->body.len);
			/* method= may be a URI parameter or a header parameter */
			m = strcasestr(raw, ";method=");
			if (m)
				sylk_copy(rq->method, sizeof(rq->method), m + 8,
					  strcspn(m + 8, ";?> \t"));
			lt = strchr(raw, '<');
			gt = lt ? strchr(lt, '>') : NULL;
			if (lt && gt) {
				*gt = '\0';
				memmove(raw, lt + 1, strlen(lt + 1) + 1);
			}
			m = strcasestr(raw, ";method=");
			if (m) {
				size_t n = strcspn(m + 8, ";?>");

				memmove(m, m + 8 + n, strlen(m + 8 + n) + 1);
			}
			sylk_copy(rq->target, sizeof(rq->target), raw, strlen(raw));
			return;
		}
	}
}

static int refer(struct sip_msg *msg, const char *room_uri)
{
	struct conf_subscriber *s;
	struct refer_req rq = {.method = "INVITE", .authenticated = conf_authenticated(msg)};
	char hdrs[CONF_HDRS_SIZE], *reason = NULL;
	int rc, code = 0;

	if (parse_headers(msg, HDR_EOH_F, 0) < 0)
		return reply(msg, 400, "Bad Request");
	refer_to(msg, &rq);
	if (!rq.target[0] || strncasecmp(rq.target, "sip:", 4) != 0)
		return reply(msg, 400, "Bad Request (Refer-To missing or not a SIP URI)");
	if (strcasecmp(rq.method, "INVITE") != 0 && strcasecmp(rq.method, "BYE") != 0)
		return reply(msg, 488, "Not Acceptable Here (REFER method)");
	if (parse_from_header(msg) < 0 || !get_from(msg))
		return reply(msg, 400, "Bad Request (From)");
	sylk_uri_aor(rq.referrer, sizeof(rq.referrer), &get_from(msg)->uri, 1);
	rc = conf_tmb.t_newtran(msg);
	if (rc <= 0)
		return 1;
	conf_lock();
	s = refer_subscriber(msg, room_uri, &rq, hdrs, sizeof(hdrs), &code, &reason);
	conf_unlock();
	if (!s) {
		refuse(msg, code, reason);
		return 1;
	}
	/* s is this process's alone until refer_run() links it */
	reply_body(msg, 202, "Accepted", NULL, hdrs, s->local_tag);
	refer_run(s, &rq);
	return 1;
}

/* ---- dispatch ------------------------------------------------------------------------- */

/* whether the Request-URI is a focus Contact (its "focus" parameter) */
static bool focus_addressed(struct sip_msg *msg)
{
	char room[CONF_URI_SIZE];

	if (parse_sip_msg_uri(msg) < 0)
		return false;
	return focus_room_uri(room, sizeof(room), msg->parsed_uri.user.s,
			      (size_t)msg->parsed_uri.user.len, msg->parsed_uri.params.s,
			      (size_t)msg->parsed_uri.params.len) == 0;
}

/* The ACK of one of the focus's final replies. The script hands in-dialog
 * ACKs to the focus and exits without t_check_trans(), so tm is told here:
 * without it the 200 is retransmitted (T1, 2T1, ...) until tm's timeout
 * however often the phone ACKs, and a negative reply to a re-INVITE too.
 * Not ours: -1, the script goes on. */
static int ack(struct sip_msg *msg, const str *to_tag)
{
	struct conf_participant *p;
	bool ours;

	conf_lock();
	p = conf_part_by_dialog(&msg->callid->body, to_tag);
	if (p)
		p->acked = true;
	ours = p != NULL;
	conf_unlock();
	if (!ours)
		return -1;
	/* 0: it matched the INVITE transaction, which tm now lets go of
	 * (no more retransmissions); otherwise nothing to match */
	conf_xtmb.t_check_trans(msg);
	return 1;
}

/* A request in the dialog of participant @p key (lock NOT held: each
 * handler takes it for what it decides and lets go of it to reply). */
static int part_request(struct sip_msg *msg, unsigned key, bool in_session, int method)
{
	switch (method) {
	case METHOD_BYE:
		/* the 200 first, then the leaving (its NOTIFYs and closes) */
		reply(msg, 200, "OK");
		conf_lock();
		conf_participant_leave(key, 0);
		conf_unlock();
		break;
	case METHOD_INVITE:
		if (conf_tmb.t_newtran(msg) <= 0)
			break;
		if (in_session)
			conf_session_reinvite(msg, key);
		else
			reinvite(msg, key);
		break;
	case METHOD_REFER: reply(msg, 403, "Forbidden (REFER the room out of dialog)"); break;
	default: reply(msg, 405, "Method Not Allowed");
	}
	return 1;
}

static int in_dialog(struct sip_msg *msg)
{
	struct to_body *to = get_to(msg);
	struct conf_participant *p;
	struct conf_subscriber *s;
	unsigned part_key = 0, sub_key = 0;
	bool in_session = false;
	int method = msg->first_line.u.request.method_value;

	if (!msg->callid)
		return -1;
	if (method == METHOD_ACK)
		return ack(msg, &to->tag_value);
	/* whose dialog it is, found by key again by the handler */
	conf_lock();
	p = conf_part_by_dialog(&msg->callid->body, &to->tag_value);
	if (p) {
		part_key = p->key;
		in_session = p->in_session;
	} else {
		s = conf_sub_by_dialog(&msg->callid->body, &to->tag_value);
		if (s && method == METHOD_SUBSCRIBE && !s->is_refer)
			sub_key = s->key;
	}
	conf_unlock();
	if (part_key)
		return part_request(msg, part_key, in_session, method);
	if (sub_key) {
		resubscribe(msg, sub_key);
		return 1;
	}
	/* sent to the focus's Contact, but for no dialog the focus has */
	if (method != METHOD_ACK && focus_addressed(msg))
		return reply(msg, 481, "Call/Transaction Does Not Exist");
	return -1;
}

int conf_sip_handle(struct sip_msg *msg)
{
	char room_uri[CONF_URI_SIZE], room_user[CONF_URI_SIZE];
	int method;

	if (msg->first_line.type != SIP_REQUEST || parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	method = msg->first_line.u.request.method_value;
	if (method == METHOD_CANCEL)
		return -1; /* tm matches CANCELs to the INVITE transaction itself */
	if (parse_to_header(msg) == 0 && get_to(msg)->tag_value.len > 0)
		return in_dialog(msg);
	if (parse_sip_msg_uri(msg) < 0 || msg->parsed_uri.user.len <= 0)
		return reply(msg, 404, "Not Found (no room name)");
	sylk_copy(room_user, sizeof(room_user), msg->parsed_uri.user.s, msg->parsed_uri.user.len);
	/* the focus's own Contact names the room in a parameter; otherwise
	 * the Request-URI is the room */
	if (focus_room_uri(room_uri, sizeof(room_uri), msg->parsed_uri.user.s,
			   (size_t)msg->parsed_uri.user.len, msg->parsed_uri.params.s,
			   (size_t)msg->parsed_uri.params.len) != 0)
		snprintf(room_uri, sizeof(room_uri), "sip:%.*s@%.*s", msg->parsed_uri.user.len,
			 msg->parsed_uri.user.s, msg->parsed_uri.host.len, msg->parsed_uri.host.s);
	switch (method) {
	case METHOD_INVITE: return join(msg, room_uri, room_user);
	case METHOD_SUBSCRIBE: return subscribe(msg, room_uri);
	case METHOD_REFER: return refer(msg, room_uri);
	case METHOD_OPTIONS: return reply(msg, 200, "OK");
	case METHOD_ACK: return 1;
	case METHOD_MESSAGE:
		return reply(msg, 405, "Method Not Allowed (chat in the room over MSRP)");
	default: return reply(msg, 405, "Method Not Allowed");
	}
}
