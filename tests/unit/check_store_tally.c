/*
 * check_store_tally.c - unit tests for store_tally.c: counts added per UTC
 * hour, read back by range, kept across a reopen, and bounded by
 * tally_hours with the oldest hours dropped first.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "check_run.h"
#include "store.h"
#include "store_codec.h"
#include "store_tmp.h"
#include "util.h"

#define H STORE_TALLY_HOUR

static void
setup(void)
{
	store_tmp_setup("check_store_tally", NULL);
}

static void
add(int64_t at, uint64_t events, uint64_t pages)
{
	struct store_txn *t = begin(true);
	struct store_tally d = { .events = events, .dropped = events / 2, .opened = 1,
		.deliveries = pages * 2, .pages = pages };

	ck_assert_int_eq(store_tally_add(t, at, &d), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
}

struct seen {
	int64_t hour[16];
	struct store_tally n[16];
	size_t count;
};

static int
seen_cb(int64_t hour, const struct store_tally *n, void *arg)
{
	struct seen *sn = arg;

	sn->hour[sn->count] = hour;
	sn->n[sn->count++] = *n;
	return 0;
}

static struct seen
range(int64_t from, int64_t to)
{
	struct store_txn *t = begin(false);
	struct seen sn = { .count = 0 };

	ck_assert_int_eq(store_tally_foreach(t, from, to, seen_cb, &sn), 0);
	store_txn_abort(t);
	return sn;
}

START_TEST(test_add_and_range)
{
	int64_t day = 20000 * 24 * H; /* a UTC midnight */

	add(day + 5 * 60 * 1000000LL, 10, 1);
	add(day + H - 1, 5, 0); /* the same hour, its last microsecond */
	add(day + H, 7, 2);	/* the next one */
	add(day + 3 * H + 1, 1, 0);
	struct seen sn = range(day, day + 4 * H);
	ck_assert_uint_eq(sn.count, 3);
	ck_assert_int_eq(sn.hour[0], day);
	ck_assert_uint_eq(sn.n[0].events, 15);
	ck_assert_uint_eq(sn.n[0].dropped, 5 + 2);
	ck_assert_uint_eq(sn.n[0].opened, 2);
	ck_assert_uint_eq(sn.n[0].deliveries, 2);
	ck_assert_uint_eq(sn.n[0].pages, 1);
	ck_assert_int_eq(sn.hour[1], day + H);
	ck_assert_uint_eq(sn.n[1].pages, 2);
	ck_assert_int_eq(sn.hour[2], day + 3 * H);
	/* The hours that overlap the range: its first and last partly. */
	ck_assert_uint_eq(range(day + H - 1, day + H).count, 2);
	ck_assert_uint_eq(range(day + 1, day + H - 1).count, 1);
	ck_assert_uint_eq(range(day + H + 1, day + 3 * H - 1).count, 1);
	ck_assert_uint_eq(range(day + 4 * H, INT64_MAX).count, 0);
	ck_assert_uint_eq(range(day + H, day).count, 0);
	/* Durable. */
	reopen(NULL);
	ck_assert_uint_eq(range(0, INT64_MAX).n[0].events, 15);
}
END_TEST

START_TEST(test_bounded)
{
	const struct store_opts three = { .tally_hours = 3 };
	struct store_stats st;

	reopen(&three);
	for (int64_t h = 10; h < 15; h++)
		add(h * H, (uint64_t)h, 0);
	struct seen sn = range(0, INT64_MAX);
	ck_assert_uint_eq(sn.count, 3);
	ck_assert_int_eq(sn.hour[0], 12 * H); /* the oldest went first */
	ck_assert_int_eq(sn.hour[2], 14 * H);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_eq(st.tally_hours, 3);
	/* At the limit, an hour older than every kept one is dropped at once. */
	add(2 * H, 1, 0);
	ck_assert_int_eq(range(0, INT64_MAX).hour[0], 12 * H);
	/* Adding to a kept hour drops nothing. */
	add(12 * H + 1, 1, 0);
	sn = range(0, INT64_MAX);
	ck_assert_uint_eq(sn.count, 3);
	ck_assert_uint_eq(sn.n[0].events, 13);
	/* The default keeps 400 days. */
	reopen(NULL);
	for (int64_t h = 20; h < 25; h++)
		add(h * H, 1, 0);
	ck_assert_uint_eq(range(0, INT64_MAX).count, 8);
	ck_assert_int_eq(STORE_TALLY_HOURS, 24 * 400);
}
END_TEST

START_TEST(test_codec)
{
	struct store_tally n = { 1, 2, 3, UINT64_MAX, 5 }, back;
	uint8_t b[STORE_CODEC_TALLY_LEN];

	store_codec_encode_tally(b, &n);
	ck_assert_int_eq(store_codec_decode_tally(b, sizeof b, &back), 0);
	ck_assert_mem_eq(&n, &back, sizeof n);
	ck_assert_int_eq(store_codec_decode_tally(b, sizeof b - 1, &back), -EBADMSG);
	b[0] = 9;
	ck_assert_int_eq(store_codec_decode_tally(b, sizeof b, &back), -EBADMSG);
}
END_TEST

static Suite *
tally_suite(void)
{
	Suite *su = suite_create("store_tally");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_and_range);
	tcase_add_test(tc, test_bounded);
	tcase_add_test(tc, test_codec);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	return check_run(tally_suite());
}
