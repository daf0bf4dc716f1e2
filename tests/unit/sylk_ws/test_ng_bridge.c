/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/ng/ng_bridge.c: the encoded offers and answers carry
 * the flags that make rtpengine bridge WebRTC and plain RTP. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/ng/ng_bridge.h"

static char wire[4096];

static const char *encode(enum ng_bridge_step step)
{
	struct ng_request req = {
		.call_id = "c1", .from_tag = "f1", .to_tag = "t1", .sdp = "v=0\r\n"};
	struct benc_enc *enc;
	size_t len;

	wire[0] = '\0';
	if (ng_bridge_request(&req, step) != 0 || benc_enc_alloc(&enc, 256) != 0)
		return wire;
	if (ng_request_encode(enc, "k1", &req) == 0) {
		len = benc_enc_len(enc);
		if (len < sizeof(wire)) {
			memcpy(wire, benc_enc_buf(enc), len);
			wire[len] = '\0';
		}
	}
	benc_enc_free(enc);
	return wire;
}

static void test_webrtc_offer(void)
{
	const char *w = encode(NG_BRIDGE_WEBRTC_OFFER);

	CHECK(strstr(w, "7:command5:offer") != NULL);
	CHECK(strstr(w, "3:ICE6:remove") != NULL);
	CHECK(strstr(w, "12:DTLS-reverse7:passive") != NULL);
	CHECK(strstr(w, "18:transport-protocol7:RTP/AVP") != NULL);
	CHECK(strstr(w, "8:rtcp-muxl5:demuxe") != NULL);
}

static void test_sip_answer(void)
{
	const char *w = encode(NG_BRIDGE_SIP_ANSWER);

	CHECK(strstr(w, "7:command6:answer") != NULL);
	CHECK(strstr(w, "3:ICE5:force") != NULL);
	CHECK(strstr(w, "4:DTLS7:passive") != NULL);
	CHECK(strstr(w, "17:UDP/TLS/RTP/SAVPF") != NULL);
	CHECK(strstr(w, "19:full-rtcp-attribute") != NULL);
	CHECK(strstr(w, "DTLS-reverse") == NULL);
}

static void test_sip_offer(void)
{
	const char *w = encode(NG_BRIDGE_SIP_OFFER);

	CHECK(strstr(w, "7:command5:offer") != NULL);
	CHECK(strstr(w, "8:rtcp-muxl5:offer7:requiree") != NULL);
	CHECK(strstr(w, "12:generate-mid") != NULL);
	CHECK(strstr(w, "4:SDESl3:offe") != NULL);
}

static void test_webrtc_answer(void)
{
	const char *w = encode(NG_BRIDGE_WEBRTC_ANSWER);

	CHECK(strstr(w, "7:command6:answer") != NULL);
	CHECK(strstr(w, "3:ICE6:remove") != NULL);
	CHECK(strstr(w, "4:DTLS3:off") != NULL);
	CHECK(strstr(w, "12:strip-extmap") != NULL);
}

/* a video room bridged to the conference mixer: plain RTP on the mixer side */
static void test_vr_tap_and_rtp_publish(void)
{
	const char *w = encode(NG_BRIDGE_VR_TAP_SUBSCRIBE);

	CHECK(strstr(w, "7:command17:subscribe request") != NULL);
	CHECK(strstr(w, "3:ICE6:remove") != NULL);
	CHECK(strstr(w, "4:DTLS3:off") != NULL);
	CHECK(strstr(w, "18:transport-protocol7:RTP/AVP") != NULL);
	CHECK(strstr(w, "8:rtcp-muxl5:demuxe") != NULL);
	CHECK(strstr(w, "RTCP-mirror") == NULL);
	w = encode(NG_BRIDGE_VR_TAP_ANSWER);
	CHECK(strstr(w, "7:command16:subscribe answer") != NULL);
	CHECK(strstr(w, "3:ICE") == NULL);
	w = encode(NG_BRIDGE_VR_RTP_PUBLISH);
	CHECK(strstr(w, "7:command7:publish") != NULL);
	CHECK(strstr(w, "18:transport-protocol7:RTP/AVP") != NULL);
	CHECK(strstr(w, "6:acceptl4:opus3:VP83:anye") != NULL);
	CHECK(strstr(w, "SAVPF") == NULL);
}

static void test_bad_step(void)
{
	struct ng_request req = {0};

	CHECK_INT(ng_bridge_request(&req, (enum ng_bridge_step)99), EINVAL);
	CHECK_INT(ng_bridge_request(NULL, NG_BRIDGE_SIP_OFFER), EINVAL);
}

int main(void)
{
	RUN(test_webrtc_offer);
	RUN(test_sip_answer);
	RUN(test_sip_offer);
	RUN(test_webrtc_answer);
	RUN(test_vr_tap_and_rtp_publish);
	RUN(test_bad_step);
	return check_summary();
}
