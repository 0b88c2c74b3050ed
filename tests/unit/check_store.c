/*
 * check_store.c - unit tests for store.c and store_codec.c against a real
 * LMDB in a fresh temporary directory per test.  Corruption and stale
 * readers are set up with LMDB directly, which only a test may include.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <lmdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_run.h"
#include "store.h"
#include "store_tmp.h"
#include "store_codec.h"
#include "store_tmp.h"
#include "util.h"

#define MIB (1024UL * 1024)

static const struct store_opts log_on = { 0 };

static void
setup(void)
{
	store_tmp_setup("check_store", &log_on);
}

static void
make_incident(struct incident *inc, uint64_t id, const char *key, enum incident_state st)
{
	memset(inc, 0, sizeof *inc);
	inc->id = id;
	strlcpy_t(inc->key, key, sizeof inc->key);
	inc->state = st;
}

static void
put_incident(uint64_t id, const char *key, enum incident_state st)
{
	struct store_txn *t = begin(true);
	struct incident inc;

	make_incident(&inc, id, key, st);
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
}

/* Collect ids or counts in visiting order; stop_at makes the callback return 42. */
struct collect {
	uint64_t v[64];
	size_t n;
	size_t stop_at;
};

static int
collect_incident_cb(const struct incident *inc, void *arg)
{
	struct collect *c = arg;

	c->v[c->n++] = inc->id;
	return c->stop_at != 0 && c->n == c->stop_at ? 42 : 0;
}

static int
collect_timeline_cb(const struct timeline_entry *e, void *arg)
{
	struct collect *c = arg;

	c->v[c->n++] = e->count;
	return 0;
}

static int
count_timeline_cb(const struct timeline_entry *e, void *arg)
{
	(*(size_t *)arg)++;
	return 0;
}


START_TEST(test_open_fresh)
{
	const char *sub[] = { "", "/db" };
	struct store_stats st;
	struct stat sb;
	char path[256];
	mode_t um = umask(0);

	umask(um);
	for (size_t i = 0; i < ARRAY_SIZE(sub); i++) {
		snprintf(path, sizeof path, "%s%s", state, sub[i]);
		ck_assert_int_eq(stat(path, &sb), 0);
		ck_assert(S_ISDIR(sb.st_mode));
		ck_assert_uint_eq(sb.st_mode & 0777, 0750 & ~um);
	}
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_eq(st.map_size, 64 * MIB);
	ck_assert_uint_eq(st.incidents + st.open_incidents + st.map_grows, 0);
	store_close(NULL);
	store_txn_abort(NULL);
}
END_TEST

START_TEST(test_open_errors)
{
	struct store *s2 = (struct store *)&s2; /* must come back NULL */
	char *path, *cause = NULL;
	FILE *f;

	xasprintf(&path, "%s/file", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	free(path);
	/* The state dir's parent is a file. */
	xasprintf(&path, "%s/file/state", tmpdir);
	ck_assert_int_eq(store_open(path, NULL, &s2, &cause), -ENOTDIR);
	ck_assert_ptr_null(s2);
	ck_assert_msg(strncmp(cause, "cannot create ", 14) == 0, "%s", cause);
	free(cause);
	free(path);
	/* "db" is a file: the store is torn down half-built. */
	xasprintf(&path, "%s/half", tmpdir);
	mkdir(path, 0750);
	free(path);
	xasprintf(&path, "%s/half/db", tmpdir);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fclose(f);
	cause = NULL;
	*strrchr(path, '/') = '\0';
	ck_assert_int_eq(store_open(path, NULL, &s2, &cause), -ENOTDIR);
	ck_assert_msg(strstr(cause, "cannot make room for ") != NULL, "%s", cause);
	ck_assert_msg(strstr(cause, "/half/db/lock.mdb: Not a directory") != NULL, "%s", cause);
	free(cause);
	free(path);
}
END_TEST

static void
fill_incident(struct incident *inc, uint64_t id)
{
	memset(inc, 0, sizeof *inc);
	inc->id = id;
	memset(inc->key, 'k', sizeof inc->key - 1);
	memset(inc->rule, 'r', sizeof inc->rule - 1);
	memset(inc->host, 'h', sizeof inc->host - 1);
	memset(inc->summary, 's', sizeof inc->summary - 1);
	inc->state = INCIDENT_ACKNOWLEDGED;
	inc->severity = -7;
	inc->count = UINT64_MAX;
	inc->first_seen = INT64_MIN;
	inc->last_seen = INT64_MAX;
	inc->state_since = -1;
	inc->acked_at = 1234567890123456;
	inc->resolved_at = 42;
	inc->nrecent = INCIDENT_RECENT_MAX;
	for (uint32_t i = 0; i < inc->nrecent; i++)
		inc->recent[i] = (int64_t)i * -1000003;
	inc->held_since = INT64_MAX - 1;
	memset(inc->component, 'c', sizeof inc->component - 1);
	memset(inc->group, 'g', sizeof inc->group - 1);
	memset(inc->class_, 'l', sizeof inc->class_ - 1);
	inc->flap.cycles = UINT32_MAX;
	inc->flap.active = true;
	inc->flap.changed = INT64_MIN + 1;
	inc->flap.nstarts = INCIDENT_FLAP_MAX;
	for (uint32_t i = 0; i < inc->flap.nstarts; i++)
		inc->flap.starts[i] = (int64_t)i * 7000001;
}

START_TEST(test_incident_roundtrip)
{
	struct incident in, out, small;
	struct store_txn *t = begin(true);

	fill_incident(&in, UINT64_MAX);
	make_incident(&small, 7, "x", INCIDENT_PENDING);
	ck_assert_int_eq(store_incident_put(t, &in), 0);
	ck_assert_int_eq(store_incident_put(t, &small), 0);
	ck_assert_int_eq(store_incident_get(t, UINT64_MAX, &out), 0);
	ck_assert_mem_eq(&in, &out, sizeof in);
	ck_assert_int_eq(store_txn_commit(t), 0);
	reopen(&log_on);
	t = begin(false);
	ck_assert_int_eq(store_incident_get(t, UINT64_MAX, &out), 0);
	ck_assert_mem_eq(&in, &out, sizeof in);
	ck_assert_int_eq(store_incident_by_key(t, in.key, &out), 0);
	ck_assert_mem_eq(&in, &out, sizeof in);
	ck_assert_int_eq(store_incident_get(t, 7, &out), 0);
	ck_assert_mem_eq(&small, &out, sizeof small);
	ck_assert_int_eq(store_incident_get(t, 8, &out), -ENOENT);
	store_txn_abort(t);
}
END_TEST

/*
 * A record of the first version (before holds) reads as an incident with
 * no hold and no payload fields; a version this build does not know, or
 * a first-version record with the newer tail, does not read.
 */
START_TEST(test_incident_version1)
{
	struct incident inc, out;
	uint8_t buf[4096];
	size_t len;

	make_incident(&inc, 3, "host/if/3", INCIDENT_TRIGGERED);
	inc.count = 5;
	ck_assert_int_eq(store_codec_encode_incident(buf, &inc, &len), 0);
	ck_assert_uint_eq(buf[0], 2);
	buf[0] = 1;
	ck_assert_int_eq(store_codec_decode_incident(buf, len, &out), -EBADMSG);
	/* The version 2 tail: held_since, three empty strings (length, NUL), an empty flap state. */
	ck_assert_int_eq(store_codec_decode_incident(buf, len - 8 - 3 * 3 - 14, &out), 0);
	ck_assert_mem_eq(&inc, &out, sizeof inc);
	buf[0] = 3;
	ck_assert_int_eq(store_codec_decode_incident(buf, len, &out), -EBADMSG);
}
END_TEST

START_TEST(test_incident_invalid)
{
	struct store_txn *t = begin(true);
	struct incident inc;

	make_incident(&inc, 1, "", INCIDENT_TRIGGERED);
	ck_assert_int_eq(store_incident_put(t, &inc), -EINVAL);
	fill_incident(&inc, 1);
	inc.key[sizeof inc.key - 1] = 'k'; /* unterminated */
	ck_assert_int_eq(store_incident_put(t, &inc), -EINVAL);
	fill_incident(&inc, 1);
	inc.nrecent = INCIDENT_RECENT_MAX + 1;
	ck_assert_int_eq(store_incident_put(t, &inc), -EINVAL);
	fill_incident(&inc, 1);
	inc.state = (enum incident_state)9;
	ck_assert_int_eq(store_incident_put(t, &inc), -EINVAL);
	fill_incident(&inc, 1);
	inc.class_[sizeof inc.class_ - 1] = 'l';
	ck_assert_int_eq(store_incident_put(t, &inc), -EINVAL);
	fill_incident(&inc, 1);
	inc.flap.nstarts = INCIDENT_FLAP_MAX + 1;
	ck_assert_int_eq(store_incident_put(t, &inc), -EINVAL);
	store_txn_abort(t);
}
END_TEST

START_TEST(test_key_index)
{
	struct store_txn *t;
	struct incident inc;

	put_incident(1, "host/if/3", INCIDENT_RESOLVED);
	put_incident(2, "host/if/3", INCIDENT_TRIGGERED);
	t = begin(true);
	ck_assert_int_eq(store_incident_by_key(t, "host/if/3", &inc), 0);
	ck_assert_uint_eq(inc.id, 2);
	/* A late update of the old incarnation must not steal the key. */
	make_incident(&inc, 1, "host/if/3", INCIDENT_RESOLVED);
	inc.count = 5;
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
	ck_assert_int_eq(store_incident_by_key(t, "host/if/3", &inc), 0);
	ck_assert_uint_eq(inc.id, 2);
	ck_assert_int_eq(store_incident_get(t, 1, &inc), 0);
	ck_assert_uint_eq(inc.count, 5);
	ck_assert_int_eq(store_incident_by_key(t, "host/if/4", &inc), -ENOENT);
	ck_assert_int_eq(store_incident_by_key(t, "", &inc), -EINVAL);
	ck_assert_int_eq(store_txn_commit(t), 0);
}
END_TEST

START_TEST(test_open_set)
{
	struct collect c = { .n = 0 };
	struct store_stats st;
	struct store_txn *t;

	for (uint64_t id = 1; id <= 4; id++)
		put_incident(id, "k", INCIDENT_TRIGGERED);
	put_incident(2, "k", INCIDENT_RESOLVED);
	put_incident(4, "k", INCIDENT_ACKNOWLEDGED);
	put_incident(5, "k", INCIDENT_RESOLVED);
	put_incident(6, "k", INCIDENT_PENDING);
	t = begin(false);
	ck_assert_int_eq(store_open_foreach(t, collect_incident_cb, &c), 0);
	store_txn_abort(t);
	ck_assert_uint_eq(c.n, 4);
	ck_assert(c.v[0] == 1 && c.v[1] == 3 && c.v[2] == 4 && c.v[3] == 6);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_eq(st.open_incidents, 4);
	ck_assert_uint_eq(st.incidents, 6);
	put_incident(2, "k", INCIDENT_TRIGGERED); /* back in the open set */
	c.n = 0;
	t = begin(false);
	ck_assert_int_eq(store_open_foreach(t, collect_incident_cb, &c), 0);
	store_txn_abort(t);
	ck_assert(c.n == 5 && c.v[1] == 2);
}
END_TEST

START_TEST(test_foreach_order)
{
	struct collect c = { .n = 0 };
	struct store_txn *t;

	for (uint64_t id = 1; id <= 5; id++)
		put_incident(id, "k", id % 2 ? INCIDENT_TRIGGERED : INCIDENT_RESOLVED);
	t = begin(false);
	ck_assert_int_eq(store_incident_foreach(t, collect_incident_cb, &c), 0);
	ck_assert_uint_eq(c.n, 5);
	for (size_t i = 0; i < 5; i++)
		ck_assert_uint_eq(c.v[i], 5 - i);
	c = (struct collect){ .n = 0, .stop_at = 2 };
	ck_assert_int_eq(store_incident_foreach(t, collect_incident_cb, &c), 42);
	ck_assert(c.n == 2 && c.v[1] == 4);
	c = (struct collect){ .n = 0, .stop_at = 1 };
	ck_assert_int_eq(store_open_foreach(t, collect_incident_cb, &c), 42);
	ck_assert(c.n == 1 && c.v[0] == 1);
	store_txn_abort(t);
}
END_TEST

static void
add_entry(struct store_txn *t, uint64_t id, uint64_t count)
{
	struct timeline_entry e = { .at = (int64_t)count, .kind = TIMELINE_NOTE };

	e.count = count;
	snprintf(e.text, sizeof e.text, "entry %llu", (unsigned long long)count);
	ck_assert_int_eq(store_timeline_add(t, id, &e), 0);
}

static int
check_big_cb(const struct timeline_entry *e, void *arg)
{
	if (e->count == 99) {
		ck_assert(e->at == -5 && e->kind == TIMELINE_STATE && e->state == INCIDENT_RESOLVED);
		ck_assert_uint_eq(strlen(e->text), TIMELINE_TEXT_MAX - 1);
		(*(int *)arg)++;
	}
	return 0;
}

START_TEST(test_timeline)
{
	const uint64_t ids[] = { 1, 2, 3, UINT64_MAX };
	struct timeline_entry e, big = { .at = -5, .kind = TIMELINE_STATE,
		.state = INCIDENT_RESOLVED, .count = 99 };
	struct collect c;
	struct store_txn *t = begin(true);
	int seen = 0;

	/* Interleaved across ids and transactions; each id keeps its own order. */
	for (uint64_t n = 1; n <= 6; n++) {
		add_entry(t, n % 2 ? 1 : 3, n);
		add_entry(t, UINT64_MAX, 100 + n);
		if (n == 3) {
			ck_assert_int_eq(store_txn_commit(t), 0);
			t = begin(true);
		}
	}
	memset(big.text, 'T', sizeof big.text - 1);
	ck_assert_int_eq(store_timeline_add(t, 1, &big), 0);
	e = big;
	e.kind = (enum timeline_kind)7;
	ck_assert_int_eq(store_timeline_add(t, 1, &e), -EINVAL);
	ck_assert_int_eq(store_txn_commit(t), 0);

	t = begin(false);
	for (size_t i = 0; i < ARRAY_SIZE(ids); i++) {
		c = (struct collect){ .n = 0 };
		ck_assert_int_eq(store_timeline_foreach(t, ids[i], collect_timeline_cb, &c), 0);
		if (ids[i] == 1)
			ck_assert(c.n == 4 && c.v[0] == 1 && c.v[1] == 3 && c.v[2] == 5 && c.v[3] == 99);
		else if (ids[i] == 3)
			ck_assert(c.n == 3 && c.v[0] == 2 && c.v[1] == 4 && c.v[2] == 6);
		else if (ids[i] == UINT64_MAX)
			ck_assert(c.n == 6 && c.v[0] == 101 && c.v[5] == 106);
		else
			ck_assert_uint_eq(c.n, 0);
	}
	ck_assert_int_eq(store_timeline_foreach(t, 1, check_big_cb, &seen), 0);
	ck_assert_int_eq(seen, 1);
	store_txn_abort(t);
}
END_TEST

START_TEST(test_next_id)
{
	struct store_txn *t = begin(true);
	uint64_t id;

	ck_assert_int_eq(store_next_id(t, &id), 0);
	ck_assert_uint_eq(id, 1);
	ck_assert_int_eq(store_next_id(t, &id), 0);
	ck_assert_uint_eq(id, 2);
	ck_assert_int_eq(store_txn_commit(t), 0);
	t = begin(true);
	ck_assert_int_eq(store_next_id(t, &id), 0);
	store_txn_abort(t); /* 3 was never committed */
	reopen(&log_on);
	t = begin(true);
	ck_assert_int_eq(store_next_id(t, &id), 0);
	ck_assert_uint_eq(id, 3);
	ck_assert_int_eq(store_txn_commit(t), 0);
	t = begin(false);
	ck_assert_int_eq(store_next_id(t, &id), -EACCES); /* read-only */
	store_txn_abort(t);
}
END_TEST

START_TEST(test_meta)
{
	struct store_txn *t = begin(true);
	char buf[16];
	size_t len = 0;

	ck_assert_int_eq(store_meta_put(t, "journal.cursor", "s=abc;i=1", 9), 0);
	ck_assert_int_eq(store_meta_put(t, "empty", "", 0), 0);
	ck_assert_int_eq(store_meta_put(t, "", "x", 1), -EINVAL);
	ck_assert_int_eq(store_txn_commit(t), 0);
	t = begin(false);
	ck_assert_int_eq(store_meta_get(t, "journal.cursor", buf, sizeof buf, &len), 0);
	ck_assert(len == 9 && memcmp(buf, "s=abc;i=1", 9) == 0);
	len = 0;
	ck_assert_int_eq(store_meta_get(t, "journal.cursor", buf, 4, &len), -ENOBUFS);
	ck_assert_uint_eq(len, 9);
	ck_assert_int_eq(store_meta_get(t, "empty", buf, 0, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(store_meta_get(t, "nope", buf, sizeof buf, &len), -ENOENT);
	store_txn_abort(t);
}
END_TEST

/* Records by sequence: read back in the writing batch and after it commits. */
START_TEST(test_outbox_get)
{
	struct store_txn *t = begin(true);
	uint64_t a = 0, b = 0;
	const void *data;
	size_t len;

	ck_assert_int_eq(store_outbox_put(t, &a, "first", 5), 0);
	ck_assert_int_eq(store_outbox_put(t, &b, "second", 6), 0);
	ck_assert_uint_eq(b, a + 1);
	ck_assert_int_eq(store_outbox_get(t, b, &data, &len), 0); /* uncommitted, same txn */
	ck_assert(len == 6 && memcmp(data, "second", 6) == 0);
	ck_assert_int_eq(store_txn_commit(t), 0);

	t = begin(true);
	ck_assert_int_eq(store_outbox_put(t, &a, "rewritten", 9), 0);
	ck_assert_int_eq(store_outbox_del(t, b), 0);
	ck_assert_int_eq(store_outbox_get(t, b, &data, &len), -ENOENT);
	struct store_txn *r = begin(false); /* beside the open write: sees what committed */
	ck_assert_int_eq(store_outbox_get(r, a, &data, &len), 0);
	ck_assert(len == 5 && memcmp(data, "first", 5) == 0);
	ck_assert_int_eq(store_outbox_get(r, b, &data, &len), 0);
	store_txn_abort(r);
	ck_assert_int_eq(store_txn_commit(t), 0);

	t = begin(false);
	ck_assert_int_eq(store_outbox_get(t, a, &data, &len), 0);
	ck_assert(len == 9 && memcmp(data, "rewritten", 9) == 0);
	ck_assert_int_eq(store_outbox_get(t, b, &data, &len), -ENOENT);
	ck_assert_int_eq(store_outbox_get(t, b + 1, &data, &len), -ENOENT);
	store_txn_abort(t);
}
END_TEST


/* Timeline entries of ~1 KiB under id. */
static void
fill(uint64_t id, int entries)
{
	struct timeline_entry e = { .kind = TIMELINE_EVENT };
	struct store_txn *t = begin(true);

	memset(e.text, 'e', 1000);
	for (int i = 0; i < entries; i++) {
		e.count = (uint64_t)i;
		ck_assert_int_eq(store_timeline_add(t, id, &e), 0);
	}
	ck_assert_int_eq(store_txn_commit(t), 0);
}

/* This process's file-backed resident memory (RssFile), KiB. */
static long
rss_file_kib(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kib = -1;

	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "RssFile: %ld kB", &kib) == 1)
			break;
	fclose(f);
	ck_assert_int_ge(kib, 0);
	return kib;
}

/* The map's pages a read touched leave the resident set; what they hold reads the same after. */
START_TEST(test_trim_resident)
{
	enum { N = 32, LEN = 256 * 1024 };
	char *buf = xmalloc(LEN), *back = xmalloc(LEN), name[32];
	struct store_txn *t = begin(true);
	uint64_t trimmed = 1;
	long touched, trimmed_to;
	size_t len;

	for (int i = 0; i < N; i++) {
		memset(buf, 'a' + i % 26, LEN);
		snprintf(name, sizeof name, "big%d", i);
		ck_assert_int_eq(store_meta_put(t, name, buf, LEN), 0);
	}
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_int_eq(store_trim_resident(s, 64ULL << 20, 1 << 20, &trimmed), 0); /* small: left alone */
	ck_assert_uint_eq(trimmed, 0);
	t = begin(false);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof name, "big%d", i);
		ck_assert_int_eq(store_meta_get(t, name, back, LEN, &len), 0);
	}
	touched = rss_file_kib();
	/* 1 MiB windows: the sweep goes on over calls until it has covered the data, then wraps. */
	uint64_t swept = 0, first = 0;
	for (int i = 0; i < 64 && swept < (uint64_t)N * LEN; i++) {
		ck_assert_int_eq(store_trim_resident(s, 1 << 20, 1 << 20, &trimmed), 1);
		ck_assert_uint_le(trimmed, 1 << 20);
		if (i == 0)
			first = trimmed;
		swept += trimmed;
	}
	ck_assert_uint_ge(swept, (uint64_t)N * LEN);
	trimmed_to = rss_file_kib();
	ck_assert_msg(touched - trimmed_to >= N * (LEN / 1024) / 2,
	    "RssFile %ld kB before the trim, %ld kB after", touched, trimmed_to);
	for (int i = 0; i < N; i++) { /* the open read transaction reads on */
		memset(buf, 'a' + i % 26, LEN);
		snprintf(name, sizeof name, "big%d", i);
		ck_assert_int_eq(store_meta_get(t, name, back, LEN, &len), 0);
		ck_assert_int_eq(memcmp(buf, back, LEN), 0);
	}
	store_txn_abort(t);
	ck_assert_uint_eq(first, 1 << 20);
	free(buf);
	free(back);
}
END_TEST

START_TEST(test_map_growth)
{
	struct store_txn *r, *w;
	struct store_stats st;
	uint64_t grows;
	bool skipped = false;
	size_t n = 0;

	for (uint64_t id = 1; id <= 14; id++) {
		ck_assert_int_eq(store_stats(s, &st), 0);
		if (!skipped && st.map_used * 5 > st.map_size * 4) {
			/* A live reader pins the map: the begin must not resize under it. */
			grows = st.map_grows;
			r = begin(false);
			w = begin(true);
			ck_assert_int_eq(store_stats(s, &st), 0);
			ck_assert_uint_eq(st.map_grows, grows);
			store_txn_abort(w);
			store_txn_abort(r);
			skipped = true;
		}
		fill(id, 6000);
	}
	ck_assert(skipped);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_ge(st.map_grows, 1);
	ck_assert_uint_ge(st.map_size, 128 * MIB);
	ck_assert_uint_gt(st.map_used, 64 * MIB);
	ck_assert_uint_eq(st.timeline_entries, 14 * 6000);
	r = begin(false);
	for (uint64_t id = 1; id <= 14; id++) {
		n = 0;
		ck_assert_int_eq(store_timeline_foreach(r, id, count_timeline_cb, &n), 0);
		ck_assert_uint_eq(n, 6000);
	}
	store_txn_abort(r);
	reopen(&log_on);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_eq(st.timeline_entries, 14 * 6000);
}
END_TEST

START_TEST(test_map_full)
{
	struct timeline_entry e = { .kind = TIMELINE_EVENT };
	struct store_stats st;
	struct store_txn *t = begin(true);
	int rc = 0, n;
	size_t seen = 0;

	memset(e.text, 'e', 1000);
	for (n = 0; n < 200000 && (rc = store_timeline_add(t, 1, &e)) == 0; n++)
		;
	ck_assert_int_eq(rc, -ENOSPC);
	store_txn_abort(t);
	/* The next write begin grows although the aborted batch left usage low. */
	t = begin(true);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_eq(st.map_grows, 1);
	ck_assert_uint_eq(st.map_size, 128 * MIB);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(store_timeline_add(t, 1, &e), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	t = begin(false);
	ck_assert_int_eq(store_timeline_foreach(t, 1, count_timeline_cb, &seen), 0);
	store_txn_abort(t);
	ck_assert_uint_eq(seen, (size_t)n);
}
END_TEST

START_TEST(test_read_during_write)
{
	struct store_txn *w, *r, *w2;
	struct incident inc;

	put_incident(1, "a", INCIDENT_TRIGGERED);
	w = begin(true);
	make_incident(&inc, 2, "b", INCIDENT_TRIGGERED);
	ck_assert_int_eq(store_incident_put(w, &inc), 0);
	/* The control socket reads while the pipeline's batch is open. */
	r = begin(false);
	ck_assert_int_eq(store_incident_get(r, 1, &inc), 0);
	ck_assert_int_eq(store_incident_get(r, 2, &inc), -ENOENT);
	ck_assert_int_eq(store_txn_begin(s, true, &w2), -EBUSY);
	ck_assert_ptr_null(w2);
	ck_assert_int_eq(store_txn_commit(w), 0);
	ck_assert_int_eq(store_incident_get(r, 2, &inc), -ENOENT); /* snapshot */
	ck_assert_int_eq(store_txn_commit(r), 0);
	r = begin(false);
	ck_assert_int_eq(store_incident_get(r, 2, &inc), 0);
	store_txn_abort(r);
}
END_TEST

START_TEST(test_abort_discards)
{
	struct timeline_entry e = { .kind = TIMELINE_NOTE };
	struct store_txn *t = begin(true);
	struct store_stats st;
	struct incident inc;
	uint64_t id;
	char buf[8];

	ck_assert_int_eq(store_next_id(t, &id), 0);
	make_incident(&inc, id, "k", INCIDENT_TRIGGERED);
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
	ck_assert_int_eq(store_timeline_add(t, id, &e), 0);
	ck_assert_int_eq(store_meta_put(t, "m", "v", 1), 0);
	store_txn_abort(t);
	t = begin(true);
	ck_assert_int_eq(store_incident_get(t, id, &inc), -ENOENT);
	ck_assert_int_eq(store_incident_by_key(t, "k", &inc), -ENOENT);
	ck_assert_int_eq(store_meta_get(t, "m", buf, sizeof buf, NULL), -ENOENT);
	ck_assert_int_eq(store_next_id(t, &id), 0);
	ck_assert_uint_eq(id, 1); /* the aborted id is reused */
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert(st.incidents == 0 && st.timeline_entries == 0);
}
END_TEST

/* Write raw values into a closed store with LMDB itself. */
static void
raw_put(const char *env_name, const char *db, const void *k, size_t klen, const void *v,
    size_t vlen)
{
	char path[256];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val key = { klen, (void *)k }, val = { vlen, (void *)v };

	snprintf(path, sizeof path, "%s/%s", state, env_name);
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 8), 0);
	ck_assert_int_eq(mdb_env_open(env, path, 0, 0640), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, db, 0, &dbi), 0);
	if (v == NULL)
		ck_assert_int_eq(mdb_del(txn, dbi, &key, NULL), 0);
	else
		ck_assert_int_eq(mdb_put(txn, dbi, &key, &val, 0), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void
raw_put_id(const char *db, uint64_t id, const void *v, size_t vlen)
{
	uint8_t kb[8];

	store_codec_be_put(kb, id, 8);
	raw_put("db", db, kb, sizeof kb, v, vlen);
}

START_TEST(test_corrupt_store)
{
	struct incident inc;
	uint8_t good[4096], kb[8];
	size_t len;
	struct store_txn *t;
	struct collect c = { .n = 0 };

	fill_incident(&inc, 2);
	ck_assert_int_eq(store_codec_encode_incident(NULL, &inc, &len), 0);
	ck_assert_int_eq(store_codec_encode_incident(good, &inc, &len), 0);
	put_incident(5, "five", INCIDENT_TRIGGERED);
	put_incident(6, "six", INCIDENT_TRIGGERED);
	store_close(s);
	s = NULL;
	raw_put_id("incidents", 1, "\x09junk", 5); /* unknown version */
	raw_put_id("incidents", 3, good, len);	   /* stored under the wrong id */
	raw_put_id("incidents", 4, good, len - 1); /* truncated */
	raw_put_id("incidents", 6, NULL, 0);	   /* still in the open set */
	store_codec_be_put(kb, 1, 8);
	raw_put("db", "keys", "bad", 3, kb, 3); /* a 3-byte id */
	reopen(&log_on);
	t = begin(false);
	for (uint64_t id = 1; id <= 4; id++)
		ck_assert_int_eq(store_incident_get(t, id, &inc), id == 2 ? -ENOENT : -EBADMSG);
	ck_assert_int_eq(store_incident_by_key(t, "bad", &inc), -EBADMSG);
	ck_assert_int_eq(store_incident_foreach(t, collect_incident_cb, &c), -EBADMSG);
	ck_assert(c.n == 1 && c.v[0] == 5); /* newest first: 5 is fine, 4 is not */
	ck_assert_int_eq(store_open_foreach(t, collect_incident_cb, &c), -EBADMSG);
	store_txn_abort(t);
}
END_TEST

/* Every prefix of a valid record, and crafted over-long strings, decode to -EBADMSG. */
START_TEST(test_corrupt_codec)
{
	struct incident inc, out;
	struct timeline_entry te;
	struct store_event ev = { .recv_usec = 1, .listener = "l", .source = "s", .raw = "raw",
	    .raw_len = 3 };
	uint8_t buf[4096];
	size_t len;

	fill_incident(&inc, 9);
	ck_assert_int_eq(store_codec_encode_incident(buf, &inc, &len), 0);
	ck_assert_int_eq(store_codec_decode_incident(buf, len, &out), 0);
	for (size_t n = 0; n < len; n++)
		ck_assert_int_eq(store_codec_decode_incident(buf, n, &out), -EBADMSG);
	buf[len] = 0;
	ck_assert_int_eq(store_codec_decode_incident(buf, len + 1, &out), -EBADMSG);
	/* Key length 256 with all its bytes present: one more than the array holds. */
	memset(buf, 'k', sizeof buf);
	buf[0] = 1;
	buf[9] = 0x00, buf[10] = 0x01, buf[11 + 256] = '\0';
	ck_assert_int_eq(store_codec_decode_incident(buf, sizeof buf, &out), -EBADMSG);
	/* Timeline text of 1024 bytes into a 1024-byte array (no room for the NUL). */
	memset(buf, 0, sizeof buf);
	buf[0] = 1;
	buf[19] = 0x00, buf[20] = 0x04;
	memset(buf + 21, 't', 1024);
	ck_assert_int_eq(store_codec_decode_timeline(buf, 21 + 1025, &te), -EBADMSG);
	buf[19] = 0xff, buf[20] = 0x03, buf[21 + 1023] = '\0'; /* 1023 fits */
	ck_assert_int_eq(store_codec_decode_timeline(buf, 21 + 1024, &te), 0);
	buf[21 + 5] = '\0'; /* an embedded NUL in text */
	ck_assert_int_eq(store_codec_decode_timeline(buf, 21 + 1024, &te), -EBADMSG);
	buf[21 + 5] = 't';
	buf[9] = 9; /* kind out of range */
	ck_assert_int_eq(store_codec_decode_timeline(buf, 21 + 1024, &te), -EBADMSG);
	ck_assert_int_eq(store_codec_encode_event(buf, &ev, &len), 0);
	for (size_t n = 0; n < len; n++)
		ck_assert_int_eq(store_codec_decode_event(buf, n, &ev), -EBADMSG);
	buf[len - 1] = 'x'; /* raw's NUL */
	ck_assert_int_eq(store_codec_decode_event(buf, len, &ev), -EBADMSG);
}
END_TEST

/* Random bytes never crash a decoder (ASan/valgrind watch the bounds). */
START_TEST(test_codec_random)
{
	struct incident inc;
	struct timeline_entry te;
	struct store_event ev;
	uint8_t buf[2048];
	uint64_t x = 88172645463325252ULL;

	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(x % sizeof buf);
		for (size_t j = 0; j < len; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[j] = (uint8_t)(j < 3 ? (j == 0 ? 1 : x % 4) : x);
		}
		store_codec_decode_incident(buf, len, &inc);
		store_codec_decode_timeline(buf, len, &te);
		store_codec_decode_event(buf, len, &ev);
	}
}
END_TEST

static int
count_reader_cb(const char *msg, void *arg)
{
	int *ctx = arg, pid;

	if (sscanf(msg, "%d", &pid) == 1 && pid == ctx[0])
		ctx[1]++;
	return 0;
}

/* Reader slots held by pid in the db environment, seen through env. */
static int
readers_of(MDB_env *env, pid_t pid)
{
	int ctx[2] = { (int)pid, 0 };

	ck_assert_int_ge(mdb_reader_list(env, count_reader_cb, ctx), 0);
	return ctx[1];
}

/* The exit status, or minus the signal that killed it. */
static int
child_exit(pid_t pid)
{
	int status;

	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

START_TEST(test_stale_reader)
{
	char path[256];
	MDB_env *env;
	pid_t crashed, b;
	int fds[2];
	char c = 0;

	store_close(s);
	s = NULL;
	/* Hold the environment open so its lock table survives between the children. */
	snprintf(path, sizeof path, "%s/db", state);
	ck_assert_int_eq(mdb_env_create(&env), 0);
	/* Read-only: it allocates nothing a forked child would report as leaked. */
	ck_assert_int_eq(mdb_env_open(env, path, MDB_NOTLS | MDB_RDONLY, 0640), 0);
	ck_assert_int_eq(pipe(fds), 0);
	if ((crashed = fork()) == 0) {
		struct store_txn *t;
		struct incident inc;
		char *cause = NULL;

		if (store_open(state, &log_on, &s, &cause) < 0 || store_txn_begin(s, false, &t) < 0)
			_exit(1);
		store_incident_get(t, 1, &inc);
		if (write(fds[1], "r", 1) == 1)
			pause();
		_exit(1);
	}
	/* Killed from outside mid-transaction: a real crash, which valgrind cannot tidy up. */
	ck_assert_int_ge(crashed, 0);
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	kill(crashed, SIGKILL);
	ck_assert_int_eq(child_exit(crashed), -SIGKILL);
	ck_assert_int_eq(readers_of(env, crashed), 1);
	if ((b = fork()) == 0) {
		char *cause = NULL;

		if (store_open(state, &log_on, &s, &cause) < 0)
			_exit(1);
		store_close(s);
		_exit(0);
	}
	ck_assert_int_ge(b, 0);
	ck_assert_int_eq(child_exit(b), 0);
	ck_assert_int_eq(readers_of(env, crashed), 0);
	mdb_env_close(env);
	reopen(&log_on);
	put_incident(1, "after", INCIDENT_TRIGGERED);
}
END_TEST

START_TEST(test_stats)
{
	struct store_txn *t;
	struct store_stats st;

	put_incident(1, "a", INCIDENT_TRIGGERED);
	put_incident(2, "b", INCIDENT_RESOLVED);
	put_incident(3, "c", INCIDENT_PENDING);
	t = begin(true);
	for (uint64_t i = 1; i <= 4; i++)
		add_entry(t, i % 2 + 1, i);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_eq(st.map_size, 64 * MIB);
	ck_assert(st.map_used > 0 && st.map_used < st.map_size && st.map_used % 4096 == 0);
	ck_assert_uint_eq(st.incidents, 3);
	ck_assert_uint_eq(st.open_incidents, 2);
	ck_assert_uint_eq(st.timeline_entries, 4);
	ck_assert_uint_eq(st.map_grows, 0);
}
END_TEST

/* An incident of rule, open, or resolved at `resolved` (usec) when non-zero. */
static void
put_rule_incident(struct store_txn *t, uint64_t id, const char *rule, int64_t resolved)
{
	struct incident inc;
	char key[32];

	snprintf(key, sizeof key, "k%llu", (unsigned long long)id);
	make_incident(&inc, id, key, resolved ? INCIDENT_RESOLVED : INCIDENT_TRIGGERED);
	strlcpy_t(inc.rule, rule, sizeof inc.rule);
	inc.resolved_at = resolved;
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
}

static uint64_t
open_count(const char *rule)
{
	struct store_txn *t = begin(false);
	uint64_t n;

	ck_assert_int_eq(store_rule_open_count(t, rule, &n), 0);
	store_txn_abort(t);
	return n;
}

static size_t
prune(int64_t before, uint64_t max_resolved, size_t max)
{
	struct store_txn *t = begin(true);
	size_t n;

	ck_assert_int_eq(store_prune_resolved(t, before, max_resolved, max, &n), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	return n;
}

static bool
exists(uint64_t id)
{
	struct store_txn *t = begin(false);
	struct incident inc;
	int rc = store_incident_get(t, id, &inc);

	store_txn_abort(t);
	ck_assert(rc == 0 || rc == -ENOENT);
	return rc == 0;
}

/* Open counts per rule follow opens, resolves, reopens and deletes, and only real changes. */
START_TEST(test_rule_open_count)
{
	struct store_txn *t = begin(true);

	for (uint64_t id = 1; id <= 5; id++)
		put_rule_incident(t, id, id <= 3 ? "a" : "", 0);
	put_rule_incident(t, 2, "a", 0); /* an update, not a second open */
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(open_count("a"), 3);
	ck_assert_uint_eq(open_count(""), 2);
	ck_assert_uint_eq(open_count("b"), 0);
	t = begin(true);
	put_rule_incident(t, 1, "a", 100);
	put_rule_incident(t, 1, "a", 100); /* resolved twice counts once */
	ck_assert_int_eq(store_incident_del(t, 2), 0);
	ck_assert_int_eq(store_incident_del(t, 2), -ENOENT);
	put_rule_incident(t, 6, "a", 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(open_count("a"), 2);
	/* An aborted batch leaves the counts as they were. */
	t = begin(true);
	put_rule_incident(t, 7, "a", 0);
	store_txn_abort(t);
	ck_assert_uint_eq(open_count("a"), 2);
}
END_TEST

static uint64_t
state_count(enum incident_state st)
{
	struct store_txn *t = begin(false);
	uint64_t by[INCIDENT_NSTATES];

	ck_assert_int_eq(store_state_counts(t, by, INCIDENT_NSTATES), 0);
	store_txn_abort(t);
	return by[st];
}

static void
put_state(struct store_txn *t, uint64_t id, enum incident_state st)
{
	struct incident inc;
	char key[16];

	snprintf(key, sizeof key, "k%llu", (unsigned long long)id);
	make_incident(&inc, id, key, st);
	inc.resolved_at = incident_state_closed(st) ? 100 : 0;
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
}

/*
 * Incidents per state follow every change of state, and only real ones;
 * closed ones (resolved, expired) are counted once, when they close, and
 * no more once pruned.
 */
START_TEST(test_state_counts)
{
	struct store_txn *t = begin(true);

	put_state(t, 1, INCIDENT_PENDING);
	put_state(t, 2, INCIDENT_PENDING);
	put_state(t, 3, INCIDENT_TRIGGERED);
	put_state(t, 3, INCIDENT_TRIGGERED); /* an update, not a second one */
	put_state(t, 4, INCIDENT_RESOLVED);  /* stored closed at once */
	put_state(t, 4, INCIDENT_RESOLVED);  /* and again: counted once */
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(state_count(INCIDENT_PENDING), 2);
	ck_assert_uint_eq(state_count(INCIDENT_TRIGGERED), 1);
	ck_assert_uint_eq(state_count(INCIDENT_ACKNOWLEDGED), 0);
	ck_assert_uint_eq(state_count(INCIDENT_RESOLVED), 1);
	t = begin(true);
	put_state(t, 1, INCIDENT_TRIGGERED);	/* pending -> triggered */
	put_state(t, 3, INCIDENT_ACKNOWLEDGED); /* triggered -> acknowledged */
	put_state(t, 2, INCIDENT_EXPIRED);	/* pending -> expired */
	put_state(t, 2, INCIDENT_EXPIRED);
	put_state(t, 1, INCIDENT_RESOLVED);	/* triggered -> resolved, same batch */
	put_state(t, 6, INCIDENT_PENDING);
	put_state(t, 6, INCIDENT_TRANSIENT);	/* held -> transient */
	put_state(t, 7, INCIDENT_FLAPPING);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(state_count(INCIDENT_TRANSIENT), 1);
	ck_assert_uint_eq(state_count(INCIDENT_FLAPPING), 1);
	ck_assert_uint_eq(state_count(INCIDENT_PENDING), 0);
	ck_assert_uint_eq(state_count(INCIDENT_TRIGGERED), 0);
	ck_assert_uint_eq(state_count(INCIDENT_ACKNOWLEDGED), 1);
	ck_assert_uint_eq(state_count(INCIDENT_RESOLVED), 2);
	ck_assert_uint_eq(state_count(INCIDENT_EXPIRED), 1);
	t = begin(true);
	ck_assert_int_eq(store_incident_del(t, 3), 0);
	put_state(t, 5, INCIDENT_PENDING);
	store_txn_abort(t); /* an aborted batch leaves the counts as they were */
	ck_assert_uint_eq(state_count(INCIDENT_ACKNOWLEDGED), 1);
	ck_assert_uint_eq(state_count(INCIDENT_PENDING), 0);
	t = begin(true);
	ck_assert_int_eq(store_incident_del(t, 3), 0);
	ck_assert_int_eq(store_incident_del(t, 2), 0); /* as retention prunes */
	ck_assert_int_eq(store_incident_del(t, 4), 0);
	ck_assert_int_eq(store_incident_del(t, 6), 0);
	ck_assert_int_eq(store_incident_del(t, 7), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(state_count(INCIDENT_FLAPPING), 0);
	ck_assert_uint_eq(state_count(INCIDENT_ACKNOWLEDGED), 0);
	ck_assert_uint_eq(state_count(INCIDENT_EXPIRED), 0);
	ck_assert_uint_eq(state_count(INCIDENT_TRANSIENT), 0);
	ck_assert_uint_eq(state_count(INCIDENT_RESOLVED), 1);
}
END_TEST

/* Open ids a chunk at a time, in order, resolved ones left out. */
START_TEST(test_open_ids)
{
	struct store_txn *t = begin(true);
	uint64_t ids[4], seen[8];
	size_t n, total = 0;
	uint64_t after = 0;

	for (uint64_t id = 1; id <= 9; id++)
		put_state(t, id, id % 3 == 0 ? INCIDENT_RESOLVED : INCIDENT_TRIGGERED);
	ck_assert_int_eq(store_txn_commit(t), 0);
	t = begin(false);
	do {
		ck_assert_int_eq(store_open_ids(t, after, ids, 4, &n), 0);
		for (size_t i = 0; i < n; i++)
			seen[total++] = ids[i];
		after = n > 0 ? ids[n - 1] : after;
	} while (n == 4);
	ck_assert_uint_eq(total, 6);
	ck_assert(seen[0] == 1 && seen[1] == 2 && seen[2] == 4 && seen[5] == 8);
	ck_assert_int_eq(store_open_ids(t, UINT64_MAX, ids, 4, &n), 0);
	ck_assert_uint_eq(n, 0);
	store_txn_abort(t);
}
END_TEST

/* Age and count limits prune oldest-resolved first (not lowest id), and all kept for each. */
START_TEST(test_prune_resolved)
{
	const int64_t resolved[] = { 0, 500, 100, 400, 0, 200, 300 }; /* by id 1..7; 0: open */
	struct store_txn *t = begin(true);
	struct store_stats st;
	struct incident inc;
	size_t n = 0;

	for (uint64_t id = 1; id <= 7; id++) {
		put_rule_incident(t, id, "r", resolved[id - 1]);
		add_entry(t, id, id);
	}
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_eq(st.resolved_incidents, 5);
	ck_assert_uint_eq(prune(INT64_MIN, 0, 100), 0); /* no limits */
	ck_assert_uint_eq(prune(250, 0, 100), 2);	/* resolved at 100 and 200 */
	ck_assert(!exists(3) && !exists(6) && exists(7) && exists(1));
	ck_assert_uint_eq(prune(INT64_MIN, 2, 100), 1); /* 3 left, keep 2: the one at 300 */
	ck_assert(!exists(7) && exists(4) && exists(2));
	ck_assert_uint_eq(prune(INT64_MAX, 0, 1), 1); /* bounded per call: 400 first */
	ck_assert(!exists(4) && exists(2));
	t = begin(false);
	ck_assert_int_eq(store_incident_by_key(t, "k4", &inc), -ENOENT);
	ck_assert_int_eq(store_timeline_foreach(t, 4, count_timeline_cb, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(store_timeline_foreach(t, 2, count_timeline_cb, &n), 0);
	ck_assert_uint_eq(n, 1);
	store_txn_abort(t);
	ck_assert_int_eq(store_stats(s, &st), 0);
	ck_assert_uint_eq(st.pruned, 4);
	ck_assert_uint_eq(st.resolved_incidents, 1);
	ck_assert_uint_eq(st.incidents, 3);
	ck_assert_uint_eq(st.open_incidents, 2);
	ck_assert_uint_eq(st.timeline_entries, 3);
	ck_assert_uint_eq(open_count("r"), 2); /* pruning touches no open incident */
}
END_TEST

/* Pruning an old incarnation keeps the key pointing at the newer one. */
START_TEST(test_prune_keeps_newer_key)
{
	struct store_txn *t = begin(true);
	struct incident inc;

	make_incident(&inc, 1, "same", INCIDENT_RESOLVED);
	inc.resolved_at = 10;
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
	make_incident(&inc, 2, "same", INCIDENT_TRIGGERED);
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	ck_assert_uint_eq(prune(INT64_MAX, 0, 10), 1);
	t = begin(false);
	ck_assert_int_eq(store_incident_by_key(t, "same", &inc), 0);
	ck_assert_uint_eq(inc.id, 2);
	store_txn_abort(t);
}
END_TEST

/* A store written before the indexes existed gets them at open, once. */
START_TEST(test_index_build)
{
	struct store_txn *t = begin(true);
	char path[256];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { strlen("store.indexed"), "store.indexed" };

	for (uint64_t id = 1; id <= 6; id++)
		put_rule_incident(t, id, id % 2 ? "odd" : "even", id > 4 ? (int64_t)(10 - id) : 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	store_close(s);
	s = NULL;
	snprintf(path, sizeof path, "%s/db", state);
	ck_assert_int_eq(mdb_env_create(&env), 0);
	ck_assert_int_eq(mdb_env_set_maxdbs(env, 12), 0);
	ck_assert_int_eq(mdb_env_open(env, path, 0, 0640), 0);
	ck_assert_int_eq(mdb_txn_begin(env, NULL, 0, &txn), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "resolved", 0, &dbi), 0);
	ck_assert_int_eq(mdb_drop(txn, dbi, 1), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "rule_open", 0, &dbi), 0);
	ck_assert_int_eq(mdb_drop(txn, dbi, 1), 0);
	ck_assert_int_eq(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	ck_assert_int_eq(mdb_del(txn, dbi, &k, NULL), 0);
	ck_assert_int_eq(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	raw_put_id("incidents", 9, "\x09junk", 5); /* left out, not fatal */
	reopen(&log_on);
	ck_assert_uint_eq(open_count("odd"), 2);
	ck_assert_uint_eq(open_count("even"), 2);
	ck_assert_uint_eq(state_count(INCIDENT_TRIGGERED), 4);
	ck_assert_uint_eq(state_count(INCIDENT_RESOLVED), 2);
	ck_assert_uint_eq(prune(INT64_MIN, 1, 10), 1); /* 6 was resolved at 4, before 5 at 5 */
	ck_assert(!exists(6) && exists(5));
	reopen(&log_on); /* built once: a second open changes nothing */
	ck_assert_uint_eq(open_count("odd"), 2);
}
END_TEST

static size_t
due(int64_t now, uint64_t *ids, size_t max)
{
	struct store_txn *t = begin(false);
	size_t n;

	ck_assert_int_eq(store_deadline_due(t, now, ids, max, &n), 0);
	store_txn_abort(t);
	return n;
}

static void
set_deadline(uint64_t id, int64_t when)
{
	struct store_txn *t = begin(true);

	ck_assert_int_eq(store_deadline_set(t, id, when), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
}

/* The earliest deadline filed: when the sweep's timer goes off. */
static int64_t
next_deadline(void)
{
	struct store_txn *t = begin(false);
	int64_t when;

	ck_assert_int_eq(store_deadline_next(t, &when), 0);
	store_txn_abort(t);
	return when;
}

START_TEST(test_deadlines)
{
	uint64_t ids[8];

	ck_assert_uint_eq(due(INT64_MAX - 1, ids, 8), 0);
	ck_assert_int_eq(next_deadline(), STORE_NO_DEADLINE);
	set_deadline(7, 300);
	ck_assert_int_eq(next_deadline(), 300);
	set_deadline(3, 100);
	set_deadline(9, 100); /* a tie: by id */
	set_deadline(5, 200);
	ck_assert_uint_eq(due(99, ids, 8), 0);
	ck_assert_uint_eq(due(100, ids, 8), 2);
	ck_assert_uint_eq(ids[0], 3);
	ck_assert_uint_eq(ids[1], 9);
	ck_assert_int_eq(next_deadline(), 100);
	ck_assert_uint_eq(due(1000, ids, 3), 3); /* bounded: the rest wait */
	ck_assert_uint_eq(ids[2], 5);
	/* Moving a deadline leaves no entry behind at the old one. */
	set_deadline(3, 250);
	set_deadline(3, 250);
	set_deadline(9, 260);
	ck_assert_int_eq(next_deadline(), 200);
	set_deadline(9, 100);
	ck_assert_uint_eq(due(200, ids, 8), 2);
	ck_assert_uint_eq(ids[0], 9);
	ck_assert_uint_eq(ids[1], 5);
	set_deadline(9, STORE_NO_DEADLINE);
	set_deadline(9, STORE_NO_DEADLINE); /* absent already: no error */
	set_deadline(5, -4);		    /* clamped: due at once */
	ck_assert_uint_eq(due(0, ids, 8), 1);
	ck_assert_uint_eq(ids[0], 5);
	ck_assert_uint_eq(due(INT64_MAX - 1, ids, 8), 3);
	/* An aborted batch moves nothing. */
	struct store_txn *t = begin(true);
	ck_assert_int_eq(store_deadline_set(t, 7, 10), 0);
	store_txn_abort(t);
	ck_assert_uint_eq(due(10, ids, 8), 1);
	reopen(&log_on); /* durable, and not rebuilt */
	ck_assert_uint_eq(due(INT64_MAX - 1, ids, 8), 3);
	ck_assert_uint_eq(ids[0], 5);
	ck_assert_uint_eq(ids[1], 3);
	ck_assert_uint_eq(ids[2], 7);
}
END_TEST

/* A hold's end is in the deadline index: after a restart it comes due then, not before. */
START_TEST(test_hold_survives_reopen)
{
	const int64_t start = 1700000000LL * USEC_PER_SEC, hold = 30 * USEC_PER_SEC;
	struct incident_policy pol = { .hold = hold };
	struct incident inc, out;
	struct store_txn *t = begin(true);
	int64_t deadline;
	uint64_t ids[4];

	make_incident(&inc, 4, "sw1/if/Gi0/1", INCIDENT_TRIGGERED);
	ck_assert(incident_hold(&inc, hold, start));
	ck_assert_int_eq(incident_check_expiry(&inc, &pol, INT64_MIN, &deadline), INCIDENT_KEEP);
	ck_assert_int_eq(deadline, start + hold);
	ck_assert_int_eq(store_incident_put(t, &inc), 0);
	ck_assert_int_eq(store_deadline_set(t, inc.id, deadline), 0);
	ck_assert_int_eq(store_txn_commit(t), 0);
	reopen(&log_on); /* a restart in the middle of the hold */
	ck_assert_uint_eq(due(start + hold - 1, ids, 4), 0);
	ck_assert_uint_eq(due(start + hold, ids, 4), 1);
	ck_assert_uint_eq(ids[0], 4);
	t = begin(false);
	ck_assert_int_eq(store_incident_get(t, 4, &out), 0);
	store_txn_abort(t);
	ck_assert_mem_eq(&inc, &out, sizeof inc);
	ck_assert_int_eq(out.state, INCIDENT_PENDING);
	ck_assert_int_eq(incident_check_expiry(&out, &pol, start + hold, &deadline),
	    INCIDENT_HOLD_OVER);
}
END_TEST

START_TEST(test_deadlines_built_at_open)
{
	uint64_t ids[8];

	/* Incidents written as a store from before the index holds them. */
	put_incident(1, "a", INCIDENT_TRIGGERED);
	put_incident(2, "b", INCIDENT_RESOLVED);
	put_incident(3, "c", INCIDENT_PENDING);
	ck_assert_uint_eq(due(INT64_MAX - 1, ids, 8), 0);
	store_close(s);
	s = NULL;
	raw_put("db", "meta", "store.deadlines", 15, NULL, 0);
	reopen(&log_on);
	/* Every open one is due at once, for the sweep to file under its rule. */
	ck_assert_uint_eq(due(0, ids, 8), 2);
	ck_assert_uint_eq(ids[0], 1);
	ck_assert_uint_eq(ids[1], 3);
	set_deadline(1, 500);
	set_deadline(3, STORE_NO_DEADLINE);
	reopen(&log_on); /* once only */
	ck_assert_uint_eq(due(INT64_MAX - 1, ids, 8), 1);
	ck_assert_uint_eq(ids[0], 1);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *su = suite_create("store");
	TCase *tc = tcase_create("core");
	TCase *big = tcase_create("big");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_open_fresh);
	tcase_add_test(tc, test_open_errors);
	tcase_add_test(tc, test_incident_roundtrip);
	tcase_add_test(tc, test_incident_invalid);
	tcase_add_test(tc, test_key_index);
	tcase_add_test(tc, test_open_set);
	tcase_add_test(tc, test_foreach_order);
	tcase_add_test(tc, test_timeline);
	tcase_add_test(tc, test_next_id);
	tcase_add_test(tc, test_meta);
	tcase_add_test(tc, test_outbox_get);
	tcase_add_test(tc, test_read_during_write);
	tcase_add_test(tc, test_abort_discards);
	tcase_add_test(tc, test_corrupt_store);
	tcase_add_test(tc, test_corrupt_codec);
	tcase_add_test(tc, test_incident_version1);
	tcase_add_test(tc, test_codec_random);
	tcase_add_test(tc, test_stale_reader);
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_rule_open_count);
	tcase_add_test(tc, test_state_counts);
	tcase_add_test(tc, test_open_ids);
	tcase_add_test(tc, test_prune_resolved);
	tcase_add_test(tc, test_prune_keeps_newer_key);
	tcase_add_test(tc, test_index_build);
	tcase_add_test(tc, test_deadlines);
	tcase_add_test(tc, test_deadlines_built_at_open);
	tcase_add_test(tc, test_hold_survives_reopen);
	suite_add_tcase(su, tc);
	/* Hundreds of MiB through the map: slow under valgrind. */
	tcase_add_checked_fixture(big, setup, teardown);
	tcase_set_timeout(big, 600);
	tcase_add_test(big, test_trim_resident);
	tcase_add_test(big, test_map_growth);
	tcase_add_test(big, test_map_full);
	suite_add_tcase(su, big);
	return su;
}

int
main(void)
{
	return check_run(store_suite());
}
