/* A participant's audio leg: rtpengine in front (it terminates ICE,
 * DTLS-SRTP or SDES and transcodes what the mixer does not speak), plain
 * RTP between rtpengine and a mixer port on loopback. */
#ifndef SYLK_CONF_AUDIO_H
#define SYLK_CONF_AUDIO_H

#include "conference/conf_sdp.h"

struct conf_participant;

/* Negotiates the offered audio section @p idx for @p p: rtpengine offer,
 * the mixer's answer (best of Opus, G.722, PCMA, PCMU), rtpengine answer,
 * and the mixer command. Returns the media section for the participant's
 * SDP answer (malloc'ed), or NULL when audio cannot be set up (answer it
 * with port 0). Store lock held; waits on rtpengine. */
char *conf_audio_setup(struct conf_participant *p, const struct conf_sdp_offer *offer,
		       size_t idx, const char *call_id, const char *from_tag,
		       const char *to_tag);

/* Ends the audio leg (mixer and rtpengine). Lock held. */
void conf_audio_teardown(struct conf_participant *p);

#endif
