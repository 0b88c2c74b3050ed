/*
 * check_conf_journal.c - the journal { } block (filters, start, directory,
 * file:line errors, equality for reloads), journal entries turned into
 * events, and rules on journal events: source type, program, and field
 * conditions and templates naming journal fields.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "conf.h"
#include "conf_journal.h"
#include "event.h"
#include "input_journal.h"
#include "rules.h"

#include "conf_load.h"

START_TEST(test_block)
{
	struct conf *c = load("journal {\n"
			      "  priority <= warning\n"
			      "  unit \"sshd\" cron.service\n"
			      "  unit \"nginx.service\"\n"
			      "  identifier \"sshd\"\n"
			      "  match \"_TRANSPORT=kernel\" \"_UID=0\"\n"
			      "  directory \"/var/log/journal/remote\"\n"
			      "  start head\n"
			      "}\n");
	const struct conf_journal *j = &c->journal;

	ck_assert(j->enabled);
	ck_assert_int_eq(j->priority, 4);
	ck_assert_uint_eq(j->nunits, 3);
	ck_assert_str_eq(j->units[0], "sshd.service");
	ck_assert_str_eq(j->units[1], "cron.service");
	ck_assert_str_eq(j->units[2], "nginx.service");
	ck_assert_uint_eq(j->nidentifiers, 1);
	ck_assert_str_eq(j->identifiers[0], "sshd");
	ck_assert_uint_eq(j->nmatches, 2);
	ck_assert_str_eq(j->matches[1], "_UID=0");
	ck_assert_str_eq(j->directory, "/var/log/journal/remote");
	ck_assert_int_eq(j->start, CONF_JOURNAL_HEAD);
	ck_assert_int_eq(j->line, 1);
	conf_free(c);
}
END_TEST

START_TEST(test_defaults)
{
	struct conf *none = load("hostname h\n");
	struct conf *empty = load("journal { }\n");
	struct conf *one = load("journal {}\n");
	struct conf *num = load("journal { priority <= 3; start tail }\n");

	ck_assert(!none->journal.enabled);
	ck_assert(empty->journal.enabled);
	ck_assert_int_eq(empty->journal.priority, -1);
	ck_assert_int_eq(empty->journal.start, CONF_JOURNAL_TAIL);
	ck_assert_ptr_null(empty->journal.directory);
	ck_assert(conf_journal_equal(&empty->journal, &one->journal));
	ck_assert(!conf_journal_equal(&empty->journal, &none->journal));
	ck_assert(!conf_journal_equal(&empty->journal, &num->journal));
	ck_assert_int_eq(num->journal.priority, 3);
	conf_free(none);
	conf_free(empty);
	conf_free(one);
	conf_free(num);
}
END_TEST

START_TEST(test_equal)
{
	struct conf *a = load("journal { unit a.service; match \"X=1\"; directory \"/j\" }\n");
	struct conf *b = load("journal {\n unit \"a\"\n match \"X=1\"\n directory /j\n}\n");
	struct conf *c = load("journal { unit a.service; match \"X=2\"; directory \"/j\" }\n");
	struct conf *d = load("journal { unit a.service; match \"X=1\" }\n");

	ck_assert(conf_journal_equal(&a->journal, &b->journal));
	ck_assert(!conf_journal_equal(&a->journal, &c->journal));
	ck_assert(!conf_journal_equal(&a->journal, &d->journal));
	conf_free(a);
	conf_free(b);
	conf_free(c);
	conf_free(d);
}
END_TEST

START_TEST(test_errors)
{
	load_fails("journal { }\njournal { }\n", "t.conf:2: journal already set at t.conf:1");
	load_fails("journal {\n priority warning\n}\n", "t.conf:2: expected '<=' after priority");
	load_fails("journal {\n priority <= loud\n}\n", "t.conf:2: expected a priority");
	load_fails("journal {\n priority <= 8\n}\n", "t.conf:2: expected a priority");
	load_fails("journal {\n priority <= err\n priority <= info\n}\n",
	    "t.conf:3: priority already set at line 2");
	load_fails("journal {\n start middle\n}\n", "t.conf:2: expected head or tail");
	load_fails("journal {\n unit\n}\n", "t.conf:2: unit needs a value");
	load_fails("journal {\n unit \"\"\n}\n", "t.conf:2: unit must not be empty");
	load_fails("journal {\n match \"lower=1\"\n}\n", "t.conf:2: match \"lower=1\" is not FIELD=value");
	load_fails("journal {\n match \"NOEQUALS\"\n}\n", "is not FIELD=value");
	load_fails("journal {\n match \"1ABC=x\"\n}\n", "is not FIELD=value");
	load_fails("journal {\n directory \"\"\n}\n", "t.conf:2: directory must not be empty");
	load_fails("journal {\n directory /a\n directory /b\n}\n", "t.conf:3: directory already set");
	load_fails("journal {\n follow yes\n}\n", "t.conf:2: unknown keyword 'follow'");
	load_fails("journal {\n unit x\n", "t.conf:3: unexpected end of file in journal");
}
END_TEST

START_TEST(test_field_name)
{
	ck_assert(conf_journal_field_name("MESSAGE", 7));
	ck_assert(conf_journal_field_name("_SYSTEMD_UNIT", 13));
	ck_assert(!conf_journal_field_name("", 0));
	ck_assert(!conf_journal_field_name("Message", 7));
	ck_assert(!conf_journal_field_name("9X", 2));
}
END_TEST

static struct event ev;

static void
add(const char *data)
{
	journal_event_add(&ev, data, strlen(data), 64);
}

START_TEST(test_event)
{
	journal_event_begin(&ev, 64, 1000);
	add("_HOSTNAME=web-01");
	add("PRIORITY=3");
	add("SYSLOG_FACILITY=10");
	add("_COMM=dchk");
	add("SYSLOG_IDENTIFIER=disk-check");
	add("_PID=4242");
	add("_SYSTEMD_UNIT=disk-check.service");
	add("MESSAGE=disk /dev/sda failing");
	add("garbage without equals");
	journal_event_finish(&ev, "local");

	ck_assert_int_eq(ev.type, EVENT_JOURNAL);
	ck_assert_uint_eq(ev.flags, 0);
	ck_assert_int_eq(ev.severity, 3);
	ck_assert_int_eq(ev.facility, 10);
	ck_assert_int_eq(ev.recv_usec, 1000);
	ck_assert(str_eq_cstr(ev.host, "web-01"));
	ck_assert(str_eq_cstr(ev.program, "disk-check"));
	ck_assert(str_eq_cstr(ev.pid, "4242"));
	ck_assert(str_eq_cstr(ev.message, "disk /dev/sda failing"));
	ck_assert(str_eq_cstr(ev.source, "journal"));
	ck_assert_uint_eq(ev.nfields, 8);

	struct str v;
	ck_assert_int_eq(event_get(&ev, STR_LIT("_SYSTEMD_UNIT"), &v), 0);
	ck_assert(str_eq_cstr(v, "disk-check.service"));
	ck_assert_int_eq(event_get(&ev, STR_LIT("PRIORITY"), &v), 0);
	ck_assert(str_eq_cstr(v, "3"));
}
END_TEST

START_TEST(test_event_defaults)
{
	char big[200];

	/* No identifier: _COMM; no host: ours; no priority: notice, flagged. */
	journal_event_begin(&ev, 64, 1000);
	add("_COMM=kworker");
	add("SYSLOG_PID=7");
	add("PRIORITY=9");
	memset(big, 'x', sizeof(big) - 1);
	memcpy(big, "MESSAGE=", 8);
	big[sizeof(big) - 1] = '\0';
	add(big);
	journal_event_finish(&ev, "local");
	ck_assert(str_eq_cstr(ev.program, "kworker"));
	ck_assert(str_eq_cstr(ev.pid, "7"));
	ck_assert(str_eq_cstr(ev.host, "local"));
	ck_assert_int_eq(ev.severity, 5);
	ck_assert_int_eq(ev.facility, 1);
	ck_assert(ev.flags & EVENT_NO_PRI);
	ck_assert(ev.flags & EVENT_TRUNCATED);
	ck_assert_uint_eq(ev.message.n, 64);

	/* Fields beyond the cap are left out, never half-stored. */
	journal_event_begin(&ev, 64, 1000);
	for (int i = 0; i < 100; i++) {
		char f[32];
		snprintf(f, sizeof(f), "F%d=%d", i, i);
		add(f);
	}
	ck_assert_uint_lt(ev.nfields, EVENT_MAX_FIELDS);
	event_free(&ev);
}
END_TEST

START_TEST(test_rules)
{
	struct conf *c = load(
	    "rule \"disk\" {\n"
	    "  match journal program \"disk-check\" and message ~ \"disk (?<dev>/dev/\\\\w+) failing\"\n"
	    "  key \"{host}/{_SYSTEMD_UNIT}/{dev}\"\n"
	    "  summary \"{dev} failing on {_HOSTNAME} (priority {PRIORITY})\"\n"
	    "}\n"
	    "rule \"unit\" { match journal field \"_SYSTEMD_UNIT\" = \"sshd.service\" }\n"
	    "rule \"syslog-only\" { match syslog }\n");
	const struct rule *r = NULL;
	char buf[256];

	journal_event_begin(&ev, 1024, 1000);
	add("_HOSTNAME=web-01");
	add("PRIORITY=3");
	add("SYSLOG_IDENTIFIER=disk-check");
	add("_SYSTEMD_UNIT=disk-check.service");
	add("MESSAGE=disk /dev/sda failing");
	journal_event_finish(&ev, "local");
	ck_assert_int_eq(rules_eval(c->rules, c->nrules, &ev, &r), RULES_MATCH);
	ck_assert_str_eq(r->name, "disk");
	template_expand(r->key, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "web-01/disk-check.service//dev/sda");
	template_expand(r->summary, &ev, buf, sizeof(buf));
	ck_assert_str_eq(buf, "/dev/sda failing on web-01 (priority 3)");

	journal_event_begin(&ev, 1024, 1000);
	add("SYSLOG_IDENTIFIER=sshd");
	add("_SYSTEMD_UNIT=sshd.service");
	add("MESSAGE=Accepted publickey");
	journal_event_finish(&ev, "local");
	ck_assert_int_eq(rules_eval(c->rules, c->nrules, &ev, &r), RULES_MATCH);
	ck_assert_str_eq(r->name, "unit");

	journal_event_begin(&ev, 1024, 1000);
	add("_SYSTEMD_UNIT=cron.service");
	journal_event_finish(&ev, "local");
	ck_assert_int_eq(rules_eval(c->rules, c->nrules, &ev, &r), RULES_NONE);
	event_free(&ev);
	conf_free(c);
}
END_TEST

START_TEST(test_template_names)
{
	struct template *t = NULL;
	char *cause = NULL;

	ck_assert_int_eq(template_compile("{_SYSTEMD_UNIT} {MESSAGE}", NULL, 0, &t, &cause), 0);
	template_free(t);
	ck_assert_int_lt(template_compile("{_lower}", NULL, 0, &t, &cause), 0);
	free(cause);
	cause = NULL;
	ck_assert_int_lt(template_compile("{___}", NULL, 0, &t, &cause), 0);
	free(cause);
}
END_TEST

static Suite *
conf_journal_suite(void)
{
	Suite *s = suite_create("conf_journal");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_block);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_equal);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_field_name);
	tcase_add_test(tc, test_event);
	tcase_add_test(tc, test_event_defaults);
	tcase_add_test(tc, test_rules);
	tcase_add_test(tc, test_template_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(conf_journal_suite());
}
