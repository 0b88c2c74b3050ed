/*
 * oncall.h - the daemon's side of on-call schedules: who is on call and
 * the rota (triagectl oncall), and the overrides people add, keep in the
 * state database and remove (triagectl override).  The schedules are the
 * running config's; the arithmetic is schedule.c's.
 */
#ifndef TRIAGED_ONCALL_H
#define TRIAGED_ONCALL_H

#include <jansson.h>
#include <stdint.h>

struct control_peer;
struct control_request;
struct conf_schedule;
struct daemon;
struct store_txn;

#define ONCALL_OVERRIDE_DEFAULT_MAX 1000   /* override-max */
#define ONCALL_OVERRIDE_MAX_MAX	    100000 /* the most override-max may say */
#define ONCALL_OVERRIDE_LENGTH_MAX  (366 * 86400 * 1000000LL) /* of one override */

struct oncall_stats {
	uint64_t added;	  /* overrides added */
	uint64_t removed; /* removed by a person */
	uint64_t refused; /* adds refused: unknown names, bad times, override-max */
	uint64_t pruned;  /* ended ones removed to make room */
	/* Escalations (pipeline_escalate.c): */
	uint64_t started;   /* begun */
	uint64_t pages;	    /* pages queued */
	uint64_t told;	    /* "resolved" notices queued */
	uint64_t unsent;    /* pages and notices with no notifier to send them */
	uint64_t forgotten; /* contacts paged beyond ESCALATION_PAGED_MAX */
	uint64_t esc_refused; /* not begun: escalation-max under way */
	uint64_t fell_through; /* pages sent early by the next channel: the last one was dead */
	uint64_t fall_through_lost; /* ... not, DEAD_PAGES_MAX waiting for a commit */
};

/*
 * The control verbs.  oncall: every schedule, or rq->schedule, at rq->at
 * (usec; 0: now): who is on call and until when, and with rq->next the
 * rota for that long.  override-add: rq->contact on call in rq->schedule
 * from rq->start to rq->end (seconds); the overrides that have ended are
 * removed first, and override-max bounds the rest.
 */
json_t *oncall_show(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer);
json_t *oncall_override_add(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer);
json_t *oncall_override_list(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer);
json_t *oncall_override_remove(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer);
/*
 * Who is on call in s at `at`, the overrides stored in t included: a
 * contact's index, -1 nobody (escalation_oncall_fn's shape).
 */
int oncall_who(struct daemon *d, struct store_txn *t, const struct conf_schedule *s, int64_t at);
/*
 * page: rq->target (a policy or a contact) paged by hand with rq->text,
 * through a new incident whose key the reply gives.
 */
json_t *oncall_page(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer);
/* For status: overrides kept (against override-max) and what happened to them. */
json_t *oncall_status_json(struct daemon *d);

#endif
