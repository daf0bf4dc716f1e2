/* The screen-sharing viewer on the server's HTTP port. */
#ifndef SYLK_CONF_HTTP_H
#define SYLK_CONF_HTTP_H

/* Binds xhttp when it is loaded (mod_init). */
int conf_http_init(void);

#endif
