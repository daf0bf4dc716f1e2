/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sending on a connection another process reads: see tcp_fdcache.h. */
#define _GNU_SOURCE /* POLLRDHUP */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "core/cfg/cfg_struct.h"
#include "core/dprint.h"
#include "core/globals.h"
#include "core/pass_fd.h"
#include "core/pt.h"
#include "core/tcp_int_send.h"
#include "core/tcp_options.h"
#include "core/tcp_server.h"

#include "tcp_fdcache.h"

/* descriptors kept per process at most: a slot by connection id; fewer
 * when the process may open few files (an eighth of its limit) */
#define FDCACHE_SLOTS 1024
#define FDCACHE_SLOTS_MIN 32

struct fdcache_slot {
	int fd; /* -1: empty */
	int id;
	const struct tcp_connection *con; /* with id: tells a reused id apart */
};

/* each process its own (and each module that links this file): the
 * descriptors are this process's */
static struct fdcache_slot slots[FDCACHE_SLOTS];
static unsigned slots_n; /* in use: a power of two, 0 = cache off */
static unsigned sweep_next;
static bool slots_ready;

static void slots_init(void)
{
	struct rlimit lim;
	rlim_t room = FDCACHE_SLOTS;

	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
		room = lim.rlim_cur / 8;
	for (slots_n = FDCACHE_SLOTS; slots_n > room; slots_n /= 2)
		;
	if (slots_n < FDCACHE_SLOTS_MIN)
		slots_n = 0;
	for (unsigned i = 0; i < FDCACHE_SLOTS; i++)
		slots[i].fd = -1;
	slots_ready = true;
}

static void slot_clear(struct fdcache_slot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->con = NULL;
}

/* A descriptor whose connection tcp_main closed (and shut down) reports a
 * hang-up: one slot looked at per send keeps such leftovers few. */
static void sweep_one(void)
{
	struct fdcache_slot *s = &slots[sweep_next++ % slots_n];
	struct pollfd p;

	if (s->fd < 0)
		return;
	p.fd = s->fd;
	p.events = POLLRDHUP;
	p.revents = 0;
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL)))
		slot_clear(s);
}

/* tcp_main's descriptor for @p con, passed over this process's UNIX socket
 * to it, as the core's own send asks for it; -1 when the connection went bad
 * meanwhile. */
static int fetch_fd(struct tcp_connection *con)
{
	struct tcp_connection *got = NULL;
	long request[2] = {(long)con, CONN_GET_FD};
	int fd = -1;

	if (send_all(unix_tcp_sock, request, sizeof(request)) <= 0) {
		LM_ERR("asking tcp_main for connection %d's descriptor failed: %s\n", con->id,
		       strerror(errno));
		return -1;
	}
	if (receive_fd(unix_tcp_sock, &got, sizeof(got), &fd, MSG_WAITALL) <= 0) {
		LM_ERR("receiving connection %d's descriptor failed: %s\n", con->id,
		       strerror(errno));
		return -1;
	}
	if (got != con || fd < 0 || con->state == S_CONN_BAD) {
		if (got != con && got)
			LM_BUG("tcp_main passed another connection's descriptor for %d\n", con->id);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static bool usable(const struct tcp_connection *con)
{
	if (unix_tcp_sock < 0 || !cfg_get(tcp, tcp_cfg, fd_cache))
		return false;
	/* the reader sends on its own descriptor through the core already */
	if (con->reader_pid == my_pid())
		return false;
	return con->type == PROTO_TCP || con->type == PROTO_WS;
}

static int cached_write(struct tcp_connection *con, const void *buf, size_t len)
{
	struct fdcache_slot *s;
	snd_flags_t flags;

	if (!slots_ready)
		slots_init();
	if (!slots_n || !usable(con))
		return ENOTSUP;
	sweep_one();
	s = &slots[(unsigned)con->id % slots_n];
	if (s->fd < 0 || s->id != con->id || s->con != con) {
		int fd = fetch_fd(con);

		if (fd < 0)
			return EIO;
		slot_clear(s);
		s->fd = fd;
		s->id = con->id;
		s->con = con;
	}
	SND_FLAGS_INIT(&flags);
	flags.f |= SND_F_FORCE_CON_REUSE;
	if (tcpconn_send_unsafe(s->fd, con, buf, (unsigned)len, flags) < 0) {
		/* the core told tcp_main to drop the connection */
		slot_clear(s);
		return EIO;
	}
	return 0;
}

int tcp_conn_write(struct tcp_connection *con, const void *buf, size_t len, bool close_after)
{
	struct dest_info dst;
	int err = close_after ? ENOTSUP : cached_write(con, buf, len);

	if (err == ENOTSUP) {
		init_dst_from_rcv(&dst, &con->rcv);
		/* a server never opens a connection toward its client */
		dst.send_flags.f |= SND_F_FORCE_CON_REUSE;
		if (close_after)
			dst.send_flags.f |= SND_F_CON_CLOSE;
		err = tcp_send(&dst, 0, (char *)buf, (unsigned)len) < 0 ? EIO : 0;
	}
	/* mostly a peer that has just gone (a closed tab): the closing of
	 * the connection is logged once; a warning for each frame that was
	 * still on its way to it would only be noise */
	if (err)
		LM_INFO("send on connection %d failed\n", con->id);
	return err;
}
