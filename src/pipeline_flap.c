/*
 * pipeline_flap.c - flap detection in the pipeline: flap.c decides, this
 * writes the timeline and queues what goes upstream.  A flapping incident
 * is sent once (or updated, when it had been sent already), updated as
 * its cycles go on, and resolved after its quiet period.  Its timeline
 * and its updates follow the first ten cycles, then each power of ten, so
 * a port that flaps all night stays a few lines and a few updates.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>

#include "batch.h"
#include "daemon.h"
#include "flap.h"
#include "incident.h"
#include "pipeline_int.h"
#include "rules.h"
#include "util.h"

void
pipeline_flap_down(struct pipeline *p, struct incident *inc, const struct event *ev)
{
	char why[64];

	if (!flap_down(inc, ev->recv_usec) || !incident_count_notable(inc->flap.cycles))
		return;
	snprintf(why, sizeof(why), "down again, cycle %" PRIu32, inc->flap.cycles);
	pipeline_timeline_state(p, inc, ev->recv_usec, why);
	pipeline_queue_update(p, inc, ev);
}

/* It just started flapping: sent once, as a trigger if it was held, else as news. */
static void
started(struct pipeline *p, const struct rule *rule, const struct incident_policy *pol,
    struct incident *inc, bool held, const struct event *ev)
{
	char why[128], d[32];

	p->stats.flapping++;
	format_duration(pol->flap_window, d, sizeof(d));
	snprintf(why, sizeof(why), "%" PRIu32 " down/up cycles within %s", inc->flap.cycles, d);
	pipeline_timeline_state(p, inc, ev->recv_usec, why);
	if (!held) {
		pipeline_queue_update(p, inc, ev);
		return;
	}
	p->stats.triggered++;
	batch_due(p->d->batch, BATCH_FIRED);
	pipeline_queue_trigger(p, rule, inc, NULL);
}

bool
pipeline_flap_up(struct pipeline *p, const struct rule *rule, struct incident *inc,
    const struct event *ev)
{
	struct incident_policy pol;
	bool held = inc->held_since != 0;
	enum flap_up up;

	pipeline_policy(rule, &pol);
	if ((up = flap_up(inc, &pol, ev->recv_usec)) == FLAP_UP_RESOLVE)
		return false;
	if (up == FLAP_UP_STARTED || incident_count_notable(inc->flap.cycles))
		pipeline_timeline_add(p, inc, TIMELINE_EVENT, ev->recv_usec, ev->message.p,
		    ev->message.n);
	if (up == FLAP_UP_STARTED)
		started(p, rule, &pol, inc, held, ev);
	return true;
}

void
pipeline_flap_settle(struct pipeline *p, const struct rule *rule, struct incident *inc,
    int64_t now)
{
	struct incident_policy pol;
	uint32_t cycles = inc->flap.cycles;
	char why[128], d[32];

	pipeline_policy(rule, &pol);
	format_duration(pol.flap_quiet, d, sizeof(d));
	if (flap_settle(inc, now)) {
		snprintf(why, sizeof(why), "stable for %s after %" PRIu32 " cycles", d, cycles);
		pipeline_closed(p, inc, now, false, why);
		return;
	}
	snprintf(why, sizeof(why), "down for %s after %" PRIu32 " cycles: flapping no more", d,
	    cycles);
	pipeline_timeline_state(p, inc, now, why);
	pipeline_queue_update(p, inc, NULL);
}
