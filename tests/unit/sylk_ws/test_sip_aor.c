/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/sip/sip_aor.c */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/sip/sip_aor.h"

/* The reason; the errno result is checked against it on every call. */
static enum sip_aor_reason decn(struct sip_aor *a, const char *s, size_t len)
{
	enum sip_aor_reason why = (enum sip_aor_reason) - 1;
	int err = sip_aor_decode(a, s, len, &why);

	CHECK_INT(err, why == SIP_AOR_OK ? 0 : why == SIP_AOR_EINVAL ? EINVAL : EBADMSG);
	return why;
}

static enum sip_aor_reason dec(struct sip_aor *a, const char *s)
{
	return decn(a, s, strlen(s));
}

static int part_eq(const char *p, size_t len, const char *want)
{
	return p && len == strlen(want) && memcmp(p, want, len) == 0;
}

static void test_plain(void)
{
	struct sip_aor a;
	const char *s = "saghul@sip2sip.info";

	CHECK_INT(dec(&a, s), SIP_AOR_OK);
	CHECK(a.aor == s);
	CHECK_INT(a.aor_len, strlen(s));
	CHECK(part_eq(a.user, a.user_len, "saghul"));
	CHECK(part_eq(a.host, a.host_len, "sip2sip.info"));
	CHECK_INT(a.port, 0);
	CHECK(!a.secure);
}

static void test_scheme_stripped(void)
{
	struct sip_aor a;
	const char *s = "sip:3333@sip2sip.info";

	CHECK_INT(dec(&a, s), SIP_AOR_OK);
	CHECK_STR(a.aor, "3333@sip2sip.info");
	CHECK(!a.secure);

	CHECK_INT(dec(&a, "sips:alice@example.com"), SIP_AOR_OK);
	CHECK_STR(a.aor, "alice@example.com");
	CHECK(a.secure);

	/* schemes are case-insensitive (RFC 3261 19.1.4) */
	CHECK_INT(dec(&a, "SIP:alice@example.com"), SIP_AOR_OK);
	CHECK_STR(a.aor, "alice@example.com");
	CHECK_INT(dec(&a, "Sips:alice@example.com"), SIP_AOR_OK);
	CHECK(a.secure);

	/* only one scheme is removed; a second one is garbage in the user */
	CHECK_INT(dec(&a, "sip:sip:alice@example.com"), SIP_AOR_BAD_USER);
	/* other schemes are not addresses */
	CHECK_INT(dec(&a, "tel:+31208005163"), SIP_AOR_NO_AT);
}

static void test_user_chars(void)
{
	struct sip_aor a;

	CHECK_INT(dec(&a, "+31208005163@ag-projects.com"), SIP_AOR_OK);
	CHECK_INT(dec(&a, "a.b-c_d!e~f*g'h(i)j@x.org"), SIP_AOR_OK);
	CHECK_INT(dec(&a, "a&b=c+d$e,f;g?h/i@x.org"), SIP_AOR_OK);
	CHECK_INT(dec(&a, "al%20ice@x.org"), SIP_AOR_OK);
	CHECK_INT(dec(&a, "al%2@x.org"), SIP_AOR_BAD_USER);
	CHECK_INT(dec(&a, "alice%@x.org"), SIP_AOR_BAD_USER);
	CHECK_INT(dec(&a, "al%zz@x.org"), SIP_AOR_BAD_USER);
	CHECK_INT(dec(&a, "alice:secret@x.org"), SIP_AOR_BAD_USER);
	CHECK_INT(dec(&a, "<alice@x.org>"), SIP_AOR_BAD_USER);
	CHECK_INT(dec(&a, "\"Alice\"@x.org"), SIP_AOR_BAD_USER);
	CHECK_INT(dec(&a, "j\xc3\xb6rg@x.org"), SIP_AOR_BAD_USER);
	CHECK_INT(dec(&a, "a#b@x.org"), SIP_AOR_BAD_USER);
}

static void test_hosts(void)
{
	struct sip_aor a;

	CHECK_INT(dec(&a, "alice@localhost"), SIP_AOR_OK);
	CHECK_INT(dec(&a, "alice@example.com."), SIP_AOR_OK);
	CHECK_INT(dec(&a, "alice@127.0.0.1"), SIP_AOR_OK);
	CHECK(part_eq(a.host, a.host_len, "127.0.0.1"));
	CHECK_INT(dec(&a, "alice@[::1]"), SIP_AOR_OK);
	CHECK(part_eq(a.host, a.host_len, "[::1]"));
	CHECK_INT(dec(&a, "alice@[2001:db8::1]:5061"), SIP_AOR_OK);
	CHECK_INT(a.port, 5061);
	CHECK_INT(dec(&a, "alice@x1.example-domain.COM"), SIP_AOR_OK);

	CHECK_INT(dec(&a, "alice@300.1.1.1"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@1.2.3"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@example.123"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@-example.com"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@example-.com"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@example..com"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@.example.com"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@exa_mple.com"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@example.com;transport=tcp"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@example.com?subject=x"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@bob@example.com"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@[::1"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@[zz::1]"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@[::1]x"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@[]"), SIP_AOR_BAD_DOMAIN);
	CHECK_INT(dec(&a, "alice@:5060"), SIP_AOR_BAD_DOMAIN);

	/* labels of 63 are fine, 64 are not */
	char host[128];
	memset(host, 'a', 63);
	strcpy(host + 63, ".com");
	char aor[160] = "u@";
	strcat(aor, host);
	CHECK_INT(dec(&a, aor), SIP_AOR_OK);
	memset(host, 'a', 64);
	strcpy(host + 64, ".com");
	strcpy(aor, "u@");
	strcat(aor, host);
	CHECK_INT(dec(&a, aor), SIP_AOR_BAD_DOMAIN);
}

static void test_ports(void)
{
	struct sip_aor a;

	CHECK_INT(dec(&a, "alice@example.com:5060"), SIP_AOR_OK);
	CHECK_INT(a.port, 5060);
	CHECK(part_eq(a.host, a.host_len, "example.com"));
	CHECK_STR(a.aor, "alice@example.com:5060");
	CHECK_INT(dec(&a, "alice@example.com:65535"), SIP_AOR_OK);
	CHECK_INT(dec(&a, "alice@example.com:65536"), SIP_AOR_BAD_PORT);
	CHECK_INT(dec(&a, "alice@example.com:0"), SIP_AOR_BAD_PORT);
	CHECK_INT(dec(&a, "alice@example.com:"), SIP_AOR_BAD_PORT);
	CHECK_INT(dec(&a, "alice@example.com:050600"), SIP_AOR_BAD_PORT);
	CHECK_INT(dec(&a, "alice@example.com:5a"), SIP_AOR_BAD_PORT);
	CHECK_INT(dec(&a, "alice@example.com:5060:5060"), SIP_AOR_BAD_PORT);
}

static void test_refusals(void)
{
	struct sip_aor a;
	char big[SIP_AOR_MAX_LEN + 16];

	CHECK_INT(dec(&a, ""), SIP_AOR_EMPTY);
	CHECK_INT(dec(&a, "sip:"), SIP_AOR_EMPTY);
	CHECK_INT(dec(&a, "alice"), SIP_AOR_NO_AT);
	CHECK_INT(dec(&a, "example.com"), SIP_AOR_NO_AT);
	CHECK_INT(dec(&a, "@example.com"), SIP_AOR_EMPTY_USER);
	CHECK_INT(dec(&a, "alice@"), SIP_AOR_EMPTY_DOMAIN);
	CHECK_INT(dec(&a, "sip:@"), SIP_AOR_EMPTY_USER);

	/* whitespace and control characters anywhere: header injection */
	CHECK_INT(dec(&a, "alice @example.com"), SIP_AOR_BAD_CHAR);
	CHECK_INT(dec(&a, " alice@example.com"), SIP_AOR_BAD_CHAR);
	CHECK_INT(dec(&a, "alice@example.com "), SIP_AOR_BAD_CHAR);
	CHECK_INT(dec(&a, "alice@example.com\r\nVia: x"), SIP_AOR_BAD_CHAR);
	CHECK_INT(dec(&a, "alice\t@example.com"), SIP_AOR_BAD_CHAR);
	CHECK_INT(dec(&a, "alice@exam\x7fple.com"), SIP_AOR_BAD_CHAR);
	CHECK_INT(decn(&a, "alice@exa\0mple.com", 18), SIP_AOR_BAD_CHAR);

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[10] = '@';
	CHECK_INT(dec(&a, big), SIP_AOR_TOO_LONG);

	CHECK_INT(sip_aor_decode(NULL, "a@b", 3, NULL), EINVAL);
	CHECK_INT(sip_aor_decode(&a, NULL, 3, NULL), EINVAL);
	CHECK_INT(sip_aor_decode(&a, "a b@c", 5, NULL), EBADMSG);
	CHECK_INT(decn(&a, NULL, 0), SIP_AOR_EMPTY);
}

static void test_not_terminated(void)
{
	struct sip_aor a;
	/* length limits the parse: the rest of the buffer is not looked at */
	const char *s = "sip:bob@example.com garbage";

	CHECK_INT(decn(&a, s, 19), SIP_AOR_OK);
	CHECK_INT(a.aor_len, 15);
	CHECK(part_eq(a.aor, a.aor_len, "bob@example.com"));
}

static void test_result_untouched_on_error(void)
{
	struct sip_aor a;

	memset(&a, 0x5a, sizeof(a));
	CHECK_INT(dec(&a, "bad"), SIP_AOR_NO_AT);
	CHECK_INT(a.port, 0x5a5a);
}

static void test_strerror(void)
{
	for (int e = SIP_AOR_OK; e <= SIP_AOR_BAD_PORT; e++) {
		const char *t = sip_aor_reason_str((enum sip_aor_reason)e);
		CHECK(t && t[0]);
	}
	CHECK_STR(sip_aor_reason_str(SIP_AOR_NO_AT), "address is not user@domain");
	CHECK(sip_aor_reason_str((enum sip_aor_reason)999) != NULL);
}

int main(void)
{
	RUN(test_plain);
	RUN(test_scheme_stripped);
	RUN(test_user_chars);
	RUN(test_hosts);
	RUN(test_ports);
	RUN(test_refusals);
	RUN(test_not_terminated);
	RUN(test_result_untouched_on_error);
	RUN(test_strerror);
	return check_summary();
}
