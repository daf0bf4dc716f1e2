/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Account messaging: see rtc_message.h.
 *
 * Sending: account-message is journalled (outgoing, pending), acked, synced
 * to the account's other connections and sent as an out-of-dialog MESSAGE
 * (CPIM, IMDN Message-ID) through the proxy, answering its digest
 * challenge with the account's HA1; the final response becomes a
 * disposition-notification (accepted / failed) to every connection of the
 * account. Receiving: the routing script hands a MESSAGE for a local
 * account to rtc_message_receive(), which journals it once (the IMDN
 * Message-ID, or the Call-ID for plain messages, is the key) and gives it
 * to every connection whose account proved itself (rtc_account_may_receive).
 * Database and network I/O happen without the store lock. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/globals.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/parser/parse_uri.h"
#include "core/parser/msg_parser.h"
#include "core/route.h"
#include "modules/tm/t_hooks.h"
#include "modules/tm/t_lookup.h"

#include "sylk_ws/base/clock.h"
#include "sylk_ws/base/error.h"
#include "sylk_ws/base/log_window.h"
#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/disposition.h"
#include "sylk_ws/im/gateway_im.h"
#include "sylk_ws/im/imdn.h"
#include "sylk_ws/im/inflate.h"
#include "sylk_ws/sip/gateway_sip.h"
#include "sylk_ws/sip/sip_fields.h"
#include "sylk_ws/sylkrtc/sylkrtc_history.h"

#include "../common/sip_util.h"
#include "rtc_account.h"
#include "rtc_config.h"
#include "rtc_db.h"
#include "rtc_events.h"
#include "rtc_http.h"
#include "rtc_message.h"
#include "rtc_msgstore.h"
#include "rtc_push.h"
#include "rtc_vouch.h"
#include "rtc_sip.h"
#include "rtc_stats.h"
#include "rtc_store.h"

#define MAX_TARGETS 64
#define UUID_SIZE GW_MESSAGE_ID_SIZE
#define PURGE_EVERY 3600

static const char CT_REMOVE[] = "application/sylk-message-remove";
static const char CT_READ[] = "application/sylk-conversation-read";
static const char CT_CONV_REMOVE[] = "application/sylk-conversation-remove";
static const char CT_PGP_KEY[] = "text/pgp-public-key";
static const char CT_IMDN[] = "message/imdn+xml";
static const char CT_KEY_LOOKUP[] = "application/sylk-api-pgp-key-lookup";

/* ---- small helpers --------------------------------------------------------- */

static void make_uuid(char *buf)
{
	char hex[33];

	rtc_sip_random_hex(hex, sizeof(hex));
	gw_message_id(buf, UUID_SIZE, hex);
}

/* RFC 3339 date-time to seconds; -1 when it is not one. */
static time_t iso_time(const char *s)
{
	time_t t;

	return cpim_datetime_parse(s, &t) ? (time_t)-1 : t;
}

static void now_iso(char *buf, size_t size)
{
	if (cpim_datetime_now(buf, size) != 0)
		snprintf(buf, size, "1970-01-01T00:00:00Z");
}

/* "user@host" of a parsed URI */
static void aor_of(char *buf, size_t size, struct sip_uri *u)
{
	snprintf(buf, size, "%.*s@%.*s", u->user.len, u->user.s, u->host.len, u->host.s);
}

/* ---- the account's connections ---------------------------------------------- */

/* Connections where @p aor proved itself, except @p except. Lock held. */
static int targets(const char *aor, int except, int *out)
{
	int n;

	rtc_lock();
	n = rtc_account_receivers(aor, except, out, MAX_TARGETS);
	rtc_unlock();
	return n;
}

bool rtc_message_account_online(const char *aor)
{
	int t[MAX_TARGETS];

	return targets(aor, -1, t) > 0;
}

/* a sync event to the @p n connections @p t of @p aor */
static void send_sync_to(const int *t, int n, const char *aor, const char *type, const char *action,
			 json_object *content)
{
	const char *text = json_object_to_json_string_ext(content, JSON_C_TO_STRING_PLAIN);

	for (int i = 0; i < n; i++) {
		char *json = NULL;

		rtc_send_built(t[i], sylkrtc_event_sync(&json, SYLKRTC_V2, aor, type, action, text),
			       &json);
	}
}

static void send_sync(const char *aor, int except, const char *type, const char *action,
		      json_object *content)
{
	int t[MAX_TARGETS], n = targets(aor, except, t);

	send_sync_to(t, n, aor, type, action, content);
}

static void send_disposition(const char *aor, const struct sylkrtc_disposition *d)
{
	int t[MAX_TARGETS], n = targets(aor, -1, t);

	for (int i = 0; i < n; i++) {
		char *json = NULL;

		rtc_send_built(t[i],
			       sylkrtc_event_disposition_notification(
				       &json, SYLKRTC_V2, SYLKRTC_SCOPE_ACCOUNT, aor, d),
			       &json);
	}
}

/* ---- sending a MESSAGE --------------------------------------------------------- */

/* Everything a MESSAGE needs until its final response (shm: the reply may
 * reach another process). */
struct out_msg {
	char from[RTC_AOR_SIZE], user[RTC_AOR_SIZE], display[RTC_AOR_SIZE], to[RTC_AOR_SIZE];
	char ha1[128];
	char message_id[MSGSTORE_ID_SIZE];
	char timestamp[MSGSTORE_TS_SIZE];
	char content_type[MSGSTORE_TYPE_SIZE];
	char extra[128]; /* extra SIP headers */
	char call_id[RTC_CALLID_SIZE], tag[RTC_TAG_SIZE];
	char challenge[1024]; /* answered before the proxy asks, when set */
	bool challenge_proxy;
	unsigned nc;
	unsigned cseq;
	int auth_tries;
	bool vouched; /* carries X-Sylk-Vouch (rtc_vouch.h) */
	bool report;  /* journal state and disposition-notification */
	size_t body_len;
	char body[];
};

static void out_cb(struct cell *t, int type, struct tmcb_params *ps);

static int out_send(struct out_msg *m, struct sip_msg *challenge)
{
	char hdrs[RTC_HDRS_SIZE] = "";
	str method = str_init("MESSAGE"), hs, body;
	uac_req_t uac_r;
	dlg_t *d;
	int rc = -1;

	d = rtc_sip_dialog(m->from, m->display[0] ? m->display : NULL, m->to, m->call_id, m->tag);
	if (!d)
		return -1;
	d->loc_seq.value = m->cseq;
	if (rtc_append(hdrs, sizeof(hdrs), "Content-Type: %s\r\nUser-Agent: %s\r\n%s",
		       m->content_type, rtc_cfg.user_agent, m->extra) < 0)
		goto out;
	if (m->vouched && rtc_vouch_append(hdrs, sizeof(hdrs)) < 0)
		goto out;
	if (challenge) {
		if (rtc_sip_authorize_keep(hdrs, sizeof(hdrs), challenge, "MESSAGE", &d->rem_target,
					   m->user, m->ha1, m->challenge, sizeof(m->challenge)) < 0)
			goto out;
		m->challenge_proxy = challenge->first_line.u.reply.statuscode == 407;
	} else if (m->challenge[0] &&
		   rtc_sip_authorize_again(hdrs, sizeof(hdrs), m->challenge_proxy, m->challenge,
					   m->nc, "MESSAGE", &d->rem_target, m->user, m->ha1) < 0) {
		m->challenge[0] = '\0'; /* send it bare: the proxy will ask */
	}
	hs.s = hdrs;
	hs.len = (int)strlen(hdrs);
	body.s = m->body;
	body.len = (int)m->body_len;
	set_uac_req(&uac_r, &method, &hs, &body, d, TMCB_LOCAL_COMPLETED, out_cb, m);
	rc = rtc_tmb.t_uac(&uac_r) < 0 ? -1 : 0;
	if (rc < 0)
		LM_ERR("cannot send MESSAGE %s from %s to %s\n", m->message_id, m->from, m->to);
out:
	rtc_tmb.free_dlg(d);
	return rc;
}

static void out_report(struct out_msg *m, int code, struct sip_msg *rpl)
{
	char reason[RTC_REASON_SIZE];
	struct sylkrtc_disposition d = {.message_id = m->message_id,
					.message_timestamp = m->timestamp,
					.code = code,
					.reason = reason};
	bool ok = code >= 200 && code < 300;

	rtc_sip_reason(reason, sizeof(reason), rpl, code);
	d.state = ok ? SYLKRTC_DN_ACCEPTED : SYLKRTC_DN_FAILED;
	if (!ok) {
		RTC_STAT_INC(messages_failed);
		LM_NOTICE("message %s from %s to %s failed: %s\n", m->message_id, m->from, m->to,
			  reason);
	}
	msgstore_set_state_soon(m->from, m->message_id, ok ? "accepted" : "failed");
	send_disposition(m->from, &d);
}

/* The proxy asked: remember its challenge for the account's next
 * MESSAGEs (nonce count 1 is the answer about to go out). */
static void keep_challenge(const struct out_msg *m)
{
	rtc_lock();
	for (struct rtc_account *a = rtc_account_with_aor(m->from); a;
	     a = rtc_account_next_with_aor(a, m->from)) {
		if (strcmp(a->aor, m->from) != 0)
			continue;
		rtc_shm_free_str(&a->msg_challenge);
		a->msg_challenge = m->challenge[0] ? sylk_shm_strdup(m->challenge) : NULL;
		a->msg_challenge_proxy = m->challenge_proxy;
		a->msg_nc = 1;
	}
	rtc_unlock();
}

/* A challenge kept for the sender: copied with the next nonce count. */
static void reuse_challenge(struct out_msg *m)
{
	rtc_lock();
	for (struct rtc_account *a = rtc_account_with_aor(m->from); a;
	     a = rtc_account_next_with_aor(a, m->from)) {
		if (!a->msg_challenge || strcmp(a->aor, m->from) != 0)
			continue;
		sylk_copy(m->challenge, sizeof(m->challenge), a->msg_challenge,
			  strlen(a->msg_challenge));
		m->challenge_proxy = a->msg_challenge_proxy;
		m->nc = ++a->msg_nc;
		break;
	}
	rtc_unlock();
}

static void out_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	struct out_msg *m = *ps->param;
	int code = ps->code;

	if (!m)
		return;
	*ps->param = NULL;
	/* a server-made MESSAGE has no credentials to answer with */
	if ((code == 401 || code == 407) && m->auth_tries < 1 && m->ha1[0]) {
		m->auth_tries++;
		m->cseq++;
		if (out_send(m, ps->rpl) == 0) {
			keep_challenge(m);
			return;
		}
	}
	if (m->report)
		out_report(m, code, ps->rpl);
	shm_free(m);
}

struct out_req {
	const char *from, *to, *display;
	const char *user, *ha1;
	const char *message_id, *timestamp;
	const char *content_type, *extra;
	const char *body;
	size_t body_len;
	bool vouched; /* the sender proved itself (rtc_vouch_for() decides) */
	bool report;
};

/* One MESSAGE made ready to send (shm), NULL without memory. */
static struct out_msg *out_prepare(const struct out_req *r)
{
	struct out_msg *m = shm_malloc(sizeof(*m) + r->body_len + 1);

	if (!m) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(m, 0, sizeof(*m));
	sylk_copy(m->from, sizeof(m->from), r->from, strlen(r->from));
	sylk_copy(m->to, sizeof(m->to), r->to, strlen(r->to));
	sylk_copy(m->user, sizeof(m->user), r->user, strlen(r->user));
	if (r->display)
		sylk_copy(m->display, sizeof(m->display), r->display, strlen(r->display));
	sylk_copy(m->ha1, sizeof(m->ha1), r->ha1, strlen(r->ha1));
	sylk_copy(m->message_id, sizeof(m->message_id), r->message_id, strlen(r->message_id));
	sylk_copy(m->timestamp, sizeof(m->timestamp), r->timestamp, strlen(r->timestamp));
	sylk_copy(m->content_type, sizeof(m->content_type), r->content_type,
		  strlen(r->content_type));
	if (r->extra)
		sylk_copy(m->extra, sizeof(m->extra), r->extra, strlen(r->extra));
	m->cseq = 1;
	m->vouched = r->vouched && rtc_vouch_for(r->from);
	m->report = r->report;
	memcpy(m->body, r->body, r->body_len);
	m->body[r->body_len] = '\0';
	m->body_len = r->body_len;
	return m;
}

/* Sends @p m (out_prepare()); the final response reaches out_cb. On
 * failure @p m is freed. */
static int out_start(struct out_msg *m)
{
	if (m->ha1[0])
		reuse_challenge(m);
	if (out_send(m, NULL) < 0) {
		shm_free(m);
		return EIO;
	}
	return 0;
}

/* Queues one MESSAGE; the final response reaches out_cb. */
static int out_message(const struct out_req *r)
{
	struct out_msg *m = out_prepare(r);

	return m ? out_start(m) : ENOMEM;
}

/* The CPIM envelope of a message from @p from to @p to (malloc'd);
 * @p metadata (NULL: none) becomes its agp.Metadata. */
static int cpim_wrap(char **out, size_t *len, const char *from, const char *display, const char *to,
		     const char *timestamp, const char *message_id, bool disposition,
		     const char *content_type, const char *content, const char *metadata)
{
	char f[RTC_AOR_SIZE + 8], t[RTC_AOR_SIZE + 8];
	struct cpim_chat c = {.from_display = display,
			      .from_uri = f,
			      .to_uri = t,
			      .datetime = timestamp,
			      .message_id = message_id,
			      .disposition = disposition ? "positive-delivery, display" : NULL,
			      .content_type = content_type,
			      .content = content,
			      .metadata = metadata};

	snprintf(f, sizeof(f), "sip:%s", from);
	snprintf(t, sizeof(t), "sip:%s", to);
	return cpim_chat_encode(out, len, &c);
}

/* A MESSAGE the server makes (a new id, the time now) from @p from to @p to,
 * answering a challenge as @p user with @p ha1 ("": it cannot). */
static void server_message(const char *from, const char *to, const char *user, const char *ha1,
			   const char *content_type, const char *extra, const char *body)
{
	char id[UUID_SIZE], ts[MSGSTORE_TS_SIZE];
	struct out_req r = {.from = from,
			    .to = to,
			    .user = user,
			    .ha1 = ha1,
			    .message_id = id,
			    .timestamp = ts,
			    .content_type = content_type,
			    .extra = extra,
			    .body = body,
			    .body_len = strlen(body),
			    .vouched = true};

	make_uuid(id);
	now_iso(ts, sizeof(ts));
	out_message(&r);
}

/* ---- shared memory the rest of the server keeps ---------------------------- */

/* seconds a refused SIP sender is asked to wait: tm's wait timer (5 s) has
 * freed the transactions of the burst by then */
#define SHM_SHORT_RETRY_AFTER "5"
/* seconds between two warnings of one process */
#define SHM_SHORT_WARN_EVERY 10

/* Every message keeps its tm transactions (the gateway's and the proxy's,
 * 8-14 KiB each with the request they hold) for tm's wait timer after the
 * final reply, so a burst past what shm holds would leave nothing for
 * calls and registrations: below shm_reserve percent free, new messages
 * are refused. True when the caller refuses one (counted, warned). */
static bool refused_for_shm(void)
{
	static struct log_window warned;
	unsigned long avail, reserve, refused;

	if (rtc_cfg.shm_reserve <= 0)
		return false;
	avail = shm_available();
	reserve = shm_mem_size / 100 * (unsigned long)rtc_cfg.shm_reserve;
	if (avail >= reserve)
		return false;
	RTC_STAT_INC(messages_refused);
	if (log_window_due(&warned, time(NULL), SHM_SHORT_WARN_EVERY, &refused))
		LM_WARN("shared memory short (%lu of %lu KiB free, shm_reserve %d%%): %lu new "
			"message(s) refused since the last warning of this process\n",
			avail >> 10, shm_mem_size >> 10, rtc_cfg.shm_reserve, refused);
	return true;
}

/* ---- the requesting account ---------------------------------------------------- */

struct sender {
	char aor[RTC_AOR_SIZE], user[RTC_AOR_SIZE], display[RTC_AOR_SIZE];
	char ha1[128];
};

/* seconds between two notices of one process about accounts over their
 * message rate */
#define RATE_NOTICE_EVERY 10

static void note_over_rate(const char *aor)
{
	static struct log_window noted;
	unsigned long limited;

	RTC_STAT_INC(messages_limited);
	if (log_window_due(&noted, time(NULL), RATE_NOTICE_EVERY, &limited))
		LM_NOTICE("%s sent more than %d messages a second (max_messages_per_account): "
			  "%lu refused since the last notice of this process\n",
			  aor, rtc_cfg.max_messages_per_account, limited);
}

enum sender_use {
	SENDER_READS, /* a sync or lookup */
	SENDER_SENDS, /* makes a SIP MESSAGE and a journal write: counted */
};

/* The request's account on this connection, registered, and for a request
 * that sends, within the account's message rate over all its connections
 * (one account on many connections cannot take the messaging capacity
 * others need); else an error reply and false. */
static bool sender_of(int conn_id, const struct sylkrtc_request *req, enum sender_use use,
		      struct sender *s)
{
	enum {
		SENDER_OK,
		SENDER_UNKNOWN,
		SENDER_UNAUTHENTICATED,
		SENDER_OVER_RATE
	} why = SENDER_OK;
	struct rtc_account *a;

	memset(s, 0, sizeof(*s));
	rtc_lock();
	a = rtc_account_find(conn_id, req->account);
	if (!a)
		why = SENDER_UNKNOWN;
	else if (!rtc_account_may_receive(a))
		why = SENDER_UNAUTHENTICATED;
	else if (use == SENDER_SENDS &&
		 !rtc_account_may_send_message(a->aor, sylk_monotonic_ms(),
					       rtc_cfg.max_messages_per_account))
		why = SENDER_OVER_RATE;
	else {
		sylk_copy(s->aor, sizeof(s->aor), a->aor, strlen(a->aor));
		sylk_copy(s->user, sizeof(s->user), a->user, strlen(a->user));
		sylk_copy(s->ha1, sizeof(s->ha1), a->ha1, strlen(a->ha1));
		if (a->display_name)
			sylk_copy(s->display, sizeof(s->display), a->display_name,
				  strlen(a->display_name));
	}
	rtc_unlock();
	switch (why) {
	case SENDER_OK: break;
	case SENDER_UNKNOWN:
		rtc_send_error(conn_id, req->transaction, "Unknown account specified: %s",
			       req->account);
		break;
	case SENDER_UNAUTHENTICATED:
		rtc_send_error(conn_id, req->transaction, "Account not authenticated");
		break;
	case SENDER_OVER_RATE:
		note_over_rate(req->account);
		rtc_send_error(conn_id, req->transaction,
			       "Too many messages from account %s (max %d per second)",
			       req->account, rtc_cfg.max_messages_per_account);
		break;
	}
	return why == SENDER_OK;
}

/* A server-made MESSAGE to the account's own SIP devices (sync of read and
 * remove), authenticated as the account. */
static void tell_sip_devices(const struct sender *s, const char *content_type, json_object *c)
{
	server_message(s->aor, s->aor, s->user, s->ha1, content_type, "X-Sylk-To-Sip: yes\r\n",
		       json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN));
}

/* A journal entry recording a change (read, remove) for the other devices;
 * @p max as msgstore_add_capped(). */
static int journal_change(const char *account, const char *contact, const char *direction,
			  const char *content_type, const char *content, int max)
{
	struct msgstore_row row;

	memset(&row, 0, sizeof(row));
	sylk_copy(row.account, sizeof(row.account), account, strlen(account));
	sylk_copy(row.contact, sizeof(row.contact), contact, strlen(contact));
	sylk_copy(row.direction, sizeof(row.direction), direction, strlen(direction));
	make_uuid(row.message_id);
	sylk_copy(row.content_type, sizeof(row.content_type), content_type, strlen(content_type));
	row.content = content;
	now_iso(row.timestamp, sizeof(row.timestamp));
	return msgstore_add_capped(&row, max);
}

/* ---- account-message -------------------------------------------------------------- */

/* An account-message on its way (shm): its outgoing row is being stored,
 * and once it is (message_stored(), maybe in a task worker) the request is
 * answered, the other devices synced and the MESSAGE sent. */
struct outgoing {
	int conn_id;
	struct out_msg *out; /* the MESSAGE (CPIM) */
	const char *transaction, *uri, *content_type, *content; /* in text[] */
	const char *metadata;                                   /* in text[], NULL: none */
	char text[];
};

static void outgoing_free(struct outgoing *o)
{
	if (o->out)
		shm_free(o->out);
	shm_free(o);
}

/* @p s copied to *@p p, which moves past it: the copy */
static const char *put_text(char **p, const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = memcpy(*p, s, len);

	*p += len;
	return copy;
}

/* A copy of the request's fields sync and the answer need, and the MESSAGE. */
static struct outgoing *outgoing_new(int conn_id, const struct sylkrtc_request *req,
				     const struct out_req *r)
{
	size_t n = strlen(req->transaction) + strlen(req->uri) + strlen(req->content_type) +
		   strlen(req->content) + (req->metadata ? strlen(req->metadata) : 0) + 5;
	struct outgoing *o = shm_malloc(sizeof(*o) + n);
	char *p;

	if (!o) {
		SHM_MEM_ERROR;
		return NULL;
	}
	memset(o, 0, sizeof(*o));
	o->conn_id = conn_id;
	p = o->text;
	o->transaction = put_text(&p, req->transaction);
	o->uri = put_text(&p, req->uri);
	o->content_type = put_text(&p, req->content_type);
	o->content = put_text(&p, req->content);
	if (req->metadata)
		o->metadata = put_text(&p, req->metadata);
	o->out = out_prepare(r);
	if (!o->out) {
		shm_free(o);
		return NULL;
	}
	return o;
}

/* sync (message add) of a message @p account sent, to its connections
 * but @p except */
static void sync_sent(const char *account, int except, const char *uri, const char *message_id,
		      const char *content, const char *content_type, const char *timestamp,
		      const char *metadata, bool server_generated)
{
	int t[MAX_TARGETS], n = targets(account, except, t);
	json_object *c;

	if (n == 0) /* the sender's only device: the message is built for nobody */
		return;
	c = json_object_new_object();
	json_object_object_add(c, "account", json_object_new_string(account));
	json_object_object_add(c, "uri", json_object_new_string(uri));
	json_object_object_add(c, "message_id", json_object_new_string(message_id));
	json_object_object_add(c, "content", json_object_new_string(content));
	json_object_object_add(c, "content_type", json_object_new_string(content_type));
	json_object_object_add(c, "timestamp", json_object_new_string(timestamp));
	if (metadata && *metadata)
		json_object_object_add(c, "metadata", json_object_new_string(metadata));
	if (server_generated)
		json_object_object_add(c, "server_generated", json_object_new_boolean(1));
	send_sync_to(t, n, account, "message", "add", c);
	json_object_put(c);
}

/* The outgoing row is stored (or not): see struct outgoing. */
static void message_stored(void *arg, int err)
{
	struct outgoing *o = arg;
	struct out_msg *m = o->out;

	if (err && err != EEXIST) { /* a client resending keeps its row */
		LM_ERR("message %s of %s: %s\n", m->message_id, m->from, sylk_strerror(err));
		rtc_send_error(o->conn_id, o->transaction, "Cannot store the message");
		outgoing_free(o);
		return;
	}
	rtc_send_ack(o->conn_id, o->transaction);
	RTC_STAT_INC(messages_out);
	LM_INFO("message %s from %s to %s (%s) sent\n", m->message_id, m->from, o->uri,
		o->content_type);
	sync_sent(m->from, o->conn_id, o->uri, m->message_id, o->content, o->content_type,
		  m->timestamp, o->metadata, false);
	o->out = NULL; /* out_start() owns it now */
	if (out_start(m) != 0) {
		struct sylkrtc_disposition d = {.message_id = m->message_id,
						.message_timestamp = m->timestamp,
						.state = SYLKRTC_DN_FAILED,
						.code = 500,
						.reason = "500 Cannot send"};

		msgstore_set_state(m->from, m->message_id, "failed");
		send_disposition(m->from, &d);
	}
	outgoing_free(o);
}

/* Journals the outgoing row (pending), then message_stored(). */
static void journal_outgoing(struct outgoing *o, const struct sylkrtc_request *req)
{
	struct msgstore_row row;
	const struct out_msg *m = o->out;

	if (!strcasecmp(req->content_type, CT_PGP_KEY)) {
		message_stored(o, msgstore_key_set(m->from, req->content));
		return;
	}
	memset(&row, 0, sizeof(row));
	sylk_copy(row.account, sizeof(row.account), m->from, strlen(m->from));
	sylk_copy(row.contact, sizeof(row.contact), req->uri, strlen(req->uri));
	strcpy(row.direction, "outgoing");
	sylk_copy(row.message_id, sizeof(row.message_id), m->message_id, strlen(m->message_id));
	sylk_copy(row.content_type, sizeof(row.content_type), req->content_type,
		  strlen(req->content_type));
	row.content = req->content;
	row.metadata = req->metadata;
	sylk_copy(row.timestamp, sizeof(row.timestamp), m->timestamp, strlen(m->timestamp));
	strcpy(row.state, "pending");
	strcpy(row.disposition, "positive-delivery,display");
	switch (msgstore_add_then(&row, 0, message_stored, o)) {
	case 0: break;
	case EAGAIN: message_stored(o, msgstore_add(&row)); break; /* waits */
	default: message_stored(o, ENOMEM); break;
	}
}

static void account_message(int conn_id, const struct sylkrtc_request *req)
{
	struct sender s;
	struct outgoing *o = NULL;
	char *body = NULL;
	size_t len = 0;
	int err;

	if (!sender_of(conn_id, req, SENDER_SENDS, &s))
		return;
	if (rtc_http_account_message(conn_id, req, s.aor))
		return; /* a history token request (application/sylk-api-token to itself) */
	if (refused_for_shm()) {
		rtc_send_error(conn_id, req->transaction, "Server overloaded, try again later");
		return;
	}
	if (rtc_cfg.max_message_size > 0 &&
	    strlen(req->content) > (size_t)rtc_cfg.max_message_size) {
		rtc_send_error(conn_id, req->transaction, "Message too large (max %d bytes)",
			       rtc_cfg.max_message_size);
		return;
	}
	if (iso_time(req->timestamp) < 0) {
		rtc_send_error(conn_id, req->transaction, "Invalid value for 'timestamp': %s",
			       req->timestamp);
		return;
	}
	err = cpim_wrap(&body, &len, s.aor, s.display[0] ? s.display : NULL, req->uri,
			req->timestamp, req->message_id, true, req->content_type, req->content,
			req->metadata);
	if (!err) {
		struct out_req r = {.from = s.aor,
				    .to = req->uri,
				    .display = s.display,
				    .user = s.user,
				    .ha1 = s.ha1,
				    .message_id = req->message_id,
				    .timestamp = req->timestamp,
				    .content_type = "message/cpim",
				    .body = body,
				    .body_len = len,
				    .vouched = true,
				    .report = true};

		o = outgoing_new(conn_id, req, &r);
		err = o ? 0 : ENOMEM;
	}
	free(body);
	if (err) {
		LM_ERR("message %s of %s: %s\n", req->message_id, s.aor, sylk_strerror(err));
		rtc_send_error(conn_id, req->transaction, "Cannot store the message");
		return;
	}
	journal_outgoing(o, req);
}

/* ---- account-disposition-notification ---------------------------------------------- */

static void account_disposition(int conn_id, const struct sylkrtc_request *req)
{
	struct imdn n;
	struct sender s;
	char *xml = NULL, *body = NULL, id[UUID_SIZE];
	size_t xml_len, len;
	int err;

	if (!sender_of(conn_id, req, SENDER_SENDS, &s))
		return;
	if (iso_time(req->timestamp) < 0) {
		rtc_send_error(conn_id, req->transaction, "Invalid value for 'timestamp': %s",
			       req->timestamp);
		return;
	}
	memset(&n, 0, sizeof(n));
	sylk_copy(n.message_id, sizeof(n.message_id), req->message_id, strlen(req->message_id));
	sylk_copy(n.datetime, sizeof(n.datetime), req->timestamp, strlen(req->timestamp));
	if (strlen(s.aor) + 4 < sizeof(n.recipient_uri))
		snprintf(n.recipient_uri, sizeof(n.recipient_uri), "sip:%.250s", s.aor);
	n.status = gw_imdn_status_of(req->imdn_state);
	n.kind = imdn_kind_for_status(n.status);
	make_uuid(id);
	err = imdn_build(&xml, &xml_len, &n);
	if (!err) {
		char ts[MSGSTORE_TS_SIZE];

		now_iso(ts, sizeof(ts));
		err = cpim_wrap(&body, &len, s.aor, NULL, req->uri, ts, id, false, CT_IMDN, xml,
				NULL);
	}
	if (err) {
		rtc_send_error(conn_id, req->transaction, "Cannot build the notification: %s",
			       sylk_strerror(err));
		goto out;
	}
	msgstore_set_state(s.aor, req->message_id, sylkrtc_imdn_state_name(req->imdn_state));
	{
		struct out_req r = {.from = s.aor,
				    .to = req->uri,
				    .user = s.user,
				    .ha1 = s.ha1,
				    .message_id = id,
				    .timestamp = req->timestamp,
				    .content_type = "message/cpim",
				    .body = body,
				    .body_len = len,
				    .vouched = true};

		if (out_message(&r) != 0) {
			rtc_send_error(conn_id, req->transaction, "Cannot send the notification");
			goto out;
		}
	}
	rtc_send_ack(conn_id, req->transaction);
out:
	free(xml);
	free(body);
}

/* ---- account-sync-conversations ------------------------------------------------------ */

/* msgstore_journal()'s callback: one row into the event's list */
static int collect(const struct msgstore_row *row, void *arg)
{
	const struct sylkrtc_history_message m = {.contact = row->contact,
						  .timestamp = row->timestamp,
						  .message_id = row->message_id,
						  .content_type = row->content_type,
						  .content = row->content,
						  .direction = row->direction,
						  .state = row->state,
						  .metadata = row->metadata};

	return sylkrtc_history_add(arg, &m, row->disposition);
}

static void account_sync(int conn_id, const struct sylkrtc_request *req)
{
	struct sylkrtc_history c = SYLKRTC_HISTORY_INIT;
	struct sender s;
	time_t since = 0;
	char *json = NULL;
	int err;

	if (!sender_of(conn_id, req, SENDER_READS, &s))
		return;
	if (req->since && *req->since && (since = iso_time(req->since)) < 0) {
		rtc_send_error(conn_id, req->transaction, "Invalid value for 'since': %s",
			       req->since);
		return;
	}
	err = msgstore_journal(s.aor, req->message_id, since, req->limit, collect, &c);
	if (err) {
		sylkrtc_history_free(&c);
		rtc_send_error(conn_id, req->transaction, "Cannot read the conversations");
		return;
	}
	rtc_send_ack(conn_id, req->transaction);
	rtc_send_built(conn_id,
		       sylkrtc_event_sync_conversations(&json, SYLKRTC_V2, s.aor, c.msgs, c.count),
		       &json);
	sylkrtc_history_free(&c);
}

/* ---- read and remove ------------------------------------------------------------------ */

/* Read, remove a message, remove a conversation: what the account asked
 * goes to the journal and to the account's other connections (all but
 * @p except); to its SIP devices too when @p s can authenticate as the
 * account (a browser's request; a SIP device's own request has none). */
static int conversation_read(const char *aor, const char *contact, int except,
			     const struct sender *s)
{
	json_object *c;
	int err = msgstore_mark_read(aor, contact);

	if (err)
		return err;
	journal_change(aor, contact, "", CT_READ, contact, 0);
	c = json_object_new_object();
	json_object_object_add(c, "contact", json_object_new_string(contact));
	send_sync(aor, except, "conversation", "read", c);
	if (s)
		tell_sip_devices(s, CT_READ, c);
	json_object_put(c);
	return 0;
}

/* The peer's copy of a message its local sender removed. */
static void remove_from_peer(const char *sender, const char *peer, const char *message_id)
{
	struct msgstore_row row;
	json_object *c;

	if (!sip_same_domain(sender, peer) || msgstore_find(peer, message_id, &row) != 0)
		return;
	msgstore_row_free(&row);
	if (strcmp(row.direction, "incoming") != 0 || strcmp(row.contact, sender) != 0)
		return;
	if (msgstore_remove_message(peer, message_id) != 0)
		return;
	c = json_object_new_object();
	json_object_object_add(c, "contact", json_object_new_string(sender));
	json_object_object_add(c, "message_id", json_object_new_string(message_id));
	json_object_object_add(c, "direction", json_object_new_string("incoming"));
	journal_change(peer, sender, "incoming", CT_REMOVE,
		       json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN), 0);
	send_sync(peer, -1, "message", "remove", c);
	json_object_put(c);
}

static int message_remove(const char *aor, const char *contact, const char *message_id, int except,
			  const struct sender *s)
{
	json_object *c;
	int err = msgstore_remove_message(aor, message_id);

	if (err)
		return err;
	c = json_object_new_object();
	json_object_object_add(c, "contact", json_object_new_string(contact));
	json_object_object_add(c, "message_id", json_object_new_string(message_id));
	journal_change(aor, contact, "outgoing", CT_REMOVE,
		       json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN), 0);
	send_sync(aor, except, "message", "remove", c);
	if (s)
		tell_sip_devices(s, CT_REMOVE, c);
	json_object_put(c);
	remove_from_peer(aor, contact, message_id);
	return 0;
}

static int conversation_remove(const char *aor, const char *contact, int except,
			       const struct sender *s)
{
	char ts[MSGSTORE_TS_SIZE];
	json_object *c;
	int err = msgstore_remove_conversation(aor, contact);

	if (err)
		return err;
	journal_change(aor, contact, "", CT_CONV_REMOVE, contact, 0);
	now_iso(ts, sizeof(ts));
	c = json_object_new_object();
	json_object_object_add(c, "contact", json_object_new_string(contact));
	json_object_object_add(c, "timestamp", json_object_new_string(ts));
	send_sync(aor, except, "conversation", "remove", c);
	if (s)
		tell_sip_devices(s, CT_CONV_REMOVE, c);
	json_object_put(c);
	return 0;
}

/* account-mark-conversation-read, -remove-message, -remove-conversation */
static void account_change(int conn_id, const struct sylkrtc_request *req)
{
	const char *failed = "Cannot remove the conversation";
	struct sender s;
	int err;

	if (!sender_of(conn_id, req, SENDER_SENDS, &s))
		return;
	if (req->type == SYLKRTC_REQ_ACCOUNT_MARK_CONVERSATION_READ) {
		failed = "Cannot update the conversation";
		err = conversation_read(s.aor, req->contact, conn_id, &s);
	} else if (req->type == SYLKRTC_REQ_ACCOUNT_REMOVE_MESSAGE) {
		failed = "Cannot remove the message";
		err = message_remove(s.aor, req->contact, req->message_id, conn_id, &s);
	} else {
		err = conversation_remove(s.aor, req->contact, conn_id, &s);
	}
	if (err)
		rtc_send_error(conn_id, req->transaction, "%s", failed);
	else
		rtc_send_ack(conn_id, req->transaction);
}

static void lookup_public_key(int conn_id, const struct sylkrtc_request *req)
{
	char *key = NULL, *json = NULL;
	int err = msgstore_key_get(req->uri, &key);

	if (err && err != ENOENT) {
		rtc_send_error(conn_id, req->transaction, "Cannot look the key up");
		return;
	}
	rtc_send_ack(conn_id, req->transaction);
	rtc_send_built(conn_id, sylkrtc_event_lookup_public_key(&json, SYLKRTC_V2, req->uri, key),
		       &json);
	free(key);
}

void rtc_message_request(int conn_id, const struct sylkrtc_request *req)
{
	if (!rtc_db_enabled()) {
		rtc_send_error(conn_id, req->transaction,
			       "Messaging is not available on this server");
		return;
	}
	switch (req->type) {
	case SYLKRTC_REQ_ACCOUNT_MESSAGE: account_message(conn_id, req); break;
	case SYLKRTC_REQ_ACCOUNT_DISPOSITION_NOTIFICATION: account_disposition(conn_id, req); break;
	case SYLKRTC_REQ_ACCOUNT_SYNC_CONVERSATIONS: account_sync(conn_id, req); break;
	case SYLKRTC_REQ_ACCOUNT_MARK_CONVERSATION_READ:
	case SYLKRTC_REQ_ACCOUNT_REMOVE_MESSAGE:
	case SYLKRTC_REQ_ACCOUNT_REMOVE_CONVERSATION: account_change(conn_id, req); break;
	case SYLKRTC_REQ_LOOKUP_PUBLIC_KEY: lookup_public_key(conn_id, req); break;
	default: rtc_send_error(conn_id, req->transaction, "Unsupported request"); break;
	}
}

/* ---- receiving ---------------------------------------------------------------------- */

static bool has_transaction(void)
{
	struct cell *t = rtc_tmb.t_gett();

	return t && t != T_UNDEFINED;
}

/* Answers the request here (in its transaction, made if need be); -1 for
 * the script (it ends the route). */
static int reply(struct sip_msg *msg, int code, char *text)
{
	if ((has_transaction() || rtc_tmb.t_newtran(msg) > 0) &&
	    rtc_tmb.t_reply(msg, (unsigned)code, text) < 0)
		LM_ERR("cannot send %d\n", code);
	return -1;
}

/* 503 with Retry-After, without a transaction of its own when there is
 * none yet: it would take the memory that is short for its wait time */
static int reply_overloaded(struct sip_msg *msg)
{
	static char retry_after[] = "Retry-After: " SHM_SHORT_RETRY_AFTER "\r\n";
	static str reason = str_init("Service Unavailable (server overloaded)");

	if (!add_lump_rpl(msg, retry_after, sizeof(retry_after) - 1, LUMP_RPL_HDR))
		LM_ERR("cannot add Retry-After to the 503\n");
	if (has_transaction())
		return reply(msg, 503, reason.s);
	if (rtc_slb.freply(msg, 503, &reason) < 0)
		LM_ERR("cannot send 503\n");
	return -1;
}

/* What one incoming MESSAGE says, whatever its wrapping. */
struct incoming {
	char account[RTC_AOR_SIZE], sender[RTC_AOR_SIZE], display[RTC_AOR_SIZE];
	char message_id[MSGSTORE_ID_SIZE], timestamp[MSGSTORE_TS_SIZE];
	char content_type[MSGSTORE_TYPE_SIZE], disposition[64];
	char *raw; /* the body after Content-Encoding (malloc'd) */
	struct cpim_msg *cpim;
	const char *content; /* the payload, NUL-terminated */
	const char *metadata; /* CPIM agp.Metadata (in cpim), NULL: none */
	bool to_sip_devices; /* X-Sylk-To-Sip: for SIP devices only */
};

static void incoming_free(struct incoming *in)
{
	cpim_msg_free(in->cpim);
	free(in->raw);
}

static bool has_header(struct sip_msg *msg, const char *name)
{
	size_t n = strlen(name);

	for (struct hdr_field *h = msg->headers; h; h = h->next)
		if (h->name.len == (int)n && !strncasecmp(h->name.s, name, n))
			return true;
	return false;
}

static const char *header_value(struct sip_msg *msg, const char *name, char *buf, size_t size)
{
	size_t n = strlen(name);

	for (struct hdr_field *h = msg->headers; h; h = h->next)
		if (h->name.len == (int)n && !strncasecmp(h->name.s, name, n)) {
			sylk_copy(buf, size, h->body.s, h->body.len);
			return buf;
		}
	return NULL;
}

/* The body, inflated when it came deflated. */
static int body_of(struct sip_msg *msg, struct incoming *in, int *code)
{
	char enc[64];
	str body;
	size_t max = rtc_cfg.max_message_size > 0 ? (size_t)rtc_cfg.max_message_size * 2 : 1 << 20;
	size_t len;
	int err;

	body.s = get_body(msg);
	body.len = body.s ? msg->len - (int)(body.s - msg->buf) : 0;
	if (body.len <= 0) {
		*code = 400;
		return EINVAL;
	}
	if ((size_t)body.len > max) {
		*code = 413;
		return EFBIG;
	}
	if (header_value(msg, "Content-Encoding", enc, sizeof(enc)) &&
	    strcasecmp(enc, "identity")) {
		if (strcasecmp(enc, "deflate") != 0) {
			*code = 415;
			return ENOTSUP;
		}
		err = sylk_inflate(body.s, (size_t)body.len, max, &in->raw, &len);
		*code = err == EFBIG ? 413 : 400;
		return err;
	}
	in->raw = malloc((size_t)body.len + 1);
	if (!in->raw) {
		*code = 500;
		return ENOMEM;
	}
	memcpy(in->raw, body.s, body.len);
	in->raw[body.len] = '\0';
	return 0;
}

/* CPIM: the inner content and the IMDN headers. */
static int unwrap_cpim(struct incoming *in, size_t len)
{
	const char *v;
	int err = cpim_parse(&in->cpim, in->raw, len);

	if (err)
		return err;
	if (!in->cpim->content_type || !in->cpim->body)
		return EBADMSG;
	sylk_copy(in->content_type, sizeof(in->content_type), in->cpim->content_type,
		  strcspn(in->cpim->content_type, ";"));
	in->content = (const char *)in->cpim->body;
	if ((v = cpim_msg_header(in->cpim, CPIM_NS_IMDN, "Message-ID")))
		sylk_copy(in->message_id, sizeof(in->message_id), v, strlen(v));
	if ((v = cpim_msg_header(in->cpim, CPIM_NS_IMDN, "Disposition-Notification"))) {
		im_disposition_compact(in->disposition, sizeof(in->disposition), v);
	}
	if (in->cpim->datetime && cpim_datetime_valid(in->cpim->datetime))
		sylk_copy(in->timestamp, sizeof(in->timestamp), in->cpim->datetime,
			  strlen(in->cpim->datetime));
	if (in->cpim->has_from && in->cpim->from.display)
		sylk_copy(in->display, sizeof(in->display), in->cpim->from.display,
			  strlen(in->cpim->from.display));
	if (cpim_msg_metadata(in->cpim, SYLKRTC_METADATA_MAX, &in->metadata) == EFBIG)
		LM_INFO("metadata of message %s left out: longer than %d characters\n",
			in->message_id, SYLKRTC_METADATA_MAX);
	return 0;
}

static int parse_incoming(struct sip_msg *msg, struct incoming *in, int *code)
{
	struct to_body *from, *to;
	struct sip_uri fu, tu;
	char ct[MSGSTORE_TYPE_SIZE];
	int err;

	*code = 400;
	if (parse_headers(msg, HDR_EOH_F, 0) < 0 || !msg->content_type || !msg->from || !msg->to ||
	    parse_from_header(msg) < 0 || parse_to_header(msg) < 0 || !msg->callid)
		return EBADMSG;
	from = get_from(msg);
	to = get_to(msg);
	if (parse_uri(from->uri.s, from->uri.len, &fu) < 0 ||
	    parse_uri(to->uri.s, to->uri.len, &tu) < 0 || !fu.user.len || !tu.user.len)
		return EBADMSG;
	aor_of(in->sender, sizeof(in->sender), &fu);
	aor_of(in->account, sizeof(in->account), &tu);
	if (from->display.len > 0)
		sylk_copy(in->display, sizeof(in->display), from->display.s, from->display.len);
	sylk_copy(ct, sizeof(ct), msg->content_type->body.s, msg->content_type->body.len);
	err = body_of(msg, in, code);
	if (err)
		return err;
	*code = 400;
	in->to_sip_devices = has_header(msg, "X-Sylk-To-Sip");
	if (!strncasecmp(ct, "message/cpim", 12)) {
		err = unwrap_cpim(in, strlen(in->raw));
		if (err)
			return err;
	} else {
		sylk_copy(in->content_type, sizeof(in->content_type), ct, strcspn(ct, ";"));
		in->content = in->raw;
	}
	if (!in->message_id[0])
		gw_session_id_from_callid(in->message_id, msg->callid->body.s,
					  (size_t)msg->callid->body.len);
	if (!in->timestamp[0])
		now_iso(in->timestamp, sizeof(in->timestamp));
	return 0;
}

/* 0 when @p message_id is a message the account sent to the IMDN's
 * sender, EPERM when it is not (a notification from anyone else would be
 * someone speaking for the receiver, and a row any stranger could add to
 * the journal), else the journal's error: nobody can tell then. */
static int imdn_from_its_receiver(const struct incoming *in, const char *message_id)
{
	struct msgstore_row row;
	int err = msgstore_find(in->account, message_id, &row);

	if (err)
		return err == ENOENT ? EPERM : err;
	/* both user@domain: a browser's uri is stored as sip_aor_decode()
	 * left it, a SIP device's as aor_of() wrote it */
	if (strcmp(row.direction, "outgoing") != 0 || strcasecmp(row.contact, in->sender) != 0)
		err = EPERM;
	msgstore_row_free(&row);
	return err;
}

/* An IMDN about a message our account sent, read and checked: 0 when its
 * state may be taken (@p n filled), EPERM when it is to be ignored
 * (unreadable, or not from the receiver: logged), else the journal's
 * error. */
static int imdn_check(const struct incoming *in, struct imdn *n)
{
	int err;

	if (imdn_parse(n, in->content, strlen(in->content)) != 0) {
		LM_NOTICE("unreadable IMDN from %s to %s dropped\n", in->sender, in->account);
		return EPERM;
	}
	err = imdn_from_its_receiver(in, n->message_id);
	if (err == EPERM)
		LM_NOTICE("notification from %s about %s ignored: no message of %s to it\n",
			  in->sender, n->message_id, in->account);
	return err;
}

/* What follows the journal's answer @p err to the new state of @p n: 0
 * when the notification was taken (the other devices get its journal row,
 * the sender's connections the disposition-notification) or is ignored,
 * else the error the sender is told of. @p journal: false on the node that
 * only has the connections (a cluster node reached through its gateway
 * Contact): the node that took the MESSAGE first changed the shared
 * journal already. */
static int imdn_taken(const struct incoming *in, const struct imdn *n, int err, bool journal)
{
	struct sylkrtc_disposition d = {0};
	const char *state = imdn_status_name(n->status);
	json_object *c;

	if (err == ENOENT) {
		LM_NOTICE("notification from %s about %s ignored: the message was removed\n",
			  in->sender, n->message_id);
		return 0;
	}
	if (err) {
		LM_ERR("notification from %s about %s (%s) not taken: %s\n", in->sender,
		       n->message_id, state, sylk_strerror(err));
		return err;
	}
	if (journal) {
		c = json_object_new_object();
		json_object_object_add(c, "message_id", json_object_new_string(n->message_id));
		json_object_object_add(c, "state", json_object_new_string(state));
		/* the state changed in place; the row for the other devices is
		 * one more a stranger could add, so it counts toward the cap */
		if (journal_change(in->account, in->sender, "incoming", "message/imdn",
				   json_object_to_json_string_ext(c, JSON_C_TO_STRING_PLAIN),
				   msgstore_max_stored) == ENOSPC)
			LM_NOTICE("notification from %s about %s not journalled: the journal of %s "
				  "is full (max_stored_messages %d)\n",
				  in->sender, n->message_id, in->account, msgstore_max_stored);
		json_object_put(c);
	}
	d.message_id = n->message_id;
	d.message_timestamp = n->datetime[0] ? n->datetime : NULL;
	d.code = 200;
	d.reason = "OK";
	d.state = gw_dn_state_of(n->status);
	send_disposition(in->account, &d);
	return 0;
}

static void deliver(const struct incoming *in)
{
	const char *disp[2];
	char copy[64];
	struct sylkrtc_message m = {.sender = {.uri = in->sender,
					       .display_name = in->display[0] ? in->display : NULL},
				    .timestamp = in->timestamp,
				    .message_id = in->message_id,
				    .content_type = in->content_type,
				    .content = in->content,
				    .disposition = disp,
				    .metadata = in->metadata};
	int t[MAX_TARGETS], n = targets(in->account, -1, t);

	sylk_copy(copy, sizeof(copy), in->disposition, strlen(in->disposition));
	m.disposition_count = sylkrtc_disposition_split(copy, disp);
	for (int i = 0; i < n; i++) {
		char *json = NULL;

		rtc_send_built(t[i],
			       sylkrtc_event_message(&json, SYLKRTC_V2, SYLKRTC_SCOPE_ACCOUNT,
						     in->account, &m),
			       &json);
	}
	if (!n)
		rtc_push_message(in->account, in->sender, in->display[0] ? in->display : NULL,
				 in->content_type, in->message_id);
}

/* The journal row of an incoming message, in @p account's journal. */
static void row_of(struct msgstore_row *row, const struct incoming *in, const char *account,
		   const char *contact, const char *direction, const char *state)
{
	memset(row, 0, sizeof(*row));
	sylk_copy(row->account, sizeof(row->account), account, strlen(account));
	sylk_copy(row->contact, sizeof(row->contact), contact, strlen(contact));
	sylk_copy(row->direction, sizeof(row->direction), direction, strlen(direction));
	sylk_copy(row->message_id, sizeof(row->message_id), in->message_id, strlen(in->message_id));
	sylk_copy(row->content_type, sizeof(row->content_type), in->content_type,
		  strlen(in->content_type));
	row->content = in->content;
	row->metadata = in->metadata;
	sylk_copy(row->timestamp, sizeof(row->timestamp), in->timestamp, strlen(in->timestamp));
	sylk_copy(row->state, sizeof(row->state), state, strlen(state));
	sylk_copy(row->disposition, sizeof(row->disposition), in->disposition,
		  strlen(in->disposition));
}

static int store_incoming(const struct incoming *in)
{
	struct msgstore_row row;

	row_of(&row, in, in->account, in->sender, "incoming", "received");
	return msgstore_add_capped(&row, msgstore_max_stored);
}

/* A message that a local account sent from one of its SIP devices (the
 * proxy authenticated its From: every request with a local From is
 * challenged) to a local account: the sender's journal gets the outgoing
 * copy and the sender's browsers a sync "add" marked server_generated, as
 * their own sends from another browser give them. A browser's send was
 * journalled before it left (EEXIST here: nothing more to do). */
static void journal_sent_by_sip_device(const struct incoming *in)
{
	struct msgstore_row row;

	if (!sip_same_domain(in->sender, in->account) || !strcmp(in->sender, in->account) ||
	    !strcasecmp(in->content_type, "application/im-iscomposing+xml"))
		return;
	row_of(&row, in, in->sender, in->account, "outgoing", "accepted");
	if (msgstore_add(&row) != 0)
		return;
	LM_INFO("message %s sent by a SIP device of %s to %s: journalled for its browsers\n",
		in->message_id, in->sender, in->account);
	sync_sent(in->sender, -1, in->account, in->message_id, in->content, in->content_type,
		  in->timestamp, in->metadata, true);
}

/* A SIP device of a local user asks for the public key of the request's
 * To: the key the server keeps goes back as a text/pgp-public-key MESSAGE
 * from the key's owner, as SylkServer answers it. The proxy lets it pass
 * with that From, without the owner's credentials, for the gateway's
 * X-Sylk-Vouch (rtc_vouch.h, route[AUTH]). Answered only for requesters of
 * the owner's domain (their From was authenticated): a stranger cannot
 * make the server send MESSAGEs to addresses of its choice. */
static int answer_key_lookup(struct sip_msg *msg, const struct incoming *in)
{
	char *key = NULL;
	int err;

	if (!sip_same_domain(in->sender, in->account)) {
		LM_NOTICE("public key lookup for %s from %s refused: not a local user\n",
			  in->account, in->sender);
		return reply(msg, 403, "Forbidden (key lookups are for local users)");
	}
	err = msgstore_key_get(in->account, &key);
	if (err == ENOENT) {
		LM_INFO("public key lookup for %s from %s: no key\n", in->account, in->sender);
	} else if (err) {
		LM_ERR("public key lookup for %s from %s: %s\n", in->account, in->sender,
		       sylk_strerror(err));
		return reply(msg, 500, "Server Error (key store)");
	} else {
		LM_INFO("public key of %s sent to %s\n", in->account, in->sender);
		server_message(in->account, in->sender, "", "", CT_PGP_KEY,
			       "X-Sylk-To-Sip: yes\r\n", key);
		free(key);
	}
	return reply(msg, 200, "OK");
}

/* A SIP device of a local account removes a message it sent (the body is
 * its id, the To its peer) or marks read or removes a conversation (JSON
 * body with "contact"): the same as the account's browsers ask with
 * sylkRTC requests, their other connections are told. Only the account
 * itself (a local From, which the proxy authenticated) acts on its store. */
static int answer_api_request(struct sip_msg *msg, const struct incoming *in)
{
	char contact[RTC_AOR_SIZE], id[MSGSTORE_ID_SIZE];
	const char *what = in->content_type;
	enum gw_api_kind kind = gw_api_kind_of(what);
	int err;

	if (!sip_same_domain(in->sender, in->account)) {
		LM_NOTICE("%s from %s refused: not a local user\n", what, in->sender);
		return reply(msg, 403, "Forbidden (for local users only)");
	}
	if (kind == GW_API_REMOVE) {
		if (gw_api_message_id(in->content, id, sizeof(id)) != 0)
			return reply(msg, 400, "Bad Request (the body is one message id)");
		err = message_remove(in->sender, in->account, id, -1, NULL);
	} else if (gw_api_contact(in->content, contact, sizeof(contact)) != 0) {
		return reply(msg, 400, "Bad Request (no valid \"contact\" in the JSON body)");
	} else if (kind == GW_API_READ) {
		err = conversation_read(in->sender, contact, -1, NULL);
	} else {
		err = conversation_remove(in->sender, contact, -1, NULL);
	}
	if (err) {
		LM_ERR("%s of %s: %s\n", what, in->sender, sylk_strerror(err));
		return reply(msg, 500, "Server Error (message store)");
	}
	LM_INFO("%s of %s done\n", what, in->sender);
	return reply(msg, 200, "OK");
}

/* Blink asks for a history token with a plain note of this type to itself;
 * the answer (JSON with "token") comes back the same way and is a message. */
static bool is_token_request(const struct incoming *in)
{
	return !strcasecmp(in->content_type, RTC_API_TOKEN_TYPE) &&
	       !strcmp(in->sender, in->account) && !strstr(in->content, "\"token\"");
}

/* Whether the journal row of this message id is the account's own outgoing one. */
static bool sent_by_account(const struct incoming *in)
{
	struct msgstore_row row;
	bool mine;

	if (msgstore_find(in->account, in->message_id, &row) != 0)
		return false;
	mine = !strcmp(row.direction, "outgoing");
	msgstore_row_free(&row);
	return mine;
}

/* What follows the journal's answer @p err for @p in (stored, or not): the
 * reply of a refusal (-1), else delivery to the account's connections (1). */
static int after_store(struct sip_msg *msg, const struct incoming *in, int err, bool at_contact)
{
	if (err == EEXIST) {
		/* a note to self is journalled once, as the outgoing copy, but
		 * still reaches the account's devices */
		if (at_contact || (!strcmp(in->sender, in->account) && sent_by_account(in)))
			deliver(in);
		else
			LM_DBG("message %s for %s already stored\n", in->message_id, in->account);
		return 1;
	}
	if (err == ENOSPC) {
		/* what is stored stays; the sender learns it was not delivered */
		LM_NOTICE("message %s from %s refused: the journal of %s is full "
			  "(max_stored_messages %d)\n",
			  in->message_id, in->sender, in->account, msgstore_max_stored);
		return reply(msg, 486, "Busy Here (message store full)");
	}
	if (err)
		return reply(msg, 500, "Cannot Store The Message");
	RTC_STAT_INC(messages_in);
	LM_INFO("message %s from %s to %s (%s) stored (Call-ID %.*s)\n", in->message_id, in->sender,
		in->account, in->content_type, msg->callid ? msg->callid->body.len : 0,
		msg->callid ? msg->callid->body.s : "");
	/* a browser's message (sent by this gateway to its outbound_socket)
	 * was journalled before it left */
	if (!at_contact && !rtc_vouch_on_internal_socket(msg))
		journal_sent_by_sip_device(in);
	deliver(in);
	return 1;
}

/* ---- a MESSAGE that waits while the journal writer stores it --------------- */

/* A MESSAGE whose transaction is suspended until its row is committed
 * (shm); the journal's continuation (in a task worker, or the writer)
 * resumes the script at route (an index of main_rt). */
struct suspended {
	unsigned tindex, tlabel;
	int route;
	int result;
};

/* the one this process is resuming (t_continue() runs the script here) */
static struct suspended *resuming;

static void incoming_stored(void *arg, int err)
{
	struct suspended *s = arg;
	int rc;

	s->result = err;
	resuming = s;
	rc = rtc_tmb.t_continue(s->tindex, s->tlabel, main_rt.rlist[s->route]);
	resuming = NULL;
	if (rc != 0)
		LM_NOTICE("a MESSAGE was stored (%s) after its transaction ended (%d)\n",
			  err ? sylk_strerror(err) : "ok", rc);
	shm_free(s);
}

/* 0 with *@p sp the suspended transaction of @p msg, which resumes at
 * @p route once its write is committed (the caller queues that write, and
 * gives *@p sp back with suspend_undo() when it cannot); EALREADY: a
 * retransmission tm answered; else the caller writes itself (no writer). */
static int suspend(struct sip_msg *msg, int route, struct suspended **sp)
{
	struct suspended *s;
	int err;

	if (route < 0 || !msgstore_adds_later())
		return ENOTSUP;
	if (!has_transaction()) {
		err = rtc_tmb.t_newtran(msg);
		if (err == 0)
			return EALREADY;
		if (err < 0)
			return EIO;
	}
	s = shm_malloc(sizeof(*s));
	if (!s) {
		SHM_MEM_ERROR;
		return ENOMEM;
	}
	memset(s, 0, sizeof(*s));
	s->route = route;
	if (rtc_tmb.t_suspend(msg, &s->tindex, &s->tlabel) != 0) {
		shm_free(s);
		return EIO;
	}
	*sp = s;
	return 0;
}

static void suspend_undo(struct suspended *s)
{
	rtc_tmb.t_cancel_suspend(s->tindex, s->tlabel);
	shm_free(s);
}

/* suspend() while the journal writer stores @p in; the caller stores it
 * itself unless 0 or EALREADY */
static int suspend_store(struct sip_msg *msg, const struct incoming *in, int route)
{
	struct msgstore_row row;
	struct suspended *s;
	int err = suspend(msg, route, &s);

	if (err)
		return err;
	row_of(&row, in, in->account, in->sender, "incoming", "received");
	err = msgstore_add_then(&row, msgstore_max_stored, incoming_stored, s);
	if (err)
		suspend_undo(s);
	return err;
}

/* suspend() while the journal writer changes the state @p n is about: no
 * SIP worker waits for the journal (a program holding its write lock would
 * hold up every one); the caller takes it at once unless 0 or EALREADY */
static int suspend_imdn(struct sip_msg *msg, const struct incoming *in, const struct imdn *n,
			int route)
{
	struct suspended *s;
	int err = suspend(msg, route, &s);

	if (err)
		return err;
	err = msgstore_set_state_then(in->account, n->message_id, imdn_status_name(n->status),
				      incoming_stored, s);
	if (err)
		suspend_undo(s);
	return err;
}

/* An incoming IMDN (@p at_contact: see receive()): 1 when the script goes
 * on (taken, or ignored), 0 while the journal writer stores its state (the
 * script resumes at @p route), -1 after answering 500. */
static int imdn_arrived(struct sip_msg *msg, const struct incoming *in, bool at_contact, int route)
{
	struct imdn n;
	int err = imdn_check(in, &n);

	if (err == EPERM)
		return 1;
	if (!err && !at_contact) {
		err = suspend_imdn(msg, in, &n, route);
		if (err == 0 || err == EALREADY)
			return 0;
		/* no writer, or no room for it: stored while this one waits */
		err = msgstore_set_state(in->account, n.message_id, imdn_status_name(n.status));
	}
	if (imdn_taken(in, &n, err, !at_contact) != 0)
		return reply(msg, 500, "Cannot Store The Notification");
	return 1;
}

/* The MESSAGE rtc_message_receive() took last in this process: when the
 * script hands the same request to rtc_message_deliver_contact() it has
 * been journalled and delivered already. */
static unsigned received_id;
static int received_pid;

/* at_contact: the MESSAGE reached this node through the account's gateway
 * Contact without passing rtc_message_receive() here (a cluster: another
 * node looked the account up and relayed it). It is journalled once (the
 * UNIQUE (account, message_id) index: the first node stored it, EEXIST
 * here) and still goes to this node's connections. */
static int receive(struct sip_msg *msg, bool at_contact, int route)
{
	struct incoming in;
	int code, err, rc = 1;

	if (!rtc_db_enabled())
		return 1; /* no journal: the script relays it as any request */
	memset(&in, 0, sizeof(in));
	err = parse_incoming(msg, &in, &code);
	if (err) {
		LM_NOTICE("MESSAGE from %s refused (%d): %s\n", in.sender[0] ? in.sender : "?",
			  code, sylk_strerror(err));
		rc = reply(msg, code,
			   code == 413 ? "Message Too Large" :
			   code == 415 ? "Unsupported Media Type" :
			   code == 500 ? "Server Error" :
					 "Bad Request");
		goto out;
	}
	if (in.to_sip_devices && !strncasecmp(in.content_type, "application/sylk-", 17))
		goto out; /* the account's browsers were synced already */
	if (!strcasecmp(in.content_type, CT_IMDN)) {
		rc = imdn_arrived(msg, &in, at_contact, route);
		goto out;
	}
	if (!strcasecmp(in.content_type, CT_PGP_KEY)) {
		msgstore_key_set(in.sender, in.content);
		deliver(&in);
		goto out;
	}
	if (gw_api_kind_of(in.content_type) != GW_API_NONE) {
		if (!at_contact) /* the first node did it */
			rc = answer_api_request(msg, &in);
		goto out;
	}
	if (!strcasecmp(in.content_type, CT_KEY_LOOKUP)) {
		if (!at_contact) /* the first node answered it */
			rc = answer_key_lookup(msg, &in);
		goto out;
	}
	if (is_token_request(&in)) {
		if (!at_contact) /* the first node answered it */
			rtc_http_token_request(in.account);
		goto out;
	}
	if (!at_contact) {
		err = suspend_store(msg, &in, route);
		if (err == 0 || err == EALREADY) {
			rc = 0; /* the script goes on after the commit / a retransmission */
			goto out;
		}
	}
	rc = after_store(msg, &in, store_incoming(&in), at_contact);
out:
	incoming_free(&in);
	return rc;
}

int rtc_message_receive(struct sip_msg *msg, int route)
{
	if (msg->first_line.type != SIP_REQUEST ||
	    msg->first_line.u.request.method_value != METHOD_MESSAGE)
		return -1;
	if (rtc_db_enabled() && refused_for_shm())
		return reply_overloaded(msg);
	received_id = msg->id;
	received_pid = msg->pid;
	return receive(msg, false, route);
}

/* An IMDN whose state the journal writer stored (@p result): as
 * imdn_arrived() goes on. */
static int imdn_resumed(struct sip_msg *msg, const struct incoming *in, int result)
{
	struct imdn n;

	if (imdn_parse(&n, in->content, strlen(in->content)) != 0)
		return reply(msg, 500, "Server Error");
	if (imdn_taken(in, &n, result, true) != 0)
		return reply(msg, 500, "Cannot Store The Notification");
	return 1;
}

int rtc_message_stored(struct sip_msg *msg)
{
	struct incoming in;
	int code, err, rc;

	if (!resuming)
		return 1; /* stored before the script went on */
	/* rtc_message_deliver_contact() answers this one without storing */
	received_id = msg->id;
	received_pid = msg->pid;
	memset(&in, 0, sizeof(in));
	err = parse_incoming(msg, &in, &code);
	if (err)
		rc = reply(msg, 500, "Server Error");
	else if (!strcasecmp(in.content_type, CT_IMDN))
		rc = imdn_resumed(msg, &in, resuming->result);
	else
		rc = after_store(msg, &in, resuming->result, false);
	incoming_free(&in);
	return rc;
}

int rtc_message_deliver_contact(struct sip_msg *msg, unsigned account_key)
{
	if (msg->first_line.u.request.method_value != METHOD_MESSAGE)
		return -1;
	/* relayed here by another node: this node has the connections */
	if ((msg->id != received_id || msg->pid != received_pid) && receive(msg, true, -1) < 0)
		return 1; /* refused, answered */
	/* rtc_message_receive() stored and delivered it before the lookup */
	reply(msg, 200, "OK");
	return 1;
}

int rtc_message_inject(const char *from_aor, const char *to_aor, const char *content_type,
		       const char *content, const char *message_id)
{
	struct sender s;
	struct msgstore_row row;
	char id[UUID_SIZE], *body = NULL;
	size_t len;
	bool found = false, proven = false;
	int err;

	memset(&s, 0, sizeof(s));
	rtc_lock();
	for (struct rtc_account *a = rtc_account_with_aor(from_aor); a && !found;
	     a = rtc_account_next_with_aor(a, from_aor)) {
		if (strcmp(a->aor, from_aor) != 0 || !a->ha1)
			continue;
		found = true;
		proven = rtc_account_may_receive(a);
		sylk_copy(s.aor, sizeof(s.aor), a->aor, strlen(a->aor));
		sylk_copy(s.user, sizeof(s.user), a->user, strlen(a->user));
		sylk_copy(s.ha1, sizeof(s.ha1), a->ha1, strlen(a->ha1));
	}
	rtc_unlock();
	if (!found)
		return ENOENT;
	if (!message_id) {
		make_uuid(id);
		message_id = id;
	}
	memset(&row, 0, sizeof(row));
	sylk_copy(row.account, sizeof(row.account), from_aor, strlen(from_aor));
	sylk_copy(row.contact, sizeof(row.contact), to_aor, strlen(to_aor));
	strcpy(row.direction, "outgoing");
	sylk_copy(row.message_id, sizeof(row.message_id), message_id, strlen(message_id));
	sylk_copy(row.content_type, sizeof(row.content_type), content_type, strlen(content_type));
	row.content = content;
	now_iso(row.timestamp, sizeof(row.timestamp));
	strcpy(row.state, "pending");
	strcpy(row.disposition, "positive-delivery,display");
	err = msgstore_add(&row);
	if (err && err != EEXIST)
		return err;
	err = cpim_wrap(&body, &len, s.aor, NULL, to_aor, row.timestamp, message_id, true,
			content_type, content, NULL);
	if (!err) {
		struct out_req r = {.from = s.aor,
				    .to = to_aor,
				    .user = s.user,
				    .ha1 = s.ha1,
				    .message_id = message_id,
				    .timestamp = row.timestamp,
				    .content_type = "message/cpim",
				    .body = body,
				    .body_len = len,
				    .vouched = proven,
				    .report = true};

		sync_sent(s.aor, -1, to_aor, message_id, content, content_type, row.timestamp, NULL,
			  false);
		err = out_message(&r);
	}
	free(body);
	return err;
}

void rtc_message_timer(void)
{
	static time_t last;
	time_t now = time(NULL);

	if (!rtc_db_enabled() || now - last < PURGE_EVERY)
		return;
	last = now;
	msgstore_purge(rtc_cfg.message_retention_days);
}
