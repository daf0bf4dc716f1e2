/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for conference/sdp/conf_offer.c: which offered streams the
 * focus takes and what the participant becomes. One case per offer. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "conference/sdp/conf_offer.h"

#define HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
#define AUDIO "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\n"
#define CHAT(port, proto, path) \
	"m=message " #port " " proto " *\r\na=path:" path "\r\na=accept-types:message/cpim\r\n"
#define HASH "sha-1:49:AD:49:2C:0B:1E:0F:0A:DE:12:5A:17:B4:8C:4E:EF:26:76:29:EE"
#define FILE_M(dir, sel)                                                      \
	"m=message 2855 TCP/MSRP *\r\na=path:msrp://192.0.2.1:2855/f;tcp\r\n" \
	"a=file-selector:" sel "\r\na=" dir "\r\n"

static const struct conf_offer_limits lim = {.msrp_port = 2855,
					     .msrps_port = 2856,
					     .max_file_size = 1000};

static const struct {
	const char *name, *sdp;
	enum conf_offer_role role_in;
	bool has_chat_in;
	int accepted;
	const char *taken; /* per m= line: 'y' taken, 'n' refused */
	unsigned port;     /* of the first taken stream */
	enum conf_offer_role role;
	bool has_chat, secure, notice;
	const char *path, *file_name;
	unsigned long long file_size;
} cases[] = {
	{"chat", HEAD CHAT(5000, "TCP/MSRP", "msrp://a:5000/x;tcp"), CONF_OFFER_CHAT, false, 1, "y",
	 2855, CONF_OFFER_CHAT, true, false, false, "msrp://a:5000/x;tcp", NULL, 0},
	{"chat over TLS", HEAD CHAT(5000, "TCP/TLS/MSRP", "msrps://a:5000/x;tcp"), CONF_OFFER_CHAT,
	 false, 1, "y", 2856, CONF_OFFER_CHAT, true, true, false, "msrps://a:5000/x;tcp", NULL, 0},
	{"audio only: left to the caller", HEAD AUDIO, CONF_OFFER_CHAT, false, 0, "n", 0,
	 CONF_OFFER_CHAT, false, false, false, NULL, NULL, 0},
	{"audio and chat", HEAD AUDIO CHAT(5000, "TCP/MSRP", "msrp://a:5000/x;tcp"),
	 CONF_OFFER_CHAT, false, 1, "ny", 2855, CONF_OFFER_CHAT, true, false, false,
	 "msrp://a:5000/x;tcp", NULL, 0},
	{"second chat refused",
	 HEAD CHAT(5000, "TCP/MSRP", "msrp://a:5000/x;tcp")
		 CHAT(5001, "TCP/MSRP", "msrp://a:5001/y;tcp"),
	 CONF_OFFER_CHAT, false, 1, "yn", 2855, CONF_OFFER_CHAT, true, false, false,
	 "msrp://a:5000/x;tcp", NULL, 0},
	{"chat already there", HEAD CHAT(5000, "TCP/MSRP", "msrp://a:5000/x;tcp"), CONF_OFFER_CHAT,
	 true, 0, "n", 0, CONF_OFFER_CHAT, true, false, false, NULL, NULL, 0},
	{"disabled chat", HEAD CHAT(0, "TCP/MSRP", "msrp://a:5000/x;tcp"), CONF_OFFER_CHAT, false,
	 0, "n", 0, CONF_OFFER_CHAT, false, false, false, NULL, NULL, 0},
	{"passive chat refused",
	 HEAD CHAT(5000, "TCP/MSRP", "msrp://a:5000/x;tcp") "a=setup:passive\r\n", CONF_OFFER_CHAT,
	 false, 0, "n", 0, CONF_OFFER_CHAT, false, false, true, NULL, NULL, 0},
	{"file push", HEAD FILE_M("sendonly", "name:\"a.txt\" type:text/plain size:10 hash:" HASH),
	 CONF_OFFER_CHAT, false, 1, "y", 2855, CONF_OFFER_FILE_PUSH, false, false, false,
	 "msrp://192.0.2.1:2855/f;tcp", "a.txt", 10},
	{"file push too large", HEAD FILE_M("sendonly", "size:1001 hash:" HASH), CONF_OFFER_CHAT,
	 false, 0, "n", 0, CONF_OFFER_CHAT, false, false, true, NULL, NULL, 0},
	{"file push of unknown size", HEAD FILE_M("sendonly", "hash:" HASH), CONF_OFFER_CHAT, false,
	 0, "n", 0, CONF_OFFER_CHAT, false, false, true, NULL, NULL, 0},
	{"file pull", HEAD FILE_M("recvonly", "hash:" HASH), CONF_OFFER_CHAT, false, 1, "y", 2855,
	 CONF_OFFER_FILE_PULL, false, false, false, "msrp://192.0.2.1:2855/f;tcp", NULL, 0},
	{"file sendrecv refused", HEAD FILE_M("sendrecv", "size:5 hash:" HASH), CONF_OFFER_CHAT,
	 false, 0, "n", 0, CONF_OFFER_CHAT, false, false, false, NULL, NULL, 0},
	{"file without hash", HEAD FILE_M("sendonly", "size:5 name:\"a\""), CONF_OFFER_CHAT, false,
	 0, "n", 0, CONF_OFFER_CHAT, false, false, false, NULL, NULL, 0},
	{"file next to a chat refused",
	 HEAD CHAT(5000, "TCP/MSRP", "msrp://a:5000/x;tcp") FILE_M("recvonly", "hash:" HASH),
	 CONF_OFFER_CHAT, false, 1, "yn", 2855, CONF_OFFER_CHAT, true, false, false,
	 "msrp://a:5000/x;tcp", NULL, 0},
	{"file of a file session refused", HEAD FILE_M("recvonly", "hash:" HASH),
	 CONF_OFFER_FILE_PULL, false, 0, "n", 0, CONF_OFFER_FILE_PULL, false, false, false, NULL,
	 NULL, 0},
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_sdp_offer *offer = NULL;
		struct conf_sdp_answer_media ans[CONF_SDP_MAX_MEDIA];
		struct conf_offer_result res = {.role = cases[i].role_in,
						.has_chat = cases[i].has_chat_in};
		int failed = check_failures, n;

		CHECK_INT(conf_sdp_offer_parse(&offer, cases[i].sdp, strlen(cases[i].sdp)), 0);
		if (!offer)
			continue;
		n = conf_offer_decide(offer, ans, &lim, &res);
		CHECK_INT(n, cases[i].accepted);
		CHECK_INT(offer->media_count, strlen(cases[i].taken));
		for (size_t m = 0; m < offer->media_count; m++) {
			CHECK_INT(ans[m].accept, cases[i].taken[m] == 'y');
			if (ans[m].accept && cases[i].taken[m] == 'y' &&
			    m == strcspn(cases[i].taken, "y"))
				CHECK_INT(ans[m].port, cases[i].port);
		}
		CHECK_INT(res.role, cases[i].role);
		CHECK_INT(res.has_chat, cases[i].has_chat);
		CHECK_INT(res.msrp_secure, cases[i].secure);
		CHECK_INT(res.notice != NULL, cases[i].notice);
		if (cases[i].path)
			CHECK_STR(res.their_path, cases[i].path);
		else
			CHECK(res.their_path == NULL);
		if (cases[i].file_name)
			CHECK_STR(res.file_name, cases[i].file_name);
		CHECK_INT(res.file_size, cases[i].file_size);
		if (check_failures != failed)
			fprintf(stderr, "  in case \"%s\"\n", cases[i].name);
		conf_sdp_offer_free(offer);
	}
}

/* what the answer says for a taken chat and a taken file */
static void test_answer_fields(void)
{
	static const char chat[] = HEAD CHAT(5000, "TCP/MSRP", "msrp://a:5000/x;tcp");
	static const char push[] = HEAD FILE_M("sendonly", "size:5 hash:" HASH);
	struct conf_sdp_offer *offer = NULL;
	struct conf_sdp_answer_media ans[CONF_SDP_MAX_MEDIA];
	struct conf_offer_result res = {0};

	CHECK_INT(conf_sdp_offer_parse(&offer, chat, strlen(chat)), 0);
	CHECK_INT(conf_offer_decide(offer, ans, &lim, &res), 1);
	CHECK_STR(ans[0].accept_types, "message/cpim");
	CHECK_STR(ans[0].accept_wrapped_types, "*");
	CHECK_STR(ans[0].chatroom, "nickname private-messages");
	CHECK_INT(ans[0].dir, CONF_DIR_SENDRECV);
	CHECK(!ans[0].file_selector_echo);
	CHECK(ans[0].path == NULL);
	conf_sdp_offer_free(offer);

	memset(&res, 0, sizeof(res));
	CHECK_INT(conf_sdp_offer_parse(&offer, push, strlen(push)), 0);
	CHECK_INT(conf_offer_decide(offer, ans, &lim, &res), 1);
	CHECK_STR(ans[0].accept_types, "*");
	CHECK_INT(ans[0].dir, CONF_DIR_RECVONLY);
	CHECK(ans[0].file_selector_echo);
	CHECK_STR(res.file_hash, HASH);
	CHECK(res.file_name == NULL && res.file_type == NULL);
	conf_sdp_offer_free(offer);
}

int main(void)
{
	RUN(test_cases);
	RUN(test_answer_fields);
	return check_summary();
}
