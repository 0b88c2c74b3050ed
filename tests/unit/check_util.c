/*
 * check_util.c - bounded number, duration and size parsing, formatting,
 * the stable hash that incident keys depend on, and triagectl --json's
 * escaping of what jansson writes raw.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "check_run.h"
#include "jsonutil.h"
#include "util.h"

/* What json_dumps writes raw and a terminal may obey: DEL and C1, as \u escapes. */
START_TEST(json_output_escapes)
{
	char *s = json_escape_c1("{\"t\": \"a\x7f b\xc2\x9b[31m c\xc2\xa0 \xe2\x82\xac\"}");

	ck_assert_str_eq(s, "{\"t\": \"a\\u007f b\\u009b[31m c\xc2\xa0 \xe2\x82\xac\"}");
	free(s);
	ck_assert_ptr_null(json_escape_c1(NULL));
}
END_TEST

START_TEST(durations)
{
	int64_t u;

	ck_assert_int_eq(parse_duration("30s", &u), 0);
	ck_assert_int_eq(u, 30 * USEC_PER_SEC);
	ck_assert_int_eq(parse_duration("10m", &u), 0);
	ck_assert_int_eq(u, 600 * USEC_PER_SEC);
	ck_assert_int_eq(parse_duration("250ms", &u), 0);
	ck_assert_int_eq(u, 250 * USEC_PER_MSEC);
	ck_assert_int_eq(parse_duration("7d", &u), 0);
	ck_assert_int_eq(u, 7 * 86400 * USEC_PER_SEC);
	ck_assert_int_eq(parse_duration("5", &u), 0);
	ck_assert_int_eq(u, 5 * USEC_PER_SEC);
	ck_assert_int_eq(parse_duration("", &u), -EINVAL);
	ck_assert_int_eq(parse_duration("s", &u), -EINVAL);
	ck_assert_int_eq(parse_duration("-1s", &u), -EINVAL);
	ck_assert_int_eq(parse_duration("3x", &u), -EINVAL);
	ck_assert_int_eq(parse_duration("1 s", &u), -EINVAL);
	ck_assert_int_eq(parse_duration("99999999999999999999w", &u), -ERANGE);
	ck_assert_int_eq(parse_duration("999999999999999w", &u), -ERANGE);
}
END_TEST

START_TEST(sizes)
{
	uint64_t b;

	ck_assert_int_eq(parse_size("8M", &b), 0);
	ck_assert_uint_eq(b, 8 * 1024 * 1024);
	ck_assert_int_eq(parse_size("64K", &b), 0);
	ck_assert_uint_eq(b, 65536);
	ck_assert_int_eq(parse_size("100", &b), 0);
	ck_assert_uint_eq(b, 100);
	ck_assert_int_eq(parse_size("1T", &b), -EINVAL);
	ck_assert_int_eq(parse_size("M", &b), -EINVAL);
	ck_assert_int_eq(parse_size("99999999999999999G", &b), -ERANGE);
}
END_TEST

START_TEST(integers)
{
	int64_t v;

	ck_assert_int_eq(parse_int64("42", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(parse_int64("101", 0, 100, &v), -ERANGE);
	ck_assert_int_eq(parse_int64("4x", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_int64(" 4", 0, 100, &v), -EINVAL);
	ck_assert_int_eq(parse_int64("", 0, 100, &v), -EINVAL);
}
END_TEST

START_TEST(formatting)
{
	char buf[64];

	format_duration(90 * USEC_PER_SEC, buf, sizeof(buf));
	ck_assert_str_eq(buf, "1m30s");
	format_duration(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "0s");
	format_rfc3339(1764149894123456LL, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2025-11-26T09:38:14.123Z");
}
END_TEST

START_TEST(hash_is_stable)
{
	/* Keys sent upstream depend on this value: it must never change. */
	ck_assert_uint_eq(hash64("", 0, 0), 0xcbf29ce484222325ULL);
	ck_assert_uint_eq(hash64("a", 1, 0), 0xaf63dc4c8601ec8cULL);
}
END_TEST

START_TEST(strings)
{
	char buf[4];

	ck_assert_uint_eq(strlcpy_t(buf, "abcdef", sizeof(buf)), 6);
	ck_assert_str_eq(buf, "abc");
	ck_assert(str_eq_cstr(STR_LIT("abc"), "abc"));
	ck_assert(!str_eq_cstr(STR_LIT("abc"), "ab"));
	ck_assert(str_caseeq_cstr(STR_LIT("ABC"), "abc"));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, durations);
	tcase_add_test(tc, sizes);
	tcase_add_test(tc, integers);
	tcase_add_test(tc, formatting);
	tcase_add_test(tc, hash_is_stable);
	tcase_add_test(tc, strings);
	tcase_add_test(tc, json_output_escapes);
	suite_add_tcase(s, tc);
	return check_run(s);
}
