/*
 * check_inhibit.c - inhibit statements: the keys a source is filed under
 * and a target looks it up by (equal values, a missing field, lengths),
 * which states inhibit, and the statement as the config reads it, with
 * file:line errors for unknown rules, a rule inhibiting itself, an empty
 * equal and the limits.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "incident.h"
#include "inhibit.h"
#include "util.h"

#include "conf_load.h"

/* A subject of "name=value" pairs; a name not listed is missing. */
struct fields {
	const char *kv[4][2];
};

static bool
lookup(const char *field, struct str *v, void *arg)
{
	const struct fields *f = arg;

	for (size_t i = 0; i < 4 && f->kv[i][0] != NULL; i++)
		if (strcmp(f->kv[i][0], field) == 0) {
			*v = str_make(f->kv[i][1], strlen(f->kv[i][1]));
			return true;
		}
	return false;
}

static struct conf *
two_rules(const char *inhibit)
{
	char text[1024];

	snprintf(text, sizeof(text), "%s\n"
	    "rule \"host down\" { match syslog message ~ \"down\" }\n"
	    "rule \"interface down\" { match syslog message ~ \"if\" }\n"
	    "rule \"bgp down\" { match syslog message ~ \"bgp\" }\n", inhibit);
	return load(text);
}

START_TEST(test_keys)
{
	struct conf *c = two_rules("inhibit \"host down\" suppresses \"interface down\" equal host site");
	const struct inhibit_rule *r = &c->inhibits[0];
	struct fields a = { { { "host", "sw1" }, { "site", "x" } } };
	struct fields b = { { { "site", "x" }, { "host", "sw1" }, { "other", "y" } } };
	struct fields other = { { { "host", "sw2" }, { "site", "x" } } };
	struct fields missing = { { { "host", "sw1" } } };
	struct fields empty = { { { "host", "sw1" }, { "site", "" } } };
	struct fields empty2 = { { { "host", "sw1" }, { "site", "" } } };
	struct fields cut1 = { { { "host", "sw" }, { "site", "1x" } } };
	uint64_t ka, kb, ko, ke, ke2, kc;

	ck_assert(inhibit_key(r, lookup, &a, &ka));
	ck_assert(inhibit_key(r, lookup, &b, &kb));
	ck_assert_uint_eq(ka, kb); /* the same values, whatever else the subject has */
	ck_assert(inhibit_key(r, lookup, &other, &ko));
	ck_assert_uint_ne(ka, ko);
	ck_assert(inhibit_key(r, lookup, &cut1, &kc));
	ck_assert_uint_ne(ka, kc); /* "sw1"+"x" is not "sw"+"1x" */
	/* A missing field never matches; an empty one is a value. */
	ck_assert(!inhibit_key(r, lookup, &missing, &ke));
	ck_assert(inhibit_key(r, lookup, &empty, &ke));
	ck_assert(inhibit_key(r, lookup, &empty2, &ke2));
	ck_assert_uint_eq(ke, ke2);
	ck_assert_uint_ne(ke, ka);
	/* Keys and statement ids are apart from holders and from each other. */
	ck_assert_uint_eq(ka >> 60, INHIBIT_TAG_SOURCES >> 60);
	ck_assert_uint_eq(inhibit_rule_id(r) >> 60, INHIBIT_TAG_RULE >> 60);
	ck_assert(inhibit_targets(r, "interface down"));
	ck_assert(!inhibit_targets(r, "host down"));
	conf_free(c);
}
END_TEST

START_TEST(test_rule_id)
{
	struct conf *c = two_rules("inhibit \"host down\" suppresses \"interface down\" equal host\n"
				   "inhibit \"host down\" suppresses \"interface down\" equal site\n"
				   "inhibit \"host down\" suppresses \"interface down\" equal host");
	struct fields a = { { { "host", "sw1" }, { "site", "sw1" } } };
	uint64_t k0, k1;

	/* A statement changed by a reload is another statement, under other keys. */
	ck_assert_uint_ne(inhibit_rule_id(&c->inhibits[0]), inhibit_rule_id(&c->inhibits[1]));
	ck_assert_uint_eq(inhibit_rule_id(&c->inhibits[0]), inhibit_rule_id(&c->inhibits[2]));
	ck_assert(inhibit_key(&c->inhibits[0], lookup, &a, &k0));
	ck_assert(inhibit_key(&c->inhibits[1], lookup, &a, &k1));
	ck_assert_uint_ne(k0, k1);
	conf_free(c);
}
END_TEST

START_TEST(test_alerts)
{
	struct incident inc;

	incident_start(&inc, 7, "sw1/host", "host down", "sw1", "down", 2, 0, 1000);
	inc.state = INCIDENT_TRIGGERED;
	ck_assert(inhibit_source_alerts(&inc));
	inc.state = INCIDENT_ACKNOWLEDGED;
	ck_assert(inhibit_source_alerts(&inc));
	inc.state = INCIDENT_SUPPRESSED; /* silenced, it still inhibits (as in Alertmanager) */
	ck_assert(inhibit_source_alerts(&inc));
	inc.state = INCIDENT_FLAPPING;
	ck_assert(inhibit_source_alerts(&inc));
	inc.state = INCIDENT_PENDING; /* under its threshold or in its hold */
	ck_assert(!inhibit_source_alerts(&inc));
	inc.state = INCIDENT_RESOLVED;
	ck_assert(!inhibit_source_alerts(&inc));
	inc.state = INCIDENT_EXPIRED;
	ck_assert(!inhibit_source_alerts(&inc));
	inc.state = INCIDENT_TRANSIENT;
	ck_assert(!inhibit_source_alerts(&inc));
}
END_TEST

START_TEST(test_describe)
{
	struct incident inc;
	char buf[64];

	incident_start(&inc, 12, "sw1/host", "host down", "sw1", "down", 2, 0, 1000);
	inhibit_describe(&inc, buf, sizeof(buf));
	ck_assert_str_eq(buf, "incident 12 (sw1/host) of rule \"host down\"");
	inhibit_describe(&inc, buf, 20);
	ck_assert_str_eq(buf, "incident 12 (sw1/ho");
}
END_TEST

START_TEST(test_parse)
{
	struct conf *c = two_rules(
	    "inhibit \"host down\" suppresses \"interface down\", \"bgp down\" equal host, site\n"
	    "inhibit \"host down\" suppresses \"bgp down\" equal host,site,key\n"
	    "inhibit \"host down\" suppresses \"bgp down\" \"interface down\" equal rule severity");

	ck_assert_uint_eq(c->ninhibits, 3);
	ck_assert_str_eq(c->inhibits[0].source, "host down");
	ck_assert_uint_eq(c->inhibits[0].ntargets, 2);
	ck_assert_str_eq(c->inhibits[0].targets[1], "bgp down");
	ck_assert_uint_eq(c->inhibits[0].nequal, 2);
	ck_assert_str_eq(c->inhibits[0].equal[1], "site");
	ck_assert_int_eq(c->inhibits[0].line, 1);
	ck_assert_uint_eq(c->inhibits[1].nequal, 3);
	ck_assert_str_eq(c->inhibits[1].equal[2], "key");
	ck_assert_uint_eq(c->inhibits[2].ntargets, 2);
	ck_assert_str_eq(c->inhibits[2].equal[0], "rule");
	conf_free(c);

	/* Rules may be declared after the statement that names them. */
	c = load("rule \"a\" { match syslog message ~ \"a\" }\n"
		 "inhibit a suppresses b equal host\n"
		 "rule \"b\" { match syslog message ~ \"b\" }\n");
	ck_assert_uint_eq(c->ninhibits, 1);
	ck_assert_str_eq(c->inhibits[0].targets[0], "b");
	conf_free(c);
}
END_TEST

START_TEST(test_errors)
{
	static const char *const cases[][2] = {
		{ "inhibit \"a\" suppresses \"nope\" equal host", "inhibit names unknown rule 'nope'" },
		{ "inhibit \"x\" suppresses \"a\" equal host", "inhibit names unknown rule 'x'" },
		{ "inhibit \"a\" suppresses \"b\" \"a\" equal host", "rule 'a' cannot inhibit itself" },
		{ "inhibit \"a\" suppresses \"b\" equal", "inhibit needs at least one field after 'equal'" },
		{ "inhibit \"a\" suppresses \"b\" equal ,", "inhibit needs at least one field after 'equal'" },
		{ "inhibit \"a\" suppresses \"b\"", "inhibit needs 'equal' and the fields" },
		{ "inhibit \"a\" suppresses equal host", "inhibit needs a rule to suppress" },
		{ "inhibit \"a\" hides \"b\" equal host", "expected 'suppresses' after the inhibiting" },
		{ "inhibit \"a\" suppresses \"b\" equal ho/st", "" },
	};
	char text[1024], want[256];

	/* Each on line 4, after two rules and a blank line. */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "rule \"a\" { match syslog message ~ \"a\" }\n"
		    "rule \"b\" { match syslog message ~ \"b\" }\n\n%s\n", cases[i][0]);
		snprintf(want, sizeof(want), "t.conf:4: %s", cases[i][1]);
		load_fails(text, want);
	}
	load_fails("inhibit\n", "t.conf:1: ");
}
END_TEST

START_TEST(test_limits)
{
	char text[16384];
	size_t off = (size_t)snprintf(text, sizeof(text),
	    "rule \"a\" { match syslog message ~ \"a\" }\nrule \"b\" { match syslog message ~ \"b\" }\n");

	off += (size_t)snprintf(text + off, sizeof(text) - off,
	    "inhibit a suppresses b equal f0 f1 f2 f3 f4 f5 f6 f7 f8\n");
	load_fails(text, "t.conf:3: inhibit compares at most 8 fields");
	off = (size_t)snprintf(text, sizeof(text), "inhibit a suppresses");
	for (int i = 0; i <= INHIBIT_TARGETS_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, " t%d", i);
	snprintf(text + off, sizeof(text) - off, " equal host\n");
	load_fails(text, "t.conf:1: an inhibit statement suppresses at most 16 rules");
	off = (size_t)snprintf(text, sizeof(text),
	    "rule \"a\" { match syslog message ~ \"a\" }\nrule \"b\" { match syslog message ~ \"b\" }\n");
	for (int i = 0; i < INHIBIT_MAX; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "inhibit a suppresses b equal f%d\n", i);
	struct conf *c = load(text);
	ck_assert_uint_eq(c->ninhibits, INHIBIT_MAX);
	conf_free(c);
	snprintf(text + off, sizeof(text) - off, "inhibit a suppresses b equal host\n");
	load_fails(text, "t.conf:67: more than 64 inhibit statements");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("inhibit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_keys);
	tcase_add_test(tc, test_rule_id);
	tcase_add_test(tc, test_alerts);
	tcase_add_test(tc, test_describe);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return check_run(s);
}
