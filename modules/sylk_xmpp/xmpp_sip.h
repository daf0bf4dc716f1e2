/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The SIP side of the gateway: MESSAGEs for XMPP domains become stanzas
 * (any SIP worker), XMPP messages become MESSAGEs through this proxy (the
 * component process), and their SIP outcome an XMPP error when it failed. */
#ifndef SYLK_XMPP_SIP_H
#define SYLK_XMPP_SIP_H

#include <stdbool.h>

#include "core/parser/msg_parser.h"

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

/* sylk_xmpp_message(): -1 when the R-URI domain is no XMPP domain (the
 * script goes on), else 1 once answered: 202 queued, 503 with Retry-After
 * while the link is down or the queue full, 4xx for what cannot be carried. */
int xmpp_sip_message(struct sip_msg *msg);

/* A request of @p method whose R-URI domain is one of xmpp_domains (and
 * the gateway on). */
bool xmpp_sip_for_xmpp(struct sip_msg *msg, int method);
/* The request's own transaction answered (503 with Retry-After); 1. */
int xmpp_sip_reply(struct sip_msg *msg, int code, const char *reason);
/* The sender's JID: the From, which must be one of ours (EPERM), EBADMSG. */
int xmpp_sip_sender_jid(struct sip_msg *msg, char *jid, size_t size);
/* The recipient's JID: the R-URI's; EBADMSG. */
int xmpp_sip_recipient_jid(struct sip_msg *msg, char *jid, size_t size);
/* The <message/> of a text or a receipt read from SIP; 0 or an errno. */
int xmpp_sip_stanza(struct sbuf *sb, const char *from, const char *to, const struct xmpp_im *im);

/* A <message/> from XMPP for one of our users (component process). */
void xmpp_sip_from_xmpp(const struct xmpp_el *el);

/* An error answer to @p in, queued; logged. */
void xmpp_answer_error(const struct xmpp_el *in, const char *type, const char *condition,
		       const char *text);

#endif
