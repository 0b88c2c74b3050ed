/*
 * outbox_commit.c - what a batch changes in the outbox, and memory taking
 * it when the batch commits.  A push is staged until then; shedding (to
 * stay within outbox-max), queue retry and queue drop are written in the
 * batch and recorded as pending changes, applied by the committed hook and
 * undone by rolled_back, so after a failed commit the queues equal the
 * store.  A batch redone in a grown map replays its events (the pipeline
 * pushes, and sheds, again), and queue retry and drop mark again: nothing
 * is applied twice.  Delivered and rejected items are written by prepare,
 * in every batch until one commits.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "event.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "outbox_int.h"
#include "outbox_item.h"
#include "store.h"
#include "util.h"

/*
 * A change the open batch writes, taken by memory when it commits: a shed
 * or dropped item is at once out of the count, the shed index and the
 * schedule, so it is neither sent nor shed twice meanwhile.
 */
static void
pend_add(struct outbox *o, struct item *it, enum item_pend what)
{
	if (item_leaving(it))
		return; /* already going */
	if (it->pend == PEND_NONE) {
		it->pnext = o->pend;
		o->pend = it;
	}
	it->pend = what;
	if (!item_leaving(it))
		return;
	shed_del(&o->shed, it);
	if (!it->dead)
		o->npending--;
	keyq_resched(it);
}

/* The batch is lost: the item is as the store has it again. */
static void
pend_undo(struct outbox *o, struct item *it)
{
	bool leaving = item_leaving(it);

	it->pend = PEND_NONE;
	if (!leaving)
		return;
	if (!it->dead) {
		o->npending++;
		if (it->action == OUTBOX_TRIGGER)
			shed_add(&o->shed, it);
	}
	keyq_resched(it);
}

/* queue retry: due now, and its upstream's pause or hold is over. */
static void
retry_apply(struct outbox *o, struct item *it)
{
	struct upstream_state *u = outbox_upstream_get(o, it->upstream);

	if (it->dead) {
		it->dead = false;
		o->npending++;
		/* Back into its key queue in sequence order: before its own resolve. */
		keyq_append(o->buckets, &u->heap, it);
		outbox_health_item_in(u, it);
		if (it->action == OUTBOX_TRIGGER)
			shed_add(&o->shed, it);
	}
	it->next_try = 0;
	keyq_resched(it);
	u->held_until = u->paused_until = 0;
}

/* The batch committed: the change is memory's too. */
static void
pend_apply(struct outbox *o, struct item *it)
{
	switch (it->pend) {
	case PEND_SHED:
		o->stats.shed++;
		outbox_forget(o, it);
		return;
	case PEND_SUPPRESS:
		o->stats.suppressed += it->action == OUTBOX_TRIGGER;
		/* fall through */
	case PEND_DROP:
		outbox_forget(o, it);
		return;
	case PEND_RETRY:
		it->pend = PEND_NONE;
		retry_apply(o, it);
		return;
	case PEND_NONE:
		return;
	}
}

/* Delete it from the store in the open batch; it leaves memory when that commits. */
int
outbox_leave_mark(struct outbox *o, struct store_txn *t, struct item *it, enum item_pend why)
{
	int r = store_outbox_del(t, it->seq);

	if (r < 0 && r != -ENOENT)
		return r;
	pend_add(o, it, why);
	return 0;
}

/* One pushed in the open batch: gone from the store, freed rather than appended at commit. */
int
outbox_unstage_mark(struct outbox *o, struct store_txn *t, struct item *it, enum item_pend why)
{
	int r = store_outbox_del(t, it->seq);

	/* Marked even so: the batch then fails, and a rollback forgets what it pushed. */
	it->pend = why;
	o->npending--;
	return r < 0 && r != -ENOENT ? r : 0;
}

/*
 * Shed victim with what follows it for the same incident, queued or pushed
 * in this batch: the trigger never goes, so neither may its acknowledge or
 * resolve.  Taken from memory when the batch commits.
 */
static void
shed_trigger(struct outbox *o, struct store_txn *t, struct item *victim)
{
	struct item *it;

	for (it = victim->qnext; it != NULL; it = it->qnext)
		if (it->incident_id == victim->incident_id && !item_busy(it))
			(void)outbox_leave_mark(o, t, it, PEND_SHED);
	for (it = o->staged_changes; it != NULL; it = it->qnext)
		if (it->incident_id == victim->incident_id && !item_leaving(it) &&
		    strcmp(it->upstream, victim->upstream) == 0)
			(void)outbox_unstage_mark(o, t, it, PEND_SHED);
	(void)outbox_leave_mark(o, t, victim, PEND_SHED);
}

/* When full, shed the least severe pending trigger; true when it is the new one. */
static bool
make_room(struct outbox *o, struct store_txn *t, enum outbox_action action, int severity,
    struct outbox_shed *shed)
{
	struct item *victim;

	if (o->npending < o->d->conf->outbox_max)
		return false;
	victim = shed_victim(&o->shed); /* among equals the newest goes, as a new one would */
	if (action == OUTBOX_TRIGGER && (victim == NULL || severity >= victim->severity)) {
		o->shed_new++;
		log_ratelimited(&o->rl, "outbox: full (%zu pending, outbox-max), shedding a new "
		    "%s trigger", o->npending, event_severity_name(severity));
		return true;
	}
	if (victim == NULL)
		return false; /* only acks and resolves: never shed, exceed the cap */
	log_ratelimited(&o->rl, "outbox: full (%zu pending, outbox-max), shedding the %s trigger "
	    "of '%s'", o->npending, event_severity_name(victim->severity), victim->key);
	shed_trigger(o, t, victim);
	shed->incident_id = victim->incident_id;
	shed->upstream = victim->upstream;
	return false;
}

/* A new delivery in t, staged until t commits: 0 or -errno. */
static int
stage(struct outbox *o, struct store_txn *t, const char *upstream, const struct incident *inc,
    enum outbox_action action, const char *payload, bool test)
{
	/* The payload is in the store only: it is read back when sent. */
	struct item *it = item_new(o, outbox_upstream_get(o, upstream)->name, inc, action, NULL,
	    now_realtime_usec());
	char *s;
	int r;

	it->test = test;
	s = item_encode_as(it, payload, it->dead, it->next_try);
	r = s == NULL ? -EINVAL : store_outbox_put(t, &it->seq, s, strlen(s));
	free(s);
	if (r < 0) {
		item_free(it);
		return r;
	}
	*o->staged_tail = it;
	o->staged_tail = &it->next;
	if (action != OUTBOX_TRIGGER) {
		it->qnext = o->staged_changes; /* in no key queue until it commits */
		o->staged_changes = it;
	}
	o->npending++;
	o->stats.queued++;
	return 0;
}

/* The update of inc for upstream waiting to be sent, queued or pushed in this batch, or NULL. */
static struct item *
waiting_update(struct outbox *o, const char *name, const struct incident *inc, bool *staged)
{
	struct keyq *q = keyq_find(o->buckets, name, inc->key);

	*staged = false;
	for (struct item *it = q ? q->head : NULL; it != NULL; it = it->qnext)
		if (it->incident_id == inc->id && it->action == OUTBOX_UPDATE && !item_busy(it) &&
		    it->pend == PEND_NONE)
			return it;
	for (struct item *it = o->staged_changes; it != NULL; it = it->qnext)
		if (it->incident_id == inc->id && it->action == OUTBOX_UPDATE &&
		    it->upstream == name && !item_leaving(it)) {
			*staged = true;
			return it;
		}
	return NULL;
}

/*
 * An update takes the place of the one still waiting (which leaves at
 * commit, so a failed commit keeps it); with none and the outbox full it
 * is turned away, shedding nothing: it is news, not an alert.
 */
static int
push_update(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc, const char *payload)
{
	struct item *old;
	bool staged;
	int r;

	if (payload == NULL)
		return -EINVAL;
	old = waiting_update(o, outbox_upstream_get(o, upstream)->name, inc, &staged);
	if (old == NULL && o->npending >= o->d->conf->outbox_max) {
		o->shed_new++;
		log_ratelimited(&o->rl, "outbox: full (%zu pending, outbox-max), not queueing an "
		    "update of '%s'", o->npending, inc->key);
		return 1;
	}
	if (old != NULL && (r = staged ? outbox_unstage_mark(o, t, old, PEND_DROP) :
	    outbox_leave_mark(o, t, old, PEND_DROP)) < 0)
		return r;
	return stage(o, t, upstream, inc, OUTBOX_UPDATE, payload, false);
}

static int
push_queue(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc, enum outbox_action action, const char *payload,
    struct outbox_shed *shed)
{
	int r;

	*shed = (struct outbox_shed){ 0 };
	if (action == OUTBOX_UPDATE)
		return push_update(o, t, upstream, inc, payload);
	/* First: what it takes out of the outbox makes room without shedding. */
	if (action == OUTBOX_RESOLVE && (r = outbox_stale_on_resolve(o, t, upstream, inc)) != 0)
		return r < 0 ? r : 2;
	if (make_room(o, t, action, inc->severity, shed))
		return 1;
	if (action != OUTBOX_TRIGGER && shed->upstream != NULL && shed->incident_id == inc->id &&
	    strcmp(shed->upstream, upstream) == 0)
		return 1; /* its own trigger made the room: nothing upstream to change */
	if (payload == NULL)
		return -EINVAL; /* the body could not be built: nothing to keep */
	return stage(o, t, upstream, inc, action, payload, false);
}

/*
 * Into each of the upstream's queues (conf.h queues: one per peer of an
 * Alertmanager cluster).  0 when any queue took it; else 2 when a resolve
 * was suppressed in one, else 1; the first shed is said.  Alertmanager
 * has no acknowledge: 1, nothing queued.
 */
int
outbox_push(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc, enum outbox_action action, const char *payload,
    struct outbox_shed *shed)
{
	const struct conf_upstream *cu = conf_upstream_find(o->d->conf, upstream);
	struct outbox_shed one;
	int r, best = 1;

	*shed = (struct outbox_shed){ 0 };
	if (cu == NULL)
		return push_queue(o, t, upstream, inc, action, payload, shed);
	if (cu->kind == UPSTREAM_ALERTMANAGER && action == OUTBOX_ACKNOWLEDGE)
		return 1;
	for (size_t i = 0; i < cu->nqueues; i++) {
		if ((r = push_queue(o, t, cu->queues[i], inc, action, payload, &one)) < 0)
			return r;
		if (shed->upstream == NULL)
			*shed = one;
		best = r == 0 || best == 0 ? 0 : r == 2 ? 2 : best;
	}
	return best;
}

/* A person asked for it: it may exceed outbox-max, as acknowledges and resolves do. */
int
outbox_push_test(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc, enum outbox_action action, const char *payload)
{
	const struct conf_upstream *cu = conf_upstream_find(o->d->conf, upstream);
	int r = 0;

	if (cu != NULL && cu->kind == UPSTREAM_ALERTMANAGER && action == OUTBOX_ACKNOWLEDGE)
		return 0;
	if (payload == NULL)
		return -EINVAL;
	if (cu == NULL)
		return stage(o, t, upstream, inc, action, payload, true);
	for (size_t i = 0; i < cu->nqueues && r == 0; i++)
		r = stage(o, t, cu->queues[i], inc, action, payload, true);
	return r;
}

/* A record persist() wrote in a lost batch, again in t (its payload read back from the old one). */
static int
rewrite(struct store_txn *t, struct item *it)
{
	bool had = it->payload != NULL;
	char *s;
	int r = item_payload_load(it, t);

	if (r == -ENOENT || r == -EBADMSG)
		return 0; /* gone or unreadable: nothing to write back */
	if (r < 0)
		return r;
	s = item_encode(it);
	r = s == NULL ? -EINVAL : store_outbox_put(t, &it->seq, s, strlen(s));
	free(s);
	if (!had)
		item_payload_drop(it);
	return r;
}

/* Delivered items leave the store with this batch, rejected ones are stored dead. */
int
outbox_commit_prepare(struct store_txn *t, void *arg)
{
	struct outbox *o = arg;
	int r, wrote = 0;

	for (struct item *it = o->written; it != NULL; it = it->wnext) {
		if (it->record_in_batch)
			continue;
		if ((r = rewrite(t, it)) < 0)
			return r;
		it->record_in_batch = true;
		wrote = 1;
	}

	for (struct item *it = o->done; it != NULL; it = it->done_next) {
		if (it->verdict_written)
			continue;
		if (it->delivered)
			r = store_outbox_del(t, it->seq);
		else {
			char *s = item_encode_as(it, it->payload, true, it->next_try);
			/*
			 * Unencodable, or its record could not give its payload
			 * back: dead in memory only (and if the record is
			 * readable after all, sent again after a restart).
			 */
			r = s == NULL ? 0 : store_outbox_put(t, &it->seq, s, strlen(s));
			free(s);
		}
		if (r < 0 && r != -ENOENT)
			return r;
		it->verdict_written = true;
		wrote = 1;
	}
	return wrote;
}

/* A rejected delivery whose dead record committed: out of its queue, kept for queue retry. */
static void
bury(struct outbox *o, struct item *it)
{
	it->rejected = false;
	it->dead = true;
	item_payload_drop(it); /* in its dead record */
	o->npending--;
	shed_del(&o->shed, it);
	outbox_health_item_out(o, it);
	keyq_remove(o->buckets, it);
}

static void
settle_committed(struct outbox *o)
{
	struct item *it = o->done, *next;

	for (o->done = NULL; it != NULL; it = next) {
		next = it->done_next;
		if (!it->verdict_written) {
			it->done_next = o->done; /* settled after this batch was prepared */
			o->done = it;
		} else if (it->delivered)
			outbox_forget(o, it);
		else {
			it->verdict_written = false;
			bury(o, it);
		}
	}
}

/* The batch is over: what it pushed, for the caller to keep or free. */
static struct item *
unstage(struct outbox *o)
{
	struct item *it = o->staged;

	o->staged = o->staged_changes = NULL;
	o->staged_tail = &o->staged;
	o->shed_new = 0;
	return it;
}

void
outbox_commit_committed(void *arg)
{
	struct outbox *o = arg;
	struct item *it, *next;

	for (it = o->written, o->written = NULL; it != NULL; it = it->wnext)
		it->record_dirty = it->record_in_batch = false;
	for (it = o->pend, o->pend = NULL; it != NULL; it = next) {
		next = it->pnext;
		pend_apply(o, it);
	}
	settle_committed(o);
	o->stats.shed += o->shed_new;
	for (it = unstage(o); it != NULL; it = next) {
		next = it->next;
		if (!item_leaving(it)) {
			outbox_append(o, it);
			continue;
		}
		if (it->pend == PEND_SHED)
			o->stats.shed++;
		else
			o->stats.suppressed += it->action == OUTBOX_TRIGGER;
		item_free(it);
	}
	outbox_schedule(o);
}

void
outbox_commit_rolled_back(void *arg)
{
	struct outbox *o = arg;
	struct item *it, *next;

	/* The lost batch held the verdicts of settled items: the next one writes them. */
	for (struct item *d = o->done; d != NULL; d = d->done_next)
		d->verdict_written = false;
	for (struct item *w = o->written; w != NULL; w = w->wnext)
		w->record_in_batch = false; /* ... and the records persist() wrote */
	if (o->done != NULL || o->written != NULL)
		(void)batch_txn(o->d->batch, BATCH_URGENT);
	for (it = o->pend, o->pend = NULL; it != NULL; it = next) {
		next = it->pnext;
		pend_undo(o, it);
	}
	outbox_schedule(o); /* what was to leave may be sent, or suppressed again */
	for (it = unstage(o); it != NULL; it = next) {
		next = it->next;
		if (!item_leaving(it))
			o->npending--;
		item_free(it);
	}
}

/*
 * Its record as retried, in t: 0; 1 when its record has no payload to
 * send (it could never go: left as it is); -errno.
 */
static int
retry_write(struct store_txn *t, struct item *it)
{
	int r = item_payload_load(it, t);
	char *s;

	if (r == -ENOENT || r == -EBADMSG)
		return 1;
	if (r < 0)
		return r;
	s = item_encode_as(it, it->payload, false, 0);
	r = s == NULL ? -EINVAL : store_outbox_put(t, &it->seq, s, strlen(s));
	free(s);
	item_payload_drop(it); /* read again when sent */
	return r;
}

/* Mark what matches for retry in the open batch: how many, or -errno. */
static int
retry_mark(struct outbox *o, uint64_t seq)
{
	struct store_txn *t = batch_txn(o->d->batch, BATCH_URGENT);
	int found = 0;

	if (t == NULL)
		return -EIO;
	for (struct item *it = o->head; it != NULL; it = it->next) {
		if ((seq != 0 && it->seq != seq) || item_busy(it) || it->pend != PEND_NONE)
			continue;
		int r = retry_write(t, it);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		pend_add(o, it, PEND_RETRY);
		found++;
	}
	return found;
}

/*
 * Each takes effect when its batch commits.  A batch redone in a grown map
 * replays events, not this: mark again.
 */
int
outbox_retry(struct outbox *o, uint64_t seq)
{
	int found = 0, r = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((found = retry_mark(o, seq)) == 0)
			return -ENOENT;
		r = batch_flush(o->d->batch); /* also settles what a failed mark left */
		if (found < 0)
			return found;
		if (r <= 0)
			break;
		r = -ENOSPC;
	}
	if (r < 0)
		return r;
	outbox_schedule(o);
	return found;
}

static int
drop_mark(struct outbox *o, uint64_t seq, bool force)
{
	struct item *it = outbox_item_by_seq(o, seq);
	struct store_txn *t;
	int r;

	if (it == NULL || item_leaving(it))
		return -ENOENT;
	if (item_busy(it) || it->pend != PEND_NONE)
		return -EBUSY;
	if (!force && (r = outbox_stale_drop_check(o, it)) < 0)
		return r;
	if ((t = batch_txn(o->d->batch, BATCH_URGENT)) == NULL)
		return -EIO;
	return outbox_leave_mark(o, t, it, PEND_DROP);
}

int
outbox_drop(struct outbox *o, uint64_t seq, bool force)
{
	int r = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((r = drop_mark(o, seq, force)) < 0)
			return r;
		if ((r = batch_flush(o->d->batch)) <= 0)
			break;
		r = -ENOSPC;
	}
	if (r < 0)
		return r;
	outbox_schedule(o);
	return 0;
}
