/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Video rooms across cluster nodes (docs/CLUSTER.md): a room runs on its
 * home, the node the htable (videoroom_home_table, "confroom" as for the
 * conference room of the same name) names. A browser's videoroom-* requests
 * for a room with another home are relayed there as SIP MESSAGEs between the
 * cluster sockets (sylk_ws/cluster/relay_envelope.h); the home serves them
 * as requests of a remote connection (a pseudo connection id) and sends
 * what it would send to that connection back the same way. Off unless
 * cluster_hostport is set. */
#ifndef SYLK_RTC_RELAY_H
#define SYLK_RTC_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "core/parser/msg_parser.h"

#include "sylk_ws/cluster/relay_table.h"
#include "sylk_ws/sylkrtc/sylkrtc_event.h"
#include "sylk_ws/sylkrtc/sylkrtc_request.h"

/* module parameters (sylk_rtc.c) */
struct rtc_relay_config {
	char *hostport;     /* this node's cluster socket "host:port"; "" = no relay */
	char *socket_name;  /* the listener relayed MESSAGEs leave from */
	char *home_table;   /* htable: room name (lower case) => its home's hostport */
	int timeout_ms;     /* a batch not answered in this time fails */
	int ping_ms;        /* a quiet node in use is pinged this often */
};

extern struct rtc_relay_config rtc_relay_cfg;

/* mod_init: the htable API bound and the shared table made when the relay
 * is on. 0 or -1. */
int rtc_relay_init(void);

/* A videoroom-* request of a browser connection of this node (@p text its
 * JSON as received): true when its room lives on another node and it went
 * there (or was refused here); false when this node serves it. A join of a
 * room with no home makes this node its home. No lock held. */
bool rtc_relay_forward(int conn_id, const struct sylkrtc_request *req, const char *text,
		       size_t len);

/* A frame for a pseudo connection: queued for its node (safe with the store
 * lock held; sent by rtc_relay_flush()). Frees *@p jsonp. */
void rtc_relay_send(int conn_id, char **jsonp);

/* The sylkRTC version of a pseudo connection, 0 when it is gone. */
enum sylkrtc_version rtc_relay_version(int conn_id);

/* Conference-invite frames (v2, @p frames[i] for @p accounts[i]; NULL
 * skipped): broadcast to the other nodes over DMQ, a few per KDMQ, which
 * give each to the account's connections they hold. No lock held. */
void rtc_relay_invite_elsewhere(const char *const *accounts, char *const *frames, size_t n);

/* A browser connection of this node closed: the homes of its rooms hear. */
void rtc_relay_conn_closed(int conn_id);

/* Sends what waits for other nodes. Never with a lock held. */
void rtc_relay_flush(void);

/* Once a second: unanswered batches fail (the node counts as down: its
 * requests get errors, its rooms end for our browsers, its browsers leave
 * our rooms), quiet nodes are pinged. */
void rtc_relay_timer(void);

/* sylk_rtc_relay(): a relay MESSAGE, or a KDMQ for the peer "sylkrtc"
 * (invitations), on the cluster socket. 1 (handled:
 * reply 200) or -1 (malformed: reply 400; logged). */
int rtc_relay_receive(struct sip_msg *msg);

#endif
