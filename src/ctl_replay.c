/*
 * ctl_replay.c - triagectl's replay verb (see ctl_replay.h): load the
 * configurations, run replay.c over the live log for each into its own
 * scratch store, and print totals and the keys that appear, vanish or page
 * differently, as a table or as JSON.
 */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "ctl_replay.h"
#include "eventlog.h"
#include "input_snmp.h"
#include "jsonutil.h"
#include "log.h"
#include "replay.h"
#include "store.h"
#include "util.h"

struct side {
	const char *name; /* as the user wrote the path */
	struct conf *conf;
	struct replay_result res;
};

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
load(struct side *s, const char *path)
{
	char *cause = NULL;

	s->name = path;
	if (conf_load(path, &s->conf, &cause) < 0) {
		fprintf(stderr, "triagectl: %s\n", cause);
		free(cause);
		return -1;
	}
	return 0;
}

static int
run_side(struct side *s, struct eventlog_reader *log, int64_t since, int64_t until,
    const char *scratch, int n)
{
	char *dir, *cause = NULL;
	int r;

	xasprintf(&dir, "%s/%d", scratch, n);
	r = replay_run(s->conf, log, since, until, dir, &s->res, &cause);
	free(dir);
	if (r < 0) {
		fprintf(
		    stderr, "triagectl: replay with %s: %s\n", s->name, cause ? cause : "failed");
		free(cause);
	}
	return r;
}

static double
noise_reduction(const struct replay_result *r)
{
	return r->events ? 100.0 * (1.0 - (double)r->pages / (double)r->events) : 0.0;
}

static json_t *
totals_json(const struct side *s)
{
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:f}", "config", json_text(s->name),
	    "incidents", (json_int_t)s->res.incidents, "alerts", (json_int_t)s->res.alerts, "pages",
	    (json_int_t)s->res.pages, "dropped", (json_int_t)s->res.dropped, "noise_reduction",
	    noise_reduction(&s->res));
}

static json_t *
key_json(const struct replay_key *k)
{
	return json_pack("{s:o, s:o, s:i, s:i, s:i}", "key", json_text(k->key), "rule",
	    json_text(k->rule), "incidents", (int)k->incidents, "alerts", (int)k->alerts, "pages",
	    (int)k->pages);
}

/* Keys of a that b lacks, at most limit. */
static json_t *
only_in(const struct side *a, const struct side *b, size_t limit, uint64_t *count)
{
	json_t *arr = json_array();

	*count = 0;
	for (size_t i = 0; i < a->res.nkeys; i++) {
		if (replay_find(&b->res, a->res.keys[i].key) != NULL)
			continue;
		if ((*count)++ < limit)
			json_array_append_new(arr, key_json(&a->res.keys[i]));
	}
	return arr;
}

static json_t *
pages_changed(const struct side *a, const struct side *b, size_t limit, uint64_t *count)
{
	json_t *arr = json_array();

	*count = 0;
	for (size_t i = 0; i < a->res.nkeys; i++) {
		const struct replay_key *k = &a->res.keys[i], *o = replay_find(&b->res, k->key);
		if (o == NULL || o->pages == k->pages)
			continue;
		if ((*count)++ < limit)
			json_array_append_new(arr,
			    json_pack("{s:o, s:o, s:i, s:i}", "key", json_text(k->key), "rule",
			        json_text(o->rule), "pages_before", (int)k->pages, "pages_after",
			        (int)o->pages));
	}
	return arr;
}

static json_t *
report(const struct side *cur, const struct side *fresh, int64_t since, int64_t until, size_t limit)
{
	json_t *j = json_pack("{s:I, s:I, s:I, s:I, s:o}", "since", (json_int_t)since, "until",
	    (json_int_t)until, "events", (json_int_t)cur->res.events, "unreadable",
	    (json_int_t)cur->res.unreadable, "current", totals_json(cur));
	uint64_t n;

	json_object_set_new(
	    j, "truncated", json_boolean(cur->res.truncated || (fresh && fresh->res.truncated)));
	if (fresh == NULL) {
		json_t *paged = json_array();
		n = 0;
		for (size_t i = 0; i < cur->res.nkeys; i++)
			if (cur->res.keys[i].pages > 0 && n++ < limit)
				json_array_append_new(paged, key_json(&cur->res.keys[i]));
		json_object_set_new(j, "paged", paged);
		json_object_set_new(j, "paged_keys", json_integer((json_int_t)n));
		return j;
	}
	json_object_set_new(j, "new", totals_json(fresh));
	json_object_set_new(j, "appear", only_in(fresh, cur, limit, &n));
	json_object_set_new(j, "appear_count", json_integer((json_int_t)n));
	json_object_set_new(j, "vanish", only_in(cur, fresh, limit, &n));
	json_object_set_new(j, "vanish_count", json_integer((json_int_t)n));
	json_object_set_new(j, "changed", pages_changed(cur, fresh, limit, &n));
	json_object_set_new(j, "changed_count", json_integer((json_int_t)n));
	return j;
}

static void
print_totals(const char *label, json_t *t)
{
	size_t n = strlen(label);

	/* A path's end tells it apart: cut from the left. */
	if (n > 28)
		printf("...%-25s", label + n - 25);
	else
		printf("%-28s", label);
	printf(" %10lld %8lld %8lld %8lld %9.1f%%\n", json_get_int(t, "incidents"),
	    json_get_int(t, "alerts"), json_get_int(t, "pages"), json_get_int(t, "dropped"),
	    json_real_value(json_object_get(t, "noise_reduction")));
}

static void
print_keys(const char *title, json_t *j, const char *list, const char *count)
{
	json_t *k;
	size_t i;

	if (json_get_int(j, count) == 0)
		return;
	printf("\n%s (%lld):\n", title, json_get_int(j, count));
	json_array_foreach(json_object_get(j, list), i, k)
	{
		if (json_object_get(k, "pages_before") != NULL)
			printf("  %s  (rule %s): %lld pages -> %lld\n", json_get_str(k, "key"),
			    json_get_str(k, "rule"), json_get_int(k, "pages_before"),
			    json_get_int(k, "pages_after"));
		else
			printf("  %s  (rule %s): %lld incidents, %lld alerts, %lld pages\n",
			    json_get_str(k, "key"), json_get_str(k, "rule"),
			    json_get_int(k, "incidents"), json_get_int(k, "alerts"),
			    json_get_int(k, "pages"));
	}
	if ((long long)json_array_size(json_object_get(j, list)) < json_get_int(j, count))
		printf("  ... and %lld more (--limit)\n",
		    json_get_int(j, count) - (long long)json_array_size(json_object_get(j, list)));
}

static void
print_report(json_t *j, int64_t since)
{
	char d[32];

	format_duration(since, d, sizeof(d));
	printf("replayed %lld events of the last %s (%lld unreadable); nothing was sent\n\n",
	    json_get_int(j, "events"), d, json_get_int(j, "unreadable"));
	printf("%-28s %10s %8s %8s %8s %10s\n", "config", "incidents", "alerts", "pages", "dropped",
	    "noise red.");
	print_totals(
	    json_get_str(json_object_get(j, "current"), "config"), json_object_get(j, "current"));
	if (json_object_get(j, "new") != NULL)
		print_totals(
		    json_get_str(json_object_get(j, "new"), "config"), json_object_get(j, "new"));
	print_keys("keys that paged", j, "paged", "paged_keys");
	print_keys("incidents that appear with the new config", j, "appear", "appear_count");
	print_keys("incidents that vanish with the new config", j, "vanish", "vanish_count");
	print_keys("pages that change", j, "changed", "changed_count");
	if (json_is_true(json_object_get(j, "truncated")))
		printf("\nmore than %d keys: the lists are partial, the totals are not\n",
		    REPLAY_KEYS_MAX);
}

static void
emit(json_t *j, const struct ctl_replay_opts *o)
{
	if (o->json) {
		char *s = json_dumps(j, JSON_INDENT(2)), *safe = json_escape_c1(s);
		puts(safe ? safe : "null");
		free(safe);
		free(s);
		return;
	}
	json_escape_controls(j); /* keys are senders' text: no raw control byte on a terminal */
	print_report(j, o->since);
}

static int
compare(struct side *cur, struct side *fresh, const struct ctl_replay_opts *o)
{
	const char *dir = getenv("TMPDIR");
	char scratch[PATH_MAX];
	int64_t until = now_realtime_usec(), since = until - o->since;
	struct eventlog_reader *log = NULL;
	char *cause = NULL;
	int r = -1;

	if (eventlog_reader_open(cur->conf->state_dir, &log, &cause) < 0) {
		fprintf(stderr, "triagectl: %s\n", cause);
		free(cause);
		return 1;
	}
	/* The scratch stores may be large: in the place the person chose for such things. */
	if (dir == NULL || dir[0] != '/' || strlen(dir) > PATH_MAX - 32)
		dir = "/tmp";
	snprintf(scratch, sizeof(scratch), "%s/triagectl-replay.XXXXXX", dir);
	if (mkdtemp(scratch) == NULL) {
		fprintf(stderr, "triagectl: a scratch directory in %s: %s\n", dir, strerror(errno));
		eventlog_reader_close(log);
		return 1;
	}
	if (run_side(cur, log, since, until, scratch, 0) == 0
	    && (fresh == NULL || run_side(fresh, log, since, until, scratch, 1) == 0)) {
		json_t *j = report(cur, fresh, since, until, o->limit);
		emit(j, o);
		json_decref(j);
		r = 0;
	}
	eventlog_reader_close(log);
	nftw(scratch, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	return r == 0 ? 0 : 1;
}

int
ctl_replay(const struct ctl_replay_opts *o)
{
	struct side cur = { 0 }, fresh = { 0 };
	int r = 1;

	/* The daemon's code runs here: what it logs is the replay's, not the daemon's. */
	log_set_name("triagectl replay");
	/* MIB names in either config, read without touching the daemon's net-snmp state. */
	conf_set_oid_resolver(snmp_input_resolve_oid_nostate);
	if (load(&cur, o->conf_path) == 0
	    && (o->new_path == NULL || load(&fresh, o->new_path) == 0))
		r = compare(&cur, o->new_path ? &fresh : NULL, o);
	replay_result_clear(&cur.res);
	replay_result_clear(&fresh.res);
	conf_free(cur.conf);
	conf_free(fresh.conf);
	return r;
}
