/*
 * check_silence.c - silences in memory: compiling their matchers (and
 * refusing one that would hold everything), their states by the clock,
 * and the set's lookups, matching and pruning order.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "silence.h"
#include "util.h"

#define S  USEC_PER_SEC
#define T0 (1700000000LL * S)

static struct silence *
make(uint64_t id, int64_t start, int64_t end, const char *m1, const char *m2)
{
	struct store_silence rec = { .id = id, .start = start, .end = end, .nmatchers = 1 };
	struct silence *s;
	char *cause = NULL;

	strlcpy_t(rec.matchers[0], m1, sizeof(rec.matchers[0]));
	if (m2 != NULL)
		strlcpy_t(rec.matchers[rec.nmatchers++], m2, sizeof(rec.matchers[0]));
	ck_assert_msg(silence_compile(&rec, &s, &cause) == 0, "%s", cause);
	return s;
}

static bool
lookup(const char *field, struct str *value, void *arg)
{
	if (strcmp(field, "host") != 0)
		return false;
	*value = str_make(arg, strlen(arg));
	return true;
}

/* Compiling rec fails with a message that says why. */
static void
refused(const struct store_silence *rec, const char *why)
{
	struct silence *s;
	char *cause = NULL;

	ck_assert_int_eq(silence_compile(rec, &s, &cause), -EINVAL);
	ck_assert_ptr_null(s);
	ck_assert_msg(cause != NULL && strstr(cause, why) != NULL, "got '%s'", cause);
	free(cause);
}

START_TEST(compile_checks)
{
	struct store_silence rec = { .id = 1, .nmatchers = 0 };
	struct silence *s;
	char *cause = NULL;

	refused(&rec, "1 to 16 matchers");
	rec.nmatchers = 2;
	strcpy(rec.matchers[0], "host~.*");
	strcpy(rec.matchers[1], "program!=sshd");
	refused(&rec, "would silence everything");
	strcpy(rec.matchers[1], "host~(");
	refused(&rec, "bad regex");
	/* Written back in one form: severity names are made the short ones. */
	strcpy(rec.matchers[1], "severity=critical");
	ck_assert_int_eq(silence_compile(&rec, &s, &cause), 0);
	ck_assert_str_eq(s->rec.matchers[1], "severity=crit");
	silence_free(s);
}
END_TEST

START_TEST(states_and_times)
{
	struct store_silence rec = { .start = T0, .end = T0 + 60 * S };
	char *cause = NULL;

	ck_assert_int_eq(silence_state(&rec, T0 - 1), SILENCE_PENDING);
	ck_assert_int_eq(silence_state(&rec, T0), SILENCE_ACTIVE);
	ck_assert_int_eq(silence_state(&rec, T0 + 60 * S - 1), SILENCE_ACTIVE);
	ck_assert_int_eq(silence_state(&rec, T0 + 60 * S), SILENCE_EXPIRED);
	ck_assert_str_eq(silence_state_name(SILENCE_EXPIRED), "expired");
	/* Looked at when it ends, then kept SILENCE_KEEP, then pruned. */
	ck_assert_int_eq(silence_next_look(&rec, T0 - S), T0 + 60 * S);
	ck_assert_int_eq(silence_next_look(&rec, T0 + 60 * S - 1), T0 + 60 * S);
	ck_assert_int_eq(silence_next_look(&rec, T0 + 60 * S), T0 + 60 * S + SILENCE_KEEP);
	ck_assert_int_eq(silence_next_look(&rec, T0 + 60 * S + SILENCE_KEEP - 1),
	    T0 + 60 * S + SILENCE_KEEP);
	ck_assert_int_eq(silence_next_look(&rec, T0 + 60 * S + SILENCE_KEEP), 0);
	ck_assert_int_eq(silence_check_times(T0, T0 + S, T0, &cause), 0);
	ck_assert_int_eq(silence_check_times(T0, T0, T0 - S, &cause), -EINVAL);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(silence_check_times(T0 - 2 * S, T0 - S, T0, &cause), -EINVAL);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(silence_check_times(T0, T0 + SILENCE_LENGTH_MAX, T0, &cause), 0);
	ck_assert_int_eq(silence_check_times(T0, T0 + SILENCE_LENGTH_MAX + 1, T0, &cause), -EINVAL);
	ck_assert(strstr(cause, "366 days") != NULL);
	free(cause);
}
END_TEST

START_TEST(set_match_and_prune_order)
{
	struct silence_set set = { 0 };

	silence_set_add(&set, make(3, T0, T0 + 100 * S, "host~^db-", NULL));
	silence_set_add(&set, make(1, T0, T0 + 200 * S, "host~^db-0", "host!=db-09"));
	silence_set_add(&set, make(2, T0 + 50 * S, T0 + 300 * S, "host~^db-", NULL));
	silence_set_add(&set, make(4, T0 - 100 * S, T0 - 10 * S, "host~.", NULL));
	silence_set_add(&set, make(5, T0 - 100 * S, T0 - 50 * S, "host~.", NULL));
	ck_assert_uint_eq(set.n, 5);
	for (size_t i = 0; i < set.n; i++)
		ck_assert_uint_eq(set.v[i]->rec.id, i + 1);
	ck_assert_ptr_nonnull(silence_set_find(&set, 4));
	ck_assert_ptr_null(silence_set_find(&set, 6));

	/* The active one that ends last; a pending one does not hold yet. */
	ck_assert_uint_eq(silence_set_match(&set, T0, lookup, "db-01")->rec.id, 1);
	ck_assert_uint_eq(silence_set_match(&set, T0, lookup, "db-09")->rec.id, 3);
	ck_assert_uint_eq(silence_set_match(&set, T0 + 60 * S, lookup, "db-09")->rec.id, 2);
	ck_assert_ptr_null(silence_set_match(&set, T0, lookup, "web-01"));
	ck_assert_ptr_null(silence_set_match(&set, T0 + 300 * S, lookup, "db-01"));

	ck_assert_uint_eq(silence_set_oldest_expired(&set, T0)->rec.id, 5);
	silence_set_remove(&set, 5);
	ck_assert_uint_eq(silence_set_oldest_expired(&set, T0)->rec.id, 4);
	silence_set_remove(&set, 4);
	silence_set_remove(&set, 4);
	ck_assert_ptr_null(silence_set_oldest_expired(&set, T0));
	ck_assert_uint_eq(set.n, 3);
	/* The same id again replaces it. */
	silence_set_add(&set, make(2, T0, T0 + S, "host=x", NULL));
	ck_assert_uint_eq(set.n, 3);
	ck_assert_int_eq(silence_set_find(&set, 2)->rec.end, T0 + S);
	silence_set_clear(&set);
	ck_assert_uint_eq(set.n, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("silence");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, compile_checks);
	tcase_add_test(tc, states_and_times);
	tcase_add_test(tc, set_match_and_prune_order);
	suite_add_tcase(s, tc);
	return check_run(s);
}
