/*
 * pipeline_group.c - grouping in the pipeline: group.c decides, this keeps
 * each parent incident and its group in the batch, writes the timelines
 * and queues what goes upstream.  A member is recorded as grouped and
 * never sent itself; its parent is sent once its wait has passed (a
 * deadline in the index, so a restart keeps it), updated at most once an
 * interval as members join, and resolved, its resolve sent, when its last
 * open member closes.  The parent's key is made of the rule and the
 * values, so finding it is one lookup of a key; its members are listed
 * under it in the store.  Nothing here scans incidents.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "group.h"
#include "pipeline_int.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "util.h"

void
pipeline_group_key(const struct rule *rule, const struct incident *inc,
    const struct event *ev, char *key)
{
	const struct rule_group *gb = &rule->group_by;
	struct suppress_subject sj = { inc, ev };
	struct str v[GROUP_FIELDS_MAX];

	for (size_t i = 0; i < gb->nfields; i++)
		if (!suppress_subject_lookup(gb->fields[i], &v[i], &sj))
			v[i] = STR_EMPTY; /* a field the event lacks groups as "", as templates expand it */
	group_key(rule->name, v, gb->nfields, key);
}

/* A new parent under key, for first (fired by ev), pending through its wait. */
static int
open_parent(struct pipeline *p, const struct rule *rule, const struct incident *first,
    struct event *ev, const char *key, int64_t now, struct incident *parent,
    struct group_state *g)
{
	char summary[INCIDENT_SUMMARY_MAX + 1], why[TIMELINE_TEXT_MAX], d[32];
	uint64_t id;
	int r;

	if ((r = store_next_id(p->txn, &id)) < 0)
		return r;
	group_summary(1, first->summary, summary, sizeof(summary));
	incident_start(parent, id, key, rule->name, first->host, summary, first->severity, 0, now);
	parent->state = INCIDENT_PENDING;
	parent->count = 0;
	pipeline_payload_fields(rule, parent, ev); /* its trigger, sent later, has no event */
	group_start(g, now);
	p->gstats.opened++;
	p->stats.opened++;
	pipeline_tally(p, now, &(struct store_tally){ .opened = 1 });
	format_duration(rule->group_by.wait, d, sizeof(d));
	snprintf(why, sizeof(why), "opened by group-by, sent in %s with the members that join by then",
	    d);
	pipeline_timeline_state(p, parent, now, why);
	return 0;
}

/* inc is a member of parent now: listed (when there is room), linked, counted. */
static int
add_member(struct pipeline *p, const struct rule *rule, struct incident *parent,
    struct group_state *g, const struct incident *inc, int64_t now)
{
	char text[TIMELINE_TEXT_MAX];
	bool listed = group_join(g, rule->group_by.max);
	int r;

	if ((listed && (r = store_group_member_add(p->txn, parent->id, inc->id)) < 0) ||
	    (r = store_group_link(p->txn, inc->id, parent->id, true)) < 0 ||
	    (r = store_group_put(p->txn, parent->id, g)) < 0)
		return r;
	p->gstats.joined++;
	p->gstats.unlisted += !listed;
	parent->count = g->members;
	parent->last_seen = now;
	if (inc->severity < parent->severity)
		parent->severity = inc->severity; /* the worst of its members */
	group_summary(g->members, parent->summary, parent->summary, sizeof(parent->summary));
	if (incident_count_notable(g->members)) {
		snprintf(text, sizeof(text), "member %s joined (%" PRIu64 " member%s%s)", inc->key,
		    g->members, g->members == 1 ? "" : "s",
		    listed ? "" : ", beyond group-by max: not listed");
		text_fix_tail(text);
		pipeline_timeline_add(p, parent, TIMELINE_NOTE, now, text, strlen(text));
	}
	return 0;
}

bool
pipeline_group_join(struct pipeline *p, const struct rule *rule, struct incident *inc,
    struct event *ev, int64_t now, char *why, size_t size)
{
	char key[INCIDENT_KEY_MAX + 1];
	struct incident parent;
	struct group_state g;
	int r;

	pipeline_group_key(rule, inc, ev, key);
	r = store_incident_by_key(p->txn, key, &parent);
	if (r == 0 && incident_is_open(&parent))
		r = store_group_get(p->txn, parent.id, &g); /* -ENOENT: a key of its own, no parent */
	else if (r == 0 || r == -ENOENT)
		r = open_parent(p, rule, inc, ev, key, now, &parent, &g);
	if (r == 0)
		r = add_member(p, rule, &parent, &g, inc, now);
	if (r < 0) {
		if (r != -ENOENT)
			pipeline_store_failed(p, r, "grouping an incident");
		return false;
	}
	pipeline_incident_save(p, &parent);
	inc->state = INCIDENT_GROUPED;
	inc->state_since = now;
	snprintf(why, size, "grouped into %s", key);
	text_fix_tail(why);
	return true;
}

/* Its wait is over: the parent goes, with the members it has, unless a person took it. */
static void
send_parent(struct pipeline *p, const struct rule *rule, struct incident *parent,
    const struct group_state *g, int64_t now)
{
	char why[TIMELINE_TEXT_MAX], sup[TIMELINE_TEXT_MAX / 2], d[32];
	int n;

	if (parent->state != INCIDENT_PENDING)
		return; /* acknowledged by a person during its wait: nothing to page */
	parent->state = INCIDENT_TRIGGERED;
	parent->state_since = now;
	format_duration(rule->group_by.wait, d, sizeof(d));
	n = snprintf(why, sizeof(why), "its wait of %s ended with %" PRIu64 " member%s", d,
	    g->members, g->members == 1 ? "" : "s");
	if (suppress_hold_kept(p, parent, now, sup, sizeof(sup))) {
		snprintf(why + n, sizeof(why) - (size_t)n, ", %s", sup);
		text_fix_tail(why);
		pipeline_timeline_state(p, parent, now, why);
		return;
	}
	p->gstats.sent++;
	p->stats.triggered++;
	pipeline_timeline_state(p, parent, now, why);
	batch_due(p->d->batch, BATCH_FIRED);
	pipeline_queue_trigger(p, rule, parent, NULL);
}

/* Members joined since it was sent, and an interval has passed: one update says so. */
static void
update_parent(struct pipeline *p, struct incident *parent, const struct group_state *g,
    int64_t now)
{
	char text[TIMELINE_TEXT_MAX];

	if (parent->route[0] == '\0' || parent->state == INCIDENT_SUPPRESSED)
		return; /* never sent, or held: its trigger, when it goes, has every member */
	p->gstats.updates++;
	snprintf(text, sizeof(text), "update sent: %" PRIu64 " members, %" PRIu64 " open",
	    g->members, g->open);
	pipeline_timeline_add(p, parent, TIMELINE_NOTE, now, text, strlen(text));
	pipeline_queue_update(p, parent, NULL);
}

bool
pipeline_group_due(struct pipeline *p, struct incident *inc, int64_t now)
{
	const struct rule *rule;
	struct group_state g;
	int64_t deadline;
	enum group_due e;
	int r = store_group_get(p->txn, inc->id, &g);

	if (r == -ENOENT)
		return false;
	if (r < 0) {
		pipeline_store_failed(p, r, "reading a group");
		return true; /* still due: the sweep tries again */
	}
	rule = pipeline_rule(p->d->conf, inc->rule);
	if (!incident_is_open(inc) || rule == NULL || rule->group_by.nfields == 0) {
		/* A reload took its group-by away: its members still resolve it. */
		pipeline_deadline_save(p, inc->id, incident_is_open(inc) && rule == NULL ?
		    now + SWEEP_RULE_GONE : STORE_NO_DEADLINE);
		return true;
	}
	e = group_check(&g, rule->group_by.wait, rule->group_by.interval, now, &deadline);
	/* When it was due: replay's clock, or a restart, may be well past it. */
	now = deadline < now ? deadline : now;
	if (e == GROUP_TRIGGER)
		send_parent(p, rule, inc, &g, now);
	else if (e == GROUP_UPDATE)
		update_parent(p, inc, &g, now);
	if (e != GROUP_WAIT) {
		group_sent(&g, now);
		if ((r = store_group_put(p->txn, inc->id, &g)) < 0)
			pipeline_store_failed(p, r, "saving a group");
	}
	pipeline_incident_save(p, inc);
	return true;
}

/* Closed member inc tells its parent; the last open one resolves it. */
static void
member_closed(struct pipeline *p, const struct incident *inc)
{
	char why[TIMELINE_TEXT_MAX];
	struct incident parent;
	struct group_state g;
	uint64_t pid;
	bool open;
	int64_t now = inc->resolved_at != 0 ? inc->resolved_at : now_realtime_usec();
	int r = store_group_parent(p->txn, inc->id, &pid, &open);

	if (r == -ENOENT || (r == 0 && !open))
		return;
	if (r < 0 || (r = store_group_link(p->txn, inc->id, pid, false)) < 0 ||
	    (r = store_group_get(p->txn, pid, &g)) < 0 ||
	    (r = store_incident_get(p->txn, pid, &parent)) < 0) {
		if (r != -ENOENT) /* the parent was pruned: nothing to tell */
			pipeline_store_failed(p, r, "reading a member's group");
		return;
	}
	bool last = group_member_closed(&g);
	if ((r = store_group_put(p->txn, pid, &g)) < 0) {
		pipeline_store_failed(p, r, "saving a group");
		return;
	}
	if (!last || incident_resolve(&parent, now) < 0)
		return; /* members still open, or a person resolved it already */
	p->gstats.resolved++;
	snprintf(why, sizeof(why), "all %" PRIu64 " members closed", g.members);
	pipeline_closed(p, &parent, now, false, why);
	pipeline_incident_save(p, &parent);
}

void
pipeline_group_saved(struct pipeline *p, const struct incident *inc)
{
	const struct rule *rule;
	struct group_state g;
	int64_t deadline;
	int r;

	if (!incident_is_open(inc)) {
		member_closed(p, inc);
		return;
	}
	rule = pipeline_rule(p->d->conf, inc->rule);
	if (rule == NULL || rule->group_by.nfields == 0)
		return;
	if ((r = store_group_get(p->txn, inc->id, &g)) < 0) {
		if (r != -ENOENT)
			pipeline_store_failed(p, r, "reading a group");
		return;
	}
	/* Its group's deadline, not its rule's: a parent neither expires nor auto-resolves. */
	group_check(&g, rule->group_by.wait, rule->group_by.interval, INT64_MIN, &deadline);
	pipeline_deadline_save(p, inc->id, deadline);
}

const struct group_stats *
pipeline_group_stats(const struct pipeline *p)
{
	return &p->gstats;
}
