/*
 * store_timeline.c - each incident's timeline, under (id, seq) keys so an
 * incident's entries are one range.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

static void
timeline_key(uint8_t kb[12], uint64_t id, uint32_t seq)
{
	be_put(kb, id, 8);
	be_put(kb + 8, seq, 4);
}

/* The last seq used for id, 0 when it has none: seek past id, then step back. */
static int
timeline_last(struct store_txn *t, uint64_t id, uint32_t *seq)
{
	uint8_t kb[12];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *c;
	int rc;

	*seq = 0;
	if ((rc = mdb_cursor_open(t->txn, t->s->timeline, &c)) != 0)
		return store_mdb_errno(rc);
	rc = MDB_NOTFOUND; /* for the largest id, its entries if any are the last */
	if (id < UINT64_MAX) {
		timeline_key(kb, id + 1, 0);
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	}
	if (rc == 0 || rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(c, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
	if (rc == 0 && k.mv_size == 12 && be_get(k.mv_data, 8) == id)
		*seq = (uint32_t)be_get((const uint8_t *)k.mv_data + 8, 4);
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_mdb_errno(rc);
}

int
store_timeline_add(struct store_txn *t, uint64_t id, const struct timeline_entry *e)
{
	uint8_t kb[12];
	MDB_val k = { sizeof kb, kb }, v;
	uint32_t seq;
	int rc;

	if ((rc = store_codec_encode_timeline(NULL, e, &v.mv_size)) < 0 ||
	    (rc = timeline_last(t, id, &seq)) < 0)
		return rc;
	if (seq == UINT32_MAX)
		return -EOVERFLOW;
	timeline_key(kb, id, seq + 1);
	if ((rc = store_put_reserve(&t->s->db, t->txn, t->s->timeline, &k, &v, MDB_APPEND)) < 0)
		return rc;
	store_codec_encode_timeline(v.mv_data, e, &v.mv_size);
	return 0;
}

struct timeline_walk {
	store_timeline_cb cb;
	void *arg;
	struct timeline_entry e;
};

static int
timeline_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct timeline_walk *tw = arg;
	int rc = k->mv_size != 12 ? -EBADMSG :
				    store_codec_decode_timeline(v->mv_data, v->mv_size, &tw->e);

	return rc < 0 ? rc : tw->cb(&tw->e, tw->arg);
}

int
store_timeline_foreach(struct store_txn *t, uint64_t id, store_timeline_cb cb, void *arg)
{
	uint8_t kb[8];
	struct timeline_walk *tw = xmalloc(sizeof *tw);
	struct store_walk wk = { t->txn, t->s->timeline, false, kb, sizeof kb, timeline_walk_fn, tw,
		NULL, 0 };
	int rc;

	be_put(kb, id, 8);
	tw->cb = cb;
	tw->arg = arg;
	rc = store_walk(&wk);
	free(tw);
	return rc;
}

int
store_timeline_del(struct store_txn *t, uint64_t id)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *c;
	int rc;

	be_put(kb, id, 8);
	if ((rc = mdb_cursor_open(t->txn, t->s->timeline, &c)) != 0)
		return store_mdb_errno(rc);
	/* Seek again after each delete, as events_prune does: no cursor state to trust. */
	for (;;) {
		k = (MDB_val){ sizeof kb, kb };
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) != 0 || k.mv_size != 12 ||
		    be_get(k.mv_data, 8) != id || (rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
}
