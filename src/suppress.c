/*
 * suppress.c - silences and maintenance windows in the pipeline.  When an
 * incident would be sent, the active silence or window that matches it
 * and ends last holds it: it is recorded as suppressed, its event kept,
 * and it is filed in the held index under that holder.  The holder's end
 * is a deadline like any other (sweep.c): then its held incidents are
 * read from the index, a budget a tick, and each is held by what else
 * matches or sent as its event would have sent it.  An alerting incident
 * that inhibits another holds it the same way (pipeline_inhibit.c), until
 * it closes.  Nothing here scans incidents.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "conf.h"
#include "conf_maintenance.h"
#include "daemon.h"
#include "event_pack.h"
#include "log.h"
#include "pipeline_int.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define HELD_MAGIC 0x48455631u /* "HEV1": a packed event follows */

bool
suppress_subject_lookup(const char *field, struct str *v, void *arg)
{
	const struct suppress_subject *sj = arg;
	const char *s = NULL;

	if (strcmp(field, "key") == 0)
		s = sj->inc->key;
	else if (strcmp(field, "rule") == 0)
		s = sj->inc->rule;
	else if (strcmp(field, "host") == 0)
		s = sj->inc->host;
	else if (strcmp(field, "summary") == 0)
		s = sj->inc->summary;
	else if (strcmp(field, "severity") == 0)
		s = event_severity_name(sj->inc->severity);
	if (s != NULL) {
		*v = str_make(s, strlen(s));
		return true;
	}
	return event_get(sj->ev, str_make(field, strlen(field)), v) == 0;
}

/*
 * A window's holder id: its name, schedule and matchers, so a window a
 * reload changed is another holder, and what the old one held is let go
 * (or held by the new one) rather than kept by a name.
 */
static uint64_t
window_holder(const struct conf_maintenance *w)
{
	char buf[256], m[MATCHER_TEXT_MAX];
	uint64_t h = hash64(w->name, strlen(w->name) + 1, 0);

	maintenance_format(&w->sched, buf, sizeof(buf));
	h = hash64(buf, strlen(buf) + 1, h);
	for (size_t i = 0; i < w->nmatchers; i++) {
		matcher_format(&w->m[i], m, sizeof(m));
		h = hash64(m, strlen(m) + 1, h);
	}
	return SUPPRESS_WINDOW | (h >> 2);
}

int
suppress_window_next(struct pipeline *p, size_t i, int64_t now, int64_t *start, int64_t *end)
{
	struct suppress_window *w = &p->windows[i];

	/* The cached occurrence holds until it ends; the zone is read again only then. */
	if (now >= w->end &&
	    maintenance_next(&p->d->conf->maintenance[i].sched, now, &w->start, &w->end) < 0)
		w->start = w->end = 0;
	*start = w->start;
	*end = w->end;
	return w->end > 0 ? 0 : -ENOENT;
}

/*
 * What holds sj at now (read in t), and until when (0: as long as an
 * inhibiting incident alerts), said for a timeline: "held by silence 3
 * until ..."; false when nothing does.  An inhibition, which has no known
 * end, holds before a silence or window.
 */
static bool
find_holder(struct pipeline *p, struct store_txn *t, const struct suppress_subject *sj,
    int64_t now, uint64_t *holder, int64_t *until, char *desc, size_t size)
{
	const struct conf *conf = p->d->conf;
	const struct silence *s = silence_set_match(&p->silences, now, suppress_subject_lookup,
	    (void *)sj);
	char what[TIMELINE_TEXT_MAX / 2] = "", until_s[40];
	int64_t b, e;

	*until = 0;
	if (inhibit_find(p, t, sj->inc, sj->ev, holder, desc, size))
		return true;
	if (s != NULL) {
		*holder = SUPPRESS_SILENCE | s->rec.id;
		*until = s->rec.end;
		snprintf(what, sizeof(what), "silence %" PRIu64 "%s%s%s", s->rec.id,
		    s->rec.comment[0] ? " (" : "", s->rec.comment, s->rec.comment[0] ? ")" : "");
	}
	for (size_t i = 0; i < conf->nmaintenance; i++) {
		const struct conf_maintenance *w = &conf->maintenance[i];
		if (suppress_window_next(p, i, now, &b, &e) < 0 || b > now || e <= *until ||
		    !matcher_all(w->m, w->nmatchers, suppress_subject_lookup, (void *)sj))
			continue;
		*holder = window_holder(w);
		*until = e;
		snprintf(what, sizeof(what), "maintenance \"%s\"", w->name);
	}
	if (*until == 0)
		return false; /* desc untouched: callers tell "held" by it */
	text_fix_tail(what);
	format_rfc3339(*until, until_s, sizeof(until_s));
	snprintf(desc, size, "held by %s until %s", what, until_s);
	text_fix_tail(desc);
	return true;
}

bool
suppress_would_hold(struct pipeline *p, struct store_txn *t, const struct incident *inc,
    const struct event *ev, int64_t now, char *desc, size_t size)
{
	struct suppress_subject sj = { inc, ev };
	uint64_t holder;
	int64_t until;

	return find_holder(p, t, &sj, now, &holder, &until, desc, size);
}

/* File inc under holder; a window's end becomes its deadline with the first it holds. */
static void
hold(struct pipeline *p, uint64_t holder, int64_t until, struct incident *inc, int64_t now)
{
	int r = store_held_add(p->txn, holder, inc->id);

	if (r < 0)
		pipeline_store_failed(p, r, "holding an incident");
	if (SUPPRESS_KIND(holder) == SUPPRESS_WINDOW)
		pipeline_deadline_save(p, holder, until);
	inc->state = INCIDENT_SUPPRESSED;
	inc->state_since = now;
}

/* Keep ev (without its raw bytes) to send inc as it would have been sent. */
static void
keep_event(struct pipeline *p, uint64_t id, const struct event *ev)
{
	struct event copy = *ev;
	size_t len;
	uint32_t head[2] = { HELD_MAGIC, (uint32_t)sizeof(struct event) };
	char *buf;
	int r;

	copy.raw = STR_EMPTY;
	len = event_pack_size(&copy);
	buf = xmalloc(sizeof(head) + len);
	memcpy(buf, head, sizeof(head));
	event_pack(&copy, buf + sizeof(head));
	if ((r = store_held_event_put(p->txn, id, buf, sizeof(head) + len)) < 0)
		pipeline_store_failed(p, r, "keeping a held incident's event");
	free(buf);
}

/*
 * inc fires now: filed as an inhibiting incident if it is one (a held one
 * inhibits too, as in Alertmanager), then held by what matches it (or ev),
 * if anything; why says by what.
 */
static bool
hold_subject(struct pipeline *p, struct incident *inc, const struct event *ev, int64_t now,
    char *why, size_t size)
{
	struct suppress_subject sj = { inc, ev };
	uint64_t holder;
	int64_t until;

	inhibit_file(p, inc, ev);
	if (!find_holder(p, p->txn, &sj, now, &holder, &until, why, size))
		return false;
	hold(p, holder, until, inc, now);
	p->stats.suppressed++;
	p->istats.inhibited += SUPPRESS_KIND(holder) == SUPPRESS_INHIBIT;
	return true;
}

bool
suppress_hold(struct pipeline *p, struct incident *inc, const struct event *ev, int64_t now,
    char *why, size_t size)
{
	if (!hold_subject(p, inc, ev, now, why, size))
		return false;
	keep_event(p, inc->id, ev);
	return true;
}

void
suppress_keep(struct pipeline *p, const struct incident *inc, const struct event *ev)
{
	keep_event(p, inc->id, ev);
}

/*
 * The kept event of id into ev (*buf to free after), true; else one made
 * of the incident, false.
 */
static bool
held_event(struct pipeline *p, const struct incident *inc, struct event *ev, char **buf)
{
	const void *data;
	uint32_t head[2];
	size_t len;

	*buf = NULL;
	if (store_held_event_get(p->txn, inc->id, &data, &len) == 0 && len > sizeof(head)) {
		memcpy(head, data, sizeof(head));
		if (head[0] == HELD_MAGIC && head[1] == sizeof(struct event)) {
			/* LMDB's bytes need not be aligned as a packed event wants. */
			*buf = xmalloc(len - sizeof(head));
			memcpy(*buf, (const char *)data + sizeof(head), len - sizeof(head));
			event_unpack(ev, *buf);
			return true;
		}
	}
	memset(ev, 0, sizeof(*ev)); /* kept by an older build, or lost: made of the incident */
	ev->program = ev->pid = ev->msgid = ev->sd = ev->raw = ev->source = STR_EMPTY;
	ev->host = str_make(inc->host, strlen(inc->host));
	ev->message = str_make(inc->summary, strlen(inc->summary));
	ev->severity = inc->severity;
	ev->listener = "";
	return false;
}

bool
suppress_kept_event(struct pipeline *p, const struct incident *inc, struct event *ev,
    char **buf)
{
	return held_event(p, inc, ev, buf);
}

/* Forget what was kept to send id later. */
static void
forget_event(struct pipeline *p, uint64_t id)
{
	int r = store_held_event_del(p->txn, id);

	if (r < 0)
		pipeline_store_failed(p, r, "forgetting a held event");
}

bool
suppress_hold_kept(struct pipeline *p, struct incident *inc, int64_t now, char *why,
    size_t size)
{
	struct event ev;
	char *buf;
	bool kept = held_event(p, inc, &ev, &buf), held;

	held = hold_subject(p, inc, &ev, now, why, size);
	if (!held && kept)
		forget_event(p, inc->id); /* sent now: nothing to keep */
	free(buf);
	return held;
}

/*
 * "silence 3", "inhibition by incident 5" or "maintenance "backup"" (or a
 * window a reload removed or changed).
 */
static void
holder_name(const struct pipeline *p, uint64_t holder, char *buf, size_t size)
{
	const struct conf *conf = p->d->conf;
	uint64_t kind = SUPPRESS_KIND(holder), id = holder & ~SUPPRESS_INHIBIT;

	snprintf(buf, size, "a maintenance window (removed or changed by a reload)");
	if (kind == SUPPRESS_SILENCE)
		snprintf(buf, size, "silence %" PRIu64, id);
	else if (kind == SUPPRESS_INHIBIT)
		snprintf(buf, size, "inhibition by incident %" PRIu64, id);
	for (size_t i = 0; kind == SUPPRESS_WINDOW && i < conf->nmaintenance; i++)
		if (window_holder(&conf->maintenance[i]) == holder)
			snprintf(buf, size, "maintenance \"%s\"", conf->maintenance[i].name);
	text_fix_tail(buf);
}

/*
 * Send inc now, as its kept event would have (ev NULL: none was kept, its
 * trigger is made of what the incident kept); it fires again, as flapping
 * when it started to while held.
 */
static void
release(struct pipeline *p, struct incident *inc, struct event *ev, const char *ended,
    int64_t now)
{
	char why[TIMELINE_TEXT_MAX];

	inc->state = inc->flap.active ? INCIDENT_FLAPPING : INCIDENT_TRIGGERED;
	inc->state_since = now;
	snprintf(why, sizeof(why), "%s ended", ended);
	pipeline_timeline_state(p, inc, now, why);
	pipeline_queue_trigger(p, pipeline_rule(p->d->conf, inc->rule), inc, ev);
	p->stats.released++;
	p->stats.triggered++;
	batch_due(p->d->batch, BATCH_FIRED);
}

/*
 * holder, which held incident id, has ended: hold it by what else matches,
 * or send it.  True when the same holder holds it again (a reload looked
 * at what an inhibiting incident held, and it still does).
 */
static bool
release_one(struct pipeline *p, uint64_t holder, uint64_t id, int64_t now)
{
	struct incident inc;
	struct event ev;
	char *buf, ended[CONF_MAINTENANCE_NAME_MAX + 64], desc[TIMELINE_TEXT_MAX / 2];
	char why[TIMELINE_TEXT_MAX];
	uint64_t next = 0;
	int64_t until;
	int r = store_incident_get(p->txn, id, &inc);

	if (r < 0 || inc.state != INCIDENT_SUPPRESSED) {
		if (r < 0 && r != -ENOENT)
			pipeline_store_failed(p, r, "reading a held incident");
		else
			forget_event(p, id);
		return false; /* resolved (or acknowledged) while held: nothing to send */
	}
	bool kept = held_event(p, &inc, &ev, &buf);
	holder_name(p, holder, ended, sizeof(ended));
	struct suppress_subject sj = { &inc, &ev };
	if (find_holder(p, p->txn, &sj, now, &next, &until, desc, sizeof(desc))) {
		hold(p, next, until, &inc, now);
		snprintf(why, sizeof(why), "%s ended; %s", ended, desc);
		text_fix_tail(why);
		pipeline_timeline_state(p, &inc, now, why);
	} else {
		release(p, &inc, kept ? &ev : NULL, ended, now);
		p->istats.released += SUPPRESS_KIND(holder) == SUPPRESS_INHIBIT;
		forget_event(p, id);
	}
	pipeline_incident_save(p, &inc);
	free(buf);
	return next == holder;
}

/* A silence with nothing left to release: looked at again later, or pruned. */
static void
silence_done(struct pipeline *p, uint64_t holder, int64_t now)
{
	const struct silence *s = silence_set_find(&p->silences, holder & ~SUPPRESS_SILENCE);
	int64_t next = s != NULL ? silence_next_look(&s->rec, now) : 0;
	int r;

	if (next != 0 || s == NULL) {
		pipeline_deadline_save(p, holder, next != 0 ? next : STORE_NO_DEADLINE);
		return;
	}
	if ((r = store_silence_del(p->txn, s->rec.id)) < 0 && r != -ENOENT) {
		pipeline_store_failed(p, r, "pruning a silence");
		return;
	}
	pipeline_deadline_save(p, holder, STORE_NO_DEADLINE);
	/*
	 * Gone from memory now, though the batch may yet be lost: then the
	 * store still has it, and the next start loads and prunes it again.
	 */
	silence_set_remove(&p->silences, s->rec.id);
	p->sstats.pruned++;
}

void
suppress_due(struct pipeline *p, uint64_t holder, int64_t now)
{
	uint64_t ids[256];
	size_t n, again = 0, max = p->release_budget < 256 ? p->release_budget : 256;
	int r;

	if ((r = store_held_first(p->txn, holder, ids, max, &n)) < 0) {
		pipeline_store_failed(p, r, "reading held incidents");
		return;
	}
	p->release_budget -= n;
	for (size_t i = 0; i < n; i++) {
		if ((r = store_held_del(p->txn, holder, ids[i])) < 0)
			pipeline_store_failed(p, r, "releasing a held incident");
		again += release_one(p, holder, ids[i], now);
	}
	/* More may wait: the next tick goes on, unless a whole tick's were held again. */
	if (n == max && again < n)
		pipeline_deadline_save(p, holder, now);
	else if (SUPPRESS_KIND(holder) == SUPPRESS_SILENCE)
		silence_done(p, holder, now);
	else
		pipeline_deadline_save(p, holder, STORE_NO_DEADLINE);
}

void
suppress_closed(struct pipeline *p, const struct incident *inc)
{
	forget_event(p, inc->id);
	inhibit_unfile(p, inc);
}

static int
load_cb(const struct store_silence *rec, void *arg)
{
	struct pipeline *p = arg;
	struct silence *s;
	char *cause = NULL;

	if (silence_compile(rec, &s, &cause) < 0) {
		log_warnx("silence %" PRIu64 " cannot be used: %s, ignoring it", rec->id, cause);
		free(cause);
		return 0;
	}
	silence_set_add(&p->silences, s);
	return 0;
}

static void
windows_reset(struct pipeline *p)
{
	free(p->windows);
	p->nwindows = p->d->conf->nmaintenance;
	p->windows = xcalloc(p->nwindows ? p->nwindows : 1, sizeof(*p->windows));
}

int
suppress_start(struct pipeline *p)
{
	struct store_txn *t;
	int r;

	maintenance_tz_init();
	windows_reset(p);
	if ((r = store_txn_begin(p->d->store, false, &t)) < 0)
		return r;
	r = store_silence_foreach(t, load_cb, p);
	store_txn_abort(t);
	return r;
}

void
suppress_stop(struct pipeline *p)
{
	silence_set_clear(&p->silences);
	free(p->windows);
	p->windows = NULL;
	p->nwindows = 0;
}

void
suppress_reconfigured(struct pipeline *p, const struct conf *old)
{
	windows_reset(p);
	inhibit_reconfigured(p, old);
	for (size_t i = 0; i < old->nmaintenance; i++) {
		const struct conf_maintenance *w = conf_maintenance_find(p->d->conf,
		    old->maintenance[i].name);
		uint64_t holder = window_holder(&old->maintenance[i]);
		if (w != NULL && window_holder(w) == holder)
			continue; /* the same window */
		/* What it held is looked at again at the next sweep, under the new windows. */
		if ((p->txn = batch_txn(p->d->batch, BATCH_STATE)) == NULL)
			return;
		pipeline_deadline_save(p, holder, 0);
	}
}

/* The change suppress_silence_add writes: room made if need be, then the silence. */
struct add_change {
	struct silence *s;
	uint64_t pruned; /* the expired silence removed to make room, or 0 */
};

static int
make_room(struct pipeline *p, struct add_change *c, char **cause)
{
	const struct silence *old = silence_set_oldest_expired(&p->silences, now_realtime_usec());
	uint64_t ids[1];
	size_t n = 1;
	int r;

	c->pruned = 0;
	if (p->silences.n < p->d->conf->silence_max)
		return 0;
	/* One still releasing what it held cannot go yet. */
	if (old != NULL && (r = store_held_first(p->txn, SUPPRESS_SILENCE | old->rec.id, ids, 1,
	    &n)) < 0)
		return r;
	if (old == NULL || n > 0) {
		p->sstats.refused++;
		xasprintf(cause, "%zu silences are kept, the most silence-max allows (%" PRIu32
				 "); expire one, or raise silence-max", p->silences.n,
		    p->d->conf->silence_max);
		return -ENOSPC;
	}
	if ((r = store_silence_del(p->txn, old->rec.id)) < 0)
		return r;
	pipeline_deadline_save(p, SUPPRESS_SILENCE | old->rec.id, STORE_NO_DEADLINE);
	c->pruned = old->rec.id;
	return 0;
}

static int
add_change(struct pipeline *p, void *arg, char **cause)
{
	struct add_change *c = arg;
	int r;

	if ((r = make_room(p, c, cause)) < 0)
		return r;
	c->s->rec.id = 0;
	if ((r = store_silence_put(p->txn, &c->s->rec)) < 0)
		return r;
	pipeline_deadline_save(p, SUPPRESS_SILENCE | c->s->rec.id, c->s->rec.end);
	return 0;
}

int
suppress_silence_add(struct pipeline *p, struct store_silence *rec, char **cause)
{
	struct add_change c = { 0 };
	int r;

	if (silence_check_times(rec->start, rec->end, now_realtime_usec(), cause) < 0 ||
	    silence_compile(rec, &c.s, cause) < 0) {
		p->sstats.refused++;
		return -EINVAL;
	}
	if ((r = pipeline_commit(p, add_change, &c, cause)) < 0) {
		silence_free(c.s);
		return r;
	}
	if (c.pruned != 0) {
		silence_set_remove(&p->silences, c.pruned);
		p->sstats.pruned++;
	}
	*rec = c.s->rec;
	silence_set_add(&p->silences, c.s);
	p->sstats.added++;
	log_info("silence %" PRIu64 " added by %s", rec->id, rec->creator);
	return 0;
}

struct expire_change {
	struct store_silence rec;
};

static int
expire_change(struct pipeline *p, void *arg, char **cause)
{
	struct expire_change *c = arg;
	int r;

	if ((r = store_silence_put(p->txn, &c->rec)) < 0)
		return r;
	pipeline_deadline_save(p, SUPPRESS_SILENCE | c->rec.id, c->rec.end);
	return 0;
}

int
suppress_silence_expire(struct pipeline *p, uint64_t id, char **cause)
{
	struct silence *s = silence_set_find(&p->silences, id);
	struct expire_change c;
	int64_t now = now_realtime_usec();
	int r;

	if (s == NULL) {
		xasprintf(cause, "no silence with id %" PRIu64, id);
		return -ENOENT;
	}
	if (silence_state(&s->rec, now) == SILENCE_EXPIRED) {
		xasprintf(cause, "silence %" PRIu64 " has already expired", id);
		return -EALREADY;
	}
	c.rec = s->rec;
	c.rec.end = now;
	if ((r = pipeline_commit(p, expire_change, &c, cause)) < 0)
		return r;
	s->rec.end = now;
	p->sstats.expired++;
	return 0;
}

const struct silence_set *
suppress_silences(const struct pipeline *p)
{
	return &p->silences;
}

const struct suppress_stats *
suppress_get_stats(const struct pipeline *p)
{
	return &p->sstats;
}
