/*
 * check_batch.c - the owner of the write transaction, with fake
 * participants over a real store and a real sd-event loop: prepare runs
 * inside the batch and committed after it; a failed batch tells everyone
 * rolled_back, refuses writes for a growing pause instead of failing at
 * the rate they come, opens a batch by itself when the pause ends for what
 * prepare hooks still hold, and says it recovered.  With a store that
 * commits without fsync, a commit is heard at once and its durability
 * later, from the sync thread; a failed sync holds what waits on it and
 * is tried again.
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
#include "store_fault.h"
#include "util.h"

struct fake {
	int prepared, committed, rolled_back, durable;
	int fail_prepares; /* the next N prepares fail with -EIO */
	bool write_meta;   /* prepare writes "fake" = "1" */
	char order[32];	   /* "p", "c", "r", "d" in the order heard */
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
fake_durable(void *arg)
{
	struct fake *f = arg;

	f->durable++;
	heard(f, 'd');
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
open_store(bool nosync)
{
	struct store_opts so = { .commit_nosync = nosync };
	char *cause = NULL;

	log_init(false, false);
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/check_batch.XXXXXX")));
	ck_assert_int_eq(store_open(dir, &so, &store, &cause), 0);
	ck_assert_int_ge(sd_event_new(&loop), 0);
}

static void
setup(void)
{
	open_store(false);
}

static void
setup_nosync(void)
{
	open_store(true);
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
	    .prepare = fake_prepare, .committed = fake_committed, .durable = fake_durable,
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
	ck_assert_str_eq(f.order, "pcd");
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
	ck_assert_str_eq(f.order, "prpcd");
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


/* Inline: LMDB synced the commit, so it is durable when heard committed. */
START_TEST(inline_commit_is_durable_at_once)
{
	struct fake f = { .write_meta = true };
	struct batch *b = new_batch(&f);

	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), 0);
	ck_assert_str_eq(f.order, "pcd");
	ck_assert(batch_is_durable(b, batch_gen(b)));
	ck_assert_uint_eq(batch_get_stats(b)->syncs, 0);
	batch_free(b);
}
END_TEST

/* The sync thread: committed (visible) at once, durable when the loop hears the thread. */
START_TEST(thread_commit_visible_then_durable)
{
	struct fake f = { .write_meta = true };
	struct batch *b = new_batch(&f);

	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), 0);
	ck_assert_str_eq(f.order, "pc");
	ck_assert(meta_is_set());
	ck_assert_uint_eq(batch_gen(b), 1);
	ck_assert(!batch_is_durable(b, 1));
	ck_assert(batch_is_durable(b, 0));
	RUN_UNTIL(f.durable == 1, 2000);
	ck_assert_str_eq(f.order, "pcd");
	ck_assert(batch_is_durable(b, 1));
	ck_assert_uint_eq(batch_get_stats(b)->syncs, 1);
	batch_free(b);
}
END_TEST

/* Commits made while a sync runs are made durable together, none forgotten. */
START_TEST(thread_groups_commits)
{
	struct fake f = { .write_meta = true };
	struct batch *b = new_batch(&f);

	for (int i = 0; i < 50; i++) {
		ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
		ck_assert_int_eq(batch_flush(b), 0);
	}
	ck_assert_int_eq(f.committed, 50);
	RUN_UNTIL(batch_is_durable(b, 50), 3000);
	ck_assert(batch_is_durable(b, 50));
	ck_assert_int_ge(f.durable, 1);
	ck_assert_int_le(f.durable, 50);
	ck_assert_uint_eq(batch_get_stats(b)->syncs, (uint64_t)f.durable);
	batch_free(b);
}
END_TEST

/* batch_sync returns when all is durable, and has told the participants. */
START_TEST(thread_sync_waits)
{
	struct fake f = { .write_meta = true };
	struct batch *b = new_batch(&f);

	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_sync(b), 0);
	ck_assert_str_eq(f.order, "pcd");
	ck_assert(batch_is_durable(b, batch_gen(b)));
	/* The thread's own report of that sync comes later and tells nobody twice. */
	for (int i = 0; i < 50; i++)
		ck_assert_int_ge(sd_event_run(loop, 1000), 0);
	ck_assert_int_eq(f.durable, 1);
	batch_free(b);
}
END_TEST

/*
 * A failed sync: the commit stays visible, nothing hears it durable, the
 * daemon is degraded, and the sync is tried again by itself.
 */
START_TEST(thread_sync_failure_holds_and_retries)
{
	struct fake f = { .write_meta = true };
	struct batch *b;
	char *cause = NULL;

	ck_assert_int_eq(store_fault_parse(store, "sync:1-2:eio", &cause), 0);
	b = new_batch(&f);
	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), 0);
	RUN_UNTIL(batch_get_stats(b)->sync_failures == 1, 2000);
	ck_assert_uint_eq(batch_get_stats(b)->sync_failures, 1);
	ck_assert(batch_get_stats(b)->degraded);
	ck_assert_int_eq(batch_get_stats(b)->last_error, -EIO);
	ck_assert_int_eq(f.durable, 0);
	ck_assert(meta_is_set());
	/* batch_sync meets the second failure and says so. */
	ck_assert_int_eq(batch_sync(b), -EIO);
	ck_assert_int_eq(f.durable, 0);
	/* The third sync, after the backoff, goes through. */
	RUN_UNTIL(f.durable == 1, 5000);
	ck_assert_int_eq(f.durable, 1);
	ck_assert(batch_is_durable(b, batch_gen(b)));
	ck_assert_uint_eq(batch_get_stats(b)->sync_failures, 2);
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
	tcase_add_test(tc, inline_commit_is_durable_at_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("sync thread");
	tcase_add_checked_fixture(tc, setup_nosync, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, thread_commit_visible_then_durable);
	tcase_add_test(tc, thread_groups_commits);
	tcase_add_test(tc, thread_sync_waits);
	if (store_fault_compiled)
		tcase_add_test(tc, thread_sync_failure_holds_and_retries);
	suite_add_tcase(s, tc);
	return check_run(s);
}
