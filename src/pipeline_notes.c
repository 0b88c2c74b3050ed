/*
 * pipeline_notes.c - lines on an incident's timeline from outside the
 * pipeline's own path: the outbox's (a delivery, a failure) and a
 * person's (triagectl note), written in the open batch like any other
 * change.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "incident.h"
#include "pipeline_int.h"
#include "store.h"
#include "text.h"
#include "util.h"

/* The incident at id, read in the open batch; false when there is none to write to. */
static bool
note_target(struct pipeline *p, uint64_t id, const char *dropping, struct incident *inc)
{
	/* An incident that is gone (pruned) has nowhere to put the line. */
	return pipeline_begin(p, dropping) != NULL && store_incident_get(p->txn, id, inc) == 0;
}

void
pipeline_note(struct pipeline *p, uint64_t incident_id, const char *text)
{
	struct incident inc;

	if (note_target(p, incident_id, "a timeline note is lost", &inc))
		pipeline_timeline_add(p, &inc, TIMELINE_NOTE, now_realtime_usec(), text,
		    strlen(text));
}

void
pipeline_delivered(struct pipeline *p, uint64_t incident_id, enum incident_state told,
    const char *text)
{
	int64_t now = now_realtime_usec();
	struct timeline_entry e = { .at = now, .kind = TIMELINE_DELIVERY, .state = told };
	struct incident inc;
	int r;

	if (!note_target(p, incident_id, "a delivery's timeline line is lost", &inc))
		return;
	e.count = inc.count;
	text_copy(e.text, sizeof(e.text), text, strlen(text));
	if ((r = store_timeline_add(p->txn, incident_id, &e)) < 0)
		pipeline_store_failed(p, r, "adding to a timeline");
	pipeline_tally(p, now, &(struct store_tally){ .deliveries = 1,
	    .pages = told == INCIDENT_TRIGGERED });
}

struct comment {
	const char *key, *actor, *text;
};

static int
comment_count_cb(const struct timeline_entry *e, void *arg)
{
	*(size_t *)arg += e->kind == TIMELINE_COMMENT;
	return 0;
}

/* The newest incarnation of c->key, read in the open batch, with how many notes it has. */
static int
comment_target(struct pipeline *p, const struct comment *c, struct incident *inc, size_t *n,
    char **cause)
{
	char fitted[INCIDENT_KEY_MAX + 1];
	int r;

	if (pipeline_begin(p, "refusing a note") == NULL) {
		xasprintf(cause, "the state database refuses writes (see triagectl status)");
		return -EIO;
	}
	r = store_incident_by_key(p->txn, incident_lookup_key(c->key, fitted), inc);
	if (r == 0)
		r = store_timeline_foreach(p->txn, inc->id, comment_count_cb, n);
	if (r == -ENOENT)
		xasprintf(cause, "no incident with key '%s'", c->key);
	else if (r < 0)
		xasprintf(cause, "reading the incident failed: %s", strerror(-r));
	return r;
}

static int
comment_add(struct pipeline *p, void *arg, char **cause)
{
	const struct comment *c = arg;
	char text[TIMELINE_TEXT_MAX];
	struct incident inc;
	size_t n = 0;
	int r;

	if ((r = comment_target(p, c, &inc, &n, cause)) < 0)
		return r;
	if (n >= PIPELINE_NOTES_MAX) {
		p->stats.notes_refused++;
		xasprintf(cause, "incident '%s' has %d notes, the most one keeps", c->key,
		    PIPELINE_NOTES_MAX);
		return -ENOSPC;
	}
	/* The text comes after the identity, so it cannot pass for one. */
	snprintf(text, sizeof(text), "by %s: %s", c->actor, c->text);
	text_fix_tail(text);
	pipeline_timeline_add(p, &inc, TIMELINE_COMMENT, now_realtime_usec(), text, strlen(text));
	return 0;
}

int
pipeline_comment(struct pipeline *p, const char *key, const char *actor, const char *text,
    char **cause)
{
	struct comment c = { key, actor, text };
	int r = pipeline_commit(p, comment_add, &c, cause);

	if (r == 0)
		p->stats.notes++;
	return r;
}
