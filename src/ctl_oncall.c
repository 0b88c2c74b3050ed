/*
 * ctl_oncall.c - triagectl oncall [SCHEDULE] [--at TIME] [--next DURATION]
 * (who is on call and until when, or the rota) and triagectl override
 * add SCHEDULE CONTACT FROM TO | list | remove ID.  Times are what
 * silence add --start takes (ctl_parse_when); names, as the daemon sends
 * them, go through ctl_put_cell, which escapes what a terminal would obey.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_silence.h"
#include "triagectl.h"
#include "util.h"

#define ONCALL_NEXT_MAX (90 * 86400 * USEC_PER_SEC) /* the daemon's rota horizon */

/* oncall [SCHEDULE] [--at TIME] [--next DURATION] */
json_t *
req_oncall(const struct opts *o, char **argv)
{
	json_t *r = json_pack("{s:s}", "command", "oncall");
	int64_t t;

	if (o->argc > 1)
		goto fail;
	if (o->argc == 1 && json_object_set_new(r, "schedule", json_string(argv[0])) < 0)
		goto fail;
	if (o->at != NULL) {
		if (ctl_parse_when(o->at, &t) < 0)
			goto fail;
		json_object_set_new(r, "at", json_integer(t * USEC_PER_SEC));
	}
	if (o->next != NULL) {
		if (parse_duration(o->next, &t) < 0 || t <= 0 || t > ONCALL_NEXT_MAX) {
			fprintf(stderr, "triagectl: --next wants a length like 14d, at most 90d\n");
			goto fail;
		}
		json_object_set_new(r, "next", json_integer(t));
	}
	return r;
fail:
	json_decref(r);
	return NULL;
}

static const char *
contact_name(json_t *shift)
{
	json_t *c = json_object_get(shift, "oncall");

	if (c == NULL)
		c = json_object_get(shift, "contact");
	return json_is_object(c) ? jstr(c, "name") : "(nobody)";
}

/* START END ON-CALL BY, one row a shift. */
static void
print_rota(const struct opts *o, json_t *s)
{
	char start[64], end[64];
	json_t *sh;
	size_t i;

	printf("\n%s (%s)\n", jstr(s, "name"), jstr(s, "tz"));
	printf("%-23s %-23s %-16s %s\n", "START", "END", "ON CALL", "BY");
	json_array_foreach(json_object_get(s, "rota"), i, sh) {
		when(o, jstr(sh, "start"), false, start, sizeof(start));
		when(o, jstr(sh, "end"), false, end, sizeof(end));
		cell(o, start, 23, false);
		cell(o, end, 23, false);
		cell(o, contact_name(sh), 16, false);
		cell(o, jstr(sh, "by"), 15, true);
	}
	if (json_is_true(json_object_get(s, "cut")))
		printf("(cut short: at most 1000 shifts, 10000 changes a request)\n");
}

/* SCHEDULE ON-CALL UNTIL BY, then each schedule's rota when asked for. */
void
print_oncall(const struct opts *o, json_t *r)
{
	json_t *arr = json_object_get(r, "schedules"), *s;
	char until[64];
	size_t i;

	if (json_array_size(arr) == 0) {
		printf("no schedules\n");
		return;
	}
	printf("%-14s %-16s %-23s %s\n", "SCHEDULE", "ON CALL", "UNTIL", "BY");
	json_array_foreach(arr, i, s) {
		if (json_is_null(json_object_get(s, "until")))
			strlcpy_t(until, json_is_true(json_object_get(s, "cut")) ?
			    "(too many changes)" : "(90 days or more)", sizeof(until));
		else
			when(o, jstr(s, "until"), false, until, sizeof(until));
		cell(o, jstr(s, "name"), 14, false);
		cell(o, contact_name(s), 16, false);
		cell(o, until, 23, false);
		cell(o, jstr(s, "by"), 23, true);
	}
	json_array_foreach(arr, i, s)
		if (json_object_get(s, "rota") != NULL)
			print_rota(o, s);
}

/* override add SCHEDULE CONTACT FROM TO: FROM may be "now", TO a length after FROM. */
static json_t *
req_override_add(char **argv)
{
	json_t *r = json_pack("{s:s}", "command", "override-add");
	int64_t from = 0, to, len;

	if (json_object_set_new(r, "schedule", json_string(argv[0])) < 0 ||
	    json_object_set_new(r, "contact", json_string(argv[1])) < 0) {
		fprintf(stderr, "triagectl: names must be UTF-8 text\n");
		goto fail;
	}
	if (strcmp(argv[2], "now") != 0 && ctl_parse_when(argv[2], &from) < 0)
		goto fail;
	if (parse_duration(argv[3], &len) == 0 && len >= USEC_PER_SEC)
		to = (from ? from : now_realtime_usec() / USEC_PER_SEC) + len / USEC_PER_SEC;
	else if (ctl_parse_when(argv[3], &to) < 0)
		goto fail;
	if (from != 0)
		json_object_set_new(r, "start", json_integer(from));
	json_object_set_new(r, "end", json_integer(to));
	return r;
fail:
	json_decref(r);
	return NULL;
}

json_t *
req_override(const struct opts *o, char **argv)
{
	int64_t id;

	if (strcmp(argv[0], "list") == 0 && o->argc == 1)
		return json_pack("{s:s}", "command", "override-list");
	if (strcmp(argv[0], "remove") == 0 && o->argc == 2 &&
	    parse_int64(argv[1], 1, INT64_MAX, &id) == 0)
		return json_pack("{s:s, s:I}", "command", "override-remove", "id", (json_int_t)id);
	if (strcmp(argv[0], "add") == 0 && o->argc == 5)
		return req_override_add(argv + 1);
	return NULL;
}

/* ID STATE SCHEDULE CONTACT FROM TO CREATOR */
void
print_override(const struct opts *o, json_t *r)
{
	json_t *arr = json_object_get(r, "overrides"), *v;
	char id[24], from[64], to[64];
	size_t i;

	if (arr == NULL) {
		printf("%s\n", jstr(r, "done"));
		return;
	}
	if (json_array_size(arr) == 0) {
		printf("no overrides\n");
		return;
	}
	printf("%5s %-7s %-12s %-12s %-8s %-8s %s\n", "ID", "STATE", "SCHEDULE", "CONTACT",
	    "FROM", "TO", "CREATOR");
	json_array_foreach(arr, i, v) {
		snprintf(id, sizeof(id), "%5lld", jint(v, "id"));
		when(o, jstr(v, "from"), true, from, sizeof(from));
		when(o, jstr(v, "to"), true, to, sizeof(to));
		cell(o, id, 5, false);
		cell(o, jstr(v, "state"), 7, false);
		cell(o, jstr(v, "schedule"), 12, false);
		cell(o, jstr(v, "contact"), 12, false);
		cell(o, from, 8, false);
		cell(o, to, 8, false);
		cell(o, jstr(v, "creator"), 19, true);
	}
}

/* Schedules and contacts of the config; overrides against override-max. */
void
print_oncall_status(json_t *oc)
{
	json_t *e = json_object_get(oc, "escalations");

	printf("on call: %lld schedules, %lld contacts\n"
	       "  overrides: %lld kept (override-max %lld), %lld refused\n"
	       "  escalations: %lld under way (max %lld), %lld refused, %lld pages, %lld unsent\n",
	    jint(oc, "schedules"), jint(oc, "contacts"), jint(oc, "count"), jint(oc, "max"),
	    jint(oc, "refused"), jint(e, "active"), jint(e, "max"), jint(e, "refused"),
	    jint(e, "pages"), jint(e, "unsent"));
}
