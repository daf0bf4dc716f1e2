/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylk_websocket: RFC 6455 WebSocket transport on Kamailio's core TCP/TLS,
 * with pluggable subprotocols (a C API for other modules) and SIP over
 * WebSocket (RFC 7118) built in, script-compatible with websocket.so. */
#include <string.h>

#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/events.h"
#include "core/fmsg.h"
#include "core/kemi.h"
#include "core/mod_fix.h"
#include "core/route.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/timer_proc.h"
#include "core/pvar.h"

#include "../common/module_status.h"
#include "sylk_websocket_api.h"
#include "ws_io.h"
#include "ws_registry.h"
#include "ws_upgrade.h"

MODULE_VERSION

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);
static int bind_sylk_websocket(sylk_ws_api_t *api);

/* parameters */
static char *ws_path = "";
static char *ws_origins = "*";
static int ws_max_message_size = 1048576;
static int ws_max_reassembly = 16777216;
static int ws_keepalive_interval = 30;
static int ws_idle_timeout = 180;
static int ws_timer_interval = 5;
static int ws_sip_subprotocol = 1;

static struct ws_io_counters io_counters;

static counter_def_t sylk_websocket_counters[] = {
	{&io_counters.connections, "connections", 0, 0, 0, "open WebSocket connections"},
	{&io_counters.frames_in, "frames_in", 0, 0, 0, "frames received"},
	{&io_counters.frames_out, "frames_out", 0, 0, 0, "frames sent"},
	{0, 0, 0, 0, 0, 0},
};

static struct module_status sylk_websocket_status = {
	.module = "sylk_websocket",
	.counters = sylk_websocket_counters,
};

static sl_api_t slb;
static struct ws_upgrade_ctx upgrade_ctx = {&slb, NULL, NULL, &io_counters};

static int closed_route = -1;
static int closing_conn_id; /* $ws_conid inside event_route[websocket:closed] */

/* ---- script functions ---------------------------------------------------- */

static int ki_ws_handle_handshake(sip_msg_t *msg)
{
	upgrade_ctx.path = ws_path;
	upgrade_ctx.origins = ws_origins;
	return ws_upgrade_handle(&upgrade_ctx, msg);
}

static int w_ws_handle_handshake(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_ws_handle_handshake(msg);
}

static int ki_ws_close_id(sip_msg_t *msg, int code, str *reason, int id)
{
	char buf[124]; /* a close frame carries at most 123 bytes of reason */
	int len = reason ? reason->len : 0;

	if (len > (int)sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	memcpy(buf, reason ? reason->s : "", len);
	buf[len] = '\0';
	return ws_io_close(id, code, buf) == 0 ? 1 : -1;
}

static int ki_ws_close_reason(sip_msg_t *msg, int code, str *reason)
{
	return ki_ws_close_id(msg, code, reason, msg->rcv.proto_reserved1);
}

static int ki_ws_close(sip_msg_t *msg)
{
	str normal = str_init("Normal closure");

	return ki_ws_close_id(msg, 1000, &normal, msg->rcv.proto_reserved1);
}

static int w_ws_close0(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_ws_close(msg);
}

static int w_ws_close2(sip_msg_t *msg, char *pcode, char *preason)
{
	int code;
	str reason;

	if (fixup_get_ivalue(msg, (gparam_t *)pcode, &code) < 0 ||
	    fixup_get_svalue(msg, (gparam_t *)preason, &reason) < 0)
		return -1;
	return ki_ws_close_reason(msg, code, &reason);
}

static int w_ws_close3(sip_msg_t *msg, char *pcode, char *preason, char *pid)
{
	int code, id;
	str reason;

	if (fixup_get_ivalue(msg, (gparam_t *)pcode, &code) < 0 ||
	    fixup_get_svalue(msg, (gparam_t *)preason, &reason) < 0 ||
	    fixup_get_ivalue(msg, (gparam_t *)pid, &id) < 0)
		return -1;
	return ki_ws_close_id(msg, code, &reason, id);
}

static int ws_close_fixup(void **param, int param_no)
{
	return param_no == 2 ? fixup_spve_null(param, 1) : fixup_igp_null(param, 1);
}

static cmd_export_t cmds[] = {
	{"ws_handle_handshake", (cmd_function)w_ws_handle_handshake, 0, 0, 0, ANY_ROUTE},
	{"ws_close", (cmd_function)w_ws_close0, 0, 0, 0, ANY_ROUTE},
	{"ws_close", (cmd_function)w_ws_close2, 2, ws_close_fixup, 0, ANY_ROUTE},
	{"ws_close", (cmd_function)w_ws_close3, 3, ws_close_fixup, 0, ANY_ROUTE},
	{"bind_sylk_websocket", (cmd_function)bind_sylk_websocket, 0, 0, 0, 0},
	{0, 0, 0, 0, 0, 0},
};

static param_export_t params[] = {
	{"path", PARAM_STRING, &ws_path},
	{"allowed_origins", PARAM_STRING, &ws_origins},
	{"max_message_size", INT_PARAM, &ws_max_message_size},
	{"max_reassembly", INT_PARAM, &ws_max_reassembly},
	{"keepalive_interval", INT_PARAM, &ws_keepalive_interval},
	{"idle_timeout", INT_PARAM, &ws_idle_timeout},
	{"timer_interval", INT_PARAM, &ws_timer_interval},
	{"sip_subprotocol", INT_PARAM, &ws_sip_subprotocol},
	{0, 0, 0},
};

/* ---- $ws_conid --------------------------------------------------------- */

static int pv_get_ws_conid(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	if (closing_conn_id)
		return pv_get_sintval(msg, param, res, closing_conn_id);
	if (msg && (msg->rcv.proto == PROTO_WS || msg->rcv.proto == PROTO_WSS))
		return pv_get_sintval(msg, param, res, msg->rcv.proto_reserved1);
	return pv_get_null(msg, param, res);
}

static pv_export_t pvs[] = {
	{{"ws_conid", sizeof("ws_conid") - 1}, PVT_OTHER, pv_get_ws_conid, 0, 0, 0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0},
};

void ws_io_run_closed_route(int id)
{
	struct run_act_ctx ctx;
	sip_msg_t *fmsg;
	int backup_rt;

	if (closed_route < 0 || !event_rt.rlist[closed_route])
		return;
	fmsg = faked_msg_next();
	if (!fmsg)
		return;
	backup_rt = get_route_type();
	set_route_type(EVENT_ROUTE);
	init_run_actions_ctx(&ctx);
	closing_conn_id = id;
	run_top_route(event_rt.rlist[closed_route], fmsg, &ctx);
	closing_conn_id = 0;
	set_route_type(backup_rt);
}

/* ---- RPC ---------------------------------------------------------------- */

static const char *rpc_status_doc[] = {"Version, uptime and counters.", 0};
static const char *rpc_list_doc[] = {
	"List WebSocket connections: id, peer, subprotocol, age, frames.", 0};
static const char *rpc_close_doc[] = {"Close a connection: id [code [reason]].", 0};

static void rpc_status(rpc_t *rpc, void *ctx)
{
	module_status_rpc(&sylk_websocket_status, rpc, ctx);
}

static void rpc_list(rpc_t *rpc, void *ctx)
{
	struct ws_conn_info *list;
	void *th, *ah, *ch;
	int i, n, total = ws_registry_count();
	time_t now = time(NULL);

	list = pkg_malloc(sizeof(*list) * (total + 1));
	if (!list) {
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	n = ws_registry_list(list, total + 1);
	if (n > total + 1)
		n = total + 1;
	if (rpc->add(ctx, "{", &th) < 0 || rpc->struct_add(th, "d", "count", n) < 0 ||
	    rpc->struct_add(th, "[", "connections", &ah) < 0) {
		pkg_free(list);
		rpc->fault(ctx, 500, "Internal error creating reply");
		return;
	}
	for (i = 0; i < n; i++) {
		if (rpc->array_add(ah, "{", &ch) < 0)
			break;
		rpc->struct_add(ch, "dsssddd", "id", list[i].id, "peer", list[i].peer, "transport",
				list[i].secure ? "wss" : "ws", "subprotocol",
				ws_io_handler_name(list[i].handler), "age",
				(int)(now - list[i].created), "frames_in", (int)list[i].frames_in,
				"frames_out", (int)list[i].frames_out);
	}
	pkg_free(list);
}

static void rpc_close(rpc_t *rpc, void *ctx)
{
	int id, code = 1000;
	char *reason = "Closed by operator";

	if (rpc->scan(ctx, "d", &id) < 1) {
		rpc->fault(ctx, 400, "Connection id expected");
		return;
	}
	rpc->scan(ctx, "*d", &code);
	rpc->scan(ctx, "*s", &reason);
	if (ws_io_close(id, code, reason) < 0) {
		rpc->fault(ctx, 404, "No such WebSocket connection");
		return;
	}
	rpc->rpl_printf(ctx, "closing %d", id);
}

static rpc_export_t sylk_websocket_rpc[] = {
	{"sylk_websocket.status", rpc_status, rpc_status_doc, 0},
	{"sylk_websocket.list", rpc_list, rpc_list_doc, RET_ARRAY},
	{"sylk_websocket.close", rpc_close, rpc_close_doc, 0},
	/* websocket.so's names, so existing tooling keeps working */
	{"ws.dump", rpc_list, rpc_list_doc, RET_ARRAY},
	{"ws.close", rpc_close, rpc_close_doc, 0},
	{0, 0, 0, 0},
};

/* ---- KEMI --------------------------------------------------------------- */

static sr_kemi_t sr_kemi_sylk_websocket_exports[] = {
	{str_init("sylk_websocket"),
	 str_init("ws_handle_handshake"),
	 SR_KEMIP_INT,
	 ki_ws_handle_handshake,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_websocket"),
	 str_init("ws_close"),
	 SR_KEMIP_INT,
	 ki_ws_close,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_websocket"),
	 str_init("ws_close_reason"),
	 SR_KEMIP_INT,
	 ki_ws_close_reason,
	 {SR_KEMIP_INT, SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
	{str_init("sylk_websocket"),
	 str_init("ws_close_id"),
	 SR_KEMIP_INT,
	 ki_ws_close_id,
	 {SR_KEMIP_INT, SR_KEMIP_STR, SR_KEMIP_INT, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE}},
	{{0, 0}, {0, 0}, 0, NULL, {0, 0, 0, 0, 0, 0}},
};

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(sr_kemi_sylk_websocket_exports);
	return 0;
}

struct module_exports exports = {
	"sylk_websocket",
	DEFAULT_DLFLAGS,
	cmds,
	params,
	0, /* RPC methods (registered in mod_init) */
	pvs,
	0, /* response handler */
	mod_init,
	child_init,
	mod_destroy,
};

/* ---- C API ---------------------------------------------------------------- */

static int bind_sylk_websocket(sylk_ws_api_t *api)
{
	if (!api)
		return -1;
	api->register_handler = ws_io_register_handler;
	api->send = ws_io_send;
	api->close = ws_io_close;
	api->conn_info = ws_io_conn_info;
	return 0;
}

/* ---- life cycle ------------------------------------------------------------ */

static void keepalive_timer(unsigned int ticks, void *param)
{
	ws_io_keepalive(ws_keepalive_interval, ws_idle_timeout);
}

/* closes the core reported in tcp_main reach the handlers from here */
static void closed_queue_timer(unsigned int uticks, void *param)
{
	ws_io_drain_closed();
}

/* how often the closed-queue timer runs: a dropped browser's calls end
 * within this */
#define CLOSED_QUEUE_INTERVAL_US 20000

static int mod_init(void)
{
	if (rpc_register_array(sylk_websocket_rpc) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	if (module_status_init(&sylk_websocket_status) < 0)
		return -1;
	if (sl_load_api(&slb) != 0) {
		LM_ERR("cannot bind the sl module (load sl.so before this module)\n");
		return -1;
	}
	if (ws_max_message_size < 1024) {
		LM_ERR("max_message_size must be at least 1024\n");
		return -1;
	}
	if (ws_max_reassembly < 0) {
		LM_ERR("max_reassembly must be 0 (no limit) or more\n");
		return -1;
	}
	if (ws_registry_init(ws_max_message_size, (unsigned long)ws_max_reassembly) < 0 ||
	    ws_io_init() < 0)
		return -1;
	ws_io_set_counters(&io_counters);

	/* the core has one slot for each of these: a second WebSocket module
	 * (websocket.so) cannot be loaded beside this one */
	if (sr_event_register_cb(SREV_TCP_WS_FRAME_IN, ws_io_frame_in) != 0 ||
	    sr_event_register_cb(SREV_TCP_WS_FRAME_OUT, ws_io_frame_out) != 0) {
		LM_ERR("WebSocket frame hooks taken: is websocket.so loaded too?\n");
		return -1;
	}
	if (sr_event_register_cb(SREV_TCP_CLOSED, ws_io_tcp_closed) != 0)
		LM_WARN("TCP close events taken (tcpops?): lost connections are "
			"noticed by the keepalive timer instead\n");

	if (ws_sip_subprotocol) {
		sylk_ws_handler_t sip = {"sip", NULL, NULL, NULL};
		if (ws_io_register_handler(&sip) < 0)
			return -1;
	}

	closed_route = route_lookup(&event_rt, "websocket:closed");
	if (closed_route >= 0 && event_rt.rlist[closed_route])
		faked_msg_init();

	if (ws_timer_interval > 0 && register_basic_timers(1) < 0)
		return -1;
	/* the closed-queue timer: one more process (5.6 has no register_basic_utimers) */
	if (register_basic_timers(1) < 0)
		return -1;
	return 0;
}

static int child_init(int rank)
{
	if (rank == PROC_MAIN && ws_timer_interval > 0) {
		if (fork_basic_timer(PROC_TIMER, "WEBSOCKET KEEPALIVE", 1, keepalive_timer, NULL,
				     ws_timer_interval) < 0) {
			LM_ERR("cannot start the keepalive timer\n");
			return -1;
		}
	}
	if (rank == PROC_MAIN &&
	    fork_basic_utimer(PROC_TIMER, "WEBSOCKET CLOSED", 1, closed_queue_timer, NULL,
			      CLOSED_QUEUE_INTERVAL_US) < 0) {
		LM_ERR("cannot start the closed-connection timer\n");
		return -1;
	}
	return 0;
}

static void mod_destroy(void)
{
	ws_io_destroy();
	ws_registry_destroy();
}
