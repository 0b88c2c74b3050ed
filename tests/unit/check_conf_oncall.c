/*
 * check_conf_oncall.c - the contact and schedule blocks: what each
 * statement sets, contacts named before they are declared, file:line
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
#include "util.h"
#include "utc_time.h"

#include "conf_load.h"

START_TEST(test_blocks)
{
	struct conf *c = load(
	    "schedule \"ops\" {\n"
	    "  tz \"Europe/Berlin\"\n"
	    "  layer \"weekday\" { rotation weekly handoff mon 09:00; members \"alice\", \"bob\"\n"
	    "    restrict mon-fri 09:00-17:00 }\n"
	    "  layer apac {\n    rotation every 12h handoff 06:00\n    start 2026-01-05\n"
	    "    members carol, alice bob\n    restrict 00:00-08:00\n    restrict sat,sun\n  }\n"
	    "  override \"carol\" from \"2026-12-24 00:00\" to \"2026-12-27 00:00\"\n"
	    "}\n"
	    "contact \"alice\" { email \"alice@example.com\"; sms \"+15550100\"; tz \"Europe/Berlin\" }\n"
	    "contact bob { chat \"https://chat.example.com/hooks/x\" }\n"
	    "contact carol {}\n");
	const struct conf_schedule *s = conf_schedule_find(c, "ops");
	const struct schedule_layer *l;

	ck_assert_uint_eq(c->ncontacts, 3);
	ck_assert_str_eq(c->contacts[0].email, "alice@example.com");
	ck_assert_str_eq(c->contacts[0].sms, "+15550100");
	ck_assert_str_eq(c->contacts[0].tz, "Europe/Berlin");
	ck_assert_ptr_null(c->contacts[0].chat);
	/* E-mail at once by default; none for one who has no address. */
	ck_assert_uint_eq(c->contacts[0].nnotify, 1);
	ck_assert_int_eq(c->contacts[0].notify[0].channel, ESCALATION_EMAIL);
	ck_assert_int_eq(c->contacts[0].notify[0].after, 0);
	ck_assert_uint_eq(c->contacts[1].nnotify, 0);
	ck_assert_str_eq(c->contacts[1].chat, "https://chat.example.com/hooks/x");
	ck_assert_int_eq(conf_contact_index(c, "carol"), 2);
	ck_assert_int_eq(conf_contact_index(c, "dave"), -1);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->sched.tz, "Europe/Berlin");
	ck_assert_uint_eq(s->sched.nlayers, 2);
	l = &s->sched.layers[0];
	ck_assert_int_eq(l->rotation, SCHEDULE_WEEKLY);
	ck_assert_int_eq(l->handoff_wday, 1);
	ck_assert_int_eq(l->handoff_minute, 540);
	ck_assert_int_eq(l->start_day, 0);
	ck_assert_uint_eq(l->nmembers, 2);
	ck_assert_int_eq(l->members[0], 0);
	ck_assert_int_eq(l->members[1], 1);
	ck_assert_uint_eq(l->nrestricts, 1);
	ck_assert_uint_eq(l->restricts[0].days, 0x3e);
	l = &s->sched.layers[1];
	ck_assert_str_eq(s->layer_names[1], "apac");
	ck_assert_int_eq(l->rotation, SCHEDULE_EVERY);
	ck_assert_int_eq(l->length, 12 * 3600 * USEC_PER_SEC);
	ck_assert_int_eq(l->start_day, utc("2026-01-05T00:00") / (86400 * USEC_PER_SEC));
	ck_assert_uint_eq(l->nmembers, 3);
	ck_assert_int_eq(l->members[0], 2);
	ck_assert_int_eq(l->members[2], 1);
	ck_assert_uint_eq(l->nrestricts, 2);
	ck_assert_int_eq(l->restricts[0].to, 480);
	ck_assert_uint_eq(l->restricts[1].days, 0x41);
	ck_assert_int_eq(l->restricts[1].to, 1440);
	ck_assert_uint_eq(s->sched.noverrides, 1);
	ck_assert_int_eq(s->sched.overrides[0].contact, 2);
	/* Local times in the schedule's zone, given after them or not. */
	ck_assert_int_eq(s->sched.overrides[0].from, utc("2026-12-23T23:00"));
	ck_assert_int_eq(s->sched.overrides[0].to, utc("2026-12-26T23:00"));
	ck_assert_ptr_null(conf_schedule_find(c, "nope"));
	conf_free(c);
}
END_TEST

START_TEST(test_errors)
{
	const char *alice = "contact alice {}\n";
	char text[1024];
	static const struct {
		const char *conf, *want;
	} cases[] = {
		{ "schedule s {\n layer l {\n  members alice, zed\n }\n}\n",
		    "t.conf:3: unknown contact 'zed'" },
		{ "schedule s {\n layer l {\n  members alice\n }\n override zed from \"2026-01-01 "
		  "00:00\" to \"2026-01-02 00:00\"\n}\n", "t.conf:5: unknown contact 'zed'" },
		{ "schedule s {\n layer l {\n  rotation daily\n }\n}\n",
		    "t.conf:2: layer \"l\" needs a members statement" },
		{ "schedule s {\n tz UTC\n}\n", "t.conf:1: schedule \"s\" needs a layer" },
		{ "schedule s {\n tz \"Mars/Base\"\n layer l { members alice }\n}\n",
		    "t.conf:2: unknown time zone 'Mars/Base'" },
		{ "schedule s {\n layer l {\n  members alice\n  rotation daily handoff 9am\n }\n}\n",
		    "t.conf:4: expected a time of day like 02:00, got '9am'" },
		{ "schedule s {\n layer l {\n  members alice\n  rotation weekly handoff mon-fri 09:00\n"
		  " }\n}\n", "t.conf:4: a weekly handoff is on one day, got 'mon-fri'" },
		{ "schedule s {\n layer l {\n  members alice\n  rotation hourly\n }\n}\n",
		    "t.conf:4: expected 'daily', 'weekly' or 'every' after rotation, got 'hourly'" },
		{ "schedule s {\n layer l {\n  members alice\n  rotation every 30m\n }\n}\n",
		    "t.conf:4: a rotation's length must be at least 1h, got '30m'" },
		{ "schedule s {\n layer l {\n  members alice\n  rotation every 400d\n }\n}\n",
		    "t.conf:4: a rotation lasts at most 366d" },
		{ "schedule s {\n layer l {\n  members alice\n  start 2026-02-30\n }\n}\n",
		    "t.conf:4: expected a date like 2026-01-05" },
		{ "schedule s {\n layer l {\n  members alice\n  restrict mon-fry\n }\n}\n",
		    "t.conf:4: expected days of the week like mon-fri or sat,sun, got 'mon-fry'" },
		{ "schedule s {\n layer l {\n  members alice\n  restrict mon 09:00-25:00\n }\n}\n",
		    "t.conf:4: expected a range of the day like 09:00-17:00" },
		{ "schedule s {\n layer l { members alice }\n override alice from \"2026-12-24\" "
		  "to \"2026-12-25 00:00\"\n}\n", "t.conf:3: expected a local time like" },
		{ "schedule s {\n layer l { members alice }\n override alice from \"2026-12-24 "
		  "00:00\" to \"2026-12-23 00:00\"\n}\n", "t.conf:3: an override ends after it begins" },
		{ "schedule s {\n layer l { members alice }\n override alice until x\n}\n",
		    "t.conf:3: expected 'from' and a local time" },
		{ "schedule s {\n layer l { members alice }\n layer l { members alice }\n}\n",
		    "t.conf:3: duplicate layer name" },
		{ "schedule s {\n layer l { members alice }\n}\nschedule s {\n layer l { members "
		  "alice }\n}\n", "t.conf:4: duplicate schedule 's' (first at t.conf:1)" },
		{ "schedule s {\n page x\n}\n",
		    "t.conf:2: unknown keyword 'page', expected one of: layer, override, tz" },
		{ "schedule s {\n layer l {\n  who alice\n }\n}\n",
		    "t.conf:3: unknown keyword 'who', expected one of: members, restrict, rotation, "
		    "start" },
		{ "schedule \"\" {\n layer l { members alice }\n}\n",
		    "t.conf:1: a schedule's name has 1 to 64 bytes" },
		{ "contact alice {}\n", "t.conf:2: duplicate contact 'alice' (first at t.conf:1)" },
		{ "contact bob {\n pager 1\n}\n",
		    "t.conf:2: unknown keyword 'pager', expected one of: chat, email, notify, sms, tz" },
		{ "contact bob {\n email \"bob\"\n}\n",
		    "t.conf:2: expected an e-mail address like alice@example.com" },
		{ "contact bob {\n email \"bob@x\\n.com\"\n}\n", "t.conf:2: expected an e-mail" },
		{ "contact bob {\n sms \"5550100\"\n}\n",
		    "t.conf:2: expected a phone number in E.164 form like +15550100" },
		/* The empty string: the fuzzer found it read past the end. */
		{ "contact bob {\n sms \"\"\n}\n",
		    "t.conf:2: expected a phone number in E.164 form like +15550100" },
		{ "contact bob {\n chat \"ftp://x\"\n}\n", "t.conf:2: expected a webhook URL" },
		{ "contact bob {\n sms \"+15550100\"\n sms \"+15550101\"\n}\n",
		    "t.conf:3: sms given twice" },
		{ "contact bob {\n tz Europe/Berlin\n tz UTC\n}\n", "t.conf:3: tz given twice" },
		{ "contact bob {\n email b@x; notify sms after 2m\n}\n",
		    "t.conf:1: contact \"bob\" has notify sms but no sms number" },
		{ "contact bob {\n email b@x; notify chat\n}\n",
		    "t.conf:1: contact \"bob\" has notify chat but no chat URL, and notifier chat "
		    "has no url" },
		{ "contact bob {\n email b@x; notify pigeon\n}\n",
		    "t.conf:2: expected a channel (email, sms, chat or exec) after notify, got "
		    "'pigeon'" },
		{ "contact bob {\n email b@x; notify email after 5m; notify email after 1m\n}\n",
		    "t.conf:2: notify statements go in the order of their delays" },
		{ "contact bob {\n email b@x; notify email after 2d\n}\n",
		    "t.conf:2: a notify delay is at most 1d" },
		{ "contact bob {\n sms \"+15550100\"; notify email\n}\n",
		    "t.conf:1: contact \"bob\" has notify email but no email address" },
	};

	/* Contacts may come after the schedules naming them: alice comes last. */
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), "%s%s", cases[i].conf, alice);
		load_fails(text, cases[i].want);
	}
}
END_TEST

START_TEST(test_limits)
{
	limit("contact a {}\nschedule s {\n layer l {\n  members", " a", SCHEDULE_MEMBERS_MAX,
	    "\n }\n}\n", "t.conf:4: more than 64 members in a layer");
	limit("contact a {}\nschedule s {\n", " layer l# { members a }\n", SCHEDULE_LAYERS_MAX,
	    "}\n", "t.conf:19: more than 16 layers in a schedule");
	limit("contact a {}\nschedule s {\n layer l {\n  members a\n", "  restrict 1#:00-23:30\n",
	    SCHEDULE_RESTRICT_MAX, " }\n}\n", "t.conf:13: more than 8 restrict statements");
	limit("contact a {}\nschedule s {\n layer l { members a }\n",
	    " override a from \"2026-12-24 00:00\" to \"2026-12-25 00:00\"\n",
	    CONF_SCHEDULE_OVERRIDES_MAX, "}\n", "t.conf:68: more than 64 overrides");
	limit("", "contact c# {}\n", CONF_MAX_CONTACTS, "", "t.conf:1001: more than 1000 contacts");
	limit("contact a {}\n", "schedule s# { layer l { members a } }\n", CONF_MAX_SCHEDULES, "",
	    "t.conf:102: more than 100 schedules");
	limit("contact a {\n email a@x\n", " notify email after #s\n", ESCALATION_NOTIFY_MAX, "}\n",
	    "t.conf:11: more than 8 notify statements");
}
END_TEST

/* The follow-the-sun example of triaged.conf(5), and its first two weeks. */
static const char follow_the_sun[] =
	    "contact \"alice\" { email \"alice@example.com\"; sms \"+15550100\"; tz \"Europe/Berlin\" }\n"
	    "contact \"bob\"   { email \"bob@example.com\" }\n"
	    "contact \"carol\" { email \"carol@example.com\"; tz \"Asia/Tokyo\" }\n"
	    "contact \"dave\"  { email \"dave@example.com\"; tz \"Asia/Tokyo\" }\n"
	    "contact \"erin\"  { email \"erin@example.com\"; tz \"America/New_York\" }\n"
	    "contact \"frank\" { email \"frank@example.com\"; tz \"America/New_York\" }\n"
	    "\n"
	    "schedule \"ops\" {\n"
	    "\ttz \"UTC\"\n"
	    "\tlayer \"apac\" {\n"
	    "\t\trotation weekly handoff mon 00:00\n"
	    "\t\tmembers \"carol\", \"dave\"\n"
	    "\t\trestrict 00:00-08:00\n"
	    "\t}\n"
	    "\tlayer \"emea\" {\n"
	    "\t\trotation weekly handoff mon 08:00\n"
	    "\t\tmembers \"alice\", \"bob\"\n"
	    "\t\trestrict 08:00-16:00\n"
	    "\t}\n"
	    "\tlayer \"amer\" {\n"
	    "\t\trotation weekly handoff mon 16:00\n"
	    "\t\tstart 2026-01-05\n"
	    "\t\tmembers \"erin\", \"frank\"\n"
	    "\t\trestrict 16:00-24:00\n"
	    "\t}\n"
	    "\toverride \"bob\" from \"2026-12-24 00:00\" to \"2026-12-27 00:00\"\n"
	    "}\n";

START_TEST(test_follow_the_sun)
{
	struct conf *c = load(follow_the_sun);
	const struct conf_schedule *s = conf_schedule_find(c, "ops");
	static struct schedule_shift out[SCHEDULE_SHIFTS_MAX];
	static const char *const weeks[2][3] = { { "carol", "alice", "erin" },
		{ "dave", "bob", "frank" } };
	int64_t from = utc("2026-12-07T00:00");
	struct schedule_rows r = { out, SCHEDULE_SHIFTS_MAX, 0, SCHEDULE_STEPS_MAX, false };

	schedule_rota(&s->sched, NULL, 0, from, from + 14 * 86400 * USEC_PER_SEC, &r);
	ck_assert(!r.cut);
	ck_assert_uint_eq(r.n, 42);
	for (size_t i = 0; i < r.n; i++) {
		ck_assert_str_eq(c->contacts[out[i].contact].name, weeks[i / 21][i % 3]);
		ck_assert_int_eq(out[i].start, from + (int64_t)i * 8 * 3600 * USEC_PER_SEC);
	}
	/* The override: bob from Christmas Eve, in UTC. */
	r.steps = SCHEDULE_STEPS_MAX;
	schedule_rota(&s->sched, NULL, 0, utc("2026-12-23T23:00"), utc("2026-12-28T00:00"), &r);
	ck_assert_str_eq(c->contacts[out[1].contact].name, "bob");
	ck_assert_int_eq(out[1].start, utc("2026-12-24T00:00"));
	ck_assert_int_eq(out[1].end, utc("2026-12-27T00:00"));
	conf_free(c);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("conf_oncall");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60); /* the limits build large configs: slow under valgrind and load */

	tcase_add_test(tc, test_blocks);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_follow_the_sun);
	suite_add_tcase(s, tc);
	return check_run(s);
}
