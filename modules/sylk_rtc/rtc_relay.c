/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The video-room relay between cluster nodes (rtc_relay.h).
 *
 * Two roles, often on the same node: the *front* holds a browser's
 * WebSocket and forwards its requests for rooms homed elsewhere (routes:
 * which session or feed lives where); the *home* runs the room and knows
 * the browser as a pseudo connection. Everything a node sends to a peer
 * waits in that peer's queue in the shared table; one MESSAGE per peer is
 * in flight at a time (its 200 releases the next), so frames keep their
 * order over UDP. Items are queued with the store lock held or not, under
 * the relay lock (taken inside the store lock, never the other way), and
 * sent by rtc_relay_flush() with no lock held: after each request, from
 * the fast timer, from tm's reply callback. A batch unanswered after
 * timeout_ms (tm's own timeout is far longer) fails in the gateway timer,
 * which also does the slow part of a failure (rtpengine, WebSocket). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/locking.h"
#include "core/mem/shm_mem.h"
#include "core/usr_avp.h"
#include "modules/htable/ht_api.h"
#include "modules/htable/api.h"
#include "modules/dmq/bind_dmq.h"
#include "modules/tm/t_hooks.h"

#include "sylk_ws/base/clock.h"
#include "sylk_ws/cluster/relay_envelope.h"

#include "../common/sip_util.h"
#include "rtc_account.h"
#include "rtc_config.h"
#include "rtc_events.h"
#include "rtc_relay.h"
#include "rtc_store.h"
#include "rtc_videoroom.h"

#define RELAY_REMOTES 1024
#define RELAY_ROUTES 4096
#define RELAY_BATCH_BYTES 24000 /* well inside a UDP datagram */
#define RELAY_FAILED_NODES 8

struct rtc_relay_config rtc_relay_cfg = {
	.hostport = "",
	.socket_name = "sylk-cluster",
	.home_table = "confroom",
	.timeout_ms = 3000,
	.ping_ms = 5000,
};

static struct relay_table *table;
static gen_lock_t *relay_lock;
static htable_api_t ht;

/* invitations to accounts on other nodes: a DMQ broadcast (KDMQ to
 * sip:sylkrtc@node), which route[CLUSTER_IN] gives to sylk_rtc_relay() */
#define INVITE_PEER "sylkrtc"
static dmq_api_t dmq;
static dmq_peer_t *invite_peer;

static void *shm_alloc_cb(size_t size, void *ctx)
{
	return shm_malloc(size);
}

static void shm_free_cb(void *p, void *ctx)
{
	shm_free(p);
}

static const struct sylk_mem relay_shm = {shm_alloc_cb, NULL, shm_free_cb, NULL};

static bool enabled(void)
{
	return table != NULL;
}

/* A KDMQ for our peer the script handed to dmq_handle_message(): the DMQ
 * worker holds no WebSocket, so it is refused where an operator sees it. */
static int invite_peer_misrouted(struct sip_msg *msg, peer_reponse_t *resp, dmq_node_t *node)
{
	static char reason[] = "Give KDMQ sylkrtc to sylk_rtc_relay()";

	LM_WARN("a video-room invitation from another node reached the dmq module: "
		"route[CLUSTER_IN] must give KDMQ for \"" INVITE_PEER "\" to sylk_rtc_relay()\n");
	resp->resp_code = 500;
	resp->reason.s = reason;
	resp->reason.len = (int)strlen(reason);
	return 0;
}

/* Without dmq loaded, invitations reach this node's browsers only. */
static int invite_peer_init(void)
{
	static dmq_peer_t peer = {
		.peer_id = {INVITE_PEER, sizeof(INVITE_PEER) - 1},
		.description = {"sylk_rtc video-room invitations", 31},
		.callback = invite_peer_misrouted,
	};

	if (!find_export("bind_dmq", 0, 0)) {
		LM_WARN("dmq is not loaded: video-room invitations reach the browsers of this "
			"node only\n");
		return 0;
	}
	if (dmq_load_api(&dmq) < 0 || !(invite_peer = dmq.register_dmq_peer(&peer))) {
		LM_ERR("cannot register the DMQ peer " INVITE_PEER " (load dmq.so before "
		       "sylk_rtc.so)\n");
		return -1;
	}
	return 0;
}

int rtc_relay_init(void)
{
	if (!rtc_relay_cfg.hostport || !*rtc_relay_cfg.hostport)
		return 0;
	if (!relay_node_valid(rtc_relay_cfg.hostport) || rtc_relay_cfg.timeout_ms < 100 ||
	    rtc_relay_cfg.ping_ms < 1000) {
		LM_ERR("cluster_hostport must be host:port, relay_timeout >= 100 and "
		       "relay_ping_interval >= 1000\n");
		return -1;
	}
	if (htable_load_api(&ht) < 0) {
		LM_ERR("cluster_hostport is set: load htable.so before sylk_rtc.so\n");
		return -1;
	}
	relay_lock = lock_alloc();
	if (!relay_lock || !lock_init(relay_lock) ||
	    relay_table_new(&table, &relay_shm, RELAY_REMOTES, RELAY_ROUTES) != 0) {
		SHM_MEM_ERROR;
		return -1;
	}
	LM_INFO("video rooms: homes in htable %s, relayed from %s (socket %s)\n",
		rtc_relay_cfg.home_table, rtc_relay_cfg.hostport, rtc_relay_cfg.socket_name);
	return invite_peer_init();
}

/* ---- homes (htable) ---------------------------------------------------------- */

/* the room's name in the table: its user part in lower case, as the
 * conference rooms' route[CONF_HOME] writes it */
static void room_key(const char *uri, char *key, size_t size)
{
	size_t n = 0;

	for (const char *p = uri; *p && *p != '@' && n + 1 < size; p++)
		key[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p;
	key[n] = '\0';
}

static void home_set(const char *key)
{
	str tname = {rtc_relay_cfg.home_table, (int)strlen(rtc_relay_cfg.home_table)};
	str name = {(char *)key, (int)strlen(key)};
	int_str v;

	v.s.s = rtc_relay_cfg.hostport;
	v.s.len = (int)strlen(rtc_relay_cfg.hostport);
	if (ht.set(&tname, &name, AVP_VAL_STR, &v, 1) != 0)
		LM_ERR("cannot write the home of room %s in htable %s\n", key,
		       rtc_relay_cfg.home_table);
}

/* The home of room @p uri into @p home; "" when it is this node, which it
 * becomes (and stays, renewed) when the room has none or its home is down. */
static void room_home(const char *uri, char *home, size_t size)
{
	str tname = {rtc_relay_cfg.home_table, (int)strlen(rtc_relay_cfg.home_table)};
	char key[RTC_AOR_SIZE];
	ht_cell_t *cell;
	str name;
	bool down;

	room_key(uri, key, sizeof(key));
	name.s = key;
	name.len = (int)strlen(key);
	home[0] = '\0';
	cell = ht.get_clone(&tname, &name);
	if (cell && (cell->flags & AVP_VAL_STR))
		sylk_copy(home, size, cell->value.s.s, cell->value.s.len);
	if (cell)
		pkg_free(cell);
	if (strcmp(home, rtc_relay_cfg.hostport) == 0)
		home[0] = '\0';
	if (home[0]) {
		lock_get(relay_lock);
		down = relay_peer_down(table, home);
		lock_release(relay_lock);
		if (!down)
			return;
		LM_WARN("video room %s: its node %s is unreachable; this node serves the room\n",
			uri, home);
		home[0] = '\0';
	}
	home_set(key);
}

/* ---- sending ------------------------------------------------------------------- */

struct flight {
	unsigned batch;
	char node[RELAY_NODE_SIZE];
};

static void batch_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	struct flight *f = (struct flight *)*ps->param;
	struct relay_failed *failed = NULL;
	size_t nfailed = 0;

	if (!f)
		return;
	*ps->param = NULL;
	/* anything but a 2xx waits for the timer: the batch fails there */
	if (ps->code >= 200 && ps->code < 300) {
		lock_get(relay_lock);
		relay_done(table, f->node, f->batch, true, sylk_monotonic_ms(), &failed, &nfailed);
		lock_release(relay_lock);
		free(failed);
		rtc_relay_flush();
	} else
		LM_NOTICE("relay batch %u to %s: %d\n", f->batch, f->node, ps->code);
	shm_free(f);
}

static int send_batch(const struct relay_taken *tk)
{
	char *body = NULL, ruri_buf[RELAY_NODE_SIZE + 32], from_buf[RELAY_NODE_SIZE + 32];
	str method = str_init("MESSAGE"), hdrs = str_init("Content-Type: " RELAY_CONTENT_TYPE "\r\n");
	str sock = {rtc_relay_cfg.socket_name, (int)strlen(rtc_relay_cfg.socket_name)};
	str ruri, from, sbody;
	struct flight *f = NULL;
	uac_req_t uac_r;
	int err;

	if ((err = relay_batch_encode(&body, rtc_relay_cfg.hostport, tk->items, tk->count))) {
		LM_ERR("cannot encode %zu items for %s: %d\n", tk->count, tk->node, err);
		goto out;
	}
	if (!(f = shm_malloc(sizeof(*f)))) {
		err = ENOMEM;
		goto out;
	}
	f->batch = tk->batch;
	snprintf(f->node, sizeof(f->node), "%s", tk->node);
	snprintf(ruri_buf, sizeof(ruri_buf), "sip:sylk-relay@%s", tk->node);
	snprintf(from_buf, sizeof(from_buf), "sip:sylk-relay@%s", rtc_relay_cfg.hostport);
	ruri.s = ruri_buf;
	ruri.len = (int)strlen(ruri_buf);
	from.s = from_buf;
	from.len = (int)strlen(from_buf);
	sbody.s = body;
	sbody.len = (int)strlen(body);
	set_uac_req(&uac_r, &method, &hdrs, &sbody, NULL, TMCB_LOCAL_COMPLETED, batch_cb, f);
	uac_r.ssockname = &sock;
	if (rtc_tmb.t_request(&uac_r, &ruri, &ruri, &from, NULL) < 0) {
		LM_ERR("cannot send %zu relay items to %s\n", tk->count, tk->node);
		err = EIO;
		goto out;
	}
	f = NULL; /* tm's now: freed by batch_cb */
out:
	if (f)
		shm_free(f);
	free(body);
	return err; /* a batch that did not leave fails at its timeout */
}

void rtc_relay_flush(void)
{
	struct relay_taken tk;
	int got;

	if (!enabled())
		return;
	for (;;) {
		lock_get(relay_lock);
		got = relay_take(table, sylk_monotonic_ms(), RELAY_BATCH_BYTES, &tk);
		lock_release(relay_lock);
		if (got != 1)
			return;
		send_batch(&tk);
		relay_taken_free(&tk);
	}
}

static int relay_queue(const char *node, const struct relay_item *it, const char *transaction)
{
	int err;

	lock_get(relay_lock);
	err = relay_push(table, node, it, transaction);
	lock_release(relay_lock);
	if (err)
		LM_ERR("cannot queue a relay %s for %s: %d\n", relay_kind_name(it->kind), node, err);
	return err;
}

/* ---- the home's side: pseudo connections ---------------------------------------- */

void rtc_relay_send(int conn_id, char **jsonp)
{
	const struct relay_remote *r;
	struct relay_item it = {.kind = RELAY_EVENT, .text = *jsonp};

	*jsonp = NULL;
	if (!enabled()) {
		free(it.text);
		return;
	}
	lock_get(relay_lock);
	if ((r = relay_remote_get(table, conn_id))) {
		it.conn = r->conn;
		if (relay_push(table, r->node, &it, NULL) != 0)
			LM_ERR("relay queue to %s full: an event for its connection %d is lost\n",
			       r->node, r->conn);
	}
	lock_release(relay_lock);
	free(it.text);
}

enum sylkrtc_version rtc_relay_version(int conn_id)
{
	const struct relay_remote *r;
	enum sylkrtc_version v = 0;

	if (!enabled())
		return 0;
	lock_get(relay_lock);
	if ((r = relay_remote_get(table, conn_id)))
		v = (enum sylkrtc_version)r->version;
	lock_release(relay_lock);
	return v;
}

/* A request another node forwarded for its connection @p it->conn. */
static void serve_request(const char *node, const struct relay_item *it)
{
	struct sylkrtc_request *req = NULL;
	struct sylkrtc_error err;
	char *json = NULL;
	int pseudo = -1, rc;

	lock_get(relay_lock);
	rc = relay_remote_open(table, node, it->conn, it->version, &pseudo);
	lock_release(relay_lock);
	if (rc) {
		LM_ERR("no room for connection %d of %s: %d\n", it->conn, node, rc);
		return;
	}
	if (sylkrtc_request_decode(&req, &err, it->version, it->text, strlen(it->text)) != 0) {
		LM_NOTICE("connection %d of %s: bad relayed request: %s\n", it->conn, node, err.text);
		rtc_send_built(pseudo, sylkrtc_event_error_from(&json, it->version, &err), &json);
		return;
	}
	LM_DBG("connection %d of %s (%d here): %s %s\n", it->conn, node, pseudo,
	       sylkrtc_req_type_name(req->type), req->transaction);
	if (req->type == SYLKRTC_REQ_VIDEOROOM_JOIN) {
		char key[RTC_AOR_SIZE];

		room_key(req->uri, key, sizeof(key));
		home_set(key); /* served here whatever the table said: it says so now */
	}
	rtc_videoroom_relayed(pseudo, req, it->account, it->display_name);
	sylkrtc_request_free(req);
}

/* The front's connection is gone: its participants leave our rooms. */
static void remote_closed(const char *node, int conn)
{
	int pseudo;

	lock_get(relay_lock);
	pseudo = relay_remote_find(table, node, conn);
	lock_release(relay_lock);
	if (pseudo < 0)
		return;
	LM_INFO("connection %d of %s (%d here) closed\n", conn, node, pseudo);
	rtc_videoroom_conn_closed(pseudo);
	lock_get(relay_lock);
	relay_remote_remove(table, pseudo);
	lock_release(relay_lock);
}

/* ---- the front's side ------------------------------------------------------------ */

/* A frame from a home for our connection; a connection that is gone is
 * reported back once per batch, so that the home lets it go. */
static void deliver(const char *node, const struct relay_item *it, int *gone)
{
	struct relay_item closed = {.kind = RELAY_CLOSED, .conn = it->conn};

	if (!relay_is_pseudo(it->conn) && rtc_conn_version(it->conn) &&
	    rtc_ws.send(it->conn, SYLK_WS_OP_TEXT, it->text, strlen(it->text)) >= 0)
		return;
	if (*gone == it->conn)
		return;
	*gone = it->conn;
	LM_INFO("relay from %s: connection %d is gone\n", node, it->conn);
	relay_queue(node, &closed, NULL);
}

/* An invitation another node's room sent to every node: for the invited
 * account's connections here that may receive (none is fine). */
static void deliver_invite(const char *node, const struct relay_item *it)
{
	int conns[64];
	int n;

	rtc_lock();
	n = rtc_account_receivers(it->account, -1, conns, 64);
	rtc_unlock();
	for (int i = 0; i < n; i++) {
		if (rtc_conn_version(conns[i]) != SYLKRTC_V2)
			continue;
		LM_INFO("video-room invitation from %s for %s (connection %d)\n", node,
			it->account, conns[i]);
		rtc_ws.send(conns[i], SYLK_WS_OP_TEXT, it->text, strlen(it->text));
	}
}

static bool identity(int conn_id, const char *account, char *aor, char *name, size_t size)
{
	struct rtc_account *a;
	bool ok;

	rtc_lock();
	a = rtc_account_find(conn_id, account);
	ok = a && rtc_account_may_receive(a);
	if (ok) {
		snprintf(aor, size, "%s", a->aor);
		snprintf(name, size, "%s", a->display_name ? a->display_name : "");
	}
	rtc_unlock();
	return ok;
}

/* the ids a relayed request makes or ends: kept so that the next requests
 * for them follow */
static int note_route(int conn_id, const struct sylkrtc_request *req, const char *home)
{
	int err = 0;

	lock_get(relay_lock);
	switch (req->type) {
	case SYLKRTC_REQ_VIDEOROOM_JOIN:
		err = relay_route_add(table, conn_id, req->session, home, true);
		break;
	case SYLKRTC_REQ_VIDEOROOM_FEED_ATTACH:
		if (req->feed)
			err = relay_route_add(table, conn_id, req->feed, home, false);
		break;
	case SYLKRTC_REQ_VIDEOROOM_LEAVE: relay_route_remove(table, conn_id, req->session); break;
	case SYLKRTC_REQ_VIDEOROOM_FEED_DETACH: relay_route_remove(table, conn_id, req->feed); break;
	default: break;
	}
	lock_release(relay_lock);
	return err;
}

static bool forward_to(int conn_id, const struct sylkrtc_request *req, const char *text,
		       size_t len, const char *home, const char *aor, const char *name)
{
	struct relay_item it = {.kind = RELAY_REQUEST,
				.conn = conn_id,
				.version = (int)rtc_conn_version(conn_id),
				.account = aor && *aor ? (char *)aor : NULL,
				.display_name = name && *name ? (char *)name : NULL};

	if (len > RELAY_TEXT_MAX || !(it.text = strndup(text, len)) || !it.version) {
		free(it.text);
		rtc_send_error(conn_id, req->transaction, "Cannot relay the request");
		return true;
	}
	if (note_route(conn_id, req, home) != 0 || relay_queue(home, &it, req->transaction) != 0)
		rtc_send_error(conn_id, req->transaction, "Cannot relay the request to the room's node");
	else
		LM_DBG("connection %d: %s %s relayed to %s\n", conn_id,
		       sylkrtc_req_type_name(req->type), req->transaction, home);
	free(it.text);
	rtc_relay_flush();
	return true;
}

bool rtc_relay_forward(int conn_id, const struct sylkrtc_request *req, const char *text,
		       size_t len)
{
	char home[RELAY_NODE_SIZE] = "", aor[RTC_AOR_SIZE], name[RTC_AOR_SIZE];
	const char *node;

	if (!enabled() || relay_is_pseudo(conn_id))
		return false;
	if (req->type == SYLKRTC_REQ_VIDEOROOM_JOIN) {
		if (!req->uri || !req->session)
			return false;
		/* a refused identity is refused here, in the usual words, and
		 * opens no room anywhere */
		if (!identity(conn_id, req->account, aor, name, sizeof(aor)))
			return false;
		room_home(req->uri, home, sizeof(home));
		if (!home[0])
			return false;
		LM_INFO("connection %d: video room %s lives on %s: join relayed\n", conn_id,
			req->uri, home);
		return forward_to(conn_id, req, text, len, home, aor, name);
	}
	lock_get(relay_lock);
	if ((node = relay_route_node(table, conn_id, req->session)))
		snprintf(home, sizeof(home), "%s", node);
	lock_release(relay_lock);
	if (!home[0])
		return false;
	return forward_to(conn_id, req, text, len, home, NULL, NULL);
}

static void broadcast_invites(const struct relay_item *items, size_t n)
{
	static dmq_resp_cback_t no_answer = {NULL, NULL};
	static str ctype = {RELAY_CONTENT_TYPE, sizeof(RELAY_CONTENT_TYPE) - 1};
	char *body = NULL;
	str b;
	int err;

	if ((err = relay_batch_encode(&body, rtc_relay_cfg.hostport, items, n))) {
		LM_ERR("%zu video-room invitations not sent to the other nodes: %s\n", n,
		       strerror(err));
		return;
	}
	b.s = body;
	b.len = (int)strlen(body);
	if (dmq.bcast_message(invite_peer, &b, NULL, &no_answer, 1, &ctype) < 0)
		LM_ERR("%zu video-room invitations not sent to the other nodes\n", n);
	free(body);
}

void rtc_relay_invite_elsewhere(const char *const *accounts, char *const *frames, size_t n)
{
	struct relay_item items[RELAY_ITEMS_MAX];
	size_t count = 0;

	if (!enabled() || !invite_peer)
		return;
	for (size_t i = 0; i < n && count < RELAY_ITEMS_MAX; i++)
		if (frames[i])
			items[count++] = (struct relay_item){
				.kind = RELAY_INVITE, .account = (char *)accounts[i], .text = frames[i]};
	for (size_t i = 0, k; i < count; i += k) {
		k = relay_items_fit(items + i, count - i, RELAY_BATCH_BYTES);
		broadcast_invites(items + i, k);
	}
}

void rtc_relay_conn_closed(int conn_id)
{
	char homes[RELAY_PEERS_MAX][RELAY_NODE_SIZE];
	struct relay_item closed = {.kind = RELAY_CLOSED, .conn = conn_id};
	size_t n;

	if (!enabled())
		return;
	lock_get(relay_lock);
	n = relay_route_drop_conn(table, conn_id, homes, RELAY_PEERS_MAX);
	lock_release(relay_lock);
	for (size_t i = 0; i < n; i++)
		relay_queue(homes[i], &closed, NULL);
	rtc_relay_flush();
}

/* ---- receiving ------------------------------------------------------------------- */

int rtc_relay_receive(struct sip_msg *msg)
{
	struct relay_batch *b = NULL;
	char why[160];
	int gone = -1;
	str body;

	if (!enabled()) {
		LM_NOTICE("relay MESSAGE from %s, but cluster_hostport is not set\n",
			  ip_addr2a(&msg->rcv.src_ip));
		return -1;
	}
	if (sylk_msg_body(msg, &body) < 0 || body.len <= 0 ||
	    relay_batch_decode(&b, body.s, (size_t)body.len, why, sizeof(why)) != 0) {
		LM_NOTICE("bad relay MESSAGE from %s: %s\n", ip_addr2a(&msg->rcv.src_ip),
			  b ? "" : (body.len > 0 ? why : "no body"));
		return -1;
	}
	lock_get(relay_lock);
	relay_seen(table, b->node, sylk_monotonic_ms());
	lock_release(relay_lock);
	for (size_t i = 0; i < b->count; i++) {
		const struct relay_item *it = &b->items[i];

		switch (it->kind) {
		case RELAY_REQUEST: serve_request(b->node, it); break;
		case RELAY_EVENT: deliver(b->node, it, &gone); break;
		case RELAY_CLOSED: remote_closed(b->node, it->conn); break;
		case RELAY_PING: break;
		case RELAY_INVITE: deliver_invite(b->node, it); break;
		}
	}
	relay_batch_free(b);
	rtc_relay_flush();
	return 1;
}

/* ---- failures --------------------------------------------------------------------- */

/* Our browsers in @p node's rooms: their sessions end as a room's end
 * would show them; its browsers in our rooms leave. */
static void node_gone(const char *node)
{
	struct relay_route *routes = malloc(RELAY_ROUTES * sizeof(*routes));
	int pseudos[256];
	size_t n = 0;

	lock_get(relay_lock);
	if (routes)
		n = relay_route_drop_node(table, node, routes, RELAY_ROUTES);
	lock_release(relay_lock);
	for (size_t i = 0; i < n; i++)
		if (routes[i].publisher) {
			struct sylkrtc_videoroom_state_event ev = {
				.session = routes[i].id,
				.state = SYLKRTC_SESSION_TERMINATED,
				.reason = "The room's node is unreachable"};
			char *json = NULL;

			rtc_send_built(routes[i].conn,
				       sylkrtc_event_videoroom_session_state(
					       &json, rtc_conn_version(routes[i].conn), &ev),
				       &json);
		}
	free(routes);
	lock_get(relay_lock);
	n = relay_remote_of_node(table, node, pseudos, 256);
	lock_release(relay_lock);
	for (size_t i = 0; i < n; i++) {
		rtc_videoroom_conn_closed(pseudos[i]);
		lock_get(relay_lock);
		relay_remote_remove(table, pseudos[i]);
		lock_release(relay_lock);
	}
}

static void batch_failed(const char *node, const struct relay_failed *failed, size_t n)
{
	LM_WARN("node %s did not answer within %d ms: it counts as down\n", node,
		rtc_relay_cfg.timeout_ms);
	for (size_t i = 0; i < n; i++)
		if (failed[i].kind == RELAY_REQUEST && !relay_is_pseudo(failed[i].conn))
			rtc_send_error(failed[i].conn, failed[i].transaction,
				       "The room's node %s did not answer", node);
	node_gone(node);
}

void rtc_relay_timer(void)
{
	char nodes[RELAY_FAILED_NODES][RELAY_NODE_SIZE];
	struct relay_failed *failed[RELAY_FAILED_NODES] = {NULL};
	size_t nfailed[RELAY_FAILED_NODES] = {0}, n = 0;
	int64_t now = sylk_monotonic_ms();
	unsigned batch;

	if (!enabled())
		return;
	lock_get(relay_lock);
	while (n < RELAY_FAILED_NODES &&
	       relay_expired(table, now, rtc_relay_cfg.timeout_ms, nodes[n], &batch)) {
		relay_done(table, nodes[n], batch, false, now, &failed[n], &nfailed[n]);
		n++;
	}
	relay_pings(table, now, rtc_relay_cfg.ping_ms);
	lock_release(relay_lock);
	for (size_t i = 0; i < n; i++) {
		batch_failed(nodes[i], failed[i], nfailed[i]);
		free(failed[i]);
	}
	rtc_relay_flush();
}
