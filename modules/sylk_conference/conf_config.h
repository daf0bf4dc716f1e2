/* Parameters of sylk_conference (read-only after mod_init) and the APIs it
 * binds. */
#ifndef SYLK_CONF_CONFIG_H
#define SYLK_CONF_CONFIG_H

#include "core/str.h"
#include "modules/tm/tm_load.h"

struct conf_config {
	char *msrp_host;        /* host in our a=path; "" = first TCP listener's address */
	int msrp_port;          /* port in our a=path (a TCP listener of this server) */
	int msrps_port;         /* TLS listener for msrps paths; 0 = none */
	char *contact_host;     /* host:port of the focus Contact; "" = first UDP socket */
	char *outbound_proxy;   /* where dial-outs (REFER) go; "" = first UDP socket */
	int history_size;       /* chat messages replayed to a joiner */
	int max_participants;   /* per room */
	int subscribe_expires;  /* default/maximum conference subscription */
	char *deny_users;       /* comma separated AORs refused everywhere (403) */
	char *file_dir;         /* where shared files live while their room runs */
	int max_file_size;      /* bytes; larger file offers are refused */
	char *http_base;        /* "http://host:port" of this server's HTTP listener */

	str contact_host_s;
	str outbound_proxy_s;
	str msrp_host_s;
};

extern struct conf_config conf_cfg;
extern struct tm_binds conf_tmb;

#endif
