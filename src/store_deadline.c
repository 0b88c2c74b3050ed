/*
 * store_deadline.c - the deadline index: when each incident must be looked
 * at again, so a sweep reads only what is due.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

/*
 * The deadline index: "deadlines" holds big-endian (deadline, id) keys with
 * no value, so what is due is a prefix of it; "deadline_of" maps an id to
 * its entry there, so setting a new deadline moves the old entry.
 */
static int
deadline_entry(struct store_txn *t, uint64_t id, int64_t when, bool add)
{
	uint8_t kb[16];
	MDB_val k = { sizeof kb, kb }, v = { 0, NULL };
	int rc;

	be_put(kb, (uint64_t)when, 8);
	be_put(kb + 8, id, 8);
	if (add)
		return store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, t->s->deadlines, &k, &v, 0));
	rc = store_mdb_del(&t->s->db, t->txn, t->s->deadlines, &k);
	return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
}

int
store_deadline_set(struct store_txn *t, uint64_t id, int64_t when)
{
	uint8_t ib[8], wb[8];
	MDB_val ik = { sizeof ib, ib }, v;
	int rc;

	if (when < 0)
		when = 0;
	be_put(ib, id, 8);
	rc = mdb_get(t->txn, t->s->deadline_of, &ik, &v);
	if (rc == 0 && v.mv_size == 8) {
		int64_t old = (int64_t)be_get(v.mv_data, 8);
		if (old == when)
			return 0;
		if ((rc = deadline_entry(t, id, old, false)) < 0)
			return rc;
	} else if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	if (when == STORE_NO_DEADLINE) {
		rc = store_mdb_del(&t->s->db, t->txn, t->s->deadline_of, &ik);
		return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
	}
	be_put(wb, (uint64_t)when, 8);
	v = (MDB_val){ sizeof wb, wb };
	if ((rc = store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, t->s->deadline_of, &ik, &v, 0))) < 0)
		return rc;
	return deadline_entry(t, id, when, true);
}

int
store_deadline_due(struct store_txn *t, int64_t now, uint64_t *ids, size_t max, size_t *n)
{
	MDB_cursor *c;
	MDB_val k, v;
	MDB_cursor_op op = MDB_FIRST;
	int rc;

	*n = 0;
	if ((rc = mdb_cursor_open(t->txn, t->s->deadlines, &c)) != 0)
		return store_mdb_errno(rc);
	for (; *n < max && (rc = mdb_cursor_get(c, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (k.mv_size != 16) {
			rc = MDB_CORRUPTED;
			break;
		}
		if ((int64_t)be_get(k.mv_data, 8) > now)
			break;
		ids[(*n)++] = be_get((const uint8_t *)k.mv_data + 8, 8);
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb_errno(rc);
}

int
store_deadline_next(struct store_txn *t, int64_t *when)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc;

	*when = STORE_NO_DEADLINE;
	if ((rc = mdb_cursor_open(t->txn, t->s->deadlines, &c)) != 0)
		return store_mdb_errno(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	if (rc == 0 && k.mv_size != 16)
		rc = MDB_CORRUPTED;
	if (rc == 0)
		*when = (int64_t)be_get(k.mv_data, 8);
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb_errno(rc);
}

static int
deadline_build_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	return k->mv_size == 8 ? store_deadline_set(arg, be_get(k->mv_data, 8), 0) : -EBADMSG;
}

/*
 * A store written before the deadline index has none.  The store cannot
 * know the rules, so once, at open, one scan of the open set files every
 * open incident as due now; the sweep then re-files each under its rule.
 */
int
store_deadlines_build(struct store *s)
{
	struct store_txn *t;
	int rc = store_txn_begin(s, true, &t);

	if (rc < 0)
		return rc;
	if ((rc = store_meta_get(t, META_DEADLINES, NULL, 0, NULL)) != -ENOENT) {
		store_txn_abort(t);
		return rc == -ENOBUFS ? 0 : rc;
	}
	struct store_walk wk = { t->txn, s->open, false, NULL, 0, deadline_build_fn, t, NULL, 0 };
	if ((rc = store_walk(&wk)) < 0 || (rc = store_meta_put(t, META_DEADLINES, "1", 1)) < 0) {
		store_txn_abort(t);
		return rc;
	}
	return store_txn_commit(t);
}
