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

/* A person's ack or resolve. */
struct person_change {
	const char *key, *actor, *note;
	bool resolve;
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
	struct person_change c = { key, actor, note, resolve };

	return pipeline_commit(p, person_change, &c, cause);
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
