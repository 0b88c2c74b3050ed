/*
 * store_tmp.h - a real store in a fresh temporary directory per test, for
 * the store's test programs: setup with store_tmp_setup(), teardown,
 * reopen() and begin().  Included by one test program each, so the
 * functions and the store they share are static.
 */
#ifndef TRIAGED_TEST_STORE_TMP_H
#define TRIAGED_TEST_STORE_TMP_H

#include <check.h>
#include <stdlib.h>

#include "store.h"
#include "tmpdir.h"
#include "util.h"

static char *state;
static struct store *s;

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

/* A store under /tmp/NAME.XXXXXX/state, opened with opts. */
static void
store_tmp_setup(const char *name, const struct store_opts *opts)
{
	tmpdir_make(name);
	xasprintf(&state, "%s/state", tmpdir);
	reopen(opts);
}

static void
teardown(void)
{
	store_close(s);
	s = NULL;
	tmpdir_remove(tmpdir);
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
