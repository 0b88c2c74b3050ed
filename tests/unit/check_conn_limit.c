/*
 * check_conn_limit.c - connections per source address: the limit, IPv4
 * and v4-mapped IPv6 as one source, entries freed at zero, and a table
 * with more addresses than buckets.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "check_run.h"
#include "conn_limit.h"

/* An IPv4 or IPv6 socket address from text. */
static struct sockaddr_storage
addr(const char *text, uint16_t port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		return ss;
	}
	ck_assert_int_eq(inet_pton(AF_INET6, text, &sin6->sin6_addr), 1);
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	return ss;
}

START_TEST(test_limit)
{
	struct conn_limit *cl = conn_limit_new(42);
	struct sockaddr_storage a = addr("192.0.2.1", 1000), b = addr("192.0.2.2", 1000);

	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(conn_limit_take(cl, &a, 3), 0);
	ck_assert_int_eq(conn_limit_take(cl, &a, 3), -EUSERS);
	ck_assert_uint_eq(conn_limit_count(cl, &a), 3); /* a refusal counts nothing */
	ck_assert_int_eq(conn_limit_take(cl, &b, 3), 0);
	ck_assert_uint_eq(conn_limit_count(cl, &b), 1);
	ck_assert_uint_eq(conn_limit_sources(cl), 2);

	conn_limit_release(cl, &a);
	ck_assert_int_eq(conn_limit_take(cl, &a, 3), 0);
	/* A limit lowered by a reload applies to the next connection. */
	ck_assert_int_eq(conn_limit_take(cl, &a, 2), -EUSERS);
	ck_assert_int_eq(conn_limit_take(cl, &b, 0), -EUSERS);
	conn_limit_free(cl); /* with entries still counted */
}
END_TEST

START_TEST(test_families)
{
	struct conn_limit *cl = conn_limit_new(0);
	struct sockaddr_storage a4 = addr("198.51.100.7", 514), a6 = addr("::ffff:198.51.100.7", 6514);
	struct sockaddr_storage b6 = addr("2001:db8::7", 514), c6 = addr("::198.51.100.7", 514);
	struct sockaddr_storage un = { .ss_family = AF_UNIX };

	ck_assert_int_eq(conn_limit_take(cl, &a4, 2), 0);
	ck_assert_int_eq(conn_limit_take(cl, &a6, 2), 0); /* the same sender, another port */
	ck_assert_int_eq(conn_limit_take(cl, &a4, 2), -EUSERS);
	ck_assert_int_eq(conn_limit_take(cl, &a6, 2), -EUSERS);
	ck_assert_uint_eq(conn_limit_count(cl, &a6), 2);
	ck_assert_int_eq(conn_limit_take(cl, &b6, 2), 0);
	ck_assert_int_eq(conn_limit_take(cl, &c6, 2), 0); /* v4-compatible is not v4-mapped */
	ck_assert_int_eq(conn_limit_take(cl, &un, 1), 0);
	ck_assert_int_eq(conn_limit_take(cl, &un, 1), -EUSERS);
	ck_assert_uint_eq(conn_limit_sources(cl), 4);

	conn_limit_release(cl, &a6);
	conn_limit_release(cl, &a4);
	ck_assert_uint_eq(conn_limit_count(cl, &a4), 0);
	ck_assert_uint_eq(conn_limit_sources(cl), 3);
	conn_limit_release(cl, &a4); /* never counted: ignored */
	ck_assert_uint_eq(conn_limit_sources(cl), 3);
	conn_limit_free(cl);
}
END_TEST

/* The i-th address of 2001:db8::/96. */
static struct sockaddr_storage
nth(uint32_t i)
{
	struct sockaddr_storage ss = addr("2001:db8::", 514);

	memcpy(&((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr[12], &i, sizeof(i));
	return ss;
}

/* Many more addresses than buckets: chains hold them all, and all entries go at zero. */
START_TEST(test_many_sources)
{
	struct conn_limit *cl = conn_limit_new(7);
	struct sockaddr_storage ss;
	enum { N = 20000 };

	for (uint32_t i = 0; i < N; i++) {
		ss = nth(i);
		ck_assert_int_eq(conn_limit_take(cl, &ss, 2), 0);
		ck_assert_int_eq(conn_limit_take(cl, &ss, 2), 0);
		ck_assert_int_eq(conn_limit_take(cl, &ss, 2), -EUSERS);
	}
	ck_assert_uint_eq(conn_limit_sources(cl), N);
	for (uint32_t i = 0; i < N; i++) {
		ss = nth(i);
		ck_assert_uint_eq(conn_limit_count(cl, &ss), 2);
		conn_limit_release(cl, &ss);
		conn_limit_release(cl, &ss);
	}
	ck_assert_uint_eq(conn_limit_sources(cl), 0);
	conn_limit_free(cl);
	conn_limit_free(NULL);
}
END_TEST

static Suite *
conn_limit_suite(void)
{
	Suite *s = suite_create("conn_limit");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_limit);
	tcase_add_test(tc, test_families);
	tcase_add_test(tc, test_many_sources);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(conn_limit_suite());
}
