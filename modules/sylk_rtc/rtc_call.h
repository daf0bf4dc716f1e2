/* SPDX-License-Identifier: GPL-2.0-or-later */
/* 1:1 calls between a browser and the SIP world: session-* requests, the
 * INVITE dialogs the gateway runs through tm on the browser's behalf, and
 * requests from SIP that the routing script hands over (sylk_rtc_deliver). */
#ifndef SYLK_RTC_CALL_H
#define SYLK_RTC_CALL_H

#include "core/parser/msg_parser.h"

#include "sylk_ws/sylkrtc/sylkrtc_request.h"

void rtc_session_request(int conn_id, const struct sylkrtc_request *req);

/* A SIP request for one of our Contacts or dialogs: 1 when it was taken
 * (replied to or absorbed), -1 when it is not the gateway's. */
int rtc_call_deliver(struct sip_msg *msg);

/* The connection is gone: BYE, CANCEL or decline each of its calls. */
void rtc_call_conn_closed(int conn_id);

/* From the timer process: "established" once browser media flows. */
void rtc_call_timer(void);

/* From the fast timer process (every few ms): the next tone of each
 * session playing a string of DTMF tones. */
void rtc_call_fast_timer(void);

#endif
