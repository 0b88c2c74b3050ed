/*
 * store_silence.c - silences, the held index (which incidents a silence or
 * maintenance window keeps from being sent) and the events of held
 * incidents, all in the caller's batch.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

int
store_silence_put(struct store_txn *t, struct store_silence *s)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	size_t len;
	int rc;

	if ((rc = store_codec_encode_silence(NULL, s, &len)) < 0)
		return rc;
	if (s->id == 0 && (rc = store_counter_next(t, META_SILENCE_ID, &s->id)) < 0)
		return rc;
	be_put(kb, s->id, 8);
	v.mv_size = len;
	if ((rc = store_put_reserve(&t->s->db, t->txn, t->s->silences, &k, &v, 0)) < 0)
		return rc;
	return store_codec_encode_silence(v.mv_data, s, &len);
}

int
store_silence_del(struct store_txn *t, uint64_t id)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb };

	be_put(kb, id, 8);
	return store_env_rc(&t->s->db, store_mdb_del(&t->s->db, t->txn, t->s->silences, &k));
}

struct silence_walk {
	store_silence_cb cb;
	void *arg;
	struct store_silence rec;
};

static int
silence_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct silence_walk *sw = arg;
	int rc = store_codec_decode_silence(v->mv_data, v->mv_size, &sw->rec);

	return rc < 0 ? rc : sw->cb(&sw->rec, sw->arg);
}

int
store_silence_foreach(struct store_txn *t, store_silence_cb cb, void *arg)
{
	struct silence_walk *sw = xcalloc(1, sizeof(*sw)); /* a record is ~5 KiB */
	struct store_walk wk = { .txn = t->txn, .dbi = t->s->silences, .fn = silence_walk_fn, .arg = sw };
	int rc;

	sw->cb = cb;
	sw->arg = arg;
	rc = store_walk(&wk);
	free(sw);
	return rc;
}

/* be(holder) be(incident): a holder's incidents are one range of the index. */
static MDB_val
held_key(uint8_t kb[16], uint64_t holder, uint64_t incident)
{
	be_put(kb, holder, 8);
	be_put(kb + 8, incident, 8);
	return (MDB_val){ 16, kb };
}

static bool
indexed(uint64_t holder)
{
	return holder >= STORE_HELD_INDEX_LO && holder < STORE_HELD_INDEX_HI;
}

static int
index_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	if (k->mv_size != 16 || !indexed(be_get(k->mv_data, 8)))
		return 1;
	++*(uint64_t *)arg;
	return 0;
}

/* The index's entries: its counter, or (a store from before it) counted once, here. */
int
store_held_index_count(MDB_txn *txn, const struct store *s, uint64_t *n)
{
	uint8_t from[8];
	struct store_walk wk = { .txn = txn, .dbi = s->held, .from = from, .flen = sizeof from,
		.fn = index_walk_fn, .arg = n };
	int rc = store_counter_get(txn, s->meta, META_HELD_INDEX, UINT64_MAX, n);

	if (rc < 0 || *n != UINT64_MAX)
		return rc;
	*n = 0;
	be_put(from, STORE_HELD_INDEX_LO, 8);
	rc = store_walk(&wk);
	return rc < 0 ? rc : 0;
}

int
store_held_add(struct store_txn *t, uint64_t holder, uint64_t incident)
{
	uint8_t kb[16];
	MDB_val k = held_key(kb, holder, incident), v = { 0, NULL };
	uint64_t n;
	int rc;

	if (!indexed(holder))
		return store_env_rc(&t->s->db,
		    store_mdb_put(&t->s->db, t->txn, t->s->held, &k, &v, 0));
	if ((rc = store_held_index_count(t->txn, t->s, &n)) < 0)
		return rc;
	rc = store_mdb_put(&t->s->db, t->txn, t->s->held, &k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return 0; /* filed already: not counted twice */
	if ((rc = store_env_rc(&t->s->db, rc)) < 0)
		return rc;
	return store_counter_set(t, META_HELD_INDEX, n + 1);
}

int
store_held_del(struct store_txn *t, uint64_t holder, uint64_t incident)
{
	uint8_t kb[16];
	MDB_val k = held_key(kb, holder, incident);
	uint64_t n = 0;
	int rc;

	if (indexed(holder) && (rc = store_held_index_count(t->txn, t->s, &n)) < 0)
		return rc;
	rc = store_mdb_del(&t->s->db, t->txn, t->s->held, &k);
	if (rc == MDB_NOTFOUND)
		return 0;
	if ((rc = store_env_rc(&t->s->db, rc)) < 0 || !indexed(holder))
		return rc;
	return store_counter_set(t, META_HELD_INDEX, n > 0 ? n - 1 : 0);
}

struct held_walk {
	uint64_t *ids;
	size_t max, *n;
};

static int
held_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct held_walk *hw = arg;

	if (k->mv_size != 16)
		return -EBADMSG;
	hw->ids[(*hw->n)++] = be_get((const uint8_t *)k->mv_data + 8, 8);
	return *hw->n >= hw->max;
}

int
store_held_first(struct store_txn *t, uint64_t holder, uint64_t *ids, size_t max, size_t *n)
{
	uint8_t prefix[8];
	struct held_walk hw = { ids, max, n };
	struct store_walk wk = { .txn = t->txn, .dbi = t->s->held, .prefix = prefix,
		.plen = sizeof prefix, .fn = held_walk_fn, .arg = &hw };
	int rc;

	*n = 0;
	if (max == 0)
		return 0;
	be_put(prefix, holder, 8);
	rc = store_walk(&wk);
	return rc < 0 ? rc : 0;
}

static MDB_val
event_key(uint8_t kb[8], uint64_t incident)
{
	be_put(kb, incident, 8);
	return (MDB_val){ 8, kb };
}

int
store_held_event_put(struct store_txn *t, uint64_t incident, const void *data, size_t len)
{
	uint8_t kb[8];
	MDB_val k = event_key(kb, incident), v = { len, NULL };
	int rc;

	if ((rc = store_put_reserve(&t->s->db, t->txn, t->s->held_events, &k, &v, 0)) < 0)
		return rc;
	memcpy(v.mv_data, data, len);
	return 0;
}

int
store_held_event_get(struct store_txn *t, uint64_t incident, const void **data, size_t *len)
{
	return store_value_get(t->txn, t->s->held_events, incident, data, len);
}

int
store_held_event_del(struct store_txn *t, uint64_t incident)
{
	uint8_t kb[8];
	MDB_val k = event_key(kb, incident);
	int rc = store_mdb_del(&t->s->db, t->txn, t->s->held_events, &k);

	return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
}
