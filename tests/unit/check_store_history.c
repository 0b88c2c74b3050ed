/*
 * check_store_history.c - unit tests for store_history.c: every
 * incarnation of a key, incidents by when they opened (paged), open
 * incidents by host, kept through puts, closes, deletes and pruning, and
 * built once for a store written before them.  A real LMDB in a fresh
 * temporary directory per test.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "store.h"
#include "store_tmp.h"
#include "util.h"

static void
setup(void)
{
	store_tmp_setup("check_store_history", NULL);
}

/* Incident id of key on host, opened at first_seen, in state st. */
static void
put(uint64_t id, const char *key, const char *host, int64_t first_seen, enum incident_state st)
{
	struct store_txn *t = begin(true);
	struct incident inc;

	memset(&inc, 0, sizeof inc);
	inc.id = id;
	strlcpy_t(inc.key, key, sizeof inc.key);
	strlcpy_t(inc.host, host, sizeof inc.host);
	strlcpy_t(inc.rule, "r", sizeof inc.rule);
	inc.first_seen = inc.last_seen = first_seen;
	inc.state = st;
	inc.resolved_at = incident_state_closed(st) ? first_seen + 10 : 0;
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
}

struct ids {
	uint64_t v[16];
	size_t n;
	bool more;
};

static struct ids
history(const char *key, uint64_t before, size_t max)
{
	struct store_txn *t = begin(false);
	struct ids r;

	ck_assert_int_eq(store_key_history(t, key, before, r.v, max, &r.n, &r.more), 0);
	store_txn_abort(t);
	return r;
}

static struct ids
host_open(const char *host, int64_t from, int64_t to, size_t max)
{
	struct store_txn *t = begin(false);
	struct ids r;

	ck_assert_int_eq(store_host_open(t, host, from, to, r.v, max, &r.n, &r.more), 0);
	store_txn_abort(t);
	return r;
}

static void
assert_ids(struct ids got, size_t n, const uint64_t *want)
{
	ck_assert_uint_eq(got.n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(got.v[i], want[i]);
}

START_TEST(test_key_history)
{
	put(1, "a", "h", 100, INCIDENT_RESOLVED);
	put(2, "ab", "h", 150, INCIDENT_RESOLVED); /* "a" is its prefix, not its key */
	put(3, "a", "h", 200, INCIDENT_EXPIRED);
	put(5, "a", "h", 300, INCIDENT_TRIGGERED);
	put(5, "a", "h", 300, INCIDENT_ACKNOWLEDGED); /* an update is no new incarnation */
	assert_ids(history("a", 0, 8), 3, (uint64_t[]){ 5, 3, 1 });
	assert_ids(history("a", 5, 8), 2, (uint64_t[]){ 3, 1 });
	assert_ids(history("a", 3, 8), 1, (uint64_t[]){ 1 });
	assert_ids(history("ab", 0, 8), 1, (uint64_t[]){ 2 });
	ck_assert_uint_eq(history("b", 0, 8).n, 0);
	/* Bounded: the newest first, and whether more are past the last. */
	struct ids r = history("a", 5, 1);
	assert_ids(r, 1, (uint64_t[]){ 3 });
	ck_assert(r.more);
	ck_assert(!history("a", 5, 2).more);
	/* A key too long for the store is refused, not cut into another's. */
	char long_key[INCIDENT_KEY_MAX + 2];
	memset(long_key, 'k', sizeof long_key - 1);
	long_key[sizeof long_key - 1] = '\0';
	struct store_txn *t = begin(false);
	ck_assert_int_eq(store_key_history(t, long_key, 0, r.v, 8, &r.n, &r.more), -EINVAL);
	store_txn_abort(t);
}
END_TEST

START_TEST(test_host_open)
{
	put(1, "k1", "h1", 1000, INCIDENT_TRIGGERED);
	put(2, "k2", "h1", 2000, INCIDENT_PENDING);
	put(3, "k3", "h10", 1500, INCIDENT_TRIGGERED); /* another host whose name "h1" begins */
	put(4, "k4", "h1", 3000, INCIDENT_RESOLVED);   /* closed: never in it */
	put(5, "k5", "h1", 1500, INCIDENT_TRIGGERED);
	put(6, "k6", "", 1500, INCIDENT_TRIGGERED); /* no host is a host too */
	assert_ids(host_open("h1", 0, INT64_MAX, 8), 3, (uint64_t[]){ 1, 5, 2 });
	/* Both ends of the window count. */
	assert_ids(host_open("h1", 1000, 1500, 8), 2, (uint64_t[]){ 1, 5 });
	assert_ids(host_open("h1", 1001, 1999, 8), 1, (uint64_t[]){ 5 });
	assert_ids(host_open("h1", 1500, 2000, 8), 2, (uint64_t[]){ 5, 2 });
	assert_ids(host_open("h10", 0, INT64_MAX, 8), 1, (uint64_t[]){ 3 });
	assert_ids(host_open("", 0, INT64_MAX, 8), 1, (uint64_t[]){ 6 });
	ck_assert(host_open("h1", 0, INT64_MAX, 2).more);
	ck_assert(!host_open("h1", 0, INT64_MAX, 3).more);
	/* Acknowledged is still open; resolved leaves; a delete takes it out. */
	put(1, "k1", "h1", 1000, INCIDENT_ACKNOWLEDGED);
	put(5, "k5", "h1", 1500, INCIDENT_RESOLVED);
	assert_ids(host_open("h1", 0, INT64_MAX, 8), 2, (uint64_t[]){ 1, 2 });
	struct store_txn *t = begin(true);
	ck_assert_int_eq(store_incident_del(t, 2), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	assert_ids(host_open("h1", 0, INT64_MAX, 8), 1, (uint64_t[]){ 1 });
	/* A negative window start is the beginning of time. */
	assert_ids(host_open("h1", -600, 1000, 8), 1, (uint64_t[]){ 1 });
}
END_TEST

/* Every page of incidents opened at since or later, newest first, max a page. */
static size_t
opened_pages(int64_t since, size_t max, uint64_t *all)
{
	struct store_opened_cursor cur = { INT64_MAX, 0 };
	uint64_t ids[16];
	size_t n, total = 0;

	do {
		struct store_txn *t = begin(false);
		ck_assert_int_eq(store_opened_before(t, since, &cur, ids, max, &n), 0);
		store_txn_abort(t);
		memcpy(all + total, ids, n * sizeof ids[0]);
		total += n;
	} while (n == max);
	return total;
}

START_TEST(test_opened)
{
	uint64_t all[32];

	/* Ids do not follow opening times: history written later, a clock set back. */
	put(1, "a", "h", 5000, INCIDENT_RESOLVED);
	put(2, "b", "h", 1000, INCIDENT_RESOLVED);
	put(3, "c", "h", 3000, INCIDENT_TRIGGERED);
	put(4, "d", "h", 3000, INCIDENT_EXPIRED);
	put(5, "e", "h", 7000, INCIDENT_PENDING);
	put(3, "c", "h", 3000, INCIDENT_RESOLVED);
	ck_assert_uint_eq(opened_pages(0, 2, all), 5);
	assert_ids((struct ids){ { all[0], all[1], all[2], all[3], all[4] }, 5, false }, 5,
	    (uint64_t[]){ 5, 1, 4, 3, 2 });
	/* since is inclusive; pages of one and of all give the same. */
	ck_assert_uint_eq(opened_pages(3000, 1, all), 4);
	ck_assert_uint_eq(all[3], 3);
	ck_assert_uint_eq(opened_pages(3001, 16, all), 2);
	ck_assert_uint_eq(opened_pages(7001, 16, all), 0);
	/* Pruned: gone from it. */
	struct store_txn *t = begin(true);
	size_t pruned;
	ck_assert_int_eq(store_prune_resolved(t, INT64_MAX, 0, 16, &pruned), 0);
	ck_assert_uint_eq(pruned, 4);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(opened_pages(0, 16, all), 1);
	ck_assert_uint_eq(all[0], 5);
	ck_assert_uint_eq(history("a", 0, 8).n, 0);
}
END_TEST

/* Drop the history indexes and their marker, as a store from before them has. */
static void
forget_history(void)
{
	const char *dbs[] = { "key_hist", "opened", "host_open" };
	MDB_val k = { strlen("store.history"), "store.history" };
	char path[256];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	store_close(s);
	s = NULL;
	snprintf(path, sizeof path, "%s/db", state);
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 32), 0);
	ck_assert_int_eq(mdb_env_open(env, path, 0, 0640), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	for (size_t i = 0; i < ARRAY_SIZE(dbs); i++) {
		ck_assert_int_eq(mdb_dbi_open(txn, dbs[i], 0, &dbi), 0);
		ck_assert_int_eq(mdb_drop(txn, dbi, 0), 0);
	}
	ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	ck_assert_int_eq(mdb_del(txn, dbi, &k, NULL), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

START_TEST(test_built_at_open)
{
	uint64_t all[32];

	put(1, "a", "h", 100, INCIDENT_RESOLVED);
	put(2, "a", "h", 200, INCIDENT_TRIGGERED);
	put(3, "b", "h", 300, INCIDENT_PENDING);
	forget_history();
	reopen(NULL);
	assert_ids(history("a", 0, 8), 2, (uint64_t[]){ 2, 1 });
	assert_ids(host_open("h", 0, INT64_MAX, 8), 2, (uint64_t[]){ 2, 3 });
	ck_assert_uint_eq(opened_pages(0, 16, all), 3);
	/* Once: built again only when the marker is gone. */
	put(2, "a", "h", 200, INCIDENT_RESOLVED);
	reopen(NULL);
	assert_ids(host_open("h", 0, INT64_MAX, 8), 1, (uint64_t[]){ 3 });
}
END_TEST

static Suite *
history_suite(void)
{
	Suite *su = suite_create("store_history");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_key_history);
	tcase_add_test(tc, test_host_open);
	tcase_add_test(tc, test_opened);
	tcase_add_test(tc, test_built_at_open);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	return check_run(history_suite());
}
