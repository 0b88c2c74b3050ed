/*
 * check_incident.c - incident decisions with an injected clock: threshold
 * windows, holds, ack/resolve transitions, expiry, keys and timeline
 * sampling.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "incident.h"
#include "text.h"
#include "util.h"

#define S USEC_PER_SEC
#define T0 (1700000000LL * S)

START_TEST(opens_triggered_without_threshold)
{
	struct incident inc;

	incident_start(&inc, 7, "k", "rule", "host", "sum", 3, 0, T0);
	ck_assert_int_eq(inc.state, INCIDENT_TRIGGERED);
	ck_assert_uint_eq(inc.count, 1);
	ck_assert_uint_eq(inc.id, 7);
	ck_assert(!incident_repeat(&inc, 0, 0, T0 + S));
	ck_assert_uint_eq(inc.count, 2);
	ck_assert_int_eq(inc.last_seen, T0 + S);
	ck_assert_int_eq(inc.first_seen, T0);
}
END_TEST

START_TEST(threshold_fires_on_nth_within_window)
{
	struct incident inc;

	incident_start(&inc, 1, "k", "r", "h", "s", 3, 3, T0);
	ck_assert_int_eq(inc.state, INCIDENT_PENDING);
	ck_assert(!incident_repeat(&inc, 3, 300 * S, T0 + 10 * S));
	ck_assert(incident_repeat(&inc, 3, 300 * S, T0 + 20 * S));
	ck_assert_int_eq(inc.state, INCIDENT_TRIGGERED);
	ck_assert_uint_eq(inc.count, 3);
}
END_TEST

START_TEST(threshold_slides)
{
	struct incident inc;

	/* 3 in 5 minutes: occurrences 6 minutes apart never fire... */
	incident_start(&inc, 1, "k", "r", "h", "s", 3, 3, T0);
	ck_assert(!incident_repeat(&inc, 3, 300 * S, T0 + 200 * S));
	ck_assert(!incident_repeat(&inc, 3, 300 * S, T0 + 400 * S));
	ck_assert_int_eq(inc.state, INCIDENT_PENDING);
	/* ...until three land inside one window. */
	ck_assert(incident_repeat(&inc, 3, 300 * S, T0 + 500 * S));
	ck_assert_int_eq(inc.state, INCIDENT_TRIGGERED);
}
END_TEST

START_TEST(ack_and_resolve)
{
	struct incident inc;

	incident_start(&inc, 1, "k", "r", "h", "s", 3, 0, T0);
	ck_assert_int_eq(incident_ack(&inc, T0 + S), 0);
	ck_assert_int_eq(inc.state, INCIDENT_ACKNOWLEDGED);
	ck_assert_int_eq(inc.acked_at, T0 + S);
	ck_assert_int_eq(incident_ack(&inc, T0 + 2 * S), -EALREADY);
	ck_assert(incident_is_open(&inc));
	ck_assert_int_eq(incident_resolve(&inc, T0 + 3 * S), 0);
	ck_assert(!incident_is_open(&inc));
	ck_assert_int_eq(incident_resolve(&inc, T0 + 4 * S), -EALREADY);
	ck_assert_int_eq(incident_ack(&inc, T0 + 4 * S), -EALREADY);
	/* An acknowledged incident still counts repeats but does not re-trigger. */
	incident_start(&inc, 2, "k", "r", "h", "s", 3, 0, T0);
	incident_ack(&inc, T0);
	ck_assert(!incident_repeat(&inc, 0, 0, T0 + S));
	ck_assert_int_eq(inc.state, INCIDENT_ACKNOWLEDGED);
}
END_TEST

static enum incident_expiry
check(const struct incident *inc, const struct incident_policy *pol, int64_t now, int64_t *deadline)
{
	return incident_check_expiry(inc, pol, now, deadline);
}

START_TEST(expiry)
{
	struct incident_policy quiet = { .auto_resolve = 3600 * S }, none = { 0 };
	struct incident_policy window = { .threshold = 5, .window = 60 * S };
	struct incident_policy tiny = { .threshold = 2, .window = 1, .auto_resolve = 1 };
	struct incident inc;
	int64_t deadline;

	incident_start(&inc, 1, "k", "r", "h", "s", 3, 0, T0);
	ck_assert_int_eq(check(&inc, &quiet, T0 + 10 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, T0 + 3600 * S);
	ck_assert_int_eq(check(&inc, &quiet, T0 + 3600 * S, &deadline), INCIDENT_QUIET);
	ck_assert_int_eq(check(&inc, &none, T0 + 99999 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, INT64_MAX);

	incident_start(&inc, 2, "k", "r", "h", "s", 3, 5, T0);
	ck_assert_int_eq(check(&inc, &window, T0 + 59 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(check(&inc, &window, T0 + 60 * S, &deadline), INCIDENT_BELOW_THRESHOLD);
	ck_assert_int_eq(incident_expire(&inc, T0 + 60 * S), 0);
	ck_assert_int_eq(inc.state, INCIDENT_EXPIRED);
	ck_assert_int_eq(inc.resolved_at, T0 + 60 * S);
	ck_assert(!incident_is_open(&inc));
	ck_assert_int_eq(incident_expire(&inc, T0 + 61 * S), -EALREADY);
	ck_assert_int_eq(incident_resolve(&inc, T0 + 61 * S), -EALREADY);
	ck_assert_int_eq(incident_ack(&inc, T0 + 61 * S), -EALREADY);
	ck_assert_int_eq(check(&inc, &tiny, T0 + 99 * S, &deadline), INCIDENT_KEEP);
	/* Only a pending incident expires. */
	incident_start(&inc, 3, "k", "r", "h", "s", 3, 0, T0);
	ck_assert_int_eq(incident_expire(&inc, T0), -EALREADY);
}
END_TEST

/* A fired incident waits out its hold as pending; [start, start + hold) is the hold. */
START_TEST(hold_then_trigger)
{
	struct incident_policy pol = { .hold = 30 * S };
	struct incident inc;
	int64_t deadline;

	incident_start(&inc, 1, "k", "r", "h", "s", 3, 0, T0);
	ck_assert(!incident_hold(&inc, 0, T0)); /* no hold: it stays triggered */
	ck_assert_int_eq(inc.state, INCIDENT_TRIGGERED);
	ck_assert(incident_hold(&inc, 30 * S, T0));
	ck_assert_int_eq(inc.state, INCIDENT_PENDING);
	ck_assert_int_eq(inc.held_since, T0);
	ck_assert(incident_is_open(&inc));
	ck_assert(!incident_hold(&inc, 30 * S, T0)); /* only a fired one is held */
	ck_assert_int_eq(check(&inc, &pol, T0 + 30 * S - 1, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, T0 + 30 * S);
	ck_assert(!incident_hold_over(&inc, 30 * S, T0 + 30 * S - 1));
	/* Repeats in the hold count, and neither fire nor move it. */
	ck_assert(!incident_repeat(&inc, 0, 0, T0 + 10 * S));
	ck_assert_uint_eq(inc.count, 2);
	ck_assert_int_eq(check(&inc, &pol, T0 + 20 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, T0 + 30 * S);
	ck_assert(incident_hold_over(&inc, 30 * S, T0 + 30 * S));
	ck_assert_int_eq(check(&inc, &pol, T0 + 30 * S, &deadline), INCIDENT_HOLD_OVER);
	ck_assert_int_eq(incident_release(&inc, T0 + 30 * S), 0);
	ck_assert_int_eq(inc.state, INCIDENT_TRIGGERED);
	ck_assert_int_eq(inc.state_since, T0 + 30 * S);
	ck_assert_int_eq(inc.held_since, 0);
	ck_assert_int_eq(incident_release(&inc, T0 + 31 * S), -EALREADY);
	ck_assert_int_eq(check(&inc, &pol, T0 + 9999 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, INT64_MAX);
	/* Its resolve now is an ordinary one. */
	ck_assert_int_eq(incident_resolve(&inc, T0 + 40 * S), 0);
	ck_assert_int_eq(inc.state, INCIDENT_RESOLVED);
}
END_TEST

/* A resolve within the hold makes it transient: closed, never sent. */
START_TEST(hold_resolved_is_transient)
{
	struct incident_policy pol = { .hold = 30 * S };
	struct incident inc;
	int64_t deadline;

	incident_start(&inc, 1, "k", "r", "h", "s", 3, 0, T0);
	incident_hold(&inc, 30 * S, T0);
	ck_assert_int_eq(incident_resolve(&inc, T0 + 30 * S - 1), 0);
	ck_assert_int_eq(inc.state, INCIDENT_TRANSIENT);
	ck_assert_int_eq(inc.resolved_at, T0 + 30 * S - 1);
	ck_assert(!incident_is_open(&inc));
	ck_assert(incident_state_closed(INCIDENT_TRANSIENT));
	ck_assert_int_eq(check(&inc, &pol, T0 + 31 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, INT64_MAX);
	ck_assert_int_eq(incident_resolve(&inc, T0 + 31 * S), -EALREADY);
	ck_assert_int_eq(incident_release(&inc, T0 + 31 * S), -EALREADY);
	ck_assert_str_eq(incident_state_name(inc.state), "transient");
	/* A person's ack ends the hold: it is never sent, and no longer transient on resolve. */
	incident_start(&inc, 2, "k", "r", "h", "s", 3, 0, T0);
	incident_hold(&inc, 30 * S, T0);
	ck_assert_int_eq(incident_ack(&inc, T0 + S), 0);
	ck_assert_int_eq(inc.held_since, 0);
	ck_assert_int_eq(check(&inc, &pol, T0 + 60 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(incident_resolve(&inc, T0 + 2 * S), 0);
	ck_assert_int_eq(inc.state, INCIDENT_RESOLVED);
}
END_TEST

/*
 * With a threshold, the hold begins at the occurrence that reaches it; the
 * window no longer expires it; auto-resolve within the hold makes it
 * transient (the earlier deadline wins, the hold on a tie).
 */
START_TEST(hold_with_threshold_and_quiet)
{
	struct incident_policy pol = { .threshold = 3, .window = 10 * S, .hold = 30 * S };
	struct incident inc;
	int64_t deadline;

	incident_start(&inc, 1, "k", "r", "h", "s", 3, 3, T0);
	ck_assert(!incident_hold(&inc, pol.hold, T0)); /* below its threshold: not fired */
	ck_assert(!incident_repeat(&inc, 3, 10 * S, T0 + S));
	ck_assert(incident_repeat(&inc, 3, 10 * S, T0 + 2 * S));
	ck_assert(incident_hold(&inc, pol.hold, T0 + 2 * S));
	ck_assert_int_eq(check(&inc, &pol, T0 + 20 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, T0 + 32 * S);
	ck_assert(!incident_repeat(&inc, 3, 10 * S, T0 + 3 * S)); /* no second firing */
	ck_assert_int_eq(check(&inc, &pol, T0 + 32 * S, &deadline), INCIDENT_HOLD_OVER);

	pol.auto_resolve = 10 * S; /* quiet from T0 + 3s: T0 + 13s, inside the hold */
	ck_assert_int_eq(check(&inc, &pol, T0 + 12 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, T0 + 13 * S);
	ck_assert_int_eq(check(&inc, &pol, T0 + 40 * S, &deadline), INCIDENT_QUIET);
	pol.auto_resolve = 29 * S; /* quiet at T0 + 32s, with the hold's end: the hold wins */
	ck_assert_int_eq(check(&inc, &pol, T0 + 40 * S, &deadline), INCIDENT_HOLD_OVER);
	ck_assert_int_eq(incident_resolve(&inc, T0 + 13 * S), 0);
	ck_assert_int_eq(inc.state, INCIDENT_TRANSIENT);
}
END_TEST

START_TEST(default_key_folds_digits_and_is_stable)
{
	char a[INCIDENT_KEY_MAX + 1], b[INCIDENT_KEY_MAX + 1], c[INCIDENT_KEY_MAX + 1];

	incident_default_key(a, sizeof(a), "r", "web1", 4, "sshd", 4, "pid 812 died", 12);
	incident_default_key(b, sizeof(b), "r", "web1", 4, "sshd", 4, "pid 91 died", 11);
	incident_default_key(c, sizeof(c), "r", "web2", 4, "sshd", 4, "pid 91 died", 11);
	ck_assert_str_eq(a, b);
	ck_assert_str_ne(a, c);
	ck_assert(strncmp(a, "r/web1/", 7) == 0);
	ck_assert_uint_eq(strlen(a), 7 + 16);
}
END_TEST

START_TEST(long_keys_are_hashed_to_fit)
{
	char key[600], other[600];

	memset(key, 'x', 599);
	key[599] = '\0';
	memcpy(other, key, sizeof(other));
	other[598] = 'y';
	incident_fit_key(key, strlen(key));
	incident_fit_key(other, strlen(other));
	ck_assert_uint_eq(strlen(key), INCIDENT_KEY_MAX);
	ck_assert_str_ne(key, other);
}
END_TEST

/* The prefix of a fitted key never ends inside a character, and a typed long key finds it. */
START_TEST(long_keys_stay_utf8)
{
	char key[700], typed[700], buf[INCIDENT_KEY_MAX + 1];

	size_t n = 2;

	memcpy(key, "h/", 2);
	for (; n + 3 < sizeof(key); n += 3)
		memcpy(key + n, "\xe2\x82\xac", 3); /* 3-byte characters: 255 falls inside one */
	key[n] = '\0';
	strcpy(typed, key);
	incident_fit_key(key, strlen(key));
	ck_assert_uint_le(strlen(key), INCIDENT_KEY_MAX);
	ck_assert(text_is_utf8(key, strlen(key)));
	ck_assert_str_eq(incident_lookup_key(typed, buf), key);
	ck_assert(incident_lookup_key("short/key", buf) != buf);
}
END_TEST

START_TEST(notable_counts)
{
	ck_assert(incident_count_notable(1));
	ck_assert(incident_count_notable(10));
	ck_assert(!incident_count_notable(11));
	ck_assert(incident_count_notable(100));
	ck_assert(!incident_count_notable(200));
	ck_assert(incident_count_notable(100000));
}
END_TEST

START_TEST(state_names)
{
	for (int s = INCIDENT_PENDING; s < INCIDENT_NSTATES; s++)
		if (incident_state_valid((unsigned)s))
			ck_assert_int_eq(incident_state_from_name(incident_state_name(s)), s);
	ck_assert_str_eq(incident_state_name(INCIDENT_SUPPRESSED), "suppressed");
	ck_assert_int_eq(incident_state_from_name("bogus"), -1);
	ck_assert_str_eq(incident_state_name(INCIDENT_EXPIRED), "expired");
	ck_assert(!incident_state_valid(INCIDENT_NSTATES));
	ck_assert_str_eq(incident_state_name(INCIDENT_NSTATES), "unknown");
}
END_TEST

/* Closed is said by a table, not by the order of the values. */
START_TEST(closed_states)
{
	ck_assert(!incident_state_closed(INCIDENT_PENDING));
	ck_assert(!incident_state_closed(INCIDENT_TRIGGERED));
	ck_assert(!incident_state_closed(INCIDENT_ACKNOWLEDGED));
	ck_assert(incident_state_closed(INCIDENT_RESOLVED));
	ck_assert(incident_state_closed(INCIDENT_EXPIRED));
	ck_assert(incident_state_closed(INCIDENT_TRANSIENT));
	ck_assert(!incident_state_closed(INCIDENT_SUPPRESSED));
	ck_assert(!incident_state_closed(INCIDENT_FLAPPING));
	ck_assert(!incident_state_closed(INCIDENT_NSTATES));
}
END_TEST

/* Every kind has its own name; what a newer store wrote is "unknown", never a crash. */
/* Which states alert someone: the ones a time to acknowledge is counted from. */
START_TEST(alerting_states)
{
	ck_assert(incident_state_alerts(INCIDENT_TRIGGERED));
	ck_assert(incident_state_alerts(INCIDENT_FLAPPING));
	ck_assert(!incident_state_alerts(INCIDENT_PENDING));
	ck_assert(!incident_state_alerts(INCIDENT_ACKNOWLEDGED));
	ck_assert(!incident_state_alerts(INCIDENT_RESOLVED));
	ck_assert(!incident_state_alerts(INCIDENT_EXPIRED));
	ck_assert(!incident_state_alerts(INCIDENT_TRANSIENT));
	ck_assert(!incident_state_alerts((enum incident_state)6)); /* no state (yet) */
	ck_assert(!incident_state_alerts((enum incident_state)INCIDENT_NSTATES));
}
END_TEST

START_TEST(kind_names)
{
	for (int a = 0; a < TIMELINE_NKINDS; a++)
		for (int b = a + 1; b < TIMELINE_NKINDS; b++)
			ck_assert_str_ne(timeline_kind_name(a), timeline_kind_name(b));
	ck_assert_str_eq(timeline_kind_name(TIMELINE_DELIVERY), "delivery");
	ck_assert_str_eq(timeline_kind_name(TIMELINE_NKINDS), "unknown");
}
END_TEST

/* An upstream whose trigger was shed leaves the route; a name inside another stays. */
START_TEST(route_words)
{
	struct incident inc = { 0 };

	incident_route_add(&inc, "pd");
	incident_route_add(&inc, "pd-eu");
	incident_route_add(&inc, "am");
	ck_assert_str_eq(inc.route, "pd pd-eu am");
	ck_assert(incident_routed(&inc, "pd-eu"));
	ck_assert(!incident_routed(&inc, "eu"));
	ck_assert(!incident_routed(&inc, ""));
	incident_route_del(&inc, "eu");
	ck_assert_str_eq(inc.route, "pd pd-eu am");
	incident_route_del(&inc, "pd-eu");
	ck_assert_str_eq(inc.route, "pd am");
	incident_route_del(&inc, "am");
	ck_assert_str_eq(inc.route, "pd");
	ck_assert(!incident_routed(&inc, "am"));
	incident_route_del(&inc, "pd");
	ck_assert_str_eq(inc.route, "");
	incident_route_del(&inc, "pd");
	ck_assert_str_eq(inc.route, "");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("incident");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, opens_triggered_without_threshold);
	tcase_add_test(tc, threshold_fires_on_nth_within_window);
	tcase_add_test(tc, threshold_slides);
	tcase_add_test(tc, ack_and_resolve);
	tcase_add_test(tc, expiry);
	tcase_add_test(tc, hold_then_trigger);
	tcase_add_test(tc, hold_resolved_is_transient);
	tcase_add_test(tc, hold_with_threshold_and_quiet);
	tcase_add_test(tc, default_key_folds_digits_and_is_stable);
	tcase_add_test(tc, long_keys_are_hashed_to_fit);
	tcase_add_test(tc, long_keys_stay_utf8);
	tcase_add_test(tc, notable_counts);
	tcase_add_test(tc, state_names);
	tcase_add_test(tc, kind_names);
	tcase_add_test(tc, alerting_states);
	tcase_add_test(tc, closed_states);
	tcase_add_test(tc, route_words);
	suite_add_tcase(s, tc);
	return check_run(s);
}
