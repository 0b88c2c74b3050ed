/*
 * store.h - durable state in LMDB.  Only store*.c include <lmdb.h>
 * (store_impl.h says what they share).
 *
 * Layout: STATE_DIR/db is an LMDB environment holding incidents, their
 * timelines and small named values (cursors, counters).  Its commits are
 * synchronous (LMDB's safe default) unless opts.commit_nosync: then a
 * commit is visible at once and durable after store_state_sync (the
 * daemon's sync thread, syncer.c).  The raw-event log is not here: it is
 * in zstd segments (eventlog.h), which reuse this file's record codec.
 *
 * One write transaction at a time (the pipeline's batch); read transactions
 * for the control socket.  All functions return 0 or -errno; those that can
 * fail for a reason a person must see also fill *cause.
 */
#ifndef TRIAGED_STORE_H
#define TRIAGED_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "incident.h"
#include "matcher.h"

struct store;
struct store_txn;

struct store_opts {
	uint64_t map_size;	     /* the state environment's first map; 0: 64 MiB */
	uint32_t tally_hours;	     /* hourly counts kept; 0: STORE_TALLY_HOURS */
	bool commit_nosync;	     /* commits do not fsync: the caller calls store_state_sync */
};

/* A raw event as received, for replay (a record of the raw-event log, eventlog.h). */
struct store_event {
	uint64_t seq;	   /* assigned by eventlog_append */
	int64_t recv_usec; /* UTC */
	const char *listener;
	const char *source; /* sender address as text */
	const char *raw;
	size_t raw_len;
	/*
	 * A trap's or journal entry's event whole (event_pack.h): its raw text
	 * alone cannot give its fields back for explain and replay.  NULL, 0
	 * for syslog, which is parsed again from raw.
	 */
	const char *packed;
	size_t packed_len;
};

struct store_stats {
	uint64_t map_size, map_used; /* bytes, db environment */
	uint64_t incidents, open_incidents, timeline_entries;
	uint64_t resolved_incidents; /* in the resolved index, the ones retention prunes */
	uint64_t pruned;	     /* resolved incidents pruned, ever (kept in the store) */
	uint64_t map_grows;
	uint64_t tally_hours;	   /* hours with counts kept for reports */
	uint64_t held_index;	   /* entries of the held index's source index (STORE_HELD_INDEX_*) */
};

/* Create dir if needed (mode 0750), clear stale readers, open the environment. */
int store_open(const char *dir, const struct store_opts *opts, struct store **ret, char **cause);
void store_close(struct store *s); /* NULL-safe; aborts nothing: no txn may be open */
/*
 * Drop the next window (at most chunk bytes) of the state map's pages from
 * the resident set when the database uses more than keep bytes (they stay
 * in the page cache): 1 and *trimmed set when it did, 0 when the database
 * is small, or -errno.  Successive calls sweep the whole map.
 */
int store_trim_resident(struct store *s, uint64_t keep, uint64_t chunk, uint64_t *trimmed);
/* Apply new limits on reload. */
void store_set_opts(struct store *s, const struct store_opts *opts);

/*
 * Begin a transaction.  A write transaction grows the map first when it is
 * more than 80% used, so a batch never meets MDB_MAP_FULL in practice; a
 * put that still does returns -ENOSPC, and after the caller aborts, the
 * next write begin grows the map.  Growing waits while any transaction of
 * this store is open.  There is one writer: -EBUSY while one is open.
 */
int store_txn_begin(struct store *s, bool write, struct store_txn **ret);
/* Commit (freeing t). */
int store_txn_commit(struct store_txn *t);
void store_txn_abort(struct store_txn *t); /* NULL-safe */

/* The next unused incident id (persistent counter, starts at 1). */
int store_next_id(struct store_txn *t, uint64_t *id);

/* The latest incarnation for key; -ENOENT when the key was never seen. */
int store_incident_by_key(struct store_txn *t, const char *key, struct incident *out);
int store_incident_get(struct store_txn *t, uint64_t id, struct incident *out);
/*
 * Insert or update by inc->id; maintains the key index, the open set with
 * its per-rule counts, and the resolved index (by resolved time, for
 * retention).  Stores written before those indexes get them at open.
 */
int store_incident_put(struct store_txn *t, const struct incident *inc);

/*
 * Delete an incident with everything kept for it: its timeline, its place
 * in the open set or the resolved index, and the key's entry when it names
 * this incarnation.  -ENOENT when there is no such incident.
 */
int store_incident_del(struct store_txn *t, uint64_t id);
/*
 * How many incidents are in each state (by_state[INCIDENT_PENDING] ...,
 * n entries, at most INCIDENT_NSTATES), kept with every put and delete:
 * no scan.
 */
int store_state_counts(struct store_txn *t, uint64_t *by_state, size_t n);
/* How many incidents of this rule are open, kept with every put and delete: no scan. */
int store_rule_open_count(struct store_txn *t, const char *rule, uint64_t *n);
/*
 * Retention: delete resolved incidents oldest-resolved first while the
 * oldest was resolved before `before` (INT64_MIN: no age limit) or more
 * than max_resolved are kept (0: no limit), at most max of them, so one
 * call never stalls the loop.  *pruned says how many went; they are added
 * to the persistent total in store_stats.
 */
int store_prune_resolved(struct store_txn *t, int64_t before, uint64_t max_resolved, size_t max,
    size_t *pruned);
/*
 * The deadline index: when the incident id must be looked at again (its
 * auto-resolve or threshold window ends), computed by the caller from its
 * rule.  STORE_NO_DEADLINE removes it.  due fills ids with at most max
 * incidents whose deadline is <= now, earliest first, so a sweep reads only
 * what is due.  An open store with incidents from before the index starts
 * with each open one due at 0.
 */
#define STORE_NO_DEADLINE INT64_MAX
int store_deadline_set(struct store_txn *t, uint64_t id, int64_t when);
int store_deadline_due(struct store_txn *t, int64_t now, uint64_t *ids, size_t max, size_t *n);
/* The earliest deadline filed, STORE_NO_DEADLINE when none: when to sweep next. */
int store_deadline_next(struct store_txn *t, int64_t *when);

/*
 * The ids of open incidents above after, in order, at most max: a pass over
 * every open incident a few at a time (after a reload), never in one go.
 */
int store_open_ids(struct store_txn *t, uint64_t after, uint64_t *ids, size_t max, size_t *n);

/*
 * The history indexes, kept with every put and delete (store_history.c).
 * Earlier incarnations of key: ids below before (0: every one), newest
 * first, at most max; *more when there are others past the last.
 */
int store_key_history(struct store_txn *t, const char *key, uint64_t before, uint64_t *ids,
    size_t max, size_t *n, bool *more);
/* Open incidents of host that opened within [from, to], oldest first, at most max. */
int store_host_open(struct store_txn *t, const char *host, int64_t from, int64_t to,
    uint64_t *ids, size_t max, size_t *n, bool *more);
/*
 * Incidents by when they opened, newest first, a page at a time: those
 * before the cursor (first_seen, id) that opened at since or later, at
 * most max; the cursor moves to the last one given.  Fewer than max: done.
 * Begin with { INT64_MAX, 0 } for everything up to now.
 */
struct store_opened_cursor {
	int64_t at;
	uint64_t id;
};
int store_opened_before(struct store_txn *t, int64_t since, struct store_opened_cursor *cur,
    uint64_t *ids, size_t max, size_t *n);

/* Visit incidents, newest first; cb returns non-zero to stop (returned as is). */
typedef int (*store_incident_cb)(const struct incident *inc, void *arg);
int store_incident_foreach(struct store_txn *t, store_incident_cb cb, void *arg);
/* Visit only incidents that are not resolved, oldest first. */
int store_open_foreach(struct store_txn *t, store_incident_cb cb, void *arg);

int store_timeline_add(struct store_txn *t, uint64_t id, const struct timeline_entry *e);
typedef int (*store_timeline_cb)(const struct timeline_entry *e, void *arg);
int store_timeline_foreach(struct store_txn *t, uint64_t id, store_timeline_cb cb, void *arg);

/*
 * Hourly counts for reports (store_tally.c): what came in and what went
 * out in each UTC hour, added in the caller's batch.  At most
 * opts.tally_hours hours are kept; a new hour beyond them drops the oldest.
 */
#define STORE_TALLY_HOUR  (3600 * 1000000LL)
#define STORE_TALLY_HOURS (24 * 400)
struct store_tally {
	uint64_t events;     /* events received */
	uint64_t dropped;    /* of which a rule or the default dropped */
	uint64_t opened;     /* incidents opened */
	uint64_t deliveries; /* deliveries an upstream took */
	uint64_t pages;	     /* of which triggers: someone was paged */
};
/* Add d to the hour at falls in. */
int store_tally_add(struct store_txn *t, int64_t at, const struct store_tally *d);
/* The hours that overlap [from, to], oldest first; hour is when each begins. */
typedef int (*store_tally_cb)(int64_t hour, const struct store_tally *n, void *arg);
int store_tally_foreach(struct store_txn *t, int64_t from, int64_t to, store_tally_cb cb,
    void *arg);

/*
 * Small named values (journal cursor, ...), written in the caller's batch.
 * Names starting with "store." are reserved.  get: -ENOBUFS (with *len set)
 * when size is too small.
 */
int store_meta_put(struct store_txn *t, const char *name, const void *val, size_t len);
int store_meta_get(struct store_txn *t, const char *name, void *buf, size_t size, size_t *len);

/*
 * The outbox: opaque records in enqueue order.  store_outbox_put with
 * *seq == 0 assigns the next sequence (persistent, increasing); with a
 * sequence it rewrites that record.  Written in the caller's batch, so a
 * delivery is queued in the same transaction as the change that causes it.
 */
int store_outbox_put(struct store_txn *t, uint64_t *seq, const void *data, size_t len);
/*
 * One record: *data points into the store, valid until t ends or writes
 * again (copy what is kept); -ENOENT when absent.
 */
int store_outbox_get(struct store_txn *t, uint64_t seq, const void **data, size_t *len);
int store_outbox_del(struct store_txn *t, uint64_t seq); /* -ENOENT when absent */
/* Oldest first; data is valid only during the call. */
typedef int (*store_outbox_cb)(uint64_t seq, const void *data, size_t len, void *arg);
int store_outbox_foreach(struct store_txn *t, store_outbox_cb cb, void *arg);

/*
 * Silences (triagectl silence add): plain text and times, compiled by
 * their user.  store_silence_put with id 0 assigns the next id
 * (persistent, increasing); with an id it rewrites that silence.
 */
#define STORE_SILENCE_TEXT_MAX 256 /* bytes of the creator's name and of the comment */
struct store_silence {
	uint64_t id;
	int64_t created, start, end; /* usec UTC; in force from start until end */
	char creator[STORE_SILENCE_TEXT_MAX + 1];
	char comment[STORE_SILENCE_TEXT_MAX + 1];
	uint32_t nmatchers;
	char matchers[MATCHER_MAX][MATCHER_TEXT_MAX]; /* "host~^db-", as matcher_format() */
};
int store_silence_put(struct store_txn *t, struct store_silence *s);
int store_silence_del(struct store_txn *t, uint64_t id); /* -ENOENT when absent */
typedef int (*store_silence_cb)(const struct store_silence *s, void *arg);
int store_silence_foreach(struct store_txn *t, store_silence_cb cb, void *arg); /* by id */

/*
 * The held index: which incidents a silence or maintenance window (its
 * holder id, chosen by the caller) keeps from being sent, so that when it
 * ends they are found without reading any other incident.  first fills
 * ids with at most max of those holder holds, lowest first.
 */
int store_held_add(struct store_txn *t, uint64_t holder, uint64_t incident);
int store_held_del(struct store_txn *t, uint64_t holder, uint64_t incident); /* 0 when absent */
/*
 * Holders from STORE_HELD_INDEX_LO up to HI are not holders but an index
 * kept beside them (inhibit.h's sources): its entries are counted as they
 * are added and deleted, in the same transaction (store_stats' held_index).
 */
#define STORE_HELD_INDEX_LO (1ULL << 60)
#define STORE_HELD_INDEX_HI (1ULL << 62)
int store_held_first(struct store_txn *t, uint64_t holder, uint64_t *ids, size_t max, size_t *n);
/*
 * The event that fired a held incident, opaque, so it is sent as it would
 * have been; get's *data is valid until t ends or writes.  del: 0 when absent.
 */
int store_held_event_put(struct store_txn *t, uint64_t incident, const void *data, size_t len);
int store_held_event_get(struct store_txn *t, uint64_t incident, const void **data, size_t *len);
int store_held_event_del(struct store_txn *t, uint64_t incident);

/*
 * Groups (group.h, store_group.c): a parent incident's group state, its
 * listed members in the order they joined (first fills ids with at most
 * max), and each member's parent with whether the member is still open.
 * forget takes out what an incident pruned leaves (store_incident_del
 * does it).  get and parent: -ENOENT when there is none.
 */
int store_group_get(struct store_txn *t, uint64_t parent, struct group_state *g);
int store_group_put(struct store_txn *t, uint64_t parent, const struct group_state *g);
int store_group_member_add(struct store_txn *t, uint64_t parent, uint64_t member);
int store_group_members(struct store_txn *t, uint64_t parent, uint64_t *ids, size_t max,
    size_t *n);
int store_group_link(struct store_txn *t, uint64_t member, uint64_t parent, bool open);
int store_group_parent(struct store_txn *t, uint64_t member, uint64_t *parent, bool *open);
int store_group_forget(struct store_txn *t, uint64_t id);

int store_stats(struct store *s, struct store_stats *st);
/*
 * Whether the last write met a full LMDB map (MDB_MAP_FULL): the next
 * write transaction begins in a grown map, so the batch can be redone.
 */
bool store_map_full(const struct store *s);
/*
 * Make every commit of the state environment so far durable (fdatasync).
 * Safe to call from another thread while the loop commits: it touches
 * nothing but the file descriptor (and the fault rules' sync counter).
 */
int store_state_sync(struct store *s);
/* Whether commits leave the fsync to store_state_sync (opened with opts.commit_nosync). */
bool store_commit_nosync(const struct store *s);

#endif
