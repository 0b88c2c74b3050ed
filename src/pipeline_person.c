/*
 * pipeline_person.c - what a person changes through triagectl: an ack or
 * a resolve, and the helper every such change uses to be written into the
 * open batch and committed before the answer goes back.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "daemon.h"
#include "incident.h"
#include "pipeline_int.h"
#include "store.h"
#include "util.h"

/* A person's ack or resolve; by an ack link, of the incarnation ID only. */
struct person_change {
	const char *key, *actor, *note;
	bool resolve;
	uint64_t id; /* 0: whichever is open */
};

/* One written into the open batch. */
static int
person_change(struct pipeline *p, void *arg, char **cause)
{
	const struct person_change *c = arg;
	int64_t now = now_realtime_usec();
	char fitted[INCIDENT_KEY_MAX + 1];
	struct incident inc;
	char why[TIMELINE_TEXT_MAX];
	bool held;
	int r;

	r = store_incident_by_key(p->txn, incident_lookup_key(c->key, fitted), &inc);
	if (r == -ENOENT || (r == 0 && !incident_is_open(&inc))) {
		xasprintf(cause, "no open incident with key '%s'", c->key);
		return -ENOENT;
	}
	if (r < 0) {
		xasprintf(cause, "reading the incident failed: %s", strerror(-r));
		return r;
	}
	if (c->id != 0 && inc.id != c->id) {
		xasprintf(cause, "incident %llu with key '%s' is closed; %llu is open now",
		    (unsigned long long)c->id, c->key, (unsigned long long)inc.id);
		return -ESTALE;
	}
	sweep_catch_up(p, &inc, now);
	held = inc.held_since != 0;
	r = c->resolve ? incident_resolve(&inc, now) : incident_ack(&inc, now);
	if (r == -EALREADY) {
		xasprintf(cause, "incident '%s' is already %s", c->key, incident_state_name(inc.state));
		return r;
	}
	/* The note comes after the identity, so it cannot pass for one. */
	snprintf(why, sizeof(why), "by %s%s%s", c->actor, c->note ? ": " : "",
	    c->note ? c->note : "");
	if (c->resolve)
		pipeline_closed(p, &inc, now, held, why);
	else {
		pipeline_timeline_state(p, &inc, now, why);
		pipeline_queue_change(p, &inc, OUTBOX_ACKNOWLEDGE);
	}
	pipeline_incident_save(p, &inc);
	return 0;
}

/* Committed at once; a batch redone in a grown map replays events, not this: make it again. */
int
pipeline_commit(struct pipeline *p, int (*fn)(struct pipeline *p, void *arg, char **cause),
    void *arg, char **cause)
{
	int r;

	for (int attempt = 0; attempt < 2; attempt++) {
		if (pipeline_begin(p, "refusing a change by a person") == NULL) {
			xasprintf(cause, "the state database refuses writes (see triagectl status)");
			return -EIO;
		}
		if ((r = fn(p, arg, cause)) < 0)
			return r;
		if ((r = batch_flush(p->d->batch)) <= 0)
			break;
		r = -ENOSPC; /* redone twice without it: give up, the person may try again */
	}
	if (r < 0)
		xasprintf(cause, "committing failed: %s", strerror(-r));
	return r;
}

struct store_change {
	int (*fn)(struct store_txn *t, void *arg, char **cause);
	void *arg;
};

static int
store_change(struct pipeline *p, void *arg, char **cause)
{
	struct store_change *c = arg;

	return c->fn(p->txn, c->arg, cause);
}

int
pipeline_commit_store(struct pipeline *p,
    int (*fn)(struct store_txn *t, void *arg, char **cause), void *arg, char **cause)
{
	struct store_change c = { fn, arg };

	return pipeline_commit(p, store_change, &c, cause);
}

static int
by_person(struct pipeline *p, const char *key, const char *actor, const char *note,
    bool resolve, char **cause)
{
	struct person_change c = { key, actor, note, resolve, 0 };

	return pipeline_commit(p, person_change, &c, cause);
}

/* The key of incarnation ID, as the open batch sees it, then the change. */
static int
link_change(struct pipeline *p, void *arg, char **cause)
{
	struct person_change *c = arg;
	struct incident inc;
	int r;

	if ((r = store_incident_get(p->txn, c->id, &inc)) < 0) {
		xasprintf(cause, r == -ENOENT ? "incident %llu is no longer stored" :
		    "reading incident %llu failed", (unsigned long long)c->id);
		return r;
	}
	if (!incident_is_open(&inc)) {
		xasprintf(cause, "incident '%s' is already %s", inc.key, incident_state_name(inc.state));
		return -EALREADY;
	}
	c->key = inc.key;
	r = person_change(p, c, cause);
	c->key = NULL; /* inc goes out of scope */
	return r;
}

int
pipeline_act_on_id(struct pipeline *p, uint64_t id, bool resolve, const char *actor, char **cause)
{
	struct person_change c = { NULL, actor, NULL, resolve, id };

	return pipeline_commit(p, link_change, &c, cause);
}

int
pipeline_ack(struct pipeline *p, const char *key, const char *actor, const char *note,
    char **cause)
{
	return by_person(p, key, actor, note, false, cause);
}

int
pipeline_resolve(struct pipeline *p, const char *key, const char *actor, const char *note,
    char **cause)
{
	return by_person(p, key, actor, note, true, cause);
}
