/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Chat sessions between MSRP and XMPP: see xmpp_chat.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/iscomposing.h"
#include "sylk_ws/xmpp/xmpp_chat.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"

static const char *const names[] = {
	[XMPP_CS_ACTIVE] = "active", [XMPP_CS_COMPOSING] = "composing",
	[XMPP_CS_PAUSED] = "paused", [XMPP_CS_INACTIVE] = "inactive",
	[XMPP_CS_GONE] = "gone",
};

enum xmpp_chat_state xmpp_chat_state_read(const struct xmpp_el *msg)
{
	if (!msg)
		return XMPP_CS_NONE;
	for (int s = XMPP_CS_ACTIVE; s <= XMPP_CS_GONE; s++)
		if (xmpp_el_child(msg, names[s], XMPP_NS_CHATSTATES))
			return (enum xmpp_chat_state)s;
	return XMPP_CS_NONE;
}

int xmpp_chat_state_build(struct sbuf *sb, const char *from, const char *to,
			  enum xmpp_chat_state state)
{
	if (!sb || !from || !to || state <= XMPP_CS_NONE || state > XMPP_CS_GONE)
		return EINVAL;
	sbuf_puts(sb, "<message type='chat' from='");
	if (xmpp_escape(sb, from))
		return EINVAL;
	sbuf_puts(sb, "' to='");
	if (xmpp_escape(sb, to))
		return EINVAL;
	sbuf_printf(sb, "'><%s xmlns='" XMPP_NS_CHATSTATES "'/></message>", names[state]);
	return sbuf_err(sb) ? ENOMEM : 0;
}

/* an is-composing CPIM content: its state, else XMPP_CS_NONE */
static int composing_of(const char *cpim, size_t len, enum xmpp_chat_state *state)
{
	struct cpim_msg *m = NULL;
	struct iscomposing *ic = NULL;
	int err = cpim_parse(&m, cpim, len);

	*state = XMPP_CS_NONE;
	if (err)
		return err == ENOMEM ? ENOMEM : EBADMSG;
	if (iscomposing_is_content_type(m->content_type)) {
		err = m->body ? iscomposing_parse(&ic, m->body, m->body_len) : EBADMSG;
		if (!err)
			*state = ic->active ? XMPP_CS_COMPOSING : XMPP_CS_PAUSED;
		else if (err != ENOMEM)
			err = EBADMSG;
	}
	iscomposing_free(ic);
	cpim_msg_free(m);
	return err;
}

int xmpp_chat_from_cpim(struct xmpp_im *im, enum xmpp_chat_state *state, const char *cpim,
			size_t len)
{
	int err;

	if (!im || !state)
		return EINVAL;
	memset(im, 0, sizeof(*im));
	err = cpim ? composing_of(cpim, len, state) : EINVAL;
	if (err || *state != XMPP_CS_NONE) {
		im->kind = XMPP_IM_IGNORED;
		return err;
	}
	return xmpp_im_from_sip(im, "message/cpim", cpim, len);
}

int xmpp_chat_state_to_cpim(char **out, size_t *len, const char *from_uri, const char *to_uri,
			    const char *message_id, enum xmpp_chat_state state)
{
	struct cpim_chat c = {.from_uri = from_uri,
			      .to_uri = to_uri,
			      .message_id = message_id,
			      .content_type = ISCOMPOSING_CONTENT_TYPE};
	char *doc = NULL;
	size_t n;
	int err;

	if (state != XMPP_CS_COMPOSING && state != XMPP_CS_PAUSED && state != XMPP_CS_INACTIVE)
		return EINVAL;
	err = iscomposing_build(&doc, &n, state == XMPP_CS_COMPOSING, "text/plain",
				state == XMPP_CS_COMPOSING ? 120 : 0, NULL);
	if (!err) {
		c.content = doc;
		err = cpim_chat_encode(out, len, &c);
	}
	free(doc);
	return err;
}

const char *xmpp_error_condition(const struct xmpp_el *el)
{
	const struct xmpp_el *e = el ? xmpp_el_child(el, "error", NULL) : NULL;

	for (const struct xmpp_el *c = e ? e->child : NULL; c; c = c->next)
		if (!strcmp(c->ns, XMPP_NS_STANZAS) && strcmp(c->name, "text"))
			return c->name;
	return NULL;
}

bool xmpp_error_unreachable(const char *condition)
{
	static const char *const gone[] = {
		"service-unavailable",     "recipient-unavailable", "item-not-found",
		"remote-server-not-found", "remote-server-timeout", "gone",
	};

	for (size_t i = 0; condition && i < sizeof(gone) / sizeof(*gone); i++)
		if (!strcmp(condition, gone[i]))
			return true;
	return false;
}
