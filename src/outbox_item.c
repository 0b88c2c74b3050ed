/*
 * outbox_item.c - deliveries as records and as members of their key queue.
 */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "jsonutil.h"
#include "outbox_item.h"
#include "util.h"

#define KEYQ_BUCKETS 4096 /* must match outbox.c */

struct item *
item_new(struct outbox *o, const char *upstream, const struct incident *inc,
    enum outbox_action action, const char *payload, int64_t now)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->o = o;
	it->upstream = xstrdup(upstream);
	it->key = xstrdup(inc->key);
	it->payload = xstrdup(payload);
	it->incident_id = inc->id;
	it->action = action;
	it->severity = inc->severity;
	it->created = now;
	return it;
}

void
item_free(struct item *it)
{
	if (it == NULL)
		return;
	free(it->upstream);
	free(it->key);
	free(it->payload);
	free(it->last_error);
	free(it);
}

char *
item_encode(const struct item *it)
{
	/* json_text: a key stored before ingest repaired text must not make this fail. */
	json_t *o = json_pack("{s:o, s:o, s:I, s:i, s:i, s:I, s:I, s:I, s:I, s:b, s:o, s:o*}",
	    "upstream", json_text(it->upstream), "key", json_text(it->key), "incident",
	    (json_int_t)it->incident_id,
	    "action", (int)it->action, "severity", it->severity, "attempts",
	    (json_int_t)it->attempts, "created", (json_int_t)it->created, "next_try",
	    (json_int_t)it->next_try, "last_try", (json_int_t)it->last_try, "dead", it->dead,
	    "payload", json_text(it->payload), "last_error",
	    it->last_error ? json_text(it->last_error) : NULL);
	char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	return s;
}

struct item *
item_decode(struct outbox *o, uint64_t seq, const void *data, size_t len)
{
	json_t *j = json_loadb(data, len, 0, NULL);
	const char *up, *key, *payload, *err = NULL;
	json_int_t id, attempts, created, next_try, last_try;
	int action, severity, dead;
	struct item *it = NULL;

	if (j != NULL && json_unpack(j, "{s:s, s:s, s:I, s:i, s:i, s:I, s:I, s:I, s:I, s:b, s:s, s?s}",
	    "upstream", &up, "key", &key, "incident", &id, "action", &action, "severity", &severity,
	    "attempts", &attempts, "created", &created, "next_try", &next_try, "last_try",
	    &last_try, "dead", &dead, "payload", &payload, "last_error", &err) == 0 &&
	    action >= OUTBOX_TRIGGER && action <= OUTBOX_RESOLVE) {
		it = xcalloc(1, sizeof(*it));
		it->o = o;
		it->seq = seq;
		it->upstream = xstrdup(up);
		it->key = xstrdup(key);
		it->payload = xstrdup(payload);
		it->last_error = err ? xstrdup(err) : NULL;
		it->incident_id = (uint64_t)id;
		it->action = (enum outbox_action)action;
		it->severity = severity;
		it->attempts = (uint32_t)attempts;
		it->created = created;
		it->next_try = next_try;
		it->last_try = last_try;
		it->dead = dead;
	}
	json_decref(j);
	return it;
}

static char *
keyq_id(const struct item *it)
{
	char *id;
	xasprintf(&id, "%s\n%s", it->upstream, it->key);
	return id;
}

static struct keyq **
bucket(struct keyq **buckets, const char *id)
{
	return &buckets[hash64(id, strlen(id), 0) % KEYQ_BUCKETS];
}

void
keyq_append(struct keyq **buckets, struct keyq **all, struct item *it)
{
	char *id = keyq_id(it);
	struct keyq **b = bucket(buckets, id), *q;

	for (q = *b; q != NULL && strcmp(q->id, id) != 0; q = q->hnext)
		;
	if (q == NULL) {
		q = xcalloc(1, sizeof(*q));
		q->id = id;
		q->hnext = *b;
		*b = q;
		q->all_next = *all;
		if (*all)
			(*all)->all_prev = q;
		*all = q;
	} else
		free(id);
	it->q = q;
	it->qnext = NULL;
	if (q->tail)
		q->tail->qnext = it;
	else
		q->head = it;
	q->tail = it;
}

static void
keyq_unlink(struct keyq **buckets, struct keyq **all, struct keyq *q)
{
	struct keyq **b = bucket(buckets, q->id);

	while (*b != q)
		b = &(*b)->hnext;
	*b = q->hnext;
	if (q->all_prev)
		q->all_prev->all_next = q->all_next;
	else
		*all = q->all_next;
	if (q->all_next)
		q->all_next->all_prev = q->all_prev;
	free(q->id);
	free(q);
}

void
keyq_remove(struct keyq **buckets, struct keyq **all, struct item *it)
{
	struct keyq *q = it->q;
	struct item **pp;

	if (q == NULL)
		return;
	for (pp = &q->head; *pp != it; pp = &(*pp)->qnext)
		;
	*pp = it->qnext;
	if (q->tail == it) {
		q->tail = NULL;
		for (struct item *x = q->head; x != NULL; x = x->qnext)
			q->tail = x;
	}
	it->q = NULL;
	it->qnext = NULL;
	if (q->head == NULL)
		keyq_unlink(buckets, all, q);
}

void
keyq_free_all(struct keyq **buckets, struct keyq **all)
{
	while (*all != NULL)
		keyq_unlink(buckets, all, *all);
}
