/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file gateway_sip.h  SIP details of the sylkRTC gateway that need no Kamailio
 *
 * Small, pure helpers the gateway module uses when it acts as a SIP user
 * agent on behalf of a browser: the session id every device derives from a
 * Call-ID, registration refresh and retry timing, the RFC 8599 push
 * parameters of a Contact, the SIP INFO DTMF body, and the header filter
 * for incoming-session events. Every function writes into caller buffers and
 * returns 0 or an errno value (EINVAL bad argument, ENOSPC buffer too small).
 */
#ifndef SYLK_WS_GATEWAY_SIP_H
#define SYLK_WS_GATEWAY_SIP_H

#include <stdbool.h>
#include <stddef.h>

/** "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" plus NUL. */
#define GW_UUID_SIZE 37

/**
 * The v2 incoming session id: MD5 of the Call-ID written as a UUID, so
 * every connection of an account (and every server that sees the call)
 * names the call the same way.
 */
int gw_session_id_from_callid(char out[GW_UUID_SIZE], const char *callid, size_t len);

/** Seconds after which a registration granted for @p granted seconds is
 *  refreshed: well before expiry, never sooner than one second. */
unsigned gw_reg_refresh_after(unsigned granted);

/** Seconds to wait before retry number @p attempt (1, 2, ...) of a failed
 *  registration: doubling from 5 s, capped at 300 s. */
unsigned gw_reg_retry_after(unsigned attempt);

/** Push-notification details of one device (account-devicetoken). */
struct gw_push {
	const char *token;    /**< pn-prid                              */
	const char *platform; /**< pn-provider ("apple", "firebase" ...) */
	const char *app;      /**< pn-param, optional                    */
	const char *device;   /**< pn-device, optional                   */
	bool silent;          /**< pn-silent=1 when set                  */
};

/**
 * Contact URI parameters for @p push, e.g.
 * ";pn-provider=firebase;pn-prid=TOKEN;pn-param=APP". Characters that may
 * not appear in a URI parameter value are %-escaped (RFC 3261 paramchar).
 */
int gw_push_params(char *buf, size_t size, const struct gw_push *push);

/** application/dtmf-relay body for one digit (duration 0 = 160 ms). */
int gw_dtmf_relay_body(char *buf, size_t size, char digit, int duration_ms);

/** A string of tones is played out one INFO per tone: the time from the
 *  start of @p tone to the start of the next, i.e. its duration (0 = 160 ms)
 *  and a 70 ms gap; ',' is a 2 s pause (as in WebRTC's insertDTMF). */
int gw_dtmf_spacing_ms(char tone, int duration_ms);

/** Whether header @p name starts with one of @p prefixes (case-insensitive,
 *  as SIP header names are). */
bool gw_header_has_prefix(const char *name, size_t name_len, const char *const *prefixes,
			  size_t count);

#endif
