/*
 * group.h - grouping, as Alertmanager's group_by, group_wait and
 * group_interval: incidents of a rule with `group-by FIELDS` that fire
 * with the same values of those fields are members of one parent
 * incident, whose key is made of the rule and the values.  The parent is
 * sent once its wait has passed since its first member joined, with the
 * members that joined meanwhile; members that join later make it send an
 * update, at most one per interval.  It resolves when its last open member
 * closes.  Pure functions of the group's state and a clock; the pipeline
 * (pipeline_group.c) stores and sends what they decide.
 */
#ifndef TRIAGED_GROUP_H
#define TRIAGED_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "incident.h"

#define GROUP_DEFAULT_WAIT     (30 * 1000000LL)	 /* usec, as Alertmanager's group_wait */
#define GROUP_DEFAULT_INTERVAL (300 * 1000000LL) /* usec, as its group_interval */
#define GROUP_DEFAULT_MAX      1000		 /* members listed per parent */
#define GROUP_MAX_MAX	       10000
#define GROUP_FIELDS_MAX       8

/* What a parent incident keeps of its group (in the store, beside the incident). */
struct group_state {
	int64_t opened;	  /* when its first member joined (usec) */
	int64_t sent_at;  /* when its trigger, or its last update, went; 0: not yet */
	uint64_t members; /* joined, ever */
	uint64_t open;	  /* members not closed yet */
	uint64_t listed;  /* members in its list, at most the rule's max */
	uint64_t unsent;  /* members that joined since it was last sent */
};

/* What the daemon counts of groups (triagectl status). */
struct group_stats {
	uint64_t opened;   /* parent incidents opened */
	uint64_t joined;   /* members that joined one */
	uint64_t unlisted; /* members beyond a parent's max: counted in it, not listed */
	uint64_t sent;	   /* parents' triggers sent at the end of their wait */
	uint64_t updates;  /* updates sent for members that joined later */
	uint64_t resolved; /* parents resolved when their last member closed */
};

/*
 * The parent's key: "RULE/group:V1/V2..." for the values of the rule's
 * fields, a '/' or '\' within a value escaped with '\', so two sets of
 * values never share a key; fitted to INCIDENT_KEY_MAX as keys are.
 */
void group_key(const char *rule, const struct str *values, size_t n,
    char key[INCIDENT_KEY_MAX + 1]);

/* A new group at now, its first member not joined yet. */
void group_start(struct group_state *g, int64_t now);
/* A member joins: true when it is listed (fewer than max are). */
bool group_join(struct group_state *g, uint32_t max);
/* An open member closed: true when it was the last open one (the parent resolves). */
bool group_member_closed(struct group_state *g);
/* Its trigger or update was sent at now. */
void group_sent(struct group_state *g, int64_t now);

enum group_due {
	GROUP_WAIT = 0, /* nothing to send now */
	GROUP_TRIGGER,	/* its wait is over: send the parent */
	GROUP_UPDATE,	/* members joined since it was sent, and an interval passed */
};

/*
 * What the group needs at now under wait and interval; *deadline is when
 * to look again (INT64_MAX: only when a member joins).
 */
enum group_due group_check(const struct group_state *g, int64_t wait, int64_t interval,
    int64_t now, int64_t *deadline);

/*
 * The parent's summary, "N incidents: FIRST", from the first member's
 * summary or from the parent's own (whose count is replaced).
 */
void group_summary(uint64_t n, const char *first, char *buf, size_t size);

#endif
