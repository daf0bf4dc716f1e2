/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/dprint.h"
#include "module_status.h"

int module_status_init(struct module_status *st)
{
	st->started = time(NULL);
	if (st->counters && counter_register_array(st->module, st->counters) < 0) {
		LM_ERR("%s: cannot register counters\n", st->module);
		return -1;
	}
	if (st->stats && register_module_stats((char *)st->module, st->stats) != 0) {
		LM_ERR("%s: cannot register statistics\n", st->module);
		return -1;
	}
	return 0;
}

void module_status_add_stats(struct module_status *st, rpc_t *rpc, void *th)
{
	for (stat_export_t *s = st->stats; s && s->name; s++)
		rpc->struct_add(th, "d", s->name,
				(int)((s->flags & STAT_IS_FUNC) ? ((stat_function)s->stat_pointer)() :
								  get_stat_val(*s->stat_pointer)));
}

void module_status_rpc(struct module_status *st, rpc_t *rpc, void *ctx)
{
	void *th;
	counter_def_t *c;

	if (rpc->add(ctx, "{", &th) < 0) {
		rpc->fault(ctx, 500, "Internal error creating reply");
		return;
	}
	rpc->struct_add(th, "ssd", "module", st->module, "version", SYLK_PROJECT_VERSION, "uptime",
			(int)(time(NULL) - st->started));
	for (c = st->counters; c && c->name; c++)
		rpc->struct_add(th, "d", c->name, (int)counter_get_val(*c->handle));
	module_status_add_stats(st, rpc, th);
}
