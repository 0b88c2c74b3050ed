/*
 * control_report.c - the report verb: a page of the incidents that opened
 * in a time range, newest first, read from the index by opening time
 * (store_history.c), or with "tally" a page of the range's hourly counts.
 * triagectl asks page after page and does the arithmetic; one page is one
 * short read transaction of at most REPORT_PAGE_MAX incidents and their
 * timelines, or REPORT_TALLY_PAGE hours, so a long history never holds
 * the loop for long.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "control_json.h"
#include "control_request.h"
#include "daemon.h"
#include "event.h"
#include "incident.h"
#include "jsonutil.h"
#include "store.h"
#include "util.h"

#define REPORT_PAGE_DEFAULT 200
#define REPORT_PAGE_MAX 500
#define REPORT_TALLY_PAGE 500 /* hours of counts a page */

/* What a report needs from a timeline: when the incident alerted, and what was delivered. */
struct delivered {
	int64_t alerted;
	uint64_t pages, deliveries;
};

static int
delivered_cb(const struct timeline_entry *e, void *arg)
{
	struct delivered *dv = arg;

	if (e->kind == TIMELINE_STATE && incident_state_alerts(e->state) && dv->alerted == 0)
		dv->alerted = e->at > 0 ? e->at : 1;
	if (e->kind == TIMELINE_DELIVERY) {
		dv->deliveries++;
		dv->pages += e->state == INCIDENT_TRIGGERED;
	}
	return 0;
}

static json_t *
report_incident_json(struct store_txn *t, const struct incident *inc)
{
	struct delivered dv = { 0, 0, 0 };
	json_t *j;

	if (store_timeline_foreach(t, inc->id, delivered_cb, &dv) < 0)
		dv = (struct delivered) { 0, 0,
			0 }; /* the incident counts, without its deliveries */
	j = json_pack("{s:I, s:o, s:o, s:s, s:s, s:I}", "id", (json_int_t)inc->id, "rule",
	    json_text(inc->rule), "host", json_text(inc->host), "state",
	    incident_state_name(inc->state), "severity", event_severity_name(inc->severity),
	    "count", (json_int_t)inc->count);
	json_object_set_new(j, "first_seen", json_time(inc->first_seen));
	json_object_set_new(j, "alerted_at", json_time(dv.alerted));
	json_object_set_new(j, "acked_at", json_time(inc->acked_at));
	json_object_set_new(j, "resolved_at", json_time(inc->resolved_at));
	json_object_set_new(j, "pages", json_integer((json_int_t)dv.pages));
	json_object_set_new(j, "deliveries", json_integer((json_int_t)dv.deliveries));
	return j;
}

struct tally_page {
	json_t *hours;
	int64_t next; /* the first hour not given, 0 when all were */
};

static int
tally_cb(int64_t hour, const struct store_tally *n, void *arg)
{
	struct tally_page *tp = arg;

	if (json_array_size(tp->hours) == REPORT_TALLY_PAGE) {
		tp->next = hour;
		return 1;
	}
	json_t *o = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I}", "hour", json_time(hour), "events",
	    (json_int_t)n->events, "dropped", (json_int_t)n->dropped, "opened",
	    (json_int_t)n->opened, "deliveries", (json_int_t)n->deliveries, "pages",
	    (json_int_t)n->pages);
	return json_array_append_new(tp->hours, o) < 0 ? -ENOMEM : 0;
}

/* A page of the range's hourly counts from since on; "next" is where the next page begins. */
static int
tally_page(struct store_txn *t, const struct control_request *rq, int64_t until, json_t *reply)
{
	struct tally_page tp = { json_array(), 0 };
	int r = store_tally_foreach(t, rq->since, until, tally_cb, &tp);

	json_object_set_new(reply, "tally", tp.hours);
	json_object_set_new(reply, "next", tp.next > 0 ? json_pack("{s:I}", "since",
	    (json_int_t)tp.next) : json_null());
	return r < 0 ? r : 0;
}

/* The page's incidents into reply; "next" is the cursor for the next page, null at the end. */
static int
report_page(struct store_txn *t, const struct control_request *rq, int64_t until, json_t *reply)
{
	size_t max = rq->limit == 0       ? REPORT_PAGE_DEFAULT
	    : rq->limit > REPORT_PAGE_MAX ? REPORT_PAGE_MAX
	                                  : rq->limit;
	struct store_opened_cursor cur = { until, UINT64_MAX };
	uint64_t *ids = xcalloc(max, sizeof(*ids));
	json_t *arr = json_array();
	struct incident inc;
	size_t n;
	int r;

	if (rq->before_at > 0)
		cur = (struct store_opened_cursor) { rq->before_at, rq->before_id };
	r = store_opened_before(t, rq->since, &cur, ids, max, &n);
	for (size_t i = 0; r == 0 && i < n; i++)
		if (store_incident_get(t, ids[i], &inc) == 0) /* gone meanwhile: not counted */
			json_array_append_new(arr, report_incident_json(t, &inc));
	free(ids);
	json_object_set_new(reply, "incidents", arr);
	json_object_set_new(reply, "next",
	    r == 0 && n == max ? json_pack(
	        "{s:I, s:I}", "before_at", (json_int_t)cur.at, "before_id", (json_int_t)cur.id)
	                       : json_null());
	return r;
}

json_t *
control_report(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	int64_t until = rq->until != 0 ? rq->until : now_realtime_usec();
	json_t *reply = json_pack(
	    "{s:b, s:o, s:o}", "ok", 1, "since", json_time(rq->since), "until", json_time(until));
	struct store_txn *t;
	int r;

	if ((r = store_txn_begin(d->store, false, &t)) < 0) {
		json_decref(reply);
		return control_fail_errno("reading the state database", r);
	}
	r = rq->tally ? tally_page(t, rq, until, reply) : report_page(t, rq, until, reply);
	store_txn_abort(t);
	if (r < 0) {
		json_decref(reply);
		return control_fail_errno("reading the incidents", r);
	}
	return reply;
}
