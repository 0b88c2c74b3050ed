/*
 * syncer.h - makes committed state durable off the event loop.  The state
 * database commits without fsync (MDB_NOSYNC): a commit is then a few
 * pwrites, visible at once to every reader.  A thread of its own calls
 * fdatasync for what has committed and tells the loop, through an eventfd,
 * how far the state is durable; what may leave the process only once it is
 * durable (an outbox request, an inform's answer) waits for that.  Commits
 * made while a sync runs are covered by the next one (group commit).
 */
#ifndef TRIAGED_SYNCER_H
#define TRIAGED_SYNCER_H

#include <stdint.h>

#include <systemd/sd-event.h>

struct store;
struct syncer;

/*
 * Called on the loop: every commit up to gen is durable (err 0), or the
 * sync meant to cover it failed (-errno; gen is what was asked).
 */
typedef void (*syncer_done_fn)(uint64_t gen, int err, void *arg);

int syncer_new(sd_event *event, struct store *store, syncer_done_fn done, void *arg,
    struct syncer **ret);
/* Joins the thread; what it was asked to sync is synced first.  NULL-safe. */
void syncer_free(struct syncer *s);

/* Commits up to gen are in the store: make them durable. */
void syncer_request(struct syncer *s, uint64_t gen);
/*
 * Wait on the loop until everything up to gen is durable, for what must
 * not return before it (a person's change, shutdown): 0 or -errno.  The
 * done callback hears of it later, as of any sync.
 */
int syncer_wait(struct syncer *s, uint64_t gen);

#endif
