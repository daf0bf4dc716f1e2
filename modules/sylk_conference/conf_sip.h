/* SPDX-License-Identifier: GPL-2.0-or-later */
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

#endif
