/*
 * incident.c - decisions on one incident: open, repeat, threshold, hold,
 * ack, resolve, expiry.  Pure functions of the struct and an injected clock; the
 * pipeline persists the results through store.c.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "incident.h"
#include "text.h"
#include "util.h"

/*
 * Every state, by value; a value with no name is none (the order says
 * nothing).  alerts: an incident entering it has alerted someone.
 */
static const struct {
	const char *name;
	bool closed, alerts;
} states[INCIDENT_NSTATES] = {
	[INCIDENT_PENDING] = { "pending", false, false },
	[INCIDENT_TRIGGERED] = { "triggered", false, true },
	[INCIDENT_ACKNOWLEDGED] = { "acknowledged", false, false },
	[INCIDENT_RESOLVED] = { "resolved", true, false },
	[INCIDENT_EXPIRED] = { "expired", true, false },
	[INCIDENT_TRANSIENT] = { "transient", true, false },
	[INCIDENT_SUPPRESSED] = { "suppressed", false, false },
	[INCIDENT_FLAPPING] = { "flapping", false, true },
	[INCIDENT_GROUPED] = { "grouped", false, false },
};

bool
incident_state_valid(unsigned s)
{
	return s < ARRAY_SIZE(states) && states[s].name != NULL;
}

const char *
incident_state_name(enum incident_state s)
{
	return incident_state_valid((unsigned)s) ? states[s].name : "unknown";
}

const char *
timeline_kind_name(enum timeline_kind k)
{
	static const char *const names[TIMELINE_NKINDS] = {
		[TIMELINE_EVENT] = "event",
		[TIMELINE_STATE] = "state",
		[TIMELINE_NOTE] = "note",
		[TIMELINE_DELIVERY] = "delivery",
		[TIMELINE_COMMENT] = "comment",
	};

	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "unknown";
}

/*
 * A delivery records what the upstream was told, as a state: an update
 * (a flap's cycles, a group's new members) is stored as flapping, which
 * the reports count as no page, and is shown as what it was.
 */
const char *
timeline_state_name(const struct timeline_entry *e)
{
	if (e->kind == TIMELINE_DELIVERY && e->state == INCIDENT_FLAPPING)
		return "updated";
	return incident_state_name(e->state);
}

int
incident_state_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(states); i++)
		if (states[i].name != NULL && strcmp(name, states[i].name) == 0)
			return (int)i;
	if (strcmp(name, "acked") == 0)
		return INCIDENT_ACKNOWLEDGED;
	return -1;
}

bool
incident_state_closed(enum incident_state s)
{
	return incident_state_valid((unsigned)s) && states[s].closed;
}

bool
incident_state_alerts(enum incident_state s)
{
	return incident_state_valid((unsigned)s) && states[s].alerts;
}

bool
incident_is_open(const struct incident *inc)
{
	return !incident_state_closed(inc->state);
}

void
incident_start(struct incident *inc, uint64_t id, const char *key, const char *rule,
    const char *host, const char *summary, int severity, uint32_t threshold, int64_t now)
{
	memset(inc, 0, sizeof(*inc));
	inc->id = id;
	text_copy(inc->key, sizeof(inc->key), key, strlen(key));
	text_copy(inc->rule, sizeof(inc->rule), rule, strlen(rule));
	text_copy(inc->host, sizeof(inc->host), host, strlen(host));
	text_copy(inc->summary, sizeof(inc->summary), summary, strlen(summary));
	inc->severity = severity;
	inc->count = 1;
	inc->first_seen = inc->last_seen = inc->state_since = now;
	inc->state = threshold > 1 ? INCIDENT_PENDING : INCIDENT_TRIGGERED;
	inc->recent[0] = now;
	inc->nrecent = 1;
}

/* Keep the arrival times of the last `keep` occurrences, oldest first. */
static void
recent_push(struct incident *inc, uint32_t keep, int64_t now)
{
	if (keep > INCIDENT_RECENT_MAX)
		keep = INCIDENT_RECENT_MAX;
	if (keep == 0)
		keep = 1;
	if (inc->nrecent >= keep) {
		uint32_t drop = inc->nrecent - keep + 1;
		memmove(inc->recent, inc->recent + drop, (inc->nrecent - drop) * sizeof(inc->recent[0]));
		inc->nrecent -= drop;
	}
	inc->recent[inc->nrecent++] = now;
}

bool
incident_repeat(struct incident *inc, uint32_t threshold, int64_t window, int64_t now)
{
	inc->count++;
	if (now > inc->last_seen)
		inc->last_seen = now;
	if (inc->state != INCIDENT_PENDING || inc->held_since != 0)
		return false;
	recent_push(inc, threshold, now);
	if (threshold > 1 && inc->nrecent < threshold)
		return false;
	if (threshold > 1 && window > 0 && now - inc->recent[0] > window)
		return false;
	inc->state = INCIDENT_TRIGGERED;
	inc->state_since = now;
	return true;
}

bool
incident_hold(struct incident *inc, int64_t hold, int64_t now)
{
	if (hold <= 0 || inc->state != INCIDENT_TRIGGERED)
		return false;
	inc->state = INCIDENT_PENDING;
	inc->state_since = inc->held_since = now;
	return true;
}

bool
incident_hold_over(const struct incident *inc, int64_t hold, int64_t now)
{
	return inc->held_since != 0 && now - inc->held_since >= hold;
}

int
incident_release(struct incident *inc, int64_t now)
{
	if (inc->held_since == 0 || inc->state != INCIDENT_PENDING)
		return -EALREADY;
	inc->state = INCIDENT_TRIGGERED;
	inc->state_since = now;
	inc->held_since = 0;
	return 0;
}

int
incident_ack(struct incident *inc, int64_t now)
{
	if (inc->state == INCIDENT_ACKNOWLEDGED || incident_state_closed(inc->state))
		return -EALREADY;
	inc->state = INCIDENT_ACKNOWLEDGED;
	inc->state_since = inc->acked_at = now;
	inc->held_since = 0;
	return 0;
}

int
incident_resolve(struct incident *inc, int64_t now)
{
	if (incident_state_closed(inc->state))
		return -EALREADY;
	inc->state = inc->held_since != 0 ? INCIDENT_TRANSIENT : INCIDENT_RESOLVED;
	inc->state_since = inc->resolved_at = now;
	inc->flap.active = false;
	return 0;
}

int
incident_expire(struct incident *inc, int64_t now)
{
	if (inc->state != INCIDENT_PENDING)
		return -EALREADY;
	inc->state = INCIDENT_EXPIRED;
	inc->state_since = inc->resolved_at = now; /* closed then: retention counts from it */
	return 0;
}

/* Keep the earlier of a deadline and what was found so far; ties go to the one found first. */
static void
earliest(int64_t end, enum incident_expiry what, int64_t *when, enum incident_expiry *first)
{
	if (end < *when) {
		*when = end;
		*first = what;
	}
}

enum incident_expiry
incident_check_expiry(const struct incident *inc, const struct incident_policy *pol,
    int64_t now, int64_t *deadline)
{
	enum incident_expiry first = INCIDENT_KEEP;
	int64_t when = INT64_MAX;

	*deadline = INT64_MAX;
	if (!incident_is_open(inc))
		return INCIDENT_KEEP;
	if (inc->flap.active)
		/* A rule that no longer flaps (a reload) has no quiet period: it settles now. */
		earliest(inc->flap.changed + pol->flap_quiet, INCIDENT_FLAP_QUIET, &when, &first);
	/* A resolve at the very end of the hold finds it over: the hold goes first. */
	else if (inc->held_since != 0)
		earliest(inc->held_since + pol->hold, INCIDENT_HOLD_OVER, &when, &first);
	else if (inc->state == INCIDENT_PENDING && pol->threshold > 1 && pol->window > 0)
		/* The newest occurrence can still start a full window of its own. */
		earliest(inc->last_seen + pol->window, INCIDENT_BELOW_THRESHOLD, &when, &first);
	if (pol->auto_resolve > 0 && !inc->flap.active)
		earliest(inc->last_seen + pol->auto_resolve, INCIDENT_QUIET, &when, &first);
	if (now >= when)
		return first;
	*deadline = when;
	return INCIDENT_KEEP;
}

bool
incident_count_notable(uint64_t count)
{
	if (count <= 10)
		return true;
	while (count % 10 == 0)
		count /= 10;
	return count == 1;
}

void
incident_fit_key(char *key, size_t len)
{
	char tail[20];

	if (len <= INCIDENT_KEY_MAX)
		return;
	uint64_t h = hash64(key, len, 0);
	snprintf(tail, sizeof(tail), "#%016" PRIx64, h);
	/* The prefix ends between code points, or the key would not be valid UTF-8. */
	size_t keep = text_cut(key, len, INCIDENT_KEY_MAX - strlen(tail));
	memcpy(key + keep, tail, strlen(tail) + 1);
}

const char *
incident_lookup_key(const char *key, char buf[INCIDENT_KEY_MAX + 1])
{
	size_t len = strlen(key);
	char *copy;

	if (len <= INCIDENT_KEY_MAX)
		return key;
	copy = xstrdup(key);
	incident_fit_key(copy, len);
	strlcpy_t(buf, copy, INCIDENT_KEY_MAX + 1);
	free(copy);
	return buf;
}

/* Hash text with every run of digits folded to one '0', so counters and pids vary freely. */
static uint64_t
hash_folded(uint64_t h, const char *p, size_t n)
{
	bool in_digits = false;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c >= '0' && c <= '9') {
			if (in_digits)
				continue;
			in_digits = true;
			c = '0';
		} else
			in_digits = false;
		h ^= c;
		h *= 0x100000001b3ULL;
	}
	return h;
}

void
incident_default_key(char *buf, size_t size, const char *rule, const char *host,
    size_t host_len, const char *program, size_t program_len, const char *msg, size_t msg_len)
{
	uint64_t h = hash64(rule, strlen(rule) + 1, 0);

	h = hash64(host, host_len, h);
	h = hash64("\0", 1, h);
	h = hash64(program, program_len, h);
	h = hash64("\0", 1, h);
	h = hash_folded(h, msg, msg_len);
	int n = snprintf(buf, size, "%s/%.*s/%016" PRIx64, rule, (int)host_len, host, h);
	if (n > 0)
		incident_fit_key(buf, (size_t)n < size ? (size_t)n : size - 1);
}

void
incident_route_add(struct incident *inc, const char *name)
{
	size_t n = strlen(inc->route);

	snprintf(inc->route + n, sizeof(inc->route) - n, "%s%s", n ? " " : "", name);
}

/* Where name is a whole word of the space-separated route, or -1. */
static ptrdiff_t
route_find(const struct incident *inc, const char *name)
{
	size_t n = strlen(name);
	const char *w = inc->route;

	for (; (w = strstr(w, name)) != NULL; w += n)
		if ((w == inc->route || w[-1] == ' ') && (w[n] == ' ' || w[n] == '\0'))
			return w - inc->route;
	return -1;
}

bool
incident_routed(const struct incident *inc, const char *name)
{
	return *name != '\0' && route_find(inc, name) >= 0;
}

void
incident_route_del(struct incident *inc, const char *name)
{
	ptrdiff_t at = *name != '\0' ? route_find(inc, name) : -1;
	size_t n = strlen(name);
	char *w;

	if (at < 0)
		return;
	w = inc->route + at;
	if (w[n] == ' ')
		memmove(w, w + n + 1, strlen(w + n + 1) + 1);
	else
		*(at > 0 ? w - 1 : w) = '\0'; /* the last word goes with the space before it */
}
