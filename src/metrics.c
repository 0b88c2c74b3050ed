/*
 * metrics.c - `triagectl status --json` as Prometheus metrics.
 *
 * Names follow Prometheus' conventions: a triaged_ prefix, base units
 * (seconds, bytes), _total on counters.  Label values come from the
 * configuration (listener, upstream names) but are escaped all the same.
 * The loop's log2 histogram is a real histogram; the commit and incident
 * latencies are summaries whose quantiles cover the last 1024 samples.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "loop_stats.h"
#include "metrics.h"
#include "util.h"

struct scalar {
	const char *object, *field; /* status[object][field]; object NULL: top level */
	const char *name, *type, *help;
};

static const struct scalar scalars[] = {
	{ "events", "received", "triaged_events_received_total", "counter",
	    "Messages, traps and journal entries taken from every input." },
	{ "events", "malformed", "triaged_events_malformed_total", "counter",
	    "Input that could not be parsed (kept as raw text where possible)." },
	{ "events", "matched", "triaged_events_matched_total", "counter",
	    "Events a rule matched." },
	{ "events", "dropped_by_rule", "triaged_events_dropped_by_rule_total", "counter",
	    "Events a rule dropped." },
	{ "events", "dropped_by_default", "triaged_events_dropped_by_default_total", "counter",
	    "Events no rule matched, dropped by the default." },
	{ "events", "opened", "triaged_incidents_opened_total", "counter", "Incidents opened." },
	{ "events", "triggered", "triaged_incidents_triggered_total", "counter",
	    "Incidents that alerted." },
	{ "events", "resolved", "triaged_incidents_resolved_total", "counter",
	    "Incidents resolved." },
	{ "events", "suppressed", "triaged_incidents_suppressed_total", "counter",
	    "Incidents held by a silence or maintenance window." },
	{ "events", "flapping", "triaged_incidents_flapping_total", "counter",
	    "Incidents that began to flap." },
	{ "store", "map_size", "triaged_store_map_size_bytes", "gauge",
	    "The state database's LMDB map size." },
	{ "store", "map_used", "triaged_store_map_used_bytes", "gauge",
	    "Bytes of the map in use." },
	{ "store", "commits", "triaged_store_commits_total", "counter",
	    "Write transactions committed." },
	{ "store", "commit_failures", "triaged_store_commit_failures_total", "counter",
	    "Commits that failed (disk full, I/O error)." },
	{ "store", "syncs", "triaged_store_syncs_total", "counter", "fsyncs of the state database." },
	{ "store", "sync_failures", "triaged_store_sync_failures_total", "counter",
	    "fsyncs that failed." },
	{ "store", "map_grows", "triaged_store_map_grows_total", "counter",
	    "Times the map grew after it was full." },
	{ "store", "pruned", "triaged_store_pruned_incidents_total", "counter",
	    "Resolved incidents removed by retention." },
	{ "store", "degraded", "triaged_store_degraded", "gauge",
	    "1 while the state database refuses writes." },
	{ "outbox", "pending", "triaged_outbox_pending", "gauge",
	    "Deliveries queued for every upstream." },
	{ "outbox", "dead", "triaged_outbox_dead", "gauge",
	    "Deliveries an upstream refused for good." },
	{ "control", "clients", "triaged_control_clients", "gauge",
	    "Connections to the control socket." },
	{ "silences", "active", "triaged_silences_active", "gauge", "Silences in force." },
	{ "inhibit", "index_entries", "triaged_inhibit_index_entries", "gauge",
	    "Entries of the inhibit statements' source index, four per alerting source." },
	{ "inhibit", "index_max", "triaged_inhibit_index_max", "gauge",
	    "The most it may hold: the source rules' max-open." },
	{ NULL, "reloads", "triaged_reloads_total", "counter", "Configuration reloads." },
	{ NULL, "reload_failures", "triaged_reload_failures_total", "counter",
	    "Reloads refused for a bad configuration." },
};

struct per_item {
	const char *field, *name, *type, *help;
};

static const struct per_item per_listener[] = {
	{ "received", "triaged_listener_received_total", "counter", "Messages received." },
	{ "malformed", "triaged_listener_malformed_total", "counter",
	    "Messages that could not be parsed." },
	{ "truncated", "triaged_listener_truncated_total", "counter",
	    "Messages cut at max-message." },
	{ "dropped", "triaged_listener_dropped_total", "counter",
	    "Messages the kernel dropped before triaged read them (UDP)." },
	{ "bad_frames", "triaged_listener_bad_frames_total", "counter",
	    "TCP frames that broke RFC 6587 framing." },
	{ "connections", "triaged_listener_connections", "gauge", "Open connections (TCP, TLS)." },
	{ "tls_handshake_failures", "triaged_listener_tls_handshake_failures_total", "counter",
	    "TLS handshakes that failed: no or a refused client certificate, a protocol error." },
	{ "tls_handshake_timeouts", "triaged_listener_tls_handshake_timeouts_total", "counter",
	    "TLS connections closed for not finishing the handshake within handshake-timeout." },
};

static const struct per_item per_upstream[] = {
	{ "queued", "triaged_upstream_queued", "gauge", "Deliveries waiting for this upstream." },
	{ "standing", "triaged_upstream_standing", "gauge",
	    "Delivered Alertmanager alerts re-sent while they fire." },
	{ "in_flight", "triaged_upstream_in_flight", "gauge", "Requests under way." },
	{ "delivered", "triaged_upstream_delivered_total", "counter",
	    "Deliveries the upstream accepted." },
	{ "failures", "triaged_upstream_failures_total", "counter",
	    "Delivery attempts that failed (refused, timed out, 5xx, 429)." },
};

static const struct per_item per_rule[] = {
	{ "matched", "triaged_rule_matched_total", "counter",
	    "Events the rule matched (since the config was loaded)." },
	{ "dropped", "triaged_rule_dropped_total", "counter",
	    "Events the rule dropped (since the config was loaded)." },
	{ "resolving", "triaged_rule_resolving_total", "counter",
	    "Events that matched the rule's resolve-on (since the config was loaded)." },
};

static const struct per_item per_heartbeat[] = {
	{ "sent", "triaged_heartbeat_sent_total", "counter",
	    "Pings sent to the upstream's heartbeat URL (since start or reload)." },
	{ "failed", "triaged_heartbeat_failed_total", "counter",
	    "Pings that failed or were answered with an error." },
	{ "skipped", "triaged_heartbeat_skipped_total", "counter",
	    "Pings not sent: the state database refused writes, or one was in flight." },
	{ "timed_out", "triaged_heartbeat_timed_out_total", "counter",
	    "Pings not answered within 3/4 of the interval (10 s at most), among the failed." },
};

static double
num(const json_t *o, const char *field)
{
	const json_t *v = json_object_get(o, field);

	if (json_is_boolean(v))
		return json_is_true(v) ? 1 : 0;
	return json_is_number(v) ? json_number_value(v) : 0;
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and line feed escaped, as the format asks. */
static void
label_value(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Counts exactly, seconds to the nanosecond's neighbourhood. */
static void
put_value(FILE *f, double v)
{
	if (v == (double)(int64_t)v && v > -9007199254740992.0 && v < 9007199254740992.0)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%.9g", v);
}

/* name{label="value"} v, or name v without a label. */
static void
sample(FILE *f, const char *name, const char *label, const char *value, double v)
{
	fputs(name, f);
	if (label != NULL) {
		fprintf(f, "{%s=\"", label);
		label_value(f, value);
		fputs("\"}", f);
	}
	fputc(' ', f);
	put_value(f, v);
	fputc('\n', f);
}

static void
scalars_out(FILE *f, const json_t *st)
{
	for (size_t i = 0; i < ARRAY_SIZE(scalars); i++) {
		const struct scalar *m = &scalars[i];
		const json_t *o = m->object ? json_object_get(st, m->object) : st;

		family(f, m->name, m->type, m->help);
		sample(f, m->name, NULL, NULL, num(o, m->field));
	}
}

/* One family per field, a sample per element of ARR labelled by its "name". */
static void
per_items(FILE *f, const json_t *arr, const char *label, const struct per_item *items, size_t n)
{
	size_t i;
	json_t *e;

	for (size_t k = 0; k < n; k++) {
		family(f, items[k].name, items[k].type, items[k].help);
		json_array_foreach(arr, i, e) {
			const char *name = json_string_value(json_object_get(e, "name"));

			sample(f, items[k].name, label, name ? name : "", num(e, items[k].field));
		}
	}
}

/* "2026-12-05T00:43:41.821Z" as usec; -1 when it is not one. */
static int64_t
parse_time(const char *s)
{
	struct tm tm = { 0 };
	unsigned ms = 0;
	char z = 0;

	if (s == NULL || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3u%c", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms, &z) != 8 || z != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * USEC_PER_SEC + (int64_t)ms * 1000;
}

static void
upstream_ages(FILE *f, const json_t *arr, int64_t now)
{
	size_t i;
	json_t *e;

	family(f, "triaged_upstream_oldest_age_seconds", "gauge",
	    "Age of the oldest delivery waiting for this upstream; 0 when none waits.");
	json_array_foreach(arr, i, e) {
		int64_t at = parse_time(json_string_value(json_object_get(e, "oldest")));

		sample(f, "triaged_upstream_oldest_age_seconds", "upstream",
		    json_string_value(json_object_get(e, "name")),
		    at > 0 && now > at ? (double)(now - at) / 1e6 : 0);
	}
	family(f, "triaged_upstream_up", "gauge", "1 while the upstream takes deliveries.");
	json_array_foreach(arr, i, e) {
		const char *state = json_string_value(json_object_get(e, "state"));

		sample(f, "triaged_upstream_up", "upstream",
		    json_string_value(json_object_get(e, "name")),
		    state != NULL && strcmp(state, "failing") != 0);
	}
}

/* Only TLS listeners have a certificate: no sample that would read as "expired in 1970". */
static void
tls_expiry(FILE *f, const json_t *arr)
{
	const char *name = "triaged_listener_tls_certificate_expiry_timestamp_seconds";
	size_t i;
	json_t *e;

	family(f, name, "gauge", "When the certificate a TLS listener serves expires.");
	json_array_foreach(arr, i, e) {
		const json_t *v = json_object_get(e, "tls_certificate_not_after");
		int64_t at = parse_time(json_string_value(v));

		if (at > 0)
			sample(f, name, "listener", json_string_value(json_object_get(e, "name")),
			    (double)(at / USEC_PER_SEC));
	}
}

/* Open incidents by state: every member of status.incidents but the totals. */
static void
incidents_out(FILE *f, const json_t *inc)
{
	const char *k;
	json_t *v;

	family(f, "triaged_incidents", "gauge", "Incidents stored, by state.");
	json_object_foreach((json_t *)inc, k, v) {
		if (strcmp(k, "total") != 0 && strcmp(k, "grouped") != 0 && json_is_integer(v))
			sample(f, "triaged_incidents", "state", k, (double)json_integer_value(v));
	}
}

static void
summary(FILE *f, const json_t *l, const char *name, const char *help)
{
	char q[160];

	family(f, name, "summary", help);
	snprintf(q, sizeof(q), "%s{quantile=\"0.5\"}", name);
	sample(f, q, NULL, NULL, num(l, "p50_usec") / 1e6);
	snprintf(q, sizeof(q), "%s{quantile=\"0.99\"}", name);
	sample(f, q, NULL, NULL, num(l, "p99_usec") / 1e6);
	snprintf(q, sizeof(q), "%s_sum", name);
	sample(f, q, NULL, NULL, num(l, "sum_usec") / 1e6);
	snprintf(q, sizeof(q), "%s_count", name);
	sample(f, q, NULL, NULL, num(l, "count"));
}

/* name{label="value",le="..."}, or name{le="..."} without a label: the labels of a series. */
static void
series(FILE *f, const char *name, const char *suffix, const char *label, const char *value,
    const char *le)
{
	fprintf(f, "%s%s", name, suffix);
	if (label == NULL && le == NULL) {
		fputc(' ', f);
		return;
	}
	fputc('{', f);
	if (label != NULL) {
		fprintf(f, "%s=\"", label);
		label_value(f, value);
		fprintf(f, "\"%s", le ? "," : "");
	}
	if (le != NULL)
		fprintf(f, "le=\"%s\"", le);
	fputs("} ", f);
}

/*
 * One series of a log2 histogram from its JSON (control_json.c): bucket i
 * held [2^(i-1), 2^i) usec, whole usec, so its inclusive bound is 2^i - 1.
 */
static void
histogram(FILE *f, const char *name, const json_t *h, const char *count, const char *label,
    const char *value)
{
	const json_t *buckets = json_object_get(h, "buckets");
	double cum = 0;
	char le[32];
	size_t i;
	json_t *b;

	json_array_foreach(buckets, i, b) {
		cum += num(b, "count");
		if (i + 1 == json_array_size(buckets))
			break; /* the last also counts everything longer: it is +Inf's */
		snprintf(le, sizeof(le), "%.6f", (num(b, "lt_usec") - 1) / 1e6);
		series(f, name, "_bucket", label, value, le);
		put_value(f, cum);
		fputc('\n', f);
	}
	series(f, name, "_bucket", label, value, "+Inf");
	put_value(f, num(h, count));
	fputc('\n', f);
	series(f, name, "_sum", label, value, NULL);
	put_value(f, num(h, "sum_usec") / 1e6);
	fputc('\n', f);
	series(f, name, "_count", label, value, NULL);
	put_value(f, num(h, count));
	fputc('\n', f);
}

static void
delivery_histograms(FILE *f, const json_t *upstreams)
{
	const char *name = "triaged_upstream_delivery_seconds";
	size_t i;
	json_t *e;

	family(f, name, "histogram", "From a delivery's queueing until the upstream accepted it.");
	json_array_foreach(upstreams, i, e) {
		histogram(f, name, json_object_get(e, "delivery_latency"), "count", "upstream",
		    json_string_value(json_object_get(e, "name")));
	}
}

static void
http_out(FILE *f, const json_t *h)
{
	static const char *const results[] = { "acted", "refused", "expired", "stale", "failed" };

	if (h == NULL)
		return;
	family(f, "triaged_http_requests_total", "counter", "Requests to the HTTP listener.");
	sample(f, "triaged_http_requests_total", NULL, NULL, num(h, "requests"));
	family(f, "triaged_http_link_results_total", "counter",
	    "What became of ack and resolve link requests.");
	for (size_t i = 0; i < ARRAY_SIZE(results); i++)
		sample(f, "triaged_http_link_results_total", "result", results[i], num(h, results[i]));
	family(f, "triaged_http_connections", "gauge", "Connections open to the HTTP listener.");
	sample(f, "triaged_http_connections", NULL, NULL, num(h, "connections"));
	family(f, "triaged_http_connections_refused_total", "counter",
	    "Connections to the HTTP listener closed at once: max-connections were open.");
	sample(f, "triaged_http_connections_refused_total", NULL, NULL,
	    num(h, "connections_refused"));
}

char *
metrics_render(const json_t *st, int64_t now)
{
	const json_t *lat = json_object_get(st, "latency");
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatalx("open_memstream: %s", strerror(errno));
	family(f, "triaged_build_info", "gauge", "The running version.");
	sample(f, "triaged_build_info", "version", PACKAGE_VERSION, 1);
	family(f, "triaged_start_time_seconds", "gauge", "When the daemon started, Unix time.");
	sample(f, "triaged_start_time_seconds", NULL, NULL,
	    (double)parse_time(json_string_value(json_object_get(st, "started"))) / 1e6);
	scalars_out(f, st);
	per_items(f, json_object_get(st, "listeners"), "listener", per_listener,
	    ARRAY_SIZE(per_listener));
	tls_expiry(f, json_object_get(st, "listeners"));
	per_items(f, json_object_get(st, "upstreams"), "upstream", per_upstream,
	    ARRAY_SIZE(per_upstream));
	upstream_ages(f, json_object_get(st, "upstreams"), now);
	per_items(f, json_object_get(st, "rules"), "rule", per_rule, ARRAY_SIZE(per_rule));
	per_items(f, json_object_get(st, "heartbeats"), "upstream", per_heartbeat,
	    ARRAY_SIZE(per_heartbeat));
	incidents_out(f, json_object_get(st, "incidents"));
	summary(f, json_object_get(lat, "commit"), "triaged_commit_duration_seconds",
	    "A write transaction's commit, over the last 1024.");
	summary(f, json_object_get(lat, "durable"), "triaged_commit_durable_delay_seconds",
	    "From a commit until it was on disk (fsync), over the last 1024.");
	summary(f, json_object_get(lat, "incident"), "triaged_incident_latency_seconds",
	    "From a line's arrival until its incident was committed, over the last 1024.");
	family(f, "triaged_loop_dispatch_seconds", "histogram",
	    "How long each dispatch held the event loop.");
	histogram(f, "triaged_loop_dispatch_seconds", json_object_get(st, "loop"), "dispatches",
	    NULL, NULL);
	delivery_histograms(f, json_object_get(st, "upstreams"));
	family(f, "triaged_page_delivery_seconds", "histogram",
	    "From a page's queueing until its notifier (mail server, SMS provider, chat, program) "
	    "accepted it, every contact and channel together.");
	histogram(f, "triaged_page_delivery_seconds", json_object_get(st, "page_latency"), "count",
	    NULL, NULL);
	http_out(f, json_object_get(st, "http"));
	if (fclose(f) != 0)
		fatalx("writing metrics: %s", strerror(errno));
	return buf;
}
