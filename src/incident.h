/*
 * incident.h - the incident record and the decisions taken on it: dedup by
 * key, threshold, hold, resolve pairing, acknowledge, auto-resolve.  The
 * decision functions are pure (clock passed in, no I/O); store.c persists
 * the structs.
 */
#ifndef TRIAGED_INCIDENT_H
#define TRIAGED_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Stored as numbers: a state keeps its value for good, and a value may be unused. */
enum incident_state {
	INCIDENT_PENDING = 0, /* below its threshold, or in its hold; not yet an alert */
	INCIDENT_TRIGGERED = 1,
	INCIDENT_ACKNOWLEDGED = 2,
	INCIDENT_RESOLVED = 3,
	INCIDENT_EXPIRED = 4,	/* was pending and never reached its threshold: no alert ever */
	INCIDENT_TRANSIENT = 5, /* resolved within its hold: never sent, never paged */
	/*
	 * A silence or maintenance window held it when it would have been
	 * sent: still open, sent when what holds it ends.
	 */
	INCIDENT_SUPPRESSED = 6,
	INCIDENT_FLAPPING = 7, /* its key went down and up too often: one alert, updated */
	/* Fired as a member of its rule's group (group-by): never sent, its group's parent is. */
	INCIDENT_GROUPED = 8,
};
#define INCIDENT_NSTATES (INCIDENT_GROUPED + 1) /* bound of the values, used or not */

#define INCIDENT_KEY_MAX     255 /* PagerDuty's dedup_key limit; longer keys are hashed */
#define INCIDENT_NAME_MAX    128
#define INCIDENT_HOST_MAX    256
#define INCIDENT_SUMMARY_MAX 1024 /* PagerDuty's payload.summary limit */
#define INCIDENT_RECENT_MAX  64	  /* largest threshold count */
#define INCIDENT_ROUTE_MAX   256 /* upstream names its trigger was queued to */
#define INCIDENT_FIELD_MAX   256 /* PagerDuty's 255 bytes of component, group, class */
#define INCIDENT_FLAP_MAX    64  /* largest flap count */

/* What a rule says about the timing of its incidents; 0 is "none". */
struct incident_policy {
	uint32_t threshold;   /* fire on the threshold-th occurrence within window; <= 1: at once */
	int64_t window;	      /* usec */
	int64_t hold;	      /* usec: once fired, wait this long for a resolve before alerting */
	int64_t auto_resolve; /* usec: resolve after this long without an occurrence */
	uint32_t flap_cycles; /* flapping at this many down/up cycles within flap_window */
	int64_t flap_window;  /* usec */
	int64_t flap_quiet;   /* usec: flapping ends after this long without a change */
};

/* What flap detection (flap.c) keeps of a key's downs and ups. */
struct incident_flap {
	uint32_t cycles; /* down/up cycles counted since it began flapping; 0: it never did */
	bool active;	 /* flapping now */
	bool down;	 /* the key's last word: down (its match) or up (its resolve-on) */
	int64_t changed; /* when it last went down or up (usec), for the quiet period */
	/* When the recent complete cycles began, oldest first, carried from incarnation to incarnation. */
	uint32_t nstarts;
	int64_t starts[INCIDENT_FLAP_MAX];
};

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
	int64_t held_since; /* pending in its hold since (usec); 0: not held */

	/* Arrival times of the last occurrences, oldest first, for `threshold N in T`. */
	uint32_t nrecent;
	int64_t recent[INCIDENT_RECENT_MAX];

	/*
	 * Space-separated upstream names its trigger was queued to, so its
	 * acknowledge and resolve follow it there even after a reload.
	 */
	char route[INCIDENT_ROUTE_MAX];

	/*
	 * The rule's component, group and class templates, expanded with the
	 * event that fired it (or began its hold): a trigger sent later, when
	 * a hold ends, has no event to expand them with.
	 */
	char component[INCIDENT_FIELD_MAX], group[INCIDENT_FIELD_MAX], class_[INCIDENT_FIELD_MAX];

	struct incident_flap flap;
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
const char *timeline_state_name(const struct timeline_entry *e); /* a delivery: what it told */
int incident_state_from_name(const char *name); /* -1 when unknown */
/* Whether s is the value of a state (a stored record's is checked with it). */
bool incident_state_valid(unsigned s);
/*
 * Closed states (resolved, expired, transient) are kept for the record and
 * pruned by retention; an event for a closed incident's key opens a new
 * incarnation.
 */
bool incident_state_closed(enum incident_state s);
/*
 * States that alert a person (triggered, flapping): an incident alerted
 * when its timeline first changed to one, which is what the times to
 * acknowledge and to resolve are counted from (postmortems, reports).
 */
bool incident_state_alerts(enum incident_state s);

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
 * moved a pending incident to triggered.  A held incident only counts it.
 */
bool incident_repeat(struct incident *inc, uint32_t threshold, int64_t window, int64_t now);

/*
 * Hold: an incident that just fired (opened triggered, or reached its
 * threshold) goes back to pending for hold, from now, when hold > 0; then
 * a resolve makes it transient, or the hold ends and it triggers.  Returns
 * whether it is held.
 */
bool incident_hold(struct incident *inc, int64_t hold, int64_t now);
/* Held and its hold over at now: [held_since, held_since + hold) is the hold. */
bool incident_hold_over(const struct incident *inc, int64_t hold, int64_t now);
/* The hold ended: trigger it; -EALREADY when it is not held. */
int incident_release(struct incident *inc, int64_t now);

/*
 * State changes on request; -EALREADY when it is already in (or past) that
 * state.  Resolving a held incident makes it transient; acknowledging one
 * ends its hold (a person knows: it is never sent).
 */
int incident_ack(struct incident *inc, int64_t now);
int incident_resolve(struct incident *inc, int64_t now);
/* A pending incident whose window passed below its threshold; -EALREADY when not pending. */
int incident_expire(struct incident *inc, int64_t now);

enum incident_expiry {
	INCIDENT_KEEP = 0,
	INCIDENT_QUIET,	     /* no occurrence for auto_resolve: resolve it */
	INCIDENT_BELOW_THRESHOLD, /* pending and its window passed: expire it */
	INCIDENT_HOLD_OVER,	  /* held, and its hold ended without a resolve: trigger it */
	INCIDENT_FLAP_QUIET,	  /* flapping, and no down or up for flap_quiet: settle it */
};

/*
 * What the sweep should do with an open incident under its rule's policy
 * at now: of the deadlines that have come, the earliest (the hold's end
 * on a tie).  While it flaps, only its quiet period counts.  *deadline is
 * when to ask again.
 */
enum incident_expiry incident_check_expiry(const struct incident *inc,
    const struct incident_policy *pol, int64_t now, int64_t *deadline);

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
