/* SPDX-License-Identifier: GPL-2.0-or-later */
/* MSRP URIs and paths: RFC 4975 section 6 syntax, section 6.1 comparison. */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "conference/msrp/msrp_uri.h"

static struct msrp_uri *parse(const char *s)
{
	struct msrp_uri *u = NULL;

	if (msrp_uri_parse(&u, s, strlen(s)) != 0)
		return NULL;
	return u;
}

static void test_parse_fields(void)
{
	struct msrp_uri *u;

	u = parse("msrp://atlanta.example.com:7654/jshA7weztas;tcp");
	CHECK(u != NULL);
	if (u) {
		CHECK(!u->secure);
		CHECK(u->userinfo == NULL);
		CHECK_STR(u->host, "atlanta.example.com");
		CHECK(!u->host_ipv6);
		CHECK_INT(u->port, 7654);
		CHECK_STR(u->session_id, "jshA7weztas");
		CHECK_STR(u->transport, "tcp");
		CHECK(u->params == NULL);
		CHECK_STR(u->str, "msrp://atlanta.example.com:7654/jshA7weztas;tcp");
		CHECK_INT(u->str_len, strlen(u->str));
		CHECK_INT(msrp_uri_port(u), 7654);
	}
	msrp_uri_free(u);

	u = parse("MSRPS://bob@Bob.Example.com/9di4eae923wzd;TCP;foo=bar;baz");
	CHECK(u != NULL);
	if (u) {
		CHECK(u->secure);
		CHECK_STR(u->userinfo, "bob");
		CHECK_STR(u->host, "Bob.Example.com");
		CHECK_INT(u->port, 0);
		CHECK_INT(msrp_uri_port(u), MSRP_DEFAULT_PORT);
		CHECK_STR(u->transport, "TCP");
		CHECK_STR(u->params, "foo=bar;baz");
	}
	msrp_uri_free(u);

	/* relay URIs have no session-id (RFC 4976) */
	u = parse("msrps://relay.example.com:2855;tcp");
	CHECK(u && u->session_id == NULL && u->port == 2855);
	msrp_uri_free(u);

	u = parse("msrp://[2001:db8::1]:2855/a+b=c/d-e.f_g~h%41;ws");
	CHECK(u != NULL);
	if (u) {
		CHECK(u->host_ipv6);
		CHECK_STR(u->host, "2001:db8::1");
		CHECK_STR(u->session_id, "a+b=c/d-e.f_g~h%41");
		CHECK_STR(u->transport, "ws");
	}
	msrp_uri_free(u);

	u = parse("msrp://10.0.0.1:2855/x;tcp");
	CHECK(u && strcmp(u->host, "10.0.0.1") == 0);
	msrp_uri_free(u);

	u = parse("msrp://user:pw;x@host:1/s;tcp");
	CHECK(u && strcmp(u->userinfo, "user:pw;x") == 0 && strcmp(u->host, "host") == 0);
	msrp_uri_free(u);
}

static void test_parse_invalid(void)
{
	static const char *bad[] = {
		"",
		"http://host/s;tcp",
		"msrp:/host/s;tcp",
		"msrp//host/s;tcp",
		"msrp://;tcp",
		"msrp:///s;tcp",
		"msrp://host:0/s;tcp",
		"msrp://host:65536/s;tcp",
		"msrp://host:/s;tcp",
		"msrp://host:12a/s;tcp",
		"msrp://host/s",
		"msrp://host",
		"msrp://host/;tcp",
		"msrp://host/s;",
		"msrp://host/s;t-cp",
		"msrp://host/s;tcp;",
		"msrp://host/s;tcp;=x",
		"msrp://host/s;tcp;a=",
		"msrp://host/s;tcp x",
		"msrp://[::1/s;tcp",
		"msrp://[zz::1]/s;tcp",
		"msrp://[]/s;tcp",
		"msrp://[1.2.3.4]/s;tcp",
		"msrp://host/s s;tcp",
		"msrp://ho st/s;tcp",
		"msrp://ho<st/s;tcp",
		"msrp://host/s?q;tcp",
		"msrp://host/s#f;tcp",
		"msrp://us er@host/s;tcp",
		"msrp://host/s%zz;tcp",
	};
	struct msrp_uri *u = (struct msrp_uri *)1;
	char big[MSRP_URI_MAX + 32];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = msrp_uri_parse(&u, bad[i], strlen(bad[i]));

		if (err != EINVAL)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK_INT(err, EINVAL);
		CHECK(u == NULL);
		msrp_uri_free(u);
	}
	/* embedded NUL */
	CHECK_INT(msrp_uri_parse(&u, "msrp://h/s;tcp\0x", 16), EINVAL);
	/* too long */
	memset(big, 'a', sizeof(big));
	memcpy(big, "msrp://h/", 9);
	memcpy(big + sizeof(big) - 4, ";tcp", 4);
	CHECK_INT(msrp_uri_parse(&u, big, sizeof(big)), EINVAL);
	CHECK_INT(msrp_uri_parse(NULL, "x", 1), EINVAL);
	/* parse only the given length */
	CHECK_INT(msrp_uri_parse(&u, "msrp://h/s;tcpXYZ", 14), 0);
	CHECK(u && strcmp(u->str, "msrp://h/s;tcp") == 0);
	msrp_uri_free(u);
}

static bool eq(const char *a, const char *b)
{
	struct msrp_uri *ua = parse(a), *ub = parse(b);
	bool r, r2;

	CHECK(ua && ub);
	r = msrp_uri_equal(ua, ub);
	r2 = msrp_uri_equal(ub, ua);
	CHECK_INT(r, r2);
	msrp_uri_free(ua);
	msrp_uri_free(ub);
	return r;
}

static void test_compare(void)
{
	/* scheme and host case-insensitive, transport too */
	CHECK(eq("msrp://host.example.com:7654/jshA7weztas;tcp",
		 "MSRP://HOST.example.COM:7654/jshA7weztas;TCP"));
	/* session-id case-sensitive */
	CHECK(!eq("msrp://h:1/jshA7weztas;tcp", "msrp://h:1/jsha7weztas;tcp"));
	/* a URI with an explicit port never equals one without, even 2855 */
	CHECK(!eq("msrp://h:2855/s;tcp", "msrp://h/s;tcp"));
	CHECK(eq("msrp://h/s;tcp", "msrp://h/s;tcp"));
	CHECK(!eq("msrp://h:1/s;tcp", "msrp://h:2/s;tcp"));
	/* secure and plain differ */
	CHECK(!eq("msrps://h:1/s;tcp", "msrp://h:1/s;tcp"));
	/* no session-id never equals one with */
	CHECK(!eq("msrp://h:1;tcp", "msrp://h:1/s;tcp"));
	CHECK(eq("msrp://h:1;tcp", "msrp://h:1;tcp"));
	/* different transports never match */
	CHECK(!eq("msrp://h:1/s;tcp", "msrp://h:1/s;ws"));
	/* userinfo and extra parameters are not compared */
	CHECK(eq("msrp://alice@h:1/s;tcp", "msrp://bob@h:1/s;tcp;x=y"));
	/* addresses compare as addresses */
	CHECK(eq("msrp://[2001:db8::1]:1/s;tcp", "msrp://[2001:DB8:0:0:0:0:0:1]:1/s;tcp"));
	CHECK(!eq("msrp://[2001:db8::1]:1/s;tcp", "msrp://[2001:db8::2]:1/s;tcp"));
	CHECK(eq("msrp://10.0.0.1:1/s;tcp", "msrp://10.0.0.1:1/s;tcp"));
	CHECK(!eq("msrp://10.0.0.1:1/s;tcp", "msrp://10.0.0.2:1/s;tcp"));
	/* percent-encoded unreserved characters are decoded */
	CHECK(eq("msrp://ex%61mple.com:1/s;tcp", "msrp://EXAMPLE.com:1/s;tcp"));
	CHECK(eq("msrp://a%2Db:1/s;tcp", "msrp://a-b:1/s;tcp"));
	CHECK(!eq("msrp://a%2Cb:1/s;tcp", "msrp://a,b:1/s;tcp"));
	CHECK(eq("msrp://a%2cb:1/s;tcp", "msrp://a%2Cb:1/s;tcp"));
	CHECK(!eq("msrp://host.example.com:1/s;tcp", "msrp://host.example.co:1/s;tcp"));
	CHECK(!msrp_uri_equal(NULL, NULL));
}

static void test_dup(void)
{
	struct msrp_uri *u = parse("msrps://x@h:9/s;tcp;p"), *d = NULL;

	CHECK_INT(msrp_uri_dup(&d, u), 0);
	CHECK(d && msrp_uri_equal(u, d));
	CHECK(d && strcmp(d->str, u->str) == 0 && strcmp(d->params, "p") == 0);
	CHECK(d && d->str != u->str);
	msrp_uri_free(d);
	msrp_uri_free(u);
	CHECK_INT(msrp_uri_dup(&d, NULL), EINVAL);
}

static void test_paths(void)
{
	static const char two[] = "msrp://relay:2855/r;tcp \t msrp://bob.example.com/b1;tcp";
	struct msrp_path p, q, e;
	struct msrp_uri *u;

	CHECK_INT(msrp_path_parse(&p, two, strlen(two)), 0);
	CHECK_INT(p.n, 2);
	CHECK_STR(msrp_path_first(&p)->host, "relay");
	CHECK_STR(msrp_path_last(&p)->host, "bob.example.com");

	CHECK_INT(msrp_path_copy(&q, &p), 0);
	CHECK(msrp_path_equal(&p, &q));
	u = parse("msrp://third/t;tcp");
	CHECK_INT(msrp_path_append(&q, u), 0);
	CHECK_INT(q.n, 3);
	CHECK(!msrp_path_equal(&p, &q));
	msrp_uri_free(u);
	msrp_path_reset(&q);
	CHECK(q.n == 0 && q.uriv == NULL);

	memset(&e, 0xff, sizeof(e));
	CHECK_INT(msrp_path_parse(&e, "", 0), EINVAL);
	CHECK(e.n == 0 && e.uriv == NULL);
	CHECK_INT(msrp_path_parse(&e, "   ", 3), EINVAL);
	CHECK_INT(msrp_path_parse(&e, "msrp://a/b;tcp bogus", 20), EINVAL);
	CHECK(e.n == 0);
	CHECK_INT(msrp_path_parse(&e, " msrp://a/b;tcp ", 16), 0);
	CHECK_INT(e.n, 1);
	msrp_path_reset(&e);
	CHECK(msrp_path_first(&e) == NULL);
	CHECK(msrp_path_last(NULL) == NULL);

	msrp_path_reset(&p);
	msrp_path_reset(NULL);
}

int main(void)
{
	RUN(test_parse_fields);
	RUN(test_parse_invalid);
	RUN(test_compare);
	RUN(test_dup);
	RUN(test_paths);
	return check_summary();
}
