/*
 * check_store_silence.c - silences, the held index and held events in a
 * real LMDB in a fresh temporary directory: written in a transaction,
 * read back after a reopen, a holder's incidents a range of their own;
 * the index kept beside the holders (STORE_HELD_INDEX_*) counted as its
 * entries come and go, in their transaction.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "store.h"
#include "store_tmp.h"
#include "util.h"

static void
setup(void)
{
	store_tmp_setup("check_store_silence", NULL);
}

struct seen {
	uint64_t ids[8];
	struct store_silence last;
	size_t n;
};

static int
seen_cb(const struct store_silence *rec, void *arg)
{
	struct seen *sn = arg;

	sn->ids[sn->n++] = rec->id;
	sn->last = *rec;
	return 0;
}

START_TEST(silences_round_trip)
{
	struct store_silence rec = { .created = 5, .start = 10, .end = 20, .nmatchers = 2 };
	struct store_txn *t = begin(true);
	struct seen sn = { 0 };

	strcpy(rec.creator, "alice (uid 1001)");
	strcpy(rec.comment, "disk swap #033[31m");
	strcpy(rec.matchers[0], "host~^db-");
	strcpy(rec.matchers[1], "severity=crit");
	ck_assert_int_eq(store_silence_put(t, &rec), 0);
	ck_assert_uint_eq(rec.id, 1);
	rec.id = 0;
	ck_assert_int_eq(store_silence_put(t, &rec), 0);
	ck_assert_uint_eq(rec.id, 2);
	ck_assert_int_eq(store_txn_commit(t), 0);
	reopen(NULL);

	t = begin(true);
	rec.end = 15; /* expired early: rewritten under its id */
	ck_assert_int_eq(store_silence_put(t, &rec), 0);
	ck_assert_int_eq(store_silence_foreach(t, seen_cb, &sn), 0);
	ck_assert_uint_eq(sn.n, 2);
	ck_assert_uint_eq(sn.ids[0], 1);
	ck_assert_uint_eq(sn.ids[1], 2);
	ck_assert_int_eq(sn.last.end, 15);
	ck_assert_int_eq(sn.last.start, 10);
	ck_assert_str_eq(sn.last.creator, "alice (uid 1001)");
	ck_assert_str_eq(sn.last.comment, "disk swap #033[31m");
	ck_assert_uint_eq(sn.last.nmatchers, 2);
	ck_assert_str_eq(sn.last.matchers[1], "severity=crit");
	ck_assert_int_eq(store_silence_del(t, 1), 0);
	ck_assert_int_eq(store_silence_del(t, 1), -ENOENT);
	sn.n = 0;
	ck_assert_int_eq(store_silence_foreach(t, seen_cb, &sn), 0);
	ck_assert_uint_eq(sn.n, 1);
	/* Ids are not reused after a delete. */
	rec.id = 0;
	ck_assert_int_eq(store_silence_put(t, &rec), 0);
	ck_assert_uint_eq(rec.id, 3);
	store_txn_abort(t);
}
END_TEST

START_TEST(held_index_ranges)
{
	const uint64_t a = 1ULL << 63 | 7, b = 1ULL << 62 | 5;
	struct store_txn *t = begin(true);
	uint64_t ids[4];
	size_t n;

	for (uint64_t i = 10; i > 0; i--)
		ck_assert_int_eq(store_held_add(t, a, i), 0);
	ck_assert_int_eq(store_held_add(t, b, 3), 0);
	ck_assert_int_eq(store_held_add(t, a + 1, 99), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	reopen(NULL);

	t = begin(true);
	ck_assert_int_eq(store_held_first(t, a, ids, 4, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_uint_eq(ids[3], 4);
	for (uint64_t i = 1; i <= 8; i++)
		ck_assert_int_eq(store_held_del(t, a, i), 0);
	ck_assert_int_eq(store_held_del(t, a, 1), 0); /* gone already: fine */
	ck_assert_int_eq(store_held_first(t, a, ids, 4, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(ids[0], 9);
	ck_assert_uint_eq(ids[1], 10);
	ck_assert_int_eq(store_held_first(t, b, ids, 4, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(ids[0], 3);
	ck_assert_int_eq(store_held_first(t, b + 1, ids, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	store_txn_abort(t);
}
END_TEST

static uint64_t
index_entries(void)
{
	struct store_stats st;

	ck_assert_int_eq(store_stats(s, &st), 0);
	return st.held_index;
}

/* Counted once each, at commit, not for holders outside it, and kept across a reopen. */
START_TEST(held_index_is_counted)
{
	const uint64_t lo = STORE_HELD_INDEX_LO | 9, hi = (STORE_HELD_INDEX_HI - 1) & ~0xfULL;
	struct store_txn *t = begin(true);

	ck_assert_int_eq(store_held_add(t, lo, 1), 0);
	ck_assert_int_eq(store_held_add(t, lo, 1), 0); /* again: one entry */
	ck_assert_int_eq(store_held_add(t, hi, 2), 0);
	ck_assert_int_eq(store_held_add(t, STORE_HELD_INDEX_LO - 1, 3), 0); /* a holder */
	ck_assert_int_eq(store_held_add(t, STORE_HELD_INDEX_HI, 4), 0);	    /* a holder */
	ck_assert_uint_eq(index_entries(), 0); /* not committed yet */
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(index_entries(), 2);
	t = begin(true); /* lost: neither counted nor gone */
	ck_assert_int_eq(store_held_add(t, lo, 5), 0);
	ck_assert_int_eq(store_held_del(t, hi, 2), 0);
	store_txn_abort(t);
	ck_assert_uint_eq(index_entries(), 2);
	reopen(NULL);
	ck_assert_uint_eq(index_entries(), 2);
	t = begin(true);
	ck_assert_int_eq(store_held_del(t, hi, 2), 0);
	ck_assert_int_eq(store_held_del(t, hi, 2), 0); /* gone already */
	ck_assert_int_eq(store_held_del(t, STORE_HELD_INDEX_HI, 4), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(index_entries(), 1);
}
END_TEST

START_TEST(held_events)
{
	struct store_txn *t = begin(true);
	const void *data;
	size_t len;

	ck_assert_int_eq(store_held_event_put(t, 42, "packed\0event", 12), 0);
	ck_assert_int_eq(store_held_event_get(t, 41, &data, &len), -ENOENT);
	ck_assert_int_eq(store_txn_commit(t), 0);
	reopen(NULL);
	t = begin(true);
	ck_assert_int_eq(store_held_event_get(t, 42, &data, &len), 0);
	ck_assert_uint_eq(len, 12);
	ck_assert_int_eq(memcmp(data, "packed\0event", 12), 0);
	ck_assert_int_eq(store_held_event_del(t, 42), 0);
	ck_assert_int_eq(store_held_event_del(t, 42), 0);
	ck_assert_int_eq(store_held_event_get(t, 42, &data, &len), -ENOENT);
	store_txn_abort(t);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("store_silence");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, silences_round_trip);
	tcase_add_test(tc, held_index_ranges);
	tcase_add_test(tc, held_index_is_counted);
	tcase_add_test(tc, held_events);
	suite_add_tcase(su, tc);
	return check_run(su);
}
