/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The screen-sharing viewer on the server's HTTP port. */
#ifndef SYLK_CONF_HTTP_H
#define SYLK_CONF_HTTP_H

/* Binds xhttp when it is loaded (mod_init). */
int conf_http_init(void);

struct sip_msg;

/* event_route[xhttp:request]: serves the viewer page and the image; 1 when
 * the URL was the focus's, -1 otherwise. */
int conf_http_handle(struct sip_msg *msg);

#endif
