/*
 * postmortem.h - a postmortem draft in Markdown from an incident and its
 * timeline (triagectl timeline --format md): a summary with the impact
 * window, the time to acknowledge and to resolve, then the events, state
 * changes, deliveries, pages, acknowledgements, notes and resolution, the
 * key's earlier incidents and the host's related ones, and empty sections
 * for people to fill in.  Every text from the network or a person goes
 * through markup_md(), so the draft renders as written.  Pure: the time
 * now and the zone are given.
 */
#ifndef TRIAGED_POSTMORTEM_H
#define TRIAGED_POSTMORTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One timeline line, as the control socket gives it (times in usec, UTC). */
struct pm_line {
	int64_t at;
	const char *kind;  /* "event", "state", "delivery", "comment", "note" */
	const char *state; /* a state line's new state; what a delivery told */
	const char *text;
};

struct pm_incident {
	uint64_t id;
	const char *key, *summary, *rule, *host, *severity, *state;
	uint64_t count;
	int64_t first_seen, acked_at, resolved_at; /* <= 0: not (yet) */
	const struct pm_line *lines;
	size_t nlines;
};

struct pm_draft {
	const struct pm_incident *inc;
	const struct pm_incident *past, *related; /* their lines are not used */
	size_t npast, nrelated;
	int64_t now;
	bool utc; /* times in UTC, else in the local zone (TZ) */
};

/*
 * What the durations are measured from: when it alerted (its first state
 * line to a state that alerts, incident_state_alerts(); -1 when it never
 * did), and how long from then to
 * the acknowledgement and to the resolution (-1 when it was not); the
 * impact window from the first event to the resolution or, while open, to now.
 */
struct pm_durations {
	int64_t alerted, to_ack, to_resolve, impact;
};
void postmortem_durations(const struct pm_incident *inc, int64_t now, struct pm_durations *out);

void postmortem_write(FILE *f, const struct pm_draft *d);

#endif
