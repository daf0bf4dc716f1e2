/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP phones in a video room's audio.
 *
 * Once a second the gateway timer compares each video room with the
 * conference room of the same name. While both have participants (browser
 * publishers; SIP participants with audio) there is a bridge:
 *   - a tap per browser: an rtpengine "subscribe request" in the browser's
 *     publisher call toward plain RTP, answered by a mixer port
 *     (sylk_conference puts it in the mixer as an input only);
 *   - a bus: the mixer's output, offered to rtpengine by "publish" in a
 *     call of its own, shown to the browsers as one more publisher
 *     ("Conference (SIP)", uri = the conference room).
 * When either side empties (or the conference room is a new one) it is
 * torn down. Only the gateway timer process runs this, so the bridges are
 * this process's own memory; neither store lock is held while rtpengine,
 * the other module or the mixer is asked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"

#include "conference/sdp/mixer_bridge.h"
#include "sylk_ws/ng/ng_bridge.h"
#include "sylk_ws/videoroom/vr_chat.h"
#include "sylk_ws/videoroom/vr_room.h"

#include "../common/ng_client.h"
#include "../sylk_conference/conf_audio_api.h"
#include "rtc_config.h"
#include "rtc_videoroom.h"
#include "rtc_vr_sip.h"

#define BRIDGE_ROOMS_MAX 64
#define BRIDGE_BROWSERS_MAX 64
#define BUS_DISPLAY_NAME "Conference (SIP)"

struct tap {
	unsigned pub_key; /* the browser's publisher */
	unsigned mix_key; /* 0: the browser has no audio the mixer takes */
	char call_id[VR_CALL_SIZE];
	char tag[VR_TAG_SIZE]; /* our to-tag in the browser's call */
	struct tap *next;
};

struct bridge {
	char vr_uri[VR_AOR_SIZE];
	char conf_uri[VR_AOR_SIZE];
	unsigned room_key;    /* the conference room's */
	unsigned bus_pub_key; /* the conference audio publisher */
	unsigned bus_mix_key;
	struct tap *taps;
	struct bridge *next;
};

/* a video room too full for the conference audio publisher while SIP
 * participants wait to be heard there: logged when that starts and ends,
 * not at each try (one a second) */
struct full_room {
	char vr_uri[VR_AOR_SIZE];
	struct full_room *next;
};

static conf_audio_api_t ca;
static int have_ca;
static struct bridge *bridges;       /* the gateway timer process's */
static struct full_room *full_rooms; /* the gateway timer process's */
static unsigned tag_counter;

int rtc_vr_sip_init(void)
{
	have_ca = load_conf_audio_api(&ca) == 0;
	if (!have_ca)
		LM_INFO("sylk_conference not loaded: no SIP phones in video rooms\n");
	return 0;
}

int rtc_vr_sip_remove(const char *vr_uri, const char *aor, const char *who)
{
	char conf_uri[VR_AOR_SIZE], uri[VR_AOR_SIZE + 4];
	int n;

	if (!have_ca)
		return ENOTSUP;
	if (vr_chat_conference_uri(vr_uri, conf_uri, sizeof(conf_uri)) != 0)
		return EINVAL;
	snprintf(uri, sizeof(uri), "sip:%s", aor);
	n = ca.participant_remove(conf_uri, uri, who);
	return n > 0 ? 0 : n < 0 ? ENOMEM : ENOENT;
}

/* ---- rtpengine ---------------------------------------------------------------------- */

/* 0 with *sdp malloc'ed (NULL when rtpengine gave none), or an errno */
static int ask(enum ng_bridge_step step, const char *call_id, const char *from_tag,
	       const char *to_tag, const char *sdp_in, char **sdp)
{
	struct ng_request req = {
		.call_id = call_id, .from_tag = from_tag, .to_tag = to_tag, .sdp = sdp_in};
	struct ng_reply *reply = NULL;
	char why[128];
	int err;

	*sdp = NULL;
	ng_bridge_request(&req, step);
	if ((err = ng_client_request(&req, &reply, why, sizeof(why))) != 0) {
		LM_NOTICE("video room audio: %s in %s: %s\n", ng_cmd_name(req.cmd), call_id, why);
		return err;
	}
	if (reply->sdp && !(*sdp = strndup(reply->sdp, reply->sdp_len)))
		err = ENOMEM;
	ng_reply_free(reply);
	return err;
}

static void unsubscribe(const char *call_id, const char *tag)
{
	struct ng_request req = {.cmd = NG_CMD_UNSUBSCRIBE, .call_id = call_id, .to_tag = tag};
	struct ng_reply *reply = NULL;
	char why[128];

	/* the browser's call may be gone already, and the tap with it */
	if (ng_client_request(&req, &reply, why, sizeof(why)) == 0)
		ng_reply_free(reply);
	else
		LM_DBG("video room audio: unsubscribe %s in %s: %s\n", tag, call_id, why);
}

/* ---- taps --------------------------------------------------------------------------- */

static void tap_down(const struct bridge *b, struct tap *t)
{
	if (t->mix_key)
		ca.leg_remove(b->room_key, t->mix_key);
	unsubscribe(t->call_id, t->tag);
	LM_INFO("video room %s: tap of publisher %u removed\n", b->vr_uri, t->pub_key);
	free(t);
}

/* A tap of the browser @p leg; it is listed even when it carries nothing,
 * so that a browser without usable audio is not asked again each second. */
static void tap_up(struct bridge *b, const struct rtc_vr_leg *leg)
{
	struct tap *t = calloc(1, sizeof(*t));
	char *offer = NULL, *answer = NULL, *ignored = NULL;

	if (!t) {
		LM_ERR("video room %s: out of memory for a tap\n", b->vr_uri);
		return;
	}
	t->pub_key = leg->key;
	snprintf(t->call_id, sizeof(t->call_id), "%s", leg->call_id);
	snprintf(t->tag, sizeof(t->tag), "sip-%x", ++tag_counter);
	if (ask(NG_BRIDGE_VR_TAP_SUBSCRIBE, t->call_id, leg->tag, t->tag, NULL, &offer) != 0 ||
	    !offer)
		goto out;
	if (ca.tap_add(b->room_key, offer, strlen(offer), &t->mix_key, &answer) != 0)
		goto out;
	if (ask(NG_BRIDGE_VR_TAP_ANSWER, t->call_id, NULL, t->tag, answer, &ignored) != 0) {
		ca.leg_remove(b->room_key, t->mix_key);
		t->mix_key = 0;
		goto out;
	}
	LM_INFO("video room %s: publisher %u tapped into %s (mixer leg %u)\n", b->vr_uri, leg->key,
		b->conf_uri, t->mix_key);
out:
	if (!t->mix_key)
		unsubscribe(t->call_id, t->tag);
	t->next = b->taps;
	b->taps = t;
	free(offer);
	free(answer);
	free(ignored);
}

static bool listed(const struct rtc_vr_leg *legs, int n, unsigned key)
{
	for (int i = 0; i < n; i++)
		if (legs[i].key == key)
			return true;
	return false;
}

/* taps of browsers gone removed, new browsers tapped */
static void taps_sync(struct bridge *b, const struct rtc_vr_leg *legs, int n)
{
	for (struct tap **tp = &b->taps, *t; (t = *tp);) {
		if (listed(legs, n, t->pub_key)) {
			tp = &t->next;
			continue;
		}
		*tp = t->next;
		tap_down(b, t);
	}
	for (int i = 0; i < n; i++) {
		bool have = false;

		for (struct tap *t = b->taps; t && !have; t = t->next)
			have = t->pub_key == legs[i].key;
		if (!have)
			tap_up(b, &legs[i]);
	}
}

/* ---- rooms too full for the conference audio ----------------------------------------- */

static struct full_room **full_find(const char *vr_uri)
{
	struct full_room **fp = &full_rooms;

	while (*fp && strcasecmp((*fp)->vr_uri, vr_uri) != 0)
		fp = &(*fp)->next;
	return fp;
}

static void full_begins(const char *vr_uri, const char *conf_uri)
{
	struct full_room *f;

	if (*full_find(vr_uri))
		return; /* told already */
	LM_NOTICE("video room %s is full (max %d participants): the SIP participants of %s are "
		  "not heard there until a place frees\n",
		  vr_uri, rtc_cfg.videoroom_max_publishers, conf_uri);
	if (!(f = calloc(1, sizeof(*f)))) {
		LM_ERR("video room %s: out of memory\n", vr_uri);
		return;
	}
	snprintf(f->vr_uri, sizeof(f->vr_uri), "%s", vr_uri);
	f->next = full_rooms;
	full_rooms = f;
}

static void full_ends(const char *vr_uri, const char *why)
{
	struct full_room **fp = full_find(vr_uri), *f = *fp;

	if (!f)
		return;
	*fp = f->next;
	LM_NOTICE("video room %s: no longer waiting for a place for the SIP audio: %s\n", vr_uri,
		  why);
	free(f);
}

/* ---- the bus ------------------------------------------------------------------------ */

/* The conference audio publisher: the mixer's offer published in a call
 * of its own, the mixer started on rtpengine's answer, the browsers told.
 * 0 or an errno (nothing left behind); *@p full when the video room had
 * no place for it. */
static int bus_up(struct bridge *b, bool *full)
{
	struct rtc_vr_leg leg;
	char *offer = NULL, *answer = NULL;
	int port = 0, err;

	if ((err = ca.bus_offer(&port, &offer)) != 0)
		return err;
	if ((err = rtc_videoroom_external_add(b->vr_uri, b->conf_uri, BUS_DISPLAY_NAME, &leg))) {
		ca.bus_cancel(port);
		*full = err == ENOSPC;
		goto out;
	}
	if ((err = ask(NG_BRIDGE_VR_RTP_PUBLISH, leg.call_id, leg.tag, NULL, offer, &answer)) ||
	    !answer) {
		err = err ? err : EPROTO;
		ca.bus_cancel(port);
		rtc_videoroom_external_remove(leg.key);
		goto out;
	}
	if ((err = ca.bus_start(b->room_key, port, answer, strlen(answer), &b->bus_mix_key))) {
		rtc_videoroom_external_remove(leg.key);
		goto out;
	}
	b->bus_pub_key = leg.key;
	if ((err = rtc_videoroom_external_accept(leg.key)) != 0) {
		ca.leg_remove(b->room_key, b->bus_mix_key); /* the room ended meanwhile */
		goto out;
	}
	LM_INFO("video room %s: conference audio of %s published (mixer leg %u)\n", b->vr_uri,
		b->conf_uri, b->bus_mix_key);
out:
	free(offer);
	free(answer);
	return err;
}

static void bridge_down(struct bridge *b, const char *why)
{
	LM_INFO("video room %s: bridge to %s ends: %s\n", b->vr_uri, b->conf_uri, why);
	while (b->taps) {
		struct tap *t = b->taps;

		b->taps = t->next;
		tap_down(b, t);
	}
	if (b->bus_mix_key)
		ca.leg_remove(b->room_key, b->bus_mix_key);
	if (b->bus_pub_key)
		rtc_videoroom_external_remove(b->bus_pub_key);
	free(b);
}

static void bridge_unlink(struct bridge *b, const char *why)
{
	for (struct bridge **bp = &bridges; *bp; bp = &(*bp)->next) {
		if (*bp == b) {
			*bp = b->next;
			break;
		}
	}
	bridge_down(b, why);
}

static struct bridge *bridge_find(const char *vr_uri)
{
	for (struct bridge *b = bridges; b; b = b->next)
		if (strcasecmp(b->vr_uri, vr_uri) == 0)
			return b;
	return NULL;
}

static struct bridge *bridge_new(const char *vr_uri, const char *conf_uri, unsigned room_key)
{
	struct bridge *b = calloc(1, sizeof(*b));
	bool full = false;

	if (!b) {
		LM_ERR("video room %s: out of memory for the SIP audio bridge\n", vr_uri);
		return NULL;
	}
	snprintf(b->vr_uri, sizeof(b->vr_uri), "%s", vr_uri);
	snprintf(b->conf_uri, sizeof(b->conf_uri), "%s", conf_uri);
	b->room_key = room_key;
	if (bus_up(b, &full) != 0) {
		if (full)
			full_begins(vr_uri, conf_uri);
		else
			LM_NOTICE("video room %s: no bridge to %s this time\n", vr_uri, conf_uri);
		free(b);
		return NULL;
	}
	b->next = bridges;
	bridges = b;
	full_ends(vr_uri, "a place is free");
	LM_INFO("video room %s: bridged to %s\n", vr_uri, conf_uri);
	return b;
}

/* ---- the timer ------------------------------------------------------------------------ */

static void room_sync(const char *vr_uri)
{
	struct rtc_vr_leg legs[BRIDGE_BROWSERS_MAX];
	char conf_uri[VR_AOR_SIZE];
	struct bridge *b = bridge_find(vr_uri);
	unsigned room_key = 0, bus = 0;
	int phones, n;

	if (vr_chat_conference_uri(vr_uri, conf_uri, sizeof(conf_uri)) != 0)
		return; /* not a video-conference address: nothing to bridge */
	phones = ca.room_audio(conf_uri, &room_key);
	n = rtc_videoroom_browsers(vr_uri, legs, BRIDGE_BROWSERS_MAX, &bus);
	if (b && (phones <= 0 || n <= 0 || b->room_key != room_key || bus != b->bus_pub_key)) {
		bridge_unlink(b, phones <= 0 ? "no SIP participant with audio" :
				 n <= 0      ? "no browser" :
					       "the rooms changed");
		b = NULL;
		bus = 0; /* removed with the bridge */
	}
	if (phones <= 0 || n <= 0) {
		if (bus && !b)
			rtc_videoroom_external_remove(bus); /* not ours: a stale one */
		full_ends(vr_uri, phones <= 0 ? "no SIP participant with audio" : "no browser");
		return;
	}
	if (!b && !(b = bridge_new(vr_uri, conf_uri, room_key)))
		return;
	taps_sync(b, legs, n);
}

void rtc_vr_sip_timer(void)
{
	static char uris[BRIDGE_ROOMS_MAX][VR_AOR_SIZE];
	int n;

	if (!have_ca)
		return;
	n = rtc_videoroom_rooms(&uris[0][0], VR_AOR_SIZE, BRIDGE_ROOMS_MAX);
	for (int i = 0; i < n; i++)
		room_sync(uris[i]);
	/* bridges whose video room has ended */
	for (struct bridge *b = bridges, *next; b; b = next) {
		bool alive = false;

		next = b->next;
		for (int i = 0; i < n && !alive; i++)
			alive = strcasecmp(uris[i], b->vr_uri) == 0;
		if (!alive)
			bridge_unlink(b, "the video room ended");
	}
	for (struct full_room *f = full_rooms, *next; f; f = next) {
		bool alive = false;

		next = f->next;
		for (int i = 0; i < n && !alive; i++)
			alive = strcasecmp(uris[i], f->vr_uri) == 0;
		if (!alive)
			full_ends(f->vr_uri, "the video room ended");
	}
}
