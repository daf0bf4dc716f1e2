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

/* BYEs every SIP device of @p aor ("user@domain") out of the conference
 * room that video room @p vr_uri is bridged to, for @p who (logged): a
 * room participant's videoroom-remove. 0, ENOENT (not in it), ENOTSUP
 * (no focus), EINVAL. Call holding no lock of this module (the focus takes
 * its own). */
int rtc_vr_sip_remove(const char *vr_uri, const char *aor, const char *who);

#endif
