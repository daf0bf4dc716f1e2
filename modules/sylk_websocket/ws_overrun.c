/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The answer to a request or frame that did not fit the core's read buffer.
 *
 * A reader process that fills a connection's read buffer (tcp_rd_buf_size)
 * without a complete HTTP, SIP or MSRP request or WebSocket frame drops the
 * connection without a word, before any script or module sees the bytes. The only
 * place left to answer is the "TCP connection closed" event that tcp_main
 * raises next, while its own socket is still open and the bytes are still
 * in the connection's buffer. tcp_main must never wait (docs/ARCHITECTURE.md,
 * "The one rule of tcp_main"), so everything here is non-blocking: the
 * socket is read and written with MSG_DONTWAIT, and the connection's write
 * lock is only tried. An answer that cannot be sent at once is not sent. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/locking.h"
#include "core/tcp_conn.h"
#include "core/tls_hooks.h"

#include "conference/msrp/msrp_overflow.h"
#include "sylk_ws/http/http_overflow.h"
#include "sylk_ws/sip/sip_overflow.h"
#include "sylk_ws/ws/ws_frame.h"

#include "ws_overrun.h"

/* What the client sent after the buffer filled, read and dropped so that
 * closing the socket sends FIN after the answer, not a reset that would make
 * the client's stack discard it. Bounded: tcp_main does this at most once
 * per connection. */
static void drain_unread(int fd)
{
	char junk[16384];

	for (int i = 0; i < 16; i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
}

static int send_now(int fd, const char *buf, size_t len)
{
	ssize_t n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);

	return n == (ssize_t)len ? 0 : -1;
}

/* Under the connection's write lock, taken only if free (whoever holds it
 * may be waiting for tcp_main), and only with nothing queued for writing:
 * the answer must not land inside another sender's half-written frame. A
 * TLS record is built by the tls module. */
static int send_locked(struct tcp_connection *con, const char *text, size_t len)
{
	const char *buf = text, *rest = NULL;
	unsigned int blen = (unsigned int)len, rest_len = 0;
	snd_flags_t flags;
	int ret = -1;

	SND_FLAGS_INIT(&flags);
	if (lock_try(&con->write_lock) != 0)
		return -1;
	if (con->wbuf_q.first)
		goto out;
	if (con->type == PROTO_TLS || con->type == PROTO_WSS) {
		if (tls_encode(con, &buf, &blen, &rest, &rest_len, &flags) <= 0 || rest_len)
			goto out;
	}
	ret = send_now(con->s, buf, blen);
out:
	lock_release(&con->write_lock);
	return ret;
}

/* The bytes the reader kept, or NULL when they make no sense any more. */
static const char *kept_request(struct tcp_connection *con, size_t *len)
{
	struct tcp_req *r = &con->req;
	const char *start = r->start && r->start >= r->buf ? r->start : r->buf;

	if (!r->buf || !r->pos || r->pos < start || r->pos > r->buf + r->b_size)
		return NULL;
	*len = (size_t)(r->pos - start);
	return start;
}

/* SIP over TCP or TLS: a 513 when the request's head arrived whole. */
static int build_sip_answer(struct tcp_connection *con, const char *req, size_t req_len,
			    char *out, size_t size, size_t *len)
{
	char tag[32];

	snprintf(tag, sizeof(tag), "ovf%x%lx", (unsigned)con->id, (unsigned long)time(NULL));
	return sip_overflow_reply(req, req_len, tag, out, size, len);
}

static int build_answer(struct tcp_connection *con, char *out, size_t size, size_t *len,
			const char **what)
{
	const char *req;
	size_t req_len = 0;
	enum http_overflow status;
	int err;

	if (con->type == PROTO_WS || con->type == PROTO_WSS) {
		static const char reason[] = "Frame larger than the server reads";

		*what = "WebSocket close 1009";
		return ws_frame_build_close((uint8_t *)out, size, WS_CLOSE_TOO_BIG, reason,
					    sizeof(reason) - 1, len);
	}
	req = kept_request(con, &req_len);
	if (!req)
		return -1;
	status = http_overflow_classify(req, req_len);
	if (status != HTTP_OVERFLOW_NOT_HTTP) {
		*what = status == HTTP_OVERFLOW_TARGET	  ? "HTTP 414"
			: status == HTTP_OVERFLOW_HEADERS ? "HTTP 431"
							  : "HTTP 413";
		return http_overflow_reply(out, size, status, con->req.b_size, len);
	}
	/* each builder tells by ENOENT that the bytes are not its protocol's */
	err = msrp_overflow_reply(req, req_len, out, size, len);
	if (err != ENOENT) {
		*what = "MSRP 413";
		return err;
	}
	*what = "SIP 513";
	return build_sip_answer(con, req, req_len, out, size, len);
}

void ws_overrun_answer(struct tcp_connection *con)
{
	char out[4096];
	size_t len = 0;
	const char *what = "";
	int sent;

	if (!con || con->s < 0 || con->req.error != TCP_REQ_OVERRUN)
		return;
	if (build_answer(con, out, sizeof(out), &len, &what) != 0)
		return;
	drain_unread(con->s);
	sent = send_locked(con, out, len);
	LM_NOTICE("connection %d from %s:%u: request larger than the read buffer (%u bytes): "
		  "%s %s\n",
		  con->id, ip_addr2a(&con->rcv.src_ip), con->rcv.src_port, con->req.b_size, what,
		  sent == 0 ? "sent" : "not sent (socket, lock or write queue busy)");
}
