/*
 * report.h - the arithmetic of triagectl report, over the incidents and
 * hourly counts the daemon pages out: mean time to acknowledge and to
 * resolve (overall, per rule, per host), events in against incidents and
 * pages out, incidents by hour of the week and by day in a time zone.
 * Pure: no I/O, no clock; the zone is UTC or the process's local zone
 * (TZ), as ctl_format.h's times are.  Bounded: at most REPORT_GROUPS_MAX
 * rules and as many hosts are told apart, the rest counted as "(other)";
 * at most REPORT_DAYS_MAX days.
 */
#ifndef TRIAGED_REPORT_H
#define TRIAGED_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define REPORT_GROUPS_MAX 4096
#define REPORT_DAYS_MAX	  (STORE_TALLY_HOURS / 24 + 1)
#define REPORT_OTHER	  "(other)"

/* One incident as the daemon gives it; times in usec UTC, <= 0 for never. */
struct report_incident {
	const char *rule, *host;
	int64_t first_seen, alerted, acked, resolved;
	uint64_t count, pages;
};

/* Counts for all incidents, one rule, one host or one day. */
struct report_stat {
	uint64_t incidents; /* opened in the range */
	uint64_t alerts;    /* of which alerted (triggered at some point) */
	uint64_t acked, resolved; /* of those, acknowledged, resolved: what the means are over */
	int64_t ack_sum, resolve_sum; /* usec from alert to acknowledge, to resolve */
	uint64_t events;    /* occurrences folded into them */
	uint64_t pages;	    /* triggers an upstream took */
};

struct report_group {
	char *name;
	struct report_stat st;
};

struct report_groups {
	struct report_group *slots; /* open addressing, 2 * REPORT_GROUPS_MAX */
	size_t n;
	struct report_group other; /* everything past REPORT_GROUPS_MAX names */
};

struct report_day {
	int64_t start; /* its local midnight, usec UTC */
	struct report_stat st;
	struct store_tally in; /* the hourly counts of its hours */
};

struct report {
	int64_t since, until;
	bool utc;
	struct report_stat all;
	struct store_tally in; /* the hourly counts of the range, summed */
	struct report_groups rules, hosts;
	uint64_t week[7][24]; /* incidents opened, Monday first, by local hour */
	struct report_day days[REPORT_DAYS_MAX];
	size_t ndays;
	uint64_t walked;   /* incidents added */
	bool truncated;	   /* the walk stopped at its limit: older incidents are not counted */
	int64_t oldest;	   /* first_seen of the oldest incident added */
};

/* r is about [since, until]; its days are the local days they span, at most REPORT_DAYS_MAX. */
void report_init(struct report *r, int64_t since, int64_t until, bool utc);
void report_free(struct report *r);

void report_add_incident(struct report *r, const struct report_incident *ri);
void report_add_hour(struct report *r, int64_t hour, const struct store_tally *n);

/* The mean of sum over n, -1 when n is 0. */
int64_t report_mean(int64_t sum, uint64_t n);
/* How much fewer out is than in, in percent (99.5 for 1,000 in and 5 out); -1 when in is 0. */
double report_reduction(uint64_t in, uint64_t out);
/* Monday-first weekday (0..6) and hour (0..23) of at in the report's zone. */
void report_week_slot(const struct report *r, int64_t at, int *wday, int *hour);
/* The index of the local day at falls in, -1 outside the report's days. */
long report_day_of(const struct report *r, int64_t at);
/* The date of day i, "2026-12-04". */
void report_day_label(const struct report *r, size_t i, char *buf, size_t size);

/*
 * The groups, most incidents first (then most events, then by name),
 * "(other)" last when it has any; a new array of pointers, *n of them.
 */
const struct report_group **report_sorted(const struct report_groups *g, size_t *n);

#endif
