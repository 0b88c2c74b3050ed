/*
 * outbox_item.h - one delivery in memory, its record in the store, the
 * per-(upstream, key) FIFOs that keep deliveries for one incident in order,
 * and the per-upstream heap of those FIFOs by when their head may go, so
 * the scheduler looks only at what is due.  Private to outbox.c (and its
 * tests).
 */
#ifndef TRIAGED_OUTBOX_ITEM_H
#define TRIAGED_OUTBOX_ITEM_H

#include <stdbool.h>
#include <stdint.h>

#include "outbox.h"

struct outbox;
struct keyq;

struct item {
	struct outbox *o;
	struct item *prev, *next; /* all deliveries by seq (next: the staged list too) */
	struct item *qnext;	  /* its key queue */
	struct keyq *q;		  /* NULL when in no queue (dead, staged) */
	uint64_t seq;		  /* 0 until stored */
	char *upstream, *key, *payload, *last_error;
	uint64_t incident_id;
	enum outbox_action action;
	int severity;
	uint32_t attempts;
	int64_t created, next_try, last_try;
	bool dead, in_flight;
	/*
	 * Accepted upstream; it stays at the head of its queue until the batch
	 * that deletes it commits, so the next delivery for the key (say, the
	 * resolve after this trigger) never leaves while a crash could still
	 * make this one go again.
	 */
	bool delivered;
	/*
	 * Rejected for good (or unreadable): like a delivered one it stays at
	 * the head of its queue until the batch that marks it dead commits.
	 */
	bool rejected;
	bool verdict_written;	/* its deletion or dead record is in the open batch (prepare) */
	struct item *done_next; /* the outbox's list of delivered or rejected items */
	struct item *sprev, *snext; /* its shed list, while a pending trigger */
	bool shed_listed;
	/*
	 * A change written in the open batch that memory takes only when it
	 * commits (a rollback forgets it): so a failed commit leaves the
	 * queues as the store has them.  While shed or dropped it is not sent,
	 * not counted pending and not shed again.
	 */
	enum item_pend { PEND_NONE = 0, PEND_SHED, PEND_DROP, PEND_RETRY } pend;
	struct item *pnext; /* the outbox's list of pending changes */
};

/* Leaving memory at the next commit: shed or dropped. */
static inline bool
item_leaving(const struct item *it)
{
	return it->pend == PEND_SHED || it->pend == PEND_DROP;
}

/* Its head may not be sent now: in flight, or waiting for a commit that settles it. */
static inline bool
item_busy(const struct item *it)
{
	return it->in_flight || it->delivered || it->rejected || item_leaving(it);
}

/*
 * The key queues of one upstream whose head could be sent (not in flight,
 * not delivered), a binary min-heap by (head's next_try, head's seq): the
 * earliest retry first, and among equals the oldest, so keys take turns in
 * enqueue order.
 */
struct keyq_heap {
	struct keyq **v;
	size_t n, cap;
};

#define KEYQ_IDLE SIZE_MAX /* keyq.hidx when not in its heap */

struct keyq {
	struct keyq *hnext;		  /* hash chain */
	struct keyq *all_prev, *all_next; /* every queue with items */
	char *id;			  /* upstream "\n" key */
	struct item *head, *tail;
	struct keyq_heap *heap;		  /* its upstream's; not owned */
	size_t hidx;			  /* its place in heap, or KEYQ_IDLE */
};

/*
 * Pending triggers by severity, each list in seq order, so shedding finds
 * the least severe and, among equals, the newest without a walk of the
 * outbox (only the few in flight or delivered are stepped over).
 */
#define SHED_LEVELS 8 /* syslog severities 0..7 */
struct shed_index {
	struct item *head[SHED_LEVELS], *tail[SHED_LEVELS];
};

void shed_add(struct shed_index *x, struct item *it);
void shed_del(struct shed_index *x, struct item *it); /* no-op when not listed */
/* The trigger to shed, neither busy nor with a change pending, or NULL. */
struct item *shed_victim(const struct shed_index *x);

struct item *item_new(struct outbox *o, const char *upstream, const struct incident *inc,
    enum outbox_action action, const char *payload, int64_t now);
void item_free(struct item *it);
/*
 * The stored form (JSON text, new string), and back; NULL when the record
 * is bad.  item_encode_as stores dead and next_try as given (a change the
 * open batch makes, which memory takes at commit).
 */
char *item_encode(const struct item *it);
char *item_encode_as(const struct item *it, bool dead, int64_t next_try);
struct item *item_decode(struct outbox *o, uint64_t seq, const void *data, size_t len);

/*
 * Append to, or remove from, the item's (upstream, key) queue; empty queues
 * are freed.  A new queue joins heap (the item's upstream's).
 */
void keyq_append(struct keyq **buckets, struct keyq **all, struct keyq_heap *heap,
    struct item *it);
void keyq_remove(struct keyq **buckets, struct keyq **all, struct item *it);
void keyq_free_all(struct keyq **buckets, struct keyq **all);

/* The item's head state or next_try changed: move its queue in (or out of) its heap. */
void keyq_resched(struct item *it);
/* The queue whose head may go first, or NULL. */
struct keyq *keyq_heap_top(const struct keyq_heap *h);
/*
 * The upstream answers again: every head waiting on backoff for it is due
 * at now, taking turns by seq.  O(n) once per recovery, not per kick.
 */
void keyq_heap_due_now(struct keyq_heap *h, int64_t now);
void keyq_heap_free(struct keyq_heap *h); /* the array; the heap must be empty */

#endif
