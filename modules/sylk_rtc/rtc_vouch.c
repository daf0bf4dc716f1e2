/* SPDX-License-Identifier: GPL-2.0-or-later */
/* X-Sylk-Vouch: the token on the gateway's own MESSAGEs (rtc_vouch.h).
 *
 * Why not the socket alone: any process of the machine can send to the
 * internal socket's loopback address; the token is in no file and on no
 * wire but the loopback hop from the gateway to its own proxy, which takes
 * it out again before the request goes anywhere. */

#include <string.h>
#include <strings.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/forward.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_uri.h"

#include "sylk_ws/base/str.h"

#include "rtc_config.h"
#include "rtc_sip.h"
#include "rtc_vouch.h"

#define VOUCH_HDR "X-Sylk-Vouch"
#define VOUCH_HDR_LEN (sizeof(VOUCH_HDR) - 1)
/* 128 random bits in hex */
#define VOUCH_TOKEN_SIZE 33

static char token[VOUCH_TOKEN_SIZE];

void rtc_vouch_init(void)
{
	rtc_sip_random_hex(token, sizeof(token));
}

static bool domain_is_ours(const char *host, size_t len)
{
	str h = {(char *)host, (int)len};

	return len > 0 && check_self(&h, 0, 0) == 1;
}

bool rtc_vouch_for(const char *aor)
{
	const char *at = strrchr(aor, '@');

	return token[0] && !*rtc_cfg.outbound_proxy && *rtc_cfg.outbound_socket && at &&
	       domain_is_ours(at + 1, strlen(at + 1));
}

int rtc_vouch_append(char *hdrs, size_t size)
{
	return rtc_append(hdrs, size, VOUCH_HDR ": %s\r\n", token);
}

bool rtc_vouch_on_internal_socket(const struct sip_msg *msg)
{
	const struct socket_info *si = msg->rcv.bind_address;
	size_t n = strlen(rtc_cfg.outbound_socket);

	return n && si && si->sockname.len == (int)n &&
	       !memcmp(si->sockname.s, rtc_cfg.outbound_socket, n);
}

static bool from_is_ours(struct sip_msg *msg)
{
	struct sip_uri *from;

	if (parse_from_header(msg) < 0)
		return false;
	from = parse_from_uri(msg);
	return from && domain_is_ours(from->host.s, (size_t)from->host.len);
}

/* The process and message whose headers were taken out already: a second
 * call must not remove them again (two lumps over one header). */
static unsigned taken_id;
static int taken_pid;

int rtc_vouched(struct sip_msg *msg)
{
	bool held = false;

	if (msg->first_line.type != SIP_REQUEST || parse_headers(msg, HDR_EOH_F, 0) < 0)
		return -1;
	if (msg->id == taken_id && msg->pid == taken_pid)
		return -1;
	for (struct hdr_field *h = msg->headers; h; h = h->next) {
		if (h->type != HDR_OTHER_T || h->name.len != (int)VOUCH_HDR_LEN ||
		    strncasecmp(h->name.s, VOUCH_HDR, VOUCH_HDR_LEN) != 0)
			continue;
		held = held || (token[0] && str_equal_secret(h->body.s, (size_t)h->body.len, token,
							      strlen(token)));
		if (!del_lump(msg, (int)(h->name.s - msg->buf), h->len, 0))
			LM_ERR("cannot take the %s header out\n", VOUCH_HDR);
	}
	taken_id = msg->id;
	taken_pid = msg->pid;
	if (!held)
		return -1;
	if (!rtc_vouch_on_internal_socket(msg) || !from_is_ours(msg)) {
		LM_NOTICE("%.*s from %s: its %s is not believed there\n",
			  msg->first_line.u.request.method.len, msg->first_line.u.request.method.s,
			  rtc_vouch_on_internal_socket(msg) ? "another domain" : "another socket",
			  VOUCH_HDR);
		return -1;
	}
	return 1;
}
