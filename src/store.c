/*
 * store.c - incidents, timelines, named values and the raw-event log in
 * LMDB.  The only file that includes <lmdb.h>; everything above it sees
 * plain structs and -errno.  The byte format lives in store_codec.c.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store.h"
#include "store_codec.h"
#include "util.h"

#define STORE_MAP_INITIAL (64UL * 1024 * 1024)
#define STORE_PRUNE_MAX	  4096 /* deletions per commit, so a commit never stalls the loop */
#define STORE_MAXDBS	  16

/* Names of our own meta values; a caller's names never start with "store.". */
#define META_NEXT_ID "store.next_id"
#define META_OUTBOX_SEQ "store.outbox_seq"
#define META_PRUNED "store.pruned"
/* Set once the resolved and per-rule indexes cover every incident (older stores lack them). */
#define META_INDEXED "store.indexed"
#define META_DEADLINES "store.deadlines" /* present once the deadline index is built */
#define EVMETA_STATE "state"

#define be_put store_codec_be_put
#define be_get store_codec_be_get

struct store_env {
	MDB_env *env;
	bool full; /* a write met MDB_MAP_FULL: grow at the next write begin */
};

struct store {
	struct store_opts opts;
	struct store_env db, ev;
	MDB_dbi incidents, keys, open, timeline, meta, outbox; /* in db */
	MDB_dbi resolved;  /* be(resolved_at) be(id) -> "": pruning order, oldest first */
	MDB_dbi rule_open; /* rule name and NUL -> be(count of its open incidents) */
	MDB_dbi deadlines, deadline_of;			       /* in db */
	MDB_dbi events, evmeta;			       /* in ev */
	unsigned ntxn; /* live store_txns; resizing unmaps, so only at 0 */
	bool writing;  /* a second writer would deadlock on LMDB's writer lock */
	uint64_t map_grows;
	uint64_t ev_errors; /* failed event-log commits */
};

static int indexes_build(struct store *s);

struct store_txn {
	struct store *s;
	MDB_txn *txn;	/* db environment */
	MDB_txn *evtxn; /* events environment, begun on first use */
	bool write;
	bool appended; /* ev changed: prune and save it at commit */
	struct store_codec_evstate ev;
	int64_t newest; /* latest recv_usec appended here, the reference for pruning by age */
};

static int
mdb_to_errno(int rc)
{
	switch (rc) {
	case MDB_SUCCESS:
		return 0;
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
		return -ENOSPC;
	case MDB_CORRUPTED:
	case MDB_INVALID:
		return -EBADMSG;
	case MDB_BAD_VALSIZE: /* an empty or over-long key: the caller's mistake */
		return -EINVAL;
	}
	return rc > 0 ? -rc : -EIO;
}

/* Map an LMDB result, noting a full map so the next write begin grows it. */
static int
env_rc(struct store_env *e, int rc)
{
	if (rc == MDB_MAP_FULL)
		e->full = true;
	return mdb_to_errno(rc);
}

/*
 * Put a value to be written in place (MDB_RESERVE).  MDB_APPEND refuses a
 * key that is not the largest with MDB_KEYEXIST and writes nothing, so
 * callers may always try it first: new ids are the common case.
 */
static int
put_reserve(struct store_env *e, MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned flags)
{
	int rc = mdb_put(txn, dbi, k, v, flags | MDB_RESERVE);

	if (rc == MDB_KEYEXIST && (flags & MDB_APPEND))
		rc = mdb_put(txn, dbi, k, v, (flags & ~(unsigned)MDB_APPEND) | MDB_RESERVE);
	return env_rc(e, rc);
}

/* Double the map while more than 80% is used, or once after MDB_MAP_FULL. */
static int
env_grow(struct store *s, struct store_env *e)
{
	MDB_envinfo info;
	MDB_stat st;
	uint64_t used;
	size_t size;
	int rc;

	if ((rc = mdb_env_info(e->env, &info)) != 0 || (rc = mdb_env_stat(e->env, &st)) != 0)
		return mdb_to_errno(rc);
	used = ((uint64_t)info.me_last_pgno + 1) * st.ms_psize;
	size = info.me_mapsize;
	if (!e->full && used * 5 <= (uint64_t)size * 4)
		return 0;
	do {
		if (size > SIZE_MAX / 2)
			return -ENOSPC;
		size *= 2;
	} while (used * 5 > (uint64_t)size * 4);
	if ((rc = mdb_env_set_mapsize(e->env, size)) != 0) {
		/* mmap failed; put the old map back so the store stays usable. */
		mdb_env_set_mapsize(e->env, info.me_mapsize);
		return mdb_to_errno(rc);
	}
	e->full = false;
	s->map_grows++;
	return 0;
}

static int
make_dir(const char *path, char **cause)
{
	int rc;

	if (mkdir(path, 0750) == 0 || errno == EEXIST)
		return 0;
	rc = -errno;
	xasprintf(cause, "cannot create %s: %s", path, strerror(-rc));
	return rc;
}

struct dbi_name {
	const char *name;
	MDB_dbi *dbi;
};

static int
dbis_open(MDB_env *env, const struct dbi_name *tab, size_t n)
{
	MDB_txn *txn = NULL;
	int rc = mdb_txn_begin(env, NULL, 0, &txn);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = mdb_dbi_open(txn, tab[i].name, MDB_CREATE, tab[i].dbi);
	if (rc == 0)
		return mdb_to_errno(mdb_txn_commit(txn));
	if (txn != NULL)
		mdb_txn_abort(txn);
	return mdb_to_errno(rc);
}

/* mdb_reader_check() frees reader slots of crashed processes, which would pin old pages. */
static int
env_open(struct store_env *e, const char *dir, const char *name, unsigned flags,
    size_t map_size, const struct dbi_name *tab, size_t n, char **cause)
{
	char *path;
	int rc, dead;

	xasprintf(&path, "%s/%s", dir, name);
	if ((rc = make_dir(path, cause)) < 0)
		goto out;
	if ((rc = mdb_env_create(&e->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(e->env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(e->env, map_size ? map_size : STORE_MAP_INITIAL)) != 0 ||
	    (rc = mdb_env_open(e->env, path, flags | MDB_NOTLS, 0640)) != 0 ||
	    (rc = mdb_reader_check(e->env, &dead)) != 0) {
		xasprintf(cause, "cannot open LMDB environment %s: %s", path, mdb_strerror(rc));
		rc = mdb_to_errno(rc);
	} else if ((rc = dbis_open(e->env, tab, n)) < 0)
		xasprintf(cause, "cannot open databases in %s: %s", path, strerror(-rc));
out:
	free(path);
	return rc;
}

static int deadlines_build(struct store *s);

int
store_open(const char *dir, const struct store_opts *opts, struct store **ret, char **cause)
{
	struct store *s = xcalloc(1, sizeof *s);
	const struct dbi_name dbs[] = {
		{ "incidents", &s->incidents }, { "keys", &s->keys }, { "open", &s->open },
		{ "timeline", &s->timeline },	{ "meta", &s->meta },
		{ "outbox", &s->outbox },	{ "resolved", &s->resolved },
		{ "rule_open", &s->rule_open },	{ "deadlines", &s->deadlines },
		{ "deadline_of", &s->deadline_of },
	};
	const struct dbi_name evdbs[] = { { "events", &s->events }, { "meta", &s->evmeta } };
	int rc;

	*ret = NULL;
	if (opts != NULL)
		s->opts = *opts;
	if ((rc = make_dir(dir, cause)) < 0 ||
	    (rc = env_open(&s->db, dir, "db", 0, (size_t)s->opts.map_size, dbs, ARRAY_SIZE(dbs),
		 cause)) < 0 ||
	    (rc = env_open(&s->ev, dir, "events", MDB_NOSYNC, 0, evdbs, ARRAY_SIZE(evdbs),
		 cause)) < 0)
		goto fail;
	/* A grown store reopens with a map just its used size: make room now. */
	if ((rc = env_grow(s, &s->db)) < 0 || (rc = env_grow(s, &s->ev)) < 0) {
		xasprintf(cause, "cannot grow LMDB map in %s: %s", dir, strerror(-rc));
		goto fail;
	}
	if ((rc = indexes_build(s)) < 0) {
		xasprintf(cause, "cannot index the incidents in %s: %s", dir, strerror(-rc));
		goto fail;
	}
	if ((rc = deadlines_build(s)) < 0) {
		xasprintf(cause, "cannot build the deadline index in %s: %s", dir, strerror(-rc));
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	store_close(s);
	return rc;
}

void
store_close(struct store *s)
{
	if (s == NULL)
		return;
	if (s->ev.env != NULL)
		mdb_env_close(s->ev.env);
	if (s->db.env != NULL)
		mdb_env_close(s->db.env);
	free(s);
}

void
store_set_opts(struct store *s, const struct store_opts *opts)
{
	s->opts = *opts;
}

int
store_txn_begin(struct store *s, bool write, struct store_txn **ret)
{
	struct store_txn *t;
	int rc;

	*ret = NULL;
	if (write && s->writing)
		return -EBUSY;
	if (write && s->ntxn == 0 &&
	    ((rc = env_grow(s, &s->db)) < 0 || (rc = env_grow(s, &s->ev)) < 0))
		return rc;
	t = xcalloc(1, sizeof *t);
	t->s = s;
	t->write = write;
	if ((rc = mdb_txn_begin(s->db.env, NULL, write ? 0 : MDB_RDONLY, &t->txn)) != 0) {
		free(t);
		return mdb_to_errno(rc);
	}
	s->ntxn++;
	s->writing |= write;
	*ret = t;
	return 0;
}

static void
txn_free(struct store_txn *t)
{
	t->s->ntxn--;
	if (t->write)
		t->s->writing = false;
	free(t);
}

void
store_txn_abort(struct store_txn *t)
{
	if (t == NULL)
		return;
	if (t->evtxn != NULL)
		mdb_txn_abort(t->evtxn);
	mdb_txn_abort(t->txn);
	txn_free(t);
}

static int
evstate_load(struct store *s, MDB_txn *txn, struct store_codec_evstate *st)
{
	MDB_val k = { strlen(EVMETA_STATE), EVMETA_STATE }, v;
	int rc = mdb_get(txn, s->evmeta, &k, &v);

	*st = (struct store_codec_evstate){ 1, 0, 0 };
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mdb_to_errno(rc);
	return store_codec_decode_evstate(v.mv_data, v.mv_size, st);
}

static int
evstate_save(struct store_txn *t)
{
	MDB_val k = { strlen(EVMETA_STATE), EVMETA_STATE }, v;
	int rc;

	store_codec_encode_evstate(NULL, &t->ev, &v.mv_size);
	if ((rc = put_reserve(&t->s->ev, t->evtxn, t->s->evmeta, &k, &v, 0)) < 0)
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
		return mdb_to_errno(rc);
	return t->write ? evstate_load(t->s, t->evtxn, &t->ev) : 0;
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
	return rc == MDB_NOTFOUND ? 0 : env_rc(&s->ev, rc);
}

/* The event log commits first: records without their incidents are harmless, the reverse is not. */
static int
ev_commit(struct store_txn *t)
{
	int rc = 0;

	if (t->appended && ((rc = events_prune(t)) < 0 || (rc = evstate_save(t)) < 0))
		mdb_txn_abort(t->evtxn);
	else
		rc = env_rc(&t->s->ev, mdb_txn_commit(t->evtxn));
	t->evtxn = NULL;
	return rc;
}

int
store_txn_commit(struct store_txn *t)
{
	int rc = 0;

	if (!t->write) {
		store_txn_abort(t);
		return 0;
	}
	/*
	 * State first: the raw-event log is an aid for replay, so its failure
	 * (its own map full, say) is counted and never costs incident state.
	 */
	rc = env_rc(&t->s->db, mdb_txn_commit(t->txn));
	if (t->evtxn != NULL && rc != 0) {
		mdb_txn_abort(t->evtxn);
		t->evtxn = NULL;
	} else if (t->evtxn != NULL && ev_commit(t) < 0)
		t->s->ev_errors++;
	txn_free(t);
	return rc;
}

int
store_meta_put(struct store_txn *t, const char *name, const void *val, size_t len)
{
	MDB_val k = { strlen(name), (void *)name }, v = { len, (void *)val };

	return env_rc(&t->s->db, mdb_put(t->txn, t->s->meta, &k, &v, 0));
}

int
store_meta_get(struct store_txn *t, const char *name, void *buf, size_t size, size_t *len)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(t->txn, t->s->meta, &k, &v);

	if (rc != 0)
		return mdb_to_errno(rc);
	if (len != NULL)
		*len = v.mv_size;
	if (v.mv_size > size)
		return -ENOBUFS;
	if (v.mv_size > 0)
		memcpy(buf, v.mv_data, v.mv_size);
	return 0;
}

/* A big-endian 64-bit value stored under k; def when there is none. */
static int
u64_get(MDB_txn *txn, MDB_dbi dbi, MDB_val k, uint64_t def, uint64_t *out)
{
	MDB_val v;
	int rc = mdb_get(txn, dbi, &k, &v);

	*out = def;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return mdb_to_errno(rc);
	if (v.mv_size != 8)
		return -EBADMSG;
	*out = be_get(v.mv_data, 8);
	return 0;
}

/* A persistent counter in meta; def when it was never written. */
static int
counter_get(MDB_txn *txn, MDB_dbi meta, const char *name, uint64_t def, uint64_t *out)
{
	return u64_get(txn, meta, (MDB_val){ strlen(name), (void *)name }, def, out);
}

static int
counter_set(struct store_txn *t, const char *name, uint64_t val)
{
	uint8_t b[8];

	be_put(b, val, 8);
	return store_meta_put(t, name, b, sizeof b);
}

/* Returns the counter's value (1 at first) and stores value + 1. */
static int
counter_next(struct store_txn *t, const char *name, uint64_t *out)
{
	uint64_t next;
	int rc = counter_get(t->txn, t->s->meta, name, 1, &next);

	if (rc < 0 || (rc = counter_set(t, name, next + 1)) < 0)
		return rc;
	*out = next;
	return 0;
}

int
store_next_id(struct store_txn *t, uint64_t *id)
{
	return counter_next(t, META_NEXT_ID, id);
}

/* Decode the value stored under an 8-byte id key, checking the two agree. */
static int
incident_decode(const MDB_val *k, const MDB_val *v, struct incident *out)
{
	int rc = store_codec_decode_incident(v->mv_data, v->mv_size, out);

	if (rc == 0 && (k->mv_size != 8 || out->id != be_get(k->mv_data, 8)))
		rc = -EBADMSG;
	return rc;
}

int
store_incident_get(struct store_txn *t, uint64_t id, struct incident *out)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	int rc;

	be_put(kb, id, 8);
	if ((rc = mdb_get(t->txn, t->s->incidents, &k, &v)) != 0)
		return mdb_to_errno(rc);
	return incident_decode(&k, &v, out);
}

int
store_incident_by_key(struct store_txn *t, const char *key, struct incident *out)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc = mdb_get(t->txn, t->s->keys, &k, &v);

	if (rc != 0)
		return mdb_to_errno(rc);
	if (v.mv_size != 8)
		return -EBADMSG;
	return store_incident_get(t, be_get(v.mv_data, 8), out);
}

/* Point the key at inc unless a newer incarnation already holds it. */
static int
key_index_put(struct store_txn *t, const struct incident *inc)
{
	uint8_t idb[8];
	MDB_val k = { strlen(inc->key), (void *)inc->key }, v;
	int rc = mdb_get(t->txn, t->s->keys, &k, &v);

	if (rc == 0 && v.mv_size == 8 && be_get(v.mv_data, 8) > inc->id)
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return mdb_to_errno(rc);
	be_put(idb, inc->id, 8);
	v = (MDB_val){ sizeof idb, idb };
	return env_rc(&t->s->db, mdb_put(t->txn, t->s->keys, &k, &v, 0));
}

/* The key of a rule's open count: its name and the NUL, as LMDB has no empty keys. */
static MDB_val
rule_key(const char *rule)
{
	return (MDB_val){ strlen(rule) + 1, (void *)rule };
}

/* The count of open incidents per rule moves with the open set, in the same transaction. */
static int
rule_open_add(struct store_txn *t, const char *rule, bool up)
{
	uint8_t b[8];
	MDB_val k = rule_key(rule), v = { sizeof b, b };
	uint64_t n;
	int rc = u64_get(t->txn, t->s->rule_open, k, 0, &n);

	if (rc < 0)
		return rc;
	n = up ? n + 1 : n - (n > 0);
	if (n == 0) {
		rc = mdb_del(t->txn, t->s->rule_open, &k, NULL);
		return rc == MDB_NOTFOUND ? 0 : env_rc(&t->s->db, rc);
	}
	be_put(b, n, 8);
	return env_rc(&t->s->db, mdb_put(t->txn, t->s->rule_open, &k, &v, 0));
}

int
store_rule_open_count(struct store_txn *t, const char *rule, uint64_t *n)
{
	return u64_get(t->txn, t->s->rule_open, rule_key(rule), 0, n);
}

/* Add (open) or remove (closed) k in the open set, counting only real changes. */
static int
open_set_put(struct store_txn *t, const char *rule, MDB_val *k, bool open)
{
	MDB_val v = { 0, NULL };
	int rc;

	if (!open) {
		rc = mdb_del(t->txn, t->s->open, k, NULL);
		if (rc == MDB_NOTFOUND)
			return 0;
		return rc != 0 ? env_rc(&t->s->db, rc) : rule_open_add(t, rule, false);
	}
	/* APPEND refuses a key that is not the largest, present or not: then try in place. */
	rc = mdb_put(t->txn, t->s->open, k, &v, MDB_NOOVERWRITE | MDB_APPEND);
	if (rc == MDB_KEYEXIST)
		rc = mdb_put(t->txn, t->s->open, k, &v, MDB_NOOVERWRITE);
	if (rc == MDB_KEYEXIST)
		return 0;
	return rc != 0 ? env_rc(&t->s->db, rc) : rule_open_add(t, rule, true);
}

/* Add or remove (resolved_at, id) in the resolved index; removing what is absent is fine. */
static int
resolved_index_set(struct store_txn *t, int64_t at, uint64_t id, bool present)
{
	uint8_t kb[16];
	MDB_val k = { sizeof kb, kb }, v = { 0, NULL };
	int rc;

	be_put(kb, at > 0 ? (uint64_t)at : 0, 8);
	be_put(kb + 8, id, 8);
	if (present)
		return put_reserve(&t->s->db, t->txn, t->s->resolved, &k, &v, MDB_APPEND);
	rc = mdb_del(t->txn, t->s->resolved, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : env_rc(&t->s->db, rc);
}

/*
 * Indexed while resolved.  A record never resolved (resolved_at 0) has no
 * entry, which spares every open incident's put a lookup; one reopened
 * would keep its resolved_at, and pruning checks the state anyway.
 */
static int
resolved_index_put(struct store_txn *t, const struct incident *inc)
{
	bool resolved = inc->state == INCIDENT_RESOLVED;

	if (!resolved && inc->resolved_at == 0)
		return 0;
	return resolved_index_set(t, inc->resolved_at, inc->id, resolved);
}

int
store_incident_put(struct store_txn *t, const struct incident *inc)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	bool resolved = inc->state == INCIDENT_RESOLVED;
	int rc;

	if ((rc = store_codec_encode_incident(NULL, inc, &v.mv_size)) < 0)
		return rc;
	be_put(kb, inc->id, 8);
	if ((rc = put_reserve(&t->s->db, t->txn, t->s->incidents, &k, &v, MDB_APPEND)) < 0)
		return rc;
	store_codec_encode_incident(v.mv_data, inc, &v.mv_size);
	if ((rc = open_set_put(t, inc->rule, &k, !resolved)) < 0 ||
	    (rc = resolved_index_put(t, inc)) < 0)
		return rc;
	return key_index_put(t, inc);
}

/* Drop the key's entry when it names this incarnation: the key was then never seen. */
static int
key_index_del(struct store_txn *t, const struct incident *inc)
{
	MDB_val k = { strlen(inc->key), (void *)inc->key }, v;
	int rc = mdb_get(t->txn, t->s->keys, &k, &v);

	if (rc == MDB_NOTFOUND || (rc == 0 && (v.mv_size != 8 || be_get(v.mv_data, 8) != inc->id)))
		return 0;
	if (rc == 0)
		rc = mdb_del(t->txn, t->s->keys, &k, NULL);
	return env_rc(&t->s->db, rc);
}

static int
timeline_del(struct store_txn *t, uint64_t id)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor *c;
	int rc;

	be_put(kb, id, 8);
	if ((rc = mdb_cursor_open(t->txn, t->s->timeline, &c)) != 0)
		return mdb_to_errno(rc);
	/* Seek again after each delete, as events_prune does: no cursor state to trust. */
	for (;;) {
		k = (MDB_val){ sizeof kb, kb };
		if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE)) != 0 || k.mv_size != 12 ||
		    be_get(k.mv_data, 8) != id || (rc = mdb_cursor_del(c, 0)) != 0)
			break;
	}
	mdb_cursor_close(c);
	return rc == MDB_NOTFOUND ? 0 : env_rc(&t->s->db, rc);
}

/* Delete inc (read at id) and everything kept for it. */
static int
incident_del(struct store_txn *t, const struct incident *inc)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb };
	int rc;

	be_put(kb, inc->id, 8);
	if ((rc = open_set_put(t, inc->rule, &k, false)) < 0 ||
	    (rc = resolved_index_set(t, inc->resolved_at, inc->id, false)) < 0 ||
	    (rc = key_index_del(t, inc)) < 0 ||
	    (rc = timeline_del(t, inc->id)) < 0)
		return rc;
	return env_rc(&t->s->db, mdb_del(t->txn, t->s->incidents, &k, NULL));
}

int
store_incident_del(struct store_txn *t, uint64_t id)
{
	struct incident *inc = xmalloc(sizeof *inc); /* 2.5 KiB */
	int rc = store_incident_get(t, id, inc);

	if (rc == 0)
		rc = incident_del(t, inc);
	/* A pruned incident leaves nothing behind that a sweep would trip over. */
	if (rc == 0)
		rc = store_deadline_set(t, id, STORE_NO_DEADLINE);
	free(inc);
	return rc;
}

/* The oldest entry of the resolved index; -ENOENT when it is empty. */
static int
resolved_oldest(struct store_txn *t, int64_t *at, uint64_t *id, uint64_t *n)
{
	MDB_cursor *c;
	MDB_val k, v;
	MDB_stat st;
	int rc;

	if ((rc = mdb_stat(t->txn, t->s->resolved, &st)) != 0 ||
	    (rc = mdb_cursor_open(t->txn, t->s->resolved, &c)) != 0)
		return mdb_to_errno(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	if (rc == 0 && k.mv_size != 16)
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		*at = (int64_t)be_get(k.mv_data, 8);
		*id = be_get((const uint8_t *)k.mv_data + 8, 8);
		*n = st.ms_entries;
	}
	mdb_cursor_close(c);
	return mdb_to_errno(rc);
}

/*
 * Prune the incident an index entry names.  An entry that does not match a
 * resolved incident (it cannot happen, but must not wedge pruning, nor
 * delete an open incident) is dropped alone.  *deleted: whether it was real.
 */
static int
prune_one(struct store_txn *t, int64_t at, uint64_t id, struct incident *inc, bool *deleted)
{
	int rc = store_incident_get(t, id, inc);

	*deleted = rc == 0 && inc->state == INCIDENT_RESOLVED &&
	    (inc->resolved_at > 0 ? inc->resolved_at : 0) == at;
	if (*deleted)
		return incident_del(t, inc);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	return resolved_index_set(t, at, id, false);
}

int
store_prune_resolved(struct store_txn *t, int64_t before, uint64_t max_resolved, size_t max,
    size_t *pruned)
{
	struct incident *inc = xmalloc(sizeof *inc);
	uint64_t id, n, total;
	int64_t at;
	bool deleted;
	int rc = 0;

	*pruned = 0;
	for (size_t i = 0; i < max && (rc = resolved_oldest(t, &at, &id, &n)) == 0; i++) {
		if (at >= before && (max_resolved == 0 || n <= max_resolved))
			break;
		if ((rc = prune_one(t, at, id, inc, &deleted)) < 0)
			break;
		*pruned += deleted;
	}
	free(inc);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (*pruned == 0)
		return 0;
	if ((rc = counter_get(t->txn, t->s->meta, META_PRUNED, 0, &total)) < 0)
		return rc;
	return counter_set(t, META_PRUNED, total + *pruned);
}

/* One cursor walk serves every foreach: a direction and an optional key prefix. */
struct walk {
	MDB_txn *txn;
	MDB_dbi dbi;
	bool reverse;
	const void *prefix; /* start at, and stay within, keys beginning with it */
	size_t plen;
	int (*fn)(const MDB_val *k, const MDB_val *v, void *arg); /* non-zero stops */
	void *arg;
};

static int
walk(const struct walk *wk)
{
	MDB_cursor *c;
	MDB_val k = { wk->plen, (void *)wk->prefix }, v;
	MDB_cursor_op op = wk->plen > 0 ? MDB_SET_RANGE : wk->reverse ? MDB_LAST : MDB_FIRST;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(wk->txn, wk->dbi, &c)) != 0)
		return mdb_to_errno(rc);
	for (; (rc = mdb_cursor_get(c, &k, &v, op)) == 0; op = wk->reverse ? MDB_PREV : MDB_NEXT) {
		if (wk->plen > 0 &&
		    (k.mv_size < wk->plen || memcmp(k.mv_data, wk->prefix, wk->plen) != 0))
			break;
		if ((r = wk->fn(&k, &v, wk->arg)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (r != 0)
		return r;
	return rc == MDB_NOTFOUND ? 0 : mdb_to_errno(rc);
}

struct incident_walk {
	struct store_txn *t;
	store_incident_cb cb;
	void *arg;
	struct incident inc;
};

static int
incident_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct incident_walk *iw = arg;
	int rc = incident_decode(k, v, &iw->inc);

	return rc < 0 ? rc : iw->cb(&iw->inc, iw->arg);
}

static int
open_walk_fn(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct incident_walk *iw = arg;
	int rc = k->mv_size == 8 ? store_incident_get(iw->t, be_get(k->mv_data, 8), &iw->inc) :
				   -EBADMSG;

	if (rc < 0)
		return rc == -ENOENT ? -EBADMSG : rc; /* the open set names a missing incident */
	return iw->cb(&iw->inc, iw->arg);
}

static int
incidents_walk(struct store_txn *t, bool open, store_incident_cb cb, void *arg)
{
	/* On the heap: a struct incident is 2.5 KiB and callbacks may nest walks. */
	struct incident_walk *iw = xmalloc(sizeof *iw);
	struct walk wk = { t->txn, open ? t->s->open : t->s->incidents, !open, NULL, 0,
		open ? open_walk_fn : incident_walk_fn, iw };
	int rc;

	iw->t = t;
	iw->cb = cb;
	iw->arg = arg;
	rc = walk(&wk);
	free(iw);
	return rc;
}

int
store_incident_foreach(struct store_txn *t, store_incident_cb cb, void *arg)
{
	return incidents_walk(t, false, cb, arg);
}

int
store_open_foreach(struct store_txn *t, store_incident_cb cb, void *arg)
{
	return incidents_walk(t, true, cb, arg);
}

struct index_build {
	struct store_txn *t;
	struct incident inc;
};

/* Index one incident; an undecodable record is left out rather than failing the open. */
static int
index_visit(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct index_build *b = arg;
	const struct incident *inc = &b->inc;

	if (incident_decode(k, v, &b->inc) < 0)
		return 0;
	if (inc->state == INCIDENT_RESOLVED)
		return resolved_index_set(b->t, inc->resolved_at, inc->id, true);
	return rule_open_add(b->t, inc->rule, true);
}

/*
 * Stores written before retention have no resolved index and no per-rule
 * counts: build both once, from every incident, in one transaction.
 */
static int
indexes_build(struct store *s)
{
	struct index_build *b;
	struct walk wk;
	struct store_txn *t;
	uint64_t done;
	int rc;

	if ((rc = store_txn_begin(s, true, &t)) < 0)
		return rc;
	if ((rc = counter_get(t->txn, s->meta, META_INDEXED, 0, &done)) < 0 || done != 0) {
		store_txn_abort(t);
		return rc;
	}
	b = xmalloc(sizeof *b);
	b->t = t;
	wk = (struct walk){ t->txn, s->incidents, false, NULL, 0, index_visit, b };
	if ((rc = mdb_drop(t->txn, s->resolved, 0)) != 0 ||
	    (rc = mdb_drop(t->txn, s->rule_open, 0)) != 0)
		rc = mdb_to_errno(rc);
	else if ((rc = walk(&wk)) == 0)
		rc = counter_set(t, META_INDEXED, 1);
	free(b);
	if (rc < 0) {
		store_txn_abort(t);
		return rc;
	}
	return store_txn_commit(t);
}

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
		return env_rc(&t->s->db, mdb_put(t->txn, t->s->deadlines, &k, &v, 0));
	rc = mdb_del(t->txn, t->s->deadlines, &k, NULL);
	return rc == MDB_NOTFOUND ? 0 : env_rc(&t->s->db, rc);
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
		return mdb_to_errno(rc);
	if (when == STORE_NO_DEADLINE) {
		rc = mdb_del(t->txn, t->s->deadline_of, &ik, NULL);
		return rc == MDB_NOTFOUND ? 0 : env_rc(&t->s->db, rc);
	}
	be_put(wb, (uint64_t)when, 8);
	v = (MDB_val){ sizeof wb, wb };
	if ((rc = env_rc(&t->s->db, mdb_put(t->txn, t->s->deadline_of, &ik, &v, 0))) < 0)
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
		return mdb_to_errno(rc);
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
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : mdb_to_errno(rc);
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
static int
deadlines_build(struct store *s)
{
	struct store_txn *t;
	int rc = store_txn_begin(s, true, &t);

	if (rc < 0)
		return rc;
	if ((rc = store_meta_get(t, META_DEADLINES, NULL, 0, NULL)) != -ENOENT) {
		store_txn_abort(t);
		return rc == -ENOBUFS ? 0 : rc;
	}
	struct walk wk = { t->txn, s->open, false, NULL, 0, deadline_build_fn, t };
	if ((rc = walk(&wk)) < 0 || (rc = store_meta_put(t, META_DEADLINES, "1", 1)) < 0) {
		store_txn_abort(t);
		return rc;
	}
	return store_txn_commit(t);
}

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
		return mdb_to_errno(rc);
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
	return rc == MDB_NOTFOUND ? 0 : mdb_to_errno(rc);
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
	if ((rc = put_reserve(&t->s->db, t->txn, t->s->timeline, &k, &v, MDB_APPEND)) < 0)
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
	struct walk wk = { t->txn, t->s->timeline, false, kb, sizeof kb, timeline_walk_fn, tw };
	int rc;

	be_put(kb, id, 8);
	tw->cb = cb;
	tw->arg = arg;
	rc = walk(&wk);
	free(tw);
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
	if ((rc = put_reserve(&t->s->ev, t->evtxn, t->s->events, &k, &v, MDB_APPEND)) < 0)
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
	int rc = store_codec_decode_event(v->mv_data, v->mv_size, &ev);

	if (rc == 0 && k->mv_size != 8)
		rc = -EBADMSG;
	if (rc < 0)
		return rc;
	ev.seq = be_get(k->mv_data, 8);
	return ev.recv_usec >= ew->since ? ew->cb(&ev, ew->arg) : 0;
}

int
store_event_foreach(struct store_txn *t, int64_t since_usec, store_event_cb cb, void *arg)
{
	struct event_walk ew = { since_usec, cb, arg };
	struct walk wk;
	int rc;

	if (!t->s->opts.event_log)
		return 0;
	if ((rc = ev_begin(t)) < 0)
		return rc;
	/* Clock steps leave recv_usec only roughly ordered: filter, don't seek. */
	wk = (struct walk){ t->evtxn, t->s->events, false, NULL, 0, event_walk_fn, &ew };
	return walk(&wk);
}

static int
db_entries(MDB_txn *txn, MDB_dbi dbi, uint64_t *n)
{
	MDB_stat st;
	int rc = mdb_stat(txn, dbi, &st);

	*n = rc == 0 ? st.ms_entries : 0;
	return mdb_to_errno(rc);
}

int
store_stats(struct store *s, struct store_stats *st)
{
	MDB_envinfo info;
	MDB_stat ms;
	MDB_txn *txn;
	struct store_codec_evstate ev;
	int rc;

	memset(st, 0, sizeof *st);
	st->map_grows = s->map_grows;
	st->event_log_errors = s->ev_errors;
	if ((rc = mdb_env_info(s->db.env, &info)) != 0 || (rc = mdb_env_stat(s->db.env, &ms)) != 0)
		return mdb_to_errno(rc);
	st->map_size = info.me_mapsize;
	st->map_used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if ((rc = mdb_txn_begin(s->db.env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_errno(rc);
	if ((rc = db_entries(txn, s->incidents, &st->incidents)) == 0 &&
	    (rc = db_entries(txn, s->open, &st->open_incidents)) == 0 &&
	    (rc = db_entries(txn, s->resolved, &st->resolved_incidents)) == 0 &&
	    (rc = counter_get(txn, s->meta, META_PRUNED, 0, &st->pruned)) == 0)
		rc = db_entries(txn, s->timeline, &st->timeline_entries);
	mdb_txn_abort(txn);
	if (rc < 0)
		return rc;
	if ((rc = mdb_txn_begin(s->ev.env, NULL, MDB_RDONLY, &txn)) != 0)
		return mdb_to_errno(rc);
	rc = evstate_load(s, txn, &ev);
	mdb_txn_abort(txn);
	st->events = ev.count;
	st->event_bytes = ev.bytes;
	return rc;
}

bool
store_map_full(const struct store *s)
{
	return s->db.full;
}

int
store_sync(struct store *s)
{
	return mdb_to_errno(mdb_env_sync(s->ev.env, 1));
}

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

	if (*seq == 0 && (rc = counter_next(t, META_OUTBOX_SEQ, seq)) < 0)
		return rc;
	be_put(kb, *seq, 8);
	if ((rc = put_reserve(&t->s->db, t->txn, t->s->outbox, &k, &v, MDB_APPEND)) < 0)
		return rc;
	memcpy(v.mv_data, data, len);
	return 0;
}

int
store_outbox_del(struct store_txn *t, uint64_t seq)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb };

	be_put(kb, seq, 8);
	return mdb_to_errno(mdb_del(t->txn, t->s->outbox, &k, NULL));
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
	struct walk wk = { t->txn, t->s->outbox, false, NULL, 0, outbox_walk_fn, &ow };

	return walk(&wk);
}
