/*
 * check_ctl_silence.c - the requests `triagectl silence` builds from its
 * command line: matchers, for DURATION, --start/--end in local time or
 * UTC, --comment, list and expire, and what is refused.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_run.h"
#include "ctl_silence.h"
#include "util.h"

/* The request for the words of s (split at spaces) as compact JSON, or "NULL". */
static char *
request(const char *s, const char *comment, const char *start, const char *end)
{
	struct ctl_silence_opts o = { comment, start, end };
	char *copy = xstrdup(s), *argv[16], *out;
	int argc = 0;

	for (char *w = strtok(copy, " "); w != NULL && argc < 16; w = strtok(NULL, " "))
		argv[argc++] = w;
	json_t *r = ctl_silence_request(argc, argv, &o);
	out = r ? json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("NULL");
	json_decref(r);
	free(copy);
	return out;
}

static void
expect(const char *s, const char *comment, const char *start, const char *end, const char *want)
{
	char *got = request(s, comment, start, end);

	ck_assert_msg(strcmp(got, want) == 0, "%s: got %s", s, got);
	free(got);
}

START_TEST(requests)
{
	expect("add host~^db- severity=critical for 2h", "disk swap", NULL, NULL,
	    "{\"command\":\"silence-add\",\"comment\":\"disk swap\",\"duration\":7200,"
	    "\"matchers\":[\"host~^db-\",\"severity=critical\"]}");
	expect("add dev=sda for 90s", NULL, "2026-12-24T09:00Z", NULL,
	    "{\"command\":\"silence-add\",\"duration\":90,\"matchers\":[\"dev=sda\"],"
	    "\"start\":1798102800}");
	expect("add dev=sda", NULL, NULL, "2026-12-24 10:30Z",
	    "{\"command\":\"silence-add\",\"end\":1798108200,\"matchers\":[\"dev=sda\"]}");
	expect("list", NULL, NULL, NULL, "{\"command\":\"silence-list\"}");
	expect("expire 12", NULL, NULL, NULL, "{\"command\":\"silence-expire\",\"id\":12}");
}
END_TEST

START_TEST(refusals)
{
	expect("add for 2h", NULL, NULL, NULL, "NULL");		  /* no matcher */
	expect("add dev=sda", NULL, NULL, NULL, "NULL");	  /* neither for nor --end */
	expect("add dev=sda for 2h", NULL, NULL, "2026-12-24T09:00Z", "NULL"); /* both */
	expect("add dev=sda for", NULL, NULL, NULL, "NULL");
	expect("add dev=sda for 2h x", NULL, NULL, NULL, "NULL");
	expect("add dev=sda for soon", NULL, NULL, NULL, "NULL");
	expect("add dev=sda for 500ms", NULL, NULL, NULL, "NULL");
	expect("add dev=sda for 2h", NULL, "tomorrow", NULL, "NULL");
	expect("add dev=\xff for 2h", NULL, NULL, NULL, "NULL");
	expect("add dev=sda for 2h", "\xc3", NULL, NULL, "NULL");
	expect("expire", NULL, NULL, NULL, "NULL");
	expect("expire 0", NULL, NULL, NULL, "NULL");
	expect("list all", NULL, NULL, NULL, "NULL");
	expect("mute", NULL, NULL, NULL, "NULL");
}
END_TEST

START_TEST(times)
{
	int64_t t;

	ck_assert_int_eq(ctl_parse_when("2026-12-24T09:00:30Z", &t), 0);
	ck_assert_int_eq(t, 1798102830);
	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	ck_assert_int_eq(ctl_parse_when("2026-12-24T18:00", &t), 0);
	ck_assert_int_eq(t, 1798102800);
	ck_assert_int_eq(ctl_parse_when("2026-12-24 18:00:30", &t), 0);
	ck_assert_int_eq(t, 1798102830);
	ck_assert_int_eq(ctl_parse_when("2026-12-24T18:00+09", &t), -1);
	ck_assert_int_eq(ctl_parse_when("", &t), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctl_silence");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, requests);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, times);
	suite_add_tcase(s, tc);
	return check_run(s);
}
