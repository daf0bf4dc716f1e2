/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's own MESSAGEs, told apart from everyone else's requests:
 * those it sends for a browser account whose own REGISTER succeeded carry
 * X-Sylk-Vouch with a token drawn at start, which only this server's
 * processes know. The proxy's script believes it (sylk_rtc_vouched()) in
 * place of a digest the gateway itself would compute from an HA1 that the
 * REGISTER has proven already. */
#ifndef SYLK_RTC_VOUCH_H
#define SYLK_RTC_VOUCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/parser/msg_parser.h"

/* Draws the token: in mod_init, so that every process has the same one. */
void rtc_vouch_init(void);

/* Whether a MESSAGE from @p aor ("user@domain") may carry the token: the
 * gateway sends to this server's own proxy (no outbound_proxy), from its
 * internal socket, and the domain is one of this server's. */
bool rtc_vouch_for(const char *aor);

/* Appends the header line to @p hdrs; -1 when it does not fit. */
int rtc_vouch_append(char *hdrs, size_t size);

/* Received on the gateway's own socket (outbound_socket), which the
 * network cannot reach. */
bool rtc_vouch_on_internal_socket(const struct sip_msg *msg);

/* sylk_rtc_vouched(): takes every X-Sylk-Vouch header out of @p msg (it is
 * never relayed) and answers 1 when one held the token and the request
 * came in on the internal socket with a From of this server's domains,
 * else -1. */
int rtc_vouched(struct sip_msg *msg);

#endif
