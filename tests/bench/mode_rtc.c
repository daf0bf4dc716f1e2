/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylkRTC-2 modes (the project's gateway, sylk_rtc):
 *
 *   rtc-idle N            N connections with subprotocol sylkRTC-2, each
 *                         ready once the server's ready-event arrived, held
 *   rtc-register C SECS   C connections; each repeats, one after the other:
 *                         account-add (HA1), account-register until the
 *                         registration-state "registered" event, then
 *                         account-remove (which makes the gateway
 *                         un-REGISTER). Registrations per second and the
 *                         latency account-register sent -> registered.
 *   rtc-call C SECS       C connections, each with its account added and
 *                         registered first (not timed); then each places
 *                         calls one after the other: session-create with a
 *                         pre-made WebRTC offer toward a callee (--callees,
 *                         SIP phones registered at the same server), the
 *                         "accepted" state event, --hold seconds, then
 *                         session-terminate until "terminated". With
 *                         --call-rate R calls start at R per second (open
 *                         loop, a free connection takes the next start);
 *                         without, every connection calls again at once.
 *                         Call setups per second and the latency
 *                         session-create sent -> accepted.
 *
 * Shared with mode_janus.c: generated accounts (--account-prefix,
 * --accounts), the callees, the SDP offer and the call-rate token bucket. */
#include "sylkload.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#define RTC_SUBPROTOCOL "sylkRTC-2"

/* ---- shared helpers ------------------------------------------------------------ */

void sl_account_user(unsigned idx, char *out, size_t size)
{
	if (sl_opt.account_prefix && sl_opt.accounts)
		snprintf(out, size, "%s%04u", sl_opt.account_prefix, idx % sl_opt.accounts);
	else
		snprintf(out, size, "%s", sl_opt.user);
}

const char *sl_callee(unsigned n)
{
	static char names[32][64];
	static unsigned count;

	if (!count) {
		const char *p = sl_opt.callees ? sl_opt.callees : "bob";

		while (*p && count < 32) {
			size_t len = strcspn(p, ",");

			if (len && len < sizeof(names[0])) {
				memcpy(names[count], p, len);
				names[count][len] = 0;
				count++;
			}
			p += len;
			if (*p == ',')
				p++;
		}
		if (!count) {
			strcpy(names[0], "bob");
			count = 1;
		}
	}
	return names[n % count];
}

void sl_ha1(const char *user, const char *realm, const char *password, char out[33])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char buf[512];
	int len = snprintf(buf, sizeof(buf), "%s:%s:%s", user, realm, password);

	EVP_Digest(buf, (size_t)len, md, &mdlen, EVP_md5(), NULL);
	for (i = 0; i < 16; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[32] = 0;
}

/* What a browser offers for an audio call, fixed: rtpengine still parses it
 * and does the whole offer/answer (ICE, DTLS fingerprint, SRTP profile
 * toward the browser, plain RTP toward SIP). No candidates: nobody would
 * answer connectivity checks, and the gateway does not need them to answer. */
static const char builtin_offer[] =
	"v=0\r\n"
	"o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
	"s=-\r\n"
	"t=0 0\r\n"
	"a=group:BUNDLE 0\r\n"
	"a=msid-semantic: WMS sylkload\r\n"
	"m=audio 9 UDP/TLS/RTP/SAVPF 111 0 8\r\n"
	"c=IN IP4 0.0.0.0\r\n"
	"a=rtcp:9 IN IP4 0.0.0.0\r\n"
	"a=ice-ufrag:SyLk\r\n"
	"a=ice-pwd:sylkloadsylkloadsylkload\r\n"
	"a=ice-options:trickle\r\n"
	"a=fingerprint:sha-256 7B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:"
	"DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
	"a=setup:actpass\r\n"
	"a=mid:0\r\n"
	"a=sendrecv\r\n"
	"a=msid:sylkload audio0\r\n"
	"a=rtcp-mux\r\n"
	"a=rtpmap:111 opus/48000/2\r\n"
	"a=rtcp-fb:111 transport-cc\r\n"
	"a=fmtp:111 minptime=10;useinbandfec=1\r\n"
	"a=rtpmap:0 PCMU/8000\r\n"
	"a=rtpmap:8 PCMA/8000\r\n"
	"a=ssrc:1001 cname:sylkload\r\n";

const char *sl_offer_json(void)
{
	static char *json;

	if (!json) {
		char *sdp = NULL;
		json_object *o;

		if (sl_opt.sdp_file) {
			FILE *f = fopen(sl_opt.sdp_file, "rb");
			long n;

			if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
			    fseek(f, 0, SEEK_SET) == 0 && (sdp = calloc(1, (size_t)n + 1)) &&
			    fread(sdp, 1, (size_t)n, f) != (size_t)n) {
				free(sdp);
				sdp = NULL;
			}
			if (f)
				fclose(f);
			if (!sdp)
				sl_log("cannot read %s, using the built-in offer", sl_opt.sdp_file);
		}
		o = json_object_new_string(sdp ? sdp : builtin_offer);
		json = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		free(sdp);
	}
	return json;
}

bool sl_call_token(uint64_t now)
{
	static uint64_t start;
	static uint64_t taken;

	if (sl_opt.call_rate <= 0)
		return true;
	if (!start)
		start = now;
	if ((double)taken < (double)(now - start) * sl_opt.call_rate / 1e6 + 1.0) {
		taken++;
		return true;
	}
	return false;
}

/* ---- rtc-idle ------------------------------------------------------------------ */

int mode_rtc_idle(int argc, char **argv)
{
	static const struct sl_idle_proto proto = {
		.mode = "rtc-idle",
		.subprotocol = RTC_SUBPROTOCOL,
		.ready_marker = "\"ready-event\"",
	};

	return sl_idle_run(argc, argv, &proto);
}

/* ---- rtc-register / rtc-call ------------------------------------------------------ */

enum rstate {
	S_WAIT_READY = 0, /* connection open, no ready-event yet */
	S_READY,          /* waiting for the run (or the next cycle) to start */
	S_ADD,            /* account-add sent */
	S_REG,            /* account-register sent: its ack and "registered" */
	S_REMOVE,         /* account-remove sent (rtc-register) */
	S_IDLE,           /* rtc-call: registered, no call */
	S_CREATE,         /* session-create sent: its ack and "accepted" */
	S_HOLD,           /* call up, waiting for the hold time to pass */
	S_TERM,           /* session-terminate sent: its ack and "terminated" */
	S_DEAD,           /* gave up on this connection */
};

struct rconn {
	enum rstate state;
	unsigned txn_seq, txn; /* outstanding request's transaction number */
	bool acked, evented;
	uint64_t phase_us; /* when the current phase started (timeouts) */
	uint64_t timed_us; /* when the timed request was sent */
	uint64_t cycle_us; /* when the current cycle started (pacing) */
	uint64_t hold_until_us;
	uint64_t retry_us; /* after an error: no new cycle before this */
	unsigned calls;
	char user[64];
	char account[128];
	char session[48];
};

static struct {
	bool call_mode;
	const char *mode;
	unsigned conns;
	double seconds;
	struct rconn *rc;
	bool started, draining;
	uint64_t start_us, deadline_us, drain_until_us, last_log_us;
	unsigned setup_done, setup_failed;
	uint64_t completed;      /* registrations / accepted calls within the window */
	uint64_t completed_late; /* after the window */
	uint64_t cycles, started_n, terminated, failed_calls;
	uint64_t errors, timeouts, closed, throttled;
	unsigned logged;
	struct sl_latency latency;
	uint64_t backlog; /* call starts that found no free connection */
} rr;

static void r_error(struct rconn *r, const char *what, const char *detail)
{
	rr.errors++;
	if (sl_opt.verbose || rr.logged < 8) {
		rr.logged++;
		sl_log("%s: %s %s: %s", rr.mode, r->account, what, detail ? detail : "");
	}
}

static int r_send(struct sl_conn *c, struct rconn *r, const char *type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Sends {"sylkrtc":type,"transaction":"t<idx>-<n>",<fields>} */
static int r_send(struct sl_conn *c, struct rconn *r, const char *type, const char *fmt, ...)
{
	static char buf[16384];
	char fields[12288];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(fields, sizeof(fields), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(fields))
		return -1;
	r->txn = ++r->txn_seq;
	r->acked = r->evented = false;
	len = snprintf(buf, sizeof(buf), "{\"sylkrtc\":\"%s\",\"transaction\":\"t%u-%u\",%s}", type,
		       c->idx, r->txn, fields);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -1;
	return sl_send_text(c, buf, (size_t)len);
}

static void r_add(struct sl_conn *c, struct rconn *r, uint64_t now)
{
	char ha1[33];

	sl_ha1(r->user, sl_opt.domain, sl_opt.password, ha1);
	r->state = S_ADD;
	r->phase_us = r->cycle_us = now;
	if (r_send(c, r, "account-add",
		   "\"account\":\"%s\",\"password\":\"%s\","
		   "\"user_agent\":\"sylkload\"",
		   r->account, ha1) < 0) {
		r_error(r, "cannot send", "account-add");
		r->state = S_DEAD;
	}
}

static void r_register(struct sl_conn *c, struct rconn *r, uint64_t now)
{
	r->state = S_REG;
	r->phase_us = r->timed_us = now;
	if (r_send(c, r, "account-register", "\"account\":\"%s\"", r->account) < 0) {
		r_error(r, "cannot send", "account-register");
		r->state = S_DEAD;
	}
}

static void r_remove(struct sl_conn *c, struct rconn *r, uint64_t now)
{
	r->state = S_REMOVE;
	r->phase_us = now;
	if (r_send(c, r, "account-remove", "\"account\":\"%s\"", r->account) < 0) {
		r_error(r, "cannot send", "account-remove");
		r->state = S_DEAD;
	}
}

static void r_create(struct sl_conn *c, struct rconn *r, uint64_t now)
{
	char callee[200];

	snprintf(r->session, sizeof(r->session), "s%u-%u", c->idx, ++r->calls);
	snprintf(callee, sizeof(callee), "%s@%s", sl_callee((unsigned)rr.started_n), sl_opt.domain);
	r->state = S_CREATE;
	r->phase_us = r->timed_us = now;
	rr.started_n++;
	if (r_send(c, r, "session-create",
		   "\"account\":\"%s\",\"session\":\"%s\",\"uri\":\"%s\","
		   "\"sdp\":%s",
		   r->account, r->session, callee, sl_offer_json()) < 0) {
		r_error(r, "cannot send", "session-create");
		r->state = S_DEAD;
	}
}

static void r_terminate(struct sl_conn *c, struct rconn *r, uint64_t now)
{
	r->state = S_TERM;
	r->phase_us = now;
	if (r_send(c, r, "session-terminate", "\"session\":\"%s\"", r->session) < 0) {
		r_error(r, "cannot send", "session-terminate");
		r->state = S_DEAD;
	}
}

/* The connection may start its next cycle: rtc-register adds again (paced
 * by --conn-rps), rtc-call waits in S_IDLE for a call token. */
static void r_next(struct sl_conn *c, struct rconn *r, uint64_t now)
{
	if (!rr.started || rr.draining) {
		r->state = rr.call_mode ? S_IDLE : S_READY;
		return;
	}
	if (rr.call_mode) {
		r->state = S_IDLE;
		return;
	}
	r->state = S_READY; /* r_tick starts it once pacing allows */
	(void)c;
	(void)now;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* This request of ours is answered and its event (if any) seen. */
static void r_step(struct sl_conn *c, struct rconn *r, uint64_t now)
{
	switch (r->state) {
	case S_ADD:
		if (r->acked)
			r_register(c, r, now);
		break;
	case S_REG:
		if (!r->acked || !r->evented)
			break;
		if (!rr.call_mode) {
			r_remove(c, r, now);
		} else {
			rr.setup_done++;
			r->state = S_IDLE;
		}
		break;
	case S_REMOVE:
		if (r->acked) {
			rr.cycles++;
			r_next(c, r, now);
		}
		break;
	case S_CREATE:
		if (r->acked && r->evented) {
			r->state = S_HOLD;
			r->hold_until_us =
				now + (uint64_t)((sl_opt.hold > 0 ? sl_opt.hold : 0) * 1e6);
		}
		break;
	case S_TERM:
		if (r->acked && r->evented) {
			rr.cycles++;
			r_next(c, r, now);
		}
		break;
	default: break;
	}
}

static void r_on_message(struct sl_conn *c, char *data, size_t len)
{
	struct rconn *r = &rr.rc[c->idx];
	uint64_t now = sl_now_us();
	json_object *m = json_tokener_parse(data);
	const char *type, *ev, *state, *txn;
	char want[32];

	(void)len;
	if (!m) {
		r_error(r, "bad JSON from the server", data);
		return;
	}
	type = jstr(m, "sylkrtc");
	if (!type)
		goto out;
	if (!strcmp(type, "ready-event")) {
		if (r->state == S_WAIT_READY) {
			if (rr.call_mode)
				r_add(c, r, now); /* setup: add and register before the run */
			else
				r->state = S_READY;
		}
		goto out;
	}
	if (!strcmp(type, "ack") || !strcmp(type, "error")) {
		txn = jstr(m, "transaction");
		snprintf(want, sizeof(want), "t%u-%u", c->idx, r->txn);
		if (!txn || strcmp(txn, want))
			goto out;
		if (!strcmp(type, "error")) {
			const char *why = jstr(m, "error");

			if (why && strstr(why, "Too many requests"))
				rr.throttled++;
			r->retry_us = now + 100000;
			r_error(r, "error reply", why);
			if (r->state == S_CREATE || r->state == S_TERM) {
				rr.failed_calls++;
				r_next(c, r, now);
			} else if (r->state == S_ADD || r->state == S_REG) {
				if (rr.call_mode)
					rr.setup_failed++;
				r->state = rr.call_mode ? S_DEAD : S_READY;
				if (!rr.call_mode && r->state == S_READY)
					r_remove(c, r, now); /* clean up, ignore its error */
			} else {
				r_next(c, r, now);
			}
			goto out;
		}
		r->acked = true;
		r_step(c, r, now);
		goto out;
	}
	ev = jstr(m, "event");
	state = jstr(m, "state");
	if (!ev || !state)
		goto out;
	if (!strcmp(type, "account-event") && !strcmp(ev, "registration-state") &&
	    r->state == S_REG) {
		if (!strcmp(state, "registered")) {
			if (!rr.call_mode) {
				sl_latency_add(&rr.latency, now - r->timed_us);
				if (now <= rr.deadline_us)
					rr.completed++;
				else
					rr.completed_late++;
			}
			r->evented = true;
			r_step(c, r, now);
		} else if (!strcmp(state, "failed")) {
			r_error(r, "registration failed", jstr(m, "reason"));
			r->retry_us = now + 100000;
			if (rr.call_mode) {
				rr.setup_failed++;
				r->state = S_DEAD;
			} else {
				r_remove(c, r, now);
			}
		}
		goto out;
	}
	if (!strcmp(type, "session-event") && !strcmp(ev, "state")) {
		const char *sess = jstr(m, "session");

		if (!sess || strcmp(sess, r->session))
			goto out;
		if (!strcmp(state, "accepted") && r->state == S_CREATE) {
			sl_latency_add(&rr.latency, now - r->timed_us);
			if (now <= rr.deadline_us)
				rr.completed++;
			else
				rr.completed_late++;
			r->evented = true;
			r_step(c, r, now);
		} else if (!strcmp(state, "terminated")) {
			if (r->state == S_TERM) {
				rr.terminated++;
				r->evented = true;
				r_step(c, r, now);
			} else if (r->state == S_CREATE || r->state == S_HOLD) {
				rr.failed_calls++;
				r_error(r, "call terminated early", jstr(m, "reason"));
				/* wait for the create ack if it is still to come */
				if (r->state == S_HOLD || r->acked)
					r_next(c, r, now);
				else
					r->state = S_TERM, r->evented = true;
			}
		}
	}
out:
	json_object_put(m);
}

static void r_on_open(struct sl_conn *c)
{
	struct rconn *r = &rr.rc[c->idx];

	r->state = S_WAIT_READY;
	r->phase_us = sl_now_us();
}

static void r_on_close(struct sl_conn *c, bool was_open)
{
	struct rconn *r = &rr.rc[c->idx];

	if (was_open && !rr.draining) {
		rr.closed++;
		r_error(r, "connection closed", NULL);
	}
	if (rr.call_mode && r->state != S_IDLE && r->state != S_DEAD && !rr.started)
		rr.setup_failed++;
	r->state = S_DEAD;
}

static unsigned requests_per_cycle(void)
{
	return rr.call_mode ? 2 : 3;
}

static void r_on_tick(uint64_t now)
{
	struct sl_pool_counts n = sl_pool_counts();
	unsigned i, busy = 0;

	if (sl_interrupted()) {
		sl_pool_stop();
		return;
	}
	if (!rr.started) {
		bool ready = sl_pool_settled();

		if (ready) {
			for (i = 0; i < rr.conns; i++) {
				struct rconn *r = &rr.rc[i];

				if (sl_pool_conn(i)->state != SL_CONN_OPEN || r->state == S_DEAD)
					continue;
				if (rr.call_mode ? r->state != S_IDLE : r->state != S_READY) {
					ready = false;
					break;
				}
			}
		}
		if (ready && n.open == 0)
			ready = true;
		if (now - rr.last_log_us >= 1000000u) {
			rr.last_log_us = now;
			sl_log("%s: %u open, %u connecting, %u failed; %u set up, %u setup failures",
			       rr.mode, n.open, n.connecting, n.failed, rr.setup_done,
			       rr.setup_failed);
		}
		/* setup that never finishes: time out */
		if (!ready && rr.start_us && now > rr.start_us + (uint64_t)(120 * 1e6)) {
			sl_log("%s: setup did not finish", rr.mode);
			ready = true;
		}
		if (!ready)
			return;
		rr.started = true;
		rr.start_us = now;
		rr.deadline_us = now + (uint64_t)(rr.seconds * 1e6);
		sl_log("%s: run starts with %u connections", rr.mode, n.open);
	}
	if (!rr.draining && now >= rr.deadline_us) {
		rr.draining = true;
		rr.drain_until_us =
			now +
			(uint64_t)((sl_opt.timeout + (sl_opt.hold > 0 ? sl_opt.hold : 0)) * 1e6);
	}
	for (i = 0; i < rr.conns; i++) {
		struct rconn *r = &rr.rc[i];
		struct sl_conn *c = sl_pool_conn(i);

		if (c->state != SL_CONN_OPEN || r->state == S_DEAD)
			continue;
		switch (r->state) {
		case S_READY:
			if (rr.call_mode || rr.draining || now < r->retry_us)
				break;
			if (sl_opt.conn_rps > 0 && r->cycle_us &&
			    now - r->cycle_us <
				    (uint64_t)(requests_per_cycle() * 1e6 / sl_opt.conn_rps))
				break;
			r_add(c, r, now);
			busy++;
			break;
		case S_IDLE:
			if (!rr.call_mode || rr.draining || now < r->retry_us)
				break;
			if (sl_opt.conn_rps > 0 && r->cycle_us &&
			    now - r->cycle_us <
				    (uint64_t)(requests_per_cycle() * 1e6 / sl_opt.conn_rps))
				break;
			if (!sl_call_token(now))
				break;
			r->cycle_us = now;
			r_create(c, r, now);
			busy++;
			break;
		case S_HOLD:
			busy++;
			if (now >= r->hold_until_us)
				r_terminate(c, r, now);
			break;
		case S_WAIT_READY:
		case S_ADD:
		case S_REG:
		case S_REMOVE:
		case S_CREATE:
		case S_TERM:
			busy++;
			if (now - r->phase_us > (uint64_t)(sl_opt.timeout * 1e6)) {
				rr.timeouts++;
				r_error(r, "timeout in state",
					r->state == S_CREATE ? "session-create" :
					r->state == S_TERM   ? "session-terminate" :
					r->state == S_REG    ? "account-register" :
							       "other");
				if (r->state == S_CREATE)
					rr.failed_calls++;
				r->state = S_DEAD;
			}
			break;
		default: break;
		}
	}
	/* open loop: tokens no connection could take */
	if (rr.call_mode && sl_opt.call_rate > 0 && !rr.draining) {
		uint64_t due = (uint64_t)((double)(now - rr.start_us) * sl_opt.call_rate / 1e6);

		if (due > rr.started_n + 1 && due - rr.started_n > rr.backlog)
			rr.backlog = due - rr.started_n;
	}
	if (rr.draining && (busy == 0 || now >= rr.drain_until_us))
		sl_pool_stop();
}

static int gateway_run(int argc, char **argv, bool call_mode)
{
	static const struct sl_pool_ops ops = {
		.on_open = r_on_open,
		.on_message = r_on_message,
		.on_close = r_on_close,
		.on_tick = r_on_tick,
	};
	const char *mode = call_mode ? "rtc-call" : "rtc-register";
	char *end;
	long conns;
	double window;
	unsigned i;
	int ok;

	if (argc != 2 || (conns = strtol(argv[0], &end, 10)) <= 0 || *end ||
	    (rr.seconds = strtod(argv[1], &end)) <= 0 || *end) {
		sl_log("usage: sylkload [options] %s CONNECTIONS SECONDS", mode);
		return 2;
	}
	rr.call_mode = call_mode;
	rr.mode = mode;
	rr.conns = (unsigned)conns;
	rr.rc = calloc(rr.conns, sizeof(*rr.rc));
	if (!rr.rc)
		return 1;
	for (i = 0; i < rr.conns; i++) {
		sl_account_user(i, rr.rc[i].user, sizeof(rr.rc[i].user));
		snprintf(rr.rc[i].account, sizeof(rr.rc[i].account), "%s@%s", rr.rc[i].user,
			 sl_opt.domain);
	}
	if (sl_pool_init(rr.conns, RTC_SUBPROTOCOL, &ops) < 0)
		return 1;
	rr.start_us = sl_now_us();
	sl_pool_run();
	rr.draining = true;
	sl_pool_destroy();
	window = rr.started ? rr.seconds : 0;
	ok = rr.started && rr.errors == 0 && rr.completed > 0;
	sl_result("mode=%s connections=%u seconds=%.3f %s=%" PRIu64 " rate=%.1f p50_ms=%.3f "
		  "p90_ms=%.3f p99_ms=%.3f max_ms=%.3f late=%" PRIu64 " cycles=%" PRIu64
		  " started=%" PRIu64 " terminated=%" PRIu64 " failed_calls=%" PRIu64
		  " setup_done=%u setup_failed=%u offered_rate=%.1f backlog=%" PRIu64
		  " errors=%" PRIu64 " timeouts=%" PRIu64 " closed=%" PRIu64 " throttled=%" PRIu64,
		  mode, rr.conns, window, call_mode ? "setups" : "registrations", rr.completed,
		  window > 0 ? (double)rr.completed / window : 0.0,
		  sl_latency_pct_ms(&rr.latency, 50), sl_latency_pct_ms(&rr.latency, 90),
		  sl_latency_pct_ms(&rr.latency, 99), sl_latency_pct_ms(&rr.latency, 100),
		  rr.completed_late, rr.cycles, rr.started_n, rr.terminated, rr.failed_calls,
		  rr.setup_done, rr.setup_failed, sl_opt.call_rate, rr.backlog, rr.errors,
		  rr.timeouts, rr.closed, rr.throttled);
	sl_latency_free(&rr.latency);
	free(rr.rc);
	return ok ? 0 : 1;
}

int mode_rtc_register(int argc, char **argv)
{
	return gateway_run(argc, argv, false);
}

int mode_rtc_call(int argc, char **argv)
{
	return gateway_run(argc, argv, true);
}
