/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/sdp/audio_leg.c: the offer rtpengine gets for a
 * participant's audio, the codec the mixer takes from rtpengine's offer,
 * the mixer's answer, and the audio section of the focus's answer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conference/sdp/audio_leg.h"

#define HEAD "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"

static void test_choose(void)
{
	static const struct {
		const char *what, *sdp;
		int err;
		const char *name;
		int pt;
		unsigned rate, channels;
		int dtmf_pt;
		unsigned dtmf_rate;
	} cases[] = {
		{"PCMU alone, static", HEAD "m=audio 4000 RTP/AVP 0\r\n", 0, "PCMU", 0, 8000, 1, -1,
		 0},
		{"PCMA over PCMU", HEAD "m=audio 4000 RTP/AVP 0 8\r\n", 0, "PCMA", 8, 8000, 1, -1,
		 0},
		{"PCMA over PCMU, PCMA first", HEAD "m=audio 4000 RTP/AVP 8 0\r\n", 0, "PCMA", 8,
		 8000, 1, -1, 0},
		{"G.722 over G.711", HEAD "m=audio 4000 RTP/AVP 0 9 8\r\n", 0, "G722", 9, 8000, 1,
		 -1, 0},
		{"Opus over all, offered last",
		 HEAD "m=audio 4000 RTP/AVP 0 8 9 111\r\na=rtpmap:111 opus/48000/2\r\n", 0, "opus",
		 111, 48000, 2, -1, 0},
		{"telephone-event first, then PCMU",
		 HEAD "m=audio 4000 RTP/AVP 101 0\r\na=rtpmap:101 telephone-event/8000\r\n"
		      "a=fmtp:101 0-16\r\n",
		 0, "PCMU", 0, 8000, 1, 101, 8000},
		{"telephone-event at 8000 wins over 48000",
		 HEAD "m=audio 4000 RTP/AVP 111 110 101\r\na=rtpmap:111 opus/48000/2\r\n"
		      "a=rtpmap:110 telephone-event/48000\r\na=rtpmap:101 telephone-event/8000\r\n",
		 0, "opus", 111, 48000, 2, 101, 8000},
		{"telephone-event at 8000 kept when 48000 follows",
		 HEAD "m=audio 4000 RTP/AVP 111 101 110\r\na=rtpmap:111 opus/48000/2\r\n"
		      "a=rtpmap:110 telephone-event/48000\r\na=rtpmap:101 telephone-event/8000\r\n",
		 0, "opus", 111, 48000, 2, 101, 8000},
		{"telephone-event at 48000 alone",
		 HEAD "m=audio 4000 RTP/AVP 111 110\r\na=rtpmap:111 opus/48000/2\r\n"
		      "a=rtpmap:110 telephone-event/48000\r\n",
		 0, "opus", 111, 48000, 2, 110, 48000},
		{"encoding name as written, any case",
		 HEAD "m=audio 4000 RTP/AVP 97\r\na=rtpmap:97 pcma/8000\r\n", 0, "pcma", 97, 8000,
		 1, -1, 0},
		{"the first of equals",
		 HEAD "m=audio 4000 RTP/AVP 0 100\r\na=rtpmap:100 PCMU/8000\r\n", 0, "PCMU", 0,
		 8000, 1, -1, 0},
		{"Opus at a clock it does not have is unknown",
		 HEAD "m=audio 4000 RTP/AVP 96 0\r\na=rtpmap:96 opus/16000\r\n", 0, "PCMU", 0, 8000,
		 1, -1, 0},
		{"a rejected line (port 0) is read all the same", HEAD "m=audio 0 RTP/AVP 8\r\n", 0,
		 "PCMA", 8, 8000, 1, -1, 0},
		{"no codec the mixer speaks (G.729, GSM, Speex)",
		 HEAD "m=audio 4000 RTP/AVP 18 3 97\r\na=rtpmap:97 speex/8000\r\n", ENOENT, NULL, 0,
		 0, 0, 0, 0},
		{"telephone-event alone",
		 HEAD "m=audio 4000 RTP/AVP 101\r\na=rtpmap:101 telephone-event/8000\r\n", ENOENT,
		 NULL, 0, 0, 0, 0, 0},
		{"G.722 named at its sample rate is not G.722",
		 HEAD "m=audio 4000 RTP/AVP 9\r\na=rtpmap:9 G722/16000\r\n", ENOENT, NULL, 0, 0, 0,
		 0, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_sdp_offer *o = NULL;
		struct audio_leg_codec ch;
		int err;

		CHECK_INT(conf_sdp_offer_parse(&o, cases[i].sdp, strlen(cases[i].sdp)), 0);
		if (!o)
			continue;
		err = audio_leg_choose(&ch, &o->media[0]);
		if (err != cases[i].err)
			fprintf(stderr, "  case: %s\n", cases[i].what);
		CHECK_INT(err, cases[i].err);
		if (!err && !cases[i].err) {
			CHECK_STR(ch.name, cases[i].name);
			CHECK_INT(ch.pt, cases[i].pt);
			CHECK_INT(ch.rate, cases[i].rate);
			CHECK_INT(ch.channels, cases[i].channels);
			CHECK_INT(ch.dtmf_pt, cases[i].dtmf_pt);
			CHECK_INT(ch.dtmf_rate, cases[i].dtmf_rate);
		}
		conf_sdp_offer_free(o);
	}
	CHECK_INT(audio_leg_choose(NULL, NULL), EINVAL);
}

/* the choice in the mixer's codec terms, from a whole offer */
static void test_choose_codec_ids(void)
{
	const char *sdp = HEAD "m=audio 4000 RTP/AVP 9 0\r\n";
	struct conf_sdp_offer *o = NULL;
	struct audio_leg_codec ch;

	CHECK_INT(conf_sdp_offer_parse(&o, sdp, strlen(sdp)), 0);
	if (!o)
		return;
	CHECK_INT(audio_leg_choose(&ch, &o->media[0]), 0);
	CHECK_INT(ch.codec, AUDIO_CODEC_G722);
	conf_sdp_offer_free(o);
}

static void test_offer(void)
{
	static const struct {
		const char *what, *sdp;
		size_t idx;
		int err;
		const char *want;
	} cases[] = {
		{"the audio line of several, with the session address",
		 "v=0\r\no=alice 1 1 IN IP4 10.0.0.1\r\ns=x\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=message 7654 TCP/MSRP *\r\na=path:msrp://10.0.0.1:7654/x;tcp\r\n"
		 "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendonly\r\n"
		 "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n",
		 1, 0,
		 "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"
		 "a=sendonly\r\n"},
		{"the section's own IPv6 address",
		 "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=x\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
		 "m=audio 4000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP6 ::1\r\n"
		 "a=rtpmap:111 opus/48000/2\r\n",
		 0, 0,
		 "v=0\r\no=- 1 1 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\n"
		 "m=audio 4000 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"},
		{"no address at all", "v=0\r\nm=audio 4000 RTP/AVP 0\r\n", 0, 0,
		 "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n"
		 "m=audio 4000 RTP/AVP 0\r\n"},
		{"no such section", "v=0\r\nm=audio 4000 RTP/AVP 0\r\n", 1, EINVAL, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_sdp_offer *o = NULL;
		struct sbuf sb = SBUF_INIT;

		CHECK_INT(conf_sdp_offer_parse(&o, cases[i].sdp, strlen(cases[i].sdp)), 0);
		if (!o)
			continue;
		CHECK_INT(audio_leg_offer(&sb, o, cases[i].idx), cases[i].err);
		CHECK_STR(sb.buf ? sb.buf : "", cases[i].want);
		if (strcmp(sb.buf ? sb.buf : "", cases[i].want) != 0)
			fprintf(stderr, "  case: %s\n", cases[i].what);
		sbuf_reset(&sb);
		conf_sdp_offer_free(o);
	}
}

static void test_mixer_answer(void)
{
	struct audio_leg_codec pcmu = {.codec = AUDIO_CODEC_PCMU,
				       .pt = 0,
				       .name = "PCMU",
				       .rate = 8000,
				       .channels = 1,
				       .dtmf_pt = 101,
				       .dtmf_rate = 8000};
	struct audio_leg_codec opus = {.codec = AUDIO_CODEC_OPUS,
				       .pt = 111,
				       .name = "opus",
				       .rate = 48000,
				       .channels = 2,
				       .dtmf_pt = -1};
	struct audio_leg_codec none = {.dtmf_pt = -1};
	struct sbuf sb = SBUF_INIT;

	CHECK_INT(audio_leg_mixer_answer(&sb, &pcmu, "127.0.0.1", 40000, CONF_DIR_SENDRECV), 0);
	CHECK_STR(sb.buf, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=mixer\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
			  "a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\na=sendrecv\r\n");
	sbuf_reset(&sb);

	/* a participant putting us on hold (sendonly) hears nothing back */
	CHECK_INT(audio_leg_mixer_answer(&sb, &opus, "127.0.0.1", 40002, CONF_DIR_SENDONLY), 0);
	CHECK_STR(sb.buf, "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=mixer\r\nc=IN IP4 127.0.0.1\r\n"
			  "t=0 0\r\nm=audio 40002 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n"
			  "a=ptime:20\r\na=recvonly\r\n");
	sbuf_reset(&sb);

	CHECK_INT(audio_leg_mixer_answer(&sb, &opus, "h", 1, CONF_DIR_RECVONLY), 0);
	CHECK(strstr(sb.buf, "a=sendonly\r\n") != NULL);
	sbuf_reset(&sb);
	CHECK_INT(audio_leg_mixer_answer(&sb, &opus, "h", 1, CONF_DIR_INACTIVE), 0);
	CHECK(strstr(sb.buf, "a=inactive\r\n") != NULL);
	sbuf_reset(&sb);

	CHECK_INT(audio_leg_mixer_answer(&sb, &none, "h", 1, CONF_DIR_SENDRECV), EINVAL);
	CHECK_INT(audio_leg_mixer_answer(&sb, &pcmu, NULL, 1, CONF_DIR_SENDRECV), EINVAL);
	CHECK(sb.buf == NULL);
}

static void test_is_webrtc(void)
{
	static const struct {
		const char *proto;
		bool webrtc;
	} cases[] = {
		{"UDP/TLS/RTP/SAVPF", true}, {"RTP/SAVPF", true}, {"UDP/TLS/RTP/SAVP", true},
		{"RTP/AVP", false},          {"RTP/SAVP", false}, {"RTP/AVPF", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_sdp_media m = {.proto = (char *)cases[i].proto};

		CHECK_INT(audio_leg_is_webrtc(&m), cases[i].webrtc);
	}
}

static void test_section(void)
{
	static const struct {
		const char *what, *sdp;
		int err;
		const char *want;
	} cases[] = {
		{"rtpengine's answer: the session c= moves in",
		 "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
		 "m=audio 30000 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"
		 "a=sendrecv\r\na=rtcp-mux\r\n",
		 0,
		 "m=audio 30000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 192.0.2.1\r\n"
		 "a=rtpmap:111 opus/48000/2\r\na=sendrecv\r\na=rtcp-mux\r\n"},
		{"a section with its own c= stays as it is",
		 "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"
		 "m=audio 30000 RTP/AVP 0\r\nc=IN IP4 192.0.2.7\r\na=sendrecv\r\n",
		 0, "m=audio 30000 RTP/AVP 0\r\nc=IN IP4 192.0.2.7\r\na=sendrecv\r\n"},
		{"several m= lines: the first to the end",
		 "v=0\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=sendrecv\r\n"
		 "m=video 0 RTP/AVP 96\r\n",
		 0,
		 "m=audio 30000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\na=sendrecv\r\n"
		 "m=video 0 RTP/AVP 96\r\n"},
		{"a rejected line (port 0)", "v=0\r\nc=IN IP4 192.0.2.1\r\nm=audio 0 RTP/AVP 0\r\n",
		 0, "m=audio 0 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\n"},
		{"no m= line", "v=0\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n", EBADMSG, NULL},
		{"an m= line without its CRLF", "v=0\r\nm=audio 30000 RTP/AVP 0", EBADMSG, NULL},
		{"LF lines", "v=0\nc=IN IP4 192.0.2.1\nm=audio 30000 RTP/AVP 0\n", EBADMSG, NULL},
		{"empty", "", EBADMSG, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *section = (char *)"unchanged";
		int err = audio_leg_section(&section, cases[i].sdp);

		if (err != cases[i].err)
			fprintf(stderr, "  case: %s\n", cases[i].what);
		CHECK_INT(err, cases[i].err);
		if (cases[i].want) {
			CHECK_STR(err ? NULL : section, cases[i].want);
			if (!err)
				free(section);
		} else {
			CHECK_STR(section, "unchanged");
		}
	}
	CHECK_INT(audio_leg_section(NULL, "v=0\r\n"), EINVAL);
}

/* The section stands as the audio answer of a focus's SDP: the participant
 * gets rtpengine's media where it offered audio, the chat answered beside. */
static void test_section_in_focus_answer(void)
{
	const char *offer = "v=0\r\no=bob 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\n"
			    "t=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
			    "m=message 7654 TCP/MSRP *\r\na=path:msrp://10.0.0.2:7654/b;tcp\r\n"
			    "a=accept-types:message/cpim\r\n";
	const char *rtpengine = "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\n"
				"t=0 0\r\nm=audio 30000 RTP/AVP 0\r\na=sendrecv\r\n";
	struct conf_sdp_answer_media ans[2] = {
		{.accept = true},
		{.accept = true,
		 .port = 2855,
		 .path = "msrp://192.0.2.1:2855/f;tcp",
		 .accept_types = "message/cpim"},
	};
	struct conf_sdp_offer *o = NULL;
	char *section = NULL, *sdp = NULL;

	CHECK_INT(conf_sdp_offer_parse(&o, offer, strlen(offer)), 0);
	CHECK_INT(audio_leg_section(&section, rtpengine), 0);
	if (!o || !section)
		goto out;
	ans[0].raw_section = section;
	CHECK_INT(conf_sdp_answer_build(&sdp, o, ans, 2, "192.0.2.1", 5, 1), 0);
	CHECK(sdp && strstr(sdp, "m=audio 30000 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\na=sendrecv\r\n"
				 "m=message 2855 TCP/MSRP *\r\n") != NULL);
out:
	free(sdp);
	free(section);
	conf_sdp_offer_free(o);
}

static void test_bad_sdp(void)
{
	/* what never reaches the leg: conf_sdp refuses it first */
	static const char *const bad[] = {
		"m=audio 4000 RTP/AVP 0\r\n",         /* no v= first */
		"v=0\r\nm=audio 70000 RTP/AVP 0\r\n", /* port out of range */
		"v=0\r\nm=audio RTP/AVP 0\r\n",       /* no port */
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct conf_sdp_offer *o = NULL;

		CHECK_INT(conf_sdp_offer_parse(&o, bad[i], strlen(bad[i])), EBADMSG);
		CHECK(o == NULL);
	}
}

int main(void)
{
	RUN(test_choose);
	RUN(test_choose_codec_ids);
	RUN(test_offer);
	RUN(test_mixer_answer);
	RUN(test_is_webrtc);
	RUN(test_section);
	RUN(test_section_in_focus_answer);
	RUN(test_bad_sdp);
	return check_summary();
}
