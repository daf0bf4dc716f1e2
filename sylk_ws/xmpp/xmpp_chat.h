/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One-to-one chat sessions between MSRP and XMPP (RFC 7573): chat states
 * (XEP-0085) both ways and what tells the gateway that the XMPP side of a
 * session is gone.
 *
 *   MSRP session (message/cpim)          XMPP <message type='chat'/>
 *   text/plain, IMDN delivered           <body/>, <received/> (xmpp_im.h)
 *   is-composing active / idle           <composing/> / <paused/>
 *   BYE (the session ends)               <gone/>
 *   (the gateway sends BYE)              <gone/>, an error saying the peer
 *                                        cannot be reached, unavailable
 *
 * Kamailio-free: libc, the CPIM and is-composing codecs. */
#ifndef SYLK_XMPP_CHAT_H
#define SYLK_XMPP_CHAT_H

#include <stdbool.h>
#include <stddef.h>

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

#define XMPP_NS_CHATSTATES "http://jabber.org/protocol/chatstates"

enum xmpp_chat_state {
	XMPP_CS_NONE, /* the message carries none */
	XMPP_CS_ACTIVE,
	XMPP_CS_COMPOSING,
	XMPP_CS_PAUSED,
	XMPP_CS_INACTIVE,
	XMPP_CS_GONE,
};

/* The chat state of a received <message/>. */
enum xmpp_chat_state xmpp_chat_state_read(const struct xmpp_el *msg);
/* <message type='chat' from to><STATE xmlns=chatstates/></message>;
 * EINVAL for XMPP_CS_NONE or a from/to XML cannot carry. */
int xmpp_chat_state_build(struct sbuf *sb, const char *from, const char *to,
			  enum xmpp_chat_state state);

/* A session message (message/cpim) toward XMPP: a text or a receipt in
 * @p im (xmpp_im_from_sip() rules), or an is-composing document as
 * *state (composing, or paused when idle; im->kind XMPP_IM_IGNORED).
 * 0, EPROTONOSUPPORT, EBADMSG, EMSGSIZE, ENOMEM; xmpp_im_clear() @p im. */
int xmpp_chat_from_cpim(struct xmpp_im *im, enum xmpp_chat_state *state, const char *cpim,
			size_t len);
/* The is-composing CPIM (From @p from_uri, To @p to_uri) of an XMPP chat
 * state: composing -> active, paused and inactive -> idle. EINVAL for
 * active, gone and none (nothing to say in MSRP). *out malloc'd. */
int xmpp_chat_state_to_cpim(char **out, size_t *len, const char *from_uri, const char *to_uri,
			    const char *message_id, enum xmpp_chat_state state);

/* The defined condition of an error stanza (<error><CONDITION xmlns=
 * stanzas/>), NULL when it has none. */
const char *xmpp_error_condition(const struct xmpp_el *el);
/* Whether @p condition says the recipient cannot be reached at all (it
 * left, its server is gone): a chat session with it is over. */
bool xmpp_error_unreachable(const char *condition);

#endif
