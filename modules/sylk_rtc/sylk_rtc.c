/* sylk_rtc: sylkRTC gateway: browser accounts, registrations and calls bridged to SIP. */
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
static counter_handle_t cnt_accounts;
static counter_handle_t cnt_sessions;
static counter_handle_t cnt_requests;
static counter_handle_t cnt_errors;

static counter_def_t sylk_rtc_counters[] = {
	{&cnt_connections, "connections", 0, 0, 0, "connections"},
	{&cnt_accounts, "accounts", 0, 0, 0, "accounts"},
	{&cnt_sessions, "sessions", 0, 0, 0, "sessions"},
	{&cnt_requests, "requests", 0, 0, 0, "requests"},
	{&cnt_errors, "errors", 0, 0, 0, "errors"},
	{0, 0, 0, 0, 0, 0}
};

static struct module_status sylk_rtc_status = {
	.module = "sylk_rtc",
	.counters = sylk_rtc_counters,
};

static const char *rpc_status_doc[] = {
	"Version, uptime and counters of the sylk_rtc module.", 0
};

static void rpc_status(rpc_t *rpc, void *ctx)
{
	module_status_rpc(&sylk_rtc_status, rpc, ctx);
}

static rpc_export_t sylk_rtc_rpc[] = {
	{"sylk_rtc.status", rpc_status, rpc_status_doc, 0},
	{0, 0, 0, 0}
};

static cmd_export_t cmds[] = {
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{0, 0, 0}
};

struct module_exports exports = {
	"sylk_rtc",          /* module name */
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
	if (rpc_register_array(sylk_rtc_rpc) != 0) {
		LM_ERR("failed to register RPC commands\n");
		return -1;
	}
	return module_status_init(&sylk_rtc_status);
}

static int child_init(int rank)
{
	return 0;
}

static void mod_destroy(void)
{
}
