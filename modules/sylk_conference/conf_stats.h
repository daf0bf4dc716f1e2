/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Statistics of the conference focus (group "sylk_conference": `kamcmd
 * stats.get_statistics sylk_conference:`, Prometheus
 * kamailio_sylk_conference_<name> through xhttp_prom). Registered in
 * mod_init; every increment is one line: CONF_STAT_INC(joins). */
#ifndef SYLK_CONF_STATS_H
#define SYLK_CONF_STATS_H

#include "core/counters.h"

extern stat_var *conf_st_rooms;            /* gauge */
extern stat_var *conf_st_chat_sessions;    /* gauge: private chat sessions (RFC 7573) */
extern stat_var *conf_st_participants;     /* gauge: sessions in rooms */
extern stat_var *conf_st_joins;            /* INVITEs answered 200 */
extern stat_var *conf_st_chat_messages;    /* chat messages relayed */
extern stat_var *conf_st_msrp_messages_in; /* MSRP requests and responses read */
extern stat_var *conf_st_msrp_bytes_in;
extern stat_var *conf_st_msrp_messages_out; /* MSRP SENDs written */
extern stat_var *conf_st_msrp_bytes_out;
extern stat_var *conf_st_mixer_participants; /* gauge: audio legs in the mixers */
extern stat_var *conf_st_late_ticks;         /* 20 ms mixer ticks that came late */
extern stat_var *conf_st_rtpengine_errors;
extern stat_var *conf_st_rtpengine_timeouts;

/* NULL-terminated, for register_module_stats() */
extern stat_export_t conf_stats[];

#define CONF_STAT_ADD(name, n) update_stat(conf_st_##name, (n))
#define CONF_STAT_INC(name) CONF_STAT_ADD(name, 1)

#endif
