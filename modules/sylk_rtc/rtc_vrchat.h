/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Video-room chat (issue 16): videoroom-message and
 * videoroom-composing-indication reach the other browsers of the room at
 * once and the chat of the conference room of the same name through the
 * focus's chat bridge (sylk_conference_api.h); what the focus relays there
 * (a SIP participant's chat, composing, the room's notices) comes back as
 * "message" / "composing-indication" to every browser of the room. */
#ifndef SYLK_RTC_VRCHAT_H
#define SYLK_RTC_VRCHAT_H

#include "sylk_ws/sylkrtc/sylkrtc_request.h"

/* mod_init: binds the focus's chat bridge when sylk_conference is loaded
 * (without it, browsers chat among themselves). 0. */
int rtc_vrchat_init(void);

/* videoroom-message and videoroom-composing-indication; replies itself.
 * Call with no lock held. */
void rtc_vrchat_request(int conn_id, const struct sylkrtc_request *req);

#endif
