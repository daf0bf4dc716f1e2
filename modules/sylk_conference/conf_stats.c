/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's statistics (conf_stats.h). */
#include "conf_stats.h"

stat_var *conf_st_rooms;
stat_var *conf_st_chat_sessions;
stat_var *conf_st_participants;
stat_var *conf_st_joins;
stat_var *conf_st_chat_messages;
stat_var *conf_st_msrp_messages_in;
stat_var *conf_st_msrp_bytes_in;
stat_var *conf_st_msrp_messages_out;
stat_var *conf_st_msrp_bytes_out;
stat_var *conf_st_mixer_participants;
stat_var *conf_st_late_ticks;
stat_var *conf_st_rtpengine_errors;
stat_var *conf_st_rtpengine_timeouts;

/* gauges go down as well as up: STAT_NO_RESET */
stat_export_t conf_stats[] = {
	{"rooms", STAT_NO_RESET, &conf_st_rooms},
	{"chat_sessions", STAT_NO_RESET, &conf_st_chat_sessions},
	{"participants", STAT_NO_RESET, &conf_st_participants},
	{"joins", 0, &conf_st_joins},
	{"chat_messages", 0, &conf_st_chat_messages},
	{"msrp_messages_in", 0, &conf_st_msrp_messages_in},
	{"msrp_bytes_in", 0, &conf_st_msrp_bytes_in},
	{"msrp_messages_out", 0, &conf_st_msrp_messages_out},
	{"msrp_bytes_out", 0, &conf_st_msrp_bytes_out},
	{"mixer_participants", STAT_NO_RESET, &conf_st_mixer_participants},
	{"late_ticks", 0, &conf_st_late_ticks},
	{"rtpengine_errors", 0, &conf_st_rtpengine_errors},
	{"rtpengine_timeouts", 0, &conf_st_rtpengine_timeouts},
	{0, 0, 0},
};
