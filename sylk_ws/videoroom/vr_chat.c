/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Room chat shared with the SIP conference: see vr_chat.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sylk_ws/im/cpim.h"
#include "sylk_ws/im/iscomposing.h"
#include "sylk_ws/videoroom/vr_chat.h"

#define VIDEO_HOST "videoconference"
#define CONF_HOST "conference"

/* user@host without a "sip:"/"sips:" scheme */
static const char *bare(const char *uri)
{
	if (strncasecmp(uri, "sip:", 4) == 0)
		return uri + 4;
	if (strncasecmp(uri, "sips:", 5) == 0)
		return uri + 5;
	return uri;
}

/* @p aor, user@FROM.domain, written as user@TO.domain after @p scheme:
 * rooms are named so, and only a host whose first label is @p from maps
 * (both ways alike, so a name maps back to where it came from) */
static int relabel(const char *aor, const char *from, const char *to, const char *scheme, char *out,
		   size_t size)
{
	const char *at = strchr(aor, '@');
	size_t len = strlen(from);
	int n;

	if (!at || at == aor || strchr(at + 1, '@') || strncasecmp(at + 1, from, len) != 0 ||
	    at[1 + len] != '.' || !at[2 + len])
		return EINVAL;
	n = snprintf(out, size, "%s%.*s@%s%s", scheme, (int)(at - aor), aor, to, at + 1 + len);
	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}

int vr_chat_conference_uri(const char *video_uri, char *out, size_t size)
{
	if (!video_uri || !out || !size)
		return EINVAL;
	return relabel(bare(video_uri), VIDEO_HOST, CONF_HOST, "sip:", out, size);
}

int vr_chat_video_uri(const char *conf_uri, char *out, size_t size)
{
	if (!conf_uri || !out || !size)
		return EINVAL;
	return relabel(bare(conf_uri), CONF_HOST, VIDEO_HOST, "", out, size);
}

int vr_chat_sip_uri(const char *aor, char *out, size_t size)
{
	int n;

	if (!aor || !out || !size)
		return EINVAL;
	n = snprintf(out, size, "sip:%s", bare(aor));
	return n < 0 || (size_t)n >= size ? ENOSPC : 0;
}

/* From, To, DateTime of a message from a browser */
static int envelope(struct cpim_msg **mp, const char *sender, const char *display,
		    const char *conf_uri)
{
	char from[1024];
	int err;

	if (!sender || !conf_uri)
		return EINVAL;
	if ((err = vr_chat_sip_uri(sender, from, sizeof(from))) != 0)
		return EINVAL;
	if ((err = cpim_msg_alloc(mp)) != 0)
		return err;
	err = cpim_msg_set_from(*mp, display && *display ? display : NULL, from);
	if (!err)
		err = cpim_msg_add_to(*mp, NULL, conf_uri);
	if (!err)
		err = cpim_msg_set_datetime(*mp, NULL);
	return err;
}

int vr_chat_cpim_message(char **outp, size_t *lenp, const char *sender, const char *display,
			 const char *conf_uri, const char *message_id, const char *content_type,
			 const char *content)
{
	struct cpim_msg *m = NULL;
	int err;

	if (!outp || !lenp || !content_type || !content)
		return EINVAL;
	err = envelope(&m, sender, display, conf_uri);
	if (!err && message_id && *message_id) {
		err = cpim_msg_add_ns(m, "imdn", CPIM_NS_IMDN);
		if (!err)
			err = cpim_msg_add_header(m, CPIM_NS_IMDN, "Message-ID", message_id);
	}
	if (!err)
		err = cpim_msg_set_content(m, content_type, content, strlen(content));
	if (!err)
		err = cpim_encode(m, outp, lenp);
	cpim_msg_free(m);
	return err;
}

int vr_chat_cpim_composing(char **outp, size_t *lenp, const char *sender, const char *display,
			   const char *conf_uri, bool active, int refresh)
{
	struct cpim_msg *m = NULL;
	char *doc = NULL;
	size_t doc_len = 0;
	int err;

	if (!outp || !lenp || refresh < 0)
		return EINVAL;
	err = iscomposing_build(&doc, &doc_len, active, "text", (unsigned)refresh, NULL);
	if (!err)
		err = envelope(&m, sender, display, conf_uri);
	if (!err)
		err = cpim_msg_set_content(m, ISCOMPOSING_CONTENT_TYPE, doc, doc_len);
	if (!err)
		err = cpim_encode(m, outp, lenp);
	cpim_msg_free(m);
	free(doc);
	return err;
}

void vr_chat_in_free(struct vr_chat_in *in)
{
	if (!in)
		return;
	free(in->sender_uri);
	free(in->sender_display);
	free(in->timestamp);
	free(in->content_type);
	free(in->content);
	free(in);
}

static int dup_to(char **dst, const char *s)
{
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : ENOMEM;
}

static int read_composing(struct vr_chat_in *in, const struct cpim_msg *m)
{
	struct iscomposing *ic = NULL;
	int err;

	in->kind = VR_CHAT_COMPOSING;
	if (!m->body || iscomposing_parse(&ic, m->body, m->body_len) != 0)
		return EBADMSG;
	in->active = ic->active;
	in->refresh = (int)ic->refresh;
	err = dup_to(&in->content_type, ic->content_type ? ic->content_type : "text");
	iscomposing_free(ic);
	return err;
}

static int read_message(struct vr_chat_in *in, const struct cpim_msg *m)
{
	const char *type = cpim_msg_header(m, CPIM_NS_AGP, "Message-Type");

	in->kind = VR_CHAT_MESSAGE;
	in->status = type && strcasecmp(type, "status") == 0;
	if (m->body && memchr(m->body, '\0', m->body_len))
		return EBADMSG; /* JSON strings carry text only */
	if (dup_to(&in->content_type, m->content_type ? m->content_type : "text/plain") ||
	    dup_to(&in->content, m->body ? (const char *)m->body : ""))
		return ENOMEM;
	return 0;
}

int vr_chat_parse(struct vr_chat_in **inp, const void *cpim, size_t len)
{
	struct cpim_msg *m = NULL;
	struct vr_chat_in *in;
	char now[40];
	int err;

	if (!inp || !cpim)
		return EINVAL;
	*inp = NULL;
	if (cpim_parse(&m, cpim, len) != 0 || !m->has_from || !m->from.uri) {
		cpim_msg_free(m);
		return EBADMSG;
	}
	in = calloc(1, sizeof(*in));
	err = in ? 0 : ENOMEM;
	if (!err)
		err = dup_to(&in->sender_uri, m->from.uri);
	if (!err)
		err = dup_to(&in->sender_display, m->from.display);
	if (!err && !m->datetime)
		cpim_datetime_now(now, sizeof(now));
	if (!err)
		err = dup_to(&in->timestamp, m->datetime ? m->datetime : now);
	if (!err)
		err = m->content_type && iscomposing_is_content_type(m->content_type) ?
			      read_composing(in, m) :
			      read_message(in, m);
	cpim_msg_free(m);
	if (err) {
		vr_chat_in_free(in);
		return err;
	}
	*inp = in;
	return 0;
}
