/*
 * check_framing.c - RFC 6587 octet counting and LF framing, fed in every
 * possible split so frames crossing read boundaries are covered.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "framing.h"

struct got {
	char msgs[16][256];
	bool cut[16];
	int n;
};

static void
collect(const char *msg, size_t len, bool cut, void *arg)
{
	struct got *g = arg;

	ck_assert_int_lt(g->n, 16);
	ck_assert_uint_lt(len, 256);
	memcpy(g->msgs[g->n], msg, len);
	g->msgs[g->n][len] = '\0';
	g->cut[g->n] = cut;
	g->n++;
}

/* Feed s in chunks of size step, as a TCP stream might deliver it. */
static int
feed_split(struct framer *f, const char *s, size_t step, struct got *g)
{
	size_t n = strlen(s);
	for (size_t off = 0; off < n; off += step) {
		size_t k = n - off < step ? n - off : step;
		int r = framer_feed(f, s + off, k, collect, g);
		if (r < 0)
			return r;
	}
	framer_finish(f, collect, g);
	return 0;
}

START_TEST(octet_counting_any_split)
{
	const char *s = "11 <13>hello a12 <13>second b3 abc";
	for (size_t step = 1; step <= strlen(s); step++) {
		struct framer f;
		struct got g = { .n = 0 };
		framer_init(&f, 1024);
		ck_assert_int_eq(feed_split(&f, s, step, &g), 0);
		ck_assert_int_eq(g.n, 3);
		ck_assert_str_eq(g.msgs[0], "<13>hello a");
		ck_assert_str_eq(g.msgs[1], "<13>second b");
		ck_assert_str_eq(g.msgs[2], "abc");
		ck_assert_int_eq(f.mode, FRAMING_OCTET);
		framer_free(&f);
	}
}
END_TEST

START_TEST(lf_any_split)
{
	const char *s = "<13>one\n<13>two\r\n\n<13>three";
	for (size_t step = 1; step <= strlen(s); step++) {
		struct framer f;
		struct got g = { .n = 0 };
		framer_init(&f, 1024);
		ck_assert_int_eq(feed_split(&f, s, step, &g), 0);
		ck_assert_int_eq(g.n, 3); /* the empty line is no message */
		ck_assert_str_eq(g.msgs[0], "<13>one");
		ck_assert_str_eq(g.msgs[1], "<13>two");
		ck_assert_str_eq(g.msgs[2], "<13>three"); /* no trailer at EOF: still a message */
		ck_assert_int_eq(f.mode, FRAMING_LF);
		framer_free(&f);
	}
}
END_TEST

START_TEST(octet_oversized_is_cut_and_stream_continues)
{
	const char *s = "10 01234567892 ok";
	for (size_t step = 1; step <= strlen(s); step++) {
		struct framer f;
		struct got g = { .n = 0 };
		framer_init(&f, 4);
		ck_assert_int_eq(feed_split(&f, s, step, &g), 0);
		ck_assert_int_eq(g.n, 2);
		ck_assert_str_eq(g.msgs[0], "0123");
		ck_assert(g.cut[0]);
		ck_assert_str_eq(g.msgs[1], "ok");
		ck_assert(!g.cut[1]);
		ck_assert_uint_eq(f.oversized, 1);
		framer_free(&f);
	}
}
END_TEST

START_TEST(lf_oversized_is_cut_and_rest_skipped)
{
	const char *s = "abcdefghij\nxy\n";
	for (size_t step = 1; step <= strlen(s); step++) {
		struct framer f;
		struct got g = { .n = 0 };
		framer_init(&f, 4);
		ck_assert_int_eq(feed_split(&f, s, step, &g), 0);
		ck_assert_int_eq(g.n, 2);
		ck_assert_str_eq(g.msgs[0], "abcd");
		ck_assert(g.cut[0]);
		ck_assert_str_eq(g.msgs[1], "xy");
		framer_free(&f);
	}
}
END_TEST

START_TEST(bad_octet_counts_close_the_stream)
{
	static const char *const bad[] = {
		"12x <13>msg", "1 a05 hello", "99999999999 x", "3 abc4x",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct framer f;
		struct got g = { .n = 0 };
		framer_init(&f, 1024);
		ck_assert_int_eq(framer_feed(&f, bad[i], strlen(bad[i]), collect, &g), -EPROTO);
		framer_free(&f);
	}
}
END_TEST

START_TEST(mode_is_chosen_per_connection)
{
	struct framer f;
	struct got g = { .n = 0 };

	/* A PRI first means LF framing, even if a later line starts with digits. */
	framer_init(&f, 1024);
	ck_assert_int_eq(framer_feed(&f, "<13>a\n12 b\n", 11, collect, &g), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.msgs[1], "12 b");
	framer_free(&f);
}
END_TEST

static Suite *
framing_suite(void)
{
	Suite *s = suite_create("framing");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, octet_counting_any_split);
	tcase_add_test(tc, lf_any_split);
	tcase_add_test(tc, octet_oversized_is_cut_and_stream_continues);
	tcase_add_test(tc, lf_oversized_is_cut_and_rest_skipped);
	tcase_add_test(tc, bad_octet_counts_close_the_stream);
	tcase_add_test(tc, mode_is_chosen_per_connection);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(framing_suite());
}
