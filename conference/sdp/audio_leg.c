/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SDP of a participant's audio leg through the conference mixer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conference/sdp/audio_leg.h"

int audio_leg_offer(struct sbuf *sb, const struct conf_sdp_offer *offer, size_t idx)
{
	const struct conf_sdp_media *m;
	const char *addr, *ipver;

	if (!sb || !offer || idx >= offer->media_count)
		return EINVAL;
	m = &offer->media[idx];
	addr = m->c_addr ? m->c_addr : offer->c_addr ? offer->c_addr : "0.0.0.0";
	ipver = strchr(addr, ':') ? "IP6" : "IP4";
	sbuf_printf(sb,
		    "v=0\r\no=- 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n"
		    "m=%s %u %s %s\r\n",
		    ipver, addr, ipver, addr, m->media, m->port, m->proto, m->fmt);
	for (size_t i = 0; i < m->attr_count; i++)
		sbuf_printf(sb, "a=%s\r\n", m->attrs[i]);
	return sbuf_err(sb);
}

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

/* one offered format: telephone-event is kept aside, a codec replaces the
 * choice when the mixer likes it better */
static void consider(struct audio_leg_codec *ch, const struct conf_sdp_media *m, int pt)
{
	char name[32] = "";
	unsigned rate = 0, channels = 1;
	enum audio_codec_id c;

	conf_sdp_rtpmap(m, pt, name, sizeof(name), &rate, &channels);
	if (name[0] && strcasecmp(name, "telephone-event") == 0) {
		/* the mixer's audio is narrowband at the RTP clock of 8000 */
		if (ch->dtmf_pt < 0 || rate == 8000) {
			ch->dtmf_pt = pt;
			ch->dtmf_rate = rate;
		}
		return;
	}
	c = name[0] ? audio_codec_by_name(name, rate) : audio_codec_by_static_pt((unsigned)pt);
	if (preference(c) <= preference(ch->codec))
		return;
	ch->codec = c;
	ch->pt = pt;
	snprintf(ch->name, sizeof(ch->name), "%s", name[0] ? name : audio_codec_name(c));
	ch->rate = rate ? rate : audio_codec_clock_rate(c);
	ch->channels = channels;
}

int audio_leg_choose(struct audio_leg_codec *ch, const struct conf_sdp_media *m)
{
	char fmt[256], *save = NULL;

	if (!ch || !m || !m->fmt)
		return EINVAL;
	memset(ch, 0, sizeof(*ch));
	ch->dtmf_pt = -1;
	snprintf(fmt, sizeof(fmt), "%s", m->fmt);
	for (char *tok = strtok_r(fmt, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		consider(ch, m, atoi(tok));
	return ch->codec == AUDIO_CODEC_NONE ? ENOENT : 0;
}

int audio_leg_mixer_answer(struct sbuf *sb, const struct audio_leg_codec *ch, const char *host,
			   int port, enum conf_dir offered)
{
	if (!sb || !ch || !host || ch->codec == AUDIO_CODEC_NONE)
		return EINVAL;
	sbuf_printf(sb,
		    "v=0\r\no=- 1 1 IN IP4 %s\r\ns=mixer\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		    "m=audio %d RTP/AVP %d",
		    host, host, port, ch->pt);
	if (ch->dtmf_pt >= 0)
		sbuf_printf(sb, " %d", ch->dtmf_pt);
	sbuf_printf(sb, "\r\na=rtpmap:%d %s/%u%s\r\n", ch->pt, ch->name, ch->rate,
		    ch->channels == 2 ? "/2" : "");
	if (ch->dtmf_pt >= 0)
		sbuf_printf(sb, "a=rtpmap:%d telephone-event/%u\r\n", ch->dtmf_pt, ch->dtmf_rate);
	sbuf_printf(sb, "a=ptime:20\r\na=%s\r\n", conf_dir_name(conf_dir_reverse(offered)));
	return sbuf_err(sb);
}

bool audio_leg_is_webrtc(const struct conf_sdp_media *m)
{
	return strstr(m->proto, "SAVPF") || strstr(m->proto, "UDP/TLS");
}

int audio_leg_section(char **sectionp, const char *sdp)
{
	struct sbuf sb = SBUF_INIT;
	const char *m, *c, *eol;
	size_t clen = 0;

	if (!sectionp || !sdp)
		return EINVAL;
	m = strstr(sdp, "\r\nm=");
	eol = m ? strstr(m + 2, "\r\n") : NULL;
	if (!eol)
		return EBADMSG;
	m += 2;
	eol += 2;
	c = strstr(sdp, "\r\nc=");
	if (c && c < m) {
		c += 2;
		clen = (size_t)(strstr(c, "\r\n") + 2 - c);
	}
	sbuf_put(&sb, m, (size_t)(eol - m));
	sbuf_put(&sb, c, clen);
	sbuf_puts(&sb, eol);
	*sectionp = sbuf_detach(&sb, NULL);
	return *sectionp ? 0 : ENOMEM;
}
