/*
 * outbox.h - durable, ordered delivery of incident changes upstream.
 *
 * A delivery is written to LMDB in the same transaction as the incident
 * change that causes it, and only becomes sendable once that transaction
 * commits.  Deliveries for one (upstream, incident key) go strictly in
 * order, one at a time: an acknowledge or resolve never overtakes its
 * trigger.  Different keys do not wait on each other.  A delivery leaves
 * the outbox when the upstream accepts it (at-least-once: a crash between
 * acceptance and the commit that removes it sends it again), or is
 * dead-lettered when the upstream rejects it for good.
 */
#ifndef TRIAGED_OUTBOX_H
#define TRIAGED_OUTBOX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct daemon;
struct conf;

/*
 * The pages of escalation policies go through the outbox too, each
 * contact's queue for each channel an upstream of its own ("email/NAME",
 * "sms/NAME", "chat/NAME", "exec/NAME"), so one dead mailbox holds up
 * nobody else's pages.
 */
struct incident;
struct store_txn;
struct outbox;

enum outbox_action {
	OUTBOX_TRIGGER = 0,
	OUTBOX_ACKNOWLEDGE,
	OUTBOX_RESOLVE,
	/*
	 * The trigger again, with news (a flapping incident's cycle count),
	 * for an incident already sent: PagerDuty adds it to the open alert
	 * and pages nobody.  It never counts as the incident's trigger (a
	 * resolve behind it still goes), is never shed and sheds nothing
	 * (turned away when the outbox is full), and replaces an update of
	 * the same incident still waiting: one at most per incident waits.
	 */
	OUTBOX_UPDATE,
};

enum outbox_verdict {
	OUTBOX_DELIVERED = 0, /* accepted: remove it */
	OUTBOX_DEAD,	      /* rejected for good (400): dead-letter it, go on */
	OUTBOX_RETRY,	      /* 5xx, timeout, refused: back off and try again */
	OUTBOX_THROTTLED,     /* 429: pause the whole upstream, honouring Retry-After */
	OUTBOX_HOLD,	      /* 401/403/404: hold the upstream, raise an alarm */
};

struct outbox_stats {
	uint64_t queued, delivered, dead, retries, shed, held_alarms;
	uint64_t suppressed; /* triggers not sent: resolved before delivery */
	uint64_t exec_waits; /* pages to a program held back: max-running were running */
	uint64_t pending, in_flight; /* now */
};

/* An upstream's health, as status shows it. */
enum outbox_up_state {
	OUTBOX_UP_OK = 0,  /* answering (or not asked yet) */
	OUTBOX_UP_FAILING, /* its last answers were failures: refused, timeouts, 5xx */
	OUTBOX_UP_HELD,	   /* 401/403/404: held until the config changes or backoff-max */
	OUTBOX_UP_PAUSED,  /* 429: paused for Retry-After */
};

struct loop_stats;

struct outbox_health {
	const char *name;
	enum outbox_up_state state;
	bool configured;
	size_t queued;	      /* deliveries waiting for it, dead letters and standing aside */
	size_t standing;      /* delivered Alertmanager alerts it re-sends (outbox.c stand()) */
	int64_t oldest;	      /* when its oldest queued one was made; 0: none */
	int64_t down_since;   /* failing or held since (realtime usec); 0 when up */
	int64_t last_success; /* 0: none since the start */
	const char *last_error; /* its last answer's, or NULL */
	uint64_t delivered, failures;
	unsigned in_flight;
	const struct loop_stats *delivery; /* queued to accepted, since the start */
};

int outbox_new(struct daemon *d, struct outbox **ret);
void outbox_free(struct outbox *o); /* NULL-safe; cancels requests in flight */

/*
 * A trigger shed to make room (upstream NULL: none): it never goes, so the
 * caller must not queue its acknowledge or resolve later.  upstream is
 * valid until the batch ends.
 */
struct outbox_shed {
	uint64_t incident_id;
	const char *upstream;
};

/*
 * Queue a delivery of action for inc to upstream in transaction t (the
 * pipeline's open batch).  payload is the upstream's body without secrets.
 * When the outbox holds outbox-max pending, the least severe pending
 * trigger is shed (with its queued acknowledge and resolve), said in
 * *shed.  Returns 0 when queued; 1 when not: a trigger shed itself, or an
 * acknowledge or resolve whose own trigger was shed; 2 when a resolve
 * found its own trigger queued and never delivered: neither is sent, nor
 * the acknowledges between (unless the upstream says
 * send-resolved-undelivered yes); -errno when the store refused it.  An
 * update is 1 when the outbox is full and none waits for it to replace.
 * Sheds, suppressions and queues take effect in memory when t commits.
 */
int outbox_push(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc, enum outbox_action action, const char *payload,
    struct outbox_shed *shed);
/* Its timeline's words for that, with the upstream's name. */
#define OUTBOX_UNSENT_NOTE "resolved before delivery to %s: not sent"
/*
 * triagectl send-test: like outbox_push, for an incident that is not in
 * the store (id 0); never shed, never suppressed, its results logged.
 */
int outbox_push_test(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc, enum outbox_action action, const char *payload);
/* The configuration changed: upstreams may have come, gone or changed. */
void outbox_reconfigure(struct outbox *o);

/*
 * For triagectl queue: the oldest deliveries, at most limit of them; *more
 * says whether there were more (the listing is a person's view, bounded so
 * that asking during a large backlog costs the daemon little).
 */
json_t *outbox_list_json(struct outbox *o, size_t limit, bool *more);
json_t *outbox_upstreams_json(struct outbox *o);
/*
 * Retry a dead or waiting delivery now (seq 0: all), committed at once; a
 * dead one goes back into its key queue in sequence order, before its own
 * resolve.  How many; -ENOENT when none matched; -errno when the commit
 * failed (then nothing changed).
 */
int outbox_retry(struct outbox *o, uint64_t seq);
/*
 * Remove a delivery that is not in flight, committed at once; -ENOENT,
 * -EBUSY, -errno.  -EPERM, unless force, for a resolve whose trigger was
 * delivered (it is no longer queued): the incident would stay open there.
 */
int outbox_drop(struct outbox *o, uint64_t seq, bool force);
void outbox_get_stats(const struct outbox *o, struct outbox_stats *st);
/* How long pages (every contact's queue, every channel) took from queued to accepted. */
const struct loop_stats *outbox_page_latency(const struct outbox *o);

/* Each upstream's health, configured or still holding deliveries: O(upstreams). */
typedef void outbox_health_fn(const struct outbox_health *h, void *arg);
void outbox_health_foreach(struct outbox *o, outbox_health_fn *fn, void *arg);
const char *outbox_up_state_name(enum outbox_up_state s);

const char *outbox_action_name(enum outbox_action a);

/* Since when upstream has failed without a success (realtime usec); 0 when it is up. */
int64_t outbox_down_since(struct outbox *o, const char *upstream);
/*
 * The incident ids of up to max triggers queued for upstream and not yet
 * delivered, oldest first: one pass over the outbox (bounded by outbox-max).
 */
size_t outbox_pending_triggers(struct outbox *o, const char *upstream, uint64_t *ids,
    size_t max);

#endif
