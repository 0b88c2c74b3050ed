/*
 * outbox_int.h - the outbox's state, shared by its two halves: outbox.c
 * (loading, scheduling, sending, verdicts) and outbox_commit.c (what a
 * batch changes: pushes, shedding, queue retry and drop, taken by memory
 * when the batch commits).  Private to them.
 */
#ifndef TRIAGED_OUTBOX_INT_H
#define TRIAGED_OUTBOX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "backoff.h"
#include "curl_glue.h"
#include "log.h"
#include "loop_stats.h"
#include "outbox.h"
#include "outbox_item.h"

#define KEYQ_BUCKETS 4096 /* as in outbox_item.c */

struct upstream_state {
	struct upstream_state *next;
	char *name; /* its items point to it: freed only with the outbox */
	const struct conf_upstream *cu; /* NULL when the config no longer has it */
	const char *url; /* where its deliveries go: cu's url for this queue (conf.h queues) */
	/*
	 * A contact's page queue, "CHANNEL/NAME" (outbox_page.c): the channel
	 * (enum escalation_channel), -1 for an upstream; whether the config
	 * has its notifier now.
	 */
	int page;
	bool page_ok;
	struct rate_window rate;
	int64_t paused_until; /* 429: nothing is sent before this */
	int64_t held_until;   /* 401/403/404: held, probed again at this time */
	unsigned in_flight;
	bool failing; /* the last answer was a failure: a success ends the backoff */
	int64_t recovered_at; /* when a success last ended it */
	struct keyq_heap heap; /* its key queues whose head may be sent (and their depth) */
	uint64_t delivered, failures;
	struct loop_stats delivery; /* from queued to accepted, log2 buckets (loop_stats.h) */
	struct errtext *last_error; /* its last failure's, shared with what failed so */
	/*
	 * Health (outbox_health.c): its oldest delivery in a key queue, found
	 * again lazily from the list by seq when that one leaves; when it went
	 * down (failing or held; 0: up); its last success; when "failing" was
	 * last logged, and whether for this outage (else neither is its end).
	 */
	struct item *oldest;
	size_t standing; /* its standing deliveries (Alertmanager's re-sends): not a backlog */
	int64_t down_since, last_success, announced_at;
	bool announced;
};

struct outbox {
	struct daemon *d;
	struct curl_glue *http;
	sd_event_source *kick, *timer;
	struct item *head, *tail;     /* every committed delivery, by seq */
	struct item *staged, **staged_tail; /* pushed in the open batch */
	struct item *staged_changes;	    /* the acks and resolves of those, by qnext */
	struct item *done;		    /* delivered or rejected, not yet committed so */
	struct item *pend;		    /* changes the open batch makes, by pnext */
	struct item *written;		    /* records persist() wrote, until committed, by wnext */
	uint64_t shed_new;		    /* new triggers the open batch turned away */
	struct keyq *buckets[KEYQ_BUCKETS];
	struct shed_index shed;	      /* pending triggers, for outbox-max */
	struct upstream_state *ups;
	size_t npending;
	struct outbox_stats stats;
	uint64_t rnd;
	struct log_ratelimit rl;
	struct exec_runner *exec; /* notifier exec's programs */
	struct loop_stats pages;  /* every page queue's, queued to accepted (metrics' page latency) */
};

/* outbox.c */
/* Made when missing, and kept until outbox_free: items point to its name. */
struct upstream_state *outbox_upstream_get(struct outbox *o, const char *name);
struct upstream_state *outbox_upstream_find(struct outbox *o, const char *name); /* NULL: none */
void outbox_schedule(struct outbox *o); /* run the scheduler soon */
/* Into the list of all deliveries and, unless dead, its key queue and the shed index. */
void outbox_append(struct outbox *o, struct item *it);
void outbox_forget(struct outbox *o, struct item *it); /* out of memory, freed */
struct item *outbox_item_by_seq(struct outbox *o, uint64_t seq);

/* The verdict of an attempt (curl_glue's or exec_child's callback). */
void outbox_done_cb(const struct http_response *resp, void *arg);
/* A delivery that can never go as stored, dead-lettered for why: returns 1. */
int outbox_reject_unreadable(struct outbox *o, struct item *it, const char *why);

/* outbox_page.c: the page queues. */
int outbox_page_channel(const char *name); /* from "CHANNEL/NAME"; -1: not a page queue */
bool outbox_page_configured(const struct conf *conf, int ch);
void outbox_page_backoff(const struct conf *conf, int ch, int64_t *initial, int64_t *max);
enum outbox_verdict outbox_page_classify(int ch, const struct http_response *resp, char *why,
    size_t size);
/* Start sending it: 0, 1 when it was dead-lettered instead, -errno (-EBUSY: not now). */
int outbox_page_send(struct outbox *o, const struct upstream_state *u, struct item *it);

/* outbox_health.c: what the status, the log and STATUS= say of each upstream. */
void outbox_health_verdict(struct outbox *o, struct upstream_state *u, enum outbox_verdict v,
    const char *why, int64_t now);
void outbox_health_item_in(struct upstream_state *u, struct item *it); /* into a key queue */
void outbox_health_item_out(struct outbox *o, struct item *it);	     /* before it leaves one */
/* It is delivered and stands (outbox.c stand()): no longer queued, nor the oldest. */
void outbox_health_item_stands(struct outbox *o, struct item *it);
/* A send-test delivery's answer, at info: its first failure and its end. */
void outbox_health_log_test(const struct item *it, enum outbox_verdict v, const char *why);

/* outbox_stale.c: no page for what fixed itself before it was delivered. */
/*
 * A resolve for inc to upstream is being pushed in t: when its trigger is
 * queued and was never delivered, mark both (and what lies between) to
 * leave at commit.  1 when suppressed so; 0 when the resolve must go.
 */
int outbox_stale_on_resolve(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc);
/* The head of a key queue comes up for sending: 1 when it was suppressed instead. */
int outbox_stale_on_send(struct outbox *o, struct item *head);
/* For queue drop: -EPERM when it is a resolve whose trigger was delivered. */
int outbox_stale_drop_check(struct outbox *o, const struct item *it);

/* outbox_commit.c: the outbox's batch participant hooks. */
/* Delete a committed one from the store in t; it leaves memory (why) when t commits. */
int outbox_leave_mark(struct outbox *o, struct store_txn *t, struct item *it, enum item_pend why);
/* Delete one pushed in t from the store; freed, not appended, when t commits. */
int outbox_unstage_mark(struct outbox *o, struct store_txn *t, struct item *it, enum item_pend why);
int outbox_commit_prepare(struct store_txn *t, void *arg);
void outbox_commit_committed(void *arg);
void outbox_commit_rolled_back(void *arg);

#endif
