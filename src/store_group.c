/*
 * store_group.c - groups (group.h) in the "groups" database, in the
 * caller's batch: a parent's state, its list of members, and each
 * member's parent, so neither finding a member's parent nor listing a
 * parent's members reads any other incident.  Keys:
 *   'G' be(parent)             -> the group's state (6 big-endian u64)
 *   'M' be(parent) be(member)  -> ""   (the parent's listed members, in order)
 *   'P' be(member)             -> be(parent) and one byte: open
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

#define GROUP_REC_SIZE 48

static MDB_val
id_key(uint8_t kb[9], char tag, uint64_t id)
{
	kb[0] = (uint8_t)tag;
	be_put(kb + 1, id, 8);
	return (MDB_val){ 9, kb };
}

int
store_group_get(struct store_txn *t, uint64_t parent, struct group_state *g)
{
	uint8_t kb[9];
	MDB_val k = id_key(kb, 'G', parent), v;
	const uint8_t *b;
	int rc = mdb_get(t->txn, t->s->groups, &k, &v);

	if (rc != 0)
		return store_mdb_errno(rc);
	if (v.mv_size != GROUP_REC_SIZE)
		return -EBADMSG;
	b = v.mv_data;
	g->opened = (int64_t)be_get(b, 8);
	g->sent_at = (int64_t)be_get(b + 8, 8);
	g->members = be_get(b + 16, 8);
	g->open = be_get(b + 24, 8);
	g->listed = be_get(b + 32, 8);
	g->unsent = be_get(b + 40, 8);
	return 0;
}

int
store_group_put(struct store_txn *t, uint64_t parent, const struct group_state *g)
{
	uint8_t kb[9], b[GROUP_REC_SIZE];
	MDB_val k = id_key(kb, 'G', parent), v = { sizeof b, b };

	be_put(b, (uint64_t)g->opened, 8);
	be_put(b + 8, (uint64_t)g->sent_at, 8);
	be_put(b + 16, g->members, 8);
	be_put(b + 24, g->open, 8);
	be_put(b + 32, g->listed, 8);
	be_put(b + 40, g->unsent, 8);
	return store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, t->s->groups, &k, &v, 0));
}

int
store_group_member_add(struct store_txn *t, uint64_t parent, uint64_t member)
{
	uint8_t kb[17];
	MDB_val k = { sizeof kb, kb }, v = { 0, NULL };

	kb[0] = 'M';
	be_put(kb + 1, parent, 8);
	be_put(kb + 9, member, 8);
	return store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, t->s->groups, &k, &v, 0));
}

struct member_walk {
	uint64_t *ids;
	size_t max, *n;
};

static int
member_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct member_walk *mw = arg;

	if (k->mv_size != 17)
		return -EBADMSG;
	mw->ids[(*mw->n)++] = be_get((const uint8_t *)k->mv_data + 9, 8);
	return *mw->n >= mw->max;
}

int
store_group_members(struct store_txn *t, uint64_t parent, uint64_t *ids, size_t max, size_t *n)
{
	uint8_t prefix[9];
	struct member_walk mw = { ids, max, n };
	struct store_walk wk = { .txn = t->txn, .dbi = t->s->groups, .prefix = prefix,
		.plen = sizeof prefix, .fn = member_walk_fn, .arg = &mw };
	int rc;

	*n = 0;
	if (max == 0)
		return 0;
	id_key(prefix, 'M', parent);
	rc = store_walk(&wk);
	return rc < 0 ? rc : 0;
}

int
store_group_link(struct store_txn *t, uint64_t member, uint64_t parent, bool open)
{
	uint8_t kb[9], b[9];
	MDB_val k = id_key(kb, 'P', member), v = { sizeof b, b };

	be_put(b, parent, 8);
	b[8] = open;
	return store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, t->s->groups, &k, &v, 0));
}

int
store_group_parent(struct store_txn *t, uint64_t member, uint64_t *parent, bool *open)
{
	uint8_t kb[9];
	MDB_val k = id_key(kb, 'P', member), v;
	int rc = mdb_get(t->txn, t->s->groups, &k, &v);

	if (rc != 0)
		return store_mdb_errno(rc);
	if (v.mv_size != 9)
		return -EBADMSG;
	*parent = be_get(v.mv_data, 8);
	*open = ((const uint8_t *)v.mv_data)[8] != 0;
	return 0;
}

static int
del_key(struct store_txn *t, uint8_t *kb, size_t len)
{
	MDB_val k = { len, kb };
	int rc = store_mdb_del(&t->s->db, t->txn, t->s->groups, &k);

	return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
}

/* A pruned incident takes its link, and, as a parent, its state and list (bounded by max). */
int
store_group_forget(struct store_txn *t, uint64_t id)
{
	uint8_t kb[17];
	uint64_t ids[256];
	size_t n;
	int rc;

	id_key(kb, 'P', id);
	if ((rc = del_key(t, kb, 9)) < 0)
		return rc;
	id_key(kb, 'G', id);
	if ((rc = del_key(t, kb, 9)) < 0)
		return rc;
	do {
		if ((rc = store_group_members(t, id, ids, ARRAY_SIZE(ids), &n)) < 0)
			return rc;
		for (size_t i = 0; i < n; i++) {
			kb[0] = 'M';
			be_put(kb + 1, id, 8);
			be_put(kb + 9, ids[i], 8);
			if ((rc = del_key(t, kb, 17)) < 0)
				return rc;
		}
	} while (n == ARRAY_SIZE(ids));
	return 0;
}
