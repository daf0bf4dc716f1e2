/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Frames in and out of Kamailio's TCP/TLS connections: the core hands us
 * each complete WebSocket frame it reads (SREV_TCP_WS_FRAME_IN) and every SIP
 * message it sends to a WS connection (SREV_TCP_WS_FRAME_OUT); the RFC 6455
 * work is done by the sylk_ws library. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/dprint.h"
#include "core/events.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/ip_addr.h"
#include "core/mem/mem.h"
#include "core/receive.h"
#include "core/tcp_conn.h"
#include "core/tcp_server.h"
#include "core/timer.h"
#include "core/counters.h"

#include "sylk_ws/ws/ws_frame.h"
#include "sylk_ws/ws/ws_message.h"

#include "../common/tcp_fdcache.h"
#include "ws_io.h"
#include "ws_overrun.h"
#include "ws_registry.h"

#define MAX_HANDLERS 8

/* Registered in mod_init, before the fork: identical in every process. */
static sylk_ws_handler_t handlers[MAX_HANDLERS];
static int handler_count;

static struct ws_io_counters *counters;

/* Connections whose TCP the core closed. The core reports a close from
 * tcp_main, which must never run a handler: a handler may wait for a lock
 * that a worker holds while that worker waits for tcp_main to pass it a
 * socket, and then nothing moves any more. So tcp_main only queues the id,
 * and the closed-queue timer process tells the handlers. A full queue loses
 * nothing for good: the keepalive timer finds connections whose TCP is gone. */
#define CLOSED_QUEUE_SIZE 4096

struct closed_queue {
	gen_lock_t lock;
	unsigned head, tail; /* head - tail entries, indexes mod the size */
	int ids[CLOSED_QUEUE_SIZE];
};

static struct closed_queue *closed;

int ws_io_init(void)
{
	closed = shm_malloc(sizeof(*closed));
	if (!closed) {
		SHM_MEM_ERROR;
		return -1;
	}
	memset(closed, 0, sizeof(*closed));
	if (!lock_init(&closed->lock)) {
		shm_free(closed);
		closed = NULL;
		LM_ERR("cannot init the closed-queue lock\n");
		return -1;
	}
	return 0;
}

void ws_io_destroy(void)
{
	if (!closed)
		return;
	lock_destroy(&closed->lock);
	shm_free(closed);
	closed = NULL;
}

static void queue_closed(int id)
{
	bool full;

	lock_get(&closed->lock);
	full = closed->head - closed->tail >= CLOSED_QUEUE_SIZE;
	if (!full)
		closed->ids[closed->head++ % CLOSED_QUEUE_SIZE] = id;
	lock_release(&closed->lock);
	if (full)
		LM_WARN("closed-connection queue full: connection %d is noticed by the keepalive "
			"timer instead\n",
			id);
}

void ws_io_set_counters(struct ws_io_counters *c)
{
	counters = c;
}

int ws_io_register_handler(const sylk_ws_handler_t *h)
{
	int i;

	if (!h || !h->subprotocol || !*h->subprotocol) {
		LM_ERR("handler without subprotocol name\n");
		return -1;
	}
	for (i = 0; i < handler_count; i++) {
		if (strcmp(handlers[i].subprotocol, h->subprotocol) == 0) {
			LM_ERR("subprotocol %s registered twice\n", h->subprotocol);
			return -1;
		}
	}
	if (handler_count == MAX_HANDLERS) {
		LM_ERR("too many subprotocol handlers\n");
		return -1;
	}
	handlers[handler_count++] = *h;
	return 0;
}

int ws_io_handler_index(const char *subprotocol)
{
	int i;

	for (i = 0; subprotocol && i < handler_count; i++)
		if (strcmp(handlers[i].subprotocol, subprotocol) == 0)
			return i;
	return -1;
}

const char *ws_io_handler_name(int index)
{
	return index >= 0 && index < handler_count ? handlers[index].subprotocol : "";
}

int ws_io_handler_names(const char **names, int max)
{
	int i;

	for (i = 0; i < handler_count && i < max - 1; i++)
		names[i] = handlers[i].subprotocol;
	names[i] = NULL;
	return i;
}

void ws_io_notify_open(int id)
{
	struct ws_conn_info ci;
	sylk_ws_conn_info_t info;

	if (ws_io_conn_info(id, &info) < 0 || ws_registry_get(id, &ci) < 0)
		return;
	if (handlers[ci.handler].on_open)
		handlers[ci.handler].on_open(&info);
}

/* Forget the connection and tell its handler, exactly once: whoever removes
 * it from the registry notifies. */
static void conn_gone(int id, int code)
{
	struct ws_conn_info ci;

	if (ws_registry_remove(id, &ci) != 0)
		return;
	if (counters)
		counter_add(counters->connections, -1);
	LM_DBG("connection %d (%s) closed with %d\n", id, ci.peer, code);
	if (handlers[ci.handler].on_close)
		handlers[ci.handler].on_close(id, code);
	ws_io_run_closed_route(id);
}

/* Drops TCP now, as the core does with a connection gone bad. */
static void close_tcp(int id)
{
	struct tcp_connection *con = tcpconn_get(id, 0, 0, 0, 0);

	if (!con)
		return;
	con->send_flags.f |= SND_F_CON_CLOSE;
	con->state = S_CONN_BAD;
	con->timeout = get_ticks_raw();
	tcpconn_put(con);
}

/* Writes raw bytes to the connection; `close_after` closes TCP once sent. */
static int send_raw(int id, const uint8_t *buf, size_t len, int close_after)
{
	struct tcp_connection *con = tcpconn_get(id, 0, 0, 0, 0);
	int err;

	if (!con) {
		LM_DBG("connection %d is gone\n", id);
		return -1;
	}
	err = tcp_conn_write(con, buf, len, close_after);
	tcpconn_put(con);
	return err ? -1 : 0;
}

static int send_frame(int id, unsigned opcode, const void *data, size_t len, int close_after)
{
	uint8_t *buf;
	size_t size = ws_frame_header_size(len, false) + len, outlen;
	int ret;

	buf = pkg_malloc(size);
	if (!buf) {
		PKG_MEM_ERROR;
		return -1;
	}
	if (ws_frame_build(buf, size, opcode, true, data, len, &outlen) != 0) {
		pkg_free(buf);
		return -1;
	}
	ret = send_raw(id, buf, outlen, close_after);
	pkg_free(buf);
	if (ret == 0) {
		ws_registry_count_out(id);
		if (counters)
			counter_inc(counters->frames_out);
	}
	return ret;
}

int ws_io_send(int id, int opcode, const char *data, size_t len)
{
	struct ws_conn_info ci;

	if (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY) {
		LM_ERR("only text or binary messages can be sent\n");
		return -1;
	}
	if (ws_registry_get(id, &ci) < 0 || ci.close_sent)
		return -1;
	return send_frame(id, opcode, data, len, 0);
}

int ws_io_ping(int id)
{
	return send_frame(id, WS_OP_PING, "sylk", 4, 0);
}

int ws_io_close(int id, int code, const char *reason)
{
	uint8_t payload[WS_CTRL_MAX_PAYLOAD];
	size_t len;
	struct ws_conn_info ci;

	if (ws_registry_get(id, &ci) < 0)
		return -1;
	if (ci.close_sent)
		return 0;
	if (!reason)
		reason = "";
	if (ws_close_build(payload, sizeof(payload), code, reason,
			   strnlen(reason, WS_CLOSE_MAX_REASON), &len) != 0)
		return -1;
	ws_registry_mark_close_sent(id);
	/* RFC 6455 7.1.1: the server closes TCP once the peer answered; the
	 * keepalive timer closes it anyway if the peer never does */
	return send_frame(id, WS_OP_CLOSE, payload, len, 0);
}

/* Fail the connection: close frame with the status, then TCP, at once. */
static void fail_conn(int id, int code, const char *why)
{
	uint8_t payload[WS_CTRL_MAX_PAYLOAD];
	size_t len = 0;

	LM_NOTICE("closing connection %d with %d: %s\n", id, code, why);
	if (ws_close_build(payload, sizeof(payload), code, why, strnlen(why, WS_CLOSE_MAX_REASON),
			   &len) == 0)
		send_frame(id, WS_OP_CLOSE, payload, len, 1);
	conn_gone(id, code);
}

int ws_io_conn_info(int id, sylk_ws_conn_info_t *info)
{
	struct ws_conn_info ci;

	if (ws_registry_get(id, &ci) < 0)
		return -1;
	memset(info, 0, sizeof(*info));
	info->id = ci.id;
	info->secure = ci.secure;
	memcpy(info->peer, ci.peer, sizeof(info->peer));
	info->subprotocol = ws_io_handler_name(ci.handler);
	return 0;
}

/* A complete message for the connection's handler. */
static void dispatch(int id, int handler, const struct ws_msg *m, struct receive_info *rcv)
{
	if (handlers[handler].on_message) {
		handlers[handler].on_message(id, m->opcode, (const char *)m->data, m->len);
		return;
	}
	/* the built-in "sip" handler: RFC 7118, into normal SIP routing */
	if (m->opcode != WS_OP_TEXT && m->opcode != WS_OP_BINARY)
		return;
	{
		char *copy = pkg_malloc(m->len + 1);
		struct receive_info ri = *rcv;

		if (!copy) {
			PKG_MEM_ERROR;
			return;
		}
		memcpy(copy, m->data, m->len);
		copy[m->len] = '\0';
		receive_msg(copy, (unsigned)m->len, &ri);
		pkg_free(copy);
	}
}

int ws_io_frame_in(sr_event_param_t *evp)
{
	tcp_event_info_t *tev = (tcp_event_info_t *)evp->data;
	struct ws_frame_rules rules = {WS_ROLE_SERVER, 0, 0};
	struct ws_frame frame;
	struct ws_msg msg;
	struct ws_conn *c;
	size_t need = 0, held;
	struct ws_message *done = NULL;
	enum ws_reason why = WS_R_OK;
	int id, handler, err;
	uint8_t *buf;

	if (!tev || !tev->con)
		return -1;
	id = tev->con->id;
	buf = (uint8_t *)tev->buf;

	err = ws_frame_parse(&frame, buf, tev->len, &rules, &need, &why);
	if (err) {
		/* the core delivers whole frames; anything else is garbage */
		fail_conn(id, err == EAGAIN ? WS_CLOSE_PROTOCOL_ERROR : ws_close_code_for(err),
			  ws_reason_str(why));
		return 0;
	}
	if (counters)
		counter_inc(counters->frames_in);

	c = ws_registry_lock_conn(id);
	if (!c) {
		ws_registry_unlock();
		LM_WARN("frame on unknown WebSocket connection %d\n", id);
		return -1;
	}
	c->frames_in++;
	c->last_rx = time(NULL);
	handler = c->handler;
	/* fragments wait in shared memory: all of them together stay within
	 * max_reassembly, or the connection that would pass it is failed */
	if ((frame.opcode == WS_OP_CONT || !frame.fin) && !ws_opcode_is_control(frame.opcode) &&
	    !ws_registry_reasm_fits(c, frame.payload_len)) {
		held = c->reasm_held;
		ws_registry_unlock();
		LM_WARN("connection %d: a fragment of %zu bytes would pass the"
			" reassembly limit of all connections (this one holds %zu):"
			" closing it\n",
			id, (size_t)frame.payload_len, held);
		fail_conn(id, WS_CLOSE_TOO_BIG, "Reassembly memory full, try again later");
		return 0;
	}
	held = c->reasm_held;
	err = ws_message_feed(c->reassembly, &frame, buf, &msg, &why);
	ws_registry_reasm_charge(c);
	/* a fragmented message is complete: its grown buffer goes back once
	 * the message has been handled */
	if (err == 0 && held > 0 && !ws_opcode_is_control(msg.opcode))
		done = ws_registry_reasm_renew(c);
	ws_registry_unlock();

	if (err == EAGAIN)
		return 0; /* a fragment: the message is not complete yet */
	if (err) {
		fail_conn(id, ws_close_code_for(err), ws_reason_str(why));
		return 0;
	}

	switch (msg.opcode) {
	case WS_OP_PING: send_frame(id, WS_OP_PONG, msg.data, msg.len, 0); break;
	case WS_OP_PONG: break;
	case WS_OP_CLOSE: {
		struct ws_conn_info ci;
		uint8_t payload[2];
		size_t len = 0;
		int code = msg.close_code;

		/* our answer to their close, or their answer to ours: either way
		 * the closing handshake is complete and TCP goes */
		if (ws_registry_get(id, &ci) == 0 && !ci.close_sent) {
			if (code != WS_CLOSE_NO_STATUS)
				ws_close_build(payload, sizeof(payload), code, "", 0, &len);
			send_frame(id, WS_OP_CLOSE, payload, len, 1);
			conn_gone(id, code);
			break;
		}
		conn_gone(id, code);
		/* the answer to our close: an error return makes the reader
		 * process drop the TCP connection */
		return -1;
	}
	default: dispatch(id, handler, &msg, tev->rcv);
	}
	if (done)
		ws_registry_reasm_free(done);
	return 0;
}

int ws_io_frame_out(sr_event_param_t *evp)
{
	ws_event_info_t *wev = (ws_event_info_t *)evp->data;

	if (!wev)
		return -1;
	return send_frame(wev->id, WS_OP_TEXT, wev->buf, wev->len, 0);
}

int ws_io_tcp_closed(sr_event_param_t *evp)
{
	tcp_closed_event_info_t *tev = (tcp_closed_event_info_t *)evp->data;

	if (!tev || !tev->con)
		return 0;
	ws_overrun_answer(tev->con);
	if (tev->con->type == PROTO_WS || tev->con->type == PROTO_WSS)
		queue_closed(tev->con->id);
	return 0;
}

void ws_io_drain_closed(void)
{
	int ids[64];
	int n;

	do {
		n = 0;
		lock_get(&closed->lock);
		while (closed->tail != closed->head && n < (int)(sizeof(ids) / sizeof(ids[0])))
			ids[n++] = closed->ids[closed->tail++ % CLOSED_QUEUE_SIZE];
		lock_release(&closed->lock);
		for (int i = 0; i < n; i++)
			conn_gone(ids[i], WS_CLOSE_ABNORMAL);
	} while (n > 0);
}

void ws_io_keepalive(int ping_interval, int idle_timeout)
{
	struct ws_conn_info *list;
	struct tcp_connection *con;
	time_t now = time(NULL);
	int i, n, total;

	total = ws_registry_count();
	if (total == 0)
		return;
	list = pkg_malloc(sizeof(*list) * total);
	if (!list) {
		PKG_MEM_ERROR;
		return;
	}
	n = ws_registry_list(list, total);
	if (n > total)
		n = total;
	for (i = 0; i < n; i++) {
		int id = list[i].id;

		con = tcpconn_get(id, 0, 0, 0, 0);
		if (!con) {
			/* TCP went away without an event reaching us */
			conn_gone(id, WS_CLOSE_ABNORMAL);
			continue;
		}
		tcpconn_put(con);
		if (list[i].close_sent && now - list[i].close_sent >= 5) {
			close_tcp(id);
			conn_gone(id, WS_CLOSE_ABNORMAL);
		} else if (idle_timeout > 0 && now - list[i].last_rx >= idle_timeout) {
			fail_conn(id, WS_CLOSE_GOING_AWAY, "idle timeout");
		} else if (ping_interval > 0 && now - list[i].last_rx >= ping_interval) {
			ws_io_ping(id);
		}
	}
	pkg_free(list);
}
