/*
 * check_schedule.c - on-call schedules over an injected clock: daily,
 * weekly and custom rotations at their handoffs (a microsecond before and
 * at), layers, restrictions by day and time of day (over midnight too),
 * overrides, the changes of the clocks in Europe/Berlin and
 * America/New_York, a follow-the-sun rota of 14 days, the bounds of a
 * rota, and the parsers of the config's words.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_run.h"
#include "schedule.h"
#include "util.h"
#include "utc_time.h"

enum { ALICE, BOB, CAROL, DAVE, ERIN, FRANK };

static int64_t
day_of(const char *date)
{
	int64_t d;
	char *cause = NULL;

	ck_assert_int_eq(schedule_parse_date(date, &d, &cause), 0);
	return d;
}

static struct schedule_layer
layer(enum schedule_rotation rot, const char *handoff, const char *start, int m0, int m1)
{
	struct schedule_layer l = { .rotation = rot, .members = { m0, m1 } };
	char *cause = NULL;

	ck_assert_int_eq(maintenance_parse_time(handoff, &l.handoff_minute, &cause), 0);
	l.start_day = day_of(start);
	l.nmembers = m1 < 0 ? 1 : 2;
	return l;
}

static void
restrict_to(struct schedule_layer *l, const char *days, const char *range)
{
	struct schedule_restrict *r = &l->restricts[l->nrestricts++];
	char *cause = NULL;

	r->days = 0x7f;
	if (days != NULL)
		ck_assert_int_eq(schedule_parse_days(days, &r->days, &cause), 0);
	ck_assert_int_eq(schedule_parse_range(range, &r->from, &r->to, &cause), 0);
}

/* Who is on at `at` (usec) and until when. */
static struct schedule_shift
on_at(const struct schedule *s, const struct schedule_override *extra, size_t nextra, int64_t at)
{
	struct schedule_shift out[2];
	struct schedule_rows r = { out, 2, 0, SCHEDULE_STEPS_MAX, false };

	schedule_rota(s, extra, nextra, at, at + 30 * 86400 * USEC_PER_SEC, &r);
	ck_assert_uint_ge(r.n, 1);
	return out[0];
}

static void
expect(const struct schedule *s, int64_t at, int who, const char *until)
{
	struct schedule_shift sh = on_at(s, NULL, 0, at);

	ck_assert_msg(sh.contact == who, "at %lld: contact %d, want %d", (long long)at,
	    sh.contact, who);
	ck_assert_msg(sh.end == utc(until), "at %lld: until %lld, want %s", (long long)at,
	    (long long)(sh.end / USEC_PER_SEC), until);
}

START_TEST(daily_handoff_edges)
{
	struct schedule_layer l = layer(SCHEDULE_DAILY, "09:00", "2026-12-01", ALICE, BOB);
	struct schedule s = { .tz = "UTC", .layers = &l, .nlayers = 1 };

	/* The epoch's first handoff puts the first member on. */
	expect(&s, utc("2026-12-01T09:00"), ALICE, "2026-12-02T09:00");
	expect(&s, utc("2026-12-01T09:00") - 1, BOB, "2026-12-01T09:00");
	expect(&s, utc("2026-12-02T09:00") - 1, ALICE, "2026-12-02T09:00");
	expect(&s, utc("2026-12-02T09:00"), BOB, "2026-12-03T09:00");
	/* Long before the epoch the order holds. */
	expect(&s, utc("2026-11-01T12:00"), ALICE, "2026-11-02T09:00");
}
END_TEST

START_TEST(weekly_handoff_in_berlin)
{
	/* Starting on a Wednesday, the first Monday handoff is 2026-12-07. */
	struct schedule_layer l = layer(SCHEDULE_WEEKLY, "09:00", "2026-12-02", ALICE, BOB);
	struct schedule s = { .tz = "Europe/Berlin", .layers = &l, .nlayers = 1 };

	l.handoff_wday = 1;
	/* 09:00 CET is 08:00 UTC. */
	expect(&s, utc("2026-12-07T08:00") - 1, BOB, "2026-12-07T08:00");
	expect(&s, utc("2026-12-07T08:00"), ALICE, "2026-12-14T08:00");
	expect(&s, utc("2026-12-14T08:00") - 1, ALICE, "2026-12-14T08:00");
	expect(&s, utc("2026-12-14T08:00"), BOB, "2026-12-21T08:00");
}
END_TEST

START_TEST(custom_lengths)
{
	struct schedule_layer l = layer(SCHEDULE_EVERY, "06:00", "2026-12-01", ALICE, BOB);
	struct schedule s = { .tz = "UTC", .layers = &l, .nlayers = 1 };

	/* Whole days count as days of the calendar. */
	l.length = 3 * 86400 * USEC_PER_SEC;
	expect(&s, utc("2026-12-04T06:00") - 1, ALICE, "2026-12-04T06:00");
	expect(&s, utc("2026-12-04T06:00"), BOB, "2026-12-07T06:00");
	/* Anything else is elapsed time from the epoch. */
	l.length = 12 * 3600 * USEC_PER_SEC;
	expect(&s, utc("2026-12-01T17:59"), ALICE, "2026-12-01T18:00");
	expect(&s, utc("2026-12-01T18:00"), BOB, "2026-12-02T06:00");
	expect(&s, utc("2026-12-02T06:00"), ALICE, "2026-12-02T18:00");
}
END_TEST

START_TEST(layers_and_restrictions)
{
	struct schedule_layer l[2] = {
		layer(SCHEDULE_DAILY, "00:00", "2026-12-01", ALICE, -1),
		layer(SCHEDULE_DAILY, "00:00", "2026-12-01", CAROL, -1),
	};
	struct schedule s = { .tz = "UTC", .layers = l, .nlayers = 2 };

	restrict_to(&l[1], "mon-fri", "09:00-17:00");
	/* Friday 2026-12-04: the later layer wins inside its hours. */
	expect(&s, utc("2026-12-04T09:00") - 1, ALICE, "2026-12-04T09:00");
	expect(&s, utc("2026-12-04T09:00"), CAROL, "2026-12-04T17:00");
	expect(&s, utc("2026-12-04T17:00"), ALICE, "2026-12-07T09:00");
	/* Over a weekend nobody of the second layer is on. */
	expect(&s, utc("2026-12-05T12:00"), ALICE, "2026-12-07T09:00");
}
END_TEST

START_TEST(restriction_over_midnight)
{
	struct schedule_layer l = layer(SCHEDULE_DAILY, "12:00", "2026-12-01", DAVE, -1);
	struct schedule s = { .tz = "UTC", .layers = &l, .nlayers = 1 };

	/* Friday nights only: the window belongs to the day it starts. */
	restrict_to(&l, "fri", "22:00-06:00");
	expect(&s, utc("2026-12-04T21:59"), -1, "2026-12-04T22:00");
	expect(&s, utc("2026-12-04T22:00"), DAVE, "2026-12-05T06:00");
	expect(&s, utc("2026-12-05T06:00") - 1, DAVE, "2026-12-05T06:00");
	expect(&s, utc("2026-12-05T06:00"), -1, "2026-12-11T22:00");
	/* Thursday night is not Friday's. */
	expect(&s, utc("2026-12-04T03:00"), -1, "2026-12-04T22:00");
	/* To the end of the day, on days that wrap past Saturday. */
	l.restricts[0].days = 0;
	ck_assert_int_eq(schedule_parse_days("sat-mon", &l.restricts[0].days, &(char *){ NULL }),
	    0);
	ck_assert_uint_eq(l.restricts[0].days, 0x43);
	restrict_to(&l, "sat", "20:00-24:00");
	expect(&s, utc("2026-12-05T19:00"), -1, "2026-12-05T20:00");
	/* Windows that meet or overlap are one shift. */
	expect(&s, utc("2026-12-05T20:00"), DAVE, "2026-12-06T06:00");
}
END_TEST

START_TEST(overrides_beat_layers)
{
	struct schedule_layer l = layer(SCHEDULE_DAILY, "09:00", "2026-12-01", ALICE, BOB);
	struct schedule_override conf_ov = { CAROL, utc("2026-12-24T00:00"), utc("2026-12-27T00:00") };
	struct schedule_override extra = { DAVE, utc("2026-12-25T12:00"), utc("2026-12-25T18:00") };
	struct schedule s = { .tz = "UTC", .layers = &l, .nlayers = 1, .overrides = &conf_ov,
		.noverrides = 1 };

	expect(&s, utc("2026-12-24T00:00") - 1, ALICE, "2026-12-24T00:00");
	expect(&s, utc("2026-12-24T00:00"), CAROL, "2026-12-27T00:00");
	/* The one begun later wins while it lasts. */
	struct schedule_shift sh = on_at(&s, &extra, 1, utc("2026-12-25T12:00"));
	ck_assert_int_eq(sh.contact, DAVE);
	ck_assert_int_eq(sh.layer, -1);
	ck_assert_int_eq(sh.end, utc("2026-12-25T18:00"));
	sh = on_at(&s, &extra, 1, utc("2026-12-25T18:00"));
	ck_assert_int_eq(sh.contact, CAROL);
	ck_assert_int_eq(sh.end, utc("2026-12-27T00:00"));
	/* After it, the rotation goes on where it would have been. */
	expect(&s, utc("2026-12-27T00:00"), BOB, "2026-12-27T09:00");
}
END_TEST

START_TEST(dst_berlin)
{
	struct schedule_layer l = layer(SCHEDULE_DAILY, "09:00", "2026-01-01", ALICE, BOB);
	struct schedule s = { .tz = "Europe/Berlin", .layers = &l, .nlayers = 1 };

	/* Spring (2026-03-29): 09:00 CET is 08:00 UTC, 09:00 CEST 07:00 UTC. */
	expect(&s, utc("2026-03-28T08:00") - 1, BOB, "2026-03-28T08:00");
	expect(&s, utc("2026-03-28T08:00"), ALICE, "2026-03-29T07:00");
	expect(&s, utc("2026-03-29T07:00") - 1, ALICE, "2026-03-29T07:00");
	expect(&s, utc("2026-03-29T07:00"), BOB, "2026-03-30T07:00");
	/* Autumn (2026-10-25): back to 08:00 UTC. */
	expect(&s, utc("2026-10-24T07:00"), ALICE, "2026-10-25T08:00");
	expect(&s, utc("2026-10-25T08:00"), BOB, "2026-10-26T08:00");
	/* 02:30 does not exist on the spring night: the handoff is when the clocks change. */
	ck_assert_int_eq(maintenance_parse_time("02:30", &l.handoff_minute, &(char *){ NULL }), 0);
	expect(&s, utc("2026-03-28T01:30"), ALICE, "2026-03-29T01:00");
	expect(&s, utc("2026-03-29T01:00"), BOB, "2026-03-30T00:30");
	/* On the autumn night it happens twice: the first one counts. */
	expect(&s, utc("2026-10-24T12:00"), ALICE, "2026-10-25T00:30");
	expect(&s, utc("2026-10-25T00:30"), BOB, "2026-10-26T01:30");
}
END_TEST

START_TEST(dst_new_york)
{
	struct schedule_layer l = layer(SCHEDULE_WEEKLY, "09:00", "2026-01-01", ALICE, BOB);
	struct schedule s = { .tz = "America/New_York", .layers = &l, .nlayers = 1 };
	int who;

	/* Sunday handoffs, on the days the clocks change (2026-03-08, 2026-11-01). */
	l.handoff_wday = 0;
	who = on_at(&s, NULL, 0, utc("2026-03-01T14:00")).contact;
	expect(&s, utc("2026-03-01T14:00"), who, "2026-03-08T13:00");
	expect(&s, utc("2026-03-08T13:00"), 1 - who, "2026-03-15T13:00");
	who = on_at(&s, NULL, 0, utc("2026-10-25T13:00")).contact;
	expect(&s, utc("2026-10-25T13:00"), who, "2026-11-01T14:00");
	expect(&s, utc("2026-11-01T14:00") - 1, who, "2026-11-01T14:00");
	expect(&s, utc("2026-11-01T14:00"), 1 - who, "2026-11-08T14:00");
	/* Restricted hours follow the local clock as well. */
	restrict_to(&l, NULL, "09:00-17:00");
	expect(&s, utc("2026-03-07T22:00") - 1, who, "2026-03-07T22:00");
	expect(&s, utc("2026-03-09T13:00"), 1 - who, "2026-03-09T21:00");
}
END_TEST

START_TEST(follow_the_sun_rota)
{
	struct schedule_layer l[3] = {
		layer(SCHEDULE_DAILY, "00:00", "2026-12-07", CAROL, DAVE),
		layer(SCHEDULE_DAILY, "00:00", "2026-12-07", ALICE, BOB),
		layer(SCHEDULE_DAILY, "00:00", "2026-12-07", ERIN, FRANK),
	};
	struct schedule s = { .tz = "UTC", .layers = l, .nlayers = 3 };
	struct schedule_shift out[SCHEDULE_SHIFTS_MAX];
	struct schedule_rows r = { out, SCHEDULE_SHIFTS_MAX, 0, SCHEDULE_STEPS_MAX, false };

	restrict_to(&l[0], NULL, "00:00-08:00");
	restrict_to(&l[1], NULL, "08:00-16:00");
	restrict_to(&l[2], NULL, "16:00-24:00");
	schedule_rota(&s, NULL, 0, utc("2026-12-07T00:00"), utc("2026-12-21T00:00"), &r);
	ck_assert(!r.cut);
	ck_assert_uint_eq(r.n, 42);
	/* Changes at the three edges of each day, and where the rota ends. */
	ck_assert_int_eq(r.steps, SCHEDULE_STEPS_MAX - 42);
	for (size_t i = 0; i < r.n; i++) {
		int day = (int)(i / 3), region = (int)(i % 3);
		static const int first[3] = { CAROL, ALICE, ERIN };
		ck_assert_int_eq(out[i].contact, first[region] + day % 2);
		ck_assert_int_eq(out[i].layer, region);
		ck_assert_int_eq(out[i].start, utc("2026-12-07T00:00") + (int64_t)i * 8 * 3600 * USEC_PER_SEC);
		ck_assert_int_eq(out[i].end - out[i].start, 8 * 3600 * USEC_PER_SEC);
	}
}
END_TEST

START_TEST(rota_bounds)
{
	struct schedule_layer l[SCHEDULE_LAYERS_MAX];
	struct schedule s = { .tz = "UTC", .layers = l, .nlayers = 1 };
	static struct schedule_shift out[SCHEDULE_SHIFTS_MAX];
	struct schedule_rows r = { out, SCHEDULE_SHIFTS_MAX, 0, SCHEDULE_STEPS_MAX, false };
	int64_t from = utc("2026-12-01T00:00");

	l[0] = layer(SCHEDULE_EVERY, "00:00", "2026-12-01", ALICE, BOB);
	l[0].length = SCHEDULE_EVERY_MIN;
	/* 90 days of hourly shifts are 2160: the rota stops at its last row. */
	schedule_rota(&s, NULL, 0, from, from + SCHEDULE_HORIZON_MAX, &r);
	ck_assert(r.cut);
	ck_assert_uint_eq(r.n, SCHEDULE_SHIFTS_MAX);
	ck_assert_int_eq(out[r.n - 1].end, from + 1000 * 3600 * USEC_PER_SEC);
	/* Asked for longer than the horizon, it ends there. */
	l[0].nmembers = 1;
	r.steps = SCHEDULE_STEPS_MAX;
	schedule_rota(&s, NULL, 0, from, from + 2 * SCHEDULE_HORIZON_MAX, &r);
	ck_assert(!r.cut);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(out[0].end, from + SCHEDULE_HORIZON_MAX);
	/* Every layer at its limit, handing off at different minutes: the steps run out. */
	for (int i = 0; i < SCHEDULE_LAYERS_MAX; i++) {
		l[i] = l[0];
		l[i].handoff_minute = i;
	}
	s.nlayers = SCHEDULE_LAYERS_MAX;
	r.steps = SCHEDULE_STEPS_MAX;
	schedule_rota(&s, NULL, 0, from, from + SCHEDULE_HORIZON_MAX, &r);
	ck_assert(r.cut);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(r.steps, 0);
	ck_assert_int_lt(out[0].end, from + SCHEDULE_HORIZON_MAX);
	/* With the budget spent, a rota still says who is on at its start, and no more. */
	schedule_rota(&s, NULL, 0, from, from + SCHEDULE_HORIZON_MAX, &r);
	ck_assert(r.cut);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(out[0].contact, ALICE);
	ck_assert_int_eq(out[0].end, from + 60 * USEC_PER_SEC);
}
END_TEST

START_TEST(parsers)
{
	uint8_t days;
	int from, to;
	int64_t d, t;
	char *cause = NULL;

	ck_assert_int_eq(schedule_parse_days("mon-fri", &days, &cause), 0);
	ck_assert_uint_eq(days, 0x3e);
	ck_assert_int_eq(schedule_parse_days("sat,sun", &days, &cause), 0);
	ck_assert_uint_eq(days, 0x41);
	ck_assert_int_eq(schedule_parse_days("fri-mon,wed", &days, &cause), 0);
	ck_assert_uint_eq(days, 0x6b);
	ck_assert_int_eq(schedule_parse_days("mon-", &days, &cause), -EINVAL);
	ck_assert_str_eq(cause, "expected days of the week like mon-fri or sat,sun, got 'mon-'");
	free(cause);
	ck_assert_int_eq(schedule_parse_range("22:00-06:00", &from, &to, &cause), 0);
	ck_assert_int_eq(from, 1320);
	ck_assert_int_eq(to, 360);
	ck_assert_int_eq(schedule_parse_range("00:00-24:00", &from, &to, &cause), 0);
	ck_assert_int_eq(to, 1440);
	ck_assert_int_eq(schedule_parse_range("09:00-09:00", &from, &to, &cause), -EINVAL);
	free(cause);
	ck_assert_int_eq(schedule_parse_range("9:00-17:00", &from, &to, &cause), -EINVAL);
	free(cause);
	ck_assert_int_eq(schedule_parse_range("09:00-24:01", &from, &to, &cause), -EINVAL);
	free(cause);
	ck_assert_int_eq(schedule_parse_date("2026-01-05", &d, &cause), 0);
	ck_assert_int_eq(d, utc("2026-01-05T00:00") / (86400 * USEC_PER_SEC));
	ck_assert_int_eq(schedule_parse_date("2026-13-05", &d, &cause), -EINVAL);
	free(cause);
	ck_assert_int_eq(schedule_parse_date("2026-02-29", &d, &cause), -EINVAL);
	free(cause);
	ck_assert_int_eq(schedule_parse_date("2028-02-29", &d, &cause), 0);
	ck_assert_int_eq(schedule_parse_date("2026-01-05x", &d, &cause), -EINVAL);
	free(cause);
	ck_assert_int_eq(schedule_parse_local("Europe/Berlin", "2026-12-24 00:00", &t, &cause), 0);
	ck_assert_int_eq(t, utc("2026-12-23T23:00"));
	ck_assert_int_eq(schedule_parse_local("America/New_York", "2026-03-08 02:30", &t, &cause),
	    0);
	ck_assert_int_eq(t, utc("2026-03-08T07:00"));
	ck_assert_int_eq(schedule_parse_local("UTC", "2026-12-24", &t, &cause), -EINVAL);
	ck_assert_str_eq(cause, "expected a local time like \"2026-12-24 18:00\", got '2026-12-24'");
	free(cause);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("schedule");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, daily_handoff_edges);
	tcase_add_test(tc, weekly_handoff_in_berlin);
	tcase_add_test(tc, custom_lengths);
	tcase_add_test(tc, layers_and_restrictions);
	tcase_add_test(tc, restriction_over_midnight);
	tcase_add_test(tc, overrides_beat_layers);
	tcase_add_test(tc, dst_berlin);
	tcase_add_test(tc, dst_new_york);
	tcase_add_test(tc, follow_the_sun_rota);
	tcase_add_test(tc, rota_bounds);
	tcase_add_test(tc, parsers);
	suite_add_tcase(s, tc);
	return check_run(s);
}
