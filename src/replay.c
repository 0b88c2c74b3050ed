/*
 * replay.c - the raw-event log through a configuration in a scratch store
 * (see replay.h).  The pipeline is the daemon's own, with no outbox: what
 * it would queue is counted from the incidents it leaves, not sent.  Time
 * is the events': before each event, what fell due by its arrival is swept
 * as the daemon's timers would have, so auto-resolve and threshold windows
 * (and every timer that goes through the deadline index) act as they did.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-event.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "event.h"
#include "event_record.h"
#include "eventlog.h"
#include "incident.h"
#include "pipeline.h"
#include "replay.h"
#include "rules.h"
#include "store.h"
#include "util.h"

#define REPLAY_CHUNK 4096 /* records per read transaction on the live log */

struct run {
	struct daemon d;
	int64_t since, until;
	struct event ev;
	struct event_record_buf buf;
	struct replay_result *out;
};

static int
replay_one(const struct store_event *se, void *arg)
{
	struct run *r = arg;
	struct event view, *ev;

	if (se->recv_usec < r->since || se->recv_usec > r->until)
		return 0;
	r->out->events++;
	if ((ev = event_from_record(r->d.conf, se, &r->ev, &view, &r->buf)) == NULL) {
		r->out->unreadable++;
		return 0;
	}
	pipeline_sweep_due(r->d.pipeline, ev->recv_usec);
	pipeline_submit(r->d.pipeline, ev);
	if (ev == &view)
		free(view.text); /* normalizing may have given the view a buffer */
	return 0;
}

static bool
rule_sends(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nrules; i++)
		if (strcmp(conf->rules[i]->name, name) == 0)
			return conf->rules[i]->nsend > 0;
	return strcmp(name, "default") == 0 && conf->ndefault_send > 0;
}

static int
triggered_cb(const struct timeline_entry *e, void *arg)
{
	(void)arg;
	return e->kind == TIMELINE_STATE &&
	    (e->state == INCIDENT_TRIGGERED || e->state == INCIDENT_FLAPPING);
}

struct tally {
	struct run *r;
	struct store_txn *t;
	size_t cap;
};

static int
tally_one(const struct incident *inc, void *arg)
{
	struct tally *ty = arg;
	struct replay_result *out = ty->r->out;
	bool alerted = store_timeline_foreach(ty->t, inc->id, triggered_cb, NULL) == 1;
	bool paged = alerted && rule_sends(ty->r->d.conf, inc->rule);

	out->incidents++;
	out->alerts += alerted;
	out->pages += paged;
	if (out->nkeys == REPLAY_KEYS_MAX) {
		out->truncated = true;
		return 0;
	}
	if (out->nkeys == ty->cap) {
		ty->cap = ty->cap ? 2 * ty->cap : 256;
		out->keys = xreallocarray(out->keys, ty->cap, sizeof(*out->keys));
	}
	out->keys[out->nkeys++] = (struct replay_key){ xstrdup(inc->key), xstrdup(inc->rule), 1,
		alerted, paged };
	return 0;
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp(((const struct replay_key *)a)->key, ((const struct replay_key *)b)->key);
}

/* One entry per key, its incarnations added up. */
static void
fold_keys(struct replay_result *out)
{
	size_t n = 0;

	qsort(out->keys, out->nkeys, sizeof(*out->keys), key_cmp);
	for (size_t i = 0; i < out->nkeys; i++) {
		struct replay_key *k = &out->keys[i];
		if (n > 0 && strcmp(out->keys[n - 1].key, k->key) == 0) {
			out->keys[n - 1].incidents += k->incidents;
			out->keys[n - 1].alerts += k->alerts;
			out->keys[n - 1].pages += k->pages;
			free(k->key);
			free(k->rule);
		} else {
			out->keys[n++] = *k;
		}
	}
	out->nkeys = n;
}

static int
tally(struct run *r)
{
	struct tally ty = { r, NULL, 0 };
	int rc;

	if ((rc = store_txn_begin(r->d.store, false, &ty.t)) < 0)
		return rc;
	rc = store_incident_foreach(ty.t, tally_one, &ty);
	store_txn_abort(ty.t);
	fold_keys(r->out);
	return rc;
}

static int
run_log(struct run *r, struct eventlog_reader *log)
{
	uint64_t after = 0, last;
	int rc;

	for (;;) {
		if ((rc = eventlog_reader_read(log, after, REPLAY_CHUNK, replay_one, r, &last)) < 0)
			return rc;
		if (last == after)
			break;
		after = last;
	}
	/* What falls due between the last event and the end of the window, as live. */
	pipeline_sweep_due(r->d.pipeline, r->until);
	return batch_flush(r->d.batch);
}

static void
run_stop(struct run *r)
{
	pipeline_free(r->d.pipeline);
	batch_free(r->d.batch);
	store_close(r->d.store);
	sd_event_unref(r->d.event);
	event_free(&r->ev);
	event_record_buf_free(&r->buf);
}

int
replay_run(const struct conf *conf, struct eventlog_reader *log, int64_t since, int64_t until,
    const char *scratch_dir, struct replay_result *out, char **cause)
{
	struct store_opts opts = { 0 };
	struct run r = { .since = since, .until = until, .out = out };
	int rc;

	memset(out, 0, sizeof(*out));
	*cause = NULL;
	r.d.conf = (struct conf *)conf;
	if ((rc = sd_event_new(&r.d.event)) < 0 ||
	    (rc = store_open(scratch_dir, &opts, &r.d.store, cause)) < 0 ||
	    (rc = batch_new(r.d.event, r.d.store, &r.d.batch)) < 0 ||
	    (rc = pipeline_new(&r.d, &r.d.pipeline)) < 0 || (rc = run_log(&r, log)) < 0 ||
	    (rc = tally(&r)) < 0) {
		if (*cause == NULL)
			xasprintf(cause, "replay in %s: %s", scratch_dir, strerror(-rc));
	}
	if (r.d.pipeline != NULL) {
		const struct pipeline_stats *st = pipeline_get_stats(r.d.pipeline);
		out->dropped = st->dropped_rule + st->dropped_default;
	}
	run_stop(&r);
	return rc < 0 ? rc : 0;
}

void
replay_result_clear(struct replay_result *r)
{
	for (size_t i = 0; i < r->nkeys; i++) {
		free(r->keys[i].key);
		free(r->keys[i].rule);
	}
	free(r->keys);
	memset(r, 0, sizeof(*r));
}

const struct replay_key *
replay_find(const struct replay_result *r, const char *key)
{
	struct replay_key k = { .key = (char *)key };

	return r->nkeys ? bsearch(&k, r->keys, r->nkeys, sizeof(k), key_cmp) : NULL;
}
