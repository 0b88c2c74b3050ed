/*
 * check_report_html.c - the HTML report: one self-contained document (no
 * script, nothing fetched, a Content-Security-Policy), 168 heat-map cells
 * with the busiest darkest, a bar a day, the cards, the tables bounded,
 * the cut-short note, and names from the network escaped.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "check_run.h"
#include "report.h"
#include "report_html.h"
#include "util.h"

#define S   USEC_PER_SEC
#define MIN (60 * S)
#define H   (3600 * S)
#define DAY (24 * H)
#define MON (1795996800LL * S) /* Monday 2026-11-30 00:00:00 UTC */

static size_t
count(const char *doc, const char *what)
{
	size_t n = 0;

	for (const char *p = doc; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static void
has(const char *doc, const char *want)
{
	ck_assert_msg(strstr(doc, want) != NULL, "'%s' not in the document", want);
}

static char *
html(const struct report *r)
{
	struct capture c;

	report_html_write(capture_begin(&c), r, MON + 30 * DAY);
	return capture_end(&c);
}

static struct report *
month(void)
{
	struct report *r = xmalloc(sizeof(*r));
	struct store_tally hour = { .events = 100, .dropped = 90, .opened = 2, .deliveries = 2,
		.pages = 1 };

	report_init(r, MON, MON + 30 * DAY - S, true);
	for (int64_t d = 0; d < 30; d++) {
		struct report_incident ri = { "link down", "sw1", MON + d * DAY + 9 * H,
			MON + d * DAY + 9 * H, MON + d * DAY + 9 * H + 4 * MIN,
			MON + d * DAY + 10 * H, 5, 1 };
		report_add_incident(r, &ri);
		report_add_hour(r, MON + d * DAY + 9 * H, &hour);
	}
	return r;
}

START_TEST(test_self_contained)
{
	struct report *r = month();
	char *doc = html(r);

	ck_assert_msg(strncmp(doc, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0, "%s", doc);
	has(doc, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		 "style-src 'unsafe-inline'\">");
	has(doc, "<meta charset=\"utf-8\">");
	ck_assert_uint_eq(count(doc, "<script"), 0);
	ck_assert_uint_eq(count(doc, "://"), 0);
	ck_assert_uint_eq(count(doc, "src="), 0);
	ck_assert_uint_eq(count(doc, "href="), 0);
	ck_assert_uint_eq(count(doc, "url("), 0);
	ck_assert_uint_eq(count(doc, "@import"), 0);
	ck_assert_uint_eq(count(doc, "<style>"), 1);
	ck_assert_str_eq(doc + strlen(doc) - 16, "</body>\n</html>\n");
	free(doc);
	report_free(r);
	free(r);
}
END_TEST

START_TEST(test_charts)
{
	struct report *r = month();
	char *doc = html(r);

	ck_assert_uint_eq(count(doc, "<svg class=\"heatmap\""), 1);
	ck_assert_uint_eq(count(doc, "<rect class=\"hour-cell\""), 168);
	ck_assert_uint_eq(r->ndays, 30);
	ck_assert_uint_eq(count(doc, "<rect class=\"day-bar\""), 30);
	ck_assert_uint_eq(count(doc, "<rect class=\"event-bar\""), 30);
	ck_assert_uint_eq(count(doc, "<rect class=\"page-bar\""), 30);
	/* Every Monday to Sunday 09:00 had its incidents; the busiest cells are darkest. */
	has(doc, "fill=\"#b31e1e\"><title>Mon 09:00&ndash;09:59: 5 incidents</title>");
	has(doc, "fill=\"#eef2f7\"><title>Mon 10:00&ndash;10:59: 0 incidents</title>");
	has(doc, "<title>2026-11-30: 1 incidents, 1 alerts, 1 pages, 100 events in</title>");
	/* Cards: MTTA 4m, MTTR 1h, 3000 events in, 60 incidents and 30 pages out. */
	has(doc, "<b>4m</b><span>MTTA, over 30 acknowledged</span>");
	has(doc, "<b>1h</b><span>MTTR, over 30 resolved</span>");
	has(doc, "<b>3000</b><span>events in</span>");
	has(doc, "<b>60</b><span>incidents out</span>");
	has(doc, "<b>30</b><span>pages out</span>");
	has(doc, "<b>99.00%</b><span>noise reduction, events to pages</span>");
	has(doc, "<tr><td>link down</td><td>30</td><td>30</td><td>30</td><td>150</td><td>4m</td>"
		 "<td>1h</td></tr>");
	ck_assert_uint_eq(count(doc, "Cut short"), 0);
	free(doc);
	report_free(r);
	free(r);
}
END_TEST

START_TEST(test_hostile_names)
{
	struct report *r = month();
	struct report_incident ri = { "<script>alert(1)</script>", "\" onmouseover=\"x\x1b[2J",
		MON, -1, 0, 0, 1, 0 };
	char *doc;

	report_add_incident(r, &ri);
	doc = html(r);
	ck_assert_uint_eq(count(doc, "<script"), 0);
	has(doc, "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>");
	has(doc, "<td>&quot; onmouseover=&quot;x#033[2J</td>");
	ck_assert_ptr_null(strchr(doc, '\x1b'));
	free(doc);
	report_free(r);
	free(r);
}
END_TEST

START_TEST(test_bounded_and_cut)
{
	struct report *r = month();
	char host[32];
	char *doc;

	for (int i = 0; i < REPORT_HTML_ROWS + 5; i++) {
		struct report_incident ri = { "r", host, MON + H, -1, 0, 0, 1, 0 };
		snprintf(host, sizeof(host), "h%d", i);
		report_add_incident(r, &ri);
	}
	r->truncated = true;
	doc = html(r);
	/* 25 host rows and their header, 2 rule rows and theirs. */
	ck_assert_uint_eq(count(doc, "<tr>"), REPORT_HTML_ROWS + 1 + 2 + 1);
	has(doc, "<p class=\"range\">And 6 more (triagectl report --json lists them all).</p>");
	has(doc, "<p class=\"note\">Cut short: only the newest 60 incidents were counted, back to "
		 "2026-11-30 01:00:00 UTC;");
	free(doc);
	report_free(r);
	free(r);
	/* Nothing at all: still a whole document, no division by zero. */
	r = xmalloc(sizeof(*r));
	report_init(r, MON, MON + DAY - S, true);
	doc = html(r);
	ck_assert_uint_eq(count(doc, "<rect class=\"hour-cell\""), 168);
	ck_assert_uint_eq(count(doc, "<rect class=\"day-bar\""), 1);
	has(doc, "<b>&ndash;</b><span>MTTA, over 0 acknowledged</span>");
	free(doc);
	report_free(r);
	free(r);
}
END_TEST

static Suite *
report_html_suite(void)
{
	Suite *s = suite_create("report_html");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_self_contained);
	tcase_add_test(tc, test_charts);
	tcase_add_test(tc, test_hostile_names);
	tcase_add_test(tc, test_bounded_and_cut);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(report_html_suite());
}
