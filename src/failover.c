/*
 * failover.c - paging people directly when the upstreams are gone
 * (failover.h).
 *
 * A timer looks at each upstream's health once a second (O(upstreams));
 * only when one crosses failover-after does it walk that upstream's
 * queued triggers (bounded by outbox-max), once, and start the escalation
 * of each incident whose rule pages and has none yet, in one commit.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_upstream.h"
#include "daemon.h"
#include "failover.h"
#include "incident.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "pipeline_int.h"
#include "rules.h"
#include "store.h"
#include "store_escalation.h"
#include "util.h"

#define TICK	    USEC_PER_SEC
#define CATCHUP_MAX 10000 /* incidents paged at one crossing; escalation-max bounds them too */

struct failover {
	struct daemon *d;
	sd_event_source *timer;
	char active[CONF_MAX_UPSTREAMS][CONF_UPSTREAM_NAME_MAX + 1]; /* upstreams past the line */
	size_t nactive;
	uint64_t caught_up, left;
};

bool
failover_due(int64_t after, const int64_t *down_since, size_t n, int64_t now)
{
	if (after <= 0 || n == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		if (down_since[i] == 0 || now - down_since[i] < after)
			return false;
	return true;
}

bool
failover_pages(struct daemon *d, const struct rule *rule, int64_t now)
{
	const struct conf *conf = d->conf;
	int64_t down[CONF_MAX_UPSTREAMS];
	size_t n = 0;

	if (conf->failover_after <= 0 || rule == NULL || d->outbox == NULL)
		return true;
	for (size_t i = 0; i < rule->nsend && n < CONF_MAX_UPSTREAMS; i++)
		down[n++] = outbox_down_since(d->outbox, conf->upstreams[rule->send[i]].name);
	return failover_due(conf->failover_after, down, n, now);
}

struct catchup {
	const uint64_t *ids;
	size_t n;
	uint64_t started;
};

/* Each waiting incident whose rule pages, now that it may, and that has no escalation yet. */
static int
catch_up_in_batch(struct pipeline *p, void *arg, char **cause)
{
	struct catchup *c = arg;
	struct escalation_state *st = xmalloc(sizeof(*st));
	int64_t now = now_realtime_usec();
	struct incident inc;

	for (size_t i = 0; i < c->n; i++) {
		const struct rule *rule;

		if (store_incident_get(p->txn, c->ids[i], &inc) < 0 || !incident_is_open(&inc) ||
		    inc.state == INCIDENT_ACKNOWLEDGED)
			continue;
		rule = pipeline_rule(p->d->conf, inc.rule);
		if (rule == NULL || rule->page_policy < 0 || !failover_pages(p->d, rule, now) ||
		    store_escalation_get(p->txn, inc.id, st) == 0)
			continue;
		escalate_start(p, rule, &inc);
		pipeline_incident_save(p, &inc);
		c->started++;
	}
	free(st);
	return 0;
}

static void
catch_up(struct failover *f, const char *upstream)
{
	struct catchup c = { 0 };
	uint64_t *ids = xcalloc(CATCHUP_MAX, sizeof(*ids));
	char *cause = NULL;

	c.ids = ids;
	c.n = outbox_pending_triggers(f->d->outbox, upstream, ids, CATCHUP_MAX);
	if (c.n > 0 && pipeline_commit(f->d->pipeline, catch_up_in_batch, &c, &cause) < 0) {
		log_warnx("failover: paging what waits for upstream %s failed: %s", upstream,
		    cause ? cause : "unknown error");
		c.started = 0;
	}
	f->caught_up += c.started;
	if (c.started > 0)
		log_info("failover: paged %llu incidents that wait for upstream %s",
		    (unsigned long long)c.started, upstream);
	free(cause);
	free(ids);
}

static bool
in(const char (*names)[CONF_UPSTREAM_NAME_MAX + 1], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void
look(struct failover *f, int64_t now)
{
	const struct conf *conf = f->d->conf;
	char before[CONF_MAX_UPSTREAMS][CONF_UPSTREAM_NAME_MAX + 1];
	size_t nbefore = f->nactive;
	char span[32];

	memcpy(before, f->active, sizeof(before));
	f->nactive = 0;
	format_duration(conf->failover_after, span, sizeof(span));
	for (size_t i = 0; i < conf->nupstreams; i++) {
		const char *name = conf->upstreams[i].name;
		int64_t down = outbox_down_since(f->d->outbox, name);

		if (!failover_due(conf->failover_after, &down, 1, now))
			continue;
		strlcpy_t(f->active[f->nactive++], name, sizeof(f->active[0]));
		if (in(before, nbefore, name))
			continue;
		log_warnx("failover: upstream %s has accepted nothing for %s: rules that page page "
			  "people directly", name, span);
		catch_up(f, name);
	}
	for (size_t k = 0; k < nbefore; k++)
		if (!in(f->active, f->nactive, before[k]))
			log_info("failover: upstream %s takes deliveries again: new incidents are "
				 "left to it", before[k]);
}

static int
tick(sd_event_source *s, uint64_t usec, void *arg)
{
	struct failover *f = arg;

	if (f->d->conf->failover_after > 0 && f->d->outbox != NULL)
		look(f, now_realtime_usec());
	else
		f->nactive = 0;
	sd_event_source_set_time(s, usec + TICK);
	sd_event_source_set_enabled(s, SD_EVENT_ON);
	return 0;
}

int
failover_new(struct daemon *d, struct failover **out)
{
	struct failover *f = xcalloc(1, sizeof(*f));
	uint64_t now = 0;
	int r;

	f->d = d;
	sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	if ((r = sd_event_add_time(d->event, &f->timer, CLOCK_MONOTONIC, now + TICK, TICK / 10,
	     tick, f)) < 0) {
		free(f);
		return r;
	}
	*out = f;
	return 0;
}

void
failover_free(struct failover *f)
{
	if (f == NULL)
		return;
	sd_event_source_disable_unref(f->timer);
	free(f);
}

void
failover_left(struct failover *f)
{
	if (f != NULL)
		f->left++;
}

json_t *
failover_json(const struct failover *f)
{
	json_t *ups = json_array();

	for (size_t i = 0; f != NULL && i < f->nactive; i++)
		json_array_append_new(ups, json_string(f->active[i]));
	return json_pack("{s:I, s:o, s:I, s:I}", "after_usec",
	    (json_int_t)(f ? f->d->conf->failover_after : 0), "upstreams", ups, "caught_up",
	    (json_int_t)(f ? f->caught_up : 0), "left_to_upstream", (json_int_t)(f ? f->left : 0));
}
