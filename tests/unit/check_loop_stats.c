/*
 * check_loop_stats.c - the timed event loop: dispatches land in the log2
 * bucket of their duration, quantiles are bucket bounds, the longest is
 * kept, and loop_run runs a real sd-event loop to its exit code.
 */
#include "config.h"

#include <check.h>
#include <time.h>

#include "check_run.h"
#include "loop_stats.h"

START_TEST(buckets_and_quantiles)
{
	struct loop_stats st = { 0 };

	ck_assert_int_eq(loop_stats_quantile(&st, 0.99), 0);
	loop_stats_add(&st, 0);	      /* under 1 us */
	loop_stats_add(&st, 1);	      /* under 2 */
	loop_stats_add(&st, 3);	      /* under 4 */
	loop_stats_add(&st, 4);	      /* under 8 */
	loop_stats_add(&st, 1000);    /* under 1024 */
	loop_stats_add(&st, 1 << 30); /* beyond the last bucket: counted in it */
	ck_assert_uint_eq(st.buckets[0], 1);
	ck_assert_uint_eq(st.buckets[1], 1);
	ck_assert_uint_eq(st.buckets[2], 1);
	ck_assert_uint_eq(st.buckets[3], 1);
	ck_assert_uint_eq(st.buckets[10], 1);
	ck_assert_uint_eq(st.buckets[LOOP_BUCKETS - 1], 1);
	ck_assert_uint_eq(st.iterations, 6);
	ck_assert_int_eq(st.max_usec, 1 << 30);
	ck_assert_int_gt(st.max_at, 0);
	ck_assert_int_eq(loop_stats_quantile(&st, 0.5), 4);
	ck_assert_int_eq(loop_stats_quantile(&st, 0.8), 8);
	ck_assert_int_eq(loop_stats_quantile(&st, 1.0), 1 << (LOOP_BUCKETS - 1));
	for (int i = 0; i < 994; i++)
		loop_stats_add(&st, 2);
	ck_assert_int_eq(loop_stats_quantile(&st, 0.99), 4);
}
END_TEST

static int slow_runs;

/* Three dispatches of about 3 ms each, then the loop exits with 7. */
static int
slow_cb(sd_event_source *s, void *userdata)
{
	struct timespec ts = { 0, 3 * 1000 * 1000 };

	nanosleep(&ts, NULL);
	if (++slow_runs == 3)
		return sd_event_exit(sd_event_source_get_event(s), 7);
	return 0;
}

START_TEST(run_times_dispatches)
{
	struct loop_stats st = { 0 };
	sd_event *e;
	sd_event_source *src;

	ck_assert_int_ge(sd_event_new(&e), 0);
	ck_assert_int_ge(sd_event_add_defer(e, &src, slow_cb, NULL), 0);
	ck_assert_int_ge(sd_event_source_set_enabled(src, SD_EVENT_ON), 0);
	ck_assert_int_eq(loop_run(e, &st), 7);
	ck_assert_int_eq(slow_runs, 3);
	ck_assert_uint_ge(st.iterations, 3); /* and the exit's own */
	ck_assert_int_ge(st.max_usec, 3000);
	/* At least 2 ms each; no upper bound, which a loaded machine under valgrind can pass. */
	uint64_t slow = 0;
	for (unsigned i = 12; i < LOOP_BUCKETS; i++)
		slow += st.buckets[i];
	ck_assert_uint_ge(slow, 3);
	sd_event_source_unref(src);
	sd_event_unref(e);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("loop_stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buckets_and_quantiles);
	tcase_add_test(tc, run_times_dispatches);
	suite_add_tcase(s, tc);
	return check_run(s);
}
