/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ng_bridge.c  rtpengine flag sets that bridge WebRTC and plain SIP media
 */
#include <errno.h>
#include <stddef.h>

#include "sylk_ws/ng/ng_bridge.h"

static const char *const sdes_off[] = {"off", NULL};
static const char *const mux_demux[] = {"demux", NULL};
static const char *const mux_require[] = {"require", NULL};
static const char *const mux_offer_require[] = {"offer", "require", NULL};
static const char *const replace_origin[] = {"origin", "session-connection", NULL};
static const char *const flags_to_sip[] = {"trust-address", "strip-extmap", NULL};
static const char *const flags_to_webrtc_answer[] = {"trust-address", "full-rtcp-attribute", NULL};
/* aiortc cannot parse a=rtcp:PORT without an address: full-rtcp-attribute */
static const char *const flags_to_webrtc_offer[] = {"trust-address", "generate-mid",
						    "full-rtcp-attribute", NULL};

/* video rooms: WebRTC toward the participant on every leg */
static const char *const codec_accept_any[] = {"opus", "VP8", "any", NULL};
static const char *const flags_vr_publish[] = {"trust-address", "full-rtcp-attribute", NULL};
static const char *const flags_vr_subscribe[] = {"trust-address", "generate-mid",
						 "full-rtcp-attribute", "RTCP-mirror", NULL};
static const char *const flags_vr_answer[] = {"trust-address", NULL};

/* video room <-> conference mixer: plain RTP toward the mixer */
static const char *const flags_vr_rtp[] = {"trust-address", "strip-extmap", NULL};
static const char *const flags_vr_rtp_answer[] = {"trust-address", NULL};

static int vr_rtp_request(struct ng_request *req, enum ng_bridge_step step)
{
	switch (step) {
	case NG_BRIDGE_VR_TAP_SUBSCRIBE:
		req->cmd = NG_CMD_SUBSCRIBE_REQUEST;
		req->ice = "remove";
		req->dtls = "off";
		req->sdes = sdes_off;
		req->transport_protocol = "RTP/AVP";
		req->rtcp_mux = mux_demux;
		req->flags = flags_vr_rtp;
		return 0;
	case NG_BRIDGE_VR_TAP_ANSWER:
		req->cmd = NG_CMD_SUBSCRIBE_ANSWER;
		req->flags = flags_vr_rtp_answer;
		return 0;
	case NG_BRIDGE_VR_RTP_PUBLISH:
		req->cmd = NG_CMD_PUBLISH;
		req->ice = "remove";
		req->dtls = "off";
		req->sdes = sdes_off;
		req->transport_protocol = "RTP/AVP";
		req->flags = flags_vr_rtp_answer;
		req->codec.accept = codec_accept_any;
		return 0;
	default: return EINVAL;
	}
}

static int vr_request(struct ng_request *req, enum ng_bridge_step step)
{
	switch (step) {
	case NG_BRIDGE_VR_PUBLISH:
		req->cmd = NG_CMD_PUBLISH;
		req->ice = "force";
		req->transport_protocol = "UDP/TLS/RTP/SAVPF";
		req->rtcp_mux = mux_require;
		req->flags = flags_vr_publish;
		req->codec.accept = codec_accept_any;
		return 0;
	case NG_BRIDGE_VR_SUBSCRIBE:
		req->cmd = NG_CMD_SUBSCRIBE_REQUEST;
		req->ice = "force";
		/* rtpengine offers here, yet Chromium (the answerer) and rtpengine
		 * then both claimed one ICE role and about half the feeds never
		 * connected; as an ICE-lite peer rtpengine leaves the checks to
		 * the browser, as Janus does */
		req->ice_lite = "forward";
		req->dtls = "passive";
		req->sdes = sdes_off;
		req->transport_protocol = "UDP/TLS/RTP/SAVPF";
		req->rtcp_mux = mux_offer_require;
		req->flags = flags_vr_subscribe;
		return 0;
	case NG_BRIDGE_VR_SUBSCRIBE_ANSWER:
		req->cmd = NG_CMD_SUBSCRIBE_ANSWER;
		req->flags = flags_vr_answer;
		return 0;
	default: return vr_rtp_request(req, step);
	}
}

int ng_bridge_request(struct ng_request *req, enum ng_bridge_step step)
{
	if (!req)
		return EINVAL;
	switch (step) {
	case NG_BRIDGE_WEBRTC_OFFER:
		req->cmd = NG_CMD_OFFER;
		req->ice = "remove";
		req->dtls = "off";
		req->dtls_reverse = "passive";
		req->sdes = sdes_off;
		req->transport_protocol = "RTP/AVP";
		req->rtcp_mux = mux_demux;
		req->replace = replace_origin;
		req->flags = flags_to_sip;
		return 0;
	case NG_BRIDGE_SIP_ANSWER:
		req->cmd = NG_CMD_ANSWER;
		req->ice = "force";
		req->dtls = "passive";
		req->transport_protocol = "UDP/TLS/RTP/SAVPF";
		req->rtcp_mux = mux_require;
		req->flags = flags_to_webrtc_answer;
		return 0;
	case NG_BRIDGE_SIP_OFFER:
		req->cmd = NG_CMD_OFFER;
		req->ice = "force";
		req->dtls = "passive";
		req->sdes = sdes_off;
		req->transport_protocol = "UDP/TLS/RTP/SAVPF";
		req->rtcp_mux = mux_offer_require;
		req->flags = flags_to_webrtc_offer;
		return 0;
	case NG_BRIDGE_WEBRTC_ANSWER:
		req->cmd = NG_CMD_ANSWER;
		req->ice = "remove";
		req->dtls = "off";
		req->sdes = sdes_off;
		req->transport_protocol = "RTP/AVP";
		req->rtcp_mux = mux_demux;
		req->flags = flags_to_sip;
		return 0;
	default: return vr_request(req, step);
	}
}
