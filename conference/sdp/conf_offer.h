/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's decision on each stream of an SDP offer (RFC 3264): which
 * MSRP chat and file-transfer streams it takes, what the participant
 * becomes (a chat member, a file push, a file pull), and the answer's
 * settings for each taken stream. Audio is set up by the caller (through
 * the media relay) and left refused here. Kamailio-free. */
#ifndef CONFERENCE_CONF_OFFER_H
#define CONFERENCE_CONF_OFFER_H

#include <stdbool.h>
#include <stdint.h>

#include "conference/sdp/conf_sdp.h"

enum conf_offer_role {
	CONF_OFFER_CHAT,      /* a member of the room (chat, audio) */
	CONF_OFFER_FILE_PUSH, /* an upload of one file (RFC 5547) */
	CONF_OFFER_FILE_PULL, /* a download of a stored file */
};

struct conf_offer_limits {
	unsigned msrp_port;     /* our MSRP listener */
	unsigned msrps_port;    /* our MSRP TLS listener, 0: none */
	uint64_t max_file_size; /* larger pushes are refused */
};

/* In: role and has_chat of the participant. Out: what the taken streams
 * made of it; the strings point into the offer, NULL when no taken stream
 * set them. */
struct conf_offer_result {
	enum conf_offer_role role;
	bool has_chat;
	bool msrp_secure;       /* the last taken MSRP stream is TCP/TLS/MSRP */
	const char *their_path; /* its a=path */
	const char *file_hash;  /* a taken file stream's selector */
	const char *file_name;
	const char *file_type;
	uint64_t file_size; /* of a push */
	const char *notice; /* why the last refused stream was refused, or NULL */
};

/* Fills @p ans (offer->media_count entries) and returns how many streams
 * were taken. */
int conf_offer_decide(const struct conf_sdp_offer *offer, struct conf_sdp_answer_media *ans,
		      const struct conf_offer_limits *lim, struct conf_offer_result *res);

#endif
