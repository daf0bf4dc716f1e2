/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sylk_xmpp: SIP <-> XMPP gateway as an XEP-0114 component behind Prosody.
 * Exports, parameters, RPC; see README.md. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cfg/cfg_struct.h"
#include "core/dprint.h"
#include "core/kemi.h"
#include "core/pt.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/sr_module.h"

#include "../common/sip_util.h"
#include "xmpp_component.h"
#include "xmpp_config.h"
#include "xmpp_muc.h"
#include "xmpp_presence.h"
#include "xmpp_session.h"
#include "xmpp_sip.h"

MODULE_VERSION

struct xmpp_cfg xmpp_cfg = {
	.component_host = "127.0.0.1",
	.component_port = 0,
	.component_domain = "",
	.component_secret_file = "",
	.xmpp_domains = "",
	.outbound_socket = "sylk-internal",
	.queue_size = 1024,
	.presence_pending_max = 10000,
	.reconnect_max = 30,
	.retry_after = 5,
	.max_stanza = 262144,
	.presence_policy = "allow",
	.presence_expires = 600,
	.muc_domain = "",
	.max_chat_sessions = 10,
	.muc_max_occupants = 100,
	.muc_max_rooms = 1000,
	.muc_max_rooms_per_user = 20,
	.cluster_hostport = "",
	.link_table = "",
};
enum xmpp_policy xmpp_pres_policy;
struct tm_binds xmpp_tmb;
char xmpp_secret[256];
char xmpp_proxy_uri[128];

static int w_message(struct sip_msg *msg, char *p1, char *p2)
{
	return xmpp_sip_message(msg);
}

static int ki_message(struct sip_msg *msg)
{
	return xmpp_sip_message(msg);
}

static int w_presence(struct sip_msg *msg, char *p1, char *p2)
{
	return xmpp_presence_sip(msg);
}

static int ki_presence(struct sip_msg *msg)
{
	return xmpp_presence_sip(msg);
}

static int w_session(struct sip_msg *msg, char *p1, char *p2)
{
	return xmpp_session_invite(msg);
}

static int ki_session(struct sip_msg *msg)
{
	return xmpp_session_invite(msg);
}

static cmd_export_t cmds[] = {
	{"sylk_xmpp_message", (cmd_function)w_message, 0, 0, 0, REQUEST_ROUTE},
	{"sylk_xmpp_session", (cmd_function)w_session, 0, 0, 0, REQUEST_ROUTE},
	{"sylk_xmpp_presence", (cmd_function)w_presence, 0, 0, 0, REQUEST_ROUTE},
	{0, 0, 0, 0, 0, 0},
};

static param_export_t params[] = {
	{"component_host", PARAM_STRING, &xmpp_cfg.component_host},
	{"component_port", INT_PARAM, &xmpp_cfg.component_port},
	{"component_domain", PARAM_STRING, &xmpp_cfg.component_domain},
	{"component_secret_file", PARAM_STRING, &xmpp_cfg.component_secret_file},
	{"xmpp_domains", PARAM_STRING, &xmpp_cfg.xmpp_domains},
	{"outbound_socket", PARAM_STRING, &xmpp_cfg.outbound_socket},
	{"queue_size", INT_PARAM, &xmpp_cfg.queue_size},
	{"presence_pending_max", INT_PARAM, &xmpp_cfg.presence_pending_max},
	{"reconnect_max", INT_PARAM, &xmpp_cfg.reconnect_max},
	{"retry_after", INT_PARAM, &xmpp_cfg.retry_after},
	{"max_stanza", INT_PARAM, &xmpp_cfg.max_stanza},
	{"presence_policy", PARAM_STRING, &xmpp_cfg.presence_policy},
	{"presence_expires", INT_PARAM, &xmpp_cfg.presence_expires},
	{"muc_domain", PARAM_STRING, &xmpp_cfg.muc_domain},
	{"max_chat_sessions", INT_PARAM, &xmpp_cfg.max_chat_sessions},
	{"muc_max_occupants", INT_PARAM, &xmpp_cfg.muc_max_occupants},
	{"muc_max_rooms", INT_PARAM, &xmpp_cfg.muc_max_rooms},
	{"muc_max_rooms_per_user", INT_PARAM, &xmpp_cfg.muc_max_rooms_per_user},
	{"cluster_hostport", PARAM_STRING, &xmpp_cfg.cluster_hostport},
	{"link_table", PARAM_STRING, &xmpp_cfg.link_table},
	{0, 0, 0},
};

static const char *rpc_status_doc[] = {"Link state and counters of the XMPP gateway.", 0};

static void rpc_status(rpc_t *rpc, void *ctx)
{
	unsigned long c[7] = {0};
	int up = 0, pending = 0, muc_rooms = 0, muc_occupants = 0;
	struct xmpp_outq_stats q = {0};
	void *th;

	if (xmpp_shared) {
		lock_get(&xmpp_shared->lock);
		up = xmpp_shared->up;
		xmpp_outq_stats(xmpp_shared->q, &q);
		c[1] = xmpp_shared->sent;
		c[2] = xmpp_shared->received;
		c[4] = xmpp_shared->connects;
		c[5] = xmpp_shared->failures;
		lock_release(&xmpp_shared->lock);
		pending = (int)q.count;
		c[0] = q.queued;
		c[3] = q.dropped;
		c[6] = q.unpopped;
	}
	xmpp_muc_counts(&muc_rooms, &muc_occupants);
	if (rpc->add(ctx, "{", &th) < 0)
		return;
	rpc->struct_add(th, "sdsd", "domain", xmpp_cfg.component_domain, "enabled",
			xmpp_shared != NULL, "link", up ? "up" : "down", "pending", pending);
	rpc->struct_add(th, "dddddd", "queued", (int)c[0], "sent", (int)c[1], "received", (int)c[2],
			"dropped", (int)c[3], "connects", (int)c[4], "disconnects", (int)c[5]);
	rpc->struct_add(th, "d", "requeued", (int)c[6]);
	rpc->struct_add(th, "ddd", "presence_waiting", (int)q.pending.waiting, "presence_deferred",
			(int)q.pending.deferred, "presence_coalesced", (int)q.pending.replaced);
	rpc->struct_add(th, "dd", "muc_rooms", muc_rooms, "muc_occupants", muc_occupants);
}

static rpc_export_t rpcs[] = {
	{"sylk_xmpp.status", rpc_status, rpc_status_doc, 0},
	{0, 0, 0, 0},
};

static int read_secret(void)
{
	FILE *f = fopen(xmpp_cfg.component_secret_file, "r");
	size_t n;

	if (!f) {
		LM_ERR("cannot read component_secret_file %s: %s\n", xmpp_cfg.component_secret_file,
		       strerror(errno));
		return -1;
	}
	if (!fgets(xmpp_secret, sizeof(xmpp_secret), f))
		xmpp_secret[0] = 0;
	fclose(f);
	n = strcspn(xmpp_secret, "\r\n");
	xmpp_secret[n] = 0;
	if (!n) {
		LM_ERR("component_secret_file %s is empty\n", xmpp_cfg.component_secret_file);
		return -1;
	}
	return 0;
}

static int check_params(void)
{
	if (xmpp_cfg.component_port < 0 || xmpp_cfg.component_port > 65535 ||
	    xmpp_cfg.queue_size < 1 || xmpp_cfg.presence_pending_max < 0 ||
	    xmpp_cfg.reconnect_max < 1 || xmpp_cfg.retry_after < 1 || xmpp_cfg.max_stanza < 4096 ||
	    xmpp_cfg.max_chat_sessions < 0 || xmpp_cfg.muc_max_occupants < 1 ||
	    xmpp_cfg.muc_max_rooms < 1 || xmpp_cfg.muc_max_rooms_per_user < 1) {
		LM_ERR("component_port 0..65535, queue_size, reconnect_max, retry_after >= 1, "
		       "presence_pending_max >= 0, max_stanza >= 4096, max_chat_sessions >= 0, "
		       "muc_max_* >= 1 please\n");
		return -1;
	}
	if (xmpp_policy_parse(xmpp_cfg.presence_policy, &xmpp_pres_policy) ||
	    xmpp_cfg.presence_expires < 60) {
		LM_ERR("presence_policy allow or deny, presence_expires >= 60 please\n");
		return -1;
	}
	if (!*xmpp_cfg.component_domain || !*xmpp_cfg.xmpp_domains) {
		LM_ERR("component_domain and xmpp_domains must be set\n");
		return -1;
	}
	return 0;
}

static int mod_init(void)
{
	if (rpc_register_array(rpcs) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	if (!xmpp_cfg.component_port) {
		LM_INFO("component_port 0: the XMPP gateway is off\n");
		return 0;
	}
	if (check_params() < 0 || read_secret() < 0)
		return -1;
	if (load_tm_api(&xmpp_tmb) < 0) {
		LM_ERR("cannot bind tm (load tm.so before sylk_xmpp.so)\n");
		return -1;
	}
	if (sylk_socket_uri(xmpp_cfg.outbound_socket, xmpp_proxy_uri, sizeof(xmpp_proxy_uri))) {
		LM_ERR("no listener named %s (outbound_socket)\n", xmpp_cfg.outbound_socket);
		return -1;
	}
	if (xmpp_queue_init(xmpp_cfg.queue_size, xmpp_cfg.presence_pending_max) < 0 ||
	    xmpp_presence_init() < 0 || xmpp_muc_init() < 0 || xmpp_session_init() < 0 ||
	    xmpp_link_table_init() < 0)
		return -1;
	register_procs(1);
	cfg_register_child(1);
	return 0;
}

static int child_init(int rank)
{
	if (rank != PROC_MAIN || !xmpp_shared)
		return 0;
	return xmpp_component_start();
}

static sr_kemi_t kemi_exports[] = {
	{str_init("sylk_xmpp"),
	 str_init("message"),
	 SR_KEMIP_INT,
	 ki_message,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_xmpp"),
	 str_init("session"),
	 SR_KEMIP_INT,
	 ki_session,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{str_init("sylk_xmpp"),
	 str_init("presence"),
	 SR_KEMIP_INT,
	 ki_presence,
	 {SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
	  SR_KEMIP_NONE}},
	{{0, 0}, {0, 0}, 0, NULL, {0, 0, 0, 0, 0, 0}},
};

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	sr_kemi_modules_add(kemi_exports);
	return 0;
}

struct module_exports exports = {
	"sylk_xmpp", DEFAULT_DLFLAGS, cmds, params, 0, 0, 0, mod_init, child_init, 0,
};
