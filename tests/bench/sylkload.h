/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylkload: load generator for the project's WebSocket front end.
 *
 * One program, several modes (sylkload MODE ARGS...). Every mode shares:
 *   - the option set (target URL, account, pacing), parsed in sylkload.c;
 *   - a pool of WebSocket client connections on libwebsockets (wsconn.c)
 *     that opens N connections at a bounded concurrency and rate, queues
 *     outgoing text messages, reassembles incoming ones and hands them to
 *     the mode's callbacks;
 *   - a latency recorder with percentiles, and one machine-readable
 *     "RESULT key=value ..." line on stdout at the end of a run.
 *
 * Modes live in mode_*.c and are listed in sylkload.c. Adding a protocol
 * (sylkRTC, Janus) means one more mode file with its own callbacks.
 */
#ifndef SYLKLOAD_H
#define SYLKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct lws;

/* ---- options (sylkload.c) ---------------------------------------------- */

struct sl_options {
	/* target: ws[s]://host:port/path */
	char host[256];
	int port;
	char path[512];
	bool tls;
	const char *origin; /* Origin header, NULL = none */
	/* account used by modes that authenticate */
	const char *user;
	const char *password;
	const char *domain; /* SIP domain, also the digest realm */
	/* connection pacing */
	unsigned concurrency; /* handshakes in flight at most */
	unsigned rate;        /* new connections per second, 0 = no limit */
	double hold;          /* idle modes: seconds to hold, <= 0 = until signal */
	double timeout;       /* request timeout, seconds */
	bool verbose;
	/* gateway modes (mode_rtc.c, mode_janus.c) */
	const char *account_prefix; /* generated accounts PREFIX0000..; NULL = --user */
	unsigned accounts;          /* how many generated accounts (connection i uses i % N) */
	const char *callees;        /* comma separated callee users (default bob) */
	double call_rate;           /* call setups started per second, 0 = closed loop */
	double conn_rps;            /* requests per second per connection at most, 0 = no limit */
	const char *sdp_file;       /* offer to send, default a built-in WebRTC-style one */
	const char *janus_proxy;    /* Janus SIP plugin: outbound proxy (sip:host:port) */
	bool keep_handle;           /* janus-register: re-register on one handle */
	unsigned window;            /* message modes: messages in flight per sender (default 1) */
};

extern struct sl_options sl_opt;

/* ---- helpers (sylkload.c) ------------------------------------------------ */

uint64_t sl_now_us(void);
/* Raises RLIMIT_NOFILE so that `want` descriptors fit; returns the limit. */
unsigned long sl_raise_fd_limit(unsigned long want);
/* Set from the SIGINT/SIGTERM handler. */
bool sl_interrupted(void);
/* One line "RESULT mode=... key=value ..." on stdout, flushed. */
void sl_result(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Progress and diagnostics on stderr. */
void sl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sl_random_hex(char *out, size_t hexchars);

/* ---- latency recorder ---------------------------------------------------- */

struct sl_latency {
	uint32_t *usec;
	size_t n, cap;
	bool sorted;
};

void sl_latency_add(struct sl_latency *l, uint64_t usec);
/* p in [0, 100]; milliseconds; 0 when empty. */
double sl_latency_pct_ms(struct sl_latency *l, double p);
void sl_latency_free(struct sl_latency *l);

/* ---- WebSocket connection pool (wsconn.c) -------------------------------- */

enum sl_conn_state {
	SL_CONN_NEW = 0,
	SL_CONN_CONNECTING,
	SL_CONN_OPEN,
	SL_CONN_FAILED, /* never opened */
	SL_CONN_CLOSED, /* opened, then closed */
};

struct sl_txmsg;

struct sl_conn {
	unsigned idx;
	enum sl_conn_state state;
	bool closing; /* close frame to send once the queue is empty */
	struct lws *wsi;
	struct sl_txmsg *txq_head, *txq_tail;
	char *rx;
	size_t rx_len, rx_cap;
	void *mode_data;
};

struct sl_pool_ops {
	/* handshake done */
	void (*on_open)(struct sl_conn *c);
	/* one whole message, NUL-terminated (data[len] == 0) */
	void (*on_message)(struct sl_conn *c, char *data, size_t len);
	/* connection gone: failed to open (was_open false) or closed */
	void (*on_close)(struct sl_conn *c, bool was_open);
	/* every ~10 ms while the pool runs */
	void (*on_tick)(uint64_t now_us);
};

struct sl_pool_counts {
	unsigned total, connecting, open, failed, closed;
};

/* Prepares n connections offering `subprotocol`; opening starts with
 * sl_pool_run(). Returns 0 or -1. */
int sl_pool_init(unsigned n, const char *subprotocol, const struct sl_pool_ops *ops);
/* Runs the event loop until sl_pool_stop() (or a signal, which the
 * mode's on_tick sees through sl_interrupted()). */
void sl_pool_run(void);
void sl_pool_stop(void);
/* Queues a text message; 0 or -1 (not open, no memory). */
int sl_send_text(struct sl_conn *c, const char *data, size_t len);
void sl_conn_close(struct sl_conn *c);
struct sl_pool_counts sl_pool_counts(void);
/* All connections opened or failed. */
bool sl_pool_settled(void);
struct sl_conn *sl_pool_conn(unsigned idx);
/* Closes everything, frees the pool. */
void sl_pool_destroy(void);

/* ---- gateway helpers (mode_rtc.c) ------------------------------------------ */

/* Account user name of connection `idx`: PREFIX%04u of idx % accounts, or --user. */
void sl_account_user(unsigned idx, char *out, size_t size);
/* Callee user for call number n (round robin over --callees). */
const char *sl_callee(unsigned n);
/* md5("user:realm:password") in hex. */
void sl_ha1(const char *user, const char *realm, const char *password, char out[33]);
/* The SDP offer as a JSON string literal (quotes included). */
const char *sl_offer_json(void);
/* Token bucket of --call-rate: true if a call may start now. */
bool sl_call_token(uint64_t now_us);

/* ---- idle modes (mode_idle.c) ---------------------------------------------- */

struct sl_idle_proto {
	const char *mode; /* name in the RESULT line */
	const char *subprotocol;
	/* sent once the connection opened (NULL = nothing) */
	const char *greeting;
	/* message that makes the connection count as ready (substring);
	 * NULL = ready as soon as it opened */
	const char *ready_marker;
};

int sl_idle_run(int argc, char **argv, const struct sl_idle_proto *proto);

/* ---- modes --------------------------------------------------------------- */

int mode_sip_idle(int argc, char **argv);
int mode_sip_register(int argc, char **argv);
int mode_tcp_idle(int argc, char **argv);
int mode_rtc_idle(int argc, char **argv);
int mode_rtc_register(int argc, char **argv);
int mode_rtc_call(int argc, char **argv);
int mode_janus_idle(int argc, char **argv);
int mode_janus_register(int argc, char **argv);
int mode_janus_call(int argc, char **argv);
int mode_rtc_message(int argc, char **argv);
int mode_janus_message(int argc, char **argv);

#endif
