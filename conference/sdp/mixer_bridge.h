/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SDP and names of a video room bridged to the conference mixer (SIP
 * phones in a video room's audio, docs/DECISIONS.md): which conference room
 * a video room maps to, the codec the mixer takes from rtpengine's plain
 * RTP offer of one browser's media (a tap), the mixer's answer to it, and
 * the mixer's offer of its output (the bus) for an rtpengine "publish".
 *
 * Kamailio-free: libc and conf_sdp. */
#ifndef CONFERENCE_MIXER_BRIDGE_H
#define CONFERENCE_MIXER_BRIDGE_H

#include <stddef.h>

#define MIXER_BRIDGE_PT_OPUS 111

/* The audio format picked from an SDP rtpengine made (offer or answer). */
struct mixer_bridge_codec {
	size_t index;      /* of the audio m= line */
	int pt;            /* its payload type */
	char name[32];     /* "opus", "PCMU", "PCMA", "G722" */
	unsigned rate;     /* RTP clock */
	unsigned channels; /* 1 or 2 */
	char addr[64];     /* where rtpengine takes and sends this audio */
	unsigned port;
};

/* The first audio m= line with a port and a codec the mixer speaks
 * (Opus first, then G.722, PCMA, PCMU). 0, EBADMSG (no SDP), ENOENT (no
 * such audio line), EPROTO (no address). */
int mixer_bridge_pick(struct mixer_bridge_codec *c, const char *sdp, size_t len);

/* The mixer's answer to rtpengine's offer of a tap: the picked audio line
 * answered with @p host:@p port, receive only; every other line refused
 * (port 0). 0, EBADMSG, ENOSPC (@p size too small). */
int mixer_bridge_tap_answer(char *buf, size_t size, const char *offer, size_t len,
			    const struct mixer_bridge_codec *c, const char *host, int port);

/* The mixer's offer of its output into the room: Opus and PCMU from
 * @p host:@p port, send only. 0, ENOSPC. */
int mixer_bridge_bus_offer(char *buf, size_t size, const char *host, int port);

#endif
