/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's side of the chat bridge (sylk_conference_api.h). */
#ifndef SYLK_CONF_BRIDGE_H
#define SYLK_CONF_BRIDGE_H

#include <stddef.h>

#include "sylk_conference_api.h"

/* bind_sylk_conference: fills the API. 0. */
int conf_bridge_bind(sylk_conf_api_t *api);

/* A message relayed to everyone in the room: kept (copied) for the
 * listener until this process's outermost conf_unlock(). Lock held. */
void conf_bridge_queue(const char *room_uri, const void *cpim, size_t len);

/* Without the lock: gives what was queued to the listener. */
void conf_bridge_flush(void);

#endif
