/*
 * check_postmortem.c - the postmortem draft: durations measured from the
 * alert (time to acknowledge, to resolve, the impact window) at their
 * edges, every section with the lines it takes, hostile text escaped, the
 * zone the times are in, and the sections left for people.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "check_run.h"
#include "postmortem.h"
#include "util.h"

#define S   USEC_PER_SEC
#define T0  (1796400000LL * S) /* 2026-12-04 16:00:00 UTC */
#define MIN (60 * S)

static const struct pm_line lines[] = {
	{ T0, "state", "triggered", "triggered: opened" },
	{ T0, "event", "triggered", "link eth1 down <b>*now*</b>" },
	{ T0 + 2 * S, "delivery", "triggered", "delivered trigger to pd: HTTP 202" },
	{ T0 + 5 * MIN, "state", "acknowledged", "acknowledged: by alice (uid 1001): on it" },
	{ T0 + 5 * MIN + S, "delivery", "acknowledged", "delivered acknowledge to pd: HTTP 202" },
	{ T0 + 12 * MIN, "comment", "acknowledged", "by bob (uid 1002): | swapped | [the](x) SFP" },
	{ T0 + 70 * MIN, "event", "resolved", "link eth1 up" },
	{ T0 + 70 * MIN, "state", "resolved", "resolved: resolve-on matched" },
	{ T0 + 70 * MIN + S, "note", "resolved", "dead-lettered resolve to am: HTTP 400" },
};

static struct pm_incident
incident(void)
{
	return (struct pm_incident){ 42, "sw1/if/eth1", "sw1: link eth1 down\x1b[2J", "link", "sw1",
		"crit", "resolved", 3, T0, T0 + 5 * MIN, T0 + 70 * MIN, lines, ARRAY_SIZE(lines) };
}

static char *
draft(const struct pm_draft *d)
{
	struct capture c;

	postmortem_write(capture_begin(&c), d);
	return capture_end(&c);
}

static void
has(const char *doc, const char *want)
{
	ck_assert_msg(strstr(doc, want) != NULL, "'%s' not in:\n%s", want, doc);
}

START_TEST(test_durations)
{
	struct pm_incident inc = incident();
	struct pm_durations du;

	postmortem_durations(&inc, T0 + 100 * MIN, &du);
	ck_assert_int_eq(du.alerted, T0);
	ck_assert_int_eq(du.to_ack, 5 * MIN);
	ck_assert_int_eq(du.to_resolve, 70 * MIN);
	ck_assert_int_eq(du.impact, 70 * MIN);
	/* Alerted when its threshold was reached, not at its first event. */
	struct pm_line late[] = { { T0, "state", "pending", "pending: opened, below threshold" },
		{ T0 + MIN, "state", "triggered", "triggered: threshold reached" } };
	inc.lines = late;
	inc.nlines = 2;
	postmortem_durations(&inc, T0 + 100 * MIN, &du);
	ck_assert_int_eq(du.alerted, T0 + MIN);
	ck_assert_int_eq(du.to_ack, 4 * MIN);
	/* Held, then flapping: it alerted when it began to flap. */
	struct pm_line flapped[] = { { T0, "state", "pending", "pending: opened, held for 30s" },
		{ T0 + 2 * MIN, "state", "flapping", "flapping: 5 down/up cycles within 10m" } };
	inc.lines = flapped;
	postmortem_durations(&inc, T0 + 100 * MIN, &du);
	ck_assert_int_eq(du.alerted, T0 + 2 * MIN);
	ck_assert_int_eq(du.to_ack, 3 * MIN);
	inc.lines = late;
	/* Open and unacknowledged: the window runs to now. */
	inc.acked_at = inc.resolved_at = 0;
	postmortem_durations(&inc, T0 + 100 * MIN, &du);
	ck_assert_int_eq(du.to_ack, -1);
	ck_assert_int_eq(du.to_resolve, -1);
	ck_assert_int_eq(du.impact, 100 * MIN);
	/* Never alerted (it expired below its threshold): no durations. */
	inc.nlines = 1;
	inc.resolved_at = T0 + 5 * MIN;
	postmortem_durations(&inc, T0 + 100 * MIN, &du);
	ck_assert_int_eq(du.alerted, -1);
	ck_assert_int_eq(du.to_resolve, -1);
	ck_assert_int_eq(du.impact, 5 * MIN);
	/* Acknowledged in the same microsecond, clocks a little apart: never negative. */
	inc = incident();
	inc.acked_at = T0 - 1;
	inc.first_seen = T0 + 200 * MIN;
	postmortem_durations(&inc, T0, &du);
	ck_assert_int_eq(du.to_ack, 0);
	ck_assert_int_eq(du.impact, 0);
}
END_TEST

START_TEST(test_sections)
{
	struct pm_incident inc = incident();
	struct pm_draft d = { .inc = &inc, .now = T0 + 100 * MIN, .utc = true };
	char *doc = draft(&d);

	ck_assert_msg(strncmp(doc, "# Postmortem: sw1: link eth1 down\\#033\\[2J\n\n", 43) == 0,
	    "%s", doc);
	has(doc, "*Draft made by triagectl at 2026-12-04 17:40:00 UTC from the timeline");
	has(doc, "| Incident | 42 |\n| Key | sw1/if/eth1 |\n| Rule | link |\n| Host | sw1 |\n");
	has(doc, "| Events | 3 |\n");
	has(doc, "| Impact window | 2026-12-04 16:00:00 UTC to 2026-12-04 17:10:00 UTC, 1h10m |\n");
	has(doc, "| Time to acknowledge | 5m (acknowledged: by alice (uid 1001): on it) |\n");
	has(doc, "| Time to resolve | 1h10m |\n");
	has(doc, "\n## Events\n\n- 2026-12-04 16:00:00 UTC (+0s): link eth1 down "
		 "\\<b\\>\\*now\\*\\</b\\>\n- 2026-12-04 17:10:00 UTC (+1h10m): link eth1 up\n");
	has(doc, "\n## State changes\n\n- 2026-12-04 16:00:00 UTC (+0s): triggered: opened\n"
		 "- 2026-12-04 16:05:00 UTC (+5m): acknowledged: by alice (uid 1001): on it\n"
		 "- 2026-12-04 17:10:00 UTC (+1h10m): resolved: resolve-on matched\n\n");
	has(doc, "\n## Deliveries\n\n- 2026-12-04 16:00:02 UTC (+2s): delivered trigger to pd: "
		 "HTTP 202\n- 2026-12-04 16:05:01 UTC (+5m1s): delivered acknowledge");
	has(doc, "\n## Pages\n\n- 2026-12-04 16:00:02 UTC (+2s): delivered trigger to pd: "
		 "HTTP 202\n\n");
	has(doc, "\n## Acknowledgements\n\n- 2026-12-04 16:05:00 UTC (+5m): acknowledged: by");
	has(doc, "\n## Notes\n\n- 2026-12-04 16:12:00 UTC (+12m): by bob (uid 1002): \\| swapped "
		 "\\| \\[the\\](x) SFP\n");
	has(doc, "\n## Other notes\n\n- 2026-12-04 17:10:01 UTC (+1h10m1s): dead-lettered");
	has(doc, "\n## Resolution\n\n- 2026-12-04 17:10:00 UTC (+1h10m): resolved: resolve-on");
	has(doc, "\n## What went well\n\n\n## What went wrong\n\n\n## Action items\n\n- [ ] \n");
	ck_assert_ptr_null(strstr(doc, "Earlier incidents"));
	ck_assert_ptr_null(strchr(doc, '\x1b'));
	free(doc);
}
END_TEST

START_TEST(test_open_and_relatives)
{
	struct pm_incident inc = incident();
	struct pm_incident past[] = { { .id = 7, .state = "resolved", .count = 2,
		.first_seen = T0 - 600 * MIN, .resolved_at = T0 - 597 * MIN } };
	struct pm_incident rel[] = { { .id = 43, .key = "sw1/if/eth2", .state = "triggered",
		.summary = "sw1: link eth2 down _x_" } };
	struct pm_draft d = { &inc, past, rel, 1, 1, T0 + 30 * MIN, true };
	char *doc;

	inc.state = "triggered";
	inc.acked_at = inc.resolved_at = 0;
	inc.nlines = 3;
	doc = draft(&d);
	has(doc, "| Impact window | 2026-12-04 16:00:00 UTC to now (still open), 30m |\n");
	has(doc, "| Time to acknowledge | not acknowledged |\n"
		 "| Time to resolve | not resolved |\n");
	has(doc, "\n## Notes\n\n- none\n");
	has(doc, "\n## Earlier incidents with this key\n\n- #7 resolved, opened "
		 "2026-12-04 06:00:00 UTC, lasted 3m, 2 events\n");
	has(doc, "\n## Related incidents (same host, within 10 minutes)\n\n- #43 sw1/if/eth2 "
		 "(triggered): sw1: link eth2 down \\_x\\_\n");
	free(doc);
}
END_TEST

/* Times in the local zone name it, across a DST change too. */
START_TEST(test_zone)
{
	struct pm_incident inc = incident();
	struct pm_draft d = { .inc = &inc, .now = T0 + 100 * MIN, .utc = false };
	char *doc;

	setenv("TZ", "Asia/Tokyo", 1);
	tzset();
	doc = draft(&d);
	has(doc, "| Impact window | 2026-12-05 01:00:00 JST to 2026-12-05 02:10:00 JST, 1h10m |");
	free(doc);
	/* 2026-03-29 00:30 UTC, Europe/Berlin springs forward at 01:00 UTC: +1h10m is CEST. */
	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	inc.lines = NULL;
	inc.nlines = 0;
	inc.first_seen = 1774744200LL * S;
	inc.resolved_at = inc.first_seen + 70 * MIN;
	doc = draft(&d);
	has(doc, "| Impact window | 2026-03-29 01:30:00 CET to 2026-03-29 03:40:00 CEST, 1h10m |");
	has(doc, "| Time to resolve | never alerted |");
	free(doc);
	unsetenv("TZ");
}
END_TEST

static Suite *
postmortem_suite(void)
{
	Suite *s = suite_create("postmortem");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_sections);
	tcase_add_test(tc, test_open_and_relatives);
	tcase_add_test(tc, test_zone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(postmortem_suite());
}
