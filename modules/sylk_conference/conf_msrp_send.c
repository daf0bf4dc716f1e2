/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sending MSRP from the focus: our path toward a participant, message
 * and transaction ids, and whole messages by connection id from any
 * process (the core's TCP layer). Lower layer of the focus: needs the store
 * and the parameters only. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/ip_addr.h"
#include "core/tcp_conn.h"
#include "core/tcp_server.h"

#include "conference/room/chat_room.h"
#include "conference/msrp/msrp_message.h"
#include "conference/msrp/msrp_uri.h"

#include "conf_bridge.h"
#include "conf_config.h"
#include "conf_msrp_send.h"
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

int conf_msrp_send_on(int conn_id, const void *buf, size_t len)
{
	struct tcp_connection *con = tcpconn_get(conn_id, 0, 0, 0, 0);
	struct dest_info dst;
	int ret;

	if (!con)
		return -1;
	init_dst_from_rcv(&dst, &con->rcv);
	dst.send_flags.f |= SND_F_FORCE_CON_REUSE;
	ret = tcp_send(&dst, 0, (char *)buf, (unsigned)len);
	tcpconn_put(con);
	if (ret >= 0) {
		CONF_STAT_INC(msrp_messages_out);
		CONF_STAT_ADD(msrp_bytes_out, (int)len);
	}
	return ret < 0 ? -1 : 0;
}

/* A whole message to one participant, as one SEND. Lock held. */
int conf_msrp_send_to(const struct conf_participant *p, const char *content_type, const void *body,
		      size_t len)
{
	char tid[32], mid[32], ours[CONF_PATH_SIZE];
	struct msrp_path to = {0}, from = {0};
	struct msrp_buf b;
	struct msrp_send_params sp = {0};
	int rc = -1;

	if (!p->msrp_conn || !p->msrp_their_path[0])
		return -1;
	if (conf_msrp_our_path(ours, sizeof(ours), p) < 0 ||
	    msrp_path_parse(&to, p->msrp_their_path, strlen(p->msrp_their_path)) != 0 ||
	    msrp_path_parse(&from, ours, strlen(ours)) != 0)
		goto out;
	msrp_buf_init(&b);
	conf_msrp_next_ident(mid, sizeof(mid));
	sp.to_path = &to;
	sp.from_path = &from;
	sp.message_id = mid;
	sp.content_type = content_type;
	sp.body = body;
	sp.body_len = len;
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
	if (rc == 0)
		rc = conf_msrp_send_on(p->msrp_conn, b.data, b.len);
	else
		rc = -1;
	msrp_buf_reset(&b);
out:
	msrp_path_reset(&to);
	msrp_path_reset(&from);
	return rc;
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
