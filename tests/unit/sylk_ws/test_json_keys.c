/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/sylkrtc/json_keys: repeated member names, compared after
 * unescaping, at any depth, and the cost of many names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sylk_ws/sylkrtc/json_keys.h"

static int find(const char *json, char *dup, size_t size)
{
	return json_find_duplicate_key(json, strlen(json), dup, size);
}

static void test_no_duplicates(void)
{
	char dup[32];

	CHECK_INT(find("{}", dup, sizeof(dup)), 0);
	CHECK_INT(find("{\"a\":1,\"b\":{\"a\":2},\"c\":[{\"a\":3},{\"a\":4}]}", dup, sizeof(dup)),
		  0);
	/* the same name in sibling objects and in string values is fine */
	CHECK_INT(find("[{\"x\":\"x\"},{\"x\":\"\\\"x\\\"\"}]", dup, sizeof(dup)), 0);
	CHECK_INT(find("\"just a string\"", dup, sizeof(dup)), 0);
	CHECK_INT(find("{\"a\":\"}{,\\\"a\\\":\"}", dup, sizeof(dup)), 0);
}

static void test_duplicates(void)
{
	char dup[32];

	CHECK_INT(find("{\"sylkrtc\":\"ping\",\"sylkrtc\":\"ping\"}", dup, sizeof(dup)), EEXIST);
	CHECK_STR(dup, "sylkrtc");
	/* nested, after a value that is itself an object */
	CHECK_INT(find("{\"o\":{\"k\":1,\"z\":{},\"k\":2}}", dup, sizeof(dup)), EEXIST);
	CHECK_STR(dup, "k");
	/* escapes do not hide a repeat */
	CHECK_INT(find("{\"account\":1,\"\\u0061ccount\":2}", dup, sizeof(dup)), EEXIST);
	CHECK_STR(dup, "account");
	CHECK_INT(find("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", dup, sizeof(dup)), EEXIST);
	CHECK_STR(dup, "\xf0\x9f\x98\x80");
	/* a long name is cut on a character boundary */
	CHECK_INT(find("{\"ab\xc3\xa9\":1,\"ab\xc3\xa9\":2}", dup, 4), EEXIST);
	CHECK_STR(dup, "ab");
	/* a lone surrogate is named as U+FFFD: the name goes into an error text,
	 * which must stay valid UTF-8 (found by the fuzzer) */
	CHECK_INT(find("{\"a\\uda0d\\udad6\":1,\"a\\uda0d\\udad6\":2}", dup, sizeof(dup)),
		  EEXIST);
	CHECK_STR(dup, "a\xef\xbf\xbd\xef\xbf\xbd");
}

static void test_many_names(void)
{
	size_t n = 20000, len = 0;
	char *json = malloc(n * 16 + 16), dup[32];

	if (!json)
		return;
	json[len++] = '{';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(json + len, "%s\"k%zu\":0", i ? "," : "", i);
	json[len++] = '}';
	CHECK_INT(json_find_duplicate_key(json, len, dup, sizeof(dup)), 0);
	len -= 1;
	len += (size_t)sprintf(json + len, ",\"k%zu\":1}", n / 2);
	CHECK_INT(json_find_duplicate_key(json, len, dup, sizeof(dup)), EEXIST);
	free(json);
}

static void test_bad_arguments(void)
{
	char dup[4];

	CHECK_INT(json_find_duplicate_key(NULL, 0, dup, sizeof(dup)), EINVAL);
	CHECK_INT(json_find_duplicate_key("{}", 2, NULL, 4), EINVAL);
	CHECK_INT(json_find_duplicate_key("{}", 2, dup, 0), EINVAL);
}

int main(void)
{
	RUN(test_no_duplicates);
	RUN(test_duplicates);
	RUN(test_many_names);
	RUN(test_bad_arguments);
	return check_summary();
}
