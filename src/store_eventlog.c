/*
 * store_eventlog.c - the raw-event log in its own environment: append,
 * walk, prune past its limits, and commit after the state, best effort.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "util.h"

#define STORE_PRUNE_MAX 4096 /* deletions per commit, so a commit never stalls the loop */
#define EVMETA_STATE    "state"

int
store_evstate_load(struct store *s, MDB_txn *txn, struct store_codec_evstate *st)
{
	MDB_val k = { strlen(EVMETA_STATE), EVMETA_STATE }, v;
	int rc = mdb_get(txn, s->evmeta, &k, &v);

	*st = (struct store_codec_evstate){ 1, 0, 0 };
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_errno(rc);
	return store_codec_decode_evstate(v.mv_data, v.mv_size, st);
}

static int
evstate_save(struct store_txn *t)
{
	MDB_val k = { strlen(EVMETA_STATE), EVMETA_STATE }, v;
	int rc;

	store_codec_encode_evstate(NULL, &t->ev, &v.mv_size);
	if ((rc = store_put_reserve(&t->s->ev, t->evtxn, t->s->evmeta, &k, &v, 0)) < 0)
		return rc;
	store_codec_encode_evstate(v.mv_data, &t->ev, &v.mv_size);
	return 0;
}

/* Begin the events transaction on first use; a writer loads the totals it will update. */
static int
ev_begin(struct store_txn *t)
{
	int rc;

	if (t->evtxn != NULL)
		return 0;
	rc = mdb_txn_begin(t->s->ev.env, NULL, t->write ? 0 : MDB_RDONLY, &t->evtxn);
	if (rc != 0)
		return store_mdb_errno(rc);
	return t->write ? store_evstate_load(t->s, t->evtxn, &t->ev) : 0;
}

/* Limits of 0 mean "no limit".  An undecodable oldest record goes too. */
static bool
prune_due(const struct store_txn *t, const MDB_val *v)
{
	const struct store_opts *o = &t->s->opts;
	int64_t recv;

	if (o->event_log_max_size > 0 && t->ev.bytes > o->event_log_max_size)
		return true;
	if (o->event_log_max_age <= 0)
		return false;
	if (store_codec_event_time(v->mv_data, v->mv_size, &recv) < 0)
		return true;
	return t->newest > INT64_MIN + o->event_log_max_age &&
	    recv < t->newest - o->event_log_max_age;
}

static int
events_prune(struct store_txn *t)
{
	struct store *s = t->s;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	size_t size;
	int rc = mdb_cursor_open(t->evtxn, s->events, &c);

	for (int i = 0; rc == 0 && i < STORE_PRUNE_MAX; i++) {
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_FIRST)) != 0 || !prune_due(t, &v))
			break;
		size = v.mv_size;
		if ((rc = mdb_cursor_del(c, 0)) != 0)
			break;
		t->ev.count -= t->ev.count > 0;
		t->ev.bytes -= size < t->ev.bytes ? size : t->ev.bytes;
	}
	if (c != NULL)
		mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : store_env_rc(&s->ev, rc);
}

/* The event log commits first: records without their incidents are harmless, the reverse is not. */
int
store_ev_commit(struct store_txn *t)
{
	int rc = 0;

	if (t->appended && ((rc = events_prune(t)) < 0 || (rc = evstate_save(t)) < 0))
		store_mdb_abort(&t->s->ev, t->evtxn);
	else
		rc = store_env_rc(&t->s->ev, store_mdb_commit(&t->s->ev, t->evtxn));
	t->evtxn = NULL;
	return rc;
}
int
store_event_append(struct store_txn *t, struct store_event *ev)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	int rc;

	if (!t->s->opts.event_log)
		return 0;
	if ((rc = store_codec_encode_event(NULL, ev, &v.mv_size)) < 0 || (rc = ev_begin(t)) < 0)
		return rc;
	be_put(kb, t->ev.next_seq, 8);
	if ((rc = store_put_reserve(&t->s->ev, t->evtxn, t->s->events, &k, &v, MDB_APPEND)) < 0)
		return rc;
	store_codec_encode_event(v.mv_data, ev, &v.mv_size);
	ev->seq = t->ev.next_seq++;
	t->ev.count++;
	t->ev.bytes += v.mv_size;
	if (!t->appended || ev->recv_usec > t->newest)
		t->newest = ev->recv_usec;
	t->appended = true;
	return 0;
}

/* A record of the log and its number, as walks and gets hand them out. */
static int
record_of(const MDB_val *k, const MDB_val *v, struct store_event *ev)
{
	int rc = k->mv_size != 8 ? -EBADMSG : store_codec_decode_event(v->mv_data, v->mv_size, ev);

	if (rc == 0)
		ev->seq = be_get(k->mv_data, 8);
	return rc;
}

struct event_walk {
	int64_t since;
	store_event_cb cb;
	void *arg;
};

static int
event_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct event_walk *ew = arg;
	struct store_event ev;
	int rc = record_of(k, v, &ev);

	if (rc < 0)
		return rc;
	return ev.recv_usec >= ew->since ? ew->cb(&ev, ew->arg) : 0;
}

int
store_event_foreach(struct store_txn *t, int64_t since_usec, store_event_cb cb, void *arg)
{
	struct event_walk ew = { since_usec, cb, arg };
	struct store_walk wk;
	int rc;

	if (!t->s->opts.event_log)
		return 0;
	if ((rc = ev_begin(t)) < 0)
		return rc;
	/* Clock steps leave recv_usec only roughly ordered: filter, don't seek. */
	wk = (struct store_walk){ t->evtxn, t->s->events, false, NULL, 0, event_walk_fn, &ew, NULL,
		0 };
	return store_walk(&wk);
}

int
store_event_get(struct store_txn *t, uint64_t seq, struct store_event *out)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	int rc;

	if (!t->s->opts.event_log)
		return -ENOENT;
	if ((rc = ev_begin(t)) < 0)
		return rc;
	be_put(kb, seq, 8);
	if ((rc = mdb_get(t->evtxn, t->s->events, &k, &v)) != 0)
		return store_mdb_errno(rc);
	return record_of(&k, &v, out);
}

struct recent_walk {
	size_t left;
	store_event_cb cb;
	void *arg;
};

static int
recent_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct recent_walk *rw = arg;
	struct store_event ev;
	int rc = record_of(k, v, &ev);

	if (rc < 0)
		return rc;
	if ((rc = rw->cb(&ev, rw->arg)) != 0)
		return rc;
	return --rw->left == 0 ? 1 : 0;
}

int
store_event_recent(struct store_txn *t, size_t max, store_event_cb cb, void *arg)
{
	struct recent_walk rw = { max, cb, arg };
	struct store_walk wk;
	int rc;

	if (!t->s->opts.event_log || max == 0)
		return 0;
	if ((rc = ev_begin(t)) < 0)
		return rc;
	wk = (struct store_walk){ t->evtxn, t->s->events, true, NULL, 0, recent_fn, &rw, NULL, 0 };
	rc = store_walk(&wk);
	return rc == 1 ? 0 : rc;
}

int
store_sync(struct store *s)
{
	return store_mdb_errno(mdb_env_sync(s->ev.env, 1));
}

struct store_events {
	MDB_env *env;
	MDB_dbi events;
};

void
store_events_close(struct store_events *e)
{
	if (e == NULL)
		return;
	if (e->env != NULL)
		mdb_env_close(e->env);
	free(e);
}

int
store_events_open(const char *dir, struct store_events **ret, char **cause)
{
	struct store_events *e = xcalloc(1, sizeof(*e));
	MDB_txn *txn = NULL;
	char *path;
	int rc;

	*ret = NULL;
	xasprintf(&path, "%s/events", dir);
	/* The daemon sets the map size; a reader takes the file's. */
	if ((rc = mdb_env_create(&e->env)) != 0 || (rc = mdb_env_set_maxdbs(e->env, 8)) != 0 ||
	    (rc = mdb_env_open(e->env, path, MDB_RDONLY | MDB_NOTLS, 0)) != 0 ||
	    (rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &txn)) != 0 ||
	    (rc = mdb_dbi_open(txn, "events", 0, &e->events)) != 0)
		xasprintf(cause, "cannot read the raw-event log %s: %s", path, mdb_strerror(rc));
	/* The handle outlives its transaction only when that commits. */
	if (txn != NULL && rc == 0)
		rc = mdb_txn_commit(txn);
	else if (txn != NULL)
		mdb_txn_abort(txn);
	free(path);
	if (rc != 0) {
		store_events_close(e);
		return store_mdb_errno(rc);
	}
	*ret = e;
	return 0;
}

int
store_events_read(struct store_events *e, uint64_t after, size_t max, store_event_cb cb,
    void *arg, uint64_t *last)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_txn *txn;
	MDB_cursor *c = NULL;
	struct store_event ev;
	int rc, stop = 0;

	*last = after;
	if (after == UINT64_MAX)
		return 0;
	be_put(kb, after + 1, 8);
	if ((rc = mdb_txn_begin(e->env, NULL, MDB_RDONLY, &txn)) != 0)
		return store_mdb_errno(rc);
	if ((rc = mdb_cursor_open(txn, e->events, &c)) == 0)
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
	for (size_t n = 0; rc == 0 && stop == 0 && n < max; n++) {
		if ((stop = record_of(&k, &v, &ev)) < 0)
			break;
		*last = ev.seq;
		if ((stop = cb(&ev, arg)) == 0)
			rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
	}
	if (c != NULL)
		mdb_cursor_close(c);
	mdb_txn_abort(txn);
	if (stop != 0)
		return stop;
	return rc == MDB_NOTFOUND ? 0 : store_mdb_errno(rc);
}
