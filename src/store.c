/*
 * store.c - durable state in LMDB: opening and growing the two
 * environments, transactions, named values and counters, statistics, and
 * the one place every write goes through.  Incidents, deadlines,
 * timelines, the raw-event log and the outbox have their own store_*.c;
 * store_impl.h says what they share.  The byte format lives in
 * store_codec.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "store_impl.h"
#include "util.h"

#define STORE_MAP_INITIAL (64UL * 1024 * 1024)
#define STORE_MAXDBS	  32

int
store_mdb_errno(int rc)
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
int
store_env_rc(struct store_env *e, int rc)
{
	if (rc == MDB_MAP_FULL)
		e->full = true;
	return store_mdb_errno(rc);
}

/*
 * An injected failure spoils txn as a failed put spoils it in LMDB: later
 * writes and the commit return MDB_BAD_TXN, and only an abort ends it.
 * Reads still work here, where LMDB refuses them too; no caller reads on
 * after a failed write anyway.
 */
static int
fault_check(struct store_env *e, MDB_txn *txn, enum store_fault_op op)
{
#ifdef TRIAGED_FAULT_INJECTION
	int rc;

	if (e->poisoned != NULL && e->poisoned == txn)
		return MDB_BAD_TXN;
	if (e->fault == NULL || (rc = store_fault_hit(e->fault, op)) == 0)
		return 0;
	e->poisoned = txn;
	return rc;
#else
	return 0;
#endif
}

int
store_mdb_put(struct store_env *e, MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned flags)
{
	int rc = fault_check(e, txn, STORE_FAULT_PUT);

	return rc != 0 ? rc : mdb_put(txn, dbi, k, v, flags);
}

int
store_mdb_del(struct store_env *e, MDB_txn *txn, MDB_dbi dbi, MDB_val *k)
{
	if (e->poisoned != NULL && e->poisoned == txn)
		return MDB_BAD_TXN;
	return mdb_del(txn, dbi, k, NULL);
}

/* Like mdb_txn_commit, txn is gone afterwards whatever the result. */
int
store_mdb_commit(struct store_env *e, MDB_txn *txn)
{
	int rc = fault_check(e, txn, STORE_FAULT_COMMIT);

	if (rc == 0)
		return mdb_txn_commit(txn);
	store_mdb_abort(e, txn); /* a failed mdb_txn_commit aborts too */
	return rc;
}

bool
store_commit_nosync(const struct store *s)
{
	return s->opts.commit_nosync;
}

int
store_state_sync(struct store *s)
{
#ifdef TRIAGED_FAULT_INJECTION
	int rc;

	if (s->db.fault != NULL && (rc = store_fault_hit(s->db.fault, STORE_FAULT_SYNC)) != 0)
		return store_mdb_errno(rc);
#endif
	return store_mdb_errno(mdb_env_sync(s->db.env, 1));
}

void
store_mdb_abort(struct store_env *e, MDB_txn *txn)
{
	if (e->poisoned == txn)
		e->poisoned = NULL;
	mdb_txn_abort(txn);
}

/*
 * Put a value to be written in place (MDB_RESERVE).  MDB_APPEND refuses a
 * key that is not the largest with MDB_KEYEXIST and writes nothing, so
 * callers may always try it first: new ids are the common case.
 */
int
store_put_reserve(struct store_env *e, MDB_txn *txn, MDB_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned flags)
{
	int rc = store_mdb_put(e, txn, dbi, k, v, flags | MDB_RESERVE);

	if (rc == MDB_KEYEXIST && (flags & MDB_APPEND))
		rc = store_mdb_put(e, txn, dbi, k, v, (flags & ~(unsigned)MDB_APPEND) | MDB_RESERVE);
	return store_env_rc(e, rc);
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
		return store_mdb_errno(rc);
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
		return store_mdb_errno(rc);
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

/*
 * LMDB writes its reader table through a shared map of lock.mdb, which it
 * makes with ftruncate: on a full disk the first write to that hole kills
 * the process with SIGBUS.  Allocating the file's blocks first turns that
 * into ENOSPC here.  A lock file that exists keeps its size, which every
 * process sharing it reads its reader count from; a new one is given room
 * for about 500 readers.
 */
#define LOCK_FILE_NEW (32 * 1024)

static int
lock_reserve(const char *path, char **cause)
{
	char *lock;
	struct stat st;
	int fd, rc = 0;

	xasprintf(&lock, "%s/lock.mdb", path);
	fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || fstat(fd, &st) < 0)
		rc = -errno;
	else
		rc = -posix_fallocate(fd, 0, st.st_size > 0 ? st.st_size : LOCK_FILE_NEW);
	if (rc < 0)
		xasprintf(cause, "cannot make room for %s: %s", lock, strerror(-rc));
	if (fd >= 0)
		close(fd);
	free(lock);
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
		return store_mdb_errno(mdb_txn_commit(txn));
	if (txn != NULL)
		mdb_txn_abort(txn);
	return store_mdb_errno(rc);
}

/* mdb_reader_check() frees reader slots of crashed processes, which would pin old pages. */
static int
env_open(struct store_env *e, const char *dir, const char *name, unsigned flags,
    size_t map_size, const struct dbi_name *tab, size_t n, char **cause)
{
	char *path;
	int rc, dead;

	xasprintf(&path, "%s/%s", dir, name);
	if ((rc = make_dir(path, cause)) < 0 || (rc = lock_reserve(path, cause)) < 0)
		goto out;
	if ((rc = mdb_env_create(&e->env)) != 0 ||
	    (rc = mdb_env_set_maxdbs(e->env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_mapsize(e->env, map_size ? map_size : STORE_MAP_INITIAL)) != 0 ||
	    (rc = mdb_env_open(e->env, path, flags | MDB_NOTLS, 0640)) != 0 ||
	    (rc = mdb_reader_check(e->env, &dead)) != 0) {
		xasprintf(cause, "cannot open LMDB environment %s: %s", path, mdb_strerror(rc));
		rc = store_mdb_errno(rc);
	} else if ((rc = dbis_open(e->env, tab, n)) < 0)
		xasprintf(cause, "cannot open databases in %s: %s", path, strerror(-rc));
out:
	free(path);
	return rc;
}

int
store_open(const char *dir, const struct store_opts *opts, struct store **ret, char **cause)
{
	struct store *s = xcalloc(1, sizeof *s);
	const struct dbi_name dbs[] = {
		{ "incidents", &s->incidents }, { "keys", &s->keys }, { "open", &s->open },
		{ "timeline", &s->timeline },	{ "meta", &s->meta },
		{ "outbox", &s->outbox },	{ "resolved", &s->resolved },
		{ "rule_open", &s->rule_open },	{ "deadlines", &s->deadlines },
		{ "deadline_of", &s->deadline_of }, { "silences", &s->silences },
		{ "held", &s->held },		{ "held_events", &s->held_events },
		{ "key_hist", &s->key_hist },	{ "opened", &s->opened },
		{ "host_open", &s->host_open },	{ "tally", &s->tally },
		{ "groups", &s->groups },
		{ "overrides", &s->overrides },	{ "escalations", &s->escalations },
	};
	int rc;

	*ret = NULL;
	if (opts != NULL)
		s->opts = *opts;
	if ((rc = make_dir(dir, cause)) < 0 ||
	    (rc = env_open(&s->db, dir, "db",
		 s->opts.commit_nosync ? MDB_NOSYNC : 0, (size_t)s->opts.map_size, dbs, ARRAY_SIZE(dbs),
		 cause)) < 0)
		goto fail;
	/*
	 * What a killed daemon committed without sync is in the page cache,
	 * visible but perhaps not durable: sync it before anything read here
	 * is sent or answered.
	 */
	if (s->opts.commit_nosync && (rc = store_state_sync(s)) < 0) {
		xasprintf(cause, "cannot sync the state database in %s: %s", dir, strerror(-rc));
		goto fail;
	}
	/* A grown store reopens with a map just its used size: make room now. */
	if ((rc = env_grow(s, &s->db)) < 0) {
		xasprintf(cause, "cannot grow LMDB map in %s: %s", dir, strerror(-rc));
		goto fail;
	}
	if ((rc = store_indexes_build(s)) < 0) {
		xasprintf(cause, "cannot index the incidents in %s: %s", dir, strerror(-rc));
		goto fail;
	}
	if ((rc = store_deadlines_build(s)) < 0) {
		xasprintf(cause, "cannot build the deadline index in %s: %s", dir, strerror(-rc));
		goto fail;
	}
	if ((rc = store_history_build(s)) < 0) {
		xasprintf(cause, "cannot build the history indexes in %s: %s", dir, strerror(-rc));
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
	if (s->db.env != NULL)
		mdb_env_close(s->db.env);
	store_fault_free(s->db.fault);
	free(s);
}

void
store_set_opts(struct store *s, const struct store_opts *opts)
{
	bool nosync = s->opts.commit_nosync; /* how the environment was opened stays */

	s->opts = *opts;
	s->opts.commit_nosync = nosync;
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
	    (rc = env_grow(s, &s->db)) < 0)
		return rc;
	t = xcalloc(1, sizeof *t);
	t->s = s;
	t->write = write;
	if ((rc = mdb_txn_begin(s->db.env, NULL, write ? 0 : MDB_RDONLY, &t->txn)) != 0) {
		free(t);
		return store_mdb_errno(rc);
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
	store_mdb_abort(&t->s->db, t->txn);
	txn_free(t);
}

int
store_txn_commit(struct store_txn *t)
{
	int rc;

	if (!t->write) {
		store_txn_abort(t);
		return 0;
	}
	rc = store_env_rc(&t->s->db, store_mdb_commit(&t->s->db, t->txn));
	txn_free(t);
	return rc;
}

int
store_meta_put(struct store_txn *t, const char *name, const void *val, size_t len)
{
	MDB_val k = { strlen(name), (void *)name }, v = { len, (void *)val };

	return store_env_rc(&t->s->db, store_mdb_put(&t->s->db, t->txn, t->s->meta, &k, &v, 0));
}

int
store_meta_get(struct store_txn *t, const char *name, void *buf, size_t size, size_t *len)
{
	MDB_val k = { strlen(name), (void *)name }, v;
	int rc = mdb_get(t->txn, t->s->meta, &k, &v);

	if (rc != 0)
		return store_mdb_errno(rc);
	if (len != NULL)
		*len = v.mv_size;
	if (v.mv_size > size)
		return -ENOBUFS;
	if (v.mv_size > 0)
		memcpy(buf, v.mv_data, v.mv_size);
	return 0;
}

/* A big-endian 64-bit value stored under k; def when there is none. */
int
store_value_get(MDB_txn *txn, MDB_dbi dbi, uint64_t id, const void **data, size_t *len)
{
	uint8_t kb[8];
	MDB_val k = { sizeof kb, kb }, v;
	int rc;

	be_put(kb, id, 8);
	if ((rc = mdb_get(txn, dbi, &k, &v)) != 0)
		return store_mdb_errno(rc);
	*data = v.mv_data;
	*len = v.mv_size;
	return 0;
}

int
store_u64_get(MDB_txn *txn, MDB_dbi dbi, MDB_val k, uint64_t def, uint64_t *out)
{
	MDB_val v;
	int rc = mdb_get(txn, dbi, &k, &v);

	*out = def;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return store_mdb_errno(rc);
	if (v.mv_size != 8)
		return -EBADMSG;
	*out = be_get(v.mv_data, 8);
	return 0;
}

/* A persistent counter in meta; def when it was never written. */
int
store_counter_get(MDB_txn *txn, MDB_dbi meta, const char *name, uint64_t def, uint64_t *out)
{
	return store_u64_get(txn, meta, (MDB_val){ strlen(name), (void *)name }, def, out);
}

int
store_counter_set(struct store_txn *t, const char *name, uint64_t val)
{
	uint8_t b[8];

	be_put(b, val, 8);
	return store_meta_put(t, name, b, sizeof b);
}

/* Returns the counter's value (1 at first) and stores value + 1. */
int
store_counter_next(struct store_txn *t, const char *name, uint64_t *out)
{
	uint64_t next;
	int rc = store_counter_get(t->txn, t->s->meta, name, 1, &next);

	if (rc < 0 || (rc = store_counter_set(t, name, next + 1)) < 0)
		return rc;
	*out = next;
	return 0;
}

int
store_next_id(struct store_txn *t, uint64_t *id)
{
	return store_counter_next(t, META_NEXT_ID, id);
}

/* Where a walk begins: forward, the first key >= from; backward, the last key < from. */
static int
walk_first(MDB_cursor *c, const struct store_walk *wk, MDB_val *k, MDB_val *v)
{
	size_t flen = wk->from != NULL ? wk->flen : wk->plen;
	int rc;

	if (flen == 0)
		return mdb_cursor_get(c, k, v, wk->reverse ? MDB_LAST : MDB_FIRST);
	*k = (MDB_val){ flen, (void *)(wk->from != NULL ? wk->from : wk->prefix) };
	rc = mdb_cursor_get(c, k, v, MDB_SET_RANGE);
	if (!wk->reverse)
		return rc;
	if (rc == MDB_NOTFOUND)
		return mdb_cursor_get(c, k, v, MDB_LAST);
	return rc == 0 ? mdb_cursor_get(c, k, v, MDB_PREV) : rc;
}

int
store_walk(const struct store_walk *wk)
{
	MDB_cursor *c;
	MDB_val k, v;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(wk->txn, wk->dbi, &c)) != 0)
		return store_mdb_errno(rc);
	for (rc = walk_first(c, wk, &k, &v); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, wk->reverse ? MDB_PREV : MDB_NEXT)) {
		if (wk->plen > 0 &&
		    (k.mv_size < wk->plen || memcmp(k.mv_data, wk->prefix, wk->plen) != 0))
			break;
		if ((r = wk->fn(&k, &v, wk->arg)) != 0)
			break;
	}
	mdb_cursor_close(c);
	if (r != 0)
		return r;
	return rc == MDB_NOTFOUND ? 0 : store_mdb_errno(rc);
}

static int
db_entries(MDB_txn *txn, MDB_dbi dbi, uint64_t *n)
{
	MDB_stat st;
	int rc = mdb_stat(txn, dbi, &st);

	*n = rc == 0 ? st.ms_entries : 0;
	return store_mdb_errno(rc);
}

int
store_stats(struct store *s, struct store_stats *st)
{
	MDB_envinfo info;
	MDB_stat ms;
	MDB_txn *txn;
	int rc;

	memset(st, 0, sizeof *st);
	st->map_grows = s->map_grows;
	if ((rc = mdb_env_info(s->db.env, &info)) != 0 || (rc = mdb_env_stat(s->db.env, &ms)) != 0)
		return store_mdb_errno(rc);
	st->map_size = info.me_mapsize;
	st->map_used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if ((rc = mdb_txn_begin(s->db.env, NULL, MDB_RDONLY, &txn)) != 0)
		return store_mdb_errno(rc);
	if ((rc = db_entries(txn, s->incidents, &st->incidents)) == 0 &&
	    (rc = db_entries(txn, s->open, &st->open_incidents)) == 0 &&
	    (rc = db_entries(txn, s->resolved, &st->resolved_incidents)) == 0 &&
	    (rc = store_counter_get(txn, s->meta, META_PRUNED, 0, &st->pruned)) == 0 &&
	    (rc = db_entries(txn, s->tally, &st->tally_hours)) == 0 &&
	    (rc = store_held_index_count(txn, s, &st->held_index)) == 0)
		rc = db_entries(txn, s->timeline, &st->timeline_entries);
	mdb_txn_abort(txn);
	return rc;
}

/*
 * Where the state map is: LMDB says only for a fixed map, so it is looked
 * up in /proc/self/maps by the data file's device and inode, each time
 * (the map moves when it grows, or when growing fails and the old size is
 * put back), never remembered.
 */
static int
map_find(struct store *s, void **addr, size_t *len)
{
	const char *dir;
	char *path = NULL, *line = NULL;
	size_t cap = 0;
	struct stat st;
	FILE *f;
	int r = -ENOENT;

	if (mdb_env_get_path(s->db.env, &dir) != 0)
		return -EIO;
	xasprintf(&path, "%s/data.mdb", dir);
	r = stat(path, &st) < 0 ? -errno : 0;
	free(path);
	if (r < 0)
		return r;
	r = -ENOENT;
	if ((f = fopen("/proc/self/maps", "re")) == NULL)
		return -errno;
	while (r == -ENOENT && getline(&line, &cap, f) > 0) {
		unsigned long lo, hi, ino;
		unsigned maj, min;

		if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &lo, &hi, &maj, &min, &ino) == 5 &&
		    ino == st.st_ino && makedev(maj, min) == st.st_dev && hi > lo) {
			*addr = (void *)lo;
			*len = hi - lo;
			r = 0;
		}
	}
	free(line);
	fclose(f);
	return r;
}

/*
 * The state map is a shared, read-only file mapping: every page a lookup
 * touched stays in this process's resident set, so a 500 MiB database
 * shows as 500 MiB of triaged's memory in ps and in monitoring, although
 * the pages are the kernel's page cache.  Dropping them from the mapping
 * leaves them cached (a read faults them back in without I/O) and leaves
 * every pointer into the map valid, so a transaction may be open.  A
 * database of at most keep bytes is left alone: all of it is hot.  One
 * call drops one window of at most chunk bytes, the next call the next:
 * unmapping pages is slow (tens of ms per 100 MiB in a VM), so a sweep is
 * spread over many calls instead of stalling the loop.
 */
int
store_trim_resident(struct store *s, uint64_t keep, uint64_t chunk, uint64_t *trimmed)
{
	MDB_envinfo info;
	MDB_stat ms;
	uint64_t used, n;
	void *addr = NULL;
	size_t len = 0;
	int rc;

	*trimmed = 0;
	if ((rc = mdb_env_info(s->db.env, &info)) != 0 || (rc = mdb_env_stat(s->db.env, &ms)) != 0)
		return store_mdb_errno(rc);
	used = ((uint64_t)info.me_last_pgno + 1) * ms.ms_psize;
	if (used <= keep)
		return 0;
	if ((rc = map_find(s, &addr, &len)) < 0)
		return rc;
	if (used > len)
		used = len;
	if (s->trim_at >= used)
		s->trim_at = 0; /* a sweep ends where the data ends, and starts again */
	n = used - s->trim_at < chunk ? used - s->trim_at : chunk;
	if (madvise((char *)addr + s->trim_at, (size_t)n, MADV_DONTNEED) < 0)
		return -errno;
	s->trim_at += n;
	*trimmed = n;
	return 1;
}

bool
store_map_full(const struct store *s)
{
	return s->db.full;
}

