/*
 * silence.h - silences in memory: each compiled once from its record
 * (store.h), pending, active or expired by the clock, in a set the
 * caller bounds (silence-max).  Pure: no store, no loop.
 */
#ifndef TRIAGED_SILENCE_H
#define TRIAGED_SILENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matcher.h"
#include "store.h"

#define SILENCE_DEFAULT_MAX 1000
#define SILENCE_MAX_MAX	    10000 /* a silence takes up to ~12 KiB of memory */
#define SILENCE_LENGTH_MAX  (366 * 86400 * 1000000LL) /* from start to end */
#define SILENCE_KEEP	    (24 * 3600 * 1000000LL)   /* an expired silence stays listed */

enum silence_state {
	SILENCE_PENDING = 0, /* its start is to come */
	SILENCE_ACTIVE,
	SILENCE_EXPIRED,
};

struct silence {
	struct store_silence rec;
	struct matcher *m; /* rec.nmatchers of them, compiled */
};

struct silence_set {
	struct silence **v; /* by id */
	size_t n, cap;
};

/*
 * Compile rec's matchers: 1 to MATCHER_MAX, each as matcher_parse()
 * takes it, and not all of them holding for empty fields (such a silence
 * would hold everything; Alertmanager refuses it too).  -EINVAL with
 * *cause for the person who asked.
 */
int silence_compile(const struct store_silence *rec, struct silence **ret, char **cause);
void silence_free(struct silence *s); /* NULL-safe */

/* start < end, end after now, at most SILENCE_LENGTH_MAX long; -EINVAL with *cause. */
int silence_check_times(int64_t start, int64_t end, int64_t now, char **cause);
enum silence_state silence_state(const struct store_silence *rec, int64_t now);
/*
 * When a silence that holds nothing more must be looked at again: its end
 * while it is in force or to come, then SILENCE_KEEP after it; 0 once
 * that has passed (prune it now).
 */
int64_t silence_next_look(const struct store_silence *rec, int64_t now);
const char *silence_state_name(enum silence_state s); /* "pending", "active", "expired" */

void silence_set_add(struct silence_set *set, struct silence *s); /* takes s */
struct silence *silence_set_find(const struct silence_set *set, uint64_t id);
void silence_set_remove(struct silence_set *set, uint64_t id); /* frees it; no-op when absent */
void silence_set_clear(struct silence_set *set);
/* The expired silence that ended first, or NULL: pruned early to make room for a new one. */
const struct silence *silence_set_oldest_expired(const struct silence_set *set, int64_t now);
/* Of the active silences whose matchers all hold, the one that ends last; NULL when none. */
const struct silence *silence_set_match(const struct silence_set *set, int64_t now,
    matcher_lookup_fn fn, void *arg);

#endif
