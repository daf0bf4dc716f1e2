/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file ng_bridge.h  rtpengine flag sets that bridge WebRTC and plain SIP media
 *
 * The gateway asks rtpengine to turn a browser's ICE + DTLS-SRTP + rtcp-mux
 * media into plain RTP/AVP for the SIP side and back. Which flags achieve
 * that depends on who offers; these presets hold the combinations verified
 * with rtpengine 10.5 and Chromium / aiortc, so the module never spells them
 * out. One detail matters more than it looks: when the browser offers,
 * rtpengine must stay the passive DTLS side already in the offer
 * (DTLS-reverse=passive), or both ends wait for each other and DTLS never
 * completes.
 *
 * Video rooms (rtpengine 10.5 publish/subscribe): publish must accept any
 * codec besides Opus and VP8 (codec accept [opus, VP8, any]) or it drops
 * the video; a subscribe request needs the WebRTC flags (ICE, DTLS-SRTP,
 * rtcp-mux) or the browser is offered SDES and no rtcp-mux, and
 * RTCP-mirror, which lets a subscriber's keyframe requests (PLI/FIR) reach
 * the publisher, or a late joiner waits for the next keyframe.
 */
#ifndef SYLK_WS_NG_BRIDGE_H
#define SYLK_WS_NG_BRIDGE_H

#include "sylk_ws/ng/ng_message.h"

enum ng_bridge_step {
	NG_BRIDGE_WEBRTC_OFFER,  /**< offer from the browser, toward SIP       */
	NG_BRIDGE_SIP_ANSWER,    /**< answer from SIP, toward the browser      */
	NG_BRIDGE_SIP_OFFER,     /**< offer from SIP, toward the browser       */
	NG_BRIDGE_WEBRTC_ANSWER, /**< answer from the browser, toward SIP      */
	/* the SFU of video rooms: WebRTC on both sides of rtpengine */
	NG_BRIDGE_VR_PUBLISH,          /**< publish: a participant's offer     */
	NG_BRIDGE_VR_SUBSCRIBE,        /**< subscribe request: offer a feed    */
	NG_BRIDGE_VR_SUBSCRIBE_ANSWER, /**< subscribe answer: the feed's answer */
	/* a video room bridged to the conference mixer: plain RTP/AVP on the
	 * mixer's side (no ICE, DTLS or SDES, rtcp-mux demuxed) */
	NG_BRIDGE_VR_TAP_SUBSCRIBE, /**< subscribe request: a publisher to a mixer port */
	NG_BRIDGE_VR_TAP_ANSWER,    /**< subscribe answer: the mixer's SDP          */
	NG_BRIDGE_VR_RTP_PUBLISH,   /**< publish: the mixer's output into the room  */
};

/**
 * Fill the command and media flags of @p req for @p step (offer or answer
 * with their flags). Call-ID, tags and SDP are left for the caller.
 * @return 0, or EINVAL for an unknown step or NULL request.
 */
int ng_bridge_request(struct ng_request *req, enum ng_bridge_step step);

#endif
