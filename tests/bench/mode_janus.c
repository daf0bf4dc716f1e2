/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The peer: Janus's SIP plugin over Janus's WebSocket JSON API
 * (subprotocol "janus-protocol"), the same flows as the sylkRTC modes:
 *
 *   janus-idle N            N connections, one Janus session created on each
 *                           ({"janus":"create"}), held
 *   janus-register C SECS   C connections, each with a Janus session; each
 *                           repeats: attach janus.plugin.sip, "register"
 *                           (username sip:USER@DOMAIN, secret, proxy
 *                           --janus-proxy) until the "registered" event,
 *                           "unregister" until "unregistered", detach.
 *                           Latency: register sent -> registered.
 *   janus-call C SECS       C connections, each with a session, a SIP
 *                           handle and a registration first (not timed);
 *                           then calls one after the other: "call" with the
 *                           same pre-made WebRTC offer as jsep, the
 *                           "accepted" event, --hold seconds, "hangup"
 *                           until the "hangup" event. --call-rate as in
 *                           rtc-call. Latency: call sent -> accepted.
 *
 * Janus sessions never time out in the bench's Janus config
 * (session_timeout = 0), so no keepalives are sent. */
#include "sylkload.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define JANUS_SUBPROTOCOL "janus-protocol"

int mode_janus_idle(int argc, char **argv)
{
	static const struct sl_idle_proto proto = {
		.mode = "janus-idle",
		.subprotocol = JANUS_SUBPROTOCOL,
		.greeting = "{\"janus\":\"create\",\"transaction\":\"idle\"}",
		.ready_marker = "\"success\"",
	};

	return sl_idle_run(argc, argv, &proto);
}

enum jstate {
	J_OPEN = 0, /* connection open */
	J_CREATE,   /* create sent */
	J_READY,    /* session exists, no handle (register mode: next cycle) */
	J_ATTACH,   /* attach sent */
	J_REG,      /* register sent: waiting for "registered" */
	J_UNREG,    /* unregister sent: waiting for "unregistered" */
	J_DETACH,   /* detach sent */
	J_IDLE,     /* call mode: registered handle, no call */
	J_CALL,     /* call sent: waiting for "accepted" */
	J_HOLD,
	J_HANGUP, /* hangup sent: waiting for the "hangup" event */
	J_RETRY,  /* call refused for a transient reason: try again soon */
	J_COOL,   /* call ended: a short pause before the next one, so that
	               * late events of the old call are not taken for the new */
	J_DEAD,
};

struct jconn {
	enum jstate state;
	unsigned txn_seq, txn;
	int64_t session, handle;
	uint64_t phase_us, timed_us, cycle_us, hold_until_us, retry_us;
	char user[64];
};

static struct {
	bool call_mode;
	const char *mode;
	unsigned conns;
	double seconds;
	struct jconn *jc;
	bool started, draining;
	uint64_t start_us, deadline_us, drain_until_us, last_log_us;
	unsigned setup_done, setup_failed;
	uint64_t completed, completed_late, cycles, started_n, terminated, failed_calls;
	uint64_t errors, timeouts, closed, retries;
	unsigned logged;
	struct sl_latency latency;
	uint64_t backlog;
} jr;

static void j_error(struct jconn *j, const char *what, const char *detail)
{
	jr.errors++;
	if (sl_opt.verbose || jr.logged < 8) {
		jr.logged++;
		sl_log("%s: %s %s: %s", jr.mode, j->user, what, detail ? detail : "");
	}
}

static int j_send(struct sl_conn *c, struct jconn *j, const char *janus, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int j_send(struct sl_conn *c, struct jconn *j, const char *janus, const char *fmt, ...)
{
	static char buf[16384];
	char fields[12288] = "";
	va_list ap;
	int len;

	if (fmt) {
		va_start(ap, fmt);
		len = vsnprintf(fields, sizeof(fields), fmt, ap);
		va_end(ap);
		if (len < 0 || (size_t)len >= sizeof(fields))
			return -1;
	}
	j->txn = ++j->txn_seq;
	len = snprintf(buf, sizeof(buf), "{\"janus\":\"%s\",\"transaction\":\"t%u-%u\"%s%s}", janus,
		       c->idx, j->txn, fields[0] ? "," : "", fields);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -1;
	return sl_send_text(c, buf, (size_t)len);
}

static void j_phase(struct jconn *j, enum jstate s, uint64_t now)
{
	j->state = s;
	j->phase_us = now;
}

static void j_fail_send(struct jconn *j, const char *what)
{
	j_error(j, "cannot send", what);
	j->state = J_DEAD;
}

static void j_attach(struct sl_conn *c, struct jconn *j, uint64_t now)
{
	j_phase(j, J_ATTACH, now);
	j->cycle_us = now;
	if (j_send(c, j, "attach", "\"session_id\":%" PRId64 ",\"plugin\":\"janus.plugin.sip\"",
		   j->session) < 0)
		j_fail_send(j, "attach");
}

static void j_message(struct sl_conn *c, struct jconn *j, enum jstate s, uint64_t now,
		      const char *body, const char *jsep)
{
	j_phase(j, s, now);
	if (j_send(c, j, "message",
		   "\"session_id\":%" PRId64 ",\"handle_id\":%" PRId64 ",\"body\":%s%s%s",
		   j->session, j->handle, body, jsep ? ",\"jsep\":" : "", jsep ? jsep : "") < 0)
		j_fail_send(j, "message");
}

static void j_register(struct sl_conn *c, struct jconn *j, uint64_t now)
{
	char body[1024];

	snprintf(body, sizeof(body),
		 "{\"request\":\"register\",\"username\":\"sip:%s@%s\",\"secret\":\"%s\","
		 "\"proxy\":\"%s\",\"outbound_proxy\":\"%s\",\"display_name\":\"sylkload\"}",
		 j->user, sl_opt.domain, sl_opt.password,
		 sl_opt.janus_proxy ? sl_opt.janus_proxy : "sip:127.0.0.1:5060",
		 sl_opt.janus_proxy ? sl_opt.janus_proxy : "sip:127.0.0.1:5060");
	j->timed_us = now;
	j_message(c, j, J_REG, now, body, NULL);
}

static void j_call(struct sl_conn *c, struct jconn *j, uint64_t now)
{
	static char jsep[12288];
	char body[512];

	snprintf(body, sizeof(body), "{\"request\":\"call\",\"uri\":\"sip:%s@%s\"}",
		 sl_callee((unsigned)jr.started_n), sl_opt.domain);
	snprintf(jsep, sizeof(jsep), "{\"type\":\"offer\",\"sdp\":%s}", sl_offer_json());
	jr.started_n++;
	j->timed_us = now;
	j->cycle_us = now;
	j_message(c, j, J_CALL, now, body, jsep);
}

static void j_next(struct jconn *j, uint64_t now)
{
	j_phase(j, jr.call_mode ? J_IDLE : J_READY, now);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static json_object *jget(json_object *o, const char *key)
{
	json_object *v;

	return o && json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static void j_count_done(uint64_t now, uint64_t since)
{
	sl_latency_add(&jr.latency, now - since);
	if (now <= jr.deadline_us)
		jr.completed++;
	else
		jr.completed_late++;
}

static void j_on_plugin_event(struct sl_conn *c, struct jconn *j, json_object *data, uint64_t now)
{
	json_object *result = jget(data, "result");
	const char *ev = jstr(result, "event");
	char detail[300];

	if (jget(data, "error_code")) {
		int code = json_object_get_int(jget(data, "error_code"));
		const char *why = jstr(data, "error");

		snprintf(detail, sizeof(detail), "%d %s", code, why ? why : "");
		if (j->state == J_CALL && why && strstr(why, "call")) {
			/* the previous call's media not torn down yet: try again */
			jr.retries++;
			j_phase(j, J_RETRY, now);
			j->retry_us = now + 20000;
			jr.started_n--;
			return;
		}
		j_error(j, "plugin error", detail);
		if (j->state == J_CALL) {
			jr.failed_calls++;
			j_next(j, now);
		} else if (j->state == J_REG && jr.call_mode) {
			jr.setup_failed++;
			j->state = J_DEAD;
		} else {
			j->state = J_DEAD;
		}
		return;
	}
	if (!ev)
		return;
	if (!strcmp(ev, "registered") && j->state == J_REG) {
		if (jr.call_mode) {
			jr.setup_done++;
			j_phase(j, J_IDLE, now);
		} else {
			j_count_done(now, j->timed_us);
			j_message(c, j, J_UNREG, now, "{\"request\":\"unregister\"}", NULL);
		}
	} else if (!strcmp(ev, "registration_failed") && j->state == J_REG) {
		snprintf(detail, sizeof(detail), "%d %s", json_object_get_int(jget(result, "code")),
			 jstr(result, "reason") ?: "");
		j_error(j, "registration failed", detail);
		if (jr.call_mode)
			jr.setup_failed++;
		j->state = J_DEAD;
	} else if (!strcmp(ev, "unregistered") && j->state == J_UNREG && sl_opt.keep_handle) {
		/* the same handle registers again: no SIP stack set up per cycle */
		jr.cycles++;
		if (jr.draining)
			j_phase(j, J_READY, now);
		else
			j_register(c, j, now);
	} else if (!strcmp(ev, "unregistered") && j->state == J_UNREG) {
		j_phase(j, J_DETACH, now);
		if (j_send(c, j, "detach", "\"session_id\":%" PRId64 ",\"handle_id\":%" PRId64,
			   j->session, j->handle) < 0)
			j_fail_send(j, "detach");
	} else if (!strcmp(ev, "accepted") && j->state == J_CALL) {
		j_count_done(now, j->timed_us);
		j_phase(j, J_HOLD, now);
		j->hold_until_us = now + (uint64_t)((sl_opt.hold > 0 ? sl_opt.hold : 0) * 1e6);
	} else if (!strcmp(ev, "hangup")) {
		if (j->state == J_HANGUP) {
			jr.terminated++;
			jr.cycles++;
			j_phase(j, J_COOL, now);
			j->retry_us = now + 100000;
		} else if (j->state == J_CALL || j->state == J_HOLD) {
			snprintf(detail, sizeof(detail), "%d %s (%s)",
				 json_object_get_int(jget(result, "code")),
				 jstr(result, "reason") ?: "",
				 j->state == J_CALL ? "before accepted" : "while held");
			jr.failed_calls++;
			j_error(j, "call ended early", detail);
			j_next(j, now);
		}
	}
}

static void j_on_message(struct sl_conn *c, char *data, size_t len)
{
	struct jconn *j = &jr.jc[c->idx];
	uint64_t now = sl_now_us();
	json_object *m = json_tokener_parse(data);
	const char *type, *txn;
	char want[32];
	bool mine;

	(void)len;
	if (!m) {
		j_error(j, "bad JSON from Janus", data);
		return;
	}
	type = jstr(m, "janus");
	txn = jstr(m, "transaction");
	snprintf(want, sizeof(want), "t%u-%u", c->idx, j->txn);
	mine = txn && !strcmp(txn, want);
	if (!type)
		goto out;
	if (!strcmp(type, "success") && mine) {
		json_object *d = jget(m, "data");

		switch (j->state) {
		case J_CREATE:
			j->session = json_object_get_int64(jget(d, "id"));
			if (jr.call_mode)
				j_attach(c, j, now);
			else
				j_phase(j, J_READY, now);
			break;
		case J_ATTACH:
			j->handle = json_object_get_int64(jget(d, "id"));
			j_register(c, j, now);
			break;
		case J_DETACH:
			jr.cycles++;
			j_next(j, now);
			break;
		default: break;
		}
	} else if (!strcmp(type, "error") && mine) {
		json_object *e = jget(m, "error");

		j_error(j, "error reply", jstr(e, "reason"));
		if (jr.call_mode && !jr.started)
			jr.setup_failed++;
		if (j->state == J_CALL)
			jr.failed_calls++;
		j->state = J_DEAD;
	} else if (!strcmp(type, "event")) {
		json_object *pd = jget(m, "plugindata");

		if (pd)
			j_on_plugin_event(c, j, jget(pd, "data"), now);
	}
	/* "ack", "webrtcup", "media", "hangup" (core), "detached": nothing to do */
out:
	json_object_put(m);
}

static void j_on_open(struct sl_conn *c)
{
	struct jconn *j = &jr.jc[c->idx];
	uint64_t now = sl_now_us();

	j_phase(j, J_CREATE, now);
	if (j_send(c, j, "create", NULL) < 0)
		j_fail_send(j, "create");
}

static void j_on_close(struct sl_conn *c, bool was_open)
{
	struct jconn *j = &jr.jc[c->idx];

	if (was_open && !jr.draining) {
		jr.closed++;
		j_error(j, "connection closed", NULL);
	}
	if (jr.call_mode && !jr.started && j->state != J_IDLE && j->state != J_DEAD)
		jr.setup_failed++;
	j->state = J_DEAD;
}

static void j_on_tick(uint64_t now)
{
	struct sl_pool_counts n = sl_pool_counts();
	unsigned i, busy = 0;

	if (sl_interrupted()) {
		sl_pool_stop();
		return;
	}
	if (!jr.started) {
		bool ready = sl_pool_settled();

		for (i = 0; ready && i < jr.conns; i++) {
			struct jconn *j = &jr.jc[i];

			if (sl_pool_conn(i)->state != SL_CONN_OPEN || j->state == J_DEAD)
				continue;
			if (jr.call_mode ? j->state != J_IDLE : j->state != J_READY)
				ready = false;
		}
		if (now - jr.last_log_us >= 1000000u) {
			jr.last_log_us = now;
			sl_log("%s: %u open, %u connecting, %u failed; %u set up, %u setup failures",
			       jr.mode, n.open, n.connecting, n.failed, jr.setup_done,
			       jr.setup_failed);
		}
		if (!ready && now > jr.start_us + (uint64_t)(120 * 1e6)) {
			sl_log("%s: setup did not finish", jr.mode);
			ready = true;
		}
		if (!ready)
			return;
		jr.started = true;
		jr.start_us = now;
		jr.deadline_us = now + (uint64_t)(jr.seconds * 1e6);
		sl_log("%s: run starts with %u connections", jr.mode, n.open);
	}
	if (!jr.draining && now >= jr.deadline_us) {
		jr.draining = true;
		jr.drain_until_us =
			now +
			(uint64_t)((sl_opt.timeout + (sl_opt.hold > 0 ? sl_opt.hold : 0)) * 1e6);
	}
	for (i = 0; i < jr.conns; i++) {
		struct jconn *j = &jr.jc[i];
		struct sl_conn *c = sl_pool_conn(i);
		unsigned per_cycle = jr.call_mode ? 2 : 4;

		if (c->state != SL_CONN_OPEN || j->state == J_DEAD)
			continue;
		switch (j->state) {
		case J_READY:
			if (jr.call_mode || jr.draining)
				break;
			if (sl_opt.conn_rps > 0 && j->cycle_us &&
			    now - j->cycle_us < (uint64_t)(per_cycle * 1e6 / sl_opt.conn_rps))
				break;
			j_attach(c, j, now);
			busy++;
			break;
		case J_RETRY:
			busy++;
			if (now < j->retry_us)
				break;
			if (jr.draining) {
				j_next(j, now);
				break;
			}
			j_call(c, j, now);
			break;
		case J_COOL:
			if (now >= j->retry_us)
				j_next(j, now);
			break;
		case J_IDLE:
			if (!jr.call_mode || jr.draining)
				break;
			if (sl_opt.conn_rps > 0 && j->cycle_us &&
			    now - j->cycle_us < (uint64_t)(per_cycle * 1e6 / sl_opt.conn_rps))
				break;
			if (!sl_call_token(now))
				break;
			j_call(c, j, now);
			busy++;
			break;
		case J_HOLD:
			busy++;
			if (now >= j->hold_until_us)
				j_message(c, j, J_HANGUP, now, "{\"request\":\"hangup\"}", NULL);
			break;
		default:
			busy++;
			if (now - j->phase_us > (uint64_t)(sl_opt.timeout * 1e6)) {
				char st[16];

				snprintf(st, sizeof(st), "%d", (int)j->state);
				jr.timeouts++;
				j_error(j, "timeout in state", st);
				if (j->state == J_CALL)
					jr.failed_calls++;
				j->state = J_DEAD;
			}
			break;
		}
	}
	if (jr.call_mode && sl_opt.call_rate > 0 && !jr.draining) {
		uint64_t due = (uint64_t)((double)(now - jr.start_us) * sl_opt.call_rate / 1e6);

		if (due > jr.started_n + 1 && due - jr.started_n > jr.backlog)
			jr.backlog = due - jr.started_n;
	}
	if (jr.draining && (busy == 0 || now >= jr.drain_until_us))
		sl_pool_stop();
}

static int janus_run(int argc, char **argv, bool call_mode)
{
	static const struct sl_pool_ops ops = {
		.on_open = j_on_open,
		.on_message = j_on_message,
		.on_close = j_on_close,
		.on_tick = j_on_tick,
	};
	const char *mode = call_mode ? "janus-call" : "janus-register";
	char *end;
	long conns;
	double window;
	unsigned i;
	int ok;

	if (argc != 2 || (conns = strtol(argv[0], &end, 10)) <= 0 || *end ||
	    (jr.seconds = strtod(argv[1], &end)) <= 0 || *end) {
		sl_log("usage: sylkload [options] %s CONNECTIONS SECONDS", mode);
		return 2;
	}
	jr.call_mode = call_mode;
	jr.mode = mode;
	jr.conns = (unsigned)conns;
	jr.jc = calloc(jr.conns, sizeof(*jr.jc));
	if (!jr.jc)
		return 1;
	for (i = 0; i < jr.conns; i++)
		sl_account_user(i, jr.jc[i].user, sizeof(jr.jc[i].user));
	if (sl_pool_init(jr.conns, JANUS_SUBPROTOCOL, &ops) < 0)
		return 1;
	jr.start_us = sl_now_us();
	sl_pool_run();
	jr.draining = true;
	sl_pool_destroy();
	window = jr.started ? jr.seconds : 0;
	ok = jr.started && jr.errors == 0 && jr.completed > 0;
	sl_result("mode=%s connections=%u seconds=%.3f %s=%" PRIu64 " rate=%.1f p50_ms=%.3f "
		  "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f late=%" PRIu64 " cycles=%" PRIu64
		  " started=%" PRIu64 " terminated=%" PRIu64 " failed_calls=%" PRIu64
		  " setup_done=%u setup_failed=%u offered_rate=%.1f backlog=%" PRIu64
		  " errors=%" PRIu64 " timeouts=%" PRIu64 " closed=%" PRIu64 " retries=%" PRIu64,
		  mode, jr.conns, window, call_mode ? "setups" : "registrations", jr.completed,
		  window > 0 ? (double)jr.completed / window : 0.0,
		  sl_latency_pct_ms(&jr.latency, 50), sl_latency_pct_ms(&jr.latency, 90),
		  sl_latency_pct_ms(&jr.latency, 99), sl_latency_pct_ms(&jr.latency, 100),
		  jr.completed_late, jr.cycles, jr.started_n, jr.terminated, jr.failed_calls,
		  jr.setup_done, jr.setup_failed, sl_opt.call_rate, jr.backlog, jr.errors,
		  jr.timeouts, jr.closed, jr.retries);
	sl_latency_free(&jr.latency);
	free(jr.jc);
	return ok ? 0 : 1;
}

int mode_janus_register(int argc, char **argv)
{
	return janus_run(argc, argv, false);
}

int mode_janus_call(int argc, char **argv)
{
	return janus_run(argc, argv, true);
}
