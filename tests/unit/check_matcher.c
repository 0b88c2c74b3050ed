/*
 * check_matcher.c - silence and maintenance matchers: the command line's
 * form, each operator, anchored regexes, missing fields, and the bounds.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "matcher.h"

/* A subject: NULL-terminated pairs of field and value. */
static bool
lookup(const char *field, struct str *value, void *arg)
{
	const char *const *kv = arg;

	for (; kv[0] != NULL; kv += 2)
		if (strcmp(kv[0], field) == 0) {
			*value = str_make(kv[1], strlen(kv[1]));
			return true;
		}
	return false;
}

static const char *const db1[] = { "host", "db-01", "severity", "crit", "rule", "disk", NULL };
static const char *const web1[] = { "host", "web-01", "severity", "err", NULL };

/* Whether the matcher text holds for the subject; fails the test when it does not parse. */
static bool
holds(const char *text, const char *const *subject)
{
	struct matcher m;
	char *cause = NULL;
	bool r;

	ck_assert_msg(matcher_parse(text, &m, &cause) == 0, "%s: %s", text, cause);
	r = matcher_match(&m, lookup, (void *)subject);
	matcher_clear(&m);
	return r;
}

static void
refused(const char *text, const char *why)
{
	struct matcher m;
	char *cause = NULL;

	ck_assert_int_eq(matcher_parse(text, &m, &cause), -EINVAL);
	ck_assert_msg(cause != NULL && strstr(cause, why) != NULL, "%s: got '%s'", text, cause);
	free(cause);
}

START_TEST(operators)
{
	ck_assert(holds("host=db-01", db1));
	ck_assert(!holds("host=db-01", web1));
	ck_assert(holds("host!=db-01", web1));
	ck_assert(!holds("host!=db-01", db1));
	ck_assert(holds("host~^db-", db1));
	ck_assert(holds("host~db-.*", db1));
	ck_assert(!holds("host~^db-", web1));
	ck_assert(holds("host!~^db-", web1));
	ck_assert(!holds("host!~^db-", db1));
	ck_assert(holds("host~^(db|web)-0[0-9]$", web1));
}
END_TEST

/* Searched as the rules' ~ are: ^ and $ anchor where written. */
START_TEST(regexes_anchor_where_written)
{
	ck_assert(holds("host~db", db1));
	ck_assert(holds("host~01", db1));
	ck_assert(!holds("host~^01", db1));
	ck_assert(!holds("host~^db$", db1));
	ck_assert(holds("host~^db-01$", db1));
	ck_assert(!holds("host~^(db-01|x)$", web1));
	ck_assert(holds("host~^(db-01|web-01)$", web1));
}
END_TEST

START_TEST(missing_fields_are_empty)
{
	ck_assert(holds("program=", db1));
	ck_assert(!holds("program=sshd", db1));
	ck_assert(holds("program!=sshd", db1));
	ck_assert(holds("program~.*", db1));
	ck_assert(!holds("program~.", db1));
}
END_TEST

START_TEST(severity_names)
{
	ck_assert(holds("severity=critical", db1));
	ck_assert(holds("severity=crit", db1));
	ck_assert(holds("severity=error", web1));
	ck_assert(holds("severity!=critical", web1));
	ck_assert(holds("severity~^(crit|err)$", web1));
}
END_TEST

START_TEST(format_round_trip)
{
	const char *texts[] = { "host~^db-", "severity=crit", "rule!=disk", "msg!~a=b~c", "key=" };
	char buf[MATCHER_TEXT_MAX];
	struct matcher m;
	char *cause = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		ck_assert_int_eq(matcher_parse(texts[i], &m, &cause), 0);
		matcher_format(&m, buf, sizeof(buf));
		ck_assert_str_eq(buf, texts[i]);
		matcher_clear(&m);
	}
	ck_assert_int_eq(matcher_parse("severity=critical", &m, &cause), 0);
	matcher_format(&m, buf, sizeof(buf));
	ck_assert_str_eq(buf, "severity=crit");
	matcher_clear(&m);
}
END_TEST

START_TEST(bad_matchers)
{
	char field[MATCHER_FIELD_MAX + 8], value[MATCHER_VALUE_MAX + 16];

	refused("host", "is not a matcher");
	refused("=x", "1 to 64 characters");
	refused("ho st=x", "is not a matcher");
	refused("host~(a", "bad regex");
	refused("host~a[", "bad regex");
	refused("host~a{1000}", "at most 2 intervals");
	refused("host~a{1}b{2}c{3}", "at most 2 intervals");
	memset(field, 'f', MATCHER_FIELD_MAX + 1);
	strcpy(field + MATCHER_FIELD_MAX + 1, "=x");
	refused(field, "1 to 64 characters");
	strcpy(value, "host=");
	memset(value + 5, 'v', MATCHER_VALUE_MAX + 1);
	value[5 + MATCHER_VALUE_MAX + 1] = '\0';
	refused(value, "at most 256 bytes");
	value[5 + MATCHER_VALUE_MAX] = '\0';
	ck_assert(!holds(value, db1));
	ck_assert(holds("host~^(a{1}|db-0{1,100}1)$", db1));
}
END_TEST

START_TEST(all_and_empty)
{
	struct matcher m[2];
	char *cause = NULL;

	ck_assert_int_eq(matcher_parse("host~db-.*", &m[0], &cause), 0);
	ck_assert_int_eq(matcher_parse("severity=crit", &m[1], &cause), 0);
	ck_assert(matcher_all(m, 2, lookup, (void *)db1));
	ck_assert(!matcher_all(m, 2, lookup, (void *)web1));
	ck_assert(matcher_all(m, 0, lookup, (void *)web1));
	ck_assert(!matcher_matches_empty(&m[0]));
	matcher_clear(&m[0]);
	ck_assert_int_eq(matcher_parse("host~.*", &m[0], &cause), 0);
	ck_assert(matcher_matches_empty(&m[0]));
	matcher_clear(&m[0]);
	matcher_clear(&m[1]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("matcher");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, operators);
	tcase_add_test(tc, regexes_anchor_where_written);
	tcase_add_test(tc, missing_fields_are_empty);
	tcase_add_test(tc, severity_names);
	tcase_add_test(tc, format_round_trip);
	tcase_add_test(tc, bad_matchers);
	tcase_add_test(tc, all_and_empty);
	suite_add_tcase(s, tc);
	return check_run(s);
}
