/*
 * outbox_view.c - what the outbox shows without changing anything: the
 * queue and upstream tables of `triagectl queue` and `status`, failover's
 * questions (is an upstream down, which triggers wait for it), counters.
 * The walks over every item answer an operator's request or a failover,
 * never an event or a tick.
 */
#include "config.h"

#include <jansson.h>
#include <string.h>

#include "conf.h"
#include "daemon.h"
#include "event.h"
#include "jsonutil.h"
#include "outbox.h"
#include "outbox_int.h"
#include "outbox_item.h"
#include "util.h"

static json_t *
item_json(const struct item *it, const char *state)
{
	return json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:I, s:o, s:o, s:o, s:o?}", "id",
	    (json_int_t)it->seq, "upstream", json_text(it->upstream), "key", json_text(it->key),
	    "action", outbox_action_name(it->action), "state", state, "severity",
	    event_severity_name(it->severity), "attempts", (json_int_t)it->attempts, "created",
	    json_time(it->created), "next_try", json_time(it->dead ? 0 : it->next_try), "last_try",
	    json_time(it->last_try), "last_error",
	    it->last_error ? json_text(it->last_error->s) : NULL);
}

json_t *
outbox_list_json(struct outbox *o, size_t limit, bool *more)
{
	json_t *arr = json_array();
	size_t n = 0;

	*more = false;
	for (struct item *it = o->head; it != NULL; it = it->next, n++) {
		if (n == limit) {
			*more = true;
			return arr;
		}
		json_array_append_new(arr,
		    item_json(it,
		        it->dead || it->rejected ? "dead"
		            : it->in_flight      ? "in-flight"
		            : it->delivered      ? "delivered"
		            : it->standing       ? "standing"
		                                 : "pending"));
	}
	for (struct item *it = o->staged; it != NULL; it = it->next, n++) {
		if (n == limit) {
			*more = true;
			return arr;
		}
		json_array_append_new(arr, item_json(it, "committing"));
	}
	return arr;
}

json_t *
outbox_upstreams_json(struct outbox *o)
{
	json_t *arr = json_array();
	int64_t now = now_realtime_usec();

	for (struct upstream_state *u = o->ups; u != NULL; u = u->next)
		json_array_append_new(arr,
		    json_pack("{s:o, s:b, s:b, s:b, s:i, s:I, s:I, s:o?}", "name",
		        json_text(u->name), "configured", u->cu != NULL || u->page_ok, "held",
		        u->held_until > now, "paused", u->paused_until > now, "in_flight",
		        (int)u->in_flight, "delivered", (json_int_t)u->delivered, "failures",
		        (json_int_t)u->failures, "last_error",
		        u->last_error ? json_text(u->last_error->s) : NULL));
	return arr;
}

/*
 * An upstream with several peers (alertmanager) is down when all of them
 * are, since the last of them went down: O(upstream states).
 */
int64_t
outbox_down_since(struct outbox *o, const char *upstream)
{
	const struct conf_upstream *cu = conf_upstream_find(o->d->conf, upstream);
	struct upstream_state *u;
	int64_t since = 0;

	if (cu == NULL || cu->nqueues == 1) {
		u = outbox_upstream_find(o, cu != NULL ? cu->queues[0] : upstream);
		return u != NULL ? u->down_since : 0;
	}
	for (size_t i = 0; i < cu->nqueues; i++) {
		if ((u = outbox_upstream_find(o, cu->queues[i])) == NULL || u->down_since == 0)
			return 0;
		since = u->down_since > since ? u->down_since : since;
	}
	return since;
}

size_t
outbox_pending_triggers(struct outbox *o, const char *upstream, uint64_t *ids, size_t max)
{
	const struct conf_upstream *cu = conf_upstream_find(o->d->conf, upstream);
	size_t n = 0;

	/* Several peers hold the same incidents: the first one's queue stands for them. */
	if (cu != NULL)
		upstream = cu->queues[0];
	for (struct item *it = o->head; it != NULL && n < max; it = it->next)
		if (it->action == OUTBOX_TRIGGER && !it->delivered && !it->dead && !it->rejected
		    && !it->standing && strcmp(it->upstream, upstream) == 0)
			ids[n++] = it->incident_id;
	return n;
}

struct item *
outbox_item_by_seq(struct outbox *o, uint64_t seq)
{
	for (struct item *it = o->head; it != NULL; it = it->next)
		if (it->seq == seq)
			return it;
	return NULL;
}

const struct loop_stats *
outbox_page_latency(const struct outbox *o)
{
	return &o->pages;
}

void
outbox_get_stats(const struct outbox *o, struct outbox_stats *st)
{
	*st = o->stats;
	st->pending = o->npending;
}
