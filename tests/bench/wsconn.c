/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A pool of WebSocket client connections on libwebsockets over a libuv loop
 * (epoll: lws's own loop polls every connection at each turn, which with
 * hundreds of connections cost the generator half its CPU): paced opening,
 * a FIFO of outgoing text messages per connection, whole incoming messages
 * handed to the mode. See sylkload.h. */
#include "sylkload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>
#include <uv.h>

#define TICK_MS 10

struct sl_txmsg {
	struct sl_txmsg *next;
	size_t len;
	unsigned char buf[]; /* LWS_PRE bytes of headroom, then the payload */
};

static struct {
	uv_loop_t loop;
	bool loop_ready;
	struct lws_context *ctx;
	struct sl_conn *conns;
	unsigned n, next;
	struct sl_pool_counts counts;
	const struct sl_pool_ops *ops;
	const char *subprotocol;
	uv_timer_t tick; /* the loop's own timer: lws 4.1's timers on a foreign
			  * libuv loop stopped firing now and then */
	uint64_t rate_start_us;
	unsigned rate_started;
	bool stop, destroying;
} pool;

static void conn_drop_queues(struct sl_conn *c)
{
	struct sl_txmsg *m = c->txq_head, *next;

	for (; m; m = next) {
		next = m->next;
		free(m);
	}
	c->txq_head = c->txq_tail = NULL;
	free(c->rx);
	c->rx = NULL;
	c->rx_len = c->rx_cap = 0;
}

/* The connection ended (never opened, or closed): account for it once. */
static void conn_gone(struct sl_conn *c)
{
	bool was_open = c->state == SL_CONN_OPEN;

	if (c->state == SL_CONN_CONNECTING) {
		pool.counts.connecting--;
		pool.counts.failed++;
		c->state = SL_CONN_FAILED;
	} else if (c->state == SL_CONN_OPEN) {
		pool.counts.open--;
		pool.counts.closed++;
		c->state = SL_CONN_CLOSED;
	} else {
		return;
	}
	c->wsi = NULL;
	conn_drop_queues(c);
	if (pool.ops->on_close && !pool.destroying)
		pool.ops->on_close(c, was_open);
}

static int rx_append(struct sl_conn *c, const void *in, size_t len)
{
	if (c->rx_len + len + 1 > c->rx_cap) {
		size_t cap = c->rx_cap ? c->rx_cap : 4096;
		char *p;

		while (cap < c->rx_len + len + 1)
			cap *= 2;
		p = realloc(c->rx, cap);
		if (!p)
			return -1;
		c->rx = p;
		c->rx_cap = cap;
	}
	memcpy(c->rx + c->rx_len, in, len);
	c->rx_len += len;
	c->rx[c->rx_len] = 0;
	return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct sl_conn *c = user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		if (c) {
			if (sl_opt.verbose)
				sl_log("connection %u failed: %s", c->idx,
				       in ? (const char *)in : "(no reason)");
			conn_gone(c);
		}
		break;

	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (c && c->state == SL_CONN_CONNECTING) {
			c->state = SL_CONN_OPEN;
			pool.counts.connecting--;
			pool.counts.open++;
			if (pool.ops->on_open)
				pool.ops->on_open(c);
		}
		break;

	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!c || c->state != SL_CONN_OPEN)
			break;
		if (rx_append(c, in, len) < 0)
			return -1;
		if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
			size_t mlen = c->rx_len;

			c->rx_len = 0;
			if (pool.ops->on_message)
				pool.ops->on_message(c, c->rx, mlen);
		}
		break;

	case LWS_CALLBACK_CLIENT_WRITEABLE: {
		struct sl_txmsg *m;

		if (!c || c->state != SL_CONN_OPEN)
			break;
		if (!(m = c->txq_head)) {
			if (c->closing) {
				lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, NULL, 0);
				return -1;
			}
			break;
		}
		if (lws_write(wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) < (int)m->len)
			return -1;
		c->txq_head = m->next;
		if (!c->txq_head)
			c->txq_tail = NULL;
		free(m);
		if (c->txq_head || c->closing)
			lws_callback_on_writable(wsi);
		break;
	}

	case LWS_CALLBACK_CLIENT_CLOSED:
	case LWS_CALLBACK_WSI_DESTROY:
		if (c)
			conn_gone(c);
		break;

	default: break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{"sylkload", callback, 0, 65536, 0, NULL, 0},
	{NULL, NULL, 0, 0, 0, NULL, 0},
};

static void open_one(struct sl_conn *c)
{
	struct lws_client_connect_info ci;
	char hostport[300];

	snprintf(hostport, sizeof(hostport), "%s:%d", sl_opt.host, sl_opt.port);
	memset(&ci, 0, sizeof(ci));
	ci.context = pool.ctx;
	ci.address = sl_opt.host;
	ci.port = sl_opt.port;
	ci.path = sl_opt.path;
	ci.host = hostport;
	ci.origin = sl_opt.origin;
	ci.protocol = pool.subprotocol;
	ci.local_protocol_name = "sylkload";
	ci.userdata = c;
	ci.pwsi = &c->wsi;
	if (sl_opt.tls)
		ci.ssl_connection = LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
				    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK | LCCSCF_ALLOW_EXPIRED;

	c->state = SL_CONN_CONNECTING;
	pool.counts.connecting++;
	if (!lws_client_connect_via_info(&ci))
		conn_gone(c); /* no-op if the error callback already ran */
}

static void open_more(uint64_t now)
{
	while (pool.next < pool.n && pool.counts.connecting < sl_opt.concurrency) {
		if (sl_opt.rate) {
			uint64_t allowed = (now - pool.rate_start_us) * sl_opt.rate / 1000000u + 1;

			if (pool.rate_started >= allowed)
				break;
		}
		pool.rate_started++;
		open_one(&pool.conns[pool.next++]);
	}
}

static void on_tick(uv_timer_t *timer)
{
	uint64_t now = sl_now_us();

	(void)timer;
	open_more(now);
	if (pool.ops->on_tick)
		pool.ops->on_tick(now);
}

int sl_pool_init(unsigned n, const char *subprotocol, const struct sl_pool_ops *ops)
{
	static void *foreign_loops[1];
	struct lws_context_creation_info info;
	unsigned long fds = sl_raise_fd_limit((unsigned long)n + 256);
	unsigned i;

	if (fds < (unsigned long)n + 16) {
		sl_log("only %lu file descriptors allowed, %u connections need more (ulimit -n)",
		       fds, n);
		return -1;
	}
	lws_set_log_level(sl_opt.verbose ? LLL_ERR | LLL_WARN : LLL_ERR, NULL);

	memset(&pool, 0, sizeof(pool));
	pool.n = n;
	pool.ops = ops;
	pool.subprotocol = subprotocol;
	pool.counts.total = n;
	pool.conns = calloc(n ? n : 1, sizeof(*pool.conns));
	if (!pool.conns)
		return -1;
	for (i = 0; i < n; i++)
		pool.conns[i].idx = i;

	if (uv_loop_init(&pool.loop) != 0) {
		sl_log("uv_loop_init failed");
		free(pool.conns);
		pool.conns = NULL;
		return -1;
	}
	pool.loop_ready = true;
	foreign_loops[0] = &pool.loop;

	memset(&info, 0, sizeof(info));
	info.options |= LWS_SERVER_OPTION_LIBUV;
	info.foreign_loops = foreign_loops;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = (unsigned)fds;
	info.timeout_secs = 15;
	info.connect_timeout_secs = 10;
	if (sl_opt.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	pool.ctx = lws_create_context(&info);
	if (!pool.ctx) {
		sl_log("lws_create_context failed");
		uv_loop_close(&pool.loop);
		pool.loop_ready = false;
		free(pool.conns);
		pool.conns = NULL;
		return -1;
	}
	return 0;
}

void sl_pool_run(void)
{
	pool.stop = false;
	pool.rate_start_us = sl_now_us();
	pool.rate_started = 0;
	uv_timer_init(&pool.loop, &pool.tick);
	uv_timer_start(&pool.tick, on_tick, 0, TICK_MS);
	while (!pool.stop)
		uv_run(&pool.loop, UV_RUN_ONCE);
	uv_timer_stop(&pool.tick);
	uv_close((uv_handle_t *)&pool.tick, NULL);
}

void sl_pool_stop(void)
{
	pool.stop = true;
}

int sl_send_text(struct sl_conn *c, const char *data, size_t len)
{
	struct sl_txmsg *m;

	if (c->state != SL_CONN_OPEN || !c->wsi)
		return -1;
	m = malloc(sizeof(*m) + LWS_PRE + len);
	if (!m)
		return -1;
	m->next = NULL;
	m->len = len;
	memcpy(m->buf + LWS_PRE, data, len);
	if (c->txq_tail)
		c->txq_tail->next = m;
	else
		c->txq_head = m;
	c->txq_tail = m;
	lws_callback_on_writable(c->wsi);
	return 0;
}

void sl_conn_close(struct sl_conn *c)
{
	if (c->state == SL_CONN_OPEN && c->wsi && !c->closing) {
		c->closing = true;
		lws_callback_on_writable(c->wsi);
	}
}

struct sl_pool_counts sl_pool_counts(void)
{
	return pool.counts;
}

bool sl_pool_settled(void)
{
	return pool.next == pool.n && pool.counts.connecting == 0;
}

struct sl_conn *sl_pool_conn(unsigned idx)
{
	return idx < pool.n ? &pool.conns[idx] : NULL;
}

void sl_pool_destroy(void)
{
	unsigned i;

	if (pool.ctx) {
		pool.destroying = true;
		lws_context_destroy(pool.ctx);
		pool.ctx = NULL;
	}
	if (pool.loop_ready) {
		/* lws closes its handles on the loop: let them finish */
		uv_run(&pool.loop, UV_RUN_DEFAULT);
		uv_loop_close(&pool.loop);
		pool.loop_ready = false;
	}
	for (i = 0; i < pool.n; i++)
		conn_drop_queues(&pool.conns[i]);
	free(pool.conns);
	pool.conns = NULL;
	pool.n = 0;
}
