/*
 * check_exec_child.c - programs run from a real sd-event loop: the input
 * arrives on their standard input, the exit code comes back, a program
 * outliving its timeout is killed with what it started, a program that
 * cannot be run is said so from the loop, and exec_running counts them.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "check_run.h"
#include "exec_child.h"
#include "util.h"

struct result {
	int done;
	long status;
	int error;
	char text[128];
};

static void
done_cb(const struct http_response *resp, void *arg)
{
	struct result *r = arg;

	r->done++;
	r->status = resp->status;
	r->error = resp->error;
	snprintf(r->text, sizeof(r->text), "%s", resp->error_text);
}

/* Run argv with input to its end; returns how long it took (usec). */
static int64_t
run(char *const *argv, const char *input, int64_t timeout, struct result *r)
{
	sd_event *e;
	struct exec_runner *x;
	struct exec_request req = { argv, input, strlen(input), timeout };
	int64_t t0 = now_monotonic_usec();

	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(exec_runner_new(e, &x), 0);
	ck_assert_int_eq(exec_run(x, &req, done_cb, r), 0);
	ck_assert_uint_eq(exec_running(x), 1);
	for (int i = 0; i < 1000 && r->done == 0; i++)
		ck_assert_int_ge(sd_event_run(e, 100000), 0);
	ck_assert_int_eq(r->done, 1);
	ck_assert_uint_eq(exec_running(x), 0);
	exec_runner_free(x);
	sd_event_unref(e);
	return now_monotonic_usec() - t0;
}

START_TEST(test_input_and_exit)
{
	char out[64],
	    *const argv[] = { "/bin/sh", "-c",
		    "read l; [ \"$l\" = '{\"a\":1}' ] && [ -z \"$HOME\" ] && exit 75; exit 1",
		    NULL };
	struct result r;

	run(argv, "{\"a\":1}\n", 5 * USEC_PER_SEC, &r);
	ck_assert_int_eq(r.error, 0);
	ck_assert_int_eq(r.status, 75);
	snprintf(out, sizeof(out), "/bin/true");
	run((char *const[]) { out, NULL }, "", 5 * USEC_PER_SEC, &r);
	ck_assert_int_eq(r.status, 0);
}
END_TEST

/* Killed at 1 s, with the child it started: not at the 30 s the sleep asks for. */
START_TEST(test_timeout)
{
	char *const argv[] = { "/bin/sh", "-c", "sleep 30 & sleep 30; exit 0", NULL };
	struct result r;
	int64_t took = run(argv, "", USEC_PER_SEC, &r);

	ck_assert_int_eq(r.error, -ETIMEDOUT);
	ck_assert_str_eq(r.text, "timed out after 1s, killed");
	ck_assert_int_eq(r.status, 128 + 9);
	ck_assert_int_lt(took, 5 * USEC_PER_SEC);
}
END_TEST

START_TEST(test_not_run)
{
	char *const argv[] = { "/nonexistent/program", NULL };
	struct result r;

	run(argv, "x", USEC_PER_SEC, &r);
	ck_assert_int_eq(r.error, -ENOENT);
	ck_assert_str_eq(r.text, "cannot run the program: No such file or directory");
}
END_TEST

START_TEST(test_input_limit)
{
	sd_event *e;
	struct exec_runner *x;
	char *big = xmalloc(EXEC_INPUT_MAX + 2), *const argv[] = { "/bin/true", NULL };
	struct result r = { 0 };

	memset(big, 'x', EXEC_INPUT_MAX + 1);
	big[EXEC_INPUT_MAX + 1] = '\0';
	ck_assert_int_eq(sd_event_new(&e), 0);
	ck_assert_int_eq(exec_runner_new(e, &x), 0);
	ck_assert_int_eq(
	    exec_run(x, &(struct exec_request) { argv, big, EXEC_INPUT_MAX + 1, USEC_PER_SEC },
	        done_cb, &r),
	    -EMSGSIZE);
	ck_assert_uint_eq(exec_running(x), 0);
	/* At the limit it runs. */
	ck_assert_int_eq(
	    exec_run(
	        x, &(struct exec_request) { argv, big, EXEC_INPUT_MAX, USEC_PER_SEC }, done_cb, &r),
	    0);
	/* Freed while running: reported as cancelled, and nothing is left running. */
	exec_runner_free(x);
	ck_assert_int_eq(r.done, 1);
	ck_assert_int_eq(r.error, -ECANCELED);
	sd_event_unref(e);
	free(big);
}
END_TEST

int
main(void)
{
	Suite *s;
	int fd = pidfd_open(getpid(), 0);

	/* valgrind (3.19) knows no pidfd_open: the ASan run tests the runner. */
	if (fd < 0 && errno == ENOSYS) {
		printf("exec_child: skipped, pidfd_open is not implemented here\n");
		return 0;
	}
	close(fd);
	s = suite_create("exec_child");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_input_and_exit);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_not_run);
	tcase_add_test(tc, test_input_limit);
	suite_add_tcase(s, tc);
	return check_run(s);
}
