/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A participant's audio leg: rtpengine in front (it terminates ICE,
 * DTLS-SRTP or SDES and transcodes what the mixer does not speak), plain
 * RTP between rtpengine and a mixer port on loopback. */
#ifndef SYLK_CONF_AUDIO_H
#define SYLK_CONF_AUDIO_H

#include <stdbool.h>

#include "conference/sdp/conf_sdp.h"

#include "conf_store.h"

struct conf_participant;

/* An audio leg set up without the store lock, to be attached to its
 * participant once the lock is held again. */
struct conf_audio_leg {
	int mixer_port;
	bool on_hold;
	char rtp_call_id[CONF_CALLID_SIZE];
	char rtp_from_tag[CONF_TAG_SIZE];
	char codec[16];
	char *section; /* the participant's answer (malloc'ed) */
};

/* Negotiates the offered audio section @p idx: rtpengine offer, the
 * mixer's answer (best of Opus, G.722, PCMA, PCMU), the mixer binding its
 * port, rtpengine answer. Store lock NOT held: waits on rtpengine and the
 * mixer. 0 with @p leg filled; EPROTO when the offer or rtpengine does not
 * give a usable leg; ENOSPC (no free mixer port) or the mixer's errno when
 * the mixer cannot take it. Nothing is left behind on an error. */
int conf_audio_setup(struct conf_audio_leg *leg, unsigned room_key, unsigned part_key,
		     const char *who, const struct conf_sdp_offer *offer, size_t idx,
		     const char *call_id, const char *from_tag, const char *to_tag);

/* The participant takes the leg (the section stays the caller's). Lock held. */
void conf_audio_attach(struct conf_participant *p, const struct conf_audio_leg *leg);

/* Undoes a leg whose participant went away while it was set up (mixer
 * and rtpengine) and frees its section. Lock NOT held. */
void conf_audio_release(struct conf_audio_leg *leg, unsigned room_key, unsigned part_key);

/* Ends the participant's audio leg: the mixer command is queued now, the
 * rtpengine delete goes out at the outermost conf_unlock(). Lock held. */
void conf_audio_teardown(struct conf_participant *p);

/* Queues the delete of rtpengine call @p call_id (leg @p from_tag) for
 * the outermost conf_unlock(). Lock held. */
void conf_audio_forget(const char *call_id, const char *from_tag);

/* Sends the rtpengine deletes queued under the lock (conf_unlock does). */
void conf_audio_flush(void);

#endif
