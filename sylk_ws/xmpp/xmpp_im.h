/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Content between SIP and XMPP (RFC 7572, RFC 7248):
 *
 *   SIP MESSAGE body                    XMPP <message/>
 *   text/plain, or message/cpim         <body/>; imdn.Message-ID is the id,
 *     holding text/plain                positive-delivery asks for a receipt
 *   an IMDN "delivered" (plain/CPIM)    <received xmlns='urn:xmpp:receipts'/>
 *   other IMDN statuses                 nothing (no XMPP counterpart used)
 *
 * and the other way a CPIM message/cpim with imdn headers; PIDF (RFC 3863,
 * with RPID activities) <-> <presence/> available/unavailable, show, status.
 *
 * Kamailio-free: libc (CPIM and IMDN from sylk_ws/im/). */
#ifndef SYLK_XMPP_IM_H
#define SYLK_XMPP_IM_H

#include <stdbool.h>
#include <stddef.h>

/* the largest text carried either way */
#define XMPP_IM_MAX_TEXT 32768
#define XMPP_IM_ID_SIZE 256

enum xmpp_im_kind {
	XMPP_IM_TEXT,    /* a chat message */
	XMPP_IM_RECEIPT, /* a delivery receipt */
	XMPP_IM_IGNORED, /* understood, nothing to send (a "displayed" IMDN) */
};

struct xmpp_im {
	enum xmpp_im_kind kind;
	char *text;                       /* TEXT: malloc'd UTF-8 */
	char message_id[XMPP_IM_ID_SIZE]; /* TEXT: its id ("" when none); RECEIPT: the id acknowledged */
	bool want_receipt;                /* TEXT: the sender asked for delivery notification */
};

/* Read a SIP MESSAGE body. 0; EPROTONOSUPPORT for a content type with no
 * XMPP counterpart (415); EBADMSG for a malformed CPIM/IMDN or text that is
 * not UTF-8 or holds control characters XML cannot carry; EMSGSIZE above
 * XMPP_IM_MAX_TEXT; EINVAL, ENOMEM. xmpp_im_clear() it in every case. */
int xmpp_im_from_sip(struct xmpp_im *im, const char *content_type, const char *body, size_t len);
void xmpp_im_clear(struct xmpp_im *im);

/* message/cpim for an XMPP message: From/To the SIP URIs, imdn.Message-ID
 * (made from the XMPP id; a fresh one when NULL or empty), Disposition-
 * Notification positive-delivery when @p want_receipt. *out malloc'd. */
int xmpp_im_to_cpim(char **out, size_t *len, const char *from_uri, const char *to_uri,
		    const char *message_id, const char *text, bool want_receipt);

/* message/cpim holding an IMDN "delivered" for @p message_id (an XMPP
 * receipt), from @p from_uri (who received) to @p to_uri (who sent). */
int xmpp_im_receipt_to_imdn(char **out, size_t *len, const char *from_uri, const char *to_uri,
			    const char *message_id);

/* ---- presence ---------------------------------------------------------------- */

struct xmpp_pres {
	bool available;
	char show[8];     /* "", "away", "chat", "dnd", "xa" */
	char status[256]; /* free text, "" when none */
};

/* A PIDF document: open/closed of the first tuple, its note (or the
 * document's), RPID activities away -> away, busy -> dnd. 0, EBADMSG,
 * EINVAL, ENOMEM. */
int xmpp_pres_from_pidf(struct xmpp_pres *p, const char *xml, size_t len);
/* The PIDF of @p p for @p entity (a SIP URI). *out malloc'd. */
int xmpp_pres_to_pidf(char **out, size_t *len, const char *entity, const struct xmpp_pres *p);

#endif
