/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Module parameters of sylk_rtc, set from kamailio.cfg before mod_init and
 * read-only afterwards (so every process sees the same values). */
#ifndef SYLK_RTC_CONFIG_H
#define SYLK_RTC_CONFIG_H

#include "core/str.h"
#include "modules/sl/sl.h"
#include "modules/tm/tm_load.h"

#include "../sylk_websocket/sylk_websocket_api.h"

struct rtc_config {
	char *rtpengine_sock;     /* "udp:127.0.0.1:2223" */
	int rtpengine_timeout_ms; /* per try; one retry with the same cookie */
	char *outbound_proxy;     /* SIP URI; "" = outbound_socket, else first UDP socket */
	char *outbound_socket;    /* name of a listener to send our requests to */
	char *contact_host;       /* host[:port] in our Contacts; "" = derive */
	char *sip_domains;        /* comma separated; "" = any domain */
	int register_expires;     /* seconds asked for in REGISTER */
	int max_accounts_per_conn;
	int max_sessions_per_account;
	int max_requests_per_second; /* per connection, 0 = no limit */
	int max_messages_per_account; /* per second, all connections; 0 = no limit */
	int decline_code;            /* session-terminate of an unanswered call */
	char *user_agent;            /* default User-Agent of our requests */
	char *db_url;                /* messaging storage; "" = none */
	char *sqlite_synchronous;    /* NORMAL (default) or FULL */
	int sqlite_wal_limit;        /* bytes the WAL is cut back to; 0 = SQLite's own */
	int max_message_size;        /* bytes of an account message's content */
	int message_retention_days;  /* journal rows older than this are purged */
	int shm_reserve;             /* percent of shm new messages may not take */
	/* history over HTTP and file transfer (rtc_http.h, rtc_files.h) */
	char *http_base;          /* where clients reach the HTTP port (history URLs) */
	int api_token_lifetime;   /* seconds a history token lives */
	int history_limit;        /* messages per history answer */
	char *file_dir;           /* transferred files */
	int max_file_size;        /* bytes of one upload */
	int file_transfer_port;   /* the upload/download listener; 0 = none */
	char *file_transfer_addr; /* its address; "" = the first TCP listener's */
	char *file_transfer_url;  /* its public base; "" = http://addr:port */

	/* push notifications (rtc_push.h) */
	char *push_url;       /* sylk-pushserver-style endpoint; "" = push off */
	int push_queue_size;  /* jobs waiting for the push process */

	/* video rooms (rtc_videoroom.h) */
	char *videoroom_policy;      /* "allow" or "deny" */
	char *videoroom_allow;       /* AOR patterns, "ROOM=PATTERN" for one room */
	char *videoroom_deny;
	int videoroom_max_rooms;      /* rooms at once */
	int videoroom_max_publishers; /* participants of one room */
	int videoroom_media_timeout;  /* s a publisher may go without media */
	int videoroom_max_bitrate;    /* bit/s a room's publishers share */
	char *videoroom_persistent;   /* rooms whose shared files outlive them */

	/* contacts and presence (rtc_addressbook.h, rtc_presence.h) */
	int max_addressbook_size;       /* bytes of either XCAP document */
	int presence;                   /* 0: no SUBSCRIBE/PUBLISH for accounts */
	int presence_expires;           /* seconds asked in SUBSCRIBE and PUBLISH */
	int max_presence_subscriptions; /* contacts watched per account */

	/* derived in mod_init */
	str outbound_proxy_s;
	str contact_host_s;
};

extern struct rtc_config rtc_cfg;
extern struct tm_binds rtc_tmb;
extern sl_api_t rtc_slb; /* stateless replies: no transaction to keep */
extern tm_xapi_t rtc_xtmb; /* t_check_trans() */
extern sylk_ws_api_t rtc_ws;

#endif
