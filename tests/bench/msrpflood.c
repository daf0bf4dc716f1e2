/* SPDX-License-Identifier: GPL-2.0-or-later */
/* msrpflood: the MSRP chat fan-out load of tests/bench/bench_media.py.
 *
 * Opens one MSRP (RFC 4975) connection per participant of a conference
 * room toward the focus paths the SIP answers gave, binds each with an
 * empty SEND, then lets the first S participants push CPIM chat messages,
 * each keeping W SENDs unanswered at most (closed loop: as fast as the
 * focus accepts them). Every participant counts the SENDs the focus relays
 * to it (the deliveries).
 *
 *   msrpflood [-s SENDERS] [-w WINDOW] [-W WARMUP_S] [-t SECONDS] [-b BYTES] SESSIONS
 *
 * SESSIONS: one line per participant,
 *   "host port focus_path local_path from_uri room_uri".
 * Prints "BOUND n" once every connection is bound, "START"/"STOP" around
 * the measured window (after WARMUP seconds of load), then
 *   RESULT participants=.. senders=.. window=.. seconds=.. accepted=..
 *          accept_rate=.. delivered=.. delivery_rate=.. expected=..
 *          errors=.. accept_p50_ms=.. accept_p99_ms=.. deliver_p50_ms=..
 *          deliver_p99_ms=..
 * accepted: the senders' SENDs answered 200 in the window; delivered: the
 * SENDs received by all participants in the window; expected = accepted *
 * (participants - 1). Latencies: SEND to its 200 (accept) and SEND to its
 * arrival at a receiver (deliver; stamped in the chat text). */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES (1u << 22)

struct conn {
	int fd;
	char focus_path[256], local_path[256], from_uri[128], room_uri[128];
	char *in;
	size_t in_len, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	int bound, sender, want_out;
	unsigned outstanding;
	unsigned long seq;
	unsigned long delivered;
};

static struct conn *conns;
static unsigned nconns, nsenders = 5, window = 16;
static int ep;
static int counting; /* 0 before, 1 in the window, 2 after */
static int loading;  /* senders push */
static unsigned long accepted, errors, sent_total;
static double *acc_lat, *del_lat;
static size_t nacc, ndel;
static double *sent_at; /* per sender, ring of window entries */
static size_t body_bytes = 64;
static volatile sig_atomic_t stop_now;

static void on_signal(int sig)
{
	(void)sig;
	stop_now = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void update_events(struct conn *c)
{
	struct epoll_event ev = {.events = EPOLLIN | (c->out_len > c->out_off ? EPOLLOUT : 0),
				 .data.u32 = (uint32_t)(c - conns)};
	int want = c->out_len > c->out_off;

	if (want != c->want_out) {
		c->want_out = want;
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

static void flush_out(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			fprintf(stderr, "msrpflood: send on %s: %s\n", c->from_uri,
				strerror(errno));
			exit(1);
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	update_events(c);
}

static void queue_out(struct conn *c, const char *data, size_t len)
{
	if (c->out_len + len > c->out_cap) {
		if (c->out_off) {
			memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
		}
		while (c->out_len + len > c->out_cap) {
			c->out_cap = c->out_cap ? c->out_cap * 2 : 16384;
			c->out = realloc(c->out, c->out_cap);
			if (!c->out)
				die("realloc");
		}
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
}

/* one chat SEND from sender c; tid "c<conn>x<seq>" */
static void send_chat(struct conn *c)
{
	char body[4096], frame[8192], text[2048];
	unsigned idx = (unsigned)(c - conns);
	double t = now_s();
	size_t pad = body_bytes < sizeof(text) - 64 ? body_bytes : sizeof(text) - 64;
	int tl, bl, fl;

	tl = snprintf(text, sizeof(text), "ts=%.6f ", t);
	while ((size_t)tl < pad) {
		text[tl] = (char)('a' + tl % 26);
		tl++;
	}
	text[tl] = 0;
	bl = snprintf(body, sizeof(body),
		      "From: <%s>\r\nTo: <%s>\r\nDateTime: 2024-01-01T00:00:00.000Z\r\n"
		      "NS: imdn <urn:ietf:params:imdn>\r\nimdn.Message-ID: m%ux%lu\r\n\r\n"
		      "Content-Type: text/plain\r\n\r\n%s",
		      c->from_uri, c->room_uri, idx, c->seq, text);
	fl = snprintf(frame, sizeof(frame),
		      "MSRP c%ux%lu SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\n"
		      "Message-ID: m%ux%lu\r\nByte-Range: 1-%d/%d\r\n"
		      "Content-Type: message/cpim\r\n\r\n%s\r\n-------c%ux%lu$\r\n",
		      idx, c->seq, c->focus_path, c->local_path, idx, c->seq, bl, bl, body, idx,
		      c->seq);
	sent_at[(size_t)idx * window + c->seq % window] = t;
	c->seq++;
	c->outstanding++;
	sent_total++;
	queue_out(c, frame, (size_t)fl);
}

static void top_up(struct conn *c)
{
	if (!c->sender || !loading)
		return;
	while (c->outstanding < window)
		send_chat(c);
	flush_out(c);
}

static void on_frame(struct conn *c, const char *f, size_t len, const char *tid, size_t tid_len,
		     const char *rest)
{
	if (rest[0] >= '0' && rest[0] <= '9') { /* a response */
		int code = atoi(rest);

		if (tid[0] == 'b') {
			if (code == 200)
				c->bound = 1;
			else {
				fprintf(stderr, "msrpflood: bind of %s answered %d\n", c->from_uri,
					code);
				errors++;
			}
			return;
		}
		if (tid[0] != 'c')
			return;
		if (c->outstanding)
			c->outstanding--;
		if (code != 200) {
			errors++;
			if (errors < 5)
				fprintf(stderr, "msrpflood: SEND of %s answered %d\n", c->from_uri,
					code);
		} else if (counting == 1) {
			unsigned idx;
			unsigned long seq;

			accepted++;
			if (sscanf(tid, "c%ux%lu", &idx, &seq) == 2 && idx < nconns &&
			    nacc < MAX_SAMPLES)
				acc_lat[nacc++] =
					now_s() - sent_at[(size_t)idx * window + seq % window];
		}
		top_up(c);
		return;
	}
	if (strncmp(rest, "SEND", 4) != 0)
		return;
	if (counting == 1) {
		const char *ts = memmem(f, len, "ts=", 3);

		c->delivered++;
		if (ts && ndel < MAX_SAMPLES)
			del_lat[ndel++] = now_s() - strtod(ts + 3, NULL);
	}
	/* the focus's relayed SENDs carry Failure-Report: no; answer others */
	if (!memmem(f, len, "Failure-Report: no", 18)) {
		char resp[512];
		int n = snprintf(resp, sizeof(resp),
				 "MSRP %.*s 200 OK\r\nTo-Path: %s\r\n"
				 "From-Path: %s\r\n-------%.*s$\r\n",
				 (int)tid_len, tid, c->focus_path, c->local_path, (int)tid_len,
				 tid);
		queue_out(c, resp, (size_t)n);
		flush_out(c);
	}
}

/* frames out of c->in */
static void parse_in(struct conn *c)
{
	size_t off = 0;

	for (;;) {
		char *s = c->in + off, *eol, *sp, *end, marker[80], tid[64];
		size_t avail = c->in_len - off, tl, ml;

		eol = memmem(s, avail, "\r\n", 2);
		if (!eol)
			break;
		if (avail < 5 || memcmp(s, "MSRP ", 5) != 0) {
			fprintf(stderr, "msrpflood: not MSRP from the focus: %.40s\n", s);
			exit(1);
		}
		sp = memchr(s + 5, ' ', (size_t)(eol - s - 5));
		if (!sp || (size_t)(sp - s - 5) >= sizeof(tid) - 1)
			exit(1);
		tl = (size_t)(sp - s - 5);
		memcpy(tid, s + 5, tl);
		tid[tl] = 0;
		ml = (size_t)snprintf(marker, sizeof(marker), "\r\n-------%s", tid);
		end = memmem(eol, avail - (size_t)(eol - s), marker, ml);
		if (!end || (size_t)(end - s) + ml + 3 > avail)
			break;
		/* NUL-terminate the start line's rest for the handlers */
		{
			char rest[16];
			size_t rl = (size_t)(eol - sp - 1) < sizeof(rest) - 1 ?
					    (size_t)(eol - sp - 1) :
					    sizeof(rest) - 1;
			memcpy(rest, sp + 1, rl);
			rest[rl] = 0;
			size_t flen = (size_t)(end - s) + ml + 3;
			on_frame(c, s, flen, tid, tl, rest);
			off += flen;
		}
	}
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

static void read_conn(struct conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_cap - c->in_len < 65536) {
			c->in_cap = c->in_cap ? c->in_cap * 2 : 262144;
			c->in = realloc(c->in, c->in_cap);
			if (!c->in)
				die("realloc");
		}
		n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
		if (n == 0) {
			fprintf(stderr, "msrpflood: focus closed the connection of %s\n",
				c->from_uri);
			exit(1);
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			die("recv");
		}
		c->in_len += (size_t)n;
		parse_in(c);
	}
}

static void poll_once(int ms)
{
	struct epoll_event evs[128];
	int n = epoll_wait(ep, evs, 128, ms);

	for (int i = 0; i < n; i++) {
		struct conn *c = &conns[evs[i].data.u32];

		if (evs[i].events & EPOLLOUT)
			flush_out(c);
		if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
			read_conn(c);
	}
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_d);
	return v[(size_t)(p * (double)(n - 1))] * 1000.0;
}

int main(int argc, char **argv)
{
	double warmup = 2.0, seconds = 10.0;
	unsigned cap = 0;
	int opt;
	FILE *f;
	char host[64];
	int port;

	while ((opt = getopt(argc, argv, "s:w:W:t:b:")) != -1) {
		switch (opt) {
		case 's': nsenders = (unsigned)atoi(optarg); break;
		case 'w': window = (unsigned)atoi(optarg); break;
		case 'W': warmup = atof(optarg); break;
		case 't': seconds = atof(optarg); break;
		case 'b': body_bytes = (size_t)atoi(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 1 || !window)
		goto usage;
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	f = fopen(argv[optind], "r");
	if (!f)
		die(argv[optind]);
	for (;;) {
		struct conn c;

		memset(&c, 0, sizeof(c));
		if (fscanf(f, "%63s %d %255s %255s %127s %127s", host, &port, c.focus_path,
			   c.local_path, c.from_uri, c.room_uri) != 6)
			break;
		if (nconns == cap) {
			cap = cap ? cap * 2 : 64;
			conns = realloc(conns, cap * sizeof(*conns));
			if (!conns)
				die("realloc");
		}
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
		if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
			fprintf(stderr, "msrpflood: bad host %s\n", host);
			return 2;
		}
		c.fd = socket(AF_INET, SOCK_STREAM, 0);
		if (c.fd < 0 || connect(c.fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("connect");
		int one = 1;
		setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
		conns[nconns++] = c;
	}
	fclose(f);
	if (!nconns)
		goto usage;
	if (nsenders > nconns)
		nsenders = nconns;
	ep = epoll_create1(0);
	acc_lat = malloc(MAX_SAMPLES * sizeof(double));
	del_lat = malloc(MAX_SAMPLES * sizeof(double));
	sent_at = calloc((size_t)nconns * window, sizeof(double));
	if (!acc_lat || !del_lat || !sent_at)
		die("malloc");
	for (unsigned i = 0; i < nconns; i++) {
		struct conn *c = &conns[i];
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};
		char frame[1024];
		int n;

		c->sender = i < nsenders;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
			die("epoll_ctl");
		n = snprintf(
			frame, sizeof(frame),
			"MSRP b%u SEND\r\nTo-Path: %s\r\nFrom-Path: %s\r\nMessage-ID: bind%u\r\n"
			"Byte-Range: 1-0/0\r\n-------b%u$\r\n",
			i, c->focus_path, c->local_path, i, i);
		queue_out(c, frame, (size_t)n);
		flush_out(c);
	}
	/* every connection bound */
	for (double deadline = now_s() + 20;;) {
		unsigned bound = 0;

		for (unsigned i = 0; i < nconns; i++)
			bound += (unsigned)conns[i].bound;
		if (bound == nconns)
			break;
		if (now_s() > deadline || stop_now) {
			fprintf(stderr, "msrpflood: only %u of %u connections bound\n", bound,
				nconns);
			return 1;
		}
		poll_once(50);
	}
	printf("BOUND %u\n", nconns);
	fflush(stdout);
	/* history replays and join notices settle */
	for (double t = now_s() + 1.0; now_s() < t;)
		poll_once(50);

	double start = now_s() + warmup, end = start + seconds;

	loading = 1;
	for (unsigned i = 0; i < nsenders; i++)
		top_up(&conns[i]);
	while (!stop_now) {
		double t = now_s();

		if (!counting && t >= start) {
			counting = 1;
			printf("START\n");
			fflush(stdout);
		}
		if (counting == 1 && t >= end) {
			counting = 2;
			printf("STOP\n");
			fflush(stdout);
			break;
		}
		poll_once(20);
	}
	/* stop loading; let what is in flight arrive (not counted) */
	loading = 0;
	for (double t = now_s() + 1.0; now_s() < t;)
		poll_once(50);

	unsigned long delivered = 0;
	double win = counting == 2 ? seconds : 0;

	for (unsigned i = 0; i < nconns; i++)
		delivered += conns[i].delivered;
	printf("RESULT participants=%u senders=%u window=%u seconds=%.3f accepted=%lu "
	       "accept_rate=%.1f delivered=%lu delivery_rate=%.1f expected=%lu errors=%lu "
	       "sent=%lu accept_p50_ms=%.3f accept_p99_ms=%.3f deliver_p50_ms=%.3f "
	       "deliver_p99_ms=%.3f\n",
	       nconns, nsenders, window, win, accepted, win > 0 ? (double)accepted / win : 0.0,
	       delivered, win > 0 ? (double)delivered / win : 0.0,
	       accepted * (unsigned long)(nconns - 1), errors, sent_total, pct(acc_lat, nacc, 0.5),
	       pct(acc_lat, nacc, 0.99), pct(del_lat, ndel, 0.5), pct(del_lat, ndel, 0.99));
	fflush(stdout);
	return errors ? 1 : 0;
usage:
	fprintf(stderr, "usage: msrpflood [-s senders] [-w window] [-W warmup_s] [-t seconds] "
			"[-b bytes] SESSIONS\n");
	return 2;
}
