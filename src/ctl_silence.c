/*
 * ctl_silence.c - the request `triagectl silence` sends, built from its
 * arguments: add MATCHER... (for DURATION | --end TIME) [--start TIME]
 * [--comment TEXT], list, expire ID.  The daemon checks the matchers;
 * here only the form is, with a message on stderr where the usage line
 * alone would not say what is wrong.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl_silence.h"
#include "util.h"

int
ctl_parse_when(const char *s, int64_t *out)
{
	static const char *const fmts[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
		"%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M" };
	struct tm tm;
	time_t t;

	for (size_t i = 0; i < ARRAY_SIZE(fmts); i++) {
		memset(&tm, 0, sizeof(tm));
		const char *end = strptime(s, fmts[i], &tm);
		if (end == NULL || (*end != '\0' && strcmp(end, "Z") != 0))
			continue;
		tm.tm_isdst = -1;
		t = *end == 'Z' ? timegm(&tm) : mktime(&tm);
		if (t <= 0)
			return -1;
		*out = (int64_t)t;
		return 0;
	}
	fprintf(stderr, "triagectl: '%s' is not a time like 2026-12-24T09:00 (local) or "
			"2026-12-24T09:00Z (UTC)\n", s);
	return -1;
}

/* --start and --end into r (seconds); -1 when one is not a time. */
static int
silence_times(const struct ctl_silence_opts *o, json_t *r)
{
	int64_t t;

	if (o->start != NULL) {
		if (ctl_parse_when(o->start, &t) < 0)
			return -1;
		json_object_set_new(r, "start", json_integer(t));
	}
	if (o->end != NULL) {
		if (ctl_parse_when(o->end, &t) < 0)
			return -1;
		json_object_set_new(r, "end", json_integer(t));
	}
	return 0;
}

/* silence add MATCHER... (for DURATION | --end TIME) [--start TIME] [--comment TEXT] */
static json_t *
req_silence_add(const struct ctl_silence_opts *o, int argc, char **argv)
{
	json_t *r = json_pack("{s:s, s:[]}", "command", "silence-add", "matchers");
	json_t *m = json_object_get(r, "matchers");
	int64_t len;
	int i;

	for (i = 0; i < argc && strcmp(argv[i], "for") != 0; i++)
		if (json_array_append_new(m, json_string(argv[i])) < 0)
			goto bad;
	if (i < argc && (i + 2 != argc || parse_duration(argv[i + 1], &len) < 0 ||
	    len < USEC_PER_SEC)) {
		fprintf(stderr, "triagectl: 'for' wants a length like 2h as the last argument\n");
		goto fail;
	}
	if (i < argc)
		json_object_set_new(r, "duration", json_integer(len / USEC_PER_SEC));
	if (json_array_size(m) == 0 || (i == argc) == (o->end == NULL))
		goto fail;
	if (silence_times(o, r) < 0)
		goto fail;
	if (o->comment != NULL && json_object_set_new(r, "comment", json_string(o->comment)) < 0)
		goto bad;
	return r;
bad:
	fprintf(stderr, "triagectl: matchers and --comment must be UTF-8 text\n");
fail:
	json_decref(r);
	return NULL;
}

json_t *
ctl_silence_request(int argc, char **argv, const struct ctl_silence_opts *o)
{
	int64_t id;

	if (argc < 1)
		return NULL;
	if (strcmp(argv[0], "list") == 0 && argc == 1)
		return json_pack("{s:s}", "command", "silence-list");
	if (strcmp(argv[0], "expire") == 0 && argc == 2 &&
	    parse_int64(argv[1], 1, INT64_MAX, &id) == 0)
		return json_pack("{s:s, s:I}", "command", "silence-expire", "id", (json_int_t)id);
	if (strcmp(argv[0], "add") == 0)
		return req_silence_add(o, argc - 1, argv + 1);
	return NULL;
}
