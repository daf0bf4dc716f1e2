/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sylkRTC-1 / sylkRTC-2 subprotocol handlers registered with the
 * sylk_websocket transport: greeting, request decoding, dispatch, and the
 * clean-up when a connection goes. */
#ifndef SYLK_RTC_PROTO_H
#define SYLK_RTC_PROTO_H

#include "../sylk_websocket/sylk_websocket_api.h"

extern const sylk_ws_handler_t rtc_handler_v1;
extern const sylk_ws_handler_t rtc_handler_v2;

#endif
