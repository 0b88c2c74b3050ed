/*
 * check_report.c - the report's arithmetic: MTTA and MTTR measured from
 * the alert, over only what was acknowledged or resolved; incidents that
 * never alerted; the noise reduction; incidents by hour of the week and
 * by day in UTC and in zones east and west, across DST changes; hourly
 * counts summed by local day; rules and hosts bounded at
 * REPORT_GROUPS_MAX and sorted noisiest first.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "check_run.h"
#include "report.h"
#include "util.h"

#define S   USEC_PER_SEC
#define MIN (60 * S)
#define H   (3600 * S)
#define DAY (24 * H)
/* Monday 2026-11-30 00:00:00 UTC. */
#define MON (1795996800LL * S)

static struct report *
report_new(int64_t since, int64_t until, bool utc)
{
	struct report *r = xmalloc(sizeof(*r));

	report_init(r, since, until, utc);
	return r;
}

static void
report_del(struct report *r)
{
	report_free(r);
	free(r);
}

static void
add(struct report *r, const char *rule, const char *host, int64_t first, int64_t alerted,
    int64_t acked, int64_t resolved)
{
	struct report_incident ri = { rule, host, first, alerted, acked, resolved, 3, alerted > 0 };

	report_add_incident(r, &ri);
}

static void
zone(const char *tz)
{
	if (tz != NULL)
		setenv("TZ", tz, 1);
	else
		unsetenv("TZ");
	tzset();
}

START_TEST(test_means)
{
	struct report *r = report_new(MON, MON + 7 * DAY, true);

	/* Acknowledged 4m and 6m after the alert, resolved 10m and 30m after. */
	add(r, "disk", "db1", MON, MON + MIN, MON + 5 * MIN, MON + 11 * MIN);
	add(r, "disk", "db2", MON + H, MON + H, MON + H + 6 * MIN, MON + H + 30 * MIN);
	/* Alerted, never acknowledged, resolved by itself 20m after: in MTTR, not MTTA. */
	add(r, "link", "sw1", MON + 2 * H, MON + 2 * H, 0, MON + 2 * H + 20 * MIN);
	/* Still open: in neither. */
	add(r, "link", "sw1", MON + 3 * H, MON + 3 * H, 0, 0);
	/* Never alerted (held, expired): counted as an incident, not an alert. */
	add(r, "link", "sw2", MON + 4 * H, -1, 0, MON + 4 * H + S);
	ck_assert_uint_eq(r->all.incidents, 5);
	ck_assert_uint_eq(r->all.alerts, 4);
	ck_assert_uint_eq(r->all.acked, 2);
	ck_assert_uint_eq(r->all.resolved, 3);
	ck_assert_int_eq(report_mean(r->all.ack_sum, r->all.acked), 5 * MIN);
	ck_assert_int_eq(report_mean(r->all.resolve_sum, r->all.resolved), 20 * MIN);
	ck_assert_uint_eq(r->all.events, 15);
	ck_assert_uint_eq(r->all.pages, 4);
	/* Per rule and per host. */
	size_t n;
	const struct report_group **g = report_sorted(&r->rules, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(g[0]->name, "link"); /* 3 incidents before disk's 2 */
	ck_assert_int_eq(report_mean(g[0]->st.ack_sum, g[0]->st.acked), -1);
	ck_assert_int_eq(report_mean(g[0]->st.resolve_sum, g[0]->st.resolved), 20 * MIN);
	ck_assert_int_eq(report_mean(g[1]->st.ack_sum, g[1]->st.acked), 5 * MIN);
	free(g);
	g = report_sorted(&r->hosts, &n);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(g[0]->name, "sw1");
	ck_assert_str_eq(g[1]->name, "db1"); /* ties by events, then by name */
	free(g);
	/* An acknowledgement stamped before the alert (clocks) counts as 0, not negative. */
	add(r, "x", "h", MON, MON + MIN, MON, 0);
	ck_assert_int_eq(r->all.ack_sum, 10 * MIN);
	report_del(r);
}
END_TEST

START_TEST(test_reduction)
{
	ck_assert(report_reduction(0, 0) < 0);
	ck_assert_double_eq_tol(report_reduction(1000, 5), 99.5, 1e-9);
	ck_assert_double_eq_tol(report_reduction(1258, 5), 99.6025, 1e-3);
	ck_assert_double_eq_tol(report_reduction(10, 10), 0, 1e-9);
	ck_assert_int_eq(report_mean(0, 0), -1);
	ck_assert_int_eq(report_mean(7, 2), 3);
}
END_TEST

/* One incident at Monday 23:30 UTC lands where each zone's clock says. */
START_TEST(test_week_zones)
{
	struct report *r;
	int64_t at = MON + 23 * H + 30 * MIN;
	int wday, hour;

	r = report_new(MON, MON + 7 * DAY, true);
	report_week_slot(r, at, &wday, &hour);
	ck_assert_int_eq(wday, 0);
	ck_assert_int_eq(hour, 23);
	report_del(r);
	zone("Asia/Tokyo"); /* +9: Tuesday 08:30 */
	r = report_new(MON, MON + 7 * DAY, false);
	report_week_slot(r, at, &wday, &hour);
	ck_assert_int_eq(wday, 1);
	ck_assert_int_eq(hour, 8);
	report_del(r);
	zone("America/Los_Angeles"); /* -8: Monday 15:30 */
	r = report_new(MON, MON + 7 * DAY, false);
	report_week_slot(r, at, &wday, &hour);
	ck_assert_int_eq(wday, 0);
	ck_assert_int_eq(hour, 15);
	/* Sunday 23:59:59 local is the last cell, Monday 00:00 the first. */
	report_week_slot(r, MON + 8 * H - S, &wday, &hour);
	ck_assert_int_eq(wday, 6);
	ck_assert_int_eq(hour, 23);
	report_week_slot(r, MON + 8 * H, &wday, &hour);
	ck_assert_int_eq(wday, 0);
	ck_assert_int_eq(hour, 0);
	add(r, "a", "b", at, at, 0, 0);
	ck_assert_uint_eq(r->week[0][15], 1);
	report_del(r);
	zone("Asia/Kolkata"); /* +5:30: Tuesday 05:00 */
	r = report_new(MON, MON + 7 * DAY, false);
	report_week_slot(r, at, &wday, &hour);
	ck_assert_int_eq(wday, 1);
	ck_assert_int_eq(hour, 5);
	report_del(r);
	zone(NULL);
}
END_TEST

/* Days are local dates: a DST day has 23 or 25 hours, and each hour lands in its own date. */
START_TEST(test_days_dst)
{
	/* Europe/Berlin: 2026-03-29 springs forward, 2026-10-25 falls back. */
	int64_t mar28 = 1774652400LL * S; /* 2026-03-28 00:00 CET (23:00 UTC the day before) */
	struct store_tally one = { .events = 1 };
	struct report *r;
	char date[16];

	zone("Europe/Berlin");
	r = report_new(mar28, mar28 + 71 * H - S, false); /* three local days */
	ck_assert_uint_eq(r->ndays, 3);
	report_day_label(r, 1, date, sizeof(date));
	ck_assert_str_eq(date, "2026-03-29");
	ck_assert_int_eq(r->days[2].start - r->days[1].start, 23 * H);
	for (int64_t h = 0; h < 3 * 24 - 1; h++)
		report_add_hour(r, mar28 + h * H, &one);
	ck_assert_uint_eq(r->days[0].in.events, 24);
	ck_assert_uint_eq(r->days[1].in.events, 23);
	ck_assert_uint_eq(r->days[2].in.events, 24);
	ck_assert_uint_eq(r->in.events, 71);
	/* Outside the days: summed, not in a day. */
	report_add_hour(r, mar28 - H, &one);
	ck_assert_uint_eq(r->in.events, 72);
	ck_assert_int_eq(report_day_of(r, mar28 - S), -1);
	ck_assert_int_eq(report_day_of(r, mar28), 0);
	report_del(r);
	/* The fall-back day has 25 hours. */
	int64_t oct25 = 1792879200LL * S; /* 2026-10-25 00:00 CEST (22:00 UTC the day before) */
	r = report_new(oct25, oct25 + DAY + 2 * H, false);
	ck_assert_uint_eq(r->ndays, 2);
	ck_assert_int_eq(r->days[1].start - r->days[0].start, 25 * H);
	ck_assert_int_eq(report_day_of(r, oct25 + 24 * H + 59 * MIN), 0);
	ck_assert_int_eq(report_day_of(r, oct25 + 25 * H), 1);
	report_del(r);
	zone(NULL);
}
END_TEST

/* 30 days from an afternoon span 31 dates; a range longer than the counts kept is bounded. */
START_TEST(test_days_span)
{
	struct report *r = report_new(MON + 15 * H, MON + 30 * DAY + 15 * H, true);
	char date[16];

	ck_assert_uint_eq(r->ndays, 31);
	report_day_label(r, 0, date, sizeof(date));
	ck_assert_str_eq(date, "2026-11-30");
	report_day_label(r, 30, date, sizeof(date));
	ck_assert_str_eq(date, "2026-12-30");
	add(r, "a", "b", MON + 30 * DAY + H, MON + 30 * DAY + H, 0, 0);
	ck_assert_uint_eq(r->days[30].st.incidents, 1);
	report_del(r);
	r = report_new(MON - 1000 * DAY, MON, true);
	ck_assert_uint_eq(r->ndays, REPORT_DAYS_MAX);
	report_del(r);
}
END_TEST

START_TEST(test_groups_bounded)
{
	struct report *r = report_new(MON, MON + DAY, true);
	char host[32];
	size_t n;

	for (int i = 0; i < REPORT_GROUPS_MAX + 10; i++) {
		snprintf(host, sizeof(host), "host-%05d", i);
		add(r, "r", host, MON, MON, 0, 0);
	}
	add(r, "r", "host-00000", MON, MON, 0, 0); /* a known one still has its own */
	ck_assert_uint_eq(r->hosts.n, REPORT_GROUPS_MAX);
	ck_assert_uint_eq(r->hosts.other.st.incidents, 10);
	const struct report_group **g = report_sorted(&r->hosts, &n);
	ck_assert_uint_eq(n, REPORT_GROUPS_MAX + 1);
	ck_assert_str_eq(g[0]->name, "host-00000");
	ck_assert_uint_eq(g[0]->st.incidents, 2);
	ck_assert_str_eq(g[n - 1]->name, "(other)"); /* last, though it has the most */
	free(g);
	ck_assert_uint_eq(r->all.incidents, REPORT_GROUPS_MAX + 11);
	report_del(r);
}
END_TEST

static Suite *
report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_means);
	tcase_add_test(tc, test_reduction);
	tcase_add_test(tc, test_week_zones);
	tcase_add_test(tc, test_days_dst);
	tcase_add_test(tc, test_days_span);
	tcase_add_test(tc, test_groups_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(report_suite());
}
