/*
 * check_control_peer.c - a control client's identity as the kernel gives
 * it (over a socketpair, so it is this process), who may act, and how the
 * actor is named in a timeline.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_run.h"
#include "control_peer.h"
#include "util.h"

START_TEST(test_read_self)
{
	struct control_peer p;
	gid_t groups[256];
	int sv[2], n;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(control_peer_read(sv[0], &p), 0);
	ck_assert_uint_eq(p.uid, geteuid());
	ck_assert_uint_eq(p.gid, getegid());
	ck_assert_int_eq(p.pid, getpid());
	n = getgroups((int)ARRAY_SIZE(groups), groups);
	ck_assert_int_ge(n, 0);
	ck_assert_uint_eq(p.ngroups, (size_t)n);
	for (int i = 0; i < n; i++)
		ck_assert(control_peer_in_group(&p, groups[i]));
	ck_assert(control_peer_in_group(&p, getegid()));
	control_peer_clear(&p);
	ck_assert_ptr_null(p.groups);
	close(sv[0]);
	close(sv[1]);

	/* Not a unix socket: no credentials, nothing left allocated. */
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_lt(control_peer_read(fd, &p), 0);
	ck_assert_ptr_null(p.groups);
	close(fd);
}
END_TEST

START_TEST(test_may_act)
{
	gid_t groups[] = { 100, 2000 }, admin = 2000, other = 3000;
	struct control_peer p = { .uid = 1001, .gid = 1001, .groups = groups, .ngroups = 2 };

	ck_assert(!control_peer_may_act(&p, 999, NULL));
	ck_assert(control_peer_may_act(&p, 999, &admin)); /* supplementary */
	ck_assert(!control_peer_may_act(&p, 999, &other));
	ck_assert(control_peer_may_act(&p, 1001, NULL)); /* the daemon's own user */
	p.gid = 3000;
	ck_assert(control_peer_may_act(&p, 999, &other)); /* primary */
	p.ngroups = 0;
	ck_assert(!control_peer_may_act(&p, 999, &admin));
	p.uid = 0;
	ck_assert(control_peer_may_act(&p, 999, NULL)); /* root */
}
END_TEST

START_TEST(test_actor)
{
	struct control_peer p = { .uid = 0 };
	char buf[8];

	ck_assert_str_eq(control_peer_actor(&p), "root (uid 0)");
	ck_assert_str_eq(control_peer_actor(&p), "root (uid 0)"); /* cached */
	free(p.actor);
	p.actor = NULL;
	p.uid = 3999999999u; /* no such user */
	ck_assert_str_eq(control_peer_actor(&p), "uid 3999999999");
	control_peer_clear(&p);

	control_user_name(0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "root");
	control_user_name(3999999999u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "3999999"); /* cut to the buffer */
}
END_TEST

START_TEST(test_overflow_ids)
{
	uid_t u;
	gid_t g;

	control_overflow_ids(&u, &g);
	ck_assert_uint_eq(u, 65534); /* the kernel's default, as on the test machines */
	ck_assert_uint_eq(g, 65534);
}
END_TEST

static Suite *
control_peer_suite(void)
{
	Suite *s = suite_create("control_peer");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_read_self);
	tcase_add_test(tc, test_may_act);
	tcase_add_test(tc, test_actor);
	tcase_add_test(tc, test_overflow_ids);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(control_peer_suite());
}
