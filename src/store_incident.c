/*
 * store_incident.c - incidents and what keeps them findable: the key
 * index, the open set with its per-rule counts, the resolved index and
 * retention pruning by it, and the walks over incidents.
 */
#include "config.h"

#include <errno.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#include "store_escalation.h"
#include "store_impl.h"
#include "util.h"

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
		return store_mdb_errno(rc);
	return incident_decode(&k, &v, out);
}

int
store_incident_by_key(struct store_txn *t, const char *key, struct incident *out)
{
	MDB_val k = { strlen(key), (void *)key }, v;
	int rc = mdb_get(t->txn, t->s->keys, &k, &v);

	if (rc != 0)
		return store_mdb_errno(rc);
	if (v.mv_size != 8)
		return -EBADMSG;
	return store_incident_get(t, be_get(v.mv_data, 8), out);
}

/*
 * Point the key at inc unless it or a newer incarnation already holds it.
 * Pointing it at inc is a new incarnation: the history indexes learn of it.
 */
static int
key_index_put(struct store_txn *t, const struct incident *inc)
{
	uint8_t idb[8];
	MDB_val k = { strlen(inc->key), (void *)inc->key }, v;
	int rc = mdb_get(t->txn, t->s->keys, &k, &v);

	if (rc == 0 && v.mv_size == 8 && be_get(v.mv_data, 8) >= inc->id)
		return 0;
	if (rc != 0 && rc != MDB_NOTFOUND)
		return store_mdb_errno(rc);
	be_put(idb, inc->id, 8);
	v = (MDB_val){ sizeof idb, idb };
	rc = store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, t->s->keys, &k, &v, 0));
	return rc < 0 ? rc : store_history_add(t, inc);
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
	int rc = store_u64_get(t->txn, t->s->rule_open, k, 0, &n);

	if (rc < 0)
		return rc;
	n = up ? n + 1 : n - (n > 0);
	if (n == 0) {
		rc = store_mdb_del(&t->s->db, t->txn, t->s->rule_open, &k);
		return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
	}
	be_put(b, n, 8);
	return store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, t->s->rule_open, &k, &v, 0));
}

int
store_rule_open_count(struct store_txn *t, const char *rule, uint64_t *n)
{
	return store_u64_get(t->txn, t->s->rule_open, rule_key(rule), 0, n);
}

/* A value that names no state has no counter (NULL). */
static const char *const state_counter[INCIDENT_NSTATES] = {
	[INCIDENT_PENDING] = "store.open.pending",
	[INCIDENT_TRIGGERED] = "store.open.triggered",
	[INCIDENT_ACKNOWLEDGED] = "store.open.acknowledged",
	[INCIDENT_RESOLVED] = "store.closed.resolved",
	[INCIDENT_EXPIRED] = "store.closed.expired",
	[INCIDENT_SUPPRESSED] = "store.open.suppressed",
	[INCIDENT_TRANSIENT] = "store.closed.transient",
	[INCIDENT_FLAPPING] = "store.open.flapping",
	[INCIDENT_GROUPED] = "store.open.grouped",
};

/* How many incidents are in each state, kept with every change: status reads no incident. */
int
store_state_counts(struct store_txn *t, uint64_t *by_state, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++)
		by_state[i] = 0;
	for (size_t i = 0; rc == 0 && i < n && i < ARRAY_SIZE(state_counter); i++)
		if (state_counter[i] != NULL)
			rc = store_counter_get(t->txn, t->s->meta, state_counter[i], 0, &by_state[i]);
	return rc;
}

static int
state_count_add(struct store_txn *t, unsigned state, bool up)
{
	uint64_t n;
	int rc;

	if (state >= ARRAY_SIZE(state_counter) || state_counter[state] == NULL)
		return 0;
	if ((rc = store_counter_get(t->txn, t->s->meta, state_counter[state], 0, &n)) < 0)
		return rc;
	return store_counter_set(t, state_counter[state], up ? n + 1 : n - (n > 0));
}

/* The state an open-set value records (one byte). */
static unsigned
open_state(const MDB_val *v)
{
	return v->mv_size == 1 ? *(const uint8_t *)v->mv_data : INCIDENT_TRIGGERED;
}

/* Take k out of the open set: 1 when it was there, 0 when not. */
static int
open_set_del(struct store_txn *t, const struct incident *inc, MDB_val *k)
{
	MDB_val old;
	int rc = mdb_get(t->txn, t->s->open, k, &old);

	if (rc == MDB_NOTFOUND)
		return 0;
	unsigned was = rc == 0 ? open_state(&old) : 0;
	if (rc == 0)
		rc = store_mdb_del(&t->s->db, t->txn, t->s->open, k);
	if (rc != 0)
		return store_env_rc(&t->s->db, rc);
	if ((rc = state_count_add(t, was, false)) < 0 ||
	    (rc = rule_open_add(t, inc->rule, false)) < 0 ||
	    (rc = store_host_open_set(t, inc, false)) < 0)
		return rc;
	return 1;
}

/*
 * Put k in the open set with its state, or take it out (closed), moving
 * the per-rule and per-state counts only for real changes: a closed
 * incident is counted in its closed state when it leaves the open set.
 */
static int
open_set_put(struct store_txn *t, const struct incident *inc, MDB_val *k)
{
	enum incident_state state = inc->state;
	uint8_t sb = (uint8_t)state;
	MDB_val v = { 1, &sb };
	int rc;

	if (incident_state_closed(state)) {
		MDB_val old;
		/* Closed now: it left the open set, or it is new (stored closed at once). */
		if ((rc = open_set_del(t, inc, k)) == 0) {
			rc = mdb_get(t->txn, t->s->incidents, k, &old);
			if (rc != 0 && rc != MDB_NOTFOUND)
				return store_env_rc(&t->s->db, rc);
			rc = rc == MDB_NOTFOUND;
		}
		if (rc == 1)
			rc = state_count_add(t, state, true);
		return rc < 0 ? rc : 0;
	}
	/* APPEND refuses a key that is not the largest, present or not: then try in place. */
	rc = store_mdb_put(&t->s->db, t->txn, t->s->open, k, &v, MDB_NOOVERWRITE | MDB_APPEND);
	if (rc == MDB_KEYEXIST) {
		v = (MDB_val){ 1, &sb };
		rc = store_mdb_put(&t->s->db, t->txn, t->s->open, k, &v, MDB_NOOVERWRITE);
	}
	if (rc == MDB_KEYEXIST) { /* v is the value stored */
		unsigned was = open_state(&v);
		if (was == state)
			return 0;
		v = (MDB_val){ 1, &sb };
		if ((rc = store_mdb_put(&t->s->db, t->txn, t->s->open, k, &v, 0)) != 0)
			return store_env_rc(&t->s->db, rc);
		if ((rc = state_count_add(t, was, false)) < 0)
			return rc;
		return state_count_add(t, state, true);
	}
	if (rc != 0)
		return store_env_rc(&t->s->db, rc);
	if ((rc = state_count_add(t, state, true)) < 0 ||
	    (rc = rule_open_add(t, inc->rule, true)) < 0)
		return rc;
	return store_host_open_set(t, inc, true);
}

int
store_open_ids(struct store_txn *t, uint64_t after, uint64_t *ids, size_t max, size_t *n)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	MDB_cursor_op op = MDB_SET_RANGE;
	MDB_cursor *c;
	int rc;

	*n = 0;
	if (after == UINT64_MAX)
		return 0;
	be_put(kb, after + 1, 8);
	if ((rc = mdb_cursor_open(t->txn, t->s->open, &c)) != 0)
		return store_mdb_errno(rc);
	for (; *n < max && (rc = mdb_cursor_get(c, &k, &v, op)) == 0; op = MDB_NEXT) {
		if (k.mv_size != 8) {
			rc = MDB_CORRUPTED;
			break;
		}
		ids[(*n)++] = be_get(k.mv_data, 8);
	}
	mdb_cursor_close(c);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_mdb_errno(rc);
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
		return store_put_reserve(&t->s->db, t->txn, t->s->resolved, &k, &v, MDB_APPEND);
	rc = store_mdb_del(&t->s->db, t->txn, t->s->resolved, &k);
	return rc == MDB_NOTFOUND ? 0 : store_env_rc(&t->s->db, rc);
}

/*
 * Indexed while resolved.  A record never resolved (resolved_at 0) has no
 * entry, which spares every open incident's put a lookup; one reopened
 * would keep its resolved_at, and pruning checks the state anyway.
 */
static int
resolved_index_put(struct store_txn *t, const struct incident *inc)
{
	bool closed = incident_state_closed(inc->state);

	if (!closed && inc->resolved_at == 0)
		return 0;
	return resolved_index_set(t, inc->resolved_at, inc->id, closed);
}

int
store_incident_put(struct store_txn *t, const struct incident *inc)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	int rc;

	if ((rc = store_codec_encode_incident(NULL, inc, &v.mv_size)) < 0)
		return rc;
	be_put(kb, inc->id, 8);
	/* The open set first: it looks at whether the record is new. */
	if ((rc = open_set_put(t, inc, &k)) < 0 ||
	    (rc = store_put_reserve(&t->s->db, t->txn, t->s->incidents, &k, &v, MDB_APPEND)) < 0)
		return rc;
	store_codec_encode_incident(v.mv_data, inc, &v.mv_size);
	if ((rc = resolved_index_put(t, inc)) < 0)
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
		rc = store_mdb_del(&t->s->db, t->txn, t->s->keys, &k);
	return store_env_rc(&t->s->db, rc);
}

/* Delete inc (read at id) and everything kept for it. */
static int
incident_del(struct store_txn *t, const struct incident *inc)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb };
	int rc;

	be_put(kb, inc->id, 8);
	if ((rc = open_set_del(t, inc, &k)) < 0 ||
	    (incident_state_closed(inc->state) && (rc = state_count_add(t, inc->state, false)) < 0) ||
	    (rc = resolved_index_set(t, inc->resolved_at, inc->id, false)) < 0 ||
	    (rc = key_index_del(t, inc)) < 0 || (rc = store_history_del(t, inc)) < 0 ||
	    (rc = store_timeline_del(t, inc->id)) < 0 || (rc = store_group_forget(t, inc->id)) < 0)
		return rc;
	return store_env_rc(&t->s->db, store_mdb_del(&t->s->db, t->txn, t->s->incidents, &k));
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
	if (rc == 0)
		rc = store_escalation_del(t, id);
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

	*at = 0; /* the compiler cannot see that only success fills them */
	*id = *n = 0;
	if ((rc = mdb_stat(t->txn, t->s->resolved, &st)) != 0 ||
	    (rc = mdb_cursor_open(t->txn, t->s->resolved, &c)) != 0)
		return store_mdb_errno(rc);
	rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
	if (rc == 0 && k.mv_size != 16)
		rc = MDB_CORRUPTED;
	if (rc == 0) {
		*at = (int64_t)be_get(k.mv_data, 8);
		*id = be_get((const uint8_t *)k.mv_data + 8, 8);
		*n = st.ms_entries;
	}
	mdb_cursor_close(c);
	return store_mdb_errno(rc);
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

	*deleted = rc == 0 && incident_state_closed(inc->state) &&
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
	if ((rc = store_counter_get(t->txn, t->s->meta, META_PRUNED, 0, &total)) < 0)
		return rc;
	return store_counter_set(t, META_PRUNED, total + *pruned);
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
	struct store_walk wk = { t->txn, open ? t->s->open : t->s->incidents, !open, NULL, 0,
		open ? open_walk_fn : incident_walk_fn, iw, NULL, 0 };
	int rc;

	iw->t = t;
	iw->cb = cb;
	iw->arg = arg;
	rc = store_walk(&wk);
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
	if (incident_state_closed(inc->state)) {
		int rc = resolved_index_set(b->t, inc->resolved_at, inc->id, true);
		return rc < 0 ? rc : state_count_add(b->t, inc->state, true);
	}
	MDB_val key = *k;
	return open_set_put(b->t, inc, &key);
}

/*
 * Stores written before retention have no resolved index and no per-rule
 * counts: build both once, from every incident, in one transaction.
 */
static int
indexes_drop(struct store_txn *t)
{
	int rc;

	if ((rc = mdb_drop(t->txn, t->s->resolved, 0)) != 0 ||
	    (rc = mdb_drop(t->txn, t->s->rule_open, 0)) != 0 ||
	    (rc = mdb_drop(t->txn, t->s->open, 0)) != 0 ||
	    (rc = mdb_drop(t->txn, t->s->host_open, 0)) != 0) /* filled again with the open set */
		return store_mdb_errno(rc);
	for (size_t i = 0; i < ARRAY_SIZE(state_counter); i++)
		if (state_counter[i] != NULL && (rc = store_counter_set(t, state_counter[i], 0)) < 0)
			return rc;
	return 0;
}

/*
 * Stores written before an index version have some indexes missing or
 * incomplete: build them all once, from every incident, in one transaction.
 */
int
store_indexes_build(struct store *s)
{
	struct index_build *b;
	struct store_walk wk;
	struct store_txn *t;
	uint64_t done;
	int rc;

	if ((rc = store_txn_begin(s, true, &t)) < 0)
		return rc;
	if ((rc = store_counter_get(t->txn, s->meta, META_INDEXED, 0, &done)) < 0 ||
	    done >= INDEX_VERSION) {
		store_txn_abort(t);
		return rc;
	}
	b = xmalloc(sizeof *b);
	b->t = t;
	wk = (struct store_walk){ t->txn, s->incidents, false, NULL, 0, index_visit, b, NULL, 0 };
	if ((rc = indexes_drop(t)) == 0 && (rc = store_walk(&wk)) == 0)
		rc = store_counter_set(t, META_INDEXED, INDEX_VERSION);
	free(b);
	if (rc < 0) {
		store_txn_abort(t);
		return rc;
	}
	return store_txn_commit(t);
}
