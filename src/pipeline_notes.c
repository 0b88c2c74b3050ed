/*
 * pipeline_notes.c - lines on an incident's timeline from outside the
 * pipeline's own path: the outbox's (a delivery, a failure), written in
 * the open batch like any other change.
 */
#include "config.h"

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
		pipeline_timeline_add(p, &inc, TIMELINE_NOTE, now_realtime_usec(), text);
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
