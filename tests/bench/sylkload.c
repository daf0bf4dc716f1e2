/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylkload: entry point, options, shared helpers. See sylkload.h. */
#include "sylkload.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/rand.h>

struct sl_options sl_opt = {
	.host = "127.0.0.1",
	.port = 10888,
	.path = "/webrtcgateway/ws",
	.user = "alice",
	.password = "alice123",
	.domain = "sylk.test",
	.concurrency = 128,
	.rate = 0,
	.hold = 0,
	.timeout = 5.0,
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

bool sl_interrupted(void)
{
	return interrupted != 0;
}

uint64_t sl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

unsigned long sl_raise_fd_limit(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur >= want)
		return rl.rlim_cur;
	if (rl.rlim_max < want) {
		struct rlimit more = {want, want};
		/* only root may raise the hard limit */
		if (setrlimit(RLIMIT_NOFILE, &more) == 0)
			return want;
	}
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	return rl.rlim_cur;
}

void sl_result(const char *fmt, ...)
{
	va_list ap;

	fputs("RESULT ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void sl_log(const char *fmt, ...)
{
	va_list ap;

	fputs("sylkload: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void sl_random_hex(char *out, size_t hexchars)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[64];
	size_t i, nbytes = (hexchars + 1) / 2;

	if (nbytes > sizeof(raw))
		nbytes = sizeof(raw);
	if (RAND_bytes(raw, (int)nbytes) != 1) {
		for (i = 0; i < nbytes; i++)
			raw[i] = (unsigned char)rand();
	}
	for (i = 0; i < hexchars && i / 2 < nbytes; i++)
		out[i] = digits[(i & 1) ? raw[i / 2] & 15 : raw[i / 2] >> 4];
	out[i] = 0;
}

/* ---- latency ------------------------------------------------------------- */

void sl_latency_add(struct sl_latency *l, uint64_t usec)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint32_t *v = realloc(l->usec, cap * sizeof(*v));

		if (!v)
			return;
		l->usec = v;
		l->cap = cap;
	}
	l->usec[l->n++] = usec > UINT32_MAX ? UINT32_MAX : (uint32_t)usec;
	l->sorted = false;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

double sl_latency_pct_ms(struct sl_latency *l, double p)
{
	size_t rank;

	if (!l->n)
		return 0;
	if (!l->sorted) {
		qsort(l->usec, l->n, sizeof(*l->usec), cmp_u32);
		l->sorted = true;
	}
	/* nearest rank */
	rank = (size_t)((p / 100.0) * (double)l->n + 0.999999);
	if (rank < 1)
		rank = 1;
	if (rank > l->n)
		rank = l->n;
	return l->usec[rank - 1] / 1000.0;
}

void sl_latency_free(struct sl_latency *l)
{
	free(l->usec);
	memset(l, 0, sizeof(*l));
}

/* ---- options ------------------------------------------------------------- */

static int parse_url(const char *url)
{
	const char *p, *hostend, *slash;
	size_t hlen;

	if (!strncmp(url, "ws://", 5)) {
		sl_opt.tls = false;
		p = url + 5;
	} else if (!strncmp(url, "wss://", 6)) {
		sl_opt.tls = true;
		p = url + 6;
	} else {
		return -1;
	}
	slash = strchr(p, '/');
	hostend = slash ? slash : p + strlen(p);
	/* [v6]:port is not needed on loopback; host:port only */
	{
		const char *colon = memchr(p, ':', (size_t)(hostend - p));

		if (colon) {
			char *end;
			long port = strtol(colon + 1, &end, 10);

			if (end != hostend || port < 1 || port > 65535)
				return -1;
			sl_opt.port = (int)port;
			hlen = (size_t)(colon - p);
		} else {
			sl_opt.port = sl_opt.tls ? 443 : 80;
			hlen = (size_t)(hostend - p);
		}
	}
	if (!hlen || hlen >= sizeof(sl_opt.host))
		return -1;
	memcpy(sl_opt.host, p, hlen);
	sl_opt.host[hlen] = 0;
	snprintf(sl_opt.path, sizeof(sl_opt.path), "%s", slash ? slash : "/");
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sylkload [options] MODE ARGS...\n"
		"\n"
		"modes:\n"
		"  sip-idle N             open N WebSocket connections (subprotocol sip), print\n"
		"                         READY when all are open, hold them (--hold, or until\n"
		"                         SIGINT/SIGTERM), close them\n"
		"  sip-register C SECS    C connections, each one REGISTER at a time with digest\n"
		"                         auth (nonce reused, nc counted), for SECS seconds;\n"
		"                         prints round trips per second and p50/p99 latency\n"
		"  tcp-idle N             N plain TCP connections that send nothing (the core's\n"
		"                         cost of a connection), held like sip-idle\n"
		"  rtc-idle N             N sylkRTC-2 connections (ready-event received), held\n"
		"  rtc-register C SECS    C sylkRTC-2 connections, each repeating account-add,\n"
		"                         account-register (until registered), account-remove;\n"
		"                         registrations/s, p50/p99 of register -> registered\n"
		"  rtc-call C SECS        C sylkRTC-2 connections, accounts registered first;\n"
		"                         each calls a callee (session-create with a WebRTC\n"
		"                         offer), holds --hold s, session-terminate, again;\n"
		"                         call setups/s, p50/p99 of session-create -> accepted\n"
		"  janus-idle N           N Janus WebSocket connections, one session each, held\n"
		"  janus-register C SECS  the same as rtc-register through Janus's SIP plugin\n"
		"                         (attach, register, unregister, detach)\n"
		"  janus-call C SECS      the same as rtc-call through Janus's SIP plugin\n"
		"  rtc-message C SECS     C sender and C receiver sylkRTC-2 connections (sender i\n"
		"                         account i, receiver i account C+i), accounts registered\n"
		"                         first; each sender sends account-message to its\n"
		"                         receiver, --window W in flight; messages/s, p50/p99 of\n"
		"                         account-message sent -> receiver's \"message\" event\n"
		"  janus-message C SECS   the same through Janus's SIP plugin (\"message\" request\n"
		"                         -> the receiver handle's \"message\" event)\n"
		"\n"
		"options:\n"
		"  -u, --url URL          ws[s]://host:port/path (default ws://127.0.0.1:10888/webrtcgateway/ws)\n"
		"      --origin ORIGIN    send this Origin header\n"
		"      --user NAME        account (default alice)\n"
		"      --password PW      its password (default alice123)\n"
		"      --domain DOMAIN    SIP domain and realm (default sylk.test)\n"
		"  -c, --concurrency N    handshakes in flight at most (default 128)\n"
		"  -r, --rate N           new connections per second, 0 = unlimited (default 0)\n"
		"      --hold SECS        idle modes: hold this long, 0 = until signalled\n"
		"      --timeout SECS     request timeout (default 5)\n"
		"  -v, --verbose          log every error\n"
		"gateway modes:\n"
		"      --account-prefix P --accounts N  connection i uses account P%%04u (i %% N),\n"
		"                         password --password (default: --user on all)\n"
		"      --callees A,B      callee users, round robin (default bob)\n"
		"      --call-rate R      start calls at R per second (default: closed loop)\n"
		"      --conn-rps N       at most N requests per second per connection\n"
		"      --hold SECS        call modes: hold time of each call (default 0)\n"
		"      --sdp FILE         the offer (default a built-in WebRTC audio offer)\n"
		"      --janus-proxy URI  Janus SIP plugin's proxy (default sip:127.0.0.1:5060)\n"
		"      --keep-handle      janus-register: attach once, then register/unregister\n"
		"                         on that handle (no attach/detach per cycle)\n"
		"      --window W         message modes: messages in flight per sender (default 1)\n"
		"\n"
		"The last stdout line is \"RESULT mode=... key=value ...\".\n");
}

struct mode {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct mode modes[] = {
	{"sip-idle", mode_sip_idle},           {"sip-register", mode_sip_register},
	{"tcp-idle", mode_tcp_idle},           {"rtc-idle", mode_rtc_idle},
	{"rtc-register", mode_rtc_register},   {"rtc-call", mode_rtc_call},
	{"janus-idle", mode_janus_idle},       {"janus-register", mode_janus_register},
	{"janus-call", mode_janus_call},       {"rtc-message", mode_rtc_message},
	{"janus-message", mode_janus_message},
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"url", required_argument, NULL, 'u'},
		{"origin", required_argument, NULL, 'O'},
		{"user", required_argument, NULL, 'U'},
		{"password", required_argument, NULL, 'P'},
		{"domain", required_argument, NULL, 'D'},
		{"concurrency", required_argument, NULL, 'c'},
		{"rate", required_argument, NULL, 'r'},
		{"hold", required_argument, NULL, 'H'},
		{"timeout", required_argument, NULL, 'T'},
		{"verbose", no_argument, NULL, 'v'},
		{"account-prefix", required_argument, NULL, 'a'},
		{"accounts", required_argument, NULL, 'n'},
		{"callees", required_argument, NULL, 'e'},
		{"call-rate", required_argument, NULL, 'R'},
		{"conn-rps", required_argument, NULL, 'q'},
		{"sdp", required_argument, NULL, 's'},
		{"janus-proxy", required_argument, NULL, 'j'},
		{"keep-handle", no_argument, NULL, 'k'},
		{"window", required_argument, NULL, 'W'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct sigaction sa;
	size_t i;
	int opt;

	while ((opt = getopt_long(argc, argv, "+u:c:r:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			if (parse_url(optarg) < 0) {
				fprintf(stderr, "sylkload: bad URL '%s'\n", optarg);
				return 2;
			}
			break;
		case 'O': sl_opt.origin = optarg; break;
		case 'U': sl_opt.user = optarg; break;
		case 'P': sl_opt.password = optarg; break;
		case 'D': sl_opt.domain = optarg; break;
		case 'c': sl_opt.concurrency = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'r': sl_opt.rate = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'H': sl_opt.hold = strtod(optarg, NULL); break;
		case 'T': sl_opt.timeout = strtod(optarg, NULL); break;
		case 'v': sl_opt.verbose = true; break;
		case 'a': sl_opt.account_prefix = optarg; break;
		case 'n': sl_opt.accounts = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'e': sl_opt.callees = optarg; break;
		case 'R': sl_opt.call_rate = strtod(optarg, NULL); break;
		case 'q': sl_opt.conn_rps = strtod(optarg, NULL); break;
		case 's': sl_opt.sdp_file = optarg; break;
		case 'j': sl_opt.janus_proxy = optarg; break;
		case 'k': sl_opt.keep_handle = true; break;
		case 'W': sl_opt.window = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (sl_opt.concurrency == 0)
		sl_opt.concurrency = 1;
	if (sl_opt.timeout <= 0)
		sl_opt.timeout = 5.0;
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[optind], modes[i].name))
			return modes[i].run(argc - optind - 1, argv + optind + 1);
	fprintf(stderr, "sylkload: unknown mode '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
