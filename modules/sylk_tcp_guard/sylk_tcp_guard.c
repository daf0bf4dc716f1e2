/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylk_tcp_guard: per-address TCP connection limit and a deadline for the
 * first request of every accepted connection (TCP, TLS, WebSocket before
 * the upgrade, MSRP, SIP over TCP).
 *
 * Kamailio 5.6 has no accept hook a module could use, and tcp_main must run
 * none of our code (docs/ARCHITECTURE.md). So a timer process of this
 * module walks the core's connection table (tcpconn_id_hash, under
 * TCPCONN_LOCK, copying a few fields and nothing else), decides outside the
 * lock, and closes a connection the way a sending process asks tcp_main to
 * close one after a write: a CONN_EOF command on its own socket to
 * tcp_main, the connection also marked bad so that a reader process that
 * holds it drops it at its next event or timer.
 *
 * An address at its limit is also refused at accept, by the kernel: the
 * guard puts a classic BPF filter on every IPv4 TCP/TLS listening socket
 * that drops new-connection SYNs from those addresses. Only tcp_main keeps
 * the listening sockets, so the main process duplicates them for the guard
 * just before forking it; replacing a socket filter is atomic and needs no
 * privilege. Without it, one address opening
 * connections faster than the walk closes them would keep the core's table
 * (tcp_max_connections) full and every other client refused. */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/globals.h"
#include "core/ip_addr.h"
#include "core/pass_fd.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/socket_info.h"
#include "core/tcp_conn.h"
#include "core/tcp_options.h"
#include "core/timer.h"
#include "core/timer_proc.h"
#include "core/mem/mem.h"

#include "../common/module_status.h"

MODULE_VERSION

static int mod_init(void);
static int child_init(int rank);

/* the core's connection table (core/tcp_main.c; the binary is linked with
 * -rdynamic, so these resolve when the module is loaded) */
extern struct tcp_connection **tcpconn_id_hash;
extern gen_lock_t *tcpconn_lock;

/* parameters */
static int max_conns_per_ip = 64;
static int request_timeout = 10;
static int interval_ms = 100;
static int shm_check = 1;
static int syn_filter = 1;
static int block_time = 10;

static counter_handle_t cnt_over_limit;
static counter_handle_t cnt_no_request;
static counter_handle_t cnt_connections;
static counter_handle_t cnt_addresses;
static counter_handle_t cnt_blocked;

static counter_def_t guard_counters[] = {
	{&cnt_over_limit, "closed_over_limit", 0, 0, 0,
	 "connections closed: too many from one address"},
	{&cnt_no_request, "closed_no_request", 0, 0, 0,
	 "connections closed: no complete request before the deadline"},
	{&cnt_connections, "connections", 0, 0, 0, "accepted connections seen at the last walk"},
	{&cnt_addresses, "addresses", 0, 0, 0, "client addresses seen at the last walk"},
	{&cnt_blocked, "blocked_addresses", 0, 0, 0,
	 "addresses at their limit whose new connections the kernel drops"},
	{0, 0, 0, 0, 0, 0},
};

static struct module_status guard_status = {
	.module = "sylk_tcp_guard",
	.counters = guard_counters,
};

/* ---- the walk (timer process only: all of this is its private memory) ---- */

struct seen {
	int id;
	int proven;    /* a complete request/frame arrived, or upgraded */
	int closed;    /* closed by this walk */
	ticks_t first; /* when the guard first saw it */
	struct ip_addr ip;
};

static struct seen *cur, *prev;
static int cur_max, prev_n;
static int *by_ip; /* indices into cur, sorted by address then id */

static int cmp_id(const void *a, const void *b)
{
	const struct seen *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_ip(const void *a, const void *b)
{
	const struct seen *x = &cur[*(const int *)a], *y = &cur[*(const int *)b];
	int r;

	if (x->ip.af != y->ip.af)
		return x->ip.af - y->ip.af;
	r = memcmp(x->ip.u.addr, y->ip.u.addr, x->ip.len);
	if (r)
		return r;
	return (x->id > y->id) - (x->id < y->id);
}

static int same_ip(const struct seen *x, const struct seen *y)
{
	return x->ip.af == y->ip.af && memcmp(x->ip.u.addr, y->ip.u.addr, x->ip.len) == 0;
}

static int grow(int want)
{
	struct seen *c, *p;
	int *b;

	if (want <= cur_max)
		return 0;
	want += want / 2 + 64;
	c = pkg_realloc(cur, sizeof(*c) * want);
	if (c)
		cur = c;
	p = pkg_realloc(prev, sizeof(*p) * want);
	if (p)
		prev = p;
	b = pkg_realloc(by_ip, sizeof(*b) * want);
	if (b)
		by_ip = b;
	if (!c || !p || !b) {
		PKG_MEM_ERROR;
		return -1;
	}
	cur_max = want;
	return 0;
}

/* Copies the accepted, still usable connections into `cur`. Memory work
 * only while the core's table lock is held. Returns how many, or -1 when
 * the table grew past our array (the caller grows it and tries again). */
static int snapshot(void)
{
	struct tcp_connection *c;
	int h, n = 0;

	TCPCONN_LOCK;
	for (h = 0; h < TCP_ID_HASH_SIZE; h++) {
		for (c = tcpconn_id_hash[h]; c; c = c->id_next) {
			/* ours to judge: accepted from a client, not already closing */
			if (!(c->flags & F_CONN_PASSIVE) || c->state < 0)
				continue;
			if (n == cur_max) {
				TCPCONN_UNLOCK;
				return -1;
			}
			cur[n].id = c->id;
			/* the core sets rcv.proto_reserved1 to the connection id when a
			 * complete message (SIP, HTTP, MSRP frame, WebSocket frame)
			 * has been read; an upgraded connection has had its request */
			cur[n].proven = c->rcv.proto_reserved1 != 0 || c->type == PROTO_WS ||
					c->type == PROTO_WSS;
			cur[n].closed = 0;
			cur[n].ip = c->rcv.src_ip;
			n++;
		}
	}
	TCPCONN_UNLOCK;
	return n;
}

/* Asks tcp_main to close the connection; also marks it bad for a reader
 * that holds it right now. */
static int close_conn(int id)
{
	struct tcp_connection *con;
	long response[2];

	con = tcpconn_get(id, 0, 0, 0, 0); /* takes a reference */
	if (!con)
		return -1;
	/* SND_F_CON_CLOSE: a reader drops a bad connection quietly */
	con->send_flags.f |= SND_F_CON_CLOSE;
	con->state = S_CONN_BAD;
	con->timeout = get_ticks_raw();
	/* CONN_EOF unhashes the connection, stops tcp_main watching it and
	 * drops our reference: the same command a sender uses after a write
	 * with the close-after-send flag */
	response[0] = (long)con;
	response[1] = CONN_EOF;
	if (send_all(unix_tcp_sock, response, sizeof(response)) <= 0) {
		LM_ERR("cannot ask tcp_main to close connection %d\n", id);
		tcpconn_put(con);
		return -1;
	}
	return 0;
}

/* ---- kernel-side refusal of addresses at their limit ----------------------- */

/* each address costs two instructions; BPF_MAXINSNS is 4096 */
#define MAX_BLOCKED 1000

static uint32_t blocked[MAX_BLOCKED], applied[MAX_BLOCKED];
static int blocked_n, applied_n = -1;

/* addresses that went over their limit stay refused for block_time */
struct penalty {
	uint32_t addr;
	ticks_t until;
};
static struct penalty penalties[MAX_BLOCKED];
static int penalties_n;

/* the guard's copies of the IPv4 TCP/TLS listening sockets */
#define MAX_LISTEN 64
static int listen_fds[MAX_LISTEN];
static int listen_n;

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* SYN without ACK from a blocked address: dropped; everything else passes.
 * The filter sees the TCP header at offset 0 and the IP header through
 * SKF_NET_OFF. Short jumps only (cBPF jump offsets are 8 bits). */
static int apply_filter(void)
{
	struct sock_filter *code;
	struct sock_fprog prog;
	int i, n = 0, ret = 0;

	code = pkg_malloc(sizeof(*code) * (8 + 2 * blocked_n));
	if (!code) {
		PKG_MEM_ERROR;
		return -1;
	}
	code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13);
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10, 0, 1);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
	code[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x02, 1, 0);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
	code[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12);
	for (i = 0; i < blocked_n; i++) {
		code[n++] =
			(struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, blocked[i], 0, 1);
		code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	}
	code[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0xffffffff);
	prog.len = n;
	prog.filter = code;

	for (i = 0; i < listen_n; i++) {
		if (setsockopt(listen_fds[i], SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) <
		    0) {
			LM_ERR("cannot set the SYN filter on a listening socket: %s\n",
			       strerror(errno));
			ret = -1;
		}
	}
	pkg_free(code);
	return ret;
}

static void block_address(const struct ip_addr *ip)
{
	if (ip->af != AF_INET || blocked_n >= MAX_BLOCKED)
		return;
	blocked[blocked_n++] = ntohl(ip->u.addr32[0]);
}

static void penalise(const struct ip_addr *ip, ticks_t now)
{
	uint32_t a;
	int i;

	if (ip->af != AF_INET || block_time <= 0)
		return;
	a = ntohl(ip->u.addr32[0]);
	for (i = 0; i < penalties_n && penalties[i].addr != a; i++)
		;
	if (i == penalties_n) {
		if (penalties_n == MAX_BLOCKED)
			return;
		penalties_n++;
	}
	penalties[i].addr = a;
	penalties[i].until = now + S_TO_TICKS(block_time);
}

static void update_filter(ticks_t now)
{
	int i, j, dup;

	/* penalised addresses still serving their time join those at their
	 * limit now */
	for (i = 0; i < penalties_n;) {
		if ((int)(now - penalties[i].until) >= 0) {
			penalties[i] = penalties[--penalties_n];
			continue;
		}
		for (dup = 0, j = 0; j < blocked_n && !dup; j++)
			dup = blocked[j] == penalties[i].addr;
		if (!dup && blocked_n < MAX_BLOCKED)
			blocked[blocked_n++] = penalties[i].addr;
		i++;
	}
	qsort(blocked, blocked_n, sizeof(blocked[0]), cmp_u32);
	counter_add(cnt_blocked, blocked_n - (int)counter_get_val(cnt_blocked));
	if (blocked_n == applied_n && memcmp(blocked, applied, sizeof(blocked[0]) * blocked_n) == 0)
		return;
	if (apply_filter() < 0) {
		syn_filter = 0; /* logged; the walk alone goes on */
		return;
	}
	memcpy(applied, blocked, sizeof(blocked[0]) * blocked_n);
	applied_n = blocked_n;
	LM_INFO("%d addresses at their connection limit: their new connections"
		" are refused\n",
		blocked_n);
}

static void guard_walk(unsigned int uticks, void *param)
{
	ticks_t now = get_ticks_raw();
	ticks_t deadline = S_TO_TICKS(request_timeout);
	int n, i, j, k, addresses = 0;
	struct seen *s, *swap;

	if (!cur && grow(256) < 0)
		return;
	while ((n = snapshot()) < 0) {
		if (grow(cur_max * 2) < 0)
			return;
	}
	qsort(cur, n, sizeof(*cur), cmp_id);

	/* when each connection was first seen: from the last walk, else now */
	for (i = 0, j = 0; i < n; i++) {
		while (j < prev_n && prev[j].id < cur[i].id)
			j++;
		cur[i].first = (j < prev_n && prev[j].id == cur[i].id) ? prev[j].first : now;
	}

	/* the deadline for the first request (HTTP upgrade, first MSRP SEND,
	 * first SIP message, TLS handshake included) */
	if (request_timeout > 0) {
		for (i = 0; i < n; i++) {
			s = &cur[i];
			if (s->proven || now - s->first < deadline)
				continue;
			if (close_conn(s->id) == 0) {
				s->closed = 1;
				counter_inc(cnt_no_request);
				LM_NOTICE("closing connection %d from %s: no complete request"
					  " within %d s\n",
					  s->id, ip_addr2a(&s->ip), request_timeout);
			}
		}
	}

	/* per-address limit: the newest beyond the limit go */
	for (i = 0; i < n; i++)
		by_ip[i] = i;
	qsort(by_ip, n, sizeof(*by_ip), cmp_ip);
	blocked_n = 0;
	for (i = 0; i < n; i = j) {
		int open = 0, over, closed = 0;

		for (j = i; j < n && same_ip(&cur[by_ip[i]], &cur[by_ip[j]]); j++)
			open += !cur[by_ip[j]].closed;
		addresses++;
		if (max_conns_per_ip <= 0 || open < max_conns_per_ip)
			continue;
		block_address(&cur[by_ip[i]].ip);
		if (open == max_conns_per_ip)
			continue;
		penalise(&cur[by_ip[i]].ip, now);
		over = open - max_conns_per_ip;
		for (k = j - 1; k >= i && closed < over; k--) {
			s = &cur[by_ip[k]];
			if (s->closed)
				continue;
			if (close_conn(s->id) == 0) {
				s->closed = 1;
				closed++;
			}
		}
		counter_add(cnt_over_limit, closed);
		LM_WARN("%d connections from %s, over the limit of %d: closed the"
			" %d newest\n",
			open, ip_addr2a(&cur[by_ip[i]].ip), max_conns_per_ip, closed);
	}

	if (syn_filter && listen_n > 0 && max_conns_per_ip > 0)
		update_filter(now);

	counter_add(cnt_connections, n - (int)counter_get_val(cnt_connections));
	counter_add(cnt_addresses, addresses - (int)counter_get_val(cnt_addresses));

	/* this walk is the next one's memory */
	swap = prev;
	prev = cur;
	cur = swap;
	prev_n = n;
}

/* ---- RPC ---------------------------------------------------------------- */

static const char *rpc_status_doc[] = {"Version, uptime and counters.", 0};

static void rpc_status(rpc_t *rpc, void *ctx)
{
	module_status_rpc(&guard_status, rpc, ctx);
}

static rpc_export_t guard_rpc[] = {
	{"sylk_tcp_guard.status", rpc_status, rpc_status_doc, 0},
	{0, 0, 0, 0},
};

/* ---- life cycle ------------------------------------------------------------ */

/* What an accepted connection costs before it sends anything: the read
 * buffer, the connection itself and the allocator's overhead; a TLS one
 * also OpenSSL's session state (measured on 5.6.3 with OpenSSL 3: none
 * before the handshake, about 50 KiB after it). */
#define CONN_OVERHEAD 2048
#define TLS_CONN_COST 51200

static void check_shm_budget(void)
{
	unsigned long tcp_cost, tls_cost, need;
	int tls_max = tls_max_connections < tcp_max_connections ? tls_max_connections :
								  tcp_max_connections;

	tcp_cost =
		(unsigned long)tcp_max_connections * (tcp_default_cfg.rd_buf_size + CONN_OVERHEAD);
	tls_cost = (unsigned long)tls_max * TLS_CONN_COST;
	need = tcp_cost + tls_cost;
	if (need > shm_mem_size / 4 * 3)
		LM_WARN("shared memory (%lu MiB) is small for tcp_max_connections=%d"
			" (read buffer %d bytes) and tls_max_connections=%d: they"
			" alone may take %lu MiB, so memory can run out before the"
			" connection limits trip; raise -m or lower the limits\n",
			shm_mem_size >> 20, tcp_max_connections, tcp_default_cfg.rd_buf_size,
			tls_max, need >> 20);
	else
		LM_INFO("connections may take up to %lu MiB of %lu MiB shared memory\n", need >> 20,
			shm_mem_size >> 20);
}

static int mod_init(void)
{
	if (rpc_register_array(guard_rpc) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	if (module_status_init(&guard_status) < 0)
		return -1;
	if (interval_ms < 10) {
		LM_ERR("interval_ms must be at least 10\n");
		return -1;
	}
	if (shm_check)
		check_shm_budget();
	if (max_conns_per_ip <= 0 && request_timeout <= 0)
		return 0; /* nothing to enforce: no process */
	/* 5.6 has no register_basic_utimers: a basic timer counts the same */
	if (register_basic_timers(1) < 0)
		return -1;
	return 0;
}

/* In the main process, before tcp_main is forked: the listening sockets are
 * still open here, and every child but tcp_main closes them
 * (close_extra_socks); duplicates survive that, for the guard only. */
static void dup_listen_sockets(void)
{
	unsigned short protos[] = {PROTO_TCP, PROTO_TLS};
	struct socket_info **list, *si;
	int p, fd, on;
	socklen_t len;

	for (p = 0; p < 2; p++) {
		list = get_sock_info_list(protos[p]);
		for (si = list ? *list : NULL; si && listen_n < MAX_LISTEN; si = si->next) {
			if (si->address.af != AF_INET || si->socket < 0)
				continue;
			on = 0;
			len = sizeof(on);
			if (getsockopt(si->socket, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) < 0 ||
			    !on) {
				LM_WARN("%.*s is not a listening socket here: no SYN filter"
					" for it\n",
					si->sock_str.len, si->sock_str.s);
				continue;
			}
			fd = dup(si->socket);
			if (fd < 0) {
				LM_ERR("dup: %s\n", strerror(errno));
				continue;
			}
			listen_fds[listen_n++] = fd;
		}
	}
}

static int child_init(int rank)
{
	int i, ret = 0;

	if (rank != PROC_MAIN || (max_conns_per_ip <= 0 && request_timeout <= 0))
		return 0;
	if (syn_filter && max_conns_per_ip > 0)
		dup_listen_sockets();
	/* make_sock: the process needs its socket to tcp_main */
	if (fork_basic_utimer(PROC_TIMER, "TCP GUARD", 1, guard_walk, NULL,
			      (unsigned)interval_ms * 1000) < 0) {
		LM_ERR("cannot start the TCP guard timer\n");
		ret = -1;
	}
	/* the main process: the copies were for the guard */
	for (i = 0; i < listen_n; i++)
		close(listen_fds[i]);
	listen_n = 0;
	return ret;
}

static param_export_t params[] = {
	{"max_conns_per_ip", PARAM_INT, &max_conns_per_ip},
	{"request_timeout", PARAM_INT, &request_timeout},
	{"interval_ms", PARAM_INT, &interval_ms},
	{"shm_check", PARAM_INT, &shm_check},
	{"syn_filter", PARAM_INT, &syn_filter},
	{"block_time", PARAM_INT, &block_time},
	{0, 0, 0},
};

struct module_exports exports = {
	"sylk_tcp_guard",
	DEFAULT_DLFLAGS,
	0, /* script functions */
	params,
	0, /* RPC methods (registered in mod_init) */
	0, /* pseudo-variables */
	0, /* response handler */
	mod_init,
	child_init,
	0,
};
