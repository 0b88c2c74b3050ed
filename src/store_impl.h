/*
 * store_impl.h - what the store*.c files share and nothing else may see:
 * struct store and struct store_txn, the names of the store's own meta
 * values, and the helpers every part uses.  Only store*.c include it, and
 * only they include <lmdb.h> (grep -l lmdb.h src/ must list no other
 * file): everything above the store sees plain structs and -errno.
 *
 * Every mdb_put, mdb_del, mdb_txn_commit and write mdb_txn_abort of the
 * store goes through store_mdb_put, store_mdb_del, store_mdb_commit and
 * store_mdb_abort (store.c), so there is one place to watch, or to make
 * fail in tests (store_fault.h) (the commit that creates
 * the databases at open is the exception).
 */
#ifndef TRIAGED_STORE_IMPL_H
#define TRIAGED_STORE_IMPL_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "store.h"
#include "store_codec.h"
#include "store_fault.h"

/* Names of our own meta values; a caller's names never start with "store.". */
#define META_NEXT_ID	"store.next_id"
#define META_OUTBOX_SEQ "store.outbox_seq"
#define META_PRUNED	"store.pruned"
#define META_HELD_INDEX "store.held_index" /* entries under STORE_HELD_INDEX_*; absent: never counted */
/*
 * The version of the indexes built from every incident at open: 1, the
 * resolved index and per-rule counts; 2, the open set's values carry the
 * state, with a count per state; 3, closed states (resolved, expired)
 * counted too.  Older stores are indexed again once.
 */
#define META_INDEXED   "store.indexed"
#define INDEX_VERSION  3
#define META_DEADLINES "store.deadlines" /* present once the deadline index is built */
#define META_SILENCE_ID "store.silence_id"
#define META_OVERRIDE_ID "store.override_id"
#define META_HISTORY   "store.history"	 /* present once the history indexes are built */

#define be_put store_codec_be_put
#define be_get store_codec_be_get

struct store_fault;

struct store_env {
	MDB_env *env;
	bool full; /* a write met MDB_MAP_FULL: grow at the next write begin */
	struct store_fault *fault; /* failures on purpose (tests), or NULL */
	MDB_txn *poisoned; /* the write txn an injected failure spoiled, as LMDB would */
};

struct store {
	struct store_opts opts;
	struct store_env db;
	MDB_dbi incidents, keys, open, timeline, meta, outbox; /* in db */
	MDB_dbi resolved;  /* be(resolved_at) be(id) -> "": pruning order, oldest first */
	MDB_dbi rule_open; /* rule name and NUL -> be(count of its open incidents) */
	MDB_dbi deadlines, deadline_of; /* in db */
	MDB_dbi silences, held, held_events; /* in db (store_silence.c) */
	MDB_dbi key_hist;  /* key NUL be(id) -> "": every incarnation of a key */
	MDB_dbi opened;	   /* be(first_seen) be(id) -> "": incidents by when they opened */
	MDB_dbi host_open; /* host NUL be(first_seen) be(id) -> "": open incidents by host */
	MDB_dbi tally;	   /* be(hour since the epoch) -> counts (store_codec) */
	MDB_dbi groups;	   /* in db (store_group.c) */
	MDB_dbi overrides; /* be(id) -> an on-call override (store_override.c) */
	MDB_dbi escalations; /* be(incident id) -> its escalation (store_escalation.c) */
	unsigned ntxn; /* live store_txns; resizing unmaps, so only at 0 */
	bool writing;  /* a second writer would deadlock on LMDB's writer lock */
	uint64_t map_grows;
	uint64_t trim_at; /* where the next store_trim_resident window begins, bytes into the map */
};

struct store_txn {
	struct store *s;
	MDB_txn *txn;
	bool write;
};

/* store.c: results, the one place that writes, and small values. */
int store_mdb_errno(int rc);
/* Map an LMDB result, noting a full map so the next write begin grows it. */
int store_env_rc(struct store_env *e, int rc);
/* mdb_put, mdb_del and mdb_txn_commit for every caller; LMDB's results. */
int store_mdb_put(struct store_env *e, MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned flags);
int store_mdb_del(struct store_env *e, MDB_txn *txn, MDB_dbi dbi, MDB_val *k);
int store_mdb_commit(struct store_env *e, MDB_txn *txn);
void store_mdb_abort(struct store_env *e, MDB_txn *txn);
int store_put_reserve(struct store_env *e, MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned flags);
/* The value under the big-endian key id in dbi: *data valid until txn ends or writes. */
int store_value_get(MDB_txn *txn, MDB_dbi dbi, uint64_t id, const void **data, size_t *len);
int store_u64_get(MDB_txn *txn, MDB_dbi dbi, MDB_val k, uint64_t def, uint64_t *out);
int store_counter_get(MDB_txn *txn, MDB_dbi meta, const char *name, uint64_t def, uint64_t *out);
int store_counter_set(struct store_txn *t, const char *name, uint64_t val);
int store_counter_next(struct store_txn *t, const char *name, uint64_t *out);

/*
 * One cursor walk serves every foreach: a direction, an optional key
 * prefix to stay within, and an optional key to begin from.  Forward it
 * begins at the first key >= from (or the prefix); backward at the last
 * key < from, so a backward walk within a prefix needs a from.
 */
struct store_walk {
	MDB_txn *txn;
	MDB_dbi dbi;
	bool reverse;
	const void *prefix; /* stay within keys beginning with it */
	size_t plen;
	int (*fn)(const MDB_val *k, const MDB_val *v, void *arg); /* non-zero stops */
	void *arg;
	const void *from; /* NULL: the prefix, or an end */
	size_t flen;
};
int store_walk(const struct store_walk *wk);

/* store_silence.c: the held index's counted part (store.h STORE_HELD_INDEX_*). */
int store_held_index_count(MDB_txn *txn, const struct store *s, uint64_t *n);

/* store_history.c: the indexes that find an incident's relatives (see store.h). */
int store_history_add(struct store_txn *t, const struct incident *inc); /* a new incarnation */
int store_history_del(struct store_txn *t, const struct incident *inc);
/* inc entered the open set (open) or left it. */
int store_host_open_set(struct store_txn *t, const struct incident *inc, bool open);
int store_history_build(struct store *s);

/* store_fault.c: 0, or the LMDB result an injected failure of this operation returns. */
int store_fault_hit(struct store_fault *f, enum store_fault_op op);
void store_fault_free(struct store_fault *f);

/* store_incident.c, store_deadline.c: indexes older stores lack, built once at open. */
int store_indexes_build(struct store *s);
int store_deadlines_build(struct store *s);

/* store_timeline.c: an incident's timeline goes with it. */
int store_timeline_del(struct store_txn *t, uint64_t id);

#endif
