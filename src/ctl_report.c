/*
 * ctl_report.c - triagectl report: asks the daemon for the incidents of
 * the range a page at a time (each page one short request, so the daemon
 * is never held for long) and the range's hourly counts, adds them up
 * (report.c) and prints a table, JSON, or with --html a self-contained
 * HTML file (report_html.c).  At most --max incidents are walked, the
 * newest first; past that the report says it was cut short.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_format.h"
#include "ctlclient.h"
#include "jsonutil.h"
#include "report.h"
#include "report_html.h"
#include "triagectl.h"
#include "util.h"

#define REPORT_PAGE 200
#define SHADES " .:-=+*#%@"

/* One request to the daemon: its reply (escaped for a terminal or a page), or NULL, said. */
static json_t *
call(const struct opts *o, json_t *req)
{
	json_t *reply = NULL;
	char *cause = NULL;

	if (ctlclient_call(o->socket, req, CALL_TIMEOUT_MS, &reply, &cause) < 0 ||
	    !json_is_true(json_object_get(reply, "ok"))) {
		fprintf(stderr, "triagectl: %s\n", cause ? cause : jstr(reply, "error"));
		json_decref(reply);
		reply = NULL;
	}
	json_decref(req);
	free(cause);
	if (reply != NULL)
		json_escape_controls(reply); /* names reach a terminal or a browser */
	return reply;
}

/* The range's hourly counts, a page at a time from its start: 0, or 1 when refused. */
static int
fetch_tally(const struct opts *o, struct report *r, size_t *pages)
{
	int64_t since = r->since;
	json_t *reply, *e, *next;
	bool more;
	size_t i;

	for (;;) {
		(*pages)++;
		reply = call(o, json_pack("{s:s, s:I, s:I, s:b}", "command", "report", "since",
		    (json_int_t)since, "until", (json_int_t)r->until, "tally", 1));
		if (reply == NULL)
			return 1;
		json_array_foreach(json_object_get(reply, "tally"), i, e) {
			struct store_tally n = { (uint64_t)jint(e, "events"),
				(uint64_t)jint(e, "dropped"), (uint64_t)jint(e, "opened"),
				(uint64_t)jint(e, "deliveries"), (uint64_t)jint(e, "pages") };
			report_add_hour(r, ctl_parse_time(jstr(e, "hour")), &n);
		}
		next = json_object_get(reply, "next");
		more = json_is_object(next) && jint(next, "since") > since;
		since = (int64_t)jint(next, "since");
		json_decref(reply);
		if (!more)
			return 0;
	}
}

static void
add_incidents(struct report *r, json_t *reply)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(reply, "incidents"), i, e) {
		struct report_incident ri = { jstr(e, "rule"), jstr(e, "host"),
			ctl_parse_time(jstr(e, "first_seen")),
			ctl_parse_time(jstr(e, "alerted_at")), ctl_parse_time(jstr(e, "acked_at")),
			ctl_parse_time(jstr(e, "resolved_at")), (uint64_t)jint(e, "count"),
			(uint64_t)jint(e, "pages") };
		report_add_incident(r, &ri);
	}
}

/* The incidents, newest first, a page at a time, up to max: 0, or 1 when refused. */
static int
fetch_incidents(const struct opts *o, struct report *r, size_t max, size_t *pages)
{
	json_t *reply, *req, *next = NULL, *cursor = NULL;

	for (;;) {
		(*pages)++;
		size_t want = max - r->walked < REPORT_PAGE ? max - r->walked : REPORT_PAGE;
		req = json_pack("{s:s, s:I, s:I, s:I}", "command", "report", "since",
		    (json_int_t)r->since, "until", (json_int_t)r->until, "limit", (json_int_t)want);
		if (cursor != NULL)
			json_object_update(req, cursor);
		json_decref(cursor);
		cursor = NULL;
		if ((reply = call(o, req)) == NULL)
			return 1;
		add_incidents(r, reply);
		next = json_object_get(reply, "next");
		r->truncated = json_is_object(next) && r->walked >= max;
		if (json_is_object(next) && !r->truncated)
			cursor = json_incref(next);
		json_decref(reply);
		if (cursor == NULL)
			return 0;
	}
}

static void
span_or(int64_t usec, char *buf, size_t size)
{
	if (usec < 0)
		snprintf(buf, size, "-");
	else
		format_duration(usec - usec % USEC_PER_SEC, buf, size);
}

static json_t *
stat_json(const struct report_stat *st)
{
	int64_t mtta = report_mean(st->ack_sum, st->acked);
	int64_t mttr = report_mean(st->resolve_sum, st->resolved);

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "incidents",
	    (json_int_t)st->incidents, "alerts", (json_int_t)st->alerts, "acknowledged",
	    (json_int_t)st->acked, "resolved", (json_int_t)st->resolved, "events",
	    (json_int_t)st->events, "pages", (json_int_t)st->pages, "mtta_sec",
	    mtta < 0 ? json_null() : json_real((double)mtta / USEC_PER_SEC), "mttr_sec",
	    mttr < 0 ? json_null() : json_real((double)mttr / USEC_PER_SEC));
}

static json_t *
groups_json(const struct report_groups *g)
{
	size_t n;
	const struct report_group **s = report_sorted(g, &n);
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *o = stat_json(&s[i]->st);
		json_object_set_new(o, "name", json_text(s[i]->name));
		json_array_append_new(arr, o);
	}
	free(s);
	return arr;
}

static json_t *
reduction_json(uint64_t in, uint64_t out)
{
	double pct = report_reduction(in, out);

	return pct < 0 ? json_null() : json_real(pct);
}

static json_t *
days_json(const struct report *r)
{
	json_t *arr = json_array(), *week = json_array();
	char date[16];

	for (size_t i = 0; i < r->ndays; i++) {
		json_t *o = stat_json(&r->days[i].st);
		report_day_label(r, i, date, sizeof(date));
		json_object_set_new(o, "date", json_string(date));
		json_object_set_new(o, "events_in", json_integer((json_int_t)r->days[i].in.events));
		json_object_set_new(o, "pages_out", json_integer((json_int_t)r->days[i].in.pages));
		json_array_append_new(arr, o);
	}
	for (int d = 0; d < 7; d++) {
		json_t *row = json_array();
		for (int h = 0; h < 24; h++)
			json_array_append_new(row, json_integer((json_int_t)r->week[d][h]));
		json_array_append_new(week, row);
	}
	return json_pack("{s:o, s:o}", "days", arr, "hour_of_week", week);
}

static void
print_json(const struct report *r, size_t pages)
{
	json_t *j = stat_json(&r->all), *dw = days_json(r);
	char *s;

	json_object_set_new(j, "since", json_time(r->since));
	json_object_set_new(j, "until", json_time(r->until));
	json_object_set_new(j, "zone", json_string(r->utc ? "UTC" : "local"));
	json_object_set_new(j, "truncated", json_boolean(r->truncated));
	json_object_set_new(j, "walked", json_integer((json_int_t)r->walked));
	json_object_set_new(j, "requests", json_integer((json_int_t)pages));
	json_object_set_new(j, "in",
	    json_pack("{s:I, s:I, s:I, s:I, s:I}", "events", (json_int_t)r->in.events, "dropped",
	        (json_int_t)r->in.dropped, "opened", (json_int_t)r->in.opened, "deliveries",
	        (json_int_t)r->in.deliveries, "pages", (json_int_t)r->in.pages));
	json_object_set_new(j, "noise_reduction_pct", reduction_json(r->in.events, r->in.pages));
	json_object_set_new(
	    j, "incident_reduction_pct", reduction_json(r->in.events, r->in.opened));
	json_object_set_new(j, "rules", groups_json(&r->rules));
	json_object_set_new(j, "hosts", groups_json(&r->hosts));
	json_object_update(j, dw);
	json_decref(dw);
	s = json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
	puts(s ? s : "null");
	free(s);
	json_decref(j);
}

/* "99.7% fewer" or "-" */
static void
fewer(uint64_t in, uint64_t out, char *buf, size_t size)
{
	double pct = report_reduction(in, out);

	if (pct < 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.*f%% fewer", pct >= 99.0 && pct < 100.0 ? 2 : 1, pct);
}

static void
print_summary(const struct opts *o, const struct report *r)
{
	char from[64], to[64], a[64], b[64];

	ctl_format_time(r->since, o->utc, from, sizeof(from));
	ctl_format_time(r->until, o->utc, to, sizeof(to));
	ctl_format_span(r->until - r->since, a, sizeof(a));
	printf("report of the last %s: %s to %s\n", a, from, to);
	printf("events in      %10llu  (%llu dropped by rules)\n", (unsigned long long)r->in.events,
	    (unsigned long long)r->in.dropped);
	fewer(r->in.events, r->in.opened, a, sizeof(a));
	printf("incidents out  %10llu  %s than events\n", (unsigned long long)r->in.opened, a);
	fewer(r->in.events, r->in.pages, a, sizeof(a));
	fewer(r->in.opened, r->in.pages, b, sizeof(b));
	printf("pages out      %10llu  %s than events, %s than incidents\n",
	    (unsigned long long)r->in.pages, a, b);
	printf("deliveries     %10llu\n", (unsigned long long)r->in.deliveries);
	span_or(report_mean(r->all.ack_sum, r->all.acked), a, sizeof(a));
	span_or(report_mean(r->all.resolve_sum, r->all.resolved), b, sizeof(b));
	printf("alerts         %10llu\n", (unsigned long long)r->all.alerts);
	printf("MTTA %s over %llu acknowledged\nMTTR %s over %llu resolved\n", a,
	    (unsigned long long)r->all.acked, b, (unsigned long long)r->all.resolved);
	if (r->truncated) {
		ctl_format_time(r->oldest, o->utc, a, sizeof(a));
		printf("(cut short: only the newest %llu incidents were counted, back to %s;\n"
		       " --max N counts more)\n",
		    (unsigned long long)r->walked, a);
	}
}

/* NAME INCIDENTS ALERTS PAGES EVENTS MTTA MTTR: the ten with most incidents. */
static void
print_groups(const struct opts *o, const char *what, const struct report_groups *g)
{
	size_t n;
	const struct report_group **s = report_sorted(g, &n);
	char nums[128], mtta[32], mttr[32];

	printf("\n%-22s %9s %6s %6s %9s %9s %9s\n", what, "INCIDENTS", "ALERTS", "PAGES", "EVENTS",
	    "MTTA", "MTTR");
	for (size_t i = 0; i < n && (i < 10 || o->wide); i++) {
		const struct report_stat *st = &s[i]->st;
		span_or(report_mean(st->ack_sum, st->acked), mtta, sizeof(mtta));
		span_or(report_mean(st->resolve_sum, st->resolved), mttr, sizeof(mttr));
		snprintf(nums, sizeof(nums), "%9llu %6llu %6llu %9llu %9s %9s",
		    (unsigned long long)st->incidents, (unsigned long long)st->alerts,
		    (unsigned long long)st->pages, (unsigned long long)st->events, mtta, mttr);
		cell(o, s[i]->name, 22, false);
		cell(o, nums, 57, true);
	}
	if (n > 10 && !o->wide)
		printf("(%zu more; --wide or --json lists them all)\n", n - 10);
	free(s);
}

/* Seven rows of 24 hours, each hour two characters shaded by its share of the busiest. */
static void
print_week(const struct opts *o, const struct report *r)
{
	static const char *const names[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	const size_t nshades = strlen(SHADES) - 1;
	uint64_t max = 0;

	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			max = r->week[d][h] > max ? r->week[d][h] : max;
	printf("\nincidents by hour of the week (%s; darkest: %llu):\n    ",
	    o->utc ? "UTC" : "local time", (unsigned long long)max);
	for (int h = 0; h < 24; h += 3)
		printf("%-6d", h);
	putchar('\n');
	for (int d = 0; d < 7; d++) {
		printf("%s ", names[d]);
		for (int h = 0; h < 24; h++) {
			uint64_t v = r->week[d][h];
			char c = SHADES[v == 0 || max == 0 ? 0 : 1 + (v - 1) * (nshades - 1) / max];
			printf("%c%c", c, c);
		}
		putchar('\n');
	}
}

static void
print_days(const struct report *r)
{
	char date[16];

	printf("\n%-10s %9s %6s %6s %12s\n", "DAY", "INCIDENTS", "ALERTS", "PAGES", "EVENTS IN");
	for (size_t i = 0; i < r->ndays; i++) {
		const struct report_day *d = &r->days[i];
		report_day_label(r, i, date, sizeof(date));
		printf("%-10s %9llu %6llu %6llu %12llu\n", date,
		    (unsigned long long)d->st.incidents, (unsigned long long)d->st.alerts,
		    (unsigned long long)d->in.pages, (unsigned long long)d->in.events);
	}
}

/* The HTML next to path, then renamed over it: a reader never sees half a report. */
static int
write_html(const char *path, const struct report *r)
{
	char *tmp;
	FILE *f;
	int rc = 0;

	xasprintf(&tmp, "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		rc = -errno;
	if (f != NULL) {
		report_html_write(f, r, now_realtime_usec());
		if (ferror(f))
			rc = -EIO;
		if (fclose(f) != 0 && rc == 0)
			rc = -errno;
	}
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		fprintf(stderr, "triagectl: cannot write %s: %s\n", path, strerror(-rc));
		unlink(tmp);
	}
	free(tmp);
	return rc;
}

int
run_report(const struct opts *o)
{
	int64_t now = now_realtime_usec(), since = 30 * 86400 * USEC_PER_SEC;
	struct report *r;
	size_t pages = 0;
	int rc;

	if (o->since != NULL && (parse_duration(o->since, &since) < 0 || since <= 0 ||
	    since > REPORT_SINCE_MAX)) {
		fprintf(stderr, "triagectl: --since wants a duration up to 400d, such as 30d or "
				"12h\n");
		return 2;
	}
	r = xmalloc(sizeof(*r));
	report_init(r, now - since, now, o->utc);
	rc = fetch_tally(o, r, &pages);
	if (rc == 0)
		rc = fetch_incidents(o, r, (size_t)o->max, &pages);
	if (rc == 0 && o->html != NULL && write_html(o->html, r) < 0)
		rc = 1;
	if (rc == 0 && o->json) {
		print_json(r, pages);
	} else if (rc == 0) {
		print_summary(o, r);
		print_groups(o, "RULE", &r->rules);
		print_groups(o, "HOST", &r->hosts);
		print_week(o, r);
		print_days(r);
		if (o->html != NULL)
			printf("\nwritten to %s\n", o->html);
	}
	report_free(r);
	free(r);
	return rc;
}
