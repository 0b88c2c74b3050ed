/*
 * check_batch.c - the owner of the write transaction, with fake
 * participants over a real store and a real sd-event loop: prepare runs
 * inside the batch and committed after it; a failed batch tells everyone
 * rolled_back, refuses writes for a growing pause instead of failing at
 * the rate they come, opens a batch by itself when the pause ends for what
 * prepare hooks still hold, and says it recovered.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "batch.h"
#include "log.h"
#include "store.h"
#include "util.h"

struct fake {
	int prepared, committed, rolled_back;
	int fail_prepares; /* the next N prepares fail with -EIO */
	bool write_meta;   /* prepare writes "fake" = "1" */
	char order[32];	   /* "p", "c", "r" in the order heard */
};

static void
heard(struct fake *f, char c)
{
	size_t n = strlen(f->order);

	if (n + 1 < sizeof(f->order))
		f->order[n] = c;
}

static int
fake_prepare(struct store_txn *t, void *arg)
{
	struct fake *f = arg;

	f->prepared++;
	heard(f, 'p');
	if (f->fail_prepares > 0) {
		f->fail_prepares--;
		return -EIO;
	}
	if (!f->write_meta)
		return 0;
	return store_meta_put(t, "fake", "1", 1) < 0 ? -EIO : 1;
}

static void
fake_committed(void *arg)
{
	struct fake *f = arg;

	f->committed++;
	heard(f, 'c');
}

static void
fake_rolled_back(void *arg)
{
	struct fake *f = arg;

	f->rolled_back++;
	heard(f, 'r');
}

static char dir[] = "/tmp/check_batch.XXXXXX";
static sd_event *loop;
static struct store *store;

static void
setup(void)
{
	struct store_opts so = { .event_log = false };
	char *cause = NULL;

	log_init(false, false);
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/check_batch.XXXXXX")));
	ck_assert_int_eq(store_open(dir, &so, &store, &cause), 0);
	ck_assert_int_ge(sd_event_new(&loop), 0);
}

static void
teardown(void)
{
	char cmd[64];

	store_close(store);
	sd_event_unref(loop);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct batch *
new_batch(struct fake *f)
{
	struct batch *b;

	ck_assert_int_eq(batch_new(loop, store, &b), 0);
	ck_assert_int_eq(batch_join(b, &(struct batch_participant){ .name = "fake",
	    .prepare = fake_prepare, .committed = fake_committed,
	    .rolled_back = fake_rolled_back, .arg = f }), 0);
	return b;
}

/* Run the loop until cond holds or ms pass. */
#define RUN_UNTIL(cond, ms)                                                        \
	do {                                                                       \
		for (int i_ = 0; i_ < (ms) && !(cond); i_++)                       \
			ck_assert_int_ge(sd_event_run(loop, 1000), 0);             \
	} while (0)

static bool
meta_is_set(void)
{
	struct store_txn *t;
	char v[4];
	int r;

	ck_assert_int_eq(store_txn_begin(store, false, &t), 0);
	r = store_meta_get(t, "fake", v, sizeof(v), NULL);
	store_txn_abort(t);
	return r == 0;
}

START_TEST(prepare_then_commit_then_committed)
{
	struct fake f = { .write_meta = true };
	struct batch *b = new_batch(&f);

	ck_assert_int_eq(batch_flush(b), 0); /* nothing open: nobody is told */
	ck_assert_str_eq(f.order, "");
	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert(!meta_is_set());
	ck_assert_int_eq(batch_flush(b), 0);
	ck_assert_str_eq(f.order, "pc");
	ck_assert(meta_is_set()); /* what prepare wrote is in the commit */
	ck_assert_uint_eq(batch_get_stats(b)->commits, 1);
	batch_free(b);
}
END_TEST

START_TEST(deadline_commits_by_itself)
{
	struct fake f = { 0 };
	struct batch *b = new_batch(&f);
	int64_t t0 = now_monotonic_usec();

	ck_assert_ptr_nonnull(batch_txn(b, BATCH_LOG_ONLY));
	batch_due(b, BATCH_URGENT); /* an earlier deadline wins */
	RUN_UNTIL(f.committed == 1, 1000);
	ck_assert_int_eq(f.committed, 1);
	ck_assert_int_lt(now_monotonic_usec() - t0, BATCH_LOG_ONLY);
	batch_free(b);
}
END_TEST

START_TEST(failure_rolls_back_backs_off_and_recovers)
{
	struct fake f = { .fail_prepares = 1, .write_meta = true };
	struct batch *b = new_batch(&f);
	const struct batch_stats *st = batch_get_stats(b);

	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), -EIO);
	ck_assert_str_eq(f.order, "pr");
	ck_assert(!meta_is_set()); /* the store equals what participants now believe */
	ck_assert(st->degraded);
	ck_assert_int_eq(st->last_error, -EIO);
	/* Backing off: writers are turned away and counted, not failed one by one. */
	ck_assert_ptr_null(batch_txn(b, BATCH_STATE));
	ck_assert_ptr_null(batch_txn(b, BATCH_STATE));
	ck_assert_uint_eq(st->refused, 2);
	/* When the pause ends a batch opens by itself; the prepare hook gets its write in. */
	RUN_UNTIL(f.committed == 1, 2000);
	ck_assert_str_eq(f.order, "prpc");
	ck_assert(meta_is_set());
	ck_assert_uint_eq(st->failures, 1);
	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE)); /* and takes writes again */
	/* Degraded until a quiet spell without failures has passed, then said once. */
	ck_assert(st->degraded);
	ck_assert_int_eq(batch_flush(b), 0);
	ck_assert(st->degraded);
	sleep(5);
	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), 0);
	ck_assert(!st->degraded);
	batch_free(b);
}
END_TEST

START_TEST(backoff_grows_while_failing)
{
	struct fake f = { .fail_prepares = 3, .write_meta = true };
	struct batch *b = new_batch(&f);
	const struct batch_stats *st = batch_get_stats(b);
	int64_t t0 = now_monotonic_usec();

	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), -EIO);
	/* 100 ms, then 200, then 400: the fourth attempt succeeds. */
	RUN_UNTIL(f.committed == 1, 3000);
	ck_assert_uint_eq(st->failures, 3);
	ck_assert_int_eq(f.committed, 1);
	ck_assert_int_ge(now_monotonic_usec() - t0, 650 * USEC_PER_MSEC);
	batch_free(b);
}
END_TEST

/* A batch with nothing written proves nothing about the disk: it is dropped, not committed. */
START_TEST(empty_batches_prove_nothing)
{
	struct fake f = { .fail_prepares = 1 };
	struct batch *b = new_batch(&f);
	const struct batch_stats *st = batch_get_stats(b);

	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), -EIO);
	ck_assert(st->degraded);
	/* The retry after the pause has nothing to write: still degraded, nobody told. */
	RUN_UNTIL(f.prepared == 2, 2000);
	ck_assert_int_eq(f.prepared, 2);
	ck_assert_int_eq(f.committed, 0);
	ck_assert(st->degraded);
	ck_assert_uint_eq(st->commits, 0);
	/* A real write that commits is what counts. */
	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(store_meta_put(batch_txn(b, BATCH_STATE), "w", "1", 1), 0);
	ck_assert_int_eq(batch_flush(b), 0);
	ck_assert_uint_eq(st->commits, 1);
	ck_assert_int_eq(f.committed, 1);
	batch_free(b);
}
END_TEST

START_TEST(leave_and_limits)
{
	struct fake f = { 0 }, g = { 0 };
	struct batch *b = new_batch(&f);

	ck_assert_int_eq(batch_join(b, &(struct batch_participant){ .name = "g",
	    .committed = fake_committed, .arg = &g }), 0);
	batch_leave(b, &f);
	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), 0);
	ck_assert_int_eq(f.committed, 0);
	ck_assert_int_eq(g.committed, 1);
	for (int i = 1; i < BATCH_MAX_PARTICIPANTS; i++)
		ck_assert_int_eq(batch_join(b, &(struct batch_participant){ .arg = &g }), 0);
	ck_assert_int_eq(batch_join(b, &(struct batch_participant){ .arg = &g }), -ENOSPC);
	batch_free(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("batch");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, prepare_then_commit_then_committed);
	tcase_add_test(tc, deadline_commits_by_itself);
	tcase_add_test(tc, failure_rolls_back_backs_off_and_recovers);
	tcase_add_test(tc, backoff_grows_while_failing);
	tcase_add_test(tc, empty_batches_prove_nothing);
	tcase_add_test(tc, leave_and_limits);
	suite_add_tcase(s, tc);
	return check_run(s);
}
