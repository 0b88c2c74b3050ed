/*
 * check_replay.c - the raw-event log run through a config on the events'
 * own clock: an auto-resolve between two events takes effect between
 * them, a threshold counts only within its window, a drop rule drops, a
 * trap's packed event comes back with its fields and its original host.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf_load.h"
#include "event_pack.h"
#include "eventlog.h"
#include "eventlog_tmp.h"
#include "replay.h"
#include "store.h"
#include "util.h"

#define MIN (60 * USEC_PER_SEC)
#define T0  (1700000000LL * USEC_PER_SEC)

/*
 * tmpdir/scratch, replay's own working directory.  The log (lg, from
 * eventlog_tmp.h) is open while a test adds lines, closed (all written) to replay.
 */
static char *scratch;

static void
setup(void)
{
	eventlog_tmp_setup("check_replay");
	xasprintf(&scratch, "%s/scratch", tmpdir);
}

static void
teardown(void)
{
	eventlog_tmp_teardown();
	free(scratch);
}

static void
line(int64_t at, const char *raw)
{
	struct store_event se = { .recv_usec = at, .listener = "udp", .source = "192.0.2.7",
		.raw = raw, .raw_len = strlen(raw) };

	ck_assert_int_eq(eventlog_append(lg, &se), 0);
}

/* Commit the log, run conf over [since, until], return the result (cleared by the caller). */
static struct replay_result
run(const char *conf_text, int64_t since, int64_t until)
{
	struct conf *conf = load(conf_text);
	struct eventlog_reader *log;
	struct replay_result r;
	char *cause = NULL;

	eventlog_close(lg); /* writes what it holds */
	lg = NULL;
	ck_assert_int_eq(eventlog_reader_open(state, &log, &cause), 0);
	tmpdir_remove(scratch);
	ck_assert_msg(replay_run(conf, log, since, until, scratch, &r, &cause) == 0, "%s", cause);
	eventlog_reader_close(log);
	conf_free(conf);
	/* Open again for more lines: numbering goes on from the segments. */
	open_log(&(struct eventlog_opts) { 0 });
	return r;
}

START_TEST(auto_resolve_between_events_uses_their_clock)
{
	static const char conf[] = "rule \"disk\" {\n match message ~ \"full\"\n key \"disk\"\n"
				   " auto-resolve 1m\n}\n";
	struct replay_result r;

	line(T0, "<11>Dec  4 10:00:00 db1 kernel: disk full");
	line(T0 + 30 * USEC_PER_SEC, "<11>Dec  4 10:00:30 db1 kernel: disk full");
	line(T0 + 5 * MIN, "<11>Dec  4 10:05:00 db1 kernel: disk full");
	r = run(conf, T0, T0 + 6 * MIN);
	/* 30 s apart: one incident; 4.5 min later the first had auto-resolved: a second. */
	ck_assert_uint_eq(r.events, 3);
	ck_assert_uint_eq(r.incidents, 2);
	ck_assert_uint_eq(r.alerts, 2);
	ck_assert_uint_eq(r.pages, 0); /* no upstream */
	ck_assert_uint_eq(r.nkeys, 1);
	ck_assert_uint_eq(replay_find(&r, "disk")->incidents, 2);
	ck_assert_ptr_null(replay_find(&r, "nope"));
	replay_result_clear(&r);
}
END_TEST

START_TEST(threshold_window_and_drop_and_the_time_window)
{
	static const char conf[] = "rule \"cron\" {\n match program = \"CRON\"\n drop\n}\n"
				   "rule \"ssh\" {\n match program = \"sshd\"\n key \"ssh\"\n"
				   " threshold 2 in 1m\n}\n";
	struct replay_result r;

	line(T0 - 10 * MIN, "<38>Dec  4 09:50:00 h sshd: old, outside the window");
	line(T0, "<38>Dec  4 10:00:00 h sshd: a");
	line(T0 + 2 * MIN, "<38>Dec  4 10:02:00 h sshd: b"); /* the first one's window is over */
	line(T0 + 2 * MIN + 1, "<78>Dec  4 10:02:00 h CRON: x");
	r = run(conf, T0 - MIN, T0 + 3 * MIN);
	ck_assert_uint_eq(r.events, 3);
	ck_assert_uint_eq(r.dropped, 1);
	ck_assert_uint_eq(r.alerts, 0); /* never 2 within a minute */
	replay_result_clear(&r);
	line(T0 + 2 * MIN + 30 * USEC_PER_SEC, "<38>Dec  4 10:02:30 h sshd: c");
	r = run(conf, T0 - MIN, T0 + 3 * MIN);
	ck_assert_uint_eq(r.alerts, 1);
	replay_result_clear(&r);
}
END_TEST

START_TEST(a_packed_event_comes_back_whole)
{
	char *conf, *key;
	FILE *f;
	struct event ev = { 0 };
	struct store_event se = { .recv_usec = T0, .listener = "snmp", .source = "192.0.2.9",
		.raw = "linkDown", .raw_len = 8 };
	struct replay_result r;
	char *buf;

	event_reset(&ev, 256);
	ev.type = EVENT_TRAP;
	ev.recv_usec = T0;
	ev.host = STR_LIT("sw1.example");
	ev.source = STR_LIT("192.0.2.9");
	ev.message = STR_LIT("linkDown");
	event_add_field(&ev, STR_LIT("trap-oid"), STR_LIT("1.3.6.1.6.3.1.1.5.3"));
	event_add_field(&ev, STR_LIT("var.1.3.6.1.2.1.2.2.1.1"), STR_LIT("3"));
	event_add_field(&ev, STR_LIT(EVENT_ORIGINAL_HOST), STR_LIT("10.0.0.1"));
	se.packed_len = event_pack_size(&ev);
	se.packed = buf = xmalloc(se.packed_len);
	event_pack(&ev, buf);
	ck_assert_int_eq(eventlog_append(lg, &se), 0);
	free(buf);
	event_free(&ev);
	xasprintf(&key, "%s/pd.key", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(key, "w"));
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	xasprintf(&conf, "upstream \"pd\" pagerduty {\n routing-key-file \"%s\"\n}\n"
			 "rule \"link\" {\n match trap var 1.3.6.1.2.1.2.2.1.1 = \"3\"\n"
			 " key \"{host}/{trap-oid}\"\n send \"pd\"\n}\n", key);
	r = run(conf, T0, T0 + MIN);
	free(conf);
	free(key);
	ck_assert_uint_eq(r.pages, 1);
	/* No host block in this config: the host is what the trap said again. */
	ck_assert_ptr_nonnull(replay_find(&r, "10.0.0.1/1.3.6.1.6.3.1.1.5.3"));
	replay_result_clear(&r);
}
END_TEST

static Suite *
replay_suite(void)
{
	Suite *su = suite_create("replay");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, auto_resolve_between_events_uses_their_clock);
	tcase_add_test(tc, threshold_window_and_drop_and_the_time_window);
	tcase_add_test(tc, a_packed_event_comes_back_whole);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	return check_run(replay_suite());
}
