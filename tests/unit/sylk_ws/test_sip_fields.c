/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/sip/sip_fields: URI parameter values, display
 * names, domains. */
#include <errno.h>
#include <string.h>
#include "check.h"
#include "sylk_ws/sip/gateway_sip.h"
#include "sylk_ws/sip/sip_fields.h"

static void test_param_value(void)
{
	static const char params[] = ";pn-provider=apple;pn-prid=ab%3Acd%23ef;pn-param=com.x"
				     ";pn-device=dev%20one;pn-silent=1;empty=;pct=50%;bad=%zz%4;"
				     "utf=%C3%A9;raw=\xc3\xa9;dup=1;dup=2;x-pn-prid=no";
	static const struct {
		const char *name;
		int err;
		const char *want;
	} cases[] = {
		{"pn-provider", 0, "apple"},
		{"pn-prid", 0, "ab:cd#ef"},
		{"pn-param", 0, "com.x"},
		{"pn-device", 0, "dev one"},
		{"pn-silent", 0, "1"},
		{"empty", 0, ""},
		{"pct", 0, "50%"},      /* a '%' at the end stays */
		{"bad", 0, "%zz%4"},    /* so does one before non-hex digits */
		{"utf", 0, "\xc3\xa9"}, /* decoded bytes, not checked as text */
		{"raw", 0, "\xc3\xa9"},
		{"dup", 0, "1"}, /* the first one */
		{"x-pn-prid", 0, "no"},
		{"pn", ENOENT, ""},          /* a prefix of a name is not the name */
		{"PN-PROVIDER", ENOENT, ""}, /* exact names */
		{"provider", ENOENT, ""},
		{"missing", ENOENT, ""},
	};
	char out[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		CHECK_INT(sip_param_value(params, cases[i].name, out, sizeof(out)), cases[i].err);
		CHECK_STR(out, cases[i].want);
	}
}

static void test_param_value_bad(void)
{
	char out[8];

	/* too long for out: nothing half-written */
	CHECK_INT(sip_param_value(";a=12345678", "a", out, sizeof(out)), ENOSPC);
	CHECK_STR(out, "");
	CHECK_INT(sip_param_value(";a=1234567", "a", out, sizeof(out)), 0);
	CHECK_STR(out, "1234567");
	/* an encoded NUL would cut the value short silently: refused */
	CHECK_INT(sip_param_value(";a=x%00y", "a", out, sizeof(out)), EBADMSG);
	CHECK_STR(out, "");
	/* without a ';' before it a name is not a parameter */
	CHECK_INT(sip_param_value("a=1", "a", out, sizeof(out)), ENOENT);
	CHECK_INT(sip_param_value("", "a", out, sizeof(out)), ENOENT);
	CHECK_INT(sip_param_value(";a", "a", out, sizeof(out)), ENOENT);
	CHECK_INT(sip_param_value(NULL, "a", out, sizeof(out)), EINVAL);
	CHECK_INT(sip_param_value(";a=1", NULL, out, sizeof(out)), EINVAL);
	CHECK_INT(sip_param_value(";a=1", "", out, sizeof(out)), EINVAL);
	CHECK_INT(sip_param_value(";a=1", "a", NULL, 8), EINVAL);
	CHECK_INT(sip_param_value(";a=1", "a", out, 0), EINVAL);
}

/* what gw_push_params() writes reads back the same */
static void test_param_round_trip(void)
{
	static const char *const tokens[] = {
		"a1b2c3", "voip#background",   "with space;and=semi",
		"%41",    "\xc3\xa9t\xc3\xa9", "\x01\x7f",
	};
	char params[512], out[64];

	for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
		struct gw_push p = {.token = tokens[i], .platform = "firebase", .app = "a;b"};

		CHECK_INT(gw_push_params(params, sizeof(params), &p), 0);
		CHECK_INT(sip_param_value(params, "pn-prid", out, sizeof(out)), 0);
		CHECK_STR(out, tokens[i]);
		CHECK_INT(sip_param_value(params, "pn-param", out, sizeof(out)), 0);
		CHECK_STR(out, "a;b");
	}
}

static void test_display_bare(void)
{
	static const struct {
		const char *in, *want;
		int err;
	} cases[] = {
		{"\"Carol\"", "Carol", 0},
		{"Carol", "Carol", 0},
		{"\"Carol C\"", "Carol C", 0}, /* just fits */
		{"\"\"", "", 0},
		{"\"", "\"", 0}, /* one quote is no pair */
		{"\"open", "\"open", 0},
		{"close\"", "close\"", 0},
		{"\"a\\\"b\"", "a\\\"b", 0}, /* escapes left as they are */
		{"\"\"x\"\"", "\"x\"", 0},   /* one pair only */
		{"\"\xc3\xa9t\xc3\xa9\"", "\xc3\xa9t\xc3\xa9", 0},
		{"", "", 0},
		{"\"0123456789\"", "0123456", ENOSPC}, /* cut to fit */
		{"0123456789", "0123456", ENOSPC},
	};
	char out[8];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(out, 'x', sizeof(out));
		CHECK_INT(sip_display_bare(out, sizeof(out), cases[i].in, strlen(cases[i].in)),
			  cases[i].err);
		CHECK_STR(out, cases[i].want);
	}
	/* the length counts, not a NUL */
	CHECK_INT(sip_display_bare(out, sizeof(out), "\"ab\"cd", 4), 0);
	CHECK_STR(out, "ab");
	CHECK_INT(sip_display_bare(out, sizeof(out), NULL, 0), 0);
	CHECK_STR(out, "");
	CHECK_INT(sip_display_bare(out, sizeof(out), NULL, 1), EINVAL);
	CHECK_INT(sip_display_bare(NULL, 8, "a", 1), EINVAL);
	CHECK_INT(sip_display_bare(out, 0, "a", 1), EINVAL);
}

static void test_same_domain(void)
{
	static const struct {
		const char *a, *b;
		bool want;
	} cases[] = {
		{"alice@example.com", "bob@example.com", true},
		{"alice@example.com", "bob@EXAMPLE.com", true},
		{"alice@example.com", "alice@example.org", false},
		{"alice@example.com", "bob@sub.example.com", false},
		{"alice@example.com", "example.com", false},
		{"alice", "bob", false},
		{"", "", false},
		{"a@", "b@", true},
		{"a@x@y", "b@x@y", true}, /* after the first '@' */
		{"a@\xc3\xa9.org", "b@\xc3\xa9.org", true},
		{"a@\xc3\xa9.org", "b@\xc3\x89.org", false}, /* ASCII case only */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(sip_same_domain(cases[i].a, cases[i].b), cases[i].want);
		CHECK_INT(sip_same_domain(cases[i].b, cases[i].a), cases[i].want);
	}
	CHECK(!sip_same_domain(NULL, "a@b"));
	CHECK(!sip_same_domain("a@b", NULL));
}

int main(void)
{
	RUN(test_param_value);
	RUN(test_param_value_bad);
	RUN(test_param_round_trip);
	RUN(test_display_bare);
	RUN(test_same_domain);
	return check_summary();
}
