/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Messaging modes (issue 15): C sender connections and C receiver
 * connections, sender i paired with receiver i, each connection with its
 * own account (generated accounts: sender i uses account i, receiver i
 * account C+i, so --accounts should be at least 2C).
 *
 *   rtc-message C SECS     sylkRTC-2: every connection adds and registers
 *                          its account first (not timed); then each sender
 *                          sends account-message to its receiver's account
 *                          and the receiver's connection gets the "message"
 *                          account-event (SIP MESSAGE through the proxy,
 *                          digest challenge answered by the gateway, stored
 *                          and delivered by route[MESSAGE]).
 *   janus-message C SECS   the same through Janus's SIP plugin: session,
 *                          handle and registration per connection first
 *                          (--janus-proxy as registrar and outbound proxy);
 *                          then the plugin's "message" request toward the
 *                          receiver's SIP URI, whose handle gets the
 *                          "message" event (the MESSAGE relayed by the
 *                          proxy to Janus's Contact).
 *
 * Closed loop with a window: each sender keeps --window W messages in
 * flight (default 1), sending the next one when its receiver got one of
 * them (or it timed out after --timeout); --conn-rps caps the messages per
 * second of one sender (the gateway allows 50 requests per second on a
 * connection). Latency: request sent -> "message" event on the receiver.
 * The sender's delivery reports (sylkRTC "disposition-notification"
 * accepted/failed, Janus "messagedelivery") are counted, not timed.
 * stdout: "WINDOW start" when the timed window opens (every connection set
 * up), "WINDOW end" when it closes, then the RESULT line. */
#include "sylkload.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#define RTC_SUBPROTOCOL "sylkRTC-2"
#define JANUS_SUBPROTOCOL "janus-protocol"
#define MAX_WINDOW 64

enum mstate {
	M_OPEN = 0, /* connection open: rtc waits for the ready-event */
	M_CREATE,   /* janus: create sent */
	M_ATTACH,   /* janus: attach sent */
	M_ADD,      /* rtc: account-add sent */
	M_REG,      /* account-register / register sent: until "registered" */
	M_READY,    /* registered */
	M_DEAD,
};

struct mslot {
	uint64_t seq; /* 0 = free */
	uint64_t sent_us;
};

struct mconn {
	enum mstate state;
	unsigned txn_seq, txn;
	bool acked;
	int64_t session, handle; /* janus */
	uint64_t phase_us, next_us, seq;
	unsigned inflight;
	struct mslot slot[MAX_WINDOW];
	char user[64];
	char account[128];
};

static struct {
	bool janus;
	const char *mode;
	unsigned pairs, conns, window;
	double seconds;
	struct mconn *mc;
	char run_id[9];
	bool started, draining;
	uint64_t start_us, deadline_us, drain_until_us, last_log_us;
	unsigned setup_done, setup_failed;
	uint64_t sent, received, late, accepted, failed, unmatched;
	uint64_t errors, timeouts, closed, throttled;
	unsigned logged;
	struct sl_latency latency;
} mr;

static void m_error(struct mconn *m, const char *what, const char *detail)
{
	mr.errors++;
	if (sl_opt.verbose || mr.logged < 8) {
		mr.logged++;
		sl_log("%s: %s %s: %s", mr.mode, m->user, what, detail ? detail : "");
	}
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

static int m_send(struct sl_conn *c, struct mconn *m, bool counted, const char *kind,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* sylkRTC: {"sylkrtc":kind,"transaction":..,<fields>}; Janus: {"janus":kind,..}.
 * counted: the transaction is the one whose reply the state machine waits for. */
static int m_send(struct sl_conn *c, struct mconn *m, bool counted, const char *kind,
		  const char *fmt, ...)
{
	static char buf[8192];
	char fields[6144] = "";
	unsigned txn = ++m->txn_seq;
	va_list ap;
	int len;

	if (fmt) {
		va_start(ap, fmt);
		len = vsnprintf(fields, sizeof(fields), fmt, ap);
		va_end(ap);
		if (len < 0 || (size_t)len >= sizeof(fields))
			return -1;
	}
	if (counted) {
		m->txn = txn;
		m->acked = false;
	}
	len = snprintf(buf, sizeof(buf), "{\"%s\":\"%s\",\"transaction\":\"t%u-%u\"%s%s}",
		       mr.janus ? "janus" : "sylkrtc", kind, c->idx, txn, fields[0] ? "," : "",
		       fields);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -1;
	return sl_send_text(c, buf, (size_t)len);
}

static void m_phase(struct mconn *m, enum mstate s, uint64_t now)
{
	m->state = s;
	m->phase_us = now;
}

static void m_fail_setup(struct mconn *m, const char *what, const char *detail)
{
	m_error(m, what, detail);
	if (!mr.started)
		mr.setup_failed++;
	m->state = M_DEAD;
}

/* ---- setup --------------------------------------------------------------------- */

static void rtc_add(struct sl_conn *c, struct mconn *m, uint64_t now)
{
	char ha1[33];

	sl_ha1(m->user, sl_opt.domain, sl_opt.password, ha1);
	m_phase(m, M_ADD, now);
	if (m_send(c, m, true, "account-add",
		   "\"account\":\"%s\",\"password\":\"%s\",\"user_agent\":\"sylkload\"", m->account,
		   ha1) < 0)
		m_fail_setup(m, "cannot send", "account-add");
}

static void rtc_register(struct sl_conn *c, struct mconn *m, uint64_t now)
{
	m_phase(m, M_REG, now);
	if (m_send(c, m, true, "account-register", "\"account\":\"%s\"", m->account) < 0)
		m_fail_setup(m, "cannot send", "account-register");
}

static void janus_plugin_message(struct sl_conn *c, struct mconn *m, bool counted, const char *body)
{
	if (m_send(c, m, counted, "message",
		   "\"session_id\":%" PRId64 ",\"handle_id\":%" PRId64 ",\"body\":%s", m->session,
		   m->handle, body) < 0)
		m_error(m, "cannot send", "message");
}

static void janus_register(struct sl_conn *c, struct mconn *m, uint64_t now)
{
	const char *proxy = sl_opt.janus_proxy ? sl_opt.janus_proxy : "sip:127.0.0.1:5060";
	char body[1024];

	snprintf(body, sizeof(body),
		 "{\"request\":\"register\",\"username\":\"sip:%s@%s\",\"secret\":\"%s\","
		 "\"proxy\":\"%s\",\"outbound_proxy\":\"%s\",\"display_name\":\"sylkload\"}",
		 m->user, sl_opt.domain, sl_opt.password, proxy, proxy);
	m_phase(m, M_REG, now);
	janus_plugin_message(c, m, true, body);
}

static void m_registered(struct mconn *m, uint64_t now)
{
	mr.setup_done++;
	m_phase(m, M_READY, now);
}

/* ---- the messages --------------------------------------------------------------- */

static bool is_sender(unsigned idx)
{
	return idx < mr.pairs;
}

/* Sends one message from sender c to its receiver; false if none could go. */
static bool m_send_message(struct sl_conn *c, struct mconn *m, uint64_t now)
{
	struct mconn *to = &mr.mc[c->idx + mr.pairs];
	struct mslot *s = NULL;
	char text[128];
	uint64_t seq;
	int rc;

	for (unsigned i = 0; i < mr.window; i++)
		if (!m->slot[i].seq) {
			s = &m->slot[i];
			break;
		}
	if (!s)
		return false;
	seq = ++m->seq;
	/* the receiver finds the sender and the sequence number in it */
	snprintf(text, sizeof(text), "sylkload %s %u %" PRIu64 " hello from the benchmark",
		 mr.run_id, c->idx, seq);
	if (mr.janus) {
		char body[512];

		snprintf(body, sizeof(body),
			 "{\"request\":\"message\",\"uri\":\"sip:%s@%s\","
			 "\"content_type\":\"text/plain\",\"content\":\"%s\"}",
			 to->user, sl_opt.domain, text);
		rc = m_send(c, m, false, "message",
			    "\"session_id\":%" PRId64 ",\"handle_id\":%" PRId64 ",\"body\":%s",
			    m->session, m->handle, body);
	} else {
		rc = m_send(c, m, false, "account-message",
			    "\"account\":\"%s\",\"uri\":\"%s\",\"message_id\":\"%s-%04x-4000-a000-"
			    "%012" PRIx64 "\",\"content\":\"%s\",\"content_type\":\"text/plain\","
			    "\"timestamp\":\"2026-12-06T10:00:00.000Z\"",
			    m->account, to->account, mr.run_id, c->idx, seq, text);
	}
	if (rc < 0) {
		m_error(m, "cannot send", "message");
		return false;
	}
	s->seq = seq;
	s->sent_us = now;
	m->inflight++;
	m->next_us = sl_opt.conn_rps > 0 ? now + (uint64_t)(1e6 / sl_opt.conn_rps) : 0;
	if (now <= mr.deadline_us)
		mr.sent++;
	return true;
}

/* A receiver got message (sender, seq). */
static void m_received(unsigned sender, uint64_t seq, unsigned receiver, uint64_t now)
{
	struct mconn *m;

	if (sender >= mr.pairs || receiver != sender + mr.pairs) {
		mr.unmatched++;
		return;
	}
	m = &mr.mc[sender];
	for (unsigned i = 0; i < mr.window; i++) {
		struct mslot *s = &m->slot[i];

		if (s->seq != seq)
			continue;
		sl_latency_add(&mr.latency, now - s->sent_us);
		if (now <= mr.deadline_us)
			mr.received++;
		else
			mr.late++;
		s->seq = 0;
		m->inflight--;
		return;
	}
	mr.unmatched++; /* timed out before, or a duplicate */
}

/* Content "sylkload RUN SENDER SEQ ...": the pair it belongs to. */
static bool parse_content(const char *text, unsigned *sender, uint64_t *seq)
{
	char run[16];

	return text && sscanf(text, "sylkload %15s %u %" SCNu64, run, sender, seq) == 3 &&
	       !strcmp(run, mr.run_id);
}

/* ---- sylkRTC messages ------------------------------------------------------------- */

static void rtc_on_message(struct sl_conn *c, struct mconn *m, json_object *o, uint64_t now)
{
	const char *type = jstr(o, "sylkrtc"), *ev, *txn, *state;
	char want[32];

	if (!type)
		return;
	if (!strcmp(type, "ready-event")) {
		if (m->state == M_OPEN)
			rtc_add(c, m, now);
		return;
	}
	if (!strcmp(type, "ack") || !strcmp(type, "error")) {
		bool ours;

		txn = jstr(o, "transaction");
		snprintf(want, sizeof(want), "t%u-%u", c->idx, m->txn);
		ours = txn && !strcmp(txn, want) && m->state != M_READY;
		if (!strcmp(type, "error")) {
			const char *why = jstr(o, "error");

			if (why && strstr(why, "Too many requests"))
				mr.throttled++;
			if (ours)
				m_fail_setup(m, "error reply", why);
			else
				m_error(m, "error reply", why);
			return;
		}
		if (!ours)
			return; /* account-message acks: the event is what counts */
		m->acked = true;
		if (m->state == M_ADD)
			rtc_register(c, m, now);
		return;
	}
	if (strcmp(type, "account-event") || !(ev = jstr(o, "event")))
		return;
	if (!strcmp(ev, "message")) {
		const char *id = jstr(o, "message_id");
		unsigned sender;
		uint64_t seq;

		if (parse_content(jstr(o, "content"), &sender, &seq))
			m_received(sender, seq, c->idx, now);
		else if (id)
			mr.unmatched++;
	} else if (!strcmp(ev, "disposition-notification")) {
		state = jstr(o, "state");
		if (state && !strcmp(state, "accepted")) {
			mr.accepted++;
		} else if (state && !strcmp(state, "failed")) {
			char detail[160];

			mr.failed++;
			snprintf(detail, sizeof(detail), "%s %s", jstr(o, "message_id") ?: "",
				 jstr(o, "reason") ?: "");
			m_error(m, "message failed", detail);
		}
	} else if (!strcmp(ev, "registration-state") && m->state == M_REG) {
		state = jstr(o, "state");
		if (state && !strcmp(state, "registered"))
			m_registered(m, now);
		else if (state && !strcmp(state, "failed"))
			m_fail_setup(m, "registration failed", jstr(o, "reason"));
	}
}

/* ---- Janus messages ----------------------------------------------------------------- */

static void janus_on_event(struct mconn *m, unsigned idx, json_object *data, uint64_t now)
{
	json_object *result = jget(data, "result");
	const char *ev = jstr(result, "event");
	char detail[300];

	if (jget(data, "error_code")) {
		snprintf(detail, sizeof(detail), "%d %s",
			 json_object_get_int(jget(data, "error_code")), jstr(data, "error") ?: "");
		if (m->state == M_REG)
			m_fail_setup(m, "plugin error", detail);
		else
			m_error(m, "plugin error", detail);
		return;
	}
	if (!ev)
		return;
	if (!strcmp(ev, "registered") && m->state == M_REG) {
		m_registered(m, now);
	} else if (!strcmp(ev, "registration_failed") && m->state == M_REG) {
		snprintf(detail, sizeof(detail), "%d %s", json_object_get_int(jget(result, "code")),
			 jstr(result, "reason") ?: "");
		m_fail_setup(m, "registration failed", detail);
	} else if (!strcmp(ev, "message")) {
		unsigned sender;
		uint64_t seq;

		if (parse_content(jstr(result, "content"), &sender, &seq))
			m_received(sender, seq, idx, now);
		else
			mr.unmatched++;
	} else if (!strcmp(ev, "messagedelivery")) {
		int code = json_object_get_int(jget(result, "code"));

		if (code >= 200 && code < 300) {
			mr.accepted++;
		} else {
			mr.failed++;
			snprintf(detail, sizeof(detail), "%d %s", code,
				 jstr(result, "reason") ?: "");
			m_error(m, "message failed", detail);
		}
	}
}

static void janus_on_message(struct sl_conn *c, struct mconn *m, json_object *o, uint64_t now)
{
	const char *type = jstr(o, "janus"), *txn = jstr(o, "transaction");
	char want[32];
	bool ours;

	if (!type)
		return;
	snprintf(want, sizeof(want), "t%u-%u", c->idx, m->txn);
	ours = txn && !strcmp(txn, want);
	if (!strcmp(type, "success") && ours) {
		json_object *d = jget(o, "data");

		if (m->state == M_CREATE) {
			m->session = json_object_get_int64(jget(d, "id"));
			m_phase(m, M_ATTACH, now);
			if (m_send(c, m, true, "attach",
				   "\"session_id\":%" PRId64 ",\"plugin\":\"janus.plugin.sip\"",
				   m->session) < 0)
				m_fail_setup(m, "cannot send", "attach");
		} else if (m->state == M_ATTACH) {
			m->handle = json_object_get_int64(jget(d, "id"));
			janus_register(c, m, now);
		}
	} else if (!strcmp(type, "error")) {
		const char *why = jstr(jget(o, "error"), "reason");

		if (ours && m->state != M_READY)
			m_fail_setup(m, "error reply", why);
		else
			m_error(m, "error reply", why);
	} else if (!strcmp(type, "event")) {
		json_object *pd = jget(o, "plugindata");

		if (pd)
			janus_on_event(m, c->idx, jget(pd, "data"), now);
	}
	/* "ack", "media", "webrtcup", "hangup", "detached": nothing to do */
}

/* ---- pool callbacks --------------------------------------------------------------- */

static void m_on_message(struct sl_conn *c, char *data, size_t len)
{
	struct mconn *m = &mr.mc[c->idx];
	json_object *o = json_tokener_parse(data);
	uint64_t now = sl_now_us();

	(void)len;
	if (!o) {
		m_error(m, "bad JSON from the server", data);
		return;
	}
	if (mr.janus)
		janus_on_message(c, m, o, now);
	else
		rtc_on_message(c, m, o, now);
	json_object_put(o);
}

static void m_on_open(struct sl_conn *c)
{
	struct mconn *m = &mr.mc[c->idx];
	uint64_t now = sl_now_us();

	if (!mr.janus) {
		m_phase(m, M_OPEN, now); /* the ready-event starts the setup */
		return;
	}
	m_phase(m, M_CREATE, now);
	if (m_send(c, m, true, "create", NULL) < 0)
		m_fail_setup(m, "cannot send", "create");
}

static void m_on_close(struct sl_conn *c, bool was_open)
{
	struct mconn *m = &mr.mc[c->idx];

	if (was_open && !mr.draining) {
		mr.closed++;
		m_error(m, "connection closed", NULL);
	}
	if (!mr.started && m->state != M_READY && m->state != M_DEAD)
		mr.setup_failed++;
	m->state = M_DEAD;
}

static void m_on_tick(uint64_t now)
{
	struct sl_pool_counts n = sl_pool_counts();
	uint64_t tmo = (uint64_t)(sl_opt.timeout * 1e6);
	unsigned i, busy = 0;

	if (sl_interrupted()) {
		sl_pool_stop();
		return;
	}
	if (!mr.started) {
		bool ready = sl_pool_settled();

		for (i = 0; i < mr.conns; i++) {
			struct mconn *m = &mr.mc[i];

			if (sl_pool_conn(i)->state != SL_CONN_OPEN || m->state == M_DEAD)
				continue;
			if (m->state != M_READY) {
				ready = false;
				/* Janus registers about ten handles per second */
				if (now - m->phase_us > tmo + (uint64_t)(60 * 1e6)) {
					mr.timeouts++;
					m_fail_setup(m, "setup timeout", NULL);
				}
			}
		}
		if (now - mr.last_log_us >= 1000000u) {
			mr.last_log_us = now;
			sl_log("%s: %u open, %u connecting, %u failed; %u set up, %u setup failures",
			       mr.mode, n.open, n.connecting, n.failed, mr.setup_done,
			       mr.setup_failed);
		}
		if (!ready && now > mr.start_us + (uint64_t)(120 * 1e6)) {
			sl_log("%s: setup did not finish", mr.mode);
			ready = true;
		}
		if (!ready)
			return;
		mr.started = true;
		mr.start_us = now;
		mr.deadline_us = now + (uint64_t)(mr.seconds * 1e6);
		sl_log("%s: run starts with %u connections, %u set up", mr.mode, n.open,
		       mr.setup_done);
		/* markers for a caller that measures the server over the window only */
		printf("WINDOW start\n");
		fflush(stdout);
	}
	if (!mr.draining && now >= mr.deadline_us) {
		printf("WINDOW end\n");
		fflush(stdout);
		mr.draining = true;
		mr.drain_until_us = now + tmo;
	}
	for (i = 0; i < mr.pairs; i++) {
		struct mconn *m = &mr.mc[i];
		struct sl_conn *c = sl_pool_conn(i);

		if (c->state != SL_CONN_OPEN || m->state != M_READY)
			continue;
		if (mr.mc[i + mr.pairs].state != M_READY ||
		    sl_pool_conn(i + mr.pairs)->state != SL_CONN_OPEN)
			continue; /* its receiver is gone */
		for (unsigned k = 0; k < mr.window && m->inflight; k++) {
			struct mslot *s = &m->slot[k];

			if (s->seq && now - s->sent_us > tmo) {
				mr.timeouts++;
				m_error(m, "message not received in time", NULL);
				s->seq = 0;
				m->inflight--;
			}
		}
		while (!mr.draining && m->inflight < mr.window && now >= m->next_us &&
		       m_send_message(c, m, now))
			;
		busy += m->inflight;
	}
	if (mr.draining && (busy == 0 || now >= mr.drain_until_us))
		sl_pool_stop();
}

/* The sends of the loop above happen on ticks (10 ms); a receiver's event
 * frees a slot, and the next message goes at once from here. */
static void m_on_message_then_send(struct sl_conn *c, char *data, size_t len)
{
	uint64_t now;

	m_on_message(c, data, len);
	if (!mr.started || mr.draining || is_sender(c->idx) || c->idx >= mr.conns)
		return;
	now = sl_now_us();
	{
		unsigned si = c->idx - mr.pairs;
		struct mconn *m = &mr.mc[si];
		struct sl_conn *sc = sl_pool_conn(si);

		if (sc->state != SL_CONN_OPEN || m->state != M_READY)
			return;
		while (m->inflight < mr.window && now >= m->next_us && m_send_message(sc, m, now))
			;
	}
}

static int message_run(int argc, char **argv, bool janus)
{
	static const struct sl_pool_ops ops = {
		.on_open = m_on_open,
		.on_message = m_on_message_then_send,
		.on_close = m_on_close,
		.on_tick = m_on_tick,
	};
	const char *mode = janus ? "janus-message" : "rtc-message";
	char *end;
	long pairs;
	double window;
	unsigned i;
	int ok;

	if (argc != 2 || (pairs = strtol(argv[0], &end, 10)) <= 0 || *end || pairs > 100000 ||
	    (mr.seconds = strtod(argv[1], &end)) <= 0 || *end) {
		sl_log("usage: sylkload [options] %s PAIRS SECONDS", mode);
		return 2;
	}
	mr.janus = janus;
	mr.mode = mode;
	mr.pairs = (unsigned)pairs;
	mr.conns = 2 * mr.pairs;
	mr.window = sl_opt.window ? sl_opt.window : 1;
	if (mr.window > MAX_WINDOW)
		mr.window = MAX_WINDOW;
	if (!sl_opt.account_prefix || sl_opt.accounts < mr.conns)
		sl_log("%s: warning: %u connections but %u distinct accounts", mode, mr.conns,
		       sl_opt.account_prefix ? sl_opt.accounts : 1);
	sl_random_hex(mr.run_id, 8);
	mr.mc = calloc(mr.conns, sizeof(*mr.mc));
	if (!mr.mc)
		return 1;
	for (i = 0; i < mr.conns; i++) {
		sl_account_user(i, mr.mc[i].user, sizeof(mr.mc[i].user));
		snprintf(mr.mc[i].account, sizeof(mr.mc[i].account), "%s@%s", mr.mc[i].user,
			 sl_opt.domain);
	}
	if (sl_pool_init(mr.conns, janus ? JANUS_SUBPROTOCOL : RTC_SUBPROTOCOL, &ops) < 0)
		return 1;
	mr.start_us = sl_now_us();
	sl_pool_run();
	mr.draining = true;
	sl_pool_destroy();
	window = mr.started ? mr.seconds : 0;
	ok = mr.started && mr.errors == 0 && mr.received > 0 && mr.setup_failed == 0;
	sl_result("mode=%s connections=%u pairs=%u window=%u seconds=%.3f sent=%" PRIu64
		  " received=%" PRIu64 " rate=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f"
		  " max_ms=%.3f late=%" PRIu64 " accepted=%" PRIu64 " failed=%" PRIu64
		  " unmatched=%" PRIu64 " setup_done=%u setup_failed=%u errors=%" PRIu64
		  " timeouts=%" PRIu64 " closed=%" PRIu64 " throttled=%" PRIu64,
		  mode, mr.conns, mr.pairs, mr.window, window, mr.sent, mr.received,
		  window > 0 ? (double)mr.received / window : 0.0,
		  sl_latency_pct_ms(&mr.latency, 50), sl_latency_pct_ms(&mr.latency, 90),
		  sl_latency_pct_ms(&mr.latency, 99), sl_latency_pct_ms(&mr.latency, 100), mr.late,
		  mr.accepted, mr.failed, mr.unmatched, mr.setup_done, mr.setup_failed, mr.errors,
		  mr.timeouts, mr.closed, mr.throttled);
	sl_latency_free(&mr.latency);
	free(mr.mc);
	return ok ? 0 : 1;
}

int mode_rtc_message(int argc, char **argv)
{
	return message_run(argc, argv, false);
}

int mode_janus_message(int argc, char **argv)
{
	return message_run(argc, argv, true);
}
