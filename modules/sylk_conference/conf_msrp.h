/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The MSRP side of the focus: frames the core hands over
 * (SREV_TCP_MSRP_FRAME: any TCP/TLS connection that speaks MSRP), the chat
 * switch (sending is conf_msrp_send.c). */
#ifndef SYLK_CONF_MSRP_H
#define SYLK_CONF_MSRP_H

#include <stddef.h>

#include "core/events.h"

/* SREV_TCP_MSRP_FRAME callback */
int conf_msrp_frame(sr_event_param_t *evp);

#endif
