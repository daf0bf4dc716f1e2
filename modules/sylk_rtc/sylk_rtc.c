/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylk_rtc: the sylkRTC gateway. Browsers speak sylkRTC-1 / sylkRTC-2 over
 * the sylk_websocket transport; the module acts as a SIP user agent for
 * their accounts through tm, with media bridged by rtpengine. This file is
 * the Kamailio glue: parameters, script functions, RPC, KEMI, life cycle. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/route.h"
#include "core/fmsg.h"
#include "core/globals.h"
#include "core/ip_addr.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/timer_proc.h"

#include "../common/module_status.h"
#include "rtc_account.h"
#include "rtc_addressbook.h"
#include "rtc_call.h"
#include "rtc_db.h"
#include "rtc_config.h"
#include "rtc_files.h"
#include "rtc_hooks.h"
#include "rtc_http.h"
#include "rtc_journal.h"
#include "rtc_service.h"
#include "rtc_static.h"
#include "rtc_message.h"
#include "rtc_msgstore.h"
#include "rtc_presence.h"
#include "../common/ng_client.h"
#include "rtc_proto.h"
#include "rtc_push.h"
#include "rtc_relay.h"
#include "rtc_stats.h"
#include "rtc_store.h"
#include "rtc_videoroom.h"
#include "rtc_vrchat.h"
#include "rtc_vr_sip.h"
#include "rtc_vouch.h"

MODULE_VERSION

struct rtc_config rtc_cfg = {
	.rtpengine_sock = "udp:127.0.0.1:2223",
	.rtpengine_timeout_ms = 1000,
	.outbound_proxy = "",
	.outbound_socket = "",
	.contact_host = "",
	.sip_domains = "",
	.register_expires = 600,
	.max_accounts_per_conn = 10,
	.max_sessions_per_account = 8,
	.max_requests_per_second = 50,
	.max_messages_per_account = 100,
	.decline_code = 486,
	.user_agent = "SylkRTC gateway (Kamailio)",
	.db_url = "",
	.sqlite_synchronous = "NORMAL",
	.sqlite_wal_limit = 64 << 20,
	.max_message_size = 32768,
	.message_retention_days = 365,
	.shm_reserve = 20,
	.http_base = "http://127.0.0.1:10888",
	.api_token_lifetime = 26784000, /* SylkServer's: 310 days */
	.history_limit = 1000,
	.file_dir = "/var/lib/sylk/filetransfer",
	.max_file_size = 52428800,
	.file_transfer_port = 0,
	.file_transfer_addr = "",
	.file_transfer_url = "",
	.push_url = "",
	.push_queue_size = 256,
	.max_addressbook_size = 65536,
	.presence = 1,
	.presence_expires = 600,
	.max_presence_subscriptions = 64,
	.videoroom_policy = "allow",
	.videoroom_allow = "",
	.videoroom_deny = "",
	.videoroom_persistent = "",
	.videoroom_max_rooms = 100,
	.videoroom_max_publishers = 16,
	.videoroom_media_timeout = 30,
	.videoroom_max_bitrate = 2016000,
};
struct tm_binds rtc_tmb;
sl_api_t rtc_slb;
tm_xapi_t rtc_xtmb;
sylk_ws_api_t rtc_ws;

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static counter_def_t sylk_rtc_counters[] = {
	{0, 0, 0, 0, 0, 0},
};

static struct module_status sylk_rtc_status = {
	.module = "sylk_rtc",
	.counters = sylk_rtc_counters,
	.stats = rtc_stats,
};

/* ---- script functions ------------------------------------------------------ */

static int ki_sylk_rtc_deliver(sip_msg_t *msg)
{
	return rtc_call_deliver(msg);
}

static int w_sylk_rtc_deliver(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_call_deliver(msg);
}

static int ki_sylk_rtc_message(sip_msg_t *msg)
{
	return rtc_message_receive(msg, -1);
}

static int ki_sylk_rtc_vouched(sip_msg_t *msg)
{
	return rtc_vouched(msg);
}

static int w_sylk_rtc_vouched(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_vouched(msg);
}

static int w_sylk_rtc_message(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_message_receive(msg, -1);
}

static int w_sylk_rtc_message_resume(sip_msg_t *msg, char *route, char *p2)
{
	return rtc_message_receive(msg, (int)(long)route);
}

/* the route block the script goes on in: its index in main_rt */
static int fixup_resume_route(void **param, int param_no)
{
	int idx = route_lookup(&main_rt, (char *)*param);

	if (idx < 0) {
		LM_ERR("sylk_rtc_message(\"%s\"): the script has no route[%s]\n", (char *)*param,
		       (char *)*param);
		return -1;
	}
	*param = (void *)(long)idx;
	return 0;
}

static int w_sylk_rtc_message_stored(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_message_stored(msg);
}

static int ki_sylk_rtc_reject(sip_msg_t *msg, str *reason)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%.*s", reason->len, reason->s);
	return rtc_hook_reject(buf);
}

static int w_sylk_rtc_reject(sip_msg_t *msg, char *p1, char *p2)
{
	str reason = STR_NULL;

	if (fixup_get_svalue(msg, (gparam_t *)p1, &reason) < 0)
		return -1;
	return ki_sylk_rtc_reject(msg, &reason);
}

static int ki_sylk_rtc_push_call(sip_msg_t *msg)
{
	return rtc_push_script_call(msg);
}

static int w_sylk_rtc_push_call(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_push_script_call(msg);
}

static int ki_sylk_rtc_http(sip_msg_t *msg)
{
	return rtc_http_handle(msg);
}

static int w_sylk_rtc_http(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_http_handle(msg);
}

/* the demo web app and the echo/playback test services (issue 19):
 * rtc_static.h, rtc_service.h */
static int w_sylk_rtc_static(sip_msg_t *msg, char *p1, char *p2)
{
	str dir = STR_NULL;

	if (fixup_get_svalue(msg, (gparam_t *)p1, &dir) < 0)
		return -1;
	return rtc_static_serve(msg, &dir);
}

static int w_sylk_rtc_echo(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_service_invite(msg, 0, NULL);
}

static int w_sylk_rtc_playback(sip_msg_t *msg, char *p1, char *p2)
{
	str file = STR_NULL;

	if (fixup_get_svalue(msg, (gparam_t *)p1, &file) < 0)
		return -1;
	return rtc_service_invite(msg, 1, &file);
}

static int w_sylk_rtc_service_dialog(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_service_dialog(msg);
}

/* the address book around an XCAP PUT/DELETE (rtc_addressbook.h) */
static int w_sylk_rtc_ab(sip_msg_t *msg, char *p1, int after)
{
	str uri = STR_NULL;

	if (fixup_get_svalue(msg, (gparam_t *)p1, &uri) < 0)
		return -1;
	return after ? rtc_addressbook_changed(msg, &uri) : rtc_addressbook_snapshot(msg, &uri);
}

static int w_sylk_rtc_ab_snapshot(sip_msg_t *msg, char *p1, char *p2)
{
	return w_sylk_rtc_ab(msg, p1, 0);
}

static int w_sylk_rtc_ab_changed(sip_msg_t *msg, char *p1, char *p2)
{
	return w_sylk_rtc_ab(msg, p1, 1);
}

/* a video-room relay MESSAGE from another node (rtc_relay.h) */
static int ki_sylk_rtc_relay(sip_msg_t *msg)
{
	return rtc_relay_receive(msg);
}

static int w_sylk_rtc_relay(sip_msg_t *msg, char *p1, char *p2)
{
	return rtc_relay_receive(msg);
}

static cmd_export_t cmds[] = {
	{"sylk_rtc_relay", (cmd_function)w_sylk_rtc_relay, 0, 0, 0, REQUEST_ROUTE},
	{"sylk_rtc_addressbook_snapshot", (cmd_function)w_sylk_rtc_ab_snapshot, 1, fixup_spve_null,
	 fixup_free_spve_null, ANY_ROUTE},
	{"sylk_rtc_addressbook_changed", (cmd_function)w_sylk_rtc_ab_changed, 1, fixup_spve_null,
	 fixup_free_spve_null, ANY_ROUTE},
	{"sylk_rtc_deliver", (cmd_function)w_sylk_rtc_deliver, 0, 0, 0,
	 REQUEST_ROUTE | FAILURE_ROUTE | BRANCH_ROUTE},
	{"sylk_rtc_message", (cmd_function)w_sylk_rtc_message, 0, 0, 0, REQUEST_ROUTE},
	{"sylk_rtc_message", (cmd_function)w_sylk_rtc_message_resume, 1, fixup_resume_route, 0,
	 REQUEST_ROUTE},
	{"sylk_rtc_message_stored", (cmd_function)w_sylk_rtc_message_stored, 0, 0, 0,
	 REQUEST_ROUTE | FAILURE_ROUTE},
	{"sylk_rtc_vouched", (cmd_function)w_sylk_rtc_vouched, 0, 0, 0, REQUEST_ROUTE},
	{"sylk_rtc_reject", (cmd_function)w_sylk_rtc_reject, 1, fixup_spve_null,
	 fixup_free_spve_null, EVENT_ROUTE},
	{"sylk_rtc_push_call", (cmd_function)w_sylk_rtc_push_call, 0, 0, 0,
	 REQUEST_ROUTE | FAILURE_ROUTE},
	{"sylk_rtc_http", (cmd_function)w_sylk_rtc_http, 0, 0, 0, EVENT_ROUTE},
	{"sylk_rtc_static", (cmd_function)w_sylk_rtc_static, 1, fixup_spve_null,
	 fixup_free_spve_null, EVENT_ROUTE},
	{"sylk_rtc_echo", (cmd_function)w_sylk_rtc_echo, 0, 0, 0, REQUEST_ROUTE},
	{"sylk_rtc_playback", (cmd_function)w_sylk_rtc_playback, 1, fixup_spve_null,
	 fixup_free_spve_null, REQUEST_ROUTE},
	{"sylk_rtc_service_dialog", (cmd_function)w_sylk_rtc_service_dialog, 0, 0, 0,
	 REQUEST_ROUTE},
	{0, 0, 0, 0, 0, 0},
};

static param_export_t params[] = {
	{"rtpengine_sock", PARAM_STRING, &rtc_cfg.rtpengine_sock},
	{"rtpengine_timeout", INT_PARAM, &rtc_cfg.rtpengine_timeout_ms},
	{"outbound_proxy", PARAM_STRING, &rtc_cfg.outbound_proxy},
	{"outbound_socket", PARAM_STRING, &rtc_cfg.outbound_socket},
	{"contact_host", PARAM_STRING, &rtc_cfg.contact_host},
	{"sip_domains", PARAM_STRING, &rtc_cfg.sip_domains},
	{"register_expires", INT_PARAM, &rtc_cfg.register_expires},
	{"max_accounts_per_connection", INT_PARAM, &rtc_cfg.max_accounts_per_conn},
	{"max_sessions_per_account", INT_PARAM, &rtc_cfg.max_sessions_per_account},
	{"max_requests_per_second", INT_PARAM, &rtc_cfg.max_requests_per_second},
	{"max_messages_per_account", INT_PARAM, &rtc_cfg.max_messages_per_account},
	{"decline_code", INT_PARAM, &rtc_cfg.decline_code},
	{"user_agent", PARAM_STRING, &rtc_cfg.user_agent},
	{"db_url", PARAM_STRING, &rtc_cfg.db_url},
	{"sqlite_synchronous", PARAM_STRING, &rtc_cfg.sqlite_synchronous},
	{"sqlite_wal_limit", INT_PARAM, &rtc_cfg.sqlite_wal_limit},
	{"max_message_size", INT_PARAM, &rtc_cfg.max_message_size},
	{"message_retention_days", INT_PARAM, &rtc_cfg.message_retention_days},
	{"shm_reserve", INT_PARAM, &rtc_cfg.shm_reserve},
	{"max_stored_messages", INT_PARAM, &msgstore_max_stored},
	{"http_base", PARAM_STRING, &rtc_cfg.http_base},
	{"api_token_lifetime", INT_PARAM, &rtc_cfg.api_token_lifetime},
	{"history_limit", INT_PARAM, &rtc_cfg.history_limit},
	{"file_dir", PARAM_STRING, &rtc_cfg.file_dir},
	{"max_file_size", INT_PARAM, &rtc_cfg.max_file_size},
	{"file_transfer_port", INT_PARAM, &rtc_cfg.file_transfer_port},
	{"file_transfer_addr", PARAM_STRING, &rtc_cfg.file_transfer_addr},
	{"file_transfer_url", PARAM_STRING, &rtc_cfg.file_transfer_url},
	{"push_url", PARAM_STRING, &rtc_cfg.push_url},
	{"push_queue_size", INT_PARAM, &rtc_cfg.push_queue_size},
	{"max_addressbook_size", INT_PARAM, &rtc_cfg.max_addressbook_size},
	{"presence", INT_PARAM, &rtc_cfg.presence},
	{"presence_expires", INT_PARAM, &rtc_cfg.presence_expires},
	{"max_presence_subscriptions", INT_PARAM, &rtc_cfg.max_presence_subscriptions},
	{"videoroom_policy", PARAM_STRING, &rtc_cfg.videoroom_policy},
	{"videoroom_allow", PARAM_STRING, &rtc_cfg.videoroom_allow},
	{"videoroom_deny", PARAM_STRING, &rtc_cfg.videoroom_deny},
	{"videoroom_persistent_rooms", PARAM_STRING, &rtc_cfg.videoroom_persistent},
	{"max_rooms", INT_PARAM, &rtc_cfg.videoroom_max_rooms},
	{"max_publishers_per_room", INT_PARAM, &rtc_cfg.videoroom_max_publishers},
	{"videoroom_media_timeout", INT_PARAM, &rtc_cfg.videoroom_media_timeout},
	{"videoroom_max_bitrate", INT_PARAM, &rtc_cfg.videoroom_max_bitrate},
	{"cluster_hostport", PARAM_STRING, &rtc_relay_cfg.hostport},
	{"cluster_socket", PARAM_STRING, &rtc_relay_cfg.socket_name},
	{"videoroom_home_table", PARAM_STRING, &rtc_relay_cfg.home_table},
	{"relay_timeout", INT_PARAM, &rtc_relay_cfg.timeout_ms},
	{"relay_ping_interval", INT_PARAM, &rtc_relay_cfg.ping_ms},
	{0, 0, 0},
};

/* ---- RPC ------------------------------------------------------------------- */

static const char *rpc_status_doc[] = {"Version, uptime and counts of the gateway.", 0};
static const char *rpc_connections_doc[] = {"sylkRTC connections: id, version, accounts.", 0};
static const char *rpc_accounts_doc[] = {"Accounts: AOR, connection, registration state.", 0};
static const char *rpc_sessions_doc[] = {"Calls: id, account, peer, direction, state.", 0};
static const char *rpc_api_token_doc[] = {
	"Issues a history token for an account on the gateway (sent to it too).", 0};
static const char *rpc_push_doc[] = {"Push notifications: queue and queued/sent/failed/dropped.",
				     0};

static const char *reg_state_name(enum rtc_reg_state s)
{
	switch (s) {
	case RTC_REG_IDLE: return "idle";
	case RTC_REG_REGISTERING: return "registering";
	case RTC_REG_REGISTERED: return "registered";
	case RTC_REG_FAILED: return "failed";
	}
	return "?";
}

static void rpc_status(rpc_t *rpc, void *ctx)
{
	int conns = 0, accounts = 0, sessions = 0;
	void *th;

	rtc_lock();
	for (struct rtc_conn *c = rtc_conn_first(); c; c = c->next)
		conns++;
	for (struct rtc_account *a = rtc_account_first(); a; a = a->next)
		accounts++;
	for (struct rtc_session *s = rtc_session_first(); s; s = s->next)
		sessions++;
	rtc_unlock();
	if (rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "ssddd", "module", "sylk_rtc", "version", SYLK_PROJECT_VERSION,
			"uptime", (int)(time(NULL) - sylk_rtc_status.started), "connections", conns,
			"accounts", accounts);
	rpc->struct_add(th, "d", "sessions", sessions);
	module_status_add_stats(&sylk_rtc_status, rpc, th);
}

/* Replies are built from a snapshot taken under the lock, because the RPC
 * transport may block on its socket. */
#define RPC_MAX 1024

static void rpc_connections(rpc_t *rpc, void *ctx)
{
	struct {
		int id, version, accounts;
	} *snap = pkg_malloc(sizeof(*snap) * RPC_MAX);
	int n = 0;
	void *th, *ah, *ch;

	if (!snap) {
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	rtc_lock();
	for (struct rtc_conn *c = rtc_conn_first(); c && n < RPC_MAX; c = c->next, n++) {
		snap[n].id = c->id;
		snap[n].version = c->version;
		snap[n].accounts = c->account_count;
	}
	rtc_unlock();
	if (rpc->add(ctx, "{", &th) < 0 || rpc->struct_add(th, "d", "count", n) < 0 ||
	    rpc->struct_add(th, "[", "connections", &ah) < 0) {
		pkg_free(snap);
		return;
	}
	for (int i = 0; i < n; i++)
		if (rpc->array_add(ah, "{", &ch) >= 0)
			rpc->struct_add(ch, "dsd", "id", snap[i].id, "protocol",
					sylkrtc_version_name(snap[i].version), "accounts",
					snap[i].accounts);
	pkg_free(snap);
}

static void rpc_accounts(rpc_t *rpc, void *ctx)
{
	struct {
		char aor[RTC_AOR_SIZE];
		char reason[RTC_REASON_SIZE];
		int conn;
		enum rtc_reg_state state;
	} *snap = pkg_malloc(sizeof(*snap) * RPC_MAX);
	int n = 0;
	void *th, *ah, *ch;

	if (!snap) {
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	rtc_lock();
	for (struct rtc_account *a = rtc_account_first(); a && n < RPC_MAX; a = a->next, n++) {
		memcpy(snap[n].aor, a->aor, sizeof(a->aor));
		memcpy(snap[n].reason, a->reg_reason, sizeof(a->reg_reason));
		snap[n].conn = a->conn_id;
		snap[n].state = a->reg_state;
	}
	rtc_unlock();
	if (rpc->add(ctx, "{", &th) < 0 || rpc->struct_add(th, "d", "count", n) < 0 ||
	    rpc->struct_add(th, "[", "accounts", &ah) < 0) {
		pkg_free(snap);
		return;
	}
	for (int i = 0; i < n; i++)
		if (rpc->array_add(ah, "{", &ch) >= 0)
			rpc->struct_add(ch, "sdss", "account", snap[i].aor, "connection",
					snap[i].conn, "registration", reg_state_name(snap[i].state),
					"reason", snap[i].reason);
	pkg_free(snap);
}

static void rpc_sessions(rpc_t *rpc, void *ctx)
{
	struct {
		char id[RTC_ID_SIZE];
		char account[RTC_AOR_SIZE];
		char peer[RTC_AOR_SIZE];
		char call_id[RTC_CALLID_SIZE];
		int conn, age;
		enum rtc_dir dir;
		enum rtc_call_state state;
	} *snap = pkg_malloc(sizeof(*snap) * RPC_MAX);
	time_t now = time(NULL);
	int n = 0;
	void *th, *ah, *ch;

	if (!snap) {
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	rtc_lock();
	for (struct rtc_session *s = rtc_session_first(); s && n < RPC_MAX; s = s->next, n++) {
		memcpy(snap[n].id, s->id, sizeof(s->id));
		memcpy(snap[n].account, s->account, sizeof(s->account));
		memcpy(snap[n].peer, s->peer, sizeof(s->peer));
		memcpy(snap[n].call_id, s->call_id, sizeof(s->call_id));
		snap[n].conn = s->conn_id;
		snap[n].age = (int)(now - s->created);
		snap[n].dir = s->dir;
		snap[n].state = s->state;
	}
	rtc_unlock();
	if (rpc->add(ctx, "{", &th) < 0 || rpc->struct_add(th, "d", "count", n) < 0 ||
	    rpc->struct_add(th, "[", "sessions", &ah) < 0) {
		pkg_free(snap);
		return;
	}
	for (int i = 0; i < n; i++)
		if (rpc->array_add(ah, "{", &ch) >= 0)
			rpc->struct_add(ch, "sssssdd", "id", snap[i].id, "account", snap[i].account,
					"peer", snap[i].peer, "direction",
					snap[i].dir == RTC_OUTGOING ? "outgoing" : "incoming",
					"state", rtc_call_state_name(snap[i].state), "connection",
					snap[i].conn, "age", snap[i].age);
	pkg_free(snap);
}

static rpc_export_t sylk_rtc_rpc[] = {
	{"sylk_rtc.status", rpc_status, rpc_status_doc, 0},
	{"sylk_rtc.connections", rpc_connections, rpc_connections_doc, 0},
	{"sylk_rtc.accounts", rpc_accounts, rpc_accounts_doc, 0},
	{"sylk_rtc.sessions", rpc_sessions, rpc_sessions_doc, 0},
	{"sylk_rtc.api_token", rtc_http_rpc_token, rpc_api_token_doc, 0},
	{"sylk_rtc.push", rtc_push_rpc, rpc_push_doc, 0},
	{0, 0, 0, 0},
};

/* ---- KEMI ------------------------------------------------------------------ */

static sr_kemi_t sr_kemi_sylk_rtc_exports[] = {
	{str_init("sylk_rtc"),
	 str_init("deliver"),
	 SR_KEMIP_INT,
	 ki_sylk_rtc_deliver,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_rtc"),
	 str_init("message"),
	 SR_KEMIP_INT,
	 ki_sylk_rtc_message,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_rtc"),
	 str_init("vouched"),
	 SR_KEMIP_INT,
	 ki_sylk_rtc_vouched,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_rtc"),
	 str_init("reject"),
	 SR_KEMIP_INT,
	 ki_sylk_rtc_reject,
	 {SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
	{str_init("sylk_rtc"),
	 str_init("push_call"),
	 SR_KEMIP_INT,
	 ki_sylk_rtc_push_call,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_rtc"),
	 str_init("relay"),
	 SR_KEMIP_INT,
	 ki_sylk_rtc_relay,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_rtc"),
	 str_init("http"),
	 SR_KEMIP_INT,
	 ki_sylk_rtc_http,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{{0, 0}, {0, 0}, 0, NULL, {0, 0, 0, 0, 0, 0}},
};

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_sylk_rtc_exports);
	return 0;
}

struct module_exports exports = {
	"sylk_rtc",
	DEFAULT_DLFLAGS,
	cmds,
	params,
	0, /* RPC methods (registered in mod_init) */
	rtc_hook_pvs,
	0, /* response handler */
	mod_init,
	child_init,
	mod_destroy,
};

/* ---- life cycle --------------------------------------------------------- */

static char outbound_buf[128];
static char contact_buf[128];

/* This server's first UDP socket: where our REGISTERs and INVITEs go and
 * where incoming calls for our Contacts arrive, unless configured. */
static int derive_addresses(void)
{
	struct socket_info *si = udp_listen;

	if (!*rtc_cfg.outbound_proxy || !*rtc_cfg.contact_host) {
		if (!si) {
			LM_ERR("no UDP listener: set outbound_proxy and contact_host\n");
			return -1;
		}
	}
	if (*rtc_cfg.outbound_proxy)
		snprintf(outbound_buf, sizeof(outbound_buf), "%s", rtc_cfg.outbound_proxy);
	else if (*rtc_cfg.outbound_socket) {
		if (sylk_socket_uri(rtc_cfg.outbound_socket, outbound_buf, sizeof(outbound_buf)))
			return -1;
	} else
		snprintf(outbound_buf, sizeof(outbound_buf), "sip:%.*s:%.*s", si->address_str.len,
			 si->address_str.s, si->port_no_str.len, si->port_no_str.s);
	if (*rtc_cfg.contact_host)
		snprintf(contact_buf, sizeof(contact_buf), "%s", rtc_cfg.contact_host);
	else
		snprintf(contact_buf, sizeof(contact_buf), "%.*s:%.*s", si->address_str.len,
			 si->address_str.s, si->port_no_str.len, si->port_no_str.s);
	rtc_cfg.outbound_proxy_s.s = outbound_buf;
	rtc_cfg.outbound_proxy_s.len = (int)strlen(outbound_buf);
	rtc_cfg.contact_host_s.s = contact_buf;
	rtc_cfg.contact_host_s.len = (int)strlen(contact_buf);
	return 0;
}

static void gateway_timer(unsigned int ticks, void *param)
{
	rtc_account_timer();
	rtc_call_timer();
	rtc_videoroom_timer();
	rtc_relay_timer(); /* video rooms across nodes */
	rtc_vr_sip_timer(); /* SIP phones in video rooms */
	rtc_message_timer();
	rtc_presence_timer();
}

static void fast_timer(unsigned int uticks, void *param)
{
	rtc_call_fast_timer();
	rtc_relay_flush(); /* events for other nodes queued with a lock held */
}

/* DTMF tones are spaced in tens of milliseconds */
#define FAST_TIMER_INTERVAL_US 10000

static int mod_init(void)
{
	if (rpc_register_array(sylk_rtc_rpc) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	if (module_status_init(&sylk_rtc_status) < 0)
		return -1;
	if (load_tm_api(&rtc_tmb) < 0) {
		LM_ERR("cannot bind tm (load tm.so before sylk_rtc.so)\n");
		return -1;
	}
	/* t_check_trans(): the ACKs of the test services' 200s reach tm */
	if (tm_load_xapi(&rtc_xtmb) < 0) {
		LM_ERR("cannot bind tm's extra API\n");
		return -1;
	}
	if (sl_load_api(&rtc_slb) != 0) {
		LM_ERR("cannot bind sl (load sl.so before sylk_rtc.so)\n");
		return -1;
	}
	if (load_sylk_ws_api(&rtc_ws) < 0)
		return -1;
	if (rtc_cfg.shm_reserve < 0 || rtc_cfg.shm_reserve > 100) {
		LM_ERR("shm_reserve is a percentage (0-100)\n");
		return -1;
	}
	if (rtc_cfg.max_messages_per_account < 0) {
		LM_ERR("max_messages_per_account: a number a second, or 0 for no limit\n");
		return -1;
	}
	if (rtc_cfg.register_expires < 10 || rtc_cfg.max_accounts_per_conn < 1 ||
	    rtc_cfg.max_sessions_per_account < 1 || rtc_cfg.rtpengine_timeout_ms < 10) {
		LM_ERR("register_expires >= 10, max_* >= 1 and rtpengine_timeout >= 10 please\n");
		return -1;
	}
	if (rtc_cfg.decline_code < 400 || rtc_cfg.decline_code > 699) {
		LM_ERR("decline_code must be a 4xx-6xx status\n");
		return -1;
	}
	ng_client_stats(&rtc_st_rtpengine_errors, &rtc_st_rtpengine_timeouts);
	if (ng_client_init(rtc_cfg.rtpengine_sock, rtc_cfg.rtpengine_timeout_ms) < 0 ||
	    derive_addresses() < 0)
		return -1;
	if (rtc_store_init() < 0 || rtc_db_bind() < 0 || rtc_push_init() < 0 ||
	    rtc_videoroom_init() < 0 || rtc_vrchat_init() < 0 || rtc_vr_sip_init() < 0 ||
	    rtc_relay_init() < 0)
		return -1;
	if (rtc_cfg.api_token_lifetime < 1 || rtc_cfg.history_limit < 1) {
		LM_ERR("api_token_lifetime and history_limit must be >= 1\n");
		return -1;
	}
	if (msgstore_max_stored < 0) {
		LM_ERR("max_stored_messages must be >= 0 (0: no limit)\n");
		return -1;
	}
	if (rtc_http_init() < 0 || rtc_files_init() < 0 || rtc_presence_init() < 0)
		return -1;
	if (rtc_static_init() < 0 || rtc_service_init() < 0)
		return -1;
	if (rtc_cfg.presence_expires < 60 || rtc_cfg.max_presence_subscriptions < 0 ||
	    rtc_cfg.max_addressbook_size < 1024) {
		LM_ERR("presence_expires >= 60, max_presence_subscriptions >= 0 and "
		       "max_addressbook_size >= 1024 please\n");
		return -1;
	}
	if (rtc_ws.register_handler(&rtc_handler_v1) < 0 ||
	    rtc_ws.register_handler(&rtc_handler_v2) < 0)
		return -1;
	rtc_hooks_init();
	rtc_vouch_init();
	faked_msg_init();
	if (rtc_cfg.sqlite_wal_limit < 0) {
		LM_ERR("sqlite_wal_limit must be >= 0 (0: SQLite's own checkpoints only)\n");
		return -1;
	}
	if (rtc_journal_init() < 0)
		return -1;
	/* the gateway timer and the fast timer */
	if (register_basic_timers(2) < 0)
		return -1;
	LM_INFO("sylkRTC gateway: requests via %s, Contacts at %s\n", outbound_buf, contact_buf);
	return 0;
}

static int child_init(int rank)
{
	if (rank == PROC_MAIN &&
	    fork_basic_timer(PROC_TIMER, "SYLKRTC GATEWAY", 1, gateway_timer, NULL, 1) < 0) {
		LM_ERR("cannot start the gateway timer\n");
		return -1;
	}
	if (rank == PROC_MAIN && fork_basic_utimer(PROC_TIMER, "SYLKRTC FAST", 1, fast_timer, NULL,
						   FAST_TIMER_INTERVAL_US) < 0) {
		LM_ERR("cannot start the fast timer\n");
		return -1;
	}
	if (rank == PROC_MAIN && rtc_journal_start() < 0) {
		LM_ERR("cannot start the journal writer\n");
		return -1;
	}
	if (rank == PROC_MAIN && rtc_files_start() < 0) {
		LM_ERR("cannot start the file transfer process\n");
		return -1;
	}
	rtc_db_child_init(rank);
	if (rtc_service_child_init(rank) < 0)
		return -1;
	return rtc_push_child_init(rank);
}

static void mod_destroy(void)
{
	rtc_push_destroy();
	rtc_db_close();
	rtc_store_destroy();
}
