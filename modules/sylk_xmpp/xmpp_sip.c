/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SIP MESSAGE <-> XMPP <message/>. See xmpp_sip.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/mem/shm_mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_uri.h"

#include "sylk_ws/base/error.h"
#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/base/str.h"
#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_jid.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"

#include "../common/sip_util.h"
#include "xmpp_config.h"
#include "xmpp_session.h"
#include "xmpp_sip.h"

#define JID_SIZE 512
#define URI_SIZE 1100

/* ---- SIP -> XMPP ------------------------------------------------------------- */

int xmpp_sip_reply(struct sip_msg *msg, int code, const char *reason)
{
	char hdr[64];

	if (code == 503) {
		int n = snprintf(hdr, sizeof(hdr), "Retry-After: %d\r\n", xmpp_cfg.retry_after);

		add_lump_rpl(msg, hdr, n, LUMP_RPL_HDR);
	}
	if (xmpp_tmb.t_newtran(msg) < 0) {
		LM_ERR("cannot create the transaction of a MESSAGE for XMPP\n");
		return 1; /* nothing more to do: the client retransmits */
	}
	if (xmpp_tmb.t_reply(msg, code, (char *)reason) < 0)
		LM_ERR("cannot answer %d to a MESSAGE for XMPP\n", code);
	return 1;
}

bool xmpp_sip_for_xmpp(struct sip_msg *msg, int method)
{
	if (msg->first_line.type != SIP_REQUEST ||
	    msg->first_line.u.request.method_value != method || parse_sip_msg_uri(msg) < 0)
		return false;
	return xmpp_cfg.component_port && xmpp_shared &&
	       str_list_has_n(xmpp_cfg.xmpp_domains, msg->parsed_uri.host.s,
			      (size_t)msg->parsed_uri.host.len);
}

int xmpp_sip_sender_jid(struct sip_msg *msg, char *jid, size_t size)
{
	char uri[URI_SIZE];
	struct to_body *from;

	if (parse_from_header(msg) < 0)
		return EBADMSG;
	from = get_from(msg);
	sylk_copy(uri, sizeof(uri), from->uri.s, (size_t)from->uri.len);
	if (xmpp_sip_to_jid(jid, size, uri))
		return EBADMSG;
	return xmpp_jid_in_domain(jid, xmpp_cfg.component_domain) ? 0 : EPERM;
}

int xmpp_sip_recipient_jid(struct sip_msg *msg, char *jid, size_t size)
{
	char uri[URI_SIZE];

	sylk_copy(uri, sizeof(uri), GET_RURI(msg)->s, (size_t)GET_RURI(msg)->len);
	return xmpp_sip_to_jid(jid, size, uri) ? EBADMSG : 0;
}

static int read_body(struct sip_msg *msg, struct xmpp_im *im)
{
	char ct[256];
	str body = {0, 0};

	if (!msg->content_type && parse_headers(msg, HDR_CONTENTTYPE_F, 0) < 0)
		return EBADMSG;
	if (!msg->content_type)
		return EPROTONOSUPPORT;
	sylk_copy(ct, sizeof(ct), msg->content_type->body.s, (size_t)msg->content_type->body.len);
	if (sylk_msg_body(msg, &body) < 0)
		return EBADMSG;
	return xmpp_im_from_sip(im, ct, body.s, (size_t)body.len);
}

int xmpp_sip_stanza(struct sbuf *sb, const char *from, const char *to, const struct xmpp_im *im)
{
	struct xmpp_message m = {.from = from, .to = to};

	if (im->kind == XMPP_IM_RECEIPT) {
		m.received_id = im->message_id;
		m.type = "chat";
	} else {
		m.id = im->message_id[0] ? im->message_id : NULL;
		m.body = im->text;
		m.request_receipt = im->want_receipt && m.id;
	}
	return xmpp_message_build(sb, &m);
}

static int refuse(struct sip_msg *msg, int err, const char *from)
{
	int code = err == EPERM           ? 403 :
		   err == EPROTONOSUPPORT ? 415 :
		   err == EMSGSIZE        ? 413 :
		   err == EAGAIN          ? 503 :
		   err == ENOMEM          ? 500 :
					    400;

	LM_NOTICE("MESSAGE from %s for XMPP refused (%d): %s\n", from[0] ? from : "?", code,
		  err == EAGAIN ? "the queue is full (queue_size)" : sylk_strerror(err));
	return xmpp_sip_reply(msg, code,
		     code == 403 ? "Forbidden" :
		     code == 415 ? "Unsupported Media Type" :
		     code == 413 ? "Message Too Large" :
		     code == 503 ? "XMPP Queue Full" :
		     code == 500 ? "Server Error" :
				   "Bad Request");
}

int xmpp_sip_message(struct sip_msg *msg)
{
	char from[JID_SIZE] = "", to[JID_SIZE] = "";
	struct sbuf sb = SBUF_INIT;
	struct xmpp_im im = {0};
	int err;

	if (!xmpp_sip_for_xmpp(msg, METHOD_MESSAGE))
		return -1;
	if (!xmpp_link_up()) {
		LM_INFO("MESSAGE for %.*s: XMPP link down, 503\n", GET_RURI(msg)->len,
			GET_RURI(msg)->s);
		return xmpp_sip_reply(msg, 503, "XMPP Gateway Unavailable");
	}
	err = xmpp_sip_sender_jid(msg, from, sizeof(from));
	if (!err)
		err = xmpp_sip_recipient_jid(msg, to, sizeof(to));
	if (!err)
		err = read_body(msg, &im);
	if (!err && im.kind != XMPP_IM_IGNORED)
		err = xmpp_sip_stanza(&sb, from, to, &im) ? EBADMSG : 0;
	if (!err && im.kind != XMPP_IM_IGNORED)
		err = xmpp_queue_push(sb.buf, sb.len);
	xmpp_im_clear(&im);
	sbuf_reset(&sb);
	if (err)
		return refuse(msg, err, from);
	LM_DBG("MESSAGE from %s to %s queued for XMPP\n", from, to);
	return xmpp_sip_reply(msg, 202, "Accepted");
}

/* ---- XMPP -> SIP ------------------------------------------------------------- */

void xmpp_answer_error(const struct xmpp_el *in, const char *type, const char *condition,
		       const char *text)
{
	const char *from = xmpp_el_attr(in, "from"), *to = xmpp_el_attr(in, "to");
	struct sbuf sb = SBUF_INIT;

	LM_NOTICE("XMPP %s from %s to %s answered %s: %s\n", in->name, from ? from : "?",
		  to ? to : "?", condition, text ? text : "");
	/* beyond a full queue it waits, in order (each answer a key of its
	 * own); beyond presence_pending_max it is lost, counted, and told by
	 * xmpp_queue_report() */
	if (!xmpp_error_build(&sb, in, type, condition, text))
		xmpp_queue_presence(to ? to : "", from ? from : "", XMPP_PENDING_ERROR, sb.buf,
				    sb.len);
	sbuf_reset(&sb);
}

/* what the tm callback needs to answer a failed delivery (shm) */
struct pending {
	char from[JID_SIZE], to[JID_SIZE], id[XMPP_IM_ID_SIZE];
	bool has_id;
};

static void error_for_code(int code, const char **type, const char **cond)
{
	*type = "cancel";
	*cond = "service-unavailable";
	if (code == 404 || code == 484 || code == 604) {
		*cond = "item-not-found";
	} else if (code == 403 || code == 603) {
		*cond = "forbidden";
		*type = "auth";
	} else if (code == 480 || code == 408 || code == 503) {
		*cond = "recipient-unavailable";
		*type = "wait";
	} else if (code == 400 || code == 413 || code == 415 || code == 488) {
		*cond = "not-acceptable";
		*type = "modify";
	}
}

static void delivery_cb(struct cell *t, int type, struct tmcb_params *ps)
{
	struct pending *p = *ps->param;
	struct sbuf in_sb = SBUF_INIT;
	struct xmpp_el *in = NULL;
	const char *etype, *cond;
	char text[64];

	if (!p)
		return;
	*ps->param = NULL;
	if (ps->code >= 300) {
		/* the original message, rebuilt: the error answers it */
		sbuf_printf(&in_sb, "<message from='%s' to='%s'", p->from, p->to);
		if (p->has_id)
			sbuf_printf(&in_sb, " id='%s'", p->id);
		sbuf_puts(&in_sb, "/>");
		error_for_code(ps->code, &etype, &cond);
		snprintf(text, sizeof(text), "SIP %d", ps->code);
		if (!sbuf_err(&in_sb) && !xmpp_xml_parse(&in, in_sb.buf, in_sb.len))
			xmpp_answer_error(in, etype, cond, text);
		xmpp_el_free(in);
	}
	sbuf_reset(&in_sb);
	shm_free(p);
}

/* the escaped copy of an attribute value, for delivery_cb's rebuild */
static int keep_escaped(char *dst, size_t size, const char *s)
{
	struct sbuf sb = SBUF_INIT;
	int err = xmpp_escape(&sb, s);

	if (!err && sb.len >= size)
		err = ENOSPC;
	if (!err)
		memcpy(dst, sb.buf, sb.len + 1);
	sbuf_reset(&sb);
	return err;
}

static struct pending *pending_new(const struct xmpp_message_in *m)
{
	struct pending *p = shm_malloc(sizeof(*p));

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	if (keep_escaped(p->from, sizeof(p->from), m->from) ||
	    keep_escaped(p->to, sizeof(p->to), m->to) ||
	    (m->id && keep_escaped(p->id, sizeof(p->id), m->id))) {
		shm_free(p);
		return NULL;
	}
	p->has_id = m->id != NULL;
	return p;
}

static int send_sip(const char *from_uri, const char *to_uri, const char *body, size_t len,
		    struct pending *p)
{
	char hdrs[] = "Content-Type: message/cpim\r\n";
	str method = str_init("MESSAGE"), h = {hdrs, (int)strlen(hdrs)};
	str b = {(char *)body, (int)len}, ruri = {(char *)to_uri, (int)strlen(to_uri)};
	str from = {(char *)from_uri, (int)strlen(from_uri)};
	str proxy = {xmpp_proxy_uri, (int)strlen(xmpp_proxy_uri)};
	uac_req_t uac_r;

	set_uac_req(&uac_r, &method, &h, &b, NULL, TMCB_LOCAL_COMPLETED, delivery_cb, p);
	return xmpp_tmb.t_request(&uac_r, &ruri, &ruri, &from, &proxy) < 0 ? EIO : 0;
}

static int map_jids(const struct xmpp_message_in *m, char *from_uri, char *to_uri)
{
	struct xmpp_jid *j = pkg_malloc(sizeof(*j));
	int err = ENOMEM;

	if (!j)
		return err;
	err = xmpp_jid_parse(j, m->from) || xmpp_jid_to_sip(from_uri, URI_SIZE, j) ? EBADMSG : 0;
	if (!err && (xmpp_jid_parse(j, m->to) || !j->local[0] ||
		     strcasecmp(j->domain, xmpp_cfg.component_domain)))
		err = ENOENT;
	if (!err && xmpp_jid_to_sip(to_uri, URI_SIZE, j))
		err = ENOENT;
	pkg_free(j);
	return err;
}

static int to_sip(const struct xmpp_message_in *m, const char *from_uri, const char *to_uri)
{
	struct pending *p = NULL;
	char *body = NULL;
	size_t len = 0;
	int err;

	if (m->received_id)
		err = xmpp_im_receipt_to_imdn(&body, &len, from_uri, to_uri, m->received_id);
	else
		err = xmpp_im_to_cpim(&body, &len, from_uri, to_uri, m->id, m->body,
				      m->request_receipt);
	if (!err && !m->received_id) {
		p = pending_new(m);
		err = p ? 0 : ENOMEM;
	}
	if (!err)
		err = send_sip(from_uri, to_uri, body, len, p);
	if (err && p)
		shm_free(p);
	free(body);
	return err;
}

static void message_error(const struct xmpp_el *el, int err)
{
	if (err == ENOENT)
		xmpp_answer_error(el, "cancel", "item-not-found", "no such user");
	else if (err == EMSGSIZE)
		xmpp_answer_error(el, "modify", "policy-violation", "message too large");
	else if (err == EBADMSG || err == EINVAL)
		xmpp_answer_error(el, "modify", "bad-request", "cannot be carried to SIP");
	else
		xmpp_answer_error(el, "wait", "internal-server-error", sylk_strerror(err));
}

void xmpp_sip_from_xmpp(const struct xmpp_el *el)
{
	char *from_uri = NULL, *to_uri = NULL;
	struct xmpp_message_in m;
	int err;

	if (xmpp_message_read(&m, el) || xmpp_session_message(el, &m) || m.error)
		return; /* never answer an error (RFC 6120 8.3.1) */
	if (!strcmp(m.type, "groupchat")) {
		xmpp_answer_error(el, "cancel", "feature-not-implemented", "no MUC here");
		return;
	}
	if (!m.body && !m.received_id)
		return; /* chat states and the like: nothing for SIP */
	if (m.body && strlen(m.body) > XMPP_IM_MAX_TEXT) {
		message_error(el, EMSGSIZE);
		return;
	}
	from_uri = pkg_malloc(URI_SIZE);
	to_uri = pkg_malloc(URI_SIZE);
	err = from_uri && to_uri ? map_jids(&m, from_uri, to_uri) : ENOMEM;
	if (!err)
		err = to_sip(&m, from_uri, to_uri);
	if (err)
		message_error(el, err);
	else
		LM_DBG("XMPP message %s -> SIP MESSAGE %s to %s\n", m.from, from_uri, to_uri);
	if (from_uri)
		pkg_free(from_uri);
	if (to_uri)
		pkg_free(to_uri);
}
