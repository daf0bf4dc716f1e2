/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtpengine requests of the echo and playback test services. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/ng/ng_service.h"

/* rtpengine keeps the caller's o= and session c= otherwise, and the caller
 * would see its own address as the far end */
static const char *const replace_origin[] = {"origin", "session-connection", NULL};

/* what every request of a service call names: its command and the caller's leg */
static int leg(struct ng_request *req, enum ng_cmd cmd, const char *call_id, const char *from_tag)
{
	if (!req || !call_id || !from_tag)
		return EINVAL;
	req->cmd = cmd;
	req->call_id = call_id;
	req->from_tag = from_tag;
	return 0;
}

int ng_service_offer(struct ng_request *req, const char *call_id, const char *from_tag,
		     const char *sdp, size_t sdp_len, bool echo)
{
	int err = sdp ? leg(req, NG_CMD_OFFER, call_id, from_tag) : EINVAL;

	if (err)
		return err;
	req->sdp = sdp;
	req->sdp_len = sdp_len;
	req->replace = replace_origin;
	req->media_echo = echo ? "backwards" : NULL;
	return 0;
}

int ng_service_answer(struct ng_request *req, const char *call_id, const char *from_tag,
		      const char *to_tag, const char *sdp)
{
	int err = to_tag && sdp ? leg(req, NG_CMD_ANSWER, call_id, from_tag) : EINVAL;

	if (err)
		return err;
	req->to_tag = to_tag;
	req->sdp = sdp;
	req->sdp_len = 0;
	return 0;
}

int ng_service_play(struct ng_request *req, const char *call_id, const char *from_tag,
		    const char *file)
{
	int err = file ? leg(req, NG_CMD_PLAY_MEDIA, call_id, from_tag) : EINVAL;

	if (!err)
		req->file = file;
	return err;
}

int ng_service_play_seconds(const struct ng_reply *reply)
{
	int64_t ms;

	if (!reply || !reply->dict || !benc_dict_int(reply->dict, "duration", &ms) || ms <= 0)
		return 1;
	/* clamped so that the rounding cannot overflow: 24 days is long
	 * enough for any file rtpengine plays */
	if (ms > INT32_MAX)
		ms = INT32_MAX;
	return (int)((ms + 999) / 1000);
}

/* @p line (@p n bytes, with its end of line) with the port made 9 */
static int discard_port(char *tmp, size_t size, const char *line, size_t n, size_t *lenp)
{
	const char *sp = memchr(line, ' ', n);
	const char *sp2 = sp ? memchr(sp + 1, ' ', n - (size_t)(sp + 1 - line)) : NULL;
	int k;

	if (!sp2)
		return EBADMSG;
	k = snprintf(tmp, size, "%.*s 9%.*s", (int)(sp - line), line,
		     (int)(n - (size_t)(sp2 - line)), sp2);
	if (k < 0 || (size_t)k >= size)
		return EMSGSIZE;
	*lenp = (size_t)k;
	return 0;
}

int ng_service_fake_answer(const char *sdp, char *out, size_t size)
{
	size_t o = 0;
	int err = 0;

	if (!sdp || !out || !size)
		return EINVAL;
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
			err = discard_port(tmp, sizeof(tmp), line, n, &wn);
			if (err)
				goto out;
			w = tmp;
		}
		if (o + wn + 1 > size) {
			err = EMSGSIZE;
			goto out;
		}
		memcpy(out + o, w, wn);
		o += wn;
next:
		line += n;
	}
out:
	out[err ? 0 : o] = '\0';
	return err;
}

/* one request out, its reply's SDP required */
static int exchange(ng_service_send_f send, const struct ng_request *req, struct ng_reply **replyp)
{
	int err = send(req, replyp);

	if (!err && !(*replyp)->sdp)
		err = EPROTO;
	return err;
}

int ng_service_negotiate(ng_service_send_f send, const char *call_id, const char *from_tag,
			 const char *to_tag, const char *sdp, size_t sdp_len, bool echo,
			 char *answer, size_t size)
{
	struct ng_request req = {0};
	struct ng_reply *r = NULL;
	char *fake = NULL;
	int err;

	if (!send || !answer || !size || !to_tag)
		return EINVAL;
	answer[0] = '\0';
	err = ng_service_offer(&req, call_id, from_tag, sdp, sdp_len, echo);
	if (!err)
		err = exchange(send, &req, &r);
	if (err)
		goto out;
	/* nobody's answer is about as long as the offer rtpengine made */
	fake = malloc(size);
	err = fake ? ng_service_fake_answer(r->sdp, fake, size) : ENOMEM;
	if (err)
		goto out;
	ng_reply_free(r);
	r = NULL;
	req = (struct ng_request){0};
	err = ng_service_answer(&req, call_id, from_tag, to_tag, fake);
	if (!err)
		err = exchange(send, &req, &r);
	if (err)
		goto out;
	if (r->sdp_len + 1 > size) {
		err = EMSGSIZE;
		goto out;
	}
	memcpy(answer, r->sdp, r->sdp_len);
	answer[r->sdp_len] = '\0';
out:
	free(fake);
	if (r)
		ng_reply_free(r);
	return err;
}
