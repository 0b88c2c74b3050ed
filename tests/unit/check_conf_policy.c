/*
 * check_conf_policy.c - the policy blocks and rules' page statements:
 * what each statement sets, names resolved whatever their order, file:line
 * errors for what a person gets wrong, and every list at its limit.
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
#include "rules.h"
#include "util.h"

#include "conf_load.h"

static const char people[] =
	"contact alice { email alice@example.com; notify email; notify email after 2m }\n"
	"contact bob { email bob@example.com }\n"
	"schedule primary { layer l { members alice, bob } }\n";

START_TEST(test_blocks)
{
	char text[2048];
	struct conf *c;
	const struct conf_policy *p;

	/* The rule and the policy come before what they name. */
	snprintf(text, sizeof(text),
	    "rule disk { match message ~ \"full\"; page \"ops\" }\n"
	    "policy \"ops\" {\n"
	    "  level { notify schedule \"primary\", contact \"bob\"; escalate-after 5m }\n"
	    "  level {\n    notify contact alice, schedule primary\n    notify contact bob\n"
	    "    escalate-after 90s\n  }\n"
	    "  repeat 2\n"
	    "}\n"
	    "policy once { level { notify contact alice } }\n%s", people);
	c = load(text);
	ck_assert_uint_eq(c->npolicies, 2);
	p = &c->policies[0];
	ck_assert_str_eq(p->name, "ops");
	ck_assert_uint_eq(p->pol.nlevels, 2);
	ck_assert_uint_eq(p->pol.repeat, 2);
	ck_assert_uint_eq(p->pol.levels[0].ntargets, 2);
	ck_assert_int_eq(p->pol.levels[0].targets[0].kind, ESCALATION_SCHEDULE);
	ck_assert_int_eq(p->pol.levels[0].targets[0].index, 0);
	ck_assert_int_eq(p->pol.levels[0].targets[1].kind, ESCALATION_CONTACT);
	ck_assert_int_eq(p->pol.levels[0].targets[1].index, 1);
	ck_assert_int_eq(p->pol.levels[0].after, 300 * USEC_PER_SEC);
	ck_assert_uint_eq(p->pol.levels[1].ntargets, 3);
	ck_assert_int_eq(p->pol.levels[1].targets[0].index, 0);
	ck_assert_int_eq(p->pol.levels[1].targets[1].kind, ESCALATION_SCHEDULE);
	ck_assert_int_eq(p->pol.levels[1].after, 90 * USEC_PER_SEC);
	ck_assert_uint_eq(c->policies[1].pol.repeat, 0);
	ck_assert_int_eq(c->policies[1].pol.levels[0].after, 0);
	ck_assert_str_eq(c->rules[0]->page, "ops");
	ck_assert_int_eq(c->rules[0]->page_policy, 0);
	ck_assert_int_eq(conf_policy_index(c, "once"), 1);
	ck_assert_int_eq(conf_policy_index(c, "nope"), -1);
	ck_assert_uint_eq(c->contacts[0].nnotify, 2);
	ck_assert_int_eq(c->contacts[0].notify[1].after, 120 * USEC_PER_SEC);
	conf_free(c);
}
END_TEST

START_TEST(test_errors)
{
	char text[2048];
	static const struct {
		const char *conf, *want;
	} cases[] = {
		{ "policy p {\n level { notify contact zed }\n}\n", "t.conf:2: unknown contact 'zed'" },
		{ "policy p {\n level {\n  notify schedule zed\n }\n}\n",
		    "t.conf:3: unknown schedule 'zed'" },
		{ "policy p {\n level { notify person alice }\n}\n",
		    "t.conf:2: expected 'contact' or 'schedule' and a name, got 'person'" },
		{ "policy p {\n repeat 1\n}\n", "t.conf:1: policy \"p\" needs a level" },
		{ "policy p {\n level { escalate-after 1m }\n}\n",
		    "t.conf:2: a level needs a notify statement" },
		{ "policy p {\n level { notify contact alice }\n level { notify contact bob }\n}\n",
		    "t.conf:3: the level before this one needs escalate-after" },
		{ "policy p {\n level { notify contact alice }\n repeat 3\n}\n",
		    "t.conf:3: a policy that repeats needs escalate-after in its last level" },
		{ "policy p {\n level {\n  notify contact alice\n  escalate-after 1m\n }\n}\n",
		    "t.conf:4: escalate-after in the last level of a policy without repeat" },
		{ "policy p {\n level { notify contact alice; escalate-after 500ms }\n repeat 1\n}\n",
		    "t.conf:2: escalate-after must be at least 1s" },
		{ "policy p {\n level { notify contact alice; escalate-after 2d }\n repeat 1\n}\n",
		    "t.conf:2: escalate-after is at most 1d" },
		{ "policy p {\n level { notify contact alice; escalate-after 1m; escalate-after 2m }\n"
		  " repeat 1\n}\n", "t.conf:2: escalate-after given twice in a level" },
		{ "policy p {\n level { notify contact alice; escalate-after 1m }\n repeat 11\n}\n",
		    "t.conf:3: a number of rounds" },
		{ "policy p {\n level { notify contact alice; escalate-after 1m }\n repeat 1\n"
		  " repeat 2\n}\n", "t.conf:4: repeat given twice" },
		{ "policy p {\n delay 5m\n}\n",
		    "t.conf:2: unknown keyword 'delay', expected one of: level, repeat" },
		{ "policy p {\n level { wait 5m }\n}\n",
		    "t.conf:2: unknown keyword 'wait', expected one of: escalate-after, notify" },
		{ "policy p { level { notify contact alice } }\npolicy p { level { notify contact bob"
		  " } }\n", "t.conf:2: duplicate policy 'p' (first at t.conf:1)" },
		{ "policy \"\" { level { notify contact alice } }\n",
		    "t.conf:1: a policy's name has 1 to 64 bytes" },
		{ "policy \"contact:bob\" { level { notify contact alice } }\n",
		    "t.conf:1: a policy's name may not begin with 'contact:'" },
		{ "contact carol { sms \"+15550100\" }\npolicy p {\n level { notify contact carol }\n}\n",
		    "t.conf:3: contact 'carol' (t.conf:1) has no way to be paged: give it an email" },
		{ "contact carol {}\nschedule s { layer l { members alice, carol } }\n"
		  "policy p {\n level { notify schedule s }\n}\n",
		    "t.conf:4: contact 'carol' (t.conf:1) has no way to be paged" },
		{ "rule r {\n match any\n page \"nope\"\n}\n", "t.conf:3: unknown policy 'nope'" },
		{ "rule r {\n match any\n page p\n page p\n}\n",
		    "t.conf:4: duplicate 'page' in rule 'r' (first at line 3)" },
		{ "rule r {\n match any\n drop\n page p\n}\n",
		    "t.conf:4: rule 'r' drops what it matches, so it cannot have page" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "%s%s", cases[i].conf, people);
		load_fails(text, cases[i].want);
	}
}
END_TEST

START_TEST(test_limits)
{
	limit("contact a { email a@x }\npolicy p {\n",
	    " level { notify contact a; escalate-after 1m }\n", ESCALATION_LEVELS_MAX,
	    " repeat 1\n}\n", "t.conf:13: more than 10 levels in a policy");
	limit("contact a { email a@x }\npolicy p {\n level {\n", "  notify contact a\n",
	    ESCALATION_TARGETS_MAX, " }\n}\n", "t.conf:20: more than 16 targets in a level");
	limit("contact a { email a@x }\n", "policy p# { level { notify contact a } }\n",
	    CONF_MAX_POLICIES, "", "t.conf:102: more than 100 policies");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf_policy");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_blocks);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return check_run(s);
}
