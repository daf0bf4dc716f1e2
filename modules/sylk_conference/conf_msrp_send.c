/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sending MSRP from the focus: our path toward a participant, message
 * and transaction ids, and whole messages by connection id from any
 * process (the core's TCP layer), never with the store lock held: the
 * outbox (conf_msrp_send.h). Lower layer of the focus: needs the store
 * and the parameters only. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/tcp_conn.h"
#include "core/tcp_server.h"

#include "conference/room/chat_room.h"
#include "conference/msrp/msrp_message.h"
#include "conference/msrp/msrp_uri.h"

#include "../common/tcp_fdcache.h"
#include "conf_bridge.h"
#include "conf_config.h"
#include "conf_msrp_send.h"
#include "conf_out.h"
#include "conf_stats.h"
#include "conf_store.h"

int conf_msrp_our_path(char *buf, size_t size, const struct conf_participant *p)
{
	int n;

	if (p->msrp_secure && conf_cfg.msrps_port > 0)
		n = snprintf(buf, size, "msrps://%.*s:%d/%s;tcp", conf_cfg.msrp_host_s.len,
			     conf_cfg.msrp_host_s.s, conf_cfg.msrps_port, p->msrp_id);
	else
		n = snprintf(buf, size, "msrp://%.*s:%d/%s;tcp", conf_cfg.msrp_host_s.len,
			     conf_cfg.msrp_host_s.s, conf_cfg.msrp_port, p->msrp_id);
	return (n < 0 || (size_t)n >= size) ? -1 : 0;
}

/* Transaction and message ids for what the focus sends: a random prefix
 * per process and a counter, so a busy room does not cost a system call
 * for every copy of every message. */
void conf_msrp_next_ident(char *buf, size_t size)
{
	static char prefix[24];
	static pid_t owner;
	static uint64_t counter;
	pid_t pid = getpid();

	if (owner != pid) {
		msrp_ident_generate(prefix, sizeof(prefix));
		prefix[12] = '\0';
		owner = pid;
		counter = 0;
	}
	snprintf(buf, size, "%s%llx", prefix, (unsigned long long)++counter);
}

/* ---- the outbox ------------------------------------------------------------ */

/* What one lock section of a process may queue: beyond it a write is
 * dropped (logged), as a write the connection's full queue refuses is. A
 * room's message to everyone costs its body once. */
#define OUTBOX_MAX_WRITES 8192
#define OUTBOX_MAX_BYTES (32u * 1024 * 1024)

/* a message body shared by the SENDs that carry it */
struct out_body {
	unsigned refs;
	size_t cost; /* against OUTBOX_MAX_BYTES, given back with the last reference */
	size_t len;
	unsigned char data[];
};

struct out_write {
	struct out_write *next;
	int conn_id;
	size_t cost;           /* of this write against OUTBOX_MAX_BYTES */
	struct out_body *body; /* a SEND to build: data holds its strings */
	const char *to_path, *from_path, *ctype; /* into data */
	size_t len;            /* the bytes in data (no body) */
	char data[];
};

/* this process's outbox (malloc, as the library's buffers: a room's
 * message may be a MiB) */
static struct out_write *head, **tail = &head;
static unsigned queued;
static size_t queued_bytes;
static unsigned dropped;
static struct out_body *last_body; /* of the last queued SEND */

static void body_put(struct out_body *b)
{
	if (!b || --b->refs)
		return;
	queued_bytes -= b->cost;
	if (b == last_body)
		last_body = NULL;
	free(b);
}

/* room for a write of @p cost bytes more (counted then) */
static bool outbox_room(size_t cost, int conn_id)
{
	if (queued >= OUTBOX_MAX_WRITES || cost > OUTBOX_MAX_BYTES - queued_bytes) {
		if (!dropped++)
			LM_WARN("MSRP outbox full (%u writes, %zu bytes): a write of %zu bytes to "
				"connection %d dropped\n",
				queued, queued_bytes, cost, conn_id);
		return false;
	}
	queued_bytes += cost;
	return true;
}

static void outbox_add(struct out_write *w)
{
	w->next = NULL;
	*tail = w;
	tail = &w->next;
	queued++;
}

/* Writes @p len bytes on connection @p conn_id: the one place the focus's
 * MSRP meets the network. Never with the store lock held; nothing once the
 * server stops (tcp_main may be gone). */
static int msrp_write(int conn_id, const void *buf, size_t len)
{
	struct tcp_connection *con;
	int ret;

	if (conf_lock_held())
		LM_CRIT("BUG: MSRP bytes (%zu) for connection %d are written with the store lock "
			"held\n",
			len, conn_id);
	if (conf_stopping())
		return -1;
	con = tcpconn_get(conn_id, 0, 0, 0, 0);
	if (!con)
		return -1;
	ret = tcp_conn_write(con, buf, len, false);
	tcpconn_put(con);
	if (ret == 0) {
		CONF_STAT_INC(msrp_messages_out);
		CONF_STAT_ADD(msrp_bytes_out, (int)len);
	}
	return ret ? -1 : 0;
}

/* builds and writes a queued SEND; 0 or -1 */
static int send_built(const struct out_write *w)
{
	char tid[32], mid[32];
	struct msrp_path to = {0}, from = {0};
	struct msrp_send_params sp = {0};
	struct msrp_buf b;
	int rc = -1;

	msrp_buf_init(&b);
	if (msrp_path_parse(&to, w->to_path, strlen(w->to_path)) != 0 ||
	    msrp_path_parse(&from, w->from_path, strlen(w->from_path)) != 0) {
		LM_NOTICE("MSRP path %s of connection %d unusable: a message not sent\n",
			  w->to_path, w->conn_id);
		goto out;
	}
	conf_msrp_next_ident(mid, sizeof(mid));
	sp.to_path = &to;
	sp.from_path = &from;
	sp.message_id = mid;
	sp.content_type = w->ctype;
	sp.body = w->body->data;
	sp.body_len = w->body->len;
	sp.has_body = true;
	sp.failure_report = MSRP_REPORT_NO;
	/* a body that happens to contain the end-line: another tid */
	for (int i = 0; i < 4; i++) {
		conf_msrp_next_ident(tid, sizeof(tid));
		sp.tid = tid;
		rc = msrp_build_send(&b, &sp);
		if (rc != EEXIST)
			break;
		msrp_buf_reset(&b);
	}
	rc = rc == 0 ? msrp_write(w->conn_id, b.data, b.len) : -1;
out:
	msrp_buf_reset(&b);
	msrp_path_reset(&to);
	msrp_path_reset(&from);
	return rc;
}

void conf_msrp_flush(void)
{
	struct out_write *w;

	/* one at a time, in the order queued: what a connection gets is in
	 * the order this process decided it under the lock */
	while ((w = head)) {
		head = w->next;
		if (!head)
			tail = &head;
		queued--;
		queued_bytes -= w->cost;
		if (w->body)
			send_built(w);
		else
			msrp_write(w->conn_id, w->data, w->len);
		body_put(w->body);
		free(w);
	}
	if (dropped) {
		LM_WARN("%u MSRP writes dropped: the outbox was full\n", dropped);
		dropped = 0;
	}
}

int conf_msrp_send_on(int conn_id, const void *buf, size_t len)
{
	struct out_write *w;

	if (!conf_lock_held() && !head)
		return msrp_write(conn_id, buf, len);
	if (!outbox_room(sizeof(*w) + len, conn_id))
		return -1;
	w = malloc(sizeof(*w) + len);
	if (!w) {
		LM_ERR("out of memory: %zu MSRP bytes to connection %d dropped\n", len, conn_id);
		queued_bytes -= sizeof(*w) + len;
		return -1;
	}
	memset(w, 0, sizeof(*w));
	w->conn_id = conn_id;
	w->cost = sizeof(*w) + len;
	w->len = len;
	memcpy(w->data, buf, len);
	outbox_add(w);
	if (!conf_lock_held())
		conf_msrp_flush();
	return 0;
}

/* the body of the last queued SEND if it is the same, else a new copy
 * (counted against the outbox); a reference */
static struct out_body *body_get(const void *body, size_t len, int conn_id)
{
	struct out_body *b = last_body;

	if (b && b->len == len && memcmp(b->data, body, len) == 0) {
		b->refs++;
		return b;
	}
	if (!outbox_room(sizeof(*b) + len, conn_id))
		return NULL;
	b = malloc(sizeof(*b) + len);
	if (!b) {
		LM_ERR("out of memory: a message of %zu bytes to connection %d dropped\n", len,
		       conn_id);
		queued_bytes -= sizeof(*b) + len;
		return NULL;
	}
	b->refs = 1;
	b->cost = sizeof(*b) + len;
	b->len = len;
	memcpy(b->data, body, len);
	last_body = b;
	return b;
}

int conf_msrp_send_to(const struct conf_participant *p, const char *content_type, const void *body,
		      size_t len)
{
	char ours[CONF_PATH_SIZE];
	size_t to_len, from_len, ct_len, size;
	struct out_body *b;
	struct out_write *w;

	if (!p->msrp_conn || !p->msrp_their_path[0] ||
	    conf_msrp_our_path(ours, sizeof(ours), p) < 0)
		return -1;
	to_len = strlen(p->msrp_their_path) + 1;
	from_len = strlen(ours) + 1;
	ct_len = strlen(content_type) + 1;
	size = sizeof(*w) + to_len + from_len + ct_len;
	if (!outbox_room(size, p->msrp_conn))
		return -1;
	w = malloc(size);
	b = w ? body_get(body, len, p->msrp_conn) : NULL;
	if (!b) {
		if (!w)
			LM_ERR("out of memory: a message of %zu bytes to %s dropped\n", len,
			       p->uri);
		queued_bytes -= size;
		free(w);
		return -1;
	}
	memset(w, 0, sizeof(*w));
	w->conn_id = p->msrp_conn;
	w->cost = size;
	w->body = b;
	memcpy(w->data, p->msrp_their_path, to_len);
	memcpy(w->data + to_len, ours, from_len);
	memcpy(w->data + to_len + from_len, content_type, ct_len);
	w->to_path = w->data;
	w->from_path = w->data + to_len;
	w->ctype = w->data + to_len + from_len;
	outbox_add(w);
	if (!conf_lock_held())
		conf_msrp_flush();
	return 0;
}

void conf_msrp_status(unsigned room_key, unsigned except, const char *text)
{
	struct conf_room *r = conf_room_by_key(room_key);
	char *cpim = NULL;
	size_t len = 0;

	if (!r || r->session || chat_status_message(&cpim, &len, r->uri, text) != 0)
		return;
	for (struct conf_participant *p = conf_part_first(); p; p = p->next)
		if (p->room_key == room_key && p->key != except && p->msrp_conn &&
		    p->kind == CONF_PART_CHAT)
			conf_msrp_send_to(p, "message/cpim", cpim, len);
	conf_bridge_queue(r->uri, cpim, len); /* and the video room of the same name */
	free(cpim);
}
