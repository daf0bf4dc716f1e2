/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/sip/gateway_sip.c */
#include <errno.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/sip/gateway_sip.h"

static void test_session_id(void)
{
	char a[GW_UUID_SIZE], b[GW_UUID_SIZE];
	const char *cid = "a84b4c76e66710@pc33.atlanta.com";

	CHECK_INT(gw_session_id_from_callid(a, cid, strlen(cid)), 0);
	/* md5("a84b4c76e66710@pc33.atlanta.com"), computed with md5sum */
	CHECK_STR(a, "01e6229a-f3eb-63b3-32ae-8c608decb0a4");
	CHECK_INT(gw_session_id_from_callid(b, cid, strlen(cid)), 0);
	CHECK_STR(a, b);
	CHECK_INT(gw_session_id_from_callid(b, "x", 1), 0);
	CHECK(strcmp(a, b) != 0);
	CHECK_INT(gw_session_id_from_callid(b, cid, 0), EINVAL);
}

static void test_reg_timing(void)
{
	CHECK_INT(gw_reg_refresh_after(3600), 3240);
	CHECK_INT(gw_reg_refresh_after(120), 90);
	CHECK_INT(gw_reg_refresh_after(60), 30);
	CHECK_INT(gw_reg_refresh_after(1), 1);
	CHECK_INT(gw_reg_refresh_after(0), 1);
	CHECK_INT(gw_reg_retry_after(1), 5);
	CHECK_INT(gw_reg_retry_after(2), 10);
	CHECK_INT(gw_reg_retry_after(4), 40);
	CHECK_INT(gw_reg_retry_after(7), 300);
	CHECK_INT(gw_reg_retry_after(100), 300);
}

static void test_push_params(void)
{
	char buf[256];
	struct gw_push p = {
		.token = "ab:CD 12", .platform = "firebase", .app = "com.ag.sylk", .silent = true};

	CHECK_INT(gw_push_params(buf, sizeof(buf), &p), 0);
	CHECK_STR(buf, ";pn-provider=firebase;pn-prid=ab:CD%2012;pn-param=com.ag.sylk;pn-silent=1");
	p.token = "t;x=1";
	p.app = NULL;
	p.silent = false;
	p.device = "d\"1";
	CHECK_INT(gw_push_params(buf, sizeof(buf), &p), 0);
	CHECK_STR(buf, ";pn-provider=firebase;pn-prid=t%3Bx%3D1;pn-device=d%221");
	CHECK_INT(gw_push_params(buf, 20, &p), ENOSPC);
	CHECK_STR(buf, "");
	p.token = "";
	CHECK_INT(gw_push_params(buf, sizeof(buf), &p), EINVAL);
}

static void test_dtmf(void)
{
	char buf[64];

	CHECK_INT(gw_dtmf_relay_body(buf, sizeof(buf), '5', 0), 0);
	CHECK_STR(buf, "Signal=5\r\nDuration=160\r\n");
	CHECK_INT(gw_dtmf_relay_body(buf, sizeof(buf), '#', 250), 0);
	CHECK_STR(buf, "Signal=#\r\nDuration=250\r\n");
	CHECK_INT(gw_dtmf_relay_body(buf, sizeof(buf), 'x', 0), EINVAL);
	CHECK_INT(gw_dtmf_relay_body(buf, sizeof(buf), '\0', 0), EINVAL);
	CHECK_INT(gw_dtmf_relay_body(buf, 8, '1', 0), ENOSPC);
	CHECK_INT(gw_dtmf_spacing_ms('1', 0), 230);
	CHECK_INT(gw_dtmf_spacing_ms('#', 100), 170);
	CHECK_INT(gw_dtmf_spacing_ms(',', 100), 2000);
}

static void test_header_prefix(void)
{
	const char *const pre[] = {"X-Sylk-", "P-Asserted"};

	CHECK(gw_header_has_prefix("x-sylk-tag", 10, pre, 2));
	CHECK(gw_header_has_prefix("P-Asserted-Identity", 19, pre, 2));
	CHECK(!gw_header_has_prefix("X-Syl", 5, pre, 2));
	CHECK(!gw_header_has_prefix("Subject", 7, pre, 2));
	CHECK(!gw_header_has_prefix("X-Sylk-a", 8, pre, 0));
}

int main(void)
{
	RUN(test_session_id);
	RUN(test_reg_timing);
	RUN(test_push_params);
	RUN(test_dtmf);
	RUN(test_header_prefix);
	return check_summary();
}
