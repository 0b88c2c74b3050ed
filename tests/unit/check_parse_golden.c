/*
 * check_parse_golden.c - parse_syslog() against files of expectations that
 * come from elsewhere than the parser: the loghub samples (make_golden.py,
 * a regex written without looking at the C), each writer's exact format
 * (tests/data/syslog/writers.tsv, by hand), and rsyslog's own parser test
 * vectors (tests/data/syslog/rsyslog.tsv), where the rows that agree with
 * rsyslog on host, program and message are counted.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "parse_syslog.h"

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

#define NOW 1718452800000000LL /* 2024-06-15T12:00:00Z */
#define FALLBACK "192.0.2.1" /* what the input set as host before parsing */
#define MAX_COLS 10

/* rsyslog's parsertest-parse1.sh: 29 vectors; see the reasons in rsyslog.tsv. */
#define PARSE1_VECTORS 29
#define PARSE1_AGREE 23

static void
check_str(const char *what, const char *name, struct str got, struct str want)
{
	ck_assert_msg(got.p != NULL, "%s: %s is NULL", what, name);
	ck_assert_msg(str_eq(got, want), "%s: %s is \"%.*s\", want \"%.*s\"", what, name,
	    (int)got.n, got.p, (int)want.n, want.p);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert(fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Undo the files' escaping (\\ \t \n \r \0) in place. */
static struct str
tsv_unescape(char *s, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			i++;
			s[o++] = s[i] == 't' ? '\t'
			    : s[i] == 'n'    ? '\n'
			    : s[i] == 'r'    ? '\r'
			    : s[i] == '0'    ? '\0'
			                     : s[i];
		} else
			s[o++] = s[i];
	}
	return str_make(s, o);
}

/*
 * Split one row into at most max tab-separated columns (the last takes the
 * rest of the line); returns how many, and *next the start of the next row.
 */
static int
tsv_row(char *p, char *end, struct str *col, int max, char **next)
{
	int n = 0;

	for (;;) {
		char *e = p;
		while (e < end && *e != '\n' && (*e != '\t' || n == max - 1))
			e++;
		col[n++] = tsv_unescape(p, (size_t)(e - p));
		if (e == end || *e == '\n') {
			*next = e < end ? e + 1 : end;
			return n;
		}
		p = e + 1;
	}
}

static void
parse_line(struct event *ev, struct str in)
{
	struct parse_ctx ctx = { NOW, 0 };

	event_reset(ev, in.n + 64);
	ev->host = STR_LIT(FALLBACK);
	parse_syslog(ev, in.p, in.n, &ctx);
}

static struct str
want_host(struct str col)
{
	return str_eq_cstr(col, "@fallback") ? STR_LIT(FALLBACK) : col;
}

/*
 * Rows: what, input, host, program, pid, msgid, message[, rsyslog's host,
 * program, message].  Returns how many rows of the set named prefix agree
 * with rsyslog; *rows is how many rows that set has.
 */
static int
check_tsv(const char *name, const char *prefix, int *rows)
{
	char path[512], *buf, *p, *end;
	size_t len;
	struct str col[MAX_COLS];
	struct event ev;
	int agree = 0;

	snprintf(path, sizeof(path), "%s/syslog/%s", TEST_DATA_DIR, name);
	buf = read_file(path, &len);
	memset(&ev, 0, sizeof(ev));
	*rows = 0;
	for (p = buf, end = buf + len; p < end;) {
		char what[256];
		int n;

		if (*p == '#' || *p == '\n') {
			p = memchr(p, '\n', (size_t)(end - p));
			p = p != NULL ? p + 1 : end;
			continue;
		}
		n = tsv_row(p, end, col, MAX_COLS, &p);
		ck_assert_msg(n == 7 || n == 10, "%s: a row of %d columns", name, n);
		snprintf(what, sizeof(what), "%s: %.*s", name, (int)col[0].n, col[0].p);
		parse_line(&ev, col[1]);
		check_str(what, "host", ev.host, want_host(col[2]));
		check_str(what, "program", ev.program, col[3]);
		check_str(what, "pid", ev.pid, col[4]);
		check_str(what, "msgid", ev.msgid, col[5]);
		check_str(what, "message", ev.message, col[6]);
		if (n < 10 || col[0].n < strlen(prefix)
		    || memcmp(col[0].p, prefix, strlen(prefix)) != 0)
			continue;
		(*rows)++;
		agree += str_eq(ev.host, want_host(col[7])) && str_eq(ev.program, col[8])
		    && str_eq(ev.message, col[9]);
	}
	event_free(&ev);
	free(buf);
	return agree;
}

START_TEST(test_writers)
{
	int rows;

	check_tsv("writers.tsv", "", &rows);
}
END_TEST

/* Counted rather than flagged per row: the file says why each other row differs. */
START_TEST(test_rsyslog_vectors)
{
	int rows, agree = check_tsv("rsyslog.tsv", "parse1 ", &rows);

	printf("rsyslog parsertest-parse1: triaged agrees on host, program and message for %d "
	       "of %d\n",
	    agree, rows);
	ck_assert_int_eq(rows, PARSE1_VECTORS);
	ck_assert_int_eq(agree, PARSE1_AGREE);
}
END_TEST

/* The malformed structured data of rsyslog's vector keeps its header, flagged. */
START_TEST(test_bad_sd_flagged)
{
	static const char in[] = "<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - "
	                         "ID47 [exampleSDID@32473 iut=\"3\" eventSource= \"Application\"] "
	                         "An application event log entry...";
	struct event ev;
	struct str v;

	memset(&ev, 0, sizeof(ev));
	parse_line(&ev, str_make(in, sizeof(in) - 1));
	ck_assert_uint_eq(ev.flags, EVENT_RFC5424 | EVENT_BAD_SD);
	ck_assert_int_eq(event_get(&ev, STR_LIT("malformed"), &v), 0);
	check_str("bad sd", "malformed", v, STR_LIT("structured-data"));
	check_str("bad sd", "sd", ev.sd, STR_EMPTY);
	ck_assert_uint_eq(ev.nfields, 1);
	event_free(&ev);
}
END_TEST

static void
check_golden(const char *name)
{
	struct parse_ctx ctx = { NOW, 0 };
	char path[512], *log, *gold, *lp, *gp, *lend, *gend;
	size_t loglen, goldlen, lineno = 0;
	struct str col[5];
	struct event ev;

	snprintf(path, sizeof(path), "%s/loghub/%s.log", TEST_DATA_DIR, name);
	log = read_file(path, &loglen);
	snprintf(path, sizeof(path), "%s/loghub/%s.golden", TEST_DATA_DIR, name);
	gold = read_file(path, &goldlen);
	memset(&ev, 0, sizeof(ev));
	lend = log + loglen;
	gend = gold + goldlen;
	for (lp = log, gp = gold; lp < lend; lineno++) {
		char *nl = memchr(lp, '\n', (size_t)(lend - lp));
		size_t n = (size_t)((nl != NULL ? nl + 1 : lend) - lp);
		char want[32];

		ck_assert_msg(gp < gend, "%s: golden file ends at line %zu", name, lineno);
		ck_assert_msg(tsv_row(gp, gend, col, 5, &gp) == 5, "%s: short golden row", name);
		snprintf(want, sizeof(want), "%zu", lineno + 1);
		ck_assert_msg(
		    str_eq_cstr(col[0], want), "%s: golden row %zu out of step", name, lineno + 1);
		event_reset(&ev, n + 64);
		ev.host = STR_LIT(FALLBACK);
		parse_syslog(&ev, lp, n, &ctx);
		snprintf(path, sizeof(path), "%s:%zu", name, lineno + 1);
		ck_assert_msg(ev.flags == EVENT_NO_PRI, "%s: flags %#x", path, ev.flags);
		check_str(path, "host", ev.host, col[1]);
		check_str(path, "program", ev.program, col[2]);
		check_str(path, "pid", ev.pid, col[3]);
		check_str(path, "message", ev.message, col[4]);
		lp += n;
	}
	ck_assert_msg(gp >= gend, "%s: golden file has more rows than the log", name);
	ck_assert_uint_eq(lineno, 2000);
	event_free(&ev);
	free(log);
	free(gold);
}

START_TEST(test_golden_linux)
{
	check_golden("Linux_2k");
}
END_TEST

START_TEST(test_golden_openssh)
{
	check_golden("OpenSSH_2k");
}
END_TEST

static Suite *
parse_golden_suite(void)
{
	Suite *s = suite_create("parse_golden");
	TCase *tc = tcase_create("golden");

	tcase_add_test(tc, test_golden_linux);
	tcase_add_test(tc, test_golden_openssh);
	tcase_add_test(tc, test_writers);
	tcase_add_test(tc, test_rsyslog_vectors);
	tcase_add_test(tc, test_bad_sd_flagged);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_run(parse_golden_suite());
}
