/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Operator hooks: event_route[sylkrtc:account-add] and
 * event_route[sylkrtc:session-create] run before the gateway acts, with
 * $sylkrtc_account, $sylkrtc_uri and $sylkrtc_conid set; calling
 * sylk_rtc_reject("reason") there refuses the request and the reason
 * reaches the browser as the "error" text. */
#ifndef SYLK_RTC_HOOKS_H
#define SYLK_RTC_HOOKS_H

#include <stddef.h>

#include "core/pvar.h"

enum rtc_hook {
	RTC_HOOK_ACCOUNT_ADD,
	RTC_HOOK_SESSION_CREATE,
};

/* Looks the event routes up (mod_init). */
void rtc_hooks_init(void);

/* Runs the hook's route if the config has one. Returns 1 when the script
 * rejected the request (reason in @p why), 0 otherwise. */
int rtc_hook_run(enum rtc_hook hook, int conn_id, const char *account, const char *uri, char *why,
		 size_t why_size);

/* sylk_rtc_reject(): records the reason; -1 outside a hook route. */
int rtc_hook_reject(const char *reason);

extern pv_export_t rtc_hook_pvs[];

#endif
