/*
 * check_status_line.c - systemd's STATUS= as composed from the state
 * database's state and the upstreams that are down: "Running" when all is
 * well, each down upstream named with how long and how much waits, both
 * troubles at once, and a bound on the line.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "check_run.h"
#include "status_line.h"
#include "util.h"

static const char *
compose(const struct status_inputs *in)
{
	static char buf[STATUS_LINE_MAX];

	status_line_compose(buf, sizeof(buf), in);
	return buf;
}

START_TEST(all_well_is_running)
{
	struct status_inputs in = { 0 };

	ck_assert_str_eq(compose(&in), "Running");
}
END_TEST

START_TEST(upstreams_down_are_named)
{
	const struct status_upstream ups[] = {
		{ "pd", "failing", 2 * 60 * USEC_PER_SEC + 5 * USEC_PER_SEC, 42 },
		{ "pd-backup", "held", 30 * USEC_PER_SEC, 0 },
	};
	struct status_inputs in = { .ups = ups, .nups = 1 };

	ck_assert_str_eq(compose(&in), "Running; upstream pd failing for 2m, 42 queued");
	in.nups = 2;
	in.more = 1;
	ck_assert_str_eq(compose(&in), "Running; upstream pd failing for 2m, 42 queued; upstream "
	    "pd-backup held for 30s, 0 queued; 1 more upstream down");
	in.more = 4;
	ck_assert_ptr_nonnull(strstr(compose(&in), "; 4 more upstreams down"));
}
END_TEST

/* Neither overwrites the other: the store's trouble first, then the upstreams'. */
START_TEST(degraded_and_down_together)
{
	const struct status_upstream up = { "pd", "failing", 3 * 3600 * USEC_PER_SEC, 7 };
	struct status_inputs in = { .degraded = true, .store_error = "No space left on device" };

	ck_assert_str_eq(compose(&in),
	    "Degraded: the state database refuses writes (No space left on device)");
	in.ups = &up;
	in.nups = 1;
	ck_assert_str_eq(compose(&in), "Degraded: the state database refuses writes (No space "
	    "left on device); upstream pd failing for 3h, 7 queued");
	in.store_error = NULL;
	ck_assert_ptr_nonnull(strstr(compose(&in), "(unknown error)"));
}
END_TEST

/* A long name cannot overrun: the line is cut, still a string. */
START_TEST(line_is_bounded)
{
	char name[STATUS_LINE_MAX * 2], small[16];
	struct status_upstream up = { name, "failing", 0, 1 };
	struct status_inputs in = { .ups = &up, .nups = 1 };

	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_uint_eq(strlen(compose(&in)), STATUS_LINE_MAX - 1);
	status_line_compose(small, sizeof(small), &in);
	ck_assert_str_eq(small, "Running; upstre");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("status_line");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, all_well_is_running);
	tcase_add_test(tc, upstreams_down_are_named);
	tcase_add_test(tc, degraded_and_down_together);
	tcase_add_test(tc, line_is_bounded);
	suite_add_tcase(s, tc);
	return check_run(s);
}
