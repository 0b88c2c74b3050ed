/*
 * sweep.c - the pipeline's timed half: a timer set for the earliest
 * deadline in the index (auto-resolve, threshold window, hold, flapping's
 * quiet period, the end of a silence or maintenance window) reads what is
 * due and acts on it or files it again; nothing scans every open
 * incident.  A deadline filed earlier than the timer brings it forward,
 * so one is met within a few milliseconds, not at the next tick of a
 * clock.  After a reload that brings a deadline forward, every open
 * incident is filed again, SWEEP_MAX a second.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "pipeline_int.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define SWEEP_MAX      256 /* deadlines (and refiles) handled per run; the rest at once after */
#define SWEEP_ACCURACY (1 * USEC_PER_MSEC) /* how late sd-event may run the timer */
#define SWEEP_RETRY    (1 * USEC_PER_SEC)  /* the store failed: look again after this */
#define SWEEP_REFILE   (1 * USEC_PER_SEC)  /* between two refile chunks */

/* Its hold ended: a member of a group joins it with the event kept for its hold. */
static bool
group_kept(struct pipeline *p, const struct rule *rule, struct incident *inc, int64_t now,
    char *why, size_t size)
{
	struct event ev;
	char *buf;
	bool joined;

	if (rule->group_by.nfields == 0)
		return false;
	suppress_kept_event(p, inc, &ev, &buf);
	joined = pipeline_group_join(p, rule, inc, &ev, now, why, size);
	free(buf);
	return joined;
}

/*
 * Its hold ended without a resolve: it triggers, and is sent now, unless a
 * silence or maintenance window holds it (suppress.c) and sends it later.
 */
static void
release(struct pipeline *p, const struct rule *rule, int64_t hold, struct incident *inc,
    int64_t now)
{
	char why[TIMELINE_TEXT_MAX], sup[TIMELINE_TEXT_MAX / 2], d[32];
	int64_t ended = inc->held_since + hold; /* replay's clock may be well past it */

	if (incident_release(inc, now) < 0)
		return;
	format_duration(hold, d, sizeof(d));
	if (group_kept(p, rule, inc, ended < now ? ended : now, sup, sizeof(sup)) ||
	    suppress_hold_kept(p, inc, now, sup, sizeof(sup))) {
		snprintf(why, sizeof(why), "not resolved within its hold of %s, %s", d, sup);
		text_fix_tail(why);
		pipeline_timeline_state(p, inc, now, why);
		return;
	}
	p->stats.triggered++;
	snprintf(why, sizeof(why), "not resolved within its hold of %s", d);
	pipeline_timeline_state(p, inc, now, why);
	batch_due(p->d->batch, BATCH_FIRED);
	pipeline_queue_trigger(p, rule, inc, NULL);
}

/* Do what the deadline that came says; false when it changed nothing. */
static bool
sweep_apply(struct pipeline *p, const struct rule *rule, struct incident *inc, int64_t now)
{
	struct incident_policy pol;
	int64_t deadline;
	enum incident_expiry e;
	bool held = inc->held_since != 0;

	pipeline_policy(rule, &pol);
	if ((e = incident_check_expiry(inc, &pol, now, &deadline)) == INCIDENT_KEEP)
		return false;
	if (e == INCIDENT_HOLD_OVER) {
		release(p, rule, pol.hold, inc, now);
		return true;
	}
	if (e == INCIDENT_FLAP_QUIET) {
		pipeline_flap_settle(p, rule, inc, now);
		return true;
	}
	/* Pending below its threshold, it never alerted anyone: it expires, whatever ran out. */
	if (inc->state == INCIDENT_PENDING && !held) {
		if (incident_expire(inc, now) < 0)
			return false;
		p->stats.expired++;
		pipeline_timeline_state(p, inc, now, "below its threshold");
		return true;
	}
	if (incident_resolve(inc, now) < 0)
		return false;
	pipeline_closed(p, inc, now, held, "auto-resolved after a quiet period");
	return true;
}

/*
 * A deadline is due: act on the incident, or, when its rule now says
 * otherwise (a reload changed it, or the entry predates the index), file it
 * again under the deadline the current rule gives.
 */
static void
sweep_one(struct pipeline *p, uint64_t id, int64_t now)
{
	const struct rule *rule;
	struct incident inc;
	int r = store_incident_get(p->txn, id, &inc);

	if (r == -ENOENT) {
		pipeline_deadline_save(p, id, STORE_NO_DEADLINE); /* the incident is gone */
		return;
	}
	if (r < 0) {
		pipeline_store_failed(p, r, "reading an incident");
		return;
	}
	if (pipeline_group_due(p, &inc, now))
		return; /* a group's parent: its wait or interval (pipeline_group.c) */
	if ((rule = pipeline_rule(p->d->conf, inc.rule)) == NULL) {
		pipeline_deadline_save(p, id, pipeline_deadline_of(p->d->conf, &inc));
		return;
	}
	if (sweep_apply(p, rule, &inc, now))
		pipeline_incident_save(p, &inc);
	else
		pipeline_deadline_save(p, id, pipeline_deadline_of(p->d->conf, &inc));
}

void
sweep_catch_up(struct pipeline *p, struct incident *inc, int64_t now)
{
	const struct rule *rule = pipeline_rule(p->d->conf, inc->rule);

	if (rule != NULL && sweep_apply(p, rule, inc, now))
		pipeline_incident_save(p, inc);
}

/* The next SWEEP_MAX open incidents, filed under what the current rules say. */
static void
refile(struct pipeline *p)
{
	uint64_t ids[SWEEP_MAX];
	struct incident inc;
	size_t n;
	int r;

	if ((r = store_open_ids(p->txn, p->refile_after, ids, SWEEP_MAX, &n)) < 0) {
		pipeline_store_failed(p, r, "listing open incidents");
		return;
	}
	if (n > 0)
		batch_wrote(p->d->batch, BATCH_STATE);
	for (size_t i = 0; i < n; i++) {
		if ((r = store_incident_get(p->txn, ids[i], &inc)) == 0) {
			pipeline_deadline_save(p, ids[i], pipeline_deadline_of(p->d->conf, &inc));
			pipeline_group_saved(p, &inc); /* a parent's is its group's */
		} else if (r != -ENOENT)
			pipeline_store_failed(p, r, "reading an incident");
	}
	/* Done when the last ones were read; the cursor moves on only at commit. */
	p->refile_next = n < SWEEP_MAX ? UINT64_MAX : ids[n - 1];
	if (n == 0)
		p->refiling = false;
}

/*
 * Handle what is due at now; returns when to run again: the next deadline
 * filed, at once when more were due than one run takes, later after a
 * failure (an entry the store could not move stays due).
 */
static int64_t
sweep(struct pipeline *p, int64_t now)
{
	uint64_t ids[SWEEP_MAX], errors = p->stats.store_errors;
	int64_t next = STORE_NO_DEADLINE, when;
	size_t n;
	int r;

	/* Opened, not counted as written until something is due: an idle run commits nothing. */
	if ((p->txn = batch_open(p->d->batch)) == NULL)
		return now + SWEEP_RETRY;
	if ((r = store_deadline_due(p->txn, now, ids, SWEEP_MAX, &n)) < 0) {
		pipeline_store_failed(p, r, "reading due deadlines");
		return now + SWEEP_RETRY;
	}
	if (n > 0)
		batch_wrote(p->d->batch, BATCH_STATE);
	p->release_budget = SWEEP_MAX;
	for (size_t i = 0; i < n; i++) {
		/* The end of a silence or maintenance window (suppress.c), or an incident's. */
		if (SUPPRESS_HOLDER(ids[i]))
			suppress_due(p, ids[i], now);
		else if (ids[i] & ESCALATION_HOLDER)
			escalate_due(p, ids[i], now);
		else
			sweep_one(p, ids[i], now);
	}
	if (p->refiling) {
		refile(p);
		next = now + SWEEP_REFILE;
	}
	if (p->stats.store_errors != errors)
		return now + SWEEP_RETRY;
	if (n == SWEEP_MAX)
		return now;
	if ((r = store_deadline_next(p->txn, &when)) < 0) {
		pipeline_store_failed(p, r, "reading the next deadline");
		return now + SWEEP_RETRY;
	}
	return when < next ? when : next;
}

static int
sweep_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct pipeline *p = userdata;

	p->sweep_at = STORE_NO_DEADLINE; /* a one-shot: off until armed again */
	sweep_arm(p, sweep(p, now_realtime_usec()));
	return 0;
}

void
sweep_arm(struct pipeline *p, int64_t when)
{
	if (p->sweep == NULL || when >= p->sweep_at)
		return;
	p->sweep_at = when;
	sd_event_source_set_time(p->sweep, when > 0 ? (uint64_t)when : 0);
	sd_event_source_set_enabled(p->sweep, SD_EVENT_ONESHOT);
}

/* Deadlines are wall-clock times: the timer is one too, and follows a clock that is set. */
int
sweep_start(struct pipeline *p)
{
	int r = sd_event_add_time(p->d->event, &p->sweep, CLOCK_REALTIME, 0, SWEEP_ACCURACY,
	    sweep_cb, p);

	p->sweep_at = 0; /* the first run finds the earliest deadline */
	if (r >= 0)
		r = sd_event_source_set_enabled(p->sweep, SD_EVENT_ONESHOT);
	return r;
}

void
sweep_stop(struct pipeline *p)
{
	p->sweep = sd_event_source_disable_unref(p->sweep);
}

void
sweep_refile_all(struct pipeline *p)
{
	p->refiling = true;
	p->refile_after = p->refile_next = 0;
	sweep_arm(p, now_realtime_usec());
}

/* Whether a rule's change can make an open incident's deadline come sooner. */
static bool
sooner(const struct rule *old, const struct rule *fresh)
{
	bool window = fresh->threshold > 1;

	if (old == NULL)
		return true; /* its incidents waited as a removed rule's */
	if (fresh->auto_resolve > 0 && (old->auto_resolve == 0 || fresh->auto_resolve <
	    old->auto_resolve))
		return true;
	if (fresh->hold < old->hold || fresh->flap_quiet < old->flap_quiet)
		return true; /* held or flapping ones end sooner (at once, with none at all) */
	if (fresh->group_by.wait < old->group_by.wait ||
	    fresh->group_by.interval < old->group_by.interval)
		return true; /* groups' pages go sooner */
	return window && (old->threshold <= 1 || fresh->threshold_window < old->threshold_window);
}

void
sweep_reconfigured(struct pipeline *p, const struct conf *old)
{
	const struct conf *fresh = p->d->conf;

	for (size_t i = 0; i < fresh->nrules; i++) {
		const struct rule *r = fresh->rules[i];
		if (sooner(pipeline_rule(old, r->name), r)) {
			log_info("rule %s now expires incidents sooner: filing open incidents again",
			    r->name);
			sweep_refile_all(p);
			return;
		}
	}
}

void
sweep_committed(struct pipeline *p)
{
	if (!p->refiling || p->refile_next == p->refile_after)
		return;
	p->refile_after = p->refile_next;
	if (p->refile_after == UINT64_MAX)
		p->refiling = false;
}

/* What the lost batch moved is due again in the store, and its refiles are done again. */
void
sweep_rolled_back(struct pipeline *p)
{
	p->refile_next = p->refile_after;
	sweep_arm(p, now_realtime_usec() + SWEEP_RETRY);
}

/*
 * Replay's clock: everything due by now, at once, as the timer would have
 * done by then.  Bounded, like a run of the timer, though a replay has no
 * loop to give back to: a deadline filed again as due keeps no one waiting.
 */
void
pipeline_sweep_due(struct pipeline *p, int64_t now)
{
	uint64_t id;
	size_t n = 1;

	for (int i = 0; i < 1024 && n > 0; i++) {
		sweep(p, now);
		if ((p->txn = batch_open(p->d->batch)) == NULL ||
		    store_deadline_due(p->txn, now, &id, 1, &n) < 0)
			return;
	}
}
