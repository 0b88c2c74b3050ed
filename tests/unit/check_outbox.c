/*
 * check_outbox.c - the delivery policy without sockets: backoff with full
 * jitter, Retry-After, the rate window, PagerDuty bodies and verdicts, the
 * stored form of a delivery, the per-key FIFOs that keep order, the heap
 * that schedules them and the index that picks what to shed.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "backoff.h"
#include "conf.h"
#include "incident.h"
#include "outbox_item.h"
#include "upstream_pagerduty.h"
#include "util.h"

#define S USEC_PER_SEC

START_TEST(backoff_full_jitter_is_capped)
{
	for (uint32_t a = 0; a < 40; a++) {
		int64_t cap = S << (a < 20 ? a : 20);
		if (cap > 300 * S)
			cap = 300 * S;
		for (uint64_t rnd = 0; rnd < 2000; rnd += 7) {
			int64_t d = backoff_delay(a, S, 300 * S, rnd * 0x9E3779B97F4A7C15ULL);
			ck_assert_int_ge(d, 0);
			ck_assert_int_le(d, cap);
		}
	}
	/* The top of the range is reachable: it is full jitter, not "half + jitter". */
	ck_assert_int_eq(backoff_delay(0, S, 300 * S, (uint64_t)S), S);
	ck_assert_int_eq(backoff_delay(0, S, 300 * S, (uint64_t)S + 1), 0);
	ck_assert_int_eq(backoff_delay(1000, S, 300 * S, 300 * S), 300 * S);
}
END_TEST

START_TEST(retry_after_forms)
{
	int64_t now = 1700000000LL * S;

	ck_assert_int_eq(backoff_retry_after("5", now), 5 * S);
	ck_assert_int_eq(backoff_retry_after("0", now), 0);
	ck_assert_int_eq(backoff_retry_after("", now), -1);
	ck_assert_int_eq(backoff_retry_after(NULL, now), -1);
	ck_assert_int_eq(backoff_retry_after("soon", now), -1);
	ck_assert_int_eq(backoff_retry_after("-3", now), -1);
	/* 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT. */
	ck_assert_int_eq(backoff_retry_after("Tue, 14 Nov 2023 22:13:30 GMT", now), 10 * S);
	ck_assert_int_eq(backoff_retry_after("Tue, 14 Nov 2023 22:13:10 GMT", now), 0);
}
END_TEST

START_TEST(rate_window_sliding)
{
	static struct rate_window r;
	int64_t t = 1000 * S;

	rate_init(&r, 3, 60 * S);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(rate_wait(&r, t + i * S), 0);
		rate_note(&r, t + i * S);
	}
	ck_assert_int_eq(rate_wait(&r, t + 10 * S), 50 * S); /* the first leaves at t+60 */
	ck_assert_int_eq(rate_wait(&r, t + 60 * S), 0);
	rate_note(&r, t + 60 * S);
	ck_assert_int_eq(rate_wait(&r, t + 60 * S), S); /* now the second, at t+1, must leave */
	rate_init(&r, 0, 60 * S);
	for (int i = 0; i < 5000; i++)
		rate_note(&r, t);
	ck_assert_int_eq(rate_wait(&r, t), 0);
}
END_TEST

static void
sample(struct incident *inc)
{
	incident_start(inc, 42, "edge-01/if/eth3", "link", "edge-01", "edge-01: eth3 down", 2, 0,
	    1700000000LL * S);
	inc->count = 7;
}

START_TEST(pagerduty_trigger_payload)
{
	struct incident inc;
	struct conf_upstream u = { .name = "pd", .client = "triaged", .client_url = "http://x/" };
	struct pagerduty_details det = { .component = "eth3", .group = "core", .class_ = "link",
		.first_event = "first", .last_event = "last", .agent_host = "agent" };
	json_t *j, *p, *cd;
	char *s, *body;

	sample(&inc);
	s = pagerduty_payload(&u, &inc, OUTBOX_TRIGGER, &det);
	j = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_null(json_object_get(j, "routing_key")); /* never stored */
	ck_assert_str_eq(json_string_value(json_object_get(j, "event_action")), "trigger");
	ck_assert_str_eq(json_string_value(json_object_get(j, "dedup_key")), "edge-01/if/eth3");
	ck_assert_str_eq(json_string_value(json_object_get(j, "client")), "triaged");
	ck_assert_str_eq(json_string_value(json_object_get(j, "client_url")), "http://x/");
	p = json_object_get(j, "payload");
	ck_assert_str_eq(json_string_value(json_object_get(p, "summary")), "edge-01: eth3 down");
	ck_assert_str_eq(json_string_value(json_object_get(p, "source")), "edge-01");
	ck_assert_str_eq(json_string_value(json_object_get(p, "severity")), "critical");
	ck_assert_str_eq(json_string_value(json_object_get(p, "timestamp")),
	    "2023-11-14T22:13:20.000Z");
	ck_assert_str_eq(json_string_value(json_object_get(p, "component")), "eth3");
	ck_assert_str_eq(json_string_value(json_object_get(p, "group")), "core");
	ck_assert_str_eq(json_string_value(json_object_get(p, "class")), "link");
	cd = json_object_get(p, "custom_details");
	ck_assert_int_eq(json_integer_value(json_object_get(cd, "count")), 7);
	ck_assert_str_eq(json_string_value(json_object_get(cd, "first_event")), "first");
	ck_assert_str_eq(json_string_value(json_object_get(cd, "last_event")), "last");
	ck_assert_str_eq(json_string_value(json_object_get(cd, "host")), "agent");
	json_decref(j);

	body = pagerduty_body(s, "0123456789abcdef0123456789abcdef");
	j = json_loads(body, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "routing_key")),
	    "0123456789abcdef0123456789abcdef");
	json_decref(j);
	free(body);
	free(s);
	ck_assert_ptr_null(pagerduty_body("not json", "k"));
	ck_assert_ptr_null(pagerduty_body("{\"cut\":", "k"));
	ck_assert_ptr_null(pagerduty_body("", "k"));
	body = pagerduty_body("{}", "k\"\\");
	j = json_loads(body, 0, NULL);
	ck_assert_int_eq(json_object_size(j), 1);
	ck_assert_str_eq(json_string_value(json_object_get(j, "routing_key")), "k\"\\");
	json_decref(j);
	free(body);
}
END_TEST

START_TEST(pagerduty_limits_and_changes)
{
	struct incident inc;
	struct pagerduty_details det = { 0 };
	json_t *j;
	char *s;

	sample(&inc);
	memset(inc.summary, 'x', INCIDENT_SUMMARY_MAX);
	inc.summary[INCIDENT_SUMMARY_MAX] = '\0';
	inc.summary[5] = (char)0xff; /* not UTF-8: must still make valid JSON */
	s = pagerduty_payload(NULL, &inc, OUTBOX_TRIGGER, &det);
	j = json_loads(s, 0, NULL);
	ck_assert_ptr_nonnull(j);
	ck_assert_uint_le(strlen(json_string_value(json_object_get(json_object_get(j, "payload"),
	    "summary"))), 1024);
	json_decref(j);
	free(s);

	/* An update is the trigger again, with the same dedup_key. */
	s = pagerduty_payload(NULL, &inc, OUTBOX_UPDATE, &det);
	j = json_loads(s, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "event_action")), "trigger");
	ck_assert_ptr_nonnull(json_object_get(j, "payload"));
	json_decref(j);
	free(s);
	ck_assert_str_eq(outbox_action_name(OUTBOX_UPDATE), "update");

	s = pagerduty_payload(NULL, &inc, OUTBOX_RESOLVE, &det);
	j = json_loads(s, 0, NULL);
	ck_assert_str_eq(json_string_value(json_object_get(j, "event_action")), "resolve");
	ck_assert_ptr_null(json_object_get(j, "payload"));
	ck_assert_str_eq(json_string_value(json_object_get(j, "dedup_key")), "edge-01/if/eth3");
	json_decref(j);
	free(s);

	ck_assert_str_eq(pagerduty_severity(0), "critical");
	ck_assert_str_eq(pagerduty_severity(3), "error");
	ck_assert_str_eq(pagerduty_severity(4), "warning");
	ck_assert_str_eq(pagerduty_severity(6), "info");
}
END_TEST

static enum outbox_verdict
verdict(long status, int error, const char *body)
{
	struct http_response r = { .status = status, .error = error, .error_text = "",
		.body = body, .body_len = body ? strlen(body) : 0 };
	char why[512];

	return pagerduty_classify(&r, why, sizeof(why));
}

START_TEST(pagerduty_verdicts)
{
	struct http_response r = { .status = 400, .error_text = "",
		.body = "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\","
			"\"errors\":[\"'payload.summary' is missing or blank\"]}" };
	char why[512];

	ck_assert_int_eq(verdict(202, 0, "{}"), OUTBOX_DELIVERED);
	ck_assert_int_eq(verdict(429, 0, NULL), OUTBOX_THROTTLED);
	ck_assert_int_eq(verdict(401, 0, NULL), OUTBOX_HOLD);
	ck_assert_int_eq(verdict(403, 0, NULL), OUTBOX_HOLD);
	ck_assert_int_eq(verdict(404, 0, NULL), OUTBOX_HOLD);
	ck_assert_int_eq(verdict(500, 0, NULL), OUTBOX_RETRY);
	ck_assert_int_eq(verdict(503, 0, "<html>"), OUTBOX_RETRY);
	ck_assert_int_eq(verdict(0, -ECONNREFUSED, NULL), OUTBOX_RETRY);
	ck_assert_int_eq(verdict(0, -ETIMEDOUT, NULL), OUTBOX_RETRY);
	r.body_len = strlen(r.body);
	ck_assert_int_eq(pagerduty_classify(&r, why, sizeof(why)), OUTBOX_DEAD);
	ck_assert_str_eq(why, "HTTP 400: Event object is invalid: 'payload.summary' is missing "
			      "or blank");
}
END_TEST

START_TEST(item_round_trip)
{
	struct incident inc;
	struct item *a, *b;
	char *s, *up = NULL;

	sample(&inc);
	a = item_new(NULL, "pd", &inc, OUTBOX_ACKNOWLEDGE, "{\"x\":1}", 5 * S);
	a->attempts = 3;
	a->next_try = 9 * S;
	a->dead = true;
	a->last_error = errtext_new("HTTP 400: nope");
	s = item_encode(a);
	b = item_decode(NULL, 77, s, strlen(s), &up);
	ck_assert_ptr_nonnull(b);
	ck_assert_uint_eq(b->seq, 77);
	ck_assert_ptr_null(b->upstream); /* for the caller to point at its lasting copy */
	ck_assert_str_eq(up, "pd");
	free(up);
	ck_assert_str_eq(b->key, "edge-01/if/eth3");
	/* The payload stays in the store, read back when sent: nothing to encode without it. */
	ck_assert_ptr_null(b->payload);
	ck_assert_ptr_null(item_encode(b));
	ck_assert_str_eq(strstr(s, "\"payload\":"), "\"payload\":\"{\\\"x\\\":1}\",\"last_error\":"
	    "\"HTTP 400: nope\"}");
	ck_assert_str_eq(errtext_str(b->last_error), "HTTP 400: nope");
	ck_assert_int_eq(b->action, OUTBOX_ACKNOWLEDGE);
	ck_assert_uint_eq(b->incident_id, 42);
	ck_assert_uint_eq(b->attempts, 3);
	ck_assert_int_eq(b->next_try, 9 * S);
	ck_assert(b->dead);
	free(s);
	item_free(b);
	errtext_unref(a->last_error);
	a->last_error = NULL; /* an item that never failed has no error to store */
	s = item_encode(a);
	b = item_decode(NULL, 1, s, strlen(s), &up);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(b->last_error);
	free(up);
	item_free(b);
	free(s);
	item_free(a);
	up = NULL;
	ck_assert_ptr_null(item_decode(NULL, 1, "{}", 2, &up));
	ck_assert_ptr_null(item_decode(NULL, 1, "garbage", 7, &up));
	ck_assert_ptr_null(item_decode(NULL, 1, "{\"upstream\":\"pd\",\"key\":\"k\",\"incident\":1,"
	    "\"action\":9,\"severity\":1,\"attempts\":0,\"created\":0,\"next_try\":0,"
	    "\"last_try\":0,\"dead\":false,\"payload\":\"{}\"}", 130, &up));
	/* Without a payload it could never be sent. */
	ck_assert_ptr_null(item_decode(NULL, 1, "{\"upstream\":\"pd\",\"key\":\"k\",\"incident\":1,"
	    "\"action\":0,\"severity\":1,\"attempts\":0,\"created\":0,\"next_try\":0,"
	    "\"last_try\":0,\"dead\":false}", 128, &up));
	ck_assert_ptr_null(up);
}
END_TEST

static size_t
nqueues(struct keyq **buckets)
{
	size_t n = 0;

	for (size_t i = 0; i < 4096; i++)
		for (struct keyq *q = buckets[i]; q != NULL; q = q->hnext)
			n++;
	return n;
}

START_TEST(key_queues_keep_order)
{
	static struct keyq *buckets[4096];
	struct keyq_heap heap = { 0 };
	struct incident a, b;
	struct item *it[5];

	sample(&a);
	sample(&b);
	strlcpy_t(b.key, "other", sizeof(b.key));
	it[0] = item_new(NULL, "pd", &a, OUTBOX_TRIGGER, "{}", 0);
	it[1] = item_new(NULL, "pd", &b, OUTBOX_TRIGGER, "{}", 0);
	it[2] = item_new(NULL, "pd", &a, OUTBOX_ACKNOWLEDGE, "{}", 0);
	it[3] = item_new(NULL, "pd", &a, OUTBOX_RESOLVE, "{}", 0);
	it[4] = item_new(NULL, "am", &a, OUTBOX_TRIGGER, "{}", 0); /* same key, other upstream */
	for (int i = 0; i < 5; i++)
		keyq_append(buckets, &heap, it[i]);
	ck_assert_ptr_eq(it[0]->q, it[2]->q);
	ck_assert_ptr_ne(it[0]->q, it[1]->q);
	ck_assert_ptr_ne(it[0]->q, it[4]->q);
	ck_assert_ptr_eq(it[0]->q->head, it[0]);
	keyq_remove(buckets, it[2]); /* from the middle */
	ck_assert_ptr_eq(it[0]->qnext, it[3]);
	keyq_remove(buckets, it[0]);
	ck_assert_ptr_eq(it[3]->q->head, it[3]);
	ck_assert_ptr_eq(it[3]->q->tail, it[3]);
	keyq_remove(buckets, it[3]); /* empties and frees the queue */
	ck_assert_ptr_null(it[3]->q);
	ck_assert_uint_eq(nqueues(buckets), 2);
	keyq_free_all(buckets);
	ck_assert_uint_eq(nqueues(buckets), 0);
	ck_assert_uint_eq(heap.n, 0);
	keyq_heap_free(&heap);
	for (int i = 0; i < 5; i++)
		item_free(it[i]);
}
END_TEST

/* A retried dead trigger goes back before its own resolve, never before an in-flight head. */
START_TEST(retried_dead_letter_keeps_sequence_order)
{
	static struct keyq *buckets[4096];
	struct keyq_heap heap = { 0 };
	struct incident a;
	struct item *trig, *ack, *res;

	sample(&a);
	trig = item_new(NULL, "pd", &a, OUTBOX_TRIGGER, "{}", 0);
	ack = item_new(NULL, "pd", &a, OUTBOX_ACKNOWLEDGE, "{}", 0);
	res = item_new(NULL, "pd", &a, OUTBOX_RESOLVE, "{}", 0);
	trig->seq = 1;
	ack->seq = 2;
	res->seq = 3;
	/* The trigger was dead-lettered (out of its queue); the resolve followed. */
	keyq_append(buckets, &heap, res);
	keyq_append(buckets, &heap, trig); /* queue retry */
	ck_assert_ptr_eq(res->q->head, trig);
	ck_assert_ptr_eq(trig->qnext, res);
	ck_assert_ptr_eq(res->q->tail, res);
	/* With the head in flight, the retried one waits behind it, in order after that. */
	keyq_remove(buckets, trig);
	res->in_flight = true;
	keyq_append(buckets, &heap, ack);
	keyq_append(buckets, &heap, trig);
	ck_assert_ptr_eq(res->q->head, res);
	ck_assert_ptr_eq(res->qnext, trig);
	ck_assert_ptr_eq(trig->qnext, ack);
	ck_assert_ptr_eq(res->q->tail, ack);
	res->in_flight = false;
	keyq_free_all(buckets);
	keyq_heap_free(&heap);
	item_free(trig);
	item_free(ack);
	item_free(res);
}
END_TEST

#define NQ 200

/* NQ keys, each with a trigger and a resolve, seq in enqueue order. */
static void
fill(struct keyq **buckets, struct keyq_heap *h, struct item **it)
{
	struct incident inc;

	sample(&inc);
	for (int i = 0; i < 2 * NQ; i++) {
		snprintf(inc.key, sizeof(inc.key), "k%d", i % NQ);
		it[i] = item_new(NULL, "pd", &inc, i < NQ ? OUTBOX_TRIGGER : OUTBOX_RESOLVE, "{}", 0);
		it[i]->seq = (uint64_t)i + 1;
		keyq_append(buckets, h, it[i]);
	}
}

static void
drop_all(struct keyq **buckets, struct keyq_heap *h, struct item **it)
{
	keyq_free_all(buckets);
	ck_assert_uint_eq(h->n, 0);
	keyq_heap_free(h);
	for (int i = 0; i < 2 * NQ; i++)
		item_free(it[i]);
}

START_TEST(heap_orders_by_next_try_then_seq)
{
	static struct keyq *buckets[4096];
	static struct item *it[2 * NQ];
	struct keyq *q;
	struct keyq_heap h = { 0 };

	fill(buckets, &h, it);
	ck_assert_uint_eq(h.n, NQ); /* one entry per key: only heads are scheduled */
	/* Scramble the retry times of the heads; ties remain on purpose. */
	for (int i = 0; i < NQ; i++) {
		it[i]->next_try = (int64_t)((i * 37) % 11) * S;
		keyq_resched(it[i]);
	}
	int64_t last_t = -1;
	uint64_t last_seq = 0;
	for (int n = 0; n < NQ; n++) {
		q = keyq_heap_top(&h);
		ck_assert_ptr_nonnull(q);
		ck_assert(q->head->next_try > last_t ||
		    (q->head->next_try == last_t && q->head->seq > last_seq));
		last_t = q->head->next_try;
		last_seq = q->head->seq;
		q->head->in_flight = true; /* sent: out of the heap until its verdict */
		keyq_resched(q->head);
	}
	ck_assert_ptr_null(keyq_heap_top(&h));
	/* Delivered: the trigger leaves and its resolve, never before, is scheduled. */
	for (int i = 0; i < NQ; i++) {
		it[i]->in_flight = false;
		it[i]->delivered = true;
		keyq_resched(it[i]);
		ck_assert_uint_eq(h.n, 0);
	}
	for (int i = 0; i < NQ; i++)
		keyq_remove(buckets, it[i]);
	ck_assert_uint_eq(h.n, NQ);
	for (int i = NQ; i < 2 * NQ; i++) {
		q = keyq_heap_top(&h);
		ck_assert_ptr_eq(q->head, it[i]); /* all due at 0: in seq order, key after key */
		keyq_remove(buckets, it[i]);
	}
	ck_assert_uint_eq(nqueues(buckets), 0);
	drop_all(buckets, &h, it);
}
END_TEST

START_TEST(answers_again_makes_backoff_due_now)
{
	static struct keyq *buckets[4096];
	static struct item *it[2 * NQ];
	struct keyq_heap h = { 0 };
	int64_t now = 1000 * S;

	fill(buckets, &h, it);
	/* Backed off, far into the future, latest for the oldest; one is in flight. */
	for (int i = 0; i < NQ; i++) {
		it[i]->attempts = 9;
		it[i]->next_try = now + (int64_t)(NQ - i) * 60 * S;
		keyq_resched(it[i]);
	}
	it[5]->in_flight = true;
	keyq_resched(it[5]);
	ck_assert_ptr_eq(keyq_heap_top(&h)->head, it[NQ - 1]);
	keyq_heap_due_now(&h, now);
	ck_assert_uint_eq(h.n, NQ - 1);
	for (int i = 0; i < NQ; i++) {
		if (i == 5)
			continue;
		struct keyq *q = keyq_heap_top(&h);
		ck_assert_ptr_eq(q->head, it[i]); /* due now, oldest first */
		ck_assert_int_eq(q->head->next_try, now);
		q->head->in_flight = true;
		keyq_resched(q->head);
	}
	ck_assert_ptr_null(keyq_heap_top(&h));
	/* The one in flight keeps its own time: its verdict decides it. */
	ck_assert_int_eq(it[5]->next_try, now + (NQ - 5) * 60 * S);
	/* Something due earlier than now stays as it is. */
	it[7]->in_flight = false;
	it[7]->next_try = now - S;
	keyq_resched(it[7]);
	keyq_heap_due_now(&h, now);
	ck_assert_int_eq(it[7]->next_try, now - S);
	drop_all(buckets, &h, it);
}
END_TEST

/* An Alertmanager delivery being re-sent keeps that across a restart, and is never shed. */
START_TEST(standing_round_trip_never_shed)
{
	static struct shed_index x;
	struct incident inc;
	struct item *a, *b;
	char *s, *up = NULL;

	sample(&inc);
	a = item_new(NULL, "am@http://am1:9093", &inc, OUTBOX_TRIGGER, "{\"labels\":{}}", 5 * S);
	a->standing = true;
	a->maybe_sent = true;
	s = item_encode(a);
	ck_assert_ptr_nonnull(strstr(s, "\"standing\":true"));
	b = item_decode(NULL, 3, s, strlen(s), &up);
	ck_assert_ptr_nonnull(b);
	ck_assert(b->standing && b->maybe_sent);
	ck_assert_str_eq(up, "am@http://am1:9093");
	b->seq = 3;
	shed_add(&x, b);
	ck_assert(!b->shed_listed);
	ck_assert_ptr_null(shed_victim(&x));
	free(up);
	free(s);
	item_free(b);
	a->standing = false; /* the usual record has no such member */
	s = item_encode(a);
	ck_assert_ptr_null(strstr(s, "standing"));
	free(s);
	item_free(a);
}
END_TEST

START_TEST(shed_picks_least_severe_newest)
{
	static struct shed_index x;
	struct incident inc;
	struct item *it[6];
	static const int sev[6] = { 6, 2, 6, 3, 6, 2 };

	sample(&inc);
	for (int i = 0; i < 6; i++) {
		inc.severity = sev[i];
		it[i] = item_new(NULL, "pd", &inc, OUTBOX_TRIGGER, "{}", 0);
		it[i]->seq = (uint64_t)i + 1;
	}
	for (int i = 0; i < 6; i++)
		if (i != 2)
			shed_add(&x, it[i]);
	shed_add(&x, it[2]); /* a retried dead one comes back in seq order */
	ck_assert_ptr_eq(shed_victim(&x), it[4]);
	it[4]->in_flight = true; /* never shed what is in flight */
	ck_assert_ptr_eq(shed_victim(&x), it[2]);
	shed_del(&x, it[2]);
	shed_del(&x, it[2]); /* not listed: no-op */
	ck_assert_ptr_eq(shed_victim(&x), it[0]);
	shed_del(&x, it[0]);
	ck_assert_ptr_eq(shed_victim(&x), it[3]);
	shed_del(&x, it[3]);
	ck_assert_ptr_eq(shed_victim(&x), it[5]);
	it[5]->delivered = true;
	ck_assert_ptr_eq(shed_victim(&x), it[1]);
	shed_del(&x, it[1]);
	shed_del(&x, it[4]);
	shed_del(&x, it[5]);
	ck_assert_ptr_null(shed_victim(&x));
	for (int l = 0; l < SHED_LEVELS; l++)
		ck_assert(x.head[l] == NULL && x.tail[l] == NULL);
	for (int i = 0; i < 6; i++)
		item_free(it[i]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("outbox");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, backoff_full_jitter_is_capped);
	tcase_add_test(tc, retry_after_forms);
	tcase_add_test(tc, rate_window_sliding);
	tcase_add_test(tc, pagerduty_trigger_payload);
	tcase_add_test(tc, pagerduty_limits_and_changes);
	tcase_add_test(tc, pagerduty_verdicts);
	tcase_add_test(tc, item_round_trip);
	tcase_add_test(tc, key_queues_keep_order);
	tcase_add_test(tc, retried_dead_letter_keeps_sequence_order);
	tcase_add_test(tc, heap_orders_by_next_try_then_seq);
	tcase_add_test(tc, answers_again_makes_backoff_due_now);
	tcase_add_test(tc, shed_picks_least_severe_newest);
	tcase_add_test(tc, standing_round_trip_never_shed);
	suite_add_tcase(s, tc);
	return check_run(s);
}
