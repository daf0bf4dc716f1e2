/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/ng/ng_service_timer.c: what the services' timer
 * does with a call on each tick (play, BYE, nothing), the ACK starting a
 * playback, and the end rtpengine's "play media" reply sets. */
#include "check.h"
#include "sylk_ws/ng/ng_service_timer.h"

static void test_playback_without_ack_starts_after_the_wait(void)
{
	struct ng_service_times t;

	ng_service_times_init(&t, true, 1000);
	CHECK_INT(t.ends, 0);
	CHECK_INT(ng_service_due(&t, 1000), NG_SERVICE_NOTHING);
	CHECK_INT(ng_service_due(&t, 1002), NG_SERVICE_NOTHING);
	CHECK_INT(ng_service_due(&t, 1003), NG_SERVICE_PLAY);
	CHECK_INT(t.ends, 1003 + NG_SERVICE_PLAYING);
	/* while the request is out: no second start, no BYE */
	CHECK_INT(ng_service_due(&t, 1004), NG_SERVICE_NOTHING);
	CHECK_INT(ng_service_due(&t, 2000), NG_SERVICE_NOTHING);
	CHECK(!ng_service_ack(&t, 1005));
}

static void test_playback_ends_a_second_after_the_prompt(void)
{
	struct ng_service_times t;

	ng_service_times_init(&t, true, 1000);
	CHECK(ng_service_ack(&t, 1001));
	CHECK_INT(t.ends, 1001 + NG_SERVICE_PLAYING);
	CHECK(!ng_service_ack(&t, 1001)); /* a retransmitted ACK */
	CHECK_INT(ng_service_due(&t, 1003), NG_SERVICE_NOTHING);
	ng_service_played(&t, 1002, 5);
	CHECK_INT(t.ends, 1008);
	CHECK_INT(ng_service_due(&t, 1007), NG_SERVICE_NOTHING);
	CHECK_INT(ng_service_due(&t, 1008), NG_SERVICE_BYE);
	CHECK_INT(ng_service_due(&t, 1100), NG_SERVICE_BYE);
}

static void test_playback_of_unknown_length(void)
{
	struct ng_service_times t;

	ng_service_times_init(&t, true, 50);
	CHECK(ng_service_ack(&t, 50));
	ng_service_played(&t, 51, -1); /* rtpengine refused: as 0 seconds */
	CHECK_INT(t.ends, 52);
	CHECK_INT(ng_service_due(&t, 51), NG_SERVICE_NOTHING);
	CHECK_INT(ng_service_due(&t, 52), NG_SERVICE_BYE);
	ng_service_played(&t, 60, 0);
	CHECK_INT(t.ends, 61);
}

static void test_echo_ends_after_ten_minutes(void)
{
	struct ng_service_times t;

	ng_service_times_init(&t, false, 100);
	CHECK(!ng_service_ack(&t, 101));
	CHECK_INT(t.ends, 0);
	CHECK_INT(ng_service_due(&t, 100 + NG_SERVICE_ACK_WAIT), NG_SERVICE_NOTHING);
	CHECK_INT(ng_service_due(&t, 100 + NG_SERVICE_ECHO_MAX), NG_SERVICE_NOTHING);
	CHECK_INT(ng_service_due(&t, 101 + NG_SERVICE_ECHO_MAX), NG_SERVICE_BYE);
	CHECK_INT(t.ends, 0);
}

static void test_clock_stepping_back_and_null(void)
{
	struct ng_service_times t;

	ng_service_times_init(&t, true, 1000);
	CHECK_INT(ng_service_due(&t, 900), NG_SERVICE_NOTHING);
	ng_service_times_init(&t, false, 1000);
	CHECK_INT(ng_service_due(&t, 0), NG_SERVICE_NOTHING);
	CHECK_INT(ng_service_due(NULL, 0), NG_SERVICE_NOTHING);
	CHECK(!ng_service_ack(NULL, 0));
	ng_service_played(NULL, 0, 1);
	ng_service_times_init(NULL, true, 0);
}

int main(void)
{
	RUN(test_playback_without_ack_starts_after_the_wait);
	RUN(test_playback_ends_a_second_after_the_prompt);
	RUN(test_playback_of_unknown_length);
	RUN(test_echo_ends_after_ten_minutes);
	RUN(test_clock_stepping_back_and_null);
	return check_summary();
}
