/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private one-to-one chat sessions of the focus (RFC 7573), for the XMPP
 * gateway (sylk_conference_api.h, "private chat sessions"): each is a room
 * flagged `session` whose URI is the peer's and whose one participant is
 * the SIP user, so that MSRP binding, reassembly, sending, the ACK and
 * MSRP timeouts and BYE are the rooms' own; only routing differs (what
 * the user sends goes to the listener, not to other participants). */
#ifndef SYLK_CONF_SESSION_H
#define SYLK_CONF_SESSION_H

#include <stddef.h>

#include "conference/msrp/msrp_message.h"
#include "conference/sdp/conf_sdp.h"

#include "conf_store.h"
#include "sylk_conference_api.h"

/* bind_sylk_conference: the session part of the API */
void conf_session_bind(sylk_conf_api_t *api);

/* An audio section a session's answer carries besides its chat stream
 * (the playback service's, conf_playback.c): offered section @p idx
 * answered with @p section (rtpengine's answer, audio_leg_section()). */
struct conf_session_audio {
	int idx;
	const char *section;
};

/* The 200 of a new session, copied under the lock: it goes out after the
 * unlock (conf_session_answer()). */
struct conf_session_reply {
	unsigned part_key;
	char to_tag[CONF_TAG_SIZE];
	char *sdp; /* malloc'd; conf_session_answer() frees it */
};

/* Lock held. A session of @p user_uri with @p peer_uri answering INVITE
 * @p msg: its room and participant, answered as far as the store goes, the
 * 200 with the chat stream of @p offer taken (and @p audio's section, NULL:
 * none) in *rp, to send once unlocked. @p dlg (NULL: made here) is the
 * participant's, freed with it on any error. 0 with *pp, EPROTO (no MSRP
 * chat stream), ENOMEM. */
int conf_session_start(struct sip_msg *msg, const char *user_uri, const char *peer_uri,
		       const struct conf_sdp_offer *offer, dlg_t *dlg,
		       const struct conf_session_audio *audio, struct conf_participant **pp,
		       struct conf_session_reply *rp);

/* Lock NOT held: the 200 of conf_session_start() sent (rp->sdp freed).
 * When tm cannot send it the session is gone (the lock taken for that):
 * EIO; else 0. */
int conf_session_answer(struct sip_msg *msg, struct conf_session_reply *rp);

/* A complete SEND body of the session's user (lock held): checked and
 * queued for the listener. The MSRP status to answer, with *reason. */
int conf_session_from_user(struct conf_room *r, struct conf_participant *p,
			   const struct msrp_message *m, const char *ctype, const void *body,
			   size_t len, const char **reason);

/* The session's participant leaves (lock held): BYE when @p send_bye, the
 * listener told unless the peer ended it, the session gone. */
void conf_session_leave(struct conf_participant *p, struct conf_room *r, int send_bye,
			bool by_peer);

/* A re-INVITE in the session of participant @p part_key (its transaction
 * made, lock NOT held: taken to decide, let go to reply): answered for its
 * MSRP chat stream (a refresh, a new path); without one 488, the session
 * as it was. */
void conf_session_reinvite(struct sip_msg *msg, unsigned part_key);

/* "Contact: <sip:chat@HOST:PORT>\r\n": not a focus */
void conf_session_contact(char *buf, size_t size);

/* Without the lock: what the sessions queued, to the listener. */
void conf_session_flush(void);

#endif
