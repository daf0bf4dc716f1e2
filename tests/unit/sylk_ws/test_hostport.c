/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/hostport.c: "host[:port]" and
 * "[v6][:port]" split, and the port's value. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/base/hostport.h"

static int split(struct hostport *hp, const char *s)
{
	return hostport_split(hp, s, strlen(s));
}

static void check_host(const struct hostport *hp, const char *host, const char *port)
{
	CHECK_INT(hp->host_len, strlen(host));
	CHECK(memcmp(hp->host, host, hp->host_len) == 0);
	if (!port) {
		CHECK(hp->port == NULL);
		return;
	}
	CHECK(hp->port != NULL);
	if (hp->port) {
		CHECK_INT(hp->port_len, strlen(port));
		CHECK(memcmp(hp->port, port, hp->port_len) == 0);
	}
}

static void test_split(void)
{
	struct hostport hp;

	CHECK_INT(split(&hp, "example.com"), 0);
	check_host(&hp, "example.com", NULL);
	CHECK(!hp.bracketed);
	CHECK_INT(split(&hp, "127.0.0.1:2223"), 0);
	check_host(&hp, "127.0.0.1", "2223");
	CHECK_INT(split(&hp, "[::1]:2223"), 0);
	check_host(&hp, "::1", "2223");
	CHECK(hp.bracketed);
	CHECK_INT(split(&hp, "[fe80::1%eth0]"), 0);
	check_host(&hp, "fe80::1%eth0", NULL);
	/* the first ':' ends a host without brackets; the port is not read */
	CHECK_INT(split(&hp, "host:80:81"), 0);
	check_host(&hp, "host", "80:81");
	CHECK_INT(split(&hp, "host:"), 0);
	check_host(&hp, "host", "");
	CHECK_INT(split(&hp, "[::1]:"), 0);
	check_host(&hp, "::1", "");
	/* only @p len bytes */
	CHECK_INT(hostport_split(&hp, "a.b:5060;transport=tcp", 8), 0);
	check_host(&hp, "a.b", "5060");
}

static void test_split_refuses(void)
{
	struct hostport hp = {.host = "untouched"};

	CHECK_INT(split(&hp, ""), EINVAL);
	CHECK_INT(split(&hp, ":80"), EINVAL);
	CHECK_INT(split(&hp, "[]:80"), EINVAL);
	CHECK_INT(split(&hp, "[::1"), EINVAL);
	CHECK_INT(split(&hp, "[::1:2223"), EINVAL);
	CHECK_INT(split(&hp, "[::1]x"), EINVAL);
	CHECK_INT(split(&hp, "[::1]2223"), EINVAL);
	CHECK_STR(hp.host, "untouched");
	CHECK_INT(hostport_split(NULL, "a", 1), EINVAL);
	CHECK_INT(hostport_split(&hp, NULL, 0), EINVAL);
}

static int port(const char *s, uint16_t *p)
{
	return hostport_port(p, s, strlen(s));
}

static void test_port(void)
{
	uint16_t p = 7;

	CHECK_INT(port("1", &p), 0);
	CHECK_INT(p, 1);
	CHECK_INT(port("65535", &p), 0);
	CHECK_INT(p, 65535);
	CHECK_INT(port("02223", &p), 0);
	CHECK_INT(p, 2223);
	p = 7;
	CHECK_INT(port("", &p), EINVAL);
	CHECK_INT(port("0", &p), EINVAL);
	CHECK_INT(port("00000", &p), EINVAL);
	CHECK_INT(port("65536", &p), EINVAL);
	CHECK_INT(port("99999", &p), EINVAL);
	CHECK_INT(port("022230", &p), EINVAL);
	CHECK_INT(port("22a", &p), EINVAL);
	CHECK_INT(port("-1", &p), EINVAL);
	CHECK_INT(port("+80", &p), EINVAL);
	CHECK_INT(port(" 80", &p), EINVAL);
	CHECK_INT(port("80:81", &p), EINVAL);
	CHECK_INT(p, 7);
	CHECK_INT(hostport_port(NULL, "80", 2), EINVAL);
	CHECK_INT(hostport_port(&p, NULL, 0), EINVAL);
}

int main(void)
{
	RUN(test_split);
	RUN(test_split_refuses);
	RUN(test_port);
	return check_summary();
}
