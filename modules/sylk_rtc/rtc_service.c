/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test services answered by the server itself: echo and playback (see
 * rtc_service.h). The media is rtpengine's: "media echo" reflects the
 * caller's RTP (audio and video) back to it, "play media" plays a WAV to
 * it. The SIP side is a tm UAS dialog (new_dlg_uas) that the timer process
 * may end with a BYE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/timer_proc.h"
#include "modules/tm/tm_load.h"

#include "sylk_ws/ng/ng_service.h"
#include "sylk_ws/ng/ng_service_timer.h"

#include "../common/ng_client.h"
#include "../common/sip_util.h"
#include "rtc_config.h"
#include "rtc_service.h"

#define SVC_MAX 64
#define SVC_SDP_MAX 16384

struct svc_call {
	int used;
	struct ng_service_times t; /* playback or echo; when it plays and ends */
	char call_id[256];
	char ng_call_id[272];
	char from_tag[128];
	char to_tag[64];
	char file[512];
	dlg_t *dlg;
};

static struct svc_call *svc_calls;
static gen_lock_t *svc_lock;

static str method_bye = str_init("BYE");

int rtc_service_init(void)
{
	svc_calls = shm_malloc(sizeof(*svc_calls) * SVC_MAX);
	svc_lock = lock_alloc();
	if (!svc_calls || !svc_lock || !lock_init(svc_lock)) {
		LM_ERR("out of shared memory\n");
		return -1;
	}
	memset(svc_calls, 0, sizeof(*svc_calls) * SVC_MAX);
	return register_basic_timers(1) < 0 ? -1 : 0;
}

/* ---- ng ------------------------------------------------------------------ */

/* 0 with *replyp, or an errno value (logged by the client) */
static int ng_send(const struct ng_request *req, struct ng_reply **replyp)
{
	char why[128];

	return ng_client_request(req, replyp, why, sizeof(why));
}

/* offer (the caller's SDP) and answer (nobody's): the SDP for the caller
 * in @p answer */
static int ng_offer_answer(const struct svc_call *c, const char *sdp, size_t len, char *answer,
			   size_t size)
{
	return ng_service_negotiate(ng_send, c->ng_call_id, c->from_tag, c->to_tag, sdp, len,
				    !c->t.playback, answer, size);
}

/* play media to the caller: its length in seconds (at least 1) or -1 */
static int ng_play(const struct svc_call *c)
{
	struct ng_request req = {0};
	struct ng_reply *r = NULL;
	int secs;

	if (ng_service_play(&req, c->ng_call_id, c->from_tag, c->file) != 0 ||
	    ng_send(&req, &r) != 0)
		return -1;
	secs = ng_service_play_seconds(r);
	ng_reply_free(r);
	return secs;
}

/* ---- SIP ----------------------------------------------------------------- */

static struct svc_call *find(const str *call_id)
{
	for (int i = 0; i < SVC_MAX; i++)
		if (svc_calls[i].used && (int)strlen(svc_calls[i].call_id) == call_id->len &&
		    memcmp(svc_calls[i].call_id, call_id->s, call_id->len) == 0)
			return &svc_calls[i];
	return NULL;
}

static void release(struct svc_call *c)
{
	if (c->dlg)
		rtc_tmb.free_dlg(c->dlg);
	memset(c, 0, sizeof(*c));
}

static int reply(struct sip_msg *msg, int code, const char *text)
{
	if (rtc_tmb.t_newtran(msg) < 0)
		return 1; /* a retransmission tm absorbed, or out of memory */
	rtc_tmb.t_reply(msg, code, (char *)text);
	return 1;
}

static int sdp_body(struct sip_msg *msg, char **sdp, int *len)
{
	*sdp = get_body(msg);
	if (!*sdp || !msg->content_length)
		return ENODATA;
	*len = get_content_length(msg);
	return *len > 0 ? 0 : ENODATA;
}

/* The 200 on the INVITE's transaction through its ids: t_reply_with_body()
 * drops a reference, which only t_lookup_ident() took; given the script's
 * own transaction (t_gett()) tm freed the cell while it was still linked,
 * and its 200 was never retransmitted. */
static int answer_with_sdp(struct sip_msg *msg, struct svc_call *c, const char *sdp, str *to_tag)
{
	char hdrs[512];
	unsigned hash, label;
	struct socket_info *si = msg->rcv.bind_address;

	snprintf(hdrs, sizeof(hdrs),
		 "Contact: <sip:%s@%.*s:%d;transport=%s>\r\nContent-Type: application/sdp\r\n",
		 c->t.playback ? "playback" : "echo", si->address_str.len, si->address_str.s,
		 si->port_no,
		 si->proto == PROTO_TCP ? "tcp" : (si->proto == PROTO_TLS ? "tls" : "udp"));
	if (rtc_tmb.t_get_trans_ident(msg, &hash, &label) < 0)
		return EINVAL;
	return sylk_reply_by_ident(&rtc_tmb, hash, label, 200, "OK", sdp, hdrs, to_tag) < 0 ? EIO
											    : 0;
}

int rtc_service_invite(struct sip_msg *msg, int playback, const str *file)
{
	char *sdp, *answer = NULL;
	struct svc_call *c = NULL;
	struct to_body *from;
	dlg_t *dlg = NULL;
	int len, rc = 1, err;

	if (msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_INVITE ||
	    parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->to)
		return -1;
	if (get_to(msg)->tag_value.len > 0)
		return rtc_service_dialog(msg);
	if (parse_from_header(msg) < 0 || !(from = get_from(msg)) || from->tag_value.len <= 0)
		return reply(msg, 400, "Bad Request (From tag)");
	if (playback && (!file || file->len <= 0 || file->len >= (int)sizeof(c->file)))
		return reply(msg, 500, "Playback file not configured");
	if (sdp_body(msg, &sdp, &len) != 0)
		return reply(msg, 488, "Not Acceptable Here (no SDP offer)");
	if (rtc_tmb.t_newtran(msg) < 0)
		return 1;
	lock_get(svc_lock);
	if (!find(&msg->callid->body))
		for (int i = 0; i < SVC_MAX && !c; i++)
			if (!svc_calls[i].used)
				c = &svc_calls[i];
	if (!c) {
		lock_release(svc_lock);
		rtc_tmb.t_reply(msg, 486, "Busy Here (too many service calls)");
		goto out;
	}
	c->used = 1;
	ng_service_times_init(&c->t, playback, time(NULL));
	snprintf(c->call_id, sizeof(c->call_id), "%.*s", msg->callid->body.len,
		 msg->callid->body.s);
	snprintf(c->ng_call_id, sizeof(c->ng_call_id), "%s~svc", c->call_id);
	snprintf(c->from_tag, sizeof(c->from_tag), "%.*s", from->tag_value.len, from->tag_value.s);
	if (playback)
		snprintf(c->file, sizeof(c->file), "%.*s", file->len, file->s);
	lock_release(svc_lock);

	if (rtc_tmb.new_dlg_uas(msg, 200, &dlg) < 0 || !dlg) {
		rtc_tmb.t_reply(msg, 500, "Server Error");
		goto fail;
	}
	snprintf(c->to_tag, sizeof(c->to_tag), "%.*s", dlg->id.loc_tag.len, dlg->id.loc_tag.s);
	answer = malloc(SVC_SDP_MAX);
	if (!answer || (err = ng_offer_answer(c, sdp, (size_t)len, answer, SVC_SDP_MAX)) != 0) {
		LM_ERR("%s service: no media for %s\n", playback ? "playback" : "echo", c->call_id);
		rtc_tmb.t_reply(msg, 488, "Not Acceptable Here");
		goto fail;
	}
	if (answer_with_sdp(msg, c, answer, &dlg->id.loc_tag) != 0) {
		ng_client_delete(c->ng_call_id, c->from_tag);
		goto fail;
	}
	lock_get(svc_lock);
	c->dlg = dlg;
	lock_release(svc_lock);
	LM_INFO("%s service answered %s\n", playback ? "playback" : "echo", c->call_id);
	goto out;
fail:
	if (dlg)
		rtc_tmb.free_dlg(dlg);
	lock_get(svc_lock);
	memset(c, 0, sizeof(*c));
	lock_release(svc_lock);
out:
	free(answer);
	return rc;
}

int rtc_service_dialog(struct sip_msg *msg)
{
	struct svc_call *c, copy;
	char *sdp, *answer = NULL;
	int len;

	if (msg->first_line.type != SIP_REQUEST || parse_headers(msg, HDR_EOH_F, 0) < 0 ||
	    !msg->callid || !msg->to || get_to(msg)->tag_value.len <= 0)
		return -1;
	lock_get(svc_lock);
	c = find(&msg->callid->body);
	if (!c || strlen(c->to_tag) != (size_t)get_to(msg)->tag_value.len ||
	    memcmp(c->to_tag, get_to(msg)->tag_value.s, get_to(msg)->tag_value.len) != 0) {
		lock_release(svc_lock);
		return -1;
	}
	copy = *c;
	switch (msg->REQ_METHOD) {
	case METHOD_ACK:
		if (ng_service_ack(&c->t, time(NULL))) {
			int secs;

			lock_release(svc_lock);
			secs = ng_play(&copy);
			lock_get(svc_lock);
			if ((c = find(&msg->callid->body)))
				ng_service_played(&c->t, time(NULL), secs);
		}
		lock_release(svc_lock);
		/* the script exits after the services: tm matches the ACK
		 * here, or the 200 is retransmitted until tm's timeout */
		rtc_xtmb.t_check_trans(msg);
		return 1;
	case METHOD_BYE:
		release(c);
		lock_release(svc_lock);
		ng_client_delete(copy.ng_call_id, copy.from_tag);
		LM_INFO("service call %s ended by the caller\n", copy.call_id);
		return reply(msg, 200, "OK");
	case METHOD_INVITE:
		lock_release(svc_lock);
		answer = malloc(SVC_SDP_MAX);
		if (rtc_tmb.t_newtran(msg) < 0) {
			free(answer);
			return 1;
		}
		if (!answer || sdp_body(msg, &sdp, &len) != 0 ||
		    ng_offer_answer(&copy, sdp, (size_t)len, answer, SVC_SDP_MAX) != 0 ||
		    answer_with_sdp(msg, &copy, answer, NULL) != 0)
			rtc_tmb.t_reply(msg, 488, "Not Acceptable Here");
		free(answer);
		return 1;
	default: lock_release(svc_lock); return reply(msg, 200, "OK");
	}
}

/* once a second: playbacks that are over, echoes that ran too long */
static void service_timer(unsigned int ticks, void *param)
{
	time_t now = time(NULL);

	for (int i = 0; i < SVC_MAX; i++) {
		struct svc_call copy;
		enum ng_service_due due = NG_SERVICE_NOTHING;
		uac_req_t uac_r;

		lock_get(svc_lock);
		if (svc_calls[i].used && svc_calls[i].dlg)
			due = ng_service_due(&svc_calls[i].t, now);
		copy = svc_calls[i];
		if (due == NG_SERVICE_BYE)
			memset(&svc_calls[i], 0, sizeof(svc_calls[i]));
		lock_release(svc_lock);
		if (due == NG_SERVICE_PLAY) {
			int secs = ng_play(&copy);

			lock_get(svc_lock);
			if (svc_calls[i].used && strcmp(svc_calls[i].call_id, copy.call_id) == 0)
				ng_service_played(&svc_calls[i].t, time(NULL), secs);
			lock_release(svc_lock);
		}
		if (due != NG_SERVICE_BYE)
			continue;
		LM_INFO("service call %s: the end, BYE\n", copy.call_id);
		copy.dlg->state = DLG_CONFIRMED;
		set_uac_req(&uac_r, &method_bye, NULL, NULL, copy.dlg, 0, NULL, NULL);
		if (rtc_tmb.t_request_within(&uac_r) < 0)
			LM_ERR("cannot send BYE for %s\n", copy.call_id);
		ng_client_delete(copy.ng_call_id, copy.from_tag);
		rtc_tmb.free_dlg(copy.dlg);
	}
}

int rtc_service_child_init(int rank)
{
	if (rank == PROC_MAIN &&
	    fork_basic_timer(PROC_TIMER, "SYLKRTC SERVICES", 1, service_timer, NULL, 1) < 0) {
		LM_ERR("cannot start the services timer\n");
		return -1;
	}
	return 0;
}
