/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP over WebSocket (RFC 7118) modes:
 *
 *   sip-idle N            N connections with subprotocol "sip", held idle
 *   sip-register C SECS   closed-loop REGISTER with digest auth on C
 *                         connections for SECS seconds
 *
 * sip-register: each connection has one request outstanding at a time. Its
 * first REGISTER is challenged (401); later ones carry Authorization built
 * from that challenge with a fresh cnonce and the next nc, as a refreshing
 * phone does, so the steady state is one authenticated REGISTER -> 200 per
 * round trip. A 401 with stale=true is answered with the new nonce and is
 * not an error. All connections register the same Contact (one binding of
 * the account, refreshed from 100 flows), which keeps the 200 OK small. */
#include "sylkload.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sylk_ws/sip/sip_digest.h"

#define SIP_SUBPROTOCOL "sip"
#define REGISTER_EXPIRES 3600

static double parse_seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	return (*end || v <= 0) ? -1 : v;
}

static long parse_count(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return (*end || v <= 0) ? -1 : v;
}

/* ---- sip-idle ------------------------------------------------------------- */

int mode_sip_idle(int argc, char **argv)
{
	static const struct sl_idle_proto proto = {
		.mode = "sip-idle",
		.subprotocol = SIP_SUBPROTOCOL,
	};

	return sl_idle_run(argc, argv, &proto);
}

/* ---- sip-register ----------------------------------------------------------- */

struct reg_conn {
	char callid[40];
	char from_tag[20];
	uint32_t cseq;
	uint32_t nc;
	struct sip_digest_chal *chal;
	uint64_t sent_us;
	bool waiting;
	bool sent_auth; /* the outstanding request carried Authorization */
};

static struct {
	unsigned conns;
	double seconds;
	struct reg_conn *rc;
	bool started, draining;
	uint64_t start_us, deadline_us, last_timeout_scan_us;
	unsigned waiting;
	/* counted for responses that arrive before the deadline */
	uint64_t roundtrips, registrations, challenges;
	uint64_t errors, timeouts, closed, bad_status;
	unsigned logged_errors;
	struct sl_latency latency;
	char ruri[300];
	char instance[16];
} reg;

static void reg_error(const char *fmt, const char *detail)
{
	reg.errors++;
	if (sl_opt.verbose || reg.logged_errors < 5) {
		reg.logged_errors++;
		fprintf(stderr, "sylkload: sip-register: ");
		fprintf(stderr, fmt, detail);
		fputc('\n', stderr);
	}
}

/* Value of header `name` (case-insensitive, no compact forms) in a SIP
 * message; false if absent. */
static bool sip_header(const char *msg, size_t len, const char *name, const char **val,
		       size_t *vlen)
{
	const char *p = memchr(msg, '\n', len), *end = msg + len;
	size_t nlen = strlen(name);

	while (p && ++p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *lend = eol ? eol : end;
		const char *colon;

		if (lend > p && lend[-1] == '\r')
			lend--;
		if (lend == p)
			return false; /* end of headers */
		colon = memchr(p, ':', (size_t)(lend - p));
		if (colon) {
			const char *ne = colon;

			while (ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
				ne--;
			if ((size_t)(ne - p) == nlen && !strncasecmp(p, name, nlen)) {
				const char *v = colon + 1;

				while (v < lend && (*v == ' ' || *v == '\t'))
					v++;
				*val = v;
				*vlen = (size_t)(lend - v);
				return true;
			}
		}
		p = eol;
	}
	return false;
}

static void send_register(struct sl_conn *c, uint64_t now)
{
	struct reg_conn *r = &reg.rc[c->idx];
	char auth[1024] = "", branch[17], msg[2048];
	int len;

	r->cseq++;
	sl_random_hex(branch, 16);
	r->sent_auth = false;
	if (r->chal) {
		struct sip_digest_cred cred = {
			.username = sl_opt.user,
			.password = sl_opt.password,
		};
		struct sip_digest_req req = {
			.method = "REGISTER",
			.uri = reg.ruri,
			.nc = ++r->nc,
		};
		char cnonce[17], value[900];
		enum sip_digest_reason why;
		int err;

		sl_random_hex(cnonce, 16);
		req.cnonce = cnonce;
		err = sip_digest_authorization(value, sizeof(value), NULL, r->chal, &cred, &req,
					       &why);
		if (err) {
			reg_error("cannot answer the challenge: %s", sip_digest_reason_str(why));
			sip_digest_chal_free(r->chal);
			r->chal = NULL;
		} else {
			snprintf(auth, sizeof(auth), "Authorization: %s\r\n", value);
			r->sent_auth = true;
		}
	}
	len = snprintf(msg, sizeof(msg),
		       "REGISTER %s SIP/2.0\r\n"
		       "Via: SIP/2.0/WS c%u-%s.invalid;branch=z9hG4bK%s\r\n"
		       "Max-Forwards: 70\r\n"
		       "From: <sip:%s@%s>;tag=%s\r\n"
		       "To: <sip:%s@%s>\r\n"
		       "Call-ID: %s\r\n"
		       "CSeq: %u REGISTER\r\n"
		       "Contact: <sip:%s@sylkload-%s.invalid;transport=ws>\r\n"
		       "Expires: %d\r\n"
		       "%s"
		       "User-Agent: sylkload\r\n"
		       "Content-Length: 0\r\n"
		       "\r\n",
		       reg.ruri, c->idx, reg.instance, branch, sl_opt.user, sl_opt.domain,
		       r->from_tag, sl_opt.user, sl_opt.domain, r->callid, r->cseq, sl_opt.user,
		       reg.instance, REGISTER_EXPIRES, auth);
	if (len < 0 || (size_t)len >= sizeof(msg) || sl_send_text(c, msg, (size_t)len) < 0) {
		reg_error("cannot send REGISTER%s", "");
		r->waiting = false;
		return;
	}
	r->sent_us = now;
	r->waiting = true;
	reg.waiting++;
}

static void reg_done(struct reg_conn *r)
{
	if (r->waiting) {
		r->waiting = false;
		reg.waiting--;
	}
}

static void reg_on_message(struct sl_conn *c, char *data, size_t len)
{
	struct reg_conn *r = &reg.rc[c->idx];
	uint64_t now = sl_now_us();
	bool counted = !reg.draining && now < reg.deadline_us;
	const char *v;
	size_t vlen;
	int code;

	if (len < 12 || strncmp(data, "SIP/2.0 ", 8) || !isdigit((unsigned char)data[8]))
		return; /* a request from the server: not expected, ignored */
	code = atoi(data + 8);
	if (!r->waiting || !sip_header(data, len, "CSeq", &v, &vlen) ||
	    strtoul(v, NULL, 10) != r->cseq)
		return; /* late answer to a timed-out request */
	if (code < 200)
		return;
	reg_done(r);

	if (counted) {
		reg.roundtrips++;
		sl_latency_add(&reg.latency, now - r->sent_us);
	}
	if (code == 200) {
		if (counted)
			reg.registrations++;
	} else if (code == 401 && sip_header(data, len, "WWW-Authenticate", &v, &vlen)) {
		struct sip_digest_chal *chal = NULL;
		enum sip_digest_reason why;
		int err = sip_digest_chal_parse(&chal, v, vlen, &why);

		if (err) {
			reg_error("unusable challenge: %s", sip_digest_reason_str(why));
		} else {
			if (r->sent_auth && !chal->stale)
				reg_error("credentials refused (401 again)%s", "");
			else if (counted)
				reg.challenges++;
			sip_digest_chal_free(r->chal);
			r->chal = chal;
			r->nc = 0;
		}
	} else {
		char status[64];
		const char *eol = memchr(data, '\r', len);
		size_t slen = eol ? (size_t)(eol - data) : len;

		snprintf(status, sizeof(status), "%.*s", (int)(slen < 63 ? slen : 63), data);
		reg.bad_status++;
		reg_error("unexpected answer: %s", status);
	}
	if (!reg.draining && now < reg.deadline_us)
		send_register(c, now);
}

static void reg_on_close(struct sl_conn *c, bool was_open)
{
	struct reg_conn *r = &reg.rc[c->idx];

	reg_done(r);
	if (reg.draining)
		return;
	reg.closed++;
	reg_error(was_open ? "connection closed by the server%s" : "connection failed%s", "");
}

static void reg_start(uint64_t now)
{
	struct sl_pool_counts n = sl_pool_counts();
	unsigned i;

	reg.started = true;
	reg.start_us = now;
	reg.deadline_us = now + (uint64_t)(reg.seconds * 1e6);
	reg.last_timeout_scan_us = now;
	sl_log("sip-register: %u of %u connections open, running %.1f s", n.open, reg.conns,
	       reg.seconds);
	for (i = 0; i < reg.conns; i++) {
		struct sl_conn *c = sl_pool_conn(i);

		if (c->state == SL_CONN_OPEN)
			send_register(c, now);
	}
}

static void reg_on_tick(uint64_t now)
{
	uint64_t timeout_us = (uint64_t)(sl_opt.timeout * 1e6);
	unsigned i;

	if (sl_interrupted()) {
		if (reg.started && !reg.draining && now < reg.deadline_us)
			reg.deadline_us = now; /* the window ends early */
		reg.draining = true;
		sl_pool_stop();
		return;
	}
	if (!reg.started) {
		if (!sl_pool_settled())
			return;
		if (sl_pool_counts().open == 0) {
			sl_log("sip-register: no connection opened");
			sl_pool_stop();
			return;
		}
		reg_start(now);
		return;
	}
	if (now >= reg.deadline_us && !reg.draining) {
		reg.draining = true;
		reg.deadline_us = now; /* the measured window ends here */
	}
	if (reg.draining && (reg.waiting == 0 || now >= reg.deadline_us + timeout_us)) {
		sl_pool_stop();
		return;
	}
	if (now - reg.last_timeout_scan_us < 100000u)
		return;
	reg.last_timeout_scan_us = now;
	for (i = 0; i < reg.conns; i++) {
		struct reg_conn *r = &reg.rc[i];
		struct sl_conn *c = sl_pool_conn(i);

		if (!r->waiting || now - r->sent_us < timeout_us)
			continue;
		reg_done(r);
		reg.timeouts++;
		reg_error("REGISTER timed out%s", "");
		if (!reg.draining && c->state == SL_CONN_OPEN)
			send_register(c, now);
	}
}

int mode_sip_register(int argc, char **argv)
{
	static const struct sl_pool_ops ops = {
		.on_message = reg_on_message,
		.on_close = reg_on_close,
		.on_tick = reg_on_tick,
	};
	struct sl_pool_counts n;
	double window, p50, p99, rate;
	long conns;
	unsigned i;
	int ok;

	if (argc != 2 || (conns = parse_count(argv[0])) < 0 ||
	    (reg.seconds = parse_seconds(argv[1])) < 0) {
		sl_log("usage: sylkload [options] sip-register CONNECTIONS SECONDS");
		return 2;
	}
	reg.conns = (unsigned)conns;
	reg.rc = calloc(reg.conns, sizeof(*reg.rc));
	if (!reg.rc)
		return 1;
	snprintf(reg.ruri, sizeof(reg.ruri), "sip:%s", sl_opt.domain);
	sl_random_hex(reg.instance, 8);
	for (i = 0; i < reg.conns; i++) {
		char rnd[25];

		sl_random_hex(rnd, 24);
		snprintf(reg.rc[i].callid, sizeof(reg.rc[i].callid), "%s-%u", rnd, i);
		sl_random_hex(reg.rc[i].from_tag, 12);
		reg.rc[i].cseq = (uint32_t)(i + 1) * 10;
	}
	if (sl_pool_init(reg.conns, SIP_SUBPROTOCOL, &ops) < 0) {
		free(reg.rc);
		return 1;
	}
	sl_pool_run();
	n = sl_pool_counts();
	reg.draining = true;
	sl_pool_destroy();

	window = reg.started ? (double)(reg.deadline_us - reg.start_us) / 1e6 : 0.0;
	rate = window > 0 ? (double)reg.roundtrips / window : 0.0;
	p50 = sl_latency_pct_ms(&reg.latency, 50);
	p99 = sl_latency_pct_ms(&reg.latency, 99);
	printf("sip-register: %u connections (%u failed to open), %.2f s: "
	       "%" PRIu64 " round trips = %.1f/s, %" PRIu64 " registrations, "
	       "%" PRIu64 " challenges, %" PRIu64 " errors; latency p50 %.3f ms, p99 %.3f ms\n",
	       reg.conns, n.failed, window, reg.roundtrips, rate, reg.registrations, reg.challenges,
	       reg.errors, p50, p99);
	sl_result("mode=sip-register connections=%u opened=%u seconds=%.3f roundtrips=%" PRIu64
		  " rate=%.1f registrations=%" PRIu64 " challenges=%" PRIu64 " errors=%" PRIu64
		  " timeouts=%" PRIu64 " closed=%" PRIu64 " bad_status=%" PRIu64
		  " p50_ms=%.3f p99_ms=%.3f",
		  reg.conns, reg.conns - n.failed, window, reg.roundtrips, rate, reg.registrations,
		  reg.challenges, reg.errors, reg.timeouts, reg.closed, reg.bad_status, p50, p99);
	ok = reg.started && reg.errors == 0 && reg.registrations > 0 && !sl_interrupted();
	for (i = 0; i < reg.conns; i++)
		sip_digest_chal_free(reg.rc[i].chal);
	free(reg.rc);
	sl_latency_free(&reg.latency);
	return ok ? 0 : 1;
}
