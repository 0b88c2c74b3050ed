/*
 * check_pipeline_inhibit.c - inhibit statements in the pipeline over a
 * real store, batch and outbox, with events made by the syslog parser: a
 * source holds the targets with its host, not another host's; a target
 * resolved while held is never queued; the source's resolve queues the
 * rest at the next sweep, and leaves nothing of it in the index; a field
 * the source lacks never matches; 300 targets of one source are let go
 * over several sweep ticks; a reload that drops one of two statements
 * holding them leaves them held, without the sweep going round for ever;
 * the index's entries are counted by the store as they come and go, and
 * stay within what the source rule's max-open allows.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_run.h"
#include "inhibit.h"
#include "pipeline_fixture.h"
#include "pipeline_inhibit.h"

static int64_t t0;

/* Two statements with the same source and target: a reload drops the second. */
#define STATEMENTS                                      \
	"inhibit host suppresses if equal host\n"       \
	"inhibit rack suppresses shelf equal site\n"
#define STATEMENT2 "inhibit host suppresses if equal host, severity\n"
#define RULES                                                                                   \
	"rule host {\n match message ~ \"^host down\"\n resolve-on message ~ \"^host up\"\n"  \
	" key \"{host}/host\"\n send \"pd\"\n}\n"                                           \
	"rule if {\n match message ~ \"^if (?<i>\\\\S+) down\"\n"                              \
	" resolve-on message ~ \"^if (?<i>\\\\S+) up\"\n key \"{host}/if/{i}\"\n"             \
	" send \"pd\"\n}\n"                                                                     \
	"rule rack {\n match message ~ \"^rack down\"\n key \"{host}/rack\"\n"                 \
	" send \"pd\"\n}\n"                                                                     \
	"rule shelf {\n match message ~ \"^shelf at (?<site>\\\\S+) down\"\n"                  \
	" key \"{host}/shelf\"\n send \"pd\"\n}\n"

static void
setup(void)
{
	fixture_open(STATEMENTS STATEMENT2 RULES);
	/* An hour ahead: the loop's own timer never runs before the test sweeps. */
	t0 = now_realtime_usec() + 3600 * USEC_PER_SEC;
}

/* A syslog line from host, received at t0 + sec seconds. */
static void
submit(const char *host, const char *msg, int sec)
{
	char line[160];

	snprintf(line, sizeof(line), "<29>Nov 26 09:00:00 %s mon: %s", host, msg);
	fixture_submit(line, t0 + sec * USEC_PER_SEC);
}

static const char *
state(const char *key)
{
	return incident_state_name(incident(key).state);
}

/* How many entries the held index has under key. */
static size_t
held(uint64_t key)
{
	struct store_txn *t;
	uint64_t ids[512];
	size_t n;

	ck_assert_int_eq(store_txn_begin(d.store, false, &t), 0);
	ck_assert_int_eq(store_held_first(t, key, ids, 512, &n), 0);
	store_txn_abort(t);
	return n;
}

/* What status says of the index: its entries, counted by the store, and its bound. */
static uint64_t
index_entries(void)
{
	struct store_stats st;

	ck_assert_int_eq(store_stats(d.store, &st), 0);
	return st.held_index;
}

#define BOUNDED                                                                                 \
	"inhibit host suppresses if equal host\n"                                                \
	"rule host {\n match message ~ \"^host down\"\n resolve-on message ~ \"^host up\"\n"  \
	" key \"{host}/host\"\n max-open 2\n send \"pd\"\n}\n"                             \
	"rule if {\n match message ~ \"^if down\"\n key \"{host}/if\"\n send \"pd\"\n}\n"

/*
 * Four entries per alerting source, as they come and go; with max-open 2,
 * two sources and the rule's overflow incident at most, however many hosts
 * go down: the bound status gives.
 */
START_TEST(index_counted_at_its_bound)
{
	char host[16];

	fixture_close();
	fixture_open(BOUNDED);
	ck_assert_uint_eq(inhibit_index_max(d.conf), 4 * (2 + 1));
	ck_assert_uint_eq(index_entries(), 0);
	submit("sw1", "host down", 0);
	ck_assert_uint_eq(index_entries(), 0); /* not yet committed */
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_uint_eq(index_entries(), 4);
	for (int i = 2; i <= 9; i++) {
		snprintf(host, sizeof(host), "sw%d", i);
		submit(host, "host down", i);
	}
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_str_eq(state("host/overflow"), "triggered");
	ck_assert_uint_eq(index_entries(), inhibit_index_max(d.conf));
	ck_assert_uint_eq(held(inhibit_rule_id(&d.conf->inhibits[0])), 3);
	/* What its sources hold is held still. */
	submit("sw2", "if down", 10);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_str_eq(state("sw2/if"), "suppressed");
	/* A source that closes takes its four with it. */
	submit("sw1", "host up", 11);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_uint_eq(index_entries(), 8);
	/* The count is the store's: the same after a restart. */
	outbox_free(d.outbox);
	pipeline_free(d.pipeline);
	ck_assert_int_eq(pipeline_new(&d, &d.pipeline), 0);
	ck_assert_int_eq(outbox_new(&d, &d.outbox), 0);
	ck_assert_uint_eq(index_entries(), 8);
}
END_TEST

START_TEST(held_and_released)
{
	uint64_t src;

	submit("sw1", "host down", 0);
	submit("sw1", "if a down", 1);
	submit("sw1", "if b down", 1);
	submit("sw2", "if a down", 1);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	src = incident("sw1/host").id;
	ck_assert_str_eq(state("sw1/if/a"), "suppressed");
	ck_assert_str_eq(state("sw1/if/b"), "suppressed");
	ck_assert_str_eq(state("sw2/if/a"), "triggered");
	ck_assert_str_eq(queued("sw1/host"), "sw1/host:trigger");
	ck_assert_str_eq(queued("sw1/if/a"), "");
	ck_assert_str_eq(queued("sw2/if/a"), "sw2/if/a:trigger");
	ck_assert_uint_eq(held(INHIBIT_TAG_OF | src), 4); /* its key and id of each statement */
	ck_assert_uint_eq(held(inhibit_rule_id(&d.conf->inhibits[0])), 1);

	submit("sw1", "if b up", 2);
	submit("sw1", "host up", 3);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_str_eq(state("sw1/host"), "resolved");
	ck_assert_str_eq(state("sw1/if/a"), "suppressed"); /* until the sweep */
	pipeline_sweep_due(d.pipeline, t0 + 3 * USEC_PER_SEC);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_str_eq(state("sw1/if/a"), "triggered");
	ck_assert_str_eq(state("sw1/if/b"), "resolved");
	ck_assert_str_eq(queued("sw1/if/a"), "sw1/if/a:trigger");
	ck_assert_str_eq(queued("sw1/if/b"), "");
	/* Nothing of the closed source is left in the index. */
	ck_assert_uint_eq(held(INHIBIT_TAG_OF | src), 0);
	ck_assert_uint_eq(held(inhibit_rule_id(&d.conf->inhibits[0])), 0);

	/* A target of a closed source is not held. */
	submit("sw1", "if c down", 4);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_str_eq(state("sw1/if/c"), "triggered");
}
END_TEST

/* The rack's event has no "site": no shelf is held by it, whatever its site. */
START_TEST(missing_field_never_matches)
{
	submit("sw1", "rack down", 0);
	submit("sw1", "shelf at x down", 1);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_str_eq(state("sw1/rack"), "triggered");
	ck_assert_str_eq(state("sw1/shelf"), "triggered");
	ck_assert_uint_eq(held(INHIBIT_TAG_OF | incident("sw1/rack").id), 0);
}
END_TEST

#define MANY 300 /* targets of one source: more than a sweep tick lets go (256) */

/* sw1 goes down at t0, and MANY of its interfaces a second later. */
static void
hold_many(void)
{
	char msg[32];

	submit("sw1", "host down", 0);
	for (int i = 0; i < MANY; i++) {
		snprintf(msg, sizeof(msg), "if p%d down", i);
		submit("sw1", msg, 1);
	}
	ck_assert_int_eq(batch_flush(d.batch), 0);
}

/* sw1 comes up at t0 + sec, and the sweep runs then. */
static void
host_up_and_sweep(int sec)
{
	submit("sw1", "host up", sec);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	pipeline_sweep_due(d.pipeline, t0 + sec * USEC_PER_SEC);
	ck_assert_int_eq(batch_flush(d.batch), 0);
}

/* Every one of the MANY is in state st. */
static void
all_in(const char *st)
{
	char key[32];

	for (int i = 0; i < MANY; i++) {
		snprintf(key, sizeof(key), "sw1/if/p%d", i);
		ck_assert_str_eq(state(key), st);
	}
}

/* 300 targets of one source: let go SWEEP_MAX (256) a tick, all of them in the end. */
START_TEST(many_targets)
{
	hold_many();
	all_in("suppressed");
	host_up_and_sweep(2);
	all_in("triggered");
	ck_assert_uint_eq(pipeline_get_stats(d.pipeline)->released, 300);
	ck_assert_uint_eq(inhibit_get_stats(d.pipeline)->inhibited, 300);
	ck_assert_uint_eq(inhibit_get_stats(d.pipeline)->released, 300);
	ck_assert_uint_eq(inhibit_get_stats(d.pipeline)->unfiled, 1);
}
END_TEST

/* Deadlines due by t0 + sec seconds. */
static size_t
due(int sec)
{
	struct store_txn *t;
	uint64_t ids[16];
	size_t n;

	ck_assert_int_eq(store_txn_begin(d.store, false, &t), 0);
	ck_assert_int_eq(store_deadline_due(t, t0 + sec * USEC_PER_SEC, ids, 16, &n), 0);
	store_txn_abort(t);
	return n;
}

/*
 * A reload drops the second statement: what the source held is looked at
 * again, and held again by the first, the sweep not going round for ever
 * on 300 targets re-held by the same source; its resolve sends them all.
 */
START_TEST(reload_keeps_what_still_holds)
{
	struct conf *old = d.conf, *conf = NULL;
	char *cause = NULL, *text;

	hold_many();
	xasprintf(&text, "upstream \"pd\" pagerduty {\n url \"http://127.0.0.1:1/v2/enqueue\"\n"
	    " routing-key-file \"%s/pd.key\"\n}\n" STATEMENTS RULES, fixture_dir);
	if (conf_load_buffer("t.conf", text, strlen(text), &conf, &cause) < 0)
		ck_abort_msg("load failed: %s", cause);
	free(text);
	d.conf = conf; /* as daemon.c swaps them on SIGHUP */
	outbox_reconfigure(d.outbox);
	pipeline_reconfigured(d.pipeline, old);
	conf_free(old);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_uint_eq(due(2), 1); /* the source's holder */
	pipeline_sweep_due(d.pipeline, t0 + 2 * USEC_PER_SEC);
	ck_assert_int_eq(batch_flush(d.batch), 0);
	ck_assert_uint_eq(due(2), 0);
	all_in("suppressed");
	ck_assert_uint_eq(inhibit_get_stats(d.pipeline)->released, 0);
	host_up_and_sweep(3);
	all_in("triggered");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pipeline_inhibit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, fixture_close);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, held_and_released);
	tcase_add_test(tc, index_counted_at_its_bound);
	tcase_add_test(tc, missing_field_never_matches);
	tcase_add_test(tc, many_targets);
	tcase_add_test(tc, reload_keeps_what_still_holds);
	suite_add_tcase(s, tc);
	return check_run(s);
}
