/*
 * batch.h - the one owner of the LMDB write transaction.  Everything that
 * changes durable state writes into the open batch; the batch commits when
 * the earliest deadline any writer asked for comes (or at once when asked),
 * and then tells every participant: committed (memory may now take what
 * the store holds: it will not be undone) or rolled back (memory must be
 * made to equal the store again); later, durable (what waited on
 * durability may leave the process: an outbox request, an inform's
 * answer).  Participants never call each other to learn of a commit.
 *
 * Commits are numbered (generations).  With a sync thread (syncer.h) a
 * commit is visible at once and durable when the thread has synced it;
 * with `commit-sync inline` it is durable when committed.
 */
#ifndef TRIAGED_BATCH_H
#define TRIAGED_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "latency.h"

struct batch;
struct store;
struct store_txn;

struct batch_participant {
	const char *name; /* for messages */
	/*
	 * The batch is about to commit: write what must be durable with it
	 * (a read position committed with the events read up to it).  1 when
	 * it wrote something, 0 when it had nothing to write; negative rolls
	 * the whole batch back.  May be NULL.
	 */
	int (*prepare)(struct store_txn *t, void *arg);
	/* The batch is in the store (batch_gen() numbers it); not yet durable. May be NULL. */
	void (*committed)(void *arg);
	/* Commits up to batch_durable_gen() are durable. May be NULL. */
	void (*durable)(void *arg);
	/* The batch is lost: forget what it held, ask again for what must still happen. */
	void (*rolled_back)(void *arg);
	/*
	 * The batch met a full LMDB map and is being redone in a grown one:
	 * write again what the lost batch held (the pipeline replays its
	 * events), or forget what will be written again.  Called in the
	 * reverse order of joining, so later participants (the outbox) drop
	 * their part before the pipeline replays.  NULL: rolled_back is called.
	 */
	void (*redo)(void *arg);
	/* The degraded state (batch_stats) was entered or left. May be NULL. */
	void (*state_changed)(void *arg);
	void *arg;
};

#define BATCH_MAX_PARTICIPANTS 16

/*
 * How soon a batch must commit, by what waits on it: a delivery or an
 * inform's answer that may leave only once committed; an incident that
 * has just fired (a person may look for it at once); other state (counts,
 * timelines); raw-event log appends only.  Under a flood this turns one
 * fsync per few dozen lines into a few dozen a second.  A fired incident
 * commits as soon as the dispatch that fired it returns: that dispatch
 * already read a bounded burst of input (one commit covers it all), and
 * waiting longer only let a delivery's curl work run first.
 */
#define BATCH_URGENT   (1 * 1000LL)
#define BATCH_FIRED    0LL
#define BATCH_STATE    (20 * 1000LL)
#define BATCH_LOG_ONLY (100 * 1000LL)

struct batch_stats {
	uint64_t commits;	  /* batches committed */
	uint64_t syncs;		  /* syncs that made commits durable (one may cover several) */
	uint64_t sync_failures;	  /* syncs that failed (the commits stay not durable) */
	uint64_t failures;	  /* commits (or begins) that failed */
	uint64_t refused;	  /* batch_txn() calls turned away while backing off */
	uint64_t redone;	  /* batches redone in a grown map after MDB_MAP_FULL */
	bool degraded;		  /* the last commit failed; commits are being retried */
	int last_error;		  /* -errno of the last failure, 0 when none yet */
	int64_t degraded_since;	  /* realtime usec */
};

/* With a sync thread when the store commits without fsync (store_opts.commit_nosync). */
int batch_new(sd_event *event, struct store *store, struct batch **ret);
void batch_free(struct batch *b); /* commits what is open and syncs it first; NULL-safe */

/* Add a participant (copied) / remove the one with this arg. */
int batch_join(struct batch *b, const struct batch_participant *p);
void batch_leave(struct batch *b, void *arg);

/*
 * The open batch's transaction, begun if need be, for a caller that will
 * write into it, to be committed no later than `within` usec from now.  NULL when the store cannot begin one, or
 * while commits are failing and the batch backs off: the caller counts what
 * it could not write, and tries again later.
 */
struct store_txn *batch_txn(struct batch *b, int64_t within);
/*
 * For a caller that may find nothing to write (a periodic check): the open
 * batch without counting it as written; batch_wrote() says it did.  A
 * batch nobody wrote into is dropped, not committed.
 */
struct store_txn *batch_open(struct batch *b);
void batch_wrote(struct batch *b, int64_t within);

/* Make an open batch commit no later than `within` from now (no-op when none is open). */
void batch_due(struct batch *b, int64_t within);

/*
 * Commit the open batch now: 0; 1 when it met a full map and was redone in
 * a grown one (what participants redo is in; a caller's own change that
 * no participant replays is not, and must be made again); or -errno after
 * every participant heard rolled_back.
 */
int batch_flush(struct batch *b);

/*
 * Commit the open batch and wait until every commit is durable, for what
 * must not return before (a person's change, shutdown): 0 or -errno.
 */
int batch_sync(struct batch *b);

/* The number of the last commit; what a participant tags what it committed with. */
uint64_t batch_gen(const struct batch *b);
/* Whether commit gen is durable (0, what was durable before, always is). */
bool batch_is_durable(const struct batch *b, uint64_t gen);

const struct batch_stats *batch_get_stats(const struct batch *b);
/* How long the last commits took (their fsyncs included only with commit-sync inline). */
void batch_commit_latency(const struct batch *b, struct latency_summary *out);
/* How long commits waited to be durable (the sync thread's fsyncs). */
void batch_durable_latency(const struct batch *b, struct latency_summary *out);

#endif
