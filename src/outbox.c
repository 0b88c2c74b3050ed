/*
 * outbox.c - deliveries upstream, durable and ordered per incident key.
 *
 * Every delivery lives in the store (written in the batch that caused it)
 * and in memory: a list of all deliveries in enqueue order, and one FIFO
 * per (upstream, key) whose head is the only one that may be in flight.
 * A scheduler, run from a defer source whenever something changed and from
 * a timer for the next retry, sends what is due within each upstream's
 * limits: requests in flight, a sliding-window rate, a Retry-After pause
 * and an authentication hold.  Each upstream keeps its sendable key queues
 * in a heap by next try, so a run costs O(log n) per delivery sent plus one
 * look per upstream: a paused, held or rate-limited upstream is skipped
 * whole until its own wake time, however much waits for it.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "backoff.h"
#include "batch.h"
#include "conf.h"
#include "curl_glue.h"
#include "daemon.h"
#include "jsonutil.h"
#include "event.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "outbox_item.h"
#include "pipeline.h"
#include "store.h"
#include "text.h"
#include "upstream_pagerduty.h"
#include "util.h"

#define MAX_IN_FLIGHT	 8 /* per upstream */
#define RATE_WINDOW	 (60 * USEC_PER_SEC)
#define KEYQ_BUCKETS	 4096 /* as in outbox_item.c */

struct upstream_state {
	struct upstream_state *next;
	char *name;
	const struct conf_upstream *cu; /* NULL when the config no longer has it */
	struct rate_window rate;
	int64_t paused_until; /* 429: nothing is sent before this */
	int64_t held_until;   /* 401/403/404: held, probed again at this time */
	unsigned in_flight;
	bool failing; /* the last answer was a failure: a success ends the backoff */
	int64_t recovered_at; /* when a success last ended it */
	struct keyq_heap heap; /* its key queues whose head may be sent */
	uint64_t delivered, failures;
	char *last_error;
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
	uint64_t shed_new;		    /* new triggers the open batch turned away */
	struct keyq *buckets[KEYQ_BUCKETS];
	struct keyq *queues;	      /* every key queue with something to send */
	struct shed_index shed;	      /* pending triggers, for outbox-max */
	struct upstream_state *ups;
	size_t npending;
	struct outbox_stats stats;
	uint64_t rnd;
	struct log_ratelimit rl;
};

static uint64_t
rnd_next(struct outbox *o)
{
	/* xorshift64*: jitter needs spread, not secrecy. */
	o->rnd ^= o->rnd >> 12;
	o->rnd ^= o->rnd << 25;
	o->rnd ^= o->rnd >> 27;
	return o->rnd * 0x2545F4914F6CDD1DULL;
}

const char *
outbox_action_name(enum outbox_action a)
{
	static const char *const names[] = { "trigger", "acknowledge", "resolve" };
	return (unsigned)a < ARRAY_SIZE(names) ? names[a] : "unknown";
}

static struct upstream_state *
upstream_find(struct outbox *o, const char *name)
{
	for (struct upstream_state *u = o->ups; u != NULL; u = u->next)
		if (strcmp(u->name, name) == 0)
			return u;
	return NULL;
}

/* Every upstream an item names has a state, configured or not, to hold its queues. */
static struct upstream_state *
upstream_get(struct outbox *o, const char *name)
{
	struct upstream_state *u = upstream_find(o, name);

	if (u == NULL) {
		u = xcalloc(1, sizeof(*u));
		u->name = xstrdup(name);
		u->next = o->ups;
		o->ups = u;
	}
	return u;
}

static void
schedule(struct outbox *o)
{
	sd_event_source_set_enabled(o->kick, SD_EVENT_ONESHOT);
}

/* Write the item's current state in the pipeline's batch. */
static void
persist(struct outbox *o, struct item *it)
{
	struct store_txn *t = batch_txn(o->d->batch, BATCH_URGENT);
	char *s = item_encode(it);
	int r = s == NULL ? -EINVAL : t ? store_outbox_put(t, &it->seq, s, strlen(s)) : -EIO;

	if (r < 0)
		log_ratelimited(&o->rl, "outbox: saving delivery %llu failed: %s",
		    (unsigned long long)it->seq, strerror(-r));
	free(s);
}

static void
note_timeline(struct outbox *o, const struct item *it, const char *what, const char *why)
{
	char text[TIMELINE_TEXT_MAX];

	snprintf(text, sizeof(text), "%s %s to %s: %s", what, outbox_action_name(it->action),
	    it->upstream, why);
	text_fix_tail(text);
	pipeline_note(o->d->pipeline, it->incident_id, text);
}

/* Out of memory for good; a shed or dropped one is no longer counted pending already. */
static void
forget(struct outbox *o, struct item *it)
{
	bool counted = !it->dead && !item_leaving(it);

	shed_del(&o->shed, it);
	keyq_remove(o->buckets, &o->queues, it);
	if (it->prev)
		it->prev->next = it->next;
	else
		o->head = it->next;
	if (it->next)
		it->next->prev = it->prev;
	else
		o->tail = it->prev;
	if (counted)
		o->npending--;
	item_free(it);
}

/*
 * A change the open batch writes, taken by memory when it commits: a shed
 * or dropped item is at once out of the count, the shed index and the
 * schedule, so it is neither sent nor shed twice meanwhile.
 */
static void
pend_add(struct outbox *o, struct item *it, enum item_pend what)
{
	if (item_leaving(it))
		return; /* already going */
	if (it->pend == PEND_NONE) {
		it->pnext = o->pend;
		o->pend = it;
	}
	it->pend = what;
	if (!item_leaving(it))
		return;
	shed_del(&o->shed, it);
	if (!it->dead)
		o->npending--;
	keyq_resched(it);
}

/* The batch is lost: the item is as the store has it again. */
static void
pend_undo(struct outbox *o, struct item *it)
{
	bool leaving = item_leaving(it);

	it->pend = PEND_NONE;
	if (!leaving)
		return;
	if (!it->dead) {
		o->npending++;
		if (it->action == OUTBOX_TRIGGER)
			shed_add(&o->shed, it);
	}
	keyq_resched(it);
}

/* queue retry: due now, and its upstream's pause or hold is over. */
static void
retry_apply(struct outbox *o, struct item *it)
{
	struct upstream_state *u = upstream_get(o, it->upstream);

	if (it->dead) {
		it->dead = false;
		o->npending++;
		/* Back into its key queue in sequence order: before its own resolve. */
		keyq_append(o->buckets, &o->queues, &u->heap, it);
		if (it->action == OUTBOX_TRIGGER)
			shed_add(&o->shed, it);
	}
	it->next_try = 0;
	keyq_resched(it);
	u->held_until = u->paused_until = 0;
}

/* The batch committed: the change is memory's too. */
static void
pend_apply(struct outbox *o, struct item *it)
{
	switch (it->pend) {
	case PEND_SHED:
		o->stats.shed++;
		/* fall through */
	case PEND_DROP:
		forget(o, it);
		return;
	case PEND_REVIVE:
	case PEND_RETRY:
		it->pend = PEND_NONE;
		retry_apply(o, it);
		return;
	case PEND_NONE:
		return;
	}
}

/* Delete it from the store in the open batch; it leaves memory when that commits. */
static int
leave_mark(struct outbox *o, struct store_txn *t, struct item *it, enum item_pend why)
{
	int r = store_outbox_del(t, it->seq);

	if (r < 0 && r != -ENOENT)
		return r;
	pend_add(o, it, why);
	return 0;
}

/* why may quote the upstream's answer: text from the network, repaired like any other. */
static void
set_error(char **dst, const char *why)
{
	free(*dst);
	*dst = text_clean_dup(why, strlen(why));
}

/*
 * Delivered or rejected for good: the next batch deletes it or stores it
 * dead (prepare), and it keeps the head of its queue until that commits.
 */
static void
settle(struct outbox *o, struct item *it)
{
	it->done_next = o->done;
	o->done = it;
	keyq_resched(it);
	(void)batch_txn(o->d->batch, BATCH_URGENT);
}

static void
on_verdict(struct outbox *o, struct item *it, struct upstream_state *u,
    const struct http_response *resp, enum outbox_verdict v, const char *why)
{
	int64_t now = now_realtime_usec();
	const struct conf_upstream *cu = u->cu;
	int64_t initial = cu ? cu->backoff_initial : USEC_PER_SEC;
	int64_t max = cu ? cu->backoff_max : 300 * USEC_PER_SEC;

	set_error(&u->last_error, why);
	if (v == OUTBOX_DELIVERED) {
		u->delivered++;
		o->stats.delivered++;
		it->delivered = true;
		settle(o, it);
		/*
		 * It answers again: what waits on backoff for it need not.  At most
		 * once per backoff-initial, so a flaky upstream does not pay a pass
		 * over its queues for every success.
		 */
		if (u->failing && now - u->recovered_at >= initial) {
			keyq_heap_due_now(&u->heap, now);
			u->recovered_at = now;
		}
		u->failing = false;
		note_timeline(o, it, "delivered", why);
		return;
	}
	u->failures++;
	u->failing = true;
	it->attempts++;
	set_error(&it->last_error, why);
	if (v == OUTBOX_DEAD) {
		o->stats.dead++;
		it->rejected = true;
		settle(o, it);
		log_warnx("outbox: %s rejected %s of '%s' for good, dead-lettered: %s", it->upstream,
		    outbox_action_name(it->action), it->key, why);
		note_timeline(o, it, "dead-lettered", why);
		return;
	}
	if (v == OUTBOX_THROTTLED) {
		int64_t wait = backoff_retry_after(resp->retry_after, now);
		if (wait < 0)
			wait = backoff_delay(it->attempts, initial, max, rnd_next(o));
		u->paused_until = now + wait;
		it->next_try = u->paused_until;
	} else if (v == OUTBOX_HOLD) {
		if (u->held_until <= now) {
			o->stats.held_alarms++;
			log_error("ALARM outbox: %s refuses our credentials or address (%s); holding "
				  "every delivery to it, nothing is dropped; retrying in %llds",
			    it->upstream, why, (long long)(max / USEC_PER_SEC));
		}
		u->held_until = now + max;
		it->next_try = u->held_until;
	} else {
		o->stats.retries++;
		it->next_try = now + backoff_delay(it->attempts - 1, initial, max, rnd_next(o));
	}
	keyq_resched(it);
	persist(o, it);
}

static void
done_cb(const struct http_response *resp, void *arg)
{
	struct item *it = arg;
	struct outbox *o = it->o;
	struct upstream_state *u = upstream_find(o, it->upstream);
	char why[512];

	it->in_flight = false;
	o->stats.in_flight--;
	if (u != NULL)
		u->in_flight--;
	if (resp->error == -ECANCELED || u == NULL)
		return; /* only at outbox_free: nothing is scheduled again */
	enum outbox_verdict v = pagerduty_classify(resp, why, sizeof(why));
	on_verdict(o, it, u, resp, v, why);
	schedule(o);
}

/* 0 when u may send now, else the time it may. */
static int64_t
upstream_wait(const struct upstream_state *u, int64_t now)
{
	int64_t until = u->paused_until > u->held_until ? u->paused_until : u->held_until;
	int64_t rate = rate_wait(&u->rate, now);

	if (until > now)
		return until;
	return rate > 0 ? now + rate : 0;
}

static int
send_item(struct outbox *o, struct upstream_state *u, struct item *it, int64_t now)
{
	const struct conf_upstream *cu = u->cu;
	static const char *const headers[] = { "Accept: application/json", NULL };
	char *body = pagerduty_body(it->payload, cu->routing_key);
	struct http_request req = {
		.url = cu->url,
		.method = "POST",
		.content_type = "application/json",
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.headers = headers,
		.timeout_usec = cu->timeout,
		.connect_timeout_usec = cu->connect_timeout,
		.ca_file = cu->ca_file,
	};
	int r;

	if (body == NULL) {
		/* A payload we cannot read back will never do better. */
		set_error(&it->last_error, "stored payload is not valid JSON");
		o->stats.dead++;
		it->rejected = true;
		settle(o, it);
		return 0;
	}
	r = curl_glue_request(o->http, &req, done_cb, it);
	explicit_bzero(body, strlen(body)); /* it holds the routing key */
	free(body);
	if (r < 0)
		return r;
	it->in_flight = true;
	keyq_resched(it);
	it->last_try = now;
	u->in_flight++;
	o->stats.in_flight++;
	rate_note(&u->rate, now);
	return 0;
}

/*
 * Send the due heads of u's queues, earliest first, while its limits allow;
 * returns when to look again (INT64_MAX: when something changes).
 */
static int64_t
run_upstream(struct outbox *o, struct upstream_state *u, int64_t now)
{
	struct keyq *q;

	if (u->cu == NULL)
		return INT64_MAX; /* no such upstream now: kept until the config has it again */
	while (u->in_flight < MAX_IN_FLIGHT && (q = keyq_heap_top(&u->heap)) != NULL) {
		int64_t w = upstream_wait(u, now);
		if (w > 0)
			return w; /* paused, held or rate-limited: parked until then */
		if (q->head->next_try > now)
			return q->head->next_try;
		/* Sending takes q out of the heap (in flight, or dead and removed). */
		if (send_item(o, u, q->head, now) < 0)
			return now + USEC_PER_SEC;
	}
	return INT64_MAX; /* a completion schedules the next run */
}

/* Send every due queue head the limits allow; returns when to look again. */
static int64_t
run_queues(struct outbox *o, int64_t now)
{
	int64_t wake = INT64_MAX;

	for (struct upstream_state *u = o->ups; u != NULL; u = u->next) {
		int64_t w = run_upstream(o, u, now);
		wake = w < wake ? w : wake;
	}
	return wake;
}

static int
kick_cb(sd_event_source *s, void *userdata)
{
	struct outbox *o = userdata;
	int64_t wake = run_queues(o, now_realtime_usec());

	if (wake == INT64_MAX) {
		sd_event_source_set_enabled(o->timer, SD_EVENT_OFF);
		return 0;
	}
	sd_event_source_set_time(o->timer, (uint64_t)wake);
	sd_event_source_set_enabled(o->timer, SD_EVENT_ONESHOT);
	return 0;
}

static int
timer_cb(sd_event_source *s, uint64_t usec, void *userdata)
{
	return kick_cb(NULL, userdata);
}

static void
append(struct outbox *o, struct item *it)
{
	it->prev = o->tail;
	it->next = NULL;
	if (o->tail)
		o->tail->next = it;
	else
		o->head = it;
	o->tail = it;
	if (it->dead)
		return;
	keyq_append(o->buckets, &o->queues, &upstream_get(o, it->upstream)->heap, it);
	if (it->action == OUTBOX_TRIGGER)
		shed_add(&o->shed, it);
}

/*
 * Shed victim with what follows it for the same incident, queued or pushed
 * in this batch: the trigger never goes, so neither may its acknowledge or
 * resolve.  Taken from memory when the batch commits.
 */
static void
shed_trigger(struct outbox *o, struct store_txn *t, struct item *victim)
{
	struct item *it;

	for (it = victim->qnext; it != NULL; it = it->qnext)
		if (it->incident_id == victim->incident_id && !item_busy(it))
			(void)leave_mark(o, t, it, PEND_SHED);
	for (it = o->staged_changes; it != NULL; it = it->qnext) {
		if (it->incident_id != victim->incident_id || item_leaving(it) ||
		    strcmp(it->upstream, victim->upstream) != 0)
			continue;
		(void)store_outbox_del(t, it->seq);
		it->pend = PEND_SHED; /* freed, not appended, at commit */
		o->npending--;
	}
	(void)leave_mark(o, t, victim, PEND_SHED);
}

/* When full, shed the least severe pending trigger; true when it is the new one. */
static bool
make_room(struct outbox *o, struct store_txn *t, enum outbox_action action, int severity,
    struct outbox_shed *shed)
{
	struct item *victim;

	if (o->npending < o->d->conf->outbox_max)
		return false;
	victim = shed_victim(&o->shed); /* among equals the newest goes, as a new one would */
	if (action == OUTBOX_TRIGGER && (victim == NULL || severity >= victim->severity)) {
		o->shed_new++;
		log_ratelimited(&o->rl, "outbox: full (%zu pending, outbox-max), shedding a new "
		    "%s trigger", o->npending, event_severity_name(severity));
		return true;
	}
	if (victim == NULL)
		return false; /* only acks and resolves: never shed, exceed the cap */
	log_ratelimited(&o->rl, "outbox: full (%zu pending, outbox-max), shedding the %s trigger "
	    "of '%s'", o->npending, event_severity_name(victim->severity), victim->key);
	shed_trigger(o, t, victim);
	shed->incident_id = victim->incident_id;
	shed->upstream = victim->upstream;
	return false;
}

int
outbox_push(struct outbox *o, struct store_txn *t, const char *upstream,
    const struct incident *inc, enum outbox_action action, const char *payload,
    struct outbox_shed *shed)
{
	struct item *it;
	char *s;
	int r;

	*shed = (struct outbox_shed){ 0 };
	if (make_room(o, t, action, inc->severity, shed))
		return 1;
	if (action != OUTBOX_TRIGGER && shed->upstream != NULL && shed->incident_id == inc->id &&
	    strcmp(shed->upstream, upstream) == 0)
		return 1; /* its own trigger made the room: nothing upstream to change */
	if (payload == NULL)
		return -EINVAL; /* the body could not be built: nothing to keep */
	it = item_new(o, upstream, inc, action, payload, now_realtime_usec());
	s = item_encode(it);
	r = s == NULL ? -EINVAL : store_outbox_put(t, &it->seq, s, strlen(s));
	free(s);
	if (r < 0) {
		item_free(it);
		return r;
	}
	*o->staged_tail = it;
	o->staged_tail = &it->next;
	if (action != OUTBOX_TRIGGER) {
		it->qnext = o->staged_changes; /* in no key queue until it commits */
		o->staged_changes = it;
	}
	o->npending++;
	o->stats.queued++;
	return 0;
}

/* Delivered items leave the store with this batch, rejected ones are stored dead. */
static int
batch_prepare(struct store_txn *t, void *arg)
{
	struct outbox *o = arg;
	int r, wrote = 0;

	for (struct item *it = o->done; it != NULL; it = it->done_next) {
		if (it->verdict_written)
			continue;
		if (it->delivered)
			r = store_outbox_del(t, it->seq);
		else {
			char *s = item_encode_as(it, true, it->next_try);
			/* Unencodable: dead in memory only, sent again after a restart. */
			r = s == NULL ? 0 : store_outbox_put(t, &it->seq, s, strlen(s));
			free(s);
		}
		if (r < 0 && r != -ENOENT)
			return r;
		it->verdict_written = true;
		wrote = 1;
	}
	return wrote;
}

/* A rejected delivery whose dead record committed: out of its queue, kept for queue retry. */
static void
bury(struct outbox *o, struct item *it)
{
	it->rejected = false;
	it->dead = true;
	o->npending--;
	shed_del(&o->shed, it);
	keyq_remove(o->buckets, &o->queues, it);
}

static void
settle_committed(struct outbox *o)
{
	struct item *it = o->done, *next;

	for (o->done = NULL; it != NULL; it = next) {
		next = it->done_next;
		if (!it->verdict_written) {
			it->done_next = o->done; /* settled after this batch was prepared */
			o->done = it;
		} else if (it->delivered)
			forget(o, it);
		else {
			it->verdict_written = false;
			bury(o, it);
		}
	}
}

static void
batch_committed(void *arg)
{
	struct outbox *o = arg;
	struct item *it, *next;

	for (it = o->pend, o->pend = NULL; it != NULL; it = next) {
		next = it->pnext;
		pend_apply(o, it);
	}
	settle_committed(o);
	o->stats.shed += o->shed_new;
	o->shed_new = 0;
	it = o->staged;
	o->staged = o->staged_changes = NULL;
	o->staged_tail = &o->staged;
	for (; it != NULL; it = next) {
		next = it->next;
		if (!item_leaving(it)) {
			append(o, it);
			continue;
		}
		o->stats.shed++;
		item_free(it);
	}
	schedule(o);
}

static void
batch_rolled_back(void *arg)
{
	struct outbox *o = arg;
	struct item *it, *next;

	/* The lost batch held the verdicts of settled items: the next one writes them. */
	for (struct item *d = o->done; d != NULL; d = d->done_next)
		d->verdict_written = false;
	if (o->done != NULL)
		(void)batch_txn(o->d->batch, BATCH_URGENT);
	for (it = o->pend, o->pend = NULL; it != NULL; it = next) {
		next = it->pnext;
		pend_undo(o, it);
	}
	o->shed_new = 0;
	it = o->staged;
	o->staged = o->staged_changes = NULL;
	o->staged_tail = &o->staged;
	for (; it != NULL; it = next) {
		next = it->next;
		if (!item_leaving(it))
			o->npending--;
		item_free(it);
	}
}

void
outbox_reconfigure(struct outbox *o)
{
	const struct conf *conf = o->d->conf;

	for (struct upstream_state *u = o->ups; u != NULL; u = u->next)
		u->cu = NULL;
	for (size_t i = 0; i < conf->nupstreams; i++) {
		const struct conf_upstream *cu = &conf->upstreams[i];
		struct upstream_state *u = upstream_get(o, cu->name);
		u->cu = cu;
		u->held_until = 0; /* a new config may carry the fixed key: try again */
		rate_init(&u->rate, cu->rate_per_minute, RATE_WINDOW);
	}
	schedule(o);
}

static int
load_cb(uint64_t seq, const void *data, size_t len, void *arg)
{
	struct outbox *o = arg;
	struct item *it = item_decode(o, seq, data, len);

	if (it == NULL) {
		log_warnx("outbox: delivery %llu is unreadable, skipping it", (unsigned long long)seq);
		return 0;
	}
	/*
	 * A retry time from before the restart belongs to an outage that may
	 * be over: try at once, and back off afresh if it is not.
	 */
	it->next_try = 0;
	append(o, it);
	if (!it->dead)
		o->npending++;
	return 0;
}

static int
load(struct outbox *o)
{
	struct store_txn *t;
	int r = store_txn_begin(o->d->store, false, &t);

	if (r < 0)
		return r;
	r = store_outbox_foreach(t, load_cb, o);
	store_txn_abort(t);
	if (o->npending > 0)
		log_info("outbox: %zu deliveries pending from before the restart", o->npending);
	return r;
}

int
outbox_new(struct daemon *d, struct outbox **ret)
{
	struct outbox *o = xcalloc(1, sizeof(*o));
	int r;

	o->d = d;
	o->staged_tail = &o->staged;
	o->rl.interval_usec = 10 * USEC_PER_SEC;
	if (getrandom(&o->rnd, sizeof(o->rnd), GRND_NONBLOCK) != sizeof(o->rnd) || o->rnd == 0)
		o->rnd = (uint64_t)now_monotonic_usec() | 1;
	if ((r = curl_glue_new(d->event, &o->http)) < 0 ||
	    (r = sd_event_add_defer(d->event, &o->kick, kick_cb, o)) < 0 ||
	    (r = sd_event_source_set_enabled(o->kick, SD_EVENT_OFF)) < 0 ||
	    (r = sd_event_add_time(d->event, &o->timer, CLOCK_REALTIME, UINT64_MAX, 10000,
		 timer_cb, o)) < 0 ||
	    (r = sd_event_source_set_enabled(o->timer, SD_EVENT_OFF)) < 0 || (r = load(o)) < 0 ||
	    (r = batch_join(d->batch, &(struct batch_participant){ .name = "outbox",
		 .prepare = batch_prepare, .committed = batch_committed,
		 .rolled_back = batch_rolled_back, .arg = o })) < 0) {
		outbox_free(o);
		return r;
	}
	outbox_reconfigure(o);
	*ret = o;
	return 0;
}

void
outbox_free(struct outbox *o)
{
	struct item *it, *next;
	struct upstream_state *u;

	if (o == NULL)
		return;
	curl_glue_free(o->http); /* completes in-flight requests with -ECANCELED */
	/* Delivered items leave the store, new ones enter it; what fails is redone at start. */
	batch_flush(o->d->batch);
	batch_leave(o->d->batch, o);
	o->done = NULL;
	batch_rolled_back(o); /* frees what is still staged after a failed flush */
	keyq_free_all(o->buckets, &o->queues);
	for (it = o->head; it != NULL; it = next) {
		next = it->next;
		item_free(it);
	}
	while ((u = o->ups) != NULL) {
		o->ups = u->next;
		keyq_heap_free(&u->heap);
		free(u->name);
		free(u->last_error);
		free(u);
	}
	sd_event_source_disable_unref(o->kick);
	sd_event_source_disable_unref(o->timer);
	free(o);
}

static json_t *
item_json(const struct item *it, const char *state)
{
	return json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o?}", "id",
	    (json_int_t)it->seq, "upstream", json_text(it->upstream), "key", json_text(it->key),
	    "action",
	    outbox_action_name(it->action), "state", state, "severity",
	    event_severity_name(it->severity), "attempts", (json_int_t)it->attempts, "created",
	    json_time(it->created), "next_try", json_time(it->dead ? 0 : it->next_try),
	    "last_try", json_time(it->last_try), "last_error",
	    it->last_error ? json_text(it->last_error) : NULL);
}

json_t *
outbox_list_json(struct outbox *o)
{
	json_t *arr = json_array();

	for (struct item *it = o->head; it != NULL; it = it->next)
		json_array_append_new(arr, item_json(it, it->dead || it->rejected ? "dead" :
		    it->in_flight ? "in-flight" : it->delivered ? "delivered" : "pending"));
	for (struct item *it = o->staged; it != NULL; it = it->next)
		json_array_append_new(arr, item_json(it, "committing"));
	return arr;
}

json_t *
outbox_upstreams_json(struct outbox *o)
{
	json_t *arr = json_array();
	int64_t now = now_realtime_usec();

	for (struct upstream_state *u = o->ups; u != NULL; u = u->next)
		json_array_append_new(arr, json_pack("{s:o, s:b, s:b, s:b, s:i, s:I, s:I, s:o?}",
		    "name", json_text(u->name), "configured", u->cu != NULL, "held", u->held_until > now,
		    "paused", u->paused_until > now, "in_flight", (int)u->in_flight, "delivered",
		    (json_int_t)u->delivered, "failures", (json_int_t)u->failures, "last_error",
		    u->last_error ? json_text(u->last_error) : NULL));
	return arr;
}

static struct item *
item_by_seq(struct outbox *o, uint64_t seq)
{
	for (struct item *it = o->head; it != NULL; it = it->next)
		if (it->seq == seq)
			return it;
	return NULL;
}

/* Mark what matches for retry in the open batch: how many, or -errno. */
static int
retry_mark(struct outbox *o, uint64_t seq)
{
	struct store_txn *t = batch_txn(o->d->batch, BATCH_URGENT);
	int found = 0;

	if (t == NULL)
		return -EIO;
	for (struct item *it = o->head; it != NULL; it = it->next) {
		if ((seq != 0 && it->seq != seq) || item_busy(it) || it->pend != PEND_NONE)
			continue;
		char *s = item_encode_as(it, false, 0);
		int r = s == NULL ? -EINVAL : store_outbox_put(t, &it->seq, s, strlen(s));
		free(s);
		if (r < 0)
			return r;
		pend_add(o, it, it->dead ? PEND_REVIVE : PEND_RETRY);
		found++;
	}
	return found;
}

/*
 * Each takes effect when its batch commits.  A batch redone in a grown map
 * replays events, not this: mark again.
 */
int
outbox_retry(struct outbox *o, uint64_t seq)
{
	int found = 0, r = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((found = retry_mark(o, seq)) == 0)
			return -ENOENT;
		r = batch_flush(o->d->batch); /* also settles what a failed mark left */
		if (found < 0)
			return found;
		if (r <= 0)
			break;
		r = -ENOSPC;
	}
	if (r < 0)
		return r;
	schedule(o);
	return found;
}

static int
drop_mark(struct outbox *o, uint64_t seq)
{
	struct item *it = item_by_seq(o, seq);
	struct store_txn *t;

	if (it == NULL || item_leaving(it))
		return -ENOENT;
	if (item_busy(it) || it->pend != PEND_NONE)
		return -EBUSY;
	if ((t = batch_txn(o->d->batch, BATCH_URGENT)) == NULL)
		return -EIO;
	return leave_mark(o, t, it, PEND_DROP);
}

int
outbox_drop(struct outbox *o, uint64_t seq)
{
	int r = 0;

	for (int attempt = 0; attempt < 2; attempt++) {
		if ((r = drop_mark(o, seq)) < 0)
			return r;
		if ((r = batch_flush(o->d->batch)) <= 0)
			break;
		r = -ENOSPC;
	}
	if (r < 0)
		return r;
	schedule(o);
	return 0;
}

void
outbox_get_stats(const struct outbox *o, struct outbox_stats *st)
{
	*st = o->stats;
	st->pending = o->npending;
}
