/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP phones in a video room's audio: the gateway keeps each video room
 * "name@videoconference.<domain>" bridged to the conference mixer of
 * "sip:name@conference.<domain>" while both have participants (a tap per
 * browser, one conference audio publisher; docs/DECISIONS.md). */
#ifndef SYLK_RTC_VR_SIP_H
#define SYLK_RTC_VR_SIP_H

/* mod_init: binds sylk_conference's mixer API when that module is loaded
 * (otherwise nothing is bridged). Always 0. */
int rtc_vr_sip_init(void);

/* Once a second, in the gateway timer process (the only one that bridges):
 * makes every bridge match its two rooms. No lock held by the caller. */
void rtc_vr_sip_timer(void);

#endif
