/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A participant's audio leg. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/random.h>

#include "core/dprint.h"

#include "conference/mixer/audio_codec.h"
#include "sylk_ws/ng/ng_bridge.h"
#include "sylk_ws/base/error.h"

#include "../common/ng_client.h"
#include "conf_audio.h"
#include "conf_config.h"
#include "conf_mixer.h"
#include "conf_store.h"

#define SDP_SIZE 8192

/* the offered audio section alone, as an SDP rtpengine can take */
static int audio_only_sdp(char *buf, size_t size, const struct conf_sdp_offer *offer,
			  const struct conf_sdp_media *m)
{
	const char *addr = m->c_addr ? m->c_addr : offer->c_addr ? offer->c_addr : "0.0.0.0";
	const char *ipver = strchr(addr, ':') ? "IP6" : "IP4";
	int n = snprintf(buf, size,
			 "v=0\r\no=- 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
			 "m=%s %u %s %s\r\n",
			 ipver, addr, ipver, addr, m->media, m->port, m->proto, m->fmt);

	for (size_t i = 0; i < m->attr_count && n > 0 && (size_t)n < size; i++)
		n += snprintf(buf + n, size - (size_t)n, "a=%s\r\n", m->attrs[i]);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

struct choice {
	enum audio_codec_id codec;
	int pt;
	char name[32];
	unsigned rate;
	unsigned channels;
	int dtmf_pt;
	unsigned dtmf_rate;
};

static int preference(enum audio_codec_id c)
{
	switch (c) {
	case AUDIO_CODEC_OPUS: return 4;
	case AUDIO_CODEC_G722: return 3;
	case AUDIO_CODEC_PCMA: return 2;
	case AUDIO_CODEC_PCMU: return 1;
	default: return 0;
	}
}

/* the best codec of rtpengine's offer toward the mixer */
static int choose(const struct conf_sdp_media *m, struct choice *ch)
{
	char fmt[256], *save = NULL;

	memset(ch, 0, sizeof(*ch));
	ch->dtmf_pt = -1;
	sylk_copy(fmt, sizeof(fmt), m->fmt, strlen(m->fmt));
	for (char *tok = strtok_r(fmt, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		int pt = atoi(tok);
		char name[32] = "";
		unsigned rate = 0, channels = 1;
		enum audio_codec_id c;

		for (size_t i = 0; i < m->attr_count; i++) {
			int apt;
			char an[32];
			unsigned ar = 0, ac = 1;

			if (sscanf(m->attrs[i], "rtpmap:%d %31[^/]/%u/%u", &apt, an, &ar, &ac) >=
				    3 &&
			    apt == pt) {
				sylk_copy(name, sizeof(name), an, strlen(an));
				rate = ar;
				channels = ac;
				break;
			}
		}
		if (name[0] && strcasecmp(name, "telephone-event") == 0) {
			if (ch->dtmf_pt < 0 || rate == 8000) {
				ch->dtmf_pt = pt;
				ch->dtmf_rate = rate;
			}
			continue;
		}
		c = name[0] ? audio_codec_by_name(name, rate) :
			      audio_codec_by_static_pt((unsigned)pt);
		if (preference(c) > preference(ch->codec)) {
			ch->codec = c;
			ch->pt = pt;
			sylk_copy(ch->name, sizeof(ch->name), name[0] ? name : audio_codec_name(c),
				  strlen(name[0] ? name : audio_codec_name(c)));
			ch->rate = rate ? rate : audio_codec_clock_rate(c);
			ch->channels = channels;
		}
	}
	return ch->codec == AUDIO_CODEC_NONE ? -1 : 0;
}

static bool is_webrtc(const struct conf_sdp_media *m)
{
	return strstr(m->proto, "SAVPF") || strstr(m->proto, "UDP/TLS");
}

/* from "m=" of an SDP to its end, with the session c= line moved in */
static char *media_section(const char *sdp)
{
	const char *m = strstr(sdp, "\r\nm=");
	const char *c = strstr(sdp, "\r\nc=");
	const char *eol = m ? strstr(m + 2, "\r\n") : NULL;
	size_t clen = 0;
	char *out;

	if (!m || !eol)
		return NULL;
	m += 2;
	eol += 2;
	if (c && c < m) {
		c += 2;
		clen = (size_t)(strstr(c, "\r\n") + 2 - c);
	}
	out = malloc(strlen(m) + clen + 1);
	if (!out)
		return NULL;
	memcpy(out, m, (size_t)(eol - m));
	memcpy(out + (eol - m), c, clen);
	strcpy(out + (eol - m) + clen, eol);
	return out;
}

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
	struct choice ch;
	char sdp[SDP_SIZE], why[128] = "", rtp_call[CONF_CALLID_SIZE];
	int port = 0, err = EPROTO;
	bool hold = m->dir == CONF_DIR_SENDONLY || m->dir == CONF_DIR_INACTIVE;

	memset(leg, 0, sizeof(*leg));
	snprintf(rtp_call, sizeof(rtp_call), "conf-%s", call_id);
	if (audio_only_sdp(sdp, sizeof(sdp), offer, m) < 0)
		return EPROTO;
	ng_bridge_request(&req, NG_BRIDGE_WEBRTC_OFFER);
	req.call_id = rtp_call;
	req.from_tag = from_tag;
	req.sdp = sdp;
	/* PCMU is always there toward the mixer: a participant with codecs the
	 * mixer lacks (Speex, GSM, G.729) is transcoded by rtpengine */
	req.codec.transcode = transcode;
	if (ng_client_request(&req, &reply, why, sizeof(why)) != 0 || !reply->sdp) {
		LM_NOTICE("audio of %s not set up: %s\n", who, why);
		goto fail;
	}
	if (conf_sdp_offer_parse(&toward, reply->sdp, reply->sdp_len) != 0 ||
	    toward->media_count < 1 || choose(&toward->media[0], &ch) < 0 ||
	    (!toward->c_addr && !toward->media[0].c_addr)) {
		LM_NOTICE("audio of %s: no codec the mixer can take\n", who);
		goto fail;
	}
	port = conf_mixer_port_alloc();
	if (!port) {
		LM_ERR("no free mixer port for %s\n", who);
		err = ENOSPC;
		goto fail;
	}
	{
		int n = snprintf(sdp, sizeof(sdp),
				 "v=0\r\no=- 1 1 IN IP4 %s\r\ns=mixer\r\nc=IN IP4 %s\r\nt=0 0\r\n"
				 "m=audio %d RTP/AVP %d",
				 conf_cfg.msrp_host_s.s, conf_cfg.msrp_host_s.s, port, ch.pt);

		if (ch.dtmf_pt >= 0)
			n += snprintf(sdp + n, sizeof(sdp) - (size_t)n, " %d", ch.dtmf_pt);
		n += snprintf(sdp + n, sizeof(sdp) - (size_t)n, "\r\na=rtpmap:%d %s/%u%s\r\n",
			      ch.pt, ch.name, ch.rate, ch.channels == 2 ? "/2" : "");
		if (ch.dtmf_pt >= 0)
			n += snprintf(sdp + n, sizeof(sdp) - (size_t)n,
				      "a=rtpmap:%d telephone-event/%u\r\n", ch.dtmf_pt,
				      ch.dtmf_rate);
		snprintf(sdp + n, sizeof(sdp) - (size_t)n, "a=ptime:20\r\na=%s\r\n",
			 conf_dir_name(conf_dir_reverse(m->dir)));
	}
	cfg.codec = ch.codec;
	cfg.pt = (uint8_t)ch.pt;
	cfg.dtmf_pt = ch.dtmf_pt;
	cfg.ptime = 20;
	if (getrandom(&cfg.ssrc, sizeof(cfg.ssrc), 0) < 0 ||
	    getrandom(&cfg.seq, sizeof(cfg.seq), 0) < 0 ||
	    getrandom(&cfg.ts, sizeof(cfg.ts), 0) < 0)
		cfg.ssrc = part_key;
	err = conf_mixer_add(room_key, part_key, port,
			     toward->media[0].c_addr ? toward->media[0].c_addr : toward->c_addr,
			     (int)toward->media[0].port, &cfg, hold);
	if (err) {
		LM_ERR("audio of %s: the mixer cannot take it: %s\n", who, sylk_strerror(err));
		port = 0; /* back in the pool already (or when the mixer gets to it) */
		goto fail;
	}
	err = EPROTO;
	ng_free_reply(reply);
	reply = NULL;

	memset(&req, 0, sizeof(req));
	if (is_webrtc(m))
		ng_bridge_request(&req, NG_BRIDGE_SIP_ANSWER);
	else
		req.cmd = NG_CMD_ANSWER;
	req.call_id = rtp_call;
	req.from_tag = from_tag;
	req.to_tag = to_tag;
	req.sdp = sdp;
	if (ng_client_request(&req, &reply, why, sizeof(why)) != 0 || !reply->sdp ||
	    !(leg->section = media_section(reply->sdp))) {
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

void conf_audio_teardown(struct conf_participant *p)
{
	struct pending_delete *d;

	if (!p->mixer_port)
		return;
	conf_mixer_remove(p->room_key, p->key);
	p->mixer_port = 0;
	d = malloc(sizeof(*d));
	if (!d) {
		LM_ERR("out of memory: rtpengine call %s left to its timeout\n", p->rtp_call_id);
		return;
	}
	memcpy(d->call_id, p->rtp_call_id, sizeof(d->call_id));
	memcpy(d->from_tag, p->rtp_from_tag, sizeof(d->from_tag));
	d->next = NULL;
	*pending_tail = d;
	pending_tail = &d->next;
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
