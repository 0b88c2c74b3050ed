/*
 * triagectl.c - the control tool: one verb per table entry, tables for
 * people and --json for scripts.  Exit status: 0 done, 1 refused or
 * daemon unreachable, 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "ctl_format.h"
#include "ctl_replay.h"
#include "ctl_silence.h"
#include "ctlclient.h"
#include "jsonutil.h"
#include "text.h"
#include "triagectl.h"
#include "util.h"

#define DEFAULT_CONF SYSCONFDIR "/triaged/triaged.conf"

/* Short names: the printers read many members. */
const char *
jstr(json_t *o, const char *k)
{
	return json_get_str(o, k);
}

long long
jint(json_t *o, const char *k)
{
	return json_get_int(o, k);
}

static json_t *
req_plain(const char *command)
{
	return json_pack("{s:s}", "command", command);
}

static json_t *
req_status(const struct opts *o, char **argv)
{
	return req_plain("status");
}

static json_t *
req_metrics(const struct opts *o, char **argv)
{
	return req_plain("metrics");
}

static json_t *
req_reload(const struct opts *o, char **argv)
{
	return req_plain("reload");
}

static json_t *
req_incidents(const struct opts *o, char **argv)
{
	json_t *r = req_plain("incidents");
	if (o->state)
		json_object_set_new(r, "state", json_string(o->state));
	if (o->limit > 0)
		json_object_set_new(r, "limit", json_integer(o->limit));
	return r;
}

/*
 * The daemon takes who acts from the kernel; --who only adds a note, so
 * nothing is made up here from $USER or $SUDO_USER.
 */
static json_t *
req_keyed(const char *command, const struct opts *o, char **argv)
{
	json_t *r = json_pack("{s:s, s:s}", "command", command, "key", argv[0]);

	if (r != NULL && o->who != NULL && strcmp(command, "show") != 0 &&
	    json_object_set_new(r, "who", json_string(o->who)) < 0) {
		json_decref(r);
		r = NULL;
	}
	if (r == NULL)
		fprintf(stderr, "triagectl: the key and --who must be UTF-8 text\n");
	return r;
}

static void
set_opt(json_t *r, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new(r, k, json_string(v));
}

/* A line as the shell gave it: as text when it is UTF-8, else byte for byte in hex. */
static void
set_line(json_t *r, const char *line)
{
	size_t n = strlen(line);

	if (text_is_utf8(line, n)) {
		json_object_set_new(r, "line", json_stringn(line, n));
		return;
	}
	char *hex = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)line[i]);
	json_object_set_new(r, "line_hex", json_string(hex));
	free(hex);
}

static json_t *
req_events(const struct opts *o, char **argv)
{
	json_t *r = req_plain("events");

	(void)argv;
	if (o->limit > 0)
		json_object_set_new(r, "limit", json_integer(o->limit));
	return r;
}

/* explain 'LINE' | explain --trap OID [OID TYPE VALUE]... | explain --event ID */
static json_t *
req_explain(const struct opts *o, char **argv)
{
	json_t *r = req_plain("explain"), *vars;
	int64_t id;

	if (o->event != NULL) {
		if (o->argc != 0 || o->trap != NULL || parse_int64(o->event, 1, INT64_MAX, &id) < 0) {
			json_decref(r);
			return NULL;
		}
		json_object_set_new(r, "event", json_integer(id));
		return r;
	}
	if (o->trap == NULL ? o->argc != 1 : o->argc % 3 != 0) {
		json_decref(r);
		return NULL;
	}
	set_opt(r, "from", o->from);
	if (o->trap == NULL) {
		set_line(r, argv[0]);
		set_opt(r, "listener", o->listener);
		return r;
	}
	set_opt(r, "trap", o->trap);
	vars = json_array();
	for (int i = 0; i < o->argc; i++)
		json_array_append_new(vars, json_string(argv[i]));
	json_object_set_new(r, "vars", vars);
	return r;
}

static json_t *
req_show(const struct opts *o, char **argv)
{
	json_t *r = req_keyed("show", o, argv);

	if (r != NULL && o->id > 0)
		json_object_set_new(r, "id", json_integer(o->id));
	return r;
}

/* {"command": command, field: argv[0], "text": argv[1]}; what names argv[0] in the error. */
static json_t *
req_with_text(const char *command, const char *field, const char *what, char **argv)
{
	json_t *r = json_pack("{s:s, s:s, s:s}", "command", command, field, argv[0], "text",
	    argv[1]);

	if (r == NULL)
		fprintf(stderr, "triagectl: %s and the text must be UTF-8 text\n", what);
	return r;
}

static json_t *
req_note(const struct opts *o, char **argv)
{
	return req_with_text("note", "key", "the key", argv);
}

static json_t *
req_page(const struct opts *o, char **argv)
{
	json_t *r = req_with_text("page", "target", "the name", argv);

	if (r != NULL && o->incident != NULL &&
	    json_object_set_new(r, "incident", json_string(o->incident)) < 0) {
		fprintf(stderr, "triagectl: the incident's key must be UTF-8 text\n");
		json_decref(r);
		return NULL;
	}
	return r;
}

static json_t *
req_ack(const struct opts *o, char **argv)
{
	return req_keyed("ack", o, argv);
}

static json_t *
req_resolve(const struct opts *o, char **argv)
{
	return req_keyed("resolve", o, argv);
}

static json_t *
req_send_test(const struct opts *o, char **argv)
{
	json_t *r = json_pack("{s:s, s:s}", "command", "send-test", "upstream", argv[0]);

	if (r == NULL)
		fprintf(stderr, "triagectl: the upstream's name must be UTF-8 text\n");
	return r;
}

/* queue | queue retry ID|--all | queue drop ID [--force] */
static json_t *
req_queue(const struct opts *o, char **argv)
{
	int64_t id = 0;
	const char *sub = o->argc > 0 ? argv[0] : NULL;

	if (sub == NULL && o->argc == 0) {
		json_t *r = req_plain("queue");
		if (o->limit > 0)
			json_object_set_new(r, "limit", json_integer(o->limit));
		return r;
	}
	if (sub == NULL || (strcmp(sub, "retry") != 0 && strcmp(sub, "drop") != 0))
		return NULL;
	if (o->argc == 2 && parse_int64(argv[1], 1, INT64_MAX, &id) < 0)
		return NULL;
	if (strcmp(sub, "drop") == 0)
		return o->argc == 2 ? json_pack("{s:s, s:I, s:b}", "command", "queue-drop", "id",
		    (json_int_t)id, "force", o->force) : NULL;
	if (o->argc == 2)
		return json_pack("{s:s, s:I}", "command", "queue-retry", "id", (json_int_t)id);
	return o->all ? json_pack("{s:s, s:b}", "command", "queue-retry", "all", 1) : NULL;
}

/* silence add ... | silence list | silence expire ID (ctl_silence.c) */
static json_t *
req_silence(const struct opts *o, char **argv)
{
	struct ctl_silence_opts so = { o->comment, o->start, o->end };

	return ctl_silence_request(o->argc, argv, &so);
}

void
cell(const struct opts *o, const char *s, size_t width, bool last)
{
	ctl_put_cell(stdout, s, o->wide ? CTL_NO_LIMIT : width, !last);
	fputs(last ? "\n" : " ", stdout);
}

void
when(const struct opts *o, const char *rfc3339, bool relative, char *buf, size_t size)
{
	int64_t t = ctl_parse_time(rfc3339);

	if (relative && !o->wide)
		ctl_format_age(t, now_realtime_usec(), buf, size);
	else
		ctl_format_time(t, o->utc, buf, size);
}

static void
print_ok(const struct opts *o, json_t *reply)
{
	const char *done = json_string_value(json_object_get(reply, "done"));

	if (done != NULL)
		printf("%s\n", done);
}

/* Prometheus text as the daemon made it: names from the config, label values escaped there. */
static void
print_metrics(const struct opts *o, json_t *reply)
{
	json_t *line;
	size_t i;

	json_array_foreach(json_object_get(reply, "metrics"), i, line)
		printf("%s\n", json_string_value(line) ? json_string_value(line) : "");
}

static void
print_upstreams(const struct opts *o, json_t *r)
{
	json_t *u;
	size_t n;

	json_array_foreach(json_object_get(r, "upstreams"), n, u) {
		printf("upstream %s: %s%s%lld delivered, %lld failures\n", jstr(u, "name"),
		    json_is_true(json_object_get(u, "held")) ? "HELD, " : "",
		    json_is_true(json_object_get(u, "paused")) ? "paused (Retry-After), " : "",
		    jint(u, "delivered"), jint(u, "failures"));
		if (json_is_string(json_object_get(u, "last_error"))) {
			fputs("  last error: ", stdout);
			cell(o, jstr(u, "last_error"), TERM_WIDTH - 14, true);
		}
	}
}

/* ID UPSTREAM ACTION STATE TRIES NEXT KEY ERROR: 80 columns, the last two share what is left. */
static void
print_queue(const struct opts *o, json_t *r)
{
	json_t *arr = json_object_get(r, "deliveries"), *i;
	size_t n;
	char next[64], id[24], tries[24];

	if (json_object_get(r, "count") != NULL) {
		print_ok(o, r);
		return;
	}
	print_upstreams(o, r);
	if (json_array_size(arr) == 0) {
		printf("queue empty\n");
		return;
	}
	printf("%6s %-8s %-11s %-10s %5s %-8s %-16s %s\n", "ID", "UPSTREAM", "ACTION", "STATE",
	    "TRIES", "NEXT TRY", "KEY", "ERROR");
	json_array_foreach(arr, n, i) {
		snprintf(id, sizeof(id), "%6lld", jint(i, "id"));
		snprintf(tries, sizeof(tries), "%5lld", jint(i, "attempts"));
		when(o, jstr(i, "next_try"), true, next, sizeof(next));
		cell(o, id, 6, false);
		cell(o, jstr(i, "upstream"), 8, false);
		cell(o, jstr(i, "action"), 11, false);
		cell(o, jstr(i, "state"), 10, false);
		cell(o, tries, 5, false);
		cell(o, next, 8, false);
		cell(o, jstr(i, "key"), 16, false);
		cell(o, jstr(i, "last_error"), 9, true);
	}
	if (json_is_true(json_object_get(r, "more")))
		printf("(the oldest %zu shown; %lld pending in all: --limit N for more)\n",
		    json_array_size(arr), jint(json_object_get(r, "stats"), "pending"));
}

/* By what the daemon says it is: a unix listener takes datagrams, as UDP does. */
static bool
is_stream(json_t *l)
{
	return json_is_true(json_object_get(l, "stream"));
}

/* A third table for TLS listeners, when there are any: their refused and stalled handshakes. */
static void
print_tls_listeners(const struct opts *o, json_t *arr)
{
	bool header = false;
	size_t i;
	json_t *l;

	json_array_foreach(arr, i, l) {
		if (strcmp(jstr(l, "proto"), "tls") != 0)
			continue;
		if (!header)
			printf("%-20s %22s %22s\n", "LISTENER", "TLS_HANDSHAKE_FAILURES",
			    "TLS_HANDSHAKE_TIMEOUTS");
		header = true;
		cell(o, jstr(l, "name"), 20, false);
		printf("%22lld %22lld\n", jint(l, "tls_handshake_failures"),
		    jint(l, "tls_handshake_timeouts"));
	}
}

/*
 * Listeners, in two tables of 80 columns whose headers are the JSON names:
 * what arrived, then (TCP and unix stream listeners) their connections;
 * then TLS listeners' handshakes.
 */
static void
print_listeners(const struct opts *o, json_t *arr)
{
	size_t i;
	json_t *l;
	bool streams = false;

	printf("%-20s %-5s %10s %9s %9s %7s %12s\n", "LISTENER", "PROTO", "RECEIVED",
	    "MALFORMED", "TRUNCATED", "DROPPED", "UNAUTHORIZED");
	json_array_foreach(arr, i, l) {
		cell(o, jstr(l, "name"), 20, false);
		printf("%-5s %10lld %9lld %9lld %7lld %12lld\n", jstr(l, "proto"),
		    jint(l, "received"), jint(l, "malformed"), jint(l, "truncated"),
		    jint(l, "dropped"), jint(l, "unauthorized"));
		streams = streams || is_stream(l);
	}
	if (!streams)
		return;
	printf("%-20s %11s %7s %18s %11s\n", "LISTENER", "CONNECTIONS", "REFUSED",
	    "REFUSED_PER_SOURCE", "IDLE_CLOSED");
	json_array_foreach(arr, i, l) {
		if (!is_stream(l))
			continue;
		cell(o, jstr(l, "name"), 20, false);
		printf("%11lld %7lld %18lld %11lld\n", jint(l, "connections"), jint(l, "refused"),
		    jint(l, "refused_per_source"), jint(l, "idle_closed"));
	}	print_tls_listeners(o, arr);
}

/* "p50 6.7 ms, p99 9.0 ms, max 9.3 ms" of one latency object. */
static void
print_quantiles(const char *what, json_t *l)
{
	if (jint(l, "samples") == 0) {
		printf("  %s: none yet\n", what);
		return;
	}
	printf("  %s: p50 %.1f ms, p99 %.1f ms, max %.1f ms (last %lld)\n", what,
	    (double)jint(l, "p50_usec") / 1000, (double)jint(l, "p99_usec") / 1000,
	    (double)jint(l, "max_usec") / 1000, jint(l, "samples"));
}

static void
print_latency(json_t *lat)
{
	printf("latency:\n");
	print_quantiles("line to incident", json_object_get(lat, "incident"));
	print_quantiles("commit", json_object_get(lat, "commit"));
	print_quantiles("durable", json_object_get(lat, "durable"));
}

/* "loop: 123 dispatches, p50 under 0.001 ms, p99 under 0.128 ms", then the longest. */
static void
print_loop(const struct opts *o, json_t *l)
{
	char at[64];

	if (jint(l, "dispatches") == 0)
		return;
	when(o, jstr(l, "max_at"), false, at, sizeof(at));
	printf("loop: %lld dispatches, p50 under %.3f ms, p99 under %.3f ms\n"
	       "  longest %.1f ms at %s\n",
	    jint(l, "dispatches"), (double)jint(l, "p50_lt_usec") / 1000,
	    (double)jint(l, "p99_lt_usec") / 1000, (double)jint(l, "max_usec") / 1000, at);
}

/*
 * UPSTREAM STATE QUEUED OLDEST LAST OK LAST ERROR: 80 columns, the error
 * takes what is left; ages relative (absolute with --wide).
 */
static void
print_status_upstreams(const struct opts *o, json_t *arr)
{
	char queued[24], oldest[64], last_ok[64];
	size_t i;
	json_t *u;

	if (json_array_size(arr) == 0)
		return;
	printf("%-14s %-7s %6s %-8s %-8s %s\n", "UPSTREAM", "STATE", "QUEUED", "OLDEST", "LAST OK",
	    "LAST ERROR");
	json_array_foreach(arr, i, u) {
		snprintf(queued, sizeof(queued), "%6lld", jint(u, "queued"));
		when(o, jstr(u, "oldest"), true, oldest, sizeof(oldest));
		when(o, jstr(u, "last_success"), true, last_ok, sizeof(last_ok));
		cell(o, jstr(u, "name"), 14, false);
		cell(o, jstr(u, "state"), 7, false);
		cell(o, queued, 6, false);
		cell(o, oldest, 8, false);
		cell(o, last_ok, 8, false);
		cell(o, jstr(u, "last_error"), 31, true);
	}
}

/* Silences against silence-max, and what silences and windows held and let go. */
static void
print_silence_status(json_t *sl, json_t *ev)
{
	printf("silences: %lld kept (silence-max %lld), %lld active, %lld refused\n"
	       "  maintenance windows: %lld; held %lld incidents, sent %lld when released\n",
	    jint(sl, "count"), jint(sl, "max"), jint(sl, "active"), jint(sl, "refused"),
	    jint(sl, "maintenance_windows"), jint(ev, "suppressed"), jint(ev, "released"));
}

/* Inhibit statements, and what the incidents they name held and let go. */
static void
print_inhibit_status(json_t *in)
{
	printf("inhibit: %lld statements; held %lld incidents, sent %lld when their source ended\n",
	    jint(in, "statements"), jint(in, "inhibited"), jint(in, "released"));
}

static void
print_status(const struct opts *o, json_t *r)
{
	json_t *ev = json_object_get(r, "events"), *inc = json_object_get(r, "incidents");
	json_t *c = json_object_get(r, "control"), *st = json_object_get(r, "store");
	char since[64];

	when(o, jstr(r, "started"), false, since, sizeof(since));
	printf("triaged %s, pid %lld, host %s\nrunning since %s\n", jstr(r, "version"),
	    jint(r, "pid"), jstr(r, "hostname"), since);
	printf("config %s\n  %lld reloads, %lld refused\n", jstr(r, "config"), jint(r, "reloads"),
	    jint(r, "reload_failures"));
	if (json_is_string(json_object_get(r, "last_reload_error")))
		printf("last reload refused: %s\n", jstr(r, "last_reload_error"));
	printf("events: %lld received, %lld malformed, %lld matched, %lld resolving\n"
	       "  dropped: %lld by rule, %lld by default\n",
	    jint(ev, "received"), jint(ev, "malformed"), jint(ev, "matched"),
	    jint(ev, "resolving"), jint(ev, "dropped_by_rule"), jint(ev, "dropped_by_default"));
	if (json_is_true(json_object_get(st, "degraded"))) {
		when(o, jstr(st, "degraded_since"), false, since, sizeof(since));
		printf("DEGRADED since %s: the state database refuses writes\n  (%s); %lld "
		       "commits failed, %lld syncs failed, %lld writes refused\n", since,
		    jstr(st, "last_commit_error"), jint(st, "commit_failures"),
		    jint(st, "sync_failures"), jint(st, "writes_refused"));
	}
	printf("incidents: %lld pending, %lld triggered, %lld acknowledged, %lld suppressed\n"
	       "  %lld flapping, %lld grouped; closed: %lld resolved, %lld expired, %lld transient\n",
	    jint(inc, "pending"), jint(inc, "triggered"), jint(inc, "acknowledged"),
	    jint(inc, "suppressed"), jint(inc, "flapping"), jint(inc, "grouped"), jint(inc, "resolved"),
	    jint(inc, "expired"), jint(inc, "transient"));
	print_silence_status(json_object_get(r, "silences"), ev);
	print_inhibit_status(json_object_get(r, "inhibit"));
	json_t *g = json_object_get(r, "groups");
	printf("groups: %lld opened, %lld sent, %lld updates, %lld resolved\n"
	       "  %lld members joined, %lld beyond group-by max\n", jint(g, "opened"),
	    jint(g, "sent"), jint(g, "updates"), jint(g, "resolved"), jint(g, "joined"),
	    jint(g, "unlisted"));
	print_oncall_status(json_object_get(r, "oncall"));
	print_latency(json_object_get(r, "latency"));
	print_loop(o, json_object_get(r, "loop"));
	printf("control: %lld clients\n  refused: %lld busy, %lld not permitted, %lld too "
	       "large\n  dropped: %lld slow, %lld idle\n",
	    jint(c, "clients"), jint(c, "refused_busy"), jint(c, "refused_permission"),
	    jint(c, "too_large"), jint(c, "dropped_slow"), jint(c, "dropped_idle"));
	print_listeners(o, json_object_get(r, "listeners"));
	if (jint(json_object_get(r, "outbox"), "suppressed") > 0)
		printf("outbox: %lld triggers not sent, resolved before delivery\n",
		    jint(json_object_get(r, "outbox"), "suppressed"));
	print_status_upstreams(o, json_object_get(r, "upstreams"));
}

/* STATE SEVERITY COUNT LAST SEEN KEY SUMMARY: 80 columns, the summary takes what is left. */
static void
print_incidents(const struct opts *o, json_t *r)
{
	json_t *arr = json_object_get(r, "incidents"), *i;
	size_t n;
	char last[64], count[24];

	if (json_array_size(arr) == 0) {
		printf("no incidents\n");
		return;
	}
	printf("%-12s %-7s %6s %-8s %-22s %s\n", "STATE", "SEV", "COUNT", "LAST", "KEY",
	    "SUMMARY");
	json_array_foreach(arr, n, i) {
		when(o, jstr(i, "last_seen"), true, last, sizeof(last));
		snprintf(count, sizeof(count), "%6lld", jint(i, "count"));
		cell(o, jstr(i, "state"), 12, false);
		cell(o, jstr(i, "severity"), 7, false);
		cell(o, count, 6, false);
		cell(o, last, 8, false);
		cell(o, jstr(i, "key"), 22, false);
		cell(o, jstr(i, "summary"), 19, true);
	}
}

/*
 * Text that goes on after `used` columns: on the same line when it fits,
 * else on lines of its own, indented, each within TERM_WIDTH.  Nothing is
 * cut: it is the detail view.
 */
void
put_wrapped(const struct opts *o, const char *s, size_t used)
{
	const size_t indent = 4, room = TERM_WIDTH - indent;

	if (o->wide || used + ctl_text_width(s) <= TERM_WIDTH) {
		printf("%s\n", s);
		return;
	}
	while (*s != '\0') {
		size_t b = ctl_prefix_bytes(s, room);
		printf("\n%*s%.*s", (int)indent, "", (int)b, s);
		s += b;
	}
	putchar('\n');
}

/* A parent's members (group-by), or a member's parent. */
static void
print_group(const struct opts *o, json_t *i)
{
	json_t *g = json_object_get(i, "group"), *m;
	char at[64];
	size_t n;

	if (json_is_object(json_object_get(i, "parent")))
		printf("group:      %s (%s)\n", jstr(json_object_get(i, "parent"), "key"),
		    jstr(json_object_get(i, "parent"), "state"));
	if (!json_is_object(g))
		return;
	at[0] = '\0';
	if (json_is_string(json_object_get(g, "page_at")))
		when(o, jstr(g, "page_at"), false, at, sizeof(at));
	printf("members:    %lld, %lld open; page %s%s%s\n", jint(g, "members"), jint(g, "open"),
	    jstr(g, "page"), at[0] ? " " : "", at);
	printf("\n%-40s %-12s %-20s %s\n", "MEMBER", "STATE", "HOST", "COUNT");
	json_array_foreach(json_object_get(g, "list"), n, m) {
		char count[24];
		snprintf(count, sizeof(count), "%lld", jint(m, "count"));
		cell(o, jstr(m, "key"), 40, false);
		cell(o, jstr(m, "state"), 12, false);
		cell(o, jstr(m, "host"), 20, false);
		cell(o, count, 8, true);
	}
	if (jint(g, "members") > (long long)json_array_size(json_object_get(g, "list")))
		printf("(%zu listed of %lld)\n", json_array_size(json_object_get(g, "list")),
		    jint(g, "members"));
}

/* Details are not cut; a long timeline text goes on lines of its own. */
/* The ack and resolve links of an open incident, when an HTTP listener serves them. */
static void
print_links(json_t *i)
{
	json_t *l = json_object_get(i, "links");

	if (json_string_value(json_object_get(l, "ack")) != NULL)
		printf("ack link:   %s\n", jstr(l, "ack"));
	if (json_string_value(json_object_get(l, "resolve")) != NULL)
		printf("resolve:    %s\n", jstr(l, "resolve"));
}

static void
print_show(const struct opts *o, json_t *r)
{
	json_t *i = json_object_get(r, "incident"), *e;
	size_t n;
	char first[64], last[64], at[64];

	when(o, jstr(i, "first_seen"), false, first, sizeof(first));
	when(o, jstr(i, "last_seen"), false, last, sizeof(last));
	printf("key:        %s\nsummary:    %s\nstate:      %s\nseverity:   %s\n", jstr(i, "key"),
	    jstr(i, "summary"), jstr(i, "state"), jstr(i, "severity"));
	printf("count:      %lld\nrule:       %s\nhost:       %s\nfirst seen: %s\nlast seen:  %s\n",
	    jint(i, "count"), jstr(i, "rule"), jstr(i, "host"), first, last);
	if (jint(i, "cycles") > 0)
		printf("cycles:     %lld down/up%s\n", jint(i, "cycles"),
		    strcmp(jstr(i, "state"), "flapping") == 0 ? ", flapping" : "");
	print_group(o, i);
	print_links(i);
	printf("\ntimeline:\n");
	json_array_foreach(json_object_get(i, "timeline"), n, e) {
		char head[160];
		when(o, jstr(e, "at"), false, at, sizeof(at));
		snprintf(head, sizeof(head), "  %s  %-5s #%-6lld", at, jstr(e, "kind"),
		    jint(e, "count"));
		printf("%s ", head);
		put_wrapped(o, jstr(e, "text"), ctl_text_width(head) + 1);
	}
	print_relatives(o, i);
}

/* The strings of a JSON array, joined with sep. */
static void
join(json_t *arr, const char *sep, char *buf, size_t size)
{
	size_t i, off = 0;
	json_t *v;

	buf[0] = '\0';
	json_array_foreach(arr, i, v) {
		int n = snprintf(buf + off, size - off, "%s%s", i ? sep : "", json_string_value(v));
		if (n < 0 || (size_t)n >= size - off)
			break;
		off += (size_t)n;
	}
}

/* Under a row, indented: the matchers (and a window's schedule), cut to the width unless --wide. */
static void
under(const struct opts *o, const char *lead, json_t *matchers)
{
	char m[4096], text[4200];

	join(matchers, " ", m, sizeof(m));
	snprintf(text, sizeof(text), "%s%s", lead, m);
	fputs("      ", stdout);
	cell(o, text, TERM_WIDTH - 6, true);
}

/* ID STATE START END CREATOR COMMENT, then the matchers: 80 columns, the comment takes what is left. */
static void
print_silences(const struct opts *o, json_t *arr)
{
	char id[24], start[64], end[64];
	json_t *s;
	size_t n;

	if (json_array_size(arr) == 0) {
		printf("no silences\n");
		return;
	}
	printf("%5s %-7s %-8s %-8s %-20s %s\n", "ID", "STATE", "START", "END", "CREATOR",
	    "COMMENT");
	json_array_foreach(arr, n, s) {
		snprintf(id, sizeof(id), "%5lld", jint(s, "id"));
		when(o, jstr(s, "start"), true, start, sizeof(start));
		when(o, jstr(s, "end"), true, end, sizeof(end));
		cell(o, id, 5, false);
		cell(o, jstr(s, "state"), 7, false);
		cell(o, start, 8, false);
		cell(o, end, 8, false);
		cell(o, jstr(s, "creator"), 20, false);
		cell(o, jstr(s, "comment"), 26, true);
		under(o, "", json_object_get(s, "matchers"));
	}
}

/* NAME STATE START END SCHEDULE, then the matchers: the window in force, else the next one. */
static void
print_windows(const struct opts *o, json_t *arr)
{
	char start[64], end[64];
	json_t *w;
	size_t n;

	if (json_array_size(arr) == 0)
		return;
	printf("\n%-14s %-7s %-8s %-8s %s\n", "MAINTENANCE", "STATE", "START", "END", "SCHEDULE");
	json_array_foreach(arr, n, w) {
		when(o, jstr(w, "start"), true, start, sizeof(start));
		when(o, jstr(w, "end"), true, end, sizeof(end));
		cell(o, jstr(w, "name"), 14, false);
		cell(o, json_is_true(json_object_get(w, "active")) ? "active" : "waiting", 7, false);
		cell(o, start, 8, false);
		cell(o, end, 8, false);
		cell(o, jstr(w, "schedule"), 38, true);
		under(o, "match ", json_object_get(w, "matchers"));
	}
}

static void
print_events(const struct opts *o, json_t *r)
{
	json_t *arr = json_object_get(r, "events"), *e;
	char at[64], id[24];
	size_t n;

	if (json_array_size(arr) == 0) {
		printf("no events in the raw-event log\n");
		return;
	}
	printf("%8s %-8s %-7s %-15s %s\n", "ID", "AT", "TYPE", "SOURCE", "TEXT");
	json_array_foreach(arr, n, e) {
		snprintf(id, sizeof(id), "%8lld", jint(e, "id"));
		when(o, jstr(e, "at"), true, at, sizeof(at));
		cell(o, id, 8, false);
		cell(o, at, 8, false);
		cell(o, jstr(e, "type"), 7, false);
		cell(o, jstr(e, "source"), 15, false);
		cell(o, jstr(e, "text"), 38, true);
	}
}

static void
print_silence(const struct opts *o, json_t *r)
{
	if (json_object_get(r, "silences") == NULL) {
		print_ok(o, r);
		return;
	}
	print_silences(o, json_object_get(r, "silences"));
	print_windows(o, json_object_get(r, "maintenance"));
}

static void
print_explain_event(const struct opts *o, json_t *ev)
{
	const char *k;
	json_t *v;

	printf("event:      %s from %s on %s%s\n", jstr(ev, "type"), jstr(ev, "source"),
	    jstr(ev, "listener"), json_is_true(json_object_get(ev, "malformed")) ?
				       " (malformed: the whole line is the message)" : "");
	printf("            facility %s, severity %s\n", jstr(ev, "facility"),
	    jstr(ev, "severity"));
	printf("host:       %s\nprogram:    %s\n", jstr(ev, "host"), jstr(ev, "program"));
	printf("message:    ");
	put_wrapped(o, jstr(ev, "message"), 12);
	json_object_foreach(json_object_get(ev, "fields"), k, v) {
		char head[160];
		snprintf(head, sizeof(head), "  %s = ", k);
		printf("%s", head);
		put_wrapped(o, json_string_value(v) ? json_string_value(v) : "", ctl_text_width(head));
	}
}

static void
print_explain(const struct opts *o, json_t *r)
{
	json_t *e;
	size_t i;

	print_explain_event(o, json_object_get(r, "event"));
	printf("\nrules, in order:\n");
	json_array_foreach(json_object_get(r, "rules"), i, e) {
		printf("  %-20s %s:%lld  %s\n", jstr(e, "rule"), jstr(e, "file"), jint(e, "line"),
		    jstr(e, "result"));
		if (json_object_get(e, "failed") == NULL)
			continue;
		printf("      failed: %s\n", jstr(e, "failed"));
		if (json_object_get(e, "had") != NULL)
			printf("      it had: %s\n", jstr(e, "had"));
	}
	if (json_array_size(json_object_get(r, "rules")) == 0)
		printf("  (no rules)\n");
	if (json_object_get(r, "key") != NULL)
		printf("\nkey:        %s\n", jstr(r, "key"));
	if (json_object_get(r, "summary") != NULL)
		printf("summary:    %s\nseverity:   %s\n", jstr(r, "summary"), jstr(r, "severity"));
	printf("\nwhat would happen now:\n");
	/* Sentences of ours around a key: the terminal wraps them, nothing is cut. */
	json_array_foreach(json_object_get(r, "outcome"), i, e)
		printf("  - %s\n", json_string_value(e) ? json_string_value(e) : "");
}

static const struct verb verbs[] = {
	{ "ack", "KEY", 1, req_ack, print_ok, NULL },
	{ "events", "[--limit N]", 0, req_events, print_events, NULL },
	{ "explain",
	    "[--listener NAME] [--from ADDR] 'LINE' | --trap OID [--] [OID TYPE VALUE]... | "
	    "--event ID",
	    -2, req_explain, print_explain, NULL },
	{ "incidents", "[--state STATE] [--limit N]", 0, req_incidents, print_incidents, NULL },
	{ "metrics", "", 0, req_metrics, print_metrics, NULL },
	{ "note", "KEY TEXT", 2, req_note, print_ok, NULL },
	{ "oncall", "[SCHEDULE] [--at TIME] [--next DURATION]", -1, req_oncall, print_oncall,
	    NULL },
	{ "override", "add SCHEDULE CONTACT FROM|now TO|DURATION | list | remove ID", -3,
	    req_override, print_override, NULL },
	{ "page", "POLICY|CONTACT TEXT [--incident KEY]", 2, req_page, print_ok, NULL },
	{ "queue", "[--limit N] [retry ID|--all | drop ID [--force]]", -1, req_queue, print_queue,
	    NULL },
	{ "reload", "", 0, req_reload, print_ok, NULL },
	{ "report", "[--since 30d] [--max N] [--html FILE]", 0, NULL, NULL, run_report },
	{ "resolve", "KEY", 1, req_resolve, print_ok, NULL },
	{ "send-test", "UPSTREAM", 1, req_send_test, print_ok, NULL },
	{ "show", "KEY [--id N]", 1, req_show, print_show, NULL },
	{ "silence", "add MATCHER... for DURATION [--comment TEXT] [--start TIME] [--end TIME] | "
		     "list | expire ID", -3, req_silence, print_silence, NULL },
	{ "status", "", 0, req_status, print_status, NULL },
	{ "timeline", "KEY [--id N] [--format table|md]", 1, req_timeline, print_timeline, NULL },
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: triagectl [-j] [-s socket | -c config] VERB [ARGS]\n");
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		fprintf(f, "       triagectl %s %s\n", verbs[i].name, verbs[i].args);
	fprintf(f, "       triagectl [-c CONFIG] replay [--since DURATION] [--config NEW.conf]\n");
	fprintf(f, "options: -j/--json  -s/--socket PATH  -c/--config FILE  -w/--wide  --utc\n"
		   "         --state STATE  --limit N  --who NOTE  --all  --force  --id N\n"
		   "         --comment TEXT  --start TIME  --end TIME\n"
		   "         --trap OID  --listener NAME  --from ADDR  --event ID  --since DURATION\n"
		   "         --format table|md  --max N  --html FILE  --at TIME  --next DURATION\n");
}

/*
 * -c: the control socket a configuration names.  Only that statement is
 * read, so neither a key file triagectl cannot open nor an error elsewhere
 * in the file gets in the way.
 */
static const char *
socket_from_config(const char *path)
{
	static char *found; /* reachable until exit: one per run */
	char *cause = NULL;

	free(found);
	if (conf_peek_control_socket(path, &found, &cause) < 0) {
		fprintf(stderr, "triagectl: cannot find the control socket in %s: %s\n", path,
		    cause);
		exit(1);
	}
	return found;
}

static int
run(const struct verb *v, const struct opts *o, char **argv)
{
	json_t *req = v->request(o, argv), *reply = NULL;
	char *cause = NULL;
	int r;

	if (req == NULL) {
		fprintf(stderr, "usage: triagectl %s %s\n", v->name, v->args);
		return 2;
	}
	r = ctlclient_call(o->socket, req, CALL_TIMEOUT_MS, &reply, &cause);

	json_decref(req);
	if (r < 0) {
		fprintf(stderr, "triagectl: %s\n", cause);
		free(cause);
		return 1;
	}
	bool okay = json_is_true(json_object_get(reply, "ok"));
	if (o->json) {
		/* Valid JSON either way; C1 controls escaped so a terminal shows them. */
		char *s = json_dumps(reply, JSON_INDENT(2)), *safe = json_escape_c1(s);
		puts(safe ? safe : "null");
		free(safe);
		free(s);
		json_decref(reply);
		return okay ? 0 : 1;
	}
	/* What senders wrote reaches a terminal: no raw control byte may. */
	json_escape_controls(reply);
	if (okay)
		v->print(o, reply);
	if (!okay)
		fprintf(stderr, "triagectl: %s\n", jstr(reply, "error"));
	json_decref(reply);
	return okay ? 0 : 1;
}

/*
 * `replay --config NEW`: after the verb, --config names the configuration
 * to compare, not the one to read (that is -c before it).  Taken out of
 * argv before getopt sees it; NULL when not there.
 */
static const char *
take_new_config(int *argcp, char **argv)
{
	int argc = *argcp;
	static const char *const with_arg[] = { "-s", "-c", "--socket", "--config", "--state",
		"--limit", "--who", "--trap", "--listener", "--from", "--since", "--event", "--id",
		"--format", "--max", "--html", "--incident" };
	const char *found = NULL;
	int verb = 0;

	for (int i = 1; i < argc && verb == 0; i++) {
		if (argv[i][0] != '-')
			verb = i;
		for (size_t k = 0; k < ARRAY_SIZE(with_arg) && verb == 0; k++)
			if (strcmp(argv[i], with_arg[k]) == 0)
				i++;
	}
	if (verb == 0 || strcmp(argv[verb], "replay") != 0)
		return NULL;
	for (int i = verb + 1; i < argc; i++) {
		int drop = 0;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			found = argv[i + 1];
			drop = 2;
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			found = argv[i] + 9;
			drop = 1;
		}
		if (drop > 0) {
			memmove(&argv[i], &argv[i + drop], (size_t)(argc - i - drop + 1) * sizeof(*argv));
			argc -= drop;
			i--;
		}
	}
	*argcp = argc;
	return found;
}

static int
replay(const struct opts *o, const char *new_conf)
{
	struct ctl_replay_opts ro = { .conf_path = o->config ? o->config : DEFAULT_CONF,
		.new_path = new_conf, .since = 7 * 86400 * USEC_PER_SEC, .json = o->json,
		.limit = o->limit > 0 ? (size_t)o->limit : 20 };

	if (o->argc != 0 || (o->since && (parse_duration(o->since, &ro.since) < 0 || ro.since <= 0))) {
		fprintf(stderr, "usage: triagectl [-c CONFIG] replay [--since DURATION] "
				"[--config NEW.conf] [--limit N]\n");
		return 2;
	}
	return ctl_replay(&ro);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },   { "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' }, { "help", no_argument, NULL, 'h' },
		{ "state", required_argument, NULL, 'S' }, { "limit", required_argument, NULL, 'L' },
		{ "who", required_argument, NULL, 'W' },  { "all", no_argument, NULL, 'A' },
		{ "wide", no_argument, NULL, 'w' },	   { "utc", no_argument, NULL, 'U' },
		{ "force", no_argument, NULL, 'F' },	   { "comment", required_argument, NULL, 'C' },
		{ "start", required_argument, NULL, 'B' }, { "end", required_argument, NULL, 'E' },
		{ "trap", required_argument, NULL, 'T' },
		{ "listener", required_argument, NULL, 'N' }, { "from", required_argument, NULL, 'f' },
		{ "since", required_argument, NULL, 'D' }, { "event", required_argument, NULL, 'V' },
		{ "id", required_argument, NULL, 'I' },	{ "format", required_argument, NULL, 'O' },
		{ "max", required_argument, NULL, 'M' },	{ "html", required_argument, NULL, 'H' },
		{ "at", required_argument, NULL, 'a' },	{ "next", required_argument, NULL, 'X' },
		{ "incident", required_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .socket = getenv("TRIAGED_SOCKET"), .max = REPORT_MAX_DEFAULT };
	const char *new_conf = take_new_config(&argc, argv);
	int64_t lim;
	int ch;

	while ((ch = getopt_long(argc, argv, "js:c:hw", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': o.json = true; break;
		case 'w': o.wide = true; break;
		case 'U': o.utc = true; break;
		case 's': o.socket = optarg; break;
		case 'c':
			o.config = optarg;
			o.socket = socket_from_config(optarg);
			break;
		case 'S': o.state = optarg; break;
		case 'W': o.who = optarg; break;
		case 'A': o.all = true; break;
		case 'F': o.force = true; break;
		case 'C': o.comment = optarg; break;
		case 'B': o.start = optarg; break;
		case 'E': o.end = optarg; break;
		case 'T': o.trap = optarg; break;
		case 'N': o.listener = optarg; break;
		case 'f': o.from = optarg; break;
		case 'D': o.since = optarg; break;
		case 'V': o.event = optarg; break;
		case 'K': o.incident = optarg; break;
		case 'O': o.format = optarg; break;
		case 'H': o.html = optarg; break;
		case 'a': o.at = optarg; break;
		case 'X': o.next = optarg; break;
		case 'M':
			if (parse_int64(optarg, 1, REPORT_MAX_MAX, &o.max) < 0) {
				fprintf(stderr, "triagectl: --max wants a number from 1 to %d\n",
				    REPORT_MAX_MAX);
				return 2;
			}
			break;
		case 'I':
			if (parse_int64(optarg, 1, INT64_MAX, &o.id) < 0) {
				fprintf(stderr, "triagectl: --id wants an incident id (a number)\n");
				return 2;
			}
			break;
		case 'L':
			if (parse_int64(optarg, 1, 1000000, &lim) < 0) {
				fprintf(stderr, "triagectl: --limit wants a number from 1 to 1000000\n");
				return 2;
			}
			o.limit = (long)lim;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.socket == NULL || *o.socket == '\0')
		o.socket = CONF_DEFAULT_CONTROL_SOCKET;
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[optind], "replay") == 0) {
		o.argc = argc - optind - 1;
		return replay(&o, new_conf);
	}
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++) {
		if (strcmp(verbs[i].name, argv[optind]) != 0)
			continue;
		o.argc = argc - optind - 1;
		if (verbs[i].nargs >= 0 ? o.argc != verbs[i].nargs :
		    verbs[i].nargs == -1 ? o.argc > 2 :
		    verbs[i].nargs == -3 && (o.argc < 1 || o.argc > VERB_ARGS_MAX)) {
			fprintf(stderr, "usage: triagectl %s %s\n", verbs[i].name, verbs[i].args);
			return 2;
		}
		if (verbs[i].run != NULL)
			return verbs[i].run(&o);
		return run(&verbs[i], &o, argv + optind + 1);
	}
	fprintf(stderr, "triagectl: unknown verb '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
