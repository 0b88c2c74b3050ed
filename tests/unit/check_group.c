/*
 * check_group.c - grouping with an injected clock: the parent's key from
 * the values (escaped, so different values never share one; fitted when
 * long); the trigger exactly at the wait's end and not a microsecond
 * before; updates at most one per interval, only for members that joined
 * after it was sent; the last open member resolves it; the list stops at
 * max while the count goes on; the summary counts the members.  Then the
 * store's side: state, list and links survive a reopen, the list is read
 * in order and bounded, and a pruned parent takes everything with it.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <string.h>

#include "check_run.h"
#include "group.h"
#include "store_tmp.h"
#include "util.h"

#define S  USEC_PER_SEC
#define T0 (1700000000LL * S)

static void
key_of(const char *a, const char *b, char key[INCIDENT_KEY_MAX + 1])
{
	struct str v[2] = { str_make(a, strlen(a)), str_make(b, strlen(b)) };

	group_key("interface down", v, b != NULL ? 2 : 1, key);
}

START_TEST(keys)
{
	char k1[INCIDENT_KEY_MAX + 1], k2[INCIDENT_KEY_MAX + 1], big[1000];

	key_of("sw1", "", k1);
	ck_assert_str_eq(k1, "interface down/group:sw1/");
	key_of("sw1", "crit", k1);
	ck_assert_str_eq(k1, "interface down/group:sw1/crit");
	/* ("a/b", "c") and ("a", "b/c") must not share a parent. */
	key_of("a/b", "c", k1);
	key_of("a", "b/c", k2);
	ck_assert_str_ne(k1, k2);
	ck_assert_str_eq(k1, "interface down/group:a\\/b/c");
	key_of("a\\", "/c", k1);
	key_of("a\\/", "c", k2);
	ck_assert_str_ne(k1, k2);
	/* Long values: fitted, still told apart. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	key_of(big, "1", k1);
	key_of(big, "2", k2);
	ck_assert_uint_le(strlen(k1), INCIDENT_KEY_MAX);
	ck_assert_str_ne(k1, k2);
}
END_TEST

/* A group opened at T0 with n members, all listed under max. */
static void
opened(struct group_state *g, int n, uint32_t max)
{
	group_start(g, T0);
	for (int i = 0; i < n; i++)
		ck_assert(group_join(g, max));
	ck_assert_uint_eq(g->open, (uint64_t)n);
}

START_TEST(wait_edges)
{
	struct group_state g;
	int64_t dl;

	opened(&g, 2, 10);
	ck_assert_int_eq(group_check(&g, 30 * S, 300 * S, T0 + 30 * S - 1, &dl), GROUP_WAIT);
	ck_assert_int_eq(dl, T0 + 30 * S);
	ck_assert_int_eq(group_check(&g, 30 * S, 300 * S, T0 + 30 * S, &dl), GROUP_TRIGGER);
	/* Members that joined during the wait are in the trigger: no update for them. */
	group_sent(&g, T0 + 30 * S);
	ck_assert_uint_eq(g.unsent, 0);
	ck_assert_int_eq(group_check(&g, 30 * S, 300 * S, T0 + 3600 * S, &dl), GROUP_WAIT);
	ck_assert_int_eq(dl, INT64_MAX);
	/* A wait of 0: at once. */
	group_start(&g, T0);
	group_join(&g, 10);
	ck_assert_int_eq(group_check(&g, 0, 300 * S, T0, &dl), GROUP_TRIGGER);
}
END_TEST

START_TEST(interval_edges)
{
	struct group_state g;
	int64_t dl;

	opened(&g, 1, 10);
	group_sent(&g, T0 + 30 * S);
	group_join(&g, 10); /* soon after: waits for the interval */
	ck_assert_uint_eq(g.unsent, 1);
	ck_assert_int_eq(group_check(&g, 30 * S, 300 * S, T0 + 330 * S - 1, &dl), GROUP_WAIT);
	ck_assert_int_eq(dl, T0 + 330 * S);
	group_join(&g, 10); /* a third: still one update */
	ck_assert_int_eq(group_check(&g, 30 * S, 300 * S, T0 + 330 * S, &dl), GROUP_UPDATE);
	group_sent(&g, T0 + 330 * S);
	ck_assert_int_eq(group_check(&g, 30 * S, 300 * S, T0 + 331 * S, &dl), GROUP_WAIT);
	/* Long after the last send: the next member's update is due at once. */
	group_join(&g, 10);
	ck_assert_int_eq(group_check(&g, 30 * S, 300 * S, T0 + 5000 * S, &dl), GROUP_UPDATE);
	ck_assert_int_eq(dl, T0 + 630 * S);
}
END_TEST

START_TEST(resolve_and_max)
{
	struct group_state g;
	int64_t dl;

	opened(&g, 2, 2);
	ck_assert(!group_join(&g, 2)); /* at max: counted, not listed */
	ck_assert_uint_eq(g.members, 3);
	ck_assert_uint_eq(g.listed, 2);
	ck_assert_uint_eq(g.open, 3);
	ck_assert(!group_member_closed(&g));
	ck_assert(!group_member_closed(&g));
	ck_assert(group_member_closed(&g));
	ck_assert(!group_member_closed(&g)); /* never below zero, never twice */
	ck_assert_uint_eq(g.open, 0);
	/* Resolved: nothing is due, whatever the clock says. */
	ck_assert_int_eq(group_check(&g, 30 * S, 300 * S, T0 + 3600 * S, &dl), GROUP_WAIT);
	ck_assert_int_eq(dl, INT64_MAX);
}
END_TEST

START_TEST(summaries)
{
	char buf[INCIDENT_SUMMARY_MAX + 1];

	group_summary(1, "interface down on sw1", buf, sizeof(buf));
	ck_assert_str_eq(buf, "1 incident: interface down on sw1");
	group_summary(3, buf, buf, sizeof(buf));
	ck_assert_str_eq(buf, "3 incidents: interface down on sw1");
	group_summary(12, buf, buf, sizeof(buf));
	ck_assert_str_eq(buf, "12 incidents: interface down on sw1");
	/* A first summary that begins with a number is kept whole. */
	group_summary(2, "42 errors", buf, sizeof(buf));
	ck_assert_str_eq(buf, "2 incidents: 42 errors");
	group_summary(3, "7 incidents", buf, 10);
	ck_assert_str_eq(buf, "3 inciden");
}
END_TEST

static void
setup(void)
{
	store_tmp_setup("check_group", NULL);
}

START_TEST(store_state_and_list)
{
	struct group_state g = { T0, T0 + 30 * S, 5, 4, 3, 1 }, out;
	struct store_txn *t = begin(true);
	uint64_t ids[8], parent;
	size_t n;
	bool open;

	ck_assert_int_eq(store_group_get(t, 7, &out), -ENOENT);
	ck_assert_int_eq(store_group_put(t, 7, &g), 0);
	for (uint64_t m = 10; m < 15; m++) {
		ck_assert_int_eq(store_group_member_add(t, 7, m), 0);
		ck_assert_int_eq(store_group_link(t, m, 7, true), 0);
	}
	ck_assert_int_eq(store_group_member_add(t, 8, 20), 0); /* another parent's */
	ck_assert_int_eq(store_group_link(t, 12, 7, false), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	reopen(NULL);
	t = begin(false);
	ck_assert_int_eq(store_group_get(t, 7, &out), 0);
	ck_assert_mem_eq(&out, &g, sizeof(g));
	ck_assert_int_eq(store_group_members(t, 7, ids, 3, &n), 0); /* bounded by max */
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(store_group_members(t, 7, ids, 8, &n), 0);
	ck_assert_uint_eq(n, 5);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(ids[i], 10 + i);
	ck_assert_int_eq(store_group_parent(t, 12, &parent, &open), 0);
	ck_assert_uint_eq(parent, 7);
	ck_assert(!open);
	ck_assert_int_eq(store_group_parent(t, 11, &parent, &open), 0);
	ck_assert(open);
	ck_assert_int_eq(store_group_parent(t, 99, &parent, &open), -ENOENT);
	store_txn_abort(t);
}
END_TEST

START_TEST(store_forget)
{
	struct group_state g = { .opened = T0, .members = 300 }, out;
	struct store_txn *t = begin(true);
	uint64_t ids[8], parent;
	size_t n;
	bool open;

	ck_assert_int_eq(store_group_put(t, 7, &g), 0);
	/* More than one delete chunk's worth of members. */
	for (uint64_t m = 100; m < 400; m++)
		ck_assert_int_eq(store_group_member_add(t, 7, m), 0);
	ck_assert_int_eq(store_group_member_add(t, 8, 20), 0);
	ck_assert_int_eq(store_group_link(t, 20, 8, true), 0);
	ck_assert_int_eq(store_group_forget(t, 7), 0);
	ck_assert_int_eq(store_group_get(t, 7, &out), -ENOENT);
	ck_assert_int_eq(store_group_members(t, 7, ids, 8, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_group_members(t, 8, ids, 8, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(store_group_forget(t, 20), 0); /* a member: its link goes */
	ck_assert_int_eq(store_group_parent(t, 20, &parent, &open), -ENOENT);
	ck_assert_int_eq(store_txn_commit(t), 0);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("group");
	TCase *tc = tcase_create("core"), *ts = tcase_create("store");

	tcase_add_test(tc, keys);
	tcase_add_test(tc, wait_edges);
	tcase_add_test(tc, interval_edges);
	tcase_add_test(tc, resolve_and_max);
	tcase_add_test(tc, summaries);
	suite_add_tcase(su, tc);
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, store_state_and_list);
	tcase_add_test(ts, store_forget);
	suite_add_tcase(su, ts);
	return check_run(su);
}
