/*
 * replay.h - the raw-event log run again through a configuration in a
 * scratch store, on the events' own clock: what that configuration would
 * have made of them (incidents, alerts, pages), without sending anything.
 * `triagectl replay` compares two runs to change rules safely.
 */
#ifndef TRIAGED_REPLAY_H
#define TRIAGED_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;
struct eventlog_reader;

#define REPLAY_KEYS_MAX 200000 /* distinct keys remembered per run; more are counted only */

/* One key's incidents in a run: how many incarnations, how many alerted, how many paged. */
struct replay_key {
	char *key;
	char *rule;
	uint32_t incidents, alerts, pages;
};

struct replay_result {
	uint64_t events;     /* read from the log within the window */
	uint64_t unreadable; /* records no event could be made of (counted, skipped) */
	uint64_t dropped;    /* events no incident took (a drop rule or `default drop`) */
	uint64_t incidents, alerts, pages;
	struct replay_key *keys; /* sorted by key */
	size_t nkeys;
	bool truncated; /* more than REPLAY_KEYS_MAX keys: the list is partial, the totals not */
};

/*
 * Run the events of log received from since to until (usec, UTC) through
 * conf, in a store under scratch_dir (created; left for the caller to
 * remove).  An alert is an incident that triggered; a page, one that
 * triggered under a rule that sends it to an upstream.
 */
int replay_run(const struct conf *conf, struct eventlog_reader *log, int64_t since, int64_t until,
    const char *scratch_dir, struct replay_result *out, char **cause);
void replay_result_clear(struct replay_result *r);

/* The key in r, or NULL (binary search). */
const struct replay_key *replay_find(const struct replay_result *r, const char *key);

#endif
