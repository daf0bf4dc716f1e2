/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sylk_ws/base/sbuf: appends, growth, the sticky error,
 * detach and reset. */
#include <errno.h>
#include <stdlib.h>
#include "check.h"
#include "sylk_ws/base/sbuf.h"

static void test_append(void)
{
	struct sbuf sb = SBUF_INIT;

	CHECK_INT(sbuf_put(&sb, "ab", 2), 0);
	CHECK_INT(sbuf_putc(&sb, 'c'), 0);
	CHECK_INT(sbuf_puts(&sb, "de"), 0);
	CHECK_INT(sbuf_printf(&sb, "-%d-%s", 42, "x"), 0);
	CHECK_INT(sbuf_put(&sb, NULL, 0), 0);
	CHECK_INT(sb.len, 10);
	CHECK_STR(sb.buf, "abcde-42-x");
	CHECK_INT(sbuf_err(&sb), 0);
	sbuf_reset(&sb);
	CHECK(sb.buf == NULL);
	CHECK_INT(sb.len, 0);
}

static void test_growth(void)
{
	struct sbuf sb = SBUF_INIT;
	size_t i;
	int fails = 0;

	for (i = 0; i < 10000; i++)
		fails += sbuf_putc(&sb, (char)('a' + i % 26)) != 0;
	CHECK_INT(fails, 0);
	CHECK_INT(sb.len, 10000);
	CHECK(sb.size > sb.len);
	CHECK_INT(sb.buf[9999], 'a' + 9999 % 26);
	CHECK_INT(sb.buf[10000], '\0');
	/* printf longer than the first allocation */
	CHECK_INT(sbuf_printf(&sb, "%5000s", "z"), 0);
	CHECK_INT(sb.len, 15000);
	CHECK_INT(sb.buf[14999], 'z');
	CHECK_INT(sbuf_reserve(&sb, 100000), 0);
	CHECK(sb.size >= sb.len + 100001);
	sbuf_reset(&sb);
}

static void test_sticky_error(void)
{
	struct sbuf sb = SBUF_INIT;
	char *out;
	size_t len = 99;

	CHECK_INT(sbuf_puts(&sb, "ok"), 0);
	CHECK_INT(sbuf_put(&sb, NULL, 3), EINVAL);
	CHECK_INT(sbuf_puts(&sb, "more"), EINVAL); /* no-op now */
	CHECK_INT(sbuf_putc(&sb, 'x'), EINVAL);
	CHECK_INT(sbuf_printf(&sb, "%d", 1), EINVAL);
	CHECK_INT(sbuf_err(&sb), EINVAL);
	CHECK_STR(sb.buf, "ok");
	CHECK_INT(sbuf_reserve(&sb, (size_t)-1), EINVAL); /* first error kept */
	out = sbuf_detach(&sb, &len);
	CHECK(out == NULL);
	CHECK_INT(len, 0);
	CHECK_INT(sbuf_err(&sb), 0); /* reset by detach */
	CHECK(sb.buf == NULL);

	CHECK_INT(sbuf_reserve(&sb, (size_t)-1), EOVERFLOW);
	CHECK_INT(sbuf_puts(&sb, NULL), EOVERFLOW);
	sbuf_reset(&sb);
	CHECK_INT(sbuf_puts(&sb, NULL), EINVAL);
	sbuf_reset(&sb);

	CHECK_INT(sbuf_put(NULL, "a", 1), EINVAL);
	CHECK_INT(sbuf_printf(NULL, "a"), EINVAL);
	CHECK(sbuf_detach(NULL, NULL) == NULL);
	sbuf_reset(NULL);
}

static void test_detach(void)
{
	struct sbuf sb = SBUF_INIT;
	char *out;
	size_t len = 99;

	out = sbuf_detach(&sb, &len); /* empty: "" */
	CHECK(out != NULL);
	CHECK_STR(out, "");
	CHECK_INT(len, 0);
	free(out);

	CHECK_INT(sbuf_puts(&sb, "hello"), 0);
	out = sbuf_detach(&sb, &len);
	CHECK_STR(out, "hello");
	CHECK_INT(len, 5);
	CHECK(sb.buf == NULL && sb.len == 0 && sb.size == 0);
	free(out);

	/* reusable after detach */
	CHECK_INT(sbuf_puts(&sb, "again"), 0);
	out = sbuf_detach(&sb, NULL);
	CHECK_STR(out, "again");
	free(out);
}

int main(void)
{
	RUN(test_append);
	RUN(test_growth);
	RUN(test_sticky_error);
	RUN(test_detach);
	return check_summary();
}
