/*
 * store_override.c - overrides of on-call schedules under be(id): four
 * big-endian 64-bit numbers (id, created, from, to), then the schedule's,
 * the contact's and the creator's names, each ending in a NUL.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "store_override.h"
#include "util.h"

#define HEAD 32 /* the four numbers */

static size_t
encoded_len(const struct store_override *o)
{
	return HEAD + strlen(o->schedule) + strlen(o->contact) + strlen(o->creator) + 3;
}

static void
encode(uint8_t *p, const struct store_override *o)
{
	const char *s[3] = { o->schedule, o->contact, o->creator };

	be_put(p, o->id, 8);
	be_put(p + 8, (uint64_t)o->created, 8);
	be_put(p + 16, (uint64_t)o->from, 8);
	be_put(p + 24, (uint64_t)o->to, 8);
	p += HEAD;
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(s[i]) + 1;
		memcpy(p, s[i], n);
		p += n;
	}
}

static int
decode(const uint8_t *p, size_t len, struct store_override *o)
{
	const uint8_t *end = p + len;
	int rc;

	memset(o, 0, sizeof(*o));
	if (len < HEAD)
		return -EBADMSG;
	o->id = be_get(p, 8);
	o->created = (int64_t)be_get(p + 8, 8);
	o->from = (int64_t)be_get(p + 16, 8);
	o->to = (int64_t)be_get(p + 24, 8);
	p += HEAD;
	if ((rc = store_codec_get_name(&p, end, o->schedule, sizeof(o->schedule))) < 0 ||
	    (rc = store_codec_get_name(&p, end, o->contact, sizeof(o->contact))) < 0 ||
	    (rc = store_codec_get_name(&p, end, o->creator, sizeof(o->creator))) < 0)
		return rc;
	return p == end ? 0 : -EBADMSG;
}

int
store_override_put(struct store_txn *t, struct store_override *o)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v = { encoded_len(o), NULL };
	int rc;

	if (o->id == 0 && (rc = store_counter_next(t, META_OVERRIDE_ID, &o->id)) < 0)
		return rc;
	be_put(kb, o->id, 8);
	if ((rc = store_put_reserve(&t->s->db, t->txn, t->s->overrides, &k, &v, 0)) < 0)
		return rc;
	encode(v.mv_data, o);
	return 0;
}

int
store_override_del(struct store_txn *t, uint64_t id)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb };

	be_put(kb, id, 8);
	return store_env_rc(&t->s->db, store_mdb_del(&t->s->db, t->txn, t->s->overrides, &k));
}

struct override_walk {
	store_override_cb cb;
	void *arg;
	struct store_override rec;
};

static int
override_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct override_walk *ow = arg;
	int rc = decode(v->mv_data, v->mv_size, &ow->rec);

	(void)k;
	return rc < 0 ? rc : ow->cb(&ow->rec, ow->arg);
}

int
store_override_foreach(struct store_txn *t, store_override_cb cb, void *arg)
{
	struct override_walk ow = { .cb = cb, .arg = arg };
	struct store_walk wk = { .txn = t->txn, .dbi = t->s->overrides, .fn = override_walk_fn,
		.arg = &ow };

	return store_walk(&wk);
}

int
store_override_count(struct store_txn *t, uint64_t *n)
{
	MDB_stat st;
	int rc = mdb_stat(t->txn, t->s->overrides, &st);

	*n = rc == 0 ? st.ms_entries : 0;
	return rc == 0 ? 0 : store_mdb_errno(rc);
}
