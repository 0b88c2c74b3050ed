/*
 * check_listenfds.c - passed sockets are claimed by name first, then by
 * kind and address (IPv4, IPv6, unix path); each only once; what nobody
 * claimed is reported and closed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_run.h"
#include "listenfds.h"

/* A socket of type bound to 127.0.0.1 on a kernel-chosen port; *sin gets its address. */
static int
bound4(int type, struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, type, 0);

	ck_assert_int_ge(fd, 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

static struct listenfds *
empty(void)
{
	struct listenfds *lf = NULL;

	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_PID");
	ck_assert_int_eq(listenfds_new(&lf), 0);
	ck_assert_ptr_nonnull(lf);
	return lf;
}

START_TEST(by_name_then_address)
{
	struct listenfds *lf = empty();
	struct sockaddr_in u, t, other;
	int ufd = bound4(SOCK_DGRAM, &u), tfd = bound4(SOCK_STREAM, &t);

	listenfds_add(lf, ufd, "syslog-udp");
	listenfds_add(lf, tfd, NULL);
	/* Nothing passed for this address. */
	memcpy(&other, &t, sizeof(other));
	other.sin_port = htons(ntohs(t.sin_port) ^ 1);
	ck_assert_int_eq(
	    listenfds_take(lf, "x", SOCK_STREAM, (struct sockaddr *)&other, sizeof(other)),
	    -ENOENT);
	/* The name is of a datagram socket: a stream listener may not have it. */
	ck_assert_int_eq(listenfds_take(lf, "syslog-udp", SOCK_STREAM, NULL, 0), -EPROTOTYPE);
	/* The right kind but another address: not by address either. */
	ck_assert_int_eq(
	    listenfds_take(lf, NULL, SOCK_DGRAM, (struct sockaddr *)&t, sizeof(t)), -ENOENT);
	ck_assert_int_eq(listenfds_take(lf, "syslog-udp", SOCK_DGRAM, NULL, 0), ufd);
	ck_assert_int_eq(listenfds_take(lf, "syslog-udp", SOCK_DGRAM, NULL, 0), -ENOENT);
	ck_assert_int_eq(
	    listenfds_take(lf, "nameless", SOCK_STREAM, (struct sockaddr *)&t, sizeof(t)), tfd);
	ck_assert(fcntl(tfd, F_GETFL) & O_NONBLOCK);
	ck_assert(fcntl(tfd, F_GETFD) & FD_CLOEXEC);
	listenfds_free(lf);
	/* Taken sockets belong to the caller: still open. */
	ck_assert_int_ge(fcntl(ufd, F_GETFD), 0);
	close(ufd);
	close(tfd);
}
END_TEST

START_TEST(ipv6_and_unix)
{
	struct listenfds *lf = empty();
	struct sockaddr_in6 s6;
	struct sockaddr_un sun;
	socklen_t len = sizeof(s6);
	char dir[] = "/tmp/check_listenfds.XXXXXX";
	int fd6 = socket(AF_INET6, SOCK_DGRAM, 0), fdu = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd6, 0);
	memset(&s6, 0, sizeof(s6));
	s6.sin6_family = AF_INET6;
	s6.sin6_addr = in6addr_loopback;
	if (bind(fd6, (struct sockaddr *)&s6, sizeof(s6)) < 0) {
		close(fd6); /* no IPv6 here */
		fd6 = -1;
	} else
		ck_assert_int_eq(getsockname(fd6, (struct sockaddr *)&s6, &len), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/log", dir);
	ck_assert_int_eq(bind(fdu, (struct sockaddr *)&sun, sizeof(sun)), 0);

	listenfds_add(lf, fdu, "syslog-unix");
	if (fd6 >= 0)
		listenfds_add(lf, fd6, "v6");
	if (fd6 >= 0)
		ck_assert_int_eq(
		    listenfds_take(lf, "not-v6", SOCK_DGRAM, (struct sockaddr *)&s6, sizeof(s6)),
		    fd6);
	ck_assert_int_eq(
	    listenfds_take(lf, "other", SOCK_DGRAM, (struct sockaddr *)&sun, sizeof(sun)), fdu);
	listenfds_free(lf);
	close(fdu);
	if (fd6 >= 0)
		close(fd6);
	unlink(sun.sun_path);
	rmdir(dir);
}
END_TEST

static void
count_cb(const char *name, const char *address, void *arg)
{
	int *n = arg;

	ck_assert_str_eq(name, "stray");
	ck_assert(strncmp(address, "tcp 127.0.0.1:", 14) == 0);
	(*n)++;
}

START_TEST(unclaimed_are_closed)
{
	struct listenfds *lf = empty();
	struct sockaddr_in t;
	int fd = bound4(SOCK_STREAM, &t), n = 0;

	listenfds_add(lf, fd, "stray");
	listenfds_close_unclaimed(lf, count_cb, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1); /* closed */
	ck_assert_int_eq(listenfds_take(lf, "stray", SOCK_STREAM, NULL, 0), -ENOENT);
	listenfds_free(lf);
	listenfds_free(NULL);
	ck_assert_int_eq(listenfds_take(NULL, "x", SOCK_DGRAM, NULL, 0), -ENOENT);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("listenfds");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, by_name_then_address);
	tcase_add_test(tc, ipv6_and_unix);
	tcase_add_test(tc, unclaimed_are_closed);
	suite_add_tcase(s, tc);
	return check_run(s);
}
