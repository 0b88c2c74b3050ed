/*
 * outbox_health.c - what the log, triagectl status and systemd's STATUS=
 * say of each upstream: ok, failing, held or paused; how many deliveries
 * wait for it and since when; its last success and its last error.  Kept
 * as deliveries come and go (the depth counted in its heap, its oldest one
 * found again lazily from the list by seq when it leaves), so asking costs
 * O(upstreams), never a walk of the queue.  An outage is logged when it
 * starts, again every HEALTH_REPEAT while it lasts and when it ends; one
 * that starts within HEALTH_QUIET of the last "failing" line is said only
 * if it lasts, so a flapping upstream cannot flood the log.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "ctl_format.h"
#include "daemon.h"
#include "log.h"
#include "outbox.h"
#include "outbox_int.h"
#include "outbox_item.h"
#include "status_line.h"
#include "util.h"

#define HEALTH_QUIET  (60 * USEC_PER_SEC)     /* at most one "failing" line a minute */
#define HEALTH_REPEAT (5 * 60 * USEC_PER_SEC) /* "still failing", with the depth then */

const char *
outbox_up_state_name(enum outbox_up_state s)
{
	static const char *const names[] = { "ok", "failing", "held", "paused" };
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "unknown";
}

void
outbox_health_item_in(struct upstream_state *u, struct item *it)
{
	if (it->standing)
		u->standing += it->q != NULL;
	else if (u->oldest == NULL || it->seq < u->oldest->seq)
		u->oldest = it;
}

/*
 * Its oldest leaves: the next of its deliveries in a key queue, after it in
 * the list by seq (none of them is before it).  Each step passes an item
 * the cursor never comes back to, but for a dead letter put back by queue
 * retry.
 */
void
outbox_health_item_out(struct outbox *o, struct item *it)
{
	struct upstream_state *u = outbox_upstream_get(o, it->upstream);
	struct item *x;

	if (it->standing && it->q != NULL)
		u->standing--; /* a dead one left its queue, and the count, when buried */
	if (u->oldest != it)
		return;
	for (x = it->next;
	     x != NULL && (x->upstream != it->upstream || x->q == NULL || x->standing);
	     x = x->next)
		;
	u->oldest = x;
}

void
outbox_health_item_stands(struct outbox *o, struct item *it)
{
	outbox_health_item_out(o, it); /* while it->standing is false: it was queued */
	it->standing = true;
	outbox_upstream_get(o, it->upstream)->standing++;
}

/* " (42 queued, oldest 3m)" or " (nothing queued)" */
static void
depth_text(const struct upstream_state *u, int64_t now, char *buf, size_t size)
{
	char age[32];

	if (u->oldest == NULL) {
		snprintf(buf, size, "nothing queued");
		return;
	}
	ctl_format_span(now - u->oldest->created, age, sizeof(age));
	snprintf(buf, size, "%zu queued, oldest %s", u->heap.items - u->standing, age);
}

static void
announce(struct upstream_state *u, const char *why, int64_t now)
{
	char depth[96], down[32];

	depth_text(u, now, depth, sizeof(depth));
	if (u->announced_at != 0 && u->announced) {
		ctl_format_span(now - u->down_since, down, sizeof(down));
		log_warnx("upstream %s still failing after %s: %s (%s)", u->name, down, why, depth);
	} else
		log_warnx("upstream %s failing: %s (%s)", u->name, why, depth);
	u->announced = true;
	u->announced_at = now;
}

static void
recovered(struct upstream_state *u, int64_t now)
{
	char depth[96], down[32];

	if (u->announced) {
		depth_text(u, now, depth, sizeof(depth));
		ctl_format_span(now - u->down_since, down, sizeof(down));
		log_info("upstream %s recovered after %s: %s", u->name, down, depth);
	}
	u->down_since = 0;
	u->announced = false;
}

void
outbox_health_verdict(struct outbox *o, struct upstream_state *u, enum outbox_verdict v,
    const char *why, int64_t now)
{
	bool was_down = u->down_since != 0;

	if (v == OUTBOX_THROTTLED)
		return; /* it answers, and asks us to wait: paused, neither down nor back */
	if (v == OUTBOX_DELIVERED || v == OUTBOX_DEAD) {
		if (v == OUTBOX_DELIVERED)
			u->last_success = now;
		if (was_down) {
			recovered(u, now);
			status_line_update(o->d->status);
		}
		return;
	}
	if (!was_down)
		u->down_since = now;
	/* A hold raises its own alarm; this says what a retry does not. */
	if (v == OUTBOX_RETRY &&
	    now - u->announced_at >= (u->announced ? HEALTH_REPEAT : HEALTH_QUIET)) {
		announce(u, why, now);
		status_line_update(o->d->status); /* "for 5m": the time down, now and then */
	} else if (!was_down)
		status_line_update(o->d->status);
}

/* Its first failure, and how it ended: a long outage does not log every retry. */
void
outbox_health_log_test(const struct item *it, enum outbox_verdict v, const char *why)
{
	if (v != OUTBOX_DELIVERED && v != OUTBOX_DEAD && it->attempts > 0)
		return;
	const char *what = v == OUTBOX_DELIVERED ? "delivered" :
	    v == OUTBOX_DEAD			     ? "rejected for good" :
						       "failed, retrying until it goes";

	log_info("send-test: %s of '%s' to %s %s: %s", outbox_action_name(it->action), it->key,
	    it->upstream, what, why);
}

static enum outbox_up_state
up_state(const struct upstream_state *u, int64_t now)
{
	if (u->held_until > now)
		return OUTBOX_UP_HELD;
	if (u->paused_until > now)
		return OUTBOX_UP_PAUSED;
	return u->down_since != 0 ? OUTBOX_UP_FAILING : OUTBOX_UP_OK;
}

void
outbox_health_foreach(struct outbox *o, outbox_health_fn *fn, void *arg)
{
	int64_t now = now_realtime_usec();

	for (struct upstream_state *u = o->ups; u != NULL; u = u->next) {
		if (u->cu == NULL && !u->page_ok && u->heap.items == 0)
			continue; /* gone from the config, nothing left for it */
		struct outbox_health h = {
			.name = u->name,
			.state = up_state(u, now),
			.configured = u->cu != NULL || u->page_ok,
			.queued = u->heap.items - u->standing,
			.standing = u->standing,
			.oldest = u->oldest ? u->oldest->created : 0,
			.down_since = u->down_since,
			.last_success = u->last_success,
			.last_error = errtext_str(u->last_error),
			.delivered = u->delivered,
			.failures = u->failures,
			.in_flight = u->in_flight,
			.delivery = &u->delivery,
		};
		fn(&h, arg);
	}
}
