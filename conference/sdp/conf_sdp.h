/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SDP (RFC 4566) for the conference focus: read the offer a participant
 * sends to a room and build the focus's answer (RFC 3264), covering audio
 * (RTP, passed through to the media relay), MSRP chat (RFC 4975, RFC 7701
 * chat rooms, RFC 6135 a=setup) and MSRP file transfer (RFC 5547).
 *
 * Kamailio-free: libc only. */
#ifndef CONFERENCE_CONF_SDP_H
#define CONFERENCE_CONF_SDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_SDP_CONTENT_TYPE "application/sdp"

/* Offers larger than this, or with more m= sections, are refused. */
#define CONF_SDP_MAX_SIZE 65536
#define CONF_SDP_MAX_MEDIA 16

enum conf_media_kind {
	CONF_MEDIA_AUDIO, /* m=audio over RTP/AVP, RTP/SAVP, RTP/AVPF, RTP/SAVPF, UDP/TLS/RTP/SAVP(F) */
	CONF_MEDIA_CHAT,  /* m=message over MSRP, no a=file-selector */
	CONF_MEDIA_FILE,  /* m=message over MSRP with a=file-selector */
	CONF_MEDIA_OTHER, /* anything else (video, application, unknown proto, ...) */
};

enum conf_dir {
	CONF_DIR_SENDRECV,
	CONF_DIR_SENDONLY,
	CONF_DIR_RECVONLY,
	CONF_DIR_INACTIVE,
};

/* RFC 5547 a=file-selector. Strings are NULL when the selector omits them. */
struct conf_file_selector {
	char *name; /* unquoted, as written between the quotes */
	char *type; /* MIME type with any parameters */
	uint64_t size;
	bool has_size;
	char *hash; /* "sha-1:AB:CD:..." as written */
};

struct conf_sdp_media {
	enum conf_media_kind kind;
	char *media;                /* "audio", "message", "video", ... */
	unsigned port;              /* 0: the offerer disabled this stream */
	char *proto;                /* "RTP/AVP", "TCP/MSRP", "TCP/TLS/MSRP", ... */
	char *fmt;                  /* rest of the m= line after proto */
	char *c_addr;               /* media-level c= address or NULL */
	char *path;                 /* a=path value or NULL */
	char *accept_types;         /* a=accept-types value or NULL */
	char *accept_wrapped_types; /* a=accept-wrapped-types value or NULL */
	char *setup;                /* RFC 6135 / RFC 4145 a=setup value or NULL */
	enum conf_dir dir;          /* media level, else session level, else sendrecv */
	bool has_file_selector;
	struct conf_file_selector fs;
	char *file_transfer_id; /* a=file-transfer-id or NULL */
	char *file_disposition; /* a=file-disposition or NULL */
	char **attrs;           /* every a= line of the section, verbatim, without "a=" */
	size_t attr_count;
};

struct conf_sdp_offer {
	char *origin_user; /* o= username */
	char *c_addr;      /* session-level c= address or NULL */
	size_t media_count;
	struct conf_sdp_media *media;
};

/* Parse an SDP body. Lines may end in CRLF or LF.
 * Returns 0, EBADMSG (malformed: no v= line first, bad m= line, port
 * > 65535, more than CONF_SDP_MAX_MEDIA sections, control characters,
 * larger than CONF_SDP_MAX_SIZE, bad a=file-selector), ENOMEM, EINVAL. */
int conf_sdp_offer_parse(struct conf_sdp_offer **offerp, const char *sdp, size_t len);
void conf_sdp_offer_free(struct conf_sdp_offer *offer);

/* The first a=rtpmap of payload type @p pt in @p m: 0 with its encoding
 * name (at most 31 bytes, cut to @p size), clock rate and channels (1 when
 * the line gives none); ENOENT when no rtpmap names @p pt. */
int conf_sdp_rtpmap(const struct conf_sdp_media *m, int pt, char *name, size_t size,
		    unsigned *rate, unsigned *channels);

/* The focus's decision for one offered m= line (one per line, same order). */
struct conf_sdp_answer_media {
	bool accept;                      /* false: answer with port 0 */
	unsigned port;                    /* our port (MSRP: the listener's port) */
	const char *path;                 /* our a=path for MSRP */
	const char *accept_types;         /* MSRP a=accept-types, NULL: omitted */
	const char *accept_wrapped_types; /* MSRP a=accept-wrapped-types, NULL: omitted */
	const char *chatroom;             /* "nickname private-messages" or NULL */
	enum conf_dir dir;
	bool file_selector_echo; /* copy the offer's file-selector/-transfer-id lines */
	/* a media section written elsewhere (rtpengine's answer for an audio
	 * stream): "m=...\r\n" then c=, b=, i=, k= or a= lines, each CRLF
	 * terminated. When set it replaces the section the builder would
	 * write; port and dir are ignored. */
	const char *raw_section;
};

/* Build the answer into a new NUL-terminated buffer (CRLF lines); free()
 * it. answer_count must equal offer->media_count. local_addr is our IPv4
 * or IPv6 address (for o= and c=). Audio sections are answered with the
 * offered fmt and the offer's rtpmap/fmtp/ptime lines and our direction;
 * callers that run audio through a media relay rewrite that section.
 * Returns 0, EINVAL (bad arguments, CR/LF in a string), ENOMEM. */
int conf_sdp_answer_build(char **sdpp, const struct conf_sdp_offer *offer,
			  const struct conf_sdp_answer_media *answers, size_t answer_count,
			  const char *local_addr, uint64_t session_id, uint64_t session_version);

/* "sendrecv", "sendonly", "recvonly", "inactive" */
const char *conf_dir_name(enum conf_dir dir);

/* The direction the answerer takes for an offered one (RFC 3264 6.1):
 * sendonly -> recvonly, recvonly -> sendonly, others unchanged. */
enum conf_dir conf_dir_reverse(enum conf_dir dir);

#endif
