/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtpengine ng client shared by the modules. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/counters.h"
#include "core/dprint.h"

#include "sylk_ws/ng/ng_addr.h"

#include "ng_client.h"

static struct sockaddr_storage ng_addr;
static socklen_t ng_addr_len;
static int ng_fd = -1; /* per process, opened on first use */
static pid_t ng_fd_pid;
static struct ng_cookie_gen cookies;
static int ng_timeout_ms = 1000;
/* the module's statistics (ng_client_stats), NULL when it keeps none */
static stat_var **ng_st_errors, **ng_st_timeouts;

void ng_client_stats(stat_var **errors, stat_var **timeouts)
{
	ng_st_errors = errors;
	ng_st_timeouts = timeouts;
}

static void ng_stat(stat_var **v)
{
	if (v && *v)
		update_stat(*v, 1);
}

int ng_client_init(const char *sock, int timeout_ms)
{
	enum ng_addr_reason why;

	ng_timeout_ms = timeout_ms;
	if (ng_addr_parse(&ng_addr, &ng_addr_len, sock, &why) != 0) {
		LM_ERR("rtpengine_sock '%s': %s (udp:HOST:PORT, HOST a numeric address)\n",
		       sock ? sock : "", ng_addr_reason_str(why));
		return -1;
	}
	return 0;
}

/* rtpengine answers a cookie it has seen from its cache. Every module links
 * its own copy of this client, and the gateway and the focus run in the
 * same processes: seeded with the time and the pid alone, both copies of a
 * process counted through the same cookies, and one got the other's cached
 * reply (a room's plain-RTP answer as a browser's "accepted"). A random
 * instance keeps every generator apart. */
static uint32_t cookie_instance(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) == (ssize_t)sizeof(r))
		return r;
	return (uint32_t)time(NULL) ^ ((uint32_t)(uintptr_t)&cookies << 7);
}

static int ng_socket(void)
{
	pid_t pid = getpid();

	if (ng_fd >= 0 && ng_fd_pid == pid)
		return ng_fd;
	ng_fd = socket(ng_addr.ss_family, SOCK_DGRAM, 0);
	if (ng_fd < 0) {
		LM_ERR("cannot open the rtpengine socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(ng_fd, (struct sockaddr *)&ng_addr, ng_addr_len) < 0) {
		LM_ERR("cannot connect the rtpengine socket: %s\n", strerror(errno));
		close(ng_fd);
		ng_fd = -1;
		return -1;
	}
	ng_fd_pid = pid;
	ng_cookie_gen_init(&cookies, cookie_instance(), (uint32_t)pid);
	return ng_fd;
}

static int wait_reply(int fd, const char *cookie, struct ng_reply **replyp, int timeout_ms)
{
	static char buf[65536];
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		int left, n;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = timeout_ms - (int)((now.tv_sec - start.tv_sec) * 1000 +
					  (now.tv_nsec - start.tv_nsec) / 1000000);
		if (left <= 0)
			return ETIMEDOUT;
		if (poll(&pfd, 1, left) <= 0)
			continue;
		n = (int)recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return EIO;
		/* a late reply to an earlier request of this process: skip it */
		if (ng_reply_parse(replyp, buf, (size_t)n, cookie) == ENOMSG)
			continue;
		return *replyp ? 0 : EBADMSG;
	}
}

int ng_client_request(const struct ng_request *req, struct ng_reply **replyp, char *why,
		      size_t why_size)
{
	char cookie[NG_COOKIE_SIZE];
	struct benc_enc *enc = NULL;
	int fd, err = EIO;

	*replyp = NULL;
	snprintf(why, why_size, "media server error");
	fd = ng_socket();
	if (fd < 0) {
		ng_stat(ng_st_errors);
		return EIO;
	}
	if (ng_cookie_next(&cookies, cookie, sizeof(cookie)) != 0 ||
	    benc_enc_alloc(&enc, 1024 + (req->sdp ? strlen(req->sdp) : 0)) != 0)
		return ENOMEM;
	if (ng_request_encode(enc, cookie, req) != 0) {
		benc_enc_free(enc);
		snprintf(why, why_size, "cannot encode the media request");
		return EINVAL;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (send(fd, benc_enc_buf(enc), benc_enc_len(enc), 0) < 0) {
			err = errno;
			continue;
		}
		err = wait_reply(fd, cookie, replyp, ng_timeout_ms);
		if (err != ETIMEDOUT)
			break;
	}
	benc_enc_free(enc);
	if (err == ETIMEDOUT) {
		snprintf(why, why_size, "media server did not answer");
		LM_ERR("rtpengine %s: no reply\n", ng_cmd_name(req->cmd));
		ng_stat(ng_st_timeouts);
		return err;
	}
	if (err) {
		LM_ERR("rtpengine %s failed: %s\n", ng_cmd_name(req->cmd), strerror(err));
		ng_stat(ng_st_errors);
		return err;
	}
	if ((*replyp)->result != NG_RESULT_OK && (*replyp)->result != NG_RESULT_PONG) {
		snprintf(why, why_size, "media server refused: %s",
			 (*replyp)->error_reason ? (*replyp)->error_reason : "error");
		LM_ERR("rtpengine %s refused: %s\n", ng_cmd_name(req->cmd),
		       (*replyp)->error_reason ? (*replyp)->error_reason : "?");
		ng_reply_free(*replyp);
		*replyp = NULL;
		ng_stat(ng_st_errors);
		return EPROTO;
	}
	return 0;
}

void ng_client_delete(const char *call_id, const char *from_tag)
{
	struct ng_request req = {.cmd = NG_CMD_DELETE, .call_id = call_id, .from_tag = from_tag};
	struct ng_reply *reply = NULL;
	char why[128];

	if (!call_id || !*call_id)
		return;
	if (ng_client_request(&req, &reply, why, sizeof(why)) == 0)
		ng_reply_free(reply);
}

int ng_client_leg_has_media(const char *call_id, const char *tag)
{
	struct ng_request req = {.cmd = NG_CMD_QUERY, .call_id = call_id};
	struct ng_reply *reply = NULL;
	char why[128];
	int64_t packets = 0;
	int has, err;

	if (ng_client_request(&req, &reply, why, sizeof(why)) != 0)
		return -1;
	err = ng_query_leg_packets(reply, tag, &packets);
	has = err == ENOENT ? -1 : !err && packets > 0;
	ng_reply_free(reply);
	return has;
}
