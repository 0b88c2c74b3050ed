/*
 * check_store_override.c - on-call overrides in a real LMDB in a fresh
 * temporary directory: written in a transaction, read back after a
 * reopen, counted, removed, their ids never reused; names at their limits.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "store.h"
#include "store_override.h"
#include "store_tmp.h"
#include "util.h"

static void
setup(void)
{
	store_tmp_setup("check_store_override", NULL);
}

struct seen {
	uint64_t ids[8];
	struct store_override last;
	size_t n;
};

static int
seen_cb(const struct store_override *o, void *arg)
{
	struct seen *sn = arg;

	sn->ids[sn->n++] = o->id;
	sn->last = *o;
	return 0;
}

START_TEST(overrides_round_trip)
{
	struct store_override o = { .created = 5, .from = -10, .to = 20 };
	struct store_txn *t = begin(true);
	struct seen sn = { 0 };
	uint64_t n;

	memset(o.schedule, 's', STORE_OVERRIDE_NAME_MAX);
	strcpy(o.contact, "carol \033[31m");
	memset(o.creator, 'c', STORE_OVERRIDE_CREATOR_MAX);
	ck_assert_int_eq(store_override_put(t, &o), 0);
	ck_assert_uint_eq(o.id, 1);
	o.id = 0;
	strcpy(o.schedule, "ops");
	ck_assert_int_eq(store_override_put(t, &o), 0);
	ck_assert_uint_eq(o.id, 2);
	ck_assert_int_eq(store_txn_commit(t), 0);
	reopen(NULL);

	t = begin(true);
	ck_assert_int_eq(store_override_count(t, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(store_override_foreach(t, seen_cb, &sn), 0);
	ck_assert_uint_eq(sn.n, 2);
	ck_assert_uint_eq(sn.ids[0], 1);
	ck_assert_str_eq(sn.last.schedule, "ops");
	ck_assert_str_eq(sn.last.contact, "carol \033[31m");
	ck_assert_uint_eq(strlen(sn.last.creator), STORE_OVERRIDE_CREATOR_MAX);
	ck_assert_int_eq(sn.last.created, 5);
	ck_assert_int_eq(sn.last.from, -10);
	ck_assert_int_eq(sn.last.to, 20);
	ck_assert_int_eq(store_override_del(t, 1), 0);
	ck_assert_int_eq(store_override_del(t, 1), -ENOENT);
	ck_assert_int_eq(store_override_count(t, &n), 0);
	ck_assert_uint_eq(n, 1);
	/* Ids are not reused after a delete. */
	o.id = 0;
	ck_assert_int_eq(store_override_put(t, &o), 0);
	ck_assert_uint_eq(o.id, 3);
	store_txn_abort(t);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("store_override");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, overrides_round_trip);
	suite_add_tcase(su, tc);
	return check_run(su);
}
