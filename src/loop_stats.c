/*
 * loop_stats.c - the event loop, timed per dispatch (see loop_stats.h).
 * sd_event_run is prepare, wait, dispatch; only the dispatch is the
 * loop's own time, the wait is idleness.
 */
#include "config.h"

#include "loop_stats.h"
#include "util.h"

void
loop_stats_add(struct loop_stats *st, int64_t usec)
{
	unsigned i = 0;

	if (usec > 0)
		i = 64 - (unsigned)__builtin_clzll((unsigned long long)usec);
	if (i >= LOOP_BUCKETS)
		i = LOOP_BUCKETS - 1;
	st->buckets[i]++;
	st->iterations++;
	st->sum_usec += usec > 0 ? usec : 0;
	if (usec > st->max_usec) {
		st->max_usec = usec;
		st->max_at = now_realtime_usec();
	}
}

int64_t
loop_stats_quantile(const struct loop_stats *st, double q)
{
	uint64_t want, seen = 0;

	if (st->iterations == 0)
		return 0;
	want = (uint64_t)((double)st->iterations * q);
	if (want == 0)
		want = 1;
	for (unsigned i = 0; i < LOOP_BUCKETS; i++) {
		seen += st->buckets[i];
		if (seen >= want)
			return (int64_t)1 << i;
	}
	return (int64_t)1 << (LOOP_BUCKETS - 1);
}

int
loop_run(sd_event *e, struct loop_stats *st)
{
	int r, code = 0;

	while (sd_event_get_state(e) != SD_EVENT_FINISHED) {
		r = sd_event_prepare(e);
		if (r == 0)
			r = sd_event_wait(e, UINT64_MAX);
		if (r > 0) {
			int64_t t0 = now_monotonic_usec();
			r = sd_event_dispatch(e);
			loop_stats_add(st, now_monotonic_usec() - t0);
		}
		if (r < 0)
			return r;
	}
	r = sd_event_get_exit_code(e, &code);
	return r < 0 ? r : code;
}
