/*
 * report.c - the arithmetic of triagectl report (see report.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report.h"
#include "util.h"

#define GROUP_SLOTS (2 * REPORT_GROUPS_MAX) /* a power of two, never more than half full */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
civil_days(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned mp = m > 2 ? m - 3 : m + 9; /* months from March */
	unsigned doy = (153 * mp + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static void
zone_tm(bool utc, int64_t at, struct tm *tm)
{
	time_t t = (time_t)(at >= 0 ? at / USEC_PER_SEC : (at + 1) / USEC_PER_SEC - 1);

	if ((utc ? gmtime_r(&t, tm) : localtime_r(&t, tm)) == NULL)
		memset(tm, 0, sizeof(*tm));
}

/* The local date of at, as days since 1970-01-01. */
static int64_t
local_day(bool utc, int64_t at)
{
	struct tm tm;

	zone_tm(utc, at, &tm);
	return civil_days(
	    (int64_t)tm.tm_year + 1900, (unsigned)tm.tm_mon + 1, (unsigned)tm.tm_mday);
}

/* The local midnight that begins a date (days since 1970), usec UTC. */
static int64_t
day_start(bool utc, int64_t day)
{
	struct tm tm = { .tm_mday = (int)(day + 1), .tm_mon = 0, .tm_year = 70, .tm_isdst = -1 };
	time_t t = utc ? timegm(&tm) : mktime(&tm);

	return (int64_t)t * USEC_PER_SEC;
}

void
report_init(struct report *r, int64_t since, int64_t until, bool utc)
{
	int64_t first = local_day(utc, since), last = local_day(utc, until);

	memset(r, 0, sizeof(*r));
	r->since = since;
	r->until = until;
	r->utc = utc;
	r->oldest = INT64_MAX;
	r->rules.other.name = r->hosts.other.name = (char *)REPORT_OTHER;
	r->ndays = last < first ? 1 : (size_t)(last - first + 1);
	if (r->ndays > REPORT_DAYS_MAX)
		r->ndays = REPORT_DAYS_MAX;
	for (size_t i = 0; i < r->ndays; i++)
		r->days[i].start = day_start(utc, first + (int64_t)i);
}

static void
groups_free(struct report_groups *g)
{
	for (size_t i = 0; g->slots != NULL && i < GROUP_SLOTS; i++)
		free(g->slots[i].name);
	free(g->slots);
}

void
report_free(struct report *r)
{
	groups_free(&r->rules);
	groups_free(&r->hosts);
}

/* The group of name, made when new; "(other)" once REPORT_GROUPS_MAX names are known. */
static struct report_group *
group_of(struct report_groups *g, const char *name)
{
	size_t i;

	if (g->slots == NULL)
		g->slots = xcalloc(GROUP_SLOTS, sizeof(*g->slots));
	for (i = hash64(name, strlen(name), 0) & (GROUP_SLOTS - 1); g->slots[i].name != NULL;
	     i = (i + 1) & (GROUP_SLOTS - 1))
		if (strcmp(g->slots[i].name, name) == 0)
			return &g->slots[i];
	if (g->n >= REPORT_GROUPS_MAX)
		return &g->other;
	g->n++;
	g->slots[i].name = xstrdup(name);
	return &g->slots[i];
}

static void
stat_add(struct report_stat *st, const struct report_incident *ri)
{
	st->incidents++;
	st->events += ri->count;
	st->pages += ri->pages;
	if (ri->alerted <= 0)
		return; /* held, expired, silenced: nobody was asked to act */
	st->alerts++;
	if (ri->acked > 0) {
		st->acked++;
		st->ack_sum += ri->acked > ri->alerted ? ri->acked - ri->alerted : 0;
	}
	if (ri->resolved > 0) {
		st->resolved++;
		st->resolve_sum += ri->resolved > ri->alerted ? ri->resolved - ri->alerted : 0;
	}
}

void
report_week_slot(const struct report *r, int64_t at, int *wday, int *hour)
{
	struct tm tm;

	zone_tm(r->utc, at, &tm);
	*wday = (tm.tm_wday + 6) % 7;
	*hour = tm.tm_hour;
}

long
report_day_of(const struct report *r, int64_t at)
{
	int64_t i = local_day(r->utc, at) - local_day(r->utc, r->since);

	return i >= 0 && (uint64_t)i < r->ndays ? (long)i : -1;
}

void
report_day_label(const struct report *r, size_t i, char *buf, size_t size)
{
	struct tm tm;

	zone_tm(r->utc, r->days[i].start, &tm);
	if (strftime(buf, size, "%Y-%m-%d", &tm) == 0 && size > 0)
		buf[0] = '\0';
}

void
report_add_incident(struct report *r, const struct report_incident *ri)
{
	int wday, hour;
	long day = report_day_of(r, ri->first_seen);

	stat_add(&r->all, ri);
	stat_add(&group_of(&r->rules, ri->rule)->st, ri);
	stat_add(&group_of(&r->hosts, ri->host)->st, ri);
	if (day >= 0)
		stat_add(&r->days[day].st, ri);
	report_week_slot(r, ri->first_seen, &wday, &hour);
	r->week[wday][hour]++;
	r->walked++;
	if (ri->first_seen < r->oldest)
		r->oldest = ri->first_seen;
}

static void
tally_sum(struct store_tally *to, const struct store_tally *n)
{
	to->events += n->events;
	to->dropped += n->dropped;
	to->opened += n->opened;
	to->deliveries += n->deliveries;
	to->pages += n->pages;
}

void
report_add_hour(struct report *r, int64_t hour, const struct store_tally *n)
{
	long day = report_day_of(r, hour);

	tally_sum(&r->in, n);
	if (day >= 0)
		tally_sum(&r->days[day].in, n);
}

int64_t
report_mean(int64_t sum, uint64_t n)
{
	return n == 0 ? -1 : sum / (int64_t)n;
}

double
report_reduction(uint64_t in, uint64_t out)
{
	return in == 0 ? -1 : 100.0 * ((double)in - (double)out) / (double)in;
}

static int
group_cmp(const void *a, const void *b)
{
	const struct report_group *x = *(const struct report_group *const *)a;
	const struct report_group *y = *(const struct report_group *const *)b;

	if (x->st.incidents != y->st.incidents)
		return x->st.incidents > y->st.incidents ? -1 : 1;
	if (x->st.events != y->st.events)
		return x->st.events > y->st.events ? -1 : 1;
	return strcmp(x->name, y->name);
}

const struct report_group **
report_sorted(const struct report_groups *g, size_t *n)
{
	const struct report_group **out = xcalloc(g->n + 2, sizeof(*out));

	*n = 0;
	for (size_t i = 0; g->slots != NULL && i < GROUP_SLOTS; i++)
		if (g->slots[i].name != NULL)
			out[(*n)++] = &g->slots[i];
	qsort(out, *n, sizeof(*out), group_cmp);
	if (g->other.st.incidents > 0)
		out[(*n)++] = &g->other;
	return out;
}
