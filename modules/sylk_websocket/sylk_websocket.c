/* sylk_websocket: RFC 6455 WebSocket transport on Kamailio's core TCP/TLS, with pluggable subprotocols. */
#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/rpc.h"
#include "core/rpc_lookup.h"
#include "core/mod_fix.h"

#include "../common/module_status.h"

MODULE_VERSION

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static counter_handle_t cnt_connections;
static counter_handle_t cnt_frames_in;
static counter_handle_t cnt_frames_out;

static counter_def_t sylk_websocket_counters[] = {
	{&cnt_connections, "connections", 0, 0, 0, "connections"},
	{&cnt_frames_in, "frames_in", 0, 0, 0, "frames_in"},
	{&cnt_frames_out, "frames_out", 0, 0, 0, "frames_out"},
	{0, 0, 0, 0, 0, 0}
};

static struct module_status sylk_websocket_status = {
	.module = "sylk_websocket",
	.counters = sylk_websocket_counters,
};

static const char *rpc_status_doc[] = {
	"Version, uptime and counters of the sylk_websocket module.", 0
};

static void rpc_status(rpc_t *rpc, void *ctx)
{
	module_status_rpc(&sylk_websocket_status, rpc, ctx);
}

static rpc_export_t sylk_websocket_rpc[] = {
	{"sylk_websocket.status", rpc_status, rpc_status_doc, 0},
	{0, 0, 0, 0}
};

static cmd_export_t cmds[] = {
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{0, 0, 0}
};

struct module_exports exports = {
	"sylk_websocket",          /* module name */
	DEFAULT_DLFLAGS, /* dlopen flags */
	cmds,            /* exported script functions */
	params,          /* exported parameters */
	0,               /* RPC methods (registered in mod_init) */
	0,               /* pseudo-variables */
	0,               /* response handler */
	mod_init,
	child_init,
	mod_destroy
};

static int mod_init(void)
{
	if (rpc_register_array(sylk_websocket_rpc) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	return module_status_init(&sylk_websocket_status);
}

static int child_init(int rank)
{
	return 0;
}

static void mod_destroy(void)
{
}
