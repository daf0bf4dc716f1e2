/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file gateway_sip.c  SIP details of the sylkRTC gateway that need no Kamailio
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "sylk_ws/sip/gateway_sip.h"

int gw_session_id_from_callid(char out[GW_UUID_SIZE], const char *callid, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (!out || !callid || !len)
		return EINVAL;
	if (!EVP_Digest(callid, len, md, &md_len, EVP_md5(), NULL) || md_len != 16)
		return EINVAL;
	for (unsigned int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[o] = '\0';
	return 0;
}

unsigned gw_reg_refresh_after(unsigned granted)
{
	/* Refresh with a margin that covers a slow registrar and a few
	 * retransmissions, but do not hammer it for short grants. */
	if (granted <= 2)
		return 1;
	if (granted <= 60)
		return granted / 2;
	return granted - (granted / 10 > 30 ? granted / 10 : 30);
}

unsigned gw_reg_retry_after(unsigned attempt)
{
	unsigned s = 5;

	while (attempt-- > 1 && s < 300)
		s *= 2;
	return s > 300 ? 300 : s;
}

/* RFC 3261 paramchar: unreserved / param-unreserved / escaped */
static bool is_paramchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c && strchr("-_.!~*'()[]/:&+$", c) != NULL;
}

static int put_param(char *buf, size_t size, size_t *pos, const char *name, const char *val)
{
	static const char hex[] = "0123456789ABCDEF";
	int n = snprintf(buf + *pos, size - *pos, ";%s=", name);

	if (n < 0 || (size_t)n >= size - *pos)
		return ENOSPC;
	*pos += (size_t)n;
	for (const unsigned char *p = (const unsigned char *)val; *p; p++) {
		if (is_paramchar(*p)) {
			if (*pos + 1 >= size)
				return ENOSPC;
			buf[(*pos)++] = (char)*p;
		} else {
			if (*pos + 3 >= size)
				return ENOSPC;
			buf[(*pos)++] = '%';
			buf[(*pos)++] = hex[*p >> 4];
			buf[(*pos)++] = hex[*p & 15];
		}
	}
	buf[*pos] = '\0';
	return 0;
}

int gw_push_params(char *buf, size_t size, const struct gw_push *push)
{
	size_t pos = 0;
	int err;

	if (!buf || !size || !push || !push->token || !*push->token || !push->platform ||
	    !*push->platform)
		return EINVAL;
	buf[0] = '\0';
	err = put_param(buf, size, &pos, "pn-provider", push->platform);
	if (!err)
		err = put_param(buf, size, &pos, "pn-prid", push->token);
	if (!err && push->app && *push->app)
		err = put_param(buf, size, &pos, "pn-param", push->app);
	if (!err && push->device && *push->device)
		err = put_param(buf, size, &pos, "pn-device", push->device);
	if (!err && push->silent)
		err = put_param(buf, size, &pos, "pn-silent", "1");
	if (err)
		buf[0] = '\0';
	return err;
}

int gw_dtmf_relay_body(char *buf, size_t size, char digit, int duration_ms)
{
	int n;

	if (!buf || !strchr("0123456789*#ABCD", digit) || !digit || duration_ms < 0 ||
	    duration_ms > 60000)
		return EINVAL;
	n = snprintf(buf, size, "Signal=%c\r\nDuration=%d\r\n", digit,
		     duration_ms ? duration_ms : 160);
	return (n < 0 || (size_t)n >= size) ? ENOSPC : 0;
}

int gw_dtmf_spacing_ms(char tone, int duration_ms)
{
	if (tone == ',')
		return 2000;
	return (duration_ms > 0 ? duration_ms : 160) + 70;
}

bool gw_header_has_prefix(const char *name, size_t name_len, const char *const *prefixes,
			  size_t count)
{
	if (!name)
		return false;
	for (size_t i = 0; i < count; i++) {
		size_t plen = prefixes[i] ? strlen(prefixes[i]) : 0;

		if (plen && plen <= name_len && strncasecmp(name, prefixes[i], plen) == 0)
			return true;
	}
	return false;
}
