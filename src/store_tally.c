/*
 * store_tally.c - counts per UTC hour of what came in and went out (events,
 * incidents opened, deliveries, pages), for reports: the events a report
 * counts are long gone from the raw-event log, and counting them again
 * would be a scan.  One record per hour, so a month is 720 records
 * whatever the traffic; at most opts.tally_hours are kept.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

static uint64_t
hour_of(int64_t at)
{
	return at > 0 ? (uint64_t)(at / STORE_TALLY_HOUR) : 0;
}

/* Over the limit after a new hour: the oldest hours go. */
static int
tally_trim(struct store_txn *t)
{
	uint64_t max = t->s->opts.tally_hours ? t->s->opts.tally_hours : STORE_TALLY_HOURS;
	MDB_cursor *c;
	MDB_stat st;
	MDB_val k, v;
	int rc;

	if ((rc = mdb_stat(t->txn, t->s->tally, &st)) != 0 || st.ms_entries <= max)
		return store_mdb_errno(rc);
	if ((rc = mdb_cursor_open(t->txn, t->s->tally, &c)) != 0)
		return store_mdb_errno(rc);
	for (uint64_t n = st.ms_entries; n > max; n--)
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) != 0 ||
		    (rc = mdb_cursor_del(c, 0)) != 0)
			break;
	mdb_cursor_close(c);
	return store_env_rc(&t->s->db, rc);
}

int
store_tally_add(struct store_txn *t, int64_t at, const struct store_tally *d)
{
	uint8_t kb[8], vb[STORE_CODEC_TALLY_LEN];
	MDB_val k = { sizeof kb, kb }, v;
	struct store_tally n = { 0 };
	int rc;

	be_put(kb, hour_of(at), 8);
	rc = mdb_get(t->txn, t->s->tally, &k, &v);
	if (rc == 0 && store_codec_decode_tally(v.mv_data, v.mv_size, &n) < 0)
		memset(&n, 0, sizeof n); /* unreadable: it starts again rather than stop counting */
	else if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	n.events += d->events;
	n.dropped += d->dropped;
	n.opened += d->opened;
	n.deliveries += d->deliveries;
	n.pages += d->pages;
	store_codec_encode_tally(vb, &n);
	v = (MDB_val){ sizeof vb, vb };
	int prc = store_mdb_put(&t->s->db, t->txn, t->s->tally, &k, &v, 0);
	if (prc != 0)
		return store_env_rc(&t->s->db, prc);
	return rc == MDB_NOTFOUND ? tally_trim(t) : 0;
}

struct tally_walk {
	uint64_t to;
	bool past; /* walked past the last hour asked for */
	store_tally_cb cb;
	void *arg;
};

/* An undecodable hour is passed over: a report without it beats none. */
static int
tally_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct tally_walk *tw = arg;
	struct store_tally n;
	uint64_t hour;

	if (k->mv_size != 8)
		return -EBADMSG;
	if ((hour = be_get(k->mv_data, 8)) > tw->to) {
		tw->past = true;
		return 1;
	}
	if (store_codec_decode_tally(v->mv_data, v->mv_size, &n) < 0)
		return 0;
	return tw->cb((int64_t)hour * STORE_TALLY_HOUR, &n, tw->arg);
}

int
store_tally_foreach(struct store_txn *t, int64_t from, int64_t to, store_tally_cb cb,
    void *arg)
{
	uint8_t kb[8];
	struct tally_walk tw = { hour_of(to), false, cb, arg };
	struct store_walk wk = { .txn = t->txn, .dbi = t->s->tally, .fn = tally_walk_fn,
		.arg = &tw, .from = kb, .flen = sizeof kb };
	int rc;

	if (to < from)
		return 0;
	be_put(kb, hour_of(from), 8);
	rc = store_walk(&wk);
	return tw.past ? 0 : rc;
}
