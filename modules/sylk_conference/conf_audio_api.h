/* SPDX-License-Identifier: GPL-2.0-or-later */
/* C API of the focus's mixer for the gateway's video rooms: SIP phones in a
 * video room's audio (docs/DECISIONS.md, docs/ARCHITECTURE.md). The
 * gateway talks to rtpengine; the focus only gives mixer ports and SDP and
 * puts legs into its mixer: taps (one browser's voice, mixed in, sent
 * nothing) and a bus (the SIP participants' sum, published into the room).
 *
 *   #include "../sylk_conference/conf_audio_api.h"
 *   static conf_audio_api_t ca;
 *   mod_init: if (load_conf_audio_api(&ca) == 0) ... (else nothing is bridged)
 *
 * Lock rule: every function takes the focus's locks itself and returns
 * with none held; call them holding no lock of your own module. tap_add()
 * and bus_start() wait up to a second for the mixer. */
#ifndef SYLK_CONF_AUDIO_API_H
#define SYLK_CONF_AUDIO_API_H

#include <stddef.h>

#include "core/sr_module.h"

/* How many participants of room @p uri ("sip:NAME@conference.DOMAIN") have
 * audio in the mixer; the room's key into *room_key. 0 when none or no
 * such room. */
typedef int (*conf_audio_room_f)(const char *uri, unsigned *room_key);
/* A tap from rtpengine's plain RTP offer @p offer (subscribe request):
 * a mixer port, the leg in the room's mixer; *key and the mixer's answer
 * (*answer, malloc'ed, for subscribe answer). 0, ENOENT (no audio the
 * mixer speaks), ENOSPC (no port), the mixer's errno. */
typedef int (*conf_audio_tap_add_f)(unsigned room_key, const char *offer, size_t len, unsigned *key,
				    char **answer);
/* The mixer's offer of a bus: a port (*port) and the SDP (*offer, malloc'ed)
 * for rtpengine's publish. 0, ENOSPC, ENOMEM. */
typedef int (*conf_audio_bus_offer_f)(int *port, char **offer);
/* The bus on @p port starts with rtpengine's publish answer: *key. On any
 * error the port is back in the pool. 0, ENOENT, the mixer's errno. */
typedef int (*conf_audio_bus_start_f)(unsigned room_key, int port, const char *answer, size_t len,
				      unsigned *key);
/* A bus offered but never started: its port back in the pool. */
typedef void (*conf_audio_bus_cancel_f)(int port);
/* A tap or bus leaves the mixer (its port goes back with it). */
typedef void (*conf_audio_leg_remove_f)(unsigned room_key, unsigned key);
/* Every participant of room @p uri whose URI is @p participant_uri
 * ("sip:user@domain") is BYEd out of it, for @p who (logged): a video
 * room's participant removing a SIP phone. How many left (0: none, -1:
 * out of memory). */
typedef int (*conf_audio_participant_remove_f)(const char *uri, const char *participant_uri,
					       const char *who);

typedef struct conf_audio_api {
	conf_audio_room_f room_audio;
	conf_audio_tap_add_f tap_add;
	conf_audio_bus_offer_f bus_offer;
	conf_audio_bus_start_f bus_start;
	conf_audio_bus_cancel_f bus_cancel;
	conf_audio_leg_remove_f leg_remove;
	conf_audio_participant_remove_f participant_remove;
} conf_audio_api_t;

typedef int (*bind_conf_audio_f)(conf_audio_api_t *api);

/* 0, or -1 when sylk_conference is not loaded. */
static inline int load_conf_audio_api(conf_audio_api_t *api)
{
	bind_conf_audio_f bind = (bind_conf_audio_f)find_export("bind_conf_audio", 0, 0);

	return bind && bind(api) == 0 ? 0 : -1;
}

/* sylk_conference's side (conf_vr_audio.c) */
int bind_conf_audio(conf_audio_api_t *api);

#endif
