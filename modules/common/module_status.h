/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The `<module>.status` RPC every project module answers: version, uptime and
 * the module's counters (Kamailio core counters, so `kamcmd cnt.grp_get_all
 * <module>` shows the same numbers). */
#ifndef SYLK_MODULE_STATUS_H
#define SYLK_MODULE_STATUS_H

#include <time.h>
#include "core/rpc.h"
#include "core/counters.h"

#define SYLK_PROJECT_VERSION "0.1.0"

struct module_status {
	const char *module;      /* counter group and RPC prefix */
	time_t started;          /* set in mod_init, inherited by every child */
	counter_def_t *counters; /* NULL-terminated, registered by _init */
	stat_export_t *stats;    /* NULL-terminated statistics (stats.get_statistics
				  * <module>:), registered by _init */
};

/* Call from mod_init (before the fork): registers the counters. */
int module_status_init(struct module_status *st);

/* Fills an RPC reply with version, uptime and counter values. */
void module_status_rpc(struct module_status *st, rpc_t *rpc, void *ctx);

/* Adds the statistics of @p st to the RPC structure @p th. */
void module_status_add_stats(struct module_status *st, rpc_t *rpc, void *th);

#endif
