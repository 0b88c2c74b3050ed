/*
 * check_ctl_format.c - triagectl's cells, times and ages: cut between
 * characters with an ellipsis, padded to the column; local time with its
 * zone (TZ set here) or UTC; ages both ways across every unit.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_run.h"
#include "ctl_format.h"
#include "util.h"

static void
cell_is(const char *s, size_t width, bool pad, const char *want)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ctl_put_cell(f, s, width, pad);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_str_eq(buf, want);
	free(buf);
}

START_TEST(cells_are_cut_and_padded)
{
	cell_is("abc", 5, true, "abc  ");
	cell_is("abc", 5, false, "abc");
	cell_is("abcdef", 5, true, "abcd\xe2\x80\xa6");
	cell_is("abcde", 5, true, "abcde");
	cell_is("abcdef", CTL_NO_LIMIT, true, "abcdef");
	cell_is("abc", 0, true, "");
	cell_is("abc", 1, true, "\xe2\x80\xa6");
	/* Characters, not bytes: é is one column, and never split. */
	cell_is("\xc3\xa9\xc3\xa9\xc3\xa9", 3, true, "\xc3\xa9\xc3\xa9\xc3\xa9");
	cell_is("\xc3\xa9\xc3\xa9\xc3\xa9x", 3, true, "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
	cell_is("\xc3\xa9", 3, true, "\xc3\xa9  ");
	ck_assert_uint_eq(ctl_text_width("a\xc3\xa9\xe2\x80\xa6"), 3);
	ck_assert_uint_eq(ctl_prefix_bytes("a\xc3\xa9x", 2), 3); /* never half of é */
	ck_assert_uint_eq(ctl_prefix_bytes("ab", 5), 2);
}
END_TEST

START_TEST(times_parse_and_print)
{
	char buf[64];
	int64_t t = ctl_parse_time("2026-12-04T09:38:14.123Z");

	ck_assert_int_eq(t, 1796377094LL * USEC_PER_SEC + 123 * USEC_PER_MSEC);
	ck_assert_int_eq(ctl_parse_time("2026-12-04T09:38:14Z"), -1);
	ck_assert_int_eq(ctl_parse_time("2026-12-04T09:38:14.123Zjunk"), -1);
	ck_assert_int_eq(ctl_parse_time("-"), -1);
	ck_assert_int_eq(ctl_parse_time(NULL), -1);
	ctl_format_time(t, true, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-12-04 09:38:14 UTC");
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	ctl_format_time(t, false, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-12-04 18:38:14 JST");
	setenv("TZ", "Europe/Berlin", 1); /* summer time has its own name */
	tzset();
	ctl_format_time(ctl_parse_time("2026-07-01T12:00:00.000Z"), false, buf, sizeof buf);
	ck_assert_str_eq(buf, "2026-07-01 14:00:00 CEST");
	ctl_format_time(-1, false, buf, sizeof buf);
	ck_assert_str_eq(buf, "-");
}
END_TEST

START_TEST(ages_read_both_ways)
{
	const int64_t now = 1796377094LL * USEC_PER_SEC, s = USEC_PER_SEC;
	char buf[32];
	static const struct {
		int64_t d;
		const char *want;
	} cases[] = {
		{ 0, "now" }, { 999999, "now" }, { 12 * s, "in 12s" }, { -12 * s, "12s ago" },
		{ -59 * s, "59s ago" }, { -60 * s, "1m ago" }, { 3599 * s, "in 59m" },
		{ -3600 * s, "1h ago" }, { -47 * 3600 * s, "47h ago" }, { -48 * 3600 * s, "2d ago" },
		{ 400 * 86400 * s, "in 400d" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		ctl_format_age(now + cases[i].d, now, buf, sizeof buf);
		ck_assert_str_eq(buf, cases[i].want);
	}
	ctl_format_age(-1, now, buf, sizeof buf);
	ck_assert_str_eq(buf, "-");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctl_format");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, cells_are_cut_and_padded);
	tcase_add_test(tc, times_parse_and_print);
	tcase_add_test(tc, ages_read_both_ways);
	suite_add_tcase(s, tc);
	return check_run(s);
}
