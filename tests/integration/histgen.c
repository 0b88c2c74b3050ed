/*
 * histgen.c - a month (or any number of days) of incident history with
 * past timestamps, for the report tests: what a daemon would have written
 * had it run then.  It writes through the store's own interface (the
 * functions triaged uses: incident_start/ack/resolve over an injected
 * clock, store_incident_put, store_timeline_add, store_tally_add) into a
 * state directory no triaged is using, then prints what a report of it
 * must say, as JSON, counted here on its own.  A test-only tool: it is
 * built by `make check` and installed nowhere.
 *
 *   histgen STATE_DIR END DAYS SEED
 *
 * END is a Unix time in seconds; the history covers the DAYS days before
 * it.  The same SEED gives the same history.  Every incident alerts when
 * it opens; most are acknowledged and resolved within the hour; "link
 * down" and "disk full" page (one delivered trigger each).  Weekdays
 * 09:00 to 17:59 UTC are busier.  One host's name is hostile markup.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "store.h"
#include "util.h"

#define S USEC_PER_SEC
#define MIN (60 * S)
#define H (3600 * S)

static const char *const rules[] = { "link down", "disk full", "oom killer", "login storm" };
static const char *const hosts[] = { "sw1", "sw2", "db-1", "web-1", "<script>alert(1)</script>" };

struct expect {
	uint64_t incidents, acked, resolved, events, pages, dropped;
	int64_t ack_sum, resolve_sum;
	uint64_t by_rule[4], week[7][24];
};

static uint64_t rnd_state;

static uint64_t
rnd(uint64_t n)
{
	rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (rnd_state >> 33) % n;
}

static void
check(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "histgen: %s: %s\n", what, strerror(-r));
		exit(1);
	}
}

static void
line(struct store_txn *t, const struct incident *inc, enum timeline_kind kind,
    enum incident_state st, int64_t at, const char *text)
{
	struct timeline_entry e = { .at = at, .kind = kind, .state = st, .count = inc->count };

	strlcpy_t(e.text, text, sizeof(e.text));
	check(store_timeline_add(t, inc->id, &e), "adding to a timeline");
}

/* Acknowledged or resolved `after` its alert, on its timeline, counted for the means. */
static void
settle(struct store_txn *t, struct incident *inc, enum incident_state st, int64_t after,
    uint64_t *n, int64_t *sum)
{
	int64_t at = inc->first_seen + after;
	bool ack = st == INCIDENT_ACKNOWLEDGED;

	if (ack)
		incident_ack(inc, at);
	else
		incident_resolve(inc, at);
	line(t, inc, TIMELINE_STATE, st, at,
	    ack ? "acknowledged: by histgen (uid 0)" : "resolved: resolve-on matched");
	(*n)++;
	*sum += after;
}

/* One incident opened at at, its timeline, and its part of the hourly counts. */
static void
incident(struct store_txn *t, int64_t at, struct expect *x)
{
	size_t ri = (size_t)rnd(ARRAY_SIZE(rules));
	const char *rule = rules[ri], *host = hosts[rnd(ARRAY_SIZE(hosts))];
	bool pages = ri < 2;
	char key[INCIDENT_KEY_MAX + 1], text[128];
	struct incident inc;
	uint64_t id;

	check(store_next_id(t, &id), "allocating an id");
	snprintf(key, sizeof(key), "%s/%s/%" PRIu64, host, rule, id);
	snprintf(text, sizeof(text), "%s on %s", rule, host);
	incident_start(&inc, id, key, rule, host, text, 3, 0, at);
	inc.count = 1 + rnd(20);
	line(t, &inc, TIMELINE_STATE, INCIDENT_TRIGGERED, at, "triggered: opened");
	line(t, &inc, TIMELINE_EVENT, INCIDENT_TRIGGERED, at, text);
	check(store_tally_add(t, at, &(struct store_tally) { .events = inc.count, .opened = 1 }),
	    "counting");
	if (pages) {
		line(t, &inc, TIMELINE_DELIVERY, INCIDENT_TRIGGERED, at + S,
		    "delivered trigger to pd: HTTP 202");
		check(store_tally_add(
		          t, at + S, &(struct store_tally) { .deliveries = 1, .pages = 1 }),
		    "counting");
	}
	x->incidents++;
	x->events += inc.count;
	x->pages += pages;
	x->by_rule[ri]++;
	x->week[((at / S / 86400) + 3) % 7][(at / H) % 24]++; /* 1970-01-01 was a Thursday */
	if (rnd(10) < 8)
		settle(t, &inc, INCIDENT_ACKNOWLEDGED, (1 + (int64_t)rnd(30)) * MIN, &x->acked,
		    &x->ack_sum);
	if (rnd(10) < 9)
		settle(t, &inc, INCIDENT_RESOLVED, (31 + (int64_t)rnd(150)) * MIN, &x->resolved,
		    &x->resolve_sum);
	check(store_incident_put(t, &inc), "saving an incident");
}

/* One hour: its noise (dropped by rules) and its incidents, more on weekday working hours. */
static void
hour(struct store_txn *t, int64_t start, struct expect *x)
{
	int64_t wday = ((start / S / 86400) + 3) % 7, h = (start / H) % 24;
	bool busy = wday < 5 && h >= 9 && h < 18;
	uint64_t noise = 100 + rnd(400), n = rnd(busy ? 10 : 3);

	check(
	    store_tally_add(t, start, &(struct store_tally) { .events = noise, .dropped = noise }),
	    "counting");
	x->events += noise;
	x->dropped += noise;
	for (uint64_t i = 0; i < n; i++)
		incident(t, start + (int64_t)rnd(3600) * S, x);
}

static void
print_expect(const struct expect *x)
{
	printf("{\"incidents\": %" PRIu64 ", \"alerts\": %" PRIu64 ", \"acknowledged\": %" PRIu64
	       ", \"resolved\": %" PRIu64 ", \"events_in\": %" PRIu64 ", \"dropped\": %" PRIu64
	       ", \"pages\": %" PRIu64 ", \"mtta_usec\": %" PRId64 ", \"mttr_usec\": %" PRId64
	       ", \"rules\": {",
	    x->incidents, x->incidents, x->acked, x->resolved, x->events, x->dropped, x->pages,
	    x->acked ? x->ack_sum / (int64_t)x->acked : -1,
	    x->resolved ? x->resolve_sum / (int64_t)x->resolved : -1);
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", rules[i], x->by_rule[i]);
	printf("}, \"hour_of_week\": [");
	for (int d = 0; d < 7; d++) {
		printf("%s[", d ? ", " : "");
		for (int h = 0; h < 24; h++)
			printf("%s%" PRIu64, h ? ", " : "", x->week[d][h]);
		printf("]");
	}
	printf("]}\n");
}

int
main(int argc, char **argv)
{
	struct expect x;
	struct store *s;
	int64_t end, days, seed;
	char *cause = NULL;

	if (argc != 5 || parse_int64(argv[2], 1, INT64_MAX / S, &end) < 0
	    || parse_int64(argv[3], 1, 400, &days) < 0
	    || parse_int64(argv[4], 0, INT64_MAX, &seed) < 0) {
		fprintf(stderr, "usage: histgen STATE_DIR END DAYS SEED\n");
		return 2;
	}
	if (store_open(argv[1], NULL, &s, &cause) < 0) {
		fprintf(stderr, "histgen: %s\n", cause);
		return 1;
	}
	memset(&x, 0, sizeof(x));
	rnd_state = (uint64_t)seed;
	/* Whole hours, the first one at or after END - DAYS, each day in its own transaction. */
	int64_t first = (end * S - days * 86400 * S + H - 1) / H * H;
	for (int64_t at = first; at + H <= end * S;) {
		struct store_txn *t;
		check(store_txn_begin(s, true, &t), "beginning");
		for (int i = 0; i < 24 && at + H <= end * S; i++, at += H)
			hour(t, at, &x);
		check(store_txn_commit(t), "committing");
	}
	store_close(s);
	print_expect(&x);
	return 0;
}
