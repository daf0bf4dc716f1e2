/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: SDP offers to the conference focus, the answers built
 * for them, and conference-info documents carrying the offer's strings.
 *
 * Oracles beyond "no crash, no leak": an answer built for a parsed offer
 * parses back with the same m= lines (media, proto), port 0 for rejected
 * ones and the answered kind for accepted ones; a conference-info document
 * built from whatever strings the offer held is either refused with
 * EINVAL or is well-formed XML. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "conference/info/conf_info.h"
#include "conference/sdp/conf_sdp.h"

static void check_answer(const struct conf_sdp_offer *o, unsigned salt)
{
	struct conf_sdp_answer_media ans[CONF_SDP_MAX_MEDIA];
	struct conf_sdp_offer *back = NULL;
	char *sdp = NULL;
	size_t i;
	int err;

	memset(ans, 0, sizeof(ans));
	for (i = 0; i < o->media_count; i++) {
		struct conf_sdp_answer_media *a = &ans[i];
		const struct conf_sdp_media *m = &o->media[i];

		a->accept = m->kind != CONF_MEDIA_OTHER || (salt >> i) & 1;
		a->port = 2855 + (unsigned)i;
		a->path = "msrp://198.51.100.1:2855/fuzz;tcp";
		a->accept_types = "message/cpim";
		a->accept_wrapped_types = (salt & 2) ? "*" : NULL;
		a->chatroom = (salt & 4) ? "nickname private-messages" : NULL;
		a->dir = conf_dir_reverse(m->dir);
		a->file_selector_echo = true;
	}
	err = conf_sdp_answer_build(&sdp, o, ans, o->media_count, "198.51.100.1", salt, 1);
	if (err)
		abort(); /* everything the parser accepts can be answered */

	if (strlen(sdp) <= CONF_SDP_MAX_SIZE) {
		if (conf_sdp_offer_parse(&back, sdp, strlen(sdp)) != 0)
			abort();
		if (back->media_count != o->media_count)
			abort();
		for (i = 0; i < o->media_count; i++) {
			const struct conf_sdp_media *m = &o->media[i], *b = &back->media[i];
			bool accepted = ans[i].accept && m->port != 0;

			if (strcmp(m->media, b->media) || strcmp(m->proto, b->proto))
				abort();
			if (accepted ? b->port != ans[i].port : b->port != 0)
				abort();
			if (accepted && b->kind != m->kind)
				abort();
			if (accepted && b->dir != ans[i].dir)
				abort();
		}
		conf_sdp_offer_free(back);
	}
	free(sdp);
}

static void check_conf_info(const struct conf_sdp_offer *o)
{
	struct conf_info_media media[CONF_SDP_MAX_MEDIA];
	struct conf_info_endpoint ep = {0};
	struct conf_info_user user = {0};
	struct conf_info_file file = {0};
	struct conf_info ci = {0};
	char *xml = NULL;
	size_t len = 0, i;
	xmlDoc *doc;
	int err;

	for (i = 0; i < o->media_count; i++) {
		const struct conf_sdp_media *m = &o->media[i];

		media[i].id = m->media;
		media[i].type = m->proto;
		media[i].status = m->attr_count ? m->attrs[0] : NULL;
	}
	ep.entity = o->c_addr ? o->c_addr : "sip:ep@h";
	ep.display_text = o->origin_user;
	ep.media = media;
	ep.media_count = o->media_count;
	user.entity = "sip:u@h";
	user.display_text = o->media_count ? o->media[0].fmt : NULL;
	user.screen_image_url = o->media_count ? o->media[0].path : NULL;
	user.endpoints = &ep;
	user.endpoint_count = 1;
	ci.entity = "sip:room@h";
	ci.version = 1;
	ci.display_text = o->origin_user;
	ci.users = &user;
	ci.user_count_listed = 1;
	if (o->media_count && o->media[0].has_file_selector && o->media[0].fs.name) {
		file.name = o->media[0].fs.name;
		file.hash = o->media[0].fs.hash;
		file.size = o->media[0].fs.size;
		file.sender = o->media[0].fs.type;
		ci.files = &file;
		ci.file_count = 1;
	}

	err = conf_info_build(&xml, &len, &ci);
	if (err == EINVAL)
		return;
	if (err)
		abort();
	doc = xmlReadMemory(xml, (int)len, NULL, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		abort();
	xmlFreeDoc(doc);
	free(xml);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_sdp_offer *o = NULL;
	unsigned salt = size ? data[0] : 0;

	if (conf_sdp_offer_parse(&o, (const char *)data, size))
		return 0;
	check_answer(o, salt);
	check_conf_info(o);
	conf_sdp_offer_free(o);
	return 0;
}
