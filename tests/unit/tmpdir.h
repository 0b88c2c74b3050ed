/*
 * tmpdir.h - a fresh directory under /tmp per test, and the removal of a
 * tree under it, for the test programs that work on real files.  Included
 * by one test program each (directly or through store_tmp.h), so the
 * directory's name and the functions are static.
 */
#ifndef TRIAGED_TEST_TMPDIR_H
#define TRIAGED_TEST_TMPDIR_H

#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmpdir[64];

static int
tmpdir_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* Make tmpdir a new /tmp/NAME.XXXXXX. */
static void
tmpdir_make(const char *name)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/%s.XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

/*
 * Remove path and all below it, not following links: 0, or -1 when path is
 * gone or something could not be removed (for the callers that check).
 */
static int
tmpdir_remove(const char *path)
{
	return nftw(path, tmpdir_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
