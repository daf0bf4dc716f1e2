/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Operator hooks in the routing script. */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/fmsg.h"
#include "core/route.h"

#include "rtc_hooks.h"

static int hook_routes[2] = {-1, -1};
static const char *const hook_names[2] = {"sylkrtc:account-add", "sylkrtc:session-create"};

/* what the running hook route sees; process-local, one hook at a time */
static struct {
	int active;
	int conn_id;
	const char *account;
	const char *uri;
	int rejected;
	char reason[256];
} hook_ctx;

void rtc_hooks_init(void)
{
	for (int i = 0; i < 2; i++) {
		int rt = route_lookup(&event_rt, (char *)hook_names[i]);

		hook_routes[i] = (rt >= 0 && event_rt.rlist[rt]) ? rt : -1;
	}
}

int rtc_hook_run(enum rtc_hook hook, int conn_id, const char *account, const char *uri, char *why,
		 size_t why_size)
{
	struct run_act_ctx ctx;
	sip_msg_t *fmsg;
	int backup_rt, rt = hook_routes[hook];

	if (rt < 0)
		return 0;
	fmsg = faked_msg_next();
	if (!fmsg)
		return 0;
	memset(&hook_ctx, 0, sizeof(hook_ctx));
	hook_ctx.active = 1;
	hook_ctx.conn_id = conn_id;
	hook_ctx.account = account;
	hook_ctx.uri = uri;
	backup_rt = get_route_type();
	set_route_type(EVENT_ROUTE);
	init_run_actions_ctx(&ctx);
	run_top_route(event_rt.rlist[rt], fmsg, &ctx);
	set_route_type(backup_rt);
	hook_ctx.active = 0;
	if (!hook_ctx.rejected)
		return 0;
	snprintf(why, why_size, "%s", hook_ctx.reason[0] ? hook_ctx.reason : "Rejected by policy");
	LM_INFO("%s rejected %s: %s\n", hook_names[hook], account ? account : "-", why);
	return 1;
}

int rtc_hook_reject(const char *reason)
{
	if (!hook_ctx.active) {
		LM_ERR("sylk_rtc_reject() only works in a sylk_rtc event route\n");
		return -1;
	}
	hook_ctx.rejected = 1;
	snprintf(hook_ctx.reason, sizeof(hook_ctx.reason), "%s", reason ? reason : "");
	return 1;
}

static int pv_get_str(pv_param_t *param, pv_value_t *res, const char *s)
{
	str v;

	if (!hook_ctx.active || !s)
		return pv_get_null(NULL, param, res);
	v.s = (char *)s;
	v.len = (int)strlen(s);
	return pv_get_strval(NULL, param, res, &v);
}

static int pv_get_account(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	return pv_get_str(param, res, hook_ctx.account);
}

static int pv_get_uri(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	return pv_get_str(param, res, hook_ctx.uri);
}

static int pv_get_conid(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	if (!hook_ctx.active)
		return pv_get_null(msg, param, res);
	return pv_get_sintval(msg, param, res, hook_ctx.conn_id);
}

pv_export_t rtc_hook_pvs[] = {
	{{"sylkrtc_account", sizeof("sylkrtc_account") - 1},
	 PVT_OTHER,
	 pv_get_account,
	 0,
	 0,
	 0,
	 0,
	 0},
	{{"sylkrtc_uri", sizeof("sylkrtc_uri") - 1}, PVT_OTHER, pv_get_uri, 0, 0, 0, 0, 0},
	{{"sylkrtc_conid", sizeof("sylkrtc_conid") - 1}, PVT_OTHER, pv_get_conid, 0, 0, 0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0},
};
