/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A participant's audio leg. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "core/dprint.h"

#include "conference/mixer/audio_codec.h"
#include "conference/sdp/audio_leg.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/ng/ng_bridge.h"
#include "sylk_ws/base/error.h"

#include "../common/ng_client.h"
#include "conf_audio.h"
#include "conf_config.h"
#include "conf_mixer.h"
#include "conf_store.h"

/* ports tried for one participant when another program holds one */
#define MIXER_BIND_TRIES 4

static void ng_free_reply(struct ng_reply *r)
{
	if (r)
		ng_reply_free(r);
}

int conf_audio_setup(struct conf_audio_leg *leg, unsigned room_key, unsigned part_key,
		     const char *who, const struct conf_sdp_offer *offer, size_t idx,
		     const char *call_id, const char *from_tag, const char *to_tag)
{
	const struct conf_sdp_media *m = &offer->media[idx];
	static const char *const transcode[] = {"PCMU", NULL};
	struct ng_request req = {0};
	struct ng_reply *reply = NULL;
	struct conf_sdp_offer *toward = NULL;
	struct mix_participant_cfg cfg = {0};
	struct audio_leg_codec ch;
	struct sbuf sdp = SBUF_INIT;
	char why[128] = "", rtp_call[CONF_CALLID_SIZE];
	int port = 0, err = EPROTO;
	bool hold = m->dir == CONF_DIR_SENDONLY || m->dir == CONF_DIR_INACTIVE;

	memset(leg, 0, sizeof(*leg));
	snprintf(rtp_call, sizeof(rtp_call), "conf-%s", call_id);
	if (audio_leg_offer(&sdp, offer, idx) != 0)
		goto out;
	ng_bridge_request(&req, NG_BRIDGE_WEBRTC_OFFER);
	req.call_id = rtp_call;
	req.from_tag = from_tag;
	req.sdp = sdp.buf;
	/* PCMU is always there toward the mixer: a participant with codecs the
	 * mixer lacks (Speex, GSM, G.729) is transcoded by rtpengine */
	req.codec.transcode = transcode;
	if (ng_client_request(&req, &reply, why, sizeof(why)) != 0 || !reply->sdp) {
		LM_NOTICE("audio of %s not set up: %s\n", who, why);
		goto fail;
	}
	if (conf_sdp_offer_parse(&toward, reply->sdp, reply->sdp_len) != 0 ||
	    toward->media_count < 1 || audio_leg_choose(&ch, &toward->media[0]) != 0 ||
	    (!toward->c_addr && !toward->media[0].c_addr)) {
		LM_NOTICE("audio of %s: no codec the mixer can take\n", who);
		goto fail;
	}
	cfg.codec = ch.codec;
	cfg.pt = (uint8_t)ch.pt;
	cfg.dtmf_pt = ch.dtmf_pt;
	cfg.ptime = 20;
	if (getrandom(&cfg.ssrc, sizeof(cfg.ssrc), 0) < 0 ||
	    getrandom(&cfg.seq, sizeof(cfg.seq), 0) < 0 ||
	    getrandom(&cfg.ts, sizeof(cfg.ts), 0) < 0)
		cfg.ssrc = part_key;
	/* the pool's ports may lie in the kernel's ephemeral range, where any
	 * program's socket can hold one: such a port is skipped, not fatal */
	for (int tries = 0;; tries++) {
		port = conf_mixer_port_alloc();
		if (!port) {
			LM_ERR("no free mixer port for %s\n", who);
			err = ENOSPC;
			goto fail;
		}
		sbuf_reset(&sdp);
		if (audio_leg_mixer_answer(&sdp, &ch, conf_cfg.msrp_host_s.s, port, m->dir) != 0) {
			err = ENOMEM;
			goto fail;
		}
		err = conf_mixer_add(room_key, part_key, port,
				     toward->media[0].c_addr ? toward->media[0].c_addr
							     : toward->c_addr,
				     (int)toward->media[0].port, &cfg, hold);
		if (err != EADDRINUSE || tries == MIXER_BIND_TRIES - 1)
			break;
		LM_NOTICE("mixer port %d is held by another program; %s gets the next\n", port,
			  who);
	}
	if (err) {
		LM_ERR("audio of %s: the mixer cannot take it: %s\n", who, sylk_strerror(err));
		port = 0; /* back in the pool already (or when the mixer gets to it) */
		goto fail;
	}
	err = EPROTO;
	ng_free_reply(reply);
	reply = NULL;

	memset(&req, 0, sizeof(req));
	if (audio_leg_is_webrtc(m))
		ng_bridge_request(&req, NG_BRIDGE_SIP_ANSWER);
	else
		req.cmd = NG_CMD_ANSWER;
	req.call_id = rtp_call;
	req.from_tag = from_tag;
	req.to_tag = to_tag;
	req.sdp = sdp.buf;
	if (ng_client_request(&req, &reply, why, sizeof(why)) != 0 || !reply->sdp ||
	    audio_leg_section(&leg->section, reply->sdp) != 0) {
		LM_NOTICE("audio of %s: rtpengine answer failed: %s\n", who, why);
		conf_mixer_remove(room_key, part_key);
		port = 0; /* the mixer frees it */
		goto fail;
	}
	leg->mixer_port = port;
	leg->on_hold = hold;
	sylk_copy(leg->rtp_call_id, sizeof(leg->rtp_call_id), rtp_call, strlen(rtp_call));
	sylk_copy(leg->rtp_from_tag, sizeof(leg->rtp_from_tag), from_tag, strlen(from_tag));
	sylk_copy(leg->codec, sizeof(leg->codec), audio_codec_name(ch.codec),
		  strlen(audio_codec_name(ch.codec)));
	err = 0;
	goto out;
fail:
	if (port)
		conf_mixer_port_free(port);
	ng_client_delete(rtp_call, from_tag);
out:
	ng_free_reply(reply);
	conf_sdp_offer_free(toward);
	sbuf_reset(&sdp);
	return err;
}

void conf_audio_attach(struct conf_participant *p, const struct conf_audio_leg *leg)
{
	p->mixer_port = leg->mixer_port;
	p->on_hold = leg->on_hold;
	memcpy(p->rtp_call_id, leg->rtp_call_id, sizeof(p->rtp_call_id));
	memcpy(p->rtp_from_tag, leg->rtp_from_tag, sizeof(p->rtp_from_tag));
	memcpy(p->audio_codec, leg->codec, sizeof(p->audio_codec));
}

void conf_audio_release(struct conf_audio_leg *leg, unsigned room_key, unsigned part_key)
{
	if (leg->mixer_port) {
		conf_mixer_remove(room_key, part_key);
		ng_client_delete(leg->rtp_call_id, leg->rtp_from_tag);
		leg->mixer_port = 0;
	}
	free(leg->section);
	leg->section = NULL;
}

/* rtpengine deletes queued under the store lock, sent once this process
 * has let go of it */
struct pending_delete {
	char call_id[CONF_CALLID_SIZE];
	char from_tag[CONF_TAG_SIZE];
	struct pending_delete *next;
};

static struct pending_delete *pending, **pending_tail = &pending;

void conf_audio_forget(const char *call_id, const char *from_tag)
{
	struct pending_delete *d = malloc(sizeof(*d));

	if (!d) {
		LM_ERR("out of memory: rtpengine call %s left to its timeout\n", call_id);
		return;
	}
	sylk_copy(d->call_id, sizeof(d->call_id), call_id, strlen(call_id));
	sylk_copy(d->from_tag, sizeof(d->from_tag), from_tag, strlen(from_tag));
	d->next = NULL;
	*pending_tail = d;
	pending_tail = &d->next;
}

void conf_audio_teardown(struct conf_participant *p)
{
	if (!p->mixer_port)
		return;
	conf_mixer_remove(p->room_key, p->key);
	p->mixer_port = 0;
	conf_audio_forget(p->rtp_call_id, p->rtp_from_tag);
}

void conf_audio_flush(void)
{
	while (pending) {
		struct pending_delete *d = pending;

		pending = d->next;
		if (!pending)
			pending_tail = &pending;
		ng_client_delete(d->call_id, d->from_tag);
		free(d);
	}
}
