/*
 * incident.h - the incident record and the decisions taken on it: dedup by
 * key, threshold, resolve pairing, acknowledge, auto-resolve.  The decision
 * functions are pure (clock passed in, no I/O); store.c persists the structs.
 */
#ifndef TRIAGED_INCIDENT_H
#define TRIAGED_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum incident_state {
	INCIDENT_PENDING = 0, /* below its threshold; not yet an alert */
	INCIDENT_TRIGGERED,
	INCIDENT_ACKNOWLEDGED,
	INCIDENT_RESOLVED,
	INCIDENT_EXPIRED, /* was pending and never reached its threshold: no alert ever */
};
#define INCIDENT_NSTATES (INCIDENT_EXPIRED + 1)
/* Resolved and expired incidents are closed: kept for the record, pruned by retention. */
#define INCIDENT_STATE_CLOSED(s) ((s) >= INCIDENT_RESOLVED)

#define INCIDENT_KEY_MAX     255 /* PagerDuty's dedup_key limit; longer keys are hashed */
#define INCIDENT_NAME_MAX    128
#define INCIDENT_HOST_MAX    256
#define INCIDENT_SUMMARY_MAX 1024 /* PagerDuty's payload.summary limit */
#define INCIDENT_RECENT_MAX  64	  /* largest threshold count */
#define INCIDENT_ROUTE_MAX   256 /* upstream names its trigger was queued to */

struct incident {
	uint64_t id; /* unique and increasing; one per incarnation of a key */
	char key[INCIDENT_KEY_MAX + 1];
	char rule[INCIDENT_NAME_MAX];
	char host[INCIDENT_HOST_MAX];
	char summary[INCIDENT_SUMMARY_MAX + 1];

	enum incident_state state;
	int severity; /* syslog severity 0..7 */
	uint64_t count;
	int64_t first_seen, last_seen; /* usec, UTC, when received */
	int64_t state_since;	       /* when the current state began */
	int64_t acked_at, resolved_at; /* 0 until it happens; resolved_at: when closed (expired too) */

	/* Arrival times of the last occurrences, oldest first, for `threshold N in T`. */
	uint32_t nrecent;
	int64_t recent[INCIDENT_RECENT_MAX];

	/*
	 * Space-separated upstream names its trigger was queued to, so its
	 * acknowledge and resolve follow it there even after a reload.
	 */
	char route[INCIDENT_ROUTE_MAX];
};

enum timeline_kind {
	TIMELINE_EVENT = 0, /* an event that matched; text is its message */
	TIMELINE_STATE,	    /* a state change; text says why */
	TIMELINE_NOTE,	    /* anything else worth a line in a postmortem */
	TIMELINE_DELIVERY,  /* an upstream took a delivery; state is what it was told */
	TIMELINE_COMMENT,   /* a person's note (triagectl note): "by WHO: TEXT" */
};
#define TIMELINE_NKINDS (TIMELINE_COMMENT + 1)

#define TIMELINE_TEXT_MAX 1024

struct timeline_entry {
	int64_t at; /* usec, UTC */
	enum timeline_kind kind;
	enum incident_state state; /* the new state, for TIMELINE_STATE */
	uint64_t count;		   /* the incident's count at that moment */
	char text[TIMELINE_TEXT_MAX];
};

const char *incident_state_name(enum incident_state s);
const char *timeline_kind_name(enum timeline_kind k); /* "event", "state", ... */
int incident_state_from_name(const char *name); /* -1 when unknown */

/* Not resolved: a matching event updates it instead of opening a new one. */
bool incident_is_open(const struct incident *inc);

/*
 * Start a new incarnation at now.  With threshold <= 1 it is triggered at
 * once; otherwise it stays pending until incident_repeat() sees the
 * threshold-th occurrence within window.  Strings are truncated to fit.
 */
void incident_start(struct incident *inc, uint64_t id, const char *key, const char *rule,
    const char *host, const char *summary, int severity, uint32_t threshold, int64_t now);

/*
 * Record one more occurrence at now.  Returns true when this occurrence
 * moved a pending incident to triggered.
 */
bool incident_repeat(struct incident *inc, uint32_t threshold, int64_t window, int64_t now);

/* State changes on request; -EALREADY when it is already in (or past) that state. */
int incident_ack(struct incident *inc, int64_t now);
int incident_resolve(struct incident *inc, int64_t now);
/* A pending incident whose window passed below its threshold; -EALREADY when not pending. */
int incident_expire(struct incident *inc, int64_t now);

enum incident_expiry {
	INCIDENT_KEEP = 0,
	INCIDENT_QUIET,	     /* no occurrence for auto_resolve: resolve it */
	INCIDENT_BELOW_THRESHOLD, /* pending and its window passed: expire it */
};

/*
 * What the periodic sweep should do with an open incident.  auto_resolve
 * and window come from its rule (0 = none).  *deadline is when to ask again.
 */
enum incident_expiry incident_check_expiry(const struct incident *inc, int64_t auto_resolve,
    int64_t window, int64_t now, int64_t *deadline);

/*
 * Whether the count just reached deserves its own timeline line: the first
 * ten occurrences, then each power of ten, so a storm stays readable.
 */
bool incident_count_notable(uint64_t count);

/*
 * The key for an event with no key template: "RULE/HOST/HEX" where HEX is a
 * stable 64-bit hash of rule, host, program and the message with digit runs
 * folded, so "pid 812" and "pid 913" share a key, and the same input on two
 * hosts running triaged gives the same key.
 */
void incident_default_key(char *buf, size_t size, const char *rule, const char *host,
    size_t host_len, const char *program, size_t program_len, const char *msg, size_t msg_len);

/*
 * Make a key fit INCIDENT_KEY_MAX: a longer one keeps a prefix, cut
 * between UTF-8 characters, and "#" with a hash of the whole.  key holds
 * len bytes and room for the result.
 */
void incident_fit_key(char *key, size_t len);

/*
 * The key a person typed as the store knows it: itself when it fits, else
 * its fitted form in buf, so the whole long key works as well as the
 * stored one.
 */
const char *incident_lookup_key(const char *key, char buf[INCIDENT_KEY_MAX + 1]);

/* The upstreams in inc->route: add one, ask for one, take one out (no-op when absent). */
void incident_route_add(struct incident *inc, const char *name);
bool incident_routed(const struct incident *inc, const char *name);
void incident_route_del(struct incident *inc, const char *name);

#endif
