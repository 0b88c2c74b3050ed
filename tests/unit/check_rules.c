/*
 * check_rules.c - rule evaluation: operators, captures, regex limits, CIDR,
 * precedence, first-match-wins, resolve-on and templates.  Rules are built
 * through conf_load_buffer() so the tests read like configurations.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "conf.h"
#include "rules.h"

static struct event ev;
/* Configs loaded by holds(): captures name their groups by pointing into them. */
static struct conf *loaded[64];
static size_t nloaded;

static struct str
S(const char *s)
{
	return str_make(s, strlen(s));
}

static void
setup(void)
{
	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, 4096);
	ev.type = EVENT_SYSLOG;
	ev.facility = 3; /* daemon */
	ev.severity = 3; /* err */
	ev.host = S("web1");
	ev.program = S("sshd");
	ev.pid = S("42");
	ev.message = S("Failed password for root from 192.0.2.7 port 22");
	ev.source = S("192.0.2.7");
}

static void
teardown(void)
{
	while (nloaded > 0)
		conf_free(loaded[--nloaded]);
	event_free(&ev);
}

static void
set_src4(const char *addr)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ev.src;

	memset(&ev.src, 0, sizeof(ev.src));
	sin->sin_family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
}

static void
set_src6(const char *addr)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ev.src;

	memset(&ev.src, 0, sizeof(ev.src));
	sin6->sin6_family = AF_INET6;
	ck_assert_int_eq(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
}

static struct conf *
load(const char *text)
{
	struct conf *conf = NULL;
	char *cause = NULL;
	int r = conf_load_buffer("t.conf", text, strlen(text), &conf, &cause);

	ck_assert_msg(r == 0, "%s", cause ? cause : "?");
	return conf;
}

/* Whether the single-rule config "rule t { match EXPR }" matches ev. */
static bool
holds(const char *expr)
{
	char *text;
	struct conf *conf;
	bool r;

	xasprintf(&text, "rule t { match %s }", expr);
	conf = load(text);
	r = cond_eval(conf->rules[0]->match, &ev);
	free(text);
	if (nloaded == ARRAY_SIZE(loaded))
		conf_free(loaded[--nloaded]);
	loaded[nloaded++] = conf;
	return r;
}

static const char *
field(const char *name)
{
	static char buf[256];
	struct str v;

	if (event_get(&ev, S(name), &v) < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "%.*s", (int)v.n, v.p);
	return buf;
}

START_TEST(test_severity_facility)
{
	/* Severity numbers grow as urgency falls: "<= err" is err or worse. */
	ck_assert(holds("severity <= err"));
	ck_assert(holds("severity = err"));
	ck_assert(holds("severity err"));
	ck_assert(holds("severity < warning"));
	ck_assert(!holds("severity < err"));
	ck_assert(holds("severity > crit"));
	ck_assert(holds("severity >= err"));
	ck_assert(!holds("severity != error"));
	ck_assert(holds("severity <= 3"));
	ev.severity = 6;
	ck_assert(!holds("severity <= err"));
	ck_assert(holds("severity >= notice"));
	ck_assert(holds("facility daemon"));
	ck_assert(holds("facility != kern"));
	ck_assert(holds("facility > mail and facility < auth"));
	ck_assert(!holds("facility >= local0"));
	ck_assert(holds("facility <= 3"));
}
END_TEST

START_TEST(test_sources)
{
	ck_assert(holds("syslog"));
	ck_assert(holds("any"));
	ck_assert(!holds("trap"));
	ck_assert(holds("syslog program sshd"));
	ck_assert(!holds("journal program sshd"));
	ev.type = EVENT_JOURNAL;
	ck_assert(holds("journal"));
	ck_assert(holds("any program sshd"));
}
END_TEST

START_TEST(test_string_ops)
{
	ck_assert(holds("host web1"));
	ck_assert(holds("host = \"web1\""));
	ck_assert(!holds("host = web"));
	ck_assert(holds("host != web"));
	ck_assert(holds("host ~ \"^web[0-9]$\""));
	ck_assert(!holds("host !~ \"^web\""));
	ck_assert(holds("pid = 42 and program = sshd"));
	ck_assert(holds("message ~ \"port \\d+$\""));
	ck_assert(!holds("message ~ \"PORT\""));
	ck_assert(holds("message ~ \"(?i)PORT\""));
	/* A field the event does not have reads as "". */
	ck_assert(holds("msgid = \"\""));
	ck_assert(holds("sd.meta.x = \"\""));
	ck_assert(!holds("sd.meta.x ~ \".\""));
	ck_assert(holds("field \"seq\" !~ \".\""));
	event_add_field(&ev, S("sd.meta.x"), S("7"));
	event_add_field(&ev, S("seq"), S("100"));
	ck_assert(holds("sd.meta.x = 7"));
	ck_assert(holds("field \"seq\" ~ \"^1\""));
	ck_assert(holds("field \"facility\" = daemon and field \"severity\" = err"));
	/* "source ~" is the address as text; "source = ADDR" is a CIDR test (test_cidr). */
	ck_assert(holds("source ~ \"^192\\.0\\.2\\.7$\""));
}
END_TEST

START_TEST(test_precedence)
{
	/* or < and < not */
	ck_assert(holds("host = x or host = web1 and program = sshd"));
	ck_assert(!holds("(host = x or host = web1) and program = x"));
	ck_assert(holds("host = x and program = x or pid = 42"));
	ck_assert(!holds("host = x and (program = x or pid = 42)"));
	ck_assert(!holds("not host = web1 and pid = 42"));
	ck_assert(holds("not (host = web1 and pid = 0)"));
	ck_assert(holds("not not host = web1"));
	ck_assert(holds("not host = x or host = y"));
}
END_TEST

START_TEST(test_cidr)
{
	set_src4("192.0.2.7");
	ck_assert(holds("source 192.0.2.0/24"));
	ck_assert(holds("source 192.0.2.7"));
	ck_assert(!holds("source 192.0.2.8"));
	ck_assert(holds("source 0.0.0.0/0"));
	ck_assert(holds("source 192.0.2.6/31"));
	ck_assert(!holds("source 192.0.2.0/30"));
	ck_assert(holds("source 192.0.2.0/29"));
	ck_assert(!holds("source 10.0.0.0/8"));
	ck_assert(holds("source != 10.0.0.0/8"));
	ck_assert(!holds("source ::/0"));
	set_src6("::ffff:10.1.2.3"); /* IPv4 on a dual-stack socket */
	ck_assert(holds("source 10.0.0.0/8"));
	ck_assert(!holds("source 10.0.0.0/16"));
	set_src6("2001:db8::1");
	ck_assert(holds("source 2001:db8::/32"));
	ck_assert(holds("source \"2001:db8::/33\""));
	ck_assert(!holds("source 2001:db9::/32"));
	ck_assert(!holds("source 0.0.0.0/0"));
	ck_assert(holds("source 2001:db8::1"));
	ck_assert(!holds("source ::1"));
	memset(&ev.src, 0, sizeof(ev.src)); /* the unix socket: no address */
	ck_assert(!holds("source 0.0.0.0/0"));
	ck_assert(holds("source != ::/0"));
}
END_TEST

START_TEST(test_captures)
{
	struct conf *conf = load(
	    "rule ssh {\n"
	    "  match program sshd and message ~ \"for (?<user>\\S+) from (?<rhost>\\S+)"
	    "(?: port (?<port>\\d+))?(?<never>x)?\"\n"
	    "  key \"{host}/sshd/{rhost}\"\n"
	    "}\n");
	const struct rule *r;
	char key[64];

	ck_assert_int_eq(rules_eval(conf->rules, conf->nrules, &ev, &r), RULES_MATCH);
	ck_assert_ptr_eq(r, conf->rules[0]);
	ck_assert_str_eq(field("user"), "root");
	ck_assert_str_eq(field("rhost"), "192.0.2.7");
	ck_assert_str_eq(field("port"), "22");
	ck_assert_ptr_null(field("never")); /* did not take part */
	ck_assert_str_eq(field("rule"), "ssh");
	/* Values point into the event's own strings. */
	ck_assert(ev.fields[1].value.p >= ev.message.p &&
	    ev.fields[1].value.p < ev.message.p + ev.message.n);
	ck_assert_uint_eq(template_expand(r->key, &ev, key, sizeof(key)), 19);
	ck_assert_str_eq(key, "web1/sshd/192.0.2.7");
	conf_free(conf);
}
END_TEST

START_TEST(test_captures_taken_back)
{
	/* Captures of conditions that did not hold leave nothing behind. */
	ck_assert(!holds("message ~ \"(?<a>root)\" and host = x"));
	ck_assert_uint_eq(ev.nfields, 0);
	ck_assert(holds("not message ~ \"(?<a>nobody)\""));
	ck_assert_uint_eq(ev.nfields, 0);
	ck_assert(holds("(message ~ \"(?<a>root)\" and host = x) or message ~ \"(?<b>port)\""));
	ck_assert_uint_eq(ev.nfields, 1);
	ck_assert_str_eq(field("b"), "port");
	ck_assert_ptr_null(field("a"));
	ev.nfields = 0;
	ck_assert(!holds("not message ~ \"(?<c>root)\""));
	ck_assert_uint_eq(ev.nfields, 0);
	ck_assert(holds("message !~ \"(?<d>nobody)\""));
	ck_assert_uint_eq(ev.nfields, 0);
}
END_TEST

START_TEST(test_match_limit)
{
	static char subject[20001];
	struct regex *re;
	char *cause = NULL;
	clock_t t0 = clock();

	memset(subject, 'a', sizeof(subject) - 2);
	subject[sizeof(subject) - 2] = 'b';
	ev.message = str_make(subject, sizeof(subject) - 1);
	/* Exponential backtracking: abandoned at the limit, counted as no match. */
	ck_assert(!holds("message ~ \"(a+)+$\""));
	ck_assert(holds("message !~ \"(a+)+$\""));
	ck_assert(!holds("message ~ \"^(a|aa)+$\""));
	ck_assert_msg((clock() - t0) / CLOCKS_PER_SEC < 5, "the match limit did not hold");
	/* The same regex still works on input it can handle. */
	ev.message = S("aaaa");
	ck_assert(holds("message ~ \"(a+)+$\""));
	ck_assert_int_eq(regex_compile("(a+)+$", &re, &cause), 0);
	regex_free(re);
}
END_TEST

START_TEST(test_regex_bytes)
{
	/* Not UTF-8: invalid sequences still match byte-wise, and (*UTF) is refused. */
	struct regex *re;
	char *cause = NULL;

	ev.message = S("disk \xff\xfe failed");
	ck_assert(holds("message ~ \"disk .. failed\""));
	ck_assert_int_eq(regex_compile("(*UTF)x", &re, &cause), -EINVAL);
	ck_assert_ptr_nonnull(strstr(cause, "at offset"));
	free(cause);
}
END_TEST

START_TEST(test_regex_compile)
{
	const char *const *names;
	struct regex *re;
	char *cause = NULL;

	ck_assert_int_eq(regex_compile("a(b", &re, &cause), -EINVAL);
	ck_assert_str_eq(cause, "missing closing parenthesis at offset 3");
	free(cause);
	ck_assert_int_eq(regex_compile("(?<x>a)(?<yy>b)(c)", &re, &cause), 0);
	ck_assert_uint_eq(regex_names(re, &names), 2);
	ck_assert_str_eq(names[0], "x");
	ck_assert_str_eq(names[1], "yy");
	regex_free(re);
	ck_assert_int_eq(regex_compile("abc", &re, &cause), 0);
	ck_assert_uint_eq(regex_names(re, &names), 0);
	regex_free(re);
}
END_TEST

START_TEST(test_first_match_wins)
{
	struct conf *conf = load("rule a { match program x }\n"
				 "rule b { match program sshd; drop }\n"
				 "rule c { match program sshd }\n");
	const struct rule *r = (const struct rule *)1;

	ck_assert_int_eq(rules_eval(conf->rules, conf->nrules, &ev, &r), RULES_MATCH);
	ck_assert_str_eq(r->name, "b");
	ck_assert(r->drop);
	ev.program = S("other");
	ev.nfields = 0;
	ck_assert_int_eq(rules_eval(conf->rules, conf->nrules, &ev, &r), RULES_NONE);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(ev.nfields, 0);
	ck_assert_int_eq(rules_eval(conf->rules, conf->nrules, &ev, NULL), RULES_NONE);
	conf_free(conf);
}
END_TEST

START_TEST(test_resolve_on)
{
	struct conf *conf = load(
	    "rule other { match program x; resolve-on message ~ \"nothing\" }\n"
	    "rule \"interface down\" {\n"
	    "  match message ~ \"Interface (?<ifname>\\S+), changed state to down\"\n"
	    "  resolve-on message ~ \"Interface (?<ifname>\\S+), changed state to up\"\n"
	    "  key \"{host}/if/{ifname}\"\n"
	    "  summary \"{rule}: {ifname} on {host} ({severity}/{facility})\"\n"
	    "}\n");
	const struct rule *r;
	char buf[128];

	ev.message = S("Interface Gi0/1, changed state to down");
	ck_assert_int_eq(rules_eval(conf->rules, conf->nrules, &ev, &r), RULES_MATCH);
	template_expand(r->key, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web1/if/Gi0/1");
	template_expand(r->summary, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "interface down: Gi0/1 on web1 (err/daemon)");

	ev.nfields = 0;
	ev.message = S("Interface Gi0/1, changed state to up");
	ck_assert_int_eq(rules_eval(conf->rules, conf->nrules, &ev, &r), RULES_RESOLVE);
	ck_assert_str_eq(r->name, "interface down");
	template_expand(r->key, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web1/if/Gi0/1");
	conf_free(conf);
}
END_TEST

START_TEST(test_templates)
{
	const char *known[] = { "dev" };
	struct template *t;
	char *cause = NULL, buf[16];

	ck_assert_int_eq(template_compile("{{literal}} {host}/{dev}}}", known, 1, &t, &cause), 0);
	ck_assert_uint_eq(t->nparts, 5);
	ck_assert_uint_eq(template_expand(t, &ev, buf, sizeof(buf)), 16);
	ck_assert_str_eq(buf, "{literal} web1/");	/* truncated, NUL-terminated */
	event_add_field(&ev, S("dev"), S("sda"));
	ck_assert_uint_eq(template_expand(t, &ev, buf, sizeof(buf)), 19);
	ck_assert_uint_eq(template_expand(t, &ev, NULL, 0), 19);
	template_free(t);

	ck_assert_int_eq(template_compile("", NULL, 0, &t, &cause), 0);
	ck_assert_uint_eq(template_expand(t, &ev, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	template_free(t);
	ck_assert_int_eq(template_compile("{sd.a.b}{seq}{rule}{source}{pid}{msgid}", NULL, 0, &t,
			     &cause), 0);
	template_free(t);

	ck_assert_int_eq(template_compile("{dev}", NULL, 0, &t, &cause), -EINVAL);
	ck_assert_str_eq(cause, "unknown field '{dev}'");
	free(cause);
	ck_assert_int_eq(template_compile("a{}", NULL, 0, &t, &cause), -EINVAL);
	ck_assert_str_eq(cause, "empty field name '{}' at offset 1");
	free(cause);
	ck_assert_int_eq(template_compile("{a{b}", NULL, 0, &t, &cause), -EINVAL);
	ck_assert_str_eq(cause, "unterminated '{' at offset 0");
	free(cause);
	ck_assert_int_eq(template_compile("}", NULL, 0, &t, &cause), -EINVAL);
	ck_assert_str_eq(cause, "unmatched '}' at offset 0");
	free(cause);
	ck_assert_int_eq(template_compile("{sd.}", NULL, 0, &t, &cause), -EINVAL);
	free(cause);
}
END_TEST

/* A winning rule carries its upstreams and PagerDuty payload templates; freeing it frees them. */
START_TEST(test_send_and_payload)
{
	char key[] = "/tmp/check_rules.key.XXXXXX", *text, buf[64];
	int fd = mkstemp(key);
	const struct rule *r = NULL;
	struct conf *conf;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "k\n", 2), 2);
	close(fd);
	xasprintf(&text,
	    "rule ssh {\n match program sshd and message ~ \"for (?<user>\\S+) from\"\n"
	    " send \"b\" \"a\"\n component \"{program}\"; group \"{host}\"\n"
	    " class \"login/{user}\"\n}\n"
	    "upstream a pagerduty { routing-key-file \"%s\" }\n"
	    "upstream b pagerduty { routing-key-file \"%s\" }\n",
	    key, key);
	conf = load(text);
	free(text);
	unlink(key);
	ck_assert_int_eq(rules_eval(conf->rules, conf->nrules, &ev, &r), RULES_MATCH);
	ck_assert_uint_eq(r->nsend, 2);
	ck_assert_uint_eq(r->send[0], 1);
	ck_assert_uint_eq(r->send[1], 0);
	template_expand(r->component, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "sshd");
	template_expand(r->group, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web1");
	template_expand(r->class_, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "login/root");
	conf_free(conf);

	conf = load("rule plain { match any }\n");
	ck_assert_uint_eq(conf->rules[0]->nsend, 0);
	ck_assert_ptr_null(conf->rules[0]->send);
	ck_assert_ptr_null(conf->rules[0]->component);
	ck_assert_ptr_null(conf->rules[0]->group);
	ck_assert_ptr_null(conf->rules[0]->class_);
	conf_free(conf);
}
END_TEST

START_TEST(test_fields_full)
{
	/* With the event's field table full, captures are lost but the match counts. */
	for (int i = 0; i < EVENT_MAX_FIELDS; i++)
		event_add_field(&ev, S("x"), S("y"));
	ck_assert(holds("message ~ \"(?<user>root)\""));
	ck_assert_uint_eq(ev.nfields, EVENT_MAX_FIELDS);
}
END_TEST

static Suite *
rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_severity_facility);
	tcase_add_test(tc, test_sources);
	tcase_add_test(tc, test_string_ops);
	tcase_add_test(tc, test_precedence);
	tcase_add_test(tc, test_cidr);
	tcase_add_test(tc, test_captures);
	tcase_add_test(tc, test_captures_taken_back);
	tcase_add_test(tc, test_match_limit);
	tcase_add_test(tc, test_regex_bytes);
	tcase_add_test(tc, test_regex_compile);
	tcase_add_test(tc, test_first_match_wins);
	tcase_add_test(tc, test_resolve_on);
	tcase_add_test(tc, test_templates);
	tcase_add_test(tc, test_send_and_payload);
	tcase_add_test(tc, test_fields_full);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(rules_suite());
}
