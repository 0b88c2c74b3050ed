/*
 * outbox.c - deliveries upstream, durable and ordered per incident key.
 *
 * Every delivery lives in the store (written in the batch that caused it)
 * and in memory: a list of all deliveries in enqueue order, and one FIFO
 * per (upstream, key) whose head is the only one that may be in flight.
 * Memory keeps what schedules it, not its payload: that is read back from
 * its record when it is sent, so a deep backlog costs a few hundred bytes
 * a delivery whatever it carries.
 * A scheduler, run from a defer source whenever something changed and from
 * a timer for the next retry, sends what is due within each upstream's
 * limits: requests in flight, a sliding-window rate, a Retry-After pause
 * and an authentication hold.  Each upstream keeps its sendable key queues
 * in a heap by next try, so a run costs O(log n) per delivery sent plus one
 * look per upstream: a paused, held or rate-limited upstream is skipped
 * whole until its own wake time, however much waits for it.  What a batch
 * changes (pushes, shedding, queue retry and drop) and memory taking it at
 * commit is in outbox_commit.c.
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
#include "exec_child.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "outbox_int.h"
#include "outbox_item.h"
#include "pipeline.h"
#include "store.h"
#include "text.h"
#include "upstream.h"
#include "util.h"
#include "web.h"

#define MAX_IN_FLIGHT	 8 /* per upstream */
#define RATE_WINDOW	 (60 * USEC_PER_SEC)

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
	static const char *const names[] = { "trigger", "acknowledge", "resolve", "update" };
	return (unsigned)a < ARRAY_SIZE(names) ? names[a] : "unknown";
}

struct upstream_state *
outbox_upstream_find(struct outbox *o, const char *name)
{
	for (struct upstream_state *u = o->ups; u != NULL; u = u->next)
		if (strcmp(u->name, name) == 0)
			return u;
	return NULL;
}

/* Every upstream an item names has a state, configured or not, to hold its queues. */
struct upstream_state *
outbox_upstream_get(struct outbox *o, const char *name)
{
	struct upstream_state *u = outbox_upstream_find(o, name);

	if (u == NULL) {
		u = xcalloc(1, sizeof(*u));
		u->name = xstrdup(name);
		u->page = outbox_page_channel(name);
		u->page_ok = u->page >= 0 && outbox_page_configured(o->d->conf, u->page);
		u->next = o->ups;
		o->ups = u;
	}
	return u;
}

void
outbox_schedule(struct outbox *o)
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

	/* Written again by the next batch if this one is lost (outbox_commit.c). */
	it->record_in_batch = t != NULL && r == 0;
	if (!it->record_dirty) {
		it->record_dirty = true;
		it->wnext = o->written;
		o->written = it;
	}

	if (r < 0)
		log_ratelimited(&o->rl, "outbox: saving delivery %llu failed: %s",
		    (unsigned long long)it->seq, strerror(-r));
	free(s);
}

/*
 * What an upstream that took the item was told the incident is now: a
 * trigger pages (triggered); an update is news of an incident already
 * sent (a flap's cycles, a group's new members), which pages nobody, and
 * is recorded as flapping.
 */
static enum incident_state
told_state(enum outbox_action a)
{
	switch (a) {
	case OUTBOX_TRIGGER: return INCIDENT_TRIGGERED;
	case OUTBOX_ACKNOWLEDGE: return INCIDENT_ACKNOWLEDGED;
	case OUTBOX_UPDATE: return INCIDENT_FLAPPING;
	case OUTBOX_RESOLVE: break;
	}
	return INCIDENT_RESOLVED;
}

static void
note_timeline(struct outbox *o, const struct item *it, const char *what, const char *why,
    bool delivered)
{
	char text[TIMELINE_TEXT_MAX];

	snprintf(text, sizeof(text), "%s %s to %s: %s", what, outbox_action_name(it->action),
	    it->upstream, why);
	text_fix_tail(text);
	if (delivered)
		pipeline_delivered(o->d->pipeline, it->incident_id, told_state(it->action), text);
	else
		pipeline_note(o->d->pipeline, it->incident_id, text);
}

/* Out of memory for good; a shed or dropped one is no longer counted pending already. */
void
outbox_forget(struct outbox *o, struct item *it)
{
	bool counted = !it->dead && !item_leaving(it);

	for (struct item **p = &o->written; it->record_dirty && *p != NULL; p = &(*p)->wnext)
		if (*p == it) {
			*p = it->wnext;
			break;
		}

	outbox_health_item_out(o, it);
	shed_del(&o->shed, it);
	keyq_remove(o->buckets, it);
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
 * why may quote the upstream's answer: text from the network, repaired
 * like any other.  The same text again keeps the copy there is.
 */
static void
set_error(struct errtext **dst, const char *why)
{
	char *s = text_clean_dup(why, strlen(why));

	if (*dst == NULL || strcmp((*dst)->s, s) != 0) {
		errtext_unref(*dst);
		*dst = errtext_new(s);
	}
	free(s);
}

/* Shared, not copied: a backlog failing the same way holds one copy. */
static void
share_error(struct errtext **dst, struct errtext *e)
{
	errtext_ref(e);
	errtext_unref(*dst);
	*dst = e;
}

/*
 * Delivered or rejected for good: the next batch deletes it or stores it
 * dead (prepare), and it keeps the head of its queue until that commits:
 * soon when the next delivery for its key waits on that, otherwise with
 * other state, so a drain is not a commit per reply.
 */
static void
settle(struct outbox *o, struct item *it)
{
	it->done_next = o->done;
	o->done = it;
	keyq_resched(it);
	(void)batch_txn(o->d->batch, it->qnext != NULL ? BATCH_URGENT : BATCH_STATE);
}

/*
 * A failed attempt the upstream may have acted on all the same: a timeout
 * or a 5xx may come after it took the event.  Not a connection refused,
 * a name that does not resolve or a TLS handshake that failed, nor a
 * clear refusal (400, 401/403/404, 429).
 */
static bool
may_have_reached(const struct http_response *resp, enum outbox_verdict v)
{
	if (v != OUTBOX_RETRY)
		return false;
	return resp->status != 0 || (resp->error != -ECONNREFUSED &&
	    resp->error != -EHOSTUNREACH && resp->error != -EPROTO);
}

/*
 * Alertmanager forgets an alert once its endsAt passes: a delivered
 * trigger or update stands at the head of its queue and goes again every
 * resend (each time with endsAt ahead), a resolve for resend-resolved, as
 * its docs ask of clients.  The key queue's heap is the deadline index:
 * no scan of incidents.  Something newer for the key queued behind it
 * makes it due at once (outbox_append); after that send it leaves as any
 * delivered one.  true when it stands.
 */
static bool
stand(struct outbox *o, struct upstream_state *u, struct item *it, int64_t now)
{
	const struct conf_upstream *cu = u->cu;

	if (cu == NULL || cu->kind != UPSTREAM_ALERTMANAGER || it->qnext != NULL || it->test ||
	    it->action == OUTBOX_ACKNOWLEDGE)
		return false;
	if (it->action == OUTBOX_RESOLVE && now + cu->resend - it->created > cu->resend_resolved)
		return false;
	/*
	 * Stored once it stands, and again only to forget failed attempts: a
	 * restart sends every standing one at once, whatever its next try.
	 */
	bool write = !it->standing || it->attempts > 0;

	if (!it->standing)
		outbox_health_item_stands(o, it);
	it->maybe_sent = true; /* its resolve must follow it there */
	it->attempts = 0;
	errtext_unref(it->last_error);
	it->last_error = NULL;
	it->next_try = now + cu->resend;
	shed_del(&o->shed, it);
	keyq_resched(it);
	if (write)
		persist(o, it);
	item_payload_drop(it);
	return true;
}

static void
on_delivered(struct outbox *o, struct item *it, struct upstream_state *u, const char *why,
    int64_t initial, int64_t now)
{
	bool first = !it->standing;

	u->delivered++;
	o->stats.delivered++;
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
	if (first)
		loop_stats_add(&u->delivery, now - it->created);
	if (first && u->page >= 0)
		loop_stats_add(&o->pages, now - it->created);
	if (!stand(o, u, it, now)) {
		it->delivered = true;
		item_payload_drop(it); /* its deletion needs none */
		settle(o, it);
	}
	/* Once on its timeline, not at every resend. */
	if (first)
		note_timeline(o, it, "delivered", why, true);
}

static void
on_verdict(struct outbox *o, struct item *it, struct upstream_state *u,
    const struct http_response *resp, enum outbox_verdict v, const char *why)
{
	int64_t now = now_realtime_usec();
	const struct conf_upstream *cu = u->cu;
	int64_t initial = cu ? cu->backoff_initial : USEC_PER_SEC;
	int64_t max = cu ? cu->backoff_max : 300 * USEC_PER_SEC;

	if (u->page >= 0)
		outbox_page_backoff(o->d->conf, u->page, &initial, &max);

	outbox_health_verdict(o, u, v, why, now);
	if (it->test)
		outbox_health_log_test(it, v, why);
	if (v == OUTBOX_DELIVERED) {
		on_delivered(o, it, u, why, initial, now);
		return;
	}
	set_error(&u->last_error, why);
	u->failures++;
	u->failing = true;
	it->attempts++;
	it->maybe_sent = it->maybe_sent || may_have_reached(resp, v);
	share_error(&it->last_error, u->last_error);
	if (v == OUTBOX_DEAD) {
		o->stats.dead++;
		it->rejected = true;
		settle(o, it);
		log_warnx("outbox: %s rejected %s of '%s' for good, dead-lettered: %s", it->upstream,
		    outbox_action_name(it->action), it->key, why);
		note_timeline(o, it, "dead-lettered", why, false);
		/* A page that will never arrive: the contact's next channel, now. */
		if (u->page >= 0 && it->action == OUTBOX_TRIGGER && !it->test)
			pipeline_page_dead(o->d->pipeline, it->incident_id, it->upstream);
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
	item_payload_drop(it); /* read again for the next try */
}

void
outbox_done_cb(const struct http_response *resp, void *arg)
{
	struct item *it = arg;
	struct outbox *o = it->o;
	struct upstream_state *u = outbox_upstream_find(o, it->upstream);
	char why[512];

	it->in_flight = false;
	o->stats.in_flight--;
	if (u != NULL)
		u->in_flight--;
	if (resp->error == -ECANCELED || u == NULL)
		return; /* only at outbox_free: nothing is scheduled again */
	enum outbox_verdict v = u->page >= 0 ? outbox_page_classify(u->page, resp, why, sizeof(why)) :
	    upstream_classify(u->cu, resp, why, sizeof(why));
	on_verdict(o, it, u, resp, v, why);
	outbox_schedule(o);
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

/*
 * Its payload, from its record: read back for the send, kept until its
 * verdict is stored.  A read transaction of its own, beside an open batch
 * (the store's MDB_NOTLS allows it): the batch may rewrite the record of a
 * sendable item (its retry time) but never its payload, and deletes only
 * what is no longer sent.  Ended at once, so nothing else runs inside it.
 * 0, or 1 when the record cannot give it back: then it never will, and it
 * is dead-lettered like an unreadable payload.
 */
static int
load_payload(struct outbox *o, struct item *it)
{
	struct store_txn *rt;
	int r;

	if ((r = store_txn_begin(o->d->store, false, &rt)) < 0)
		return r;
	r = item_payload_load(it, rt);
	store_txn_abort(rt);
	if (r != -ENOENT && r != -EBADMSG)
		return r;
	log_warnx("outbox: delivery %llu to %s: its stored record cannot be read back (%s), "
		  "dead-lettered", (unsigned long long)it->seq, it->upstream, strerror(-r));
	set_error(&it->last_error, "stored payload cannot be read back");
	return 1;
}

/* A delivery that can never go as stored: dead-lettered, not retried. */
static void
reject_unreadable(struct outbox *o, struct item *it)
{
	o->stats.dead++;
	it->rejected = true;
	settle(o, it);
}

int
outbox_reject_unreadable(struct outbox *o, struct item *it, const char *why)
{
	set_error(&it->last_error, why);
	reject_unreadable(o, it);
	return 1;
}

/* Sending started: in flight, counted against its upstream's limits. */
static void
sent(struct outbox *o, struct upstream_state *u, struct item *it, int64_t now)
{
	it->in_flight = true;
	keyq_resched(it);
	it->last_try = now;
	u->in_flight++;
	o->stats.in_flight++;
	rate_note(&u->rate, now);
}

/*
 * The incident as it is now, into *inc, and an ack link made now, when
 * the upstream's body wants them (an Alertmanager alert re-sent carries
 * its count, and a link that has not expired); NULL when not.  A read
 * transaction of its own, ended at once.  cur->ack_url: free it.
 */
static const struct alertmanager_now *
current(struct outbox *o, const struct conf_upstream *cu, const struct item *it,
    struct incident *inc, struct alertmanager_now *cur)
{
	struct store_txn *rt;

	*cur = (struct alertmanager_now){ NULL, NULL };
	if (!upstream_wants_current(cu, it->action) || it->test ||
	    store_txn_begin(o->d->store, false, &rt) < 0)
		return NULL;
	if (store_incident_get(rt, it->incident_id, inc) == 0 && strcmp(inc->key, it->key) == 0)
		cur->inc = inc;
	store_txn_abort(rt);
	cur->ack_url = web_link(o->d->web, LINK_ACK, it->incident_id, now_realtime_usec());
	return cur;
}

static int
send_item(struct outbox *o, struct upstream_state *u, struct item *it, int64_t now)
{
	const struct conf_upstream *cu = u->cu;
	struct alertmanager_now now_am;
	struct incident cur;
	char extra[160];
	const char *headers[] = { "Accept: application/json", extra, NULL };
	int r = load_payload(o, it);
	char *body;

	if (r != 0) {
		if (r > 0)
			reject_unreadable(o, it);
		return r < 0 ? r : 0;
	}
	if (cu == NULL) {
		if ((r = outbox_page_send(o, u, it)) < 0)
			item_payload_drop(it);
		else if (r == 0)
			sent(o, u, it, now);
		return r < 0 ? r : 0;
	}
	body = upstream_body(cu, it->payload, current(o, cu, it, &cur, &now_am), extra,
	    sizeof(extra));
	free((char *)now_am.ack_url);
	if (body != NULL && extra[0] == '\0')
		headers[1] = NULL; /* no signature */
	if (body == NULL) {
		/* A payload we cannot read back will never do better. */
		set_error(&it->last_error, "stored payload is not valid JSON");
		reject_unreadable(o, it);
		return 0;
	}
	struct http_request req = {
		.url = u->url,
		.method = "POST",
		.content_type = "application/json",
		.body = body,
		.body_len = strlen(body),
		.headers = headers,
		.timeout_usec = cu->timeout,
		.connect_timeout_usec = cu->connect_timeout,
		.ca_file = cu->ca_file,
	};
	r = curl_glue_request(o->http, &req, outbox_done_cb, it);
	explicit_bzero(body, strlen(body)); /* it holds the routing key */
	free(body);
	if (r < 0) {
		item_payload_drop(it);
		return r;
	}
	sent(o, u, it, now);
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

	if (u->cu == NULL && !u->page_ok)
		return INT64_MAX; /* no such upstream now: kept until the config has it again */
	while (u->in_flight < MAX_IN_FLIGHT && (q = keyq_heap_top(&u->heap)) != NULL) {
		int64_t w = upstream_wait(u, now);
		if (w > 0)
			return w; /* paused, held or rate-limited: parked until then */
		if (q->head->next_try > now)
			return q->head->next_try;
		/*
		 * Queued by a commit not yet durable: the sync is a few
		 * milliseconds away, and its durable hook runs the queues again.
		 */
		if (!batch_is_durable(o->d->batch, q->head->gen))
			return INT64_MAX;
		/* Its resolve came while it was in flight: suppressed now, out of the heap. */
		if (outbox_stale_on_send(o, q->head))
			continue;
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

/* What waited for its commit to be durable may go now. */
static void
outbox_durable(void *arg)
{
	outbox_schedule(arg);
}

void
outbox_append(struct outbox *o, struct item *it)
{
	it->gen = batch_gen(o->d->batch);
	it->prev = o->tail;
	it->next = NULL;
	if (o->tail)
		o->tail->next = it;
	else
		o->head = it;
	o->tail = it;
	if (it->dead)
		return;
	struct upstream_state *u = outbox_upstream_get(o, it->upstream);
	keyq_append(o->buckets, &u->heap, it);
	outbox_health_item_in(u, it);
	if (it->action == OUTBOX_TRIGGER)
		shed_add(&o->shed, it);
	/* A standing alert with news behind it goes once more at once, then leaves (stand()). */
	struct item *head = it->q->head;
	if (head != it && head->standing && !item_busy(head)) {
		head->next_try = 0;
		keyq_resched(head);
	}
}

void
outbox_reconfigure(struct outbox *o)
{
	const struct conf *conf = o->d->conf;

	for (struct upstream_state *u = o->ups; u != NULL; u = u->next) {
		u->cu = NULL;
		u->url = NULL;
		if (u->page >= 0) {
			u->page_ok = outbox_page_configured(conf, u->page);
			u->held_until = 0;
		}
	}
	for (size_t i = 0; i < conf->nupstreams; i++) {
		const struct conf_upstream *cu = &conf->upstreams[i];
		for (size_t q = 0; q < cu->nqueues; q++) {
			struct upstream_state *u = outbox_upstream_get(o, cu->queues[q]);
			u->cu = cu;
			u->url = cu->urls[q];
			u->held_until = 0; /* a new config may carry the fixed key: try again */
			rate_init(&u->rate, cu->rate_per_minute, RATE_WINDOW);
		}
	}
	outbox_schedule(o);
}

static int
load_cb(uint64_t seq, const void *data, size_t len, void *arg)
{
	struct outbox *o = arg;
	char *upstream = NULL;
	struct item *it = item_decode(o, seq, data, len, &upstream);

	if (it == NULL) {
		log_warnx("outbox: delivery %llu is unreadable, skipping it", (unsigned long long)seq);
		return 0;
	}
	it->upstream = outbox_upstream_get(o, upstream)->name;
	free(upstream);
	if (it->last_error != NULL && o->tail != NULL && o->tail->last_error != NULL &&
	    strcmp(o->tail->last_error->s, it->last_error->s) == 0)
		share_error(&it->last_error, o->tail->last_error); /* as it was before the restart */
	/*
	 * A retry time from before the restart belongs to an outage that may
	 * be over: try at once, and back off afresh if it is not.
	 */
	it->next_try = 0;
	outbox_append(o, it);
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
	    (r = exec_runner_new(d->event, &o->exec)) < 0 ||
	    (r = sd_event_add_defer(d->event, &o->kick, kick_cb, o)) < 0 ||
	    (r = sd_event_source_set_enabled(o->kick, SD_EVENT_OFF)) < 0 ||
	    (r = sd_event_add_time(d->event, &o->timer, CLOCK_REALTIME, UINT64_MAX, 10000,
		 timer_cb, o)) < 0 ||
	    (r = sd_event_source_set_enabled(o->timer, SD_EVENT_OFF)) < 0 || (r = load(o)) < 0 ||
	    (r = batch_join(d->batch, &(struct batch_participant){ .name = "outbox",
		 .prepare = outbox_commit_prepare, .committed = outbox_commit_committed,
		 .durable = outbox_durable, .rolled_back = outbox_commit_rolled_back,
		 .arg = o })) < 0) {
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
	exec_runner_free(o->exec); /* and running programs, killed */
	/* Delivered items leave the store, new ones enter it; what fails is redone at start. */
	batch_flush(o->d->batch);
	batch_leave(o->d->batch, o);
	o->done = NULL;
	outbox_commit_rolled_back(o); /* frees what is still staged after a failed flush */
	keyq_free_all(o->buckets); /* first: unlinking reads their heads */
	for (it = o->head; it != NULL; it = next) {
		next = it->next;
		item_free(it);
	}
	while ((u = o->ups) != NULL) {
		o->ups = u->next;
		keyq_heap_free(&u->heap);
		free(u->name);
		errtext_unref(u->last_error);
		free(u);
	}
	sd_event_source_disable_unref(o->kick);
	sd_event_source_disable_unref(o->timer);
	free(o);
}
