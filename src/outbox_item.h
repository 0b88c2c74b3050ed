/*
 * outbox_item.h - one delivery in memory, its record in the store, and the
 * per-(upstream, key) FIFOs that keep deliveries for one incident in order.
 * Private to outbox.c (and its tests).
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
	bool del_written;	/* its deletion is in the open batch (batch prepare) */
	struct item *done_next; /* the outbox's list of delivered items */
};

struct keyq {
	struct keyq *hnext;		  /* hash chain */
	struct keyq *all_prev, *all_next; /* every queue with items */
	char *id;			  /* upstream "\n" key */
	struct item *head, *tail;
};

struct item *item_new(struct outbox *o, const char *upstream, const struct incident *inc,
    enum outbox_action action, const char *payload, int64_t now);
void item_free(struct item *it);
/* The stored form (JSON text, new string), and back; NULL when the record is bad. */
char *item_encode(const struct item *it);
struct item *item_decode(struct outbox *o, uint64_t seq, const void *data, size_t len);

/* Append to, or remove from, the item's (upstream, key) queue; empty queues are freed. */
void keyq_append(struct keyq **buckets, struct keyq **all, struct item *it);
void keyq_remove(struct keyq **buckets, struct keyq **all, struct item *it);
void keyq_free_all(struct keyq **buckets, struct keyq **all);

#endif
