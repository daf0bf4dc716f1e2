/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test services (issue 19): sylk_rtc_echo() and sylk_rtc_playback("<wav>")
 * answer an INVITE themselves (the default config: echo@ and playback@ the
 * SIP domain); sylk_rtc_service_dialog() takes the in-dialog requests of
 * those calls (ACK, BYE, re-INVITE; others get 200).
 *
 *   echo      rtpengine "media echo" (backwards): whatever RTP the caller
 *             sends, audio and video, comes back to it unchanged; ended by
 *             the caller (or with a BYE after 10 minutes).
 *   playback  rtpengine "play media" of the WAV once the ACK came (or after
 *             3 s without one), then a BYE from the server when it is over.
 *
 * Each call is its own rtpengine call "<Call-ID>~svc"; at most 64 at once
 * (then 486). */
#ifndef SYLK_RTC_SERVICE_H
#define SYLK_RTC_SERVICE_H

#include <stddef.h>

#include "core/parser/msg_parser.h"
#include "core/str.h"

/* mod_init (shared table, one timer process) */
int rtc_service_init(void);
/* child_init: forks the "SYLKRTC SERVICES" timer from PROC_MAIN */
int rtc_service_child_init(int rank);

/* An initial INVITE: answered (200 with rtpengine's SDP, or an error
 * reply); 1. An in-dialog request: rtc_service_dialog(). -1 when it is not
 * an INVITE. */
int rtc_service_invite(struct sip_msg *msg, int playback, const str *file);

/* 1 when the request belongs to a service call (handled), -1 otherwise. */
int rtc_service_dialog(struct sip_msg *msg);

#endif
