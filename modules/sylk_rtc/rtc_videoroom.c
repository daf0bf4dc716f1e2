/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Video rooms on rtpengine publish/subscribe.
 *
 * videoroom-join -> access check, the room made on first join -> ng
 * "publish" in the publisher's own rtpengine call -> progress, accepted
 * (the answer), initial-publishers (those whose media flows) ->
 * "established" from the gateway timer once rtpengine counts the
 * publisher's media, and only then publishers-joined to the others (a
 * feed of a publisher whose ICE/DTLS is not up can stay dark in Chromium). A feed is a "subscribe request" in the call of the
 * publisher it receives (offer -> feed-attached), "subscribe answer" on
 * videoroom-feed-answer (-> feed-established), "unsubscribe" on detach.
 * A publisher who leaves (request, dropped WebSocket, media timeout) has
 * its call deleted, which ends every feed of it, and its own feeds
 * unsubscribed; the others get publishers-left; the room ends with its
 * last publisher.
 *
 * As everywhere in the gateway, rtpengine is never asked with the store
 * lock held: ids are copied, the lock let go, ng asked, the lock taken
 * again and the object found by key (it may be gone: then its media is
 * undone). Requests to rtpengine decided under the lock wait in a
 * process-local list until the unlock (flush()). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"

#include "sylk_ws/base/clock.h"
#include "sylk_ws/ng/ng_bridge.h"
#include "sylk_ws/videoroom/vr_access.h"
#include "sylk_ws/videoroom/vr_room.h"

#include "../common/ng_client.h"
#include "rtc_account.h"
#include "rtc_config.h"
#include "rtc_events.h"
#include "rtc_files.h"
#include "rtc_push.h"
#include "rtc_relay.h"
#include "rtc_sip.h"
#include "rtc_store.h"
#include "rtc_videoroom.h"
#include "rtc_vr_sip.h"
#include "rtc_vrchat.h"

#define VR_LIST_MAX 256 /* publishers named in one event */

struct vr_state {
	struct vr_room *rooms;
	int count;
};

static struct vr_state *vr;
static enum vr_policy policy;
static void (*room_end_hook)(const char *room_uri);

/* ---- shared memory for the model ---------------------------------------------- */

static void *shm_alloc_cb(size_t size, void *ctx)
{
	return shm_malloc(size);
}

static void shm_free_cb(void *p, void *ctx)
{
	shm_free(p);
}

static const struct sylk_mem vr_shm = {shm_alloc_cb, NULL, shm_free_cb, NULL};

int rtc_videoroom_init(void)
{
	if (vr_policy_parse(&policy, rtc_cfg.videoroom_policy) != 0) {
		LM_ERR("videoroom_policy must be \"allow\" or \"deny\", not \"%s\"\n",
		       rtc_cfg.videoroom_policy);
		return -1;
	}
	if (rtc_cfg.videoroom_max_rooms < 1 || rtc_cfg.videoroom_max_publishers < 1 ||
	    rtc_cfg.videoroom_media_timeout < 1 || rtc_cfg.videoroom_max_bitrate < 0) {
		LM_ERR("max_rooms, max_publishers_per_room and videoroom_media_timeout >= 1\n");
		return -1;
	}
	vr = shm_malloc(sizeof(*vr));
	if (!vr) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(vr, 0, sizeof(*vr));
	return 0;
}

void rtc_videoroom_on_room_end(void (*fn)(const char *room_uri))
{
	room_end_hook = fn;
}

/* ---- rtpengine work decided under the lock ----------------------------------------- */

struct vr_op {
	bool unsubscribe; /* else delete the whole call */
	char call_id[VR_CALL_SIZE];
	char tag[VR_TAG_SIZE];
	struct vr_op *next;
};

static struct vr_op *ops; /* this process's, done by flush() */

/* Rooms that ended while the lock was held: the room-end hook (it removes
 * the room's shared files from disk) runs for each in flush(). */
struct vr_ended {
	char uri[VR_AOR_SIZE];
	struct vr_ended *next;
};

static struct vr_ended *ended; /* this process's, done by flush() */

static void op_later(bool unsubscribe, const char *call_id, const char *tag)
{
	struct vr_op *o = malloc(sizeof(*o));

	if (!o) {
		LM_ERR("out of memory: rtpengine call %s is left to its timeout\n", call_id);
		return;
	}
	o->unsubscribe = unsubscribe;
	snprintf(o->call_id, sizeof(o->call_id), "%s", call_id);
	snprintf(o->tag, sizeof(o->tag), "%s", tag ? tag : "");
	o->next = ops;
	ops = o;
}

static void ng_unsubscribe(const char *call_id, const char *tag)
{
	struct ng_request req = {.cmd = NG_CMD_UNSUBSCRIBE, .call_id = call_id, .to_tag = tag};
	struct ng_reply *reply = NULL;
	char why[RTC_REASON_SIZE];

	if (ng_client_request(&req, &reply, why, sizeof(why)) == 0)
		ng_reply_free(reply);
	else
		LM_NOTICE("unsubscribe %s in %s: %s\n", tag, call_id, why);
}

/* Without the lock: the rtpengine requests decided while it was held, and
 * the room-end hook of the rooms that ended meanwhile. */
static void flush(void)
{
	struct vr_op *o;
	struct vr_ended *e;

	while ((o = ops)) {
		ops = o->next;
		if (o->unsubscribe)
			ng_unsubscribe(o->call_id, o->tag);
		else
			ng_client_delete(o->call_id, NULL);
		free(o);
	}
	while ((e = ended)) {
		ended = e->next;
		if (room_end_hook)
			room_end_hook(e->uri);
		free(e);
	}
}

/* Asks rtpengine; on success *out is a malloc'ed copy of its SDP. */
static int media(enum ng_bridge_step step, const char *call_id, const char *from_tag,
		 const char *to_tag, const char *sdp, char **out, char *why, size_t why_size)
{
	struct ng_request req = {
		.call_id = call_id, .from_tag = from_tag, .to_tag = to_tag, .sdp = sdp};
	struct ng_reply *reply = NULL;
	int err;

	*out = NULL;
	ng_bridge_request(&req, step);
	err = ng_client_request(&req, &reply, why, why_size);
	if (err)
		return err;
	if (reply->sdp && !(*out = strndup(reply->sdp, reply->sdp_len)))
		err = ENOMEM;
	else if (!reply->sdp && step != NG_BRIDGE_VR_SUBSCRIBE_ANSWER)
		err = EPROTO;
	if (err)
		snprintf(why, why_size, "media server returned no SDP");
	ng_reply_free(reply);
	return err;
}

/* ---- lookups (lock held) ------------------------------------------------------------ */

static struct vr_room *room_find(const char *uri)
{
	for (struct vr_room *r = vr->rooms; r && uri; r = r->next)
		if (strcasecmp(r->uri, uri) == 0)
			return r;
	return NULL;
}

static struct vr_pub *pub_of(int conn_id, const char *id, struct vr_room **roomp)
{
	for (struct vr_room *r = vr->rooms; r && id; r = r->next) {
		struct vr_pub *p = vr_pub_find(r, id);

		if (p && p->conn_id == conn_id) {
			*roomp = r;
			return p;
		}
	}
	return NULL;
}

static struct vr_feed *feed_of(int conn_id, const char *id, struct vr_room **roomp)
{
	for (struct vr_room *r = vr->rooms; r && id; r = r->next) {
		struct vr_feed *f = vr_feed_find(r, id);

		if (f && f->conn_id == conn_id) {
			*roomp = r;
			return f;
		}
	}
	return NULL;
}

static struct vr_pub *pub_by_key(unsigned key, struct vr_room **roomp)
{
	for (struct vr_room *r = vr->rooms; r; r = r->next) {
		struct vr_pub *p = vr_pub_by_key(r, key);

		if (p) {
			*roomp = r;
			return p;
		}
	}
	return NULL;
}

static struct vr_feed *feed_by_key(unsigned key, struct vr_room **roomp)
{
	for (struct vr_room *r = vr->rooms; r; r = r->next) {
		struct vr_feed *f = vr_feed_by_key(r, key);

		if (f) {
			*roomp = r;
			return f;
		}
	}
	return NULL;
}

static bool conn_uses_id(int conn_id, const char *id)
{
	struct vr_room *r = NULL;

	return pub_of(conn_id, id, &r) || feed_of(conn_id, id, &r);
}

/* ---- events (lock held) ---------------------------------------------------------------- */

static void emit_state(int conn_id, const char *session, enum sylkrtc_session_state state,
		       const char *sdp, const struct vr_pub *p, const char *reason)
{
	struct sylkrtc_videoroom_state_event ev = {.session = session,
						   .state = state,
						   .sdp = sdp,
						   .audio = p ? p->audio : true,
						   .video = p ? p->video : true,
						   .reason = reason};
	char *json = NULL;

	rtc_send_built(conn_id,
		       sylkrtc_event_videoroom_session_state(&json, rtc_conn_version(conn_id), &ev),
		       &json);
}

/* the accepted publishers of the room but @p skip */
static size_t publishers(const struct vr_room *r, const struct vr_pub *skip,
			 struct sylkrtc_publisher *out, size_t max)
{
	size_t n = 0;

	for (struct vr_pub *p = r->pubs; p && n < max; p = p->next) {
		/* only publishers whose media flows: a feed of one whose ICE and
		 * DTLS are not up yet can stay without media for good (Chromium) */
		if (p == skip || !p->accepted || !p->established)
			continue;
		out[n].id = p->id;
		out[n].uri = p->uri;
		out[n].display_name = p->display_name;
		n++;
	}
	return n;
}

static void emit_configure(const struct vr_room *r, const char *originator)
{
	const char *active[VR_MAX_ACTIVE];

	for (size_t i = 0; i < r->active_count; i++)
		active[i] = r->active[i];
	for (struct vr_pub *p = r->pubs; p; p = p->next) {
		char *json = NULL;

		if (!p->accepted || p->conn_id < 0) /* conference audio: no browser */
			continue;
		rtc_send_built(p->conn_id,
			       sylkrtc_event_videoroom_configure(
				       &json, rtc_conn_version(p->conn_id), p->id, originator,
				       active, r->active_count),
			       &json);
	}
}

static void emit_hands_to(const struct vr_room *r, const struct vr_pub *p)
{
	const char *ids[VR_MAX_HANDS];
	size_t n = vr_room_hands(r, ids, VR_MAX_HANDS);
	char *json = NULL;

	rtc_send_built(p->conn_id,
		       sylkrtc_event_videoroom_raised_hands(&json, rtc_conn_version(p->conn_id),
							    p->id, ids, n),
		       &json);
}

static void update_bitrates(struct vr_room *r)
{
	if (!vr_room_update_bitrates(r, rtc_cfg.videoroom_max_bitrate))
		return;
	for (struct vr_pub *p = r->pubs; p; p = p->next)
		LM_DBG("room %s: %s may send %d bit/s\n", r->uri, p->id, p->bitrate);
}

/* ---- leaving (lock held) ---------------------------------------------------------------- */

static void room_end(struct vr_room *r)
{
	for (struct vr_room **rp = &vr->rooms; *rp; rp = &(*rp)->next) {
		if (*rp != r)
			continue;
		*rp = r->next;
		vr->count--;
		break;
	}
	LM_INFO("video room %s ended\n", r->uri);
	if (room_end_hook) { /* run by flush(), once the lock is let go */
		struct vr_ended *e = malloc(sizeof(*e));

		if (e) {
			snprintf(e->uri, sizeof(e->uri), "%s", r->uri);
			e->next = ended;
			ended = e;
		} else
			LM_ERR("out of memory: the shared files of video room %s stay\n", r->uri);
	}
	vr_room_free(r);
}

/* The publisher leaves: its call goes (with every feed of it), its own
 * feeds are unsubscribed, the others are told. */
static void pub_leave(struct vr_room *r, struct vr_pub *p, const char *why)
{
	char id[VR_ID_SIZE];
	const char *ids[1] = {id};
	bool was_accepted = p->accepted, changed;

	LM_INFO("video room %s: %s (%s) leaves: %s\n", r->uri, p->id, p->uri, why);
	for (struct vr_feed *f = r->feeds, *next; f; f = next) {
		next = f->next;
		if (strcmp(f->owner, p->id) == 0) {
			if (!f->orphan)
				op_later(true, f->call_id, f->tag);
			vr_feed_remove(r, f);
		} else if (strcmp(f->publisher, p->id) == 0)
			f->orphan = true;
	}
	op_later(false, p->call_id, NULL);
	memcpy(id, p->id, sizeof(id));
	changed = vr_pub_remove(r, p);
	for (struct vr_pub *o = r->pubs; o && was_accepted; o = o->next) {
		char *json = NULL;

		if (!o->accepted || o->conn_id < 0)
			continue;
		rtc_send_built(o->conn_id,
			       sylkrtc_event_videoroom_publishers_left(
				       &json, rtc_conn_version(o->conn_id), o->id, ids, 1),
			       &json);
	}
	if (changed)
		emit_configure(r, "videoroom");
	update_bitrates(r);
	if (!r->pub_count)
		room_end(r);
}

/* ---- videoroom-join --------------------------------------------------------------------- */

struct join_ids {
	unsigned key;
	char call_id[VR_CALL_SIZE];
	char tag[VR_TAG_SIZE];
};

/* who joins: the connection's account, or for a browser of another node
 * (a pseudo connection) the identity that node vouches for */
struct join_who {
	const char *aor;
	const char *display_name; /* NULL: none */
};

/* The account @p req names on the connection into @p who; the refusal's
 * text into @p why. Lock held. */
static int join_account(int conn_id, const struct sylkrtc_request *req, struct join_who *who,
			char *why, size_t size)
{
	struct rtc_account *a = rtc_account_find(conn_id, req->account);

	if (!a) {
		snprintf(why, size, "Unknown account specified: %s", req->account);
		return ENOENT;
	}
	if (!rtc_account_may_receive(a)) {
		snprintf(why, size, "Account not authenticated");
		return EACCES;
	}
	who->aor = a->aor;
	who->display_name = a->display_name;
	return 0;
}

/* Checks and adds the publisher; a refusal's text into @p why. Lock held. */
static int join_add(int conn_id, const struct sylkrtc_request *req, const struct join_who *vouched,
		    struct join_ids *ids, char *why, size_t size)
{
	struct join_who who = {NULL, NULL};
	struct vr_room *r = NULL;
	struct vr_pub *p;
	int err;

	if (vouched)
		who = *vouched;
	else if ((err = join_account(conn_id, req, &who, why, size)))
		return err;
	if (conn_uses_id(conn_id, req->session)) {
		snprintf(why, size, "Session ID %s already in use", req->session);
		return EEXIST;
	}
	if (!vr_access_allowed(policy, rtc_cfg.videoroom_allow, rtc_cfg.videoroom_deny, req->uri,
			       who.aor)) {
		snprintf(why, size, "%s is not allowed to join room %s", who.aor, req->uri);
		return EACCES;
	}
	r = room_find(req->uri);
	if (!r && vr->count >= rtc_cfg.videoroom_max_rooms) {
		snprintf(why, size, "Too many video rooms (max %d)", rtc_cfg.videoroom_max_rooms);
		return ENOSPC;
	}
	if (r && (int)r->pub_count >= rtc_cfg.videoroom_max_publishers) {
		snprintf(why, size, "Room %s is full (max %d publishers)", req->uri,
			 rtc_cfg.videoroom_max_publishers);
		return ENOSPC;
	}
	if (!r) {
		if ((err = vr_room_new(&r, &vr_shm, req->uri)) != 0) {
			snprintf(why, size, "Cannot create room %s", req->uri);
			return err;
		}
		r->next = vr->rooms;
		vr->rooms = r;
		vr->count++;
		LM_INFO("video room %s created\n", r->uri);
	}
	err = vr_pub_add(r, &p, req->session, rtc_next_key());
	if (err) {
		snprintf(why, size,
			 err == EEXIST ? "Session ID %s already in use" :
					 "Cannot join with session %s",
			 req->session);
		if (!r->pub_count)
			room_end(r);
		return err;
	}
	p->conn_id = conn_id;
	p->audio = req->audio;
	p->video = req->video;
	p->joined_ms = sylk_monotonic_ms();
	sylk_copy(p->uri, sizeof(p->uri), who.aor, strlen(who.aor));
	if (who.display_name)
		sylk_copy(p->display_name, sizeof(p->display_name), who.display_name,
			  strlen(who.display_name));
	ids->key = p->key;
	memcpy(ids->call_id, p->call_id, sizeof(ids->call_id));
	memcpy(ids->tag, p->tag, sizeof(ids->tag));
	LM_INFO("video room %s: %s joins as %s\n", r->uri, p->uri, p->id);
	return 0;
}

/* The others in the room hear of @p p: once its media flows, as Janus
 * tells of a publisher once its PeerConnection is up. Lock held. */
static void announce(struct vr_room *r, struct vr_pub *p)
{
	struct sylkrtc_publisher me = {p->id, p->uri, p->display_name};

	for (struct vr_pub *o = r->pubs; o; o = o->next) {
		char *json = NULL;

		if (o == p || !o->accepted || o->conn_id < 0)
			continue;
		rtc_send_built(o->conn_id,
			       sylkrtc_event_videoroom_publishers(
				       &json, rtc_conn_version(o->conn_id), o->id, false, &me, 1),
			       &json);
	}
}

/* The publish answer: accepted and initial-publishers (those whose media
 * flows; the others are announced when theirs does). Lock held. */
static void join_accepted(struct vr_room *r, struct vr_pub *p, const char *sdp)
{
	struct sylkrtc_publisher list[VR_LIST_MAX];
	size_t n = publishers(r, p, list, VR_LIST_MAX);
	char *json = NULL;

	p->accepted = true;
	emit_state(p->conn_id, p->id, SYLKRTC_SESSION_ACCEPTED, sdp, p, NULL);
	rtc_send_built(p->conn_id,
		       sylkrtc_event_videoroom_publishers(&json, rtc_conn_version(p->conn_id),
							  p->id, true, list, n),
		       &json);
	update_bitrates(r);
	if (r->active_count) {
		const char *active[VR_MAX_ACTIVE] = {r->active[0], r->active[1]};

		rtc_send_built(p->conn_id,
			       sylkrtc_event_videoroom_configure(
				       &json, rtc_conn_version(p->conn_id), p->id, "videoroom",
				       active, r->active_count),
			       &json);
	}
	if (r->hand_count)
		emit_hands_to(r, p);
}

static void join(int conn_id, const struct sylkrtc_request *req, const struct join_who *vouched)
{
	struct join_ids ids;
	struct vr_room *r = NULL;
	struct vr_pub *p;
	char why[RTC_REASON_SIZE + RTC_AOR_SIZE * 2], *sdp = NULL, room_uri[RTC_AOR_SIZE];

	rtc_lock();
	if (join_add(conn_id, req, vouched, &ids, why, sizeof(why)) != 0) {
		rtc_unlock();
		flush(); /* the room it made may have ended again */
		LM_NOTICE("connection %d: videoroom-join refused: %s\n", conn_id, why);
		rtc_send_error(conn_id, req->transaction, "%s", why);
		return;
	}
	emit_state(conn_id, req->session, SYLKRTC_SESSION_PROGRESS, NULL, NULL, NULL);
	rtc_unlock();

	if (media(NG_BRIDGE_VR_PUBLISH, ids.call_id, ids.tag, NULL, req->sdp, &sdp, why,
		  sizeof(why)) != 0) {
		rtc_lock();
		if ((p = pub_by_key(ids.key, &r)))
			pub_leave(r, p, why);
		rtc_unlock();
		flush();
		rtc_send_error(conn_id, req->transaction, "Cannot publish to room %s: %s", req->uri,
			       why);
		return;
	}
	rtc_lock();
	if ((p = pub_by_key(ids.key, &r))) {
		join_accepted(r, p, sdp);
		snprintf(room_uri, sizeof(room_uri), "%s", r->uri);
	} else
		op_later(false, ids.call_id, NULL); /* gone meanwhile */
	rtc_unlock();
	flush();
	free(sdp);
	if (p) /* the files shared so far, as SylkServer's Videoroom.add() */
		rtc_files_room_joined(conn_id, room_uri, req->session);
	rtc_send_ack(conn_id, req->transaction);
}

static void leave(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_pub *p;

	rtc_lock();
	p = pub_of(conn_id, req->session, &r);
	if (!p) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Unknown room session: %s", req->session);
		return;
	}
	emit_state(conn_id, p->id, SYLKRTC_SESSION_TERMINATED, NULL, p, NULL);
	pub_leave(r, p, "videoroom-leave");
	rtc_unlock();
	flush();
	rtc_send_ack(conn_id, req->transaction);
}

/* ---- feeds ------------------------------------------------------------------------------ */

struct feed_ids {
	unsigned key;
	char call_id[VR_CALL_SIZE];
	char from_tag[VR_TAG_SIZE];
	char tag[VR_TAG_SIZE];
	bool orphan;
};

static int attach_add(int conn_id, const struct sylkrtc_request *req, struct feed_ids *ids,
		      char *why, size_t size)
{
	struct vr_room *r = NULL;
	struct vr_pub *base = pub_of(conn_id, req->session, &r), *src;
	struct vr_feed *f;

	if (conn_uses_id(conn_id, req->feed)) {
		snprintf(why, size, "Video room session ID %s already in use", req->feed);
		return EEXIST;
	}
	if (!base) {
		snprintf(why, size, "Unknown room session: %s", req->session);
		return ENOENT;
	}
	src = vr_pub_find(r, req->publisher);
	if (!src || src == base || !src->accepted) {
		snprintf(why, size, "Unknown publisher room session to attach to: %s",
			 req->publisher);
		return ENOENT;
	}
	if (vr_feed_add(r, &f, req->feed, base->id, src->id, rtc_next_key()) != 0) {
		snprintf(why, size, "Video room session ID %s already in use", req->feed);
		return EEXIST;
	}
	f->conn_id = conn_id;
	ids->key = f->key;
	memcpy(ids->call_id, f->call_id, sizeof(ids->call_id));
	memcpy(ids->from_tag, src->tag, sizeof(ids->from_tag));
	memcpy(ids->tag, f->tag, sizeof(ids->tag));
	return 0;
}

static void feed_attach(int conn_id, const struct sylkrtc_request *req)
{
	struct feed_ids ids;
	struct vr_room *r = NULL;
	struct vr_feed *f;
	char why[RTC_REASON_SIZE + SYLKRTC_ID_MAX], *sdp = NULL, *json = NULL;

	rtc_lock();
	if (attach_add(conn_id, req, &ids, why, sizeof(why)) != 0) {
		rtc_unlock();
		LM_NOTICE("connection %d: videoroom-feed-attach refused: %s\n", conn_id, why);
		rtc_send_error(conn_id, req->transaction, "%s", why);
		return;
	}
	rtc_unlock();
	if (media(NG_BRIDGE_VR_SUBSCRIBE, ids.call_id, ids.from_tag, ids.tag, NULL, &sdp, why,
		  sizeof(why)) != 0) {
		rtc_lock();
		if ((f = feed_by_key(ids.key, &r)))
			vr_feed_remove(r, f);
		rtc_unlock();
		op_later(true, ids.call_id, ids.tag);
		flush();
		rtc_send_error(conn_id, req->transaction, "Cannot attach feed %s: %s", req->feed,
			       why);
		return;
	}
	rtc_lock();
	f = feed_by_key(ids.key, &r);
	if (f && !f->orphan) {
		f->offered = true;
		rtc_send_built(conn_id,
			       sylkrtc_event_videoroom_feed_attached(
				       &json, rtc_conn_version(conn_id), f->owner, f->id, sdp),
			       &json);
	} else
		op_later(true, ids.call_id, ids.tag);
	rtc_unlock();
	flush();
	free(sdp);
	rtc_send_ack(conn_id, req->transaction);
}

/* The feed @p req names, attached by @p req->session; the refusal's text
 * into @p why. Lock held. */
static struct vr_feed *own_feed(int conn_id, const struct sylkrtc_request *req,
				struct vr_room **roomp, const char *unknown, char *why, size_t size)
{
	struct vr_feed *f = feed_of(conn_id, req->feed, roomp);

	if (!f) {
		snprintf(why, size, "%s: %s", unknown, req->feed);
		return NULL;
	}
	if (strcmp(f->owner, req->session) != 0) {
		snprintf(why, size, "%s is not an attached feed of %s", req->feed, req->session);
		return NULL;
	}
	return f;
}

static void feed_answer(int conn_id, const struct sylkrtc_request *req)
{
	struct feed_ids ids;
	struct vr_room *r = NULL;
	struct vr_feed *f;
	char why[RTC_REASON_SIZE + 2 * SYLKRTC_ID_MAX], *sdp = NULL, *json = NULL;

	rtc_lock();
	f = own_feed(conn_id, req, &r, "Unknown room session", why, sizeof(why));
	if (f && (!f->offered || f->answered || f->orphan)) {
		snprintf(why, sizeof(why), "Feed %s is not waiting for an answer", req->feed);
		f = NULL;
	}
	if (!f) {
		rtc_unlock();
		LM_NOTICE("connection %d: videoroom-feed-answer refused: %s\n", conn_id, why);
		rtc_send_error(conn_id, req->transaction, "%s", why);
		return;
	}
	ids.key = f->key;
	memcpy(ids.call_id, f->call_id, sizeof(ids.call_id));
	memcpy(ids.tag, f->tag, sizeof(ids.tag));
	rtc_unlock();
	if (media(NG_BRIDGE_VR_SUBSCRIBE_ANSWER, ids.call_id, NULL, ids.tag, req->sdp, &sdp, why,
		  sizeof(why)) != 0) {
		rtc_send_error(conn_id, req->transaction, "Cannot start feed %s: %s", req->feed,
			       why);
		return;
	}
	free(sdp);
	/* rtpengine counts no packets from a receive-only subscriber, so the
	 * feed is established once its answer is in */
	rtc_lock();
	if ((f = feed_by_key(ids.key, &r)) && !f->orphan) {
		f->answered = true;
		rtc_send_built(conn_id,
			       sylkrtc_event_videoroom_feed_established(
				       &json, rtc_conn_version(conn_id), f->owner, f->id),
			       &json);
	}
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

static void feed_detach(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_feed *f;
	char why[RTC_REASON_SIZE + 2 * SYLKRTC_ID_MAX];

	rtc_lock();
	f = own_feed(conn_id, req, &r, "Unknown room session to detach", why, sizeof(why));
	if (!f) {
		rtc_unlock();
		LM_NOTICE("connection %d: videoroom-feed-detach refused: %s\n", conn_id, why);
		rtc_send_error(conn_id, req->transaction, "%s", why);
		return;
	}
	if (!f->orphan)
		op_later(true, f->call_id, f->tag);
	vr_feed_remove(r, f);
	rtc_unlock();
	flush();
	rtc_send_ack(conn_id, req->transaction);
}

/* ---- the other requests of a participant ------------------------------------------------ */

/* The participant's publisher, or an error sent. Returns with the lock
 * held when it found one. */
static struct vr_pub *participant(int conn_id, const struct sylkrtc_request *req,
				  struct vr_room **roomp)
{
	struct vr_pub *p;

	rtc_lock();
	p = pub_of(conn_id, req->session, roomp);
	if (p)
		return p;
	rtc_unlock();
	LM_NOTICE("connection %d: %s for unknown room session %s\n", conn_id,
		  sylkrtc_req_type_name(req->type), req->session);
	rtc_send_error(conn_id, req->transaction, "Unknown room session: %s", req->session);
	return NULL;
}

static void trickle(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	bool known;

	/* rtpengine learns the candidates from ICE itself */
	rtc_lock();
	known = pub_of(conn_id, req->session, &r) || feed_of(conn_id, req->session, &r);
	rtc_unlock();
	if (!known) {
		rtc_send_error(conn_id, req->transaction, "Unknown room session: %s", req->session);
		return;
	}
	rtc_send_ack(conn_id, req->transaction);
}

static void session_update(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_pub *p = participant(conn_id, req, &r);

	if (!p)
		return;
	if (req->options.has_audio)
		p->audio = req->options.audio;
	if (req->options.has_video)
		p->video = req->options.video;
	if (req->options.has_bitrate)
		p->requested_bitrate = req->options.bitrate;
	LM_INFO("video room %s: %s audio=%d video=%d bitrate=%d\n", r->uri, p->id, p->audio,
		p->video, p->requested_bitrate);
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

static void configure(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_pub *p = participant(conn_id, req, &r);
	const char *unknown = NULL;
	bool changed = false;
	int err;

	if (!p)
		return;
	err = vr_room_set_active(r, req->active_participants, req->active_participant_count,
				 &changed, &unknown);
	if (err) {
		rtc_unlock();
		if (err == ENOENT)
			rtc_send_error(conn_id, req->transaction,
				       "unknown participant session id: %s", unknown);
		else
			rtc_send_error(conn_id, req->transaction,
				       "At most %d unique active participants", VR_MAX_ACTIVE);
		return;
	}
	update_bitrates(r);
	emit_configure(r, req->session);
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

static void mute_audio(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_pub *p = participant(conn_id, req, &r);

	if (!p)
		return;
	for (struct vr_pub *o = r->pubs; o; o = o->next) {
		char *json = NULL;

		if (!o->accepted || o->conn_id < 0)
			continue;
		rtc_send_built(o->conn_id,
			       sylkrtc_event_videoroom_mute_audio(
				       &json, rtc_conn_version(o->conn_id), o->id, req->session),
			       &json);
	}
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

/* Asks one browser of the room to mute or unmute its microphone (a
 * mute-request it acts on itself, as SylkServer: the server keeps no mute
 * state). Any participant may ask any other, as videoroom-mute-audio-
 * participants asks everyone. */
static void mute_participant(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_pub *p = participant(conn_id, req, &r), *target = NULL;
	char *json = NULL;

	if (!p)
		return;
	for (struct vr_pub *o = r->pubs; o && !target; o = o->next)
		if (o->accepted && !strcmp(o->id, req->participant_id))
			target = o;
	if (!target || target->conn_id < 0) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction,
			       target ? "Participant %s is not a browser of the room" :
					"Unknown participant: %s",
			       req->participant_id);
		return;
	}
	LM_INFO("video room %s: %s asks %s to %s\n", r->uri, p->id, target->id,
		req->muted ? "mute" : "unmute");
	rtc_send_built(target->conn_id,
		       sylkrtc_event_videoroom_mute_request(&json,
							    rtc_conn_version(target->conn_id),
							    target->id, req->muted, p->id),
		       &json);
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

/* The outcome of removing @p who, to the requester's session. */
static void remove_status(int conn_id, const char *session, const char *who, int code,
			  const char *reason)
{
	char *json = NULL;

	rtc_send_built(conn_id,
		       sylkrtc_event_videoroom_invite_status(
			       &json, rtc_conn_version(conn_id), session, who,
			       code == 200 ? "success" : "failed", code, reason),
		       &json);
}

/* The room's browsers of each account named leave it, told "kicked" (as
 * SylkServer: any participant may remove any other, and may join again
 * after); the requester hears of each in invite-status. An account with no
 * browser in the room: its SIP devices in the room's audio (the conference
 * room it is bridged to) are BYEd out of it, as SylkServer REFERs them out
 * of its conference; in neither: failed 404. The requester's own account:
 * failed 403. Under the lock the requester stays, so the room does not end
 * there; the focus is asked after the unlock (it takes its own lock). */
static void remove_participants(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_pub *p = participant(conn_id, req, &r);
	char room[VR_AOR_SIZE], self[VR_ID_SIZE], who[VR_AOR_SIZE];
	size_t phones[SYLKRTC_LIST_MAX], n_phones = 0;

	if (!p)
		return;
	snprintf(room, sizeof(room), "%s", r->uri);
	snprintf(self, sizeof(self), "%s", p->id);
	snprintf(who, sizeof(who), "%s", p->uri);
	for (size_t i = 0; i < req->participant_count; i++) {
		const char *aor = req->participants[i];
		int removed = 0;

		if (!strcasecmp(aor, p->uri)) {
			remove_status(conn_id, p->id, aor, 403, "Cannot remove yourself");
			continue;
		}
		for (struct vr_pub *o = r->pubs, *next; o; o = next) {
			next = o->next;
			if (o->conn_id < 0 || strcasecmp(o->uri, aor) != 0)
				continue;
			LM_NOTICE("video room %s: %s (%s) removes %s (%s)\n", r->uri, p->id, p->uri,
				  o->id, o->uri);
			emit_state(o->conn_id, o->id, SYLKRTC_SESSION_TERMINATED, NULL, o,
				   "kicked");
			pub_leave(r, o, "removed");
			removed++;
		}
		if (removed)
			remove_status(conn_id, p->id, aor, 200, "OK");
		else /* participant_count <= SYLKRTC_LIST_MAX (the decoder) */
			phones[n_phones++] = i;
	}
	rtc_unlock();
	flush();
	for (size_t i = 0; i < n_phones; i++) {
		const char *aor = req->participants[phones[i]];
		int err = rtc_vr_sip_remove(room, aor, who);

		if (err == 0)
			remove_status(conn_id, self, aor, 200, "OK");
		else if (err == ENOMEM)
			remove_status(conn_id, self, aor, 500, "Server error");
		else
			remove_status(conn_id, self, aor, 404, "Not a participant of the room");
	}
	rtc_send_ack(conn_id, req->transaction);
}

static void toggle_hand(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_pub *p = participant(conn_id, req, &r);
	const char *who = req->session_id ? req->session_id : req->session;
	bool raised = false;

	if (!p)
		return;
	if (vr_room_toggle_hand(r, who, &raised) != 0) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Too many raised hands (max %d)",
			       VR_MAX_HANDS);
		return;
	}
	LM_INFO("video room %s: %s %s hand\n", r->uri, who, raised ? "raises" : "lowers");
	for (struct vr_pub *o = r->pubs; o; o = o->next)
		if (o->accepted && o->conn_id >= 0)
			emit_hands_to(r, o);
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

/* Invitees without a connection here where they may receive get a push
 * (rtc_push.c: only accounts with a stored token). In a cluster every
 * invitee's conference-invite also goes to the other nodes (their
 * connections may be anywhere): its frame in @p elsewhere[i], sent once the
 * lock is released. Lock held. */
static void invite_offline(const struct sylkrtc_request *req, const char *room,
			   const struct sylkrtc_identity *from, const char *sid, bool video,
			   char **elsewhere)
{
	bool cluster = rtc_relay_cfg.hostport && *rtc_relay_cfg.hostport;

	for (size_t i = 0; i < req->participant_count; i++) {
		bool online = false;

		for (struct rtc_account *a = rtc_account_with_aor(req->participants[i]);
		     a && !online; a = rtc_account_next_with_aor(a, req->participants[i]))
			online = rtc_account_may_receive(a);
		if (!online)
			rtc_push_conference(req->participants[i], from->uri, from->display_name,
					    room, sid, video);
		if (cluster && sylkrtc_event_conference_invite(&elsewhere[i], SYLKRTC_V2,
							       req->participants[i], room, sid,
							       from) != 0)
			elsewhere[i] = NULL;
	}
}

static void invite_elsewhere(const struct sylkrtc_request *req, char **elsewhere)
{
	rtc_relay_invite_elsewhere(req->participants, elsewhere, req->participant_count);
	for (size_t i = 0; i < req->participant_count; i++)
		free(elsewhere[i]);
}

static void invite(int conn_id, const struct sylkrtc_request *req)
{
	struct vr_room *r = NULL;
	struct vr_pub *p = participant(conn_id, req, &r);
	struct sylkrtc_identity from;
	char *elsewhere[SYLKRTC_LIST_MAX] = {NULL};
	char sid[33];

	if (!p)
		return;
	from.uri = p->uri;
	from.display_name = p->display_name[0] ? p->display_name : NULL;
	rtc_sip_random_hex(sid, sizeof(sid));
	invite_offline(req, r->uri, &from, sid, p->video, elsewhere);
	for (struct rtc_account *a = rtc_account_first(); a; a = a->next) {
		char *json = NULL;
		bool invited = false;

		for (size_t i = 0; i < req->participant_count && !invited; i++)
			invited = strcasecmp(a->aor, req->participants[i]) == 0;
		if (!invited || a->conn_id == conn_id || !rtc_account_may_receive(a))
			continue;
		LM_INFO("video room %s: %s invites %s (connection %d)\n", r->uri, p->uri, a->aor,
			a->conn_id);
		rtc_send_built(a->conn_id,
			       sylkrtc_event_conference_invite(&json, rtc_conn_version(a->conn_id),
							       a->aor, r->uri, sid, &from),
			       &json);
	}
	rtc_unlock();
	invite_elsewhere(req, elsewhere);
	rtc_send_ack(conn_id, req->transaction);
}

void rtc_videoroom_request(int conn_id, const struct sylkrtc_request *req)
{
	switch (req->type) {
	case SYLKRTC_REQ_VIDEOROOM_JOIN: join(conn_id, req, NULL); return;
	case SYLKRTC_REQ_VIDEOROOM_LEAVE: leave(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_FEED_ATTACH: feed_attach(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_FEED_ANSWER: feed_answer(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_FEED_DETACH: feed_detach(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_SESSION_TRICKLE: trickle(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_SESSION_UPDATE: session_update(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_CONFIGURE: configure(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_MUTE_AUDIO_PARTICIPANTS: mute_audio(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_TOGGLE_HAND: toggle_hand(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_REMOVE: remove_participants(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_MUTE_PARTICIPANT: mute_participant(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_INVITE: invite(conn_id, req); return;
	case SYLKRTC_REQ_VIDEOROOM_MESSAGE: /* room chat: rtc_vrchat.c */
	case SYLKRTC_REQ_VIDEOROOM_COMPOSING_INDICATION: rtc_vrchat_request(conn_id, req); return;
	default:
		rtc_send_error(conn_id, req->transaction,
			       "Request %s is not available on this server",
			       sylkrtc_req_type_name(req->type));
	}
}

void rtc_videoroom_relayed(int pseudo, const struct sylkrtc_request *req, const char *aor,
			   const char *display_name)
{
	struct join_who who = {aor, display_name};

	if (req->type == SYLKRTC_REQ_VIDEOROOM_JOIN) {
		if (!aor) {
			LM_NOTICE("connection %d: relayed videoroom-join without an account\n", pseudo);
			rtc_send_error(pseudo, req->transaction, "Account not authenticated");
			return;
		}
		join(pseudo, req, &who);
		return;
	}
	if (strncmp(sylkrtc_req_type_name(req->type), "videoroom-", 10) != 0) {
		rtc_send_error(pseudo, req->transaction, "Request %s is not relayed",
			       sylkrtc_req_type_name(req->type));
		return;
	}
	rtc_videoroom_request(pseudo, req);
}

/* ---- connection gone, timer ------------------------------------------------------------ */

void rtc_videoroom_conn_closed(int conn_id)
{
	struct vr_room *r, *next;

	rtc_lock();
	for (r = vr->rooms; r; r = next) {
		struct vr_pub *p, *pn;

		next = r->next;
		for (p = r->pubs; p; p = pn) {
			pn = p->next;
			if (p->conn_id != conn_id)
				continue;
			/* the room may end here: do not touch r once it has */
			if (r->pub_count == 1) {
				pub_leave(r, p, "connection closed");
				break;
			}
			pub_leave(r, p, "connection closed");
		}
	}
	rtc_unlock();
	flush();
}

#define VR_TIMER_MAX 64

struct media_check {
	unsigned key;
	char call_id[VR_CALL_SIZE];
	char tag[VR_TAG_SIZE];
};

/* Publishers without media for too long leave; the others are listed for
 * a check. Lock held. */
static int media_checks(struct media_check *out, int max)
{
	int64_t limit = sylk_monotonic_ms() - (int64_t)rtc_cfg.videoroom_media_timeout * 1000;
	struct vr_room *r, *rn;
	int n = 0;

	for (r = vr->rooms; r; r = rn) {
		struct vr_pub *p, *pn;

		rn = r->next;
		for (p = r->pubs; p; p = pn) {
			pn = p->next;
			if (p->established || !p->accepted)
				continue;
			if (p->joined_ms < limit) {
				bool last = r->pub_count == 1;

				emit_state(p->conn_id, p->id, SYLKRTC_SESSION_TERMINATED, NULL, p,
					   "No media received");
				pub_leave(r, p, "no media received in time");
				if (last)
					break;
				continue;
			}
			if (n < max) {
				out[n].key = p->key;
				memcpy(out[n].call_id, p->call_id, sizeof(out[n].call_id));
				memcpy(out[n].tag, p->tag, sizeof(out[n].tag));
				n++;
			}
		}
	}
	return n;
}

void rtc_videoroom_timer(void)
{
	struct media_check checks[VR_TIMER_MAX];
	struct vr_room *r = NULL;
	struct vr_pub *p;
	int n;

	if (!vr)
		return;
	rtc_lock();
	n = media_checks(checks, VR_TIMER_MAX);
	rtc_unlock();
	flush();
	for (int i = 0; i < n; i++) {
		if (ng_client_leg_has_media(checks[i].call_id, checks[i].tag) != 1)
			continue;
		rtc_lock();
		if ((p = pub_by_key(checks[i].key, &r)) && !p->established) {
			p->established = true;
			LM_INFO("video room %s: %s established\n", r->uri, p->id);
			emit_state(p->conn_id, p->id, SYLKRTC_SESSION_ESTABLISHED, NULL, p, NULL);
			announce(r, p);
		}
		rtc_unlock();
	}
}

/* ---- the API for room chat and file sharing ---------------------------------------------- */

bool rtc_videoroom_has_session(const char *room_uri, const char *session)
{
	bool found;

	rtc_lock();
	found = vr_pub_find(room_find(room_uri), session) != NULL;
	rtc_unlock();
	return found;
}

int rtc_videoroom_room_of(int conn_id, const char *session, char *room_uri, size_t size)
{
	struct vr_room *r = NULL;
	int err = ENOENT;

	rtc_lock();
	if (pub_of(conn_id, session, &r))
		err = snprintf(room_uri, size, "%s", r->uri) < (int)size ? 0 : ENOSPC;
	rtc_unlock();
	return err;
}

int rtc_videoroom_each(const char *room_uri, rtc_videoroom_visit_fn fn, void *arg)
{
	struct vr_room *r = NULL;
	int n = -1;

	rtc_lock();
	if ((r = room_find(room_uri))) {
		n = 0;
		for (struct vr_pub *p = r->pubs; p; p = p->next, n++)
			fn(p->conn_id, p->id, p->uri, p->display_name, arg);
	}
	rtc_unlock();
	return n;
}

int rtc_videoroom_emit_all(const char *room_uri, rtc_videoroom_build_fn build, void *arg)
{
	struct vr_room *r = NULL;
	int n = -1;

	rtc_lock();
	if ((r = room_find(room_uri))) {
		n = 0;
		for (struct vr_pub *p = r->pubs; p; p = p->next) {
			char *json = NULL;

			if (p->conn_id < 0) /* conference audio: no browser */
				continue;
			n++;
			rtc_send_built(p->conn_id,
				       build(&json, rtc_conn_version(p->conn_id), p->id, arg),
				       &json);
		}
	}
	rtc_unlock();
	return n;
}

/* ---- statistics ---------------------------------------------------------------------------- */

void rtc_videoroom_counts(int *publishers, int *subscribers)
{
	*publishers = *subscribers = 0;
	if (!vr)
		return;
	rtc_lock();
	for (struct vr_room *r = vr->rooms; r; r = r->next) {
		*publishers += (int)r->pub_count;
		for (struct vr_feed *f = r->feeds; f; f = f->next)
			(*subscribers)++;
	}
	rtc_unlock();
}

/* ---- the conference audio publisher (rtc_vr_sip.c) ----------------------------------- */

int rtc_videoroom_rooms(char *uris, size_t size, int max)
{
	int n = 0;

	if (!vr)
		return 0;
	rtc_lock();
	for (struct vr_room *r = vr->rooms; r && n < max; r = r->next, n++)
		snprintf(uris + (size_t)n * size, size, "%s", r->uri);
	rtc_unlock();
	return n;
}

static void leg_of(const struct vr_pub *p, struct rtc_vr_leg *leg)
{
	leg->key = p->key;
	snprintf(leg->call_id, sizeof(leg->call_id), "%s", p->call_id);
	snprintf(leg->tag, sizeof(leg->tag), "%s", p->tag);
}

int rtc_videoroom_browsers(const char *room_uri, struct rtc_vr_leg *out, int max,
			   unsigned *external)
{
	struct vr_room *r;
	int n = -1;

	*external = 0;
	rtc_lock();
	if ((r = room_find(room_uri))) {
		n = 0;
		for (struct vr_pub *p = r->pubs; p; p = p->next) {
			if (p->conn_id < 0)
				*external = p->key;
			else if (p->accepted && n < max)
				leg_of(p, &out[n++]);
		}
	}
	rtc_unlock();
	return n;
}

int rtc_videoroom_external_add(const char *room_uri, const char *uri, const char *display_name,
			       struct rtc_vr_leg *leg)
{
	struct vr_room *r;
	struct vr_pub *p = NULL;
	char id[VR_ID_SIZE];
	unsigned key;
	int err = 0;

	rtc_lock();
	key = rtc_next_key();
	snprintf(id, sizeof(id), "conference-audio-%u", key);
	if (!(r = room_find(room_uri)))
		err = ENOENT;
	else if ((int)r->pub_count >= rtc_cfg.videoroom_max_publishers)
		err = ENOSPC;
	else
		err = vr_pub_add(r, &p, id, key);
	if (!err) {
		p->conn_id = -1;
		p->audio = true;
		p->video = false;
		p->established = true; /* the timer polls browsers only */
		p->joined_ms = sylk_monotonic_ms();
		sylk_copy(p->uri, sizeof(p->uri), uri, strlen(uri));
		sylk_copy(p->display_name, sizeof(p->display_name), display_name,
			  strlen(display_name));
		leg_of(p, leg);
		LM_INFO("video room %s: conference audio of %s joins as %s\n", r->uri, uri, id);
	}
	rtc_unlock();
	if (err && err != ENOSPC) /* a full room: rtc_vr_sip.c logs when it starts and ends */
		LM_NOTICE("video room %s: no conference audio publisher: %s\n", room_uri,
			  err == ENOENT ? "no such room" : "cannot add it");
	return err;
}

int rtc_videoroom_external_accept(unsigned key)
{
	struct vr_room *r = NULL;
	struct vr_pub *p;

	rtc_lock();
	if (!(p = pub_by_key(key, &r))) {
		rtc_unlock();
		return ENOENT;
	}
	p->accepted = true;
	announce(r, p);
	rtc_unlock();
	rtc_relay_flush(); /* the browsers of other nodes hear of it too */
	return 0;
}

void rtc_videoroom_external_remove(unsigned key)
{
	struct vr_room *r = NULL;
	struct vr_pub *p;

	rtc_lock();
	if ((p = pub_by_key(key, &r)))
		pub_leave(r, p, "the conference audio ends");
	rtc_unlock();
	flush();
	rtc_relay_flush();
}
