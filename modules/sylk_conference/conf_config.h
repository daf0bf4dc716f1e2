/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parameters of sylk_conference (read-only after mod_init) and the APIs it
 * binds. */
#ifndef SYLK_CONF_CONFIG_H
#define SYLK_CONF_CONFIG_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"
#include "core/str.h"
#include "modules/tm/tm_load.h"

#include "conference/room/room_access.h"
#include "conference/room/room_policy.h"

struct conf_config {
	char *msrp_host;    /* host in our a=path; "" = first TCP listener's address */
	int msrp_port;      /* port in our a=path (a TCP listener of this server) */
	int msrps_port;     /* TLS listener for msrps paths; 0 = none */
	char *contact_host; /* host:port of the focus Contact; "" = first UDP socket */
	char *outbound_proxy; /* where dial-outs (REFER) go; "" = outbound_socket, else first UDP socket */
	char *outbound_socket;  /* name of a listener to send the focus's requests to */
	int history_size;       /* chat messages replayed to a joiner */
	int max_participants;   /* per room */
	int subscribe_expires;  /* default/maximum conference subscription */
	char *deny_users;       /* comma separated AORs refused everywhere (403) */
	char *allow_users;      /* when set, only these AORs may join any room */
	char *persistent_rooms; /* room names that outlive their last participant */
	char *file_dir;         /* where shared files live while their room runs */
	int max_file_size;      /* bytes; larger file offers are refused */
	char *http_base;        /* "http://host:port" of this server's HTTP listener */
	char *rtpengine_sock;   /* ng socket of the rtpengine in front of the mixers */
	int mixer_processes;    /* 0 = one per CPU */
	int mixer_port_min;     /* the mixers' RTP ports on loopback */
	int mixer_port_max;
	int rtp_timeout;          /* seconds without RTP that end an audio-only participant */
	int join_tone;            /* beep for everyone when someone joins */
	int alone_tone;           /* soft beep every few seconds for someone alone */
	int max_speakers;         /* the loudest this many are mixed; 0 = everyone */
	int auth_flag;            /* message flag the script sets once auth_check passed; -1 none */
	char *room_creators;      /* "authenticated", "any", "none" or a list of AORs */
	char *room_joiners;       /* "any" or "authenticated" */
	int max_rooms;            /* rooms on this server; 0 = no limit */
	int max_rooms_per_source; /* rooms opened by one user / address; 0 = no limit */
	int ack_timeout;          /* seconds a 200 waits for its ACK */
	int msrp_timeout;         /* seconds an MSRP stream waits for its connection */

	struct room_policy policy;

	str contact_host_s;
	str outbound_proxy_s;
	str msrp_host_s;
};

extern struct conf_config conf_cfg;

/* the room's own access lists (room_access parameters), NULL when it has none */
const struct room_access *conf_access_for(const char *room_user);
bool conf_room_persistent(const char *room_user);
/* whether the routing script authenticated the request (auth_flag) */
bool conf_authenticated(struct sip_msg *msg);
extern struct tm_binds conf_tmb;
extern tm_xapi_t conf_xtmb;

#endif
