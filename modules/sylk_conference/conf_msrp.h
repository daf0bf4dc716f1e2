/* The MSRP side of the focus: frames the core hands over
 * (SREV_TCP_MSRP_FRAME: any TCP/TLS connection that speaks MSRP), the chat
 * switch, and sending to participants by connection id from any process. */
#ifndef SYLK_CONF_MSRP_H
#define SYLK_CONF_MSRP_H

#include <stddef.h>

#include "core/events.h"

struct conf_participant;

/* SREV_TCP_MSRP_FRAME callback */
int conf_msrp_frame(sr_event_param_t *evp);

/* "msrp://host:port/<id>;tcp" of the focus toward @p p */
int conf_msrp_our_path(char *buf, size_t size, const struct conf_participant *p);

/* A status notice (join/leave) to every bound participant but @p except.
 * Lock held. */
void conf_msrp_status(unsigned room_key, unsigned except, const char *text);

#endif
