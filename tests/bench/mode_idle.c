/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Idle WebSocket connections of any subprotocol: open N, optionally send a
 * greeting and wait for a reply that marks the connection ready, print
 * READY once every connection is ready or has failed, hold them until
 * --hold expires or SIGINT/SIGTERM, close them.
 *
 *   sip-idle N     subprotocol sip, ready when open          (mode_sip.c)
 *   rtc-idle N     subprotocol sylkRTC-2, ready on ready-event (mode_rtc.c)
 *   janus-idle N   subprotocol janus-protocol, one Janus session created
 *                  per connection ({"janus":"create"}), ready on its
 *                  success reply                               (mode_janus.c) */
#include "sylkload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct {
	const struct sl_idle_proto *proto;
	bool ready;
	bool *conn_ready;
	unsigned nready, dropped;
	uint64_t start_us, ready_us, hold_until_us, last_progress_us;
} idle;

static void mark_ready(struct sl_conn *c)
{
	if (!idle.conn_ready[c->idx]) {
		idle.conn_ready[c->idx] = true;
		idle.nready++;
	}
}

static void idle_on_open(struct sl_conn *c)
{
	if (idle.proto->greeting)
		sl_send_text(c, idle.proto->greeting, strlen(idle.proto->greeting));
	if (!idle.proto->ready_marker)
		mark_ready(c);
}

static void idle_on_message(struct sl_conn *c, char *data, size_t len)
{
	(void)len;
	if (idle.proto->ready_marker && strstr(data, idle.proto->ready_marker))
		mark_ready(c);
}

static void idle_on_close(struct sl_conn *c, bool was_open)
{
	if (was_open)
		idle.dropped++;
	if (idle.conn_ready[c->idx]) {
		idle.conn_ready[c->idx] = false;
		idle.nready--;
	}
}

static void idle_on_tick(uint64_t now)
{
	struct sl_pool_counts n = sl_pool_counts();

	if (sl_interrupted()) {
		sl_pool_stop();
		return;
	}
	if (!idle.ready) {
		if (now - idle.last_progress_us >= 1000000u) {
			idle.last_progress_us = now;
			sl_log("%s: %u open (%u ready), %u connecting, %u failed of %u",
			       idle.proto->mode, n.open, idle.nready, n.connecting, n.failed,
			       n.total);
		}
		if (!sl_pool_settled() || idle.nready < n.open)
			return;
		idle.ready = true;
		idle.ready_us = now;
		printf("READY opened=%u failed=%u seconds=%.3f\n", idle.nready, n.failed,
		       (double)(now - idle.start_us) / 1e6);
		fflush(stdout);
		if (sl_opt.hold > 0)
			idle.hold_until_us = now + (uint64_t)(sl_opt.hold * 1e6);
		return;
	}
	/* nothing left to hold */
	if ((idle.hold_until_us && now >= idle.hold_until_us) || n.open == 0)
		sl_pool_stop();
}

int sl_idle_run(int argc, char **argv, const struct sl_idle_proto *proto)
{
	static const struct sl_pool_ops ops = {
		.on_open = idle_on_open,
		.on_message = idle_on_message,
		.on_close = idle_on_close,
		.on_tick = idle_on_tick,
	};
	struct sl_pool_counts n;
	char *end;
	long count;
	uint64_t end_us;

	if (argc != 1 || (count = strtol(argv[0], &end, 10)) <= 0 || *end) {
		sl_log("usage: sylkload [options] %s N", proto->mode);
		return 2;
	}
	memset(&idle, 0, sizeof(idle));
	idle.proto = proto;
	idle.conn_ready = calloc((size_t)count, sizeof(bool));
	if (!idle.conn_ready || sl_pool_init((unsigned)count, proto->subprotocol, &ops) < 0)
		return 1;
	idle.start_us = idle.last_progress_us = sl_now_us();
	sl_pool_run();
	end_us = sl_now_us();
	n = sl_pool_counts();
	sl_pool_destroy();
	free(idle.conn_ready);
	sl_result("mode=%s connections=%ld opened=%u failed=%u dropped=%u "
		  "open_seconds=%.3f held_seconds=%.3f",
		  proto->mode, count, n.open + n.closed, n.failed, idle.dropped,
		  idle.ready ? (double)(idle.ready_us - idle.start_us) / 1e6 : 0.0,
		  idle.ready ? (double)(end_us - idle.ready_us) / 1e6 : 0.0);
	return (idle.ready && n.failed == 0 && idle.dropped == 0) ? 0 : 1;
}
