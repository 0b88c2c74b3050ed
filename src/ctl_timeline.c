/*
 * ctl_timeline.c - triagectl timeline: an incident's timeline as a table,
 * each line with how long after the first event it came, or as a
 * postmortem draft in Markdown (postmortem.c); and show's earlier
 * incarnations and related incidents.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_format.h"
#include "postmortem.h"
#include "triagectl.h"
#include "util.h"

static bool
format_md(const struct opts *o)
{
	return o->format != NULL && strcmp(o->format, "md") == 0;
}

json_t *
req_timeline(const struct opts *o, char **argv)
{
	json_t *r;

	if (o->format != NULL && strcmp(o->format, "table") != 0 && !format_md(o)) {
		fprintf(stderr, "triagectl: --format is table or md\n");
		return NULL;
	}
	r = json_pack("{s:s, s:s}", "command", "show", "key", argv[0]);
	if (r == NULL)
		fprintf(stderr, "triagectl: the key must be UTF-8 text\n");
	else if (o->id > 0)
		json_object_set_new(r, "id", json_integer(o->id));
	return r;
}

/*
 * TIME +AFTER KIND TEXT: the text goes on, wrapped, after 41 columns (a
 * state line's text begins with the state, a delivery's with what it told).
 */
static void
print_table(const struct opts *o, json_t *inc)
{
	int64_t first = ctl_parse_time(jstr(inc, "first_seen"));
	char at[64], after[32], head[160];
	size_t n;
	json_t *e;

	printf("%-23s %-7s %-8s %s\n", "TIME", "+AFTER", "KIND", "TEXT");
	json_array_foreach(json_object_get(inc, "timeline"), n, e) {
		int64_t t = ctl_parse_time(jstr(e, "at"));
		when(o, jstr(e, "at"), false, at, sizeof(at));
		ctl_format_span(t >= first ? t - first : 0, after + 1, sizeof(after) - 1);
		after[0] = '+';
		snprintf(head, sizeof(head), "%-23s %-7s %-8s", at, after, jstr(e, "kind"));
		printf("%s ", head);
		put_wrapped(o, jstr(e, "text"), ctl_text_width(head) + 1);
	}
}

/* An incident of a reply as the draft takes it; lines (n of them) owned by the caller. */
static void
pm_incident_of(json_t *j, struct pm_incident *pi, struct pm_line *lines)
{
	json_t *tl = json_object_get(j, "timeline"), *e;
	size_t n;

	*pi = (struct pm_incident){ .id = (uint64_t)jint(j, "id"), .key = jstr(j, "key"),
		.summary = jstr(j, "summary"), .rule = jstr(j, "rule"), .host = jstr(j, "host"),
		.severity = jstr(j, "severity"), .state = jstr(j, "state"),
		.count = (uint64_t)jint(j, "count"),
		.first_seen = ctl_parse_time(jstr(j, "first_seen")),
		.acked_at = ctl_parse_time(jstr(j, "acked_at")),
		.resolved_at = ctl_parse_time(jstr(j, "resolved_at")), .lines = lines };
	if (lines == NULL)
		return;
	json_array_foreach(tl, n, e)
		lines[pi->nlines++] = (struct pm_line){ ctl_parse_time(jstr(e, "at")),
			jstr(e, "kind"), jstr(e, "state"), jstr(e, "text") };
}

/* The incidents of an array of the reply (past, related), without their lines. */
static struct pm_incident *
pm_list_of(json_t *arr, size_t *n)
{
	struct pm_incident *list = xcalloc(json_array_size(arr) + 1, sizeof(*list));
	json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		pm_incident_of(e, &list[i], NULL);
	*n = json_array_size(arr);
	return list;
}

static void
print_draft(const struct opts *o, json_t *inc)
{
	struct pm_line *lines = xcalloc(json_array_size(json_object_get(inc, "timeline")) + 1,
	    sizeof(*lines));
	struct pm_incident pi;
	struct pm_draft d = { .inc = &pi, .now = now_realtime_usec(), .utc = o->utc };

	pm_incident_of(inc, &pi, lines);
	d.past = pm_list_of(json_object_get(inc, "past"), &d.npast);
	d.related = pm_list_of(json_object_get(inc, "related"), &d.nrelated);
	postmortem_write(stdout, &d);
	free((void *)d.past);
	free((void *)d.related);
	free(lines);
}

void
print_timeline(const struct opts *o, json_t *reply)
{
	json_t *inc = json_object_get(reply, "incident");

	if (format_md(o)) {
		print_draft(o, inc);
		return;
	}
	printf("incident %lld, key %s: %s\n", jint(inc, "id"), jstr(inc, "key"),
	    jstr(inc, "state"));
	print_table(o, inc);
}

/* #ID STATE OPENED LASTED COUNT: one line of an earlier incarnation. */
static void
print_past(const struct opts *o, json_t *p)
{
	int64_t first = ctl_parse_time(jstr(p, "first_seen"));
	int64_t end = ctl_parse_time(jstr(p, "resolved_at"));
	char id[32], opened[64], lasted[32], count[32];

	snprintf(id, sizeof(id), "#%lld", jint(p, "id"));
	when(o, jstr(p, "first_seen"), false, opened, sizeof(opened));
	if (end >= first && first >= 0)
		ctl_format_span(end - first, lasted, sizeof(lasted));
	else
		snprintf(lasted, sizeof(lasted), "-");
	snprintf(count, sizeof(count), "%lld", jint(p, "count"));
	fputs("  ", stdout);
	cell(o, id, 8, false);
	cell(o, jstr(p, "state"), 12, false);
	cell(o, opened, 25, false);
	cell(o, lasted, 7, false);
	cell(o, count, 21, true);
}

/* Earlier incarnations of the key, then the host's open incidents of the same ten minutes. */
void
print_relatives(const struct opts *o, json_t *inc)
{
	json_t *past = json_object_get(inc, "past"), *rel = json_object_get(inc, "related"), *e;
	size_t n;

	if (json_array_size(past) > 0) {
		printf("\npast incidents with this key, newest first:\n");
		printf("  %-8s %-12s %-25s %-7s %s\n", "ID", "STATE", "OPENED", "LASTED", "COUNT");
		json_array_foreach(past, n, e)
			print_past(o, e);
		if (json_is_true(json_object_get(inc, "past_more")))
			printf("  (and earlier ones)\n");
	}
	if (json_array_size(rel) == 0)
		return;
	printf("\nrelated: open on %s, opened within 10 minutes of this one:\n",
	    jstr(inc, "host"));
	json_array_foreach(rel, n, e) {
		fputs("  ", stdout);
		cell(o, jstr(e, "state"), 12, false);
		cell(o, jstr(e, "key"), 24, false);
		cell(o, jstr(e, "summary"), 40, true);
	}
	if (json_is_true(json_object_get(inc, "related_more")))
		printf("  (and more)\n");
}
