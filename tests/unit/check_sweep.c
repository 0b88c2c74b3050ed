/*
 * check_sweep.c - the pipeline's timed half over a real store, batch,
 * outbox and sd-event loop, with events made by the syslog parser: a hold
 * ends on its deadline (within a few ms; 500 ms allowed to a loaded
 * machine) and once, also when the commit at its end fails; a resolve one
 * microsecond before the end makes the incident transient, one at the end
 * finds the hold over; a group's wait ends once, also when the commit at
 * its end fails.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "pipeline_fixture.h"

#define HOLD (1 * USEC_PER_SEC)

/* Fails the next batch it is asked to prepare, once. */
static bool fail_once;

static int
fake_prepare(struct store_txn *t, void *arg)
{
	if (!fail_once)
		return 0;
	fail_once = false;
	return -EIO;
}

static void
setup(void)
{
	fixture_open("rule \"link\" {\n match message ~ \"Interface (?<i>[^,]+), changed state to down\"\n"
		     " resolve-on message ~ \"Interface (?<i>[^,]+), changed state to up\"\n"
		     " key \"if/{i}\"\n hold 1s\n send \"pd\"\n}\n"
		     "rule \"port\" {\n match message ~ \"Port (?<p>\\\\S+) err\"\n key \"port/{p}\"\n"
		     " group-by host wait 1s\n send \"pd\"\n}\n");
	fail_once = false;
	ck_assert_int_eq(batch_join(d.batch, &(struct batch_participant){ .name = "fake",
	    .prepare = fake_prepare, .arg = &fail_once }), 0);
}

static void
teardown(void)
{
	batch_leave(d.batch, &fail_once);
	fixture_close();
}

/* A Cisco line received at recv. */
static void
submit(const char *msg, int64_t recv)
{
	char line[128];

	snprintf(line, sizeof(line), "<187>Nov 26 09:00:00 sw1 %%LINK-3-UPDOWN: %s", msg);
	fixture_submit(line, recv);
}

/* Run the loop until key is in state st, for at most ms milliseconds. */
static void
run_until(const char *key, enum incident_state st, int ms)
{
	int64_t end = now_monotonic_usec() + ms * USEC_PER_MSEC;

	while (incident(key).state != st && now_monotonic_usec() < end)
		ck_assert_int_ge(sd_event_run(d.event, 5 * USEC_PER_MSEC), 0);
	ck_assert_str_eq(incident_state_name(incident(key).state), incident_state_name(st));
}

static int
count_cb(const struct timeline_entry *e, void *arg)
{
	if (strstr(e->text, "not resolved within its hold of 1s") != NULL)
		++*(int *)arg;
	return 0;
}

/* How many times key's timeline says its hold ended. */
static int
hold_ends(const char *key)
{
	struct incident inc = incident(key);
	struct store_txn *t;
	int n = 0;

	ck_assert_int_eq(store_txn_begin(d.store, false, &t), 0);
	ck_assert_int_eq(store_timeline_foreach(t, inc.id, count_cb, &n), 0);
	store_txn_abort(t);
	return n;
}

START_TEST(hold_ends_on_its_deadline)
{
	int64_t t0 = now_realtime_usec();
	struct incident inc;

	submit("Interface Gi0/1, changed state to down", t0);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	inc = incident("if/Gi0/1");
	ck_assert_int_eq(inc.state, INCIDENT_PENDING);
	ck_assert_int_eq(inc.held_since, t0);
	ck_assert_str_eq(queued(NULL), "");
	run_until("if/Gi0/1", INCIDENT_TRIGGERED, 3000);
	inc = incident("if/Gi0/1");
	ck_assert_int_ge(inc.state_since, t0 + HOLD);
	ck_assert_int_lt(inc.state_since, t0 + HOLD + 500 * USEC_PER_MSEC);
	ck_assert_str_eq(queued(NULL), "if/Gi0/1:trigger");
	ck_assert_int_eq(hold_ends("if/Gi0/1"), 1);
}
END_TEST

/* The batch that ends the hold fails: the end is done again, once. */
START_TEST(failed_commit_at_the_hold_end)
{
	int64_t t0 = now_realtime_usec();

	submit("Interface Gi0/2, changed state to down", t0);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	fail_once = true;
	run_until("if/Gi0/2", INCIDENT_TRIGGERED, 5000);
	ck_assert(!fail_once); /* it did fail one */
	ck_assert_str_eq(queued(NULL), "if/Gi0/2:trigger");
	ck_assert_int_eq(hold_ends("if/Gi0/2"), 1);
}
END_TEST

/* The batch that ends a group's wait fails: the parent is sent once, its members stay grouped. */
START_TEST(failed_commit_at_the_group_wait_end)
{
	int64_t t0 = now_realtime_usec();

	submit("Port a err", t0);
	submit("Port b err", t0);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_int_eq(incident("port/group:sw1").state, INCIDENT_PENDING);
	ck_assert_int_eq(incident("port/a").state, INCIDENT_GROUPED);
	ck_assert_str_eq(queued(NULL), "");
	fail_once = true;
	run_until("port/group:sw1", INCIDENT_TRIGGERED, 5000);
	ck_assert(!fail_once); /* it did fail one */
	ck_assert_str_eq(queued(NULL), "port/group:sw1:trigger");
	ck_assert_int_ge(incident("port/group:sw1").state_since, t0 + USEC_PER_SEC);
	ck_assert_int_eq(incident("port/a").state, INCIDENT_GROUPED);
	ck_assert_int_eq(incident("port/b").state, INCIDENT_GROUPED);
	/* Nothing is sent twice when the loop runs on. */
	for (int i = 0; i < 50; i++)
		ck_assert_int_ge(sd_event_run(d.event, 10 * USEC_PER_MSEC), 0);
	ck_assert_str_eq(queued(NULL), "port/group:sw1:trigger");
}
END_TEST

/*
 * The resolve one microsecond before the end: transient, nothing queued;
 * at the very end: the hold is over, it triggers, then resolves (and
 * neither is sent: the trigger had not left, see outbox_stale.c).
 */
START_TEST(resolve_at_the_edges_of_the_hold)
{
	int64_t t0 = now_realtime_usec() + 3600 * USEC_PER_SEC; /* beyond what the timer does */
	struct incident inc;

	submit("Interface Gi0/3, changed state to down", t0);
	submit("Interface Gi0/3, changed state to up", t0 + HOLD - 1);
	submit("Interface Gi0/4, changed state to down", t0);
	submit("Interface Gi0/4, changed state to up", t0 + HOLD);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	inc = incident("if/Gi0/3");
	ck_assert_int_eq(inc.state, INCIDENT_TRANSIENT);
	ck_assert_int_eq(hold_ends("if/Gi0/3"), 0);
	inc = incident("if/Gi0/4");
	ck_assert_int_eq(inc.state, INCIDENT_RESOLVED);
	ck_assert_int_eq(inc.resolved_at, t0 + HOLD);
	ck_assert_int_eq(hold_ends("if/Gi0/4"), 1);
	ck_assert_str_eq(queued(NULL), "");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sweep");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hold_ends_on_its_deadline);
	tcase_add_test(tc, failed_commit_at_the_hold_end);
	tcase_add_test(tc, failed_commit_at_the_group_wait_end);
	tcase_add_test(tc, resolve_at_the_edges_of_the_hold);
	suite_add_tcase(s, tc);
	return check_run(s);
}
