/*
 * pipeline_send.c - what the pipeline queues to the outbox for an
 * incident: its trigger to the upstreams its rule sends to, then its
 * updates, acknowledge and resolve to where the trigger went, and what a
 * trigger shed or a resolve before delivery says on its timeline.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "daemon.h"
#include "conf_policy.h"
#include "failover.h"
#include "incident.h"
#include "outbox.h"
#include "pipeline_int.h"
#include "rules.h"
#include "store.h"
#include "text.h"
#include "upstream.h"
#include "upstream_pagerduty.h"
#include "web.h"

/* The first and the last event on a timeline; last NULL: the first is enough. */
struct event_texts {
	char *first, *last;
	bool have_first;
};

static int
event_texts_cb(const struct timeline_entry *e, void *arg)
{
	struct event_texts *tx = arg;

	if (e->kind != TIMELINE_EVENT)
		return 0;
	if (!tx->have_first) {
		strlcpy_t(tx->first, e->text, TIMELINE_TEXT_MAX);
		tx->have_first = true;
	}
	if (tx->last == NULL)
		return 1;
	strlcpy_t(tx->last, e->text, TIMELINE_TEXT_MAX);
	return 0;
}

static void
expand_field(const struct template *t, struct event *ev, char *buf, size_t size)
{
	buf[0] = '\0';
	if (t != NULL) {
		template_expand(t, ev, buf, size);
		text_fix_tail(buf); /* cut anywhere, it must stay text */
	}
}

void
pipeline_payload_fields(const struct rule *rule, struct incident *inc, struct event *ev)
{
	if (rule == NULL)
		return;
	expand_field(rule->component, ev, inc->component, sizeof(inc->component));
	expand_field(rule->group, ev, inc->group, sizeof(inc->group));
	expand_field(rule->class_, ev, inc->class_, sizeof(inc->class_));
}

static const char *
nonempty(const char *s)
{
	return *s != '\0' ? s : NULL;
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

int
pipeline_queue_one(struct pipeline *p, struct incident *inc, const char *upstream,
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

/* What a trigger or an update of an incident says beside the incident itself. */
struct trigger_details {
	struct pagerduty_details det;
	char first[TIMELINE_TEXT_MAX], last[TIMELINE_TEXT_MAX];
	char *ack_url; /* web_link(), or NULL; freed by the caller */
};

/*
 * The fields inc kept, and its first and last event: the last is ev's
 * message, or, without ev (its hold ended), the timeline's last event.
 */
static void
details_of(struct pipeline *p, const struct incident *inc, const struct event *ev,
    struct trigger_details *td)
{
	struct event_texts tx = { td->first, ev == NULL ? td->last : NULL, false };

	free(td->ack_url);
	td->ack_url = web_link(p->d->web, LINK_ACK, inc->id, now_realtime_usec());
	td->det = (struct pagerduty_details){ .agent_host = p->d->conf->hostname,
		.component = nonempty(inc->component), .group = nonempty(inc->group),
		.class_ = nonempty(inc->class_), .first_event = td->last, .last_event = td->last,
		.ack_url = td->ack_url };
	td->last[0] = '\0';
	if (ev != NULL)
		text_copy(td->last, sizeof(td->last), ev->message.p, ev->message.n);
	if ((ev == NULL || inc->count > 1) &&
	    store_timeline_foreach(p->txn, inc->id, event_texts_cb, &tx) >= 0 && tx.have_first)
		td->det.first_event = td->first;
}

/*
 * Queue the trigger to every upstream the rule (or the default) sends to.
 * Its fields come from ev, or, when its hold ended, from what inc kept and
 * its timeline.
 */
/* Its rule's page, unless failover-after leaves it to the upstreams for now (failover.h). */
static void
page_or_leave(struct pipeline *p, const struct rule *rule, struct incident *inc)
{
	int64_t now = now_realtime_usec();
	char text[TIMELINE_TEXT_MAX], span[32];

	if (rule == NULL || rule->page_policy < 0 || failover_pages(p->d, rule, now)) {
		escalate_start(p, rule, inc);
		return;
	}
	failover_left(p->d->failover);
	format_duration(p->d->conf->failover_after, span, sizeof(span));
	snprintf(text, sizeof(text), "not paged through policy %s: its upstreams take deliveries "
	    "(failover-after %s)", p->d->conf->policies[rule->page_policy].name, span);
	text_fix_tail(text);
	pipeline_timeline_add(p, inc, TIMELINE_NOTE, now, text, strlen(text));
}

void
pipeline_queue_trigger(struct pipeline *p, const struct rule *rule, struct incident *inc,
    struct event *ev)
{
	const struct conf *conf = p->d->conf;
	const uint32_t *idx = rule ? rule->send : conf->default_send;
	size_t n = rule ? rule->nsend : conf->ndefault_send;
	struct trigger_details td = { .ack_url = NULL };

	page_or_leave(p, rule, inc);
	if (p->d->outbox == NULL || n == 0)
		return;
	if (ev != NULL)
		pipeline_payload_fields(rule, inc, ev);
	details_of(p, inc, ev, &td);
	inc->route[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const struct conf_upstream *cu = &conf->upstreams[idx[i]];
		char *payload = upstream_payload(cu, inc, OUTBOX_TRIGGER, &td.det);
		int r = pipeline_queue_one(p, inc, cu->name, OUTBOX_TRIGGER, payload);
		free(payload);
		if (r == 0)
			incident_route_add(inc, cu->name);
		else if (r == 1)
			unroute(p, inc, inc->id, cu->name); /* said on its timeline */
	}
	free(td.ack_url);
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

/* action, with det, to every upstream inc's trigger went to. */
static void
queue_routed(struct pipeline *p, struct incident *inc, enum outbox_action action,
    const struct pagerduty_details *det)
{
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
		char *payload = upstream_payload(cu, inc, action, det);
		if (pipeline_queue_one(p, inc, name, action, payload) == 2)
			note_unsent(p, inc, name);
		free(payload);
	}
}

/* An acknowledge or resolve follows its trigger to where the trigger went. */
void
pipeline_queue_change(struct pipeline *p, struct incident *inc, enum outbox_action action)
{
	struct pagerduty_details det = { .agent_host = p->d->conf->hostname };

	escalate_change(p, inc, action);
	queue_routed(p, inc, action, &det);
}

/* News of an incident already sent goes where its trigger went, as an update. */
void
pipeline_queue_update(struct pipeline *p, struct incident *inc, const struct event *ev)
{
	struct trigger_details td = { .ack_url = NULL };

	if (p->d->outbox == NULL || inc->route[0] == '\0')
		return;
	details_of(p, inc, ev, &td);
	queue_routed(p, inc, OUTBOX_UPDATE, &td.det);
	free(td.ack_url);
}
