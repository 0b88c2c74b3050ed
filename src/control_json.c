/*
 * control_json.c - what triagectl can ask: status, incidents, show, ack,
 * resolve, reload.  Reads use their own read transaction; changes go
 * through the pipeline so they are batched and logged like any other.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "control_json.h"
#include "daemon.h"
#include "jsonutil.h"
#include "event.h"
#include "incident.h"
#include "input_snmp.h"
#include "input_syslog.h"
#include "outbox.h"
#include "pipeline.h"
#include "store.h"
#include "util.h"

#define INCIDENTS_DEFAULT_LIMIT 1000

static json_t *
fail(const char *msg)
{
	return json_pack("{s:b, s:s}", "ok", 0, "error", msg);
}

static json_t *
fail_errno(const char *what, int r)
{
	char msg[256];
	snprintf(msg, sizeof(msg), "%s: %s", what, strerror(-r));
	return fail(msg);
}

static json_t *
ok(void)
{
	return json_pack("{s:b}", "ok", 1);
}

static json_t *
incident_json(const struct incident *inc)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)inc->id, "key", inc->key, "state", incident_state_name(inc->state),
	    "severity", event_severity_name(inc->severity), "count", (json_int_t)inc->count,
	    "rule", inc->rule, "host", inc->host, "summary", inc->summary,
	    "first_seen", json_time(inc->first_seen), "last_seen", json_time(inc->last_seen),
	    "state_since", json_time(inc->state_since), "acked_at", json_time(inc->acked_at),
	    "resolved_at", json_time(inc->resolved_at));
}

static void
listener_json(const struct listener_info *li, void *arg)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "name", li->name, "proto", li->proto, "address", li->address,
	    "received", (json_int_t)li->received, "malformed", (json_int_t)li->malformed,
	    "truncated", (json_int_t)li->truncated, "dropped", (json_int_t)li->dropped,
	    "bad_frames", (json_int_t)li->bad_frames, "connections", (json_int_t)li->connections,
	    "refused", (json_int_t)li->refused);

	json_object_set_new(o, "unauthorized", json_integer((json_int_t)li->unauthorized));
	json_object_set_new(o, "refused_per_source",
	    json_integer((json_int_t)li->refused_per_source));
	json_object_set_new(o, "idle_closed", json_integer((json_int_t)li->idle_closed));
	json_array_append_new(arg, o);
}

static int
count_state(const struct incident *inc, void *arg)
{
	uint64_t *by_state = arg;
	by_state[inc->state]++;
	return 0;
}

static json_t *
incidents_summary(struct daemon *d)
{
	uint64_t by_state[4] = { 0 };
	struct store_stats st;
	struct store_txn *t;

	if (store_txn_begin(d->store, false, &t) == 0) {
		store_open_foreach(t, count_state, by_state);
		store_txn_abort(t);
	}
	store_stats(d->store, &st);
	return json_pack("{s:I, s:I, s:I, s:I, s:I}", "pending", (json_int_t)by_state[0],
	    "triggered", (json_int_t)by_state[1], "acknowledged", (json_int_t)by_state[2],
	    "resolved", (json_int_t)(st.incidents - st.open_incidents), "total",
	    (json_int_t)st.incidents);
}

static json_t *
events_json(const struct pipeline_stats *s)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "received", (json_int_t)s->received, "malformed", (json_int_t)s->malformed,
	    "truncated", (json_int_t)s->truncated, "dropped_by_rule", (json_int_t)s->dropped_rule,
	    "dropped_by_default", (json_int_t)s->dropped_default, "matched", (json_int_t)s->matched,
	    "resolving", (json_int_t)s->resolving, "opened", (json_int_t)s->opened,
	    "triggered", (json_int_t)s->triggered, "resolved", (json_int_t)s->resolved,
	    "batches", (json_int_t)s->batches, "store_errors", (json_int_t)s->store_errors);
}

static json_t *
store_json(struct daemon *d)
{
	struct store_stats st;

	memset(&st, 0, sizeof(st));
	store_stats(d->store, &st);
	return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "state_dir", d->conf->state_dir,
	    "map_size", (json_int_t)st.map_size, "map_used", (json_int_t)st.map_used,
	    "event_log_events", (json_int_t)st.events, "event_log_bytes",
	    (json_int_t)st.event_bytes, "map_grows", (json_int_t)st.map_grows);
}

static json_t *
cmd_status(struct daemon *d, json_t *req)
{
	json_t *listeners = json_array();

	inputs_foreach(d->inputs, listener_json, listeners);
	snmp_input_foreach(d->snmp, listener_json, listeners);
	return json_pack("{s:b, s:s, s:i, s:s, s:s, s:o, s:I, s:I, s:s?, s:o, s:o, s:o, s:o}",
	    "ok", 1, "version", PACKAGE_VERSION, "pid", (int)getpid(), "hostname",
	    d->conf->hostname, "config", d->conf_path, "started", json_time(d->started_usec),
	    "reloads", (json_int_t)d->reloads, "reload_failures", (json_int_t)d->reload_failures,
	    "last_reload_error", d->last_reload_error, "listeners", listeners, "events",
	    events_json(pipeline_get_stats(d->pipeline)), "incidents", incidents_summary(d),
	    "store", store_json(d));
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
cmd_incidents(struct daemon *d, json_t *req)
{
	const char *state = json_string_value(json_object_get(req, "state"));
	json_int_t limit = json_integer_value(json_object_get(req, "limit"));
	struct list_ctx c = { .state = -1, .limit = INCIDENTS_DEFAULT_LIMIT };
	struct store_txn *t;
	int r;

	if (state != NULL && strcmp(state, "open") == 0)
		c.state = -2;
	else if (state != NULL && strcmp(state, "all") != 0 &&
	    (c.state = incident_state_from_name(state)) < 0)
		return fail("unknown state; use pending, triggered, acknowledged, resolved, open or all");
	if (limit > 0)
		c.limit = (size_t)limit;
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
	static const char *const kinds[] = { "event", "state", "note" };

	json_array_append_new(arg, json_pack("{s:o, s:s, s:s, s:I, s:s}", "at", json_time(e->at),
	    "kind", kinds[e->kind <= TIMELINE_NOTE ? e->kind : TIMELINE_NOTE], "state",
	    incident_state_name(e->state), "count", (json_int_t)e->count, "text", e->text));
	return 0;
}

static json_t *
cmd_show(struct daemon *d, json_t *req)
{
	const char *key = json_string_value(json_object_get(req, "key"));
	struct incident inc;
	struct store_txn *t;
	json_t *tl;
	int r;

	if (key == NULL)
		return fail("show needs a \"key\"");
	if ((r = store_txn_begin(d->store, false, &t)) < 0)
		return fail_errno("reading the state database", r);
	r = store_incident_by_key(t, key, &inc);
	if (r < 0) {
		store_txn_abort(t);
		return r == -ENOENT ? fail("no incident with that key") : fail_errno("reading", r);
	}
	tl = json_array();
	r = store_timeline_foreach(t, inc.id, timeline_visit, tl);
	store_txn_abort(t);
	json_t *ij = incident_json(&inc);
	json_object_set_new(ij, "timeline", tl);
	return json_pack("{s:b, s:o}", "ok", 1, "incident", ij);
}

static json_t *
change(struct daemon *d, json_t *req, bool resolve)
{
	const char *key = json_string_value(json_object_get(req, "key"));
	const char *who = json_string_value(json_object_get(req, "who"));
	char *cause = NULL;
	int r;

	if (key == NULL)
		return fail("this command needs a \"key\"");
	r = resolve ? pipeline_resolve(d->pipeline, key, who, &cause) :
		      pipeline_ack(d->pipeline, key, who, &cause);
	if (r < 0) {
		json_t *j = fail(cause ? cause : "failed");
		free(cause);
		return j;
	}
	return ok();
}

static json_t *
cmd_ack(struct daemon *d, json_t *req)
{
	return change(d, req, false);
}

static json_t *
cmd_resolve(struct daemon *d, json_t *req)
{
	return change(d, req, true);
}

static json_t *
cmd_reload(struct daemon *d, json_t *req)
{
	char *cause = NULL;

	if (daemon_reload(d, &cause) < 0) {
		json_t *j = fail(cause ? cause : "reload failed");
		free(cause);
		return j;
	}
	return ok();
}

static json_t *
cmd_queue(struct daemon *d, json_t *req)
{
	struct outbox_stats st;

	outbox_get_stats(d->outbox, &st);
	return json_pack("{s:b, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}}", "ok", 1,
	    "deliveries", outbox_list_json(d->outbox), "upstreams", outbox_upstreams_json(d->outbox),
	    "stats", "queued", (json_int_t)st.queued, "delivered", (json_int_t)st.delivered,
	    "dead", (json_int_t)st.dead, "retries", (json_int_t)st.retries, "shed",
	    (json_int_t)st.shed, "held_alarms", (json_int_t)st.held_alarms, "pending",
	    (json_int_t)st.pending);
}

/* {"command":"queue-retry","id":N} or {"all":true}; queue-drop takes an id. */
static json_t *
queue_change(struct daemon *d, json_t *req, bool drop)
{
	json_int_t id = json_integer_value(json_object_get(req, "id"));
	bool all = json_is_true(json_object_get(req, "all"));
	int r;

	if (id <= 0 && !(all && !drop))
		return fail(drop ? "queue drop needs an id" : "queue retry needs an id or all");
	r = drop ? outbox_drop(d->outbox, (uint64_t)id) : outbox_retry(d->outbox, all ? 0 : (uint64_t)id);
	if (r == -ENOENT)
		return fail(all ? "no delivery to retry" : "no delivery with that id");
	if (r == -EBUSY)
		return fail("that delivery is in flight; try again in a moment");
	if (r < 0)
		return fail_errno("queue", r);
	return json_pack("{s:b, s:i}", "ok", 1, "count", drop ? 1 : r);
}

static json_t *
cmd_queue_retry(struct daemon *d, json_t *req)
{
	return queue_change(d, req, false);
}

static json_t *
cmd_queue_drop(struct daemon *d, json_t *req)
{
	return queue_change(d, req, true);
}

const struct control_command control_commands[] = {
	{ "ack", cmd_ack },
	{ "incidents", cmd_incidents },
	{ "queue", cmd_queue },
	{ "queue-drop", cmd_queue_drop },
	{ "queue-retry", cmd_queue_retry },
	{ "reload", cmd_reload },
	{ "resolve", cmd_resolve },
	{ "show", cmd_show },
	{ "status", cmd_status },
	{ NULL, NULL },
};
