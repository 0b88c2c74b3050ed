/*
 * check_latency.c - the ring of recent durations: nearest-rank quantiles,
 * the window of the last LATENCY_SAMPLES, negative durations as 0.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "check_run.h"
#include "latency.h"

START_TEST(empty_ring_says_nothing)
{
	struct latency l;
	struct latency_summary s;

	memset(&l, 0, sizeof l);
	latency_summarize(&l, &s);
	ck_assert_uint_eq(s.count, 0);
	ck_assert_uint_eq(s.samples, 0);
	ck_assert_int_eq(s.p50, 0);
	ck_assert_int_eq(s.max, 0);
}
END_TEST

START_TEST(quantiles_by_nearest_rank)
{
	struct latency l;
	struct latency_summary s;

	memset(&l, 0, sizeof l);
	for (int64_t v = 100; v >= 1; v--) /* 1..100, added out of order */
		latency_add(&l, v);
	latency_summarize(&l, &s);
	ck_assert_uint_eq(s.samples, 100);
	ck_assert_int_eq(s.p50, 50);
	ck_assert_int_eq(s.p99, 99);
	ck_assert_int_eq(s.max, 100);
	latency_add(&l, -5); /* a clock step: counted as 0, not negative */
	latency_summarize(&l, &s);
	ck_assert_int_eq(s.p50, 50);
	ck_assert_uint_eq(s.count, 101);
}
END_TEST

START_TEST(only_the_last_samples_count)
{
	struct latency l;
	struct latency_summary s;

	memset(&l, 0, sizeof l);
	for (int i = 0; i < LATENCY_SAMPLES; i++)
		latency_add(&l, 1000000); /* an old spike */
	for (int i = 0; i < LATENCY_SAMPLES; i++)
		latency_add(&l, 7);
	latency_summarize(&l, &s);
	ck_assert_uint_eq(s.count, 2 * LATENCY_SAMPLES);
	ck_assert_uint_eq(s.samples, LATENCY_SAMPLES);
	ck_assert_int_eq(s.max, 7);
	ck_assert_int_eq(s.p99, 7);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("latency");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, empty_ring_says_nothing);
	tcase_add_test(tc, quantiles_by_nearest_rank);
	tcase_add_test(tc, only_the_last_samples_count);
	suite_add_tcase(s, tc);
	return check_run(s);
}
