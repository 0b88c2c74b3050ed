/*
 * pipeline_int.h - what pipeline.c shares with sweep.c, its timed half,
 * pipeline_send.c, its deliveries, suppress.c (silences and maintenance
 * windows; pipeline_inhibit.c, inhibit rules), pipeline_person.c and
 * pipeline_notes.c (what people do) and pipeline_tally.c (report counts):
 * the pipeline's state and the helpers they use to change an incident
 * inside the open batch.  Nothing else includes it.
 */
#ifndef TRIAGED_PIPELINE_INT_H
#define TRIAGED_PIPELINE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <systemd/sd-event.h>

#include "group.h"
#include "incident.h"
#include "latency.h"
#include "log.h"
#include "outbox.h"
#include "pipeline.h"
#include "pipeline_inhibit.h"
#include "silence.h"
#include "store.h"
#include "suppress.h"

struct conf;
struct event;
struct rule;
struct str;

#define SWEEP_RULE_GONE (60 * USEC_PER_SEC) /* look again at incidents of a removed rule */
#define FIRED_TRACKED	64 /* per batch */

/*
 * Every accepted event not yet committed, packed: those of the open batch,
 * so that a batch that meets a full LMDB map is redone in a grown one, and
 * those taken while the store refuses writes (disk full), written by the
 * first batch that commits again.  Nothing accepted is lost while the
 * daemon runs.  Bounded: a batch commits when they fill REPLAY_MAX, and
 * while the store refuses writes, events beyond it are refused (counted).
 */
#define REPLAY_MAX (16 * 1024 * 1024)

struct replay {
	char *buf;
	size_t len, cap;
	size_t *offs;	/* where each event begins */
	size_t n, nmax;
	size_t applied; /* the first `applied` are in the open batch */
	size_t counted; /* the first `counted` were processed once: counters have them */
};

/*
 * Dead-lettered pages whose fall-through to the contact's next channel
 * (pipeline_escalate.c) waits for a batch: made by the next batch's
 * prepare, forgotten here when it commits, made again by the one after
 * when it is lost, so a failed commit neither loses nor doubles one.
 * Bounded: beyond DEAD_PAGES_MAX one is refused (oncall.fall_through_lost)
 * and that contact's next channel comes at its own time.
 */
#define DEAD_PAGES_MAX 64

struct dead_pages {
	struct dead_page {
		uint64_t id;
		char *queue; /* "CHANNEL/NAME" */
	} v[DEAD_PAGES_MAX];
	size_t n;
	size_t applied; /* the first `applied` are in the open batch */
	uint64_t fell;	/* fall-throughs the open batch makes */
	uint64_t lost;	/* unreadable ones it drops */
};

struct pipeline {
	struct daemon *d;
	struct store_txn *txn;	  /* the batch's transaction, for the call under way */
	size_t batch_events;	  /* events in the open batch */
	struct replay replay;	  /* ... and their copies */
	sd_event_source *sweep;	  /* auto-resolve and threshold expiry (sweep.c) */
	int64_t sweep_at;	  /* when it is set to go off (realtime usec); INT64_MAX: off */
	/*
	 * After a reload that brought a deadline forward: every open incident
	 * is filed again, SWEEP_MAX a tick, from the id after refile_after
	 * (refile_next once its batch commits).
	 */
	bool refiling;
	uint64_t refile_after, refile_next;
	struct pipeline_stats stats;
	struct log_ratelimit store_rl;
	struct log_ratelimit fold_rl; /* max-open folding, once a minute at most */
	/*
	 * When the events that fired an incident in the open batch were
	 * received (the first FIRED_TRACKED of them), and how long the last
	 * ones took to be durable: a new line becoming an incident.
	 */
	int64_t fired_recv[FIRED_TRACKED];
	size_t nfired;
	struct latency fired_latency;
	/* Silences and maintenance windows (suppress.c). */
	struct silence_set silences;
	struct suppress_window *windows; /* one per conf->maintenance: its occurrence, cached */
	size_t nwindows;
	size_t release_budget; /* held incidents a sweep tick may still release */
	struct suppress_stats sstats;
	/* The open batch's counts for reports, for one hour at a time (pipeline_tally.c). */
	int64_t tally_at;
	struct store_tally tally;
	bool tallied;
	struct inhibit_stats istats; /* inhibit statements (pipeline_inhibit.c) */
	struct group_stats gstats; /* pipeline_group.c */
	struct dead_pages dead;	   /* pipeline_escalate.c */
};

/* The batch's transaction for this call; NULL (counted, logged) when the store refuses. */
struct store_txn *pipeline_begin(struct pipeline *p, const char *dropping);
/*
 * pipeline_tally.c: add d to the open batch's counts for the hour at falls
 * in; they are written when the batch commits (pipeline_tally_write, from
 * its prepare: 1 when it wrote; what is counted after that waits for the
 * next batch) and forgotten when it is lost, as the events that made
 * them are processed again.
 */
void pipeline_tally(struct pipeline *p, int64_t at, const struct store_tally *d);
int pipeline_tally_write(struct pipeline *p, struct store_txn *t);
void pipeline_tally_forget(struct pipeline *p);

/* Counted and logged (rate-limited): a write into the batch failed. */
void pipeline_store_failed(struct pipeline *p, int r, const char *what);
void pipeline_timeline_add(struct pipeline *p, const struct incident *inc,
    enum timeline_kind kind, int64_t at, const char *text, size_t len);
void pipeline_timeline_state(struct pipeline *p, const struct incident *inc, int64_t at,
    const char *why);
/* File id in the deadline index at when (STORE_NO_DEADLINE: take it out). */
void pipeline_deadline_save(struct pipeline *p, uint64_t id, int64_t when);
/* When the sweep must look at inc again, by its rule in conf. */
int64_t pipeline_deadline_of(const struct conf *conf, const struct incident *inc);
/* What rule (NULL: default keep) says of its incidents' timing. */
void pipeline_policy(const struct rule *rule, struct incident_policy *pol);
/* inc was just resolved at at (by why); held: it was in its hold, so it is transient. */
void pipeline_closed(struct pipeline *p, struct incident *inc, int64_t at, bool held,
    const char *why);
void pipeline_incident_save(struct pipeline *p, const struct incident *inc);
/*
 * pipeline_send.c: the trigger of inc, fired by ev (NULL: its hold ended),
 * to every upstream its rule sends to.
 */
void pipeline_queue_trigger(struct pipeline *p, const struct rule *rule, struct incident *inc,
    struct event *ev);
/* Keep in inc the rule's payload fields expanded with ev, for a trigger sent later. */
void pipeline_payload_fields(const struct rule *rule, struct incident *inc, struct event *ev);
/* action for inc to upstream with payload: 0 queued, 1 shed, 2 suppressed, -errno. */
int pipeline_queue_one(struct pipeline *p, struct incident *inc, const char *upstream,
    enum outbox_action action, const char *payload);
/* An acknowledge or resolve follows its trigger to where the trigger went. */
void pipeline_queue_change(struct pipeline *p, struct incident *inc, enum outbox_action action);
/*
 * News of inc, already sent (a flapping one's cycles), follows its trigger
 * as an update; ev's message is its last event (NULL: the timeline's).
 */
void pipeline_queue_update(struct pipeline *p, struct incident *inc, const struct event *ev);

/*
 * pipeline_flap.c: flap detection for a rule with flap.  A down for an
 * open incident: a flapping one's new cycle, sent as an update.
 */
void pipeline_flap_down(struct pipeline *p, struct incident *inc, const struct event *ev);
/*
 * Its up: true when flap detection took it (flapping, or starting to:
 * sent once); false for an ordinary resolve, left to the caller.
 */
bool pipeline_flap_up(struct pipeline *p, const struct rule *rule, struct incident *inc,
    const struct event *ev);
/* Its quiet period passed: resolved when last up, triggered again when last down. */
void pipeline_flap_settle(struct pipeline *p, const struct rule *rule, struct incident *inc,
    int64_t now);
/*
 * pipeline_group.c: grouping for a rule with group-by (group.h).  inc
 * fired (ev: the event that fired it, or the one kept for its hold): it
 * joins the open parent of its values, or opens one, and is grouped, never
 * sent itself; why says into what.  False when it cannot join (the store
 * failed, or the parent's key names an incident that is no parent): then
 * it is sent as any incident.
 */
bool pipeline_group_join(struct pipeline *p, const struct rule *rule, struct incident *inc,
    struct event *ev, int64_t now, char *why, size_t size);
/* A deadline of id came: true when it is a parent, whose wait or interval is dealt with. */
bool pipeline_group_due(struct pipeline *p, struct incident *inc, int64_t now);
/*
 * inc was saved: a closed member tells its parent (which resolves with its
 * last one); an open parent files its group's deadline.
 */
void pipeline_group_saved(struct pipeline *p, const struct incident *inc);

/* A change written into the open batch by fn, then committed at once; *cause says why not. */
int pipeline_commit(struct pipeline *p, int (*fn)(struct pipeline *p, void *arg, char **cause),
    void *arg, char **cause);

/*
 * suppress.c, the pipeline's side of silences and maintenance windows.
 * Holder ids name what holds an incident, in the held index and in the
 * deadline index beside incident ids (which never reach these bits).
 */
#define SUPPRESS_SILENCE (1ULL << 63) /* | the silence's id */
#define SUPPRESS_WINDOW	 (1ULL << 62) /* | a hash of the window's name */
#define SUPPRESS_INHIBIT (SUPPRESS_SILENCE | SUPPRESS_WINDOW) /* | the inhibiting incident's id */
#define SUPPRESS_KIND(id)   ((id) & SUPPRESS_INHIBIT)
#define SUPPRESS_HOLDER(id) (SUPPRESS_KIND(id) != 0)
/*
 * What matchers, inhibit keys and group keys are looked up in: the
 * incident's key, rule, host, summary and severity, else its event's field.
 */
struct suppress_subject {
	const struct incident *inc;
	const struct event *ev;
};
bool suppress_subject_lookup(const char *field, struct str *v, void *arg);
int suppress_start(struct pipeline *p);
void suppress_stop(struct pipeline *p);
/*
 * inc would be sent now: when an active silence or window matches it (or
 * ev), it is made suppressed and held, and why says by what; false when
 * nothing holds it.
 */
bool suppress_hold(struct pipeline *p, struct incident *inc, const struct event *ev, int64_t now,
    char *why, size_t size);
/* Keep ev, which fired inc into its hold, for suppress_hold_kept when the hold ends. */
void suppress_keep(struct pipeline *p, const struct incident *inc, const struct event *ev);
/*
 * suppress_hold for inc, which would be sent now that its hold ended, with
 * the event kept for it (or one made of the incident); when nothing holds
 * it, what was kept is forgotten.
 */
bool suppress_hold_kept(struct pipeline *p, struct incident *inc, int64_t now, char *why,
    size_t size);
/* A holder's deadline came: release what it held, a few a tick, then prune it. */
void suppress_due(struct pipeline *p, uint64_t holder, int64_t now);
/*
 * The event kept for held inc into ev (*buf to free after), true; else one
 * made of the incident, false.
 */
bool suppress_kept_event(struct pipeline *p, const struct incident *inc, struct event *ev,
    char **buf);
/* inc was closed: what was kept to send it is not needed. */
void suppress_closed(struct pipeline *p, const struct incident *inc);
/* Windows that changed or went look at what they held again. */
void suppress_reconfigured(struct pipeline *p, const struct conf *old);

/*
 * pipeline_inhibit.c, the index of inhibiting incidents.  inc, fired by
 * ev, alerts: filed under each inhibit statement whose source it is.
 */
void inhibit_file(struct pipeline *p, const struct incident *inc, const struct event *ev);
/*
 * The alerting incident that inhibits inc (fired by ev), read in t: its
 * holder id and "inhibited by incident 5 (KEY) of rule ..."; false when none.
 */
bool inhibit_find(struct pipeline *p, struct store_txn *t, const struct incident *inc,
    const struct event *ev, uint64_t *holder, char *desc, size_t size);
/* inc closed: out of the index; what it held is due at the next sweep. */
void inhibit_unfile(struct pipeline *p, const struct incident *inc);
/* Statements a reload removed or changed let go of what their sources held. */
void inhibit_reconfigured(struct pipeline *p, const struct conf *old);

/*
 * pipeline_escalate.c, escalation policies.  An incident's next step is
 * filed in the deadline index under ESCALATION_HOLDER | its id (ids never
 * reach this bit; suppress.c's holders use the two above it).  At most
 * escalation-max are under way; one more is refused, counted and said on
 * its incident's timeline.
 */
#define ESCALATION_HOLDER     (1ULL << 61)
/* inc triggered: its rule's policy (if any) starts paging. */
void escalate_start(struct pipeline *p, const struct rule *rule, struct incident *inc);
/* The deadline of holder (ESCALATION_HOLDER | id) came. */
void escalate_due(struct pipeline *p, uint64_t holder, int64_t now);
/* An acknowledge stops inc's escalation; a resolve stops it and tells those paged. */
void escalate_change(struct pipeline *p, struct incident *inc, enum outbox_action action);

/* sweep.c: the timer that expires incidents, started with the pipeline. */
int sweep_start(struct pipeline *p);
void sweep_stop(struct pipeline *p);
/* A deadline was filed at when: the timer goes off no later than that. */
void sweep_arm(struct pipeline *p, int64_t when);
/*
 * What the deadlines of inc that came by now say, done now (and saved) if
 * the timer has not done it yet: what an event does next does not depend
 * on how late the timer runs.
 */
void sweep_catch_up(struct pipeline *p, struct incident *inc, int64_t now);
/* Refile every open incident's deadline, a few a tick: a reload shortened one. */
void sweep_refile_all(struct pipeline *p);
/* The configuration was old: refile when a rule now expires incidents sooner. */
void sweep_reconfigured(struct pipeline *p, const struct conf *old);
/* The refile pass's batch committed or was lost. */
/*
 * pipeline_escalate.c, the dead pages' batch hooks: write those not in the
 * open batch yet (1 when it wrote, -errno fails the batch); the batch
 * committed; it is lost or redone; the pipeline is freed.
 */
int pipeline_dead_prepare(struct pipeline *p, struct store_txn *t);
void pipeline_dead_committed(struct pipeline *p);
void pipeline_dead_rolled_back(struct pipeline *p);
void pipeline_dead_free(struct pipeline *p);
void sweep_committed(struct pipeline *p);
void sweep_rolled_back(struct pipeline *p);

#endif
