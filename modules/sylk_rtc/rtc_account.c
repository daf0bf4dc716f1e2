/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE
/* Browser accounts and their registrations. */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/parser/msg_parser.h"
#include "modules/tm/t_hooks.h"

#include "sylk_ws/sip/gateway_sip.h"

#include "sylk_ws/base/str.h"

#include "rtc_account.h"
#include "rtc_config.h"
#include "rtc_events.h"
#include "rtc_hooks.h"
#include "rtc_presence.h"
#include "rtc_push.h"
#include "rtc_sip.h"
#include "rtc_stats.h"
#include "rtc_store.h"

int rtc_domain_allowed(const char *domain)
{
	const char *list = rtc_cfg.sip_domains;

	if (!list || !*list)
		return 1;
	return str_list_has(list, domain);
}

/* ---- REGISTER ------------------------------------------------------------ */

static void reg_cb(struct cell *t, int type, struct tmcb_params *ps);

static int shm_set_target(dlg_t *d, const char *domain)
{
	size_t len = strlen(domain) + 4;

	if (d->rem_target.s)
		shm_free(d->rem_target.s);
	d->rem_target.s = shm_malloc(len + 1);
	if (!d->rem_target.s) {
		SHM_MEM_ERROR;
		d->rem_target.len = 0;
		return -1;
	}
	snprintf(d->rem_target.s, len + 1, "sip:%s", domain);
	d->rem_target.len = (int)len;
	return rtc_tmb.calculate_hooks(d) < 0 ? -1 : 0;
}

/* The registrar keys a binding by its whole Contact URI: once a device
 * token changed the push parameters, the binding made with the old ones is
 * a second contact. Removes it in the same REGISTER. Lock held. */
static int drop_stale_binding(const struct rtc_account *a, char *hdrs, size_t size)
{
	const char *now = a->push_params ? a->push_params : "";
	char old[RTC_AOR_SIZE + 64];

	if (!a->bound_params || !strcmp(a->bound_params, now))
		return 0;
	if (rtc_sip_contact(old, sizeof(old), a->key) < 0)
		return -1;
	old[strlen(old) - 1] = '\0';
	return rtc_append(hdrs, size, "Contact: %s%s>;expires=0\r\n", old, a->bound_params);
}

/* Sends REGISTER (expires 0 when unregistering). Lock held. */
static int send_register(struct rtc_account *a, struct sip_msg *challenge)
{
	char hdrs[RTC_HDRS_SIZE] = "", contact[RTC_AOR_SIZE + 64];
	int expires = a->unregistering ? 0 : rtc_cfg.register_expires;
	str method = str_init("REGISTER"), hs;
	uac_req_t uac_r;

	if (!a->reg_dlg) {
		char cid[RTC_CALLID_SIZE] = "", tag[RTC_TAG_SIZE] = "";

		a->reg_dlg = rtc_sip_dialog(a->aor, a->display_name, a->aor, cid, tag);
		if (!a->reg_dlg || shm_set_target(a->reg_dlg, a->domain) < 0)
			return -1;
	} else {
		a->reg_dlg->loc_seq.value++;
	}
	if (rtc_sip_contact(contact, sizeof(contact), a->key) < 0)
		return -1;
	if (a->push_params) /* RFC 8599: push parameters are Contact URI parameters */
		contact[strlen(contact) - 1] = '\0';
	if (rtc_append(hdrs, sizeof(hdrs), "Contact: %s%s%s;expires=%d\r\nExpires: %d\r\n", contact,
		       a->push_params ? a->push_params : "", a->push_params ? ">" : "", expires,
		       expires) < 0 ||
	    drop_stale_binding(a, hdrs, sizeof(hdrs)) < 0 ||
	    rtc_append(hdrs, sizeof(hdrs), "User-Agent: %s\r\n",
		       a->user_agent ? a->user_agent : rtc_cfg.user_agent) < 0)
		return -1;
	if (challenge && rtc_sip_authorize(hdrs, sizeof(hdrs), challenge, "REGISTER",
					   &a->reg_dlg->rem_target, a->user, a->ha1) < 0)
		return -1;
	hs.s = hdrs;
	hs.len = (int)strlen(hdrs);
	set_uac_req(&uac_r, &method, &hs, NULL, a->reg_dlg, TMCB_LOCAL_COMPLETED, reg_cb,
		    (void *)(uintptr_t)a->key);
	a->in_flight = true;
	if (rtc_tmb.t_uac(&uac_r) < 0) {
		a->in_flight = false;
		LM_ERR("cannot send REGISTER for %s\n", a->aor);
		return -1;
	}
	return 0;
}

/* Seconds the registrar granted to our Contact, or 0. */
static int granted_expires(struct sip_msg *rpl, unsigned key)
{
	char needle[32];
	struct hdr_field *h;

	snprintf(needle, sizeof(needle), "gw-%x@", key);
	if (parse_headers(rpl, HDR_EOH_F, 0) < 0)
		return 0;
	for (h = rpl->contact; h; h = h->next) {
		if (h->type != HDR_CONTACT_T)
			continue;
		char body[2048], *p, *end, *e;

		sylk_copy(body, sizeof(body), h->body.s, h->body.len);
		for (p = strstr(body, needle); p; p = strstr(p + 1, needle)) {
			end = strchr(p, ',');
			if (end)
				*end = '\0';
			e = strcasestr(p, ";expires=");
			if (e)
				return atoi(e + 9);
			if (!end)
				break;
			p = end;
		}
	}
	if (rpl->expires && rpl->expires->body.len > 0) {
		char tmp[16];

		sylk_copy(tmp, sizeof(tmp), rpl->expires->body.s, rpl->expires->body.len);
		return atoi(tmp);
	}
	return 0;
}

static void set_failed(struct rtc_account *a, const char *reason)
{
	bool tell = a->reg_state != RTC_REG_FAILED;

	a->reg_state = RTC_REG_FAILED;
	sylk_copy(a->reg_reason, sizeof(a->reg_reason), reason, strlen(reason));
	a->attempts++;
	RTC_STAT_INC(registrations_failed);
	a->next_register = a->want_registered ? time(NULL) + gw_reg_retry_after(a->attempts) : 0;
	LM_INFO("registration of %s failed: %s (retry in %us)\n", a->aor, reason,
		a->want_registered ? gw_reg_retry_after(a->attempts) : 0);
	if (tell && a->conn_id >= 0)
		rtc_emit_registration(a->conn_id, a->aor, SYLKRTC_REG_FAILED, reason);
}

static void reg_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	unsigned key = (unsigned)(uintptr_t)*ps->param;
	struct rtc_account *a;
	int code = ps->code;
	char reason[RTC_REASON_SIZE];

	rtc_lock();
	a = rtc_account_by_key(key);
	if (!a)
		goto out;
	a->in_flight = false;
	if ((code == 401 || code == 407) && a->auth_tries < 2) {
		a->auth_tries++;
		if (send_register(a, ps->rpl) == 0)
			goto out;
	}
	a->auth_tries = 0;
	rtc_sip_reason(reason, sizeof(reason), ps->rpl, code);
	if (a->unregistering) {
		a->unregistering = false;
		a->reg_state = RTC_REG_IDLE;
		if (code >= 200 && code < 300)
			rtc_shm_free_str(&a->bound_params);
		LM_DBG("%s unregistered: %s\n", a->aor, reason);
		if (a->conn_id < 0)
			rtc_account_destroy(a);
		else if (a->want_registered)
			a->next_register = time(NULL);
		goto out;
	}
	if (!a->want_registered)
		goto out; /* an unregister overtook it; the timer has nothing to do */
	if (code >= 200 && code < 300) {
		int granted = granted_expires(ps->rpl, key);
		bool tell = a->reg_state != RTC_REG_REGISTERED;

		if (granted <= 0)
			granted = rtc_cfg.register_expires;
		a->reg_state = RTC_REG_REGISTERED;
		a->attempts = 0;
		RTC_STAT_INC(registrations_ok);
		rtc_shm_free_str(&a->bound_params);
		a->bound_params = sylk_shm_strdup(a->push_params ? a->push_params : "");
		a->next_register = time(NULL) + gw_reg_refresh_after((unsigned)granted);
		LM_DBG("%s registered for %ds\n", a->aor, granted);
		if (tell && a->conn_id >= 0)
			rtc_emit_registration(a->conn_id, a->aor, SYLKRTC_REG_REGISTERED, NULL);
		if (tell) /* push: a device token given before the REGISTER succeeded */
			rtc_push_token_save(a);
		rtc_presence_account_up(a); /* watch its contacts, publish it open */
	} else {
		set_failed(a, reason);
	}
out:
	rtc_unlock();
}

/* Stop registering; un-REGISTER when a binding may exist. Lock held.
 * Returns 1 when the account may be freed now. */
static int let_go(struct rtc_account *a)
{
	rtc_presence_account_down(a); /* its last registration: closed, unsubscribed */
	a->want_registered = false;
	a->next_register = 0;
	if (a->reg_state == RTC_REG_REGISTERED || a->in_flight) {
		a->unregistering = true;
		a->auth_tries = 0;
		if (send_register(a, NULL) == 0)
			return 0;
		a->unregistering = false;
	}
	a->reg_state = RTC_REG_IDLE;
	return 1;
}

bool rtc_account_may_receive(const struct rtc_account *a)
{
	return a->conn_id >= 0 && a->reg_state == RTC_REG_REGISTERED && !a->unregistering;
}

int rtc_account_receivers(const char *aor, int except, int *out, int max)
{
	int n = 0;

	for (struct rtc_account *a = rtc_account_with_aor(aor); a && n < max;
	     a = rtc_account_next_with_aor(a, aor)) {
		bool seen = false;

		if (a->conn_id == except || strcmp(a->aor, aor) != 0 || !rtc_account_may_receive(a))
			continue;
		for (int i = 0; i < n; i++)
			seen = seen || out[i] == a->conn_id;
		if (!seen)
			out[n++] = a->conn_id;
	}
	return n;
}

void rtc_account_timer(void)
{
	struct rtc_account *a, *next;
	time_t now = time(NULL);

	rtc_lock();
	for (a = rtc_account_first(); a; a = next) {
		next = a->next;
		if (!a->want_registered || a->in_flight || a->unregistering || !a->next_register ||
		    now < a->next_register)
			continue;
		a->next_register = 0;
		if (send_register(a, NULL) < 0)
			set_failed(a, "500 Cannot send REGISTER");
	}
	rtc_unlock();
}

void rtc_account_conn_closed(int conn_id)
{
	struct rtc_account *a, *next;

	rtc_lock();
	for (a = rtc_account_first(); a; a = next) {
		next = a->next;
		if (a->conn_id != conn_id)
			continue;
		a->conn_id = -1;
		if (let_go(a))
			rtc_account_destroy(a);
	}
	rtc_unlock();
}

/* ---- requests ------------------------------------------------------------ */

static int copy_prefixes(struct rtc_account *a, const struct sylkrtc_request *req)
{
	if (!req->header_prefix_count)
		return 0;
	a->prefixes = shm_malloc(sizeof(char *) * req->header_prefix_count);
	if (!a->prefixes)
		return -1;
	memset(a->prefixes, 0, sizeof(char *) * req->header_prefix_count);
	for (size_t i = 0; i < req->header_prefix_count; i++) {
		a->prefixes[i] = sylk_shm_strdup(req->header_prefixes[i]);
		if (!a->prefixes[i])
			return -1;
		a->prefix_count++;
	}
	return 0;
}

static void account_add(int conn_id, const struct sylkrtc_request *req)
{
	const char *domain = strchr(req->account, '@') + 1;
	struct rtc_conn *c;
	struct rtc_account *a;
	char why[RTC_REASON_SIZE];

	if (!rtc_domain_allowed(domain)) {
		rtc_send_error(conn_id, req->transaction, "SIP domain not allowed: %s", domain);
		return;
	}
	if (rtc_hook_run(RTC_HOOK_ACCOUNT_ADD, conn_id, req->account, NULL, why, sizeof(why))) {
		rtc_send_error(conn_id, req->transaction, "%s", why);
		return;
	}
	rtc_lock();
	c = rtc_conn_find(conn_id);
	if (!c) {
		rtc_unlock();
		return;
	}
	if (rtc_account_find(conn_id, req->account)) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Account %s already added", req->account);
		return;
	}
	if (c->account_count >= rtc_cfg.max_accounts_per_conn) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction,
			       "Too many accounts on this connection (max %d)",
			       rtc_cfg.max_accounts_per_conn);
		return;
	}
	a = rtc_account_new(conn_id, req->account);
	if (!a || !(a->ha1 = sylk_shm_strdup(req->password)) ||
	    (req->display_name && !(a->display_name = sylk_shm_strdup(req->display_name))) ||
	    (req->user_agent && !(a->user_agent = sylk_shm_strdup(req->user_agent))) ||
	    copy_prefixes(a, req) < 0) {
		if (a)
			rtc_account_destroy(a);
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Server out of memory");
		return;
	}
	c->account_count++;
	rtc_unlock();
	LM_INFO("connection %d added account %s\n", conn_id, req->account);
	rtc_send_ack(conn_id, req->transaction);
}

static struct rtc_account *known_account(int conn_id, const struct sylkrtc_request *req,
					 const char *what)
{
	struct rtc_account *a = rtc_account_find(conn_id, req->account);

	if (!a) {
		rtc_unlock();
		rtc_send_error(conn_id, req->transaction, "Unknown account specified for %s: %s",
			       what, req->account);
	}
	return a;
}

static void account_remove(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_account *a;
	struct rtc_conn *c;

	rtc_lock();
	if (!(a = known_account(conn_id, req, "remove")))
		return;
	c = rtc_conn_find(conn_id);
	if (c)
		c->account_count--;
	a->conn_id = -1;
	if (let_go(a))
		rtc_account_destroy(a);
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

static void account_register(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_account *a;

	rtc_lock();
	if (!(a = known_account(conn_id, req, "register")))
		return;
	a->want_registered = true;
	a->attempts = 0;
	a->reg_state = RTC_REG_REGISTERING;
	rtc_emit_registration(conn_id, a->aor, SYLKRTC_REG_REGISTERING, NULL);
	if (!a->in_flight && !a->unregistering) {
		a->next_register = 0;
		if (send_register(a, NULL) < 0)
			set_failed(a, "500 Cannot send REGISTER");
	} else {
		a->next_register = time(NULL);
	}
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

static void account_unregister(int conn_id, const struct sylkrtc_request *req)
{
	struct rtc_account *a;

	rtc_lock();
	if (!(a = known_account(conn_id, req, "unregister")))
		return;
	rtc_push_token_forget(a); /* only while its REGISTER is in force */
	let_go(a);
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

static void account_devicetoken(int conn_id, const struct sylkrtc_request *req)
{
	struct gw_push push = {.token = req->token,
			       .platform = req->platform,
			       .app = req->app,
			       .device = req->device,
			       .silent = req->silent};
	char params[2048];
	struct rtc_account *a;

	if (gw_push_params(params, sizeof(params), &push) != 0) {
		rtc_send_error(conn_id, req->transaction, "Invalid device token");
		return;
	}
	rtc_lock();
	if (!(a = known_account(conn_id, req, "token")))
		return;
	rtc_shm_free_str(&a->push_params);
	a->push_params = sylk_shm_strdup(params);
	rtc_push_token_save(a); /* stored now if registered, else once it is */
	/* the binding carries the parameters: refresh it now if it exists */
	if (a->want_registered && a->reg_state == RTC_REG_REGISTERED && !a->in_flight)
		a->next_register = time(NULL);
	rtc_unlock();
	rtc_send_ack(conn_id, req->transaction);
}

void rtc_account_request(int conn_id, const struct sylkrtc_request *req)
{
	switch (req->type) {
	case SYLKRTC_REQ_ACCOUNT_ADD: account_add(conn_id, req); break;
	case SYLKRTC_REQ_ACCOUNT_REMOVE: account_remove(conn_id, req); break;
	case SYLKRTC_REQ_ACCOUNT_REGISTER: account_register(conn_id, req); break;
	case SYLKRTC_REQ_ACCOUNT_UNREGISTER: account_unregister(conn_id, req); break;
	case SYLKRTC_REQ_ACCOUNT_DEVICETOKEN: account_devicetoken(conn_id, req); break;
	default:
		rtc_send_error(conn_id, req->transaction,
			       "Request %s is not available on this server",
			       sylkrtc_req_type_name(req->type));
	}
}
