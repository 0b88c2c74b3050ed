/*
 * pipeline_send.c - what the pipeline queues to the outbox for an
 * incident: its trigger to the upstreams its rule sends to, then its
 * acknowledge and resolve to where the trigger went, and what a trigger
 * shed or a resolve before delivery says on its timeline.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "incident.h"
#include "outbox.h"
#include "pipeline_int.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "upstream_pagerduty.h"

static int
first_event_cb(const struct timeline_entry *e, void *arg)
{
	if (e->kind != TIMELINE_EVENT)
		return 0;
	strlcpy_t(arg, e->text, TIMELINE_TEXT_MAX);
	return 1;
}

static void
expand_opt(const struct template *t, struct event *ev, char *buf, size_t size, const char **out)
{
	*out = NULL;
	if (t != NULL) {
		template_expand(t, ev, buf, size);
		*out = buf;
	}
}

/*
 * The outbox shed a trigger (the new one, or a pending one of another
 * incident) to stay within outbox-max: that upstream never hears of the
 * incident, so its acknowledge and resolve must not go there either.
 */
static void
unroute(struct pipeline *p, struct incident *cur, uint64_t id, const char *upstream)
{
	char text[TIMELINE_TEXT_MAX];
	struct incident other, *inc = cur;
	int r;

	if (id != cur->id) {
		if ((r = store_incident_get(p->txn, id, &other)) < 0) {
			if (r != -ENOENT)
				pipeline_store_failed(p, r, "reading an incident");
			return;
		}
		inc = &other;
	}
	incident_route_del(inc, upstream);
	snprintf(text, sizeof(text), "trigger to %s shed: the outbox is full (outbox-max)",
	    upstream);
	text_fix_tail(text);
	pipeline_timeline_add(p, inc, TIMELINE_NOTE, now_realtime_usec(), text, strlen(text));
	if (inc == &other && (r = store_incident_put(p->txn, inc)) < 0)
		pipeline_store_failed(p, r, "saving an incident");
}

/* Queue action for inc to upstream: 0 queued, 1 shed, 2 suppressed (outbox_push), -errno. */
static int
queue_one(struct pipeline *p, struct incident *inc, const char *upstream,
    enum outbox_action action, const char *payload)
{
	struct outbox_shed shed;
	int r = outbox_push(p->d->outbox, p->txn, upstream, inc, action, payload, &shed);

	if (shed.upstream != NULL)
		unroute(p, inc, shed.incident_id, shed.upstream);
	if (r < 0)
		pipeline_store_failed(p, r, "queueing a delivery");
	if (r == 0) {
		p->stats.queued++;
		batch_due(p->d->batch, BATCH_URGENT);
	}
	return r;
}

/* Queue the trigger to every upstream the rule (or the default) sends to. */
void
pipeline_queue_trigger(struct pipeline *p, const struct rule *rule, struct incident *inc, struct event *ev)
{
	const struct conf *conf = p->d->conf;
	const uint32_t *idx = rule ? rule->send : conf->default_send;
	size_t n = rule ? rule->nsend : conf->ndefault_send;
	char comp[256], grp[256], cls[256], first[TIMELINE_TEXT_MAX], last[TIMELINE_TEXT_MAX];
	struct pagerduty_details det = { .agent_host = conf->hostname, .last_event = last };

	if (p->d->outbox == NULL || n == 0)
		return;
	if (rule != NULL) {
		expand_opt(rule->component, ev, comp, sizeof(comp), &det.component);
		expand_opt(rule->group, ev, grp, sizeof(grp), &det.group);
		expand_opt(rule->class_, ev, cls, sizeof(cls), &det.class_);
	}
	text_copy(last, sizeof(last), ev->message.p, ev->message.n);
	det.first_event = last;
	if (inc->count > 1 && store_timeline_foreach(p->txn, inc->id, first_event_cb, first) == 1)
		det.first_event = first;
	inc->route[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct conf_upstream *cu = &conf->upstreams[idx[i]];
		char *payload = pagerduty_payload(cu, inc, OUTBOX_TRIGGER, &det);
		int r = queue_one(p, inc, cu->name, OUTBOX_TRIGGER, payload);
		free(payload);
		if (r == 0)
			incident_route_add(inc, cu->name);
		else if (r == 1)
			unroute(p, inc, inc->id, cu->name); /* said on its timeline */
	}
}

/* Its trigger had not reached upstream when it resolved: neither goes (outbox_stale.c). */
static void
note_unsent(struct pipeline *p, const struct incident *inc, const char *upstream)
{
	char text[TIMELINE_TEXT_MAX];

	snprintf(text, sizeof(text), OUTBOX_UNSENT_NOTE, upstream);
	text_fix_tail(text);
	pipeline_timeline_add(p, inc, TIMELINE_NOTE, now_realtime_usec(), text, strlen(text));
}

/* An acknowledge or resolve follows its trigger to where the trigger went. */
void
pipeline_queue_change(struct pipeline *p, struct incident *inc, enum outbox_action action)
{
	struct pagerduty_details det = { .agent_host = p->d->conf->hostname };
	char route[INCIDENT_ROUTE_MAX], *name, *sp;

	if (p->d->outbox == NULL)
		return;
	strlcpy_t(route, inc->route, sizeof(route));
	for (name = route; *name != '\0'; name = sp ? sp + 1 : name + strlen(name)) {
		if ((sp = strchr(name, ' ')) != NULL)
			*sp = '\0';
		if (!incident_routed(inc, name))
			continue; /* its trigger was shed by an earlier push of this loop */
		const struct conf_upstream *cu = conf_upstream_find(p->d->conf, name);
		char *payload = pagerduty_payload(cu, inc, action, &det);
		if (queue_one(p, inc, name, action, payload) == 2)
			note_unsent(p, inc, name);
		free(payload);
	}
}
