/*
 * report_html.c - the report as one HTML file (see report_html.h).
 */
#include "config.h"

#include <stdlib.h>

#include "ctl_format.h"
#include "markup.h"
#include "report_html.h"
#include "util.h"

#define CELL 22 /* heat map cell, px */
#define LABEL_W 40 /* room for the weekday names */
#define CHART_W 960 /* the day charts at most */
#define CHART_H 150
#define FUNNEL_W 520

static const char style[]
    = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px 32px;"
      "color:#1d2433;background:#fff;max-width:1100px}\n"
      "h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:30px 0 10px}\n"
      "p.range{color:#5b6475;margin:0 0 16px}p.note{color:#8a4b00;font-weight:600}\n"
      ".cards{display:flex;flex-wrap:wrap;gap:12px}\n"
      ".card{border:1px solid #d5dae3;border-radius:6px;padding:10px 16px;min-width:140px}\n"
      ".card b{display:block;font-size:24px}.card span{font-size:12px;color:#5b6475}\n"
      "table{border-collapse:collapse;font-size:13px}\n"
      "th,td{padding:3px 10px;border-bottom:1px solid #e3e7ee;text-align:right}\n"
      "th{background:#f3f5f9}th:first-child,td:first-child{text-align:left;max-width:380px;"
      "overflow-wrap:anywhere}\n"
      "svg text{font-size:11px;fill:#5b6475}svg{display:block;margin:6px 0}\n"
      ".day-bar{fill:#4a72b8}.page-bar{fill:#c8392b}.event-bar{fill:#8fa6cc}\n"
      ".funnel-bar{fill:#4a72b8}\n";

static void
put_time(FILE *f, const struct report *r, int64_t at)
{
	char buf[64];

	ctl_format_time(at, r->utc, buf, sizeof(buf));
	markup_html(f, buf); /* a zone's name is the system's, not ours */
}

static void
put_span(FILE *f, int64_t usec)
{
	char buf[64];

	if (usec < 0) {
		fputs("&ndash;", f);
		return;
	}
	format_duration(usec - usec % USEC_PER_SEC, buf, sizeof(buf));
	fputs(buf, f);
}

static void
head(FILE *f, const struct report *r, int64_t now)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>triaged report</title>\n<style>\n",
	    f);
	fputs(style, f);
	fputs("</style>\n</head>\n<body>\n<h1>Incident report</h1>\n<p class=\"range\">From ", f);
	put_time(f, r, r->since);
	fputs(" to ", f);
	put_time(f, r, r->until);
	fprintf(f, " (%zu days). Made by triagectl at ", r->ndays);
	put_time(f, r, now);
	fputs(".</p>\n", f);
	if (r->truncated) {
		fprintf(f,
		    "<p class=\"note\">Cut short: only the newest %llu incidents were counted, "
		    "back to ",
		    (unsigned long long)r->walked);
		put_time(f, r, r->oldest);
		fputs("; <code>triagectl report --max N</code> counts more.</p>\n", f);
	}
}

static void
card(FILE *f, const char *label)
{
	fprintf(f, "</b><span>%s</span></div>\n", label);
}

static void
card_pct(FILE *f, uint64_t in, uint64_t out, const char *label)
{
	double pct = report_reduction(in, out);

	fputs("<div class=\"card\"><b>", f);
	if (pct < 0)
		fputs("&ndash;", f);
	else
		fprintf(f, "%.*f%%", pct >= 99.0 && pct < 100.0 ? 2 : 1, pct);
	card(f, label);
}

static void
cards(FILE *f, const struct report *r)
{
	const struct report_stat *a = &r->all;

	fputs("<div class=\"cards\">\n<div class=\"card\"><b>", f);
	put_span(f, report_mean(a->ack_sum, a->acked));
	fprintf(f, "</b><span>MTTA, over %llu acknowledged</span></div>\n<div class=\"card\"><b>",
	    (unsigned long long)a->acked);
	put_span(f, report_mean(a->resolve_sum, a->resolved));
	fprintf(f, "</b><span>MTTR, over %llu resolved</span></div>\n",
	    (unsigned long long)a->resolved);
	fprintf(f, "<div class=\"card\"><b>%llu", (unsigned long long)r->in.events);
	card(f, "events in");
	fprintf(f, "<div class=\"card\"><b>%llu", (unsigned long long)r->in.opened);
	card(f, "incidents out");
	fprintf(f, "<div class=\"card\"><b>%llu", (unsigned long long)r->in.pages);
	card(f, "pages out");
	card_pct(f, r->in.events, r->in.pages, "noise reduction, events to pages");
	card_pct(f, r->in.events, r->in.opened, "events to incidents");
	fputs("</div>\n", f);
}

/* log2(n + 1), straight between powers of two: enough for the length of a bar. */
static double
log_scale(uint64_t n)
{
	uint64_t v = n + (n < UINT64_MAX);
	int k = 0;

	while (k < 63 && (v >> (k + 1)) != 0)
		k++;
	return k + (double)(v - (1ULL << k)) / (double)(1ULL << k);
}

/* Three bars, events in, incidents and pages out, on a log scale: they differ by orders. */
static void
funnel(FILE *f, const struct report *r)
{
	const struct {
		const char *name;
		uint64_t n;
	} bars[] = { { "events in", r->in.events }, { "incidents out", r->in.opened },
		{ "pages out", r->in.pages } };
	double top = log_scale(r->in.events);

	fprintf(f,
	    "<h2>Events in, incidents and pages out</h2>\n<svg class=\"funnel\" "
	    "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"events, incidents and "
	    "pages (log scale)\">\n",
	    FUNNEL_W + 220, 3 * 28);
	for (size_t i = 0; i < ARRAY_SIZE(bars); i++) {
		double w = top > 0 ? log_scale(bars[i].n) / top * FUNNEL_W : 0;
		w = w > FUNNEL_W ? FUNNEL_W : w;
		fprintf(f,
		    "<text x=\"0\" y=\"%zu\">%s</text><rect class=\"funnel-bar\" x=\"100\" "
		    "y=\"%zu\" width=\"%.1f\" height=\"18\"><title>%s: %llu</title></rect>"
		    "<text x=\"%.1f\" y=\"%zu\">%llu</text>\n",
		    i * 28 + 14, bars[i].name, i * 28 + 1, w, bars[i].name,
		    (unsigned long long)bars[i].n, 106 + w, i * 28 + 14,
		    (unsigned long long)bars[i].n);
	}
	fputs("</svg>\n<p class=\"range\">Log scale.</p>\n", f);
}

/* From a pale grey-blue for none to a deep red for the busiest hour. */
static void
heat_fill(FILE *f, uint64_t v, uint64_t max)
{
	static const int lo[3] = { 238, 242, 247 }, mid[3] = { 246, 190, 80 },
	                 hi[3] = { 179, 30, 30 };
	double t = max == 0 || v == 0 ? 0 : 0.15 + 0.85 * (double)v / (double)max;
	const int *a = t < 0.5 ? lo : mid, *b = t < 0.5 ? mid : hi;
	double u = t < 0.5 ? t * 2 : (t - 0.5) * 2;

	fprintf(f, "#%02x%02x%02x", (int)(a[0] + (b[0] - a[0]) * u),
	    (int)(a[1] + (b[1] - a[1]) * u), (int)(a[2] + (b[2] - a[2]) * u));
}

static void
heatmap(FILE *f, const struct report *r)
{
	static const char *const days[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
	uint64_t max = 0;

	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			max = r->week[d][h] > max ? r->week[d][h] : max;
	fprintf(f,
	    "<h2>Incidents by hour of the week (%s)</h2>\n<svg class=\"heatmap\" "
	    "width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"incidents by hour of "
	    "the week\">\n",
	    r->utc ? "UTC" : "local time", LABEL_W + 24 * CELL, 18 + 7 * CELL);
	for (int h = 0; h < 24; h += 3)
		fprintf(f, "<text x=\"%d\" y=\"12\">%02d:00</text>\n", LABEL_W + h * CELL, h);
	for (int d = 0; d < 7; d++) {
		fprintf(f, "<text x=\"0\" y=\"%d\">%s</text>\n", 18 + d * CELL + 15, days[d]);
		for (int h = 0; h < 24; h++) {
			fprintf(f,
			    "<rect class=\"hour-cell\" x=\"%d\" y=\"%d\" width=\"%d\" "
			    "height=\"%d\" fill=\"",
			    LABEL_W + h * CELL, 18 + d * CELL, CELL - 2, CELL - 2);
			heat_fill(f, r->week[d][h], max);
			fprintf(f,
			    "\"><title>%s %02d:00&ndash;%02d:59: %llu incidents</title></rect>\n",
			    days[d], h, h, (unsigned long long)r->week[d][h]);
		}
	}
	fprintf(f,
	    "</svg>\n<p class=\"range\">Darkest: %llu incidents in one hour of the "
	    "week.</p>\n",
	    (unsigned long long)max);
}

static uint64_t
day_incidents(const struct report_day *d)
{
	return d->st.incidents;
}

static uint64_t
day_pages(const struct report_day *d)
{
	return d->in.pages;
}

static uint64_t
day_events(const struct report_day *d)
{
	return d->in.events;
}

/* A bar a day of what get counts (class cls), and over it, when given, a thinner one of over. */
static void
day_chart(FILE *f, const struct report *r, const char *cls,
    uint64_t (*get)(const struct report_day *), uint64_t (*over)(const struct report_day *))
{
	int bw = r->ndays > 0 ? CHART_W / (int)r->ndays : CHART_W;
	uint64_t max = 1;
	char date[16];

	bw = bw > 28 ? 28 : bw < 2 ? 2 : bw;
	for (size_t i = 0; i < r->ndays; i++)
		max = get(&r->days[i]) > max ? get(&r->days[i]) : max;
	fprintf(f,
	    "<svg class=\"days\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"%s "
	    "per day\">\n<text x=\"0\" y=\"10\">%llu</text>\n",
	    LABEL_W + (int)r->ndays * bw, CHART_H + 24, cls, (unsigned long long)max);
	for (size_t i = 0; i < r->ndays; i++) {
		const struct report_day *d = &r->days[i];
		double h = (double)get(d) / (double)max * CHART_H;
		int x = LABEL_W + (int)i * bw;
		report_day_label(r, i, date, sizeof(date));
		fprintf(f,
		    "<rect class=\"%s\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\">"
		    "<title>%s: %llu incidents, %llu alerts, %llu pages, %llu events in</title>"
		    "</rect>\n",
		    cls, x, CHART_H - h, bw > 3 ? bw - 1 : bw, h, date,
		    (unsigned long long)d->st.incidents, (unsigned long long)d->st.alerts,
		    (unsigned long long)d->in.pages, (unsigned long long)d->in.events);
		if (over != NULL && over(d) > 0) {
			double oh = (double)over(d) / (double)max * CHART_H;
			fprintf(f,
			    "<rect class=\"page-bar\" x=\"%d\" y=\"%.1f\" width=\"%d\" "
			    "height=\"%.1f\"><title>%s: %llu pages</title></rect>\n",
			    x + bw / 4, CHART_H - oh, bw / 2 > 1 ? bw / 2 : 1, oh, date,
			    (unsigned long long)over(d));
		}
		if (i % 7 == 0)
			fprintf(
			    f, "<text x=\"%d\" y=\"%d\">%s</text>\n", x, CHART_H + 16, date + 5);
	}
	fputs("</svg>\n", f);
}

static void
group_table(FILE *f, const char *title, const char *what, const struct report_groups *g)
{
	size_t n;
	const struct report_group **s = report_sorted(g, &n);

	fprintf(f,
	    "<h2>%s</h2>\n<table>\n<tr><th>%s</th><th>incidents</th><th>alerts</th>"
	    "<th>pages</th><th>events</th><th>MTTA</th><th>MTTR</th></tr>\n",
	    title, what);
	for (size_t i = 0; i < n && i < REPORT_HTML_ROWS; i++) {
		const struct report_stat *st = &s[i]->st;
		fputs("<tr><td>", f);
		markup_html(f, s[i]->name);
		fprintf(f, "</td><td>%llu</td><td>%llu</td><td>%llu</td><td>%llu</td><td>",
		    (unsigned long long)st->incidents, (unsigned long long)st->alerts,
		    (unsigned long long)st->pages, (unsigned long long)st->events);
		put_span(f, report_mean(st->ack_sum, st->acked));
		fputs("</td><td>", f);
		put_span(f, report_mean(st->resolve_sum, st->resolved));
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	if (n > REPORT_HTML_ROWS)
		fprintf(f,
		    "<p class=\"range\">And %zu more (triagectl report --json lists them "
		    "all).</p>\n",
		    n - REPORT_HTML_ROWS);
	free(s);
}

void
report_html_write(FILE *f, const struct report *r, int64_t now)
{
	head(f, r, now);
	cards(f, r);
	funnel(f, r);
	heatmap(f, r);
	fputs("<h2>Incidents per day</h2>\n<p class=\"range\">Bars: incidents opened; red: "
	      "pages out.</p>\n",
	    f);
	day_chart(f, r, "day-bar", day_incidents, day_pages);
	fputs("<h2>Events in per day</h2>\n", f);
	day_chart(f, r, "event-bar", day_events, NULL);
	group_table(f, "Rules, noisiest first", "rule", &r->rules);
	group_table(f, "Hosts, noisiest first", "host", &r->hosts);
	fputs("</body>\n</html>\n", f);
}
