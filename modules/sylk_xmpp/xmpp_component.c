/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The component process: connects to Prosody's component port, opens the
 * stream, answers the handshake, then reads stanzas (messages for our SIP
 * users become MESSAGEs through tm) and writes what the queue holds.
 * Every stanza written is checked first: its `from` must be in our domain
 * (Prosody drops the whole connection otherwise). Disconnected or refused,
 * it waits 1, 2, 4 ... reconnect_max seconds and tries again; stanzas not
 * written yet stay queued. See README.md. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/cfg/cfg_struct.h"
#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/pt.h"
#include "core/usr_avp.h"
#include "modules/htable/ht_api.h"
#include "modules/htable/api.h"

#include "sylk_ws/base/error.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

#include "xmpp_component.h"
#include "xmpp_config.h"
#include "xmpp_muc.h"
#include "xmpp_presence.h"
#include "xmpp_session.h"
#include "xmpp_sip.h"

#define READ_SIZE 16384
#define CONNECT_MS 3000
/* stanzas taken from the queue whose bytes are not all written yet: at
 * most the queue's reserve beyond queue_size, so that they all go back */
#define OUT_MAX XMPP_OUT_MAX

enum state { DOWN, OPENING, UP };

struct link {
	const char *domain; /* component_domain, or muc_domain */
	bool main;          /* the first: stanzas it could not write go back to the queue */
	int fd;
	enum state state;
	struct xmpp_framer framer;
	struct sbuf out;      /* bytes to write */
	char *taken[OUT_MAX]; /* the queue's stanzas in out, for a reconnect */
	size_t taken_end[OUT_MAX];
	int taken_n;
	size_t written;
	int backoff; /* seconds before the next attempt */
	time_t next_try;
};

/* ---- the linked node in link_table (cluster) --------------------------------- */

/* Written by this process only (never a SIP worker): when the main link
 * comes up, every XMPP_LINK_REFRESH_S seconds while it is up (the table's
 * autoexpire drops the entry of a node that died), removed when it goes
 * down if it still names this node. htable replicates it over DMQ. */
static htable_api_t ht;
static bool ht_on;
static time_t link_renew;

int xmpp_link_table_init(void)
{
	if (!xmpp_cfg.link_table || !*xmpp_cfg.link_table)
		return 0;
	if (!xmpp_cfg.cluster_hostport || !*xmpp_cfg.cluster_hostport) {
		LM_ERR("link_table is set: cluster_hostport must be too\n");
		return -1;
	}
	if (htable_load_api(&ht) < 0) {
		LM_ERR("link_table is set: load htable.so before sylk_xmpp.so\n");
		return -1;
	}
	ht_on = true;
	return 0;
}

static void link_announce(bool up)
{
	str tname = {xmpp_cfg.link_table, 0};
	str key = str_init(XMPP_LINK_KEY);
	int_str v;
	ht_cell_t *cell;
	bool ours;

	if (!ht_on)
		return;
	tname.len = (int)strlen(tname.s);
	v.s.s = xmpp_cfg.cluster_hostport;
	v.s.len = (int)strlen(v.s.s);
	if (up) {
		link_renew = time(NULL) + XMPP_LINK_REFRESH_S;
		if (ht.set(&tname, &key, AVP_VAL_STR, &v, 1) != 0)
			LM_ERR("cannot write this node to htable %s\n", xmpp_cfg.link_table);
		return;
	}
	cell = ht.get_clone(&tname, &key);
	ours = cell && (cell->flags & AVP_VAL_STR) && cell->value.s.len == v.s.len &&
	       !memcmp(cell->value.s.s, v.s.s, (size_t)v.s.len);
	if (cell)
		pkg_free(cell);
	if (ours && ht.rm(&tname, &key) != 0)
		LM_ERR("cannot remove this node from htable %s\n", xmpp_cfg.link_table);
}

/* ---- connection ------------------------------------------------------------ */

static void link_close(struct link *l, const char *why)
{
	if (l->fd >= 0) {
		close(l->fd);
		LM_NOTICE("XMPP component link %s to %s:%d closed: %s; next attempt in %d s\n",
			  l->domain, xmpp_cfg.component_host, xmpp_cfg.component_port, why,
			  l->backoff);
	}
	l->fd = -1;
	if (l->state == UP && l->main) {
		xmpp_link_set(false);
		link_announce(false);
		/* the XMPP users' sessions went with the link */
		xmpp_session_end_all("the XMPP link went down", false);
	}
	l->state = DOWN;
	xmpp_framer_reset(&l->framer);
	sbuf_reset(&l->out);
	/* stanzas not entirely written go back to the queue, in order (MUC
	 * stanzas are not kept: its occupants are gone with the link) */
	for (int i = l->taken_n - 1; i >= 0; i--) {
		if (l->main)
			xmpp_queue_unpop(l->taken[i]);
		else
			shm_free(l->taken[i]);
	}
	l->taken_n = 0;
	l->written = 0;
	l->next_try = time(NULL) + l->backoff;
	l->backoff = l->backoff * 2 > xmpp_cfg.reconnect_max ? xmpp_cfg.reconnect_max :
							       l->backoff * 2;
	lock_get(&xmpp_shared->lock);
	xmpp_shared->failures++;
	lock_release(&xmpp_shared->lock);
}

static int tcp_connect(void)
{
	struct sockaddr_in a;
	struct pollfd p;
	int fd, err = 0, one = 1;
	socklen_t len = sizeof(err);

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)xmpp_cfg.component_port);
	if (inet_pton(AF_INET, xmpp_cfg.component_host, &a.sin_addr) != 1)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS)
		err = errno;
	if (!err) {
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, CONNECT_MS) != 1)
			err = ETIMEDOUT;
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
	}
	if (err) {
		close(fd);
		return -err;
	}
	return fd;
}

static void link_open(struct link *l)
{
	int fd = tcp_connect();

	if (fd < 0) {
		l->fd = -1;
		LM_NOTICE("cannot connect to the XMPP component port %s:%d: %s\n",
			  xmpp_cfg.component_host, xmpp_cfg.component_port, strerror(-fd));
		link_close(l, "connect failed");
		return;
	}
	l->fd = fd;
	l->state = OPENING;
	xmpp_framer_init(&l->framer, (size_t)xmpp_cfg.max_stanza);
	if (xmpp_stream_open(&l->out, l->domain))
		link_close(l, "cannot open the stream");
}

/* ---- reading ----------------------------------------------------------------- */

static void stream_error(struct link *l, const struct xmpp_el *el)
{
	const char *cond = el->child ? el->child->name : "?";

	if (!strcmp(cond, "conflict") && ht_on)
		LM_INFO("XMPP component %s: the server has another node's component (conflict); "
			"this node relays to it\n",
			l->domain);
	else if (!strcmp(cond, "not-authorized"))
		LM_ERR("XMPP component handshake refused by the server (not-authorized): the "
		       "component secret of %s does not match the server's component_secret\n",
		       l->domain);
	else if (!strcmp(cond, "host-unknown"))
		LM_ERR("XMPP server does not know the component %s (host-unknown): check its "
		       "Component \"%s\" entry\n",
		       l->domain, l->domain);
	else
		LM_ERR("XMPP stream error from the server: %s\n", cond);
	link_close(l, cond);
}

static void header(struct link *l, const char *text)
{
	struct xmpp_el *el = NULL;
	const char *id;

	if (xmpp_xml_parse(&el, text, strlen(text)) || !(id = xmpp_el_attr(el, "id"))) {
		link_close(l, "stream header without id");
	} else if (xmpp_handshake(&l->out, id, xmpp_secret)) {
		link_close(l, "cannot build the handshake");
	}
	xmpp_el_free(el);
}

static void stanza_in(struct link *l, const struct xmpp_el *el)
{
	if (!l->main) {
		xmpp_muc_from_xmpp(el);
		return;
	}
	if (!strcmp(el->name, "iq") && xmpp_disco_answer(el, false))
		return;
	if (!strcmp(el->name, "message")) {
		xmpp_sip_from_xmpp(el);
	} else if (!strcmp(el->name, "iq")) {
		const char *t = xmpp_el_attr(el, "type");

		if (t && (!strcmp(t, "get") || !strcmp(t, "set")))
			xmpp_answer_error(el, "cancel", "service-unavailable", NULL);
	} else if (!strcmp(el->name, "presence")) {
		xmpp_presence_from_xmpp(el);
		xmpp_session_presence(el);
	} else {
		LM_NOTICE("unknown XMPP stanza <%s> ignored\n", el->name);
	}
}

/* A stanza that cannot be read whole is answered from its start tag (an
 * error stanza to its sender, when it names one and is not an error
 * itself); the stream goes on. */
static void unreadable(struct link *l, const char *text, size_t len, const char *condition,
		       const char *why)
{
	struct xmpp_el *el = NULL;

	if (l->state != UP || xmpp_xml_parse_start_tag(&el, text, len) != 0) {
		LM_NOTICE("XMPP stanza (%s) dropped: not even its start tag reads\n", why);
		return;
	}
	xmpp_answer_error(el, "modify", condition, why);
	xmpp_el_free(el);
}

static void frame(struct link *l, enum xmpp_frame kind, const char *text, size_t len)
{
	struct xmpp_el *el = NULL;
	int err;

	if (kind == XMPP_FRAME_HEADER) {
		header(l, text);
		return;
	}
	if (kind == XMPP_FRAME_TOO_LARGE) {
		unreadable(l, text, len, "policy-violation", "stanza too large");
		return;
	}
	err = xmpp_xml_parse(&el, text, len);
	if (err) {
		LM_NOTICE("unreadable stanza from the XMPP server: %s\n", sylk_strerror(err));
		unreadable(l, text, len, "bad-request", "malformed XML");
		return;
	}
	if (!strcmp(el->name, "stream:error")) {
		stream_error(l, el);
	} else if (l->state == OPENING && !strcmp(el->name, "handshake")) {
		l->state = UP;
		l->backoff = 1;
		if (l->main) {
			xmpp_link_set(true);
			link_announce(true);
		}
		if (l->main)
			xmpp_presence_link_up();
		else
			xmpp_muc_link_up();
		LM_INFO("XMPP component %s connected to %s:%d\n", l->domain,
			xmpp_cfg.component_host, xmpp_cfg.component_port);
	} else if (l->state == UP) {
		lock_get(&xmpp_shared->lock);
		xmpp_shared->received++;
		lock_release(&xmpp_shared->lock);
		stanza_in(l, el);
	}
	xmpp_el_free(el);
}

static void link_read(struct link *l)
{
	char buf[READ_SIZE];
	ssize_t n = read(l->fd, buf, sizeof(buf));
	enum xmpp_frame kind;
	char *text;
	size_t len;
	int err;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		link_close(l, n == 0 ? "closed by the server" : strerror(errno));
		return;
	}
	if (n < 0)
		return;
	err = xmpp_framer_feed(&l->framer, buf, (size_t)n);
	while (!err && l->fd >= 0) {
		err = xmpp_framer_next(&l->framer, &kind, &text, &len);
		if (err || kind == XMPP_FRAME_NONE)
			break;
		if (kind == XMPP_FRAME_END) {
			link_close(l, "stream ended by the server");
			return;
		}
		frame(l, kind, text, len);
		free(text);
	}
	if (err) {
		LM_ERR("XMPP stream from the server unusable: %s\n", sylk_strerror(err));
		link_close(l, "bad stream");
	}
}

/* ---- writing ------------------------------------------------------------------ */

/* queued stanzas into the output buffer of the link of their `from`,
 * each checked */
static void take_queue(struct link *main, struct link *muc)
{
	struct link *l;
	char *s;
	int err;

	while (main->state == UP && main->taken_n < OUT_MAX && muc->taken_n < OUT_MAX &&
	       (s = xmpp_queue_pop())) {
		l = main;
		err = xmpp_stanza_check_out(s, strlen(s), main->domain);
		if (err == EPERM && muc->domain[0]) {
			l = muc;
			err = xmpp_stanza_check_out(s, strlen(s), muc->domain);
		}
		if (err) {
			LM_ERR("stanza not sent (%s): %.120s\n",
			       err == EPERM ? "from outside our domain" : "malformed", s);
			shm_free(s);
			continue;
		}
		if (l->state != UP) {
			LM_NOTICE("MUC link down: stanza dropped: %.120s\n", s);
			shm_free(s);
			continue;
		}
		sbuf_puts(&l->out, s);
		l->taken[l->taken_n] = s;
		l->taken_end[l->taken_n++] = l->out.len;
	}
}

/* forget the stanzas whose bytes are all out */
static void written(struct link *l)
{
	int done = 0;

	while (done < l->taken_n && l->taken_end[done] <= l->written)
		shm_free(l->taken[done++]);
	if (!done)
		return;
	lock_get(&xmpp_shared->lock);
	xmpp_shared->sent += (unsigned long)done;
	lock_release(&xmpp_shared->lock);
	memmove(l->taken, l->taken + done, (size_t)(l->taken_n - done) * sizeof(char *));
	for (int i = done; i < l->taken_n; i++)
		l->taken_end[i - done] = l->taken_end[i];
	l->taken_n -= done;
}

static void link_write(struct link *l)
{
	ssize_t n;

	if (sbuf_err(&l->out)) {
		link_close(l, "out of memory");
		return;
	}
	if (l->written >= l->out.len)
		return;
	n = write(l->fd, l->out.buf + l->written, l->out.len - l->written);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		link_close(l, strerror(errno));
		return;
	}
	if (n > 0)
		l->written += (size_t)n;
	written(l);
	if (l->written == l->out.len) {
		sbuf_reset(&l->out);
		l->written = 0;
		for (int i = 0; i < l->taken_n; i++)
			l->taken_end[i] = 0;
	}
}

/* ---- the loop -------------------------------------------------------------------- */

static void drain_wake(void)
{
	uint64_t v;

	while (read(xmpp_shared->wake_fd, &v, sizeof(v)) > 0)
		;
}

/* SIGTERM/SIGINT of Kamailio's shutdown: the loop says goodbye, then exits
 * (the core's own handler would _exit() at once). */
static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	stopping = 1;
}

static void catch_stop(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: poll() returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/* Kamailio stops: MUC occupants are told they left their rooms (XMPP
 * clients would otherwise show them in until Prosody notices the link
 * gone), chat session peers <gone/>, the streams are closed; at most two
 * seconds of writing. What waits beyond a full queue is written too: the
 * queue is taken OUT_MAX stanzas at a time as they go out. */
static void farewell(struct link *ls, int nlinks)
{
	time_t until = time(NULL) + 2;
	bool left = true, closed = false;

	if (nlinks > 1 && ls[1].fd >= 0 && ls[1].state == UP)
		xmpp_muc_release_all("at shutdown", false);
	xmpp_session_end_all("the XMPP gateway stops", ls[0].fd >= 0 && ls[0].state == UP);
	if (ls[0].fd >= 0 && ls[0].state == UP)
		link_announce(false);
	while (left && time(NULL) <= until) {
		int before = ls[0].taken_n + ls[1].taken_n;

		take_queue(&ls[0], &ls[1]);
		/* nothing more taken while there was room: the queue is empty */
		if (!closed && ls[0].taken_n + ls[1].taken_n == before && ls[0].taken_n < OUT_MAX &&
		    ls[1].taken_n < OUT_MAX) {
			for (int i = 0; i < nlinks; i++)
				if (ls[i].fd >= 0 && ls[i].state == UP)
					sbuf_puts(&ls[i].out, "</stream:stream>");
			closed = true;
		}
		left = !closed;
		for (int i = 0; i < nlinks; i++) {
			if (ls[i].fd < 0)
				continue;
			link_write(&ls[i]);
			left |= ls[i].fd >= 0 && ls[i].written < ls[i].out.len;
		}
		if (left)
			poll(NULL, 0, 20);
	}
	LM_INFO("XMPP component stopped%s\n", left ? " (some output not written)" : "");
}

static void loop(void)
{
	struct link ls[2] = {
		{.domain = xmpp_cfg.component_domain, .main = true, .fd = -1, .backoff = 1},
		{.domain = xmpp_cfg.muc_domain, .fd = -1, .backoff = 1},
	};
	int nlinks = xmpp_cfg.muc_domain[0] ? 2 : 1;
	struct pollfd p[3];

	for (int i = 0; i < 2; i++) {
		sbuf_reset(&ls[i].out);
		xmpp_framer_init(&ls[i].framer, (size_t)xmpp_cfg.max_stanza);
	}
	for (;;) {
		int n = 1;

		/* in a cluster (link_table), the MUC link goes with the main
		 * one: both components on the node that has the main one */
		if (ht_on && nlinks > 1 && ls[0].state != UP && ls[1].fd >= 0)
			link_close(&ls[1], "the main link is down");
		for (int i = 0; i < nlinks; i++)
			if (ls[i].fd < 0 && time(NULL) >= ls[i].next_try &&
			    (i == 0 || !ht_on || ls[0].state == UP))
				link_open(&ls[i]);
		if (ht_on && ls[0].state == UP && time(NULL) >= link_renew)
			link_announce(true);
		xmpp_presence_tick();
		xmpp_queue_report();
		take_queue(&ls[0], &ls[1]);
		p[0].fd = xmpp_shared->wake_fd;
		p[0].events = POLLIN;
		for (int i = 0; i < nlinks; i++) {
			p[1 + i].fd = ls[i].fd; /* -1: ignored by poll() */
			p[1 + i].events =
				(short)(POLLIN | (ls[i].written < ls[i].out.len ? POLLOUT : 0));
			p[1 + i].revents = 0;
			n++;
		}
		if (poll(p, (nfds_t)n, 1000) < 0 && errno != EINTR)
			LM_ERR("poll: %s\n", strerror(errno));
		if (stopping) {
			farewell(ls, nlinks);
			_exit(0);
		}
		cfg_update();
		if (p[0].revents & POLLIN)
			drain_wake();
		for (int i = 0; i < nlinks; i++) {
			if (ls[i].fd >= 0 && (p[1 + i].revents & (POLLIN | POLLHUP | POLLERR)))
				link_read(&ls[i]);
			if (ls[i].fd >= 0)
				link_write(&ls[i]);
		}
	}
}

int xmpp_component_start(void)
{
	int pid = fork_process(PROC_TIMER, "XMPP COMPONENT", 1);

	if (pid < 0) {
		LM_ERR("cannot start the XMPP component process\n");
		return -1;
	}
	if (pid == 0) {
		if (cfg_child_init())
			exit(-1);
		catch_stop();
		loop();
	}
	return 0;
}
