/*
 * pipeline_escalate.c - the pipeline's side of escalation policies: an
 * incident of a rule with `page` starts its escalation when it triggers;
 * each step (escalation.c) is taken in the batch, its state stored beside
 * the incident (store_escalation.c), its pages queued to the outbox, to
 * each contact's queue for the channel, and its next step filed in the
 * deadline index under ESCALATION_HOLDER | id, so the sweep comes back
 * exactly then and a restart resumes it from the last commit: a page is
 * queued in the same commit as the state that says it was sent.  An ack
 * stops it; a resolve stops it and tells those paged.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "conf_notifier.h"
#include "conf_oncall.h"
#include "conf_policy.h"
#include "daemon.h"
#include "escalation.h"
#include "log.h"
#include "mail.h"
#include "notify.h"
#include "oncall.h"
#include "pipeline_int.h"
#include "rules.h"
#include "store_escalation.h"
#include "text.h"
#include "util.h"
#include "web.h"

static void
note(struct pipeline *p, const struct incident *inc, int64_t now, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
note(struct pipeline *p, const struct incident *inc, int64_t now, const char *fmt, ...)
{
	char text[TIMELINE_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	text_fix_tail(text);
	pipeline_timeline_add(p, inc, TIMELINE_NOTE, now, text, strlen(text));
}

/* Whether the config has the notifier of ch now. */
static bool
has_notifier(const struct conf *conf, enum escalation_channel ch)
{
	switch (ch) {
	case ESCALATION_SMS: return conf->sms != NULL;
	case ESCALATION_CHAT: return conf->chat != NULL;
	case ESCALATION_EXEC: return conf->exec != NULL;
	default: return conf->mail != NULL;
	}
}

/* The outbox's payload of a page by o->channel: what goes, without a secret.  New string. */
static char *
page_payload(const struct conf *conf, const struct conf_contact *c,
    const struct escalation_out *o, const struct notify_page *pg, int64_t now)
{
	struct mail_page mp = { .to = c->email, .agent = pg->agent, .inc = pg->inc,
		.resolved = pg->resolved, .level = o->level, .round = o->round,
		.policy = pg->policy, .ack_link = pg->ack_link, .now = now,
		.unique = (uint64_t)o->level << 40 | (uint64_t)o->round << 32 |
		    (uint32_t)o->contact };

	switch (o->channel) {
	case ESCALATION_SMS: return notify_sms_payload(pg, c->sms);
	case ESCALATION_CHAT: return notify_chat_payload(pg, conf->chat->format);
	case ESCALATION_EXEC: return notify_exec_payload(pg);
	default:
		mp.from = conf->mail->from;
		return mail_payload(&mp);
	}
}

/* One message of a step, to the contact's queue for its channel, an upstream of its own. */
static void
send_one(struct pipeline *p, struct incident *inc, const struct escalation_state *st,
    const struct escalation_out *o, int64_t now)
{
	const struct conf *conf = p->d->conf;
	const struct conf_contact *c = &conf->contacts[o->contact];
	const char *ch = escalation_channel_name(o->channel);
	bool told = o->kind == ESCALATION_TELL_RESOLVED;
	char upstream[16 + ESCALATION_NAME_MAX];
	struct notify_page pg = { .inc = inc, .agent = conf->hostname, .contact = c->name,
		.resolved = told, .level = o->level, .round = o->round, .policy = st->policy };
	char *payload, *ack;

	if (!has_notifier(conf, o->channel)) {
		p->d->oncall.unsent++;
		note(p, inc, now, "%s %s not sent: no notifier %s", told ? "resolve for" :
		    "page to", c->name, ch);
		return;
	}
	/* Its link stops the escalation from the page itself (web.c), where one is served. */
	ack = told ? NULL : web_link(p->d->web, LINK_ACK, inc->id, now);
	pg.ack_link = ack;
	snprintf(upstream, sizeof(upstream), "%s/%s", ch, c->name);
	payload = page_payload(conf, c, o, &pg, now);
	free(ack);
	if (payload != NULL && pipeline_queue_one(p, inc, upstream, told ? OUTBOX_RESOLVE :
	    OUTBOX_TRIGGER, payload) == 0) {
		if (told)
			p->d->oncall.told++;
		else
			p->d->oncall.pages++;
		if (!told)
			note(p, inc, now, "paging %s (level %" PRIu32 " of policy %s) by %s",
			    c->name, o->level + 1, st->policy, ch);
	}
	free(payload);
}

/* Who is on call: the config's schedule with the overrides of the open batch. */
static int
oncall_cb(const struct conf_schedule *s, int64_t at, void *arg)
{
	struct pipeline *p = arg;

	return oncall_who(p->d, p->txn, s, at);
}

/* Store st and file its next step; at its end, out of the deadline index. */
static void
save(struct pipeline *p, uint64_t id, const struct escalation_state *st)
{
	int64_t next = escalation_next(p->d->conf, st);
	int r = store_escalation_put(p->txn, id, st);

	if (r < 0)
		pipeline_store_failed(p, r, "saving an escalation");
	pipeline_deadline_save(p, ESCALATION_HOLDER | id,
	    next == ESCALATION_NEVER ? STORE_NO_DEADLINE : next);
}

/* What is due by now, sent, then saved. */
static void
step(struct pipeline *p, struct incident *inc, const struct escalation_policy *pol,
    struct escalation_state *st, int64_t now)
{
	struct escalation_env env = { p->d->conf, pol, oncall_cb, p };
	struct escalation_out_list *out = xmalloc(sizeof(*out));
	uint32_t forgotten = st->forgotten;

	escalation_step(&env, st, now, out);
	for (size_t i = 0; i < out->n; i++)
		send_one(p, inc, st, &out->v[i], now);
	p->d->oncall.forgotten += st->forgotten - forgotten;
	free(out);
	save(p, inc->id, st);
}

static uint64_t
active(struct pipeline *p)
{
	uint64_t n = 0;

	if (store_escalation_count(p->txn, &n) < 0)
		n = 0;
	return n;
}

void
escalate_start(struct pipeline *p, const struct rule *rule, struct incident *inc)
{
	const struct conf *conf = p->d->conf;
	struct escalation_state *st;
	int64_t now = now_realtime_usec();

	if (rule == NULL || rule->page_policy < 0 || p->d->outbox == NULL)
		return;
	if (active(p) >= conf->escalation_max) {
		p->d->oncall.esc_refused++;
		note(p, inc, now, "not paged through policy %s: escalation-max (%" PRIu64 ") "
		    "escalations are under way", conf->policies[rule->page_policy].name,
		    conf->escalation_max);
		return;
	}
	st = xmalloc(sizeof(*st));
	escalation_start(st, conf->policies[rule->page_policy].name, now);
	p->d->oncall.started++;
	step(p, inc, &conf->policies[rule->page_policy].pol, st, now);
	free(st);
}

/*
 * The policy an escalation names: the config's, or for a page of one
 * contact by hand (ESCALATION_CONTACT_PREFIX and the name) one level
 * paging them, in *one and *l; NULL when the config has neither now.
 */
static const struct escalation_policy *
policy_named(const struct conf *conf, const char *name, struct escalation_policy *one,
    struct escalation_level *l)
{
	size_t n = strlen(ESCALATION_CONTACT_PREFIX);
	int i = conf_policy_index(conf, name);

	if (i >= 0)
		return &conf->policies[i].pol;
	if (strncmp(name, ESCALATION_CONTACT_PREFIX, n) != 0 ||
	    (i = conf_contact_index(conf, name + n)) < 0)
		return NULL;
	*l = (struct escalation_level){ .targets = { { ESCALATION_CONTACT, i } }, .ntargets = 1 };
	*one = (struct escalation_policy){ l, 1, 0 };
	return one;
}

/* Its incident is gone, or its policy: it stops here (a resolve still tells those paged). */
static void
stop(struct pipeline *p, uint64_t id, bool forget)
{
	int r = forget ? store_escalation_del(p->txn, id) : 0;

	if (r < 0)
		pipeline_store_failed(p, r, "removing an escalation");
	pipeline_deadline_save(p, ESCALATION_HOLDER | id, STORE_NO_DEADLINE);
}

void
escalate_due(struct pipeline *p, uint64_t holder, int64_t now)
{
	uint64_t id = holder & ~ESCALATION_HOLDER;
	struct incident *inc = xmalloc(sizeof(*inc));
	struct escalation_state *st = xmalloc(sizeof(*st));
	struct escalation_policy one;
	struct escalation_level *l = xmalloc(sizeof(*l));
	const struct escalation_policy *pol;
	int r = store_incident_get(p->txn, id, inc);

	if (r == 0)
		r = store_escalation_get(p->txn, id, st);
	if (r == -ENOENT || (r == 0 && !incident_is_open(inc)))
		stop(p, id, true);
	else if (r < 0)
		pipeline_store_failed(p, r, "reading an escalation");
	else if ((pol = policy_named(p->d->conf, st->policy, &one, l)) == NULL) {
		note(p, inc, now, "%s is no longer in the config: escalation stopped",
		    st->policy);
		stop(p, id, false);
	} else
		step(p, inc, pol, st, now);
	free(l);
	free(st);
	free(inc);
}

/* An ack stops the escalation; a resolve stops it and tells those paged. */
void
escalate_change(struct pipeline *p, struct incident *inc, enum outbox_action action)
{
	struct escalation_state *st;
	struct escalation_out_list *out;
	int64_t now = now_realtime_usec();
	int r;

	if (action != OUTBOX_ACKNOWLEDGE && action != OUTBOX_RESOLVE)
		return;
	st = xmalloc(sizeof(*st));
	if ((r = store_escalation_get(p->txn, inc->id, st)) < 0) {
		if (r != -ENOENT)
			pipeline_store_failed(p, r, "reading an escalation");
		free(st);
		return;
	}
	if (action == OUTBOX_ACKNOWLEDGE) {
		if (escalation_ack(st))
			note(p, inc, now, "escalation through policy %s stopped: acknowledged",
			    st->policy);
		save(p, inc->id, st);
		free(st);
		return;
	}
	out = xmalloc(sizeof(*out));
	escalation_resolve(p->d->conf, st, out);
	for (size_t i = 0; i < out->n; i++)
		send_one(p, inc, st, &out->v[i], now);
	stop(p, inc->id, true);
	free(out);
	free(st);
}

/* A dead-lettered page's fall-through, in the open batch (p->txn): 1 when it fell through. */
static int
dead_change(struct pipeline *p, const struct dead_page *dp, char **cause)
{
	const char *name = strchr(dp->queue, '/') + 1;
	char ch[16];
	struct incident *inc = xmalloc(sizeof(*inc));
	struct escalation_state *st = xmalloc(sizeof(*st));
	struct escalation_out_list *out = xmalloc(sizeof(*out));
	int64_t now = now_realtime_usec();
	int dead, r, fell = 0;

	snprintf(ch, sizeof(ch), "%.*s", (int)(name - 1 - dp->queue), dp->queue);
	dead = escalation_channel_from_name(ch);
	r = store_incident_get(p->txn, dp->id, inc);
	if (r == 0 && incident_is_open(inc))
		r = store_escalation_get(p->txn, dp->id, st);
	if (r == 0 && incident_is_open(inc) && dead >= 0 &&
	    escalation_fall_through(p->d->conf, st, name, (enum escalation_channel)dead, out)) {
		note(p, inc, now, "the page to %s by %s was dead-lettered: trying %s now", name, ch,
		    escalation_channel_name(out->v[0].channel));
		fell = 1;
		send_one(p, inc, st, &out->v[0], now);
		save(p, dp->id, st);
	}
	if (r < 0 && r != -ENOENT)
		xasprintf(cause, "reading the escalation failed: %s", strerror(-r));
	free(out);
	free(st);
	free(inc);
	return r == -ENOENT ? 0 : r < 0 ? r : fell;
}

void
pipeline_page_dead(struct pipeline *p, uint64_t incident_id, const char *queue)
{
	struct dead_pages *dp = &p->dead;

	if (strchr(queue, '/') == NULL)
		return;
	if (dp->n == DEAD_PAGES_MAX) {
		p->d->oncall.fall_through_lost++;
		log_warnx("escalation: %d dead pages already wait for a commit; the page to %s "
			  "falls through to its next channel at its own time", DEAD_PAGES_MAX, queue);
		return;
	}
	dp->v[dp->n++] = (struct dead_page){ incident_id, xstrdup(queue) };
	(void)batch_txn(p->d->batch, BATCH_URGENT); /* refused: the batch opens after its pause */
}

int
pipeline_dead_prepare(struct pipeline *p, struct store_txn *t)
{
	struct dead_pages *dp = &p->dead;
	char *cause = NULL;
	int r, wrote = 0;

	for (p->txn = t; dp->applied < dp->n; dp->applied++) {
		r = dead_change(p, &dp->v[dp->applied], &cause);
		free(cause);
		cause = NULL;
		if (r == -EBADMSG) {
			/* Unreadable, so every batch would fail on it: dropped, not retried. */
			log_warnx("escalation: the incident or escalation of the dead page to %s cannot "
				  "be read; it falls through at its own time", dp->v[dp->applied].queue);
			dp->lost++;
			continue;
		}
		if (r < 0) {
			log_warnx("escalation: falling through after a dead page to %s failed: %s; "
				  "retrying with the next batch", dp->v[dp->applied].queue, strerror(-r));
			return r;
		}
		dp->fell += (uint64_t)r;
		wrote = 1;
	}
	return wrote;
}

void
pipeline_dead_committed(struct pipeline *p)
{
	struct dead_pages *dp = &p->dead;

	for (size_t i = 0; i < dp->applied; i++)
		free(dp->v[i].queue);
	memmove(dp->v, dp->v + dp->applied, (dp->n - dp->applied) * sizeof(dp->v[0]));
	dp->n -= dp->applied;
	dp->applied = 0;
	p->d->oncall.fell_through += dp->fell;
	p->d->oncall.fall_through_lost += dp->lost;
	dp->fell = dp->lost = 0;
}

void
pipeline_dead_rolled_back(struct pipeline *p)
{
	p->dead.applied = 0;
	p->dead.fell = p->dead.lost = 0;
}

void
pipeline_dead_free(struct pipeline *p)
{
	for (size_t i = 0; i < p->dead.n; i++)
		free(p->dead.v[i].queue);
	p->dead.n = p->dead.applied = 0;
}

#define PAGE_SEVERITY 2 /* crit: a person asked for someone now */

/* A page by hand: what it names, the incident it adds responders to (or NULL), and the key. */
struct hand_page {
	const char *target, *text, *actor, *incident;
	char key[INCIDENT_KEY_MAX + 1];
};

/* The escalation's name for target: a policy's, or the prefix and a contact's; *cause when none. */
static int
hand_target(const struct conf *conf, const char *target, char *name, size_t size, char **cause)
{
	int c;

	if (conf_policy_index(conf, target) >= 0) {
		snprintf(name, size, "%s", target);
		return 0;
	}
	if ((c = conf_contact_index(conf, target)) < 0) {
		xasprintf(cause, "no policy or contact named '%s'", target);
		return -ENOENT;
	}
	if (conf->contacts[c].nnotify == 0) {
		xasprintf(cause, "contact '%s' has no way to be paged: give it an email", target);
		return -EINVAL;
	}
	snprintf(name, size, ESCALATION_CONTACT_PREFIX "%s", target);
	return 0;
}

/*
 * --incident KEY: the target's first level paged now about that open
 * incident, remembered in its escalation (one begun for it when it has
 * none), so they are reminded and told of its resolve like the others.
 */
static int
responders_change(struct pipeline *p, struct hand_page *h, const char *name, char **cause)
{
	const struct conf *conf = p->d->conf;
	struct escalation_state *st = xmalloc(sizeof(*st));
	struct incident *inc = xmalloc(sizeof(*inc));
	struct escalation_out_list *out = xmalloc(sizeof(*out));
	struct escalation_level *l = xmalloc(sizeof(*l));
	struct escalation_policy one;
	struct escalation_env env = { conf, policy_named(conf, name, &one, l), oncall_cb, p };
	char fitted[INCIDENT_KEY_MAX + 1];
	int64_t now = now_realtime_usec();
	int r = store_incident_by_key(p->txn, incident_lookup_key(h->incident, fitted), inc);

	if (r == -ENOENT || (r == 0 && !incident_is_open(inc))) {
		xasprintf(cause, "no open incident with key '%s'", h->incident);
		r = -ENOENT;
	} else if (r == 0 && (r = store_escalation_get(p->txn, inc->id, st)) == -ENOENT) {
		if (active(p) >= conf->escalation_max) {
			p->d->oncall.esc_refused++;
			xasprintf(cause, "escalation-max (%" PRIu64 ") escalations are under way",
			    conf->escalation_max);
			r = -ENOSPC;
		} else {
			escalation_start(st, name, now);
			p->d->oncall.started++;
			r = 0;
		}
	}
	if (r == 0) {
		note(p, inc, now, "responders added by %s with triagectl page %s: %s", h->actor,
		    h->target, h->text);
		escalation_add_responders(&env, st, now, out);
		for (size_t i = 0; i < out->n; i++)
			send_one(p, inc, st, &out->v[i], now);
		save(p, inc->id, st);
		snprintf(h->key, sizeof(h->key), "%s", inc->key);
	} else if (*cause == NULL)
		xasprintf(cause, "reading the incident failed: %s", strerror(-r));
	free(l);
	free(out);
	free(inc);
	free(st);
	return r;
}

/* Open an incident "page/ID" of the text, triggered, and start its escalation. */
static int
hand_change(struct pipeline *p, void *arg, char **cause)
{
	struct hand_page *h = arg;
	const struct conf *conf = p->d->conf;
	struct escalation_state *st = xmalloc(sizeof(*st));
	struct incident *inc = xmalloc(sizeof(*inc));
	struct escalation_policy one;
	struct escalation_level *l = xmalloc(sizeof(*l));
	int64_t now = now_realtime_usec();
	char name[sizeof(st->policy)], why[TIMELINE_TEXT_MAX];
	uint64_t id;
	int r = hand_target(conf, h->target, name, sizeof(name), cause);

	if (r == 0 && p->d->outbox == NULL) {
		xasprintf(cause, "no outbox to send pages through");
		r = -ENOTSUP;
	} else if (r == 0 && h->incident != NULL) {
		free(l);
		free(inc);
		free(st);
		return responders_change(p, h, name, cause);
	} else if (r == 0 && active(p) >= conf->escalation_max) {
		p->d->oncall.esc_refused++;
		xasprintf(cause, "escalation-max (%" PRIu64 ") escalations are under way",
		    conf->escalation_max);
		r = -ENOSPC;
	} else if (r == 0 && (r = store_next_id(p->txn, &id)) < 0)
		xasprintf(cause, "allocating an incident id failed: %s", strerror(-r));
	if (r == 0) {
		snprintf(h->key, sizeof(h->key), "page/%" PRIu64, id);
		incident_start(inc, id, h->key, "page", conf->hostname, h->text, PAGE_SEVERITY, 1,
		    now);
		snprintf(why, sizeof(why), "opened by %s with triagectl page %s", h->actor, h->target);
		text_fix_tail(why);
		pipeline_timeline_state(p, inc, now, why);
		escalation_start(st, name, now);
		p->d->oncall.started++;
		step(p, inc, policy_named(conf, name, &one, l), st, now);
		pipeline_incident_save(p, inc);
	}
	free(l);
	free(inc);
	free(st);
	return r;
}

int
pipeline_page(struct pipeline *p, const char *target, const char *text, const char *incident,
    const char *actor, char *key, size_t size, char **cause)
{
	struct hand_page h = { target, text, actor, incident, "" };
	int r = pipeline_commit(p, hand_change, &h, cause);

	if (r == 0)
		snprintf(key, size, "%s", h.key);
	return r;
}
