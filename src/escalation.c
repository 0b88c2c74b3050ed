/*
 * escalation.c - an incident's escalation, step by step over an injected
 * clock (escalation.h): levels due, notification rules due, ack, resolve.
 * Nothing here reads a clock, a socket or the store.
 */
#include "config.h"

#include <string.h>

#include "conf.h"
#include "conf_oncall.h"
#include "escalation.h"
#include "schedule.h"
#include "util.h"

static const char *const channel_names[ESCALATION_CHANNELS] = { "email", "sms", "chat",
	"exec" };

const char *
escalation_channel_name(enum escalation_channel ch)
{
	return (unsigned)ch < ESCALATION_CHANNELS ? channel_names[ch] : "unknown";
}

int
escalation_channel_from_name(const char *name)
{
	for (int i = 0; i < ESCALATION_CHANNELS; i++)
		if (strcmp(channel_names[i], name) == 0)
			return i;
	return -1;
}

int
escalation_oncall_conf(const struct conf_schedule *s, int64_t at, void *arg)
{
	struct schedule_shift sh;
	struct schedule_rows r = { &sh, 1, 0, SCHEDULE_STEPS_MAX, false };

	(void)arg;
	schedule_rota(&s->sched, NULL, 0, at, at + 1, &r);
	return r.n > 0 ? sh.contact : -1;
}

void
escalation_start(struct escalation_state *st, const char *policy, int64_t now)
{
	memset(st, 0, sizeof(*st));
	strlcpy_t(st->policy, policy, sizeof(st->policy));
	st->phase = ESCALATION_ACTIVE;
	st->started = now;
	st->level_at = now;
}

static void
out_add(struct escalation_out_list *out, int contact, enum escalation_channel ch,
    enum escalation_kind kind, uint32_t level, uint32_t round)
{
	if (out->n < ESCALATION_OUT_MAX)
		out->v[out->n++] = (struct escalation_out){ contact, ch, kind, level, round };
}

/* When paged contact c's next notification rule is due; NEVER when none is left. */
static int64_t
paged_next(const struct conf *conf, const struct escalation_paged *p)
{
	int c = conf_contact_index(conf, p->contact);

	if (c < 0 || p->sent >= conf->contacts[c].nnotify)
		return ESCALATION_NEVER;
	return p->at + conf->contacts[c].notify[p->sent].after;
}

/* Send every notification rule of p due by now. */
static void
paged_due(const struct conf *conf, struct escalation_paged *p, uint32_t round, int64_t now,
    struct escalation_out_list *out)
{
	int c = conf_contact_index(conf, p->contact);

	while (paged_next(conf, p) <= now) {
		out_add(out, c, conf->contacts[c].notify[p->sent].channel, ESCALATION_PAGE,
		    p->level, round);
		p->sent++;
	}
}

static struct escalation_paged *
paged_find(struct escalation_state *st, const char *name)
{
	for (size_t i = 0; i < st->npaged; i++)
		if (strcmp(st->paged[i].contact, name) == 0)
			return &st->paged[i];
	return NULL;
}

/* Contact c paged afresh by level at at: its notification rules start again. */
static void
page_contact(const struct escalation_env *env, struct escalation_state *st, int c, int64_t at,
    int64_t now, struct escalation_out_list *out)
{
	const char *name = env->conf->contacts[c].name;
	struct escalation_paged *p = paged_find(st, name);

	if (p == NULL && st->npaged >= ESCALATION_PAGED_MAX) {
		/* Paged now, not remembered: no reminder and no word of the resolve. */
		st->forgotten++;
		if (env->conf->contacts[c].nnotify > 0 && env->conf->contacts[c].notify[0].after == 0)
			out_add(out, c, env->conf->contacts[c].notify[0].channel, ESCALATION_PAGE,
			    st->level, st->round);
		return;
	}
	if (p == NULL) {
		p = &st->paged[st->npaged++];
		strlcpy_t(p->contact, name, sizeof(p->contact));
	}
	p->at = at;
	p->sent = 0;
	p->level = st->level;
	paged_due(env->conf, p, st->round, now, out);
}

/* The contacts the level's targets name at at, each once, into v (the caller's). */
static size_t
level_contacts(const struct escalation_env *env, const struct escalation_level *l, int64_t at,
    int *v)
{
	size_t n = 0;

	for (size_t i = 0; i < l->ntargets; i++) {
		const struct escalation_target *t = &l->targets[i];
		int c = t->kind == ESCALATION_CONTACT ? t->index :
		    env->oncall(&env->conf->schedules[t->index], at, env->arg);
		bool dup = c < 0 || (size_t)c >= env->conf->ncontacts;
		for (size_t j = 0; j < n && !dup; j++)
			dup = v[j] == c;
		if (!dup)
			v[n++] = c;
	}
	return n;
}

/* Fire the level due: page whoever it names now, and set when the next comes. */
static void
fire_level(const struct escalation_env *env, struct escalation_state *st, int64_t now,
    struct escalation_out_list *out)
{
	const struct escalation_policy *pol = env->policy;
	const struct escalation_level *l = &pol->levels[st->level];
	int v[ESCALATION_TARGETS_MAX];
	size_t n = level_contacts(env, l, now, v);
	int64_t due = st->level_at;

	for (size_t i = 0; i < n; i++)
		page_contact(env, st, v[i], now, now, out);
	if (st->level + 1 < pol->nlevels) {
		st->level++;
		st->level_at = due + l->after;
	} else if (st->round < pol->repeat && l->after > 0) {
		st->level = 0;
		st->round++;
		st->level_at = due + l->after;
	} else {
		st->level_at = ESCALATION_NEVER;
	}
}

void
escalation_step(const struct escalation_env *env, struct escalation_state *st, int64_t now,
    struct escalation_out_list *out)
{
	out->n = 0;
	if (st->phase != ESCALATION_ACTIVE)
		return;
	for (size_t i = 0; i < st->npaged; i++)
		if (conf_contact_index(env->conf, st->paged[i].contact) >= 0)
			paged_due(env->conf, &st->paged[i], st->round, now, out);
	/* A reload may have left the policy shorter than the level it was at. */
	if (st->level >= env->policy->nlevels)
		st->level_at = ESCALATION_NEVER;
	if (st->level_at <= now)
		fire_level(env, st, now, out);
}

int64_t
escalation_next(const struct conf *conf, const struct escalation_state *st)
{
	int64_t next = st->level_at;

	if (st->phase != ESCALATION_ACTIVE)
		return ESCALATION_NEVER;
	for (size_t i = 0; i < st->npaged; i++) {
		int64_t t = paged_next(conf, &st->paged[i]);
		next = t < next ? t : next;
	}
	return next;
}

bool
escalation_ack(struct escalation_state *st)
{
	if (st->phase != ESCALATION_ACTIVE)
		return false;
	st->phase = ESCALATION_ACKED;
	return true;
}

void
escalation_add_responders(const struct escalation_env *env, struct escalation_state *st,
    int64_t now, struct escalation_out_list *out)
{
	int v[ESCALATION_TARGETS_MAX];
	size_t n = level_contacts(env, &env->policy->levels[0], now, v);

	out->n = 0;
	for (size_t i = 0; i < n; i++)
		page_contact(env, st, v[i], now, now, out);
}

bool
escalation_fall_through(const struct conf *conf, struct escalation_state *st,
    const char *contact, enum escalation_channel dead, struct escalation_out_list *out)
{
	struct escalation_paged *p = paged_find(st, contact);
	int c = conf_contact_index(conf, contact);

	out->n = 0;
	if (st->phase != ESCALATION_ACTIVE || p == NULL || c < 0 ||
	    p->sent >= conf->contacts[c].nnotify ||
	    conf->contacts[c].notify[p->sent].channel == dead)
		return false;
	out_add(out, c, conf->contacts[c].notify[p->sent].channel, ESCALATION_PAGE, p->level,
	    st->round);
	p->sent++;
	return true;
}

void
escalation_resolve(const struct conf *conf, struct escalation_state *st,
    struct escalation_out_list *out)
{
	out->n = 0;
	if (st->phase == ESCALATION_RESOLVED)
		return;
	st->phase = ESCALATION_RESOLVED;
	for (size_t i = 0; i < st->npaged; i++) {
		int c = conf_contact_index(conf, st->paged[i].contact);
		if (c >= 0 && st->paged[i].sent > 0)
			out_add(out, c, conf->contacts[c].notify[0].channel,
			    ESCALATION_TELL_RESOLVED, st->paged[i].level, st->round);
	}
}
