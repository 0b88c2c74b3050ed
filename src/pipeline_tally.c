/*
 * pipeline_tally.c - the open batch's counts for reports (events in,
 * incidents opened, deliveries and pages out), kept in memory for the
 * hour they fall in and written once per batch, not once per event.
 * Counts of a lost batch are forgotten: its events are processed again
 * in the next one, which counts them.
 */
#include "config.h"

#include <string.h>

#include "pipeline_int.h"
#include "store.h"

static void
tally_clear(struct pipeline *p)
{
	memset(&p->tally, 0, sizeof(p->tally));
	p->tallied = false;
}

/* Write the counts held into t: 1 when there were any. */
static int
tally_put(struct pipeline *p, struct store_txn *t)
{
	int r;

	if (!p->tallied)
		return 0;
	if ((r = store_tally_add(t, p->tally_at, &p->tally)) < 0)
		pipeline_store_failed(p, r, "counting for reports");
	tally_clear(p);
	return 1;
}

void
pipeline_tally(struct pipeline *p, int64_t at, const struct store_tally *d)
{
	/* Another hour: the one held goes into the batch now, as this call's writer has it open. */
	if (p->tallied && at / STORE_TALLY_HOUR != p->tally_at / STORE_TALLY_HOUR)
		tally_put(p, p->txn);
	p->tally_at = at;
	p->tally.events += d->events;
	p->tally.dropped += d->dropped;
	p->tally.opened += d->opened;
	p->tally.deliveries += d->deliveries;
	p->tally.pages += d->pages;
	p->tallied = true;
}

int
pipeline_tally_write(struct pipeline *p, struct store_txn *t)
{
	return tally_put(p, t);
}

void
pipeline_tally_forget(struct pipeline *p)
{
	tally_clear(p);
}
