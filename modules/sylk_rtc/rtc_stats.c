/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's statistics (rtc_stats.h). */
#include "rtc_stats.h"
#include "rtc_videoroom.h"

stat_var *rtc_st_connections;
stat_var *rtc_st_accounts;
stat_var *rtc_st_registrations_ok;
stat_var *rtc_st_registrations_failed;
stat_var *rtc_st_calls_outgoing;
stat_var *rtc_st_calls_incoming;
stat_var *rtc_st_calls_answered;
stat_var *rtc_st_calls_unanswered;
stat_var *rtc_st_calls_active;
stat_var *rtc_st_messages_in;
stat_var *rtc_st_messages_out;
stat_var *rtc_st_messages_failed;
stat_var *rtc_st_messages_refused;
stat_var *rtc_st_messages_limited;

/* video rooms: counted when read, from the rooms themselves */
static counter_val_t videoroom_publishers(void)
{
	int pubs, subs;

	rtc_videoroom_counts(&pubs, &subs);
	return pubs;
}

static counter_val_t videoroom_subscribers(void)
{
	int pubs, subs;

	rtc_videoroom_counts(&pubs, &subs);
	return subs;
}
stat_var *rtc_st_rtpengine_errors;
stat_var *rtc_st_rtpengine_timeouts;

/* gauges go down as well as up: STAT_NO_RESET keeps `stats.reset_statistics`
 * from breaking them */
stat_export_t rtc_stats[] = {
	{"connections", STAT_NO_RESET, &rtc_st_connections},
	{"accounts", STAT_NO_RESET, &rtc_st_accounts},
	{"registrations_ok", 0, &rtc_st_registrations_ok},
	{"registrations_failed", 0, &rtc_st_registrations_failed},
	{"calls_outgoing", 0, &rtc_st_calls_outgoing},
	{"calls_incoming", 0, &rtc_st_calls_incoming},
	{"calls_answered", 0, &rtc_st_calls_answered},
	{"calls_unanswered", 0, &rtc_st_calls_unanswered},
	{"calls_active", STAT_NO_RESET, &rtc_st_calls_active},
	{"messages_in", 0, &rtc_st_messages_in},
	{"messages_out", 0, &rtc_st_messages_out},
	{"messages_failed", 0, &rtc_st_messages_failed},
	{"messages_refused", 0, &rtc_st_messages_refused},
	{"messages_limited", 0, &rtc_st_messages_limited},
	{"videoroom_publishers", STAT_IS_FUNC, (stat_var **)videoroom_publishers},
	{"videoroom_subscribers", STAT_IS_FUNC, (stat_var **)videoroom_subscribers},
	{"rtpengine_errors", 0, &rtc_st_rtpengine_errors},
	{"rtpengine_timeouts", 0, &rtc_st_rtpengine_timeouts},
	{0, 0, 0},
};
