/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The XMPP gateway's presence and MUC logic (sylk_ws/xmpp/xmpp_presence.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/xmpp/xmpp_presence.h"

static int parse(struct xmpp_el **el, const char *s)
{
	return xmpp_xml_parse(el, s, strlen(s));
}

static void test_read(void)
{
	struct xmpp_presence_in p;
	struct xmpp_el *el = NULL;

	CHECK_INT(parse(&el, "<presence from='bob@x/r' to='alice@sylk.test'><show>dnd</show>"
			     "<status>busy &amp; away</status></presence>"),
		  0);
	CHECK_INT(xmpp_presence_read(&p, el), 0);
	CHECK_INT(p.type, XMPP_PT_AVAILABLE);
	CHECK(p.pres.available);
	CHECK_STR(p.pres.show, "dnd");
	CHECK_STR(p.pres.status, "busy & away");
	CHECK(!p.muc);
	xmpp_el_free(el);
	CHECK_INT(parse(&el,
			"<presence from='bob@x/r' to='r@conference.s/nick'>"
			"<show>bogus</show><x xmlns='http://jabber.org/protocol/muc'/></presence>"),
		  0);
	CHECK_INT(xmpp_presence_read(&p, el), 0);
	CHECK(p.muc);
	CHECK_STR(p.pres.show, "");
	xmpp_el_free(el);
	CHECK_INT(parse(&el, "<presence from='bob@x' to='a@s' type='probe'/>"), 0);
	CHECK_INT(xmpp_presence_read(&p, el), 0);
	CHECK_INT(p.type, XMPP_PT_PROBE);
	CHECK(!p.pres.available);
	xmpp_el_free(el);
	CHECK_INT(parse(&el, "<presence from='bob@x' to='a@s' type='weird'/>"), 0);
	CHECK_INT(xmpp_presence_read(&p, el), 0);
	CHECK_INT(p.type, XMPP_PT_UNKNOWN);
	xmpp_el_free(el);
	CHECK_INT(parse(&el, "<presence to='a@s'/>"), 0);
	CHECK_INT(xmpp_presence_read(&p, el), EINVAL);
	xmpp_el_free(el);
	CHECK_INT(parse(&el, "<message from='a@b' to='a@s'/>"), 0);
	CHECK_INT(xmpp_presence_read(&p, el), EINVAL);
	xmpp_el_free(el);
	CHECK_STR(xmpp_pres_type_name(XMPP_PT_SUBSCRIBED), "subscribed");
	CHECK(xmpp_pres_type_name(XMPP_PT_AVAILABLE) == NULL);
}

static void test_inbound(void)
{
	enum xmpp_policy pol;

	CHECK_INT(xmpp_policy_parse("Allow", &pol), 0);
	CHECK_INT(pol, XMPP_POLICY_ALLOW);
	CHECK_INT(xmpp_policy_parse("deny", &pol), 0);
	CHECK_INT(pol, XMPP_POLICY_DENY);
	CHECK_INT(xmpp_policy_parse("maybe", &pol), EINVAL);
	CHECK_INT(xmpp_in_decide(XMPP_PT_SUBSCRIBE, XMPP_POLICY_ALLOW, false),
		  XMPP_IN_SUBSCRIBED | XMPP_IN_STATE | XMPP_IN_KEEP);
	CHECK_INT(xmpp_in_decide(XMPP_PT_SUBSCRIBE, XMPP_POLICY_DENY, true),
		  XMPP_IN_UNSUBSCRIBED | XMPP_IN_DROP);
	CHECK_INT(xmpp_in_decide(XMPP_PT_PROBE, XMPP_POLICY_DENY, true), XMPP_IN_STATE);
	CHECK_INT(xmpp_in_decide(XMPP_PT_PROBE, XMPP_POLICY_ALLOW, false),
		  XMPP_IN_STATE | XMPP_IN_KEEP);
	CHECK_INT(xmpp_in_decide(XMPP_PT_PROBE, XMPP_POLICY_DENY, false), XMPP_IN_UNSUBSCRIBED);
	CHECK_INT(xmpp_in_decide(XMPP_PT_UNSUBSCRIBE, XMPP_POLICY_ALLOW, true),
		  XMPP_IN_DROP | XMPP_IN_UNAVAILABLE);
	CHECK_INT(xmpp_in_decide(XMPP_PT_AVAILABLE, XMPP_POLICY_ALLOW, true), 0);
}

static void test_outbound(void)
{
	char b[64];

	CHECK_INT(xmpp_out_next(XMPP_OUT_PENDING, XMPP_PT_SUBSCRIBED), XMPP_OUT_ACTIVE);
	CHECK_INT(xmpp_out_next(XMPP_OUT_PENDING, XMPP_PT_UNSUBSCRIBED), XMPP_OUT_TERMINATED);
	CHECK_INT(xmpp_out_next(XMPP_OUT_PENDING, XMPP_PT_AVAILABLE), XMPP_OUT_ACTIVE);
	CHECK_INT(xmpp_out_next(XMPP_OUT_PENDING, XMPP_PT_PROBE), XMPP_OUT_PENDING);
	CHECK_INT(xmpp_out_next(XMPP_OUT_TERMINATED, XMPP_PT_SUBSCRIBED), XMPP_OUT_TERMINATED);
	CHECK_INT(xmpp_out_substate(b, sizeof(b), XMPP_OUT_ACTIVE, 300, NULL), 0);
	CHECK_STR(b, "active;expires=300");
	CHECK_INT(xmpp_out_substate(b, sizeof(b), XMPP_OUT_PENDING, -4, NULL), 0);
	CHECK_STR(b, "pending;expires=0");
	CHECK_INT(xmpp_out_substate(b, sizeof(b), XMPP_OUT_TERMINATED, 0, "rejected"), 0);
	CHECK_STR(b, "terminated;reason=rejected");
	CHECK_INT(xmpp_out_substate(b, 8, XMPP_OUT_ACTIVE, 300, NULL), ENOSPC);
}

static void test_resources(void)
{
	struct xmpp_resources *r = calloc(1, sizeof(*r));
	struct xmpp_pres on = {.available = true}, away = {.available = true, .show = "away"},
			 off = {0}, st;

	CHECK(!xmpp_resources_update(r, "a", &off));
	CHECK(xmpp_resources_update(r, "a", &on));
	CHECK(!xmpp_resources_update(r, "a", &on));
	CHECK(xmpp_resources_update(r, "b", &away));
	xmpp_resources_state(r, &st);
	CHECK_STR(st.show, "away");
	CHECK(xmpp_resources_update(r, "b", &off)); /* back to a's state */
	xmpp_resources_state(r, &st);
	CHECK(st.available && !st.show[0]);
	CHECK(xmpp_resources_update(r, "a", &off));
	xmpp_resources_state(r, &st);
	CHECK(!st.available);
	for (int i = 0; i < 20; i++) {
		char n[8] = {'r', (char)('a' + i), 0};

		xmpp_resources_update(r, n, &on);
	}
	CHECK_INT(r->n, XMPP_RES_MAX);
	CHECK(xmpp_resources_update(r, "", &off)); /* bare unavailable: all gone */
	CHECK_INT(r->n, 0);
	free(r);
}

static void test_muc(void)
{
	char b[128];

	CHECK(xmpp_muc_nick_ok("Alice"));
	CHECK(!xmpp_muc_nick_ok(""));
	CHECK(!xmpp_muc_nick_ok("   "));
	CHECK(!xmpp_muc_nick_ok("a\x01"));
	CHECK_INT(xmpp_muc_nick_of(b, sizeof(b), "Alice A", "sip:alice@sylk.test"), 0);
	CHECK_STR(b, "Alice A");
	CHECK_INT(xmpp_muc_nick_of(b, sizeof(b), "", "sip:alice@sylk.test"), 0);
	CHECK_STR(b, "alice");
	CHECK_INT(xmpp_muc_nick_of(b, sizeof(b), NULL, "sip:@x"), EINVAL);
	CHECK_INT(xmpp_muc_room_uri(b, sizeof(b), "room1@conference.sylk.test/nick"), 0);
	CHECK_STR(b, "sip:room1@conference.sylk.test");
	CHECK_INT(xmpp_muc_room_uri(b, sizeof(b), "conference.sylk.test"), EINVAL);
}

int main(void)
{
	RUN(test_read);
	RUN(test_inbound);
	RUN(test_outbound);
	RUN(test_resources);
	RUN(test_muc);
	return check_summary();
}
