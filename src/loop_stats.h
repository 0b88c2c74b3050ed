/*
 * loop_stats.h - runs the event loop and measures each dispatch: how long
 * one callback held the loop, which is how long every other source (a
 * socket filling up, a timer) waited behind it.  A log2 histogram, so the
 * cost per iteration is two clock reads and an increment, and the longest
 * stall is kept with when it happened.
 */
#ifndef TRIAGED_LOOP_STATS_H
#define TRIAGED_LOOP_STATS_H

#include <stdint.h>

#include <systemd/sd-event.h>

/*
 * Bucket i counts durations of less than 2^i usec (and not less than
 * 2^(i-1)); the last, under 2^30 usec (18 minutes), also everything longer:
 * long enough for a delivery held up by an upstream's outage.
 */
#define LOOP_BUCKETS 31

struct loop_stats {
	uint64_t iterations;
	uint64_t buckets[LOOP_BUCKETS]; /* the last also counts everything longer */
	int64_t sum_usec; /* of every dispatch */
	int64_t max_usec;
	int64_t max_at; /* realtime usec of the longest */
};

/* sd_event_loop with each dispatch timed: the loop's exit code, or -errno. */
int loop_run(sd_event *e, struct loop_stats *st);
void loop_stats_add(struct loop_stats *st, int64_t usec);
/* The upper bound of the bucket holding quantile q (0..1) of the dispatches; 0 when none. */
int64_t loop_stats_quantile(const struct loop_stats *st, double q);

#endif
