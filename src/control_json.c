/*
 * control_json.c - what triagectl can ask: status, incidents, show, ack,
 * resolve, reload, queue, send-test and the silences.  Reads use their own
 * read transaction; changes go through the pipeline so they are batched
 * and logged like any other.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "conf.h"
#include "control.h"
#include "control_group.h"
#include "control_json.h"
#include "control_peer.h"
#include "control_request.h"
#include "daemon.h"
#include "failover.h"
#include "heartbeat.h"
#include "jsonutil.h"
#include "latency.h"
#include "oncall.h"
#include "event.h"
#include "event_record.h"
#include "eventlog.h"
#include "explain.h"
#include "incident.h"
#include "input_snmp.h"
#include "input_syslog.h"
#include "outbox.h"
#include "pipeline.h"
#include "rules.h"
#include "send_test.h"
#include "silence.h"
#include "store.h"
#include "pipeline_inhibit.h"
#include "suppress.h"
#include "text.h"
#include "metrics.h"
#include "util.h"
#include "web.h"

#define QUEUE_DEFAULT_LIMIT 1000 /* deliveries listed by queue without --limit */
#define INCIDENTS_DEFAULT_LIMIT 1000
#define SHOW_PAST_MAX	 10		       /* earlier incarnations show lists */
#define SHOW_RELATED_MAX 10		       /* open incidents of the same host it lists */
#define SHOW_RELATED_WITHIN (10 * 60 * USEC_PER_SEC) /* of opening, before or after */

/* Messages may quote a key or a file name: never let them make the reply fail. */
static json_t *
fail(const char *msg)
{
	return json_pack("{s:b, s:o}", "ok", 0, "error", json_text(msg));
}

static json_t *
fail_errno(const char *what, int r)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(-r));
	return fail(msg);
}

json_t *
control_fail_errno(const char *what, int r)
{
	return fail_errno(what, r);
}

json_t *
control_fail(const char *msg)
{
	return fail(msg);
}

static json_t *
ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

/* ok, saying what was done (in a person's words: triagectl prints it). */
static json_t *__attribute__((format(printf, 1, 2)))
ok_done(const char *fmt, ...)
{
	va_list ap;
	char *text;
	json_t *j = ok();

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) >= 0) {
		json_object_set_new(j, "done", json_text(text));
		free(text);
	}
	va_end(ap);
	return j;
}

static json_t *
incident_json(const struct incident *inc)
{
	/* Stored text may predate ingest's repair: json_text() takes any bytes. */
	json_t *o = json_pack("{s:I, s:o, s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)inc->id, "key", json_text(inc->key), "state",
	    incident_state_name(inc->state), "severity", event_severity_name(inc->severity),
	    "count", (json_int_t)inc->count, "rule", json_text(inc->rule), "host",
	    json_text(inc->host), "summary", json_text(inc->summary),
	    "first_seen", json_time(inc->first_seen), "last_seen", json_time(inc->last_seen),
	    "state_since", json_time(inc->state_since), "acked_at", json_time(inc->acked_at),
	    "resolved_at", json_time(inc->resolved_at));

	/* Down/up cycles counted while it flapped (0: it never did). */
	json_object_set_new(o, "cycles", json_integer((json_int_t)inc->flap.cycles));
	return o;
}

static void
listener_json(const struct listener_info *li, void *arg)
{
	json_t *o = json_pack("{s:o, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "name", json_text(li->name), "proto", li->proto, "address", json_text(li->address),
	    "received", (json_int_t)li->received, "malformed", (json_int_t)li->malformed,
	    "truncated", (json_int_t)li->truncated, "dropped", (json_int_t)li->dropped,
	    "bad_frames", (json_int_t)li->bad_frames, "connections", (json_int_t)li->connections,
	    "refused", (json_int_t)li->refused);

	json_object_set_new(o, "stream", json_boolean(li->stream));
	json_object_set_new(o, "unauthorized", json_integer((json_int_t)li->unauthorized));
	json_object_set_new(o, "refused_per_source",
	    json_integer((json_int_t)li->refused_per_source));
	json_object_set_new(o, "idle_closed", json_integer((json_int_t)li->idle_closed));
	json_object_set_new(o, "tls_handshake_failures",
	    json_integer((json_int_t)li->tls_handshake_failures));
	json_object_set_new(o, "tls_handshake_timeouts",
	    json_integer((json_int_t)li->tls_handshake_timeouts));
	if (strcmp(li->proto, "tls") == 0)
		json_object_set_new(o, "tls_certificate_not_after",
		    json_time(li->tls_not_after * USEC_PER_SEC));
	json_object_set_new(o, "backlogged", json_integer((json_int_t)li->backlogged));
	json_array_append_new(arg, o);
}

static json_t *
incidents_summary(struct daemon *d)
{
	uint64_t by_state[INCIDENT_NSTATES] = { 0 };
	struct store_stats st;
	struct store_txn *t;

	if (store_txn_begin(d->store, false, &t) == 0) {
		store_state_counts(t, by_state, ARRAY_SIZE(by_state));
		store_txn_abort(t);
	}
	store_stats(d->store, &st);
	json_t *o = json_pack("{s:I}", "total", (json_int_t)st.incidents);
	for (unsigned s = 0; s < INCIDENT_NSTATES; s++)
		if (incident_state_valid(s))
			json_object_set_new(o, incident_state_name(s),
			    json_integer((json_int_t)by_state[s]));
	return o;
}

static json_t *
events_json(const struct pipeline_stats *s)
{
	json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "received", (json_int_t)s->received, "malformed", (json_int_t)s->malformed,
	    "truncated", (json_int_t)s->truncated, "dropped_by_rule", (json_int_t)s->dropped_rule,
	    "dropped_by_default", (json_int_t)s->dropped_default, "matched", (json_int_t)s->matched,
	    "resolving", (json_int_t)s->resolving, "opened", (json_int_t)s->opened,
	    "triggered", (json_int_t)s->triggered, "resolved", (json_int_t)s->resolved,
	    "batches", (json_int_t)s->batches, "store_errors", (json_int_t)s->store_errors,
	    "folded", (json_int_t)s->folded);
	json_object_set_new(o, "expired", json_integer((json_int_t)s->expired));
	json_object_set_new(o, "suppressed", json_integer((json_int_t)s->suppressed));
	json_object_set_new(o, "released", json_integer((json_int_t)s->released));
	json_object_set_new(o, "held", json_integer((json_int_t)s->held));
	json_object_set_new(o, "transient", json_integer((json_int_t)s->transient));
	json_object_set_new(o, "flapping", json_integer((json_int_t)s->flapping));
	return o;
}

/* The raw-event log's figures, under the names they had when it was in LMDB, and more. */
static void
eventlog_json(struct daemon *d, json_t *o)
{
	struct eventlog_stats es = { 0 };

	if (d->eventlog != NULL)
		eventlog_stats(d->eventlog, &es);
	json_object_set_new(o, "event_log_events", json_integer((json_int_t)es.records));
	json_object_set_new(o, "event_log_bytes", json_integer((json_int_t)es.bytes));
	json_object_set_new(o, "event_log_errors", json_integer((json_int_t)es.write_errors));
	json_object_set_new(o, "event_log", json_pack("{s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "on", d->eventlog != NULL, "appended", (json_int_t)es.appended, "records",
	    (json_int_t)es.records, "bytes", (json_int_t)es.bytes, "raw_bytes",
	    (json_int_t)es.raw_bytes, "segments", (json_int_t)es.segments, "pruned_segments",
	    (json_int_t)es.pruned, "pending_bytes", (json_int_t)es.pending, "dropped",
	    (json_int_t)es.dropped));
}

static json_t *
store_json(struct daemon *d)
{
	const struct batch_stats *b = batch_get_stats(d->batch);
	struct store_stats st;

	memset(&st, 0, sizeof(st));
	store_stats(d->store, &st);
	json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I}", "state_dir",
	    json_text(d->conf->state_dir), "map_size", (json_int_t)st.map_size, "map_used",
	    (json_int_t)st.map_used, "map_grows", (json_int_t)st.map_grows, "resolved_incidents",
	    (json_int_t)st.resolved_incidents, "pruned", (json_int_t)st.pruned);
	eventlog_json(d, o);
	/* Whether writes are failing now, and how often they have. */
	json_object_set_new(o, "degraded", json_boolean(b->degraded));
	json_object_set_new(o, "degraded_since", json_time(b->degraded ? b->degraded_since : 0));
	json_object_set_new(o, "commits", json_integer((json_int_t)b->commits));
	json_object_set_new(o, "commit_failures", json_integer((json_int_t)b->failures));
	json_object_set_new(o, "syncs", json_integer((json_int_t)b->syncs));
	json_object_set_new(o, "sync_failures", json_integer((json_int_t)b->sync_failures));
	json_object_set_new(o, "writes_refused", json_integer((json_int_t)b->refused));
	json_object_set_new(o, "batches_redone", json_integer((json_int_t)b->redone));
	json_object_set_new(o, "events_redone",
	    json_integer((json_int_t)pipeline_get_stats(d->pipeline)->redone_events));
	json_object_set_new(o, "last_commit_error",
	    b->last_error ? json_string(strerror(-b->last_error)) : json_null());
	/* Hours of counts kept for reports, and how many may be. */
	json_object_set_new(o, "tally_hours", json_integer((json_int_t)st.tally_hours));
	json_object_set_new(o, "tally_hours_max", json_integer(STORE_TALLY_HOURS));
	return o;
}

static json_t *
control_json(struct daemon *d)
{
	struct control_stats st;

	control_get_stats(d->control, &st);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "clients", (json_int_t)st.clients,
	    "refused_busy", (json_int_t)st.refused_busy, "refused_permission",
	    (json_int_t)st.refused_permission, "dropped_slow", (json_int_t)st.dropped_slow,
	    "dropped_idle", (json_int_t)st.dropped_idle, "too_large", (json_int_t)st.too_large);
}

/*
 * A log2 histogram of durations (how long dispatches held the event loop,
 * how long deliveries took): each bucket with its exclusive upper bound, and
 * the longest with when it was.
 */
static const struct loop_stats no_latency;

static json_t *
histogram_json(const struct loop_stats *st, const char *count_name)
{
	json_t *b = json_array();

	for (unsigned i = 0; i < LOOP_BUCKETS; i++)
		json_array_append_new(b, json_pack("{s:I, s:I}", "lt_usec", (json_int_t)1 << i,
		    "count", (json_int_t)st->buckets[i]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:o, s:o}", count_name,
	    (json_int_t)st->iterations, "sum_usec", (json_int_t)st->sum_usec, "p50_lt_usec",
	    (json_int_t)loop_stats_quantile(st, 0.5), "p99_lt_usec",
	    (json_int_t)loop_stats_quantile(st, 0.99), "max_usec", (json_int_t)st->max_usec,
	    "max_at", json_time(st->max_at), "buckets", b);
}

static void
upstream_json(const struct outbox_health *h, void *arg)
{
	json_t *o = json_pack("{s:o, s:s, s:b, s:I, s:o, s:o, s:o, s:o?}", "name",
	    json_text(h->name), "state", outbox_up_state_name(h->state), "configured",
	    h->configured, "queued", (json_int_t)h->queued, "oldest", json_time(h->oldest),
	    "down_since", json_time(h->down_since), "last_success", json_time(h->last_success),
	    "last_error", h->last_error ? json_text(h->last_error) : NULL);

	json_object_set_new(o, "standing", json_integer((json_int_t)h->standing));
	json_object_set_new(o, "in_flight", json_integer(h->in_flight));
	json_object_set_new(o, "delivered", json_integer((json_int_t)h->delivered));
	json_object_set_new(o, "failures", json_integer((json_int_t)h->failures));
	json_object_set_new(o, "delivery_latency", histogram_json(h->delivery, "count"));
	json_array_append_new(arg, o);
}

static json_t *
upstreams_json(struct daemon *d)
{
	json_t *arr = json_array();

	if (d->outbox != NULL)
		outbox_health_foreach(d->outbox, upstream_json, arr);
	return arr;
}

static json_t *
latency_json(const struct latency_summary *l)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)l->count,
	    "sum_usec", (json_int_t)l->sum, "samples", (json_int_t)l->samples, "p50_usec",
	    (json_int_t)l->p50, "p99_usec", (json_int_t)l->p99, "max_usec", (json_int_t)l->max);
}

/*
 * Of the last commits, of their wait to be durable (the sync thread's
 * fsyncs), and of the last lines that fired an incident until it was
 * committed (visible to triagectl).
 */
static json_t *
latencies_json(struct daemon *d)
{
	struct latency_summary commit, durable, fired;

	batch_commit_latency(d->batch, &commit);
	batch_durable_latency(d->batch, &durable);
	pipeline_fired_latency(d->pipeline, &fired);
	return json_pack("{s:o, s:o, s:o}", "commit", latency_json(&commit), "durable",
	    latency_json(&durable), "incident", latency_json(&fired));
}

/* Silences kept (against silence-max), active now, and what happened to them. */
static json_t *
silences_json(struct daemon *d)
{
	const struct silence_set *set = suppress_silences(d->pipeline);
	const struct suppress_stats *st = suppress_get_stats(d->pipeline);
	int64_t now = now_realtime_usec();
	size_t active = 0;

	for (size_t i = 0; i < set->n; i++)
		active += silence_state(&set->v[i]->rec, now) == SILENCE_ACTIVE;
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "count", (json_int_t)set->n,
	    "max", (json_int_t)d->conf->silence_max, "active", (json_int_t)active, "added",
	    (json_int_t)st->added, "expired", (json_int_t)st->expired, "refused",
	    (json_int_t)st->refused, "pruned", (json_int_t)st->pruned, "maintenance_windows",
	    (json_int_t)d->conf->nmaintenance);
}

/* Inhibit statements, and what the incidents they name held and let go. */
static json_t *
inhibit_json(struct daemon *d)
{
	const struct inhibit_stats *st = inhibit_get_stats(d->pipeline);
	struct store_stats ss;

	store_stats(d->store, &ss);
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "statements",
	    (json_int_t)d->conf->ninhibits, "inhibited", (json_int_t)st->inhibited, "released",
	    (json_int_t)st->released, "sources_closed", (json_int_t)st->unfiled, "index_entries",
	    (json_int_t)ss.held_index, "index_max", (json_int_t)inhibit_index_max(d->conf));
}


/* Each rule of the running config (bounded by it) and what it did since it was loaded. */
static json_t *
rules_json(const struct conf *conf)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < conf->nrules; i++) {
		const struct rule *r = conf->rules[i];

		json_array_append_new(arr, json_pack("{s:o, s:o, s:i, s:I, s:I, s:I}", "name",
		    json_text(r->name), "file", json_text(r->file), "line", r->line, "matched",
		    (json_int_t)r->counts->matched, "dropped", (json_int_t)r->counts->dropped,
		    "resolving", (json_int_t)r->counts->resolving));
	}
	return arr;
}

/* The HTTP listener: where links point, and what became of the requests. */
static json_t *
http_json(struct daemon *d)
{
	struct web_stats st;

	web_get_stats(d->web, &st);
	json_t *o = json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I}", "address",
	    json_text(d->conf->http ? d->conf->http->address : ""), "url",
	    json_text(d->conf->http ? d->conf->http->url : ""), "requests", (json_int_t)st.requests,
	    "acted", (json_int_t)st.acted, "refused", (json_int_t)st.refused, "expired",
	    (json_int_t)st.expired, "stale", (json_int_t)st.stale, "failed", (json_int_t)st.failed);

	json_object_set_new(o, "connections", json_integer((json_int_t)st.connections));
	json_object_set_new(o, "connections_refused",
	    json_integer((json_int_t)st.connections_refused));
	return o;
}

json_t *
control_status_json(struct daemon *d)
{
	json_t *listeners = json_array(), *j;
	struct outbox_stats st;

	inputs_foreach(d->inputs, listener_json, listeners);
	snmp_input_foreach(d->snmp, listener_json, listeners);
	outbox_get_stats(d->outbox, &st);
	j = json_pack("{s:b, s:s, s:i, s:o, s:o, s:o, s:I, s:I, s:o?, s:o, s:o, s:o, s:o, s:o, s:o}",
	    "ok", 1, "version", PACKAGE_VERSION, "pid", (int)getpid(), "hostname",
	    json_text(d->conf->hostname), "config", json_text(d->conf_path), "started",
	    json_time(d->started_usec), "reloads", (json_int_t)d->reloads, "reload_failures",
	    (json_int_t)d->reload_failures, "last_reload_error",
	    d->last_reload_error ? json_text(d->last_reload_error) : NULL, "listeners", listeners,
	    "events",
	    events_json(pipeline_get_stats(d->pipeline)), "incidents", incidents_summary(d),
	    "store", store_json(d), "control", control_json(d), "latency", latencies_json(d));
	json_object_set_new(j, "loop", histogram_json(&d->loop, "dispatches"));
	json_object_set_new(j, "page_latency",
	    histogram_json(d->outbox ? outbox_page_latency(d->outbox) : &no_latency, "count"));
	json_object_set_new(j, "rules", rules_json(d->conf));
	json_object_set_new(j, "heartbeats", heartbeat_json(d->heartbeat));
	json_object_set_new(j, "failover", failover_json(d->failover));
	if (d->web != NULL)
		json_object_set_new(j, "http", http_json(d));
	json_object_set_new(j, "upstreams", upstreams_json(d));
	json_object_set_new(j, "silences", silences_json(d));
	json_object_set_new(j, "oncall", oncall_status_json(d));
	json_object_set_new(j, "notes", json_pack("{s:I, s:I, s:i}", "added",
	    (json_int_t)pipeline_get_stats(d->pipeline)->notes, "refused",
	    (json_int_t)pipeline_get_stats(d->pipeline)->notes_refused, "max_per_incident",
	    PIPELINE_NOTES_MAX));
	json_object_set_new(j, "inhibit", inhibit_json(d));
	json_object_set_new(j, "groups", control_group_status(d));
	json_object_set_new(j, "outbox", json_pack("{s:I, s:I, s:I, s:I}", "pending",
	    (json_int_t)st.pending, "delivered", (json_int_t)st.delivered, "dead",
	    (json_int_t)st.dead, "suppressed", (json_int_t)st.suppressed));
	return j;
}

static json_t *
cmd_status(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	return control_status_json(d);
}

/* The same as Prometheus text (metrics.h), a line per string: replies carry no control bytes. */
static json_t *
cmd_metrics(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	json_t *st = control_status_json(d), *lines = json_array();
	char *text = metrics_render(st, now_realtime_usec()), *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		json_array_append_new(lines, json_string(line));
	json_decref(st);
	free(text);
	return json_pack("{s:b, s:o}", "ok", 1, "metrics", lines);
}

struct list_ctx {
	json_t *arr;
	int state; /* -1: all; -2: open (not resolved) */
	size_t limit;
};

static int
list_visit(const struct incident *inc, void *arg)
{
	struct list_ctx *c = arg;

	if (c->state == -2 && !incident_is_open(inc))
		return 0;
	if (c->state >= 0 && (int)inc->state != c->state)
		return 0;
	json_array_append_new(c->arr, incident_json(inc));
	return json_array_size(c->arr) >= c->limit;
}

static json_t *
cmd_incidents(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	struct list_ctx c = { .state = rq->state, .limit = rq->limit };
	struct store_txn *t;
	int r;

	_Static_assert(CONTROL_STATE_ALL == -1 && CONTROL_STATE_OPEN == -2, "list_ctx's filters");
	if (c.limit == 0)
		c.limit = INCIDENTS_DEFAULT_LIMIT;
	if ((r = store_txn_begin(d->store, false, &t)) < 0)
		return fail_errno("reading the state database", r);
	c.arr = json_array();
	r = store_incident_foreach(t, list_visit, &c);
	store_txn_abort(t);
	if (r < 0) {
		json_decref(c.arr);
		return fail_errno("reading incidents", r);
	}
	return json_pack("{s:b, s:o}", "ok", 1, "incidents", c.arr);
}

static int
timeline_visit(const struct timeline_entry *e, void *arg)
{
	json_array_append_new(arg, json_pack("{s:o, s:s, s:s, s:I, s:o}", "at", json_time(e->at),
	    "kind", timeline_kind_name(e->kind), "state",
	    timeline_state_name(e), "count", (json_int_t)e->count, "text",
	    json_text(e->text)));
	return 0;
}

/* Incidents by id, as an array; one that is gone meanwhile is left out. */
static json_t *
incidents_by_id(struct store_txn *t, const uint64_t *ids, size_t n, uint64_t skip)
{
	json_t *arr = json_array();
	struct incident inc;

	for (size_t i = 0; i < n; i++)
		if (ids[i] != skip && store_incident_get(t, ids[i], &inc) == 0)
			json_array_append_new(arr, incident_json(&inc));
	return arr;
}

/*
 * What show lists beside an incident, each from an index and bounded:
 * the earlier incarnations of its key, newest first ("past"), and the
 * open incidents of its host that opened within ten minutes of it
 * ("related").  "past_more" and "related_more" say when there are more.
 */
static int
show_relatives(struct store_txn *t, const struct incident *inc, json_t *ij)
{
	uint64_t ids[SHOW_RELATED_MAX + 1];
	bool more;
	size_t n;
	int r;

	if ((r = store_key_history(t, inc->key, inc->id, ids, SHOW_PAST_MAX, &n, &more)) < 0)
		return r;
	json_object_set_new(ij, "past", incidents_by_id(t, ids, n, 0));
	json_object_set_new(ij, "past_more", json_boolean(more));
	/* One more than listed: the incident itself is among them when open. */
	if ((r = store_host_open(t, inc->host, inc->first_seen - SHOW_RELATED_WITHIN,
	    inc->first_seen + SHOW_RELATED_WITHIN, ids, ARRAY_SIZE(ids), &n, &more)) < 0)
		return r;
	json_t *rel = incidents_by_id(t, ids, n, inc->id);
	while (json_array_size(rel) > SHOW_RELATED_MAX) {
		json_array_remove(rel, SHOW_RELATED_MAX);
		more = true;
	}
	json_object_set_new(ij, "related", rel);
	json_object_set_new(ij, "related_more", json_boolean(more));
	return 0;
}

/* The newest incarnation of the key, or the one with rq->id when it has that key. */
static int
show_target(struct store_txn *t, const struct control_request *rq, struct incident *inc)
{
	char fitted[INCIDENT_KEY_MAX + 1];
	const char *key = incident_lookup_key(rq->key, fitted);
	int r;

	if (rq->id == 0)
		return store_incident_by_key(t, key, inc);
	if ((r = store_incident_get(t, rq->id, inc)) == 0 && strcmp(inc->key, key) != 0)
		r = -ENOENT;
	return r;
}

/* The ack and resolve links a page would carry, while they can act. */
static void
show_links(struct daemon *d, const struct incident *inc, json_t *ij)
{
	int64_t now = now_realtime_usec();
	char *ack, *resolve;

	if (d->web == NULL || incident_state_closed(inc->state))
		return;
	ack = inc->state != INCIDENT_ACKNOWLEDGED ? web_link(d->web, LINK_ACK, inc->id, now) : NULL;
	resolve = web_link(d->web, LINK_RESOLVE, inc->id, now);
	json_object_set_new(ij, "links", json_pack("{s:s?, s:s?}", "ack", ack, "resolve", resolve));
	free(ack);
	free(resolve);
}

static json_t *
cmd_show(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	struct incident inc;
	struct store_txn *t;
	json_t *tl, *ij;
	int r;

	if ((r = store_txn_begin(d->store, false, &t)) < 0)
		return fail_errno("reading the state database", r);
	if ((r = show_target(t, rq, &inc)) < 0) {
		store_txn_abort(t);
		if (r != -ENOENT)
			return fail_errno("reading", r);
		return fail(rq->id ? "no incident with that key and id" : "no incident with that key");
	}
	tl = json_array();
	ij = incident_json(&inc);
	if ((r = store_timeline_foreach(t, inc.id, timeline_visit, tl)) == 0)
		r = show_relatives(t, &inc, ij);
	control_group_show(d, t, &inc, ij);
	store_txn_abort(t);
	json_object_set_new(ij, "timeline", tl);
	show_links(d, &inc, ij);
	if (r < 0) {
		json_decref(ij);
		return fail_errno("reading", r);
	}
	return json_pack("{s:b, s:o}", "ok", 1, "incident", ij);
}

/* A person's note on the newest incident with the key, in the person's name. */
static json_t *
cmd_note(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	char *cause = NULL;

	if (pipeline_comment(d->pipeline, rq->key, control_peer_actor(peer), rq->text, &cause) < 0) {
		json_t *j = fail(cause ? cause : "failed");
		free(cause);
		return j;
	}
	return ok_done("noted on %s", rq->key);
}

/* ack or resolve in the name of the person the kernel says asked; --who is only a note. */
static json_t *
change(struct daemon *d, const struct control_request *rq, struct control_peer *peer,
    bool resolve)
{
	const char *actor = control_peer_actor(peer);
	char *cause = NULL;
	int r;

	r = resolve ? pipeline_resolve(d->pipeline, rq->key, actor, rq->note, &cause) :
		      pipeline_ack(d->pipeline, rq->key, actor, rq->note, &cause);
	if (r < 0) {
		json_t *j = fail(cause ? cause : "failed");
		free(cause);
		return j;
	}
	return ok_done("%s %s", resolve ? "resolved" : "acknowledged", rq->key);
}

static json_t *
cmd_ack(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	return change(d, rq, peer, false);
}

static json_t *
cmd_resolve(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	return change(d, rq, peer, true);
}

static json_t *
cmd_reload(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	char *cause = NULL;

	if (daemon_reload(d, &cause) < 0) {
		json_t *j = fail(cause ? cause : "reload failed");
		free(cause);
		return j;
	}
	return ok_done("configuration reloaded from %s", d->conf_path);
}

static json_t *
cmd_queue(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	struct outbox_stats st;
	bool more;
	json_t *list = outbox_list_json(d->outbox, rq->limit ? rq->limit : QUEUE_DEFAULT_LIMIT,
	    &more);

	outbox_get_stats(d->outbox, &st);
	json_t *j = json_pack("{s:b, s:o, s:b, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "ok",
	    1, "deliveries", list, "more", more, "upstreams", outbox_upstreams_json(d->outbox),
	    "stats", "queued", (json_int_t)st.queued, "delivered", (json_int_t)st.delivered,
	    "dead", (json_int_t)st.dead, "retries", (json_int_t)st.retries, "shed",
	    (json_int_t)st.shed, "held_alarms", (json_int_t)st.held_alarms, "pending",
	    (json_int_t)st.pending);

	json_object_set_new(json_object_get(j, "stats"), "suppressed",
	    json_integer((json_int_t)st.suppressed));
	json_object_set_new(json_object_get(j, "stats"), "exec_waits",
	    json_integer((json_int_t)st.exec_waits));
	return j;
}

/* queue-retry ID or all, queue-drop ID: control_request.c checked which is given. */
static json_t *
queue_change(struct daemon *d, const struct control_request *rq, bool drop)
{
	int r;

	r = drop ? outbox_drop(d->outbox, rq->id, rq->force) :
		   outbox_retry(d->outbox, rq->all ? 0 : rq->id);
	if (r == -ENOENT)
		return fail(rq->all ? "no delivery to retry" : "no delivery with that id");
	if (r == -EPERM)
		return fail("that resolve's trigger was delivered: dropping the resolve leaves the "
			    "incident open upstream; use --force to drop it all the same");
	if (r == -EBUSY)
		return fail("that delivery is in flight; try again in a moment");
	if (r < 0)
		return fail_errno("queue", r);
	json_t *j = drop ? ok_done("delivery %" PRIu64 " dropped", rq->id) :
			   ok_done("%d %s put back to be sent now", r, r == 1 ? "delivery" : "deliveries");
	json_object_set_new(j, "count", json_integer(drop ? 1 : r));
	return j;
}

static json_t *
cmd_queue_retry(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	return queue_change(d, rq, false);
}

static json_t *
cmd_queue_drop(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	return queue_change(d, rq, true);
}

static json_t *
cmd_send_test(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	char *key = NULL, *cause = NULL;
	json_t *j;

	if (send_test(d, rq->upstream, control_peer_actor(peer), &key, &cause) < 0) {
		j = fail(cause ? cause : "send-test failed");
		free(cause);
		return j;
	}
	j = ok_done("queued a test trigger and its resolve to %s, dedup key %s", rq->upstream, key);
	json_object_set_new(j, "key", json_text(key));
	free(key);
	return j;
}

static json_t *
matchers_json(const struct silence *s)
{
	json_t *arr = json_array();

	for (uint32_t i = 0; i < s->rec.nmatchers; i++)
		json_array_append_new(arr, json_text(s->rec.matchers[i]));
	return arr;
}

static json_t *
silence_json(const struct silence *s, int64_t now)
{
	return json_pack("{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "id", (json_int_t)s->rec.id,
	    "state", silence_state_name(silence_state(&s->rec, now)), "created",
	    json_time(s->rec.created), "start", json_time(s->rec.start), "end",
	    json_time(s->rec.end), "creator", json_text(s->rec.creator), "comment",
	    json_text(s->rec.comment), "matchers", matchers_json(s));
}

/* A maintenance window: its schedule, matchers, and the occurrence in force or next. */
static json_t *
window_json(struct daemon *d, size_t i, int64_t now)
{
	const struct conf_maintenance *w = &d->conf->maintenance[i];
	char sched[160], m[MATCHER_TEXT_MAX];
	json_t *arr = json_array();
	int64_t b = 0, e = 0;
	bool found = suppress_window_next(d->pipeline, i, now, &b, &e) == 0;

	maintenance_format(&w->sched, sched, sizeof(sched));
	for (size_t k = 0; k < w->nmatchers; k++) {
		matcher_format(&w->m[k], m, sizeof(m));
		json_array_append_new(arr, json_text(m));
	}
	return json_pack("{s:o, s:o, s:o, s:b, s:o, s:o}", "name", json_text(w->name), "schedule",
	    json_text(sched), "matchers", arr, "active", found && b <= now, "start",
	    json_time(found ? b : 0), "end", json_time(found ? e : 0));
}

static json_t *
cmd_silence_list(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	const struct silence_set *set = suppress_silences(d->pipeline);
	json_t *sl = json_array(), *wl = json_array();
	int64_t now = now_realtime_usec();

	for (size_t i = 0; i < set->n; i++)
		json_array_append_new(sl, silence_json(set->v[i], now));
	for (size_t i = 0; i < d->conf->nmaintenance; i++)
		json_array_append_new(wl, window_json(d, i, now));
	return json_pack("{s:b, s:o, s:o}", "ok", 1, "silences", sl, "maintenance", wl);
}

/* When the silence ends: the end asked for, or its start (given or now) and a duration. */
static int64_t
silence_end(const struct control_request *rq, int64_t start)
{
	if (rq->end != 0)
		return rq->end * USEC_PER_SEC;
	if (rq->duration > (INT64_MAX - start) / USEC_PER_SEC)
		return INT64_MAX; /* refused as too long */
	return start + rq->duration * USEC_PER_SEC;
}

static json_t *
cmd_silence_add(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	struct store_silence *rec = xcalloc(1, sizeof(*rec));
	const char *actor = control_peer_actor(peer);
	char *cause = NULL, until[40];
	json_t *j;

	rec->created = now_realtime_usec();
	rec->start = rq->start != 0 ? rq->start * USEC_PER_SEC : rec->created;
	rec->end = silence_end(rq, rec->start);
	text_copy(rec->creator, sizeof(rec->creator), actor, strlen(actor));
	if (rq->comment != NULL)
		text_copy(rec->comment, sizeof(rec->comment), rq->comment, strlen(rq->comment));
	rec->nmatchers = (uint32_t)rq->nmatchers;
	for (size_t i = 0; i < rq->nmatchers; i++)
		if (strlcpy_t(rec->matchers[i], rq->matchers[i], MATCHER_TEXT_MAX) >= MATCHER_TEXT_MAX)
			xasprintf(&cause, "matcher %zu is longer than %d bytes", i + 1,
			    MATCHER_TEXT_MAX - 1);
	if (cause != NULL || suppress_silence_add(d->pipeline, rec, &cause) < 0) {
		j = fail(cause ? cause : "silence-add failed");
		free(cause);
		free(rec);
		return j;
	}
	format_rfc3339(rec->end, until, sizeof(until));
	j = ok_done("silence %" PRIu64 " added, until %s", rec->id, until);
	json_object_set_new(j, "id", json_integer((json_int_t)rec->id));
	free(rec);
	return j;
}

static json_t *
cmd_silence_expire(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	char *cause = NULL;
	json_t *j;

	if (suppress_silence_expire(d->pipeline, rq->id, &cause) < 0) {
		j = fail(cause ? cause : "silence-expire failed");
		free(cause);
		return j;
	}
	return ok_done("silence %" PRIu64 " expired", rq->id);
}

#define EVENTS_DEFAULT_LIMIT 20
#define EVENTS_MAX_LIMIT     1000

static int
event_visit(const struct store_event *se, void *arg)
{
	static const char *const types[] = { "syslog", "trap", "journal" };
	struct event_record_buf b = { 0 };
	struct event view;
	const char *type = "syslog";

	if (se->packed_len > 0) { /* its type is in the event */
		if (event_from_record(NULL, se, NULL, &view, &b) == &view &&
		    (size_t)view.type < ARRAY_SIZE(types))
			type = types[view.type];
		event_record_buf_free(&b);
	}
	json_array_append_new(arg, json_pack("{s:I, s:o, s:s, s:o, s:o, s:o}", "id",
	    (json_int_t)se->seq, "at", json_time(se->recv_usec), "type", type, "listener",
	    json_text(se->listener), "source", json_text(se->source), "text",
	    json_textn(se->raw, se->raw_len)));
	return 0;
}

/* The newest records of the raw-event log, with the numbers explain --event takes. */
static json_t *
cmd_events(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	size_t limit = rq->limit ? rq->limit : EVENTS_DEFAULT_LIMIT;
	json_t *arr;
	int r;

	(void)peer;
	if (d->eventlog == NULL)
		return fail(d->conf->event_log ? "the raw-event log could not be opened (see the log)"
					       : "the raw-event log is off (event-log off)");
	arr = json_array();
	r = eventlog_recent(d->eventlog, limit < EVENTS_MAX_LIMIT ? limit : EVENTS_MAX_LIMIT,
	    event_visit, arr);
	if (r < 0) {
		json_decref(arr);
		return fail_errno("reading the raw-event log", r);
	}
	return json_pack("{s:b, s:o}", "ok", 1, "events", arr);
}

static json_t *
cmd_explain(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	(void)peer;
	return explain_request(d, rq);
}

control_command_fn *const control_commands[CONTROL_NVERBS] = {
	[CONTROL_ACK] = cmd_ack,
	[CONTROL_EVENTS] = cmd_events,
	[CONTROL_EXPLAIN] = cmd_explain,
	[CONTROL_INCIDENTS] = cmd_incidents,
	[CONTROL_METRICS] = cmd_metrics,
	[CONTROL_NOTE] = cmd_note,
	[CONTROL_ONCALL] = oncall_show,
	[CONTROL_OVERRIDE_ADD] = oncall_override_add,
	[CONTROL_OVERRIDE_LIST] = oncall_override_list,
	[CONTROL_OVERRIDE_REMOVE] = oncall_override_remove,
	[CONTROL_PAGE] = oncall_page,
	[CONTROL_QUEUE] = cmd_queue,
	[CONTROL_QUEUE_DROP] = cmd_queue_drop,
	[CONTROL_QUEUE_RETRY] = cmd_queue_retry,
	[CONTROL_RELOAD] = cmd_reload,
	[CONTROL_REPORT] = control_report,
	[CONTROL_RESOLVE] = cmd_resolve,
	[CONTROL_SEND_TEST] = cmd_send_test,
	[CONTROL_SHOW] = cmd_show,
	[CONTROL_SILENCE_ADD] = cmd_silence_add,
	[CONTROL_SILENCE_EXPIRE] = cmd_silence_expire,
	[CONTROL_SILENCE_LIST] = cmd_silence_list,
	[CONTROL_STATUS] = cmd_status,
};
