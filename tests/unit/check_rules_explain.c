/*
 * check_rules_explain.c - conditions written back in the config's syntax
 * (and read back the same), and which part of one an event failed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "conf_load.h"
#include "rules_explain.h"

static struct event ev;
static struct conf *confs[32];
static size_t nconfs;

static struct str
S(const char *s)
{
	return str_make(s, strlen(s));
}

static void
setup(void)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ev.src;

	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, 4096);
	ev.type = EVENT_SYSLOG;
	ev.facility = 4; /* auth */
	ev.severity = 6; /* info */
	ev.host = S("web1");
	ev.program = S("sshd");
	ev.message = S("Failed password for root from 192.0.2.7 port 22");
	ev.source = S("192.0.2.7");
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "192.0.2.7", &sin->sin_addr);
}

static void
teardown(void)
{
	while (nconfs > 0)
		conf_free(confs[--nconfs]);
	event_free(&ev);
}

/* The match of "rule t { match EXPR }", kept loaded until teardown. */
static const struct cond *
match_of(const char *expr)
{
	char *text;

	xasprintf(&text, "rule t { match %s }", expr);
	ck_assert_uint_lt(nconfs, sizeof(confs) / sizeof(confs[0]));
	confs[nconfs] = load(text);
	free(text);
	return confs[nconfs++]->rules[0]->match;
}

static const char *
fmt(const struct cond *c)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	cond_format(c, buf[i], sizeof(buf[i]));
	return buf[i];
}

/* Written back, it reads as itself: loading the text gives the same text. */
static void
round_trip(const char *expr, const char *want)
{
	const char *once = fmt(match_of(expr));

	ck_assert_str_eq(once, want);
	ck_assert_str_eq(fmt(match_of(once)), want);
}

START_TEST(formats_every_kind)
{
	round_trip("severity <= err", "severity <= err");
	round_trip("facility != kern", "facility != kern");
	round_trip("program = \"sshd\"", "program = \"sshd\"");
	round_trip("message ~ \"a\\\"b\\\\d\"", "message ~ \"a\\\"b\\\\d\"");
	round_trip("source 10.0.0.0/8", "source = 10.0.0.0/8");
	round_trip("source != ::1", "source != ::1/128");
	round_trip("syslog", "syslog");
	round_trip("trap 1.3.6.1.6.3.1.1.5.3", "trap 1.3.6.1.6.3.1.1.5.3");
	round_trip("trap under .1.3.6.1.6.3.1.1.5", "trap under 1.3.6.1.6.3.1.1.5");
	round_trip("trap var 1.3.6.1.2.1.2.2.1.1 > 3 and severity <= err",
	    "trap (var 1.3.6.1.2.1.2.2.1.1 > \"3\" and severity <= err)");
	round_trip("not (program = \"a\" or host != \"b\")",
	    "not (program = \"a\" or host != \"b\")");
	round_trip("journal program = \"x\"", "journal program = \"x\"");
}
END_TEST

static const char *
failed_part(const char *expr, bool *held)
{
	const struct cond *failed = (const struct cond *)1;

	*held = cond_explain(match_of(expr), &ev, &failed);
	return failed ? fmt(failed) : NULL;
}

START_TEST(names_the_condition_that_failed)
{
	bool held;

	ck_assert_ptr_null(failed_part("program = \"sshd\" and severity <= info", &held));
	ck_assert(held);
	/* An "and" stops at its first false part, as evaluation does. */
	ck_assert_str_eq(failed_part("program = \"sshd\" and severity <= err and host = \"web1\"",
			     &held), "severity <= err");
	ck_assert(!held);
	/* An "or" with no branch true is itself the reason. */
	ck_assert_str_eq(failed_part("host = \"a\" or host = \"b\"", &held),
	    "(host = \"a\" or host = \"b\")");
	/* A "not" fails because what it negates held. */
	ck_assert_str_eq(failed_part("not program ~ \"ssh\"", &held), "not program ~ \"ssh\"");
	ck_assert_str_eq(failed_part("source 10.0.0.0/8", &held), "source = 10.0.0.0/8");
}
END_TEST

START_TEST(agrees_with_evaluation_and_keeps_captures)
{
	static const char *const exprs[] = {
		"message ~ \"for (?<user>\\\\w+)\" and host = \"web1\"",
		"message ~ \"for (?<user>\\\\w+)\" and host = \"web2\"",
		"host = \"x\" or message ~ \"from (?<ip>[0-9.]+)\"",
		"not message ~ \"(?<user>root)\"",
	};
	const struct cond *failed;
	struct str v;

	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		const struct cond *c = match_of(exprs[i]);
		size_t n = ev.nfields;
		bool a = cond_eval(c, &ev);
		size_t na = ev.nfields;
		ev.nfields = n;
		ck_assert_int_eq(cond_explain(c, &ev, &failed), a);
		ck_assert_uint_eq(ev.nfields, na);
		ev.nfields = n;
	}
	ck_assert(cond_explain(match_of(exprs[0]), &ev, &failed));
	ck_assert_int_eq(event_get(&ev, S("user"), &v), 0);
	ck_assert(str_eq(v, S("root")));
}
END_TEST

START_TEST(says_what_the_event_had)
{
	char buf[64];
	const struct cond *failed;

	ck_assert(!cond_explain(match_of("severity <= err"), &ev, &failed));
	cond_actual(failed, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "info");
	ck_assert(!cond_explain(match_of("facility = daemon"), &ev, &failed));
	cond_actual(failed, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "auth");
	ck_assert(!cond_explain(match_of("program = \"cron\""), &ev, &failed));
	cond_actual(failed, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "sshd");
	ck_assert(!cond_explain(match_of("source 10.0.0.0/8"), &ev, &failed));
	cond_actual(failed, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "192.0.2.7");
	ck_assert(!cond_explain(match_of("trap"), &ev, &failed));
	cond_actual(failed, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "syslog");
	/* Cut to the buffer, the length it needed returned. */
	ck_assert(!cond_explain(match_of("message = \"x\""), &ev, &failed));
	ck_assert_uint_eq(cond_actual(failed, &ev, buf, 8), ev.message.n);
	ck_assert_str_eq(buf, "Failed ");
	ck_assert_uint_gt(cond_format(failed, buf, 4), 3);
	ck_assert_str_eq(buf, "mes");
}
END_TEST

static Suite *
rules_explain_suite(void)
{
	Suite *s = suite_create("rules_explain");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, formats_every_kind);
	tcase_add_test(tc, names_the_condition_that_failed);
	tcase_add_test(tc, agrees_with_evaluation_and_keeps_captures);
	tcase_add_test(tc, says_what_the_event_had);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(rules_explain_suite());
}
