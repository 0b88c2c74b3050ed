/*
 * check_eventlog.c - the raw-event log's segments with a real writer
 * thread: numbering across restarts, reads from memory and from disk,
 * pruning whole segments by size and age, the bound on what waits for the
 * writer, a write cut short, a segment that cannot be written, and the
 * read-only reader replay uses.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_run.h"
#include "eventlog.h"
#include "eventlog_tmp.h"
#include "log.h"
#include "util.h"

static void
setup(void)
{
	log_init(false, false);
	eventlog_tmp_setup("check_eventlog");
}

static uint64_t
append(int64_t recv, const char *raw, size_t len)
{
	struct store_event ev = { .recv_usec = recv,
		.listener = "udp",
		.source = "192.0.2.1",
		.raw = raw,
		.raw_len = len };

	ck_assert_int_eq(eventlog_append(lg, &ev), 0);
	return ev.seq;
}

/* Hand everything over and wait (bounded) until the writer has it on disk. */
static void
written(void)
{
	struct eventlog_stats st;

	eventlog_flush(lg);
	for (int i = 0; i < 5000; i++) {
		eventlog_stats(lg, &st);
		if (st.pending == 0)
			return;
		usleep(1000);
	}
	ck_abort_msg("the writer did not write within 5 s");
}

struct seen {
	uint64_t first, last;
	size_t n;
	int stop_at; /* stop (returning 7) at the n-th record; 0: never */
};

static int
seen_cb(const struct store_event *ev, void *arg)
{
	struct seen *s = arg;

	if (s->n++ == 0)
		s->first = ev->seq;
	s->last = ev->seq;
	return s->stop_at != 0 && (int)s->n == s->stop_at ? 7 : 0;
}

static int
newest_cb(const struct store_event *ev, void *arg)
{
	struct seen *s = arg;

	if (s->n > 0)
		ck_assert_uint_eq(ev->seq, s->last - 1); /* newest first, no gap */
	return seen_cb(ev, arg);
}

static void
get_is(uint64_t seq, const char *raw, size_t len)
{
	struct eventlog_record r;

	ck_assert_int_eq(eventlog_get(lg, seq, &r), 0);
	ck_assert_uint_eq(r.ev.seq, seq);
	ck_assert_uint_eq(r.ev.raw_len, len);
	ck_assert(memcmp(r.ev.raw, raw, len) == 0);
	ck_assert_str_eq(r.ev.source, "192.0.2.1");
	eventlog_record_free(&r);
}

START_TEST(test_numbering_memory_and_disk)
{
	struct store_event trap = {
		.recv_usec = 5, .raw = "linkDown", .raw_len = 8, .packed = "\0p\1k", .packed_len = 4
	};
	struct eventlog_record r;
	struct eventlog_stats st;
	struct seen sn = { 0 };

	ck_assert_uint_eq(append(1, "<13>one", 7), 1);
	ck_assert_uint_eq(append(2, "a\0b\nc", 5), 2);
	ck_assert_int_eq(eventlog_append(lg, &trap), 0);
	ck_assert_uint_eq(trap.seq, 3);
	/* In the open block: read back at once, as explain --event does. */
	get_is(2, "a\0b\nc", 5);
	ck_assert_int_eq(eventlog_get(lg, 4, &r), -ENOENT);
	ck_assert_int_eq(eventlog_get(lg, 0, &r), -ENOENT);
	ck_assert_int_eq(eventlog_recent(lg, 10, newest_cb, &sn), 0);
	ck_assert(sn.n == 3 && sn.first == 3 && sn.last == 1);
	/* On disk after a restart: the numbers go on, the records read the same. */
	open_log(&(struct eventlog_opts) { 0 });
	ck_assert_uint_eq(append(6, "<13>four", 8), 4);
	get_is(2, "a\0b\nc", 5);
	ck_assert_int_eq(eventlog_get(lg, 3, &r), 0);
	ck_assert(r.ev.packed_len == 4 && memcmp(r.ev.packed, "\0p\1k", 4) == 0);
	eventlog_record_free(&r);
	sn = (struct seen) { 0 };
	ck_assert_int_eq(eventlog_recent(lg, 3, newest_cb, &sn), 0);
	ck_assert(sn.n == 3 && sn.first == 4 && sn.last == 2); /* one from memory, two from disk */
	written();
	eventlog_stats(lg, &st);
	ck_assert_uint_eq(st.records, 4);
	ck_assert_uint_eq(st.segments, 1);
	ck_assert_uint_eq(st.appended, 1);
	ck_assert_uint_eq(st.dropped, 0);
	ck_assert_uint_gt(st.bytes, 0);
}
END_TEST

/* triagectl replay's reader, in pieces, beside a writer. */
START_TEST(test_reader)
{
	struct eventlog_reader *rd;
	struct seen sn = { 0 };
	char *cause = NULL, raw[32];
	uint64_t last;

	open_log(&(struct eventlog_opts) { .segment_max = 4096 }); /* many segments */
	for (int i = 1; i <= 2000; i++) {
		int n = snprintf(raw, sizeof raw, "<13>line %d", i);
		append(i, raw, (size_t)n);
		if (i % 100 == 0)
			eventlog_flush(lg); /* many blocks */
	}
	written();
	ck_assert_int_eq(eventlog_reader_open(state, &rd, &cause), 0);
	ck_assert_int_eq(eventlog_reader_read(rd, 0, 150, seen_cb, &sn, &last), 0);
	ck_assert(sn.n == 150 && sn.first == 1 && last == 150);
	sn = (struct seen) { .stop_at = 3 };
	ck_assert_int_eq(eventlog_reader_read(rd, 1234, 10, seen_cb, &sn, &last), 7);
	ck_assert(sn.first == 1235 && last == 1237);
	sn = (struct seen) { 0 };
	ck_assert_int_eq(eventlog_reader_read(rd, 1990, 100, seen_cb, &sn, &last), 0);
	ck_assert(sn.n == 10 && last == 2000);
	ck_assert_int_eq(eventlog_reader_read(rd, 2000, 100, seen_cb, &sn, &last), 0);
	ck_assert_uint_eq(last, 2000); /* nothing after the last */
	eventlog_reader_close(rd);
	/* No state directory at all is an error; one whose log was never written is empty. */
	char *missing;
	xasprintf(&missing, "%s/missing", tmpdir);
	ck_assert_int_lt(eventlog_reader_open(missing, &rd, &cause), 0);
	ck_assert_ptr_nonnull(strstr(cause, "cannot read the raw-event log "));
	ck_assert_ptr_nonnull(strstr(cause, "/missing/eventlog: No such file or directory"));
	free(cause);
	ck_assert_int_eq(eventlog_reader_open(tmpdir, &rd, &cause), 0);
	ck_assert_int_eq(eventlog_reader_read(rd, 0, 10, seen_cb, &sn, &last), 0);
	ck_assert_uint_eq(last, 0);
	eventlog_reader_close(rd);
	free(missing);
}
END_TEST

/* Past its size the oldest segments go whole; what is left is the newest, without a gap. */
START_TEST(test_prune_size)
{
	struct eventlog_stats st;
	struct eventlog_record r;
	struct seen sn = { 0 };
	char raw[200];
	uint64_t seq = 0;

	open_log(&(struct eventlog_opts) { .max_size = 64 * 1024, .segment_max = 8 * 1024 });
	for (int i = 0; i < 20000; i++) {
		/* Little to compress: a counter spread through the text. */
		for (size_t j = 0; j < sizeof raw; j++)
			raw[j] = (char)('a' + (i * 7 + (int)j * 13 + (i >> 3) * (int)j) % 26);
		seq = append(i, raw, sizeof raw);
		if (i % 50 == 0)
			eventlog_flush(lg);
	}
	written();
	eventlog_stats(lg, &st);
	ck_assert_uint_le(st.bytes, 64 * 1024);
	ck_assert_uint_gt(st.bytes, 64 * 1024 - 16 * 1024);
	ck_assert_uint_gt(st.pruned, 10);
	ck_assert_uint_lt(st.records, 20000);
	ck_assert_int_eq(eventlog_get(lg, 1, &r), -ENOENT);
	ck_assert_int_eq(eventlog_recent(lg, 1000000, newest_cb, &sn), 0);
	ck_assert(sn.n == st.records && sn.first == seq && sn.last == seq + 1 - sn.n);
}
END_TEST

START_TEST(test_prune_age)
{
	struct eventlog_stats st;
	struct seen sn = { 0 };

	open_log(&(struct eventlog_opts) { .max_age = 60 * USEC_PER_SEC, .segment_max = 1 });
	for (int64_t i = 0; i < 10; i++) { /* a segment each */
		append(i * USEC_PER_SEC, "x", 1);
		eventlog_flush(lg);
	}
	append(65 * USEC_PER_SEC, "x", 1);
	written();
	eventlog_stats(lg, &st);
	/* Received before 65 s - 60 s = 5 s: records 1..5 (and their segments) are gone. */
	ck_assert_uint_eq(st.segments, 6);
	ck_assert_uint_eq(st.pruned, 5);
	ck_assert_int_eq(eventlog_recent(lg, 100, newest_cb, &sn), 0);
	ck_assert(sn.n == 6 && sn.first == 11 && sn.last == 6);
}
END_TEST

/* A writer that cannot keep up: what waits is bounded, the newest is dropped and counted. */
START_TEST(test_pending_bound)
{
	static char raw[16000];
	struct eventlog_stats st;
	uint64_t n = 2 * EVENTLOG_PENDING_MAX / sizeof(raw);

	memset(raw, 'p', sizeof raw);
	open_log(&(struct eventlog_opts) { .paused = true });
	for (uint64_t i = 0; i < n; i++)
		append((int64_t)i, raw, sizeof raw);
	eventlog_stats(lg, &st);
	ck_assert_uint_le(st.pending, EVENTLOG_PENDING_MAX + EVENTLOG_BLOCK + sizeof(raw));
	ck_assert_uint_gt(st.dropped, n / 3);
	ck_assert_uint_eq(st.appended, n);
	eventlog_resume(lg);
	written();
	eventlog_stats(lg, &st);
	ck_assert_uint_eq(st.records + st.dropped, n);
	ck_assert_uint_eq(st.pending, 0);
}
END_TEST

/* A kill in mid-write leaves half a block: the next start cuts it off and goes on. */
START_TEST(test_torn_tail)
{
	char path[4096];
	struct seen sn = { 0 };
	int fd;

	append(1, "<13>a", 5);
	append(2, "<13>b", 5);
	eventlog_close(lg);
	lg = NULL;
	snprintf(path, sizeof path, "%s/eventlog/%016x.zst", state, 1);
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_APPEND), 0);
	/* A whole header and part of its frame. */
	ck_assert_int_eq(write(fd, "\x5e\x2a\x4d\x18\x28\0\0\0TEV1\0\0\0\1", 16), 16);
	close(fd);
	open_log(&(struct eventlog_opts) { 0 });
	ck_assert_uint_eq(append(3, "<13>c", 5), 3);
	written();
	ck_assert_int_eq(eventlog_recent(lg, 10, newest_cb, &sn), 0);
	ck_assert(sn.n == 3 && sn.first == 3);
}
END_TEST

/* A segment that cannot be made (a directory is in its way): counted, said, and then over. */
START_TEST(test_write_error)
{
	struct eventlog_stats st;
	char path[4096];
	struct seen sn = { 0 };

	open_log(&(struct eventlog_opts) { .segment_max = 1 });
	append(1, "<13>a", 5);
	written();
	snprintf(path, sizeof path, "%s/eventlog/%016x.zst", state, 2);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	append(2, "<13>b", 5);
	written();
	eventlog_stats(lg, &st);
	ck_assert_uint_eq(st.write_errors, 1);
	ck_assert_int_eq(st.last_error, -EISDIR);
	ck_assert_uint_eq(st.dropped, 1);
	ck_assert_int_eq(rmdir(path), 0);
	append(3, "<13>c", 5);
	written();
	eventlog_stats(lg, &st);
	ck_assert_uint_eq(st.write_errors, 1);
	ck_assert_uint_eq(st.records, 2);
	ck_assert_int_eq(eventlog_recent(lg, 10, seen_cb, &sn), 0);
	ck_assert(sn.n == 2 && sn.first == 3 && sn.last == 1);
}
END_TEST

START_TEST(test_record_too_large)
{
	size_t len = EVSEG_RECORD_MAX;
	char *raw = xmalloc(len);
	struct store_event ev = { .recv_usec = 1, .raw = raw, .raw_len = len };
	struct eventlog_stats st;

	memset(raw, 'x', len);
	ck_assert_int_eq(eventlog_append(lg, &ev), -EMSGSIZE);
	eventlog_stats(lg, &st);
	ck_assert(st.appended == 0 && st.dropped == 1);
	ck_assert_uint_eq(append(2, "<13>after", 9), 1);
	free(raw);
}
END_TEST

static Suite *
eventlog_suite(void)
{
	Suite *su = suite_create("eventlog");
	TCase *tc = tcase_create("eventlog");

	tcase_add_checked_fixture(tc, setup, eventlog_tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_numbering_memory_and_disk);
	tcase_add_test(tc, test_reader);
	tcase_add_test(tc, test_prune_size);
	tcase_add_test(tc, test_prune_age);
	tcase_add_test(tc, test_pending_bound);
	tcase_add_test(tc, test_torn_tail);
	tcase_add_test(tc, test_write_error);
	tcase_add_test(tc, test_record_too_large);
	suite_add_tcase(su, tc);
	return su;
}

int
main(void)
{
	return check_run(eventlog_suite());
}
