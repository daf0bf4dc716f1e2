/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The room level of the focus, shared by its SIP side (conf_sip.c) and its
 * MSRP side (conf_msrp.c): the focus's Contact, the conference event
 * package's NOTIFYs (RFC 4575), a participant leaving and a room ending.
 * Every function here runs with the store lock held. */
#ifndef SYLK_CONF_ROOM_H
#define SYLK_CONF_ROOM_H

#include <stddef.h>

#include "conf_store.h"

#define CONF_HDRS_SIZE 2048

/* "Contact: <...;focus=...>;isfocus\r\n" of the room (NULL: the focus) */
void conf_contact_of(char *buf, size_t size, const struct conf_room *r);

/* The viewer page of a sharer's screen: <http_base>/conference/screen/TOKEN
 * (the raw image is the same with ".jpg"). 0 or -1. */
int conf_screen_url(char *buf, size_t size, const char *token);

/* The room's chat notice (to its MSRP participants and, through the chat
 * bridge, the video room of the same name) that @p p started sharing a
 * screen, with its viewer URL, or stopped. Lock held. */
void conf_screen_notice(const struct conf_participant *p, bool started);

/* A NOTIFY in the subscription's dialog; 0 or -1. */
int conf_send_notify(struct conf_subscriber *s, const char *state, const char *ctype,
		     const char *body, const char *event);
/* The room's conference-info to one subscriber, in @p state. */
void conf_notify_one(struct conf_subscriber *s, const char *state);
/* "active;expires=N" of a subscription */
void conf_active_state(char *buf, size_t size, const struct conf_subscriber *s);
/* Tell every subscriber of the room the new state. */
void conf_notify_room(unsigned room_key);

/* The room ends: its subscribers are told, then it is destroyed. */
void conf_room_end(struct conf_room *r);

/* A BYE in the participant's dialog. */
void conf_part_bye(struct conf_participant *p);

/* Remove a participant (BYE it when @p send_bye); the room ends with its
 * last participant unless it is persistent (a chat session ends with its
 * participant). */
void conf_participant_leave(unsigned part_key, int send_bye);

/* Removes (BYE) every participant of room @p room_uri whose URI is
 * @p uri (all its devices), for @p who (logged): an operator, a video
 * room's participant. How many left. Takes the store lock. */
int conf_kick(const char *room_uri, const char *uri, const char *who);

#endif
