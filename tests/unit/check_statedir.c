/*
 * check_statedir.c - the state directory is made when missing and locked
 * by one holder at a time, who is named by pid; the lock goes with
 * statedir_free(); socket directories are made (0755, whatever the umask)
 * below the state directory only, symbolic links and ".." considered.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "statedir.h"
#include "tmpdir.h"
#include "util.h"

static void
setup(void)
{
	tmpdir_make("check_statedir");
}

static void
teardown(void)
{
	ck_assert_int_eq(tmpdir_remove(tmpdir), 0);
}

static char *
path(const char *rel)
{
	char *p;

	xasprintf(&p, "%s/%s", tmpdir, rel);
	return p;
}

static mode_t
mode_of(const char *rel)
{
	char *p = path(rel);
	struct stat st;

	ck_assert_int_eq(stat(p, &st), 0);
	free(p);
	return st.st_mode & 07777;
}

static bool
exists(const char *rel)
{
	char *p = path(rel);
	bool yes = access(p, F_OK) == 0;

	free(p);
	return yes;
}

START_TEST(one_holder)
{
	struct statedir *a = NULL, *b = NULL;
	char *dir = path("state"), *cause = NULL, *want, buf[32];
	int fd;
	ssize_t n;

	ck_assert_int_eq(statedir_open(dir, &a, &cause), 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(mode_of("state") & 0700, 0700);
	want = path("state/" STATEDIR_LOCK);
	fd = open(want, O_RDONLY | O_CLOEXEC);
	free(want);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = '\0';
	xasprintf(&want, "%ld\n", (long)getpid());
	ck_assert_str_eq(buf, want);
	free(want);

	/* flock belongs to the open file: a second open conflicts, even here. */
	ck_assert_int_eq(statedir_open(dir, &b, &cause), -EBUSY);
	ck_assert_ptr_null(b);
	xasprintf(&want, "another triaged (pid %ld) uses %s", (long)getpid(), dir);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	cause = NULL;

	statedir_free(a);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 0); /* no pid left behind */
	close(fd);
	ck_assert_int_eq(statedir_open(dir, &b, &cause), 0);
	statedir_free(b);
	statedir_free(NULL);
	free(dir);
}
END_TEST

/* A holder that wrote no pid (another program, or one just starting). */
START_TEST(holder_without_pid)
{
	struct statedir *sd = NULL;
	char *dir = path("state"), *cause = NULL, *want;
	char *file = path("state/" STATEDIR_LOCK);
	int fd;

	ck_assert_int_eq(mkdir(dir, 0700), 0);
	fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(statedir_open(dir, &sd, &cause), -EBUSY);
	xasprintf(&want, "another triaged (pid unknown) uses %s", dir);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	close(fd);
	free(file);
	free(dir);
}
END_TEST

START_TEST(open_errors)
{
	struct statedir *sd = NULL;
	char *dir = path("missing/state"), *cause = NULL, *want;

	ck_assert_int_eq(statedir_open(dir, &sd, &cause), -ENOENT);
	ck_assert_ptr_null(sd);
	xasprintf(&want, "cannot create %s: No such file or directory", dir);
	ck_assert_str_eq(cause, want);
	free(want);
	free(cause);
	free(dir);
}
END_TEST

START_TEST(socket_dirs)
{
	struct statedir *sd = NULL;
	char *dir = path("state"), *cause = NULL, *s;
	mode_t old = umask(077);

	ck_assert_int_eq(statedir_open(dir, &sd, &cause), 0);
	/* Below it: made, each level 0755 despite the umask. */
	s = path("state/sock/dev/log");
	ck_assert_int_eq(statedir_make_socket_dir(sd, s), 0);
	free(s);
	ck_assert_uint_eq(mode_of("state/sock"), 0755);
	ck_assert_uint_eq(mode_of("state/sock/dev"), 0755);
	ck_assert(!exists("state/sock/dev/log"));
	/* In it, or already there: nothing to do. */
	s = path("state/control.sock");
	ck_assert_int_eq(statedir_make_socket_dir(sd, s), 0);
	free(s);
	/* Named through "..", reaching back in: made. */
	s = path("etc");
	ck_assert_int_eq(mkdir(s, 0700), 0);
	free(s);
	s = path("etc/../state/run/ctl.sock");
	ck_assert_int_eq(statedir_make_socket_dir(sd, s), 0);
	free(s);
	ck_assert_uint_eq(mode_of("state/run"), 0755);
	/* Elsewhere, or escaping by ".." or a symbolic link: left to bind to refuse. */
	s = path("elsewhere/log");
	ck_assert_int_eq(statedir_make_socket_dir(sd, s), 0);
	free(s);
	ck_assert(!exists("elsewhere"));
	s = path("state/a/../../out/log");
	ck_assert_int_eq(statedir_make_socket_dir(sd, s), 0);
	free(s);
	ck_assert(!exists("out") && !exists("state/a"));
	s = path("state/link");
	ck_assert_int_eq(symlink(tmpdir, s), 0);
	free(s);
	s = path("state/link/out/log");
	ck_assert_int_eq(statedir_make_socket_dir(sd, s), 0);
	free(s);
	ck_assert(!exists("out"));
	ck_assert_int_eq(statedir_make_socket_dir(NULL, "/nonexistent/x/log"), 0);
	statedir_free(sd);
	umask(old);
	free(dir);
}
END_TEST

/* A state dir named through a symbolic link still owns what lies below it. */
START_TEST(socket_dirs_through_link)
{
	struct statedir *sd = NULL;
	char *real = path("real"), *link = path("link"), *cause = NULL, *s;

	ck_assert_int_eq(mkdir(real, 0750), 0);
	ck_assert_int_eq(symlink(real, link), 0);
	ck_assert_int_eq(statedir_open(link, &sd, &cause), 0);
	s = path("real/sock/log");
	ck_assert_int_eq(statedir_make_socket_dir(sd, s), 0);
	free(s);
	ck_assert(exists("link/sock"));
	statedir_free(sd);
	free(real);
	free(link);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("statedir");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, one_holder);
	tcase_add_test(tc, holder_without_pid);
	tcase_add_test(tc, open_errors);
	tcase_add_test(tc, socket_dirs);
	tcase_add_test(tc, socket_dirs_through_link);
	suite_add_tcase(s, tc);
	return check_run(s);
}
