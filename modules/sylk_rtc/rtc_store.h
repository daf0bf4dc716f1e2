/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The gateway's state in shared memory: browser connections, the SIP
 * accounts they added, and their calls. Any process may touch it (the TCP
 * worker reading a connection, the SIP worker that got a reply, the timer
 * process), so everything goes through one recursive lock: recursive
 * because a tm call made under it may run our callbacks in the same
 * process. Never wait on the network (rtpengine) with the lock held. */
#ifndef SYLK_RTC_STORE_H
#define SYLK_RTC_STORE_H

#include <stdbool.h>
#include <time.h>

#include "modules/tm/dlg.h"

#include "sylk_ws/sylkrtc/sylkrtc_request.h"
#include "sylk_ws/base/rate.h"

#include "../common/sip_util.h"

#define RTC_AOR_SIZE 256
#define RTC_ID_SIZE (SYLKRTC_ID_MAX + 1)
#define RTC_TAG_SIZE 128
#define RTC_CALLID_SIZE 256
/* the rtpengine call of one gateway leg: the Call-ID and a leg suffix */
#define RTC_MEDIA_ID_SIZE (RTC_CALLID_SIZE + 8)
#define RTC_REASON_SIZE 128
/* connections an incoming call is offered to (devices of one account) */
#define RTC_FORK_MAX 16

struct rtc_conn {
	int id; /* WebSocket connection id */
	enum sylkrtc_version version;
	int account_count;
	struct rate_window rate; /* request rate limit window */
	struct rtc_conn *next;
	struct rtc_conn *id_next; /* in the store's index by id */
};

enum rtc_reg_state {
	RTC_REG_IDLE, /* never asked, or unregistered */
	RTC_REG_REGISTERING,
	RTC_REG_REGISTERED,
	RTC_REG_FAILED,
};

struct rtc_account {
	unsigned key;           /* unique; tm callback param, Contact user */
	int conn_id;            /* -1 once the connection or client let go */
	char aor[RTC_AOR_SIZE]; /* user@domain */
	char user[RTC_AOR_SIZE];
	char domain[RTC_AOR_SIZE];
	char *ha1;          /* shm */
	char *display_name; /* shm, or NULL */
	char *user_agent;   /* shm, or NULL */
	char **prefixes;    /* shm, incoming header prefixes */
	int prefix_count;
	char *push_params; /* shm ";pn-...", or NULL */
	/* the proxy's last challenge to this account's MESSAGEs (shm), kept
	 * to answer the next ones at once; its nonce count so far */
	char *msg_challenge;
	bool msg_challenge_proxy;
	unsigned msg_nc;
	char *bound_params; /* shm: push params of the binding the registrar
			       has ("" none); NULL while nothing is bound */
	/* messages the AOR sent in the last second, from any connection: the
	 * same in every account of the AOR (rtc_account_may_send_message) */
	struct rate_window msg_rate;

	/* registration, one REGISTER dialog per account */
	enum rtc_reg_state reg_state;
	bool want_registered; /* keep refreshing */
	bool unregistering;   /* REGISTER Expires: 0 in flight */
	bool in_flight;       /* a REGISTER transaction is pending */
	int auth_tries;       /* digest retries of the current REGISTER */
	unsigned attempts;    /* consecutive failures, for backoff */
	time_t next_register; /* 0 = not scheduled */
	dlg_t *reg_dlg;       /* tm dialog (Call-ID, CSeq, tags), shm */
	char reg_reason[RTC_REASON_SIZE];

	struct rtc_account *next;
	struct rtc_account *aor_next; /* in the store's index by AOR */
	struct rtc_account *key_next; /* in the store's index by key */
};

enum rtc_dir {
	RTC_OUTGOING,
	RTC_INCOMING,
};

enum rtc_call_state {
	RTC_CALL_NEW,         /* outgoing: before INVITE; incoming: offered */
	RTC_CALL_PROGRESS,    /* outgoing INVITE sent */
	RTC_CALL_EARLY,       /* outgoing: 1xx with to-tag seen */
	RTC_CALL_ACCEPTED,    /* 200 sent/received */
	RTC_CALL_ESTABLISHED, /* media seen from the browser */
	RTC_CALL_TERMINATING, /* CANCEL or BYE sent */
};

const char *rtc_call_state_name(enum rtc_call_state s);

struct rtc_session {
	unsigned key;
	char id[RTC_ID_SIZE];
	enum rtc_dir dir;
	enum rtc_call_state state;
	int conn_id;               /* owner; -1 for an unanswered incoming call */
	int offered[RTC_FORK_MAX]; /* incoming: connections that were told */
	int offered_count;
	unsigned account_key;
	char account[RTC_AOR_SIZE];
	char peer[RTC_AOR_SIZE]; /* the other party's AOR */

	/* SIP */
	char call_id[RTC_CALLID_SIZE];
	char local_tag[RTC_TAG_SIZE];
	char remote_tag[RTC_TAG_SIZE];
	dlg_t *dlg;               /* shm, tm dialog */
	unsigned t_hash, t_label; /* INVITE transaction (ours or theirs) */
	bool t_valid;
	int auth_tries;
	bool update_pending;             /* a re-INVITE of ours waits for its answer */
	bool remote_update;              /* a re-INVITE from SIP waits for session-update */
	bool early_sdp_sent;             /* the browser has an answer from early media */
	bool accepted_sent;              /* the browser was told "accepted" */
	bool answered;                   /* statistics: reached RTC_CALL_ACCEPTED */
	char dtmf[SYLKRTC_DTMF_MAX + 1]; /* tones still to play, one INFO each */
	int dtmf_duration;               /* ms per tone, 0 = default */
	long long dtmf_due_ms;           /* monotonic ms at which dtmf[0] is due */
	unsigned rt_hash, rt_label;      /* that re-INVITE's server transaction */
	time_t created;
	char *pending_sdp; /* shm: our INVITE body, for a digest retry */
	char *extra_hdrs;  /* shm: headers the browser asked for */

	struct rtc_session *next;
};

int rtc_store_init(void);
void rtc_store_destroy(void);

void rtc_lock(void);
/* The outermost unlock of a process also sends the rtpengine deletes that
 * were asked for while it held the lock. */
void rtc_unlock(void);
/* Deletes a leg's rtpengine call once this process has let the lock go
 * (at once when it does not hold it). */
void rtc_media_delete_later(const char *media_id, const char *tag);

/* Everything below needs the lock. */
unsigned rtc_next_key(void);

struct rtc_conn *rtc_conn_find(int id);
struct rtc_conn *rtc_conn_add(int id, enum sylkrtc_version version);
void rtc_conn_remove(int id);
struct rtc_conn *rtc_conn_first(void);

struct rtc_account *rtc_account_find(int conn_id, const char *aor);
struct rtc_account *rtc_account_by_key(unsigned key);
struct rtc_account *rtc_account_first(void);
/* The accounts whose AOR equals @p aor ignoring case (callers that want the
 * exact spelling compare themselves): for (a = rtc_account_with_aor(aor);
 * a; a = rtc_account_next_with_aor(a, aor)). An index, not a walk of every
 * account: messages and calls look accounts up this way all the time. */
struct rtc_account *rtc_account_with_aor(const char *aor);
struct rtc_account *rtc_account_next_with_aor(const struct rtc_account *a, const char *aor);
/* Links a zeroed account owned by the store (key and conn set); it takes
 * over the message rate window of the AOR's other accounts. */
struct rtc_account *rtc_account_new(int conn_id, const char *aor);
/* Counts one message of @p aor at @p now_ms against @p limit per second,
 * over all its connections; false (not counted) past the limit. */
bool rtc_account_may_send_message(const char *aor, int64_t now_ms, int limit);
void rtc_account_destroy(struct rtc_account *a);

/* A session the connection may act on: owned by it, or offered to it. */
struct rtc_session *rtc_session_find(int conn_id, const char *id);
struct rtc_session *rtc_session_by_key(unsigned key);
struct rtc_session *rtc_session_by_dialog(const str *call_id, const str *local_tag);
struct rtc_session *rtc_session_by_callid(const str *call_id, const str *remote_tag);
struct rtc_session *rtc_session_first(void);
struct rtc_session *rtc_session_new(int conn_id, const char *id, enum rtc_dir dir);
void rtc_session_destroy(struct rtc_session *s);
int rtc_session_count_for_account(unsigned account_key);
bool rtc_session_offered_to(const struct rtc_session *s, int conn_id);
/* Work items of the fast timer (sessions with DTMF tones still to play):
 * changed with the lock held, read without it by
 * the fast timer to skip its walk when there is nothing to do. */
void rtc_fast_work_add(int delta);
bool rtc_fast_work_any(void);

/* shm string helper (sylk_copy, sylk_shm_strdup: ../common/sip_util.h) */
void rtc_shm_free_str(char **s);

#endif
