/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's requests, copied under the store lock and sent after it
 * (conf_out.h). */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/dprint.h"
#include "core/events.h"
#include "core/globals.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_rr.h"
#include "core/pass_fd.h"
#include "core/sr_module.h"
#include "core/tcp_conn.h"
#include "core/timer.h"
#include "modules/tm/uac.h"

#include "../common/sip_util.h"
#include "conf_config.h"
#include "conf_out.h"
#include "conf_store.h"

/* the strings of a request, in the order of struct out's str fields */
enum out_str {
	OS_METHOD,
	OS_CALL_ID,
	OS_LOC_TAG,
	OS_REM_TAG,
	OS_LOC_URI,
	OS_REM_URI,
	OS_REM_TARGET,
	OS_DST_URI,
	OS_LOC_DNAME,
	OS_REM_DNAME,
	OS_ROUTES, /* the route set as a Route header body */
	OS_HDRS,
	OS_BODY,
	OS_COUNT
};

struct out {
	struct out *next;
	int close_conn; /* not a request: close this connection */
	bool invite; /* starts the dialog: t_uac, no CSeq increment */
	bool has_body;
	unsigned cseq;
	struct socket_info *sock;
	transaction_cb *cb;
	int cb_types;
	void (*failed)(unsigned key);
	unsigned key;
	str s[OS_COUNT]; /* into data */
	char data[];
};

/* this process's queue: pkg memory, filled under the lock */
static struct out *head, **tail = &head;

static size_t routes_len(const rr_t *rr)
{
	size_t n = 0;

	for (; rr; rr = rr->next)
		n += (size_t)rr->len + 1;
	return n;
}

/* "<r1>,<r2>" into @p buf; its length */
static int routes_print(char *buf, const rr_t *rr)
{
	char *p = buf;

	for (; rr; rr = rr->next) {
		if (p != buf)
			*p++ = ',';
		memcpy(p, rr->nameaddr.name.s, (size_t)rr->len);
		p += rr->len;
	}
	return (int)(p - buf);
}

/* One queued request with every string of @p dlg copied. Lock held. */
static struct out *out_new(const dlg_t *dlg, const char *method, const char *hdrs,
			   const char *body)
{
	const str src[OS_COUNT] = {
		[OS_METHOD] = {(char *)method, (int)strlen(method)},
		[OS_CALL_ID] = dlg->id.call_id,
		[OS_LOC_TAG] = dlg->id.loc_tag,
		[OS_REM_TAG] = dlg->id.rem_tag,
		[OS_LOC_URI] = dlg->loc_uri,
		[OS_REM_URI] = dlg->rem_uri,
		[OS_REM_TARGET] = dlg->rem_target,
		[OS_DST_URI] = dlg->dst_uri,
		[OS_LOC_DNAME] = dlg->loc_dname,
		[OS_REM_DNAME] = dlg->rem_dname,
		[OS_HDRS] = {(char *)hdrs, hdrs ? (int)strlen(hdrs) : 0},
		[OS_BODY] = {(char *)body, body ? (int)strlen(body) : 0},
	};
	size_t size = routes_len(dlg->route_set);
	struct out *o;
	char *p;

	for (int i = 0; i < OS_COUNT; i++)
		size += src[i].s ? (size_t)src[i].len + 1 : 1;
	o = pkg_malloc(sizeof(*o) + size);
	if (!o) {
		PKG_MEM_ERROR;
		return NULL;
	}
	memset(o, 0, sizeof(*o));
	p = o->data;
	for (int i = 0; i < OS_COUNT; i++) {
		o->s[i].s = p;
		if (i == OS_ROUTES)
			o->s[i].len = routes_print(p, dlg->route_set);
		else if (src[i].s && src[i].len > 0)
			memcpy(p, src[i].s, (size_t)(o->s[i].len = src[i].len));
		p += o->s[i].len;
		*p++ = '\0';
	}
	o->has_body = body != NULL;
	o->sock = dlg->send_sock;
	return o;
}

static void out_queue(struct out *o)
{
	*tail = o;
	tail = &o->next;
}

int conf_out_within(dlg_t *dlg, const char *method, const char *hdrs, const char *body,
		    transaction_cb *cb, unsigned key)
{
	struct out *o = out_new(dlg, method, hdrs, body);

	if (!o)
		return ENOMEM;
	/* the CSeq is the dialog's, taken here so that two processes sending
	 * in the same dialog never use one twice or go backwards (tm's
	 * req_within() numbering: DEFAULT_CSEQ first, then one more each) */
	if (!dlg->loc_seq.is_set) {
		dlg->loc_seq.value = DEFAULT_CSEQ;
		dlg->loc_seq.is_set = 1;
	} else {
		dlg->loc_seq.value++;
	}
	o->cseq = dlg->loc_seq.value;
	o->cb = cb;
	o->cb_types = cb ? TMCB_LOCAL_COMPLETED : 0;
	o->key = key;
	out_queue(o);
	return 0;
}

int conf_out_invite(dlg_t *dlg, const char *hdrs, const char *body, transaction_cb *cb,
		    void (*failed)(unsigned key), unsigned key)
{
	struct out *o = out_new(dlg, "INVITE", hdrs, body);

	if (!o)
		return ENOMEM;
	o->invite = true;
	o->cseq = dlg->loc_seq.value;
	o->cb = cb;
	o->cb_types = TMCB_LOCAL_COMPLETED | TMCB_LOCAL_RESPONSE_IN;
	o->failed = failed;
	o->key = key;
	out_queue(o);
	return 0;
}

/* tm tells a field it may do without (a remote target, a display name)
 * by its NULL pointer: an empty one stays NULL */
static void take(str *dst, const str *src)
{
	if (src->len > 0)
		*dst = *src;
}

/* The dialog of @p o in pkg memory (its strings are @p o's; the route set
 * is parsed from them). 0 or an errno value. */
static int out_dlg(dlg_t *d, struct out *o)
{
	memset(d, 0, sizeof(*d));
	take(&d->id.call_id, &o->s[OS_CALL_ID]);
	take(&d->id.loc_tag, &o->s[OS_LOC_TAG]);
	take(&d->id.rem_tag, &o->s[OS_REM_TAG]);
	take(&d->loc_uri, &o->s[OS_LOC_URI]);
	take(&d->rem_uri, &o->s[OS_REM_URI]);
	take(&d->rem_target, &o->s[OS_REM_TARGET]);
	take(&d->dst_uri, &o->s[OS_DST_URI]);
	take(&d->loc_dname, &o->s[OS_LOC_DNAME]);
	take(&d->rem_dname, &o->s[OS_REM_DNAME]);
	d->send_sock = o->sock;
	d->state = o->invite ? DLG_NEW : DLG_CONFIRMED;
	/* req_within() adds one; t_uac() of an INVITE takes it as it is */
	d->loc_seq.value = o->invite ? o->cseq : o->cseq - 1;
	d->loc_seq.is_set = 1;
	if (o->s[OS_ROUTES].len > 0 &&
	    parse_rr_body(o->s[OS_ROUTES].s, o->s[OS_ROUTES].len, &d->route_set) < 0)
		return EINVAL;
	return 0;
}

/* ---- the server stops ------------------------------------------------------- */

static int *stopping; /* shm: set once the server stops */
static sr_corecb_void_f next_app_shutdown;

/* the main process, before it signals the others */
static void app_shutdown(void)
{
	if (stopping)
		*stopping = 1;
	if (next_app_shutdown)
		next_app_shutdown();
}

int conf_out_init(void)
{
	sr_corecb_t *cb = sr_corecb_get();

	stopping = shm_malloc(sizeof(*stopping));
	if (!stopping) {
		SHM_MEM_ERROR;
		return -1;
	}
	*stopping = 0;
	if (cb) {
		next_app_shutdown = cb->app_shutdown;
		cb->app_shutdown = app_shutdown;
	}
	return 0;
}

bool conf_stopping(void)
{
	struct pollfd pfd = {.fd = unix_tcp_sock, .events = POLLOUT};

	if (ksr_shutdown_phase() || (stopping && *stopping))
		return true;
	/* the whole process group may get the signal at once (kill(0), a
	 * service manager): tcp_main may have gone before this process learns
	 * of the stop, and its end of our socket with it */
	if (unix_tcp_sock >= 0 && poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR))) {
		if (stopping)
			*stopping = 1;
		return true;
	}
	return false;
}

/* ---- sending ----------------------------------------------------------------- */

/* Asks tcp_main to close the connection, as a sender does after a write
 * with the close-after-send flag (CONN_EOF); marked bad too, so that the
 * reader process holding it drops it at its next event. */
static int close_conn(int id)
{
	struct tcp_connection *con = tcpconn_get(id, 0, 0, 0, 0); /* a reference */
	long cmd[2];

	if (!con)
		return 0; /* gone already */
	if (conf_stopping()) { /* tcp_main closes everything */
		tcpconn_put(con);
		return 0;
	}
	con->send_flags.f |= SND_F_CON_CLOSE;
	con->state = S_CONN_BAD;
	con->timeout = get_ticks_raw();
	cmd[0] = (long)con;
	cmd[1] = CONN_EOF; /* drops our reference */
	if (send_all(unix_tcp_sock, cmd, sizeof(cmd)) <= 0) {
		tcpconn_put(con);
		return EIO;
	}
	return 0;
}

int conf_out_close(int conn_id)
{
	struct out *o;

	if (conf_stopping())
		return 0; /* tcp_main closes everything (or is gone) */
	o = pkg_malloc(sizeof(*o) + 1);
	if (!o) {
		PKG_MEM_ERROR;
		return ENOMEM;
	}
	memset(o, 0, sizeof(*o));
	o->close_conn = conn_id;
	out_queue(o);
	return 0;
}

int conf_out_reply(struct sip_msg *msg, int code, const char *reason, const char *hdrs,
		   const char *body, const str *to_tag)
{
	unsigned hash, label;

	if (conf_lock_held())
		LM_CRIT("BUG: the reply %d to a request of Call-ID %.*s is sent with the store "
			"lock held\n",
			code, msg->callid ? msg->callid->body.len : 0,
			msg->callid ? msg->callid->body.s : "");
	/* tm's own reply makes the To-tag when there are no headers to add */
	if (!hdrs && !body && !to_tag)
		return conf_tmb.t_reply(msg, (unsigned)code, (char *)reason) < 0 ? -1 : 0;
	if (conf_tmb.t_get_trans_ident(msg, &hash, &label) < 0)
		return -1;
	return sylk_reply_by_ident(&conf_tmb, hash, label, code, reason, body, hdrs, to_tag);
}

static int out_send(struct out *o)
{
	uac_req_t uac_r;
	dlg_t d;
	int err = out_dlg(&d, o);

	if (err)
		goto out;
	set_uac_req(&uac_r, &o->s[OS_METHOD], &o->s[OS_HDRS],
		    o->has_body ? &o->s[OS_BODY] : NULL, &d, o->cb_types, o->cb,
		    (void *)(uintptr_t)o->key);
	if ((o->invite ? conf_tmb.t_uac(&uac_r) : conf_tmb.t_request_within(&uac_r)) < 0)
		err = EIO;
out:
	if (d.route_set)
		free_rr(&d.route_set);
	return err;
}

void conf_out_flush(void)
{
	struct out *o;

	/* one at a time: a callback that runs in this process (a local
	 * failure) may queue and flush again */
	while ((o = head)) {
		head = o->next;
		if (!head)
			tail = &head;
		if (o->close_conn) {
			if (close_conn(o->close_conn) != 0)
				LM_ERR("cannot close connection %d\n", o->close_conn);
		} else if (out_send(o) != 0) {
			LM_ERR("cannot send %s to %s (Call-ID %s)\n", o->s[OS_METHOD].s,
			       o->s[OS_REM_TARGET].len ? o->s[OS_REM_TARGET].s : o->s[OS_REM_URI].s,
			       o->s[OS_CALL_ID].s);
			if (o->failed)
				o->failed(o->key);
		}
		pkg_free(o);
	}
}
