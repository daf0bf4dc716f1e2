/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SDP of a participant's audio leg through the conference mixer:
 * rtpengine in front of the participant (ICE, DTLS-SRTP or SDES,
 * transcoding), plain RTP between rtpengine and a mixer port.
 *
 *   1. the participant's audio section alone goes to rtpengine as an offer
 *      (audio_leg_offer);
 *   2. the mixer takes the best codec of rtpengine's offer toward it
 *      (audio_leg_choose) and answers it from its port
 *      (audio_leg_mixer_answer);
 *   3. rtpengine's answer toward the participant becomes the audio section
 *      of the focus's answer (audio_leg_section, given to
 *      conf_sdp_answer_build as raw_section).
 *
 * Kamailio-free: libc, conf_sdp, the base sbuf. */
#ifndef CONFERENCE_AUDIO_LEG_H
#define CONFERENCE_AUDIO_LEG_H

#include <stdbool.h>
#include <stddef.h>

#include "conference/mixer/audio_codec.h"
#include "conference/sdp/conf_sdp.h"
#include "sylk_ws/base/sbuf.h"

/* The mixer's format for one leg. */
struct audio_leg_codec {
	enum audio_codec_id codec;
	int pt;            /* its payload type in rtpengine's offer */
	char name[32];     /* the rtpmap's encoding name, or the codec's */
	unsigned rate;     /* RTP clock */
	unsigned channels; /* 1, or 2 for "opus/48000/2" */
	int dtmf_pt;       /* telephone-event (8000 Hz first), -1: none */
	unsigned dtmf_rate;
};

/* Appends the audio section @p idx of @p offer alone as a whole SDP: its
 * c= address (the section's, else the session's, else 0.0.0.0), m= line
 * and every a= line. 0, EINVAL, ENOMEM. */
int audio_leg_offer(struct sbuf *sb, const struct conf_sdp_offer *offer, size_t idx);

/* The codec the mixer takes from @p m (rtpengine's offer toward it): Opus
 * over G.722 over PCMA over PCMU, the first of equals in the order
 * offered; a format without rtpmap is known by its static payload type.
 * The port is not looked at. 0, EINVAL, ENOENT (no codec the mixer
 * speaks). */
int audio_leg_choose(struct audio_leg_codec *ch, const struct conf_sdp_media *m);

/* Appends the mixer's answer: @p ch (and its telephone-event) at
 * @p host:@p port, 20 ms packets, the direction that answers @p offered.
 * 0, EINVAL, ENOMEM. */
int audio_leg_mixer_answer(struct sbuf *sb, const struct audio_leg_codec *ch, const char *host,
			   int port, enum conf_dir offered);

/* Whether rtpengine must give the participant WebRTC media (ICE,
 * DTLS-SRTP) back: its offer was SAVPF or UDP/TLS. */
bool audio_leg_is_webrtc(const struct conf_sdp_media *m);

/* From the first m= line of @p sdp (CRLF lines) to its end, with a
 * session-level c= line moved in after the m= line: a section that stands
 * in another SDP. 0 with a malloc'd *@p sectionp, EINVAL, EBADMSG (no
 * complete m= line), ENOMEM. */
int audio_leg_section(char **sectionp, const char *sdp);

#endif
