/*
 * pipeline_inhibit.c - inhibit statements in the pipeline.  An incident
 * of a source rule that alerts is filed, in the batch, in the held index
 * under the key of its rule and equal values (inhibit.c), under its
 * statement's id (so a reload that drops the statement finds it), and
 * under its own id the keys it is in (so its close takes it out without
 * its event).  A target about to be sent looks its key up: no scan.  An
 * inhibiting incident holds its targets as a silence does (suppress.c),
 * under SUPPRESS_INHIBIT | its id; when it closes, that holder is due.
 * The index holds four entries per alerting source and statement, so it
 * is bounded by the source rules' max-open (inhibit_index_max); the store
 * counts them as they come and go (status: inhibit.index_entries).
 */
#include "config.h"

#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "inhibit.h"
#include "pipeline_int.h"
#include "rules.h"
#include "store.h"
#include "text.h"

#define OF_MAX	   (2 * INHIBIT_MAX) /* one source's entries: a key and a rule id per statement */
#define CANDIDATES 8		     /* sources read for one key: any that alerts holds */
#define RULE_BATCH 256

static void
file_one(struct pipeline *p, uint64_t key, uint64_t id)
{
	int r = store_held_add(p->txn, key, id);

	if (r < 0)
		pipeline_store_failed(p, r, "filing an inhibiting incident");
}

void
inhibit_file(struct pipeline *p, const struct incident *inc, const struct event *ev)
{
	const struct conf *conf = p->d->conf;
	struct suppress_subject sj = { inc, ev };
	uint64_t key, rid;

	for (size_t i = 0; i < conf->ninhibits; i++) {
		const struct inhibit_rule *ir = &conf->inhibits[i];
		if (strcmp(ir->source, inc->rule) != 0 ||
		    !inhibit_key(ir, suppress_subject_lookup, &sj, &key))
			continue;
		rid = inhibit_rule_id(ir);
		file_one(p, key, inc->id);
		file_one(p, rid, inc->id);
		file_one(p, INHIBIT_TAG_OF | inc->id, key);
		file_one(p, INHIBIT_TAG_OF | inc->id, rid);
	}
}

/* An alerting incident of ir's source filed under key, other than inc; false when none. */
static bool
find_source(struct store_txn *t, const struct inhibit_rule *ir, uint64_t key,
    const struct incident *inc, struct incident *src)
{
	uint64_t ids[CANDIDATES];
	size_t n;

	if (store_held_first(t, key, ids, CANDIDATES, &n) < 0)
		return false; /* read again when it is sent, or its holder ends */
	for (size_t i = 0; i < n; i++)
		if (ids[i] != inc->id && store_incident_get(t, ids[i], src) == 0 &&
		    strcmp(src->rule, ir->source) == 0 && inhibit_source_alerts(src))
			return true;
	return false;
}

bool
inhibit_find(struct pipeline *p, struct store_txn *t, const struct incident *inc,
    const struct event *ev, uint64_t *holder, char *desc, size_t size)
{
	const struct conf *conf = p->d->conf;
	struct suppress_subject sj = { inc, ev };
	struct incident src;
	char what[TIMELINE_TEXT_MAX / 2];
	uint64_t key;

	for (size_t i = 0; i < conf->ninhibits; i++) {
		const struct inhibit_rule *ir = &conf->inhibits[i];
		if (!inhibit_targets(ir, inc->rule) ||
		    !inhibit_key(ir, suppress_subject_lookup, &sj, &key) ||
		    !find_source(t, ir, key, inc, &src))
			continue;
		*holder = SUPPRESS_INHIBIT | src.id;
		inhibit_describe(&src, what, sizeof(what));
		snprintf(desc, size, "inhibited by %s", what);
		text_fix_tail(desc);
		return true;
	}
	return false;
}

void
inhibit_unfile(struct pipeline *p, const struct incident *inc)
{
	uint64_t of[OF_MAX], holder = SUPPRESS_INHIBIT | inc->id;
	size_t n;
	int r;

	if ((r = store_held_first(p->txn, INHIBIT_TAG_OF | inc->id, of, OF_MAX, &n)) < 0) {
		pipeline_store_failed(p, r, "reading where an inhibiting incident is filed");
		return;
	}
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if ((r = store_held_del(p->txn, of[i], inc->id)) < 0 ||
		    (r = store_held_del(p->txn, INHIBIT_TAG_OF | inc->id, of[i])) < 0)
			pipeline_store_failed(p, r, "taking an inhibiting incident out of the index");
	p->istats.unfiled++;
	/* What it held is let go by the sweep, a few a tick, as a silence's end does. */
	if (store_held_first(p->txn, holder, of, 1, &n) == 0 && n > 0)
		pipeline_deadline_save(p, holder, inc->state_since);
}

/* ir went with a reload: what its sources held is looked at again under the new statements. */
static void
statement_gone(struct pipeline *p, const struct inhibit_rule *ir)
{
	uint64_t rid = inhibit_rule_id(ir), ids[RULE_BATCH];
	size_t n;
	int r;

	do {
		if ((r = store_held_first(p->txn, rid, ids, RULE_BATCH, &n)) < 0) {
			pipeline_store_failed(p, r, "reading an inhibit statement's sources");
			return;
		}
		for (size_t i = 0; i < n; i++) {
			if ((r = store_held_del(p->txn, rid, ids[i])) < 0) {
				pipeline_store_failed(p, r, "forgetting an inhibit statement");
				return;
			}
			pipeline_deadline_save(p, SUPPRESS_INHIBIT | ids[i], 0);
		}
	} while (n == RULE_BATCH);
}

void
inhibit_reconfigured(struct pipeline *p, const struct conf *old)
{
	const struct conf *conf = p->d->conf;

	for (size_t i = 0; i < old->ninhibits; i++) {
		uint64_t rid = inhibit_rule_id(&old->inhibits[i]);
		bool kept = false;
		for (size_t j = 0; j < conf->ninhibits && !kept; j++)
			kept = inhibit_rule_id(&conf->inhibits[j]) == rid;
		if (kept)
			continue;
		if ((p->txn = batch_txn(p->d->batch, BATCH_STATE)) == NULL)
			return;
		statement_gone(p, &old->inhibits[i]);
	}
}

uint64_t
inhibit_index_max(const struct conf *conf)
{
	uint64_t n = 0;

	for (size_t i = 0; i < conf->ninhibits; i++) {
		const struct rule *r = pipeline_rule(conf, conf->inhibits[i].source);
		n += 4 * ((uint64_t)(r ? r->max_open : RULE_DEFAULT_MAX_OPEN) + 1);
	}
	return n;
}

const struct inhibit_stats *
inhibit_get_stats(const struct pipeline *p)
{
	return &p->istats;
}
