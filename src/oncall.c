/*
 * oncall.c - who is on call, for triagectl, and the overrides people add.
 * Overrides live in the state database, written through the batch as
 * silences are, and are read back whole for each question: they are few
 * (override-max), and so the config's schedules and the database's
 * overrides never disagree after a reload or a restart.  An override
 * naming a schedule or contact the running config lacks is kept but does
 * nothing.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "conf_oncall.h"
#include "control_json.h"
#include "control_peer.h"
#include "control_request.h"
#include "daemon.h"
#include "jsonutil.h"
#include "log.h"
#include "oncall.h"
#include "pipeline.h"
#include "schedule.h"
#include "store.h"
#include "store_escalation.h"
#include "store_override.h"
#include "text.h"
#include "util.h"

struct override_list {
	struct store_override *v;
	size_t n;
};

static int
collect_cb(const struct store_override *o, void *arg)
{
	struct override_list *l = arg;

	if (l->n >= ONCALL_OVERRIDE_MAX_MAX)
		return 1; /* more than override-max can have kept: enough */
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n++] = *o;
	return 0;
}

static int
overrides_read(struct daemon *d, struct override_list *l)
{
	struct store_txn *t;
	int r;

	*l = (struct override_list){ NULL, 0 };
	if ((r = store_txn_begin(d->store, false, &t)) < 0)
		return r;
	r = store_override_foreach(t, collect_cb, l);
	store_txn_abort(t);
	return r < 0 ? r : 0;
}

/*
 * A chat webhook's URL is its secret (anyone holding it may post): shown
 * only up to its host, as "https://hooks.example.com/...".
 */
static json_t *
chat_shown(const char *url)
{
	const char *host = strstr(url, "://");
	const char *path = host != NULL ? strchr(host + 3, '/') : NULL;
	char buf[256];

	if (path == NULL)
		return json_text(url);
	snprintf(buf, sizeof(buf), "%.*s/...", (int)(path - url), url);
	return json_text(buf);
}

static json_t *
contact_json(const struct conf *conf, int i)
{
	const struct conf_contact *c = i >= 0 ? &conf->contacts[i] : NULL;

	if (c == NULL)
		return json_null();
	return json_pack("{s:o, s:o?, s:o?, s:o?, s:o?}", "name", json_text(c->name), "email",
	    c->email ? json_text(c->email) : NULL, "sms", c->sms ? json_text(c->sms) : NULL,
	    "chat", c->chat ? chat_shown(c->chat) : NULL, "tz", c->tz[0] ? json_text(c->tz) : NULL);
}

static json_t *
shift_json(const struct conf *conf, const struct conf_schedule *s,
    const struct schedule_shift *sh)
{
	return json_pack("{s:o, s:o, s:o, s:o}", "contact", contact_json(conf, sh->contact),
	    "start", json_time(sh->start), "end", json_time(sh->end), "by",
	    json_text(sh->layer >= 0 ? s->layer_names[sh->layer] : "override"));
}

/* The database's overrides of s in force at or after at, as the schedule takes them. */
static struct schedule_override *
overrides_of(const struct conf *conf, const struct conf_schedule *s,
    const struct override_list *l, int64_t at, size_t *n)
{
	struct schedule_override *v = xcalloc(l->n + 1, sizeof(*v));

	*n = 0;
	for (size_t i = 0; i < l->n; i++) {
		int c = conf_contact_index(conf, l->v[i].contact);
		if (c >= 0 && l->v[i].to > at && strcmp(l->v[i].schedule, s->name) == 0)
			v[(*n)++] = (struct schedule_override){ c, l->v[i].from, l->v[i].to };
	}
	return v;
}

int
oncall_who(struct daemon *d, struct store_txn *t, const struct conf_schedule *s, int64_t at)
{
	struct override_list l = { NULL, 0 };
	struct schedule_shift sh;
	struct schedule_rows r = { &sh, 1, 0, SCHEDULE_STEPS_MAX, false };
	struct schedule_override *extra;
	size_t nextra;

	/* Unreadable overrides leave the config's schedule: someone is still paged. */
	if (store_override_foreach(t, collect_cb, &l) < 0)
		l.n = 0;
	extra = overrides_of(d->conf, s, &l, at, &nextra);
	schedule_rota(&s->sched, extra, nextra, at, at + 1, &r);
	free(extra);
	free(l.v);
	return r.n > 0 ? sh.contact : -1;
}

/*
 * Who is on at at and until when (null: no change within the horizon);
 * the rota for next.  *steps is the request's budget (schedule.h).
 */
static json_t *
schedule_json(const struct conf *conf, const struct conf_schedule *s,
    const struct override_list *l, int64_t at, int64_t next, int *steps)
{
	struct schedule_rows r = { xcalloc(SCHEDULE_SHIFTS_MAX, sizeof(*r.v)),
		next > 0 ? SCHEDULE_SHIFTS_MAX : 2, 0, *steps, false };
	int64_t to = at + (next > 0 ? next : SCHEDULE_HORIZON_MAX);
	size_t nextra;
	struct schedule_override *extra = overrides_of(conf, s, l, at, &nextra);
	json_t *j, *rota = json_array();

	schedule_rota(&s->sched, extra, nextra, at, to, &r);
	*steps = r.steps;
	j = json_pack("{s:o, s:o, s:o, s:o, s:o}", "name", json_text(s->name), "tz",
	    json_text(s->sched.tz[0] ? s->sched.tz : "local"), "oncall",
	    contact_json(conf, r.v[0].contact), "by",
	    json_text(r.v[0].layer >= 0 ? s->layer_names[r.v[0].layer] : "override"), "until",
	    r.n == 1 && (r.v[0].end == to || r.cut) ? json_null() : json_time(r.v[0].end));
	for (size_t i = 0; next > 0 && i < r.n; i++)
		json_array_append_new(rota, shift_json(conf, s, &r.v[i]));
	/* Without a rota, only the steps running out cut it: until is then unknown. */
	json_object_set_new(j, "cut", json_boolean(next > 0 ? r.cut : r.cut && r.n == 1));
	if (next > 0)
		json_object_set_new(j, "rota", rota);
	else
		json_decref(rota);
	free(extra);
	free(r.v);
	return j;
}

json_t *
oncall_show(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	int64_t at = rq->at > 0 ? rq->at : now_realtime_usec();
	struct override_list l;
	int r, steps = SCHEDULE_STEPS_MAX;
	json_t *arr;

	(void)peer;
	if (rq->schedule != NULL && conf_schedule_find(d->conf, rq->schedule) == NULL)
		return control_fail("no such schedule in the running configuration");
	if ((r = overrides_read(d, &l)) < 0)
		return control_fail_errno("reading the overrides", r);
	arr = json_array();
	for (size_t i = 0; i < d->conf->nschedules; i++) {
		const struct conf_schedule *s = &d->conf->schedules[i];
		if (rq->schedule == NULL || strcmp(rq->schedule, s->name) == 0)
			json_array_append_new(arr, schedule_json(d->conf, s, &l, at, rq->next,
			    &steps));
	}
	free(l.v);
	return json_pack("{s:b, s:o, s:o}", "ok", 1, "at", json_time(at), "schedules", arr);
}

/* ok, saying what was done in text (freed here): triagectl prints it. */
static json_t *
done_reply(char *text)
{
	json_t *j = json_pack("{s:b, s:o}", "ok", 1, "done", json_text(text));

	free(text);
	return j;
}

/* What an override add writes: the ended ones out, room checked, the new one in. */
struct add_change {
	struct store_override o;
	uint64_t max, pruned;
	int64_t now;
};

struct ended {
	uint64_t *ids;
	size_t n;
	int64_t now;
};

static int
ended_cb(const struct store_override *o, void *arg)
{
	struct ended *e = arg;

	if (o->to <= e->now) {
		e->ids = xreallocarray(e->ids, e->n + 1, sizeof(*e->ids));
		e->ids[e->n++] = o->id;
	}
	return 0;
}

static int
add_change(struct store_txn *t, void *arg, char **cause)
{
	struct add_change *c = arg;
	struct ended e = { NULL, 0, c->now };
	uint64_t kept;
	int r;

	if ((r = store_override_count(t, &kept)) < 0 ||
	    (r = store_override_foreach(t, ended_cb, &e)) < 0)
		goto out;
	if (kept - e.n >= c->max) {
		xasprintf(cause, "%" PRIu64 " overrides are kept, the most override-max allows "
		    "(%" PRIu64 "); remove one, or raise override-max", kept - e.n, c->max);
		r = -ENOSPC;
		goto out;
	}
	for (size_t i = 0; i < e.n && r == 0; i++)
		r = store_override_del(t, e.ids[i]);
	c->pruned = e.n;
	if (r == 0)
		r = store_override_put(t, &c->o);
out:
	free(e.ids);
	return r;
}

/* The names and times of an add, against the running config; *why when not. */
static const char *
add_refusal(struct daemon *d, const struct control_request *rq, const struct store_override *o)
{
	if (conf_schedule_find(d->conf, rq->schedule) == NULL)
		return "no such schedule in the running configuration";
	if (conf_contact_index(d->conf, rq->contact) < 0)
		return "no such contact in the running configuration";
	if (o->to <= o->from || o->to <= o->created)
		return "an override must end after it begins, and in the future";
	if (o->to - o->from > ONCALL_OVERRIDE_LENGTH_MAX)
		return "an override lasts at most 366 days";
	return NULL;
}

json_t *
oncall_override_add(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer)
{
	struct add_change c = { .max = d->conf->override_max };
	const char *actor = control_peer_actor(peer), *why;
	char *cause = NULL, until[40];
	json_t *j;

	c.now = c.o.created = now_realtime_usec();
	c.o.from = rq->start > 0 ? rq->start * USEC_PER_SEC : c.now;
	c.o.to = rq->end * USEC_PER_SEC;
	strlcpy_t(c.o.schedule, rq->schedule, sizeof(c.o.schedule));
	strlcpy_t(c.o.contact, rq->contact, sizeof(c.o.contact));
	text_copy(c.o.creator, sizeof(c.o.creator), actor, strlen(actor));
	if ((why = add_refusal(d, rq, &c.o)) != NULL ||
	    pipeline_commit_store(d->pipeline, add_change, &c, &cause) < 0) {
		d->oncall.refused++;
		j = control_fail(why ? why : cause ? cause : "override-add failed");
		free(cause);
		return j;
	}
	d->oncall.added++;
	d->oncall.pruned += c.pruned;
	log_info("override %" PRIu64 " added by %s", c.o.id, c.o.creator);
	format_rfc3339(c.o.to, until, sizeof(until));
	xasprintf(&cause, "override %" PRIu64 " added, until %s", c.o.id, until);
	j = done_reply(cause);
	json_object_set_new(j, "id", json_integer((json_int_t)c.o.id));
	return j;
}

static json_t *
override_json(const struct store_override *o, int64_t now)
{
	return json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:s}", "id", (json_int_t)o->id,
	    "schedule", json_text(o->schedule), "contact", json_text(o->contact), "from",
	    json_time(o->from), "to", json_time(o->to), "created", json_time(o->created),
	    "creator", json_text(o->creator), "state",
	    o->to <= now ? "ended" : o->from <= now ? "active" : "pending");
}

json_t *
oncall_override_list(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer)
{
	int64_t now = now_realtime_usec();
	struct override_list l;
	json_t *arr;
	int r;

	(void)rq;
	(void)peer;
	if ((r = overrides_read(d, &l)) < 0)
		return control_fail_errno("reading the overrides", r);
	arr = json_array();
	for (size_t i = 0; i < l.n; i++)
		json_array_append_new(arr, override_json(&l.v[i], now));
	free(l.v);
	return json_pack("{s:b, s:o, s:I}", "ok", 1, "overrides", arr, "max",
	    (json_int_t)d->conf->override_max);
}

static int
remove_change(struct store_txn *t, void *arg, char **cause)
{
	uint64_t id = *(uint64_t *)arg;
	int r = store_override_del(t, id);

	if (r == -ENOENT)
		xasprintf(cause, "no override with id %" PRIu64, id);
	return r;
}

json_t *
oncall_override_remove(struct daemon *d, const struct control_request *rq,
    struct control_peer *peer)
{
	uint64_t id = rq->id;
	char *cause = NULL;
	json_t *j;

	(void)peer;
	if (pipeline_commit_store(d->pipeline, remove_change, &id, &cause) < 0) {
		j = control_fail(cause ? cause : "override-remove failed");
		free(cause);
		return j;
	}
	d->oncall.removed++;
	xasprintf(&cause, "override %" PRIu64 " removed", id);
	return done_reply(cause);
}

json_t *
oncall_page(struct daemon *d, const struct control_request *rq, struct control_peer *peer)
{
	const char *actor = control_peer_actor(peer);
	char key[INCIDENT_KEY_MAX + 1], *cause = NULL;
	json_t *j;

	if (pipeline_page(d->pipeline, rq->target, rq->text, rq->key, actor, key, sizeof(key),
	    &cause) < 0) {
		j = control_fail(cause ? cause : "page failed");
		free(cause);
		return j;
	}
	log_info("%s paged %s by hand: incident %s", actor, rq->target, key);
	if (rq->key != NULL)
		xasprintf(&cause, "paging %s about incident %s (triagectl ack %s stops it)",
		    rq->target, key, key);
	else
		xasprintf(&cause, "paging %s: incident %s (triagectl ack %s stops it)", rq->target,
		    key, key);
	j = done_reply(cause);
	json_object_set_new(j, "key", json_text(key));
	return j;
}

/* Escalations under way (against their limit) and what they sent. */
static json_t *
escalations_json(struct daemon *d)
{
	struct store_txn *t;
	uint64_t n = 0;

	if (store_txn_begin(d->store, false, &t) == 0) {
		if (store_escalation_count(t, &n) < 0)
			n = 0;
		store_txn_abort(t);
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "active",
	    (json_int_t)n, "max", (json_int_t)d->conf->escalation_max, "policies",
	    (json_int_t)d->conf->npolicies, "started", (json_int_t)d->oncall.started, "pages",
	    (json_int_t)d->oncall.pages, "told", (json_int_t)d->oncall.told, "unsent",
	    (json_int_t)d->oncall.unsent, "forgotten", (json_int_t)d->oncall.forgotten, "refused",
	    (json_int_t)d->oncall.esc_refused, "fell_through", (json_int_t)d->oncall.fell_through,
	    "fall_through_lost", (json_int_t)d->oncall.fall_through_lost);
}

json_t *
oncall_status_json(struct daemon *d)
{
	struct store_txn *t;
	uint64_t kept = 0;

	if (store_txn_begin(d->store, false, &t) == 0) {
		if (store_override_count(t, &kept) < 0)
			kept = 0;
		store_txn_abort(t);
	}
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "count", (json_int_t)kept,
	    "max", (json_int_t)d->conf->override_max, "added", (json_int_t)d->oncall.added,
	    "removed", (json_int_t)d->oncall.removed, "refused", (json_int_t)d->oncall.refused,
	    "pruned", (json_int_t)d->oncall.pruned, "schedules", (json_int_t)d->conf->nschedules,
	    "contacts", (json_int_t)d->conf->ncontacts, "escalations", escalations_json(d));
}
