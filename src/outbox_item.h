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
struct store_txn;
struct keyq;

/*
 * Shed to stay within outbox-max; dropped by a person, or an update
 * replaced by a newer one; retried by a person; suppressed: a trigger
 * never delivered whose own resolve came (with what lies between), so
 * nobody is paged for what fixed itself.
 */
enum item_pend { PEND_NONE = 0, PEND_SHED, PEND_DROP, PEND_RETRY, PEND_SUPPRESS };

/*
 * A failure's text, counted: the deliveries that failed the same way in a
 * row (an upstream down) and their upstream share one copy.
 */
struct errtext {
	uint32_t refs;
	char s[];
};

struct errtext *errtext_new(const char *s);	   /* one reference */
struct errtext *errtext_ref(struct errtext *e);	   /* NULL-safe; returns e */
void errtext_unref(struct errtext *e);		   /* NULL-safe */
static inline const char *
errtext_str(const struct errtext *e)
{
	return e ? e->s : NULL;
}

/*
 * Kept small: the outbox holds one per queued delivery, and a backlog may
 * be 100,000 deep.  The payload is in the store, read back when sent.
 */
struct item {
	struct outbox *o;
	struct item *prev, *next; /* all deliveries by seq (next: the staged list too) */
	struct item *qnext;	  /* its key queue */
	struct keyq *q;		  /* NULL when in no queue (dead, staged) */
	struct item *done_next;	  /* the outbox's list of delivered or rejected items */
	struct item *sprev, *snext; /* its shed list, while a pending trigger */
	struct item *pnext;	    /* the outbox's list of pending changes */
	uint64_t seq;		    /* 0 until stored */
	uint64_t gen;		    /* the commit that queued it (batch_gen); sent once durable */
	uint64_t incident_id;
	int64_t created, next_try, last_try;
	/* Not owned: the outbox's upstream state's name, which outlives its items. */
	const char *upstream;
	/* Borrowed from its key queue's id while in one (q), else its own copy. */
	char *key;
	/*
	 * Only from when it is sent until its verdict is stored (a retry's
	 * record is written again, a dead one's in the batch that buries it);
	 * NULL otherwise, and for good when the store could not give it back.
	 */
	char *payload;
	struct errtext *last_error; /* NULL until it fails */
	uint32_t attempts;
	uint8_t action;	 /* enum outbox_action */
	int8_t severity; /* syslog 0..7 */
	/*
	 * A change written in the open batch that memory takes only when it
	 * commits (a rollback forgets it): so a failed commit leaves the
	 * queues as the store has them.  While shed or dropped it is not sent,
	 * not counted pending and not shed again.  enum item_pend.
	 */
	uint8_t pend;
	bool dead : 1, in_flight : 1;
	/*
	 * Accepted upstream; it stays at the head of its queue until the batch
	 * that deletes it commits, so the next delivery for the key (say, the
	 * resolve after this trigger) never leaves while a crash could still
	 * make this one go again.
	 */
	bool delivered : 1;
	/*
	 * Rejected for good (or unreadable): like a delivered one it stays at
	 * the head of its queue until the batch that marks it dead commits.
	 */
	bool rejected : 1;
	bool verdict_written : 1; /* its deletion or dead record is in the open batch (prepare) */
	bool shed_listed : 1;
	/*
	 * An attempt may have reached the upstream (a timeout, a 5xx): it is
	 * not known to be undelivered, so its resolve must follow it there.
	 * Stored with its record.
	 */
	bool maybe_sent : 1;
	/* triagectl send-test: never shed nor suppressed, its results logged. Stored. */
	bool test : 1;
	/*
	 * Alertmanager: delivered, and sent again at next_try until something
	 * newer for its key is queued behind it (outbox.c stand()).  Never
	 * shed.  Stored.
	 */
	bool standing : 1;
	/*
	 * persist() wrote its record: in the open batch (record_in_batch), or
	 * in one that was lost and must be written again by the next; on the
	 * outbox's written list (wnext) until a batch with it commits.
	 */
	bool record_dirty : 1, record_in_batch : 1;
	struct item *wnext;
};

/* Leaving memory at the next commit: shed, dropped or suppressed. */
static inline bool
item_leaving(const struct item *it)
{
	return it->pend == PEND_SHED || it->pend == PEND_DROP || it->pend == PEND_SUPPRESS;
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
	size_t items; /* in its upstream's key queues, sendable or not: its depth */
};

#define KEYQ_IDLE SIZE_MAX /* keyq.hidx when not in its heap */

/* One per key with deliveries queued: kept small, like an item. */
struct keyq {
	struct keyq *hnext; /* hash chain */
	struct item *head, *tail;
	struct keyq_heap *heap; /* its upstream's; not owned */
	size_t hidx;		/* its place in heap, or KEYQ_IDLE */
	char id[];		/* upstream "\n" key: its items' keys point into it */
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

/* upstream is not copied: it must outlive the item.  payload may be NULL. */
struct item *item_new(struct outbox *o, const char *upstream, const struct incident *inc,
    enum outbox_action action, const char *payload, int64_t now);
void item_free(struct item *it);
/*
 * The stored form (JSON text, new string) with its payload; NULL when it
 * has none in memory.  item_encode_as stores this payload, dead and
 * next_try as given (a change the open batch makes, which memory takes at
 * commit).
 */
char *item_encode(const struct item *it);
char *item_encode_as(const struct item *it, const char *payload, bool dead, int64_t next_try);
/*
 * Back from the stored form, without its payload; NULL when the record is
 * bad.  Its upstream is left NULL and its name put in *upstream (a new
 * string), for the caller to point it at a lasting copy.
 */
struct item *item_decode(struct outbox *o, uint64_t seq, const void *data, size_t len,
    char **upstream);
/*
 * Read its payload back from its record in t into it->payload (a no-op
 * when there): -ENOENT when the record is gone, -EBADMSG when it is bad,
 * another -errno when the store failed.
 */
int item_payload_load(struct item *it, struct store_txn *t);
void item_payload_drop(struct item *it); /* not needed until it is sent again */

/*
 * Append to, or remove from, the item's (upstream, key) queue; empty queues
 * are freed.  A new queue joins heap (the item's upstream's).
 */
void keyq_append(struct keyq **buckets, struct keyq_heap *heap, struct item *it);
void keyq_remove(struct keyq **buckets, struct item *it);
/*
 * Every queue; items still in one keep pointers into it (q, key), so they
 * may then only be freed.
 */
void keyq_free_all(struct keyq **buckets);
/* The queue of (upstream, key), or NULL. */
struct keyq *keyq_find(struct keyq **buckets, const char *upstream, const char *key);

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
