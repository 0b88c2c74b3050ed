/*
 * store_history.c - the indexes that find an incident's relatives without
 * a scan of all incidents: every incarnation of a key (show's "past
 * incidents"), every incident by when it opened (reports, a page at a
 * time), and the open incidents of a host by when they opened (show's
 * "related").  Each is written in the transaction that changes the
 * incident, and costs a put only when an incarnation begins, opens,
 * closes or is deleted: a repeat of an open incident writes none.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

/* key NUL be(id): 255 bytes of key at most, so within LMDB's 511. */
#define KEY_HIST_MAX  (INCIDENT_KEY_MAX + 1 + 8)
#define HOST_OPEN_MAX (INCIDENT_HOST_MAX + 16)

static uint64_t
time_key(int64_t at)
{
	return at > 0 ? (uint64_t)at : 0;
}

/* s, its NUL, then the big-endian numbers: the bytes written. */
static size_t
prefixed_key(uint8_t *kb, const char *s, const uint64_t *nums, size_t n)
{
	size_t len = strlen(s) + 1;

	memcpy(kb, s, len);
	for (size_t i = 0; i < n; i++, len += 8)
		be_put(kb + len, nums[i], 8);
	return len;
}

static int
index_set(struct store_txn *t, MDB_dbi dbi, const void *key, size_t len, bool present)
{
	MDB_val k = { len, (void *)key }, v = { 0, NULL };
	int rc;

	if (present)
		return store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, dbi, &k, &v, 0));
	rc = store_mdb_del(&t->s->db, t->txn, dbi, &k);
	return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
}

static int
history_set(struct store_txn *t, const struct incident *inc, bool present)
{
	uint8_t kb[KEY_HIST_MAX], tb[16];
	size_t len = prefixed_key(kb, inc->key, &inc->id, 1);
	int rc;

	be_put(tb, time_key(inc->first_seen), 8);
	be_put(tb + 8, inc->id, 8);
	if ((rc = index_set(t, t->s->key_hist, kb, len, present)) < 0)
		return rc;
	return index_set(t, t->s->opened, tb, sizeof tb, present);
}

int
store_history_add(struct store_txn *t, const struct incident *inc)
{
	return history_set(t, inc, true);
}

int
store_history_del(struct store_txn *t, const struct incident *inc)
{
	return history_set(t, inc, false);
}

/* The host and opening time of an incarnation never change, so its entry is found again. */
int
store_host_open_set(struct store_txn *t, const struct incident *inc, bool open)
{
	uint8_t kb[HOST_OPEN_MAX];
	uint64_t nums[2] = { time_key(inc->first_seen), inc->id };

	return index_set(t, t->s->host_open, kb, prefixed_key(kb, inc->host, nums, 2), open);
}

/* Collects ids from an index walk; the id is the key's last 8 bytes. */
struct id_collect {
	uint64_t *ids;
	size_t max, n;
	bool more;
	bool timed;	  /* the key holds a time at toff, bounded by from and to */
	size_t toff;
	int64_t from, to; /* inclusive */
	int64_t last_at;  /* the time of the last id collected */
};

static int
collect_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct id_collect *c = arg;
	const uint8_t *kb = k->mv_data;
	int64_t at = 0;

	if (k->mv_size < 8 || (c->timed && k->mv_size != c->toff + 16))
		return -EBADMSG;
	if (c->timed && ((at = (int64_t)be_get(kb + c->toff, 8)) < c->from || at > c->to))
		return 1;
	if (c->n == c->max) {
		c->more = true;
		return 1;
	}
	c->ids[c->n++] = be_get(kb + k->mv_size - 8, 8);
	c->last_at = at;
	return 0;
}

static int
collect_walk(const struct store_walk *wk, const struct id_collect *c, size_t *n, bool *more)
{
	int rc = store_walk(wk);

	*n = c->n;
	if (more != NULL)
		*more = c->more;
	return rc < 0 ? rc : 0;
}

int
store_key_history(struct store_txn *t, const char *key, uint64_t before, uint64_t *ids,
    size_t max, size_t *n, bool *more)
{
	uint8_t kb[KEY_HIST_MAX];
	uint64_t below = before != 0 ? before : UINT64_MAX;
	struct id_collect c = { .ids = ids, .max = max };
	struct store_walk wk = { .txn = t->txn, .dbi = t->s->key_hist, .reverse = true,
		.prefix = kb, .plen = strlen(key) + 1, .fn = collect_fn, .arg = &c, .from = kb };

	*n = 0;
	if (wk.plen > INCIDENT_KEY_MAX + 1)
		return -EINVAL;
	wk.flen = prefixed_key(kb, key, &below, 1);
	return collect_walk(&wk, &c, n, more);
}

int
store_host_open(struct store_txn *t, const char *host, int64_t from, int64_t to,
    uint64_t *ids, size_t max, size_t *n, bool *more)
{
	uint8_t kb[HOST_OPEN_MAX];
	uint64_t start[2] = { time_key(from), 0 };
	struct id_collect c = { .ids = ids, .max = max, .timed = true, .toff = strlen(host) + 1,
		.from = (int64_t)time_key(from), .to = to };
	struct store_walk wk = { .txn = t->txn, .dbi = t->s->host_open, .prefix = kb,
		.plen = c.toff, .fn = collect_fn, .arg = &c, .from = kb };

	*n = 0;
	if (c.toff > INCIDENT_HOST_MAX)
		return -EINVAL;
	wk.flen = prefixed_key(kb, host, start, 2);
	return collect_walk(&wk, &c, n, more);
}

int
store_opened_before(struct store_txn *t, int64_t since, struct store_opened_cursor *cur,
    uint64_t *ids, size_t max, size_t *n)
{
	uint8_t kb[16];
	struct id_collect c = { .ids = ids, .max = max, .timed = true, .from = since,
		.to = INT64_MAX };
	struct store_walk wk = { .txn = t->txn, .dbi = t->s->opened, .reverse = true,
		.fn = collect_fn, .arg = &c, .from = kb, .flen = sizeof kb };
	int rc;

	be_put(kb, time_key(cur->at), 8);
	be_put(kb + 8, cur->id, 8);
	rc = collect_walk(&wk, &c, n, NULL);
	if (rc == 0 && c.n > 0) {
		cur->at = c.last_at;
		cur->id = ids[c.n - 1];
	}
	return rc;
}

struct history_build {
	struct store_txn *t;
	struct incident inc;
};

/* Index one incident; an undecodable record is left out rather than failing the open. */
static int
build_visit(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct history_build *b = arg;
	int rc;

	if (store_codec_decode_incident(v->mv_data, v->mv_size, &b->inc) < 0)
		return 0;
	if ((rc = store_history_add(b->t, &b->inc)) < 0 || incident_state_closed(b->inc.state))
		return rc;
	return store_host_open_set(b->t, &b->inc, true);
}

/*
 * A store written before these indexes has none: build them once, at
 * open, from every incident in one transaction, as the other indexes are.
 */
int
store_history_build(struct store *s)
{
	struct history_build *b;
	struct store_txn *t;
	int rc = store_txn_begin(s, true, &t);

	if (rc < 0)
		return rc;
	if ((rc = store_meta_get(t, META_HISTORY, NULL, 0, NULL)) != -ENOENT) {
		store_txn_abort(t);
		return rc == -ENOBUFS ? 0 : rc;
	}
	b = xmalloc(sizeof *b);
	b->t = t;
	struct store_walk wk = { .txn = t->txn, .dbi = s->incidents, .fn = build_visit, .arg = b };
	if ((rc = mdb_drop(t->txn, s->key_hist, 0)) != 0 ||
	    (rc = mdb_drop(t->txn, s->opened, 0)) != 0 ||
	    (rc = mdb_drop(t->txn, s->host_open, 0)) != 0)
		rc = store_mdb_errno(rc);
	else if ((rc = store_walk(&wk)) == 0)
		rc = store_meta_put(t, META_HISTORY, "1", 1);
	free(b);
	if (rc < 0) {
		store_txn_abort(t);
		return rc;
	}
	return store_txn_commit(t);
}
