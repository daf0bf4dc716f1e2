/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rtpfeed: the RTP generator of the mixer benchmark (tests/bench/bench_media.py).
 *
 * Replays pre-encoded audio frames (Opus, PCMU...) as N RTP streams, one
 * every 20 ms per stream, each with its own SSRC and correct sequence
 * numbers and timestamps, and counts what comes back on the same sockets
 * (the mixer's mix-minus streams). The sockets are inherited: the caller
 * bound them, offered their ports in SDP and passes their descriptors.
 *
 *   rtpfeed [-W WARMUP_S] [-s SECONDS] PAYLOADS STREAMS
 *
 * PAYLOADS: frames, each a 2-byte big-endian length and the payload bytes,
 * replayed in a loop. STREAMS: one line per stream, "fd ip port pt ts_step".
 * Streams are spread over the 20 ms period (stream i sends in millisecond
 * slot i % 20) as unsynchronised phones would be.
 *
 * Prints "READY n" once set up, "START" when the measured window begins
 * (after WARMUP seconds of sending), "STOP" when it ends, then one line
 *   RESULT streams=N seconds=S sent=.. received=.. recv_rate_per_stream=..
 *          min_stream_rate=.. silent_streams=.. send_errors=.. late_ms=..
 * where the rates are packets per second received per stream in the window
 * (50 for a mixer that misses nothing) and late_ms the feeder's own worst
 * lateness (a loaded feeder is not the mixer's fault). */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SLOTS 20

struct stream {
	int fd;
	struct sockaddr_in to;
	uint8_t pt;
	uint32_t ts_step, ssrc, ts;
	uint16_t seq;
	unsigned frame;
	unsigned long received; /* in the window */
};

struct payload {
	uint16_t len;
	uint8_t *data;
};

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

static struct payload *load_payloads(const char *path, unsigned *count)
{
	FILE *f = fopen(path, "rb");
	struct payload *v = NULL;
	unsigned n = 0, cap = 0;
	uint8_t hdr[2];

	if (!f)
		return NULL;
	while (fread(hdr, 1, 2, f) == 2) {
		uint16_t len = (uint16_t)(hdr[0] << 8 | hdr[1]);

		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				exit(2);
		}
		v[n].len = len;
		v[n].data = malloc(len ? len : 1);
		if (!v[n].data || fread(v[n].data, 1, len, f) != len)
			break;
		n++;
	}
	fclose(f);
	*count = n;
	return v;
}

static struct stream *load_streams(const char *path, unsigned *count)
{
	FILE *f = fopen(path, "r");
	struct stream *v = NULL;
	unsigned n = 0, cap = 0;
	char ip[64];
	int fd, port, pt;
	unsigned step;

	if (!f)
		return NULL;
	while (fscanf(f, "%d %63s %d %d %u", &fd, ip, &port, &pt, &step) == 5) {
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			v = realloc(v, cap * sizeof(*v));
			if (!v)
				exit(2);
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].fd = fd;
		v[n].to.sin_family = AF_INET;
		v[n].to.sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, ip, &v[n].to.sin_addr) != 1) {
			fprintf(stderr, "rtpfeed: bad address %s\n", ip);
			exit(2);
		}
		v[n].pt = (uint8_t)pt;
		v[n].ts_step = step;
		v[n].ssrc = (uint32_t)random() ^ (uint32_t)(n * 2654435761u);
		v[n].seq = (uint16_t)random();
		v[n].ts = (uint32_t)random();
		v[n].frame = (unsigned)random();
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		n++;
	}
	fclose(f);
	*count = n;
	return v;
}

int main(int argc, char **argv)
{
	double warmup = 3.0, seconds = 10.0;
	unsigned npay = 0, nstreams = 0;
	unsigned long sent = 0, send_errors = 0;
	double worst_late = 0;
	struct payload *pay;
	struct stream *st;
	int opt, ep, tfd;
	uint8_t pkt[1600], rbuf[2048];

	while ((opt = getopt(argc, argv, "W:s:")) != -1) {
		if (opt == 'W')
			warmup = atof(optarg);
		else if (opt == 's')
			seconds = atof(optarg);
		else
			goto usage;
	}
	if (argc - optind != 2)
		goto usage;
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	pay = load_payloads(argv[optind], &npay);
	st = load_streams(argv[optind + 1], &nstreams);
	if (!pay || !npay || !st || !nstreams) {
		fprintf(stderr, "rtpfeed: no payloads or no streams\n");
		return 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);

	ep = epoll_create1(0);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	{
		struct itimerspec it = {{0, 1000000}, {0, 1000000}};
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};

		timerfd_settime(tfd, 0, &it, NULL);
		epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
	}
	for (unsigned i = 0; i < nstreams; i++) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = i};

		if (epoll_ctl(ep, EPOLL_CTL_ADD, st[i].fd, &ev) < 0) {
			perror("rtpfeed: epoll_ctl");
			return 2;
		}
	}
	printf("READY %u\n", nstreams);
	fflush(stdout);

	double t0 = now_s(), start = t0 + warmup, end = start + seconds;
	int counting = 0;
	unsigned long ms_done = 0; /* 1 ms slots sent so far */

	while (!stop_now) {
		struct epoll_event evs[256];
		int n = epoll_wait(ep, evs, 256, 50);
		double now = now_s();

		if (!counting && now >= start) {
			counting = 1;
			for (unsigned i = 0; i < nstreams; i++)
				st[i].received = 0;
			printf("START\n");
			fflush(stdout);
		}
		if (counting == 1 && now >= end) {
			counting = 2;
			printf("STOP\n");
			fflush(stdout);
			break;
		}
		for (int e = 0; e < n; e++) {
			uint32_t id = evs[e].data.u32;

			if (id == UINT32_MAX) {
				uint64_t exp;

				if (read(tfd, &exp, sizeof(exp)) != sizeof(exp))
					continue;
				/* every 1 ms slot due by now, from the clock, not the
				 * expiration count: a late wake-up sends what it owes */
				unsigned long due = (unsigned long)((now - t0) * 1000.0);
				if (due > ms_done + 1) {
					double late = (double)(due - ms_done - 1);
					if (late > worst_late)
						worst_late = late;
				}
				/* more than 200 ms behind: drop the debt, do not burst */
				if (due > ms_done + 200)
					ms_done = due - 1;
				while (ms_done < due) {
					unsigned slot = (unsigned)(ms_done % SLOTS);

					for (unsigned i = slot; i < nstreams; i += SLOTS) {
						struct stream *s = &st[i];
						const struct payload *p = &pay[s->frame % npay];
						uint32_t v;

						pkt[0] = 0x80;
						pkt[1] = s->pt;
						pkt[2] = (uint8_t)(s->seq >> 8);
						pkt[3] = (uint8_t)s->seq;
						v = htonl(s->ts);
						memcpy(pkt + 4, &v, 4);
						v = htonl(s->ssrc);
						memcpy(pkt + 8, &v, 4);
						memcpy(pkt + 12, p->data, p->len);
						if (sendto(s->fd, pkt, 12 + (size_t)p->len, 0,
							   (struct sockaddr *)&s->to,
							   sizeof(s->to)) < 0)
							send_errors++;
						else
							sent++;
						s->seq++;
						s->ts += s->ts_step;
						s->frame++;
					}
					ms_done++;
				}
				continue;
			}
			for (;;) {
				ssize_t r = recv(st[id].fd, rbuf, sizeof(rbuf), 0);

				if (r < 0)
					break;
				if (r >= 12 && counting == 1)
					st[id].received++;
			}
		}
	}

	double window = counting == 2 ? seconds : (now_s() > start ? now_s() - start : 0);
	unsigned long total = 0;
	double min_rate = -1;
	unsigned silent = 0;

	for (unsigned i = 0; i < nstreams; i++) {
		double r = window > 0 ? (double)st[i].received / window : 0;

		total += st[i].received;
		if (min_rate < 0 || r < min_rate)
			min_rate = r;
		if (!st[i].received)
			silent++;
	}
	printf("RESULT streams=%u seconds=%.3f sent=%lu received=%lu recv_rate_per_stream=%.2f "
	       "min_stream_rate=%.2f silent_streams=%u send_errors=%lu late_ms=%.0f\n",
	       nstreams, window, sent, total, window > 0 ? (double)total / window / nstreams : 0.0,
	       min_rate < 0 ? 0.0 : min_rate, silent, send_errors, worst_late);
	fflush(stdout);
	return 0;
usage:
	fprintf(stderr, "usage: rtpfeed [-W warmup_s] [-s seconds] PAYLOADS STREAMS\n");
	return 2;
}
