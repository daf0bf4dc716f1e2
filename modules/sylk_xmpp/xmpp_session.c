/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Chat sessions between MSRP and XMPP: see xmpp_session.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/parser/parse_to.h"

#include "sylk_ws/base/error.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/xmpp/xmpp_chat.h"
#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_jid.h"
#include "sylk_ws/xmpp/xmpp_presence.h"

#include "../sylk_conference/sylk_conference_api.h"
#include "xmpp_config.h"
#include "xmpp_session.h"
#include "xmpp_sip.h"

#define JID_SIZE 512
#define URI_SIZE 1100

static sylk_conf_api_t conf;
static bool bridged;

/* ---- SIP -> XMPP ---------------------------------------------------------------- */

/* what the session's user sent, as a stanza in @p sb (empty: nothing for
 * XMPP, such as a "displayed" IMDN); *@p state: a chat state it is */
static int to_stanza(struct sbuf *sb, enum xmpp_chat_state *state, const char *from, const char *to,
		     const char *cpim, size_t len)
{
	struct xmpp_im im;
	int err = xmpp_chat_from_cpim(&im, state, cpim, len);

	if (!err && *state != XMPP_CS_NONE)
		err = xmpp_chat_state_build(sb, from, to, *state);
	else if (!err && im.kind != XMPP_IM_IGNORED)
		err = xmpp_sip_stanza(sb, from, to, &im);
	xmpp_im_clear(&im);
	return err;
}

/* A chat state (XEP-0085) is state: beyond a full queue it waits as the
 * latest of the pair (a <gone/> replaces a composing that waited, and goes
 * after the session's messages that waited). ENOSPC beyond
 * presence_pending_max: lost, counted and told by xmpp_queue_report(). */
static int queue_chat_state(const char *from, const char *to, const struct sbuf *sb)
{
	return xmpp_queue_presence(from, to, XMPP_PENDING_CHATSTATE, sb->buf, sb->len);
}

static void send_gone(const char *from, const char *to)
{
	struct sbuf sb = SBUF_INIT;

	if (xmpp_link_up() && !xmpp_chat_state_build(&sb, from, to, XMPP_CS_GONE) &&
	    queue_chat_state(from, to, &sb))
		LM_NOTICE("<gone/> from %s to %s lost: presence_pending_max keys wait beyond "
			  "the full queue\n",
			  from, to);
	sbuf_reset(&sb);
}

/* The focus's listener (the process that let go of the focus's lock). */
static void from_session(enum sylk_conf_session_event ev, const char *user, const char *peer,
			 const char *cpim, size_t len)
{
	enum xmpp_chat_state state = XMPP_CS_NONE;
	char from[JID_SIZE], to[JID_SIZE];
	struct sbuf sb = SBUF_INIT;
	int err;

	if (xmpp_sip_to_jid(from, sizeof(from), user) || xmpp_sip_to_jid(to, sizeof(to), peer)) {
		LM_ERR("chat session of %s with %s: no JIDs for them\n", user, peer);
		return;
	}
	if (ev == SYLK_CONF_SESSION_END) {
		LM_INFO("chat session of %s with %s ended on the SIP side: <gone/> to XMPP\n", from,
			to);
		send_gone(from, to);
		return;
	}
	err = to_stanza(&sb, &state, from, to, cpim, len);
	if (err) {
		LM_NOTICE("chat session of %s with %s: a message not carried to XMPP: %s\n", from,
			  to, sylk_strerror(err));
		sbuf_reset(&sb);
		return;
	}
	if (sb.len && !xmpp_link_up())
		err = ENOTCONN;
	else if (sb.len && state != XMPP_CS_NONE)
		err = queue_chat_state(from, to, &sb) == ENOMEM ? ENOMEM : 0;
	else if (sb.len) /* behind the pair's chat state when it waits */
		err = xmpp_queue_push_after(from, to, sb.buf, sb.len);
	sbuf_reset(&sb);
	if (err) {
		/* what the user writes would be lost: the session cannot go on;
		 * the peer is told <gone/> (it waits beyond the full queue) */
		LM_NOTICE("chat session of %s with %s: XMPP cannot take it (%s): ended\n", from, to,
			  sylk_strerror(err));
		conf.session_end(user, peer, NULL, "the XMPP gateway cannot carry it", 1);
	}
}

/* ---- the INVITE -------------------------------------------------------------------- */

/* the peer's SIP URI: the R-URI's JID as a SIP URI again (one form for
 * every session) */
static int peer_uri(struct sip_msg *msg, char *uri, size_t size)
{
	struct xmpp_jid *j = pkg_malloc(sizeof(*j));
	char jid[JID_SIZE];
	int err = j ? xmpp_sip_recipient_jid(msg, jid, sizeof(jid)) : ENOMEM;

	if (!err && (xmpp_jid_parse(j, jid) || !j->local[0] || xmpp_jid_to_sip(uri, size, j)))
		err = ENOENT;
	if (j)
		pkg_free(j);
	return err;
}

int xmpp_session_invite(struct sip_msg *msg)
{
	char from[JID_SIZE] = "", peer[URI_SIZE];
	int err, code;

	if (!xmpp_sip_for_xmpp(msg, METHOD_INVITE) ||
	    (parse_to_header(msg) == 0 && get_to(msg)->tag_value.len > 0))
		return -1;
	if (!bridged)
		return xmpp_sip_reply(msg, 488, "Not Acceptable Here (no chat sessions here)");
	if (!xmpp_link_up()) {
		LM_INFO("chat session INVITE for %.*s: XMPP link down, 503\n", GET_RURI(msg)->len,
			GET_RURI(msg)->s);
		return xmpp_sip_reply(msg, 503, "XMPP Gateway Unavailable");
	}
	err = xmpp_sip_sender_jid(msg, from, sizeof(from));
	if (!err)
		err = peer_uri(msg, peer, sizeof(peer));
	if (err) {
		LM_NOTICE("chat session INVITE from %s for %.*s refused: %s\n",
			  from[0] ? from : "?", GET_RURI(msg)->len, GET_RURI(msg)->s,
			  sylk_strerror(err));
		return err == EPERM   ? xmpp_sip_reply(msg, 403, "Forbidden") :
		       err == ENOENT  ? xmpp_sip_reply(msg, 404, "Not Found") :
		       err == EBADMSG ? xmpp_sip_reply(msg, 400, "Bad Request") :
					xmpp_sip_reply(msg, 500, "Server Error");
	}
	code = conf.session_open(msg, peer, xmpp_cfg.max_chat_sessions);
	LM_DBG("chat session INVITE from %s for %s: %d\n", from, peer, code);
	return 1;
}

/* ---- XMPP -> SIP --------------------------------------------------------------------- */

/* the session's user and peer of a stanza from the peer to our user:
 * to -> the user's SIP URI, the bare from -> the peer's */
static int session_of(const char *from, const char *to, char *user, char *peer)
{
	struct xmpp_jid *j = pkg_malloc(sizeof(*j));
	int err = ENOMEM;

	if (!j)
		return err;
	err = xmpp_jid_parse(j, from) || !j->local[0] || xmpp_jid_to_sip(peer, URI_SIZE, j) ?
		      EBADMSG :
		      0;
	if (!err && (xmpp_jid_parse(j, to) || !j->local[0] ||
		     strcasecmp(j->domain, xmpp_cfg.component_domain) ||
		     xmpp_jid_to_sip(user, URI_SIZE, j)))
		err = ENOENT;
	pkg_free(j);
	return err;
}

/* the resource of a full JID, NULL for a bare one */
static const char *resource_of(const char *jid)
{
	const char *slash = strchr(jid, '/');

	return slash && slash[1] ? slash + 1 : NULL;
}

/* into the sessions of @p user with @p peer, from the peer's @p resource;
 * true when there was one */
static bool post(const char *user, const char *peer, const char *resource, char *cpim, size_t len)
{
	int err = conf.session_post(user, peer, resource, cpim, len);

	free(cpim);
	if (err && err != ENOENT)
		LM_NOTICE("chat session of %s with %s: not posted: %s\n", user, peer,
			  sylk_strerror(err));
	return err == 0;
}

static bool peer_error(const struct xmpp_el *el, const char *user, const char *peer,
		       const char *resource)
{
	const char *cond = xmpp_error_condition(el);
	char why[96];

	if (!xmpp_error_unreachable(cond))
		return false;
	snprintf(why, sizeof(why), "the XMPP user cannot be reached (%s)", cond);
	return conf.session_end(user, peer, resource, why, 0) > 0;
}

static bool to_session(const struct xmpp_el *el, const struct xmpp_message_in *m, const char *user,
		       const char *peer)
{
	enum xmpp_chat_state state = xmpp_chat_state_read(el);
	const char *id = m->id && *m->id ? m->id : NULL, *res = resource_of(m->from);
	char *cpim = NULL;
	size_t len = 0;

	if (m->error)
		return peer_error(el, user, peer, res);
	if (m->body) /* a text with a chat state: the text says it */
		return strlen(m->body) <= XMPP_IM_MAX_TEXT &&
		       !xmpp_im_to_cpim(&cpim, &len, peer, user, id, m->body, m->request_receipt) &&
		       post(user, peer, res, cpim, len);
	if (m->received_id)
		return !xmpp_im_receipt_to_imdn(&cpim, &len, peer, user, m->received_id) &&
		       post(user, peer, res, cpim, len);
	if (state == XMPP_CS_GONE)
		return conf.session_end(user, peer, res, "the XMPP user left the chat (gone)", 0) >
		       0;
	if (state == XMPP_CS_COMPOSING || state == XMPP_CS_PAUSED || state == XMPP_CS_INACTIVE)
		return !xmpp_chat_state_to_cpim(&cpim, &len, peer, user, id ? id : "chatstate",
						state) &&
		       post(user, peer, res, cpim, len);
	return false;
}

bool xmpp_session_message(const struct xmpp_el *el, const struct xmpp_message_in *m)
{
	char *user, *peer;
	bool taken = false;

	if (!bridged || !strcmp(m->type, "groupchat"))
		return false;
	user = pkg_malloc(URI_SIZE);
	peer = pkg_malloc(URI_SIZE);
	if (user && peer && !session_of(m->from, m->to, user, peer))
		taken = to_session(el, m, user, peer);
	if (taken)
		LM_DBG("XMPP message from %s to %s taken by a chat session\n", m->from, m->to);
	if (user)
		pkg_free(user);
	if (peer)
		pkg_free(peer);
	return taken;
}

void xmpp_session_presence(const struct xmpp_el *el)
{
	struct xmpp_presence_in in;
	char *user, *peer;

	if (!bridged || xmpp_presence_read(&in, el) || in.type != XMPP_PT_UNAVAILABLE)
		return;
	user = pkg_malloc(URI_SIZE);
	peer = pkg_malloc(URI_SIZE);
	if (user && peer && !session_of(in.from, in.to, user, peer))
		conf.session_end(user, peer, resource_of(in.from), "the XMPP user went unavailable",
				 0);
	if (user)
		pkg_free(user);
	if (peer)
		pkg_free(peer);
}

void xmpp_session_end_all(const char *why, bool tell_peers)
{
	int n;

	if (!bridged)
		return;
	n = conf.session_end(NULL, NULL, NULL, why, tell_peers);
	if (n)
		LM_INFO("%d chat sessions ended: %s\n", n, why);
}

int xmpp_session_init(void)
{
	if (load_sylk_conf_api(&conf) != 0 || !conf.session_open) {
		LM_INFO("sylk_conference not loaded: no chat sessions (INVITEs to XMPP get 488)\n");
		return 0;
	}
	conf.session_listen(from_session);
	bridged = true;
	return 0;
}
