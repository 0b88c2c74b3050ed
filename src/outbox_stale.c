/*
 * outbox_stale.c - no page for what fixed itself.  A trigger that never
 * reached its upstream, and whose own resolve (same incident, same
 * upstream) comes while it still waits, is not sent: the two leave the
 * outbox together with the acknowledges queued between them, in the batch
 * that would have queued the resolve; or, when the trigger was in flight
 * then, in a batch of their own when it comes up for sending again.  Like
 * every outbox change they leave memory when that batch commits.  An
 * upstream that wants the record anyway says send-resolved-undelivered
 * yes.  A trigger one of whose attempts may have reached the upstream (a
 * timeout, a 5xx) counts as delivered: its resolve must follow it there.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "outbox_int.h"
#include "outbox_item.h"
#include "pipeline.h"
#include "store.h"
#include "text.h"

/*
 * An upstream the config no longer names keeps what it has queued as it
 * is; a mailbox is never told of a page it did not get.
 */
static bool
wants_record(struct outbox *o, const char *upstream)
{
	const struct upstream_state *u = outbox_upstream_get(o, upstream);

	if (u->page >= 0)
		return false;
	return u->cu == NULL || u->cu->send_resolved_undelivered;
}

/* Known never to have reached its upstream, and free to leave now. */
static bool
undelivered(const struct item *it)
{
	return it->action == OUTBOX_TRIGGER && !it->test && !it->maybe_sent && !item_busy(it) &&
	    it->pend == PEND_NONE;
}

/* Of trig's incident at trig's upstream (items share their upstream's name). */
static bool
same_incident(const struct item *it, const struct item *trig)
{
	return it->incident_id == trig->incident_id && it->upstream == trig->upstream;
}

/* The acknowledges (and resolve) of trig's incident queued or staged after it leave with it. */
static int
suppress_followers(struct outbox *o, struct store_txn *t, struct item *trig)
{
	int r;

	for (struct item *it = trig->qnext; it != NULL; it = it->qnext)
		if (same_incident(it, trig) && !item_busy(it) && it->pend == PEND_NONE &&
		    (r = outbox_leave_mark(o, t, it, PEND_SUPPRESS)) < 0)
			return r;
	for (struct item *it = o->staged_changes; it != NULL; it = it->qnext)
		if (same_incident(it, trig) && !item_leaving(it) &&
		    (r = outbox_unstage_mark(o, t, it, PEND_SUPPRESS)) < 0)
			return r;
	return 0;
}

/* trig and what follows it for its incident leave at commit. */
static int
suppress(struct outbox *o, struct store_txn *t, struct item *trig, bool staged)
{
	int r = suppress_followers(o, t, trig);

	if (r < 0)
		return r;
	if (staged)
		return outbox_unstage_mark(o, t, trig, PEND_SUPPRESS);
	return outbox_leave_mark(o, t, trig, PEND_SUPPRESS);
}

/* The trigger of inc for upstream u, queued or pushed in the open batch, or NULL. */
static struct item *
find_trigger(struct outbox *o, const char *name, const struct incident *inc, bool *staged)
{
	struct keyq *q = keyq_find(o->buckets, name, inc->key);

	*staged = false;
	for (struct item *it = q ? q->head : NULL; it != NULL; it = it->qnext)
		if (it->incident_id == inc->id && it->action == OUTBOX_TRIGGER)
			return it;
	/* Down and up in one batch: a walk of what it pushed, bounded by its size. */
	for (struct item *it = o->staged; it != NULL; it = it->next)
		if (it->incident_id == inc->id && it->action == OUTBOX_TRIGGER &&
		    it->upstream == name && !item_leaving(it)) {
			*staged = true;
			return it;
		}
	return NULL;
}

int
outbox_stale_on_resolve(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc)
{
	const char *name = outbox_upstream_get(o, upstream)->name;
	struct item *trig;
	bool staged;
	int r;

	if (wants_record(o, upstream) || (trig = find_trigger(o, name, inc, &staged)) == NULL ||
	    trig->test || trig->maybe_sent || (!staged && !undelivered(trig)))
		return 0;
	if ((r = suppress(o, t, trig, staged)) < 0)
		return r;
	log_debug("outbox: '%s' resolved before delivery to %s: not sent", inc->key, upstream);
	return 1;
}

int
outbox_stale_on_send(struct outbox *o, struct item *head)
{
	char text[TIMELINE_TEXT_MAX];
	struct store_txn *t;
	struct item *it;

	if (!undelivered(head) || wants_record(o, head->upstream))
		return 0;
	for (it = head->qnext; it != NULL; it = it->qnext)
		if (same_incident(it, head) && it->action == OUTBOX_RESOLVE)
			break;
	if (it == NULL || item_busy(it) || it->pend != PEND_NONE)
		return 0;
	/* The store refuses writes: sent after all, as without this. */
	if ((t = batch_txn(o->d->batch, BATCH_URGENT)) == NULL || suppress(o, t, head, false) < 0)
		return 0;
	log_debug("outbox: '%s' resolved before delivery to %s: not sent", head->key,
	    head->upstream);
	snprintf(text, sizeof(text), OUTBOX_UNSENT_NOTE, head->upstream);
	text_fix_tail(text);
	pipeline_note(o->d->pipeline, head->incident_id, text);
	return 1;
}

int
outbox_stale_drop_check(struct outbox *o, const struct item *it)
{
	if (it->action != OUTBOX_RESOLVE || it->test)
		return 0;
	/* Queue drop finds its item by a walk already: one more costs the same. */
	for (const struct item *x = o->head; x != NULL; x = x->next)
		if (x->seq < it->seq && x->action == OUTBOX_TRIGGER && same_incident(x, it))
			return x->delivered ? -EPERM : 0;
	return -EPERM; /* no longer queued: delivered */
}
