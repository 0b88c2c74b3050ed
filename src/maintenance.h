/*
 * maintenance.h - the schedule of a recurring maintenance window: every
 * day, some days of the week or some days of the month, at a local time,
 * for a length, in a time zone.  Pure over an injected clock (the zone's
 * rules come from tzdata through the C library).
 *
 * Across a change of the clocks: a start that falls in a skipped hour
 * begins when the clocks change (02:30 on the night Berlin springs forward
 * begins at 03:00 CEST); a start in a repeated hour begins at its first
 * occurrence; the length is elapsed time, so a window over a change ends
 * an hour earlier or later by the wall clock.
 */
#ifndef TRIAGED_MAINTENANCE_H
#define TRIAGED_MAINTENANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAINTENANCE_TZ_MAX     64
#define MAINTENANCE_LENGTH_MAX (31 * 86400 * 1000000LL) /* a window's longest length */

enum maintenance_every {
	MAINTENANCE_DAILY = 0,
	MAINTENANCE_WEEKLY,  /* days: bit 0 Sunday ... bit 6 Saturday */
	MAINTENANCE_MONTHLY, /* days: bit 1 ... bit 31, the days of the month */
};

struct maintenance_schedule {
	enum maintenance_every every;
	uint32_t days;
	int minute;	/* of the local day the window starts, 0..1439 */
	int64_t length; /* usec, 1 to MAINTENANCE_LENGTH_MAX */
	char tz[MAINTENANCE_TZ_MAX + 1]; /* "": the host's local zone */
};

/*
 * Parsers for the config, each for one word; -EINVAL with *cause a
 * phrase.  Days of the week: "mon,wed" (sun ... sat); of the month:
 * "1,15" (1 to 31; a month without that day has no window that month);
 * the time of day: "02:00" (00:00 to 23:59).
 */
int maintenance_parse_weekdays(const char *s, uint32_t *days, char **cause);
int maintenance_parse_monthdays(const char *s, uint32_t *days, char **cause);
int maintenance_parse_time(const char *s, int *minute, char **cause);
/* A zone name tzdata has ("Asia/Tokyo", "UTC"): a file under TZDIR or /usr/share/zoneinfo. */
int maintenance_check_tz(const char *tz, char **cause);

/*
 * The window in force at now (*start <= now < *end), overlapping
 * occurrences taken as one, else the next one.  -ENOENT when none begins
 * within a year and a month.
 */
int maintenance_next(const struct maintenance_schedule *s, int64_t now, int64_t *start,
    int64_t *end);

/*
 * Computing a schedule sets TZ for a moment and puts it back.  A daemon
 * calls this once at start, before any thread (libcurl's resolver) may
 * read the environment: TZ is then always set (":/etc/localtime", the
 * same zone, when it was not), so later changes replace its value and
 * never grow or shrink the environment under a reader.
 */
void maintenance_tz_init(void);

/*
 * The zone arithmetic, for schedule.c as well: enter a zone ("": the
 * host's) for one computation and leave it after.  Under it, the local
 * day (days from 1970-01-01) of a UTC second; the UTC second of a local
 * day's minute, by the rule above for skipped and repeated hours; the
 * weekday of a day, 0 Sunday ... 6 Saturday.
 */
struct maintenance_zone {
	bool changed;
	char *old;
};
void maintenance_zone_enter(const char *tz, struct maintenance_zone *z);
void maintenance_zone_leave(struct maintenance_zone *z);
int64_t maintenance_local_day(int64_t t);
int64_t maintenance_local_to_utc(int64_t day, int minute);
unsigned maintenance_weekday(int64_t day);

/* "every mon,wed 22:00 for 2h tz Europe/Berlin", as the config says it. */
void maintenance_format(const struct maintenance_schedule *s, char *buf, size_t size);

#endif
