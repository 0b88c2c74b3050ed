/*
 * outbox_item.c - deliveries as records, as members of their key queue, and
 * key queues as members of their upstream's schedule (a binary heap).
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "jsonutil.h"
#include "outbox_item.h"
#include "store.h"
#include "util.h"

#define KEYQ_BUCKETS 4096 /* must match outbox_int.h */

struct errtext *
errtext_new(const char *s)
{
	size_t len = strlen(s) + 1;
	struct errtext *e = xmalloc(sizeof(*e) + len);

	e->refs = 1;
	memcpy(e->s, s, len);
	return e;
}

struct errtext *
errtext_ref(struct errtext *e)
{
	if (e != NULL)
		e->refs++;
	return e;
}

void
errtext_unref(struct errtext *e)
{
	if (e != NULL && --e->refs == 0)
		free(e);
}

struct item *
item_new(struct outbox *o, const char *upstream, const struct incident *inc,
    enum outbox_action action, const char *payload, int64_t now)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->o = o;
	it->upstream = upstream;
	it->key = xstrdup(inc->key);
	it->payload = payload ? xstrdup(payload) : NULL;
	it->incident_id = inc->id;
	it->action = (uint8_t)action;
	it->severity = (int8_t)inc->severity;
	it->created = now;
	return it;
}

void
item_free(struct item *it)
{
	if (it == NULL)
		return;
	if (it->q == NULL)
		free(it->key); /* else its queue's */
	free(it->payload);
	errtext_unref(it->last_error);
	free(it);
}

char *
item_encode(const struct item *it)
{
	return item_encode_as(it, it->payload, it->dead, it->next_try);
}

char *
item_encode_as(const struct item *it, const char *payload, bool dead, int64_t next_try)
{
	if (payload == NULL)
		return NULL;
	/* json_text: a key stored before ingest repaired text must not make this fail. */
	json_t *o = json_pack("{s:o, s:o, s:I, s:i, s:i, s:I, s:I, s:I, s:I, s:b, s:o, s:o*}",
	    "upstream", json_text(it->upstream), "key", json_text(it->key), "incident",
	    (json_int_t)it->incident_id,
	    "action", (int)it->action, "severity", (int)it->severity, "attempts",
	    (json_int_t)it->attempts, "created", (json_int_t)it->created, "next_try",
	    (json_int_t)next_try, "last_try", (json_int_t)it->last_try, "dead", dead,
	    "payload", json_text(payload), "last_error",
	    it->last_error ? json_text(it->last_error->s) : NULL);
	char *s;

	/* Only when set: records stay as they were for what most deliveries are. */
	if (o != NULL && it->maybe_sent)
		json_object_set_new(o, "maybe_sent", json_true());
	if (o != NULL && it->test)
		json_object_set_new(o, "test", json_true());
	if (o != NULL && it->standing)
		json_object_set_new(o, "standing", json_true());
	s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

struct item *
item_decode(struct outbox *o, uint64_t seq, const void *data, size_t len, char **upstream)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	const char *up, *key, *payload, *err = NULL;
	json_int_t id, attempts, created, next_try, last_try;
	int action, severity, dead, maybe_sent = 0, test = 0, standing = 0;
	struct item *it = NULL;

	/* The payload must be there (it is read again when sent), but is not kept. */
	if (j != NULL && json_unpack(j, "{s:s, s:s, s:I, s:i, s:i, s:I, s:I, s:I, s:I, s:b, s:s, s?s, "
	    "s?b, s?b, s?b}", "upstream", &up, "key", &key, "incident", &id, "action", &action,
	    "severity", &severity, "attempts", &attempts, "created", &created, "next_try",
	    &next_try, "last_try", &last_try, "dead", &dead, "payload", &payload, "last_error",
	    &err, "maybe_sent", &maybe_sent, "test", &test, "standing", &standing) == 0 &&
	    action >= OUTBOX_TRIGGER && action <= OUTBOX_UPDATE) {
		it = xcalloc(1, sizeof(*it));
		it->o = o;
		it->seq = seq;
		*upstream = xstrdup(up);
		it->key = xstrdup(key);
		it->last_error = err ? errtext_new(err) : NULL;
		it->incident_id = (uint64_t)id;
		it->action = (uint8_t)action;
		it->severity = (int8_t)(severity < INT8_MIN ? INT8_MIN : severity > INT8_MAX ?
		    INT8_MAX : severity);
		it->attempts = (uint32_t)attempts;
		it->created = created;
		it->next_try = next_try;
		it->last_try = last_try;
		it->dead = dead;
		it->maybe_sent = maybe_sent;
		it->test = test;
		it->standing = standing;
	}
	json_decref(j);
	return it;
}

int
item_payload_load(struct item *it, struct store_txn *t)
{
	const void *data;
	size_t len;
	json_t *j, *p;
	int r;

	if (it->payload != NULL)
		return 0;
	if ((r = store_outbox_get(t, it->seq, &data, &len)) < 0)
		return r;
	j = json_loadb(data, len, 0, NULL);
	p = json_object_get(j, "payload");
	if (json_is_string(p))
		it->payload = xstrndup(json_string_value(p), json_string_length(p));
	json_decref(j);
	return it->payload != NULL ? 0 : -EBADMSG;
}

void
item_payload_drop(struct item *it)
{
	free(it->payload);
	it->payload = NULL;
}

static int
shed_level(const struct item *it)
{
	return it->severity < 0 ? 0 : it->severity >= SHED_LEVELS ? SHED_LEVELS - 1 : it->severity;
}

void
shed_add(struct shed_index *x, struct item *it)
{
	int l = shed_level(it);
	struct item *after = x->tail[l];

	if (it->test || it->standing)
		return; /* a person asked for it, or it is firing upstream: never shed */

	/* Items come in seq order but for a retried dead one: look back from the tail. */
	while (after != NULL && after->seq > it->seq)
		after = after->sprev;
	it->sprev = after;
	it->snext = after ? after->snext : x->head[l];
	if (it->snext)
		it->snext->sprev = it;
	else
		x->tail[l] = it;
	if (after)
		after->snext = it;
	else
		x->head[l] = it;
	it->shed_listed = true;
}

void
shed_del(struct shed_index *x, struct item *it)
{
	int l = shed_level(it);

	if (!it->shed_listed)
		return;
	if (it->sprev)
		it->sprev->snext = it->snext;
	else
		x->head[l] = it->snext;
	if (it->snext)
		it->snext->sprev = it->sprev;
	else
		x->tail[l] = it->sprev;
	it->sprev = it->snext = NULL;
	it->shed_listed = false;
}

struct item *
shed_victim(const struct shed_index *x)
{
	for (int l = SHED_LEVELS - 1; l >= 0; l--)
		for (struct item *it = x->tail[l]; it != NULL; it = it->sprev)
			if (!item_busy(it) && it->pend == PEND_NONE)
				return it;
	return NULL;
}

/* A queue's head may be sent once due: nothing is under way for it. */
static bool
sendable(const struct keyq *q)
{
	return q->head != NULL && !item_busy(q->head);
}

static bool
before(const struct keyq *a, const struct keyq *b)
{
	if (a->head->next_try != b->head->next_try)
		return a->head->next_try < b->head->next_try;
	return a->head->seq < b->head->seq;
}

static void
heap_set(struct keyq_heap *h, size_t i, struct keyq *q)
{
	h->v[i] = q;
	q->hidx = i;
}

static void
sift_up(struct keyq_heap *h, size_t i)
{
	struct keyq *q = h->v[i];

	while (i > 0 && before(q, h->v[(i - 1) / 2])) {
		heap_set(h, i, h->v[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, q);
}

static void
sift_down(struct keyq_heap *h, size_t i)
{
	struct keyq *q = h->v[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(h->v[c + 1], h->v[c]))
			c++;
		if (!before(h->v[c], q))
			break;
		heap_set(h, i, h->v[c]);
		i = c;
	}
	heap_set(h, i, q);
}

static void
heap_insert(struct keyq_heap *h, struct keyq *q)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 64;
		h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
	}
	heap_set(h, h->n++, q);
	sift_up(h, q->hidx);
}

static void
heap_delete(struct keyq_heap *h, struct keyq *q)
{
	size_t i = q->hidx;
	struct keyq *last = h->v[--h->n];

	q->hidx = KEYQ_IDLE;
	if (last == q)
		return;
	heap_set(h, i, last);
	sift_up(h, i);
	sift_down(h, last->hidx);
}

static void
keyq_place(struct keyq *q)
{
	bool in = q->hidx != KEYQ_IDLE;

	if (!sendable(q)) {
		if (in)
			heap_delete(q->heap, q);
	} else if (!in)
		heap_insert(q->heap, q);
	else {
		sift_up(q->heap, q->hidx);
		sift_down(q->heap, q->hidx);
	}
}

void
keyq_resched(struct item *it)
{
	if (it->q != NULL)
		keyq_place(it->q);
}

struct keyq *
keyq_heap_top(const struct keyq_heap *h)
{
	return h->n > 0 ? h->v[0] : NULL;
}

void
keyq_heap_due_now(struct keyq_heap *h, int64_t now)
{
	for (size_t i = 0; i < h->n; i++)
		if (h->v[i]->head->next_try > now)
			h->v[i]->head->next_try = now;
	/* Heads now mostly tie: rebuild bottom-up rather than sift each one. */
	for (size_t i = h->n / 2; i-- > 0;)
		sift_down(h, i);
}

void
keyq_heap_free(struct keyq_heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

static char *
keyq_id(const char *upstream, const char *key)
{
	char *id;
	xasprintf(&id, "%s\n%s", upstream, key);
	return id;
}

static struct keyq **
bucket(struct keyq **buckets, const char *id)
{
	return &buckets[hash64(id, strlen(id), 0) % KEYQ_BUCKETS];
}

static struct keyq *
keyq_lookup(struct keyq **buckets, const char *id)
{
	struct keyq *q;

	for (q = *bucket(buckets, id); q != NULL && strcmp(q->id, id) != 0; q = q->hnext)
		;
	return q;
}

struct keyq *
keyq_find(struct keyq **buckets, const char *upstream, const char *key)
{
	char *id = keyq_id(upstream, key);
	struct keyq *q = keyq_lookup(buckets, id);

	free(id);
	return q;
}

/* The queue with this id, made (and put in the table) when there is none. */
static struct keyq *
keyq_get(struct keyq **buckets, struct keyq_heap *heap, const char *id)
{
	struct keyq **b = bucket(buckets, id), *q = keyq_lookup(buckets, id);
	size_t len = strlen(id) + 1;

	if (q != NULL)
		return q;
	q = xcalloc(1, sizeof(*q) + len);
	memcpy(q->id, id, len);
	q->heap = heap;
	q->hidx = KEYQ_IDLE;
	q->hnext = *b;
	*b = q;
	return q;
}

void
keyq_append(struct keyq **buckets, struct keyq_heap *heap, struct item *it)
{
	char *id = keyq_id(it->upstream, it->key);
	struct keyq *q = keyq_get(buckets, heap, id);

	free(id);
	/* One copy of the key per queue, not per delivery. */
	free(it->key);
	it->key = q->id + strlen(it->upstream) + 1;
	it->q = q;
	it->qnext = NULL;
	q->heap->items++;
	if (q->tail == NULL || q->tail->seq <= it->seq) {
		if (q->tail)
			q->tail->qnext = it;
		else
			q->head = it;
		q->tail = it;
	} else {
		/*
		 * A retried dead letter goes back in sequence order, never behind
		 * the resolve that followed it; but never before a head that is in
		 * flight or delivered, which must stay the head until it is done.
		 */
		struct item **pp = &q->head;
		while (*pp != NULL && (item_busy(*pp) || (*pp)->seq <= it->seq))
			pp = &(*pp)->qnext;
		it->qnext = *pp;
		*pp = it;
		if (it->qnext == NULL)
			q->tail = it;
	}
	if (q->head == it)
		keyq_place(q);
}

static void
keyq_unlink(struct keyq **buckets, struct keyq *q)
{
	struct keyq **b = bucket(buckets, q->id);

	if (q->hidx != KEYQ_IDLE)
		heap_delete(q->heap, q);
	while (*b != q)
		b = &(*b)->hnext;
	*b = q->hnext;
	free(q);
}

void
keyq_remove(struct keyq **buckets, struct item *it)
{
	struct keyq *q = it->q;
	struct item **pp;

	if (q == NULL)
		return;
	for (pp = &q->head; *pp != it; pp = &(*pp)->qnext)
		;
	*pp = it->qnext;
	q->heap->items--;
	if (q->tail == it) {
		q->tail = NULL;
		for (struct item *x = q->head; x != NULL; x = x->qnext)
			q->tail = x;
	}
	it->key = xstrdup(it->key); /* its own again: the queue may go */
	it->q = NULL;
	it->qnext = NULL;
	if (q->head == NULL)
		keyq_unlink(buckets, q);
	else
		keyq_place(q);
}

void
keyq_free_all(struct keyq **buckets)
{
	for (size_t i = 0; i < KEYQ_BUCKETS; i++)
		while (buckets[i] != NULL)
			keyq_unlink(buckets, buckets[i]);
}
