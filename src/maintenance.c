/*
 * maintenance.c - when a recurring maintenance window is in force.  Dates
 * are walked as civil days (no time zone needed to know a weekday); only a
 * selected day's start is turned into UTC, under the window's zone, by the
 * rule maintenance.h states for skipped and repeated hours.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "maintenance.h"
#include "util.h"

#define DAY	     86400LL
#define LOOK_AHEAD   400 /* days: "every month 31" finds a month within two */

static const char *const weekdays[7] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };

/* The day of the month of a day counted from 1970-01-01 (H. Hinnant's civil_from_days). */
static unsigned
day_of_month(int64_t z)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	return doy - (153 * mp + 2) / 5 + 1;
}

unsigned
maintenance_weekday(int64_t z)
{
	return (unsigned)(z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void
maintenance_zone_enter(const char *tz, struct maintenance_zone *sv)
{
	const char *old = getenv("TZ");

	sv->changed = *tz != '\0';
	sv->old = NULL;
	if (!sv->changed)
		return;
	sv->old = old ? xstrdup(old) : NULL;
	setenv("TZ", tz, 1);
	tzset();
}

void
maintenance_zone_leave(struct maintenance_zone *sv)
{
	if (!sv->changed)
		return;
	if (sv->old != NULL)
		setenv("TZ", sv->old, 1);
	else
		unsetenv("TZ");
	free(sv->old);
	tzset();
}

void
maintenance_tz_init(void)
{
	if (getenv("TZ") == NULL) {
		setenv("TZ", ":/etc/localtime", 1);
		tzset();
	}
}

/* Seconds east of UTC at t. */
static long
offset_at(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	return localtime_r(&tt, &tm) ? tm.tm_gmtoff : 0;
}

int64_t
maintenance_local_day(int64_t t)
{
	return floor_div(t + offset_at(t), DAY);
}

/*
 * The UTC second a local wall time names: the earlier of two in a repeated
 * hour; in a skipped hour, the moment the clocks changed.
 */
int64_t
maintenance_local_to_utc(int64_t day, int minute)
{
	int64_t t0 = day * DAY + minute * 60LL;
	long before = offset_at(t0 - DAY), after = offset_at(t0 + DAY);
	int64_t a = t0 - before, b = t0 - after;
	bool va = offset_at(a) == before, vb = offset_at(b) == after;

	if (va && vb)
		return a < b ? a : b;
	if (va || vb)
		return va ? a : b;
	int64_t lo = a < b ? a : b, hi = a < b ? b : a;
	long first = offset_at(lo);
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;
		if (offset_at(mid) == first)
			lo = mid;
		else
			hi = mid;
	}
	return hi;
}

static bool
selected(const struct maintenance_schedule *s, int64_t day)
{
	switch (s->every) {
	case MAINTENANCE_DAILY:
		return true;
	case MAINTENANCE_WEEKLY:
		return s->days & (1u << maintenance_weekday(day));
	case MAINTENANCE_MONTHLY:
		return s->days & (1u << day_of_month(day));
	}
	return false;
}

static int
next_in_zone(const struct maintenance_schedule *s, int64_t now, int64_t *start, int64_t *end)
{
	int64_t today = maintenance_local_day(floor_div(now, USEC_PER_SEC));
	bool found = false;

	/* From as far back as a window that is still in force can have started. */
	for (int64_t d = today - s->length / (DAY * USEC_PER_SEC) - 2; d <= today + LOOK_AHEAD; d++) {
		if (!selected(s, d))
			continue;
		int64_t b = maintenance_local_to_utc(d, s->minute) * USEC_PER_SEC, e = b + s->length;
		if (e <= now)
			continue;
		if (found && b > *end)
			break; /* not overlapping the one in force */
		if (found) {
			*end = e > *end ? e : *end;
			continue;
		}
		*start = b;
		*end = e;
		found = true;
		if (b > now)
			break;
	}
	return found ? 0 : -ENOENT;
}

int
maintenance_next(const struct maintenance_schedule *s, int64_t now, int64_t *start,
    int64_t *end)
{
	struct maintenance_zone sv;
	int r;

	maintenance_zone_enter(s->tz, &sv);
	r = next_in_zone(s, now, start, end);
	maintenance_zone_leave(&sv);
	return r;
}

/* "a,b,c" of numbers or names, each through one(), ORed into *days. */
static int
parse_list(const char *s, uint32_t *days, int (*one)(const char *, size_t), const char *what,
    char **cause)
{
	*days = 0;
	for (const char *p = s;; p++) {
		size_t n = strcspn(p, ",");
		int bit = n > 0 ? one(p, n) : -1;
		if (bit < 0) {
			xasprintf(cause, "expected %s separated by commas, got '%s'", what, s);
			return -EINVAL;
		}
		*days |= 1u << bit;
		p += n;
		if (*p == '\0')
			return 0;
	}
}

static int
weekday_bit(const char *p, size_t n)
{
	for (int i = 0; i < 7; i++)
		if (n == 3 && strncmp(p, weekdays[i], 3) == 0)
			return i;
	return -1;
}

static int
monthday_bit(const char *p, size_t n)
{
	char buf[4];
	int64_t d;

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return parse_int64(buf, 1, 31, &d) < 0 ? -1 : (int)d;
}

int
maintenance_parse_weekdays(const char *s, uint32_t *days, char **cause)
{
	return parse_list(s, days, weekday_bit, "days of the week (mon, tue, wed, thu, fri, "
	    "sat, sun)", cause);
}

int
maintenance_parse_monthdays(const char *s, uint32_t *days, char **cause)
{
	return parse_list(s, days, monthday_bit, "days of the month (1 to 31)", cause);
}

int
maintenance_parse_time(const char *s, int *minute, char **cause)
{
	bool digits = strlen(s) == 5 && s[2] == ':' && strspn(s, "0123456789") == 2 &&
	    strspn(s + 3, "0123456789") == 2;
	int h = digits ? (s[0] - '0') * 10 + s[1] - '0' : 99, m = digits ? (s[3] - '0') * 10 + s[4] - '0' : 99;

	if (h > 23 || m > 59) {
		xasprintf(cause, "expected a time of day like 02:00, got '%s'", s);
		return -EINVAL;
	}
	*minute = h * 60 + m;
	return 0;
}

int
maintenance_check_tz(const char *tz, char **cause)
{
	const char *dir = getenv("TZDIR");
	char path[512];
	struct stat st;

	if (strlen(tz) == 0 || strlen(tz) > MAINTENANCE_TZ_MAX || tz[0] == '/' ||
	    strstr(tz, "..") != NULL || strspn(tz, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") != strlen(tz)) {
		xasprintf(cause, "'%s' is not a time zone name like Europe/Berlin", tz);
		return -EINVAL;
	}
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "unknown time zone '%s' (no %s; is tzdata installed?)", tz, path);
		return -EINVAL;
	}
	return 0;
}

/* "mon,wed" or "1,15" from a bit set. */
static void
format_days(const struct maintenance_schedule *s, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < 32 && off < size; i++) {
		if (!(s->days & (1u << i)))
			continue;
		int n = s->every == MAINTENANCE_WEEKLY ?
		    snprintf(buf + off, size - off, "%s%s", off ? "," : "", i < 7 ? weekdays[i] : "?") :
		    snprintf(buf + off, size - off, "%s%d", off ? "," : "", i);
		off += n > 0 ? (size_t)n : 0;
	}
}

void
maintenance_format(const struct maintenance_schedule *s, char *buf, size_t size)
{
	char days[128], len[64];

	format_days(s, days, sizeof(days));
	format_duration(s->length, len, sizeof(len));
	snprintf(buf, size, "every %s%s %02d:%02d for %s%s%s",
	    s->every == MAINTENANCE_DAILY ? "day" : s->every == MAINTENANCE_MONTHLY ? "month " : "",
	    s->every == MAINTENANCE_DAILY ? "" : days, s->minute / 60, s->minute % 60, len,
	    s->tz[0] ? " tz " : "", s->tz);
}
