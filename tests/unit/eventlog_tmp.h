/*
 * eventlog_tmp.h - a real raw-event log, with its writer and an sd-event
 * loop, in a fresh temporary directory per test, for the event log's test
 * programs: eventlog_tmp_setup(), open_log() and eventlog_tmp_teardown().
 * Included by one test program each, so the functions and the log they
 * share are static.
 */
#ifndef TRIAGED_TEST_EVENTLOG_TMP_H
#define TRIAGED_TEST_EVENTLOG_TMP_H

#include <check.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "eventlog.h"
#include "tmpdir.h"
#include "util.h"

static char *state; /* tmpdir/state, the log's state directory */
static sd_event *loop;
static struct eventlog *lg; /* NULL while closed */

/* Close the log if open and open it again with o (its state_dir is state). */
static void
open_log(const struct eventlog_opts *o)
{
	struct eventlog_opts opts = *o;
	char *cause = NULL;

	opts.state_dir = state;
	eventlog_close(lg);
	lg = NULL;
	ck_assert_msg(eventlog_open(loop, &opts, &lg, &cause) == 0, "%s", cause ? cause : "?");
}

/* A log with the default options under /tmp/NAME.XXXXXX/state. */
static void
eventlog_tmp_setup(const char *name)
{
	tmpdir_make(name);
	xasprintf(&state, "%s/state", tmpdir);
	ck_assert_int_eq(mkdir(state, 0750), 0);
	ck_assert_int_eq(sd_event_new(&loop), 0);
	open_log(&(struct eventlog_opts) { 0 });
}

static void
eventlog_tmp_teardown(void)
{
	eventlog_close(lg);
	lg = NULL;
	sd_event_unref(loop);
	tmpdir_remove(tmpdir);
	free(state);
}

#endif
