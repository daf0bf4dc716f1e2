/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/str: copies and comma-separated lists. */
#include <errno.h>
#include <stdlib.h>
#include "check.h"
#include "sylk_ws/base/str.h"

static void test_dup(void)
{
	char *p = (char *)"untouched";

	CHECK_INT(str_dup(&p, "abc"), 0);
	CHECK_STR(p, "abc");
	free(p);
	CHECK_INT(str_dupn(&p, "abcdef", 2), 0);
	CHECK_STR(p, "ab");
	free(p);
	CHECK_INT(str_dupn(&p, NULL, 0), 0);
	CHECK_STR(p, "");
	free(p);
	p = (char *)"untouched";
	CHECK_INT(str_dup(&p, NULL), EINVAL);
	CHECK_INT(str_dupn(&p, NULL, 1), EINVAL);
	CHECK_INT(str_dupn(NULL, "a", 1), EINVAL);
	CHECK_STR(p, "untouched");
}

static const struct {
	const char *list;
	const char *item;
	bool want;
} lists[] = {
	{"example.com", "example.com", true},
	{"example.com", "EXAMPLE.com", true},
	{"a.org,example.com", "example.com", true},
	{"a.org, example.com", "example.com", true},
	{"room1 ,room2", "room1", true}, /* trailing blank */
	{"\troom1\t, room2 ", "room2", true},
	{" , ,room3,,", "room3", true},
	{"room1,room2", "room", false},
	{"room1,room2", "room12", false},
	{"room1,room2", "oom1", false},
	{"example.com", "", false},
	{"", "example.com", false},
	{" , ", "", false},
	{NULL, "example.com", false},
	{"a b,c", "a b", true}, /* inner blank kept */
	{"a b,c", "a", false},
};

static void test_list_has(void)
{
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		bool got = str_list_has(lists[i].list, lists[i].item);

		if (got != lists[i].want)
			fprintf(stderr, "  list \"%s\" item \"%s\"\n",
				lists[i].list ? lists[i].list : "(null)", lists[i].item);
		CHECK_INT(got, lists[i].want);
	}
	CHECK(!str_list_has("a", NULL));
	CHECK(str_list_has_n("abc,def", "defg", 3));
}

static void test_list_next(void)
{
	const char *cur = " a , bb,,\tccc\t";
	const char *item;
	size_t len;

	CHECK(str_list_next(&cur, &item, &len));
	CHECK_INT(len, 1);
	CHECK_MEM(item, "a", 1);
	CHECK(str_list_next(&cur, &item, &len));
	CHECK_INT(len, 2);
	CHECK_MEM(item, "bb", 2);
	CHECK(str_list_next(&cur, &item, &len));
	CHECK_INT(len, 3);
	CHECK_MEM(item, "ccc", 3);
	CHECK(!str_list_next(&cur, &item, &len));
	CHECK(!str_list_next(&cur, &item, &len));
	cur = NULL;
	CHECK(!str_list_next(&cur, &item, &len));
	CHECK(!str_list_next(NULL, &item, &len));
}

static void test_pct_segment(void)
{
	char out[8];

	CHECK_INT(str_pct_segment("a%20b", 5, out, sizeof(out)), 0);
	CHECK_STR(out, "a b");
	CHECK_INT(str_pct_segment("%2e%2E", 6, out, sizeof(out)), 0);
	CHECK_STR(out, "..");
	CHECK_INT(str_pct_segment("a%2", 3, out, sizeof(out)), EINVAL);
	CHECK_INT(str_pct_segment("a%zz", 4, out, sizeof(out)), EINVAL);
	CHECK_INT(str_pct_segment("a%00b", 5, out, sizeof(out)), EINVAL);
	CHECK_INT(str_pct_segment("a\tb", 3, out, sizeof(out)), EINVAL);
	CHECK_INT(str_pct_segment("", 0, out, sizeof(out)), EINVAL);
	CHECK_INT(str_pct_segment("12345678", 8, out, sizeof(out)), ENAMETOOLONG);
}

static void test_hash_fold(void)
{
	unsigned a = str_hash_fold(STR_HASH_INIT, "Alice@Sylk.Test");

	CHECK_INT(a, str_hash_fold(STR_HASH_INIT, "alice@sylk.test"));
	CHECK(a != str_hash_fold(STR_HASH_INIT, "alice@sylk.tesu"));
	CHECK_INT(str_hash_fold(STR_HASH_INIT, ""), STR_HASH_INIT);
	/* FNV-1a's published value for "a" */
	CHECK_INT(str_hash_fold(STR_HASH_INIT, "a"), 0xe40c292cu);
}

static void test_line(void)
{
	static const char text[] = "a: 1\r\nb\n\r\nrest", lf[] = "\n";
	const char *end = text + sizeof(text) - 1, *next;
	size_t n;

	CHECK(str_line(text, end, &n, &next));
	CHECK_INT(n, 4);
	CHECK(next == text + 6);
	CHECK(str_line(next, end, &n, &next));
	CHECK_INT(n, 1);
	CHECK(str_line(next, end, &n, &next));
	CHECK_INT(n, 0);
	CHECK(!str_line(next, end, &n, &next)); /* "rest": no line end came */
	CHECK(!str_line(end, end, &n, &next));
	CHECK(str_line(lf, lf + 1, &n, &next) && n == 0 && next == lf + 1);
}

static void test_has_ctl(void)
{
	CHECK(!str_has_ctl("To: <sip:b@x>\t;tag=1", 20));
	CHECK(!str_has_ctl("", 0));
	CHECK(str_has_ctl("a\0b", 3));
	CHECK(str_has_ctl("a\rb", 3));
	CHECK(str_has_ctl("a\x7f", 2));
}

static void test_equal_secret(void)
{
	CHECK(str_equal_secret("0a1b2c", 6, "0a1b2c", 6));
	CHECK(str_equal_secret("", 0, "", 0));
	CHECK(!str_equal_secret("0a1b2c", 6, "0a1b2d", 6));
	CHECK(!str_equal_secret("0a1b2c", 6, "1a1b2c", 6));
	/* a prefix, or the secret with more after it, is not the secret */
	CHECK(!str_equal_secret("0a1b2c", 6, "0a1b2", 5));
	CHECK(!str_equal_secret("0a1b2c", 6, "0a1b2c0", 7));
	CHECK(!str_equal_secret("0a1b2c", 6, "", 0));
}

int main(void)
{
	RUN(test_line);
	RUN(test_equal_secret);
	RUN(test_has_ctl);
	RUN(test_hash_fold);
	RUN(test_pct_segment);
	RUN(test_dup);
	RUN(test_list_has);
	RUN(test_list_next);
	return check_summary();
}
