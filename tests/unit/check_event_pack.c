/*
 * check_event_pack.c - an event packed for a redo comes back field for
 * field, whatever its strings hold, with no pointer into the original.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "event_pack.h"

static void
str_is(struct str s, const char *want, size_t n)
{
	ck_assert_uint_eq(s.n, n);
	ck_assert(memcmp(s.p, want, n) == 0);
}

START_TEST(round_trip)
{
	struct event ev, back;
	char *buf;
	static const char raw[] = "<11>Dec  4 02:00:00 h app[7]: disk \0sda gone";
	char listener[] = "syslog/udp/127.0.0.1:514";

	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, 256);
	ev.type = EVENT_SYSLOG;
	ev.facility = 1;
	ev.severity = 3;
	ev.recv_usec = 1234567;
	ev.host = STR_LIT("h");
	ev.program = STR_LIT("app");
	ev.pid = STR_LIT("7");
	ev.raw = str_make(raw, sizeof(raw) - 1);
	ev.message = str_make(raw + 30, sizeof(raw) - 31); /* holds a NUL */
	ev.source = STR_LIT("192.0.2.1");
	ev.listener = listener;
	ev.charset = TEXT_LATIN1;
	ck_assert_int_eq(event_add_field(&ev, STR_LIT("sd.x.y"), STR_LIT("v")), 0);
	ck_assert_int_eq(event_add_field(&ev, STR_LIT("seq"), STR_EMPTY), 0);

	size_t n = event_pack_size(&ev);
	ck_assert_uint_eq(n % sizeof(void *), 0);
	buf = malloc(n);
	event_pack(&ev, buf);
	memset(listener, 'x', sizeof(listener) - 1); /* the copy must not point here */
	event_unpack(&back, buf);
	ck_assert_int_eq(back.type, EVENT_SYSLOG);
	ck_assert_int_eq(back.severity, 3);
	ck_assert_int_eq(back.recv_usec, 1234567);
	ck_assert_int_eq(back.charset, TEXT_LATIN1);
	str_is(back.host, "h", 1);
	str_is(back.program, "app", 3);
	str_is(back.pid, "7", 1);
	str_is(back.message, raw + 30, sizeof(raw) - 31);
	str_is(back.raw, raw, sizeof(raw) - 1);
	str_is(back.source, "192.0.2.1", 9);
	ck_assert_str_eq(back.listener, "syslog/udp/127.0.0.1:514");
	ck_assert_uint_eq(back.nfields, 2);
	str_is(back.fields[0].name, "sd.x.y", 6);
	str_is(back.fields[0].value, "v", 1);
	str_is(back.fields[1].value, "", 0);
	ck_assert(back.message.p >= buf && back.message.p < buf + n);
	ck_assert_ptr_null(back.scratch);
	/* A capture added while processing the copy lands in the copy. */
	ck_assert_int_eq(event_add_field(&back, STR_LIT("dev"), STR_LIT("sda")), 0);
	ck_assert_uint_eq(back.nfields, 3);
	free(buf);
	event_free(&ev);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("event_pack");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, round_trip);
	suite_add_tcase(s, tc);
	return check_run(s);
}
