/*
 * pipeline.h - the one path every event takes: raw-event log, rules, then
 * incidents, all inside one LMDB write transaction per batch.  Inputs hand
 * parsed events to pipeline_submit() and know nothing beyond it.
 */
#ifndef TRIAGED_PIPELINE_H
#define TRIAGED_PIPELINE_H

#include <stdint.h>

#include "event.h"
#include "incident.h"

struct daemon;
struct pipeline;
struct conf;

struct pipeline_stats {
	uint64_t received;	  /* events submitted */
	uint64_t malformed;	  /* of which unparseable (still kept as raw text) */
	uint64_t truncated;	  /* of which cut at max-message */
	uint64_t dropped_rule;	  /* dropped by a rule's `drop` */
	uint64_t dropped_default; /* matched no rule, and `default drop` */
	uint64_t matched;	  /* matched a rule that keeps it */
	uint64_t resolving;	  /* matched a rule's resolve-on */
	uint64_t opened;	  /* incidents opened (new incarnations) */
	uint64_t triggered;	  /* pending -> triggered, or opened triggered */
	uint64_t resolved;	  /* incidents resolved by any means (transient ones apart) */
	uint64_t expired;	  /* pending incidents closed below their threshold */
	uint64_t held;		  /* incidents that fired into their rule's hold */
	uint64_t transient;	  /* held incidents resolved within the hold: never sent */
	uint64_t flapping;	  /* incidents that started flapping */
	uint64_t batches;	  /* write transactions committed */
	uint64_t store_errors;	  /* failed store operations (each logged) */
	uint64_t queued;	  /* deliveries queued upstream */
	uint64_t redone_events;	  /* processed again in a batch redone after the map filled */
	uint64_t folded;	  /* events a rule's max-open sent to its overflow incident */
	uint64_t suppressed;	  /* incidents a silence or maintenance window held */
	uint64_t released;	  /* held incidents sent when what held them ended */
	uint64_t notes;		  /* notes people added (triagectl note) */
	uint64_t notes_refused;	  /* ... refused: the incident had PIPELINE_NOTES_MAX */
};

int pipeline_new(struct daemon *d, struct pipeline **ret);
void pipeline_free(struct pipeline *p); /* commits what is in flight first */
/* Run what is due by now (usec, UTC) at once: replay's clock, not the timer's. */
void pipeline_sweep_due(struct pipeline *p, int64_t now);

/*
 * Process one event now; its durable effects commit with the open batch.
 * -EIO when the state database refuses writes and the event was dropped
 * (counted): an input that can read it again should.
 */
int pipeline_submit(struct pipeline *p, struct event *ev);

/* Add a note to an incident's timeline in the open batch (pipeline_notes.c). */
void pipeline_note(struct pipeline *p, uint64_t incident_id, const char *text);
/*
 * An upstream took a delivery for the incident: a line of its timeline
 * says so, with the state the upstream was told (triggered, acknowledged,
 * resolved), and it is counted for reports, a trigger as a page.
 */
void pipeline_delivered(struct pipeline *p, uint64_t incident_id, enum incident_state told,
    const char *text);

/*
 * Acknowledge or resolve the open incident with this key, by a person: the
 * timeline says "by ACTOR" (who the kernel says asked, "alice (uid 1001)"),
 * then ": NOTE" when the client gave one (already bounded and cleaned).
 */
int pipeline_ack(struct pipeline *p, const char *key, const char *actor, const char *note,
    char **cause);
int pipeline_resolve(struct pipeline *p, const char *key, const char *actor, const char *note,
    char **cause);
/*
 * The same for incarnation ID only (an ack link names one): -EALREADY when
 * it is acknowledged (for an ack) or closed, -ENOENT when pruned.
 */
int pipeline_act_on_id(struct pipeline *p, uint64_t id, bool resolve, const char *actor,
    char **cause);

/*
 * A person's note on the newest incident with this key, open or closed,
 * committed before the answer: "by ACTOR: TEXT" on its timeline.  At most
 * PIPELINE_NOTES_MAX an incident (-ENOSPC beyond, counted).
 */
#define PIPELINE_NOTES_MAX 100
int pipeline_comment(struct pipeline *p, const char *key, const char *actor, const char *text,
    char **cause);

/*
 * A person's change to state of its own (an on-call override), written by
 * fn into the open batch's transaction and committed before the answer,
 * as silences are; *cause says why not.
 */
struct store_txn;
/*
 * triagectl page: open incident "page/ID" (its key into key, size bytes)
 * with text as its summary, triggered by actor, and page target through
 * it: a policy, or a contact at once by their notification rules.  Ack
 * and resolve it as any incident.  -errno and *cause when target names
 * neither, or the commit failed.  With incident (a key), no incident is
 * opened: target's first level is paged about that open one, its key
 * put in key.
 */
int pipeline_page(struct pipeline *p, const char *target, const char *text, const char *incident,
    const char *actor, char *key, size_t size, char **cause);
/*
 * The outbox dead-lettered a page of incident_id to queue ("CHANNEL/NAME"):
 * the contact's next channel is paged, if their escalation is still under
 * way and they have one, by the next batch (at once: BATCH_URGENT), or by
 * the first one that commits after a failed one.
 */
void pipeline_page_dead(struct pipeline *p, uint64_t incident_id, const char *queue);
int pipeline_commit_store(struct pipeline *p,
    int (*fn)(struct store_txn *t, void *arg, char **cause), void *arg, char **cause);

/*
 * The daemon's configuration was old and is now d->conf: incidents whose
 * rule now expires them sooner are filed again under their new deadline.
 */
void pipeline_reconfigured(struct pipeline *p, const struct conf *old);
const struct pipeline_stats *pipeline_get_stats(const struct pipeline *p);
/* conf's rule of that name, NULL when there is none. */
struct rule;
const struct rule *pipeline_rule(const struct conf *conf, const char *name);
struct group_stats;
const struct group_stats *pipeline_group_stats(const struct pipeline *p);
/* The key of the parent incident inc, fired by ev, joins under rule's group-by (INCIDENT_KEY_MAX + 1 bytes). */
struct incident;
struct rule;
void pipeline_group_key(const struct rule *rule, const struct incident *inc,
    const struct event *ev, char *key);
/* From receiving the line that fired an incident to that incident being durable. */
struct latency_summary;
void pipeline_fired_latency(const struct pipeline *p, struct latency_summary *out);

#endif
