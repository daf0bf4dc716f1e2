/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Statistics of the gateway (group "sylk_rtc": `kamcmd stats.get_statistics
 * sylk_rtc:`, Prometheus kamailio_sylk_rtc_<name> through xhttp_prom).
 * Registered in mod_init; every increment is one line:
 *   RTC_STAT_INC(messages_out);   RTC_STAT_ADD(accounts, -1); */
#ifndef SYLK_RTC_STATS_H
#define SYLK_RTC_STATS_H

#include "core/counters.h"

extern stat_var *rtc_st_connections; /* gauge: sylkRTC connections */
extern stat_var *rtc_st_accounts;    /* gauge: accounts added */
extern stat_var *rtc_st_registrations_ok;
extern stat_var *rtc_st_registrations_failed;
extern stat_var *rtc_st_calls_outgoing; /* INVITEs sent for browsers */
extern stat_var *rtc_st_calls_incoming; /* calls offered to browsers */
extern stat_var *rtc_st_calls_answered;
extern stat_var *rtc_st_calls_unanswered; /* ended before an answer */
extern stat_var *rtc_st_calls_active;     /* gauge */
extern stat_var *rtc_st_messages_in;      /* SIP MESSAGEs stored for accounts */
extern stat_var *rtc_st_messages_out;     /* account-message sent as SIP */
extern stat_var *rtc_st_messages_failed;  /* account-message the peer refused */
extern stat_var *rtc_st_messages_refused; /* new messages refused: shm short */
extern stat_var *rtc_st_messages_limited; /* over max_messages_per_account */
extern stat_var *rtc_st_rtpengine_errors;
extern stat_var *rtc_st_rtpengine_timeouts;

/* NULL-terminated, for register_module_stats() */
extern stat_export_t rtc_stats[];

#define RTC_STAT_ADD(name, n) update_stat(rtc_st_##name, (n))
#define RTC_STAT_INC(name) RTC_STAT_ADD(name, 1)

#endif
