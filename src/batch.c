/*
 * batch.c - owns the LMDB write transaction: begins it on first use, keeps
 * the earliest commit deadline writers asked for, commits, and tells the
 * participants.  A failed commit (disk full, I/O error) puts the daemon in
 * a degraded state that is said once when entered and once when left, and
 * new batches are refused for a growing pause instead of failing at the
 * rate events arrive.  With a sync thread (syncer.c) a commit returns
 * after its pwrites, and the participants hear it is durable when the
 * thread says so; a failed sync degrades the same way and is retried.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "log.h"
#include "store.h"
#include "syncer.h"
#include "util.h"

#define BACKOFF_FIRST (100 * USEC_PER_MSEC)
#define BACKOFF_MAX   (5 * USEC_PER_SEC)
/*
 * A nearly full disk lets some commits through (LMDB reuses freed pages)
 * and fails others: the degraded state ends only after this long without a
 * failure, so it is said once per episode, not once per flap.
 */
#define RECOVER_QUIET (5 * USEC_PER_SEC)
/* Doubling the map this many times in a row and still full is a disk problem, not a map. */
#define MAX_REDOS 8
#define COMMIT_FAILED "what was not committed is lost"

struct batch {
	sd_event *event;
	struct store *store;
	struct store_txn *txn; /* the open batch, or NULL */
	sd_event_source *timer; /* commits the open batch at its deadline */
	uint64_t due;		/* CLOCK_MONOTONIC deadline while the timer is on */
	uint64_t retry_at;	/* CLOCK_MONOTONIC: no new batch before, after a failure */
	uint64_t failed_at;	/* CLOCK_MONOTONIC of the last failure */
	int64_t backoff;
	bool wanted; /* a writer was turned away while backing off: open a batch when it ends */
	bool written; /* someone asked for the open batch to write into it */
	unsigned redos; /* redone in a row after MDB_MAP_FULL */
	struct batch_participant parts[BATCH_MAX_PARTICIPANTS];
	size_t nparts;
	struct batch_stats stats;
	struct latency commit_latency; /* of the last commits */
	struct syncer *syncer; /* NULL: the store syncs every commit itself */
	sd_event_source *sync_retry; /* asks for a failed sync again */
	uint64_t gen;	  /* commits so far */
	uint64_t durable; /* of which durable */
	bool sync_failing; /* the last sync failed: not recovered, whatever commits do */
	int64_t undurable_since; /* CLOCK_MONOTONIC of the oldest commit not durable, or 0 */
	struct latency durable_latency; /* from a commit to its sync */
};

/* Not the loop's cached time: a batch may be judged long after its iteration began. */
static uint64_t
mono_now(const struct batch *b)
{
	(void)b;
	return (uint64_t)now_monotonic_usec();
}

void
batch_due(struct batch *b, int64_t within)
{
	uint64_t at;

	if (b->txn == NULL)
		return;
	at = mono_now(b) + (uint64_t)(within > 0 ? within : 0);
	if (sd_event_source_get_enabled(b->timer, NULL) > 0 && b->due <= at)
		return;
	b->due = at;
	sd_event_source_set_time(b->timer, at);
	sd_event_source_set_enabled(b->timer, SD_EVENT_ONESHOT);
}

static void
state_changed(struct batch *b)
{
	for (size_t i = 0; i < b->nparts; i++)
		if (b->parts[i].state_changed != NULL)
			b->parts[i].state_changed(b->parts[i].arg);
}

/* Said once on the way in, once on the way out, and to systemd (status_line.c). */
static void
degrade(struct batch *b, int err, const char *consequence)
{
	b->stats.failures++;
	b->stats.last_error = err;
	b->failed_at = mono_now(b);
	b->backoff = b->backoff ? b->backoff * 2 : BACKOFF_FIRST;
	if (b->backoff > BACKOFF_MAX)
		b->backoff = BACKOFF_MAX;
	b->retry_at = mono_now(b) + (uint64_t)b->backoff;
	if (b->stats.degraded)
		return;
	b->stats.degraded = true;
	b->stats.degraded_since = now_realtime_usec();
	log_error("DEGRADED: the state database refuses writes (%s); %s, retrying with backoff "
	    "up to %llds", strerror(-err), consequence, (long long)(BACKOFF_MAX / USEC_PER_SEC));
	state_changed(b);
}

/* A commit went through: writes flow again; the state ends after a quiet spell. */
static void
recover(struct batch *b)
{
	b->retry_at = 0;
	if (b->sync_failing)
		return;
	if (!b->stats.degraded) {
		b->backoff = 0;
		return;
	}
	if (mono_now(b) - b->failed_at < (uint64_t)RECOVER_QUIET)
		return; /* the backoff keeps growing if it fails again */
	b->backoff = 0;
	b->stats.degraded = false;
	log_info("recovered: the state database accepts writes again after %lld failed attempts",
	    (long long)b->stats.failures);
	state_changed(b);
}

/* When the pause ends, a batch opens by itself for what prepare hooks hold. */
static void
want_later(struct batch *b)
{
	b->wanted = true;
	sd_event_source_set_time(b->timer, b->retry_at);
	sd_event_source_set_enabled(b->timer, SD_EVENT_ONESHOT);
}

/* The open batch, begun if need be; NULL when refused. */
static struct store_txn *
open_batch(struct batch *b, int64_t within)
{
	int r;

	if (b->txn == NULL) {
		if (b->retry_at != 0 && mono_now(b) < b->retry_at) {
			b->stats.refused++;
			want_later(b);
			return NULL;
		}
		if ((r = store_txn_begin(b->store, true, &b->txn)) < 0) {
			b->txn = NULL;
			degrade(b, r, COMMIT_FAILED);
			want_later(b);
			return NULL;
		}
	}
	batch_due(b, within);
	return b->txn;
}

struct store_txn *
batch_open(struct batch *b)
{
	return open_batch(b, BATCH_LOG_ONLY);
}

void
batch_wrote(struct batch *b, int64_t within)
{
	if (b->txn == NULL)
		return;
	b->written = true;
	batch_due(b, within);
}

struct store_txn *
batch_txn(struct batch *b, int64_t within)
{
	struct store_txn *t = open_batch(b, within);

	if (t != NULL)
		b->written = true;
	return t;
}

/* Commits up to gen are durable: tell those waiting to send or answer. */
static void
durable_to(struct batch *b, uint64_t gen)
{
	int64_t now = now_monotonic_usec();

	if (gen <= b->durable)
		return;
	b->durable = gen;
	if (b->syncer != NULL) {
		b->stats.syncs++;
		latency_add(&b->durable_latency, now - b->undurable_since);
	}
	/* A later commit's own time is not kept: the next one is measured from now. */
	b->undurable_since = gen < b->gen ? now : 0;
	for (size_t i = 0; i < b->nparts; i++)
		if (b->parts[i].durable != NULL)
			b->parts[i].durable(b->parts[i].arg);
}

/*
 * From the sync thread, on the loop.  A failed sync leaves the commits
 * visible but not durable: nothing waiting on them leaves, the daemon is
 * degraded, and the sync is asked for again after the backoff.
 */
static void
sync_done(uint64_t gen, int err, void *arg)
{
	struct batch *b = arg;

	if (err == 0) {
		b->sync_failing = false;
		durable_to(b, gen);
		recover(b);
		if (b->stats.degraded) { /* said recovered after the quiet spell, commits or not */
			sd_event_source_set_time(b->sync_retry, b->failed_at + RECOVER_QUIET);
			sd_event_source_set_enabled(b->sync_retry, SD_EVENT_ONESHOT);
		}
		return;
	}
	b->sync_failing = true;
	b->stats.sync_failures++;
	degrade(b, err, "commits are not made durable, and nothing that waits on them is sent "
	    "or answered");
	b->retry_at = 0; /* commits go on: only their durability waits */
	sd_event_source_set_time_relative(b->sync_retry, (uint64_t)b->backoff);
	sd_event_source_set_enabled(b->sync_retry, SD_EVENT_ONESHOT);
}

static int
sync_retry_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct batch *b = userdata;

	if (b->durable < b->gen)
		syncer_request(b->syncer, b->gen);
	else if (!b->sync_failing)
		recover(b);
	return 0;
}

int
batch_sync(struct batch *b)
{
	int r = batch_flush(b);

	if (r < 0)
		return r;
	if (b->syncer == NULL || b->durable == b->gen)
		return 0;
	if ((r = syncer_wait(b->syncer, b->gen)) < 0)
		return r; /* the thread reports it too, and the retry follows */
	b->sync_failing = false;
	durable_to(b, b->gen);
	return 0;
}

uint64_t
batch_gen(const struct batch *b)
{
	return b->gen;
}

bool
batch_is_durable(const struct batch *b, uint64_t gen)
{
	return gen <= b->durable;
}

static void
rolled_back(struct batch *b)
{
	for (size_t i = 0; i < b->nparts; i++)
		if (b->parts[i].rolled_back != NULL)
			b->parts[i].rolled_back(b->parts[i].arg);
}

/*
 * The batch met a full map: begin again (the store grows the map at
 * begin) and let every participant write its part again.  0 when the
 * redone batch is open, -errno when even that is refused.
 */
static int
redo(struct batch *b)
{
	if (open_batch(b, BATCH_URGENT) == NULL)
		return -ENOSPC;
	b->written = true;
	b->stats.redone++;
	for (size_t i = b->nparts; i-- > 0;) {
		const struct batch_participant *p = &b->parts[i];
		if (p->redo != NULL)
			p->redo(p->arg);
		else if (p->rolled_back != NULL)
			p->rolled_back(p->arg);
	}
	return 0;
}

int
batch_flush(struct batch *b)
{
	struct store_txn *t = b->txn;
	bool written = b->written;
	int r = 0;

	if (t == NULL)
		return 0;
	sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
	for (size_t i = 0; i < b->nparts && r >= 0; i++) {
		if (b->parts[i].prepare == NULL)
			continue;
		r = b->parts[i].prepare(t, b->parts[i].arg);
		written = written || r > 0;
	}
	/* Cleared first: a participant told of the outcome may open the next batch. */
	b->txn = NULL;
	b->written = false;
	if (r >= 0 && !written) {
		/* Nothing to commit, so nothing learnt about the disk: neither recovered nor not. */
		store_txn_abort(t);
		return 0;
	}
	if (r < 0) {
		store_txn_abort(t);
	} else {
		int64_t t0 = now_monotonic_usec();
		r = store_txn_commit(t);
		if (r >= 0)
			latency_add(&b->commit_latency, now_monotonic_usec() - t0);
	}
	if (r < 0 && store_map_full(b->store) && b->redos < MAX_REDOS) {
		b->redos++;
		log_info("the state database's map was full; redoing the batch in a grown map");
		if (redo(b) == 0) {
			r = batch_flush(b);
			return r < 0 ? r : 1;
		}
	}
	b->redos = 0;
	if (r < 0) {
		degrade(b, r, COMMIT_FAILED);
		rolled_back(b);
		if (!b->wanted)
			want_later(b); /* what prepare hooks hold is written by the next batch */
		return r;
	}
	b->stats.commits++;
	b->gen++;
	if (b->undurable_since == 0)
		b->undurable_since = now_monotonic_usec();
	recover(b);
	for (size_t i = 0; i < b->nparts; i++)
		if (b->parts[i].committed != NULL)
			b->parts[i].committed(b->parts[i].arg);
	if (b->syncer != NULL)
		syncer_request(b->syncer, b->gen);
	else
		durable_to(b, b->gen); /* LMDB synced it in the commit */
	return 0;
}

static int
timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct batch *b = userdata;

	if (b->txn == NULL && b->wanted) {
		b->wanted = false;
		if (open_batch(b, 0) == NULL)
			return 0; /* still refused: the timer is armed again */
	}
	batch_flush(b);
	return 0;
}

int
batch_join(struct batch *b, const struct batch_participant *p)
{
	if (b->nparts >= BATCH_MAX_PARTICIPANTS)
		return -ENOSPC;
	b->parts[b->nparts++] = *p;
	return 0;
}

void
batch_leave(struct batch *b, void *arg)
{
	for (size_t i = 0; i < b->nparts; i++) {
		if (b->parts[i].arg != arg)
			continue;
		memmove(&b->parts[i], &b->parts[i + 1], (b->nparts - i - 1) * sizeof(b->parts[0]));
		b->nparts--;
		return;
	}
}

int
batch_new(sd_event *event, struct store *store, struct batch **ret)
{
	struct batch *b = xcalloc(1, sizeof(*b));
	int r;

	b->event = sd_event_ref(event);
	b->store = store;
	r = sd_event_add_time(event, &b->timer, CLOCK_MONOTONIC, UINT64_MAX, 1, timer_cb, b);
	if (r >= 0)
		r = sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
	/*
	 * A due commit goes before whatever else is pending (a drain's curl
	 * completions): a new incident is visible, and what waits on the
	 * commit leaves, a few milliseconds sooner under load.
	 */
	if (r >= 0)
		r = sd_event_source_set_priority(b->timer, SD_EVENT_PRIORITY_IMPORTANT);
	if (r >= 0 && store_commit_nosync(store))
		r = syncer_new(event, store, sync_done, b, &b->syncer);
	if (r >= 0)
		r = sd_event_add_time(event, &b->sync_retry, CLOCK_MONOTONIC, UINT64_MAX, 1,
		    sync_retry_cb, b);
	if (r >= 0)
		r = sd_event_source_set_enabled(b->sync_retry, SD_EVENT_OFF);
	if (r < 0) {
		batch_free(b);
		return r;
	}
	*ret = b;
	return 0;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	if (b->txn != NULL || b->durable < b->gen)
		batch_sync(b);
	syncer_free(b->syncer);
	sd_event_source_disable_unref(b->sync_retry);
	sd_event_source_disable_unref(b->timer);
	sd_event_unref(b->event);
	free(b);
}

void
batch_commit_latency(const struct batch *b, struct latency_summary *out)
{
	latency_summarize(&b->commit_latency, out);
}

void
batch_durable_latency(const struct batch *b, struct latency_summary *out)
{
	latency_summarize(&b->durable_latency, out);
}

const struct batch_stats *
batch_get_stats(const struct batch *b)
{
	return &b->stats;
}
