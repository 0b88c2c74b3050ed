/*
 * check_store_escalation.c - escalation states in a real LMDB in a fresh
 * temporary directory: written in a transaction, read back whole after a
 * reopen (every contact an escalation remembers, names at their limit),
 * replaced, counted and removed.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "escalation.h"
#include "store.h"
#include "store_escalation.h"
#include "store_tmp.h"
#include "util.h"

static void
setup(void)
{
	store_tmp_setup("check_store_escalation", NULL);
}

/* An escalation at its limits: every contact remembered, names of the longest. */
static void
full(struct escalation_state *st)
{
	escalation_start(st, "ops", 1000);
	memset(st->policy, 'p', sizeof(st->policy) - 1);
	st->phase = ESCALATION_ACKED;
	st->level = 3;
	st->round = 2;
	st->level_at = ESCALATION_NEVER;
	st->forgotten = 7;
	for (size_t i = 0; i < ESCALATION_PAGED_MAX; i++) {
		struct escalation_paged *p = &st->paged[i];
		snprintf(p->contact, sizeof(p->contact), "contact %zu \033", i);
		p->at = -(int64_t)i;
		p->sent = (uint32_t)i;
		p->level = (uint32_t)i % 3;
	}
	memset(st->paged[0].contact, 'c', ESCALATION_NAME_MAX);
	st->npaged = ESCALATION_PAGED_MAX;
}

START_TEST(escalations_round_trip)
{
	struct escalation_state *st = xcalloc(1, sizeof(*st)), *back = xcalloc(1, sizeof(*back));
	struct store_txn *t = begin(true);
	uint64_t n;

	full(st);
	ck_assert_int_eq(store_escalation_put(t, 5, st), 0);
	escalation_start(back, "other", 7);
	ck_assert_int_eq(store_escalation_put(t, 6, back), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	reopen(NULL);

	t = begin(true);
	ck_assert_int_eq(store_escalation_count(t, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(store_escalation_get(t, 5, back), 0);
	ck_assert_mem_eq(back, st, sizeof(*st));
	ck_assert_int_eq(store_escalation_get(t, 6, back), 0);
	ck_assert_str_eq(back->policy, "other");
	ck_assert_int_eq(back->level_at, 7);
	ck_assert_uint_eq(back->npaged, 0);
	/* Replaced in place. */
	back->level = 1;
	ck_assert_int_eq(store_escalation_put(t, 6, back), 0);
	ck_assert_int_eq(store_escalation_get(t, 6, back), 0);
	ck_assert_uint_eq(back->level, 1);
	ck_assert_int_eq(store_escalation_del(t, 5), 0);
	ck_assert_int_eq(store_escalation_del(t, 5), 0);
	ck_assert_int_eq(store_escalation_get(t, 5, back), -ENOENT);
	ck_assert_int_eq(store_escalation_count(t, &n), 0);
	ck_assert_uint_eq(n, 1);
	store_txn_abort(t);
	free(st);
	free(back);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("store_escalation");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, escalations_round_trip);
	suite_add_tcase(su, tc);
	return check_run(su);
}
