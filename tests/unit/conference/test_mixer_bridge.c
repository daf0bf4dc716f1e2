/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/sdp/mixer_bridge.c: a video room's name in the
 * conference domain, the codec the mixer takes from rtpengine's offer of a
 * browser's media, the mixer's answer and its offer of the room's bus. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "conference/sdp/mixer_bridge.h"

/* what rtpengine offers a plain RTP subscriber of a browser publisher */
static const char tap_offer[] = "v=0\r\n"
				"o=- 123 1 IN IP4 127.0.0.1\r\n"
				"s=-\r\n"
				"c=IN IP4 127.0.0.1\r\n"
				"t=0 0\r\n"
				"m=audio 30000 RTP/AVP 111 0 126\r\n"
				"a=mid:0\r\n"
				"a=rtpmap:111 opus/48000/2\r\n"
				"a=rtpmap:0 PCMU/8000\r\n"
				"a=rtpmap:126 telephone-event/8000\r\n"
				"a=sendonly\r\n"
				"m=video 30002 RTP/AVP 97\r\n"
				"a=rtpmap:97 VP8/90000\r\n"
				"a=sendonly\r\n";

static void test_pick(void)
{
	struct mixer_bridge_codec c;
	const char pcmu_only[] = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=video 5000 RTP/AVP 97\r\n"
				 "m=audio 0 RTP/AVP 111\r\nm=audio 4000 RTP/AVP 0 8\r\n";
	const char no_addr[] = "v=0\r\nm=audio 4000 RTP/AVP 0\r\n";
	const char no_codec[] = "v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 4000 RTP/AVP 18\r\n";

	CHECK_INT(mixer_bridge_pick(&c, tap_offer, strlen(tap_offer)), 0);
	CHECK_INT(c.index, 0);
	CHECK_INT(c.pt, 111);
	CHECK_STR(c.name, "opus");
	CHECK_INT(c.rate, 48000);
	CHECK_INT(c.channels, 2);
	CHECK_STR(c.addr, "127.0.0.1");
	CHECK_INT(c.port, 30000);
	/* static types without rtpmap, disabled lines and video skipped; PCMA over PCMU */
	CHECK_INT(mixer_bridge_pick(&c, pcmu_only, strlen(pcmu_only)), 0);
	CHECK_INT(c.index, 2);
	CHECK_INT(c.pt, 8);
	CHECK_STR(c.name, "PCMA");
	CHECK_INT(c.port, 4000);
	CHECK_INT(mixer_bridge_pick(&c, no_addr, strlen(no_addr)), EPROTO);
	CHECK_INT(mixer_bridge_pick(&c, no_codec, strlen(no_codec)), ENOENT);
	CHECK_INT(mixer_bridge_pick(&c, "garbage", 7), EBADMSG);
	CHECK_INT(mixer_bridge_pick(&c, NULL, 0), EBADMSG);
}

static void test_tap_answer(void)
{
	struct mixer_bridge_codec c;
	char buf[1024];

	CHECK_INT(mixer_bridge_pick(&c, tap_offer, strlen(tap_offer)), 0);
	CHECK_INT(mixer_bridge_tap_answer(buf, sizeof(buf), tap_offer, strlen(tap_offer), &c,
					  "127.0.0.1", 40000),
		  0);
	CHECK(strstr(buf, "c=IN IP4 127.0.0.1\r\n") != NULL);
	CHECK(strstr(buf, "m=audio 40000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n") != NULL);
	CHECK(strstr(buf, "a=recvonly\r\n") != NULL);
	/* video refused, in its place */
	CHECK(strstr(buf, "m=video 0 RTP/AVP 97\r\na=rtpmap:97 VP8/90000\r\na=inactive\r\n") !=
	      NULL);
	CHECK(strstr(buf, "m=audio") < strstr(buf, "m=video"));
	CHECK_INT(mixer_bridge_tap_answer(buf, 60, tap_offer, strlen(tap_offer), &c, "127.0.0.1",
					  40000),
		  ENOSPC);
	CHECK_INT(mixer_bridge_tap_answer(buf, sizeof(buf), "x", 1, &c, "127.0.0.1", 40000),
		  EBADMSG);
}

static void test_bus_offer(void)
{
	struct mixer_bridge_codec c;
	char buf[512];

	CHECK_INT(mixer_bridge_bus_offer(buf, sizeof(buf), "127.0.0.1", 40002), 0);
	CHECK(strstr(buf, "m=audio 40002 RTP/AVP 111 0\r\n") != NULL);
	CHECK(strstr(buf, "a=sendonly\r\n") != NULL);
	/* rtpengine's answer is read with the same picker */
	CHECK_INT(mixer_bridge_pick(&c, buf, strlen(buf)), 0);
	CHECK_STR(c.name, "opus");
	CHECK_INT(mixer_bridge_bus_offer(buf, 40, "127.0.0.1", 40002), ENOSPC);
}

int main(void)
{
	RUN(test_pick);
	RUN(test_tap_answer);
	RUN(test_bus_offer);
	return check_summary();
}
