/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SDP and names of a video room bridged to the conference mixer. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conference/sdp/conf_sdp.h"
#include "conference/sdp/mixer_bridge.h"

static int preference(const char *name, unsigned rate)
{
	if (strcasecmp(name, "opus") == 0 && rate == 48000)
		return 4;
	if (strcasecmp(name, "G722") == 0)
		return 3;
	if (strcasecmp(name, "PCMA") == 0)
		return 2;
	if (strcasecmp(name, "PCMU") == 0)
		return 1;
	return 0;
}

/* the name, rate and channels of payload type @p pt in @p m */
static void rtpmap(const struct conf_sdp_media *m, int pt, char *name, size_t size, unsigned *rate,
		   unsigned *channels)
{
	static const char *const statics[] = {[0] = "PCMU", [8] = "PCMA", [9] = "G722"};

	*rate = 8000;
	*channels = 1;
	snprintf(name, size, "%s", pt >= 0 && pt <= 9 && statics[pt] ? statics[pt] : "");
	conf_sdp_rtpmap(m, pt, name, size, rate, channels);
}

static bool pick_in(struct mixer_bridge_codec *c, const struct conf_sdp_media *m)
{
	char fmt[256], *save = NULL;
	int best = 0;

	snprintf(fmt, sizeof(fmt), "%s", m->fmt);
	for (char *tok = strtok_r(fmt, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char name[32];
		unsigned rate, channels;
		int pt = atoi(tok), pref;

		rtpmap(m, pt, name, sizeof(name), &rate, &channels);
		pref = preference(name, rate);
		if (pref > best) {
			best = pref;
			c->pt = pt;
			snprintf(c->name, sizeof(c->name), "%s", name);
			c->rate = rate;
			c->channels = channels;
		}
	}
	return best > 0;
}

int mixer_bridge_pick(struct mixer_bridge_codec *c, const char *sdp, size_t len)
{
	struct conf_sdp_offer *o = NULL;
	int err = ENOENT;

	memset(c, 0, sizeof(*c));
	if (!sdp || conf_sdp_offer_parse(&o, sdp, len) != 0)
		return EBADMSG;
	for (size_t i = 0; i < o->media_count; i++) {
		const struct conf_sdp_media *m = &o->media[i];
		const char *addr = m->c_addr ? m->c_addr : o->c_addr;

		if (strcmp(m->media, "audio") != 0 || !m->port || !pick_in(c, m))
			continue;
		if (!addr) {
			err = EPROTO;
			break;
		}
		c->index = i;
		c->port = m->port;
		snprintf(c->addr, sizeof(c->addr), "%s", addr);
		err = 0;
		break;
	}
	conf_sdp_offer_free(o);
	return err;
}

static int put(char *buf, size_t size, size_t *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t size, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (*n >= size)
		return ENOSPC;
	va_start(ap, fmt);
	k = vsnprintf(buf + *n, size - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= size - *n)
		return ENOSPC;
	*n += (size_t)k;
	return 0;
}

/* A refused line: port 0, with its formats and rtpmaps (rtpengine 10.5
 * refuses a subscription answer whose line names a dynamic payload type
 * without one). */
static int refuse(char *buf, size_t size, size_t *n, const struct conf_sdp_media *m)
{
	int err = put(buf, size, n, "m=%s 0 %s %s\r\n", m->media, m->proto, m->fmt);

	for (size_t i = 0; i < m->attr_count && !err; i++)
		if (strncmp(m->attrs[i], "rtpmap:", 7) == 0)
			err = put(buf, size, n, "a=%s\r\n", m->attrs[i]);
	return err ? err : put(buf, size, n, "a=inactive\r\n");
}

int mixer_bridge_tap_answer(char *buf, size_t size, const char *offer, size_t len,
			    const struct mixer_bridge_codec *c, const char *host, int port)
{
	struct conf_sdp_offer *o = NULL;
	size_t n = 0;
	int err;

	if (!buf || !c || !host || conf_sdp_offer_parse(&o, offer, len) != 0)
		return EBADMSG;
	err = put(buf, size, &n, "v=0\r\no=- 1 1 IN IP4 %s\r\ns=mixer\r\nc=IN IP4 %s\r\nt=0 0\r\n",
		  host, host);
	for (size_t i = 0; i < o->media_count && !err; i++) {
		const struct conf_sdp_media *m = &o->media[i];

		if (i != c->index) {
			err = refuse(buf, size, &n, m);
			continue;
		}
		err = put(buf, size, &n, "m=audio %d RTP/AVP %d\r\na=rtpmap:%d %s/%u%s\r\n", port,
			  c->pt, c->pt, c->name, c->rate, c->channels == 2 ? "/2" : "");
		if (!err)
			err = put(buf, size, &n, "a=ptime:20\r\na=recvonly\r\n");
	}
	conf_sdp_offer_free(o);
	return err;
}

int mixer_bridge_bus_offer(char *buf, size_t size, const char *host, int port)
{
	size_t n = 0;

	if (!buf || !host)
		return EINVAL;
	return put(buf, size, &n,
		   "v=0\r\no=- 1 1 IN IP4 %s\r\ns=mixer\r\nc=IN IP4 %s\r\nt=0 0\r\n"
		   "m=audio %d RTP/AVP %d 0\r\na=rtpmap:%d opus/48000/2\r\n"
		   "a=fmtp:%d minptime=20;useinbandfec=1\r\na=rtpmap:0 PCMU/8000\r\n"
		   "a=ptime:20\r\na=sendonly\r\n",
		   host, host, port, MIXER_BRIDGE_PT_OPUS, MIXER_BRIDGE_PT_OPUS,
		   MIXER_BRIDGE_PT_OPUS);
}
