/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test services answered by the server itself: echo and playback (see
 * rtc_service.h). The media is rtpengine's: "media echo" reflects the
 * caller's RTP (audio and video) back to it, "play media" plays a WAV to
 * it. The SIP side is a tm UAS dialog (new_dlg_uas) that the timer process
 * may end with a BYE. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/parser/msg_parser.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/timer_proc.h"
#include "modules/tm/tm_load.h"

#include "sylk_ws/ng/bencode.h"
#include "sylk_ws/ng/ng_message.h"

#include "rtc_config.h"
#include "rtc_service.h"

#define SVC_MAX 64
#define SVC_SDP_MAX 16384
#define SVC_ECHO_MAX_SECONDS 600 /* an echo call ends after 10 minutes */
#define SVC_ACK_WAIT 3           /* playback starts without an ACK after this */

enum svc_kind { SVC_ECHO = 1, SVC_PLAYBACK };

struct svc_call {
	int used;
	enum svc_kind kind;
	char call_id[256];
	char ng_call_id[272];
	char from_tag[128];
	char to_tag[64];
	char file[512];
	dlg_t *dlg;
	time_t created;
	time_t ends; /* 0: not playing yet */
};

static struct svc_call *svc_calls;
static gen_lock_t *svc_lock;
static int ng_fd = -1;
static struct sockaddr_storage ng_addr;
static socklen_t ng_addr_len;
static unsigned long ng_counter;

static str method_bye = str_init("BYE");

int rtc_service_init(void)
{
	svc_calls = shm_malloc(sizeof(*svc_calls) * SVC_MAX);
	svc_lock = lock_alloc();
	if (!svc_calls || !svc_lock || !lock_init(svc_lock)) {
		LM_ERR("out of shared memory\n");
		return -1;
	}
	memset(svc_calls, 0, sizeof(*svc_calls) * SVC_MAX);
	return register_basic_timers(1) < 0 ? -1 : 0;
}

/* ---- ng ------------------------------------------------------------------ */

static int ng_open(void)
{
	char host[256];
	const char *s = rtc_cfg.rtpengine_sock, *colon;
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *ai = NULL;
	int rc = 0;

	if (ng_fd >= 0)
		return 0;
	if (strncmp(s, "udp:", 4) == 0)
		s += 4;
	colon = strrchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(host))
		return EINVAL;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai)
		return EINVAL;
	ng_fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ng_fd < 0) {
		rc = errno;
		goto out;
	}
	memcpy(&ng_addr, ai->ai_addr, ai->ai_addrlen);
	ng_addr_len = ai->ai_addrlen;
out:
	freeaddrinfo(ai);
	return rc;
}

/* Sends the dictionary in @p enc (without cookie) and waits for the reply:
 * 0 with *replyp (result ok), or an errno value. */
static int ng_exchange(struct benc_enc *dict, struct ng_reply **replyp)
{
	char cookie[64], buf[65536];
	struct benc_enc *enc = NULL;
	int rc;

	*replyp = NULL;
	rc = ng_open();
	if (rc)
		return rc;
	snprintf(cookie, sizeof(cookie), "svc_%d_%lx_%lx", (int)getpid(), (long)time(NULL),
		 ++ng_counter);
	rc = benc_enc_alloc(&enc, benc_enc_len(dict) + 80);
	if (rc)
		goto out;
	benc_enc_raw(enc, cookie, strlen(cookie));
	benc_enc_raw(enc, " ", 1);
	benc_enc_raw(enc, benc_enc_buf(dict), benc_enc_len(dict));
	rc = benc_enc_err(enc);
	if (rc)
		goto out;
	rc = ETIMEDOUT;
	for (int attempt = 0; attempt < 2 && rc == ETIMEDOUT; attempt++) {
		struct pollfd p = {.fd = ng_fd, .events = POLLIN};
		int64_t deadline_ms = rtc_cfg.rtpengine_timeout_ms;

		if (sendto(ng_fd, benc_enc_buf(enc), benc_enc_len(enc), 0,
			   (struct sockaddr *)&ng_addr, ng_addr_len) < 0) {
			rc = errno;
			goto out;
		}
		while (poll(&p, 1, (int)deadline_ms) > 0) {
			ssize_t n = recv(ng_fd, buf, sizeof(buf), 0);

			if (n <= 0)
				break;
			rc = ng_reply_parse(replyp, buf, n, cookie);
			if (rc == ENOMSG)
				continue; /* a late reply to an earlier request */
			goto checked;
		}
		rc = ETIMEDOUT;
	}
	goto out;
checked:
	if (rc == 0 && (*replyp)->result != NG_RESULT_OK) {
		LM_ERR("rtpengine refused: %s\n",
		       (*replyp)->error_reason ? (*replyp)->error_reason : "?");
		ng_reply_free(*replyp);
		*replyp = NULL;
		rc = EPROTO;
	}
out:
	benc_enc_free(enc);
	return rc;
}

static int ng_dict(struct benc_enc **encp, const char *command, const struct svc_call *c)
{
	int rc = benc_enc_alloc(encp, 4096);

	if (rc)
		return rc;
	benc_enc_dict_begin(*encp);
	benc_enc_dict_str(*encp, "call-id", c->ng_call_id);
	benc_enc_dict_str(*encp, "command", command);
	benc_enc_dict_str(*encp, "from-tag", c->from_tag);
	return 0;
}

static void ng_delete(const struct svc_call *c)
{
	struct benc_enc *enc = NULL;
	struct ng_reply *r = NULL;

	if (ng_dict(&enc, "delete", c) == 0) {
		benc_enc_end(enc);
		ng_exchange(enc, &r);
	}
	ng_reply_free(r);
	benc_enc_free(enc);
}

/* The callee side of the rtpengine call is nobody: the offer's SDP with
 * every port 9 (discard), no a=rtcp (it names rtpengine's own port) and no
 * SSRCs (the caller's, which would come back as the "remote" ones). */
int rtc_service_fake_answer(const char *sdp, char *out, size_t size)
{
	size_t o = 0;

	for (const char *line = sdp; *line;) {
		const char *end = strchr(line, '\n');
		size_t n = end ? (size_t)(end - line + 1) : strlen(line);
		char tmp[1024];
		const char *w = line;
		size_t wn = n;

		if (strncmp(line, "a=rtcp:", 7) == 0 || strncmp(line, "a=ssrc", 6) == 0 ||
		    strncmp(line, "a=msid", 6) == 0)
			goto next;
		if (strncmp(line, "m=", 2) == 0) {
			const char *sp = memchr(line, ' ', n);
			const char *sp2 = sp ? memchr(sp + 1, ' ', n - (sp + 1 - line)) : NULL;
			int k;

			if (!sp2)
				return EBADMSG;
			k = snprintf(tmp, sizeof(tmp), "%.*s 9%.*s", (int)(sp - line), line,
				     (int)(n - (sp2 - line)), sp2);
			if (k < 0 || (size_t)k >= sizeof(tmp))
				return EMSGSIZE;
			w = tmp;
			wn = (size_t)k;
		}
		if (o + wn + 1 > size)
			return EMSGSIZE;
		memcpy(out + o, w, wn);
		o += wn;
next:
		line += n;
	}
	out[o] = '\0';
	return 0;
}

/* offer (the caller's SDP) and answer (nobody's): the SDP for the caller
 * in @p answer */
static int ng_offer_answer(const struct svc_call *c, const char *sdp, size_t len, char *answer,
			   size_t size)
{
	static const char *const replace[] = {"origin", "session-connection", NULL};
	struct benc_enc *enc = NULL;
	struct ng_reply *r = NULL;
	char *fake = NULL;
	int rc;

	rc = ng_dict(&enc, "offer", c);
	if (rc)
		goto out;
	if (c->kind == SVC_ECHO)
		benc_enc_dict_str(enc, "media echo", "backwards");
	benc_enc_str(enc, "replace");
	benc_enc_list_begin(enc);
	for (int i = 0; replace[i]; i++)
		benc_enc_str(enc, replace[i]);
	benc_enc_end(enc);
	benc_enc_str(enc, "sdp");
	benc_enc_strn(enc, sdp, len);
	benc_enc_end(enc);
	rc = ng_exchange(enc, &r);
	if (rc)
		goto out;
	if (!r->sdp) {
		rc = EPROTO;
		goto out;
	}
	fake = malloc(SVC_SDP_MAX);
	if (!fake) {
		rc = ENOMEM;
		goto out;
	}
	rc = rtc_service_fake_answer(r->sdp, fake, SVC_SDP_MAX);
	if (rc)
		goto out;
	ng_reply_free(r);
	r = NULL;
	benc_enc_free(enc);
	enc = NULL;
	rc = ng_dict(&enc, "answer", c);
	if (rc)
		goto out;
	benc_enc_dict_str(enc, "sdp", fake);
	benc_enc_dict_str(enc, "to-tag", c->to_tag);
	benc_enc_end(enc);
	rc = ng_exchange(enc, &r);
	if (rc)
		goto out;
	if (!r->sdp || r->sdp_len + 1 > size) {
		rc = EPROTO;
		goto out;
	}
	memcpy(answer, r->sdp, r->sdp_len);
	answer[r->sdp_len] = '\0';
out:
	free(fake);
	ng_reply_free(r);
	benc_enc_free(enc);
	return rc;
}

/* play media to the caller: its length in seconds (at least 1) or -1 */
static int ng_play(const struct svc_call *c)
{
	struct benc_enc *enc = NULL;
	struct ng_reply *r = NULL;
	int secs = -1;

	if (ng_dict(&enc, "play media", c) != 0)
		goto out;
	benc_enc_dict_str(enc, "file", c->file);
	benc_enc_end(enc);
	if (ng_exchange(enc, &r) != 0)
		goto out;
	secs = 1;
	if (r->dict) {
		int64_t ms;

		if (benc_dict_int(r->dict, "duration", &ms) && ms > 0)
			secs = (int)((ms + 999) / 1000);
	}
out:
	ng_reply_free(r);
	benc_enc_free(enc);
	return secs;
}

/* ---- SIP ----------------------------------------------------------------- */

static struct svc_call *find(const str *call_id)
{
	for (int i = 0; i < SVC_MAX; i++)
		if (svc_calls[i].used && (int)strlen(svc_calls[i].call_id) == call_id->len &&
		    memcmp(svc_calls[i].call_id, call_id->s, call_id->len) == 0)
			return &svc_calls[i];
	return NULL;
}

static void release(struct svc_call *c)
{
	if (c->dlg)
		rtc_tmb.free_dlg(c->dlg);
	memset(c, 0, sizeof(*c));
}

static int reply(struct sip_msg *msg, int code, const char *text)
{
	if (rtc_tmb.t_newtran(msg) < 0)
		return 1; /* a retransmission tm absorbed, or out of memory */
	rtc_tmb.t_reply(msg, code, (char *)text);
	return 1;
}

static int sdp_body(struct sip_msg *msg, char **sdp, int *len)
{
	*sdp = get_body(msg);
	if (!*sdp || !msg->content_length)
		return ENODATA;
	*len = get_content_length(msg);
	return *len > 0 ? 0 : ENODATA;
}

static int answer_with_sdp(struct sip_msg *msg, struct svc_call *c, const char *sdp, str *to_tag)
{
	char hdrs[512];
	str text = str_init("OK"), body, h;
	struct cell *t;
	struct socket_info *si = msg->rcv.bind_address;

	snprintf(hdrs, sizeof(hdrs),
		 "Contact: <sip:%s@%.*s:%d;transport=%s>\r\nContent-Type: application/sdp\r\n",
		 c->kind == SVC_ECHO ? "echo" : "playback", si->address_str.len, si->address_str.s,
		 si->port_no,
		 si->proto == PROTO_TCP ? "tcp" : (si->proto == PROTO_TLS ? "tls" : "udp"));
	t = rtc_tmb.t_gett();
	if (!t || t == T_UNDEFINED)
		return EINVAL;
	body.s = (char *)sdp;
	body.len = (int)strlen(sdp);
	h.s = hdrs;
	h.len = (int)strlen(hdrs);
	return rtc_tmb.t_reply_with_body(t, 200, &text, &body, &h, to_tag) < 0 ? EIO : 0;
}

int rtc_service_invite(struct sip_msg *msg, int playback, const str *file)
{
	char *sdp, *answer = NULL;
	struct svc_call *c = NULL;
	struct to_body *from;
	dlg_t *dlg = NULL;
	int len, rc = 1, err;

	if (msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_INVITE ||
	    parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->callid || !msg->to)
		return -1;
	if (get_to(msg)->tag_value.len > 0)
		return rtc_service_dialog(msg);
	if (parse_from_header(msg) < 0 || !(from = get_from(msg)) || from->tag_value.len <= 0)
		return reply(msg, 400, "Bad Request (From tag)");
	if (playback && (!file || file->len <= 0 || file->len >= (int)sizeof(c->file)))
		return reply(msg, 500, "Playback file not configured");
	if (sdp_body(msg, &sdp, &len) != 0)
		return reply(msg, 488, "Not Acceptable Here (no SDP offer)");
	if (rtc_tmb.t_newtran(msg) < 0)
		return 1;
	lock_get(svc_lock);
	if (!find(&msg->callid->body))
		for (int i = 0; i < SVC_MAX && !c; i++)
			if (!svc_calls[i].used)
				c = &svc_calls[i];
	if (!c) {
		lock_release(svc_lock);
		rtc_tmb.t_reply(msg, 486, "Busy Here (too many service calls)");
		goto out;
	}
	c->used = 1;
	c->kind = playback ? SVC_PLAYBACK : SVC_ECHO;
	c->created = time(NULL);
	snprintf(c->call_id, sizeof(c->call_id), "%.*s", msg->callid->body.len,
		 msg->callid->body.s);
	snprintf(c->ng_call_id, sizeof(c->ng_call_id), "%s~svc", c->call_id);
	snprintf(c->from_tag, sizeof(c->from_tag), "%.*s", from->tag_value.len, from->tag_value.s);
	if (playback)
		snprintf(c->file, sizeof(c->file), "%.*s", file->len, file->s);
	lock_release(svc_lock);

	if (rtc_tmb.new_dlg_uas(msg, 200, &dlg) < 0 || !dlg) {
		rtc_tmb.t_reply(msg, 500, "Server Error");
		goto fail;
	}
	snprintf(c->to_tag, sizeof(c->to_tag), "%.*s", dlg->id.loc_tag.len, dlg->id.loc_tag.s);
	answer = malloc(SVC_SDP_MAX);
	if (!answer || (err = ng_offer_answer(c, sdp, (size_t)len, answer, SVC_SDP_MAX)) != 0) {
		LM_ERR("%s service: no media for %s\n", playback ? "playback" : "echo", c->call_id);
		rtc_tmb.t_reply(msg, 488, "Not Acceptable Here");
		goto fail;
	}
	if (answer_with_sdp(msg, c, answer, &dlg->id.loc_tag) != 0) {
		ng_delete(c);
		goto fail;
	}
	lock_get(svc_lock);
	c->dlg = dlg;
	lock_release(svc_lock);
	LM_INFO("%s service answered %s\n", playback ? "playback" : "echo", c->call_id);
	goto out;
fail:
	if (dlg)
		rtc_tmb.free_dlg(dlg);
	lock_get(svc_lock);
	memset(c, 0, sizeof(*c));
	lock_release(svc_lock);
out:
	free(answer);
	return rc;
}

int rtc_service_dialog(struct sip_msg *msg)
{
	struct svc_call *c, copy;
	char *sdp, *answer = NULL;
	int len;

	if (msg->first_line.type != SIP_REQUEST || parse_headers(msg, HDR_EOH_F, 0) < 0 ||
	    !msg->callid || !msg->to || get_to(msg)->tag_value.len <= 0)
		return -1;
	lock_get(svc_lock);
	c = find(&msg->callid->body);
	if (!c || strlen(c->to_tag) != (size_t)get_to(msg)->tag_value.len ||
	    memcmp(c->to_tag, get_to(msg)->tag_value.s, get_to(msg)->tag_value.len) != 0) {
		lock_release(svc_lock);
		return -1;
	}
	copy = *c;
	switch (msg->REQ_METHOD) {
	case METHOD_ACK:
		if (c->kind == SVC_PLAYBACK && !c->ends) {
			int secs;

			c->ends = time(NULL) + 3600; /* playing: set below */
			lock_release(svc_lock);
			secs = ng_play(&copy);
			lock_get(svc_lock);
			if ((c = find(&msg->callid->body)))
				c->ends = time(NULL) + (secs > 0 ? secs : 0) + 1;
		}
		lock_release(svc_lock);
		return 1;
	case METHOD_BYE:
		release(c);
		lock_release(svc_lock);
		ng_delete(&copy);
		LM_INFO("service call %s ended by the caller\n", copy.call_id);
		return reply(msg, 200, "OK");
	case METHOD_INVITE:
		lock_release(svc_lock);
		answer = malloc(SVC_SDP_MAX);
		if (rtc_tmb.t_newtran(msg) < 0) {
			free(answer);
			return 1;
		}
		if (!answer || sdp_body(msg, &sdp, &len) != 0 ||
		    ng_offer_answer(&copy, sdp, (size_t)len, answer, SVC_SDP_MAX) != 0 ||
		    answer_with_sdp(msg, &copy, answer, NULL) != 0)
			rtc_tmb.t_reply(msg, 488, "Not Acceptable Here");
		free(answer);
		return 1;
	default: lock_release(svc_lock); return reply(msg, 200, "OK");
	}
}

/* once a second: playbacks that are over, echoes that ran too long */
static void service_timer(unsigned int ticks, void *param)
{
	time_t now = time(NULL);

	for (int i = 0; i < SVC_MAX; i++) {
		struct svc_call copy;
		bool bye = false, play = false;
		uac_req_t uac_r;

		lock_get(svc_lock);
		if (svc_calls[i].used && svc_calls[i].dlg) {
			struct svc_call *c = &svc_calls[i];

			if (c->kind == SVC_PLAYBACK && !c->ends &&
			    now - c->created >= SVC_ACK_WAIT) {
				c->ends = now + 3600;
				play = true;
			} else if ((c->kind == SVC_PLAYBACK && c->ends && now >= c->ends) ||
				   (c->kind == SVC_ECHO &&
				    now - c->created > SVC_ECHO_MAX_SECONDS)) {
				bye = true;
			}
		}
		copy = svc_calls[i];
		if (bye)
			memset(&svc_calls[i], 0, sizeof(svc_calls[i]));
		lock_release(svc_lock);
		if (play) {
			int secs = ng_play(&copy);

			lock_get(svc_lock);
			if (svc_calls[i].used && strcmp(svc_calls[i].call_id, copy.call_id) == 0)
				svc_calls[i].ends = time(NULL) + (secs > 0 ? secs : 0) + 1;
			lock_release(svc_lock);
		}
		if (!bye)
			continue;
		LM_INFO("service call %s: the end, BYE\n", copy.call_id);
		copy.dlg->state = DLG_CONFIRMED;
		set_uac_req(&uac_r, &method_bye, NULL, NULL, copy.dlg, 0, NULL, NULL);
		if (rtc_tmb.t_request_within(&uac_r) < 0)
			LM_ERR("cannot send BYE for %s\n", copy.call_id);
		ng_delete(&copy);
		rtc_tmb.free_dlg(copy.dlg);
	}
}

int rtc_service_child_init(int rank)
{
	if (rank == PROC_MAIN &&
	    fork_basic_timer(PROC_TIMER, "SYLKRTC SERVICES", 1, service_timer, NULL, 1) < 0) {
		LM_ERR("cannot start the services timer\n");
		return -1;
	}
	return 0;
}
