/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/http/http_client: the push URL and status lines. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/http/http_client.h"

static void test_url_ok(void)
{
	static const struct {
		const char *url, *host, *port, *path, *host_header;
	} cases[] = {
		{"http://127.0.0.1:8400/push", "127.0.0.1", "8400", "/push", "127.0.0.1:8400"},
		{"http://push.example.com", "push.example.com", "80", "/", "push.example.com"},
		{"HTTP://Push.Example.com/", "Push.Example.com", "80", "/", "Push.Example.com"},
		{"http://[::1]:9000/a/b?x=1&y=%20", "::1", "9000", "/a/b?x=1&y=%20", "[::1]:9000"},
		{"http://[fe80::1%25eth0]/", "fe80::1%25eth0", "80", "/", "[fe80::1%25eth0]"},
		{"http://h:1/", "h", "1", "/", "h:1"},
		{"http://h:65535", "h", "65535", "/", "h:65535"},
		{"http://my_host-1.local~x/p", "my_host-1.local~x", "80", "/p",
		 "my_host-1.local~x"},
	};
	struct http_url u;
	enum http_url_reason why;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(http_url_parse(&u, cases[i].url, &why), 0);
		CHECK_INT(why, HTTP_URL_OK);
		CHECK_STR(u.host, cases[i].host);
		CHECK_STR(u.port, cases[i].port);
		CHECK_STR(u.path, cases[i].path);
		CHECK_STR(u.host_header, cases[i].host_header);
	}
	CHECK_INT(http_url_parse(&u, "http://h/", NULL), 0);
}

static void test_url_refused(void)
{
	char long_url[HTTP_URL_PATH_MAX + 16];
	static const struct {
		const char *url;
		int err;
		enum http_url_reason why;
	} cases[] = {
		{"https://push.example.com/", EPROTONOSUPPORT, HTTP_URL_HTTPS},
		{"HTTPS://x/", EPROTONOSUPPORT, HTTP_URL_HTTPS},
		{"", EINVAL, HTTP_URL_SCHEME},
		{"ftp://x/", EINVAL, HTTP_URL_SCHEME},
		{"http:/x/", EINVAL, HTTP_URL_SCHEME},
		{"push.example.com/push", EINVAL, HTTP_URL_SCHEME},
		{"http://", EINVAL, HTTP_URL_BAD_HOST},
		{"http:///path", EINVAL, HTTP_URL_BAD_HOST},
		{"http://:80/", EINVAL, HTTP_URL_BAD_HOST},
		{"http://[]:80/", EINVAL, HTTP_URL_BAD_HOST},
		{"http://[::1/", EINVAL, HTTP_URL_BAD_HOST},
		{"http://[::1]x/", EINVAL, HTTP_URL_BAD_HOST},
		{"http://[::1]:/", EINVAL, HTTP_URL_BAD_PORT},
		{"http://user@host/", EINVAL, HTTP_URL_BAD_HOST},
		{"http://ho st/", EINVAL, HTTP_URL_BAD_HOST},
		{"http://host\r\nX-Injected: 1/", EINVAL, HTTP_URL_BAD_HOST},
		{"http://h\xc3\xa9te/", EINVAL, HTTP_URL_BAD_HOST}, /* non-ASCII: not punycode */
		{"http://::1/", EINVAL, HTTP_URL_BAD_HOST},
		{"http://host:/", EINVAL, HTTP_URL_BAD_PORT},
		{"http://host:0/", EINVAL, HTTP_URL_BAD_PORT},
		{"http://host:65536/", EINVAL, HTTP_URL_BAD_PORT},
		{"http://host:123456/", EINVAL, HTTP_URL_BAD_PORT},
		{"http://host:8o/", EINVAL, HTTP_URL_BAD_PORT},
		{"http://host:80:81/", EINVAL, HTTP_URL_BAD_PORT},
		{"http://host:-1/", EINVAL, HTTP_URL_BAD_PORT},
		{"http://host/a b", EINVAL, HTTP_URL_BAD_PATH},
		{"http://host/a\tb", EINVAL, HTTP_URL_BAD_PATH},
		{"http://host/a\r\nX: y", EINVAL, HTTP_URL_BAD_PATH},
		{"http://host/a\x01", EINVAL, HTTP_URL_BAD_PATH},
		{"http://host/\xc3\xa9", EINVAL, HTTP_URL_BAD_PATH},
		{"http://host/\x7f", EINVAL, HTTP_URL_BAD_PATH},
	};
	struct http_url u;
	enum http_url_reason why;

	memset(&u, 0, sizeof(u));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int err = http_url_parse(&u, cases[i].url, &why);

		if (err != cases[i].err || why != cases[i].why)
			fprintf(stderr, "    %s: %d (%s)\n", cases[i].url, err,
				http_url_reason_str(why));
		CHECK_INT(err, cases[i].err);
		CHECK_INT(why, cases[i].why);
		CHECK_STR(u.host, ""); /* untouched on failure */
	}
	/* too long, and the longest that fits: the host[:port], the path */
	static const struct {
		const char *prefix;
		size_t fits;
		enum http_url_reason why;
	} longest[] = {
		{"http://", HTTP_URL_HOST_MAX - 1, HTTP_URL_BAD_HOST},
		{"http://h/", HTTP_URL_PATH_MAX - 2, HTTP_URL_BAD_PATH}, /* and the '/' */
	};
	for (size_t i = 0; i < sizeof(longest) / sizeof(longest[0]); i++) {
		size_t head = strlen(longest[i].prefix);

		memcpy(long_url, longest[i].prefix, head);
		memset(long_url + head, 'a', longest[i].fits + 1);
		long_url[head + longest[i].fits + 1] = '\0';
		CHECK_INT(http_url_parse(&u, long_url, &why), EINVAL);
		CHECK_INT(why, longest[i].why);
		long_url[head + longest[i].fits] = '\0';
		CHECK_INT(http_url_parse(&u, long_url, &why), 0);
	}
	CHECK_INT(strlen(u.path), HTTP_URL_PATH_MAX - 1);
	/* NULL arguments */
	CHECK_INT(http_url_parse(NULL, "http://h/", &why), EINVAL);
	CHECK_INT(why, HTTP_URL_EINVAL);
	CHECK_INT(http_url_parse(&u, NULL, NULL), EINVAL);
}

static void test_url_reason_str(void)
{
	for (int r = HTTP_URL_OK; r <= HTTP_URL_BAD_PATH; r++)
		CHECK(strcmp(http_url_reason_str((enum http_url_reason)r), "unknown reason") != 0);
	CHECK_STR(http_url_reason_str(HTTP_URL_SCHEME), "must start with http://");
	CHECK_STR(http_url_reason_str((enum http_url_reason)99), "unknown reason");
}

static void test_status(void)
{
	static const struct {
		const char *line;
		int err, code;
	} cases[] = {
		{"HTTP/1.1 200 OK", 0, 200},
		{"HTTP/1.0 204 No Content", 0, 204},
		{"HTTP/1.1 404", 0, 404},
		{"HTTP/1.1 100 Continue", 0, 100},
		{"HTTP/1.1 503 Service Unavailable \xc3\xa9", 0, 503},
		{"HTTP/1.1 999 x", 0, 999},
		{"", EBADMSG, 0},
		{"HTTP/1.1", EBADMSG, 0},
		{"HTTP/1.1 20", EBADMSG, 0},
		{"HTTP/1.1 2000 OK", EBADMSG, 0},
		{"HTTP/1.1 099 x", EBADMSG, 0},
		{"HTTP/1.1  200 OK", EBADMSG, 0},
		{"HTTP/1.1 -20 OK", EBADMSG, 0},
		{"HTTP/11.1 200 OK", EBADMSG, 0},
		{"HTTP/1 200 OK", EBADMSG, 0},
		{"http/1.1 200 OK", EBADMSG, 0},
		{"HTTP/1.1\t200 OK", EBADMSG, 0},
		{"SIP/2.0 200 OK", EBADMSG, 0},
		{"GET / HTTP/1.1", EBADMSG, 0},
		{"HTTP/1.1 2a0 OK", EBADMSG, 0},
		{"HTTP/1.1 200OK", EBADMSG, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int code = -1;

		CHECK_INT(http_status_parse(cases[i].line, strlen(cases[i].line), &code),
			  cases[i].err);
		CHECK_INT(code, cases[i].err ? -1 : cases[i].code);
	}
	{
		/* the length counts, not the NUL: a line cut short */
		int code = -1;

		CHECK_INT(http_status_parse("HTTP/1.1 200 OK", 11, &code), EBADMSG);
		CHECK_INT(http_status_parse("HTTP/1.1 200 OK", 12, &code), 0);
		CHECK_INT(code, 200);
		CHECK_INT(http_status_parse(NULL, 0, &code), EINVAL);
		CHECK_INT(http_status_parse("HTTP/1.1 200", 12, NULL), EINVAL);
	}
}

int main(void)
{
	RUN(test_url_ok);
	RUN(test_url_refused);
	RUN(test_url_reason_str);
	RUN(test_status);
	return check_summary();
}
