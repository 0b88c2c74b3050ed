/*
 * check_maintenance.c - recurring maintenance windows over an injected
 * clock: daily, weekly and monthly, in a zone without DST (Asia/Tokyo),
 * across the spring and autumn changes of Europe/Berlin and
 * America/New_York, and the parsers of the config's words.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_run.h"
#include "maintenance.h"
#include "util.h"
#include "utc_time.h"

static struct maintenance_schedule
sched(enum maintenance_every every, uint32_t days, const char *at, int64_t minutes,
    const char *tz)
{
	struct maintenance_schedule s = { .every = every, .days = days };
	char *cause = NULL;

	ck_assert_int_eq(maintenance_parse_time(at, &s.minute, &cause), 0);
	s.length = minutes * 60 * USEC_PER_SEC;
	strlcpy_t(s.tz, tz, sizeof(s.tz));
	return s;
}

/* The window next (or in force) at now is [start, end), both "YYYY-MM-DDTHH:MM" UTC. */
static void
expect(const struct maintenance_schedule *s, const char *now, const char *start, const char *end)
{
	int64_t b = 0, e = 0;

	ck_assert_int_eq(maintenance_next(s, utc(now), &b, &e), 0);
	ck_assert_msg(b == utc(start), "at %s: start %lld, want %s", now, (long long)(b / USEC_PER_SEC), start);
	ck_assert_msg(e == utc(end), "at %s: end %lld, want %s", now, (long long)(e / USEC_PER_SEC), end);
}

START_TEST(daily_in_tokyo)
{
	struct maintenance_schedule s = sched(MAINTENANCE_DAILY, 0, "02:00", 60, "Asia/Tokyo");

	/* 02:00 JST is 17:00 UTC the day before. */
	expect(&s, "2026-12-04T16:30", "2026-12-04T17:00", "2026-12-04T18:00");
	expect(&s, "2026-12-04T17:00", "2026-12-04T17:00", "2026-12-04T18:00");
	expect(&s, "2026-12-04T17:59", "2026-12-04T17:00", "2026-12-04T18:00");
	expect(&s, "2026-12-04T18:00", "2026-12-05T17:00", "2026-12-05T18:00");
}
END_TEST

START_TEST(weekly_and_monthly)
{
	uint32_t wd, md;
	char *cause = NULL;

	ck_assert_int_eq(maintenance_parse_weekdays("mon,wed", &wd, &cause), 0);
	struct maintenance_schedule s = sched(MAINTENANCE_WEEKLY, wd, "22:00", 120, "UTC");
	/* Friday 2026-12-04: next is Monday; it runs over midnight. */
	expect(&s, "2026-12-04T12:00", "2026-12-07T22:00", "2026-12-08T00:00");
	expect(&s, "2026-12-07T23:59", "2026-12-07T22:00", "2026-12-08T00:00");
	expect(&s, "2026-12-08T00:00", "2026-12-09T22:00", "2026-12-10T00:00");

	ck_assert_int_eq(maintenance_parse_monthdays("1,15", &md, &cause), 0);
	s = sched(MAINTENANCE_MONTHLY, md, "03:00", 30, "Asia/Tokyo");
	expect(&s, "2026-12-04T00:00", "2026-12-14T18:00", "2026-12-14T18:30");
	expect(&s, "2026-12-15T00:00", "2026-12-31T18:00", "2026-12-31T18:30");

	ck_assert_int_eq(maintenance_parse_monthdays("31", &md, &cause), 0);
	s = sched(MAINTENANCE_MONTHLY, md, "00:00", 60, "UTC");
	expect(&s, "2026-02-01T00:00", "2026-03-31T00:00", "2026-03-31T01:00");
}
END_TEST

/* 2026-03-29 Berlin: 02:00 CET becomes 03:00 CEST at 01:00 UTC. */
START_TEST(berlin_spring_forward)
{
	struct maintenance_schedule s = sched(MAINTENANCE_DAILY, 0, "02:30", 60, "Europe/Berlin");

	expect(&s, "2026-03-28T00:00", "2026-03-28T01:30", "2026-03-28T02:30");
	/* 02:30 does not exist that night: the window starts when the clocks change. */
	expect(&s, "2026-03-29T00:00", "2026-03-29T01:00", "2026-03-29T02:00");
	expect(&s, "2026-03-29T01:30", "2026-03-29T01:00", "2026-03-29T02:00");
	expect(&s, "2026-03-29T02:00", "2026-03-30T00:30", "2026-03-30T01:30");
}
END_TEST

/* 2026-10-25 Berlin: 03:00 CEST becomes 02:00 CET at 01:00 UTC; 02:30 happens twice. */
START_TEST(berlin_fall_back)
{
	struct maintenance_schedule s = sched(MAINTENANCE_DAILY, 0, "02:30", 60, "Europe/Berlin");

	/* The first 02:30 (CEST) starts it; an hour of elapsed time. */
	expect(&s, "2026-10-24T23:00", "2026-10-25T00:30", "2026-10-25T01:30");
	expect(&s, "2026-10-25T01:29", "2026-10-25T00:30", "2026-10-25T01:30");
	/* The second 02:30 (CET) starts nothing. */
	expect(&s, "2026-10-25T01:30", "2026-10-26T01:30", "2026-10-26T02:30");
	/* A window over the change keeps its elapsed length: 01:30 CEST + 2h is 02:30 CET. */
	s = sched(MAINTENANCE_DAILY, 0, "01:30", 120, "Europe/Berlin");
	expect(&s, "2026-10-24T23:00", "2026-10-24T23:30", "2026-10-25T01:30");
}
END_TEST

START_TEST(new_york_changes)
{
	uint32_t sun;
	char *cause = NULL;

	ck_assert_int_eq(maintenance_parse_weekdays("sun", &sun, &cause), 0);
	/* 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00 UTC; 02:15 is skipped. */
	struct maintenance_schedule s = sched(MAINTENANCE_WEEKLY, sun, "02:15", 60,
	    "America/New_York");
	expect(&s, "2026-03-08T04:00", "2026-03-08T07:00", "2026-03-08T08:00");
	expect(&s, "2026-03-08T08:00", "2026-03-15T06:15", "2026-03-15T07:15");
	/* 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00 UTC; 01:30 happens twice. */
	s = sched(MAINTENANCE_WEEKLY, sun, "01:30", 60, "America/New_York");
	expect(&s, "2026-11-01T04:00", "2026-11-01T05:30", "2026-11-01T06:30");
	expect(&s, "2026-11-01T06:30", "2026-11-08T06:30", "2026-11-08T07:30");
}
END_TEST

/* Occurrences that overlap are one window in force. */
START_TEST(overlapping_occurrences_merge)
{
	struct maintenance_schedule s = sched(MAINTENANCE_DAILY, 0, "00:00", 25 * 60, "UTC");
	int64_t b, e;

	ck_assert_int_eq(maintenance_next(&s, utc("2026-12-04T12:00"), &b, &e), 0);
	ck_assert(b <= utc("2026-12-04T12:00"));
	ck_assert(e > utc("2026-12-30T00:00"));
}
END_TEST

/* The process's own zone is left as it was. */
START_TEST(zone_restored)
{
	struct maintenance_schedule s = sched(MAINTENANCE_DAILY, 0, "02:00", 60, "Asia/Tokyo");
	int64_t b, e;

	setenv("TZ", "America/New_York", 1);
	ck_assert_int_eq(maintenance_next(&s, utc("2026-12-04T16:30"), &b, &e), 0);
	ck_assert_str_eq(getenv("TZ"), "America/New_York");
	unsetenv("TZ");
	ck_assert_int_eq(maintenance_next(&s, utc("2026-12-04T16:30"), &b, &e), 0);
	ck_assert_ptr_null(getenv("TZ"));
	/* Set once, as the host's zone, so later computations never add or remove it. */
	maintenance_tz_init();
	ck_assert_str_eq(getenv("TZ"), ":/etc/localtime");
	ck_assert_int_eq(maintenance_next(&s, utc("2026-12-04T16:30"), &b, &e), 0);
	ck_assert_str_eq(getenv("TZ"), ":/etc/localtime");
	ck_assert_int_eq(b, utc("2026-12-04T17:00"));
}
END_TEST

/* call (which fills cause) is refused with a message that says why. */
#define REFUSED(call, why)                                                                  \
	do {                                                                                \
		cause = NULL;                                                               \
		ck_assert_int_eq(call, -EINVAL);                                            \
		ck_assert_msg(cause != NULL && strstr(cause, why) != NULL, "got '%s'", cause); \
		free(cause);                                                                \
	} while (0)

START_TEST(parsers)
{
	uint32_t d;
	int m;
	char *cause = NULL, buf[128];

	ck_assert_int_eq(maintenance_parse_time("23:59", &m, &cause), 0);
	ck_assert_int_eq(m, 23 * 60 + 59);
	REFUSED(maintenance_parse_time("24:00", &m, &cause), "like 02:00");
	REFUSED(maintenance_parse_time("2:00", &m, &cause), "like 02:00");
	REFUSED(maintenance_parse_time("+2:00", &m, &cause), "like 02:00");
	REFUSED(maintenance_parse_weekdays("mon,,wed", &d, &cause), "days of the week");
	REFUSED(maintenance_parse_weekdays("monday", &d, &cause), "days of the week");
	REFUSED(maintenance_parse_monthdays("0,15", &d, &cause), "1 to 31");
	REFUSED(maintenance_parse_monthdays("32", &d, &cause), "1 to 31");
	REFUSED(maintenance_check_tz("Mars/Olympus_Mons", &cause), "unknown time zone");
	REFUSED(maintenance_check_tz("../../etc/passwd", &cause), "not a time zone name");
	ck_assert_int_eq(maintenance_check_tz("Europe/Berlin", &cause), 0);

	ck_assert_int_eq(maintenance_parse_weekdays("wed,mon", &d, &cause), 0);
	struct maintenance_schedule s = sched(MAINTENANCE_WEEKLY, d, "22:00", 120, "Europe/Berlin");
	maintenance_format(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "every mon,wed 22:00 for 2h tz Europe/Berlin");
	ck_assert_int_eq(maintenance_parse_monthdays("15,1", &d, &cause), 0);
	s = sched(MAINTENANCE_MONTHLY, d, "03:00", 30, "");
	maintenance_format(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "every month 1,15 03:00 for 30m");
	s = sched(MAINTENANCE_DAILY, 0, "02:00", 90, "Asia/Tokyo");
	maintenance_format(&s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "every day 02:00 for 1h30m tz Asia/Tokyo");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("maintenance");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, daily_in_tokyo);
	tcase_add_test(tc, weekly_and_monthly);
	tcase_add_test(tc, berlin_spring_forward);
	tcase_add_test(tc, berlin_fall_back);
	tcase_add_test(tc, new_york_changes);
	tcase_add_test(tc, overlapping_occurrences_merge);
	tcase_add_test(tc, zone_restored);
	tcase_add_test(tc, parsers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
