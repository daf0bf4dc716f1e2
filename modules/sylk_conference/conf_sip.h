/* The SIP side of the focus, all through tm: INVITE joins a room (the
 * focus is the UAS), BYE leaves, SUBSCRIBE/NOTIFY for the conference event
 * package (RFC 4575), REFER to invite or remove participants (RFC 4579). */
#ifndef SYLK_CONF_SIP_H
#define SYLK_CONF_SIP_H

#include "core/parser/msg_parser.h"

/* sylk_conference_handle(): 1 when the request was the focus's and is
 * answered, -1 when it is not (an in-dialog request of some other dialog). */
int conf_sip_handle(struct sip_msg *msg);

/* Once a second: expire subscriptions. */
void conf_sip_timer(void);

/* Tell every subscriber of the room the new state. Lock held. */
void conf_notify_room(unsigned room_key);

/* The viewer page of a sharer's screen: <http_base>/conference/screen/TOKEN
 * (the raw image is the same with ".jpg"). */
int conf_screen_url(char *buf, size_t size, const char *token);

/* event_route[xhttp:request]: serves the viewer page and the image; 1 when
 * the URL was the focus's, -1 otherwise. */
int conf_http_handle(struct sip_msg *msg);

/* Remove a participant (BYE it when @p send_bye); the room ends with its
 * last participant. Lock held. */
void conf_participant_leave(unsigned part_key, int send_bye);

#endif
