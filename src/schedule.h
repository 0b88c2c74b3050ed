/*
 * schedule.h - who is on call: an on-call schedule's layers of rotations,
 * their restrictions and its overrides, pure over an injected clock and
 * the schedule's time zone (maintenance.c's zone arithmetic).
 *
 * A layer hands off at a local time: daily, weekly on a weekday, or every
 * N days, so a 09:00 handoff stays 09:00 local on both sides of a change
 * of the clocks; `every` a length that is not whole days counts elapsed
 * time instead.  A handoff in a skipped hour happens when the clocks
 * change (02:30 on the night Berlin springs forward is 03:00 CEST), one
 * in a repeated hour at its first occurrence.
 *
 * Who: handoff k after the rotation's epoch (its first handoff on or after
 * its start day, 1970-01-01 when none is given) puts member k mod n on;
 * so the first member is on from the first handoff on or after the start.
 * A layer has someone only inside its restrictions (when it has any);
 * where layers overlap the later one wins; an override in force beats
 * every layer, and of two overrides the one that began later wins (the
 * later given when they began together).
 */
#ifndef TRIAGED_SCHEDULE_H
#define TRIAGED_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "maintenance.h"

#define SCHEDULE_LAYERS_MAX   16   /* layers in one schedule */
#define SCHEDULE_MEMBERS_MAX  64   /* members of one layer */
#define SCHEDULE_RESTRICT_MAX 8	   /* restrict statements of one layer */
#define SCHEDULE_SHIFTS_MAX   1000 /* rows of one rota */
#define SCHEDULE_STEPS_MAX    10000 /* changes one request looks at: ~100 ms at worst */
#define SCHEDULE_HORIZON_MAX  (90 * 86400 * 1000000LL) /* the longest rota, and "until" */
#define SCHEDULE_EVERY_MIN    (3600 * 1000000LL)       /* `every`: 1h ... */
#define SCHEDULE_EVERY_MAX    (366 * 86400 * 1000000LL) /* ... to 366d */

enum schedule_rotation {
	SCHEDULE_DAILY = 0,
	SCHEDULE_WEEKLY,
	SCHEDULE_EVERY,
};

/*
 * When a layer has someone: on the days set (bit 0 Sunday ... bit 6
 * Saturday), from minute `from` of the local day to minute `to` (1440:
 * midnight at its end); to <= from runs over midnight into the next day,
 * and such a window belongs to the day it starts.
 */
struct schedule_restrict {
	uint8_t days;
	int from, to;
};

struct schedule_layer {
	enum schedule_rotation rotation;
	int64_t length;	    /* SCHEDULE_EVERY: usec, SCHEDULE_EVERY_MIN..MAX */
	int handoff_wday;   /* SCHEDULE_WEEKLY: 0 Sunday ... 6 Saturday */
	int handoff_minute; /* of the local day, 0..1439 */
	int64_t start_day;  /* the epoch's local day, days from 1970-01-01 */
	int members[SCHEDULE_MEMBERS_MAX]; /* contacts, by index, in order; at least one */
	size_t nmembers;
	struct schedule_restrict restricts[SCHEDULE_RESTRICT_MAX]; /* none: always */
	size_t nrestricts;
};

/* contact is on call over [from, to). */
struct schedule_override {
	int contact;
	int64_t from, to;
};

struct schedule {
	char tz[MAINTENANCE_TZ_MAX + 1]; /* "": the host's zone */
	struct schedule_layer *layers;
	size_t nlayers;
	struct schedule_override *overrides; /* the config's */
	size_t noverrides;
};

/* One row of a rota: contact (-1: nobody) is on over [start, end). */
struct schedule_shift {
	int contact;
	int64_t start, end;
	int layer; /* what put them on at start: a layer's index, -1 an override */
};

/*
 * Where a rota goes: at most max rows (at least 1) into v, the caller's;
 * steps, on the way in the changes it may look at (SCHEDULE_STEPS_MAX, or
 * what is left of a budget several rotas share: each takes at least one,
 * for who is on at its start), on the way out what is left.
 */
struct schedule_rows {
	struct schedule_shift *v;
	size_t max, n;
	int steps;
	bool cut; /* it stopped before `to`: max rows, or no steps left */
};

/*
 * The shifts from `from` to `to` (at most SCHEDULE_HORIZON_MAX later),
 * consecutive pieces of one contact joined; extra are overrides besides
 * the schedule's (triagectl's, they come after the config's).  The first
 * row is who is on at `from`; its end, until when (`to` when nothing
 * changes before).
 */
void schedule_rota(const struct schedule *s, const struct schedule_override *extra,
    size_t nextra, int64_t from, int64_t to, struct schedule_rows *r);

/*
 * Parsers for the config's words; -EINVAL with *cause a phrase.  Days:
 * "mon-fri", "sat,sun", "fri-mon" (wrapping); a range of the day:
 * "09:00-17:00", "22:00-06:00" (over midnight), "00:00-24:00"; a date:
 * "2026-01-05"; a local time "2026-12-24 00:00" in tz, as a UTC usec (by
 * the rule above for skipped and repeated hours).
 */
int schedule_parse_days(const char *s, uint8_t *days, char **cause);
int schedule_parse_range(const char *s, int *from, int *to, char **cause);
int schedule_parse_date(const char *s, int64_t *day, char **cause);
int schedule_parse_local(const char *tz, const char *s, int64_t *usec, char **cause);

#endif
