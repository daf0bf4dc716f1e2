/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The focus's decision on each stream of an SDP offer. */
#include <string.h>
#include <strings.h>

#include "conference/sdp/conf_offer.h"

static unsigned msrp_port(const struct conf_offer_limits *lim, bool secure)
{
	return secure && lim->msrps_port > 0 ? lim->msrps_port : lim->msrp_port;
}

static bool take_chat(const struct conf_sdp_media *m, struct conf_sdp_answer_media *a,
		      const struct conf_offer_limits *lim, struct conf_offer_result *res)
{
	if (res->has_chat || !m->path)
		return false;
	res->has_chat = true;
	res->msrp_secure = strcasecmp(m->proto, "TCP/TLS/MSRP") == 0;
	res->their_path = m->path;
	a->accept = true;
	a->port = msrp_port(lim, res->msrp_secure);
	a->accept_types = "message/cpim";
	a->accept_wrapped_types = "*";
	a->chatroom = "nickname private-messages";
	a->dir = CONF_DIR_SENDRECV;
	return true;
}

static bool take_file(const struct conf_sdp_media *m, struct conf_sdp_answer_media *a,
		      const struct conf_offer_limits *lim, struct conf_offer_result *res)
{
	if (res->has_chat || res->role != CONF_OFFER_CHAT || !m->path || !m->has_file_selector ||
	    !m->fs.hash)
		return false;
	if (m->dir == CONF_DIR_SENDONLY) {
		if (!m->fs.has_size || m->fs.size > lim->max_file_size) {
			res->notice = m->fs.has_size ?
					      "file offer refused: size over max_file_size" :
					      "file offer refused: size unknown";
			return false;
		}
		res->role = CONF_OFFER_FILE_PUSH;
		res->file_size = m->fs.size;
	} else if (m->dir == CONF_DIR_RECVONLY) {
		res->role = CONF_OFFER_FILE_PULL;
	} else {
		return false;
	}
	res->file_hash = m->fs.hash;
	if (m->fs.name)
		res->file_name = m->fs.name;
	if (m->fs.type)
		res->file_type = m->fs.type;
	res->msrp_secure = strcasecmp(m->proto, "TCP/TLS/MSRP") == 0;
	res->their_path = m->path;
	a->accept = true;
	a->port = msrp_port(lim, res->msrp_secure);
	a->accept_types = m->accept_types ? m->accept_types : "*";
	a->dir = conf_dir_reverse(m->dir);
	a->file_selector_echo = true;
	return true;
}

int conf_offer_decide(const struct conf_sdp_offer *offer, struct conf_sdp_answer_media *ans,
		      const struct conf_offer_limits *lim, struct conf_offer_result *res)
{
	int accepted = 0;

	for (size_t i = 0; i < offer->media_count; i++) {
		const struct conf_sdp_media *m = &offer->media[i];
		bool taken = false;

		memset(&ans[i], 0, sizeof(ans[i]));
		ans[i].dir = conf_dir_reverse(m->dir);
		if (m->port == 0)
			continue;
		/* RFC 6135: an offerer that only listens would need the focus to
		 * connect out, which it does not do */
		if (m->kind != CONF_MEDIA_AUDIO && m->setup &&
		    strcasecmp(m->setup, "passive") == 0) {
			res->notice = "offers a passive MSRP stream: refused";
			continue;
		}
		if (m->kind == CONF_MEDIA_CHAT)
			taken = take_chat(m, &ans[i], lim, res);
		else if (m->kind == CONF_MEDIA_FILE)
			taken = take_file(m, &ans[i], lim, res);
		/* audio: set up by the caller once the dialog exists */
		accepted += taken;
	}
	return accepted;
}
