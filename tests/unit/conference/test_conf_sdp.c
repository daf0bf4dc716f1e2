/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SDP offers to the focus and its answers (conference/conf_sdp). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conference/sdp/conf_sdp.h"

/* Blink joining a room with chat and audio (SDES-SRTP), CRLF lines. */
#define BLINK_CHAT_AUDIO                                                                         \
	"v=0\r\n"                                                                                \
	"o=- 3526098545 3526098547 IN IP4 192.0.2.10\r\n"                                        \
	"s=Blink Pro 1.3.1 (MacOSX)\r\n"                                                         \
	"t=0 0\r\n"                                                                              \
	"c=IN IP4 192.0.2.10\r\n"                                                                \
	"m=audio 55324 RTP/SAVP 9 0 8 101\r\n"                                                   \
	"c=IN IP4 192.0.2.10\r\n"                                                                \
	"a=rtcp:55325\r\n"                                                                       \
	"a=rtpmap:9 G722/8000\r\n"                                                               \
	"a=rtpmap:0 PCMU/8000\r\n"                                                               \
	"a=rtpmap:8 PCMA/8000\r\n"                                                               \
	"a=rtpmap:101 telephone-event/8000\r\n"                                                  \
	"a=fmtp:101 0-15\r\n"                                                                    \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:1nDEh/WrJ57RBaHwhBG4+RAwzV9k/HxZhg1wClnx\r\n" \
	"a=sendrecv\r\n"                                                                         \
	"m=message 60167 TCP/TLS/MSRP *\r\n"                                                     \
	"c=IN IP4 192.0.2.10\r\n"                                                                \
	"a=path:msrps://192.0.2.10:60167/a1b2c3d4e5;tcp\r\n"                                     \
	"a=accept-types:message/cpim text/* application/im-iscomposing+xml\r\n"                  \
	"a=accept-wrapped-types:*\r\n"                                                           \
	"a=chatroom:nickname private-messages com.ag-projects.screen-sharing\r\n"                \
	"a=setup:active\r\n"

/* Pushing a file to the room (RFC 5547), LF lines as some stacks send. */
#define FILE_PUSH                                                                     \
	"v=0\n"                                                                       \
	"o=alice 3526099467 3526099468 IN IP4 192.0.2.11\n"                           \
	"s=-\n"                                                                       \
	"c=IN IP4 192.0.2.11\n"                                                       \
	"t=0 0\n"                                                                     \
	"m=message 39084 TCP/TLS/MSRP *\n"                                            \
	"a=path:msrps://192.0.2.11:39084/f00dfeed;tcp\n"                              \
	"a=accept-types:*\n"                                                          \
	"a=file-selector:name:\"Blink manual.pdf\" type:application/pdf size:151036 " \
	"hash:sha-1:49:AD:49:2C:0B:1E:0F:0A:DE:12:5A:17:B4:8C:4E:EF:26:76:29:EE\n"    \
	"a=file-transfer-id:hz1lxGt2pS\n"                                             \
	"a=file-disposition:attachment\n"                                             \
	"a=sendonly\n"

/* A late joiner pulling a stored file: recvonly, hash only. */
#define FILE_PULL                                                                                    \
	"v=0\r\n"                                                                                    \
	"o=- 1 1 IN IP4 192.0.2.12\r\n"                                                              \
	"s=-\r\n"                                                                                    \
	"c=IN IP4 192.0.2.12\r\n"                                                                    \
	"t=0 0\r\n"                                                                                  \
	"m=message 2855 TCP/MSRP *\r\n"                                                              \
	"a=path:msrp://192.0.2.12:2855/pull1;tcp\r\n"                                                \
	"a=accept-types:*\r\n"                                                                       \
	"a=file-selector:hash:sha-1:49:AD:49:2C:0B:1E:0F:0A:DE:12:5A:17:B4:8C:4E:EF:26:76:29:EE\r\n" \
	"a=recvonly\r\n"

/* Screen sharing rides the chat stream; a video stream next to it. */
#define SCREEN_SHARING                                                          \
	"v=0\r\n"                                                               \
	"o=bob 1 2 IN IP6 2001:db8::5\r\n"                                      \
	"s=-\r\n"                                                               \
	"c=IN IP6 2001:db8::5\r\n"                                              \
	"t=0 0\r\n"                                                             \
	"a=sendonly\r\n"                                                        \
	"m=message 40278 TCP/TLS/MSRP *\r\n"                                    \
	"a=path:msrps://[2001:db8::5]:40278/ss77;tcp\r\n"                       \
	"a=accept-types:message/cpim\r\n"                                       \
	"a=accept-wrapped-types:text/plain application/blink-screensharing\r\n" \
	"a=chatroom:private-messages com.ag-projects.screen-sharing\r\n"        \
	"a=setup:actpass\r\n"                                                   \
	"a=sendrecv\r\n"                                                        \
	"m=video 50000 RTP/AVP 96\r\n"                                          \
	"a=rtpmap:96 H264/90000\r\n"

static struct conf_sdp_offer *parse(const char *s)
{
	struct conf_sdp_offer *o = NULL;
	int err = conf_sdp_offer_parse(&o, s, strlen(s));

	CHECK_INT(err, 0);
	return err ? NULL : o;
}

static int parse_err(const char *s, size_t len)
{
	struct conf_sdp_offer *o = (struct conf_sdp_offer *)1;
	int err = conf_sdp_offer_parse(&o, s, len);

	if (err == 0)
		conf_sdp_offer_free(o);
	else
		CHECK(o == NULL);
	return err;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Every line ends in CRLF and has the form x=... */
static bool well_formed(const char *sdp)
{
	const char *p = sdp;

	if (strncmp(sdp, "v=0\r\n", 5) != 0)
		return false;
	while (*p) {
		const char *crlf = strstr(p, "\r\n");

		if (!crlf || crlf - p < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z')
			return false;
		for (const char *q = p; q < crlf; q++)
			if (*q == '\r' || *q == '\n')
				return false;
		p = crlf + 2;
	}
	return true;
}

static void test_blink_chat_audio(void)
{
	struct conf_sdp_offer *o = parse(BLINK_CHAT_AUDIO);
	struct conf_sdp_media *a, *m;

	if (!o)
		return;
	CHECK_STR(o->origin_user, "-");
	CHECK_STR(o->c_addr, "192.0.2.10");
	CHECK_INT(o->media_count, 2);
	a = &o->media[0];
	m = &o->media[1];

	CHECK_INT(a->kind, CONF_MEDIA_AUDIO);
	CHECK_STR(a->media, "audio");
	CHECK_INT(a->port, 55324);
	CHECK_STR(a->proto, "RTP/SAVP");
	CHECK_STR(a->fmt, "9 0 8 101");
	CHECK_INT(a->dir, CONF_DIR_SENDRECV);
	CHECK(a->path == NULL);
	CHECK_INT(a->attr_count, 8);
	CHECK_STR(a->attrs[0], "rtcp:55325");
	CHECK_STR(a->attrs[6], "crypto:1 AES_CM_128_HMAC_SHA1_80 "
			       "inline:1nDEh/WrJ57RBaHwhBG4+RAwzV9k/HxZhg1wClnx");

	CHECK_INT(m->kind, CONF_MEDIA_CHAT);
	CHECK_STR(m->media, "message");
	CHECK_INT(m->port, 60167);
	CHECK_STR(m->proto, "TCP/TLS/MSRP");
	CHECK_STR(m->fmt, "*");
	CHECK_STR(m->path, "msrps://192.0.2.10:60167/a1b2c3d4e5;tcp");
	CHECK_STR(m->accept_types, "message/cpim text/* application/im-iscomposing+xml");
	CHECK_STR(m->accept_wrapped_types, "*");
	CHECK_STR(m->setup, "active");
	CHECK(!m->has_file_selector);
	CHECK_INT(m->attr_count, 5);
	conf_sdp_offer_free(o);
}

static void test_file_push(void)
{
	struct conf_sdp_offer *o = parse(FILE_PUSH);
	struct conf_sdp_media *m;

	if (!o)
		return;
	CHECK_STR(o->origin_user, "alice");
	CHECK_INT(o->media_count, 1);
	m = &o->media[0];
	CHECK_INT(m->kind, CONF_MEDIA_FILE);
	CHECK_INT(m->dir, CONF_DIR_SENDONLY);
	CHECK(m->has_file_selector);
	CHECK_STR(m->fs.name, "Blink manual.pdf");
	CHECK_STR(m->fs.type, "application/pdf");
	CHECK(m->fs.has_size);
	CHECK_INT(m->fs.size, 151036);
	CHECK_STR(m->fs.hash, "sha-1:49:AD:49:2C:0B:1E:0F:0A:DE:12:5A:17:B4:8C:4E:EF:26:76:29:EE");
	CHECK_STR(m->file_transfer_id, "hz1lxGt2pS");
	CHECK_STR(m->file_disposition, "attachment");
	CHECK(m->setup == NULL);
	conf_sdp_offer_free(o);
}

static void test_file_pull(void)
{
	struct conf_sdp_offer *o = parse(FILE_PULL);
	struct conf_sdp_media *m;

	if (!o)
		return;
	m = &o->media[0];
	CHECK_INT(m->kind, CONF_MEDIA_FILE);
	CHECK_INT(m->dir, CONF_DIR_RECVONLY);
	CHECK_STR(m->proto, "TCP/MSRP");
	CHECK(m->fs.name == NULL);
	CHECK(m->fs.type == NULL);
	CHECK(!m->fs.has_size);
	CHECK_STR(m->fs.hash, "sha-1:49:AD:49:2C:0B:1E:0F:0A:DE:12:5A:17:B4:8C:4E:EF:26:76:29:EE");
	conf_sdp_offer_free(o);
}

static void test_screen_sharing(void)
{
	struct conf_sdp_offer *o = parse(SCREEN_SHARING);

	if (!o)
		return;
	CHECK_STR(o->c_addr, "2001:db8::5");
	CHECK_INT(o->media_count, 2);
	CHECK_INT(o->media[0].kind, CONF_MEDIA_CHAT);
	/* media-level sendrecv overrides the session-level sendonly */
	CHECK_INT(o->media[0].dir, CONF_DIR_SENDRECV);
	CHECK_STR(o->media[0].accept_wrapped_types, "text/plain application/blink-screensharing");
	CHECK_STR(o->media[0].setup, "actpass");
	CHECK_INT(o->media[1].kind, CONF_MEDIA_OTHER);
	CHECK_STR(o->media[1].media, "video");
	/* the session-level direction is inherited */
	CHECK_INT(o->media[1].dir, CONF_DIR_SENDONLY);
	conf_sdp_offer_free(o);
}

static void test_answer_chat_audio(void)
{
	struct conf_sdp_offer *o = parse(BLINK_CHAT_AUDIO);
	struct conf_sdp_answer_media ans[2] = {
		{.accept = true, .port = 40000, .dir = CONF_DIR_SENDRECV},
		{.accept = true,
		 .port = 2855,
		 .path = "msrps://198.51.100.1:2855/focus1;tcp",
		 .accept_types = "message/cpim",
		 .accept_wrapped_types = "*",
		 .chatroom = "nickname private-messages",
		 .dir = CONF_DIR_SENDRECV},
	};
	struct conf_sdp_offer *back;
	char *sdp = NULL;

	if (!o)
		return;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "198.51.100.1", 42, 7), 0);
	if (!sdp) {
		conf_sdp_offer_free(o);
		return;
	}
	CHECK(well_formed(sdp));
	CHECK(strstr(sdp, "o=- 42 7 IN IP4 198.51.100.1\r\n") != NULL);
	CHECK(strstr(sdp, "c=IN IP4 198.51.100.1\r\n") != NULL);
	CHECK(strstr(sdp, "m=audio 40000 RTP/SAVP 9 0 8 101\r\n") != NULL);
	CHECK(strstr(sdp, "a=rtpmap:9 G722/8000\r\n") != NULL);
	CHECK(strstr(sdp, "a=fmtp:101 0-15\r\n") != NULL);
	CHECK(strstr(sdp, "a=crypto") == NULL); /* never echo their key */
	CHECK(strstr(sdp, "a=rtcp:") == NULL);
	CHECK(strstr(sdp, "m=message 2855 TCP/TLS/MSRP *\r\n") != NULL);
	CHECK(strstr(sdp, "a=path:msrps://198.51.100.1:2855/focus1;tcp\r\n") != NULL);
	CHECK(strstr(sdp, "a=accept-types:message/cpim\r\n") != NULL);
	CHECK(strstr(sdp, "a=accept-wrapped-types:*\r\n") != NULL);
	CHECK(strstr(sdp, "a=chatroom:nickname private-messages\r\n") != NULL);
	CHECK(strstr(sdp, "a=setup:passive\r\n") != NULL);
	CHECK_INT(count(sdp, "a=sendrecv\r\n"), 2);
	/* audio section comes first, as offered */
	CHECK(strstr(sdp, "m=audio") < strstr(sdp, "m=message"));

	/* the answer is itself a parseable SDP with the same media */
	CHECK_INT(conf_sdp_offer_parse(&back, sdp, strlen(sdp)), 0);
	if (back) {
		CHECK_INT(back->media_count, 2);
		CHECK_INT(back->media[0].kind, CONF_MEDIA_AUDIO);
		CHECK_INT(back->media[1].kind, CONF_MEDIA_CHAT);
		CHECK_STR(back->media[1].path, "msrps://198.51.100.1:2855/focus1;tcp");
		CHECK_STR(back->media[1].setup, "passive");
		conf_sdp_offer_free(back);
	}
	free(sdp);
	conf_sdp_offer_free(o);
}

static void test_answer_rejects(void)
{
	struct conf_sdp_offer *o = parse(SCREEN_SHARING);
	struct conf_sdp_answer_media ans[2] = {
		{.accept = true,
		 .port = 2855,
		 .path = "msrps://[2001:db8::1]:2855/x;tcp",
		 .accept_types = "message/cpim",
		 .dir = CONF_DIR_SENDRECV},
		{.accept = false},
	};
	char *sdp = NULL;

	if (!o)
		return;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "2001:db8::1", 1, 1), 0);
	if (sdp) {
		CHECK(well_formed(sdp));
		CHECK(strstr(sdp, "o=- 1 1 IN IP6 2001:db8::1\r\n") != NULL);
		CHECK(strstr(sdp, "m=video 0 RTP/AVP 96\r\n") != NULL);
		/* nothing follows a rejected section */
		CHECK(strstr(sdp, "m=video 0 RTP/AVP 96\r\n")[strlen("m=video 0 RTP/AVP 96\r\n")] ==
		      '\0');
		CHECK(strstr(sdp, "a=rtpmap:96") == NULL);
		CHECK(strstr(sdp, "a=setup:passive\r\n") != NULL);
		free(sdp);
	}

	/* everything rejected */
	ans[0].accept = false;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "2001:db8::1", 1, 2), 0);
	if (sdp) {
		CHECK(strstr(sdp, "m=message 0 TCP/TLS/MSRP *\r\n") != NULL);
		CHECK(strstr(sdp, "a=path") == NULL);
		CHECK_INT(count(sdp, "m="), 2);
		free(sdp);
	}
	conf_sdp_offer_free(o);
}

static void test_answer_file(void)
{
	struct conf_sdp_offer *o = parse(FILE_PUSH);
	struct conf_sdp_answer_media ans = {
		.accept = true,
		.port = 2855,
		.path = "msrps://198.51.100.1:2855/ft9;tcp",
		.accept_types = "*",
		.chatroom = "nickname",
		.dir = CONF_DIR_RECVONLY,
		.file_selector_echo = true,
	};
	char *sdp = NULL;

	if (!o)
		return;
	CHECK_INT(conf_dir_reverse(o->media[0].dir), CONF_DIR_RECVONLY);
	CHECK_INT(conf_sdp_answer_build(&sdp, o, &ans, 1, "198.51.100.1", 5, 5), 0);
	if (sdp) {
		CHECK(well_formed(sdp));
		CHECK(strstr(sdp, "a=file-selector:name:\"Blink manual.pdf\" type:application/pdf "
				  "size:151036 hash:sha-1:49:AD:") != NULL);
		CHECK(strstr(sdp, "a=file-transfer-id:hz1lxGt2pS\r\n") != NULL);
		CHECK(strstr(sdp, "a=recvonly\r\n") != NULL);
		CHECK(strstr(sdp, "a=chatroom") == NULL); /* not for file transfer */
		CHECK(strstr(sdp, "a=setup") == NULL);    /* none offered */
		free(sdp);
	}
	ans.file_selector_echo = false;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, &ans, 1, "198.51.100.1", 5, 6), 0);
	if (sdp) {
		CHECK(strstr(sdp, "a=file-selector") == NULL);
		free(sdp);
	}
	conf_sdp_offer_free(o);
}

static void test_answer_errors(void)
{
	struct conf_sdp_offer *o = parse(BLINK_CHAT_AUDIO);
	struct conf_sdp_answer_media ans[2] = {
		{.accept = true, .port = 40000},
		{.accept = true, .port = 2855, .path = "msrp://h:1/x;tcp"},
	};
	char *sdp = (char *)1;

	if (!o)
		return;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 1, "192.0.2.1", 1, 1), EINVAL);
	CHECK(sdp == NULL);
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, NULL, 1, 1), EINVAL);
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "a b", 1, 1), EINVAL);
	CHECK_INT(conf_sdp_answer_build(NULL, o, ans, 2, "192.0.2.1", 1, 1), EINVAL);
	CHECK_INT(conf_sdp_answer_build(&sdp, NULL, ans, 2, "192.0.2.1", 1, 1), EINVAL);
	ans[1].path = "msrp://h:1/x;tcp\r\na=evil";
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "192.0.2.1", 1, 1), EINVAL);
	ans[1].path = NULL;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "192.0.2.1", 1, 1), EINVAL);
	ans[1].path = "msrp://h:1/x;tcp";
	ans[1].port = 70000;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "192.0.2.1", 1, 1), EINVAL);
	ans[1].port = 2855;
	ans[1].chatroom = "x\ny";
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "192.0.2.1", 1, 1), EINVAL);
	ans[1].chatroom = NULL;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "192.0.2.1", 1, 1), 0);
	free(sdp);
	conf_sdp_offer_free(o);
}

static void test_offered_port_zero(void)
{
	const char *s = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
			"m=audio 0 RTP/AVP 0\r\nm=message 9/2 TCP/MSRP *\r\n"
			"a=path:msrp://192.0.2.1:9/z;tcp\r\na=setup:passive\r\n";
	struct conf_sdp_offer *o = parse(s);
	struct conf_sdp_answer_media ans[2] = {
		{.accept = true, .port = 40000},
		{.accept = true, .port = 2855, .path = "msrp://198.51.100.1:2855/q;tcp"},
	};
	char *sdp = NULL;

	if (!o)
		return;
	CHECK_INT(o->media[0].port, 0);
	CHECK_INT(o->media[1].port, 9);
	/* a disabled offered stream stays disabled even if "accepted" */
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "198.51.100.1", 1, 1), 0);
	if (sdp) {
		CHECK(strstr(sdp, "m=audio 0 RTP/AVP 0\r\n") != NULL);
		CHECK(strstr(sdp, "a=setup:active\r\n") != NULL);
		free(sdp);
	}
	conf_sdp_offer_free(o);
}

static void test_malformed(void)
{
	static const char *const bad[] = {
		"",
		"o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", /* v= not first */
		"s=-\r\n",
		"v=0\r\nm=audio\r\n", /* bad m= */
		"v=0\r\nm=audio 5000\r\n",
		"v=0\r\nm=audio 5000 RTP/AVP\r\n",    /* no fmt */
		"v=0\r\nm=audio 65536 RTP/AVP 0\r\n", /* port */
		"v=0\r\nm=audio 99999999999999999999 RTP/AVP 0\r\n",
		"v=0\r\nm=audio -1 RTP/AVP 0\r\n",
		"v=0\r\nm=audio 5000/ RTP/AVP 0\r\n",
		"v=0\r\nm=audio /2 RTP/AVP 0\r\n",
		"v=0\r\nm=audio 5a RTP/AVP 0\r\n",
		"v=0\r\ngarbage\r\n",
		"v=0\r\nX=1\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\r\na=\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\r\na=rtp map:1\r\n",
		"v=0\r\nm=audio 1 RTP/AVP 0\ra=x\r\n", /* lone CR */
		"v=0\r\ns=a\x01"
		"b\r\n", /* control char */
		"v=0\r\ns=a\x7f\r\n",
		"v=0\r\nc=IN IP4\r\n",
		"v=0\r\no=\r\n",
		"v=0\r\nm=message 1 TCP/MSRP *\r\na=file-selector:name:\"x\r\n",
		"v=0\r\nm=message 1 TCP/MSRP *\r\na=file-selector:size:12x\r\n",
		"v=0\r\nm=message 1 TCP/MSRP *\r\na=file-selector:size:99999999999999999999\r\n",
		"v=0\r\nm=message 1 TCP/MSRP *\r\na=file-selector:name:\"a\"b\r\n",
		"v=0\r\nm=message 1 TCP/MSRP *\r\na=file-selector:size:1 size:2\r\n",
		"v=0\r\nm=message 1 TCP/MSRP *\r\na=file-selector:bogus\r\n",
		"v=0\r\nm=message 1 TCP/MSRP *\r\na=file-selector:size:1\r\na=file-selector:size:1\r\n",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = parse_err(bad[i], strlen(bad[i]));

		if (err != EBADMSG)
			fprintf(stderr, "  accepted bad[%zu]: %s\n", i, bad[i]);
		CHECK_INT(err, EBADMSG);
	}
	/* an embedded NUL */
	CHECK_INT(parse_err("v=0\r\ns=a\0b\r\n", 11), EBADMSG);
	CHECK_INT(conf_sdp_offer_parse(NULL, "v=0\r\n", 5), EINVAL);
}

static void test_limits(void)
{
	char *big;
	size_t i, len;
	const char *sec = "m=audio 1 RTP/AVP 0\r\n";

	/* 16 sections fine, 17 not */
	big = malloc(CONF_SDP_MAX_SIZE + 2);
	if (!big)
		return;
	strcpy(big, "v=0\r\n");
	for (i = 0; i < CONF_SDP_MAX_MEDIA; i++)
		strcat(big, sec);
	CHECK_INT(parse_err(big, strlen(big)), 0);
	strcat(big, sec);
	CHECK_INT(parse_err(big, strlen(big)), EBADMSG);

	/* exactly 64 KiB fine, one more not */
	strcpy(big, "v=0\r\ns=");
	len = strlen(big);
	memset(big + len, 'x', CONF_SDP_MAX_SIZE - len - 2);
	memcpy(big + CONF_SDP_MAX_SIZE - 2, "\r\n", 2);
	CHECK_INT(parse_err(big, CONF_SDP_MAX_SIZE), 0);
	big[CONF_SDP_MAX_SIZE - 2] = 'x';
	big[CONF_SDP_MAX_SIZE - 1] = '\r';
	big[CONF_SDP_MAX_SIZE] = '\n';
	CHECK_INT(parse_err(big, CONF_SDP_MAX_SIZE + 1), EBADMSG);
	free(big);
}

static void test_misc_accepted(void)
{
	/* no trailing newline, trailing blank line, empty file-selector,
	 * TCP/MSRP chat without path (parser does not police MSRP rules) */
	const char *s = "v=0\nm=message 7 TCP/MSRP *\na=file-selector\n\n";
	struct conf_sdp_offer *o = parse(s);

	if (o) {
		CHECK_INT(o->media[0].kind, CONF_MEDIA_FILE);
		CHECK(o->media[0].has_file_selector);
		CHECK(o->media[0].fs.name == NULL);
		CHECK(o->origin_user == NULL);
		CHECK(o->c_addr == NULL);
		conf_sdp_offer_free(o);
	}
	o = parse("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=inactive");
	if (o) {
		CHECK_INT(o->media[0].kind, CONF_MEDIA_AUDIO);
		CHECK_INT(o->media[0].dir, CONF_DIR_INACTIVE);
		CHECK_STR(o->media[0].attrs[0], "inactive");
		conf_sdp_offer_free(o);
	}
	/* m=audio over MSRP, m=message over RTP: other */
	o = parse("v=0\r\nm=audio 9 TCP/MSRP *\r\nm=message 9 RTP/AVP 0\r\n");
	if (o) {
		CHECK_INT(o->media[0].kind, CONF_MEDIA_OTHER);
		CHECK_INT(o->media[1].kind, CONF_MEDIA_OTHER);
		conf_sdp_offer_free(o);
	}
	CHECK_STR(conf_dir_name(CONF_DIR_SENDONLY), "sendonly");
	CHECK_STR(conf_dir_name(CONF_DIR_INACTIVE), "inactive");
	CHECK_INT(conf_dir_reverse(CONF_DIR_RECVONLY), CONF_DIR_SENDONLY);
	CHECK_INT(conf_dir_reverse(CONF_DIR_SENDRECV), CONF_DIR_SENDRECV);
	conf_sdp_offer_free(NULL);
}

/* rtpengine's answer for the audio stream goes in verbatim */
static void test_answer_raw_section(void)
{
	const char *s = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
			"m=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x\r\n"
			"m=message 9 TCP/MSRP *\r\na=path:msrp://192.0.2.1:9/z;tcp\r\n";
	struct conf_sdp_offer *o = parse(s);
	struct conf_sdp_answer_media ans[2] = {
		{.accept = true,
		 .raw_section = "m=audio 30000 RTP/SAVP 0\r\nc=IN IP4 127.0.0.1\r\n"
				"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:y\r\n"},
		{.accept = true, .port = 2855, .path = "msrp://198.51.100.1:2855/q;tcp"},
	};
	char *sdp = NULL;

	if (!o)
		return;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "198.51.100.1", 1, 1), 0);
	if (sdp) {
		CHECK(strstr(sdp,
			     "t=0 0\r\nm=audio 30000 RTP/SAVP 0\r\nc=IN IP4 127.0.0.1\r\n"
			     "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:y\r\nm=message 2855") !=
		      NULL);
		free(sdp);
	}
	/* anything that is not a clean media section is refused */
	ans[0].raw_section = "v=0\r\n";
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "198.51.100.1", 1, 1), EINVAL);
	ans[0].raw_section = "m=audio 1 RTP/AVP 0\r\no=- 1 1 IN IP4 1.2.3.4\r\n";
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "198.51.100.1", 1, 1), EINVAL);
	ans[0].raw_section = "m=audio 1 RTP/AVP 0\r\na=x\ny\r\n";
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "198.51.100.1", 1, 1), EINVAL);
	ans[0].raw_section = "m=audio 1 RTP/AVP 0";
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "198.51.100.1", 1, 1), EINVAL);
	conf_sdp_offer_free(o);
}

/* phones that write c= per media section (some write nothing else) */
static void test_media_level_connection(void)
{
	const char *s = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
			"m=audio 4000 RTP/AVP 0\r\nc=IN IP4 192.0.2.7\r\nc=IN IP4 192.0.2.8\r\n"
			"m=message 9 TCP/MSRP *\r\na=path:msrp://192.0.2.1:9/z;tcp\r\n";
	struct conf_sdp_offer *o = parse(s);

	if (!o)
		return;
	CHECK(o->c_addr == NULL);
	CHECK_STR(o->media[0].c_addr, "192.0.2.7");
	CHECK(o->media[1].c_addr == NULL);
	conf_sdp_offer_free(o);
}

int main(void)
{
	RUN(test_media_level_connection);
	RUN(test_answer_raw_section);
	RUN(test_blink_chat_audio);
	RUN(test_file_push);
	RUN(test_file_pull);
	RUN(test_screen_sharing);
	RUN(test_answer_chat_audio);
	RUN(test_answer_rejects);
	RUN(test_answer_file);
	RUN(test_answer_errors);
	RUN(test_offered_port_zero);
	RUN(test_malformed);
	RUN(test_limits);
	RUN(test_misc_accepted);
	return check_summary();
}
