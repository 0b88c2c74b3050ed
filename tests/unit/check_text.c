/*
 * check_text.c - ingest's text repair: UTF-8 validation with U+FFFD per
 * maximal ill-formed subpart, Latin-1, control characters escaped as
 * rsyslog does, cuts between code points; the event's normalization pass;
 * and the log line writer that must never print a raw control byte.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "event.h"
#include "log.h"
#include "text.h"

#define FFFD "\xef\xbf\xbd"

/* Normalize s (n bytes) and compare with want. */
static void
norm_is(const char *s, size_t n, enum text_charset cs, unsigned flags, const char *want)
{
	char out[1024];
	size_t len = text_normalize(s, n, cs, flags, out);

	ck_assert_uint_le(len, text_normalized_max(n));
	out[len] = '\0';
	ck_assert_msg(strcmp(out, want) == 0, "got '%s', want '%s'", out, want);
	ck_assert(text_is_utf8(out, len));
	ck_assert(text_is_clean(out, len, TEXT_UTF8, flags & TEXT_KEEP_TAB));
}

#define NORM(lit, cs, flags, want) norm_is(lit, sizeof(lit) - 1, cs, flags, want)

START_TEST(valid_text_is_kept)
{
	NORM("plain ascii", TEXT_UTF8, 0, "plain ascii");
	NORM("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5", TEXT_UTF8, 0, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\xa5");
	ck_assert(text_is_clean("caf\xc3\xa9", 5, TEXT_UTF8, 0));
	ck_assert(!text_is_clean("caf\xc3\xa9", 5, TEXT_LATIN1, 0));
	ck_assert(text_is_clean("a\tb", 3, TEXT_UTF8, TEXT_KEEP_TAB));
	ck_assert(!text_is_clean("a\tb", 3, TEXT_UTF8, 0));
	ck_assert(text_is_clean("", 0, TEXT_UTF8, 0));
}
END_TEST

START_TEST(invalid_utf8_becomes_fffd)
{
	NORM("caf\xe9 x", TEXT_UTF8, 0, "caf" FFFD " x");
	NORM("\xff\xfe\xfd", TEXT_UTF8, 0, FFFD FFFD FFFD);
	/* Overlongs, surrogates and beyond U+10FFFF are ill-formed from their first byte on. */
	NORM("\xc0\xaf", TEXT_UTF8, 0, FFFD FFFD);
	NORM("\xe0\x80\xaf", TEXT_UTF8, 0, FFFD FFFD FFFD);
	NORM("\xed\xa0\x80", TEXT_UTF8, 0, FFFD FFFD FFFD);
	NORM("\xf4\x90\x80\x80", TEXT_UTF8, 0, FFFD FFFD FFFD FFFD);
	/* A valid prefix that breaks off is one U+FFFD (Unicode's maximal subpart). */
	NORM("\xe2\x82x", TEXT_UTF8, 0, FFFD "x");
	NORM("\xf0\x9f\x94x", TEXT_UTF8, 0, FFFD "x");
	NORM("a\x80" "b", TEXT_UTF8, 0, "a" FFFD "b");
	ck_assert(!text_is_utf8("\xc0\xaf", 2));
	ck_assert(text_is_utf8("\x1b[0m", 4)); /* control characters are UTF-8 */
}
END_TEST

START_TEST(cut_input_drops_its_partial_tail)
{
	NORM("cut \xe2\x82", TEXT_UTF8, 0, "cut " FFFD);
	NORM("cut \xe2\x82", TEXT_UTF8, TEXT_CUT, "cut ");
	/* Only a tail the end cut off: a broken sequence inside still shows. */
	NORM("\xe2x \xe2\x82", TEXT_UTF8, TEXT_CUT, FFFD "x ");
}
END_TEST

START_TEST(latin1_is_decoded)
{
	NORM("caf\xe9", TEXT_LATIN1, 0, "caf\xc3\xa9");
	NORM("\xff\xfe\xfd", TEXT_LATIN1, 0, "\xc3\xbf\xc3\xbe\xc3\xbd");
	/* 0x80..0x9F are C1 controls in ISO-8859-1. */
	NORM("\x9b" "31m", TEXT_LATIN1, 0, "#23331m");
	ck_assert_int_eq(text_charset_from_name("latin1"), TEXT_LATIN1);
	ck_assert_int_eq(text_charset_from_name("ISO-8859-1"), TEXT_LATIN1);
	ck_assert_int_eq(text_charset_from_name("UTF-8"), TEXT_UTF8);
	ck_assert_int_eq(text_charset_from_name("ebcdic"), -1);
}
END_TEST

START_TEST(controls_are_escaped_like_rsyslog)
{
	NORM("esc \x1b[31m", TEXT_UTF8, 0, "esc #033[31m");
	NORM("a\r\nb", TEXT_UTF8, 0, "a#015#012b");
	NORM("nul \0 x", TEXT_UTF8, 0, "nul #000 x");
	NORM("del \x7f", TEXT_UTF8, 0, "del #177");
	NORM("bel \x07", TEXT_UTF8, 0, "bel #007");
	NORM("csi \xc2\x9b", TEXT_UTF8, 0, "csi #233"); /* U+009B, C1 */
	NORM("a\tb", TEXT_UTF8, TEXT_KEEP_TAB, "a\tb");
	NORM("a\tb", TEXT_UTF8, 0, "a#011b");
}
END_TEST

START_TEST(cuts_fall_between_code_points)
{
	const char *s = "ab\xc3\xa9\xe2\x82\xac";
	char buf[8];

	ck_assert_uint_eq(text_cut(s, 7, 7), 7);
	ck_assert_uint_eq(text_cut(s, 7, 6), 4);
	ck_assert_uint_eq(text_cut(s, 7, 5), 4);
	ck_assert_uint_eq(text_cut(s, 7, 3), 2);
	ck_assert_uint_eq(text_copy(buf, 4, s, 7), 2);
	ck_assert_str_eq(buf, "ab");
	ck_assert_uint_eq(text_copy(buf, 5, s, 7), 4);
	ck_assert_str_eq(buf, "ab\xc3\xa9");

	char t[16];
	memcpy(t, "ab\xe2\x82", 5); /* as snprintf leaves a euro sign it cut */
	text_fix_tail(t);
	ck_assert_str_eq(t, "ab");
	strcpy(t, "ab\xe2\x82\xac");
	text_fix_tail(t);
	ck_assert_str_eq(t, "ab\xe2\x82\xac");
	strcpy(t, "plain");
	text_fix_tail(t);
	ck_assert_str_eq(t, "plain");
}
END_TEST

START_TEST(events_are_normalized_once)
{
	struct event ev;
	static const char msg[] = "caf\xe9 \x1b[1m";
	char *clean;

	memset(&ev, 0, sizeof(ev));
	event_reset(&ev, 128);
	ev.host = STR_LIT("host-1");
	const char *host = ev.host.p;
	ev.message = str_make(msg, sizeof(msg) - 1);
	ev.raw = ev.message;
	ck_assert_int_eq(event_add_field(&ev, STR_LIT("sd.x.y"), STR_LIT("v\x01")), 0);
	event_normalize(&ev);
	ck_assert(ev.host.p == host); /* clean text is not copied */
	ck_assert_uint_eq(ev.message.n, strlen("caf" FFFD " #033[1m"));
	ck_assert(memcmp(ev.message.p, "caf" FFFD " #033[1m", ev.message.n) == 0);
	ck_assert(memcmp(ev.fields[0].value.p, "v#001", 5) == 0);
	ck_assert(ev.raw.p == msg); /* the bytes as received stay for the event log */

	event_reset(&ev, 128);
	ev.charset = TEXT_LATIN1;
	ev.message = str_make(msg, sizeof(msg) - 1);
	ev.flags |= EVENT_TRUNCATED;
	event_normalize(&ev);
	clean = strndup(ev.message.p, ev.message.n);
	ck_assert_str_eq(clean, "caf\xc3\xa9 #033[1m");
	free(clean);
	event_free(&ev);
}
END_TEST

/* Run log_warnx with stderr sent to a file; return what was written. */
static char *
logged(const char *arg)
{
	char path[] = "/tmp/check_text.XXXXXX", *buf = calloc(1, 8192);
	int fd = mkstemp(path), saved = dup(2);
	FILE *f;

	ck_assert(fd >= 0 && saved >= 0 && buf != NULL);
	fflush(stderr);
	dup2(fd, 2);
	log_warnx("from %s: %s", "192.0.2.1", arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	f = fdopen(fd, "r");
	rewind(f);
	ck_assert(fread(buf, 1, 8191, f) > 0);
	fclose(f);
	unlink(path);
	return buf;
}

START_TEST(log_lines_carry_no_raw_control)
{
	char *s;

	log_init(false, false);
	s = logged("evil\r\nFORGED \x1b[31m \xc2\x9b caf\xe9\tend");
	ck_assert_str_eq(s, "triaged: from 192.0.2.1: evil#015#012FORGED #033[31m #233 caf" FFFD
	    "#011end\n");
	free(s);
	/* A line cut at the buffer's end loses its half character, not its validity. */
	char big[3000];
	memset(big, 'a', sizeof(big));
	for (size_t i = 2020; i + 3 < sizeof(big); i += 3)
		memcpy(big + i, "\xe2\x82\xac", 3);
	big[sizeof(big) - 1] = '\0';
	s = logged(big);
	ck_assert(text_is_utf8(s, strlen(s)));
	ck_assert(strstr(s, FFFD) == NULL);
	ck_assert(strchr(s, '\n') == s + strlen(s) - 1); /* one line, however long */
	free(s);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("text");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, valid_text_is_kept);
	tcase_add_test(tc, invalid_utf8_becomes_fffd);
	tcase_add_test(tc, cut_input_drops_its_partial_tail);
	tcase_add_test(tc, latin1_is_decoded);
	tcase_add_test(tc, controls_are_escaped_like_rsyslog);
	tcase_add_test(tc, cuts_fall_between_code_points);
	tcase_add_test(tc, events_are_normalized_once);
	tcase_add_test(tc, log_lines_carry_no_raw_control);
	suite_add_tcase(s, tc);
	return check_run(s);
}
