/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The mixer's side of SIP phones in a video room's audio (conf_audio_api.h):
 * taps and a bus per bridged room, as mixer legs without a participant. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sys/random.h>

#include "core/dprint.h"

#include "conference/mixer/audio_codec.h"
#include "conference/sdp/mixer_bridge.h"
#include "sylk_ws/base/error.h"

#include "conf_audio_api.h"
#include "conf_config.h"
#include "conf_mixer.h"
#include "conf_room.h"
#include "conf_store.h"

#define SDP_SIZE 4096

static int room_audio(const char *uri, unsigned *room_key)
{
	struct conf_room *r;
	int n = 0;

	*room_key = 0;
	conf_lock();
	if ((r = conf_room_find(uri))) {
		*room_key = r->key;
		for (struct conf_participant *p = conf_part_first(); p; p = p->next)
			n += p->room_key == r->key && p->mixer_port != 0;
	}
	conf_unlock();
	return n;
}

static unsigned next_key(void)
{
	unsigned key;

	conf_lock();
	key = conf_next_key();
	conf_unlock();
	return key;
}

/* The leg into the mixer: 0 or an errno (the port is back in the pool). */
static int mixer_leg(unsigned room_key, int port, const struct mixer_bridge_codec *c,
		     enum mix_role role, unsigned *key)
{
	struct mix_participant_cfg cfg = {0};
	int err;

	cfg.codec = audio_codec_by_name(c->name, c->rate);
	cfg.role = role;
	cfg.pt = (uint8_t)c->pt;
	cfg.dtmf_pt = -1;
	cfg.ptime = 20;
	if (getrandom(&cfg.ssrc, sizeof(cfg.ssrc), 0) < 0 ||
	    getrandom(&cfg.seq, sizeof(cfg.seq), 0) < 0)
		cfg.ssrc = (uint32_t)port;
	*key = next_key();
	err = conf_mixer_add(room_key, *key, port, c->addr, (int)c->port, &cfg, false);
	if (err)
		LM_ERR("video room audio: the mixer cannot take %s leg on port %d: %s\n",
		       role == MIX_ROLE_TAP ? "a tap" : "the bus", port, sylk_strerror(err));
	return err;
}

static int tap_add(unsigned room_key, const char *offer, size_t len, unsigned *key, char **answer)
{
	struct mixer_bridge_codec c;
	char sdp[SDP_SIZE];
	int port = 0, err;

	*answer = NULL;
	if ((err = mixer_bridge_pick(&c, offer, len)) != 0) {
		LM_NOTICE("video room audio: no tap: no audio the mixer speaks (%s)\n",
			  sylk_strerror(err));
		return ENOENT;
	}
	if (!(port = conf_mixer_port_alloc())) {
		LM_ERR("video room audio: no free mixer port for a tap\n");
		return ENOSPC;
	}
	err = mixer_bridge_tap_answer(sdp, sizeof(sdp), offer, len, &c, conf_cfg.msrp_host_s.s,
				      port);
	if (err) {
		LM_ERR("video room audio: cannot answer a tap: %s\n", sylk_strerror(err));
		conf_mixer_port_free(port);
		return err;
	}
	if ((err = mixer_leg(room_key, port, &c, MIX_ROLE_TAP, key)) != 0)
		return err;
	if (!(*answer = strdup(sdp))) {
		conf_mixer_remove(room_key, *key);
		return ENOMEM;
	}
	return 0;
}

static int bus_offer(int *port, char **offer)
{
	char sdp[SDP_SIZE];

	*offer = NULL;
	if (!(*port = conf_mixer_port_alloc())) {
		LM_ERR("video room audio: no free mixer port for the bus\n");
		return ENOSPC;
	}
	if (mixer_bridge_bus_offer(sdp, sizeof(sdp), conf_cfg.msrp_host_s.s, *port) != 0 ||
	    !(*offer = strdup(sdp))) {
		conf_mixer_port_free(*port);
		*port = 0;
		return ENOMEM;
	}
	return 0;
}

static int bus_start(unsigned room_key, int port, const char *answer, size_t len, unsigned *key)
{
	struct mixer_bridge_codec c;
	int err = mixer_bridge_pick(&c, answer, len);

	if (err) {
		LM_ERR("video room audio: rtpengine's publish answer has no audio the mixer "
		       "speaks (%s)\n",
		       sylk_strerror(err));
		conf_mixer_port_free(port);
		return ENOENT;
	}
	return mixer_leg(room_key, port, &c, MIX_ROLE_BUS, key);
}

static void bus_cancel(int port)
{
	if (port)
		conf_mixer_port_free(port);
}

static void leg_remove(unsigned room_key, unsigned key)
{
	if (conf_mixer_remove(room_key, key) != 0)
		LM_ERR("video room audio: leg %u of room %u left in the mixer\n", key, room_key);
}

int bind_conf_audio(conf_audio_api_t *api)
{
	if (!api) {
		LM_ERR("bind_conf_audio: no API structure\n");
		return -1;
	}
	api->room_audio = room_audio;
	api->tap_add = tap_add;
	api->bus_offer = bus_offer;
	api->bus_start = bus_start;
	api->bus_cancel = bus_cancel;
	api->leg_remove = leg_remove;
	api->participant_remove = conf_kick;
	return 0;
}
