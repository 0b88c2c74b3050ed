/*
 * store_tmp.h - a real store in a fresh temporary directory per test, for
 * the store's tests: STORE_TMP_SETUP(name, opts) defines setup() and
 * teardown() for a checked fixture; reopen() opens the store again (with
 * other options), begin() a transaction.  Included by one test program
 * each, so the functions are static.
 */
#ifndef TRIAGED_TEST_STORE_TMP_H
#define TRIAGED_TEST_STORE_TMP_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "store.h"
#include "util.h"

static char tmpdir[64];
static char *state; /* tmpdir/state: a directory the store makes itself */
static struct store *s;

static int
rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
reopen(const struct store_opts *opts)
{
	char *cause = NULL;
	int rc;

	store_close(s);
	s = NULL;
	rc = store_open(state, opts, &s, &cause);
	ck_assert_msg(rc == 0, "store_open: %s", cause ? cause : "?");
}

static void
store_tmp_setup(const char *name, const struct store_opts *opts)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	xasprintf(&state, "%s/state", tmpdir);
	reopen(opts);
}

static void
teardown(void)
{
	store_close(s);
	s = NULL;
	nftw(tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	free(state);
}

static struct store_txn *
begin(bool write)
{
	struct store_txn *t;

	ck_assert_int_eq(store_txn_begin(s, write, &t), 0);
	return t;
}

#endif
