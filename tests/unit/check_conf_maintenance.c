/*
 * check_conf_maintenance.c - the maintenance { } blocks and silence-max:
 * each form of every, tz, matchers, and file:line errors for what a
 * person gets wrong.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "conf_maintenance.h"
#include "silence.h"

#include "conf_load.h"

START_TEST(test_blocks)
{
	struct conf *c = load("maintenance \"backup\" { every day 02:00 for 1h tz \"Asia/Tokyo\"; "
			      "match host ~ \"^db-\" }\n"
			      "maintenance patch {\n"
			      "  every mon,wed 22:00 for 2h\n"
			      "  match severity != debug\n"
			      "  match rule = \"disk errors\"\n"
			      "}\n"
			      "maintenance \"fortnight\" {\n  every month 1,15 03:00 for 30m\n"
			      "  match key !~ \"^test/\"\n}\n"
			      "silence-max 50\n");
	const struct conf_maintenance *w = conf_maintenance_find(c, "backup");
	char buf[128];

	ck_assert_uint_eq(c->nmaintenance, 3);
	ck_assert_uint_eq(c->silence_max, 50);
	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(w->line, 1);
	ck_assert_uint_eq(w->nmatchers, 1);
	maintenance_format(&w->sched, buf, sizeof(buf));
	ck_assert_str_eq(buf, "every day 02:00 for 1h tz Asia/Tokyo");
	w = conf_maintenance_find(c, "patch");
	ck_assert_uint_eq(w->nmatchers, 2);
	ck_assert_int_eq(w->m[0].op, MATCHER_NE);
	ck_assert_str_eq(w->m[1].value, "disk errors");
	maintenance_format(&w->sched, buf, sizeof(buf));
	ck_assert_str_eq(buf, "every mon,wed 22:00 for 2h");
	w = conf_maintenance_find(c, "fortnight");
	ck_assert_int_eq(w->m[0].op, MATCHER_NRE);
	maintenance_format(&w->sched, buf, sizeof(buf));
	ck_assert_str_eq(buf, "every month 1,15 03:00 for 30m");
	ck_assert_ptr_null(conf_maintenance_find(c, "nope"));
	conf_free(c);

	c = load("hostname x\n");
	ck_assert_uint_eq(c->silence_max, SILENCE_DEFAULT_MAX);
	ck_assert_uint_eq(c->nmaintenance, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_errors)
{
	load_fails("maintenance \"m\" {\n every sometimes 02:00 for 1h\n match host = a\n}\n",
	    "t.conf:2: expected days of the week");
	load_fails("maintenance \"m\" {\n every day 2am for 1h\n match host = a\n}\n",
	    "t.conf:2: expected a time of day like 02:00, got '2am'");
	load_fails("maintenance \"m\" {\n every day 02:00 1h\n match host = a\n}\n",
	    "t.conf:2: expected 'for' and a length");
	load_fails("maintenance \"m\" {\n every day 02:00 for 32d\n match host = a\n}\n",
	    "t.conf:2: a maintenance window lasts at most 31d");
	load_fails("maintenance \"m\" {\n every month 0 02:00 for 1h\n match host = a\n}\n",
	    "t.conf:2: expected days of the month (1 to 31)");
	load_fails("maintenance \"m\" {\n every day 02:00 for 1h tz \"Mars/Base\"\n"
		   " match host = a\n}\n", "t.conf:2: unknown time zone 'Mars/Base'");
	load_fails("maintenance \"m\" {\n every day 02:00 for 1h\n every day 03:00 for 1h\n}\n",
	    "t.conf:3: maintenance has one every statement");
	load_fails("maintenance \"m\" {\n every day 02:00 for 1h\n}\n",
	    "t.conf:1: maintenance \"m\" needs a match statement");
	load_fails("maintenance \"m\" {\n match host = a\n}\n",
	    "t.conf:1: maintenance \"m\" needs an every statement");
	load_fails("maintenance \"m\" {\n every day 02:00 for 1h\n match host < a\n}\n",
	    "t.conf:3: expected =, !=, ~ or !~");
	load_fails("maintenance \"m\" {\n every day 02:00 for 1h\n match host ~ \"(\"\n}\n",
	    "t.conf:3: bad regex '('");
	load_fails("maintenance \"m\" {\n every day 02:00 for 1h\n when x\n}\n",
	    "t.conf:3: unknown keyword 'when', expected one of: every, match");
	load_fails("maintenance \"m\" {\n every day 02:00 for 1h\n match host = a\n}\n"
		   "maintenance \"m\" {\n every day 02:00 for 1h\n match host = a\n}\n",
	    "t.conf:5: duplicate maintenance name 'm' (first at t.conf:1)");
	load_fails("silence-max 0\n", "t.conf:1: silence-max");
	load_fails("silence-max 10001\n", "t.conf:1: silence-max");
	load_fails("silence-max 5\nsilence-max 6\n", "t.conf:2:");
}
END_TEST

START_TEST(test_matcher_limit)
{
	char text[4096];
	size_t off = (size_t)snprintf(text, sizeof(text),
	    "maintenance \"m\" {\n every day 02:00 for 1h\n");

	for (int i = 0; i <= MATCHER_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, " match host = h%d\n", i);
	snprintf(text + off, sizeof(text) - off, "}\n");
	load_fails(text, "t.conf:19: more than 16 matchers");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf_maintenance");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_blocks);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_matcher_limit);
	suite_add_tcase(s, tc);
	return check_run(s);
}
