/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's own SIP requests (NOTIFY, BYE, the INVITE of a dial-out),
 * never handed to tm with the store lock held: a slow peer (a TCP
 * connection that does not drain, a DNS name) must not stop every room.
 * Under the lock a request is copied out of its dialog, the dialog's CSeq
 * taken there; the outermost conf_unlock() sends what this process queued,
 * in order, from a dialog rebuilt in pkg memory. tm keeps nothing of that
 * dialog; its callbacks find their object again by key. */
#ifndef CONF_OUT_H
#define CONF_OUT_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"
#include "modules/tm/dlg.h"
#include "modules/tm/t_hooks.h"

/* Queue @p method (NOTIFY, BYE) within @p dlg with extra headers @p hdrs
 * (NULL: none) and @p body (NULL: none); @p cb with @p key on a final
 * response (NULL: none). The dialog's local CSeq is taken now. Lock held.
 * 0 or an errno value. */
int conf_out_within(dlg_t *dlg, const char *method, const char *hdrs, const char *body,
		    transaction_cb *cb, unsigned key);

/* Queue the INVITE that starts @p dlg (a dial-out); @p cb with @p key on
 * its provisional and final responses, @p failed with @p key (lock NOT
 * held) when tm refuses to send it. Lock held. 0 or an errno value. */
int conf_out_invite(dlg_t *dlg, const char *hdrs, const char *body, transaction_cb *cb,
		    void (*failed)(unsigned key), unsigned key);

/* Queue the closing of the TCP/TLS connection @p conn_id (an MSRP
 * connection no session uses any more). Lock held. 0 or an errno value. */
int conf_out_close(int conn_id);

/* The final reply @p code to @p msg in the transaction made for it, with
 * the extra headers @p hdrs, @p body and the To-tag @p to_tag (each NULL:
 * none). Lock NOT held: tm sends at once, and a peer whose connection does
 * not drain must not stop every room (logged as a bug when it is held).
 * 0 or -1. */
int conf_out_reply(struct sip_msg *msg, int code, const char *reason, const char *hdrs,
		   const char *body, const str *to_tag);

/* The server stops (the main process began its shutdown, or tcp_main is
 * gone): MSRP closes and writes are skipped, tcp_main closes every
 * connection itself and asking it would only fail. Any process. */
bool conf_stopping(void);

/* In mod_init: the shared flag conf_stopping() reads. 0 or -1. */
int conf_out_init(void);

/* Send what this process queued. Lock NOT held (conf_unlock()). */
void conf_out_flush(void);

#endif
