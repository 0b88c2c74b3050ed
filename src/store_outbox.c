/*
 * store_outbox.c - the outbox records, opaque to the store.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

/*
 * The outbox: records opaque to the store (outbox.c encodes them), under a
 * persistent increasing sequence, so a walk replays them in enqueue order.
 */
int
store_outbox_put(struct store_txn *t, uint64_t *seq, const void *data, size_t len)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v = { len, NULL };
	int rc;

	if (*seq == 0 && (rc = store_counter_next(t, META_OUTBOX_SEQ, seq)) < 0)
		return rc;
	be_put(kb, *seq, 8);
	if ((rc = store_put_reserve(&t->s->db, t->txn, t->s->outbox, &k, &v, MDB_APPEND)) < 0)
		return rc;
	memcpy(v.mv_data, data, len);
	return 0;
}

int
store_outbox_get(struct store_txn *t, uint64_t seq, const void **data, size_t *len)
{
	return store_value_get(t->txn, t->s->outbox, seq, data, len);
}

int
store_outbox_del(struct store_txn *t, uint64_t seq)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb };

	be_put(kb, seq, 8);
	return store_mdb_errno(store_mdb_del(&t->s->db, t->txn, t->s->outbox, &k));
}

struct outbox_walk {
	store_outbox_cb cb;
	void *arg;
};

static int
outbox_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct outbox_walk *ow = arg;

	if (k->mv_size != 8)
		return -EBADMSG;
	return ow->cb(be_get(k->mv_data, 8), v->mv_data, v->mv_size, ow->arg);
}

int
store_outbox_foreach(struct store_txn *t, store_outbox_cb cb, void *arg)
{
	struct outbox_walk ow = { cb, arg };
	struct store_walk wk = { t->txn, t->s->outbox, false, NULL, 0, outbox_walk_fn, &ow, NULL,
		0 };

	return store_walk(&wk);
}
