/*
 * check_store_fault.c - the store's failures on purpose (store_fault.c)
 * over a real LMDB: the rules' syntax; a put that meets an injected full
 * map spoils its transaction as LMDB's own does and the next write begin
 * grows the map, so the work can be redone; a commit failing with EIO or
 * ENOSPC leaves nothing of its transaction; the batch redoes a batch that
 * met the injected full map.  A build without --enable-fault-injection
 * must refuse rules and ignore the environment: that is tested instead.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "check_run.h"
#include "log.h"
#include "store.h"
#include "store_fault.h"
#include "tmpdir.h"
#include "util.h"

static struct store *s;

static void
setup(void)
{
	struct store_opts so = { .map_size = 1024 * 1024 };
	char *cause = NULL;

	log_init(false, false);
	tmpdir_make("check_store_fault");
	ck_assert_int_eq(store_open(tmpdir, &so, &s, &cause), 0);
}

static void
teardown(void)
{
	store_close(s);
	s = NULL;
	ck_assert_int_eq(tmpdir_remove(tmpdir), 0);
}

static struct store_txn *
begin(bool write)
{
	struct store_txn *t;

	ck_assert_int_eq(store_txn_begin(s, write, &t), 0);
	return t;
}

static void
faults(const char *spec)
{
	char *cause = NULL;
	int r = store_fault_parse(s, spec, &cause);

	ck_assert_msg(r == 0, "%s: %s", spec, cause ? cause : "?");
}

static bool
meta_present(const char *name)
{
	struct store_txn *t = begin(false);
	int r = store_meta_get(t, name, NULL, 0, NULL);

	store_txn_abort(t);
	ck_assert(r == -ENOBUFS || r == -ENOENT);
	return r == -ENOBUFS;
}

static uint64_t
map_grows(void)
{
	struct store_stats st;

	ck_assert_int_eq(store_stats(s, &st), 0);
	return st.map_grows;
}

START_TEST(rules_parse)
{
	const char *bad[] = { "", "put", "put:1", "put:0:eio", "put:5-3:eio", "get:1:eio",
		"put:1:full", "put:every:0:eio", "put:x:eio", "put:1-:eio", "put:1:eio,,put:2:eio",
		"commit:every:5", "put:1:2:eio", "put:every:2:eio:x", "sync:1", "sync:0:eio",
		"sync:3-1:eio", "syncs:1:eio",
		"put:1:eio,put:1:eio,put:1:eio,put:1:eio,put:1:eio,put:1:eio,put:1:eio,put:1:eio,"
		"put:1:eio" };
	char *cause;

	faults("put:50:map_full,commit:10-20:eio,commit:every:5:enospc");
	faults("sync:1-20:eio,sync:every:3:eio");
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		cause = NULL;
		ck_assert_msg(store_fault_parse(s, bad[i], &cause) < 0, "accepted \"%s\"", bad[i]);
		ck_assert_ptr_nonnull(cause);
		free(cause);
	}
}
END_TEST

START_TEST(put_map_full_spoils_txn_and_grows_map)
{
	uint64_t grown = map_grows();
	struct store_txn *t = begin(true);

	faults("put:3:map_full");
	ck_assert_int_eq(store_meta_put(t, "a", "1", 1), 0);
	ck_assert_int_eq(store_meta_put(t, "b", "1", 1), 0);
	ck_assert_int_eq(store_meta_put(t, "c", "1", 1), -ENOSPC); /* what MDB_MAP_FULL gives */
	/* Spoilt, as LMDB spoils it: nothing more is written, the commit fails. */
	ck_assert_int_lt(store_meta_put(t, "d", "1", 1), 0);
	ck_assert_int_lt(store_txn_commit(t), 0);
	ck_assert(store_map_full(s));
	ck_assert(!meta_present("a"));
	/* The next write begins in a doubled map, and the redo goes through. */
	t = begin(true);
	ck_assert_uint_eq(map_grows(), grown + 1);
	ck_assert(!store_map_full(s));
	ck_assert_int_eq(store_meta_put(t, "a", "1", 1), 0);
	ck_assert_int_eq(store_meta_put(t, "c", "1", 1), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert(meta_present("a") && meta_present("c"));
}
END_TEST

/* An aborted spoilt transaction does not spoil the next one (LMDB reuses the txn). */
START_TEST(abort_ends_the_spoilt_txn)
{
	struct store_txn *t = begin(true);

	faults("put:1:eio");
	ck_assert_int_eq(store_meta_put(t, "a", "1", 1), -EIO);
	store_txn_abort(t);
	t = begin(true);
	ck_assert_int_eq(store_meta_put(t, "a", "1", 1), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert(meta_present("a"));
	ck_assert(!store_map_full(s));
}
END_TEST

START_TEST(commit_eio_leaves_nothing)
{
	struct incident inc = { .id = 1, .state = INCIDENT_TRIGGERED, .count = 1 };
	struct store_txn *t = begin(true);

	strcpy(inc.key, "k");
	strcpy(inc.rule, "r");
	faults("commit:1:eio");
	ck_assert_int_eq(store_meta_put(t, "a", "1", 1), 0);
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
	ck_assert_int_eq(store_txn_commit(t), -EIO);
	ck_assert(!store_map_full(s)); /* a disk problem, nothing to grow */
	t = begin(false);
	ck_assert_int_eq(store_incident_get(t, 1, &inc), -ENOENT);
	store_txn_abort(t);
	ck_assert(!meta_present("a"));
	t = begin(true); /* the second commit is not in the rule */
	ck_assert_int_eq(store_meta_put(t, "a", "1", 1), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert(meta_present("a"));
}
END_TEST

START_TEST(commit_every_nth_enospc)
{
	char name[8];

	faults("commit:every:2:enospc");
	for (int i = 1; i <= 6; i++) {
		struct store_txn *t = begin(true);
		snprintf(name, sizeof(name), "n%d", i);
		ck_assert_int_eq(store_meta_put(t, name, "1", 1), 0);
		ck_assert_int_eq(store_txn_commit(t), i % 2 == 0 ? -ENOSPC : 0);
		ck_assert(meta_present(name) == (i % 2 != 0));
	}
}
END_TEST

struct part {
	int prepared, redone, committed;
};

static int
part_prepare(struct store_txn *t, void *arg)
{
	struct part *p = arg;

	p->prepared++;
	return store_meta_put(t, "part", "1", 1) < 0 ? -EIO : 1;
}

static void
part_redo(void *arg)
{
	((struct part *)arg)->redone++;
}

static void
part_committed(void *arg)
{
	((struct part *)arg)->committed++;
}

/* The batch module's own path: abort, grow, redo, commit, without a degraded state. */
START_TEST(batch_redoes_after_map_full)
{
	struct part p = { 0 };
	struct batch_participant bp = { .name = "part", .prepare = part_prepare,
		.committed = part_committed, .redo = part_redo, .arg = &p };
	sd_event *loop;
	struct batch *b;

	ck_assert_int_ge(sd_event_new(&loop), 0);
	ck_assert_int_eq(batch_new(loop, s, &b), 0);
	ck_assert_int_eq(batch_join(b, &bp), 0);
	faults("put:1:map_full");
	ck_assert_ptr_nonnull(batch_txn(b, BATCH_STATE));
	ck_assert_int_eq(batch_flush(b), 1); /* 1: committed after a redo */
	ck_assert_int_eq(p.prepared, 2);
	ck_assert_int_eq(p.redone, 1);
	ck_assert_int_eq(p.committed, 1);
	ck_assert_uint_eq(batch_get_stats(b)->redone, 1);
	ck_assert(!batch_get_stats(b)->degraded);
	ck_assert(meta_present("part"));
	batch_free(b);
	sd_event_unref(loop);
}
END_TEST

START_TEST(rules_from_environment)
{
	struct store_txn *t;
	char *cause = NULL;
	bool set = false;

	setenv(STORE_FAULT_ENVVAR, "commit:1:eio", 1);
	ck_assert_int_eq(store_fault_env(s, &set, &cause), 0);
	ck_assert(set);
	t = begin(true);
	ck_assert_int_eq(store_meta_put(t, "a", "1", 1), 0);
	ck_assert_int_eq(store_txn_commit(t), -EIO);
	setenv(STORE_FAULT_ENVVAR, "commit:x:eio", 1);
	ck_assert_int_eq(store_fault_env(s, &set, &cause), -EINVAL);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	unsetenv(STORE_FAULT_ENVVAR);
}
END_TEST

/* Without --enable-fault-injection: no rule is taken, the environment is ignored. */
START_TEST(compiled_out_refuses)
{
	struct store_fault_rule r = { STORE_FAULT_PUT, STORE_FAULT_EIO, 1, 1, 0 };
	struct store_txn *t;
	char *cause = NULL;
	bool set = true;

	ck_assert_int_eq(store_fault_add(s, &r), -ENOTSUP);
	ck_assert_int_eq(store_fault_parse(s, "put:1:eio", &cause), -ENOTSUP);
	ck_assert_ptr_nonnull(cause);
	free(cause);
	setenv(STORE_FAULT_ENVVAR, "put:1:eio", 1);
	ck_assert_int_eq(store_fault_env(s, &set, &cause), 0);
	ck_assert(!set);
	t = begin(true);
	ck_assert_int_eq(store_meta_put(t, "a", "1", 1), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("store_fault");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	if (!store_fault_compiled) {
		tcase_add_test(tc, compiled_out_refuses);
	} else {
		tcase_add_test(tc, rules_parse);
		tcase_add_test(tc, rules_from_environment);
		tcase_add_test(tc, put_map_full_spoils_txn_and_grows_map);
		tcase_add_test(tc, abort_ends_the_spoilt_txn);
		tcase_add_test(tc, commit_eio_leaves_nothing);
		tcase_add_test(tc, commit_every_nth_enospc);
		tcase_add_test(tc, batch_redoes_after_map_full);
	}
	suite_add_tcase(su, tc);
	return check_run(su);
}
