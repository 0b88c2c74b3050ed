/*
 * check_conf_lint.c - the warnings of triaged -t: each one with its exact
 * file:line and text, and configurations that must not warn (narrower
 * rules after broader ones on other fields, different regexes, captures
 * that change what a later term reads, used upstreams).
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "conf.h"
#include "conf_lint.h"
#include "rules.h"
#include "tmpdir.h"
#include "util.h"

#include "conf_load.h"

#define MAX_SEEN 16

static char oldcwd[PATH_MAX];

/*
 * Each test runs in a directory of its own holding pd.key: "t.conf", the
 * name configs load under, is taken to be there, so relative routing-key-file
 * and include paths find their files.
 */
/* The warnings of one config, as "file:line: message". */
struct seen {
	char *v[MAX_SEEN];
	size_t n;
};

static void
setup(void)
{
	FILE *f;

	tmpdir_make("check_conf_lint");
	ck_assert_ptr_nonnull(getcwd(oldcwd, sizeof(oldcwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	ck_assert_ptr_nonnull(f = fopen("pd.key", "w"));
	fputs("0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
}

static void
teardown(void)
{
	ck_assert_int_eq(chdir(oldcwd), 0);
	tmpdir_remove(tmpdir);
}

static void
collect_cb(void *arg, const char *file, int line, const char *message)
{
	struct seen *s = arg;

	ck_assert_uint_lt(s->n, MAX_SEEN);
	xasprintf(&s->v[s->n++], "%s:%d: %s", file, line, message);
}

/* Load text, lint it, check the count. */
static void
lint(const char *text, struct seen *s)
{
	struct conf *c = load(text);

	memset(s, 0, sizeof(*s));
	ck_assert_uint_eq(conf_lint(c, collect_cb, s), s->n);
	conf_free(c);
}

static void
seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/* text gives exactly the warnings want (NULL-terminated), in order. */
static void
expect(const char *text, ...)
{
	struct seen s;
	const char *w;
	size_t i = 0;
	va_list ap;

	lint(text, &s);
	va_start(ap, text);
	while ((w = va_arg(ap, const char *)) != NULL) {
		ck_assert_msg(i < s.n, "missing warning: %s", w);
		ck_assert_str_eq(s.v[i], w);
		i++;
	}
	va_end(ap);
	ck_assert_msg(i == s.n, "unexpected warning: %s", i < s.n ? s.v[i] : "");
	seen_free(&s);
}

#define UPSTREAM(name) "upstream \"" name "\" pagerduty { routing-key-file pd.key }\n"

START_TEST(test_match_all_hides_later_rules)
{
	expect("rule \"all\" { match any }\n"
	       "rule \"ssh\" { match syslog program \"sshd\" }\n"
	       "rule \"cron\" { match program \"cron\" }\n",
	    "t.conf:2: rule 'ssh' is never reached: rule 'all' (line 1) matches every event",
	    "t.conf:3: rule 'cron' is never reached: rule 'all' (line 1) matches every event",
	    NULL);
	expect("rule \"ssh\" { match syslog program \"sshd\" }\n"
	       "rule \"noise\" {\n match any\n drop\n}\n"
	       "rule \"cron\" { match program \"cron\" }\n",
	    "t.conf:6: rule 'cron' is never reached: rule 'noise' (line 2) drops every event",
	    NULL);
	/* The last rule matching everything hides nothing. */
	expect("rule \"ssh\" { match program \"sshd\" }\nrule \"rest\" { match any }\n", NULL);
}
END_TEST

START_TEST(test_identical_matches)
{
	expect("rule \"a\" { match syslog program ~ \"^ssh\" and message ~ \"Failed\" }\n"
	       "rule \"b\" {\n"
	       "  match syslog program ~ \"^ssh\" and\n"
	       "     message ~ \"Failed\"\n"
	       "  key \"b/{host}\"\n"
	       "}\n",
	    "t.conf:2: rule 'b' never matches: rule 'a' (line 1) comes first with the same match",
	    NULL);
	expect("rule \"a\" { match not (severity <= err or host \"x\") }\n"
	       "rule \"b\" { match not (severity <= 3 or host = \"x\") }\n",
	    "t.conf:2: rule 'b' never matches: rule 'a' (line 1) comes first with the same match",
	    NULL);
}
END_TEST

START_TEST(test_broader_first)
{
	expect("rule \"ssh\" { match syslog program \"sshd\" }\n"
	       "rule \"fail\" { match syslog program \"sshd\" and message ~ \"Failed\" }\n",
	    "t.conf:2: rule 'fail' never matches: rule 'ssh' (line 1) comes first and matches "
	    "everything it matches",
	    NULL);
	expect("rule \"bad\" { match severity <= err; drop }\n"
	       "rule \"crit\" { match severity <= crit and program \"kernel\" }\n",
	    "t.conf:2: rule 'crit' never matches: rule 'bad' (line 1) comes first and drops "
	    "everything it matches",
	    NULL);
	expect("rule \"lan\" { match source 10.0.0.0/8 }\n"
	       "rule \"sw\" { match program \"x\" and source = 10.1.0.0/16 }\n",
	    "t.conf:2: rule 'sw' never matches: rule 'lan' (line 1) comes first and matches "
	    "everything it matches",
	    NULL);
	expect("rule \"links\" { match trap under 1.3.6.1.6.3.1.1.5 }\n"
	       "rule \"down\" { match trap 1.3.6.1.6.3.1.1.5.3 }\n",
	    "t.conf:2: rule 'down' never matches: rule 'links' (line 1) comes first and matches "
	    "everything it matches",
	    NULL);
	expect("rule \"ab\" { match program \"a\" or program \"b\" }\n"
	       "rule \"b\" { match program \"b\" }\n",
	    "t.conf:2: rule 'b' never matches: rule 'ab' (line 1) comes first and matches "
	    "everything it matches",
	    NULL);
}
END_TEST

START_TEST(test_resolve_on)
{
	/* An earlier rule's resolve-on takes the later rule's events. */
	expect("rule \"link\" {\n match message ~ \"down\"\n resolve-on message ~ \"up\"\n}\n"
	       "rule \"up\" { match message ~ \"up\" }\n",
	    "t.conf:5: rule 'up' never matches: the resolve-on of rule 'link' (line 1) comes "
	    "first and holds for everything it matches",
	    NULL);
	/* A resolve-on its own match always beats. */
	expect("rule \"x\" {\n match program \"app\"\n"
	       " resolve-on program \"app\" and message ~ \"ok\"\n}\n",
	    "t.conf:3: resolve-on of rule 'x' never applies: the rule's match, tried first, holds "
	    "for everything it matches",
	    NULL);
	/* ... or an earlier rule does. */
	expect("rule \"ok\" { match message ~ \"ok\" }\n"
	       "rule \"x\" {\n match program \"app\"\n resolve-on message ~ \"ok\"\n}\n",
	    "t.conf:4: resolve-on of rule 'x' never applies: rule 'ok' (line 1) comes first and "
	    "takes everything it matches",
	    NULL);
}
END_TEST

START_TEST(test_default_unreached)
{
	expect("default keep\nrule \"all\" { match any; drop }\n",
	    "t.conf:1: default keep never applies: rule 'all' (line 2) matches every event", NULL);
	expect(UPSTREAM("pd") "rule \"all\" { match any }\ndefault send \"pd\"\n",
	    "t.conf:3: default send never applies: rule 'all' (line 2) matches every event", NULL);
	/* `default drop` after a catch-all is what happens anyway. */
	expect("rule \"all\" { match any }\ndefault drop\n", NULL);
}
END_TEST

START_TEST(test_upstreams)
{
	expect(UPSTREAM("pd") UPSTREAM("spare")
	       "rule \"a\" { match program \"a\"; send \"pd\" }\n",
	    "t.conf:2: upstream 'spare' is unused: no rule sends to it, nor does default send",
	    NULL);
	expect("rule \"a\" { match program \"a\" }\n" UPSTREAM("pd") UPSTREAM("spare"),
	    "t.conf:2: no rule sends anywhere, so incidents stay on this host although upstream "
	    "'pd' is configured (add send to a rule, or default send)",
	    NULL);
	/* Used by one rule, or by default send: no warning. */
	expect(UPSTREAM("pd") "rule \"a\" { match program \"a\"; send \"pd\" }\n"
	       "rule \"b\" { match program \"b\" }\n", NULL);
	expect(UPSTREAM("pd") UPSTREAM("b") "rule \"a\" { match program \"a\"; send \"b\" }\n"
	       "default send \"pd\"\n", NULL);
	/* No upstream, no rule sending: a local-only setup is fine. */
	expect("rule \"a\" { match program \"a\" }\n", NULL);
}
END_TEST

START_TEST(test_inhibit)
{
	expect("rule \"a\" {\n match program \"a\"\n drop\n}\n"
	       "rule \"b\" { match program \"b\" }\n"
	       "inhibit a suppresses b equal host\n"
	       "inhibit b suppresses a equal host\n",
	    "t.conf:6: inhibit never holds anything: rule 'a' drops what it matches",
	    "t.conf:7: rule 'b' has neither resolve-on nor auto-resolve: what it inhibits "
	    "stays held until a person resolves it",
	    NULL);
	/* A source that closes by itself, either way: no warning. */
	expect("rule \"a\" {\n match program \"a\" and message ~ \"down\"\n"
	       " resolve-on program \"a\" and message ~ \"up\"\n}\n"
	       "rule \"b\" {\n match program \"b\"\n auto-resolve 1h\n}\n"
	       "rule \"c\" { match program \"c\" }\n"
	       "inhibit a suppresses c equal host\ninhibit b suppresses c equal host\n", NULL);
}
END_TEST

START_TEST(test_pages)
{
	static const char policy[] = "contact a { email a@x }\n"
				     "policy p { level { notify contact a } }\n";
	char text[512];

	snprintf(text, sizeof(text), "%srule \"a\" {\n match program \"a\"\n page p\n}\n",
	    policy);
	expect(text, "t.conf:5: rule 'a' pages through policy 'p', but there is no notifier: "
		     "its pages are only noted on the timeline", NULL);
	snprintf(text, sizeof(text), "%snotifier email { server smtp://h; from t@h }\n"
	    "rule \"a\" { match program \"a\"; page p }\n", policy);
	expect(text, NULL);
	/* A channel without its notifier, once the config has some notifier. */
	expect("notifier email { server smtp://h; from t@h }\n"
	       "contact b { email b@x; sms \"+15550100\"; notify email; notify sms after 1m }\n",
	    "t.conf:2: contact 'b' has notify sms, but there is no notifier sms: those pages are "
	    "only noted on the timeline", NULL);
}
END_TEST

START_TEST(test_no_false_warnings)
{
	/* A narrower rule on another field after a broader one. */
	expect("rule \"ssh\" { match syslog program \"sshd\" }\n"
	       "rule \"gw\" { match syslog host \"gw\" and program \"cron\" }\n", NULL);
	/* Narrower first, then broader: the usual order. */
	expect("rule \"fail\" { match program \"sshd\" and message ~ \"Failed\" }\n"
	       "rule \"ssh\" { match program \"sshd\" }\n", NULL);
	expect("rule \"a\" { match message ~ \"a\" }\nrule \"b\" { match message ~ \"b\" }\n",
	    NULL);
	expect("rule \"a\" { match program ~ \"x\" }\nrule \"b\" { match message ~ \"x\" }\n",
	    NULL);
	expect("rule \"a\" { match not program \"x\" }\nrule \"b\" { match program \"x\" }\n",
	    NULL);
	expect("rule \"a\" { match syslog }\nrule \"b\" { match trap }\n", NULL);
	expect("rule \"a\" { match severity <= err }\nrule \"b\" { match severity <= warning }\n",
	    NULL);
	expect("rule \"a\" { match severity != err }\nrule \"b\" { match severity = crit }\n",
	    NULL);
	expect("rule \"a\" { match source 10.1.0.0/16 }\nrule \"b\" { match source 10.0.0.0/8 }\n",
	    NULL);
	expect("rule \"a\" { match trap 1.3.6.1.6.3.1.1.5 }\n"
	       "rule \"b\" { match trap 1.3.6.1.6.3.1.1.5.3 }\n", NULL);
	expect("rule \"a\" { match trap under 1.3.6.1.6.3.1.1.5 }\n"
	       "rule \"b\" { match trap 1.3.6.1.6.3.1.1.50 }\n", NULL);
	/*
	 * b's regex captures "host", which its second term then reads: b can
	 * hold for events whose own host is not "gw", so a does not cover it.
	 */
	expect("rule \"a\" { match host \"gw\" }\n"
	       "rule \"b\" { match message ~ \"from (?<host>\\\\S+)\" and host \"gw\" }\n", NULL);
	expect("rule \"a\" { match message ~ \"(?<host>\\\\S+)\" and host \"gw\" }\n"
	       "rule \"b\" { match host \"gw\" and program \"x\" }\n", NULL);
	/* A resolve-on that its match does not cover. */
	expect("rule \"x\" {\n match program \"app\" and message ~ \"down\"\n"
	       " resolve-on program \"app\" and message ~ \"up\"\n}\n", NULL);
}
END_TEST

/* A host test against an alias of a host block never holds: events carry the block's name. */
START_TEST(test_host_alias)
{
	expect("host \"sw2\" {\n address 192.0.2.12\n name \"sw2-mgmt\"\n}\n"
	       "rule \"a\" { match host = \"SW2-mgmt\" and program \"x\" }\n"
	       "rule \"b\" {\n match program \"y\"\n resolve-on not host 192.0.2.12\n}\n",
	    "t.conf:5: rule 'a' tests host against 'SW2-mgmt', a name of host 'sw2' (line 1): its "
	    "events have host 'sw2' (original-host keeps the name they came with)",
	    "t.conf:8: rule 'b' tests host against '192.0.2.12', a name of host 'sw2' (line 1): "
	    "its events have host 'sw2' (original-host keeps the name they came with)",
	    NULL);
	/* The canonical name, original-host, a regex, a host no block has: nothing to say. */
	expect("host \"sw2\" { name \"sw2-mgmt\" }\n"
	       "rule \"a\" { match host \"sw2\" and program \"a\" }\n"
	       "rule \"b\" { match original-host \"sw2-mgmt\" and program \"b\" }\n"
	       "rule \"c\" { match host ~ \"^sw2-mgmt$\" and program \"c\" }\n"
	       "rule \"d\" { match host \"web1\" }\n", NULL);
}
END_TEST

/* Two rules in different files: the earlier one is named by file:line. */
START_TEST(test_other_file)
{
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen("all.conf", "w"));
	fputs("\nrule \"all\" { match any }\n", f);
	fclose(f);
	expect("include \"all.conf\"\nrule \"b\" { match program \"b\" }\n",
	    "t.conf:2: rule 'b' is never reached: rule 'all' (all.conf:2) matches every event",
	    NULL);
	unlink("all.conf");
}
END_TEST

/* A long chain of "and" on both sides ends quickly (within Check's timeout) and says no. */
START_TEST(test_bounded)
{
	struct cond *a = cond_field("program", OP_EQ, "x0", 2, NULL);
	struct cond *b = cond_field("host", OP_EQ, "y0", 2, NULL);
	char v[16];

	for (int i = 1; i < 1000; i++) {
		int n = snprintf(v, sizeof(v), "x%d", i);
		a = cond_new(COND_AND, a, cond_field("program", OP_EQ, v, (size_t)n, NULL));
		n = snprintf(v, sizeof(v), "y%d", i);
		b = cond_new(COND_AND, b, cond_field("host", OP_EQ, v, (size_t)n, NULL));
	}
	ck_assert(!conf_lint_covers(a, b));
	ck_assert(conf_lint_covers(a, a));
	cond_free(a);
	cond_free(b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf_lint");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_match_all_hides_later_rules);
	tcase_add_test(tc, test_identical_matches);
	tcase_add_test(tc, test_broader_first);
	tcase_add_test(tc, test_resolve_on);
	tcase_add_test(tc, test_default_unreached);
	tcase_add_test(tc, test_upstreams);
	tcase_add_test(tc, test_inhibit);
	tcase_add_test(tc, test_pages);
	tcase_add_test(tc, test_no_false_warnings);
	tcase_add_test(tc, test_host_alias);
	tcase_add_test(tc, test_other_file);
	tcase_add_test(tc, test_bounded);
	suite_add_tcase(s, tc);
	return check_run(s);
}
