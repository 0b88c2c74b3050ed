/*
 * retention.c - keeps the store bounded: resolved incidents older than
 * max-age, or beyond max-resolved of them, go oldest-resolved first.  The
 * store keeps an index by resolved time, so a tick touches only what it
 * deletes; it deletes at most RETENTION_PER_TICK, so a backlog (a lowered
 * limit, a store from before retention) drains over a few ticks instead of
 * stalling the loop.  A delivery still queued for a pruned incident is
 * unaffected: an outbox item carries its own key and payload, and only
 * timeline notes name the incident, which pipeline_note() skips when gone.
 * The same tick sweeps the state map's pages out of the resident set, a
 * window a tick, once the database outgrows RESIDENT_KEEP
 * (store_trim_resident): a million stored incidents are half a gigabyte
 * of page cache, not of triaged.  Only while the daemon is quiet (few
 * commits since the last tick): during a storm or a drain every page
 * dropped is faulted back in at once, which cost a tenth more CPU per
 * delivery and a few ms of p99 latency in bench/scale.sh.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-event.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "log.h"
#include "retention.h"
#include "store.h"
#include "util.h"

#define RETENTION_INTERVAL (1 * USEC_PER_SEC)
#define RETENTION_PER_TICK 1000
#define RESIDENT_KEEP	   (32ULL << 20)
#define RESIDENT_CHUNK	   (16ULL << 20) /* a sweep of 1 GiB in a minute, ~1 ms a tick */
#define QUIET_COMMITS	   10 /* at most this many commits in a tick: quiet */

struct retention {
	struct daemon *d;
	sd_event_source *timer;
	struct log_ratelimit rl;
	uint64_t commits; /* the batch's commits at the last tick */
};

int
retention_run(struct retention *rt, int64_t now)
{
	const struct conf *c = rt->d->conf;
	struct store_txn *t = batch_open(rt->d->batch);
	int64_t before = INT64_MIN;
	size_t n;
	int r;

	if (t == NULL)
		return -EIO; /* the batch counted it, and says when writes fail */
	if (c->retention_max_age > 0 && now > INT64_MIN + c->retention_max_age)
		before = now - c->retention_max_age;
	r = store_prune_resolved(t, before, c->retention_max_resolved, RETENTION_PER_TICK, &n);
	if (r < 0) {
		log_ratelimited(&rt->rl,
		    "retention: pruning resolved incidents failed: %s, retrying", strerror(-r));
		return r;
	}
	if (n > 0) {
		batch_wrote(rt->d->batch, BATCH_STATE);
		log_debug("retention: pruned %zu resolved incidents", n);
	}
	return (int)n;
}

static int
tick_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct retention *rt = userdata;
	uint64_t commits = batch_get_stats(rt->d->batch)->commits, trimmed;
	bool quiet = commits - rt->commits <= QUIET_COMMITS;
	int r;

	rt->commits = commits;
	retention_run(rt, now_realtime_usec());
	if (quiet &&
	    (r = store_trim_resident(rt->d->store, RESIDENT_KEEP, RESIDENT_CHUNK, &trimmed)) < 0)
		log_ratelimited(&rt->rl, "retention: cannot release the state map's pages: %s",
		    strerror(-r));
	sd_event_source_set_time(s, usec + RETENTION_INTERVAL);
	return 0;
}

int
retention_new(struct daemon *d, struct retention **ret)
{
	struct retention *rt = xcalloc(1, sizeof(*rt));
	uint64_t now;
	int r;

	rt->d = d;
	rt->rl.interval_usec = 60 * USEC_PER_SEC;
	r = sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	if (r >= 0)
		r = sd_event_add_time(d->event, &rt->timer, CLOCK_MONOTONIC,
		    now + RETENTION_INTERVAL, 100 * USEC_PER_MSEC, tick_cb, rt);
	if (r >= 0)
		r = sd_event_source_set_enabled(rt->timer, SD_EVENT_ON);
	if (r < 0) {
		retention_free(rt);
		return r;
	}
	*ret = rt;
	return 0;
}

void
retention_free(struct retention *rt)
{
	if (rt == NULL)
		return;
	sd_event_source_disable_unref(rt->timer);
	free(rt);
}
