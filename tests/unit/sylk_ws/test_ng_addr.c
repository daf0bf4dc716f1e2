/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/ng/ng_addr.c: rtpengine_sock into a socket
 * address, IPv4 and IPv6 (in brackets or bare), and what is refused: no
 * port, port 0 or 65536, names, garbage, an unterminated bracket. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/ng/ng_addr.h"

static enum ng_addr_reason parse(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	enum ng_addr_reason why = NG_ADDR_OK;
	int rc = ng_addr_parse(ss, len, s, &why);

	CHECK_INT(rc, why == NG_ADDR_OK ? 0 : EINVAL);
	return why;
}

/* the address and port of @p s as text, "" when refused */
static const char *text(const char *s)
{
	static char out[INET6_ADDRSTRLEN + 16];
	struct sockaddr_storage ss;
	socklen_t len = 0;
	char a[INET6_ADDRSTRLEN];

	out[0] = '\0';
	if (parse(s, &ss, &len) != NG_ADDR_OK)
		return out;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *v4 = (const struct sockaddr_in *)&ss;

		CHECK_INT(len, sizeof(*v4));
		inet_ntop(AF_INET, &v4->sin_addr, a, sizeof(a));
		snprintf(out, sizeof(out), "%s %u", a, ntohs(v4->sin_port));
	} else {
		const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&ss;

		CHECK_INT(len, sizeof(*v6));
		inet_ntop(AF_INET6, &v6->sin6_addr, a, sizeof(a));
		snprintf(out, sizeof(out), "[%s] %u", a, ntohs(v6->sin6_port));
	}
	return out;
}

static void test_accepted(void)
{
	CHECK_STR(text("udp:127.0.0.1:2223"), "127.0.0.1 2223");
	CHECK_STR(text("127.0.0.1:2223"), "127.0.0.1 2223");
	CHECK_STR(text("udp:10.0.0.5:65535"), "10.0.0.5 65535");
	CHECK_STR(text("udp:127.0.0.1:1"), "127.0.0.1 1");
	CHECK_STR(text("udp:[::1]:2223"), "[::1] 2223");
	CHECK_STR(text("[2001:db8::7]:22222"), "[2001:db8::7] 22222");
	/* bare IPv6: the port after the last ':', as before brackets */
	CHECK_STR(text("udp:::1:2223"), "[::1] 2223");
	CHECK_STR(text("2001:db8::7:9"), "[2001:db8::7] 9");
}

static void test_refused(void)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;

	CHECK_INT(parse("udp:127.0.0.1", &ss, &len), NG_ADDR_FORM);
	CHECK_INT(parse("udp:[::1]", &ss, &len), NG_ADDR_FORM);
	CHECK_INT(parse("udp:", &ss, &len), NG_ADDR_FORM);
	CHECK_INT(parse("", &ss, &len), NG_ADDR_FORM);
	CHECK_INT(parse("udp::2223", &ss, &len), NG_ADDR_FORM);
	CHECK_INT(parse("udp:[::1:2223", &ss, &len), NG_ADDR_FORM);
	CHECK_INT(parse("udp:[::1]2223", &ss, &len), NG_ADDR_FORM);
	CHECK_INT(parse("udp:[]:2223", &ss, &len), NG_ADDR_FORM);
	CHECK_INT(parse("udp:127.0.0.1:0", &ss, &len), NG_ADDR_BAD_PORT);
	CHECK_INT(parse("udp:127.0.0.1:65536", &ss, &len), NG_ADDR_BAD_PORT);
	CHECK_INT(parse("udp:[::1]:0", &ss, &len), NG_ADDR_BAD_PORT);
	CHECK_INT(parse("udp:127.0.0.1:", &ss, &len), NG_ADDR_BAD_PORT);
	CHECK_INT(parse("udp:127.0.0.1:22x3", &ss, &len), NG_ADDR_BAD_PORT);
	CHECK_INT(parse("udp:127.0.0.1:2223 ", &ss, &len), NG_ADDR_BAD_PORT);
	CHECK_INT(parse("udp:::1:", &ss, &len), NG_ADDR_BAD_PORT);
	CHECK_INT(parse("udp:localhost:2223", &ss, &len), NG_ADDR_BAD_HOST);
	CHECK_INT(parse("udp:300.1.1.1:2223", &ss, &len), NG_ADDR_BAD_HOST);
	CHECK_INT(parse("udp:[127.0.0.1]:2223", &ss, &len), NG_ADDR_BAD_HOST);
	CHECK_INT(parse("udp:[zz::1]:2223", &ss, &len), NG_ADDR_BAD_HOST);
	CHECK_INT(parse("tcp:127.0.0.1:2223", &ss, &len), NG_ADDR_BAD_HOST);
	CHECK_INT(parse("udp:\x01\xff garbage:2223", &ss, &len), NG_ADDR_BAD_HOST);
	CHECK_INT(ng_addr_parse(NULL, &len, "udp:127.0.0.1:2223", NULL), EINVAL);
	CHECK_INT(ng_addr_parse(&ss, NULL, "udp:127.0.0.1:2223", NULL), EINVAL);
	CHECK_INT(parse(NULL, &ss, &len), NG_ADDR_EINVAL);
}

static void test_long_host(void)
{
	char s[300] = "udp:";
	struct sockaddr_storage ss;
	socklen_t len = 0;

	memset(s + 4, '1', 200);
	strcpy(s + 204, ":2223");
	CHECK_INT(parse(s, &ss, &len), NG_ADDR_BAD_HOST);
}

static void test_reason_str(void)
{
	for (int r = NG_ADDR_OK; r <= NG_ADDR_BAD_HOST; r++)
		CHECK(strcmp(ng_addr_reason_str((enum ng_addr_reason)r), "unknown reason") != 0);
	CHECK_STR(ng_addr_reason_str((enum ng_addr_reason)99), "unknown reason");
}

int main(void)
{
	RUN(test_accepted);
	RUN(test_refused);
	RUN(test_long_host);
	RUN(test_reason_str);
	return check_summary();
}
