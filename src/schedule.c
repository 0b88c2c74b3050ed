/*
 * schedule.c - who is on call when.  A rota is walked from change to
 * change, never day by day: each layer's answer is kept with the instant
 * it may next change (its next handoff or restriction edge) and only
 * worked out again then, so a rota costs what its changes cost.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "schedule.h"
#include "util.h"

#define DAY	 86400LL
#define DAY_USEC (DAY * USEC_PER_SEC)

/* A layer's answer, good from when it was worked out until `until`. */
struct layer_state {
	int who; /* a contact, -1: nobody */
	int64_t until;
};

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* The UTC usec of a local day's minute, under the zone entered. */
static int64_t
local_usec(int64_t day, int minute)
{
	day += minute / 1440;
	return maintenance_local_to_utc(day, minute % 1440) * USEC_PER_SEC;
}

/* The rotation's period in days; 0 for an `every` counted in elapsed time. */
static int64_t
period_days(const struct schedule_layer *l)
{
	switch (l->rotation) {
	case SCHEDULE_DAILY:
		return 1;
	case SCHEDULE_WEEKLY:
		return 7;
	case SCHEDULE_EVERY:
		break;
	}
	return l->length % DAY_USEC == 0 ? l->length / DAY_USEC : 0;
}

/* Shift k, the one in force at t, and when the next begins. */
static int64_t
layer_shift(const struct schedule_layer *l, int64_t t, int64_t *next)
{
	int64_t p = period_days(l), d0 = l->start_day, k;

	if (p == 0) {
		int64_t e0 = local_usec(d0, l->handoff_minute);
		k = floor_div(t - e0, l->length);
		*next = e0 + (k + 1) * l->length;
		return k;
	}
	if (l->rotation == SCHEDULE_WEEKLY)
		d0 += ((l->handoff_wday - (int)maintenance_weekday(d0)) % 7 + 7) % 7;
	k = floor_div(maintenance_local_day(floor_div(t, USEC_PER_SEC)) - d0, p);
	if (t < local_usec(d0 + k * p, l->handoff_minute))
		k--;
	*next = local_usec(d0 + (k + 1) * p, l->handoff_minute);
	return k;
}

/* Whether a restriction holds at t, and the next edge of any after t. */
static bool
layer_active(const struct schedule_layer *l, int64_t t, int64_t *edge)
{
	int64_t today = maintenance_local_day(floor_div(t, USEC_PER_SEC));
	bool active = l->nrestricts == 0;

	*edge = INT64_MAX;
	/*
	 * A window starts at most a week after any day, or ran on from
	 * yesterday; no window of a day that begins after the edge found
	 * can come before it.
	 */
	for (int64_t d = today - 1; d <= today + 8 && l->nrestricts > 0; d++) {
		if (d > today && *edge != INT64_MAX && local_usec(d, 0) > *edge)
			break;
		for (size_t i = 0; i < l->nrestricts; i++) {
			const struct schedule_restrict *r = &l->restricts[i];
			if (!(r->days & (1u << maintenance_weekday(d))))
				continue;
			int64_t b = local_usec(d, r->from);
			int64_t e = local_usec(d + (r->to <= r->from), r->to);
			active = active || (b <= t && t < e);
			if (b > t)
				*edge = min64(*edge, b);
			if (e > t)
				*edge = min64(*edge, e);
		}
	}
	return active;
}

static void
layer_at(const struct schedule_layer *l, int64_t t, struct layer_state *st)
{
	int64_t next, edge;
	int64_t k = layer_shift(l, t, &next);
	bool active = layer_active(l, t, &edge);
	int64_t n = (int64_t)l->nmembers;

	st->who = active ? l->members[((k % n) + n) % n] : -1;
	st->until = min64(next, edge);
}

/* The override in force at t (latest begun, later given on a tie), and the next edge. */
static void
overrides_at(const struct schedule_override *o, size_t n, int64_t t,
    const struct schedule_override **best, int64_t *edge)
{
	for (size_t i = 0; i < n; i++) {
		if (o[i].from > t) {
			*edge = min64(*edge, o[i].from);
			continue;
		}
		if (t >= o[i].to)
			continue;
		*edge = min64(*edge, o[i].to);
		if (*best == NULL || o[i].from >= (*best)->from)
			*best = &o[i];
	}
}

/* Who is on at t (into piece), and the next instant that may change. */
static int64_t
who_at(const struct schedule *s, const struct schedule_override *extra, size_t nextra,
    struct layer_state *st, int64_t t, struct schedule_shift *piece)
{
	const struct schedule_override *best = NULL;
	int64_t next = INT64_MAX;

	piece->contact = -1;
	piece->layer = -1;
	for (size_t i = 0; i < s->nlayers; i++) {
		if (st[i].until <= t)
			layer_at(&s->layers[i], t, &st[i]);
		next = min64(next, st[i].until);
		if (st[i].who >= 0) {
			piece->contact = st[i].who;
			piece->layer = (int)i;
		}
	}
	overrides_at(s->overrides, s->noverrides, t, &best, &next);
	overrides_at(extra, nextra, t, &best, &next);
	if (best != NULL) {
		piece->contact = best->contact;
		piece->layer = -1;
	}
	return next;
}

void
schedule_rota(const struct schedule *s, const struct schedule_override *extra,
    size_t nextra, int64_t from, int64_t to, struct schedule_rows *r)
{
	struct layer_state st[SCHEDULE_LAYERS_MAX];
	struct maintenance_zone z;
	struct schedule_shift piece;

	r->n = 0;
	r->cut = false;
	to = min64(to, from + SCHEDULE_HORIZON_MAX);
	for (size_t i = 0; i < s->nlayers; i++)
		st[i].until = INT64_MIN;
	maintenance_zone_enter(s->tz, &z);
	for (int64_t t = from; t < to && !r->cut; r->steps--) {
		int64_t next = min64(who_at(s, extra, nextra, st, t, &piece), to);
		if (r->n > 0 && r->v[r->n - 1].contact == piece.contact) {
			r->v[r->n - 1].end = next;
		} else if (r->n < r->max) {
			piece.start = t;
			piece.end = next;
			r->v[r->n++] = piece;
		}
		r->cut = r->v[r->n - 1].contact != piece.contact || (r->steps <= 1 && next < to);
		t = next;
	}
	maintenance_zone_leave(&z);
}

/* One weekday's bit index from a name ("mon"), through maintenance.c's parser. */
static int
one_weekday(const char *p, size_t len)
{
	char buf[4];
	uint32_t bits;
	char *why = NULL;

	if (len != 3)
		return -1;
	memcpy(buf, p, 3);
	buf[3] = '\0';
	if (maintenance_parse_weekdays(buf, &bits, &why) < 0) {
		free(why);
		return -1;
	}
	return __builtin_ctz(bits);
}

/* "mon" or "mon-fri" (wrapping past Saturday) into *days. */
static int
days_item(const char *p, size_t len, uint8_t *days)
{
	const char *dash = memchr(p, '-', len);
	int a = one_weekday(p, dash ? (size_t)(dash - p) : len);
	int b = dash ? one_weekday(dash + 1, len - (size_t)(dash - p) - 1) : a;

	if (a < 0 || b < 0)
		return -1;
	for (int d = a;; d = (d + 1) % 7) {
		*days |= (uint8_t)(1u << d);
		if (d == b)
			return 0;
	}
}

int
schedule_parse_days(const char *s, uint8_t *days, char **cause)
{
	*days = 0;
	for (const char *p = s;; p++) {
		size_t n = strcspn(p, ",");
		if (days_item(p, n, days) < 0) {
			xasprintf(cause, "expected days of the week like mon-fri or sat,sun, got '%s'",
			    s);
			return -EINVAL;
		}
		p += n;
		if (*p == '\0')
			return 0;
	}
}

int
schedule_parse_range(const char *s, int *from, int *to, char **cause)
{
	const char *dash = strchr(s, '-');
	char a[8], *why = NULL;

	if (dash == NULL || dash - s != 5 || strlen(dash + 1) != 5)
		goto bad;
	memcpy(a, s, 5);
	a[5] = '\0';
	if (maintenance_parse_time(a, from, &why) < 0)
		goto bad;
	if (strcmp(dash + 1, "24:00") == 0)
		*to = 1440;
	else if (maintenance_parse_time(dash + 1, to, &why) < 0)
		goto bad;
	if (*to != *from)
		return 0;
bad:
	free(why);
	xasprintf(cause, "expected a range of the day like 09:00-17:00, 22:00-06:00 or "
	    "00:00-24:00, got '%s'", s);
	return -EINVAL;
}

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM" as if it were UTC: seconds from 1970. */
static int
civil_seconds(const char *s, bool with_time, int64_t *secs)
{
	struct tm tm;
	const char *end;
	int mday;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", &tm);
	if (end == NULL || *end != '\0' || strlen(s) != (with_time ? 16u : 10u) ||
	    tm.tm_year < 70 || tm.tm_year > 1100)
		return -EINVAL;
	mday = tm.tm_mday;
	*secs = (int64_t)timegm(&tm);
	return tm.tm_mday == mday ? 0 : -EINVAL; /* 2026-02-30 is no day */
}

int
schedule_parse_date(const char *s, int64_t *day, char **cause)
{
	int64_t secs;

	if (civil_seconds(s, false, &secs) < 0) {
		xasprintf(cause, "expected a date like 2026-01-05 (from 1970 on), got '%s'", s);
		return -EINVAL;
	}
	*day = secs / DAY;
	return 0;
}

int
schedule_parse_local(const char *tz, const char *s, int64_t *usec, char **cause)
{
	struct maintenance_zone z;
	int64_t secs;

	if (civil_seconds(s, true, &secs) < 0) {
		xasprintf(cause, "expected a local time like \"2026-12-24 18:00\", got '%s'", s);
		return -EINVAL;
	}
	maintenance_zone_enter(tz, &z);
	*usec = local_usec(secs / DAY, (int)(secs % DAY / 60));
	maintenance_zone_leave(&z);
	return 0;
}
