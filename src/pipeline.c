/*
 * pipeline.c - rules, then incidents, written into the open batch
 * (batch.c owns the transaction).  Each write says how soon it must be
 * committed: a delivery within BATCH_URGENT, an incident that fired at the
 * end of the dispatch that fired it (BATCH_FIRED), other state (counts, timelines) within BATCH_STATE,
 * raw-event log appends within BATCH_LOG_ONLY; the batch also commits at
 * BATCH_MAX_EVENTS events.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "event_pack.h"
#include "eventlog.h"
#include "flap.h"
#include "hosts.h"
#include "incident.h"
#include "incident_key.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "pipeline_int.h"
#include "rules.h"
#include "store.h"
#include "text.h"

/* Commit at least this often under a flood that never lets the loop go idle. */
#define BATCH_MAX_EVENTS 4096

/* The batch holds state: commit it within `within` (BATCH_URGENT, BATCH_STATE). */
static void
mark_dirty(struct pipeline *p, int64_t within)
{
	batch_due(p->d->batch, within);
}

struct store_txn *
pipeline_begin(struct pipeline *p, const char *dropping)
{
	p->txn = batch_txn(p->d->batch, BATCH_LOG_ONLY);
	if (p->txn == NULL) {
		p->stats.store_errors++;
		log_ratelimited(&p->store_rl, "the state database refuses writes, %s", dropping);
	}
	return p->txn;
}

/* Keep a copy of ev for a redo; false when the copies are full (commit first). */
static bool
replay_save(struct replay *rp, const struct event *ev)
{
	size_t need = event_pack_size(ev);

	if (rp->len + need > REPLAY_MAX && rp->n > 0)
		return false;
	if (rp->len + need > rp->cap) {
		rp->cap = rp->len + need > 2 * rp->cap ? rp->len + need : 2 * rp->cap;
		rp->buf = xreallocarray(rp->buf, rp->cap, 1);
	}
	if (rp->n == rp->nmax) {
		rp->nmax = rp->nmax ? 2 * rp->nmax : 256;
		rp->offs = xreallocarray(rp->offs, rp->nmax, sizeof(*rp->offs));
	}
	event_pack(ev, rp->buf + rp->len);
	rp->offs[rp->n++] = rp->len;
	rp->len += need;
	return true;
}

static void
replay_clear(struct replay *rp)
{
	rp->len = rp->n = rp->applied = rp->counted = 0;
	/* A storm's worth of memory goes back once the storm is committed. */
	if (rp->cap > 1024 * 1024) {
		free(rp->buf);
		rp->buf = NULL;
		rp->cap = 0;
	}
}

static void process(struct pipeline *p, struct event *ev);

/*
 * Write the held events that the open batch (p->txn) does not have yet.
 * One processed before, in a batch that was lost, is not counted again.
 */
static void
apply_held(struct pipeline *p)
{
	struct replay *rp = &p->replay;
	struct event ev;

	while (rp->applied < rp->n) {
		size_t i = rp->applied++;
		struct pipeline_stats before = p->stats;
		struct group_stats gbefore = p->gstats;
		event_unpack(&ev, rp->buf + rp->offs[i]);
		process(p, &ev);
		if (i < rp->counted) {
			before.redone_events++;
			before.store_errors = p->stats.store_errors;
			p->stats = before;
			p->gstats = gbefore;
		} else
			rp->counted = i + 1;
	}
}

static void
batch_committed(void *arg)
{
	struct pipeline *p = arg;

	int64_t now = now_realtime_usec();

	p->stats.batches++;
	p->batch_events = 0;
	replay_clear(&p->replay);
	sweep_committed(p);
	for (size_t i = 0; i < p->nfired; i++)
		latency_add(&p->fired_latency, now - p->fired_recv[i]);
	p->nfired = 0;
	pipeline_dead_committed(p);
}

/* The batch is lost, the events are not: the next batch writes them again. */
static void
batch_rolled_back(void *arg)
{
	struct pipeline *p = arg;

	p->stats.store_errors++;
	p->batch_events = 0;
	p->replay.applied = 0;
	p->nfired = 0; /* the events fire again in the next batch */
	pipeline_tally_forget(p); /* ... and are counted again */
	sweep_rolled_back(p);
	pipeline_dead_rolled_back(p);
}

/*
 * A batch opened by someone else (or by the batch itself after a pause)
 * takes the held events; then the batch's counts go in.
 */
static int
batch_prepare(struct store_txn *t, void *arg)
{
	struct pipeline *p = arg;
	int wrote = 0, r;

	if (p->replay.applied != p->replay.n) {
		p->txn = t;
		apply_held(p);
		wrote = 1;
	}
	if ((r = pipeline_dead_prepare(p, t)) < 0)
		return r;
	return pipeline_tally_write(p, t) || wrote || r > 0;
}

/* The batch met a full map: process its events again in the grown one. */
static void
batch_redo(void *arg)
{
	struct pipeline *p = arg;

	p->batch_events = 0;
	p->replay.applied = 0;
	p->nfired = 0;
	pipeline_tally_forget(p);
	sweep_rolled_back(p); /* its work is not among the events replayed */
	pipeline_dead_rolled_back(p); /* its prepare makes them again */
	if ((p->txn = batch_txn(p->d->batch, BATCH_URGENT)) != NULL)
		apply_held(p);
}

void
pipeline_store_failed(struct pipeline *p, int r, const char *what)
{
	p->stats.store_errors++;
	log_ratelimited(&p->store_rl, "%s failed: %s", what, strerror(-r));
}

void
pipeline_timeline_add(struct pipeline *p, const struct incident *inc, enum timeline_kind kind,
    int64_t at, const char *text, size_t len)
{
	struct timeline_entry e;
	int r;

	memset(&e, 0, sizeof(e));
	e.at = at;
	e.kind = kind;
	e.state = inc->state;
	e.count = inc->count;
	text_copy(e.text, sizeof(e.text), text, len);
	mark_dirty(p, BATCH_STATE);
	r = store_timeline_add(p->txn, inc->id, &e);
	if (r < 0)
		pipeline_store_failed(p, r, "adding to a timeline");
}

void
pipeline_timeline_state(struct pipeline *p, const struct incident *inc, int64_t at, const char *why)
{
	char text[TIMELINE_TEXT_MAX];
	snprintf(text, sizeof(text), "%s: %s", incident_state_name(inc->state), why);
	text_fix_tail(text); /* why may carry a person's note, cut anywhere */
	pipeline_timeline_add(p, inc, TIMELINE_STATE, at, text, strlen(text));
}

const struct rule *
pipeline_rule(const struct conf *conf, const char *name)
{
	for (size_t i = 0; i < conf->nrules; i++)
		if (strcmp(conf->rules[i]->name, name) == 0)
			return conf->rules[i];
	return NULL;
}

/* File id in the deadline index at when (STORE_NO_DEADLINE: take it out). */
void
pipeline_deadline_save(struct pipeline *p, uint64_t id, int64_t when)
{
	mark_dirty(p, BATCH_STATE);
	int r = store_deadline_set(p->txn, id, when);
	if (r < 0)
		pipeline_store_failed(p, r, "saving an incident deadline");
	else
		sweep_arm(p, when);
}

/*
 * When the sweep must look at inc again.  A rule that is gone after a
 * reload may come back with the next one: look again now and then, and
 * meanwhile leave the incident to a person.
 */
int64_t
pipeline_deadline_of(const struct conf *conf, const struct incident *inc)
{
	const struct rule *r = pipeline_rule(conf, inc->rule);
	struct incident_policy pol;
	int64_t deadline;

	if (r == NULL && !incident_is_open(inc))
		return STORE_NO_DEADLINE;
	if (r == NULL)
		return now_realtime_usec() + SWEEP_RULE_GONE;
	/* As of the earliest time nothing has expired, so this yields the deadline alone. */
	pipeline_policy(r, &pol);
	incident_check_expiry(inc, &pol, INT64_MIN, &deadline);
	return deadline;
}

void
pipeline_policy(const struct rule *rule, struct incident_policy *pol)
{
	*pol = (struct incident_policy){ 0 };
	if (rule == NULL)
		return; /* default keep: at once, for good */
	pol->threshold = rule->threshold;
	pol->window = rule->threshold > 1 ? rule->threshold_window : 0;
	pol->hold = rule->hold;
	pol->auto_resolve = rule->auto_resolve;
	pol->flap_cycles = rule->flap_cycles;
	pol->flap_window = rule->flap_window;
	pol->flap_quiet = rule->flap_quiet;
}

/*
 * inc was just resolved (by why): a held one is transient, never sent;
 * another's resolve follows its trigger upstream.
 */
void
pipeline_closed(struct pipeline *p, struct incident *inc, int64_t at, bool held, const char *why)
{
	char text[TIMELINE_TEXT_MAX];

	if (!held) {
		p->stats.resolved++;
		pipeline_timeline_state(p, inc, at, why);
		pipeline_queue_change(p, inc, OUTBOX_RESOLVE);
		return;
	}
	p->stats.transient++;
	snprintf(text, sizeof(text), "%s within its hold, never sent", why);
	text_fix_tail(text);
	pipeline_timeline_state(p, inc, at, text);
}

void
pipeline_incident_save(struct pipeline *p, const struct incident *inc)
{
	mark_dirty(p, BATCH_STATE);
	int r = store_incident_put(p->txn, inc);
	if (r < 0)
		pipeline_store_failed(p, r, "saving an incident");
	else
		pipeline_deadline_save(p, inc->id, pipeline_deadline_of(p->d->conf, inc));
	if (r == 0)
		pipeline_group_saved(p, inc);
	if (r == 0 && !incident_is_open(inc))
		suppress_closed(p, inc);
}

/*
 * A new key while the rule already has max-open incidents open goes to the
 * rule's overflow incident instead (key becomes "RULE/overflow"), so a key
 * made of sender text cannot grow the store without bound, and every
 * accepted event still counts in some incident.  1: folded; 0: not; -errno.
 */
static int
fold_overflow(struct pipeline *p, const struct rule *rule, const char *name, char *key,
    size_t size)
{
	uint32_t max = rule ? rule->max_open : RULE_DEFAULT_MAX_OPEN;
	uint64_t n;
	int r;

	if ((r = store_rule_open_count(p->txn, name, &n)) < 0)
		return r;
	if (n < max)
		return 0;
	p->stats.folded++;
	log_ratelimited(&p->fold_rl,
	    "rule %s has %" PRIu64 " open incidents (max-open %" PRIu32
	    "): new key '%s' counted in %s/overflow",
	    name, n, max, key, name);
	snprintf(key, size, "%s/overflow", name);
	return 1;
}

/*
 * A new incarnation of key for ev (folded: the rule's overflow incident)
 * in inc, which holds the key's last, closed one when had_last; -errno.
 */
static int
open_incident(struct pipeline *p, const struct rule *rule, const char *key, bool folded,
    const struct incident_policy *pol, struct event *ev, struct incident *inc, bool had_last)
{
	const char *name = rule ? rule->name : "default";
	char summary[INCIDENT_SUMMARY_MAX + 1];
	char host[INCIDENT_HOST_MAX];
	struct incident_flap last;
	bool carry = had_last && pol->flap_cycles > 0 && strcmp(inc->rule, name) == 0;
	uint64_t id;
	int r;

	if (carry)
		last = inc->flap; /* its cycles within the window count on */
	if ((r = store_next_id(p->txn, &id)) < 0)
		return r;
	if (folded)
		snprintf(summary, sizeof(summary),
		    "%s: too many open incidents (max-open %" PRIu32 "), new keys folded into this one",
		    name, rule ? rule->max_open : RULE_DEFAULT_MAX_OPEN);
	else
		incident_summary_of(rule, ev, summary, sizeof(summary));
	text_copy(host, sizeof(host), ev->host.p, ev->host.n);
	int sev = rule && rule->severity >= 0 ? rule->severity : ev->severity;
	incident_start(inc, id, key, name, host, summary, sev, pol->threshold, ev->recv_usec);
	if (pol->flap_cycles > 0)
		flap_carry(inc, carry ? &last : NULL, pol, ev->recv_usec);
	p->stats.opened++;
	pipeline_tally(p, ev->recv_usec, &(struct store_tally){ .opened = 1 });
	log_debug("opened incident %" PRIu64 " '%s' (rule %s)", id, inc->key, name);
	return 0;
}

/* "held for 30s": what the timeline says when a hold begins. */
static const char *
held_text(const struct incident_policy *pol, const char *before, char *buf, size_t size)
{
	char d[32];

	format_duration(pol->hold, d, sizeof(d));
	snprintf(buf, size, "%sheld for %s, sent then unless resolved", before, d);
	return buf;
}

/* What the timeline says of an incident just opened; sup: what holds it, or "". */
static const char *
opened_text(const struct incident_policy *pol, bool held, bool fired, const char *sup, char *buf,
    size_t size)
{
	if (held)
		return held_text(pol, "opened, ", buf, size);
	if (sup[0] != '\0') {
		snprintf(buf, size, "opened, %s", sup);
		return buf;
	}
	return fired ? "opened" : "opened, below threshold";
}

/* inc fired on ev and was not held: its trigger goes now. */
static void
trigger(struct pipeline *p, const struct rule *rule, struct incident *inc, struct event *ev)
{
	p->stats.triggered++;
	mark_dirty(p, BATCH_FIRED);
	if (p->nfired < FIRED_TRACKED)
		p->fired_recv[p->nfired++] = ev->recv_usec;
	if (inc->count > 1)
		pipeline_timeline_state(p, inc, ev->recv_usec, "threshold reached");
	pipeline_queue_trigger(p, rule, inc, ev);
}

static void
on_match(struct pipeline *p, const struct rule *rule, struct event *ev)
{
	const char *name = rule ? rule->name : "default";
	char key[INCIDENT_KEY_MAX + 64], why[TIMELINE_TEXT_MAX], sup[TIMELINE_TEXT_MAX / 2];
	struct incident_policy pol;
	struct incident inc;
	bool fired, held = false, opened = false;
	int r, folded = 0;

	pipeline_policy(rule, &pol);
	incident_key_of(rule, name, ev, key, sizeof(key));
	r = store_incident_by_key(p->txn, key, &inc);
	if (r == 0 && incident_is_open(&inc))
		sweep_catch_up(p, &inc, ev->recv_usec);
	if ((r == -ENOENT || (r == 0 && !incident_is_open(&inc))) &&
	    (folded = fold_overflow(p, rule, name, key, sizeof(key))) > 0)
		r = store_incident_by_key(p->txn, key, &inc);
	if (folded < 0 || (r < 0 && r != -ENOENT)) {
		pipeline_store_failed(p, folded < 0 ? folded : r, "reading an incident");
		return;
	}
	if (folded > 0) /* the overflow is news at once, and no key of its own to flap */
		pol.threshold = 0, pol.hold = 0, pol.flap_cycles = 0;
	if (r == 0 && incident_is_open(&inc)) {
		fired = incident_repeat(&inc, pol.threshold, pol.window, ev->recv_usec);
		held = fired && incident_hold(&inc, pol.hold, ev->recv_usec);
		pipeline_flap_down(p, &inc, ev);
	} else {
		if ((r = open_incident(p, rule, key, folded > 0, &pol, ev, &inc, r == 0)) < 0) {
			pipeline_store_failed(p, r, "allocating an incident id");
			return;
		}
		fired = inc.state == INCIDENT_TRIGGERED;
		held = fired && incident_hold(&inc, pol.hold, ev->recv_usec);
		opened = true;
	}
	/*
	 * A member of its group (pipeline_group.c), whose parent is sent; or
	 * held by a silence or maintenance window: recorded, not sent (suppress.c).
	 */
	sup[0] = '\0';
	if (fired && !held && folded == 0 && rule != NULL && rule->group_by.nfields > 0 &&
	    pipeline_group_join(p, rule, &inc, ev, ev->recv_usec, sup, sizeof(sup)))
		fired = false;
	else if (fired && !held && suppress_hold(p, &inc, ev, ev->recv_usec, sup, sizeof(sup)))
		fired = false;
	if (opened)
		pipeline_timeline_state(p, &inc, ev->recv_usec, opened_text(&pol, held, fired, sup,
		    why, sizeof(why)));
	if (incident_count_notable(inc.count))
		pipeline_timeline_add(p, &inc, TIMELINE_EVENT, ev->recv_usec, ev->message.p, ev->message.n);
	if (held) {
		p->stats.held++;
		pipeline_payload_fields(rule, &inc, ev); /* the trigger, sent later, has no event */
		suppress_keep(p, &inc, ev); /* what a silence is matched with when the hold ends */
		if (inc.count > 1)
			pipeline_timeline_state(p, &inc, ev->recv_usec,
			    held_text(&pol, "threshold reached, ", why, sizeof(why)));
	} else if (sup[0] != '\0' && !opened) {
		snprintf(why, sizeof(why), "threshold reached, %s", sup);
		pipeline_timeline_state(p, &inc, ev->recv_usec, why);
	} else if (fired)
		trigger(p, rule, &inc, ev);
	pipeline_incident_save(p, &inc);
}

static void
on_resolve(struct pipeline *p, const struct rule *rule, struct event *ev)
{
	char key[INCIDENT_KEY_MAX + 64];
	struct incident inc;
	bool held;
	int r;

	incident_key_of(rule, rule->name, ev, key, sizeof(key));
	r = store_incident_by_key(p->txn, key, &inc);
	if (r < 0) {
		if (r != -ENOENT)
			pipeline_store_failed(p, r, "reading an incident");
		return;
	}
	if (incident_is_open(&inc))
		sweep_catch_up(p, &inc, ev->recv_usec);
	if (!incident_is_open(&inc))
		return; /* nothing open under this key: a stray "up" */
	if (rule->flap_cycles > 0 && pipeline_flap_up(p, rule, &inc, ev)) {
		pipeline_incident_save(p, &inc);
		return;
	}
	held = inc.held_since != 0;
	incident_resolve(&inc, ev->recv_usec);
	pipeline_timeline_add(p, &inc, TIMELINE_EVENT, ev->recv_usec, ev->message.p, ev->message.n);
	pipeline_closed(p, &inc, ev->recv_usec, held, "resolve-on matched");
	pipeline_incident_save(p, &inc);
}

static void
log_raw(struct pipeline *p, const struct event *ev)
{
	char source[64];
	struct store_event se = {
		.recv_usec = ev->recv_usec,
		.listener = ev->listener,
		.source = source,
		.raw = ev->raw.p,
		.raw_len = ev->raw.n,
	};
	char *packed = NULL;

	snprintf(source, sizeof(source), "%.*s", (int)ev->source.n, ev->source.p);
	/* A trap's or journal entry's raw text is a rendering: keep its fields for replay. */
	if (ev->type != EVENT_SYSLOG) {
		se.packed_len = event_pack_size(ev);
		se.packed = packed = xmalloc(se.packed_len);
		event_pack(ev, packed);
	}
	(void)eventlog_append(p->d->eventlog, &se); /* what it cannot keep, it counts */
	free(packed);
}

int
pipeline_submit(struct pipeline *p, struct event *ev)
{
	/* Before anything reads it: rules, keys, the store and every output see valid text. */
	event_normalize(ev);
	/* Then the device's one name, also in the copy a redo replays, whatever the config by then. */
	hosts_apply(p->d->conf->hosts, ev);
	p->stats.received++;
	/* Once, as received, apart from the batch: a redo replays events, not the log. */
	if (p->d->eventlog != NULL)
		log_raw(p, ev);
	if (ev->flags & EVENT_MALFORMED)
		p->stats.malformed++;
	if (ev->flags & EVENT_TRUNCATED)
		p->stats.truncated++;
	if (!replay_save(&p->replay, ev)) {
		batch_flush(p->d->batch); /* a commit empties what is held */
		if (!replay_save(&p->replay, ev)) {
			p->stats.store_errors++;
			log_ratelimited(&p->store_rl, "the state database refuses writes and %zu "
			    "events wait in memory for it: refusing more", p->replay.n);
			return -EIO;
		}
	}
	p->txn = batch_txn(p->d->batch, BATCH_LOG_ONLY);
	if (p->txn == NULL) {
		log_ratelimited(&p->store_rl, "the state database refuses writes: %zu events wait "
		    "in memory until it takes them", p->replay.n);
		return 0; /* accepted: the first batch that commits writes it */
	}
	apply_held(p);
	if (p->batch_events >= BATCH_MAX_EVENTS)
		batch_flush(p->d->batch);
	return 0;
}

/* Everything an event does, in the open batch: for its first time, and again in a redo. */
static void
process(struct pipeline *p, struct event *ev)
{
	const struct conf *conf = p->d->conf;
	const struct rule *rule;
	enum rules_verdict v;
	bool dropped = false;

	v = rules_eval(conf->rules, conf->nrules, ev, &rule);
	if (v == RULES_RESOLVE) {
		p->stats.resolving++;
		rule->counts->resolving++;
		on_resolve(p, rule, ev);
	} else if (v == RULES_MATCH && rule->drop) {
		p->stats.dropped_rule++;
		rule->counts->dropped++;
		dropped = true;
	} else if (v == RULES_MATCH) {
		p->stats.matched++;
		rule->counts->matched++;
		on_match(p, rule, ev);
	} else if (conf->default_action == CONF_DEFAULT_KEEP) {
		p->stats.matched++;
		on_match(p, NULL, ev);
	} else {
		p->stats.dropped_default++;
		dropped = true;
	}
	pipeline_tally(p, ev->recv_usec, &(struct store_tally){ .events = 1, .dropped = dropped });
	p->batch_events++;
}

int
pipeline_new(struct daemon *d, struct pipeline **ret)
{
	struct pipeline *p = xcalloc(1, sizeof(*p));
	int r;

	p->d = d;
	p->store_rl.interval_usec = 10 * USEC_PER_SEC;
	p->fold_rl.interval_usec = 60 * USEC_PER_SEC;
	r = batch_join(d->batch, &(struct batch_participant){ .name = "pipeline",
	    .prepare = batch_prepare, .committed = batch_committed,
	    .rolled_back = batch_rolled_back, .redo = batch_redo, .arg = p });
	if (r >= 0)
		r = suppress_start(p);
	if (r >= 0)
		r = sweep_start(p);
	if (r < 0) {
		pipeline_free(p);
		return r;
	}
	*ret = p;
	return 0;
}

void
pipeline_free(struct pipeline *p)
{
	if (p == NULL)
		return;
	batch_flush(p->d->batch);
	batch_leave(p->d->batch, p);
	sweep_stop(p);
	suppress_stop(p);
	pipeline_dead_free(p);
	free(p->replay.buf);
	free(p->replay.offs);
	free(p);
}

void
pipeline_reconfigured(struct pipeline *p, const struct conf *old)
{
	sweep_reconfigured(p, old);
	suppress_reconfigured(p, old);
}

void
pipeline_fired_latency(const struct pipeline *p, struct latency_summary *out)
{
	latency_summarize(&p->fired_latency, out);
}

const struct pipeline_stats *
pipeline_get_stats(const struct pipeline *p)
{
	return &p->stats;
}
