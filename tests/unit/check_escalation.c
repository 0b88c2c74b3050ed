/*
 * check_escalation.c - an incident's escalation over an injected clock:
 * levels at their times (anchored, so a late look does not push them
 * back), repeat, notification rules, a schedule target resolving to
 * whoever is on call at that instant, ack, resolve, and the limit of
 * contacts remembered.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "conf_oncall.h"
#include "conf_policy.h"
#include "escalation.h"
#include "util.h"
#include "utc_time.h"

#include "conf_load.h"

#define MIN (60 * USEC_PER_SEC)

/* bob is on call until 09:00 on 2026-01-05, alice from then for a day. */
static const char text[] =
	"contact alice { email alice@example.com; notify email; notify email after 2m }\n"
	"contact bob { email bob@example.com }\n"
	"contact carol { email carol@example.com }\n"
	"schedule primary {\n tz UTC\n layer l {\n  rotation daily handoff 09:00\n"
	"  start 2026-01-05\n  members alice, bob\n }\n}\n"
	"policy ops {\n level { notify schedule primary, contact bob; escalate-after 5m }\n"
	" level { notify contact carol; escalate-after 10m }\n repeat 1\n}\n";

struct fixture {
	struct conf *conf;
	struct escalation_env env;
	struct escalation_state st;
	struct escalation_out_list out;
};

static void
setup(struct fixture *f, const char *conf_text)
{
	memset(f, 0, sizeof(*f));
	f->conf = load(conf_text);
	f->env = (struct escalation_env){ f->conf, &f->conf->policies[0].pol,
		escalation_oncall_conf, NULL };
}

/* A step at now sends exactly the pages named (contacts by name, "" for none). */
static void
step_sends(struct fixture *f, int64_t now, const char *want)
{
	char got[256] = "";

	escalation_step(&f->env, &f->st, now, &f->out);
	for (size_t i = 0; i < f->out.n; i++) {
		ck_assert_int_eq(f->out.v[i].channel, ESCALATION_EMAIL);
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s", i ? " " : "",
		    f->conf->contacts[f->out.v[i].contact].name);
	}
	ck_assert_str_eq(got, want);
}

/* Started at 10:00, when alice is on call: level 0 pages her and bob. */
static void
started(struct fixture *f, int64_t t0)
{
	setup(f, text);
	escalation_start(&f->st, "ops", t0);
	step_sends(f, t0, "alice bob");
}

START_TEST(test_levels_and_repeat)
{
	struct fixture f;
	int64_t t0 = utc("2026-01-05T08:58");

	setup(&f, text);
	escalation_start(&f.st, "ops", t0);
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0);
	/* bob on call, and named too: paged once. */
	step_sends(&f, t0, "bob");
	ck_assert_int_eq(f.out.v[0].level, 0);
	ck_assert_int_eq(f.out.v[0].kind, ESCALATION_PAGE);
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 5 * MIN);
	step_sends(&f, t0 + 5 * MIN - 1, "");
	step_sends(&f, t0 + 5 * MIN, "carol");
	ck_assert_int_eq(f.out.v[0].level, 1);
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 15 * MIN);
	/* The second round: alice is on call now, then her second notification rule. */
	step_sends(&f, t0 + 15 * MIN, "alice bob");
	ck_assert_int_eq(f.out.v[0].round, 1);
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 17 * MIN);
	step_sends(&f, t0 + 17 * MIN, "alice");
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 20 * MIN);
	step_sends(&f, t0 + 20 * MIN, "carol");
	/* repeat 1: two rounds, then nothing. */
	ck_assert_int_eq(escalation_next(f.conf, &f.st), ESCALATION_NEVER);
	step_sends(&f, t0 + 600 * MIN, "");
	conf_free(f.conf);
}
END_TEST

/* A look long after the levels were due: one level a step, each at its own time. */
START_TEST(test_late)
{
	struct fixture f;
	int64_t t0 = utc("2026-01-05T08:58");

	setup(&f, text);
	escalation_start(&f.st, "ops", t0);
	step_sends(&f, t0 + 6 * MIN, "alice bob");
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 5 * MIN);
	step_sends(&f, t0 + 6 * MIN, "carol");
	/* Level 0 comes again 15 minutes after the start, not after the late look. */
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 8 * MIN);
	step_sends(&f, t0 + 8 * MIN, "alice");
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 15 * MIN);
	conf_free(f.conf);
}
END_TEST

START_TEST(test_ack)
{
	struct fixture f;
	int64_t t0 = utc("2026-01-05T10:00");

	started(&f, t0);
	ck_assert(escalation_ack(&f.st));
	ck_assert(!escalation_ack(&f.st));
	ck_assert_int_eq(escalation_next(f.conf, &f.st), ESCALATION_NEVER);
	/* Neither her reminder nor level 1. */
	step_sends(&f, t0 + 5 * MIN, "");
	/* A resolve after the ack still tells those paged. */
	escalation_resolve(f.conf, &f.st, &f.out);
	ck_assert_uint_eq(f.out.n, 2);
	conf_free(f.conf);
}
END_TEST

START_TEST(test_resolve)
{
	struct fixture f;
	int64_t t0 = utc("2026-01-05T10:00");

	started(&f, t0);
	step_sends(&f, t0 + 5 * MIN, "alice carol");
	escalation_resolve(f.conf, &f.st, &f.out);
	ck_assert_uint_eq(f.out.n, 3);
	for (size_t i = 0; i < f.out.n; i++)
		ck_assert_int_eq(f.out.v[i].kind, ESCALATION_TELL_RESOLVED);
	ck_assert_str_eq(f.conf->contacts[f.out.v[2].contact].name, "carol");
	ck_assert_int_eq(f.out.v[2].level, 1);
	ck_assert_int_eq(escalation_next(f.conf, &f.st), ESCALATION_NEVER);
	step_sends(&f, t0 + 60 * MIN, "");
	/* Told once. */
	escalation_resolve(f.conf, &f.st, &f.out);
	ck_assert_uint_eq(f.out.n, 0);
	/* Resolved before anyone was paged: nobody is told. */
	escalation_start(&f.st, "ops", t0);
	escalation_resolve(f.conf, &f.st, &f.out);
	ck_assert_uint_eq(f.out.n, 0);
	conf_free(f.conf);
}
END_TEST

/* A reload that drops a contact or shortens the policy: no crash, nothing sent to nobody. */
START_TEST(test_reload)
{
	struct fixture f;
	struct escalation_state st;
	int64_t t0 = utc("2026-01-05T10:00");

	started(&f, t0);
	step_sends(&f, t0 + 5 * MIN, "alice carol");
	conf_free(f.conf);
	st = f.st;
	setup(&f, "contact bob { email bob@example.com }\n"
		  "policy ops {\n level { notify contact bob }\n}\n");
	f.st = st;
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 15 * MIN);
	step_sends(&f, t0 + 15 * MIN, "bob");
	ck_assert_int_eq(escalation_next(f.conf, &f.st), ESCALATION_NEVER);
	escalation_resolve(f.conf, &f.st, &f.out);
	ck_assert_uint_eq(f.out.n, 1);
	conf_free(f.conf);
}
END_TEST

/* More contacts than an escalation remembers: paged, counted, neither reminded nor told. */
START_TEST(test_paged_limit)
{
	char *conf_text = repeated("", "contact c# { email c#@x }\n", ESCALATION_PAGED_MAX + 1, "");
	char buf[8192], *p = buf;
	struct fixture f;
	int64_t t0 = utc("2026-01-05T10:00");
	int c = 0;

	p += snprintf(p, sizeof(buf), "%spolicy big {\n", conf_text);
	for (int l = 0; c <= ESCALATION_PAGED_MAX; l++) {
		p += snprintf(p, sizeof(buf) - (size_t)(p - buf), " level {\n");
		for (int i = 0; i < ESCALATION_TARGETS_MAX && c <= ESCALATION_PAGED_MAX; i++)
			p += snprintf(p, sizeof(buf) - (size_t)(p - buf), "  notify contact c%d\n", c++);
		p += snprintf(p, sizeof(buf) - (size_t)(p - buf), "%s }\n",
		    c <= ESCALATION_PAGED_MAX ? "  escalate-after 1m\n" : "");
	}
	snprintf(p, sizeof(buf) - (size_t)(p - buf), "}\n");
	setup(&f, buf);
	escalation_start(&f.st, "big", t0);
	for (int i = 0; escalation_next(f.conf, &f.st) != ESCALATION_NEVER; i++) {
		escalation_step(&f.env, &f.st, t0 + i * MIN, &f.out);
		ck_assert_uint_gt(f.out.n, 0);
	}
	ck_assert_uint_eq(f.st.npaged, ESCALATION_PAGED_MAX);
	ck_assert_uint_eq(f.st.forgotten, 1);
	escalation_resolve(f.conf, &f.st, &f.out);
	ck_assert_uint_eq(f.out.n, ESCALATION_PAGED_MAX);
	free(conf_text);
	conf_free(f.conf);
}
END_TEST

/* Channels in the order of their delays: chat at once, SMS after 2m, exec after 5m. */
static const char channels[] =
	"notifier chat { url http://h/x }\n"
	"contact dan { sms \"+15550100\"; notify chat; notify sms after 2m; notify exec after 5m }\n"
	"contact eve { email e@x }\n"
	"policy ops { level { notify contact dan } }\n"
	"policy two { level { notify contact eve, contact dan } }\n";

static void
sends_channel(struct fixture *f, enum escalation_channel ch)
{
	ck_assert_int_eq(f->out.n, 1);
	ck_assert_int_eq(f->out.v[0].channel, ch);
	ck_assert_str_eq(f->conf->contacts[f->out.v[0].contact].name, "dan");
}

START_TEST(test_channels)
{
	struct fixture f;
	int64_t t0 = utc("2026-01-05T10:00");

	setup(&f, channels);
	escalation_start(&f.st, "ops", t0);
	escalation_step(&f.env, &f.st, t0, &f.out);
	sends_channel(&f, ESCALATION_CHAT);
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 2 * MIN);
	escalation_step(&f.env, &f.st, t0 + 2 * MIN, &f.out);
	sends_channel(&f, ESCALATION_SMS);
	escalation_step(&f.env, &f.st, t0 + 5 * MIN, &f.out);
	sends_channel(&f, ESCALATION_EXEC);
	ck_assert_int_eq(escalation_next(f.conf, &f.st), ESCALATION_NEVER);
	/* The resolve goes by the first channel. */
	escalation_resolve(f.conf, &f.st, &f.out);
	ck_assert_int_eq(f.out.v[0].channel, ESCALATION_CHAT);
	ck_assert_int_eq(f.out.v[0].kind, ESCALATION_TELL_RESOLVED);
	conf_free(f.conf);
}
END_TEST

/* A dead chat page brings the SMS now, once; a dead SMS the program; nothing after ack. */
START_TEST(test_fall_through)
{
	struct fixture f;
	int64_t t0 = utc("2026-01-05T10:00");

	setup(&f, channels);
	escalation_start(&f.st, "ops", t0);
	escalation_step(&f.env, &f.st, t0, &f.out);
	ck_assert(!escalation_fall_through(f.conf, &f.st, "eve", ESCALATION_CHAT, &f.out));
	ck_assert(escalation_fall_through(f.conf, &f.st, "dan", ESCALATION_CHAT, &f.out));
	sends_channel(&f, ESCALATION_SMS);
	/* The SMS is not sent again at its own time; exec still comes at 5m. */
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 5 * MIN);
	escalation_step(&f.env, &f.st, t0 + 2 * MIN, &f.out);
	ck_assert_int_eq(f.out.n, 0);
	/* The next rule by the same channel as the dead one is no way out. */
	ck_assert(!escalation_fall_through(f.conf, &f.st, "dan", ESCALATION_EXEC, &f.out));
	ck_assert(escalation_fall_through(f.conf, &f.st, "dan", ESCALATION_SMS, &f.out));
	sends_channel(&f, ESCALATION_EXEC);
	ck_assert(!escalation_fall_through(f.conf, &f.st, "dan", ESCALATION_EXEC, &f.out));
	ck_assert_int_eq(f.out.n, 0);
	escalation_start(&f.st, "ops", t0);
	escalation_step(&f.env, &f.st, t0, &f.out);
	escalation_ack(&f.st);
	ck_assert(!escalation_fall_through(f.conf, &f.st, "dan", ESCALATION_CHAT, &f.out));
	conf_free(f.conf);
}
END_TEST

/* Responders added by hand: the level's contacts now, again if paged before, remembered. */
START_TEST(test_add_responders)
{
	struct fixture f;
	int64_t t0 = utc("2026-01-05T10:00");

	setup(&f, channels);
	escalation_start(&f.st, "ops", t0);
	escalation_step(&f.env, &f.st, t0, &f.out);
	f.env.policy = &f.conf->policies[1].pol;
	escalation_add_responders(&f.env, &f.st, t0 + MIN, &f.out);
	ck_assert_int_eq(f.out.n, 2);
	ck_assert_str_eq(f.conf->contacts[f.out.v[0].contact].name, "eve");
	ck_assert_int_eq(f.out.v[0].channel, ESCALATION_EMAIL);
	ck_assert_str_eq(f.conf->contacts[f.out.v[1].contact].name, "dan");
	ck_assert_int_eq(f.out.v[1].channel, ESCALATION_CHAT);
	ck_assert_int_eq(f.st.npaged, 2);
	/* dan's rules count from his new page: SMS at 10:03, not 10:02. */
	ck_assert_int_eq(escalation_next(f.conf, &f.st), t0 + 3 * MIN);
	escalation_resolve(f.conf, &f.st, &f.out);
	ck_assert_int_eq(f.out.n, 2);
	conf_free(f.conf);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("escalation");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_levels_and_repeat);
	tcase_add_test(tc, test_late);
	tcase_add_test(tc, test_ack);
	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_reload);
	tcase_add_test(tc, test_paged_limit);
	tcase_add_test(tc, test_channels);
	tcase_add_test(tc, test_fall_through);
	tcase_add_test(tc, test_add_responders);
	suite_add_tcase(s, tc);
	return check_run(s);
}
