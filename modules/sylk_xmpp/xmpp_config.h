/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parameters of sylk_xmpp and the state its processes share. */
#ifndef SYLK_XMPP_CONFIG_H
#define SYLK_XMPP_CONFIG_H

#include <stdbool.h>

#include "core/locking.h"
#include "modules/tm/tm_load.h"

#include "sylk_ws/xmpp/xmpp_outq.h"
#include "sylk_ws/xmpp/xmpp_presence.h"

struct xmpp_cfg {
	char *component_host;        /* Prosody's component listener (an IP) */
	int component_port;          /* 0: the gateway is off */
	char *component_domain;      /* the domain Prosody routes to us: our SIP domain */
	char *component_secret_file; /* the shared secret, first line */
	char *xmpp_domains;          /* R-URI domains sylk_xmpp_message() takes */
	char *outbound_socket;       /* listener our own SIP requests go to */
	int queue_size;              /* stanzas waiting for the component process */
	int presence_pending_max;    /* (from, to, class) keys whose presence waits beyond it */
	int reconnect_max;           /* seconds, the longest wait between attempts */
	int retry_after;             /* Retry-After of the 503 while the link is down */
	int max_stanza;              /* largest stanza read from Prosody, bytes */
	char *presence_policy;       /* "allow" | "deny": XMPP subscriptions to our users */
	int presence_expires;        /* s: the gateway's SUBSCRIBEs, SIP watchers' longest */
	char *muc_domain;            /* "": no MUC; else conference.DOMAIN, a second component */
	int max_chat_sessions;       /* MSRP chat sessions to XMPP per SIP user; 0: no limit */
	int muc_max_occupants;       /* XMPP occupants of one MUC room */
	int muc_max_rooms;           /* MUC rooms with XMPP occupants, all together */
	int muc_max_rooms_per_user;  /* MUC rooms one XMPP account is in */
	char *cluster_hostport;      /* this node's cluster host:port, written to link_table */
	char *link_table;            /* "": none; else the htable naming the linked node */
};

extern struct xmpp_cfg xmpp_cfg;
extern struct tm_binds xmpp_tmb;
extern char xmpp_secret[256];
extern char xmpp_proxy_uri[128]; /* sip:ADDRESS:PORT of outbound_socket */
extern enum xmpp_policy xmpp_pres_policy; /* presence_policy parsed */

/* Stanzas the component process takes off the queue and holds while
 * their bytes are not all written (per link); at most so many go back to
 * the queue's head at a reconnect, beyond queue_size (its reserve). */
#define XMPP_OUT_MAX 64

/* Shared memory: the outgoing stanza queue and the presences waiting for
 * room in it (sylk_ws/xmpp/xmpp_outq.h: SIP workers and tm callbacks put,
 * the component process takes), and the link state. The lock is a leaf:
 * memory work only. */
struct xmpp_shared {
	gen_lock_t lock;
	bool up; /* handshake done, not yet disconnected */
	unsigned long sent, received, connects, failures;
	struct xmpp_outq *q; /* queue_size + XMPP_OUT_MAX, presence_pending_max */
	int wake_fd;         /* eventfd: a write wakes the component process */
};

extern struct xmpp_shared *xmpp_shared;

/* @p size stanzas, @p pending_max presence keys waiting beyond them.
 * 0, or -1 when shared memory is short. */
int xmpp_queue_init(int size, int pending_max);
/* Queue one stanza (copied to shm) and wake the component process.
 * 0; EAGAIN when the queue is full, ENOMEM. */
int xmpp_queue_push(const char *stanza, size_t len);
/* Queue a presence of class @p cls from @p from to @p to (bare JIDs;
 * also the other stanzas that wait: MUC occupant presence and a room's
 * subject, chat states, error answers, see xmpp_pending.h):
 * when the queue is full, or something of the pair waits already, it
 * waits as the latest of its key (replacing the one that waited) and goes
 * once the queue has drained. 0; ENOSPC when presence_pending_max keys
 * wait already (dropped, counted, told by xmpp_queue_report()), ENOMEM. */
int xmpp_queue_presence(const char *from, const char *to, enum xmpp_pending_class cls,
			const char *stanza, size_t len);
/* A message from @p from to @p to that must not overtake what its pair
 * has waiting (a chat session's text behind its chat state, a groupchat
 * message behind its occupant's presence): into the queue when it has
 * room and nothing of the pair waits, else behind the pair when it waits.
 * 0; EAGAIN when the queue is full and nothing of the pair waits (refused:
 * the caller tells the sender), ENOSPC (the pair waits, but
 * presence_pending_max keys do), ENOMEM. */
int xmpp_queue_push_after(const char *from, const char *to, const char *stanza, size_t len);
/* The oldest stanza (shm, shm_free() it) or NULL; with the queue empty,
 * the presence that waits longest. */
char *xmpp_queue_pop(void);
/* Component process, every turn: log lines at most every
 * XMPP_LOSS_REPORT_S seconds for what was lost beyond the cap (presence;
 * MUC occupant presence, chat states, error answers). */
void xmpp_queue_report(void);
#define XMPP_LOSS_REPORT_S 10
/* Puts a stanza that could not be written back at the head, beyond
 * queue_size if need be: never lost while the component process holds at
 * most XMPP_OUT_MAX (xmpp_outq.h). */
void xmpp_queue_unpop(char *stanza);
/* Wakes the component process (work for its next turn). */
void xmpp_wake(void);
bool xmpp_link_up(void);
void xmpp_link_set(bool up);

#endif
