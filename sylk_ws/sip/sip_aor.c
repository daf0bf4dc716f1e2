/* SPDX-License-Identifier: GPL-2.0-or-later */
/**
 * @file sip_aor.c  SIP address-of-record checks
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/sip/sip_aor.h"
#include "sylk_ws/base/chars.h"
#include "sylk_ws/base/hostport.h"

#define HOSTNAME_MAX 253
#define LABEL_MAX 63

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_hex(char c)
{
	return chars_hex_value((unsigned char)c) >= 0;
}

/* RFC 3261: unreserved (alphanum / mark) and user-unreserved. ':' is left
 * out on purpose: in a URI it would start a password. */
static bool is_user_char(char c)
{
	return is_alnum(c) || (c != '\0' && strchr("-_.!~*'()&=+$,;?/", c));
}

static bool user_valid(const char *u, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (u[i] == '%') {
			if (len - i < 3)
				return false;
			if (!is_hex(u[i + 1]) || !is_hex(u[i + 2]))
				return false;
			i += 2;
			continue;
		}
		if (!is_user_char(u[i]))
			return false;
	}
	return true;
}

/* inet_pton wants a C string; host parts are short, so copy to the stack. */
static bool ip_valid(int af, const char *s, size_t len)
{
	char buf[64];
	unsigned char addr[16];

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(af, buf, addr) == 1;
}

static bool hostname_valid(const char *h, size_t len)
{
	size_t start = 0;
	bool numeric = true;

	if (len > 1 && h[len - 1] == '.')
		len--;
	if (len == 0 || len > HOSTNAME_MAX)
		return false;

	for (size_t i = 0; i < len; i++) {
		if (!is_digit(h[i]) && h[i] != '.')
			numeric = false;
	}
	/* Digits and dots only: RFC 3261 reads this as an IPv4 address, and a
	 * malformed one ("1.2.3", "300.1.1.1") must not pass as a hostname. */
	if (numeric)
		return ip_valid(AF_INET, h, len);

	for (size_t i = 0; i <= len; i++) {
		if (i < len && h[i] != '.') {
			if (!is_alnum(h[i]) && h[i] != '-')
				return false;
			continue;
		}
		size_t llen = i - start;
		if (llen == 0 || llen > LABEL_MAX)
			return false;
		if (h[start] == '-' || h[i - 1] == '-')
			return false;
		/* toplabel must begin with a letter */
		if (i == len && !is_alpha(h[start]))
			return false;
		start = i + 1;
	}
	return true;
}

static enum sip_aor_reason host_decode(struct sip_aor *aor, const char *h, size_t len)
{
	struct hostport hp;

	if (hostport_split(&hp, h, len) != 0 ||
	    !(hp.bracketed ? ip_valid(AF_INET6, hp.host, hp.host_len) :
			     hostname_valid(hp.host, hp.host_len)))
		return SIP_AOR_BAD_DOMAIN;
	aor->port = 0;
	if (hp.port && hostport_port(&aor->port, hp.port, hp.port_len) != 0)
		return SIP_AOR_BAD_PORT;
	aor->host = h;
	aor->host_len = hp.bracketed ? hp.host_len + 2 : hp.host_len;
	return SIP_AOR_OK;
}

static enum sip_aor_reason decode(struct sip_aor *aor, const char *s, size_t len)
{
	struct sip_aor a;
	const char *at;
	enum sip_aor_reason err;

	if (!aor || (!s && len))
		return SIP_AOR_EINVAL;

	memset(&a, 0, sizeof(a));
	if (len >= 4 && strncasecmp(s, "sip:", 4) == 0) {
		s += 4;
		len -= 4;
	} else if (len >= 5 && strncasecmp(s, "sips:", 5) == 0) {
		s += 5;
		len -= 5;
		a.secure = true;
	}

	if (len == 0)
		return SIP_AOR_EMPTY;
	if (len > SIP_AOR_MAX_LEN)
		return SIP_AOR_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c == 0x7f)
			return SIP_AOR_BAD_CHAR;
	}

	at = memchr(s, '@', len);
	if (!at)
		return SIP_AOR_NO_AT;
	a.user = s;
	a.user_len = (size_t)(at - s);
	if (a.user_len == 0)
		return SIP_AOR_EMPTY_USER;
	if (a.user_len == len - 1)
		return SIP_AOR_EMPTY_DOMAIN;
	if (!user_valid(a.user, a.user_len))
		return SIP_AOR_BAD_USER;

	err = host_decode(&a, at + 1, len - a.user_len - 1);
	if (err)
		return err;

	a.aor = s;
	a.aor_len = len;
	*aor = a;
	return SIP_AOR_OK;
}

int sip_aor_decode(struct sip_aor *aor, const char *s, size_t len, enum sip_aor_reason *reason)
{
	enum sip_aor_reason r = decode(aor, s, len);

	if (reason)
		*reason = r;
	if (r == SIP_AOR_OK)
		return 0;
	return r == SIP_AOR_EINVAL ? EINVAL : EBADMSG;
}

const char *sip_aor_reason_str(enum sip_aor_reason err)
{
	switch (err) {
	case SIP_AOR_OK: return "valid address";
	case SIP_AOR_EINVAL: return "no address given";
	case SIP_AOR_EMPTY: return "empty address";
	case SIP_AOR_TOO_LONG: return "address too long";
	case SIP_AOR_BAD_CHAR: return "whitespace or control character in address";
	case SIP_AOR_NO_AT: return "address is not user@domain";
	case SIP_AOR_EMPTY_USER: return "empty user part";
	case SIP_AOR_EMPTY_DOMAIN: return "empty domain part";
	case SIP_AOR_BAD_USER: return "invalid character in user part";
	case SIP_AOR_BAD_DOMAIN: return "invalid domain";
	case SIP_AOR_BAD_PORT: return "invalid port";
	}
	return "invalid address";
}
