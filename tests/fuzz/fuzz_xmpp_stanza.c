/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target: what the XMPP component reads (sylk_ws/xmpp/).
 *
 * The input goes through the stream framer in two chunks (the first byte
 * chooses where it is cut) and every stanza the framer yields through the
 * parser, the message reader and the error builder; the whole input is also
 * parsed as one stanza, read as PIDF and mapped as a SIP URI.
 * Oracles beyond "no crash, no leak": a parsed tree has text everywhere; an
 * error answer that is built parses again; a JID made from a URI parses
 * and maps back to a SIP URI. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sylk_ws/base/sbuf.h"
#include "sylk_ws/xmpp/xmpp_im.h"
#include "sylk_ws/xmpp/xmpp_jid.h"
#include "sylk_ws/xmpp/xmpp_presence.h"
#include "sylk_ws/xmpp/xmpp_stanza.h"
#include "sylk_ws/xmpp/xmpp_xml.h"

static void walk(const struct xmpp_el *el)
{
	for (; el; el = el->next) {
		if (!el->text || !el->name || !el->ns || strlen(el->text) > el->text_len)
			abort();
		walk(el->child);
	}
}

static void stanza(const char *s, size_t len)
{
	struct xmpp_el *el = NULL, *back = NULL;
	struct xmpp_message_in m;
	struct xmpp_presence_in pin;
	struct sbuf sb = SBUF_INIT;

	if (xmpp_xml_parse(&el, s, len))
		return;
	walk(el);
	(void)xmpp_message_read(&m, el);
	if (!xmpp_presence_read(&pin, el)) {
		struct xmpp_resources *r = calloc(1, sizeof(*r));

		if (r) {
			xmpp_resources_update(
				r, strchr(pin.from, '/') ? strchr(pin.from, '/') + 1 : "",
				&pin.pres);
			free(r);
		}
		if (pin.pres.show[0] && !pin.pres.available)
			abort(); /* show only for available presence */
	}
	if (!xmpp_error_build(&sb, el, "cancel", "bad-request", "x")) {
		if (xmpp_xml_parse(&back, sb.buf, sb.len))
			abort();
		xmpp_el_free(back);
	}
	sbuf_reset(&sb);
	(void)xmpp_stanza_check_out(s, len, "sylk.test");
	xmpp_el_free(el);
}

static void framed(const uint8_t *data, size_t size)
{
	struct xmpp_framer f;
	size_t cut = size ? data[0] % (size + 1) : 0;

	/* small: inputs longer than it go through the dropping of too large
	 * stanzas */
	xmpp_framer_init(&f, 256);
	for (int part = 0; part < 2; part++) {
		const uint8_t *p = part ? data + cut : data;
		size_t n = part ? size - cut : cut;

		if (xmpp_framer_feed(&f, p, n))
			break;
		for (;;) {
			enum xmpp_frame kind;
			char *out = NULL;
			size_t olen = 0;

			if (xmpp_framer_next(&f, &kind, &out, &olen) || kind == XMPP_FRAME_NONE ||
			    kind == XMPP_FRAME_END)
				break;
			if (kind == XMPP_FRAME_TOO_LARGE) {
				struct xmpp_el *el = NULL;

				/* what the component answers must parse */
				if (xmpp_xml_parse_start_tag(&el, out, olen) == 0 && !el)
					abort();
				xmpp_el_free(el);
			}
			stanza(out, olen);
			free(out);
		}
	}
	xmpp_framer_reset(&f);
}

static void uri(const char *s)
{
	char jid[512], sip[2048];
	struct xmpp_jid *j;

	if (xmpp_sip_to_jid(jid, sizeof(jid), s))
		return;
	j = malloc(sizeof(*j));
	if (!j || xmpp_jid_parse(j, jid) || xmpp_jid_to_sip(sip, sizeof(sip), j))
		abort();
	free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct xmpp_pres p;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	framed(data, size);
	stanza(s, size);
	(void)xmpp_pres_from_pidf(&p, s, size);
	if (size < 1024)
		uri(s);
	free(s);
	return 0;
}
