/*
 * escalation.h - who is paged when for one incident, pure over an
 * injected clock: an escalation policy's levels (contacts and schedules,
 * each level `escalate-after` a delay), `repeat N` rounds of them, each
 * contact's notification rules (which channel after which delay), and
 * the state an incident's escalation keeps between two looks at it.
 *
 * A level fires when it is due: its schedules are resolved to whoever is
 * on call at that instant, its contacts paged (once each, however many of
 * its targets name them), and the next level is due `escalate-after` the
 * time this one was due, not the time it was looked at, so a late look (a
 * restart) does not push the levels after it back.  After the last level
 * the first comes again, `repeat` times.  An ack stops it all; a resolve
 * stops it and tells every contact that was paged.
 */
#ifndef TRIAGED_ESCALATION_H
#define TRIAGED_ESCALATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;
struct conf_schedule;

#define ESCALATION_LEVELS_MAX  10 /* levels of one policy */
#define ESCALATION_TARGETS_MAX 16 /* targets of one level */
#define ESCALATION_REPEAT_MAX  10 /* `repeat N` */
#define ESCALATION_NOTIFY_MAX  8  /* notification rules of one contact */
#define ESCALATION_PAGED_MAX   32 /* contacts one incident's escalation remembers */
#define ESCALATION_NAME_MAX    64 /* bytes of a policy's or contact's name */
#define ESCALATION_ACTIVE_MAX  10000  /* escalations under way at once: escalation-max's default */
#define ESCALATION_ACTIVE_MAX_MAX 100000 /* the most escalation-max may say */
#define ESCALATION_AFTER_MIN   (1 * 1000000LL)	   /* escalate-after 1s ... */
#define ESCALATION_AFTER_MAX   (86400 * 1000000LL) /* ... to 1d; notify after 0s to 1d */
#define ESCALATION_NEVER       INT64_MAX
/* Pages one step may ask for: every rule of every remembered contact and a level's. */
#define ESCALATION_OUT_MAX ((ESCALATION_PAGED_MAX + ESCALATION_TARGETS_MAX) * ESCALATION_NOTIFY_MAX)

enum escalation_target_kind {
	ESCALATION_CONTACT = 0,
	ESCALATION_SCHEDULE,
};

/* index: into conf->contacts or conf->schedules. */
struct escalation_target {
	enum escalation_target_kind kind;
	int index;
};

struct escalation_level {
	struct escalation_target targets[ESCALATION_TARGETS_MAX];
	size_t ntargets; /* at least one */
	/* usec until the next level; 0 for the last of a policy without repeat */
	int64_t after;
};

struct escalation_policy {
	struct escalation_level *levels; /* ESCALATION_LEVELS_MAX allocated */
	size_t nlevels;			 /* at least one */
	uint32_t repeat;		 /* rounds after the first */
};

/*
 * The channels a contact may be paged by, each through its notifier (the
 * config's `notifier email|sms|chat|exec`).  Their names are the words of
 * `notify CHANNEL` and the prefixes of the outbox's page queues.
 */
enum escalation_channel {
	ESCALATION_EMAIL = 0,
	ESCALATION_SMS,
	ESCALATION_CHAT,
	ESCALATION_EXEC,
	ESCALATION_CHANNELS
};

/* "email", "sms", "chat", "exec"; channel_from_name: -1 when none. */
const char *escalation_channel_name(enum escalation_channel ch);
int escalation_channel_from_name(const char *name);

/* `notify CHANNEL after DELAY`: that channel, that long after they are paged. */
struct escalation_notify {
	enum escalation_channel channel;
	int64_t after;
};

/* A contact paged: by name, so a reload that renumbers contacts changes nothing. */
struct escalation_paged {
	char contact[ESCALATION_NAME_MAX + 1];
	int64_t at;	/* when they were paged: their notification rules count from it */
	uint32_t sent;	/* their notification rules done */
	uint32_t level; /* the level that paged them last, from 0 */
};

/* The escalation of a page of one contact by hand names it so: no policy's name begins so. */
#define ESCALATION_CONTACT_PREFIX "contact:"

enum escalation_phase {
	ESCALATION_ACTIVE = 0,
	ESCALATION_ACKED,    /* nothing more is sent */
	ESCALATION_RESOLVED, /* those paged were told; nothing more is sent */
};

struct escalation_state {
	char policy[sizeof(ESCALATION_CONTACT_PREFIX) + ESCALATION_NAME_MAX];
	enum escalation_phase phase;
	int64_t started;
	uint32_t level;	  /* the next level to fire, from 0 */
	uint32_t round;	  /* rounds done: repeat bounds it */
	int64_t level_at; /* when it fires; ESCALATION_NEVER: no level is left */
	struct escalation_paged paged[ESCALATION_PAGED_MAX];
	size_t npaged;
	uint32_t forgotten; /* contacts paged beyond ESCALATION_PAGED_MAX: not reminded nor told */
};

enum escalation_kind {
	ESCALATION_PAGE = 0,
	ESCALATION_TELL_RESOLVED,
};

/* One message to send: contact (an index into conf->contacts) by channel. */
struct escalation_out {
	int contact;
	enum escalation_channel channel;
	enum escalation_kind kind;
	uint32_t level; /* PAGE: the level, from 0 */
	uint32_t round;
};

struct escalation_out_list {
	struct escalation_out v[ESCALATION_OUT_MAX];
	size_t n;
};

/*
 * Who is on call in s at `at`: a contact's index, -1 nobody.  The daemon's
 * adds the overrides triagectl keeps; escalation_oncall_conf has the
 * config's alone.
 */
typedef int escalation_oncall_fn(const struct conf_schedule *s, int64_t at, void *arg);
int escalation_oncall_conf(const struct conf_schedule *s, int64_t at, void *arg);

struct escalation_env {
	const struct conf *conf;
	const struct escalation_policy *policy;
	escalation_oncall_fn *oncall;
	void *arg;
};

/* A new escalation of policy for an incident paged at now: its first level is due. */
void escalation_start(struct escalation_state *st, const char *policy, int64_t now);
/*
 * What is due by now: notification rules of contacts paged before, then
 * at most one level (call again while escalation_next is <= now).  A
 * contact that is not in the config now is skipped.
 */
void escalation_step(const struct escalation_env *env, struct escalation_state *st,
    int64_t now, struct escalation_out_list *out);
/* When a step has something to do next; ESCALATION_NEVER when nothing is left. */
int64_t escalation_next(const struct conf *conf, const struct escalation_state *st);
/* An ack: nothing more is sent.  False when it was no longer active. */
bool escalation_ack(struct escalation_state *st);
/*
 * Responders added to an incident by hand: whoever env->policy's first
 * level names now is paged now (again, if paged before) and remembered,
 * to be reminded and told of the resolve like everyone paged.
 */
void escalation_add_responders(const struct escalation_env *env, struct escalation_state *st,
    int64_t now, struct escalation_out_list *out);
/*
 * A page to contact by channel was dead-lettered: their next notification
 * rule, when it is by another channel and not sent yet, is sent now (and
 * counts as sent, so it is not sent again at its own time).  Nothing when
 * the escalation is no longer active.  True when out has it.
 */
bool escalation_fall_through(const struct conf *conf, struct escalation_state *st,
    const char *contact, enum escalation_channel dead, struct escalation_out_list *out);
/* A resolve: nothing more is paged, and every contact paged is told, by their first channel. */
void escalation_resolve(const struct conf *conf, struct escalation_state *st,
    struct escalation_out_list *out);

#endif
