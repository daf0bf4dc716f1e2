/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What an XMPP component (XEP-0114) writes and reads: the stream header and
 * handshake, <message/> (XEP-0184 receipts), <presence/>, error stanzas;
 * reading a received <message/>; and the last check before anything leaves:
 * its `from` must be in the component's domain (Prosody drops the whole
 * component connection otherwise, stream error invalid-from).
 *
 * Kamailio-free: libc and OpenSSL (SHA-1 of the handshake). */
#ifndef SYLK_XMPP_STANZA_H
#define SYLK_XMPP_STANZA_H

#include <stdbool.h>
#include <stddef.h>

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

#define XMPP_NS_COMPONENT "jabber:component:accept"
#define XMPP_NS_STREAMS "http://etherx.jabber.org/streams"
#define XMPP_NS_STANZAS "urn:ietf:params:xml:ns:xmpp-stanzas"
#define XMPP_NS_RECEIPTS "urn:xmpp:receipts"

/* Append @p s escaped for text and attribute values (& < > " '). EINVAL
 * when it is not UTF-8 or holds a character XML cannot carry. */
int xmpp_escape(struct sbuf *sb, const char *s);

/* <stream:stream xmlns='jabber:component:accept' ... to='DOMAIN'> */
int xmpp_stream_open(struct sbuf *sb, const char *domain);
/* <handshake>hex SHA-1(stream id + secret)</handshake> (XEP-0114) */
int xmpp_handshake(struct sbuf *sb, const char *stream_id, const char *secret);

/* An outgoing <message/>. from and to are required; every other field may
 * be NULL or false. */
struct xmpp_message {
	const char *from, *to, *id, *type; /* type NULL: "chat" */
	const char *body, *thread;
	bool request_receipt;    /* <request xmlns='urn:xmpp:receipts'/> */
	const char *received_id; /* <received xmlns='urn:xmpp:receipts' id=.../> */
};
int xmpp_message_build(struct sbuf *sb, const struct xmpp_message *m);

/* <presence/>: type NULL for available; show and status optional. */
struct xmpp_presence_out {
	const char *from, *to, *id, *type, *show, *status;
};
int xmpp_presence_build(struct sbuf *sb, const struct xmpp_presence_out *p);

/* The error answer to a received stanza @p in (RFC 6120 section 8.3): its
 * name and id, from and to swapped, <error type=TYPE><CONDITION/>[<text/>].
 * EINVAL when @p in has no from or to (nothing to answer). */
int xmpp_error_build(struct sbuf *sb, const struct xmpp_el *in, const char *type,
		     const char *condition, const char *text);

/* A received <message/> read. Pointers into the element. */
struct xmpp_message_in {
	const char *from, *to, *id, *type; /* type "normal" when absent */
	const char *body;                  /* NULL when there is none */
	bool request_receipt;
	const char *received_id; /* a receipt (XEP-0184), else NULL */
	bool error;              /* type='error' */
};
/* 0; EINVAL when @p el is no <message/>, or lacks from or to. */
int xmpp_message_read(struct xmpp_message_in *m, const struct xmpp_el *el);

/* The check before sending: @p stanza parses as one element, its `from`
 * is a JID in @p domain (and so is never spoofed), its name is message,
 * presence or iq. 0, EPERM for a `from` outside or missing, EBADMSG for
 * anything else. */
int xmpp_stanza_check_out(const char *stanza, size_t len, const char *domain);

#endif
