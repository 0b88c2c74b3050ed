/*
 * check_failover.c - when a rule that sends and pages pages people itself:
 * always with failover-after off or no upstream; otherwise only once every
 * one of its upstreams has failed for failover-after, at the microsecond.
 */
#include "config.h"

#include <check.h>

#include "check_run.h"
#include "failover.h"

#define S 1000000LL

START_TEST(off_or_no_upstream_always_pages)
{
	int64_t down[] = { 0 };

	ck_assert(failover_due(0, down, 1, 100 * S));
	ck_assert(failover_due(2 * S, down, 0, 100 * S));
}
END_TEST

START_TEST(one_upstream_at_the_edge)
{
	int64_t up[] = { 0 }, down[] = { 100 * S };

	ck_assert(!failover_due(2 * S, up, 1, 500 * S));
	ck_assert(!failover_due(2 * S, down, 1, 100 * S));
	ck_assert(!failover_due(2 * S, down, 1, 102 * S - 1));
	ck_assert(failover_due(2 * S, down, 1, 102 * S));
}
END_TEST

START_TEST(every_upstream_must_be_gone)
{
	int64_t one_up[] = { 100 * S, 0 }, one_late[] = { 100 * S, 101 * S },
		both[] = { 100 * S, 99 * S };

	ck_assert(!failover_due(2 * S, one_up, 2, 200 * S));
	ck_assert(!failover_due(2 * S, one_late, 2, 102 * S));
	ck_assert(failover_due(2 * S, one_late, 2, 103 * S));
	ck_assert(failover_due(2 * S, both, 2, 102 * S));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("failover");
	TCase *tc = tcase_create("due");

	tcase_add_test(tc, off_or_no_upstream_always_pages);
	tcase_add_test(tc, one_upstream_at_the_edge);
	tcase_add_test(tc, every_upstream_must_be_gone);
	suite_add_tcase(s, tc);
	return check_run(s);
}
