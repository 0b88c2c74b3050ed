/*
 * check_sweep.c - the pipeline's timed half over a real store, batch,
 * outbox and sd-event loop, with events made by the syslog parser: a hold
 * ends on its deadline (within a few ms; 500 ms allowed to a loaded
 * machine) and once, also when the commit at its end fails; a resolve one
 * microsecond before the end makes the incident transient, one at the end
 * finds the hold over.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "event.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "parse_syslog.h"
#include "pipeline.h"
#include "store.h"
#include "util.h"

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

static char dir[] = "/tmp/check_sweep.XXXXXX";
static struct daemon d;

static void
setup(void)
{
	struct store_opts so = { 0 };
	char *cause = NULL, *text, path[128];
	FILE *f;

	log_init(false, false);
	memset(&d, 0, sizeof(d));
	fail_once = false;
	ck_assert_ptr_nonnull(mkdtemp(strcpy(dir, "/tmp/check_sweep.XXXXXX")));
	snprintf(path, sizeof(path), "%s/pd.key", dir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	/* Port 1 on loopback refuses: a trigger waits in the outbox, where it can be counted. */
	xasprintf(&text, "upstream \"pd\" pagerduty {\n url \"http://127.0.0.1:1/v2/enqueue\"\n"
	    " routing-key-file \"%s\"\n backoff-initial 10s\n backoff-max 10s\n}\n"
	    "rule \"link\" {\n match message ~ \"Interface (?<i>[^,]+), changed state to down\"\n"
	    " resolve-on message ~ \"Interface (?<i>[^,]+), changed state to up\"\n"
	    " key \"if/{i}\"\n hold 1s\n send \"pd\"\n}\n",
	    path);
	if (conf_load_buffer("t.conf", text, strlen(text), &d.conf, &cause) < 0)
		ck_abort_msg("load failed: %s", cause);
	free(text);
	ck_assert_int_ge(sd_event_new(&d.event), 0);
	ck_assert_int_eq(store_open(dir, &so, &d.store, &cause), 0);
	ck_assert_int_eq(batch_new(d.event, d.store, &d.batch), 0);
	ck_assert_int_eq(pipeline_new(&d, &d.pipeline), 0);
	ck_assert_int_eq(outbox_new(&d, &d.outbox), 0);
	ck_assert_int_eq(batch_join(d.batch, &(struct batch_participant){ .name = "fake",
	    .prepare = fake_prepare, .arg = &fail_once }), 0);
}

static void
teardown(void)
{
	char cmd[64];

	batch_leave(d.batch, &fail_once);
	outbox_free(d.outbox);
	pipeline_free(d.pipeline);
	batch_free(d.batch);
	store_close(d.store);
	sd_event_unref(d.event);
	conf_free(d.conf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* A syslog line received at recv, through the parser and the pipeline. */
static void
submit(const char *msg, int64_t recv)
{
	struct parse_ctx ctx = { .now_usec = recv };
	struct event ev = { 0 };
	char line[128];
	int n = snprintf(line, sizeof(line), "<187>Nov 26 09:00:00 sw1 %%LINK-3-UPDOWN: %s", msg);

	event_reset(&ev, (size_t)n + 64);
	ev.recv_usec = recv;
	ev.source = ev.host = STR_LIT("127.0.0.1");
	ev.raw = str_make(line, (size_t)n);
	parse_syslog(&ev, line, (size_t)n, &ctx);
	ck_assert_int_eq(pipeline_submit(d.pipeline, &ev), 0);
	event_free(&ev);
}

static struct incident
incident(const char *key)
{
	struct incident inc;
	struct store_txn *t;

	ck_assert_int_eq(store_txn_begin(d.store, false, &t), 0);
	ck_assert_int_eq(store_incident_by_key(t, key, &inc), 0);
	store_txn_abort(t);
	return inc;
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

/* Deliveries waiting, as "key:action" each. */
static const char *
queue(void)
{
	static char buf[256];
	bool more;
	json_t *arr = outbox_list_json(d.outbox, 16, &more), *v;
	size_t i, n = 0;

	buf[0] = '\0';
	json_array_foreach(arr, i, v)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s:%s", n ? " " : "",
		    json_string_value(json_object_get(v, "key")),
		    json_string_value(json_object_get(v, "action")));
	json_decref(arr);
	return buf;
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
	ck_assert_str_eq(queue(), "");
	run_until("if/Gi0/1", INCIDENT_TRIGGERED, 3000);
	inc = incident("if/Gi0/1");
	ck_assert_int_ge(inc.state_since, t0 + HOLD);
	ck_assert_int_lt(inc.state_since, t0 + HOLD + 500 * USEC_PER_MSEC);
	ck_assert_str_eq(queue(), "if/Gi0/1:trigger");
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
	ck_assert_str_eq(queue(), "if/Gi0/2:trigger");
	ck_assert_int_eq(hold_ends("if/Gi0/2"), 1);
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
	ck_assert_str_eq(queue(), "");
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
	tcase_add_test(tc, resolve_at_the_edges_of_the_hold);
	suite_add_tcase(s, tc);
	return check_run(s);
}
