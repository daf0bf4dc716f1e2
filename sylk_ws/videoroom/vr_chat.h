/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file vr_chat.h  Room chat shared with the SIP conference
 *
 * A video room "NAME@videoconference.DOMAIN" chats in the conference room
 * "sip:NAME@conference.DOMAIN" (SylkServer replaces the first
 * "videoconference" of the host with "conference"). What a browser sends
 * becomes CPIM there; what the conference relays is read back into the
 * fields of the sylkRTC "message" and "composing-indication" events.
 * Kamailio-free: libc and sylk_ws/im.
 */
#ifndef SYLK_WS_VR_CHAT_H
#define SYLK_WS_VR_CHAT_H

#include <stdbool.h>
#include <stddef.h>

/** The conference room of a video room: "sip:NAME@conference.DOMAIN".
 * @return 0, EINVAL (the host is not "videoconference.DOMAIN"), ENOSPC. */
int vr_chat_conference_uri(const char *video_uri, char *out, size_t size);

/** The video room of a conference room: "NAME@videoconference.DOMAIN"
 * (no scheme, as browsers name rooms). @return 0, EINVAL (the host is not
 * "conference.DOMAIN"), ENOSPC. */
int vr_chat_video_uri(const char *conf_uri, char *out, size_t size);

/** "sip:USER@HOST" of an AOR given with or without a scheme. 0, ENOSPC. */
int vr_chat_sip_uri(const char *aor, char *out, size_t size);

/** A browser's room message as CPIM: From @p display <sip:sender>, To the
 * conference room, DateTime now, the IMDN Message-ID @p message_id
 * (optional), content @p content_type. *outp malloc'ed, free() it.
 * @return 0, EINVAL, ENOMEM. */
int vr_chat_cpim_message(char **outp, size_t *lenp, const char *sender, const char *display,
			 const char *conf_uri, const char *message_id, const char *content_type,
			 const char *content);

/** A browser's composing indication as CPIM (RFC 3994 document, refresh
 * 0 omits it). @return 0, EINVAL, ENOMEM. */
int vr_chat_cpim_composing(char **outp, size_t *lenp, const char *sender, const char *display,
			   const char *conf_uri, bool active, int refresh);

enum vr_chat_kind {
	VR_CHAT_MESSAGE,   /**< chat text (or any content) */
	VR_CHAT_COMPOSING, /**< an is-composing document */
};

/** What the conference relayed, read for the sylkRTC events. Strings are
 * owned by the struct: vr_chat_in_free(). */
struct vr_chat_in {
	enum vr_chat_kind kind;
	bool status; /**< agp.Message-Type: status (a notice of the room) */
	char *sender_uri;
	char *sender_display; /**< NULL when none */
	char *timestamp;      /**< CPIM DateTime, else now (RFC 3339) */
	char *content_type;   /**< message: of the content; composing: <contenttype> */
	char *content;        /**< message only, NUL-terminated */
	bool active;          /**< composing */
	int refresh;          /**< composing, seconds (0: none given) */
};

/** Reads one CPIM message. @return 0, EBADMSG (not CPIM, no From, a bad
 * is-composing document, content with a NUL), ENOMEM. */
int vr_chat_parse(struct vr_chat_in **inp, const void *cpim, size_t len);
void vr_chat_in_free(struct vr_chat_in *in);

#endif
