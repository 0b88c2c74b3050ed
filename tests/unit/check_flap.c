/*
 * check_flap.c - flap detection with an injected clock: N-1 cycles are
 * not a flap and the N-th is, at the window's very edge too; cycles carry
 * from incarnation to incarnation; a flapping incident counts new cycles,
 * settles only after its quiet period (which each down or up starts
 * again), resolved when last up and triggered when last down; the memory
 * of cycles stays within its bound.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "check_run.h"
#include "flap.h"
#include "incident.h"
#include "util.h"

#define S  USEC_PER_SEC
#define T0 (1700000000LL * S)

static const struct incident_policy pol3 = { .flap_cycles = 3, .flap_window = 60 * S,
	.flap_quiet = 120 * S };

/* One incarnation of the key, down at down, after last (NULL: the first). */
static void
down_at(struct incident *inc, const struct incident *last, const struct incident_policy *pol,
    int64_t down)
{
	struct incident_flap f;

	if (last != NULL)
		f = last->flap;
	incident_start(inc, 1, "sw1/if/Gi0/1", "link", "sw1", "sw1: Gi0/1 down", 2, 0, down);
	flap_carry(inc, last != NULL ? &f : NULL, pol, down);
}

/* A cycle: down at down, up at up; returns what the up said, inc is that incarnation. */
static enum flap_up
cycle(struct incident *inc, const struct incident_policy *pol, int64_t down, int64_t up)
{
	struct incident last = *inc;
	enum flap_up r;

	down_at(inc, last.state != INCIDENT_PENDING ? &last : NULL, pol, down);
	r = flap_up(inc, pol, up);
	if (r == FLAP_UP_RESOLVE)
		incident_resolve(inc, up);
	return r;
}

START_TEST(n_minus_one_cycles_do_not_flap)
{
	struct incident inc = { .state = INCIDENT_PENDING };

	ck_assert_int_eq(cycle(&inc, &pol3, T0, T0 + S), FLAP_UP_RESOLVE);
	ck_assert_int_eq(inc.state, INCIDENT_RESOLVED);
	ck_assert_int_eq(cycle(&inc, &pol3, T0 + 10 * S, T0 + 11 * S), FLAP_UP_RESOLVE);
	ck_assert_uint_eq(inc.flap.nstarts, 2);
	ck_assert(!inc.flap.active);
	ck_assert_int_eq(cycle(&inc, &pol3, T0 + 20 * S, T0 + 21 * S), FLAP_UP_STARTED);
	ck_assert_int_eq(inc.state, INCIDENT_FLAPPING);
	ck_assert(incident_is_open(&inc));
	ck_assert(inc.flap.active);
	ck_assert_uint_eq(inc.flap.cycles, 3);
	ck_assert_uint_eq(inc.flap.nstarts, 0); /* counting starts over after */
	ck_assert_int_eq(inc.state_since, T0 + 21 * S);
	ck_assert_int_eq(inc.first_seen, T0 + 20 * S);
}
END_TEST

/* A cycle counts while its down lies within the window of the N-th up, edge included. */
START_TEST(window_edges)
{
	struct incident inc = { .state = INCIDENT_PENDING };

	cycle(&inc, &pol3, T0, T0 + S);
	cycle(&inc, &pol3, T0 + 30 * S, T0 + 31 * S);
	/* The first began 60s + 1us before this up: out; two is not three. */
	ck_assert_int_eq(cycle(&inc, &pol3, T0 + 59 * S, T0 + 60 * S + 1), FLAP_UP_RESOLVE);
	ck_assert_uint_eq(inc.flap.nstarts, 2);
	/* Exactly 60s: in. */
	inc = (struct incident){ .state = INCIDENT_PENDING };
	cycle(&inc, &pol3, T0, T0 + S);
	cycle(&inc, &pol3, T0 + 30 * S, T0 + 31 * S);
	ck_assert_int_eq(cycle(&inc, &pol3, T0 + 59 * S, T0 + 60 * S), FLAP_UP_STARTED);
	/* A new incarnation carries only what lies within the window when it opens. */
	inc = (struct incident){ .state = INCIDENT_PENDING };
	cycle(&inc, &pol3, T0, T0 + S);
	cycle(&inc, &pol3, T0 + 50 * S, T0 + 51 * S);
	struct incident last = inc;
	down_at(&inc, &last, &pol3, T0 + 61 * S);
	ck_assert_uint_eq(inc.flap.nstarts, 1);
	ck_assert_int_eq(inc.flap.starts[0], T0 + 50 * S);
}
END_TEST

/* Nothing carries from a flapping incarnation, another rule's policy, or a rule without flap. */
START_TEST(carry_rules)
{
	struct incident_policy none = { 0 };
	struct incident inc = { .state = INCIDENT_PENDING }, last;

	cycle(&inc, &pol3, T0, T0 + S);
	last = inc;
	down_at(&inc, &last, &none, T0 + 2 * S);
	ck_assert_uint_eq(inc.flap.nstarts, 0);
	ck_assert(inc.flap.down);
	ck_assert_int_eq(flap_up(&inc, &none, T0 + 3 * S), FLAP_UP_RESOLVE);
	last.flap.active = true;
	down_at(&inc, &last, &pol3, T0 + 4 * S);
	ck_assert_uint_eq(inc.flap.nstarts, 0);
	down_at(&inc, NULL, &pol3, T0 + 4 * S);
	ck_assert_uint_eq(inc.flap.nstarts, 0);
	ck_assert_int_eq(inc.flap.changed, T0 + 4 * S);
}
END_TEST

/* Flapping: each down after an up is a cycle; a down while down, or an up while up, is not. */
START_TEST(cycles_while_flapping)
{
	struct incident inc = { .state = INCIDENT_PENDING };

	for (int i = 0; i < 3; i++)
		cycle(&inc, &pol3, T0 + i * 10 * S, T0 + i * 10 * S + S);
	ck_assert(inc.flap.active);
	ck_assert(flap_down(&inc, T0 + 40 * S));
	ck_assert_uint_eq(inc.flap.cycles, 4);
	ck_assert(!flap_down(&inc, T0 + 41 * S)); /* still down */
	ck_assert_uint_eq(inc.flap.cycles, 4);
	ck_assert_int_eq(inc.flap.changed, T0 + 40 * S);
	ck_assert_int_eq(flap_up(&inc, &pol3, T0 + 42 * S), FLAP_UP_FLAPPING);
	ck_assert_int_eq(inc.flap.changed, T0 + 42 * S);
	ck_assert_int_eq(flap_up(&inc, &pol3, T0 + 43 * S), FLAP_UP_FLAPPING);
	ck_assert_int_eq(inc.flap.changed, T0 + 42 * S); /* up again is no change */
	ck_assert_int_eq(inc.state, INCIDENT_FLAPPING);
	/* Not flapping: a down is no cycle of its own (its up completes one). */
	struct incident plain;
	incident_start(&plain, 2, "k", "r", "h", "s", 3, 0, T0);
	ck_assert(!flap_down(&plain, T0 + S));
}
END_TEST

/*
 * It settles after the quiet period, which each down or up starts again;
 * while it flaps auto-resolve does not apply.
 */
START_TEST(quiet_period)
{
	struct incident_policy pol = pol3;
	struct incident inc = { .state = INCIDENT_PENDING };
	int64_t deadline;

	pol.auto_resolve = 10 * S;
	for (int i = 0; i < 3; i++)
		cycle(&inc, &pol, T0 + i * 10 * S, T0 + i * 10 * S + S);
	ck_assert_int_eq(incident_check_expiry(&inc, &pol, T0 + 100 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, T0 + 21 * S + 120 * S);
	flap_down(&inc, T0 + 140 * S); /* just before the end: the quiet period starts again */
	ck_assert_int_eq(incident_check_expiry(&inc, &pol, T0 + 141 * S, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, T0 + 260 * S);
	flap_up(&inc, &pol, T0 + 150 * S);
	ck_assert_int_eq(incident_check_expiry(&inc, &pol, T0 + 270 * S - 1, &deadline),
	    INCIDENT_KEEP);
	ck_assert_int_eq(deadline, T0 + 270 * S);
	ck_assert_int_eq(incident_check_expiry(&inc, &pol, T0 + 270 * S, &deadline),
	    INCIDENT_FLAP_QUIET);
	ck_assert(flap_settle(&inc, T0 + 270 * S)); /* last up: resolved */
	ck_assert_int_eq(inc.state, INCIDENT_RESOLVED);
	ck_assert_int_eq(inc.resolved_at, T0 + 270 * S);
	ck_assert(!inc.flap.active);
	ck_assert_uint_eq(inc.flap.cycles, 4);
	/* A rule that no longer flaps (a reload): it settles at once. */
	struct incident_policy none = { 0 };
	inc = (struct incident){ .state = INCIDENT_PENDING };
	for (int i = 0; i < 3; i++)
		cycle(&inc, &pol3, T0 + i * 10 * S, T0 + i * 10 * S + S);
	ck_assert_int_eq(incident_check_expiry(&inc, &none, T0 + 21 * S, &deadline),
	    INCIDENT_FLAP_QUIET);
}
END_TEST

/* Quiet while down: an outage, open again as triggered (an ack stays). */
START_TEST(settles_down_as_an_outage)
{
	struct incident inc = { .state = INCIDENT_PENDING };
	int64_t deadline;

	for (int i = 0; i < 3; i++)
		cycle(&inc, &pol3, T0 + i * 10 * S, T0 + i * 10 * S + S);
	flap_down(&inc, T0 + 30 * S);
	ck_assert(!flap_settle(&inc, T0 + 150 * S));
	ck_assert_int_eq(inc.state, INCIDENT_TRIGGERED);
	ck_assert(incident_is_open(&inc));
	ck_assert(!inc.flap.active);
	ck_assert_int_eq(incident_check_expiry(&inc, &pol3, T0 + 9999 * S, &deadline),
	    INCIDENT_KEEP);
	/* Its up now is one cycle of a fresh count: an ordinary resolve. */
	ck_assert_int_eq(flap_up(&inc, &pol3, T0 + 200 * S), FLAP_UP_RESOLVE);

	inc = (struct incident){ .state = INCIDENT_PENDING };
	for (int i = 0; i < 3; i++)
		cycle(&inc, &pol3, T0 + i * 10 * S, T0 + i * 10 * S + S);
	ck_assert_int_eq(incident_ack(&inc, T0 + 25 * S), 0);
	flap_down(&inc, T0 + 30 * S);
	ck_assert_uint_eq(inc.flap.cycles, 4); /* acknowledged, still counted */
	ck_assert(!flap_settle(&inc, T0 + 150 * S));
	ck_assert_int_eq(inc.state, INCIDENT_ACKNOWLEDGED);
}
END_TEST

/* A held incarnation that starts flapping is held no more; an acknowledged one stays so. */
START_TEST(held_or_acked_when_it_starts)
{
	struct incident inc = { .state = INCIDENT_PENDING }, last;

	cycle(&inc, &pol3, T0, T0 + S);
	cycle(&inc, &pol3, T0 + 10 * S, T0 + 11 * S);
	last = inc;
	down_at(&inc, &last, &pol3, T0 + 20 * S);
	ck_assert(incident_hold(&inc, 30 * S, T0 + 20 * S));
	ck_assert_int_eq(flap_up(&inc, &pol3, T0 + 21 * S), FLAP_UP_STARTED);
	ck_assert_int_eq(inc.state, INCIDENT_FLAPPING);
	ck_assert_int_eq(inc.held_since, 0);

	inc = last;
	down_at(&inc, &last, &pol3, T0 + 20 * S);
	ck_assert_int_eq(incident_ack(&inc, T0 + 20 * S), 0);
	ck_assert_int_eq(flap_up(&inc, &pol3, T0 + 21 * S), FLAP_UP_STARTED);
	ck_assert_int_eq(inc.state, INCIDENT_ACKNOWLEDGED);
	ck_assert(inc.flap.active);
}
END_TEST

/* The memory of cycles keeps the last N at most, however many come. */
START_TEST(bounded)
{
	struct incident_policy pol = { .flap_cycles = INCIDENT_FLAP_MAX, .flap_window = 3600 * S,
		.flap_quiet = S };
	struct incident_policy slow = { .flap_cycles = 2, .flap_window = S, .flap_quiet = S };
	struct incident inc = { .state = INCIDENT_PENDING };

	for (int i = 0; i < INCIDENT_FLAP_MAX - 1; i++) {
		ck_assert_int_eq(cycle(&inc, &pol, T0 + i * 2 * S, T0 + i * 2 * S + S),
		    FLAP_UP_RESOLVE);
		ck_assert_uint_le(inc.flap.nstarts, INCIDENT_FLAP_MAX);
	}
	ck_assert_uint_eq(inc.flap.nstarts, INCIDENT_FLAP_MAX - 1);
	ck_assert_int_eq(cycle(&inc, &pol, T0 + 200 * S, T0 + 201 * S), FLAP_UP_STARTED);
	ck_assert_uint_eq(inc.flap.cycles, INCIDENT_FLAP_MAX);
	/* Slow cycles never flap, and never hold more than N. */
	inc = (struct incident){ .state = INCIDENT_PENDING };
	for (int i = 0; i < 1000; i++) {
		ck_assert_int_eq(cycle(&inc, &slow, T0 + i * 10 * S, T0 + i * 10 * S + 2 * S),
		    FLAP_UP_RESOLVE);
		ck_assert_uint_le(inc.flap.nstarts, 2);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("flap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, n_minus_one_cycles_do_not_flap);
	tcase_add_test(tc, window_edges);
	tcase_add_test(tc, carry_rules);
	tcase_add_test(tc, cycles_while_flapping);
	tcase_add_test(tc, quiet_period);
	tcase_add_test(tc, settles_down_as_an_outage);
	tcase_add_test(tc, held_or_acked_when_it_starts);
	tcase_add_test(tc, bounded);
	suite_add_tcase(s, tc);
	return check_run(s);
}
